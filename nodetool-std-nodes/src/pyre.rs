//! Python's `re` module on top of `fancy-regex`: the same pattern syntax where it matters
//! (lookaround, backreferences, `(?P<name>…)`, `(?P=name)`, `\Z`), Python's iteration over
//! empty matches, `re.sub` replacement templates (`\1`, `\g<name>`) and `re.split` with groups.
//!
//! ```
//! use nodetool_std_nodes::pyre::{Flags, PyRegex};
//! let re = PyRegex::new(r"(?P<word>\w+)(?=!)", Flags::default()).unwrap();
//! assert_eq!(re.sub("hi! you!", r"<\g<word>>", 0).unwrap(), "<hi>! <you>!");
//! let empty = PyRegex::new("x*", Flags::default()).unwrap();
//! assert_eq!(empty.sub("abxd", "-", 0).unwrap(), "-a-b--d-");
//! ```

use fancy_regex::{Captures, Regex};
use serde_json::Value;

/// The flags NodeTool's regex nodes can set (`re.DOTALL`, `re.IGNORECASE`, `re.MULTILINE`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Flags {
    /// `.` matches newlines too.
    pub dotall: bool,
    /// Case-insensitive matching.
    pub ignorecase: bool,
    /// `^` and `$` match at line boundaries.
    pub multiline: bool,
}

/// A compiled Python-style regular expression.
#[derive(Debug, Clone)]
pub struct PyRegex {
    re: Regex,
    pattern: String,
}

/// One match: the text of each group (`None` where a group did not take part) and the span.
#[derive(Debug, Clone, PartialEq)]
pub struct PyMatch {
    /// Byte range of the whole match.
    pub span: std::ops::Range<usize>,
    /// Group 0 (the whole match) and every capture group.
    pub groups: Vec<Option<String>>,
}

impl PyMatch {
    fn from_captures(caps: &Captures<'_, str>) -> Self {
        let whole = caps.get(0).map_or(0..0, |m| m.start()..m.end());
        PyMatch {
            span: whole,
            groups: (0..caps.len())
                .map(|i| caps.get(i).map(|m| m.as_str().to_owned()))
                .collect(),
        }
    }

    /// The group as JSON: its text, or `null` when it did not take part.
    pub fn group_value(&self, i: usize) -> Value {
        self.groups
            .get(i)
            .cloned()
            .flatten()
            .map_or(Value::Null, Value::String)
    }
}

impl PyRegex {
    /// Compiles a Python pattern with `flags`; the error names the pattern.
    pub fn new(pattern: &str, flags: Flags) -> Result<Self, String> {
        let mut translated = String::new();
        if flags.dotall || flags.ignorecase || flags.multiline {
            translated.push_str("(?");
            for (on, flag) in [
                (flags.ignorecase, 'i'),
                (flags.multiline, 'm'),
                (flags.dotall, 's'),
            ] {
                if on {
                    translated.push(flag);
                }
            }
            translated.push(')');
        }
        translated.push_str(&translate(pattern));
        Self::compile(pattern, &translated)
    }

    fn compile(pattern: &str, translated: &str) -> Result<Self, String> {
        let re = Regex::new(translated)
            .map_err(|e| format!("invalid regular expression `{pattern}`: {e}"))?;
        Ok(PyRegex {
            re,
            pattern: pattern.to_owned(),
        })
    }

    /// The same pattern, matching only the whole text (Python's `fullmatch`).
    pub fn anchored_both_ends(&self) -> Result<Self, String> {
        Self::compile(&self.pattern, &format!(r"\A(?:{})\z", self.re.as_str()))
    }

    /// The number of capture groups.
    pub fn groups(&self) -> usize {
        self.re.captures_len().saturating_sub(1)
    }

    /// The first match at or after byte `pos` (Python's `search`).
    pub fn search_from(&self, text: &str, pos: usize) -> Result<Option<PyMatch>, String> {
        self.re
            .captures_from_pos(text, pos)
            .map(|caps| caps.as_ref().map(PyMatch::from_captures))
            .map_err(|e| format!("regular expression `{}`: {e}", self.pattern))
    }

    /// Whether the pattern matches at the start of `text` (Python's `re.match`).
    pub fn matches_at_start(&self, text: &str) -> Result<bool, String> {
        // Leftmost-first: if any match starts at 0, the first match found starts at 0.
        Ok(self
            .search_from(text, 0)?
            .is_some_and(|m| m.span.start == 0))
    }

    /// Every match, left to right, as Python ≥ 3.7 finds them: an empty match may follow a
    /// non-empty one, but never repeats at the position of the previous empty match. After an
    /// empty match the search moves one character on; Python first tries a non-empty match at
    /// the same place, which differs only for patterns that prefer the empty match there
    /// (`|a`, `a*?`).
    pub fn find_all(&self, text: &str, limit: Option<usize>) -> Result<Vec<PyMatch>, String> {
        let mut found = Vec::new();
        let mut pos = 0;
        let mut must_advance = false;
        while pos <= text.len() && limit.is_none_or(|n| found.len() < n) {
            let Some(mut m) = self.search_from(text, pos)? else {
                break;
            };
            if must_advance && m.span.is_empty() && m.span.start == pos {
                let Some(next) = next_boundary(text, pos) else {
                    break;
                };
                match self.search_from(text, next)? {
                    Some(later) => m = later,
                    None => break,
                }
            }
            must_advance = m.span.is_empty();
            pos = m.span.end;
            found.push(m);
        }
        Ok(found)
    }

    /// Python's `re.sub(pattern, template, text, count)`: `count` 0 replaces every match, a
    /// negative count none.
    pub fn sub(&self, text: &str, template: &str, count: i64) -> Result<String, String> {
        let template = Template::parse(template, self.groups(), |name| self.group_index(name))?;
        if count < 0 {
            return Ok(text.to_owned());
        }
        let limit = usize::try_from(count).ok().filter(|&n| n > 0);
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for m in self.find_all(text, limit)? {
            out.push_str(&text[last..m.span.start]);
            template.expand(&m, &mut out);
            last = m.span.end;
        }
        out.push_str(&text[last..]);
        Ok(out)
    }

    /// Python's `re.split(pattern, text, maxsplit)`: the pieces, with each match's groups in
    /// between (`null` for a group that did not take part).
    pub fn split(&self, text: &str, maxsplit: i64) -> Result<Vec<Value>, String> {
        if maxsplit < 0 {
            return Ok(vec![Value::String(text.to_owned())]);
        }
        let limit = usize::try_from(maxsplit).ok().filter(|&n| n > 0);
        let mut out = Vec::new();
        let mut last = 0;
        for m in self.find_all(text, limit)? {
            out.push(Value::String(text[last..m.span.start].to_owned()));
            out.extend((1..m.groups.len()).map(|i| m.group_value(i)));
            last = m.span.end;
        }
        out.push(Value::String(text[last..].to_owned()));
        Ok(out)
    }

    fn group_index(&self, name: &str) -> Option<usize> {
        self.re
            .capture_names()
            .position(|n| n == Some(name))
            .filter(|&i| i > 0)
    }
}

/// The byte index after the character at `pos`, if there is one.
fn next_boundary(text: &str, pos: usize) -> Option<usize> {
    text[pos..].chars().next().map(|c| pos + c.len_utf8())
}

/// Python-only syntax rewritten for fancy-regex: `\Z` → `\z`, `(?P=name)` → `\k<name>`.
fn translate(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("(?P=") {
            if let Some(end) = after.find(')') {
                out.push_str(&format!(r"\k<{}>", &after[..end]));
                rest = &after[end + 1..];
                continue;
            }
        }
        if c == '\\' {
            let mut chars = rest[1..].chars();
            match chars.next() {
                Some('Z') => out.push_str(r"\z"),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            }
            rest = chars.as_str();
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// A parsed `re.sub` replacement template.
#[derive(Debug)]
struct Template {
    pieces: Vec<Piece>,
}

#[derive(Debug)]
enum Piece {
    Text(String),
    Group(usize),
}

impl Template {
    fn parse(
        template: &str,
        groups: usize,
        index_of: impl Fn(&str) -> Option<usize>,
    ) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let chars: Vec<(usize, char)> = template.char_indices().collect();
        let mut i = 0;
        let group = |n: usize, at: usize| {
            if n > groups {
                Err(format!("invalid group reference {n} at position {at}"))
            } else {
                Ok(n)
            }
        };
        while i < chars.len() {
            let (at, c) = chars[i];
            if c != '\\' {
                text.push(c);
                i += 1;
                continue;
            }
            let Some(&(_, next)) = chars.get(i + 1) else {
                return Err(format!("bad escape (end of pattern) at position {at}"));
            };
            let mut reference = None;
            match next {
                'g' => {
                    let rest: String = chars[i + 2..].iter().map(|&(_, c)| c).collect();
                    let name = rest
                        .strip_prefix('<')
                        .and_then(|r| r.find('>').map(|end| r[..end].to_owned()))
                        .ok_or_else(|| {
                            format!("missing < or > in \\g reference at position {at}")
                        })?;
                    let name_at = at + 3;
                    let n = match name.parse::<usize>() {
                        Ok(n) => group(n, name_at)?,
                        Err(_) => index_of(&name).ok_or_else(|| {
                            format!("unknown group name '{name}' at position {name_at}")
                        })?,
                    };
                    reference = Some(n);
                    i += 2 + name.chars().count() + 2;
                }
                '0'..='9' => {
                    let digits: String = chars[i + 1..]
                        .iter()
                        .map(|&(_, c)| c)
                        .take_while(char::is_ascii_digit)
                        .take(3)
                        .collect();
                    let octal = digits.len() == 3 && digits.chars().all(|d| d <= '7');
                    if next == '0' || octal {
                        let digits: String =
                            digits.chars().take_while(|d| *d <= '7').take(3).collect();
                        let code = u32::from_str_radix(&digits, 8).unwrap_or(0);
                        text.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                        i += 1 + digits.len();
                    } else {
                        let digits: String = digits.chars().take(2).collect();
                        reference = Some(group(digits.parse().unwrap_or(0), at + 1)?);
                        i += 1 + digits.len();
                    }
                }
                'n' | 't' | 'r' | 'f' | 'v' | 'a' | 'b' | '\\' => {
                    text.push(match next {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        'f' => '\u{c}',
                        'v' => '\u{b}',
                        'a' => '\u{7}',
                        'b' => '\u{8}',
                        _ => '\\',
                    });
                    i += 2;
                }
                c if c.is_ascii_alphabetic() => {
                    return Err(format!("bad escape \\{c} at position {at}"));
                }
                other => {
                    text.push('\\');
                    text.push(other);
                    i += 2;
                }
            }
            if let Some(n) = reference {
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                pieces.push(Piece::Group(n));
            }
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(Template { pieces })
    }

    fn expand(&self, m: &PyMatch, out: &mut String) {
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Group(n) => {
                    if let Some(Some(g)) = m.groups.get(*n) {
                        out.push_str(g);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn re(p: &str) -> PyRegex {
        PyRegex::new(p, Flags::default()).unwrap()
    }

    #[test]
    fn empty_matches_iterate_as_in_python() {
        assert_eq!(re("").sub("ab", "-", 0).unwrap(), "-a-b-");
        assert_eq!(re("x*").sub("abxd", "-", 0).unwrap(), "-a-b--d-");
        assert_eq!(
            re(r"\W*").split("...words...", 0).unwrap(),
            json!(["", "", "w", "o", "r", "d", "s", "", ""])
                .as_array()
                .unwrap()
                .clone()
        );
        assert_eq!(re("").find_all("é", None).unwrap().len(), 2);
    }

    #[test]
    fn templates_follow_python() {
        let r = re(r"(\w)(\d)?");
        assert_eq!(r.sub("a1 b", r"[\2\1]", 0).unwrap(), "[1a] [b]");
        assert_eq!(r.sub("a", r"$\g<0>\n", 0).unwrap(), "$a\n");
        assert_eq!(r.sub("a", r"\&", 0).unwrap(), r"\&");
        assert_eq!(
            r.sub("a", r"\q", 0).unwrap_err(),
            r"bad escape \q at position 0"
        );
        assert_eq!(
            r.sub("a", "x\\", 0).unwrap_err(),
            "bad escape (end of pattern) at position 1"
        );
        assert_eq!(
            r.sub("a", r"\3", 0).unwrap_err(),
            "invalid group reference 3 at position 1"
        );
        assert_eq!(re("a").sub("aaa", "b", 2).unwrap(), "bba");
        assert_eq!(re("a").sub("aaa", "b", -1).unwrap(), "aaa");
    }

    #[test]
    fn python_syntax_is_translated() {
        assert!(re(r"a\Z").matches_at_start("a").unwrap());
        assert!(!re(r"a\Z").matches_at_start("ab").unwrap());
        assert_eq!(
            re(r"(?P<q>['\x22]).*?(?P=q)")
                .sub(r#"say "hi" 'x'"#, "Q", 0)
                .unwrap(),
            "say Q Q"
        );
        assert!(re("b").search_from("abc", 0).unwrap().is_some());
        assert!(!re("b").matches_at_start("abc").unwrap());
    }

    #[test]
    fn split_keeps_groups_and_honours_maxsplit() {
        assert_eq!(
            re(",").split("a,b,c", 1).unwrap(),
            vec![json!("a"), json!("b,c")]
        );
        assert_eq!(
            re(r"(,)|(;)").split("a,b", 0).unwrap(),
            vec![json!("a"), json!(","), Value::Null, json!("b")]
        );
        assert_eq!(re(",").split("", 0).unwrap(), vec![json!("")]);
    }

    #[test]
    fn bad_patterns_name_the_pattern() {
        let e = PyRegex::new("(a", Flags::default()).unwrap_err();
        assert!(e.starts_with("invalid regular expression `(a`"), "{e}");
    }
}
