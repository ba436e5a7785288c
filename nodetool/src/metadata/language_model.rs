//! [`LanguageModel`]: which chat model a node uses (NodeTool's `language_model` type).

use super::{NodeValue, TypeMetadata, ValueError};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Value};
use std::borrow::Cow;

/// A chat model: its provider (`openai`, `anthropic`, `gemini`, `ollama`, `llama_cpp`, …;
/// `empty` when none is chosen), the id sent to the provider, and a display name.
///
/// ```
/// use nodetool::metadata::{LanguageModel, NodeValue};
/// let m = LanguageModel::from_value(serde_json::json!(
///     {"type": "language_model", "provider": "ollama", "id": "llama3.2", "name": "Llama"})).unwrap();
/// assert_eq!((m.provider.as_str(), m.id.as_str()), ("ollama", "llama3.2"));
/// assert_eq!(LanguageModel::default().provider, "empty");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LanguageModel {
    /// The provider's name.
    pub provider: String,
    /// The model id the provider knows.
    pub id: String,
    /// A display name.
    pub name: String,
}

impl Default for LanguageModel {
    fn default() -> Self {
        LanguageModel {
            provider: "empty".to_owned(),
            id: String::new(),
            name: String::new(),
        }
    }
}

impl LanguageModel {
    /// Whether a model was chosen.
    pub fn is_set(&self) -> bool {
        self.provider != "empty" && !self.provider.is_empty()
    }
}

impl JsonSchema for LanguageModel {
    fn schema_name() -> Cow<'static, str> {
        "LanguageModel".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({"type": "object", "properties": {
            "type": {"const": "language_model"}, "provider": {"type": "string"},
            "id": {"type": "string"}, "name": {"type": "string"}}})
    }
}

impl NodeValue for LanguageModel {
    fn type_metadata() -> TypeMetadata {
        TypeMetadata::new("language_model")
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        const K: &str = "language_model";
        let Value::Object(map) = &value else {
            return Err(ValueError::mismatch(K, &value));
        };
        if let Some(t) = map.get("type").filter(|t| !t.is_null()) {
            if t != K {
                return Err(ValueError::mismatch("language_model (its `type`)", t));
            }
        }
        let text = |key: &str, default: &str| match map.get(key) {
            None | Some(Value::Null) => Ok(default.to_owned()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(ValueError::mismatch(
                format!("language_model (its `{key}` a string)"),
                other,
            )),
        };
        Ok(LanguageModel {
            provider: text("provider", "empty")?,
            id: text("id", "")?,
            name: text("name", "")?,
        })
    }
    fn into_value(self) -> Value {
        json!({"type": "language_model", "provider": self.provider, "id": self.id, "name": self.name})
    }
}
