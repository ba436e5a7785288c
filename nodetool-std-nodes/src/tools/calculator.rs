//! `calculator`: arithmetic on an expression, evaluated by a small parser (numbers,
//! operators, parentheses, a fixed set of functions and constants). Nothing is executed.

use nodetool::agents::ToolError;
use nodetool::tool;
use serde_json::{json, Value};

/// The longest expression accepted.
pub const MAX_EXPRESSION_CHARS: usize = 2_000;
const MAX_DEPTH: usize = 64;

/// Evaluate an arithmetic expression safely: + - * / // % and ** (or ^), parentheses,
/// sqrt, abs, round, floor, ceil, exp, ln, log (natural, or log(x, base)), log10, log2, sin,
/// cos, tan, asin, acos, atan, atan2, pow, min, max, and the constants pi, e, tau.
#[tool]
pub async fn calculator(
    /// The expression, e.g. `2 + 3 * 4`, `sqrt(16) / 2`, `round(10 / 3, 2)`.
    expression: String,
) -> Result<Value, ToolError> {
    let result = evaluate(&expression).map_err(ToolError::Failed)?;
    let number = as_json_number(result);
    Ok(json!({
        "expression": expression,
        "result": number,
        "formatted_result": format!("{expression} = {number}"),
    }))
}

/// An integral result as an integer, any other as a float.
fn as_json_number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9.007_199_254_740_992e15 {
        json!(x as i64)
    } else {
        json!(x)
    }
}

/// The value of `expression`, or what is wrong with it (and where).
pub fn evaluate(expression: &str) -> Result<f64, String> {
    if expression.chars().count() > MAX_EXPRESSION_CHARS {
        return Err(format!(
            "the expression is longer than {MAX_EXPRESSION_CHARS} characters"
        ));
    }
    let tokens = tokenize(expression)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let value = parser.expr()?;
    if let Some((token, at)) = parser.tokens.get(parser.pos) {
        return Err(format!(
            "unexpected `{}` at character {}",
            token.text(),
            at + 1
        ));
    }
    if value.is_finite() {
        Ok(value)
    } else {
        Err("the result is not a finite number".to_owned())
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Num(f64),
    Name(String),
    Op(&'static str),
    Open,
    Close,
    Comma,
}

impl Token {
    fn text(&self) -> String {
        match self {
            Token::Num(n) => n.to_string(),
            Token::Name(n) => n.clone(),
            Token::Op(o) => (*o).to_owned(),
            Token::Open => "(".into(),
            Token::Close => ")".into(),
            Token::Comma => ",".into(),
        }
    }
}

fn tokenize(text: &str) -> Result<Vec<(Token, usize)>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            while i < chars.len()
                && (chars[i].is_ascii_digit() || chars[i] == '.' || chars[i] == '_')
            {
                i += 1;
            }
            if i < chars.len() && matches!(chars[i], 'e' | 'E') {
                let mut j = i + 1;
                if j < chars.len() && matches!(chars[j], '+' | '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let literal: String = chars[start..i].iter().filter(|c| **c != '_').collect();
            let n = literal
                .parse::<f64>()
                .map_err(|_| format!("`{literal}` at character {} is not a number", start + 1))?;
            tokens.push((Token::Num(n), start));
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let name: String = chars[start..i].iter().collect();
            tokens.push((Token::Name(name.to_lowercase()), start));
            continue;
        }
        let next = chars.get(i + 1).copied();
        let (token, len) = match (c, next) {
            ('*', Some('*')) => (Token::Op("**"), 2),
            ('/', Some('/')) => (Token::Op("//"), 2),
            ('+', _) => (Token::Op("+"), 1),
            ('-', _) | ('−', _) => (Token::Op("-"), 1),
            ('*', _) | ('×', _) => (Token::Op("*"), 1),
            ('/', _) | ('÷', _) => (Token::Op("/"), 1),
            ('%', _) => (Token::Op("%"), 1),
            ('^', _) => (Token::Op("**"), 1),
            ('(', _) => (Token::Open, 1),
            (')', _) => (Token::Close, 1),
            (',', _) => (Token::Comma, 1),
            _ => return Err(format!("unexpected `{c}` at character {}", start + 1)),
        };
        tokens.push((token, start));
        i += len;
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|(t, _)| t)
    }

    fn at(&self) -> String {
        match self.tokens.get(self.pos) {
            Some((_, at)) => format!("character {}", at + 1),
            None => "the end".to_owned(),
        }
    }

    fn eat_op(&mut self, ops: &[&'static str]) -> Option<&'static str> {
        match self.peek() {
            Some(Token::Op(op)) if ops.contains(op) => {
                let op = *op;
                self.pos += 1;
                Some(op)
            }
            _ => None,
        }
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, String>) -> Result<T, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!(
                "the expression nests deeper than {MAX_DEPTH} levels"
            ));
        }
        let out = f(self);
        self.depth -= 1;
        out
    }

    fn expr(&mut self) -> Result<f64, String> {
        self.nested(|p| {
            let mut value = p.term()?;
            while let Some(op) = p.eat_op(&["+", "-"]) {
                let rhs = p.term()?;
                value = if op == "+" { value + rhs } else { value - rhs };
            }
            Ok(value)
        })
    }

    fn term(&mut self) -> Result<f64, String> {
        let mut value = self.unary()?;
        while let Some(op) = self.eat_op(&["*", "/", "//", "%"]) {
            let rhs = self.unary()?;
            if op != "*" && rhs == 0.0 {
                return Err("division by zero".to_owned());
            }
            value = match op {
                "*" => value * rhs,
                "/" => value / rhs,
                "//" => (value / rhs).floor(),
                // Python's modulo: the sign of the divisor.
                _ => value - rhs * (value / rhs).floor(),
            };
        }
        Ok(value)
    }

    fn unary(&mut self) -> Result<f64, String> {
        match self.eat_op(&["+", "-"]) {
            Some("-") => self.nested(|p| p.unary()).map(|v| -v),
            Some(_) => self.nested(|p| p.unary()),
            None => self.power(),
        }
    }

    fn power(&mut self) -> Result<f64, String> {
        let base = self.atom()?;
        if self.eat_op(&["**"]).is_some() {
            let exponent = self.nested(|p| p.unary())?;
            return Ok(base.powf(exponent));
        }
        Ok(base)
    }

    fn atom(&mut self) -> Result<f64, String> {
        let at = self.at();
        match self.tokens.get(self.pos).cloned() {
            Some((Token::Num(n), _)) => {
                self.pos += 1;
                Ok(n)
            }
            Some((Token::Open, _)) => {
                self.pos += 1;
                let value = self.expr()?;
                self.expect_close()?;
                Ok(value)
            }
            Some((Token::Name(name), _)) => {
                self.pos += 1;
                if self.peek() == Some(&Token::Open) {
                    self.pos += 1;
                    let args = self.args()?;
                    call(&name, &args)
                } else {
                    constant(&name)
                }
            }
            Some((token, _)) => Err(format!("unexpected `{}` at {at}", token.text())),
            None => Err("the expression ends too early".to_owned()),
        }
    }

    fn args(&mut self) -> Result<Vec<f64>, String> {
        let mut args = Vec::new();
        if self.peek() == Some(&Token::Close) {
            self.pos += 1;
            return Ok(args);
        }
        loop {
            args.push(self.expr()?);
            match self.peek() {
                Some(Token::Comma) => self.pos += 1,
                _ => break,
            }
        }
        self.expect_close()?;
        Ok(args)
    }

    fn expect_close(&mut self) -> Result<(), String> {
        if self.peek() == Some(&Token::Close) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("expected `)` at {}", self.at()))
        }
    }
}

fn constant(name: &str) -> Result<f64, String> {
    match name {
        "pi" => Ok(std::f64::consts::PI),
        "e" => Ok(std::f64::consts::E),
        "tau" => Ok(std::f64::consts::TAU),
        "inf" | "nan" => Err(format!("`{name}` is not a finite number")),
        other => Err(format!("unknown name `{other}` (constants: pi, e, tau)")),
    }
}

fn call(name: &str, args: &[f64]) -> Result<f64, String> {
    let one = |f: fn(f64) -> f64| match args {
        [x] => Ok(f(*x)),
        _ => Err(format!("{name}() takes 1 argument, got {}", args.len())),
    };
    let domain = |ok: bool, what: &str| {
        if ok {
            Ok(())
        } else {
            Err(format!("{name}(): {what}"))
        }
    };
    match name {
        "sqrt" => {
            domain(
                args.first().is_none_or(|x| *x >= 0.0),
                "the argument is negative",
            )?;
            one(f64::sqrt)
        }
        "abs" => one(f64::abs),
        "floor" => one(f64::floor),
        "ceil" => one(f64::ceil),
        "exp" => one(f64::exp),
        "sin" => one(f64::sin),
        "cos" => one(f64::cos),
        "tan" => one(f64::tan),
        "asin" => one(f64::asin),
        "acos" => one(f64::acos),
        "atan" => one(f64::atan),
        "ln" | "log" | "log10" | "log2" => {
            domain(
                args.first().is_none_or(|x| *x > 0.0),
                "the argument is not positive",
            )?;
            match (name, args) {
                ("log", [x, base]) => {
                    domain(
                        *base > 0.0 && *base != 1.0,
                        "the base must be positive and not 1",
                    )?;
                    Ok(x.ln() / base.ln())
                }
                ("log10", _) => one(f64::log10),
                ("log2", _) => one(f64::log2),
                _ => one(f64::ln),
            }
        }
        "round" => match args {
            // Python rounds halves to even.
            [x] => Ok(x.round_ties_even()),
            [x, digits] if digits.fract() == 0.0 && digits.abs() <= 15.0 => {
                let scale = 10f64.powi(*digits as i32);
                Ok((x * scale).round_ties_even() / scale)
            }
            _ => Err("round() takes a number and an optional whole number of digits".to_owned()),
        },
        "pow" => match args {
            [x, y] => Ok(x.powf(*y)),
            _ => Err(format!("pow() takes 2 arguments, got {}", args.len())),
        },
        "atan2" => match args {
            [y, x] => Ok(y.atan2(*x)),
            _ => Err(format!("atan2() takes 2 arguments, got {}", args.len())),
        },
        "min" | "max" if !args.is_empty() => Ok(args
            .iter()
            .copied()
            .reduce(if name == "min" { f64::min } else { f64::max })
            .unwrap_or(0.0)),
        "min" | "max" => Err(format!("{name}() needs at least one argument")),
        other => Err(format!(
            "unknown function `{other}` (functions: sqrt, abs, round, floor, ceil, exp, ln, log, \
             log10, log2, sin, cos, tan, asin, acos, atan, atan2, pow, min, max)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_pythons_arithmetic() {
        for (expr, want) in [
            ("2 + 3 * 4", 14.0),
            ("(2 + 3) * 4", 20.0),
            ("2 ** 3 ** 2", 512.0),
            ("2 ^ 10", 1024.0),
            ("-2 ** 2", -4.0),
            ("7 // 2", 3.0),
            ("-7 // 2", -4.0),
            ("-7 % 3", 2.0),
            ("7 % -3", -2.0),
            ("sqrt(16) / 2", 2.0),
            ("round(10 / 3, 2)", 3.33),
            ("round(2.5)", 2.0),
            ("log(8, 2)", 3.0),
            ("max(1, 5, 3) - min(4, 2)", 3.0),
            ("1_000 * 1e-3", 1.0),
            ("abs(-5) + floor(2.7) + ceil(2.1)", 10.0),
        ] {
            let got = evaluate(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
            assert!((got - want).abs() < 1e-9, "{expr} = {got}, want {want}");
        }
        assert!((evaluate("2 * pi").unwrap() - std::f64::consts::TAU).abs() < 1e-12);
    }

    #[test]
    fn says_what_is_wrong_and_where() {
        for (expr, fragment) in [
            ("1 / 0", "division by zero"),
            ("2 +", "ends too early"),
            ("2 $ 3", "unexpected `$` at character 3"),
            ("(1 + 2", "expected `)`"),
            ("foo(1)", "unknown function `foo`"),
            ("x + 1", "unknown name `x`"),
            ("sqrt(-1)", "negative"),
            ("log(0)", "not positive"),
            ("10 ** 400", "not a finite number"),
            ("__import__('os')", "unexpected `'`"),
            ("1 2", "unexpected `2` at character 3"),
        ] {
            let err = evaluate(expr).unwrap_err();
            assert!(err.contains(fragment), "{expr}: {err}");
        }
        let deep = format!("{}1{}", "(".repeat(500), ")".repeat(500));
        assert!(evaluate(&deep).unwrap_err().contains("nests deeper"));
        assert!(evaluate(&"1+".repeat(2_000))
            .unwrap_err()
            .contains("longer than"));
    }

    #[test]
    fn integral_results_are_integers() {
        assert_eq!(as_json_number(14.0), json!(14));
        assert_eq!(as_json_number(0.5), json!(0.5));
    }
}
