//! [`Message`]: a chat message (NodeTool's `message` type), kept leniently.

use super::{NodeValue, TypeMetadata, ValueError};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// NodeTool's `Message` fields after `type`, in its order.
const FIELDS: [&str; 20] = [
    "id",
    "workflow_id",
    "graph",
    "thread_id",
    "tools",
    "tool_call_id",
    "role",
    "name",
    "content",
    "tool_calls",
    "collections",
    "input_files",
    "created_at",
    "provider",
    "model",
    "agent_mode",
    "help_mode",
    "agent_execution_id",
    "execution_event_type",
    "workflow_target",
];

/// A chat message: NodeTool's `Message` (type `message`).
///
/// The fields nodes read are typed; every other field (`workflow_id`, `tools`,
/// `tool_calls`, `created_at`, …) is kept as given in [`extra`](Message::extra) and written
/// back in NodeTool's field order, `null` when missing. `content` is a string, a list of
/// content items (`{"type": "text", "text": …}`, `{"type": "image_url", "image": {…}}`,
/// `{"type": "audio", "audio": {…}}`, …) or an object, as NodeTool allows.
///
/// ```
/// use nodetool::metadata::{Message, NodeValue};
/// let m = Message::from_value(serde_json::json!(
///     {"type": "message", "role": "user", "content": "hi", "created_at": "2024-01-01"})).unwrap();
/// assert_eq!((m.role.as_str(), m.content.as_ref().and_then(|c| c.as_str())), ("user", Some("hi")));
/// let v = m.into_value();
/// assert_eq!(v["created_at"], "2024-01-01");
/// assert!(v["thread_id"].is_null());
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Message {
    /// The message's id.
    pub id: Option<String>,
    /// The chat thread it belongs to.
    pub thread_id: Option<String>,
    /// `user`, `assistant`, `system`, `tool`, … (`""` when not given).
    pub role: String,
    /// The author's or tool's name.
    pub name: Option<String>,
    /// The content: a string, a list of content items or an object.
    pub content: Option<Value>,
    /// The provider of the model that wrote it.
    pub provider: Option<String>,
    /// The model that wrote it.
    pub model: Option<String>,
    /// Every other field, as given.
    pub extra: Map<String, Value>,
}

impl JsonSchema for Message {
    fn schema_name() -> Cow<'static, str> {
        "Message".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({"type": "object", "properties": {
            "type": {"const": "message"},
            "id": {"type": ["string", "null"]},
            "thread_id": {"type": ["string", "null"]},
            "role": {"type": "string"},
            "name": {"type": ["string", "null"]},
            "content": {},
            "provider": {"type": ["string", "null"]},
            "model": {"type": ["string", "null"]}}})
    }
}

impl NodeValue for Message {
    fn type_metadata() -> TypeMetadata {
        TypeMetadata::new("message")
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        const K: &str = "message";
        let Value::Object(mut map) = value else {
            return Err(ValueError::mismatch(K, &value));
        };
        match map.shift_remove("type") {
            None | Some(Value::Null) => {}
            Some(Value::String(t)) if t == K => {}
            Some(other) => return Err(ValueError::mismatch("message (its `type`)", &other)),
        }
        let mut text = |key: &str| match map.shift_remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(ValueError::mismatch(
                format!("message (its `{key}` a string or null)"),
                &other,
            )),
        };
        let id = text("id")?;
        let thread_id = text("thread_id")?;
        let role = text("role")?.unwrap_or_default();
        let name = text("name")?;
        let provider = text("provider")?;
        let model = text("model")?;
        let content = map.shift_remove("content").filter(|c| !c.is_null());
        Ok(Message {
            id,
            thread_id,
            role,
            name,
            content,
            provider,
            model,
            extra: map,
        })
    }
    fn into_value(self) -> Value {
        let Message {
            id,
            thread_id,
            role,
            name,
            content,
            provider,
            model,
            mut extra,
        } = self;
        let text = |s: Option<String>| s.map_or(Value::Null, Value::String);
        let mut out = Map::new();
        out.insert("type".into(), Value::from("message"));
        let (mut id, mut thread_id, mut name) = (Some(id), Some(thread_id), Some(name));
        let (mut provider, mut model, mut content) = (Some(provider), Some(model), Some(content));
        let mut role = Some(role);
        for key in FIELDS {
            let value = match key {
                "id" => text(id.take().flatten()),
                "thread_id" => text(thread_id.take().flatten()),
                "role" => Value::String(role.take().unwrap_or_default()),
                "name" => text(name.take().flatten()),
                "content" => content.take().flatten().unwrap_or(Value::Null),
                "provider" => text(provider.take().flatten()),
                "model" => text(model.take().flatten()),
                other => extra.shift_remove(other).unwrap_or(Value::Null),
            };
            out.insert(key.into(), value);
        }
        out.extend(extra);
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_default_has_every_nodetool_field() {
        let v = Message::default().into_value();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys[0], "type");
        assert_eq!(&keys[1..], FIELDS);
        assert_eq!(v["role"], "");
        assert!(v["content"].is_null());
    }

    #[test]
    fn unknown_fields_survive_and_bad_fields_are_named() {
        let m = Message::from_value(json!({"role": "user", "instructions": "x", "tools": ["a"]}))
            .unwrap();
        let v = m.into_value();
        assert_eq!(v["instructions"], "x");
        assert_eq!(v["tools"], json!(["a"]));
        let err = Message::from_value(json!({"role": 1})).unwrap_err();
        assert_eq!(err.expected, "message (its `role` a string or null)");
        assert!(Message::from_value(json!({"type": "chunk"})).is_err());
        assert!(Message::from_value(json!("hi")).is_err());
    }
}
