//! References to models that are not chat models: [`ImageModel`], [`VideoModel`],
//! [`TTSModel`], [`ASRModel`] and [`EmbeddingModel`] (NodeTool's `image_model`, `video_model`,
//! `tts_model`, `asr_model` and `embedding_model` types).
//!
//! They share [`LanguageModel`](super::LanguageModel)'s shape, nodetool-core 0.6.3's:
//! `{"type": K, "provider": "empty", "id": "", "name": ""}` (no `path` or `supported_tasks`),
//! plus the fields that define the kind: `voices` and `selected_voice` for a text-to-speech
//! model, `dimensions` for an embedding model. Reading is lenient: unknown fields (such as a
//! newer core's `path`) are ignored, missing or `null` fields take their defaults.
//!
//! ```
//! use nodetool::metadata::{NodeValue, TTSModel};
//! let m = TTSModel::from_value(serde_json::json!({"type": "tts_model", "provider": "openai",
//!     "id": "tts-1", "voices": ["alloy"], "path": null})).unwrap();
//! assert_eq!(m.voices, ["alloy"]);
//! assert_eq!(m.into_value()["selected_voice"], "");
//! ```

use super::{NodeValue, TypeMetadata, ValueError};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// The fields of a model object of NodeTool type `kind` (`type`, when given, must be `kind`).
fn model_object(value: Value, kind: &str) -> Result<Map<String, Value>, ValueError> {
    let Value::Object(mut map) = value else {
        return Err(ValueError::mismatch(kind, &value));
    };
    match map.remove("type") {
        None | Some(Value::Null) => {}
        Some(Value::String(t)) if t == kind => {}
        Some(other) => {
            return Err(ValueError::mismatch(format!("{kind} (its `type`)"), &other));
        }
    }
    Ok(map)
}

/// The field `key` of a `kind` model object, `default` when missing or `null`.
fn model_field<T: NodeValue>(
    map: &mut Map<String, Value>,
    kind: &str,
    key: &str,
    default: T,
) -> Result<T, ValueError> {
    match map.remove(key) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => T::from_value(v).map_err(|e| ValueError {
            expected: format!("{kind} (its `{key}` {})", e.expected),
            got: e.got,
        }),
    }
}

/// Declares a model reference type: the common `provider`, `id`, `name` and the kind's own
/// fields, each with its type, default and JSON schema.
macro_rules! model_ref {
    (
        $(#[$doc:meta])* $name:ident, $kind:literal,
        { $( $(#[$fdoc:meta])* $field:ident : $ty:ty = $default:expr, $schema:tt; )* }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            /// The provider's name (`empty` when none is chosen).
            pub provider: String,
            /// The model id the provider knows.
            pub id: String,
            /// A display name.
            pub name: String,
            $( $(#[$fdoc])* pub $field: $ty, )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    provider: "empty".to_owned(),
                    id: String::new(),
                    name: String::new(),
                    $( $field: $default, )*
                }
            }
        }

        impl $name {
            /// The NodeTool type name.
            pub const KIND: &'static str = $kind;

            /// Whether a model was chosen (the provider is neither `empty` nor blank).
            pub fn is_set(&self) -> bool {
                self.provider != "empty" && !self.provider.is_empty()
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                schemars::json_schema!({"type": "object", "properties": {
                    "type": {"const": $kind},
                    "provider": {"type": "string"},
                    "id": {"type": "string"},
                    "name": {"type": "string"}
                    $(, stringify!($field): $schema)*
                }})
            }
        }

        impl NodeValue for $name {
            fn type_metadata() -> TypeMetadata {
                TypeMetadata::new($kind)
            }
            fn from_value(value: Value) -> Result<Self, ValueError> {
                let mut map = model_object(value, $kind)?;
                Ok($name {
                    provider: model_field(&mut map, $kind, "provider", "empty".to_owned())?,
                    id: model_field(&mut map, $kind, "id", String::new())?,
                    name: model_field(&mut map, $kind, "name", String::new())?,
                    $( $field: model_field(&mut map, $kind, stringify!($field), $default)?, )*
                })
            }
            fn into_value(self) -> Value {
                let mut map = Map::new();
                map.insert("type".into(), Value::from($kind));
                map.insert("provider".into(), Value::String(self.provider));
                map.insert("id".into(), Value::String(self.id));
                map.insert("name".into(), Value::String(self.name));
                $( map.insert(stringify!($field).into(), self.$field.into_value()); )*
                Value::Object(map)
            }
        }
    };
}

model_ref!(
    /// An image generation model (NodeTool's `ImageModel`, type `image_model`).
    ///
    /// ```
    /// use nodetool::metadata::{ImageModel, NodeValue};
    /// let m = ImageModel::from_value(serde_json::json!(
    ///     {"type": "image_model", "provider": "fal_ai", "id": "flux"})).unwrap();
    /// assert!(m.is_set());
    /// assert_eq!(ImageModel::default().into_value(), serde_json::json!(
    ///     {"type": "image_model", "provider": "empty", "id": "", "name": ""}));
    /// ```
    ImageModel, "image_model", {}
);

model_ref!(
    /// A video generation model (NodeTool's `VideoModel`, type `video_model`).
    ///
    /// ```
    /// use nodetool::metadata::{NodeValue, VideoModel};
    /// assert_eq!(VideoModel::type_metadata().name, "video_model");
    /// assert!(!VideoModel::default().is_set());
    /// ```
    VideoModel, "video_model", {}
);

model_ref!(
    /// A text-to-speech model (NodeTool's `TTSModel`, type `tts_model`) with the voices it
    /// offers and the one chosen.
    ///
    /// ```
    /// use nodetool::metadata::{NodeValue, TTSModel};
    /// let m = TTSModel { selected_voice: "alloy".into(), ..TTSModel::default() };
    /// assert_eq!(m.into_value()["selected_voice"], "alloy");
    /// ```
    TTSModel, "tts_model", {
        /// The voices the model offers.
        voices: Vec<String> = Vec::new(), {"type": "array", "items": {"type": "string"}};
        /// The voice to speak with (`""`: the model's default).
        selected_voice: String = String::new(), {"type": "string"};
    }
);

model_ref!(
    /// An automatic speech recognition model (NodeTool's `ASRModel`, type `asr_model`).
    ///
    /// ```
    /// use nodetool::metadata::{ASRModel, NodeValue};
    /// let err = ASRModel::from_value(serde_json::json!({"type": "tts_model"})).unwrap_err();
    /// assert!(err.to_string().starts_with("expected asr_model (its `type`)"), "{err}");
    /// ```
    ASRModel, "asr_model", {}
);

model_ref!(
    /// An embedding model (NodeTool's `EmbeddingModel`, type `embedding_model`) and the size
    /// of its vectors.
    ///
    /// ```
    /// use nodetool::metadata::{EmbeddingModel, NodeValue};
    /// let m = EmbeddingModel::from_value(serde_json::json!(
    ///     {"provider": "openai", "id": "text-embedding-3-small", "dimensions": 1536})).unwrap();
    /// assert_eq!(m.dimensions, 1536);
    /// ```
    EmbeddingModel, "embedding_model", {
        /// The number of dimensions of the vectors (0: unknown).
        dimensions: i64 = 0, {"type": "integer"};
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_are_in_the_0_6_3_shape() {
        assert_eq!(
            TTSModel::default().into_value(),
            json!({"type": "tts_model", "provider": "empty", "id": "", "name": "",
                   "voices": [], "selected_voice": ""})
        );
        assert_eq!(
            EmbeddingModel::default().into_value(),
            json!({"type": "embedding_model", "provider": "empty", "id": "", "name": "",
                   "dimensions": 0})
        );
        assert_eq!(
            ASRModel::default().into_value(),
            json!({"type": "asr_model", "provider": "empty", "id": "", "name": ""})
        );
    }

    #[test]
    fn newer_fields_are_ignored_and_bad_fields_named() {
        let m = VideoModel::from_value(json!({"type": "video_model", "provider": "kie",
            "id": "v", "name": "V", "path": null, "supported_tasks": ["t2v"]}))
        .unwrap();
        assert_eq!((m.provider.as_str(), m.id.as_str()), ("kie", "v"));
        let err = TTSModel::from_value(json!({"voices": "alloy"})).unwrap_err();
        assert_eq!(err.expected, "tts_model (its `voices` list[str])");
        let err = EmbeddingModel::from_value(json!({"dimensions": 1.5})).unwrap_err();
        assert!(err.expected.contains("`dimensions`"), "{err}");
        assert!(ImageModel::from_value(json!("flux")).is_err());
        assert_eq!(
            ImageModel::from_value(json!({"provider": null})).unwrap(),
            ImageModel::default()
        );
    }
}
