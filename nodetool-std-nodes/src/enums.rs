//! Enum properties (NodeTool's `enum` type): a Rust enum whose JSON is the variant's string.

/// Declares an enum property type: its variants' strings, NodeTool's type name, the default.
macro_rules! string_enum {
    (
        $(#[$doc:meta])*
        $name:ident, $type_name:literal, default $default:ident,
        { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vdoc])* #[doc = concat!("`", $text, "`")] $variant,)+
        }

        impl Default for $name {
            fn default() -> Self {
                $name::$default
            }
        }

        impl $name {
            /// The variant's string.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({"enum": [$($text),+]})
            }
        }

        impl nodetool::metadata::NodeValue for $name {
            fn type_metadata() -> nodetool::metadata::TypeMetadata {
                nodetool::metadata::TypeMetadata {
                    values: Some(vec![$(serde_json::Value::from($text)),+]),
                    type_name: Some($type_name.to_owned()),
                    ..nodetool::metadata::TypeMetadata::new("enum")
                }
            }
            fn from_value(
                value: serde_json::Value,
            ) -> Result<Self, nodetool::metadata::ValueError> {
                match value.as_str() {
                    $(Some($text) => Ok($name::$variant),)+
                    _ => Err(nodetool::metadata::ValueError {
                        expected: format!("one of {}", [$($text),+].join(", ")),
                        got: nodetool::metadata::describe(&value),
                    }),
                }
            }
            fn into_value(self) -> serde_json::Value {
                serde_json::Value::from(self.as_str())
            }
        }
    };
}

pub(crate) use string_enum;
