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

/// Python's ordering rank of a value's kind: numbers (and booleans), strings, lists; others
/// (`None`, dictionaries) cannot be ordered.
fn kind_rank(value: &Value) -> Option<u8> {
    match value {
        Value::Bool(_) | Value::Number(_) => Some(0),
        Value::String(_) => Some(1),
        Value::Array(_) => Some(2),
        Value::Null | Value::Object(_) => None,
    }
}

/// Python's error for sorting `values` if two of them cannot be compared: kinds that differ
/// (`1` and `"a"`), `None` or dictionaries (with more than one item), and the same checks on
/// list items position by position.
pub fn check_comparable(values: &[Value]) -> Result<(), String> {
    let Some(first) = values.first() else {
        return Ok(());
    };
    for v in &values[1..] {
        let (a, b) = (kind_rank(first), kind_rank(v));
        if a.is_none() || b.is_none() || a != b {
            return Err(format!(
                "'<' not supported between instances of '{}' and '{}'",
                py_type_name(v),
                py_type_name(first)
            ));
        }
    }
    if first.is_array() {
        let longest = values
            .iter()
            .filter_map(Value::as_array)
            .map(Vec::len)
            .max()
            .unwrap_or(0);
        for i in 0..longest {
            let column: Vec<Value> = values
                .iter()
                .filter_map(|v| v.as_array()?.get(i).cloned())
                .collect();
            check_comparable(&column)?;
        }
    }
    Ok(())
}

/// A total order that agrees with [`py_cmp`] wherever that succeeds: by kind, then numbers
/// exactly (integers as integers, floats by IEEE total order), strings by code point, lists
/// item by item.
pub fn py_total_cmp(a: &Value, b: &Value) -> Ordering {
    let (ra, rb) = (kind_rank(a).unwrap_or(3), kind_rank(b).unwrap_or(3));
    if ra != rb {
        return ra.cmp(&rb);
    }
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => {
            for (p, q) in x.iter().zip(y) {
                let o = py_total_cmp(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        _ => match (integral(a), integral(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => match (numeric(a), numeric(b)) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                _ => a.to_string().cmp(&b.to_string()),
            },
        },
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

/// Python's `str.isspace()` (and `\s` in a `str` pattern): Unicode white space plus the
/// separators U+001C..U+001F.
pub(crate) fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.strip()`.
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(py_space)
}

/// The first code points of the runs of ten Unicode decimal digits (category Nd, 0..9), as of
/// Unicode 15.
const DIGIT_ZEROS: [u32; 68] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x11F50, 0x16A60, 0x16AC0,
    0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E4F0, 0x1E950,
    0x1FBF0,
];

/// The value of a Unicode decimal digit (Python's `\d` and `int()`): `'7'` and `'٧'` are 7.
pub(crate) fn decimal_digit(c: char) -> Option<u32> {
    if c.is_ascii() {
        return c.to_digit(10);
    }
    let cp = u32::from(c);
    let run = DIGIT_ZEROS.partition_point(|&zero| zero <= cp);
    let zero = DIGIT_ZEROS[run.checked_sub(1)?];
    (cp - zero < 10).then_some(cp - zero)
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
