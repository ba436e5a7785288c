//! [`Number`]: NodeTool's `int | float`, keeping integers exact.

use super::{NodeValue, TypeMetadata, ValueError};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

/// An `int | float`, as NodeTool's math nodes take and return: integer arithmetic stays
/// integral (`1 + 2` is `3`), mixing in a float gives a float (`1 + 0.5` is `1.5`).
///
/// ```
/// use nodetool::metadata::Number;
/// assert_eq!(Number::Int(1) + Number::Int(2), Number::Int(3));
/// assert_eq!(Number::Int(1) + Number::Float(0.5), Number::Float(1.5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
}

impl Number {
    /// The value as a float.
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }

    /// Applies an integer operation when both are integers and it does not overflow, else the
    /// float operation.
    pub fn combine(
        self,
        other: Number,
        int_op: fn(i64, i64) -> Option<i64>,
        float_op: fn(f64, f64) -> f64,
    ) -> Number {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => match int_op(a, b) {
                Some(r) => Number::Int(r),
                None => Number::Float(float_op(a as f64, b as f64)),
            },
            (a, b) => Number::Float(float_op(a.as_f64(), b.as_f64())),
        }
    }
}

impl Default for Number {
    fn default() -> Self {
        Number::Float(0.0)
    }
}

impl From<f64> for Number {
    fn from(f: f64) -> Self {
        Number::Float(f)
    }
}

impl From<i64> for Number {
    fn from(i: i64) -> Self {
        Number::Int(i)
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => write!(f, "{x}"),
        }
    }
}

macro_rules! arith {
    ($trait:ident, $method:ident, $checked:ident, $op:tt) => {
        impl std::ops::$trait for Number {
            type Output = Number;
            fn $method(self, other: Number) -> Number {
                self.combine(other, i64::$checked, |a, b| a $op b)
            }
        }
    };
}
arith!(Add, add, checked_add, +);
arith!(Sub, sub, checked_sub, -);
arith!(Mul, mul, checked_mul, *);

impl JsonSchema for Number {
    fn schema_name() -> Cow<'static, str> {
        "Number".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({"type": "number"})
    }
}

impl NodeValue for Number {
    fn type_metadata() -> TypeMetadata {
        TypeMetadata {
            type_args: vec![TypeMetadata::new("int"), TypeMetadata::new("float")],
            ..TypeMetadata::new("union")
        }
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match &value {
            Value::Number(n) => match n.as_i64() {
                Some(i) => Ok(Number::Int(i)),
                None => n
                    .as_f64()
                    .map(Number::Float)
                    .ok_or_else(|| ValueError::mismatch("int | float", &value)),
            },
            other => Err(ValueError::mismatch("int | float", other)),
        }
    }
    fn into_value(self) -> Value {
        match self {
            Number::Int(i) => Value::from(i),
            Number::Float(f) => f.into_value(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ints_stay_ints_until_overflow() {
        assert_eq!(
            Number::Int(i64::MAX) + Number::Int(1),
            Number::Float(i64::MAX as f64 + 1.0)
        );
        assert_eq!(Number::Int(3) * Number::Int(4), Number::Int(12));
        assert_eq!(Number::Float(1.5) - Number::Int(1), Number::Float(0.5));
    }

    #[test]
    fn converts_from_and_to_json() {
        assert_eq!(Number::from_value(json!(2)).unwrap(), Number::Int(2));
        assert_eq!(Number::from_value(json!(2.5)).unwrap(), Number::Float(2.5));
        assert!(Number::from_value(json!("2")).is_err());
        assert_eq!(Number::Int(2).into_value(), json!(2));
        assert_eq!(Number::type_metadata().to_string(), "union[int, float]");
    }
}
