//! More of `nodetool.text`: slicing, trimming, case, checks, search, padding, truncation, as
//! NodeTool's `nodetool/text.py` (Python's string semantics: indices count characters).

use crate::enums::string_enum;
use crate::list::python_slice;
use nodetool::prelude::*;
use serde_json::Value;

/// `text[start:stop:step]` over characters, as Python slices.
fn char_slice(text: &str, start: i64, stop: i64, step: i64) -> Result<String> {
    if step == 0 {
        return Err("slice step cannot be zero".into());
    }
    let chars: Vec<Value> = text.chars().map(|c| Value::String(c.to_string())).collect();
    Ok(python_slice(&chars, Some(start), Some(stop), step)
        .iter()
        .filter_map(Value::as_str)
        .collect())
}

/// Slices text using Python's slice notation (start:stop:step).
/// text, slice, substring
#[node(namespace = "nodetool.text", title = "Slice Text")]
pub async fn slice(
    #[input(default = "")] text: String,
    #[input(default = 0)] start: i64,
    #[input(default = 0)] stop: i64,
    #[input(default = 1)] step: i64,
) -> Result<String> {
    char_slice(&text, start, stop, step)
}

/// Extracts a substring from input text.
/// text, extract, substring
#[node(namespace = "nodetool.text", title = "Extract Text")]
pub async fn extract(
    #[input(default = "")] text: String,
    #[input(default = 0)] start: i64,
    #[input(default = 0)] end: i64,
) -> Result<String> {
    char_slice(&text, start, end, 1)
}

/// Trims whitespace from the start and/or end of text.
/// text, whitespace, clean, remove
#[node(namespace = "nodetool.text", title = "Trim Whitespace")]
pub async fn trim_whitespace(
    #[input(default = "")] text: String,
    #[input(default = true)] trim_start: bool,
    #[input(default = true)] trim_end: bool,
) -> String {
    match (trim_start, trim_end) {
        (true, true) => text.trim().to_owned(),
        (true, false) => text.trim_start().to_owned(),
        (false, true) => text.trim_end().to_owned(),
        (false, false) => text,
    }
}

/// Collapses consecutive whitespace into single separators.
/// text, whitespace, normalize, clean, remove
#[node(namespace = "nodetool.text", title = "Collapse Whitespace")]
pub async fn collapse_whitespace(
    #[input(default = "")] text: String,
    /// Keep newline characters instead of replacing them
    #[input(default = false)]
    preserve_newlines: bool,
    /// String used to replace whitespace runs
    #[input(default = " ")]
    replacement: String,
    /// Strip whitespace before collapsing
    #[input(default = true)]
    trim_edges: bool,
) -> String {
    let text = if trim_edges { text.trim() } else { &text };
    let collapsible =
        |c: char| c.is_whitespace() && !(preserve_newlines && (c == '\n' || c == '\r'));
    let mut out = String::with_capacity(text.len());
    let mut in_run = false;
    for c in text.chars() {
        if collapsible(c) {
            if !in_run {
                out.push_str(&replacement);
                in_run = true;
            }
        } else {
            out.push(c);
            in_run = false;
        }
    }
    out
}

/// Python's `str.title()`: a letter after a letter is lower case, any other letter upper.
pub fn py_title(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut after_cased = false;
    for c in text.chars() {
        if after_cased {
            out.extend(c.to_lowercase());
        } else {
            out.extend(c.to_uppercase());
        }
        after_cased = c.is_alphabetic() && (c.is_lowercase() || c.is_uppercase());
    }
    out
}

/// Converts text to title case.
/// text, transform, titlecase, format
#[node(
    namespace = "nodetool.text",
    name = "ToTitlecase",
    title = "To Title Case"
)]
pub async fn to_titlecase(#[input(default = "")] text: String) -> String {
    py_title(&text)
}

/// Capitalizes only the first character.
/// text, transform, capitalize, format
#[node(namespace = "nodetool.text", title = "Capitalize Text")]
pub async fn capitalize_text(#[input(default = "")] text: String) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.as_str().to_lowercase().chars())
            .collect(),
        None => String::new(),
    }
}

/// Checks if text starts with a specified prefix.
/// text, check, prefix, compare, validate, substring, string
#[node(namespace = "nodetool.text", title = "Starts With")]
pub async fn starts_with(
    #[input(default = "")] text: String,
    #[input(default = "")] prefix: String,
) -> bool {
    text.starts_with(&prefix)
}

/// Checks if text ends with a specified suffix.
/// text, check, suffix, compare, validate, substring, string
#[node(namespace = "nodetool.text", title = "Ends With")]
pub async fn ends_with(
    #[input(default = "")] text: String,
    #[input(default = "")] suffix: String,
) -> bool {
    text.ends_with(&suffix)
}

string_enum!(
    /// How `Contains` combines several substrings.
    MatchMode, "nodetool.nodes.nodetool.text.Contains.MatchMode", default Any,
    { Any => "any", All => "all", None => "none" }
);

/// Checks if text contains a specified substring.
/// text, compare, validate, substring, string
#[node(namespace = "nodetool.text", title = "Contains Text")]
pub async fn contains(
    #[input(default = "")] text: String,
    #[input(default = "")] substring: String,
    /// Optional list of additional substrings to check
    #[input(default)]
    search_values: Vec<String>,
    #[input(default = true)] case_sensitive: bool,
    /// ANY requires one match, ALL needs every value, NONE ensures none
    #[input(default = MatchMode::Any)]
    match_mode: MatchMode,
) -> bool {
    // As NodeTool: a non-empty list replaces the single substring.
    let targets = if search_values.is_empty() {
        vec![substring]
    } else {
        search_values
    };
    let fold = |s: &str| {
        if case_sensitive {
            s.to_owned()
        } else {
            s.to_lowercase()
        }
    };
    let hay = fold(&text);
    let found = |t: &String| hay.contains(&fold(t));
    match match_mode {
        MatchMode::All => targets.iter().all(found),
        MatchMode::None => !targets.iter().any(found),
        MatchMode::Any => targets.iter().any(found),
    }
}

/// Finds the position of a substring in text.
/// text, search, find, substring
#[node(namespace = "nodetool.text", title = "Index Of")]
pub async fn index_of(
    #[input(default = "")] text: String,
    #[input(default = "")] substring: String,
    #[input(default = true)] case_sensitive: bool,
    /// Index to begin the search from
    #[input(default = 0, min = 0)]
    start_index: i64,
    /// Optional exclusive end index for the search
    #[input(default = 0)]
    end_index: i64,
    /// Use the last occurrence instead of the first
    #[input(default = false)]
    search_from_end: bool,
) -> i64 {
    let fold = |s: &str| {
        if case_sensitive {
            s.to_owned()
        } else {
            s.to_lowercase()
        }
    };
    let hay: Vec<char> = fold(&text).chars().collect();
    let needle: Vec<char> = fold(&substring).chars().collect();
    // Python's str.find(sub, start, end) over characters (NodeTool passes end_index as is:
    // its default 0 searches nothing).
    let len = hay.len() as i64;
    let norm = |i: i64| if i < 0 { (i + len).max(0) } else { i.min(len) };
    let start = norm(start_index) as usize;
    let end = norm(end_index.max(start_index)) as usize;
    // Negative indices can still normalise to end < start (e.g. start -1, end 0).
    if end < start || needle.len() > end - start {
        return -1;
    }
    let window = &hay[start..end];
    let positions = 0..=(window.len() - needle.len());
    let matches = |i: &usize| window[*i..*i + needle.len()] == needle[..];
    let found = if search_from_end {
        positions.rev().find(matches)
    } else {
        positions.into_iter().find(matches)
    };
    found.map_or(-1, |i| (start + i) as i64)
}

string_enum!(
    /// Where `PadText` pads.
    PadDirection, "nodetool.nodes.nodetool.text.PadText.PadDirection", default Right,
    { Left => "left", Right => "right", Both => "both" }
);

/// The longest text `PadText` makes (a larger `length` would exhaust memory).
pub const MAX_TEXT_CHARS: i64 = 100_000_000;

/// Pads text to a target length.
/// text, pad, length, format
#[node(namespace = "nodetool.text", title = "Pad Text")]
pub async fn pad_text(
    #[input(default = "")] text: String,
    #[input(default = 0, min = 0, title = "Target Length")] length: i64,
    /// Single character to use for padding
    #[input(default = " ")]
    pad_character: String,
    /// Where padding should be applied
    #[input(default = PadDirection::Right)]
    direction: PadDirection,
) -> Result<String> {
    let mut pad = pad_character.chars();
    let (Some(pad), None) = (pad.next(), pad.next()) else {
        return Err("pad_character must be a single character".into());
    };
    let have = text.chars().count() as i64;
    if length <= have {
        return Ok(text);
    }
    if length > MAX_TEXT_CHARS {
        return Err(format!("length: {length} is more than {MAX_TEXT_CHARS} characters").into());
    }
    let needed = (length - have) as usize;
    let fill = |n: usize| std::iter::repeat_n(pad, n).collect::<String>();
    Ok(match direction {
        PadDirection::Left => fill(needed) + &text,
        PadDirection::Right => text + &fill(needed),
        PadDirection::Both => fill(needed / 2) + &text + &fill(needed - needed / 2),
    })
}

/// Truncates text to a maximum length.
/// text, truncate, length, clip
#[node(namespace = "nodetool.text", title = "Truncate Text")]
pub async fn truncate_text(
    #[input(default = "")] text: String,
    #[input(default = 100, min = 0, title = "Max Length")] max_length: i64,
    /// Optional suffix appended when truncation occurs
    #[input(default = "")]
    ellipsis: String,
) -> String {
    if max_length <= 0 {
        return ellipsis;
    }
    let max = max_length as usize;
    if text.chars().count() <= max {
        return text;
    }
    let dots = ellipsis.chars().count();
    if !ellipsis.is_empty() && dots < max {
        text.chars().take(max - dots).collect::<String>() + &ellipsis
    } else {
        text.chars().take(max).collect()
    }
}

string_enum!(
    /// How `ToString` converts.
    ToStringMode, "nodetool.nodes.nodetool.text.ToString.Mode", default Str,
    { Str => "str", Repr => "repr" }
);

/// Converts any input value to its string representation.
/// text, string, convert, repr, str, cast
#[node(namespace = "nodetool.text", title = "To String")]
pub async fn to_string(
    #[input(default = Value::Array(Vec::new()))] value: Value,
    /// Conversion mode: use `str(value)` or `repr(value)`.
    #[input(default = ToStringMode::Str)]
    mode: ToStringMode,
) -> String {
    match mode {
        ToStringMode::Str => crate::json::py_str(&value),
        ToStringMode::Repr => crate::json::py_repr(&value),
    }
}

/// Splits text into chunks of specified word length.
/// text, chunk, split
#[node(namespace = "nodetool.text", title = "Split Text into Chunks")]
pub async fn chunk(
    #[input(default = "")] text: String,
    #[input(default = 100, min = 1, max = 1000)] length: i64,
    #[input(default = 0)] overlap: i64,
    #[input(default = " ")] separator: String,
) -> Result<Vec<String>> {
    if length < 1 {
        return Err(format!("length must be at least 1, got {length}").into());
    }
    let step = length - overlap;
    if step == 0 {
        return Err("range() arg 3 must not be zero (overlap equals length)".into());
    }
    if step < 0 {
        return Ok(Vec::new());
    }
    let words: Vec<&str> = if separator.is_empty() {
        return Err("empty separator".into());
    } else {
        text.split(separator.as_str()).collect()
    };
    let (length, step) = (length as usize, step as usize);
    Ok((0..words.len())
        .step_by(step)
        .map(|i| words[i..(i + length).min(words.len())].join(" "))
        .collect())
}

fn normalize(text: &str, case_sensitive: bool, trim: bool) -> String {
    let text = if trim { text.trim() } else { text };
    if case_sensitive {
        text.to_owned()
    } else {
        text.to_lowercase()
    }
}

/// Compares two text values and reports ordering.
/// text, compare, equality, sort, equals, =
#[node(namespace = "nodetool.text", title = "Compare Text")]
pub async fn compare(
    #[input(default = "", title = "First Text")] text_a: String,
    #[input(default = "", title = "Second Text")] text_b: String,
    /// Compare without lowercasing
    #[input(default = true)]
    case_sensitive: bool,
    /// Strip leading/trailing whitespace before comparing
    #[input(default = false)]
    trim_whitespace: bool,
) -> String {
    let a = normalize(&text_a, case_sensitive, trim_whitespace);
    let b = normalize(&text_b, case_sensitive, trim_whitespace);
    // Python compares strings by code point, as Rust does.
    match a.cmp(&b) {
        std::cmp::Ordering::Less => "less",
        std::cmp::Ordering::Equal => "equal",
        std::cmp::Ordering::Greater => "greater",
    }
    .to_owned()
}

/// Checks if two text inputs are equal.
/// text, compare, equals, match, =
#[node(namespace = "nodetool.text", title = "Equals")]
pub async fn equals(
    #[input(default = "", title = "First Text")] text_a: String,
    #[input(default = "", title = "Second Text")] text_b: String,
    /// Disable lowercasing before compare
    #[input(default = true)]
    case_sensitive: bool,
    /// Strip leading/trailing whitespace prior to comparison
    #[input(default = false)]
    trim_whitespace: bool,
) -> bool {
    normalize(&text_a, case_sensitive, trim_whitespace)
        == normalize(&text_b, case_sensitive, trim_whitespace)
}

/// Checks if text is empty or contains only whitespace.
/// text, check, empty, compare, validate, whitespace, string
#[node(namespace = "nodetool.text", title = "Is Empty")]
pub async fn is_empty(
    #[input(default = "")] text: String,
    #[input(default = true)] trim_whitespace: bool,
) -> bool {
    if trim_whitespace {
        text.trim().is_empty()
    } else {
        text.is_empty()
    }
}

/// Python's `string.punctuation`.
pub const ASCII_PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// Removes punctuation characters from text.
/// text, cleanup, punctuation, normalize
#[node(namespace = "nodetool.text", title = "Remove Punctuation")]
pub async fn remove_punctuation(
    #[input(default = "")] text: String,
    /// String to insert where punctuation was removed
    #[input(default = "")]
    replacement: String,
    /// Characters that should be removed or replaced
    #[input(default = ASCII_PUNCTUATION, title = "Punctuation Characters")]
    punctuation: String,
) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if punctuation.contains(c) {
            out.push_str(&replacement);
        } else {
            out.push(c);
        }
    }
    out
}

// As in NodeTool, `exact_length` always has a value (0 by default), so it alone decides:
// `min_length` and `max_length` are accepted but not used.
/// Checks if text length meets specified conditions.
/// text, check, length, compare, validate, whitespace, string
#[node(namespace = "nodetool.text", title = "Check Length")]
pub async fn has_length(
    #[input(default = "")] text: String,
    #[input(default = 0, title = "Minimum Length")] min_length: i64,
    #[input(default = 0, title = "Maximum Length")] max_length: i64,
    #[input(default = 0, title = "Exact Length")] exact_length: i64,
) -> bool {
    // As NodeTool: `exact_length` always has a value, so it alone decides.
    let _ = (min_length, max_length);
    text.chars().count() as i64 == exact_length
}

/// Wraps text with the provided prefix and suffix.
/// text, format, surround, decorate
#[node(namespace = "nodetool.text", title = "Surround With")]
pub async fn surround_with(
    #[input(default = "")] text: String,
    #[input(default = "")] prefix: String,
    #[input(default = "")] suffix: String,
    /// Do not add duplicates if the text is already wrapped
    #[input(default = true, title = "Skip If Already Wrapped")]
    skip_if_wrapped: bool,
) -> String {
    if skip_if_wrapped && text.starts_with(&prefix) && text.ends_with(&suffix) {
        text
    } else {
        format!("{prefix}{text}{suffix}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_case_is_pythons() {
        assert_eq!(
            py_title("they're bill's friends from the UK"),
            "They'Re Bill'S Friends From The Uk"
        );
        assert_eq!(py_title("élan 2nd"), "Élan 2Nd");
    }

    #[test]
    fn slices_count_characters() {
        assert_eq!(char_slice("héllo", 1, 3, 1).unwrap(), "él");
        assert_eq!(char_slice("héllo", -3, 5, 1).unwrap(), "llo");
        assert_eq!(char_slice("abc", 0, 3, -1).unwrap(), "");
        assert!(char_slice("abc", 0, 3, 0).is_err());
    }
}
