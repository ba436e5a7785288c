//! `nodetool.boolean`: logic and comparisons, as NodeTool's `nodetool/boolean.py`.

use crate::enums::string_enum;
use nodetool::metadata::Number;
use nodetool::prelude::*;
use serde_json::Value;

pub use crate::python::py_eq;

/// Return one of two values based on boolean condition.
/// if, condition, flow-control, branch, true, false, switch, toggle
#[node(namespace = "nodetool.boolean")]
pub async fn conditional_switch(
    /// The condition to check
    #[input(default = false)]
    condition: bool,
    /// The value to return if the condition is true
    #[input(default = Value::Array(Vec::new()))]
    if_true: Value,
    /// The value to return if the condition is false
    #[input(default = Value::Array(Vec::new()))]
    if_false: Value,
) -> Value {
    if condition {
        if_true
    } else {
        if_false
    }
}

string_enum!(
    /// A logical operation on two booleans.
    BooleanOperation, "nodetool.nodes.nodetool.boolean.LogicalOperator.BooleanOperation", default And,
    { And => "and", Or => "or", Xor => "xor", Nand => "nand", Nor => "nor" }
);

/// Combine two boolean values using logical operations (AND, OR, XOR, NAND, NOR).
/// boolean, logic, operator, condition, flow-control, branch, else, true, false, switch, toggle
#[node(namespace = "nodetool.boolean")]
pub async fn logical_operator(
    /// First boolean input
    #[input(default = false)]
    a: bool,
    /// Second boolean input
    #[input(default = false)]
    b: bool,
    /// Logical operation to perform
    #[input(default = BooleanOperation::And)]
    operation: BooleanOperation,
) -> bool {
    match operation {
        BooleanOperation::And => a && b,
        BooleanOperation::Or => a || b,
        BooleanOperation::Xor => a ^ b,
        BooleanOperation::Nand => !(a && b),
        BooleanOperation::Nor => !(a || b),
    }
}

/// Invert boolean value (logical NOT).
/// boolean, logic, not, invert, !, negation, condition, else, true, false, switch, toggle, flow-control, branch
#[node(namespace = "nodetool.boolean")]
pub async fn not(
    /// Boolean input to negate
    #[input(default = false)]
    value: bool,
) -> bool {
    !value
}

string_enum!(
    /// A comparison of two numbers.
    Comparison, "nodetool.nodes.nodetool.boolean.Compare.Comparison", default Equal,
    {
        Equal => "==", NotEqual => "!=", GreaterThan => ">", LessThan => "<",
        GreaterThanOrEqual => ">=", LessThanOrEqual => "<=",
    }
);

/// Compare two numeric values using specified comparison operator.
/// compare, condition, logic
#[node(namespace = "nodetool.boolean")]
pub async fn compare(
    /// First value to compare
    #[input(default = 0)]
    a: Number,
    /// Second value to compare
    #[input(default = 0)]
    b: Number,
    /// Comparison operator to use
    #[input(default = Comparison::Equal)]
    comparison: Comparison,
) -> bool {
    let (a, b) = (a.as_f64(), b.as_f64());
    match comparison {
        Comparison::Equal => a == b,
        Comparison::NotEqual => a != b,
        Comparison::GreaterThan => a > b,
        Comparison::LessThan => a < b,
        Comparison::GreaterThanOrEqual => a >= b,
        Comparison::LessThanOrEqual => a <= b,
    }
}

/// Check if value is None/null.
/// null, none, check
#[node(namespace = "nodetool.boolean")]
pub async fn is_none(
    /// The value to check for None
    #[input(default = Value::Array(Vec::new()))]
    value: Value,
) -> bool {
    value.is_null()
}

/// Check if value exists in list of options (membership test).
/// membership, contains, check
#[node(namespace = "nodetool.boolean")]
pub async fn is_in(
    /// The value to check for membership
    #[input(default = Value::Array(Vec::new()))]
    value: Value,
    /// The list of options to check against
    #[input(default)]
    options: Vec<Value>,
) -> bool {
    options.iter().any(|o| py_eq(o, &value))
}

/// Check if all boolean values in list are true (logical AND across list).
/// boolean, all, check, logic, condition, flow-control, branch
#[node(namespace = "nodetool.boolean")]
pub async fn all(
    /// List of boolean values to check
    #[input(default)]
    values: Vec<bool>,
) -> bool {
    values.iter().all(|v| *v)
}

/// Check if any boolean value in list is true (logical OR across list).
/// boolean, any, check, logic, condition, flow-control, branch
#[node(namespace = "nodetool.boolean")]
pub async fn some(
    /// List of boolean values to check
    #[input(default)]
    values: Vec<bool>,
) -> bool {
    values.iter().any(|v| *v)
}

#[cfg(test)]
mod tests {
    use super::py_eq;
    use serde_json::json;

    #[test]
    fn equality_is_pythons() {
        assert!(py_eq(&json!(1), &json!(1.0)));
        assert!(py_eq(&json!(true), &json!(1)));
        assert!(!py_eq(&json!("1"), &json!(1)));
        assert!(py_eq(&json!([1, {"a": 2}]), &json!([1.0, {"a": 2.0}])));
        assert!(!py_eq(&json!([1]), &json!([1, 2])));
    }
}
