//! The messages a run posts, in NodeTool's JSON shapes (`{"type": "job_update", …}`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::Arc;

/// A status update about the whole job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobUpdate {
    /// `running`, `completed`, `failed` or `cancelled`.
    pub status: Cow<'static, str>,
    /// The job.
    pub job_id: Option<String>,
    /// The workflow.
    pub workflow_id: Option<Arc<str>>,
    /// A human message.
    pub message: Option<String>,
    /// On completion: outputs keyed by output name, each a list of values.
    pub result: Option<Map<String, Value>>,
    /// On failure: what went wrong.
    pub error: Option<String>,
}

/// A status update about one node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeUpdate {
    /// The node's id in the graph.
    pub node_id: Arc<str>,
    /// The node type's title.
    pub node_name: Arc<str>,
    /// The node type.
    pub node_type: Arc<str>,
    /// `running`, `completed` or `error`.
    pub status: Cow<'static, str>,
    /// On `error`: what went wrong.
    pub error: Option<String>,
    /// On `completed`: the last value of each output.
    pub result: Option<Map<String, Value>>,
    /// The properties that were set.
    pub properties: Option<Map<String, Value>>,
    /// The workflow.
    pub workflow_id: Option<Arc<str>>,
}

/// Progress of a long-running node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeProgress {
    /// The node's id.
    pub node_id: Arc<str>,
    /// Work done.
    pub progress: i64,
    /// Total work.
    pub total: i64,
    /// A chunk of streamed text, if any.
    #[serde(default)]
    pub chunk: String,
    /// The workflow.
    pub workflow_id: Option<Arc<str>>,
}

/// Traffic on an edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdgeUpdate {
    /// The workflow.
    pub workflow_id: Arc<str>,
    /// The edge's id (`""` when it has none).
    pub edge_id: Arc<str>,
    /// `message_sent` or `drained`.
    pub status: Cow<'static, str>,
    /// On `message_sent`: how many items the edge has carried.
    pub counter: Option<u64>,
}

/// A value that reached an output node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputUpdate {
    /// The output node's id.
    pub node_id: Arc<str>,
    /// The output's name.
    pub node_name: Arc<str>,
    /// The output's name.
    pub output_name: Arc<str>,
    /// The value.
    pub value: Value,
    /// Its type: `int`, `float`, `str`, `bool`, `list`, `dict`, `none`.
    pub output_type: String,
    /// Extra information.
    #[serde(default)]
    pub metadata: Map<String, Value>,
    /// The workflow.
    pub workflow_id: Option<Arc<str>>,
}

/// How serious a log line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Information.
    Info,
    /// Something to look at.
    Warning,
    /// Something went wrong.
    Error,
}

/// A log line from a node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogUpdate {
    /// The node's id.
    pub node_id: Arc<str>,
    /// The node type's title.
    pub node_name: Arc<str>,
    /// The text.
    pub content: String,
    /// How serious.
    pub severity: Severity,
    /// The workflow.
    pub workflow_id: Option<Arc<str>>,
}

/// A value that reached a preview node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewUpdate {
    /// The preview node's id.
    pub node_id: Arc<str>,
    /// The value.
    pub value: Value,
}

/// A piece of streamed content from a node (NodeTool's `chunk`): text as a model writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    /// The node's id.
    pub node_id: Option<Arc<str>>,
    /// `text`, `audio`, `image`, `video` or `document` (binary content is base64).
    #[serde(default = "text_content_type")]
    pub content_type: String,
    /// The content.
    #[serde(default)]
    pub content: String,
    /// Extra information.
    #[serde(default)]
    pub content_metadata: Map<String, Value>,
    /// Whether this is the last chunk.
    #[serde(default)]
    pub done: bool,
}

fn text_content_type() -> String {
    "text".to_owned()
}

impl schemars::JsonSchema for Chunk {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Chunk".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "object", "properties": {
            "type": {"const": "chunk"},
            "node_id": {"type": ["string", "null"]},
            "content_type": {"type": "string"},
            "content": {"type": "string"},
            "content_metadata": {"type": "object"},
            "done": {"type": "boolean"}}})
    }
}

impl Default for Chunk {
    fn default() -> Self {
        Self {
            node_id: None,
            content_type: "text".to_owned(),
            content: String::new(),
            content_metadata: Map::new(),
            done: false,
        }
    }
}

/// A chunk as a node value (NodeTool's `chunk` type): `{"type": "chunk", "content": …}`.
impl crate::metadata::NodeValue for Chunk {
    fn type_metadata() -> crate::metadata::TypeMetadata {
        crate::metadata::TypeMetadata::new("chunk")
    }
    fn from_value(value: Value) -> Result<Self, crate::metadata::ValueError> {
        let mut map = match value {
            Value::Object(map) => map,
            other => return Err(crate::metadata::ValueError::mismatch("chunk", &other)),
        };
        map.remove("type");
        serde_json::from_value(Value::Object(map.clone())).map_err(|e| {
            crate::metadata::ValueError {
                expected: format!("chunk ({e})"),
                got: crate::metadata::describe(&Value::Object(map)),
            }
        })
    }
    fn into_value(self) -> Value {
        let mut value = serde_json::to_value(&self).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut value {
            map.insert("type".into(), Value::String("chunk".into()));
        }
        value
    }
}

/// A tool call a node or an agent makes (NodeTool's `tool_call_update`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCallUpdate {
    /// The node's id (none for an agent run outside a graph).
    pub node_id: Option<Arc<str>>,
    /// The tool's name.
    pub name: String,
    /// Its arguments.
    pub args: Value,
    /// A line for the user, e.g. `Calling lib.math.Add`.
    pub message: Option<String>,
}

/// Where an agent's planning is (NodeTool's `planning_update`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanningUpdate {
    /// The node running the agent, if any.
    pub node_id: Option<Arc<str>>,
    /// The phase (`Planning`, `Plan Creation`).
    pub phase: String,
    /// `Starting`, `Success`, `Failed`, `Retrying`.
    pub status: String,
    /// Details: the plan's summary, or what was wrong with it.
    pub content: Option<String>,
}

/// What happened to an agent's task (NodeTool's `task_update`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskUpdate {
    /// The node running the agent, if any.
    pub node_id: Option<Arc<str>>,
    /// The task as it stands.
    pub task: crate::metadata::Task,
    /// The subtask the event is about, if any.
    pub subtask: Option<crate::metadata::SubTask>,
    /// What happened.
    pub event: TaskUpdateEvent,
}

/// The events of a [`TaskUpdate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskUpdateEvent {
    /// The planner made the task.
    TaskCreated,
    /// A subtask started.
    SubtaskStarted,
    /// A subtask reached a limit and was asked to conclude.
    EnteredConclusionStage,
    /// A subtask finished with a valid result.
    SubtaskCompleted,
    /// A subtask failed.
    SubtaskFailed,
    /// The last subtask finished: the task's result is known.
    TaskCompleted,
}

/// A subtask's result (NodeTool's `subtask_result`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubTaskResult {
    /// The subtask.
    pub subtask: crate::metadata::SubTask,
    /// Its result.
    pub result: Value,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// Whether this is the whole task's result.
    pub is_task_result: bool,
}

/// What a tool returned (NodeTool's `tool_result_update`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolResultUpdate {
    /// The node that called it, if any.
    pub node_id: Option<Arc<str>>,
    /// The result.
    pub result: Value,
}

/// Any message a run posts; serialises with NodeTool's `type` tag.
///
/// ```
/// use nodetool::workflows::messages::{ProcessingMessage, PreviewUpdate};
/// let m = ProcessingMessage::PreviewUpdate(PreviewUpdate { node_id: "n1".into(), value: 3.into() });
/// assert_eq!(serde_json::to_string(&m).unwrap(), r#"{"type":"preview_update","node_id":"n1","value":3}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ProcessingMessage {
    /// See [`JobUpdate`].
    JobUpdate(JobUpdate),
    /// See [`NodeUpdate`].
    NodeUpdate(NodeUpdate),
    /// See [`NodeProgress`].
    NodeProgress(NodeProgress),
    /// See [`EdgeUpdate`].
    EdgeUpdate(EdgeUpdate),
    /// See [`OutputUpdate`].
    OutputUpdate(OutputUpdate),
    /// See [`LogUpdate`].
    LogUpdate(LogUpdate),
    /// See [`PreviewUpdate`].
    PreviewUpdate(PreviewUpdate),
    /// See [`Chunk`].
    Chunk(Chunk),
    /// See [`ToolCallUpdate`].
    ToolCallUpdate(ToolCallUpdate),
    /// See [`ToolResultUpdate`].
    ToolResultUpdate(ToolResultUpdate),
    /// See [`PlanningUpdate`].
    PlanningUpdate(PlanningUpdate),
    /// See [`TaskUpdate`] (boxed: it carries the whole task).
    TaskUpdate(Box<TaskUpdate>),
    /// See [`SubTaskResult`] (boxed: it carries the subtask).
    SubtaskResult(Box<SubTaskResult>),
}

/// NodeTool's name for the type of a value, as `output_update` reports it.
pub fn output_type_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "none",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(o) => match o.get("type").and_then(Value::as_str) {
            Some("image") => "image",
            Some("audio") => "audio",
            Some("video") => "video",
            Some("document") => "document",
            _ => "dict",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_carry_nodetool_type_tags_and_fields() {
        let m = ProcessingMessage::EdgeUpdate(EdgeUpdate {
            workflow_id: "w".into(),
            edge_id: "e1".into(),
            status: "message_sent".into(),
            counter: Some(2),
        });
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            json!({"type": "edge_update", "workflow_id": "w", "edge_id": "e1",
                   "status": "message_sent", "counter": 2})
        );
        let m = ProcessingMessage::LogUpdate(LogUpdate {
            node_id: "n".into(),
            node_name: "N".into(),
            content: "hi".into(),
            severity: Severity::Warning,
            workflow_id: None,
        });
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(v["type"], "log_update");
        assert_eq!(v["severity"], "warning");
        let back: ProcessingMessage = serde_json::from_value(v).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn output_types_follow_nodetool_names() {
        assert_eq!(output_type_of(&json!(1)), "int");
        assert_eq!(output_type_of(&json!(1.5)), "float");
        assert_eq!(output_type_of(&json!(null)), "none");
        assert_eq!(
            output_type_of(&json!({"type": "image", "uri": ""})),
            "image"
        );
        assert_eq!(output_type_of(&json!({"a": 1})), "dict");
    }
}
