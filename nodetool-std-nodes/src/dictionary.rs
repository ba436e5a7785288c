//! `nodetool.dictionary`: dictionaries, as NodeTool's `nodetool/dictionary.py`.
//!
//! JSON objects here keep their keys sorted, not in insertion order: `ArgMax` breaks ties by
//! the first key in that order.

use crate::enums::string_enum;
use nodetool::prelude::*;
use serde_json::Value;
use std::collections::BTreeMap;

/// A dictionary of any values.
pub type Dict = BTreeMap<String, Value>;

/// Retrieve value from dictionary by key, with optional default.
/// dictionary, get, value, key
#[node(namespace = "nodetool.dictionary", layout = "small")]
pub async fn get_value(
    #[input(default)] dictionary: Dict,
    #[input(default = "")] key: String,
    #[input(default = Value::Array(Vec::new()))] default: Value,
) -> Value {
    dictionary.get(&key).cloned().unwrap_or(default)
}

/// Merge new key-value pairs into dictionary, modifying in place.
/// dictionary, add, update
#[node(namespace = "nodetool.dictionary", layout = "small")]
pub async fn update(#[input(default)] dictionary: Dict, #[input(default)] new_pairs: Dict) -> Dict {
    let mut dictionary = dictionary;
    dictionary.extend(new_pairs);
    dictionary
}

/// Delete key-value pair from dictionary by key.
/// dictionary, remove, delete
#[node(namespace = "nodetool.dictionary", layout = "small")]
pub async fn remove(
    #[input(default)] dictionary: Dict,
    #[input(default = "")] key: String,
) -> Dict {
    let mut dictionary = dictionary;
    dictionary.remove(&key);
    dictionary
}

/// Parse JSON string into dictionary object.
/// json, parse, dictionary
#[node(
    namespace = "nodetool.dictionary",
    name = "ParseJSON",
    layout = "small"
)]
pub async fn parse_json(#[input(default = "")] json_string: String) -> Result<Dict> {
    match serde_json::from_str::<Value>(&json_string).map_err(|e| format!("invalid JSON: {e}"))? {
        Value::Object(map) => Ok(map.into_iter().collect()),
        _ => Err("Input JSON is not a dictionary".into()),
    }
}

/// Create dictionary from parallel lists of keys and values.
/// dictionary, create, zip
#[node(namespace = "nodetool.dictionary", layout = "small")]
pub async fn zip(
    #[input(default)] keys: Vec<Value>,
    #[input(default)] values: Vec<Value>,
) -> Result<Dict> {
    let mut out = Dict::new();
    for (key, value) in keys.into_iter().zip(values) {
        let key = match key {
            Value::String(s) => s,
            key @ (Value::Number(_) | Value::Bool(_)) => crate::json::py_str(&key),
            other => {
                return Err(format!(
                    "a dictionary key must be a string, number or boolean, not {}",
                    nodetool::metadata::describe(&other)
                )
                .into())
            }
        };
        out.insert(key, value);
    }
    Ok(out)
}

/// Merge two dictionaries with second dictionary values taking precedence.
/// dictionary, merge, update, +, add, concatenate
#[node(namespace = "nodetool.dictionary", layout = "small")]
pub async fn combine(#[input(default)] dict_a: Dict, #[input(default)] dict_b: Dict) -> Dict {
    let mut out = dict_a;
    out.extend(dict_b);
    out
}

/// Create new dictionary containing only specified keys from input.
/// dictionary, filter, select
#[node(namespace = "nodetool.dictionary")]
pub async fn filter(
    #[input(default)] dictionary: Dict,
    #[input(default)] keys: Vec<String>,
) -> Dict {
    keys.into_iter()
        .filter_map(|k| dictionary.get(&k).cloned().map(|v| (k, v)))
        .collect()
}

string_enum!(
    /// What `ReduceDictionaries` does when a key repeats.
    ConflictResolution, "nodetool.nodes.nodetool.dictionary.ReduceDictionaries.ConflictResolution", default First,
    { First => "first", Last => "last", Error => "error" }
);

/// Reduces a list of dictionaries into one dictionary based on a specified key field.
/// dictionary, reduce, aggregate
#[node(namespace = "nodetool.dictionary")]
pub async fn reduce_dictionaries(
    /// List of dictionaries to be reduced
    #[input(default)]
    dictionaries: Vec<Dict>,
    /// The field to use as the key in the resulting dictionary
    #[input(default = "")]
    key_field: String,
    /// Optional field to use as the value. If not specified, the entire dictionary (minus the key field) will be used as the value.
    #[input(default = "")]
    value_field: String,
    /// How to handle conflicts when the same key appears multiple times
    #[input(default = ConflictResolution::First)]
    conflict_resolution: ConflictResolution,
) -> Result<Dict> {
    let mut out = Dict::new();
    for mut item in dictionaries {
        let key = item
            .remove(&key_field)
            .ok_or_else(|| format!("Key field '{key_field}' not found in dictionary"))?;
        // Python's str() of the key, as the dictionary NodeTool builds would print it.
        let key = crate::json::py_str(&key);
        let value = if value_field.is_empty() {
            Value::Object(item.into_iter().collect())
        } else {
            item.remove(&value_field)
                .ok_or_else(|| format!("Value field '{value_field}' not found in dictionary"))?
        };
        match (out.contains_key(&key), conflict_resolution) {
            (true, ConflictResolution::First) => {}
            (true, ConflictResolution::Error) => {
                return Err(format!("Duplicate key found: {key}").into())
            }
            _ => {
                out.insert(key, value);
            }
        }
    }
    Ok(out)
}

/// Returns the label associated with the highest value in a dictionary.
/// dictionary, maximum, label, argmax
#[node(namespace = "nodetool.dictionary", name = "ArgMax", layout = "small")]
pub async fn arg_max(
    /// Dictionary mapping labels to their corresponding scores/values
    #[input(default)]
    scores: BTreeMap<String, f64>,
) -> Result<String> {
    let mut best: Option<(&String, f64)> = None;
    for (label, score) in &scores {
        if best.is_none_or(|(_, b)| *score > b) {
            best = Some((label, *score));
        }
    }
    best.map(|(l, _)| l.clone())
        .ok_or_else(|| "Input dictionary cannot be empty".into())
}
