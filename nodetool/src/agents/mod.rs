//! Agents (feature `agents`): a model reaches an objective by planning subtasks and carrying
//! them out with tools — NodeTool's `nodetool.agents`, typed where Rust does better.
//!
//! - [`Tool`]: what a model can call (name, description, JSON Schema of its arguments, an
//!   async call with the run's context). `#[tool]` derives one from an async fn; any
//!   registered node ([`NodeTool`]) or graph ([`WorkflowTool`]) is one too. A tool's error
//!   goes back to the model as the call's result; it never ends the run.
//! - Planning: the model calls `create_task` with NodeTool's Task shape (`{title, subtasks:
//!   [{id, content, input_tasks, output_schema, max_tool_calls}]}`); the plan is checked
//!   (unique ids, existing input tasks, no cycle, valid JSON Schemas, known tools) and a
//!   refused plan goes back with every problem, up to [`AgentLimits::max_plan_attempts`]
//!   times.
//! - Execution: subtasks whose input tasks are done run concurrently (at most
//!   [`AgentLimits::max_concurrency`]), each in its own conversation that ends when the model
//!   calls `finish_subtask` with a result following the subtask's schema (an invalid one
//!   goes back to it). Tool calls, model turns and tokens are limited; at a limit the model is
//!   asked once to conclude, then the subtask fails, naming the limit. The last subtask's
//!   result is the agent's.
//! - Events in NodeTool's JSON on the context's listener: `planning_update`, `task_update`,
//!   `tool_call_update`, `chunk`, `subtask_result`.
//!
//! ```no_run
//! use nodetool::agents::{Agent, AgentLimits};
//! use nodetool::chat::OpenAiProvider;
//! use nodetool::workflows::ProcessingContext;
//! use std::sync::Arc;
//!
//! # async fn demo() -> Result<(), nodetool::agents::AgentError> {
//! let provider = Arc::new(OpenAiProvider::new(None).with_base_url("http://127.0.0.1:8080/v1"));
//! let mut run = Agent::new("Write a haiku about Rust", provider, "local")
//!     .without_planning()
//!     .limits(AgentLimits { max_iterations: 4, ..AgentLimits::default() })
//!     .execute(&ProcessingContext::default());
//! while let Some(event) = run.next_event().await {
//!     println!("{}", serde_json::to_string(&event).unwrap());
//! }
//! let haiku = run.result().await?;
//! # Ok(()) }
//! ```

mod agent;
mod events;
mod executor;
#[doc(hidden)]
pub mod macro_support;
mod node_tool;
mod plan;
mod planner;
mod prompts;
mod schema;
mod subtask;
mod tool;

pub use agent::{Agent, AgentExecution};
pub use node_tool::{node_tool_name, workflow_parameters, NodeTool, WorkflowTool};
pub use plan::CREATE_TASK;
pub use subtask::{SubTaskError, FINISH_SUBTASK};
pub use tool::{
    definition, parse_args, registered_tool, registered_tool_names, resolve_tool, resolve_tools,
    RegisteredTool, Tool, ToolError, ToolSet,
};

use crate::chat::ChatError;

/// How far an agent may go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentLimits {
    /// Tool calls per subtask (a subtask's own `max_tool_calls` may lower it).
    pub max_tool_calls: u32,
    /// Model turns per subtask.
    pub max_iterations: u32,
    /// Tokens (read and written, as the provider counts them) per subtask.
    pub max_tokens: u64,
    /// Subtasks running at once.
    pub max_concurrency: usize,
    /// How many plans the model may submit before planning fails.
    pub max_plan_attempts: u32,
    /// The most subtasks a plan may have.
    pub max_subtasks: usize,
    /// `max_tokens` of each model request (the provider's default when `None`).
    pub max_reply_tokens: Option<u32>,
}

impl Default for AgentLimits {
    fn default() -> Self {
        Self {
            max_tool_calls: 16,
            max_iterations: 24,
            max_tokens: 200_000,
            max_concurrency: 4,
            max_plan_attempts: 3,
            max_subtasks: 10,
            max_reply_tokens: None,
        }
    }
}

impl AgentLimits {
    /// The defaults, overridden by `NODETOOL_AGENT_MAX_CONCURRENCY`,
    /// `NODETOOL_AGENT_MAX_TOOL_CALLS`, `NODETOOL_AGENT_MAX_ITERATIONS` and
    /// `NODETOOL_AGENT_TOKEN_BUDGET` where set; a value that is not a number is an error
    /// naming the setting and where it was set.
    pub fn from_env(env: &crate::config::Environment) -> Result<Self, crate::config::ConfigError> {
        let mut limits = Self::default();
        if let Some(n) = env.get_parsed::<usize>("NODETOOL_AGENT_MAX_CONCURRENCY")? {
            limits.max_concurrency = n.max(1);
        }
        if let Some(n) = env.get_parsed::<u32>("NODETOOL_AGENT_MAX_TOOL_CALLS")? {
            limits.max_tool_calls = n;
        }
        if let Some(n) = env.get_parsed::<u32>("NODETOOL_AGENT_MAX_ITERATIONS")? {
            limits.max_iterations = n.max(1);
        }
        if let Some(n) = env.get_parsed::<u64>("NODETOOL_AGENT_TOKEN_BUDGET")? {
            limits.max_tokens = n;
        }
        Ok(limits)
    }
}

crate::register_setting! {
    package: "nodetool",
    env_var: "NODETOOL_AGENT_MAX_CONCURRENCY",
    group: "Agents",
    description: "How many subtasks of an agent run at once (default 4).",
    is_secret: false,
}

crate::register_setting! {
    package: "nodetool",
    env_var: "NODETOOL_AGENT_MAX_TOOL_CALLS",
    group: "Agents",
    description: "How many tool calls one agent subtask may make (default 16).",
    is_secret: false,
}

crate::register_setting! {
    package: "nodetool",
    env_var: "NODETOOL_AGENT_MAX_ITERATIONS",
    group: "Agents",
    description: "How many model turns one agent subtask may take (default 24).",
    is_secret: false,
}

crate::register_setting! {
    package: "nodetool",
    env_var: "NODETOOL_AGENT_TOKEN_BUDGET",
    group: "Agents",
    description: "How many tokens (read and written) one agent subtask may use (default 200000).",
    is_secret: false,
}

/// Why an agent did not reach its objective.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// No valid plan: the problems of the last attempt.
    #[error("planning failed after {attempts} attempt(s): {}", errors.join("; "))]
    Planning {
        /// How many plans were submitted.
        attempts: u32,
        /// What was wrong with the last one.
        errors: Vec<String>,
    },
    /// A subtask failed (the others were stopped).
    #[error("subtask `{id}` failed: {source}")]
    SubTask {
        /// The subtask.
        id: String,
        /// Why.
        source: SubTaskError,
    },
    /// The model could not be asked.
    #[error(transparent)]
    Chat(ChatError),
    /// The run was cancelled.
    #[error("the agent was cancelled")]
    Cancelled,
    /// The result does not fit the agent's output type.
    #[error("the result does not fit the output type: {0}")]
    Output(String),
    /// The agent's task panicked.
    #[error("the agent panicked")]
    Panicked,
}
