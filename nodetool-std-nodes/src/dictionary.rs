//! `nodetool.dictionary`: dictionaries, as NodeTool's `nodetool/dictionary.py`.
//!
//! Dictionaries keep their keys in insertion order, as Python's do: `ArgMax` breaks ties by
//! the first key. The streaming filters pass each dictionary on as it came, and CSV rows keep
//! the order of the columns.
//!
//! `MakeDictionary` (a dynamic node) is in [`crate::dynamic`]. Not here: `FilterDictByQuery`
//! (pandas' query language).

use crate::enums::string_enum;
use crate::json::py_str;
use crate::os::posix;
use crate::pyre::{Flags, PyRegex};
use crate::python::{decimal_digit, py_strip, py_truthy, py_type_name};
use chrono::{Datelike, NaiveDateTime, Timelike, Utc};
use nodetool::prelude::*;
use nodetool::workflows::messages::Severity;
use nodetool::workspace::Workspace;
use serde_json::{Map, Value};
/// A dictionary of any values, keys in insertion order (as Python's `dict`).
pub type Dict = Map<String, Value>;

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
            .get(&key_field)
            .ok_or_else(|| format!("Key field '{key_field}' not found in dictionary"))?;
        // Python's str() of the key, as the dictionary NodeTool builds would print it.
        let key = crate::json::py_str(key);
        let value = if value_field.is_empty() {
            item.remove(&key_field);
            Value::Object(item.into_iter().collect())
        } else {
            // The value field may be the key field itself, as in NodeTool.
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
    scores: Map<String, Value>,
) -> Result<String> {
    // Python's `max(scores, key=scores.get)`: the first of the highest, in insertion order.
    let mut best: Option<(&String, f64)> = None;
    for (label, score) in &scores {
        let score = match score {
            Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
            Value::Bool(b) => f64::from(u8::from(*b)),
            other => {
                return Err(
                    format!("scores: the score of `{label}` is not a number: {other}").into(),
                )
            }
        };
        if best.is_none_or(|(_, b)| score > b) {
            best = Some((label, score));
        }
    }
    best.map(|(l, _)| l.clone())
        .ok_or_else(|| "Input dictionary cannot be empty".into())
}

// ---------------------------------------------------------------------------------------
// Streaming filters.
//
// Each streams in: a dictionary on `value` goes out if it has `key` and its value there
// passes; a value streamed to another handle changes the filter for the dictionaries after
// it. Items on `value` that are not dictionaries, and dictionaries without the key, are
// skipped, as in NodeTool. A control value of the wrong type is an error naming its handle
// (NodeTool would compare it anyway and match nothing).

/// A value streamed to the control handle `handle`, converted.
fn control<T: NodeValue>(handle: &str, item: Value) -> Result<T> {
    T::from_value(item).map_err(|e| format!("{handle}: {e}").into())
}

/// Python's `int(text)` of a string: white space around, a sign, decimal digits (any
/// script) with single underscores between them. `None` where Python raises `ValueError`;
/// saturates beyond `i128`.
fn py_int(text: &str) -> Option<i128> {
    let text = py_strip(text);
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let mut value: i128 = 0;
    let mut last_underscore = true;
    for c in digits.chars() {
        if c == '_' {
            if last_underscore {
                return None;
            }
            last_underscore = true;
            continue;
        }
        let d = decimal_digit(c)?;
        value = value.saturating_mul(10).saturating_add(i128::from(d));
        last_underscore = false;
    }
    if digits.is_empty() || last_underscore {
        return None;
    }
    Some(if negative { -value } else { value })
}

/// Python's `len()` of a JSON value, for the values that have one (str, list, dict).
fn py_len(value: &Value) -> Option<i128> {
    let n = match value {
        Value::String(s) => s.chars().count(),
        Value::Array(items) => items.len(),
        Value::Object(map) => map.len(),
        _ => return None,
    };
    i128::try_from(n).ok()
}

/// A number as Python's `isinstance(v, (int, float))` sees it (a bool is an int).
fn py_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

string_enum!(
    /// How [`FilterDictByValue`] tests a value.
    FilterType, "nodetool.nodes.nodetool.dictionary.FilterDictByValue.FilterType", default Contains,
    {
        Contains => "contains", StartsWith => "starts_with", EndsWith => "ends_with",
        Equals => "equals", TypeIs => "type_is", LengthGreater => "length_greater",
        LengthLess => "length_less", ExactLength => "exact_length",
    }
);

/// Whether `value` passes `filter` with `criteria` (NodeTool's `FilterDictByValue`).
fn value_passes(value: &Value, filter: FilterType, criteria: &str) -> bool {
    let length = match filter {
        FilterType::LengthGreater | FilterType::LengthLess | FilterType::ExactLength => {
            match py_int(criteria) {
                Some(n) => n,
                None => return false,
            }
        }
        _ => 0,
    };
    let text = || py_str(value);
    match filter {
        FilterType::Contains => text().contains(criteria),
        FilterType::StartsWith => text().starts_with(criteria),
        FilterType::EndsWith => text().ends_with(criteria),
        FilterType::Equals => text() == criteria,
        FilterType::TypeIs => py_type_name(value) == criteria,
        FilterType::LengthGreater => py_len(value).is_some_and(|n| n > length),
        FilterType::LengthLess => py_len(value).is_some_and(|n| n < length),
        FilterType::ExactLength => py_len(value).is_some_and(|n| n == length),
    }
}

/// Filters a stream of dictionaries based on their values using various criteria.
/// filter, dictionary, values, stream
///
/// The value is compared as Python's `str()` of it (`True`, `None`, `1.0`, `{'a': 1}`);
/// `type_is` compares Python's type name (`str`, `int`, `float`, `bool`, `list`, `dict`,
/// `NoneType`); the length filters apply to strings (in characters), lists and dictionaries,
/// and skip every dictionary while `criteria` is not a whole number.
#[node(namespace = "nodetool.dictionary", streaming_input)]
pub struct FilterDictByValue {
    /// Input dictionary stream
    #[input(default)]
    pub value: Map<String, Value>,
    /// The dictionary key to check
    #[input(default = "")]
    pub key: String,
    /// The type of filter to apply
    #[input(default)]
    pub filter_type: FilterType,
    /// The filtering criteria (text to match, type name, or length as string)
    #[input(default = "")]
    pub criteria: String,
}

impl Run for FilterDictByValue {
    type Item = Map<String, Value>;

    async fn run(
        &mut self,
        _ctx: &ProcessingContext,
        inputs: &mut NodeInputs,
        mut out: Emitter<'_, Map<String, Value>>,
    ) -> Result<()> {
        let mut key = self.key.clone();
        let mut filter = self.filter_type;
        let mut criteria = self.criteria.clone();
        while let Some((handle, item)) = inputs.recv_any().await {
            match handle {
                "key" => key = control(handle, item)?,
                "filter_type" => filter = control(handle, item)?,
                "criteria" => criteria = control(handle, item)?,
                "value" => {
                    let Value::Object(d) = item else { continue };
                    if d.get(&key)
                        .is_some_and(|v| value_passes(v, filter, &criteria))
                    {
                        out.emit(d).await?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Filters a stream of dictionaries based on a numeric range for a specified key.
/// filter, dictionary, range, between, stream
///
/// Only numbers pass (a boolean counts as 0 or 1, as in Python): `min_value <= v <=
/// max_value`, or strictly between them when `inclusive` is false.
#[node(namespace = "nodetool.dictionary", streaming_input)]
pub struct FilterDictByRange {
    /// Input dictionary stream
    #[input(default)]
    pub value: Map<String, Value>,
    /// The dictionary key to check for the range
    #[input(default = "")]
    pub key: String,
    /// The minimum value (inclusive) of the range
    #[input(default = 0.0)]
    pub min_value: f64,
    /// The maximum value (inclusive) of the range
    #[input(default = 0.0)]
    pub max_value: f64,
    /// If True, includes the min and max values in the results
    #[input(default = true)]
    pub inclusive: bool,
}

impl Run for FilterDictByRange {
    type Item = Map<String, Value>;

    async fn run(
        &mut self,
        _ctx: &ProcessingContext,
        inputs: &mut NodeInputs,
        mut out: Emitter<'_, Map<String, Value>>,
    ) -> Result<()> {
        let mut key = self.key.clone();
        let (mut min, mut max, mut inclusive) = (self.min_value, self.max_value, self.inclusive);
        while let Some((handle, item)) = inputs.recv_any().await {
            match handle {
                "key" => key = control(handle, item)?,
                "min_value" => min = control(handle, item)?,
                "max_value" => max = control(handle, item)?,
                "inclusive" => inclusive = py_truthy(&item),
                "value" => {
                    let Value::Object(d) = item else { continue };
                    let Some(v) = d.get(&key).and_then(py_number) else {
                        continue;
                    };
                    let inside = if inclusive {
                        min <= v && v <= max
                    } else {
                        min < v && v < max
                    };
                    if inside {
                        out.emit(d).await?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

string_enum!(
    /// How [`FilterDictByNumber`] tests a number.
    FilterDictNumberType, "nodetool.nodes.nodetool.dictionary.FilterDictByNumber.FilterDictNumberType", default GreaterThan,
    {
        GreaterThan => "greater_than", LessThan => "less_than", EqualTo => "equal_to",
        Even => "even", Odd => "odd", Positive => "positive", Negative => "negative",
    }
);

/// Filters a stream of dictionaries based on numeric values for a specified key.
/// filter, dictionary, numbers, numeric, stream
///
/// Only numbers pass (a boolean counts as 0 or 1); `even` and `odd` take whole numbers
/// written as integers only (`2.0` is neither, as in Python). A `null` streamed to
/// `compare_value` makes the comparisons match nothing.
#[node(namespace = "nodetool.dictionary", streaming_input)]
pub struct FilterDictByNumber {
    /// Input dictionary stream
    #[input(default)]
    pub value: Map<String, Value>,
    /// The dictionary key to check
    #[input(default = "")]
    pub key: String,
    /// How to compare the number.
    #[input(default)]
    pub filter_type: FilterDictNumberType,
    /// Comparison value
    #[input(default = 0.0)]
    pub compare_value: f64,
}

/// Whether the number `value` passes `filter` against `compare`.
fn number_passes(value: &Value, filter: FilterDictNumberType, compare: Option<f64>) -> bool {
    let Some(num) = py_number(value) else {
        return false;
    };
    let parity = || match value {
        Value::Bool(b) => Some(u64::from(*b)),
        Value::Number(n) if !n.is_f64() => {
            n.as_u64().or_else(|| n.as_i64().map(|i| i.unsigned_abs()))
        }
        _ => None,
    };
    match filter {
        FilterDictNumberType::GreaterThan => compare.is_some_and(|c| num > c),
        FilterDictNumberType::LessThan => compare.is_some_and(|c| num < c),
        FilterDictNumberType::EqualTo => compare.is_some_and(|c| num == c),
        FilterDictNumberType::Even => parity().is_some_and(|n| n % 2 == 0),
        FilterDictNumberType::Odd => parity().is_some_and(|n| n % 2 != 0),
        FilterDictNumberType::Positive => num > 0.0,
        FilterDictNumberType::Negative => num < 0.0,
    }
}

impl Run for FilterDictByNumber {
    type Item = Map<String, Value>;

    async fn run(
        &mut self,
        _ctx: &ProcessingContext,
        inputs: &mut NodeInputs,
        mut out: Emitter<'_, Map<String, Value>>,
    ) -> Result<()> {
        let mut key = self.key.clone();
        let mut filter = self.filter_type;
        let mut compare = Some(self.compare_value);
        while let Some((handle, item)) = inputs.recv_any().await {
            match handle {
                "key" => key = control(handle, item)?,
                "filter_type" => filter = control(handle, item)?,
                "compare_value" => compare = control(handle, item)?,
                "value" => {
                    let Value::Object(d) = item else { continue };
                    if d.get(&key)
                        .is_some_and(|v| number_passes(v, filter, compare))
                    {
                        out.emit(d).await?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Filters a stream of dictionaries using regular expressions on specified keys.
/// filter, regex, dictionary, pattern, stream
///
/// Python's `re`: `search` anywhere in `str()` of the value, or `fullmatch` with
/// `full_match`. As in NodeTool, while the pattern is invalid every dictionary is skipped
/// (a warning is logged once per pattern); a new pattern streamed in applies to the
/// dictionaries after it.
#[node(namespace = "nodetool.dictionary", streaming_input)]
pub struct FilterDictRegex {
    /// Input dictionary stream
    #[input(default)]
    pub value: Map<String, Value>,
    /// The dictionary key to check
    #[input(default = "")]
    pub key: String,
    /// The regex pattern
    #[input(default = "")]
    pub pattern: String,
    /// Full match or partial
    #[input(default = false)]
    pub full_match: bool,
}

impl Run for FilterDictRegex {
    type Item = Map<String, Value>;

    async fn run(
        &mut self,
        ctx: &ProcessingContext,
        inputs: &mut NodeInputs,
        mut out: Emitter<'_, Map<String, Value>>,
    ) -> Result<()> {
        /// The pattern for `search` and for `fullmatch`, or the reason it does not compile.
        fn compile(pattern: &str) -> std::result::Result<(PyRegex, PyRegex), String> {
            let re = PyRegex::new(pattern, Flags::default())?;
            let whole = re.anchored_both_ends()?;
            Ok((re, whole))
        }
        let mut key = self.key.clone();
        let mut full = self.full_match;
        let mut regex = compile(&self.pattern);
        let mut warned = false;
        while let Some((handle, item)) = inputs.recv_any().await {
            match handle {
                "key" => key = control(handle, item)?,
                "full_match" => full = py_truthy(&item),
                "pattern" => {
                    regex = compile(&control::<String>(handle, item)?);
                    warned = false;
                }
                "value" => {
                    let Value::Object(d) = item else { continue };
                    let Some(v) = d.get(&key) else { continue };
                    let (search, whole) = match &regex {
                        Ok(pair) => pair,
                        Err(e) => {
                            if !warned {
                                warned = true;
                                ctx.log(Severity::Warning, format!("pattern: {e}; skipping"))
                                    .await;
                            }
                            continue;
                        }
                    };
                    let re = if full { whole } else { search };
                    let found = re
                        .search_from(&py_str(v), 0)
                        .map_err(|e| format!("pattern: {e}"))?;
                    if found.is_some() {
                        out.emit(d).await?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// CSV files in the workspace.

/// The workspace, for the path `path` of property `prop`: not empty (NodeTool's "`prop`
/// cannot be empty"), not starting with `~`, not absolute.
fn csv_workspace<'a>(ctx: &'a ProcessingContext, prop: &str, path: &str) -> Result<&'a Workspace> {
    if path.is_empty() {
        return Err(format!("{prop} cannot be empty").into());
    }
    crate::os::workspace_path(ctx, prop, path)
}

/// The largest field Python's `csv` module reads (`csv.field_size_limit()`).
const CSV_FIELD_LIMIT: usize = 131_072;

/// Python's `csv.reader` (excel dialect, not strict) over text read with universal newlines:
/// the records, an empty line as an empty record.
fn csv_records(text: &str) -> std::result::Result<Vec<Vec<String>>, String> {
    csv_records_with(text, ',')
}

/// [`csv_records`] with another one-character delimiter.
pub(crate) fn csv_records_with(
    text: &str,
    delimiter: char,
) -> std::result::Result<Vec<Vec<String>>, String> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        StartRecord,
        StartField,
        InField,
        InQuoted,
        QuoteInQuoted,
        EatNewline,
    }
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut records = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut field_len = 0usize;
    let mut state = State::StartRecord;
    let mut line_no = 0usize;
    fn save(record: &mut Vec<String>, field: &mut String, field_len: &mut usize) {
        record.push(std::mem::take(field));
        *field_len = 0;
    }
    let mut lines = text.split_inclusive('\n');
    loop {
        let Some(line) = lines.next() else {
            if field_len > 0 || state == State::InQuoted {
                save(&mut record, &mut field, &mut field_len);
                records.push(std::mem::take(&mut record));
            }
            break;
        };
        line_no += 1;
        // `None` is the end of the line (Python's EOL sentinel).
        for c in line.chars().map(Some).chain([None]) {
            let newline = matches!(c, Some('\n' | '\r'));
            match state {
                State::StartRecord | State::StartField => {
                    if state == State::StartRecord && c.is_none() {
                        // An empty line: an empty record.
                    } else if state == State::StartRecord && newline {
                        state = State::EatNewline;
                    } else if newline || c.is_none() {
                        save(&mut record, &mut field, &mut field_len);
                        state = if c.is_none() {
                            State::StartRecord
                        } else {
                            State::EatNewline
                        };
                    } else if c == Some('"') {
                        state = State::InQuoted;
                    } else if c == Some(delimiter) {
                        save(&mut record, &mut field, &mut field_len);
                        state = State::StartField;
                    } else if let Some(c) = c {
                        field.push(c);
                        field_len += 1;
                        state = State::InField;
                    }
                }
                State::InField => match c {
                    None | Some('\n' | '\r') => {
                        save(&mut record, &mut field, &mut field_len);
                        state = if c.is_none() {
                            State::StartRecord
                        } else {
                            State::EatNewline
                        };
                    }
                    Some(d) if d == delimiter => {
                        save(&mut record, &mut field, &mut field_len);
                        state = State::StartField;
                    }
                    Some(c) => {
                        field.push(c);
                        field_len += 1;
                    }
                },
                State::InQuoted => match c {
                    None => {}
                    Some('"') => state = State::QuoteInQuoted,
                    Some(c) => {
                        field.push(c);
                        field_len += 1;
                    }
                },
                State::QuoteInQuoted => match c {
                    Some('"') => {
                        field.push('"');
                        field_len += 1;
                        state = State::InQuoted;
                    }
                    Some(d) if d == delimiter => {
                        save(&mut record, &mut field, &mut field_len);
                        state = State::StartField;
                    }
                    None | Some('\n' | '\r') => {
                        save(&mut record, &mut field, &mut field_len);
                        state = if c.is_none() {
                            State::StartRecord
                        } else {
                            State::EatNewline
                        };
                    }
                    Some(c) => {
                        field.push(c);
                        field_len += 1;
                        state = State::InField;
                    }
                },
                State::EatNewline => {
                    if c.is_none() {
                        state = State::StartRecord;
                    } else if !newline {
                        return Err(format!(
                            "line {line_no}: new-line character seen in unquoted field"
                        ));
                    }
                }
            }
            if field_len > CSV_FIELD_LIMIT {
                return Err(format!(
                    "line {line_no}: field larger than field limit ({CSV_FIELD_LIMIT})"
                ));
            }
        }
        if state == State::StartRecord {
            records.push(std::mem::take(&mut record));
        }
    }
    Ok(records)
}

/// Python's `csv.DictReader` rows: the first record names the columns; empty records are
/// skipped; a short row has `null` for the missing columns, a long row keeps the extra
/// values as a list under `"null"` (Python's `None` key, as JSON writes it).
fn csv_dicts(text: &str) -> std::result::Result<Vec<Map<String, Value>>, String> {
    let mut records = csv_records(text)?.into_iter();
    let Some(header) = records.next() else {
        return Ok(Vec::new());
    };
    Ok(records
        .filter(|r| !r.is_empty())
        .map(|row| {
            let mut dict = Map::new();
            let mut values = row.into_iter();
            for name in &header {
                dict.insert(
                    name.clone(),
                    values.next().map_or(Value::Null, Value::String),
                );
            }
            let rest: Vec<Value> = values.map(Value::String).collect();
            if !rest.is_empty() {
                dict.insert("null".to_owned(), Value::Array(rest));
            }
            dict
        })
        .collect())
}

/// One CSV record as Python's `csv.writer` writes it (excel dialect, minimal quoting,
/// `\r\n` after it).
fn csv_record(out: &mut String, fields: &[String]) {
    let start = out.len();
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    if !fields.is_empty() && out.len() == start {
        // A record of one empty field is written `""`, so that it is not an empty line.
        out.push_str("\"\"");
    }
    out.push_str("\r\n");
}

/// Python's `csv.DictWriter` with the keys of the first row as the columns: the header, then
/// each row (`null` and missing values as empty fields, other values as Python's `str()`).
fn csv_text(rows: &[Map<String, Value>]) -> std::result::Result<String, String> {
    let Some(first) = rows.first() else {
        return Ok(String::new());
    };
    let columns: Vec<String> = first.keys().cloned().collect();
    let mut out = String::new();
    csv_record(&mut out, &columns);
    for (i, row) in rows.iter().enumerate() {
        let extra: Vec<String> = row
            .keys()
            .filter(|k| !first.contains_key(*k))
            .map(|k| crate::json::py_repr(&Value::String(k.clone())))
            .collect();
        if !extra.is_empty() {
            return Err(format!(
                "row {i}: dict contains fields not in fieldnames: {}",
                extra.join(", ")
            ));
        }
        let fields: Vec<String> = columns
            .iter()
            .map(|c| match row.get(c) {
                None | Some(Value::Null) => String::new(),
                Some(v) => py_str(v),
            })
            .collect();
        csv_record(&mut out, &fields);
    }
    Ok(out)
}

/// Python's `strftime` of `now` for the common directives (`%Y %m %d %H %M %S %y %j %f %p
/// %I %a %A %b %B %%`); other directives are kept as written, as glibc does.
fn strftime_now(format: &str, now: NaiveDateTime) -> String {
    const DAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let day = DAYS[now.weekday().num_days_from_monday() as usize % 7];
    let month = MONTHS[now.month0() as usize % 12];
    let mut out = String::with_capacity(format.len() + 16);
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let hour12 = match now.hour() % 12 {
            0 => 12,
            h => h,
        };
        match chars.next() {
            Some('Y') => out.push_str(&format!("{:04}", now.year())),
            Some('y') => out.push_str(&format!("{:02}", now.year().rem_euclid(100))),
            Some('m') => out.push_str(&format!("{:02}", now.month())),
            Some('d') => out.push_str(&format!("{:02}", now.day())),
            Some('j') => out.push_str(&format!("{:03}", now.ordinal())),
            Some('H') => out.push_str(&format!("{:02}", now.hour())),
            Some('I') => out.push_str(&format!("{hour12:02}")),
            Some('p') => out.push_str(if now.hour() < 12 { "AM" } else { "PM" }),
            Some('M') => out.push_str(&format!("{:02}", now.minute())),
            Some('S') => out.push_str(&format!("{:02}", now.second())),
            Some('f') => out.push_str(&format!("{:06}", now.nanosecond() / 1000 % 1_000_000)),
            Some('a') => out.push_str(&day[..3]),
            Some('A') => out.push_str(day),
            Some('b') => out.push_str(&month[..3]),
            Some('B') => out.push_str(month),
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// Read a CSV file from disk.
/// files, csv, read, input, load, file
///
/// The file is in the run's workspace (absolute paths, `..` and `~` are refused). Python's
/// `csv.DictReader` on UTF-8 text with universal newlines: the header row names the
/// columns, every value is a string, a short row has `null` for the missing columns and a
/// long row's extra values go in a list under `"null"`; blank lines are skipped.
#[node(
    namespace = "nodetool.dictionary",
    title = "Load CSVFile",
    name = "LoadCSVFile"
)]
pub async fn load_csv_file(
    ctx: &ProcessingContext,
    /// Path to the CSV file to read
    #[input(default = "")]
    path: String,
) -> Result<Vec<Map<String, Value>>> {
    let workspace = csv_workspace(ctx, "path", &path)?;
    let full = workspace.resolve(&path).map_err(|e| format!("path: {e}"))?;
    if !full.is_file() {
        return Err(format!("path: file not found: `{path}`").into());
    }
    let bytes = workspace.read(&path).map_err(|e| format!("path: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "path: `{path}` is not UTF-8 text (invalid byte at {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    Ok(csv_dicts(&text).map_err(|e| format!("path: `{path}`: {e}"))?)
}

/// Write a list of dictionaries to a CSV file.
/// files, csv, write, output, save, file
///
/// The filename can include time and date variables:
/// %Y - Year, %m - Month, %d - Day
/// %H - Hour, %M - Minute, %S - Second
///
/// The folder is in the run's workspace and must exist; the time is UTC. The columns are
/// the keys of the first row; a later row with another key is an error, and then nothing is
/// written (NodeTool writes the rows before it). Rows end with `\r\n`, as Python's `csv`.
#[node(
    namespace = "nodetool.dictionary",
    title = "Save CSVFile",
    name = "SaveCSVFile"
)]
pub async fn save_csv_file(
    ctx: &ProcessingContext,
    /// list of dictionaries to write to CSV
    #[input(default)]
    data: Vec<Map<String, Value>>,
    /// Folder where the file will be saved
    #[input(default = "")]
    folder: String,
    /// Name of the CSV file to save. Supports strftime format codes.
    #[input(default = "")]
    filename: String,
) -> Result<()> {
    if data.is_empty() {
        return Err("'data' field cannot be empty".into());
    }
    let workspace = csv_workspace(ctx, "folder", &folder)?;
    if filename.is_empty() {
        return Err("filename cannot be empty".into());
    }
    let dir = workspace
        .resolve(&folder)
        .map_err(|e| format!("folder: {e}"))?;
    if !dir.is_dir() {
        return Err(format!("folder: Folder does not exist: `{folder}`").into());
    }
    let name = strftime_now(&filename, Utc::now().naive_utc());
    if posix::isabs(&name) {
        return Err(format!("filename: `{name}` is absolute: name a file in `folder`").into());
    }
    let path = posix::join2(&folder, &name);
    let text = csv_text(&data).map_err(|e| format!("data: {e}"))?;
    workspace
        .write(&path, text.as_bytes())
        .map_err(|e| format!("filename: {e}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn records(text: &str) -> Vec<Vec<String>> {
        csv_records(text).unwrap()
    }

    #[test]
    fn python_int_of_strings() {
        assert_eq!(py_int(" 3 "), Some(3));
        assert_eq!(py_int("-1_000"), Some(-1000));
        assert_eq!(py_int("+٣"), Some(3));
        for bad in ["", "3.0", "_1", "1_", "1__0", "- 1", "x"] {
            assert_eq!(py_int(bad), None, "{bad}");
        }
    }

    #[test]
    fn csv_reader_is_pythons() {
        assert_eq!(records("a,b\r\n1,2\n"), [vec!["a", "b"], vec!["1", "2"]]);
        assert_eq!(records("a,\n\n"), [vec!["a", ""], vec![]]);
        assert_eq!(records("\"x,\"\"y\"\"\nz\",w"), [vec!["x,\"y\"\nz", "w"]]);
        assert_eq!(records("\"ab\"c,d"), [vec!["abc", "d"]]);
        assert_eq!(records("a\"b,c"), [vec!["a\"b", "c"]]);
        assert_eq!(records("\"open"), [vec!["open"]]);
        assert_eq!(records(""), Vec::<Vec<String>>::new());
        assert!(csv_records(&"x".repeat(CSV_FIELD_LIMIT + 1)).is_err());
    }

    #[test]
    fn csv_writer_is_pythons() {
        let rows: Vec<Map<String, Value>> = vec![
            json!({"a": "x,y", "b": null}).as_object().unwrap().clone(),
            json!({"a": 1.0, "b": true}).as_object().unwrap().clone(),
            json!({"b": "q\""}).as_object().unwrap().clone(),
        ];
        assert_eq!(
            csv_text(&rows).unwrap(),
            "a,b\r\n\"x,y\",\r\n1.0,True\r\n,\"q\"\"\"\r\n"
        );
        let one: Vec<Map<String, Value>> = vec![json!({"": ""}).as_object().unwrap().clone()];
        assert_eq!(csv_text(&one).unwrap(), "\"\"\r\n\"\"\r\n");
        let bad = vec![
            json!({"a": 1}).as_object().unwrap().clone(),
            json!({"a": 1, "z": 2}).as_object().unwrap().clone(),
        ];
        assert_eq!(
            csv_text(&bad).unwrap_err(),
            "row 1: dict contains fields not in fieldnames: 'z'"
        );
    }

    #[test]
    fn strftime_of_a_fixed_time() {
        let t = chrono::NaiveDate::from_ymd_opt(2024, 3, 5)
            .and_then(|d| d.and_hms_micro_opt(14, 7, 9, 42))
            .unwrap();
        assert_eq!(
            strftime_now("%Y-%m-%d_%H%M%S.%f %a %B %I%p %j %% %Q", t),
            "2024-03-05_140709.000042 Tue March 02PM 065 % %Q"
        );
    }
}
