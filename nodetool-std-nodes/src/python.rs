//! Python's value semantics on JSON values: `==`, `<`, hashing for sets, type names. NodeTool's
//! nodes are written in Python, so equal inputs must compare, sort and dedupe as there.

use serde_json::Value;
use std::cmp::Ordering;

/// Python's type name of a JSON value (`int`, `float`, `bool`, `str`, `list`, `dict`,
/// `NoneType`), for error messages.
pub fn py_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// Python's truthiness (`bool(value)`): `None`, `0`, `""`, `[]` and `{}` are false.
pub fn py_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
    }
}

/// A number or a boolean (Python's `bool` is an `int`) as a float.
fn numeric(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

/// An integer or a boolean as an integer.
fn integral(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

/// Python's `==` on JSON values: numbers by value (`1 == 1.0`), booleans as 0 and 1
/// (`True == 1`), lists and objects item by item.
///
/// ```
/// use nodetool_std_nodes::python::py_eq;
/// use serde_json::json;
/// assert!(py_eq(&json!([1, true]), &json!([1.0, 1])));
/// assert!(!py_eq(&json!("1"), &json!(1)));
/// ```
pub fn py_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| py_eq(v, w)))
        }
        _ => match (integral(a), integral(b)) {
            (Some(x), Some(y)) => x == y,
            _ => match (numeric(a), numeric(b)) {
                (Some(x), Some(y)) => x == y,
                _ => a == b,
            },
        },
    }
}

/// Python's ordering (`<`) of two values: numbers and booleans by value, strings by code
/// point, lists item by item. Other pairs cannot be ordered: the error is Python's message.
///
/// ```
/// use nodetool_std_nodes::python::py_cmp;
/// use serde_json::json;
/// use std::cmp::Ordering;
/// assert_eq!(py_cmp(&json!(2), &json!(10.5)), Ok(Ordering::Less));
/// assert_eq!(py_cmp(&json!([1, "b"]), &json!([1, "a"])), Ok(Ordering::Greater));
/// assert!(py_cmp(&json!("a"), &json!(1)).is_err());
/// ```
pub fn py_cmp(a: &Value, b: &Value) -> Result<Ordering, String> {
    let unordered = || {
        format!(
            "'<' not supported between instances of '{}' and '{}'",
            py_type_name(a),
            py_type_name(b)
        )
    };
    match (a, b) {
        (Value::String(x), Value::String(y)) => Ok(x.cmp(y)),
        (Value::Array(x), Value::Array(y)) => {
            for (p, q) in x.iter().zip(y) {
                if !py_eq(p, q) {
                    return py_cmp(p, q);
                }
            }
            Ok(x.len().cmp(&y.len()))
        }
        _ => {
            if let (Some(x), Some(y)) = (integral(a), integral(b)) {
                return Ok(x.cmp(&y));
            }
            match (numeric(a), numeric(b)) {
                (Some(x), Some(y)) => x.partial_cmp(&y).ok_or_else(unordered),
                _ => Err(unordered()),
            }
        }
    }
}

/// What a value hashes as in a Python `set`: equal values (`1`, `1.0`, `True`) share a key.
/// Lists and dicts are unhashable, as in Python.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PyKey {
    /// `None`.
    None,
    /// An integral number or a boolean.
    Int(i64),
    /// A float that is not integral (its bits).
    Float(u64),
    /// A string.
    Str(String),
}

impl PyKey {
    /// The key of `value`, or Python's `unhashable type` error.
    pub fn of(value: &Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(PyKey::None),
            Value::String(s) => Ok(PyKey::Str(s.clone())),
            Value::Array(_) | Value::Object(_) => {
                Err(format!("unhashable type: '{}'", py_type_name(value)))
            }
            _ => {
                if let Some(i) = integral(value) {
                    return Ok(PyKey::Int(i));
                }
                let f = numeric(value).unwrap_or(f64::NAN);
                if f.fract() == 0.0 && f.abs() < 9.2e18 {
                    Ok(PyKey::Int(f as i64))
                } else {
                    Ok(PyKey::Float(f.to_bits()))
                }
            }
        }
    }
}

/// The values without repeats (Python equality), in order of first appearance.
pub fn unique<'a>(values: impl IntoIterator<Item = &'a Value>) -> Result<Vec<Value>, String> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for value in values {
        if seen.insert(PyKey::of(value)?) {
            out.push(value.clone());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equal_numbers_share_a_key() {
        assert_eq!(PyKey::of(&json!(1)), PyKey::of(&json!(1.0)));
        assert_eq!(PyKey::of(&json!(true)), PyKey::of(&json!(1)));
        assert_ne!(PyKey::of(&json!(1.5)), PyKey::of(&json!(1)));
        assert_eq!(
            PyKey::of(&json!([1])),
            Err("unhashable type: 'list'".to_owned())
        );
    }

    #[test]
    fn unique_keeps_first_occurrences() {
        let values = [json!(3), json!(1), json!(3.0), json!("a"), json!(true)];
        assert_eq!(unique(&values), Ok(vec![json!(3), json!(1), json!("a")]));
    }

    #[test]
    fn none_cannot_be_ordered() {
        assert_eq!(
            py_cmp(&json!(null), &json!(1)),
            Err("'<' not supported between instances of 'NoneType' and 'int'".to_owned())
        );
    }
}
