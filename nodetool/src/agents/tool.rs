//! [`Tool`]: what an agent (or an LLM node) can call, and [`ToolSet`], the tools of one agent.

use crate::chat;
use crate::workflows::{BoxFuture, ProcessingContext};
use serde_json::{json, Value};
use std::fmt;
use std::sync::Arc;

/// Why a tool call failed. The agent hands the message back to the model as the call's
/// result; it never ends the run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ToolError {
    /// The arguments do not fit the tool's parameters.
    #[error("invalid arguments for `{tool}`: {message}")]
    InvalidArguments {
        /// The tool.
        tool: String,
        /// What is wrong.
        message: String,
    },
    /// The tool refused or failed.
    #[error("{0}")]
    Failed(String),
    /// The run was cancelled.
    #[error("cancelled")]
    Cancelled,
}

impl ToolError {
    /// A failure with `message`.
    pub fn failed(message: impl fmt::Display) -> Self {
        Self::Failed(message.to_string())
    }

    /// The JSON a model receives for this error.
    pub fn to_json(&self) -> Value {
        json!({ "error": self.to_string() })
    }
}

/// A capability an agent can call: a name, a description, a JSON Schema of its arguments, and
/// an async call with the run's [`ProcessingContext`] (workspace, HTTP client, settings,
/// cancellation).
///
/// Write one by hand, or let `#[tool]` derive it from an async fn:
///
/// ```
/// use nodetool::agents::{Tool, ToolError};
/// use nodetool::workflows::{BoxFuture, ProcessingContext};
/// use serde_json::{json, Value};
///
/// struct Echo;
///
/// impl Tool for Echo {
///     fn name(&self) -> &str { "echo" }
///     fn description(&self) -> &str { "Returns its text." }
///     fn parameters(&self) -> Value {
///         json!({"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]})
///     }
///     fn call<'a>(&'a self, _ctx: &'a ProcessingContext, args: Value)
///         -> BoxFuture<'a, Result<Value, ToolError>> {
///         Box::pin(async move { Ok(args["text"].clone()) })
///     }
/// }
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let out = Echo.call(&ProcessingContext::default(), json!({"text": "hi"})).await;
/// assert_eq!(out, Ok(json!("hi")));
/// # });
/// ```
pub trait Tool: Send + Sync {
    /// The name the model calls it by (letters, digits, `_` and `-`).
    fn name(&self) -> &str;

    /// What it does, for the model.
    fn description(&self) -> &str;

    /// The JSON Schema (an object schema) of its arguments.
    fn parameters(&self) -> Value;

    /// Runs it with `args` (a JSON object).
    fn call<'a>(
        &'a self,
        ctx: &'a ProcessingContext,
        args: Value,
    ) -> BoxFuture<'a, Result<Value, ToolError>>;

    /// A line for the user while it runs (`tool_call_update`'s message).
    fn user_message(&self, args: &Value) -> String {
        let _ = args;
        format!("Calling {}", self.name())
    }
}

/// The definition a chat model receives for `tool`.
pub fn definition(tool: &dyn Tool) -> chat::Tool {
    chat::Tool {
        name: tool.name().to_owned(),
        description: tool.description().to_owned(),
        parameters: tool.parameters(),
    }
}

/// The tools of an agent, by name (a later tool with a name already taken replaces it).
#[derive(Clone, Default)]
pub struct ToolSet {
    tools: Vec<Arc<dyn Tool>>,
}

impl fmt::Debug for ToolSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl ToolSet {
    /// No tools.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `tool`, replacing one of the same name.
    pub fn insert(&mut self, tool: Arc<dyn Tool>) {
        match self.tools.iter().position(|t| t.name() == tool.name()) {
            Some(i) => self.tools[i] = tool,
            None => self.tools.push(tool),
        }
    }

    /// The tool named `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn Tool>> {
        self.tools.iter().find(|t| t.name() == name)
    }

    /// The names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tools.iter().map(|t| t.name())
    }

    /// How many tools there are.
    pub fn len(&self) -> usize {
        self.tools.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.tools.is_empty()
    }

    /// The tools, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn Tool>> {
        self.tools.iter()
    }

    /// Only the tools named in `names` (all of them when `names` is empty).
    pub fn only(&self, names: &[String]) -> ToolSet {
        if names.is_empty() {
            return self.clone();
        }
        ToolSet {
            tools: self
                .tools
                .iter()
                .filter(|t| names.iter().any(|n| n == t.name()))
                .cloned()
                .collect(),
        }
    }

    /// The definitions a chat model receives.
    pub fn definitions(&self) -> Vec<chat::Tool> {
        self.tools.iter().map(|t| definition(t.as_ref())).collect()
    }

    /// Calls tool `name`; an unknown name is an error naming the tools there are.
    pub async fn call(
        &self,
        ctx: &ProcessingContext,
        name: &str,
        args: Value,
    ) -> Result<Value, ToolError> {
        match self.get(name) {
            Some(tool) => tool.call(ctx, args).await,
            None => Err(ToolError::Failed(format!(
                "there is no tool named `{name}` (tools: {})",
                self.names().collect::<Vec<_>>().join(", ")
            ))),
        }
    }
}

impl FromIterator<Arc<dyn Tool>> for ToolSet {
    fn from_iter<I: IntoIterator<Item = Arc<dyn Tool>>>(iter: I) -> Self {
        let mut set = ToolSet::new();
        iter.into_iter().for_each(|t| set.insert(t));
        set
    }
}

/// The arguments of a call as `T`, or [`ToolError::InvalidArguments`] naming the tool.
pub fn parse_args<T: serde::de::DeserializeOwned>(tool: &str, args: Value) -> Result<T, ToolError> {
    serde_json::from_value(args).map_err(|e| ToolError::InvalidArguments {
        tool: tool.to_owned(),
        message: e.to_string(),
    })
}

/// The arguments of a call of `tool` as an object (`null`: none).
pub(crate) fn args_object(
    tool: &str,
    args: Value,
) -> Result<serde_json::Map<String, Value>, ToolError> {
    match args {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(serde_json::Map::new()),
        other => Err(ToolError::InvalidArguments {
            tool: tool.to_owned(),
            message: format!("expected an object of arguments, got `{other}`"),
        }),
    }
}

/// A tool any agent can name (what `register_tool!`-style declarations submit): built-in
/// tools of a crate, collected at link time like nodes.
#[derive(Debug)]
pub struct RegisteredTool {
    /// The tool's name.
    pub name: &'static str,
    /// Makes the tool.
    pub make: fn() -> Arc<dyn Tool>,
}

inventory::collect!(RegisteredTool);

/// The registered tool `name`.
pub fn registered_tool(name: &str) -> Option<Arc<dyn Tool>> {
    inventory::iter::<RegisteredTool>()
        .find(|t| t.name == name)
        .map(|t| (t.make)())
}

/// The names of every registered tool, sorted.
pub fn registered_tool_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = inventory::iter::<RegisteredTool>()
        .map(|t| t.name)
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The tool `name`: a registered tool, else a node exposed as a tool (by type or tool name).
pub fn resolve_tool(name: &str) -> Result<Arc<dyn Tool>, ToolError> {
    if let Some(tool) = registered_tool(name) {
        return Ok(tool);
    }
    super::NodeTool::exposed(name)
        .map(|t| Arc::new(t) as Arc<dyn Tool>)
        .map_err(|_| {
            ToolError::failed(format!(
                "unknown tool `{name}` (tools: {}; or a node exposed as a tool)",
                registered_tool_names().join(", ")
            ))
        })
}

/// The tools named in `names` (blank names skipped); the first unknown name is an error.
pub fn resolve_tools<S: AsRef<str>>(names: &[S]) -> Result<ToolSet, ToolError> {
    names
        .iter()
        .map(|n| n.as_ref().trim())
        .filter(|n| !n.is_empty())
        .map(resolve_tool)
        .collect()
}
