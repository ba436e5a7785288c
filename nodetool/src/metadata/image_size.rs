//! [`ImageSize`]: the width and height of an image (NodeTool's `image_size` type).

use super::{NodeValue, TypeMetadata, ValueError};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Value};
use std::borrow::Cow;

/// Image dimensions in pixels: `{"type": "image_size", "width": 1024, "height": 1024}`.
///
/// The default is 1024 × 1024 (the TypeScript port's fallback; nodetool-core's stored
/// `types.py` does not define the type). A missing or `null` side is 1024; unknown fields
/// (a preset name, say) are ignored.
///
/// ```
/// use nodetool::metadata::{ImageSize, NodeValue};
/// let s = ImageSize::from_value(serde_json::json!({"type": "image_size", "width": 640, "height": 480})).unwrap();
/// assert_eq!((s.width, s.height), (640, 480));
/// assert_eq!(ImageSize::default().into_value()["width"], 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageSize {
    /// The width in pixels.
    pub width: i64,
    /// The height in pixels.
    pub height: i64,
}

impl Default for ImageSize {
    fn default() -> Self {
        ImageSize {
            width: 1024,
            height: 1024,
        }
    }
}

impl JsonSchema for ImageSize {
    fn schema_name() -> Cow<'static, str> {
        "ImageSize".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({"type": "object", "properties": {
            "type": {"const": "image_size"},
            "width": {"type": "integer"},
            "height": {"type": "integer"}}})
    }
}

impl NodeValue for ImageSize {
    fn type_metadata() -> TypeMetadata {
        TypeMetadata::new("image_size")
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        const K: &str = "image_size";
        let Value::Object(map) = &value else {
            return Err(ValueError::mismatch(K, &value));
        };
        match map.get("type") {
            None | Some(Value::Null) => {}
            Some(Value::String(t)) if t == K => {}
            Some(other) => return Err(ValueError::mismatch("image_size (its `type`)", other)),
        }
        let side = |key: &str| match map.get(key) {
            None | Some(Value::Null) => Ok(1024),
            Some(v) => i64::from_value(v.clone()).map_err(|e| ValueError {
                expected: format!("image_size (its `{key}` {})", e.expected),
                got: e.got,
            }),
        };
        Ok(ImageSize {
            width: side("width")?,
            height: side("height")?,
        })
    }
    fn into_value(self) -> Value {
        json!({"type": "image_size", "width": self.width, "height": self.height})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_leniently_and_names_bad_fields() {
        assert_eq!(
            ImageSize::from_value(json!({"width": 5})).unwrap(),
            ImageSize {
                width: 5,
                height: 1024
            }
        );
        let err = ImageSize::from_value(json!({"width": "5"})).unwrap_err();
        assert_eq!(err.expected, "image_size (its `width` int)");
        assert!(ImageSize::from_value(json!({"type": "image"})).is_err());
        assert!(ImageSize::from_value(json!([1, 2])).is_err());
    }
}
