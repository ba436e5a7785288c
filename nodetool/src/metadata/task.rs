//! [`Task`] and [`SubTask`]: an agent's plan, in NodeTool's JSON (`type: "task"`,
//! `type: "subtask"`), as `task_update` and `subtask_result` messages carry it.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// A plan: a title and subtasks whose `input_tasks` form a DAG.
///
/// ```
/// use nodetool::metadata::Task;
/// let task: Task = serde_json::from_str(
///     r#"{"title": "Sum", "subtasks": [{"id": "a", "content": "Add 1 and 2"}]}"#,
/// ).unwrap();
/// assert_eq!(task.subtasks[0].id, "a");
/// assert_eq!(serde_json::to_value(&task).unwrap()["type"], "task");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "task")]
pub struct Task {
    /// Its id (empty for a plan the planner made).
    #[serde(default)]
    pub id: String,
    /// What it is for.
    #[serde(default)]
    pub title: String,
    /// A longer description (not used to run it).
    #[serde(default)]
    pub description: String,
    /// The subtasks, in the planner's order; the last one gives the task's result.
    #[serde(default)]
    pub subtasks: Vec<SubTask>,
}

/// One step of a plan, run in a conversation of its own that ends with `finish_subtask`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "subtask")]
pub struct SubTask {
    /// Unique within its task.
    #[serde(default)]
    pub id: String,
    /// The instructions.
    #[serde(default)]
    pub content: String,
    /// Log lines.
    #[serde(default)]
    pub logs: Vec<LogEntry>,
    /// The tools it may use (empty: every tool of the agent).
    #[serde(default, deserialize_with = "null_as_default")]
    pub tools: Vec<String>,
    /// Whether it has finished.
    #[serde(default)]
    pub completed: bool,
    /// When it started (Unix seconds; 0: not yet).
    #[serde(default)]
    pub start_time: i64,
    /// When it ended (Unix seconds; 0: not yet).
    #[serde(default)]
    pub end_time: i64,
    /// The subtasks whose results it needs (they run first).
    #[serde(default, deserialize_with = "null_as_default")]
    pub input_tasks: Vec<String>,
    /// The JSON schema of its result, as JSON text (NodeTool keeps it a string); an object is
    /// accepted and kept as its text. Empty: any text.
    #[serde(default, deserialize_with = "schema_text")]
    pub output_schema: String,
    /// The most tool calls it may make (0: the agent's default).
    #[serde(default, deserialize_with = "null_as_default")]
    pub max_tool_calls: u32,
}

impl SubTask {
    /// A subtask `id` doing `content`.
    pub fn new(id: impl Into<String>, content: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            content: content.into(),
            ..Self::default()
        }
    }

    /// Whether it has started and not finished.
    pub fn is_running(&self) -> bool {
        self.start_time > 0 && !self.completed
    }
}

/// A log line of a subtask (`type: "log_entry"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "log_entry")]
pub struct LogEntry {
    /// The text.
    #[serde(default)]
    pub message: String,
    /// `debug`, `info`, `warning` or `error`.
    #[serde(default = "info")]
    pub level: String,
    /// Unix seconds.
    #[serde(default)]
    pub timestamp: i64,
}

fn info() -> String {
    "info".to_owned()
}

fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

fn schema_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::Null => String::new(),
        Value::String(text) => text,
        other => other.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_what_a_model_writes_and_writes_nodetools_shape() {
        let sub: SubTask = serde_json::from_value(json!({
            "id": "a", "content": "Do it", "input_tasks": null,
            "output_schema": {"type": "object"}, "max_tool_calls": 3
        }))
        .unwrap();
        assert_eq!(sub.output_schema, r#"{"type":"object"}"#);
        assert!(sub.input_tasks.is_empty());
        let out = serde_json::to_value(&sub).unwrap();
        assert_eq!(out["type"], "subtask");
        assert_eq!(out["output_schema"], r#"{"type":"object"}"#);
        assert_eq!(out["completed"], false);
        let again: SubTask = serde_json::from_value(out).unwrap();
        assert_eq!(again, sub);
    }
}
