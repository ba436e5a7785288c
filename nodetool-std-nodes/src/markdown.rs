//! `lib.markdown`: links, headers, lists, code blocks and tables out of markdown text, as
//! NodeTool's `nodetool/nodes/lib/markdown.py` finds them with Python regular expressions.
//!
//! The patterns are matched by small hand-written scanners with Python's semantics: lines
//! are split on `\n` only (a `\r` stays at the end of its line), `\s` and `strip()` are
//! Python's whitespace and `\d` is any Unicode decimal digit.

use nodetool::metadata::{ColumnDef, DataframeRef};
use nodetool::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;

use crate::python::{decimal_digit, py_space, py_strip};

/// Python's `\w`: a letter, a digit or `_`.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The text after a marker when it matches `\s+(.+)$`: it starts with whitespace and has
/// at least two characters. The text is stripped.
fn after_space(rest: &str) -> Option<&str> {
    let mut chars = rest.chars();
    let first = chars.next()?;
    (py_space(first) && chars.next().is_some()).then(|| py_strip(rest))
}

// ---------------------------------------------------------------------------------------
// Scanners.

/// The next position of a byte at or after a position, remembered between calls.
struct NextByte {
    byte: u8,
    /// The last search: where it started, what it found.
    last: Option<(usize, Option<usize>)>,
}

impl NextByte {
    fn new(byte: u8) -> Self {
        NextByte { byte, last: None }
    }

    fn at_or_after(&mut self, text: &[u8], from: usize) -> Option<usize> {
        if let Some((start, found)) = self.last {
            if start <= from && found.is_none_or(|i| i >= from) {
                return found;
            }
        }
        let found = text
            .get(from..)
            .and_then(|rest| rest.iter().position(|&b| b == self.byte))
            .map(|i| from + i);
        self.last = Some((from, found));
        found
    }
}

/// The matches of `\[([^\]]+)\]\(([^)]+)\)|<([^>]+)>`, left to right: `(title, url)`, the
/// title `None` for `<url>`.
fn find_links(text: &str) -> Vec<(Option<&str>, &str)> {
    let bytes = text.as_bytes();
    let (mut close_bracket, mut close_paren, mut close_angle) = (
        NextByte::new(b']'),
        NextByte::new(b')'),
        NextByte::new(b'>'),
    );
    let mut links = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        if bytes[pos] == b'[' {
            let link = close_bracket
                .at_or_after(bytes, pos + 1)
                .filter(|&close| close > pos + 1 && bytes.get(close + 1) == Some(&b'('))
                .and_then(|close| {
                    let end = close_paren
                        .at_or_after(bytes, close + 2)
                        .filter(|&end| end > close + 2)?;
                    Some((close, end))
                });
            if let Some((close, end)) = link {
                links.push((Some(&text[pos + 1..close]), &text[close + 2..end]));
                pos = end + 1;
                continue;
            }
        }
        if bytes[pos] == b'<' {
            if let Some(end) = close_angle
                .at_or_after(bytes, pos + 1)
                .filter(|&end| end > pos + 1)
            {
                links.push((None, &text[pos + 1..end]));
                pos = end + 1;
                continue;
            }
        }
        pos += 1;
    }
    links
}

/// The consecutive runs of lines that `item` accepts, as lists of its results.
fn line_runs<'a, T>(markdown: &'a str, item: impl Fn(&'a str) -> Option<T>) -> Vec<Vec<T>> {
    let mut runs = Vec::new();
    let mut current = Vec::new();
    for line in markdown.split('\n') {
        match item(line) {
            Some(found) => current.push(found),
            None if !current.is_empty() => runs.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

/// A bullet item, `^\s*[-*+]\s+(.+)$`: its stripped text.
fn bullet_item(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches(py_space);
    let rest = rest.strip_prefix(['-', '*', '+'])?;
    after_space(rest)
}

/// A numbered item, `^\s*\d+\.\s+(.+)$`: its stripped text.
fn numbered_item(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches(py_space);
    let digits: usize = rest
        .chars()
        .take_while(|&c| decimal_digit(c).is_some())
        .map(char::len_utf8)
        .sum();
    if digits == 0 {
        return None;
    }
    after_space(rest[digits..].strip_prefix('.')?)
}

/// The matches of ```` ```(\w*)\n(.*?)\n``` ```` (dot matching newlines), left to right:
/// `(language, code)`.
fn find_code_blocks(text: &str) -> Vec<(&str, &str)> {
    let mut blocks = Vec::new();
    let mut pos = 0;
    while let Some(found) = text[pos..].find("```") {
        let start = pos + found;
        let after = start + 3;
        let lang_len: usize = text[after..]
            .chars()
            .take_while(|&c| is_word(c))
            .map(char::len_utf8)
            .sum();
        let newline = after + lang_len;
        if text[newline..].starts_with('\n') {
            let body = newline + 1;
            // Without a closing fence here there is none for any later opening either.
            let Some(close) = text[body..].find("\n```") else {
                break;
            };
            blocks.push((&text[after..newline], &text[body..body + close]));
            pos = body + close + 4;
        } else {
            // The next fence may overlap this one (````), so step one backtick on.
            pos = start + 1;
        }
    }
    blocks
}

// ---------------------------------------------------------------------------------------
// Nodes.

/// Extracts all links from markdown text.
/// markdown, links, extraction
///
/// `[title](url)` (images too) and `<url>`, in order, as `{"url", "title"}`. As in NodeTool,
/// any `<…>` counts (an HTML tag `<div>` gives the url `div`), a link title in quotes stays
/// in the url, and reference-style links are not found.
#[node(namespace = "lib.markdown", expose_as_tool)]
pub async fn extract_links(
    /// The markdown text to analyze
    #[input(default = "")]
    markdown: String,
    /// Whether to include link titles in output
    #[input(default = true)]
    include_titles: bool,
) -> Vec<BTreeMap<String, String>> {
    find_links(&markdown)
        .into_iter()
        .map(|(title, url)| {
            let title = match title {
                Some(t) if include_titles => t,
                _ => "",
            };
            BTreeMap::from([
                ("url".to_owned(), url.to_owned()),
                ("title".to_owned(), title.to_owned()),
            ])
        })
        .collect()
}

/// Extracts headers and creates a document structure/outline.
/// markdown, headers, structure
///
/// ATX headers (`# Title` … `###### Title`) at the start of a line, as `{"level", "text",
/// "index"}` (`index` counts the headers kept). As in NodeTool, closing `#`s stay in the text,
/// lines in code blocks count and underlined (setext) headers are not found.
#[node(namespace = "lib.markdown", expose_as_tool)]
pub async fn extract_headers(
    /// The markdown text to analyze
    #[input(default = "")]
    markdown: String,
    /// Maximum header level to extract (1-6)
    #[input(default = 6, min = 1, max = 6)]
    max_level: i64,
) -> Vec<BTreeMap<String, Value>> {
    let mut headers = Vec::new();
    for line in markdown.split('\n') {
        let level = line.bytes().take_while(|&b| b == b'#').count();
        if !(1..=6).contains(&level) || (level as i64) > max_level {
            continue;
        }
        if let Some(text) = after_space(&line[level..]) {
            headers.push(BTreeMap::from([
                ("level".to_owned(), Value::from(level)),
                ("text".to_owned(), Value::from(text)),
                ("index".to_owned(), Value::from(headers.len())),
            ]));
        }
    }
    headers
}

/// Extracts bulleted lists from markdown.
/// markdown, lists, bullets, extraction
///
/// A list of lists: each run of `-`, `*` or `+` items (nested ones included) is a list of
/// `{"text"}`; any other line, a blank one too, ends the run. (NodeTool declares a list of
/// dicts and returns this list of lists.)
#[node(namespace = "lib.markdown", expose_as_tool)]
pub async fn extract_bullet_lists(
    /// The markdown text to analyze
    #[input(default = "")]
    markdown: String,
) -> Vec<Value> {
    line_runs(&markdown, bullet_item)
        .into_iter()
        .map(|run| run.into_iter().map(|text| json!({"text": text})).collect())
        .collect()
}

/// Extracts numbered lists from markdown.
/// markdown, lists, numbered, extraction
///
/// A list of lists: each run of `1.` items is a list of their texts; any other line, a blank
/// one too, ends the run, and the numbers are not checked. (NodeTool declares a list of
/// strings and returns this list of lists.)
#[node(namespace = "lib.markdown", expose_as_tool)]
pub async fn extract_numbered_lists(
    /// The markdown text to analyze
    #[input(default = "")]
    markdown: String,
) -> Vec<Value> {
    line_runs(&markdown, numbered_item)
        .into_iter()
        .map(|run| run.into_iter().map(Value::from).collect())
        .collect()
}

/// Extracts code blocks and their languages from markdown.
/// markdown, code, extraction
///
/// Fenced blocks as `{"language", "code"}` (`text` without a language, the code stripped).
/// As in NodeTool, the info string must be a single word (` ```c++ ` is not a fence start),
/// `~~~` fences are not found and an empty block may pair with a later fence.
#[node(namespace = "lib.markdown")]
pub async fn extract_code_blocks(
    /// The markdown text to analyze
    #[input(default = "")]
    markdown: String,
) -> Vec<BTreeMap<String, String>> {
    find_code_blocks(&markdown)
        .into_iter()
        .map(|(language, code)| {
            let language = if language.is_empty() {
                "text"
            } else {
                language
            };
            BTreeMap::from([
                ("language".to_owned(), language.to_owned()),
                ("code".to_owned(), py_strip(code).to_owned()),
            ])
        })
        .collect()
}

/// Extracts tables from markdown and converts them to structured data.
/// markdown, tables, data
///
/// The first table only: its first row names the string columns, its second row (the
/// separator, not checked) is skipped and the others are the rows, unpadded. Cells are the
/// stripped texts between the first and the last `|` of a line; the table ends at the first
/// line without `|`. Fewer than three rows give an empty table.
#[node(namespace = "lib.markdown", expose_as_tool)]
pub async fn extract_tables(
    /// The markdown text to analyze
    #[input(default = "")]
    markdown: String,
) -> DataframeRef {
    let mut rows: Vec<Vec<&str>> = Vec::new();
    for line in markdown.split('\n') {
        if line.contains('|') {
            let parts: Vec<&str> = line.split('|').collect();
            let inner = parts.get(1..parts.len() - 1).unwrap_or_default();
            if !inner.is_empty() {
                rows.push(inner.iter().map(|c| py_strip(c)).collect());
            }
        } else if !rows.is_empty() {
            break;
        }
    }
    let (columns, data) = match rows.split_first() {
        Some((header, rest)) if rest.len() > 1 => (
            header
                .iter()
                .map(|name| ColumnDef {
                    name: (*name).to_owned(),
                    data_type: "string".to_owned(),
                    description: String::new(),
                })
                .collect(),
            rest[1..]
                .iter()
                .map(|row| row.iter().map(|&c| Value::from(c)).collect())
                .collect(),
        ),
        _ => (Vec::new(), Vec::new()),
    };
    DataframeRef {
        columns: Some(columns),
        data: Some(data),
        ..DataframeRef::default()
    }
}
