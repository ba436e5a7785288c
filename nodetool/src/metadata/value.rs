//! [`NodeValue`]: the Rust types that can sit on a node's inputs and outputs.

use super::TypeMetadata;
use schemars::JsonSchema;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// A value that could not be converted to the type a node expects.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("expected {expected}, got {got}")]
pub struct ValueError {
    /// The expected type, e.g. `int`.
    pub expected: String,
    /// A short description of what came instead, e.g. `string "abc"`.
    pub got: String,
}

impl ValueError {
    /// A mismatch between `expected` and the value `got`.
    pub fn mismatch(expected: impl Into<String>, got: &Value) -> Self {
        Self {
            expected: expected.into(),
            got: describe(got),
        }
    }
}

/// Describes a JSON value in a few words for an error message, e.g. `string "abc"`.
pub fn describe(value: &Value) -> String {
    const MAX: usize = 40;
    let kind = match value {
        Value::Null => return "null".to_owned(),
        Value::Bool(b) => return format!("bool {b}"),
        Value::Number(n) => return format!("number {n}"),
        Value::String(_) => "string",
        Value::Array(a) => return format!("list of {} items", a.len()),
        Value::Object(o) => return format!("object with {} keys", o.len()),
    };
    let text = value.to_string();
    if text.chars().count() <= MAX {
        format!("{kind} {text}")
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{kind} {cut}…")
    }
}

/// A Rust type that a node input or output can carry.
///
/// It knows its NodeTool [`TypeMetadata`], converts from and to JSON (the dynamic runner's and
/// the graph file's currency), and has a JSON schema (via `schemars`).
///
/// ```
/// use nodetool::metadata::NodeValue;
/// use serde_json::json;
/// assert_eq!(<Vec<i64>>::type_metadata().to_string(), "list[int]");
/// assert_eq!(f64::from_value(json!(3)).unwrap(), 3.0);
/// assert!(i64::from_value(json!("3")).is_err());
/// ```
pub trait NodeValue: JsonSchema + Clone + Sized + Send + Sync + 'static {
    /// The NodeTool type of this Rust type.
    fn type_metadata() -> TypeMetadata;
    /// Converts a JSON value, leniently where NodeTool is (an integral float is an int, an int
    /// is a float).
    fn from_value(value: Value) -> Result<Self, ValueError>;
    /// Converts into JSON.
    fn into_value(self) -> Value;
    /// The JSON schema of this type.
    fn schema_json() -> Value {
        let schema = schemars::SchemaGenerator::default().into_root_schema_for::<Self>();
        schema.to_value()
    }
}

impl NodeValue for Value {
    fn type_metadata() -> TypeMetadata {
        TypeMetadata::any()
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        Ok(value)
    }
    fn into_value(self) -> Value {
        self
    }
}

/// NodeTool's `None` type (`none`): a node returning it has one output, `output`, that
/// carries no value, like a Python node whose `process` returns `None`.
///
/// ```
/// use nodetool::metadata::{Nothing, NodeValue};
/// assert_eq!(Nothing::type_metadata().name, "none");
/// assert!(Nothing.into_value().is_null());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Nothing;

impl JsonSchema for Nothing {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Nothing".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "null"})
    }
}

impl NodeValue for Nothing {
    fn type_metadata() -> TypeMetadata {
        TypeMetadata::new("none")
    }
    fn from_value(_: Value) -> Result<Self, ValueError> {
        Ok(Nothing)
    }
    fn into_value(self) -> Value {
        Value::Null
    }
}

impl NodeValue for String {
    fn type_metadata() -> TypeMetadata {
        TypeMetadata::new("str")
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::String(s) => Ok(s),
            other => Err(ValueError::mismatch("str", &other)),
        }
    }
    fn into_value(self) -> Value {
        Value::String(self)
    }
}

impl NodeValue for bool {
    fn type_metadata() -> TypeMetadata {
        TypeMetadata::new("bool")
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Bool(b) => Ok(b),
            other => Err(ValueError::mismatch("bool", &other)),
        }
    }
    fn into_value(self) -> Value {
        Value::Bool(self)
    }
}

macro_rules! int_value {
    ($($t:ty),*) => {$(
        impl NodeValue for $t {
            fn type_metadata() -> TypeMetadata {
                TypeMetadata::new("int")
            }
            fn from_value(value: Value) -> Result<Self, ValueError> {
                let n = match &value {
                    Value::Number(n) => n,
                    other => return Err(ValueError::mismatch("int", other)),
                };
                let wide: Option<i128> = if let Some(i) = n.as_i64() {
                    Some(i.into())
                } else if let Some(u) = n.as_u64() {
                    Some(u.into())
                } else {
                    // An integral float such as 3.0 is accepted, as pydantic does.
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18)
                        .map(|f| f as i128)
                };
                wide.and_then(|w| <$t>::try_from(w).ok())
                    .ok_or_else(|| ValueError::mismatch(concat!("int (", stringify!($t), ")"), &value))
            }
            fn into_value(self) -> Value {
                Value::from(self)
            }
        }
    )*};
}
int_value!(i64, i32, i16, i8, u64, u32, u16, u8, usize, isize);

macro_rules! float_value {
    ($($t:ty),*) => {$(
        impl NodeValue for $t {
            fn type_metadata() -> TypeMetadata {
                TypeMetadata::new("float")
            }
            fn from_value(value: Value) -> Result<Self, ValueError> {
                match &value {
                    Value::Number(n) => n
                        .as_f64()
                        .map(|f| f as $t)
                        .ok_or_else(|| ValueError::mismatch("float", &value)),
                    other => Err(ValueError::mismatch("float", other)),
                }
            }
            fn into_value(self) -> Value {
                // NaN and infinities have no JSON form: they become null, as in JSON.stringify.
                serde_json::Number::from_f64(f64::from(self)).map_or(Value::Null, Value::Number)
            }
        }
    )*};
}
float_value!(f64, f32);

impl<T: NodeValue> NodeValue for Option<T> {
    fn type_metadata() -> TypeMetadata {
        T::type_metadata().optional()
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
    fn into_value(self) -> Value {
        self.map_or(Value::Null, T::into_value)
    }
}

impl<T: NodeValue> NodeValue for Vec<T> {
    fn type_metadata() -> TypeMetadata {
        TypeMetadata::list_of(T::type_metadata())
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, item)| {
                    T::from_value(item).map_err(|e| ValueError {
                        expected: format!("{} at index {i}", e.expected),
                        got: e.got,
                    })
                })
                .collect(),
            other => Err(ValueError::mismatch(
                Self::type_metadata().to_string(),
                &other,
            )),
        }
    }
    fn into_value(self) -> Value {
        Value::Array(self.into_iter().map(T::into_value).collect())
    }
}

fn map_from_value<T: NodeValue, M: FromIterator<(String, T)>>(
    value: Value,
) -> Result<M, ValueError> {
    match value {
        Value::Object(entries) => entries
            .into_iter()
            .map(|(k, v)| match T::from_value(v) {
                Ok(v) => Ok((k, v)),
                Err(e) => Err(ValueError {
                    expected: format!("{} at key {k:?}", e.expected),
                    got: e.got,
                }),
            })
            .collect(),
        other => Err(ValueError::mismatch(
            TypeMetadata::dict_of(TypeMetadata::new("str"), T::type_metadata()).to_string(),
            &other,
        )),
    }
}

impl<T: NodeValue> NodeValue for BTreeMap<String, T> {
    fn type_metadata() -> TypeMetadata {
        TypeMetadata::dict_of(TypeMetadata::new("str"), T::type_metadata())
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        map_from_value(value)
    }
    fn into_value(self) -> Value {
        Value::Object(self.into_iter().map(|(k, v)| (k, v.into_value())).collect())
    }
}

impl<T: NodeValue> NodeValue for HashMap<String, T> {
    fn type_metadata() -> TypeMetadata {
        TypeMetadata::dict_of(TypeMetadata::new("str"), T::type_metadata())
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        map_from_value(value)
    }
    fn into_value(self) -> Value {
        Value::Object(self.into_iter().map(|(k, v)| (k, v.into_value())).collect())
    }
}

impl NodeValue for Map<String, Value> {
    fn type_metadata() -> TypeMetadata {
        TypeMetadata::new("dict")
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Object(map) => Ok(map),
            other => Err(ValueError::mismatch("dict", &other)),
        }
    }
    fn into_value(self) -> Value {
        Value::Object(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ints_accept_integral_floats_and_reject_the_rest() {
        assert_eq!(i64::from_value(json!(3.0)).unwrap(), 3);
        assert!(i64::from_value(json!(3.5)).is_err());
        assert!(u8::from_value(json!(300)).is_err());
        assert!(u32::from_value(json!(-1)).is_err());
        let err = i64::from_value(json!("7")).unwrap_err();
        assert_eq!(err.to_string(), "expected int, got string \"7\"");
    }

    #[test]
    fn floats_accept_ints_and_nan_becomes_null() {
        assert_eq!(f64::from_value(json!(2)).unwrap(), 2.0);
        assert_eq!(f64::NAN.into_value(), Value::Null);
    }

    #[test]
    fn lists_name_the_bad_index() {
        let err = <Vec<i64>>::from_value(json!([1, "x"])).unwrap_err();
        assert_eq!(err.expected, "int at index 1");
    }

    #[test]
    fn maps_name_the_bad_key() {
        let err = <BTreeMap<String, bool>>::from_value(json!({"k": 1})).unwrap_err();
        assert_eq!(err.expected, "bool at key \"k\"");
        let ok = <HashMap<String, bool>>::from_value(json!({"k": true})).unwrap();
        assert_eq!(ok.get("k"), Some(&true));
    }

    #[test]
    fn options_and_type_metadata() {
        assert_eq!(<Option<String>>::from_value(Value::Null).unwrap(), None);
        assert!(<Option<String>>::type_metadata().optional);
        assert_eq!(
            <Vec<Vec<f64>>>::type_metadata().to_string(),
            "list[list[float]]"
        );
    }

    #[test]
    fn long_values_are_shortened_in_errors() {
        let long = "x".repeat(500);
        let err = i64::from_value(Value::String(long)).unwrap_err();
        assert!(err.got.len() < 80, "{}", err.got);
    }

    #[test]
    fn json_schema_comes_from_schemars() {
        assert_eq!(<i64 as NodeValue>::schema_json()["type"], "integer");
        assert_eq!(
            <Vec<String> as NodeValue>::schema_json()["items"]["type"],
            "string"
        );
    }
}
