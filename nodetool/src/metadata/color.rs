//! [`ColorRef`]: a colour (NodeTool's `color` type).

use super::{NodeValue, TypeMetadata, ValueError};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Value};
use std::borrow::Cow;

/// A colour as a CSS-style string (`#ff0000`), or none: `{"type": "color", "value": null}`.
///
/// ```
/// use nodetool::metadata::{ColorRef, NodeValue};
/// let c = ColorRef::from_value(serde_json::json!({"type": "color", "value": "#ff0000"})).unwrap();
/// assert_eq!(c.value.as_deref(), Some("#ff0000"));
/// assert_eq!(ColorRef::default().into_value(), serde_json::json!({"type": "color", "value": null}));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ColorRef {
    /// The colour (`None`: not chosen).
    pub value: Option<String>,
}

impl JsonSchema for ColorRef {
    fn schema_name() -> Cow<'static, str> {
        "ColorRef".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({"type": "object", "properties": {
            "type": {"const": "color"}, "value": {"type": ["string", "null"]}}})
    }
}

impl NodeValue for ColorRef {
    fn type_metadata() -> TypeMetadata {
        TypeMetadata::new("color")
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        let Value::Object(map) = &value else {
            return Err(ValueError::mismatch("color", &value));
        };
        match map.get("type") {
            None | Some(Value::Null) => {}
            Some(Value::String(t)) if t == "color" => {}
            Some(other) => return Err(ValueError::mismatch("color (its `type`)", other)),
        }
        match map.get("value") {
            None | Some(Value::Null) => Ok(ColorRef { value: None }),
            Some(Value::String(s)) => Ok(ColorRef {
                value: Some(s.clone()),
            }),
            Some(other) => Err(ValueError::mismatch(
                "color (its `value` a string or null)",
                other,
            )),
        }
    }
    fn into_value(self) -> Value {
        json!({"type": "color", "value": self.value})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_are_named() {
        let err = ColorRef::from_value(json!({"value": 255})).unwrap_err();
        assert_eq!(err.expected, "color (its `value` a string or null)");
        assert!(ColorRef::from_value(json!("#fff")).is_err());
        assert!(ColorRef::from_value(json!({"type": "image"})).is_err());
    }
}
