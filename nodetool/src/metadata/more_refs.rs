//! More asset references in NodeTool's shape (nodetool-core 0.6.3, no `metadata` field):
//! [`FolderRef`] (`folder`), [`JSONRef`] (`json`) and [`Model3DRef`] (`model_3d`).
//!
//! Like [`ImageRef`](super::ImageRef) they are `{"type": K, "uri": "…", "asset_id": … | null,
//! "data": … | null}`; a [`Model3DRef`] may also carry its `format`.
//!
//! ```
//! use nodetool::metadata::{FolderRef, NodeValue};
//! let f = FolderRef::from_asset("f1");
//! assert_eq!(f.into_value(), serde_json::json!(
//!     {"type": "folder", "uri": "", "asset_id": "f1", "data": null}));
//! ```

use super::{AssetRef, NodeValue, TypeMetadata, ValueError};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::Value;
use std::borrow::Cow;

/// Reads a reference that must be of NodeTool type `kind` (a missing `type` is `kind`).
fn parse_kind(value: Value, kind: &'static str) -> Result<AssetRef, ValueError> {
    let Value::Object(mut map) = value else {
        return Err(ValueError::mismatch(kind, &value));
    };
    match map.get("type") {
        None | Some(Value::Null) => {
            map.insert("type".into(), Value::from(kind));
        }
        Some(Value::String(t)) if t == kind => {}
        Some(Value::String(t)) => {
            return Err(ValueError {
                expected: kind.to_owned(),
                got: format!("a reference of type `{t}`"),
            })
        }
        Some(other) => return Err(ValueError::mismatch(kind, other)),
    }
    let parsed = AssetRef::from_value(Value::Object(map)).map_err(|e| ValueError {
        expected: e.expected.replacen("asset", kind, 1),
        got: e.got,
    })?;
    Ok(parsed)
}

fn schema(kind: &str) -> Schema {
    schemars::json_schema!({
        "type": "object",
        "properties": {
            "type": {"const": kind},
            "uri": {"type": "string"},
            "asset_id": {"type": ["string", "null"]},
            "data": {}
        }
    })
}

macro_rules! kind_ref {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct $name {
            /// Where the bytes are (`file://`, `data:`, another URI, or empty).
            pub uri: String,
            /// The asset in the database holding the bytes.
            pub asset_id: Option<String>,
            /// Inline data.
            pub data: Option<Value>,
        }

        impl $name {
            /// The NodeTool type name.
            pub const KIND: &'static str = $kind;

            /// A reference to the asset `asset_id`.
            pub fn from_asset(asset_id: impl Into<String>) -> Self {
                Self { asset_id: Some(asset_id.into()), ..Self::default() }
            }

            /// A reference to `uri`.
            pub fn from_uri(uri: impl Into<String>) -> Self {
                Self { uri: uri.into(), ..Self::default() }
            }

            /// Whether it points nowhere (no uri, asset or data), as NodeTool's `is_empty`.
            pub fn is_empty(&self) -> bool {
                self.uri.is_empty() && self.asset_id.is_none() && self.data.is_none()
            }

            /// The same reference, untyped.
            pub fn to_asset_ref(&self) -> AssetRef {
                AssetRef {
                    kind: $kind.to_owned(),
                    uri: self.uri.clone(),
                    asset_id: self.asset_id.clone(),
                    data: self.data.clone(),
                }
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                schema($kind)
            }
        }

        impl NodeValue for $name {
            fn type_metadata() -> TypeMetadata {
                TypeMetadata::new($kind)
            }
            fn from_value(value: Value) -> Result<Self, ValueError> {
                let r = parse_kind(value, $kind)?;
                Ok(Self { uri: r.uri, asset_id: r.asset_id, data: r.data })
            }
            fn into_value(self) -> Value {
                self.to_asset_ref().into_value()
            }
        }

        impl From<$name> for AssetRef {
            fn from(r: $name) -> AssetRef {
                r.to_asset_ref()
            }
        }
    };
}

kind_ref!(
    /// A reference to a folder of assets (NodeTool's `FolderRef`, type `folder`).
    ///
    /// ```
    /// use nodetool::metadata::{FolderRef, NodeValue};
    /// assert!(FolderRef::default().is_empty());
    /// assert_eq!(FolderRef::type_metadata().name, "folder");
    /// ```
    FolderRef, "folder"
);

kind_ref!(
    /// A reference to JSON data (NodeTool's `JSONRef`, type `json`); inline JSON text sits in
    /// `data`.
    ///
    /// ```
    /// use nodetool::metadata::{JSONRef, NodeValue};
    /// let j = JSONRef::from_value(serde_json::json!({"type": "json", "data": "{\"a\": 1}"}))
    ///     .unwrap();
    /// assert_eq!(j.data, Some(serde_json::json!("{\"a\": 1}")));
    /// ```
    JSONRef, "json"
);

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
        let r = parse_kind(value, Self::KIND)?;
        Ok(Model3DRef {
            uri: r.uri,
            asset_id: r.asset_id,
            data: r.data,
            format,
        })
    }
    fn into_value(self) -> Value {
        let format = self.format.clone();
        let mut value = self.to_asset_ref().into_value();
        if let (Some(format), Value::Object(map)) = (format, &mut value) {
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
