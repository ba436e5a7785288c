//! `nodetool.list`: list nodes with NodeTool's names and properties.

use crate::python::{unique, PyKey};
use nodetool::metadata::Number;
use nodetool::prelude::*;
use serde_json::Value;
use std::collections::HashSet;

/// Calculates the length of a list.
/// list, count, size
#[node(namespace = "nodetool.list")]
pub async fn length(#[input(default)] values: Vec<Value>) -> i64 {
    i64::try_from(values.len()).unwrap_or(i64::MAX)
}

/// Generates a list of integers within a specified range.
/// list, range, sequence, numbers
#[node(namespace = "nodetool.list")]
pub async fn list_range(
    #[input(default = 0)] start: i64,
    #[input(default = 0)] stop: i64,
    #[input(default = 1)] step: i64,
) -> Result<Vec<i64>> {
    let span = i128::from(stop) - i128::from(start);
    let count = if step == 0 || span.signum() != i128::from(step.signum()) {
        0
    } else {
        (span.unsigned_abs()).div_ceil(u128::from(step.unsigned_abs()))
    };
    if count > MAX_RANGE_ITEMS {
        return Err(format!(
            "range({start}, {stop}, {step}) has {count} items; at most {MAX_RANGE_ITEMS} fit in a list"
        )
        .into());
    }
    Ok(python_range(start, stop, step)?.collect())
}

/// The most items `ListRange` makes (a list beyond this would exhaust memory).
pub const MAX_RANGE_ITEMS: u128 = 10_000_000;

/// Python's `range(start, stop, step)`.
fn python_range(start: i64, stop: i64, step: i64) -> Result<impl Iterator<Item = i64>> {
    if step == 0 {
        return Err("range() arg 3 must not be zero".into());
    }
    let mut next = Some(start);
    Ok(std::iter::from_fn(move || {
        let i = next?;
        if (step > 0 && i >= stop) || (step < 0 && i <= stop) {
            return None;
        }
        next = i.checked_add(step);
        Some(i)
    }))
}

/// Extracts a subset from a list using start, stop, and step indices.
/// list, slice, subset, extract
#[node(namespace = "nodetool.list")]
pub async fn slice(
    /// The input list to slice.
    #[input(default)]
    values: Vec<Value>,
    /// Starting index (inclusive). Negative values count from end.
    #[input(default = 0)]
    start: i64,
    /// Ending index (exclusive). 0 means slice to end of list.
    #[input(default = 0)]
    stop: i64,
    /// Step between elements. Negative for reverse order.
    #[input(default = 1)]
    step: i64,
) -> Result<Vec<Value>> {
    if step == 0 {
        return Err("slice step cannot be zero".into());
    }
    let stop = (stop != 0).then_some(stop);
    Ok(python_slice(&values, Some(start), stop, step))
}

/// Python slicing semantics for `values[start:stop:step]` (`step` ≠ 0).
pub fn python_slice(
    values: &[Value],
    start: Option<i64>,
    stop: Option<i64>,
    step: i64,
) -> Vec<Value> {
    let len = values.len() as i64;
    let clamp = |i: i64, low: i64, high: i64| {
        if i < 0 {
            (i + len).max(low)
        } else {
            i.min(high)
        }
    };
    if step > 0 {
        let s = start.map_or(0, |s| clamp(s, 0, len));
        let e = stop.map_or(len, |e| clamp(e, 0, len));
        (s..e.max(s))
            .step_by(step as usize)
            .map(|i| values[i as usize].clone())
            .collect()
    } else {
        let s = start.map_or(len - 1, |s| clamp(s, -1, len - 1));
        let e = stop.map_or(-1, |e| clamp(e, -1, len - 1));
        let mut out = Vec::new();
        let mut i = s;
        while i > e {
            out.push(values[i as usize].clone());
            i += step;
        }
        out
    }
}

/// Selects specific values from a list using index positions.
/// list, select, index, extract
#[node(namespace = "nodetool.list")]
pub async fn select_elements(
    #[input(default)] values: Vec<Value>,
    #[input(default)] indices: Vec<i64>,
) -> Result<Vec<Value>> {
    indices.iter().map(|&i| element(&values, i)).collect()
}

/// `values[index]`, negative indices counting from the end.
fn element(values: &[Value], index: i64) -> Result<Value> {
    let len = values.len() as i64;
    let i = if index < 0 { index + len } else { index };
    usize::try_from(i)
        .ok()
        .and_then(|i| values.get(i).cloned())
        .ok_or_else(|| format!("list index {index} out of range for a list of {len} items").into())
}

/// Retrieves a single value from a list at a specific index.
/// list, get, extract, value
#[node(namespace = "nodetool.list")]
pub async fn get_element(
    #[input(default)] values: Vec<Value>,
    #[input(default = 0)] index: i64,
) -> Result<Value> {
    element(&values, index)
}

/// Adds a value to the end of a list.
/// list, add, insert, extend
#[node(namespace = "nodetool.list")]
pub async fn append(
    #[input(default)] values: Vec<Value>,
    /// The value to append to the list.
    #[input(default = Value::Array(Vec::new()))]
    value: Value,
) -> Vec<Value> {
    let mut values = values;
    values.push(value);
    values
}

/// Merges one list into another, extending the original list.
/// list, merge, concatenate, combine
#[node(namespace = "nodetool.list")]
pub async fn extend(
    #[input(default)] values: Vec<Value>,
    #[input(default)] other_values: Vec<Value>,
) -> Vec<Value> {
    let mut values = values;
    values.extend(other_values);
    values
}

/// Removes duplicate elements from a list, ensuring uniqueness.
/// list, unique, distinct, deduplicate
///
/// Equal values (Python's `1 == 1.0 == True`) count once; the first one is kept, in order of
/// first appearance (NodeTool's Python `set` gives an arbitrary order). Lists and dictionaries
/// are unhashable, as in NodeTool.
#[node(namespace = "nodetool.list")]
pub async fn dedupe(#[input(default)] values: Vec<Value>) -> Result<Vec<Value>> {
    Ok(unique(&values)?)
}

/// Inverts the order of elements in a list.
/// list, reverse, invert, flip
#[node(namespace = "nodetool.list")]
pub async fn reverse(#[input(default)] values: Vec<Value>) -> Vec<Value> {
    let mut values = values;
    values.reverse();
    values
}

/// Randomly shuffles the elements of a list.
/// list, shuffle, random, order
#[node(namespace = "nodetool.list")]
pub async fn randomize(#[input(default)] values: Vec<Value>) -> Vec<Value> {
    let mut values = values;
    // Fisher–Yates with random bits from v4 UUIDs (the OS generator).
    for i in (1..values.len()).rev() {
        let bits = ::uuid::Uuid::new_v4().as_u128();
        values.swap(i, (bits % (i as u128 + 1)) as usize);
    }
    values
}

crate::enums::string_enum!(
    /// The direction of [`Sort`].
    SortOrder, "nodetool.nodes.nodetool.list.Sort.SortOrder", default Ascending,
    { Ascending => "ascending", Descending => "descending" }
);

/// Sorts the elements of a list in ascending or descending order.
/// list, sort, order, arrange
///
/// Python's ordering: numbers by value, strings by code point, lists item by item; the sort
/// is stable in both directions. Values that cannot be compared (a string and a number,
/// `None`, dictionaries) are an error.
#[node(namespace = "nodetool.list")]
pub async fn sort(
    #[input(default)] values: Vec<Value>,
    #[input(default)] order: SortOrder,
) -> Result<Vec<Value>> {
    // Python raises before sorting when two items cannot be compared; a comparator that
    // fails part of the time is not a total order (Rust's sort may panic on one).
    crate::python::check_comparable(&values)?;
    let mut values = values;
    values.sort_by(|a, b| {
        let ordering = crate::python::py_total_cmp(a, b);
        match order {
            SortOrder::Ascending => ordering,
            SortOrder::Descending => ordering.reverse(),
        }
    });
    Ok(values)
}

/// Finds common elements between two lists.
/// list, set, intersection, common
#[node(namespace = "nodetool.list")]
pub async fn intersection(
    #[input(default)] list1: Vec<Value>,
    #[input(default)] list2: Vec<Value>,
) -> Result<Vec<Value>> {
    let other = keys(&list2)?;
    let first = unique(&list1)?;
    Ok(first
        .into_iter()
        .filter(|v| PyKey::of(v).is_ok_and(|k| other.contains(&k)))
        .collect())
}

/// Combines unique elements from two lists.
/// list, set, union, combine
#[node(namespace = "nodetool.list")]
pub async fn union(
    #[input(default)] list1: Vec<Value>,
    #[input(default)] list2: Vec<Value>,
) -> Result<Vec<Value>> {
    Ok(unique(list1.iter().chain(&list2))?)
}

/// Finds elements that exist in first list but not in second list.
/// list, set, difference, subtract
#[node(namespace = "nodetool.list")]
pub async fn difference(
    #[input(default)] list1: Vec<Value>,
    #[input(default)] list2: Vec<Value>,
) -> Result<Vec<Value>> {
    let other = keys(&list2)?;
    let first = unique(&list1)?;
    Ok(first
        .into_iter()
        .filter(|v| PyKey::of(v).is_ok_and(|k| !other.contains(&k)))
        .collect())
}

/// The set of keys of `values` (an error for unhashable items).
fn keys(values: &[Value]) -> Result<HashSet<PyKey>> {
    Ok(values.iter().map(PyKey::of).collect::<Result<_, _>>()?)
}

/// Splits a list into smaller chunks of specified size.
/// list, chunk, split, group
#[node(namespace = "nodetool.list")]
pub async fn chunk(
    #[input(default)] values: Vec<Value>,
    #[input(default = 1)] chunk_size: i64,
) -> Result<Vec<Vec<Value>>> {
    let size = usize::try_from(chunk_size)
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("chunk_size must be greater than 0, not {chunk_size}"))?;
    Ok(values.chunks(size).map(<[Value]>::to_vec).collect())
}

/// Calculates the sum of a list of numbers.
/// list, sum, aggregate, math
#[node(namespace = "nodetool.list")]
pub async fn sum(#[input(default)] values: Vec<Value>) -> Result<f64> {
    let numbers = numbers(&values, "Cannot sum empty list")?;
    Ok(numbers
        .into_iter()
        .fold(Number::Int(0), |a, b| a + b)
        .as_f64())
}

/// Calculates the arithmetic mean of a list of numbers.
/// list, average, mean, aggregate, math
#[node(namespace = "nodetool.list")]
pub async fn average(#[input(default)] values: Vec<Value>) -> Result<f64> {
    let numbers = numbers(&values, "Cannot average empty list")?;
    let total = numbers.iter().fold(Number::Int(0), |a, &b| a + b);
    Ok(total.as_f64() / numbers.len() as f64)
}

/// Finds the smallest value in a list of numbers.
/// list, min, minimum, aggregate, math
#[node(namespace = "nodetool.list")]
pub async fn minimum(#[input(default)] values: Vec<Value>) -> Result<f64> {
    let numbers = numbers(&values, "Cannot find minimum of empty list")?;
    Ok(extreme(numbers, std::cmp::Ordering::Less).as_f64())
}

/// Finds the largest value in a list of numbers.
/// list, max, maximum, aggregate, math
#[node(namespace = "nodetool.list")]
pub async fn maximum(#[input(default)] values: Vec<Value>) -> Result<f64> {
    let numbers = numbers(&values, "Cannot find maximum of empty list")?;
    Ok(extreme(numbers, std::cmp::Ordering::Greater).as_f64())
}

/// Calculates the product of all numbers in a list.
/// list, product, multiply, aggregate, math
#[node(namespace = "nodetool.list")]
pub async fn product(#[input(default)] values: Vec<Value>) -> Result<f64> {
    let numbers = numbers(&values, "Cannot calculate product of empty list")?;
    Ok(numbers
        .into_iter()
        .fold(Number::Int(1), |a, b| a * b)
        .as_f64())
}

/// The items of a list as numbers (booleans count as 0 and 1, as in Python).
fn numbers(values: &[Value], empty: &str) -> Result<Vec<Number>> {
    if values.is_empty() {
        return Err(empty.into());
    }
    values
        .iter()
        .map(|v| match v {
            Value::Bool(b) => Some(Number::Int(i64::from(*b))),
            Value::Number(n) => n
                .as_i64()
                .map(Number::Int)
                .or_else(|| n.as_f64().map(Number::Float)),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| "All values must be numbers".into())
}

/// The first number that is `wanted` (less or greater) than every other.
fn extreme(numbers: Vec<Number>, wanted: std::cmp::Ordering) -> Number {
    let cmp = |a: &Number, b: &Number| match (a, b) {
        (Number::Int(x), Number::Int(y)) => x.cmp(y),
        _ => a
            .as_f64()
            .partial_cmp(&b.as_f64())
            .unwrap_or(std::cmp::Ordering::Equal),
    };
    let mut numbers = numbers.into_iter();
    let first = numbers.next().unwrap_or_default();
    numbers.fold(
        first,
        |best, n| if cmp(&n, &best) == wanted { n } else { best },
    )
}

/// Flattens a nested list structure into a single flat list.
/// list, flatten, nested, structure
#[node(namespace = "nodetool.list")]
pub async fn flatten(
    #[input(default)] values: Vec<Value>,
    /// How many levels to flatten (-1: all).
    #[input(default = -1, min = -1)]
    max_depth: i64,
) -> Vec<Value> {
    fn walk(items: Vec<Value>, depth: i64, max_depth: i64, out: &mut Vec<Value>) {
        for item in items {
            match item {
                Value::Array(inner) if max_depth == -1 || depth < max_depth => {
                    walk(inner, depth + 1, max_depth, out)
                }
                other => out.push(other),
            }
        }
    }
    let mut out = Vec::new();
    walk(values, 0, max_depth, &mut out);
    out
}

/// Iterates over a sequence of numbers.
/// list, range, sequence, numbers
#[node(namespace = "nodetool.list", streaming_output)]
pub struct GenerateSequence {
    /// The first value.
    #[input(default = 0)]
    pub start: i64,
    /// The end (not included).
    #[input(default = 0)]
    pub stop: i64,
    /// The distance between values.
    #[input(default = 1)]
    pub step: i64,
}

impl GenProcess for GenerateSequence {
    type Item = i64;

    async fn gen_process(&self, _ctx: &ProcessingContext, mut out: Emitter<'_, i64>) -> Result<()> {
        for i in python_range(self.start, self.stop, self.step)? {
            out.emit(i).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ints(v: &[i64]) -> Vec<Value> {
        v.iter().map(|i| json!(i)).collect()
    }

    #[test]
    fn slices_like_python() {
        let v = ints(&[0, 1, 2, 3, 4]);
        assert_eq!(python_slice(&v, Some(-3), None, 1), ints(&[2, 3, 4]));
        assert_eq!(python_slice(&v, Some(1), Some(4), 2), ints(&[1, 3]));
        assert_eq!(python_slice(&v, None, None, -1), ints(&[4, 3, 2, 1, 0]));
        assert_eq!(python_slice(&v, Some(10), None, 1), ints(&[]));
        assert_eq!(python_slice(&v, Some(3), Some(1), 1), ints(&[]));
    }
}
