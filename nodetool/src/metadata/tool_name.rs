//! [`ToolName`]: a tool chosen by name (NodeTool's `tool_name` type).

use super::{NodeValue, TypeMetadata, ValueError};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Value};
use std::borrow::Cow;

/// A tool by name: `{"type": "tool_name", "name": "read_file"}` (a bare string is read as
/// the name).
///
/// ```
/// use nodetool::metadata::{NodeValue, ToolName};
/// let t = ToolName::from_value(serde_json::json!({"type": "tool_name", "name": "calculator"})).unwrap();
/// assert_eq!(t.name, "calculator");
/// assert_eq!(ToolName::from_value(serde_json::json!("http_get")).unwrap().name, "http_get");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolName {
    /// The tool's name (empty: none chosen).
    pub name: String,
}

impl JsonSchema for ToolName {
    fn schema_name() -> Cow<'static, str> {
        "ToolName".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({"type": "object", "properties": {
            "type": {"const": "tool_name"},
            "name": {"type": "string"}}})
    }
}

impl NodeValue for ToolName {
    fn type_metadata() -> TypeMetadata {
        TypeMetadata::new("tool_name")
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match &value {
            Value::String(name) => Ok(Self { name: name.clone() }),
            Value::Object(map) => {
                match map.get("type") {
                    None | Some(Value::Null) => {}
                    Some(Value::String(t)) if t == "tool_name" => {}
                    Some(other) => {
                        return Err(ValueError::mismatch("tool_name (its `type`)", other))
                    }
                }
                match map.get("name") {
                    None | Some(Value::Null) => Ok(Self::default()),
                    Some(Value::String(name)) => Ok(Self { name: name.clone() }),
                    Some(other) => Err(ValueError::mismatch("tool_name (its `name` str)", other)),
                }
            }
            other => Err(ValueError::mismatch("tool_name", other)),
        }
    }
    fn into_value(self) -> Value {
        json!({"type": "tool_name", "name": self.name})
    }
}
