//! [`TypeMetadata`]: the type of a property or an output, in NodeTool's JSON shape.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// The type of a node property or output, as NodeTool describes it.
///
/// ```
/// use nodetool::metadata::TypeMetadata;
/// let t = TypeMetadata::list_of(TypeMetadata::new("int"));
/// assert_eq!(t.to_string(), "list[int]");
/// assert!(TypeMetadata::new("int").is_assignable_to(&TypeMetadata::new("float")));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeMetadata {
    /// The type's name: `int`, `float`, `str`, `bool`, `list`, `dict`, `union`, `enum`, `any`, …
    #[serde(rename = "type")]
    pub name: String,
    /// Whether `null` is accepted as well.
    #[serde(default)]
    pub optional: bool,
    /// The allowed values of an `enum`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<Value>>,
    /// Type arguments: the item type of a `list`, key and value types of a `dict`, the members
    /// of a `union`.
    #[serde(default)]
    pub type_args: Vec<TypeMetadata>,
    /// The name of an enum or object type, where it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
}

impl TypeMetadata {
    /// A type with no arguments, e.g. `TypeMetadata::new("int")`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            optional: false,
            values: None,
            type_args: Vec::new(),
            type_name: None,
        }
    }

    /// The `any` type, which every value and type is assignable to.
    pub fn any() -> Self {
        Self::new("any")
    }

    /// `list[item]`.
    pub fn list_of(item: TypeMetadata) -> Self {
        Self {
            type_args: vec![item],
            ..Self::new("list")
        }
    }

    /// `dict[key, value]`.
    pub fn dict_of(key: TypeMetadata, value: TypeMetadata) -> Self {
        Self {
            type_args: vec![key, value],
            ..Self::new("dict")
        }
    }

    /// The same type, made optional.
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// Whether this is `any`.
    pub fn is_any(&self) -> bool {
        self.name == "any"
    }

    /// Whether this is a `list` type.
    pub fn is_list(&self) -> bool {
        self.name == "list"
    }

    /// Whether a value of this type may flow into a property of type `target`.
    ///
    /// The rule is NodeTool's `typecheck`: `any` on either side matches; `int` and `float`
    /// convert both ways; a `union` source matches when any member does and a `union` target
    /// when the source matches any member; a single `T` may feed a `list[T]` (items are
    /// aggregated); lists and dicts compare their type arguments (a bare `list` or `dict`
    /// matches any); enums need the same values; every asset reference (`image`, `audio`, …)
    /// fits an `asset`. `optional` is ignored, as in NodeTool.
    pub fn is_assignable_to(&self, target: &TypeMetadata) -> bool {
        if self.is_any() || target.is_any() {
            return true;
        }
        match (self.name.as_str(), target.name.as_str()) {
            ("int", "float") | ("float", "int") => return true,
            // Every kind of asset reference is an asset.
            (
                "image" | "audio" | "video" | "document" | "text" | "folder" | "dataframe" | "json"
                | "model_3d",
                "asset",
            ) => return true,
            ("union", _) => return self.type_args.iter().any(|t| t.is_assignable_to(target)),
            (_, "union") => return target.type_args.iter().any(|t| self.is_assignable_to(t)),
            (s, "list") if s != "list" => {
                return target
                    .type_args
                    .first()
                    .is_some_and(|item| self.is_assignable_to(item));
            }
            (s, t) if s != t => return false,
            _ => {}
        }
        match self.name.as_str() {
            "enum" => match (&self.values, &target.values) {
                (Some(a), Some(b)) => a.len() == b.len() && a.iter().all(|v| b.contains(v)),
                _ => true,
            },
            _ => args_assignable(&self.type_args, &target.type_args),
        }
    }
}

impl TypeMetadata {
    /// A JSON Schema of the values of this type, for tools and APIs: scalars, lists, dicts,
    /// enums and unions map to their schema; an asset reference (`image`, `audio`, …) is an
    /// object with its `type` and a `uri`; other object types are objects named by `type`;
    /// `any` accepts anything. `optional` adds `null`.
    ///
    /// ```
    /// use nodetool::metadata::TypeMetadata;
    /// let t = TypeMetadata::list_of(TypeMetadata::new("int"));
    /// assert_eq!(t.json_schema(), serde_json::json!({"type": "array", "items": {"type": "integer"}}));
    /// ```
    pub fn json_schema(&self) -> Value {
        use serde_json::json;
        let schema = match self.name.as_str() {
            "str" => json!({"type": "string"}),
            "int" => json!({"type": "integer"}),
            "float" => json!({"type": "number"}),
            "bool" => json!({"type": "boolean"}),
            "list" => match self.type_args.first() {
                Some(item) if !item.is_any() => {
                    json!({"type": "array", "items": item.json_schema()})
                }
                _ => json!({"type": "array"}),
            },
            "dict" => match self.type_args.get(1) {
                Some(value) if !value.is_any() => {
                    json!({"type": "object", "additionalProperties": value.json_schema()})
                }
                _ => json!({"type": "object"}),
            },
            "enum" => match &self.values {
                Some(values) => json!({"enum": values}),
                None => json!({"type": "string"}),
            },
            // NodeTool's number inputs are `int | float`: one JSON number.
            "union"
                if self
                    .type_args
                    .iter()
                    .all(|t| matches!(t.name.as_str(), "int" | "float")) =>
            {
                json!({"type": "number"})
            }
            "union" => {
                json!({"anyOf": self.type_args.iter().map(Self::json_schema).collect::<Vec<_>>()})
            }
            "any" => json!({}),
            "image" | "audio" | "video" | "document" | "text" | "folder" | "dataframe" | "json"
            | "model_3d" | "asset" => json!({
                "type": "object",
                "properties": {
                    "type": {"type": "string", "const": self.name},
                    "uri": {"type": "string", "description": "A URL, data: URI or file:// path"}
                },
                "required": ["type", "uri"]
            }),
            other => json!({
                "type": "object",
                "properties": {"type": {"type": "string", "const": other}},
                "required": ["type"]
            }),
        };
        if self.optional && !self.is_any() {
            json!({"anyOf": [schema, {"type": "null"}]})
        } else {
            schema
        }
    }
}

fn args_assignable(source: &[TypeMetadata], target: &[TypeMetadata]) -> bool {
    if source.is_empty() || target.is_empty() {
        return true;
    }
    source.len() == target.len()
        && source
            .iter()
            .zip(target)
            .all(|(s, t)| s.is_assignable_to(t))
}

impl fmt::Display for TypeMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if !self.type_args.is_empty() {
            f.write_str("[")?;
            for (i, arg) in self.type_args.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{arg}")?;
            }
            f.write_str("]")?;
        }
        if self.optional {
            f.write_str(" | None")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str) -> TypeMetadata {
        TypeMetadata::new(name)
    }

    #[test]
    fn scalars_match_by_name_and_int_widens_to_float() {
        assert!(t("str").is_assignable_to(&t("str")));
        assert!(t("int").is_assignable_to(&t("float")));
        assert!(t("float").is_assignable_to(&t("int")));
        assert!(!t("bool").is_assignable_to(&t("int")));
        assert!(!t("str").is_assignable_to(&t("int")));
    }

    #[test]
    fn any_matches_both_ways() {
        assert!(t("any").is_assignable_to(&t("int")));
        assert!(t("image").is_assignable_to(&t("any")));
    }

    #[test]
    fn lists_compare_items_and_accept_single_items() {
        let ints = TypeMetadata::list_of(t("int"));
        let strs = TypeMetadata::list_of(t("str"));
        assert!(ints.is_assignable_to(&TypeMetadata::list_of(t("float"))));
        assert!(!strs.is_assignable_to(&ints));
        assert!(t("int").is_assignable_to(&ints));
        assert!(!t("str").is_assignable_to(&ints));
        assert!(strs.is_assignable_to(&t("list")));
        assert!(
            !t("int").is_assignable_to(&t("list")),
            "a bare list target takes lists only"
        );
    }

    #[test]
    fn unions_accept_any_member() {
        let u = TypeMetadata {
            type_args: vec![t("int"), t("str")],
            ..t("union")
        };
        assert!(t("str").is_assignable_to(&u));
        assert!(!t("bool").is_assignable_to(&u));
        assert!(u.is_assignable_to(&t("any")));
        assert!(
            u.is_assignable_to(&t("int")),
            "a union source matches when any member does"
        );
        assert!(!u.is_assignable_to(&t("bool")));
    }

    #[test]
    fn enums_need_the_same_values() {
        let e = |vals: &[&str]| TypeMetadata {
            values: Some(vals.iter().map(|v| Value::from(*v)).collect()),
            ..t("enum")
        };
        assert!(e(&["a", "b"]).is_assignable_to(&e(&["b", "a"])));
        assert!(!e(&["a"]).is_assignable_to(&e(&["a", "b"])));
    }

    #[test]
    fn displays_like_python_annotations() {
        let d = TypeMetadata::dict_of(t("str"), TypeMetadata::list_of(t("int"))).optional();
        assert_eq!(d.to_string(), "dict[str, list[int]] | None");
    }

    #[test]
    fn serializes_in_nodetool_shape() {
        let json = serde_json::to_value(TypeMetadata::list_of(t("int"))).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "list", "optional": false, "type_args": [
                {"type": "int", "optional": false, "type_args": []}
            ]})
        );
    }
}
