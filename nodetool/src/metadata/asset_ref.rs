//! References to assets flowing between nodes, in NodeTool's JSON shape:
//! `{"type": "image", "uri": "…", "asset_id": "…" | null, "data": … | null}`.
//!
//! A reference points at bytes three ways: `asset_id` (an asset in the database, bytes in
//! storage), `uri` (`file://` inside the workspace, or a `data:` URI; other URIs are kept but
//! not read by `ProcessingContext::asset_bytes`), or inline `data`. [`AssetRef`] takes any kind; [`ImageRef`], [`AudioRef`], [`VideoRef`],
//! [`DocumentRef`] and [`TextRef`] carry their NodeTool type, so edges between them are
//! type-checked.
//!
//! ```
//! use nodetool::metadata::{ImageRef, NodeValue};
//! let image = ImageRef::from_asset("a1b2");
//! assert_eq!(image.clone().into_value()["type"], "image");
//! assert_eq!(ImageRef::type_metadata().name, "image");
//! assert_eq!(ImageRef::from_value(image.into_value()).unwrap().asset_id.as_deref(), Some("a1b2"));
//! ```

use super::{NodeValue, TypeMetadata, ValueError};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Reads the common fields of a reference object of NodeTool type `kind` (`None`: any).
pub(super) fn parse_ref(
    value: Value,
    kind: Option<&'static str>,
) -> Result<(String, String, Option<String>, Option<Value>), ValueError> {
    let expected = kind.unwrap_or("asset");
    let Value::Object(mut map) = value else {
        return Err(ValueError::mismatch(expected, &value));
    };
    let found = match map.remove("type") {
        Some(Value::String(t)) => t,
        None | Some(Value::Null) => expected.to_owned(),
        Some(other) => return Err(ValueError::mismatch(expected, &other)),
    };
    if let Some(kind) = kind {
        if found != kind {
            return Err(ValueError {
                expected: kind.to_owned(),
                got: format!("a reference of type `{found}`"),
            });
        }
    }
    let uri = match map.remove("uri") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(u)) => u,
        Some(other) => {
            return Err(ValueError {
                expected: format!("{expected} (its `uri` a string)"),
                got: super::describe(&other),
            })
        }
    };
    let asset_id = match map.remove("asset_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(id),
        Some(other) => {
            return Err(ValueError {
                expected: format!("{expected} (its `asset_id` a string or null)"),
                got: super::describe(&other),
            })
        }
    };
    let data = map.remove("data").filter(|d| !d.is_null());
    Ok((found, uri, asset_id, data))
}

pub(super) fn ref_json(
    kind: &str,
    uri: String,
    asset_id: Option<String>,
    data: Option<Value>,
) -> Value {
    let mut map = Map::new();
    map.insert("type".into(), Value::String(kind.to_owned()));
    map.insert("uri".into(), Value::String(uri));
    map.insert(
        "asset_id".into(),
        asset_id.map_or(Value::Null, Value::String),
    );
    map.insert("data".into(), data.unwrap_or(Value::Null));
    Value::Object(map)
}

fn ref_schema(kind: &str) -> Schema {
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

/// A reference to an asset of any kind (NodeTool's `AssetRef`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AssetRef {
    /// The NodeTool type: `asset`, `image`, `audio`, `video`, `document`, `text`, …
    pub kind: String,
    /// Where the bytes are (`file://`, `data:`, another URI, or empty).
    pub uri: String,
    /// The asset in the database holding the bytes.
    pub asset_id: Option<String>,
    /// Inline data.
    pub data: Option<Value>,
}

impl JsonSchema for AssetRef {
    fn schema_name() -> Cow<'static, str> {
        "AssetRef".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({"type": "object", "required": ["type"]})
    }
}

impl NodeValue for AssetRef {
    fn type_metadata() -> TypeMetadata {
        TypeMetadata::new("asset")
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        let (kind, uri, asset_id, data) = parse_ref(value, None)?;
        Ok(AssetRef {
            kind,
            uri,
            asset_id,
            data,
        })
    }
    fn into_value(self) -> Value {
        ref_json(&self.kind, self.uri, self.asset_id, self.data)
    }
}

macro_rules! typed_ref {
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
                self.clone().into()
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                ref_schema($kind)
            }
        }

        impl NodeValue for $name {
            fn type_metadata() -> TypeMetadata {
                TypeMetadata::new($kind)
            }
            fn from_value(value: Value) -> Result<Self, ValueError> {
                let (_, uri, asset_id, data) = parse_ref(value, Some($kind))?;
                Ok(Self { uri, asset_id, data })
            }
            fn into_value(self) -> Value {
                ref_json($kind, self.uri, self.asset_id, self.data)
            }
        }

        impl From<$name> for AssetRef {
            fn from(r: $name) -> AssetRef {
                AssetRef { kind: $kind.to_owned(), uri: r.uri, asset_id: r.asset_id, data: r.data }
            }
        }
    };
}

typed_ref!(
    /// A reference to an image (NodeTool's `ImageRef`).
    ImageRef, "image"
);
typed_ref!(
    /// A reference to audio (NodeTool's `AudioRef`).
    AudioRef, "audio"
);
typed_ref!(
    /// A reference to a video (NodeTool's `VideoRef`).
    VideoRef, "video"
);
typed_ref!(
    /// A reference to a document (NodeTool's `DocumentRef`).
    DocumentRef, "document"
);
typed_ref!(
    /// A reference to a text file (NodeTool's `TextRef`).
    TextRef, "text"
);
typed_ref!(
    /// A reference to a folder of assets (NodeTool's `FolderRef`, type `folder`).
    ///
    /// ```
    /// use nodetool::metadata::{FolderRef, NodeValue};
    /// assert!(FolderRef::default().is_empty());
    /// assert_eq!(FolderRef::type_metadata().name, "folder");
    /// let f = FolderRef::from_asset("f1");
    /// assert_eq!(f.into_value(), serde_json::json!(
    ///     {"type": "folder", "uri": "", "asset_id": "f1", "data": null}));
    /// ```
    FolderRef, "folder"
);
typed_ref!(
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

/// An empty reference of NodeTool type `kind` (the default of a reference property).
pub fn empty_ref(kind: &str) -> Value {
    ref_json(kind, String::new(), None, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_round_trip_in_nodetool_shape() {
        let value = json!({"type": "image", "uri": "file://a.png", "asset_id": null, "data": null});
        let image = ImageRef::from_value(value.clone()).unwrap();
        assert_eq!(image.uri, "file://a.png");
        assert_eq!(image.into_value(), value);
        let any = AssetRef::from_value(json!({"type": "audio", "asset_id": "x"})).unwrap();
        assert_eq!(any.kind, "audio");
        assert_eq!(any.into_value()["uri"], "");
        assert_eq!(empty_ref("video")["type"], "video");
    }

    #[test]
    fn a_reference_of_another_kind_is_a_clear_error() {
        let err = ImageRef::from_value(json!({"type": "audio", "uri": ""})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "expected image, got a reference of type `audio`"
        );
        let err = TextRef::from_value(json!("plain")).unwrap_err();
        assert!(err.to_string().starts_with("expected text"), "{err}");
        let err = ImageRef::from_value(json!({"type": "image", "uri": 3})).unwrap_err();
        assert!(err.to_string().contains("`uri` a string"), "{err}");
    }
}
