//! `lib.math`: arithmetic on `int | float`, as NodeTool's `lib/math.py`.
//!
//! Integer inputs give integer results where Python's would (`Add`, `Subtract`, `Multiply`,
//! `Modulus`); `Divide`, `Power` and `Sqrt` always give floats. Division or modulus by zero
//! and the square root of a negative number are errors, as in Python.

use nodetool::metadata::Number;
use nodetool::prelude::*;

/// Adds two numbers.
/// math, add, plus
#[node(namespace = "lib.math", layout = "small", expose_as_tool)]
pub async fn add(#[input(default = 0.0)] a: Number, #[input(default = 0.0)] b: Number) -> Number {
    a + b
}

/// Subtracts the second number from the first.
/// math, subtract, minus
#[node(namespace = "lib.math", layout = "small", expose_as_tool)]
pub async fn subtract(
    #[input(default = 0.0)] a: Number,
    #[input(default = 0.0)] b: Number,
) -> Number {
    a - b
}

/// Multiplies two numbers.
/// math, multiply, product
#[node(namespace = "lib.math", layout = "small", expose_as_tool)]
pub async fn multiply(
    #[input(default = 0.0)] a: Number,
    #[input(default = 0.0)] b: Number,
) -> Number {
    a * b
}

/// Divides the first number by the second (always a float).
/// math, divide, quotient
#[node(namespace = "lib.math", layout = "small", expose_as_tool)]
pub async fn divide(
    #[input(default = 0.0)] a: Number,
    #[input(default = 1.0)] b: Number,
) -> Result<Number> {
    if b.as_f64() == 0.0 {
        return Err("division by zero".into());
    }
    Ok(Number::Float(a.as_f64() / b.as_f64()))
}

/// The remainder of dividing the first number by the second; it takes the sign of the
/// divisor, as Python's `%`.
/// math, modulus, remainder
#[node(namespace = "lib.math", layout = "small", expose_as_tool)]
pub async fn modulus(
    #[input(default = 0.0)] a: Number,
    #[input(default = 1.0)] b: Number,
) -> Result<Number> {
    if b.as_f64() == 0.0 {
        return Err("modulo by zero".into());
    }
    Ok(a.combine(
        b,
        |x, y| {
            x.checked_rem_euclid(y)
                .map(|r| if r != 0 && y < 0 { r + y } else { r })
        },
        |x, y| {
            let r = x % y;
            if r != 0.0 && (r < 0.0) != (y < 0.0) {
                r + y
            } else {
                r
            }
        },
    ))
}

/// Raises a base to an exponent (always a float).
/// math, power, exponent
#[node(namespace = "lib.math", layout = "small", expose_as_tool)]
pub async fn power(
    #[input(default = 0.0)] base: Number,
    #[input(default = 1.0)] exponent: Number,
) -> Result<Number> {
    let (b, e) = (base.as_f64(), exponent.as_f64());
    if b == 0.0 && e < 0.0 {
        return Err("math domain error: zero to a negative power".into());
    }
    let r = b.powf(e);
    if r.is_nan() {
        return Err(format!("math domain error: {b} to the power {e}").into());
    }
    if r.is_infinite() {
        return Err("math range error: result too large".into());
    }
    Ok(Number::Float(r))
}

/// The square root of a number (always a float).
/// math, sqrt, root
#[node(namespace = "lib.math", layout = "small", expose_as_tool)]
pub async fn sqrt(#[input(default = 0.0)] x: Number) -> Result<Number> {
    let x = x.as_f64();
    if x < 0.0 {
        return Err(format!("math domain error: square root of {x}").into());
    }
    Ok(Number::Float(x.sqrt()))
}

/// The sine of an angle in radians.
/// math, sine, trigonometry
#[node(namespace = "lib.math", layout = "small", expose_as_tool)]
pub async fn sine(#[input(default = 0.0, title = "Angle (rad)")] angle_rad: Number) -> f64 {
    angle_rad.as_f64().sin()
}

/// The cosine of an angle in radians.
/// math, cosine, trigonometry
#[node(namespace = "lib.math", layout = "small", expose_as_tool)]
pub async fn cosine(#[input(default = 0.0, title = "Angle (rad)")] angle_rad: Number) -> f64 {
    angle_rad.as_f64().cos()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Number::{Float, Int};

    fn run<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn integer_arithmetic_stays_integral() {
        assert_eq!(run(add(Int(1), Int(2))), Int(3));
        assert_eq!(run(add(Int(1), Float(0.5))), Float(1.5));
        assert_eq!(run(multiply(Int(3), Int(4))), Int(12));
    }

    #[test]
    fn modulus_takes_the_sign_of_the_divisor() {
        assert_eq!(run(modulus(Int(-7), Int(3))).unwrap(), Int(2));
        assert_eq!(run(modulus(Int(7), Int(-3))).unwrap(), Int(-2));
        assert_eq!(run(modulus(Float(-7.5), Int(2))).unwrap(), Float(0.5));
        assert!(run(modulus(Int(1), Int(0))).is_err());
    }

    #[test]
    fn division_power_and_roots_check_their_domain() {
        assert_eq!(run(divide(Int(1), Int(2))).unwrap(), Float(0.5));
        assert!(run(divide(Int(1), Float(0.0))).is_err());
        assert_eq!(run(power(Int(2), Int(10))).unwrap(), Float(1024.0));
        assert!(run(power(Float(-8.0), Float(0.5))).is_err());
        assert!(run(power(Int(0), Int(-1))).is_err());
        assert_eq!(run(sqrt(Int(9))).unwrap(), Float(3.0));
        assert!(run(sqrt(Int(-1)))
            .unwrap_err()
            .to_string()
            .contains("domain"));
    }
}

crate::enums::string_enum!(
    /// A unary operation of `MathFunction`.
    Operation, "nodetool.nodes.lib.math.MathFunction.Operation", default Negate,
    {
        Negate => "negate", Absolute => "absolute", Square => "square", Cube => "cube",
        SquareRoot => "square_root", CubeRoot => "cube_root", Sine => "sine", Cosine => "cosine",
        Tangent => "tangent", Arcsine => "arcsin", Arccosine => "arccos", Arctangent => "arctan",
        Log => "log",
    }
);

/// Performs a selected unary math operation on an input.
/// math, negate, absolute, square, cube, square_root, cube_root, sine, cosine, tangent, arcsine, arccosine, arctangent, log
#[node(namespace = "lib.math", layout = "small", expose_as_tool)]
pub async fn math_function(
    #[input(default = 0.0)] input: Number,
    /// Unary operation to perform
    #[input(default = Operation::Negate)]
    operation: Operation,
) -> Result<Number> {
    let x = input.as_f64();
    let domain = || Err("math domain error".into());
    let float = |v: f64| Ok(Number::from(v));
    match operation {
        // Integers stay integers, as in Python (falling back to floats on overflow).
        Operation::Negate => Ok(input.combine(input, |a, _| a.checked_neg(), |a, _| -a)),
        Operation::Absolute => Ok(input.combine(input, |a, _| a.checked_abs(), |a, _| a.abs())),
        Operation::Square => Ok(input.combine(input, i64::checked_mul, |a, b| a * b)),
        Operation::Cube => {
            let square = input.combine(input, i64::checked_mul, |a, b| a * b);
            Ok(square.combine(input, i64::checked_mul, |a, b| a * b))
        }
        Operation::SquareRoot if x < 0.0 => domain(),
        Operation::SquareRoot => float(x.sqrt()),
        Operation::CubeRoot => float(x.abs().powf(1.0 / 3.0).copysign(x)),
        Operation::Sine => float(x.sin()),
        Operation::Cosine => float(x.cos()),
        Operation::Tangent => float(x.tan()),
        Operation::Arcsine | Operation::Arccosine if !(-1.0..=1.0).contains(&x) => domain(),
        Operation::Arcsine => float(x.asin()),
        Operation::Arccosine => float(x.acos()),
        Operation::Arctangent => float(x.atan()),
        Operation::Log if x <= 0.0 => domain(),
        Operation::Log => float(x.ln()),
    }
}
