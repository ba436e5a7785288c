//! [`Agent`]: an objective, a model and tools; it plans subtasks (or runs one), executes them
//! and gives a typed result, posting NodeTool's events as it goes.

use super::events::Events;
use super::executor::TaskExecutor;
use super::planner::TaskPlanner;
use super::subtask::SubTaskRunner;
use super::tool::{Tool, ToolSet};
use super::{AgentError, AgentLimits};
use crate::chat::ChatProvider;
use crate::metadata::{SubTask, Task};
use crate::workflows::messages::{ProcessingMessage, TaskUpdateEvent};
use crate::workflows::ProcessingContext;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use tokio::sync::mpsc;
use tracing::Instrument;

/// An agent: it reaches `objective` by planning subtasks (a model writes the plan with
/// `create_task`), running those whose input tasks are done concurrently, each in its own
/// conversation with the tools, and returns the last subtask's result as a `T`.
///
/// ```no_run
/// use nodetool::agents::Agent;
/// use nodetool::chat::OpenAiProvider;
/// use nodetool::workflows::ProcessingContext;
/// use serde_json::json;
/// use std::sync::Arc;
///
/// # async fn demo() -> Result<(), nodetool::agents::AgentError> {
/// let provider = Arc::new(OpenAiProvider::new(None).with_base_url("http://127.0.0.1:8080/v1"));
/// // `output_type::<T>()` types the result with T's JSON Schema (schemars) instead.
/// let answer = Agent::new("Add the prices in prices.txt", provider, "local")
///     .output_schema(json!({"type": "object", "properties": {"total": {"type": "number"}}}))
///     .run(&ProcessingContext::default())
///     .await?;
/// println!("{}", answer["total"]);
/// # Ok(()) }
/// ```
pub struct Agent<T = Value> {
    objective: String,
    provider: Arc<dyn ChatProvider>,
    model: String,
    planning_model: Option<String>,
    tools: ToolSet,
    output_schema: Option<Value>,
    system_prompt: Option<String>,
    limits: AgentLimits,
    planning: bool,
    task: Option<Task>,
    _output: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for Agent<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Agent")
            .field("objective", &self.objective)
            .field("provider", &self.provider.name())
            .field("model", &self.model)
            .field("tools", &self.tools)
            .field("planning", &self.planning)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl<T> Clone for Agent<T> {
    fn clone(&self) -> Self {
        Self {
            objective: self.objective.clone(),
            provider: Arc::clone(&self.provider),
            model: self.model.clone(),
            planning_model: self.planning_model.clone(),
            tools: self.tools.clone(),
            output_schema: self.output_schema.clone(),
            system_prompt: self.system_prompt.clone(),
            limits: self.limits.clone(),
            planning: self.planning,
            task: self.task.clone(),
            _output: PhantomData,
        }
    }
}

impl Agent<Value> {
    /// An agent reaching `objective` with `model` of `provider`; its result is any JSON.
    pub fn new(
        objective: impl Into<String>,
        provider: Arc<dyn ChatProvider>,
        model: impl Into<String>,
    ) -> Self {
        Self {
            objective: objective.into(),
            provider,
            model: model.into(),
            planning_model: None,
            tools: ToolSet::new(),
            output_schema: None,
            system_prompt: None,
            limits: AgentLimits::default(),
            planning: true,
            task: None,
            _output: PhantomData,
        }
    }

    /// The result must follow `schema` (a JSON Schema); it stays JSON.
    pub fn output_schema(mut self, schema: Value) -> Self {
        self.output_schema = Some(schema);
        self
    }
}

impl<T> Agent<T> {
    /// The result is a `U`: its JSON Schema (schemars) is the final subtask's output schema.
    pub fn output_type<U: schemars::JsonSchema + DeserializeOwned>(self) -> Agent<U> {
        let mut schema = schemars::SchemaGenerator::default()
            .into_root_schema_for::<U>()
            .to_value();
        if let Value::Object(map) = &mut schema {
            map.remove("$schema");
        }
        Agent {
            objective: self.objective,
            provider: self.provider,
            model: self.model,
            planning_model: self.planning_model,
            tools: self.tools,
            output_schema: Some(schema),
            system_prompt: self.system_prompt,
            limits: self.limits,
            planning: self.planning,
            task: self.task,
            _output: PhantomData,
        }
    }

    /// Adds a tool.
    pub fn tool(mut self, tool: impl Tool + 'static) -> Self {
        self.tools.insert(Arc::new(tool));
        self
    }

    /// Adds every tool of `tools`.
    pub fn tools(mut self, tools: impl IntoIterator<Item = Arc<dyn Tool>>) -> Self {
        tools.into_iter().for_each(|t| self.tools.insert(t));
        self
    }

    /// Plans with `model` instead of the execution model.
    pub fn planning_model(mut self, model: impl Into<String>) -> Self {
        self.planning_model = Some(model.into());
        self
    }

    /// Instructions every subtask's model receives before its own.
    pub fn system_prompt(mut self, prompt: impl Into<String>) -> Self {
        self.system_prompt = Some(prompt.into());
        self
    }

    /// Sets the limits.
    pub fn limits(mut self, limits: AgentLimits) -> Self {
        self.limits = limits;
        self
    }

    /// No planning: the objective is one subtask (NodeTool's SimpleAgent).
    pub fn without_planning(mut self) -> Self {
        self.planning = false;
        self
    }

    /// Runs `task` instead of asking a model for a plan (it is checked the same way).
    pub fn with_task(mut self, task: Task) -> Self {
        self.task = Some(task);
        self
    }

    /// The tools the agent has.
    pub fn tool_set(&self) -> &ToolSet {
        &self.tools
    }

    /// The task to run: the given one (checked), one subtask for the objective, or the
    /// planner's.
    async fn task(&self, ctx: &ProcessingContext, events: &Events) -> Result<Task, AgentError> {
        let schema_text = self.output_schema.as_ref().map(Value::to_string);
        if let Some(task) = &self.task {
            let args = serde_json::to_value(task).unwrap_or(Value::Null);
            let mut task =
                super::plan::read_plan(&args, &self.tools, usize::MAX).map_err(|errors| {
                    AgentError::Planning {
                        attempts: 0,
                        errors,
                    }
                })?;
            if let (Some(schema), Some(last)) = (schema_text, task.subtasks.last_mut()) {
                last.output_schema = schema;
            }
            return Ok(task);
        }
        if !self.planning {
            let mut sub = SubTask::new("task", self.objective.clone());
            sub.output_schema = schema_text.unwrap_or_default();
            return Ok(Task {
                title: self.objective.clone(),
                subtasks: vec![sub],
                ..Task::default()
            });
        }
        TaskPlanner {
            ctx,
            provider: self.provider.as_ref(),
            model: self.planning_model.as_deref().unwrap_or(&self.model),
            tools: &self.tools,
            limits: &self.limits,
            events,
            output_schema: self.output_schema.as_ref(),
        }
        .plan(&self.objective)
        .await
    }
}

impl<T: DeserializeOwned> Agent<T> {
    /// Runs the agent, posting its events (`planning_update`, `task_update`,
    /// `tool_call_update`, `chunk`, `subtask_result`) on `ctx`'s listener; cancelled through
    /// `ctx`'s token. Subtask results and conversations are kept in `ctx`'s workspace, if it
    /// has one (`agent/<id>.json`, `agent/<id>.log.jsonl`, `agent/task.json`).
    pub async fn run(&self, ctx: &ProcessingContext) -> Result<T, AgentError> {
        let span = tracing::info_span!(
            "agent",
            provider = self.provider.name(),
            model = %self.model,
        );
        self.run_in_span(ctx).instrument(span).await
    }

    async fn run_in_span(&self, ctx: &ProcessingContext) -> Result<T, AgentError> {
        let events = Events::new(ctx);
        let task = self.task(ctx, &events).await?;
        events.set_task(task);
        events.task_update(TaskUpdateEvent::TaskCreated, None).await;
        let executor = TaskExecutor {
            runner: SubTaskRunner {
                ctx,
                provider: self.provider.as_ref(),
                model: &self.model,
                tools: &self.tools,
                limits: &self.limits,
                events: &events,
                system_prompt: self.system_prompt.as_deref(),
            },
            max_concurrency: self.limits.max_concurrency,
        };
        let result = tokio::select! {
            biased;
            () = ctx.cancellation_token().cancelled() => return Err(AgentError::Cancelled),
            result = executor.run() => result?,
        };
        serde_json::from_value(result).map_err(|e| AgentError::Output(e.to_string()))
    }
}

impl<T: DeserializeOwned + Send + 'static> Agent<T> {
    /// Starts the agent on a task of its own: read its events with
    /// [`AgentExecution::next_event`], then its result with [`AgentExecution::result`].
    /// Dropping the execution stops the agent.
    pub fn execute(self, ctx: &ProcessingContext) -> AgentExecution<T> {
        let (tx, rx) = mpsc::channel(256);
        let ctx = ctx.with_listener(Some(tx));
        let handle = tokio::spawn(async move { self.run(&ctx).await }.in_current_span());
        AgentExecution {
            events: rx,
            handle: Some(handle),
        }
    }
}

/// A running agent: its events, then its result.
#[derive(Debug)]
pub struct AgentExecution<T> {
    events: mpsc::Receiver<ProcessingMessage>,
    handle: Option<tokio::task::JoinHandle<Result<T, AgentError>>>,
}

impl<T> AgentExecution<T> {
    /// The next event; `None` once the agent has ended.
    pub async fn next_event(&mut self) -> Option<ProcessingMessage> {
        self.events.recv().await
    }

    /// The result (events not yet read are dropped).
    pub async fn result(mut self) -> Result<T, AgentError> {
        self.events.close();
        while self.events.recv().await.is_some() {}
        match self.handle.take() {
            Some(handle) => handle.await.map_err(|e| {
                if e.is_cancelled() {
                    AgentError::Cancelled
                } else {
                    AgentError::Panicked
                }
            })?,
            None => Err(AgentError::Cancelled),
        }
    }
}

impl<T> Drop for AgentExecution<T> {
    fn drop(&mut self) {
        if let Some(handle) = &self.handle {
            handle.abort();
        }
    }
}
