//! [`TaskPlanner`]: the model writes the plan by calling `create_task`; a plan that fails the
//! checks goes back to it with every problem, a bounded number of times.

use super::events::Events;
use super::plan::{create_task_parameters, read_plan, CREATE_TASK};
use super::prompts;
use super::tool::ToolSet;
use super::{AgentError, AgentLimits};
use crate::chat::{self, ChatError, ChatProvider, ChatRequest, Message};
use crate::metadata::Task;
use crate::workflows::ProcessingContext;
use serde_json::{json, Value};

/// Asks a model for a plan.
pub(crate) struct TaskPlanner<'a> {
    pub(crate) ctx: &'a ProcessingContext,
    pub(crate) provider: &'a dyn ChatProvider,
    pub(crate) model: &'a str,
    pub(crate) tools: &'a ToolSet,
    pub(crate) limits: &'a AgentLimits,
    pub(crate) events: &'a Events,
    pub(crate) output_schema: Option<&'a Value>,
}

impl TaskPlanner<'_> {
    /// A valid plan for `objective`, or the problems of the last attempt.
    pub(crate) async fn plan(&self, objective: &str) -> Result<Task, AgentError> {
        self.events.planning("Planning", "Starting", None).await;
        let create_task = chat::Tool {
            name: CREATE_TASK.to_owned(),
            description: "Submit the plan: a title and subtasks whose input_tasks form a DAG."
                .to_owned(),
            parameters: create_task_parameters(self.limits.max_subtasks),
        };
        let mut history = vec![
            Message::system(prompts::planner_system(self.limits.max_subtasks)),
            Message::user(prompts::planner_user(
                objective,
                self.tools,
                self.output_schema,
            )),
        ];
        let attempts = self.limits.max_plan_attempts.max(1);
        let mut problems = Vec::new();
        for attempt in 1..=attempts {
            let request = ChatRequest {
                model: self.model.to_owned(),
                messages: history.clone(),
                tools: vec![create_task.clone()],
                force_tool: Some(CREATE_TASK.to_owned()),
                max_tokens: self.limits.max_reply_tokens,
                ..ChatRequest::default()
            };
            let reply = self
                .provider
                .generate_message(&request, self.ctx.cancellation_token())
                .await
                .map_err(|e| match e {
                    ChatError::Cancelled => AgentError::Cancelled,
                    other => AgentError::Chat(other),
                })?;
            history.push(Message {
                tool_calls: reply.tool_calls.clone(),
                ..Message::assistant(reply.text.clone())
            });
            let outcome = match reply.tool_calls.iter().find(|c| c.name == CREATE_TASK) {
                Some(call) => read_plan(&call.arguments, self.tools, self.limits.max_subtasks),
                None => Err(vec![prompts::PLAN_MISSING.to_owned()]),
            };
            let answer = match &outcome {
                Ok(_) => json!({"status": "accepted"}),
                Err(errors) => json!({"error": prompts::plan_refused(errors)}),
            };
            for call in &reply.tool_calls {
                let result = if call.name == CREATE_TASK {
                    answer.clone()
                } else {
                    json!({"error": format!("`{}` is not available while planning", call.name)})
                };
                history.push(Message::tool_result(call, &result));
            }
            match outcome {
                Ok(mut task) => {
                    if let (Some(schema), Some(last)) =
                        (self.output_schema, task.subtasks.last_mut())
                    {
                        last.output_schema = schema.to_string();
                    }
                    self.events
                        .planning(
                            "Plan Creation",
                            "Success",
                            Some(format!(
                                "Created plan '{}' with {} subtasks.",
                                task.title,
                                task.subtasks.len()
                            )),
                        )
                        .await;
                    return Ok(task);
                }
                Err(errors) => {
                    if reply.tool_calls.is_empty() {
                        history.push(Message::user(prompts::plan_refused(&errors)));
                    }
                    let status = if attempt < attempts {
                        "Retrying"
                    } else {
                        "Failed"
                    };
                    self.events
                        .planning("Plan Creation", status, Some(errors.join("\n")))
                        .await;
                    problems = errors;
                }
            }
        }
        Err(AgentError::Planning {
            attempts,
            errors: problems,
        })
    }
}
