//! `nodetool.text` nodes over regular expressions (Python's `re` syntax and semantics, see
//! [`crate::pyre`]), Unicode clean-up (accents, slugs), JSON parsing and the streaming string
//! filters.

use crate::enums::string_enum;
use crate::pyre::{Flags, PyRegex};
use crate::python::py_truthy;
use nodetool::prelude::*;
use serde_json::Value;
use unicode_normalization::{char::canonical_combining_class, UnicodeNormalization};

/// Extracts substrings matching regex groups from text.
/// text, regex, extract
///
/// The groups of the first match (`null` for a group that did not take part); `[]` when
/// nothing matches or the pattern has no groups.
#[node(namespace = "nodetool.text", title = "Extract Regex Groups")]
pub async fn extract_regex(
    #[input(default = "")] text: String,
    #[input(default = "")] regex: String,
    #[input(default = false)] dotall: bool,
    #[input(default = false)] ignorecase: bool,
    #[input(default = false)] multiline: bool,
) -> Result<Vec<Value>> {
    let re = PyRegex::new(
        &regex,
        Flags {
            dotall,
            ignorecase,
            multiline,
        },
    )?;
    Ok(match re.search_from(&text, 0)? {
        Some(m) => (1..m.groups.len()).map(|i| m.group_value(i)).collect(),
        None => Vec::new(),
    })
}

/// Finds all regex matches in text as separate substrings.
/// text, regex, find
///
/// As Python's `re.findall`: the matches without groups, the group with one group, lists of
/// the groups with several (`""` for a group that did not take part).
#[node(namespace = "nodetool.text", title = "Find All Regex Matches")]
pub async fn find_all_regex(
    #[input(default = "")] text: String,
    #[input(default = "")] regex: String,
    #[input(default = false)] dotall: bool,
    #[input(default = false)] ignorecase: bool,
    #[input(default = false)] multiline: bool,
) -> Result<Vec<Value>> {
    let re = PyRegex::new(
        &regex,
        Flags {
            dotall,
            ignorecase,
            multiline,
        },
    )?;
    let text_of = |g: &Option<String>| Value::String(g.clone().unwrap_or_default());
    Ok(re
        .find_all(&text, None)?
        .iter()
        .map(|m| match re.groups() {
            0 => text_of(&m.groups[0]),
            1 => text_of(&m.groups[1]),
            _ => Value::Array(m.groups[1..].iter().map(text_of).collect()),
        })
        .collect())
}

/// Find all matches of a regex pattern in text.
/// regex, search, pattern, match
#[node(namespace = "nodetool.text", title = "Find Regex Matches")]
pub async fn regex_match(
    /// Text to search in
    #[input(default = "")]
    text: String,
    /// Regular expression pattern
    #[input(default = "")]
    pattern: String,
    /// Capture group to extract (0 for full match)
    #[input(default = 0)]
    group: i64,
) -> Result<Vec<Value>> {
    let re = PyRegex::new(&pattern, Flags::default())?;
    let index = usize::try_from(group)
        .ok()
        .filter(|&g| g <= re.groups())
        .ok_or_else(|| {
            format!(
                "group: no such group {group} (the pattern has {})",
                re.groups()
            )
        })?;
    Ok(re
        .find_all(&text, None)?
        .iter()
        .map(|m| m.group_value(index))
        .collect())
}

/// Replace text matching a regex pattern.
/// regex, replace, substitute
///
/// The replacement is a Python template: `\1` and `\g<name>` insert groups, `$` is literal.
#[node(namespace = "nodetool.text", title = "Replace with Regex")]
pub async fn regex_replace(
    /// Text to perform replacements on
    #[input(default = "")]
    text: String,
    /// Regular expression pattern
    #[input(default = "")]
    pattern: String,
    /// Replacement text
    #[input(default = "")]
    replacement: String,
    /// Maximum replacements (0 for unlimited)
    #[input(default = 0)]
    count: i64,
) -> Result<String> {
    let re = PyRegex::new(&pattern, Flags::default())?;
    Ok(re
        .sub(&text, &replacement, count)
        .map_err(|e| format!("replacement: {e}"))?)
}

/// Split text using a regex pattern as delimiter.
/// regex, split, tokenize
///
/// Groups in the pattern are kept between the pieces, as Python's `re.split` does.
#[node(namespace = "nodetool.text", title = "Split with Regex")]
pub async fn regex_split(
    /// Text to split
    #[input(default = "")]
    text: String,
    /// Regular expression pattern to split on
    #[input(default = "")]
    pattern: String,
    /// Maximum number of splits (0 for unlimited)
    #[input(default = 0)]
    maxsplit: i64,
) -> Result<Vec<Value>> {
    Ok(PyRegex::new(&pattern, Flags::default())?.split(&text, maxsplit)?)
}

/// Check if text matches a regex pattern.
/// regex, validate, check
///
/// Python's `re.match`: the pattern must match at the start of the text (not to its end).
#[node(namespace = "nodetool.text", title = "Validate with Regex")]
pub async fn regex_validate(
    /// Text to validate
    #[input(default = "")]
    text: String,
    /// Regular expression pattern
    #[input(default = "")]
    pattern: String,
) -> Result<bool> {
    Ok(PyRegex::new(&pattern, Flags::default())?.matches_at_start(&text)?)
}

/// Parses a JSON string into a Python object.
/// json, parse, convert
#[node(
    namespace = "nodetool.text",
    name = "ParseJSON",
    title = "Parse JSON String"
)]
pub async fn parse_json(
    #[input(default = "", title = "JSON string")] text: String,
) -> Result<Value> {
    serde_json::from_str(&text).map_err(|e| format!("text: invalid JSON: {e}").into())
}

/// Removes accent marks while keeping base characters.
/// text, cleanup, accents, normalize
///
/// Compatibility decomposition (NFKD, so `ﬁ` becomes `fi`) without the combining marks.
#[node(namespace = "nodetool.text")]
pub async fn strip_accents(
    #[input(default = "")] text: String,
    /// Keep non-ASCII characters that are not accents
    #[input(default = true, title = "Preserve Non-ASCII")]
    preserve_non_ascii: bool,
) -> String {
    text.nfkd()
        .filter(|&c| canonical_combining_class(c) == 0)
        .filter(|c| preserve_non_ascii || c.is_ascii())
        .collect()
}

/// Converts text into a slug suitable for URLs or IDs.
/// text, slug, normalize, id
///
/// As NodeTool: NFKD, ASCII only unless `allow_unicode`, anything but word characters,
/// spaces and `-` dropped, runs of spaces, `_` and `-` joined by `separator` (a Python
/// replacement template), the separator's characters stripped from both ends, lowercased.
#[node(namespace = "nodetool.text")]
pub async fn slugify(
    #[input(default = "")] text: String,
    #[input(default = "-")] separator: String,
    #[input(default = true)] lowercase: bool,
    /// Keep unicode letters instead of converting to ASCII
    #[input(default = false)]
    allow_unicode: bool,
) -> Result<String> {
    let kept: String = text
        .nfkd()
        .filter(|c| allow_unicode || c.is_ascii())
        // Python's `\w` is `isalnum()` or `_`: combining marks are not word characters.
        .filter(|&c| c.is_alphanumeric() || c == '_' || c == '-' || c.is_whitespace())
        .collect();
    let joined = PyRegex::new(r"[\s_-]+", Flags::default())?
        .sub(&kept, &separator, 0)
        .map_err(|e| format!("separator: {e}"))?;
    let slug = joined.trim_matches(|c| separator.contains(c));
    Ok(if lowercase {
        slug.to_lowercase()
    } else {
        slug.to_owned()
    })
}

string_enum!(
    /// What `FilterString` checks.
    FilterType, "nodetool.nodes.nodetool.text.FilterString.FilterType", default Contains,
    {
        Contains => "contains",
        StartsWith => "starts_with",
        EndsWith => "ends_with",
        LengthGreater => "length_greater",
        LengthLess => "length_less",
        ExactLength => "exact_length",
    }
);

/// Filters a stream of strings based on various criteria.
/// filter, strings, text, stream
///
/// Streams in: each string on `value` goes out if it passes; a string streamed to
/// `filter_type` or `criteria` changes the filter for the strings after it. Values that are
/// not strings are skipped, as in NodeTool; a length criterion that is not a whole number is
/// an error (NodeTool silently drops every string).
#[node(namespace = "nodetool.text", streaming_input)]
pub struct FilterString {
    /// Input string stream
    #[input(default = "")]
    pub value: String,
    /// The type of filter to apply
    #[input(default)]
    pub filter_type: FilterType,
    /// The filtering criteria (text to match or length as string)
    #[input(default = "")]
    pub criteria: String,
}

impl Run for FilterString {
    type Item = String;

    async fn run(
        &mut self,
        _ctx: &ProcessingContext,
        inputs: &mut NodeInputs,
        mut out: Emitter<'_, String>,
    ) -> Result<()> {
        let mut filter = self.filter_type.as_str().to_owned();
        let mut criteria = self.criteria.clone();
        while let Some((handle, item)) = inputs.recv_any().await {
            match (handle, item) {
                ("filter_type", Value::String(t)) => filter = t,
                ("criteria", Value::String(c)) => criteria = c,
                ("criteria", Value::Number(n)) => criteria = n.to_string(),
                ("value", Value::String(value)) => {
                    if !string_passes(&value, &filter, &criteria)? {
                        continue;
                    }
                    out.emit(value).await?;
                }
                ("filter_type" | "criteria", other) => {
                    return Err(format!("{handle}: expected a string, got {other}").into())
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Whether `value` passes the filter `filter` (a [`FilterType`] string) with `criteria`.
fn string_passes(value: &str, filter: &str, criteria: &str) -> Result<bool> {
    let length = || -> Result<usize> {
        let digits = criteria.trim().replace('_', "");
        digits
            .parse::<i64>()
            .map(|n| usize::try_from(n).unwrap_or(0))
            .map_err(|_| {
                format!("criteria: `{criteria}` is not a whole number (the {filter} filter needs a length)")
                    .into()
            })
    };
    let chars = || value.chars().count();
    Ok(match filter {
        "contains" => value.contains(criteria),
        "starts_with" => value.starts_with(criteria),
        "ends_with" => value.ends_with(criteria),
        "length_greater" => chars() > length()?,
        "length_less" => chars() < length()?,
        "exact_length" => chars() == length()?,
        other => return Err(format!("filter_type: unknown filter `{other}`").into()),
    })
}

/// Filters a stream of strings using regular expressions.
/// filter, regex, pattern, text, stream
///
/// Streams in: each string on `value` goes out if the pattern matches it (anywhere, or the
/// whole string with `full_match`); a pattern or flag streamed in applies to the strings
/// after it. An invalid pattern is an error (NodeTool silently drops every string).
#[node(namespace = "nodetool.text", streaming_input)]
pub struct FilterRegexString {
    /// Input string stream
    #[input(default = "")]
    pub value: String,
    /// The regular expression pattern to match against.
    #[input(default = "")]
    pub pattern: String,
    /// Whether to match the entire string or find pattern anywhere in string
    #[input(default = false)]
    pub full_match: bool,
}

impl Run for FilterRegexString {
    type Item = String;

    async fn run(
        &mut self,
        _ctx: &ProcessingContext,
        inputs: &mut NodeInputs,
        mut out: Emitter<'_, String>,
    ) -> Result<()> {
        let compile = |pattern: &str| -> Result<(PyRegex, PyRegex)> {
            let re =
                PyRegex::new(pattern, Flags::default()).map_err(|e| format!("pattern: {e}"))?;
            let whole = re.anchored_both_ends()?;
            Ok((re, whole))
        };
        let (mut search, mut whole) = compile(&self.pattern)?;
        let mut full = self.full_match;
        while let Some((handle, item)) = inputs.recv_any().await {
            match (handle, item) {
                ("pattern", Value::String(p)) => (search, whole) = compile(&p)?,
                ("pattern", other) => {
                    return Err(format!("pattern: expected a string, got {other}").into())
                }
                ("full_match", flag) => full = py_truthy(&flag),
                ("value", Value::String(value)) => {
                    let re = if full { &whole } else { &search };
                    if re.search_from(&value, 0)?.is_none() {
                        continue;
                    }
                    out.emit(value).await?;
                }
                _ => {}
            }
        }
        Ok(())
    }
}
