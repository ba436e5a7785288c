//! `nodetool.list`: list nodes with NodeTool's names and properties.

use nodetool::prelude::*;
use serde_json::Value;

/// The number of items in a list.
/// list, length, count, size
#[node(namespace = "nodetool.list")]
pub async fn length(#[input(default)] values: Vec<Value>) -> i64 {
    i64::try_from(values.len()).unwrap_or(i64::MAX)
}

/// Python's `values[start:stop:step]`; a `stop` of 0 means the end of the list.
/// list, slice, sublist
#[node(namespace = "nodetool.list")]
pub async fn slice(
    #[input(default)] values: Vec<Value>,
    #[input(default = 0)] start: i64,
    #[input(default = 0)] stop: i64,
    #[input(default = 1)] step: i64,
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

/// The item at an index (negative counts from the end).
/// list, get, element, index
#[node(namespace = "nodetool.list")]
pub async fn get_element(
    #[input(default)] values: Vec<Value>,
    #[input(default = 0)] index: i64,
) -> Result<Value> {
    let len = values.len() as i64;
    let i = if index < 0 { index + len } else { index };
    usize::try_from(i)
        .ok()
        .and_then(|i| values.get(i).cloned())
        .ok_or_else(|| format!("list index {index} out of range for a list of {len} items").into())
}

/// The list with one value added at the end.
/// list, append, add
#[node(namespace = "nodetool.list")]
pub async fn append(
    #[input(default)] values: Vec<Value>,
    #[input(default = Value::Null)] value: Value,
) -> Vec<Value> {
    let mut values = values;
    values.push(value);
    values
}

/// The list with another list's items added at the end.
/// list, extend, concatenate
#[node(namespace = "nodetool.list")]
pub async fn extend(
    #[input(default)] values: Vec<Value>,
    #[input(default)] other_values: Vec<Value>,
) -> Vec<Value> {
    let mut values = values;
    values.extend(other_values);
    values
}

/// The list in reverse order.
/// list, reverse, invert
#[node(namespace = "nodetool.list")]
pub async fn reverse(#[input(default)] values: Vec<Value>) -> Vec<Value> {
    let mut values = values;
    values.reverse();
    values
}

/// The sum of a list of numbers.
/// list, sum, total
#[node(namespace = "nodetool.list")]
pub async fn sum(#[input(default)] values: Vec<f64>) -> Result<f64> {
    if values.is_empty() {
        return Err("Cannot sum empty list".into());
    }
    Ok(values.iter().sum())
}

/// Emits the integers of `range(start, stop, step)` one by one.
/// list, range, sequence, stream
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

#[node]
impl GenerateSequence {
    async fn gen_process(&self, _ctx: &ProcessingContext, mut out: Emitter<'_, i64>) -> Result<()> {
        if self.step == 0 {
            return Err("range step cannot be zero".into());
        }
        let mut i = self.start;
        while (self.step > 0 && i < self.stop) || (self.step < 0 && i > self.stop) {
            out.emit(i).await?;
            i += self.step;
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
