//! `lib.json`: JSON parsing, paths, filtering and templates, as NodeTool's `lib/json.py`
//! (Python's `str()`, `int()`, `float()`, `bool()`, `list()`, `dict()` and `json.dumps` where
//! the nodes use them).

use nodetool::prelude::*;
use serde_json::{Map, Value};

/// Python's `str()` of a JSON value (`None`, `True`, `1.0`, `{'a': 1}`).
pub fn py_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

/// Python's `repr()` of a JSON value.
pub fn py_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) if f.fract() == 0.0 && f.abs() < 1e16 => format!("{f:.1}"),
            (_, _, Some(f)) => f.to_string(),
            _ => n.to_string(),
        },
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(py_repr).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Object(map) => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", py_repr(&Value::String(k.clone())), py_repr(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

/// Python's `json.dumps(value, indent=indent)` (ASCII only, `", "`/`": "` separators).
pub fn py_dumps(value: &Value, indent: Option<usize>) -> String {
    fn string(out: &mut String, s: &str) {
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{08}' => out.push_str("\\b"),
                '\u{0c}' => out.push_str("\\f"),
                c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }
    fn go(out: &mut String, value: &Value, indent: Option<usize>, level: usize) {
        let newline = |out: &mut String, level: usize| {
            if let Some(n) = indent {
                out.push('\n');
                out.push_str(&" ".repeat(n.saturating_mul(level)));
            }
        };
        let sep = if indent.is_some() { "," } else { ", " };
        match value {
            Value::String(s) => string(out, s),
            Value::Number(n) => match n.as_f64() {
                Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e16 => {
                    out.push_str(&format!("{f:.1}"))
                }
                _ => out.push_str(&n.to_string()),
            },
            Value::Array(items) if items.is_empty() => out.push_str("[]"),
            Value::Object(map) if map.is_empty() => out.push_str("{}"),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(sep);
                    }
                    newline(out, level + 1);
                    go(out, item, indent, level + 1);
                }
                newline(out, level);
                out.push(']');
            }
            Value::Object(map) => {
                out.push('{');
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push_str(sep);
                    }
                    newline(out, level + 1);
                    string(out, k);
                    out.push_str(": ");
                    go(out, v, indent, level + 1);
                }
                newline(out, level);
                out.push('}');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    go(&mut out, value, indent, 0);
    out
}

/// The value at a dot path (`a.b.0.c`): object keys, list indices (digits only); `None`
/// where the path leads nowhere, as NodeTool's `_extract_value`.
pub fn extract<'a>(data: &'a Value, path: &str) -> Option<&'a Value> {
    let mut current = data;
    for key in path.split('.') {
        current = match current {
            Value::Object(map) => map.get(key)?,
            Value::Array(items) if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) => {
                items.get(key.parse::<usize>().ok()?)?
            }
            _ => return None,
        };
    }
    (!current.is_null()).then_some(current)
}

/// Parse JSON string into Python dictionary object.
/// json, parse, decode, dictionary
#[node(namespace = "lib.json")]
pub async fn parse_dict(
    /// JSON string to parse into a dictionary
    #[input(default = "")]
    json_string: String,
) -> Result<Map<String, Value>> {
    match serde_json::from_str(&json_string).map_err(|e| format!("invalid JSON: {e}"))? {
        Value::Object(map) => Ok(map),
        _ => Err("JSON string must represent an object/dictionary".into()),
    }
}

/// Parse JSON string into Python list object.
/// json, parse, decode, array, list
#[node(namespace = "lib.json")]
pub async fn parse_list(
    /// JSON string to parse into a list
    #[input(default = "")]
    json_string: String,
) -> Result<Vec<Value>> {
    match serde_json::from_str(&json_string).map_err(|e| format!("invalid JSON: {e}"))? {
        Value::Array(items) => Ok(items),
        _ => Err("JSON string must represent an array/list".into()),
    }
}

/// Convert Python object to formatted JSON string.
/// json, stringify, encode
#[node(namespace = "lib.json", name = "StringifyJSON")]
pub async fn stringify_json(
    /// Data to convert to JSON
    #[input(default = Value::Object(Map::new()))]
    data: Value,
    /// Number of spaces for indentation
    #[input(default = 2)]
    indent: i64,
) -> Result<String> {
    if indent > 1_000 {
        return Err(format!("indent: {indent} spaces is more than 1000").into());
    }
    Ok(py_dumps(&data, usize::try_from(indent).ok()))
}

/// Extract string value from JSON object using dot notation path.
/// json, path, extract, string
#[node(namespace = "lib.json", name = "GetJSONPathStr")]
pub async fn get_json_path_str(
    /// JSON object to extract from
    #[input(default = Value::Object(Map::new()))]
    data: Value,
    /// Path to the desired value (dot notation)
    #[input(default = "")]
    path: String,
    /// Default value to return if path is not found
    #[input(default = "")]
    default: String,
) -> String {
    extract(&data, &path).map_or(default, py_str)
}

/// Extract integer value from JSON object using dot notation path.
/// json, path, extract, number
#[node(namespace = "lib.json", name = "GetJSONPathInt")]
pub async fn get_json_path_int(
    /// JSON object to extract from
    #[input(default = Value::Object(Map::new()))]
    data: Value,
    /// Path to the desired value (dot notation)
    #[input(default = "")]
    path: String,
    /// Default value to return if path is not found
    #[input(default = 0)]
    default: i64,
) -> Result<i64> {
    let Some(found) = extract(&data, &path) else {
        return Ok(default);
    };
    match found {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite())
                    .map(|f| f.trunc() as i64)
            })
            .ok_or_else(|| format!("cannot convert {n} to int").into()),
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::String(s) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| format!("invalid literal for int() with base 10: '{s}'").into()),
        other => Err(format!("int() cannot convert {}", py_repr(other)).into()),
    }
}

/// Extract float value from JSON object using dot notation path.
/// json, path, extract, number
#[node(namespace = "lib.json", name = "GetJSONPathFloat")]
pub async fn get_json_path_float(
    /// JSON object to extract from
    #[input(default = Value::Object(Map::new()))]
    data: Value,
    /// Path to the desired value (dot notation)
    #[input(default = "")]
    path: String,
    /// Default value to return if path is not found
    #[input(default = 0.0)]
    default: f64,
) -> Result<f64> {
    let Some(found) = extract(&data, &path) else {
        return Ok(default);
    };
    match found {
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| format!("cannot convert {n} to float").into()),
        Value::Bool(b) => Ok(f64::from(u8::from(*b))),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .map_err(|_| format!("could not convert string to float: '{s}'").into()),
        other => Err(format!("float() cannot convert {}", py_repr(other)).into()),
    }
}

/// Extract boolean value from JSON object using dot notation path.
/// json, path, extract, boolean
#[node(namespace = "lib.json", name = "GetJSONPathBool")]
pub async fn get_json_path_bool(
    /// JSON object to extract from
    #[input(default = Value::Object(Map::new()))]
    data: Value,
    /// Path to the desired value (dot notation)
    #[input(default = "")]
    path: String,
    /// Default value to return if path is not found
    #[input(default = false)]
    default: bool,
) -> bool {
    extract(&data, &path).map_or(default, crate::python::py_truthy)
}

/// Extract list/array value from JSON object using dot notation path.
/// json, path, extract, array
#[node(namespace = "lib.json", name = "GetJSONPathList")]
pub async fn get_json_path_list(
    /// JSON object to extract from
    #[input(default = Value::Object(Map::new()))]
    data: Value,
    /// Path to the desired value (dot notation)
    #[input(default = "")]
    path: String,
    /// Default value to return if path is not found
    #[input(default)]
    default: Vec<Value>,
) -> Result<Vec<Value>> {
    match extract(&data, &path) {
        None => Ok(default),
        Some(Value::Array(items)) => Ok(items.clone()),
        Some(Value::Object(map)) => Ok(map.keys().cloned().map(Value::String).collect()),
        Some(Value::String(s)) => Ok(s.chars().map(|c| Value::String(c.to_string())).collect()),
        Some(other) => Err(format!("{} is not iterable", py_repr(other)).into()),
    }
}

/// Extract dictionary/object value from JSON object using dot notation path.
/// json, path, extract, object
#[node(namespace = "lib.json", name = "GetJSONPathDict")]
pub async fn get_json_path_dict(
    /// JSON object to extract from
    #[input(default = Value::Object(Map::new()))]
    data: Value,
    /// Path to the desired value (dot notation)
    #[input(default = "")]
    path: String,
    /// Default value to return if path is not found
    #[input(default = Map::new())]
    default: Map<String, Value>,
) -> Result<Map<String, Value>> {
    match extract(&data, &path) {
        None => Ok(default),
        Some(Value::Object(map)) => Ok(map.clone()),
        Some(Value::Array(pairs)) => pairs
            .iter()
            .map(|pair| match pair.as_array().map(Vec::as_slice) {
                Some([Value::String(k), v]) => Ok((k.clone(), v.clone())),
                _ => Err(format!("cannot make a dictionary entry of {}", py_repr(pair)).into()),
            })
            .collect(),
        Some(other) => Err(format!("cannot convert {} to a dictionary", py_repr(other)).into()),
    }
}

/// Filter array of JSON objects by matching key-value condition.
/// json, filter, array
#[node(namespace = "lib.json", name = "FilterJSON")]
pub async fn filter_json(
    /// Array of JSON objects to filter
    #[input(default)]
    array: Vec<Value>,
    /// Key to filter on
    #[input(default = "")]
    key: String,
    /// Value to match
    #[input(default = Value::Object(Map::new()))]
    value: Value,
) -> Result<Vec<Value>> {
    let mut kept = Vec::new();
    for (i, item) in array.into_iter().enumerate() {
        let Value::Object(map) = &item else {
            return Err(format!("item {i} is not an object: {}", py_repr(&item)).into());
        };
        let found = map.get(&key).unwrap_or(&Value::Null);
        if crate::boolean::py_eq(found, &value) {
            kept.push(item);
        }
    }
    Ok(kept)
}

/// Generate JSON dictionary from template with variable substitution.
/// json, template, substitute, variables
#[node(namespace = "lib.json", name = "JSONTemplate", title = "JSON Template")]
pub async fn json_template(
    /// JSON template string with $variable placeholders
    #[input(default = "")]
    template: String,
    /// Dictionary of values to substitute into the template
    #[input(default = Map::new())]
    values: Map<String, Value>,
) -> Result<Map<String, Value>> {
    // Longer names first, so `$user` never eats the start of `$username`.
    let mut names: Vec<(&String, &Value)> = values.iter().collect();
    names.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
    let mut result = template;
    for (key, value) in names {
        result = result.replace(&format!("${key}"), &py_str(value));
    }
    match serde_json::from_str::<Value>(&result) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => {
            Err(format!("Resulting JSON must be a dictionary: {}", py_repr(&other)).into())
        }
        Err(e) => Err(format!("Resulting JSON is invalid: {e} \n {result}").into()),
    }
}

/// Validate JSON data against a schema.
/// json, validate, schema
///
/// The schema's `$schema` picks the draft (the latest, 2020-12, when absent), as Python's
/// `jsonschema.validate` does; an invalid schema is an error, not `false`.
#[node(namespace = "lib.json", name = "ValidateJSON", title = "Validate JSON")]
pub async fn validate_json(
    /// JSON data to validate
    #[input(default = Value::Null)]
    data: Value,
    /// JSON schema for validation
    #[input(default = Map::new())]
    schema: Map<String, Value>,
) -> Result<bool> {
    let validator = jsonschema::validator_for(&Value::Object(schema))
        .map_err(|e| format!("schema: not a valid JSON schema: {e}"))?;
    Ok(validator.is_valid(&data))
}

/// `nodetool.json` is NodeTool's second name for these nodes; only the default of `data`
/// (`None` there, `{}` in `lib.json`) and `FilterJSON`'s `value` (`None`) differ.
mod nodetool_json {
    use nodetool::metadata::NodeMetadata;

    fn default_none(metadata: &mut NodeMetadata, name: &str) {
        for property in metadata.properties.iter_mut().filter(|p| p.name == name) {
            property.default = Some(serde_json::Value::Null);
        }
    }
    fn data_none(metadata: &mut NodeMetadata) {
        default_none(metadata, "data")
    }
    fn value_none(metadata: &mut NodeMetadata) {
        default_none(metadata, "value")
    }

    nodetool::node_alias!("nodetool.json.ParseDict" => "lib.json.ParseDict");
    nodetool::node_alias!("nodetool.json.ParseList" => "lib.json.ParseList");
    nodetool::node_alias!("nodetool.json.StringifyJSON" => "lib.json.StringifyJSON");
    nodetool::node_alias!("nodetool.json.GetJSONPathStr" => "lib.json.GetJSONPathStr", adjust = data_none);
    nodetool::node_alias!("nodetool.json.GetJSONPathInt" => "lib.json.GetJSONPathInt", adjust = data_none);
    nodetool::node_alias!("nodetool.json.GetJSONPathFloat" => "lib.json.GetJSONPathFloat", adjust = data_none);
    nodetool::node_alias!("nodetool.json.GetJSONPathBool" => "lib.json.GetJSONPathBool", adjust = data_none);
    nodetool::node_alias!("nodetool.json.GetJSONPathList" => "lib.json.GetJSONPathList", adjust = data_none);
    nodetool::node_alias!("nodetool.json.GetJSONPathDict" => "lib.json.GetJSONPathDict", adjust = data_none);
    nodetool::node_alias!("nodetool.json.ValidateJSON" => "lib.json.ValidateJSON");
    nodetool::node_alias!("nodetool.json.FilterJSON" => "lib.json.FilterJSON", adjust = value_none);
    nodetool::node_alias!("nodetool.json.JSONTemplate" => "lib.json.JSONTemplate");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_str_repr_and_dumps() {
        assert_eq!(
            py_str(&json!({"a": [1, 2.0, null, true, "x"]})),
            "{'a': [1, 2.0, None, True, 'x']}"
        );
        assert_eq!(
            py_dumps(&json!({"a": [1, "é"]}), Some(2)),
            "{\n  \"a\": [\n    1,\n    \"\\u00e9\"\n  ]\n}"
        );
        assert_eq!(
            py_dumps(&json!({"a": 1, "b": []}), None),
            "{\"a\": 1, \"b\": []}"
        );
        assert_eq!(py_dumps(&json!([1]), Some(0)), "[\n1\n]");
        assert_eq!(py_dumps(&json!("😀"), None), "\"\\ud83d\\ude00\"");
    }

    #[test]
    fn paths_walk_objects_and_lists() {
        let data = json!({"a": {"b": [10, {"c": "x"}]}});
        assert_eq!(extract(&data, "a.b.1.c"), Some(&json!("x")));
        assert_eq!(extract(&data, "a.b.5"), None);
        assert_eq!(extract(&data, "a.b.-1"), None);
        assert_eq!(extract(&data, "a.z"), None);
    }
}
