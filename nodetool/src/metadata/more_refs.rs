//! [`Model3DRef`] (`model_3d`): an asset reference in NodeTool's shape (nodetool-core 0.6.3,
//! no `metadata` field), like [`ImageRef`](super::ImageRef), plus the model's `format`.

use super::asset_ref::{parse_ref, ref_json};
use super::{AssetRef, NodeValue, TypeMetadata, ValueError};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::Value;
use std::borrow::Cow;

/// A reference to a 3D model (NodeTool's `Model3DRef`, type `model_3d`), with its format
/// (`glb`, `gltf`, `obj`, `fbx`, `stl`, `ply`, `usdz`, …) when known.
///
/// The `format` field is written only when it is set, so an empty reference has the 0.6.3
/// shape `{"type": "model_3d", "uri": "", "asset_id": null, "data": null}`.
///
/// ```
/// use nodetool::metadata::{Model3DRef, NodeValue};
/// let m = Model3DRef::from_value(serde_json::json!(
///     {"type": "model_3d", "uri": "file:///w/a.glb", "format": "glb"})).unwrap();
/// assert_eq!(m.format.as_deref(), Some("glb"));
/// assert!(Model3DRef::default().into_value().get("format").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Model3DRef {
    /// Where the bytes are (`file://`, `data:`, another URI, or empty).
    pub uri: String,
    /// The asset in the database holding the bytes.
    pub asset_id: Option<String>,
    /// Inline data.
    pub data: Option<Value>,
    /// The file format, lower case without a dot (`glb`).
    pub format: Option<String>,
}

impl Model3DRef {
    /// The NodeTool type name.
    pub const KIND: &'static str = "model_3d";

    /// A reference to the asset `asset_id`.
    pub fn from_asset(asset_id: impl Into<String>) -> Self {
        Self {
            asset_id: Some(asset_id.into()),
            ..Self::default()
        }
    }

    /// A reference to `uri`.
    pub fn from_uri(uri: impl Into<String>) -> Self {
        Self {
            uri: uri.into(),
            ..Self::default()
        }
    }

    /// Whether it points nowhere (no uri, asset or data).
    pub fn is_empty(&self) -> bool {
        self.uri.is_empty() && self.asset_id.is_none() && self.data.is_none()
    }

    /// The same reference, untyped (without its format).
    pub fn to_asset_ref(&self) -> AssetRef {
        AssetRef {
            kind: Self::KIND.to_owned(),
            uri: self.uri.clone(),
            asset_id: self.asset_id.clone(),
            data: self.data.clone(),
        }
    }
}

impl JsonSchema for Model3DRef {
    fn schema_name() -> Cow<'static, str> {
        "Model3DRef".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "type": "object",
            "properties": {
                "type": {"const": "model_3d"},
                "uri": {"type": "string"},
                "asset_id": {"type": ["string", "null"]},
                "data": {},
                "format": {"type": ["string", "null"]}
            }
        })
    }
}

impl NodeValue for Model3DRef {
    fn type_metadata() -> TypeMetadata {
        TypeMetadata::new(Self::KIND)
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        let format = match &value {
            Value::Object(map) => match map.get("format") {
                None | Some(Value::Null) => None,
                Some(Value::String(f)) => Some(f.clone()),
                Some(other) => {
                    return Err(ValueError::mismatch(
                        "model_3d (its `format` a string or null)",
                        other,
                    ))
                }
            },
            _ => None,
        };
        let (_, uri, asset_id, data) = parse_ref(value, Some(Self::KIND))?;
        Ok(Model3DRef {
            uri,
            asset_id,
            data,
            format,
        })
    }
    fn into_value(self) -> Value {
        let mut value = ref_json(Self::KIND, self.uri, self.asset_id, self.data);
        if let (Some(format), Value::Object(map)) = (self.format, &mut value) {
            map.insert("format".into(), Value::String(format));
        }
        value
    }
}

impl From<Model3DRef> for AssetRef {
    fn from(r: Model3DRef) -> AssetRef {
        r.to_asset_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::{FolderRef, JSONRef};
    use serde_json::json;

    #[test]
    fn kinds_are_checked_and_named() {
        let err = JSONRef::from_value(json!({"type": "image", "uri": ""})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "expected json, got a reference of type `image`"
        );
        let err = FolderRef::from_value(json!({"uri": 3})).unwrap_err();
        assert!(err.to_string().starts_with("expected folder"), "{err}");
        assert!(Model3DRef::from_value(json!("a.glb")).is_err());
        let err = Model3DRef::from_value(json!({"format": 1})).unwrap_err();
        assert!(err.expected.contains("`format`"), "{err}");
    }

    #[test]
    fn round_trips() {
        let v = json!({"type": "model_3d", "uri": "x.obj", "asset_id": null, "data": null,
                       "format": "obj"});
        assert_eq!(Model3DRef::from_value(v.clone()).unwrap().into_value(), v);
        assert_eq!(
            FolderRef::default().into_value(),
            json!({"type": "folder", "uri": "", "asset_id": null, "data": null})
        );
        let a: AssetRef = JSONRef::from_uri("u").into();
        assert_eq!(a.kind, "json");
    }
}
