//! `nodetool.text`: string nodes with NodeTool's names and properties.

use nodetool::prelude::*;
use serde_json::{Map, Value};

/// Concatenates two texts.
/// text, concatenate, join, +
#[node(namespace = "nodetool.text", title = "Concatenate Text")]
pub async fn concat(#[input(default = "")] a: String, #[input(default = "")] b: String) -> String {
    a + &b
}

/// Joins a list of values into one text, with a separator between them.
/// text, join, combine
#[node(namespace = "nodetool.text")]
pub async fn join(
    #[input(default)] strings: Vec<Value>,
    #[input(default = "")] separator: String,
) -> String {
    strings
        .iter()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(&separator)
}

/// Replaces every `{{ key }}` in a text with the value of `key` in `values`; unknown
/// placeholders stay as they are.
/// text, template, format
#[node(namespace = "nodetool.text")]
pub async fn template(
    #[input(default = "")] string: String,
    #[input(default)] values: Map<String, Value>,
) -> String {
    render_placeholders(&string, &values)
}

/// NodeTool's `Template`: `{{ key }}` (any whitespace inside the braces) → the value's text.
pub fn render_placeholders(template: &str, values: &Map<String, Value>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let key = after[..end].trim();
                match values.get(key) {
                    Some(Value::String(s)) => out.push_str(s),
                    Some(other) => out.push_str(&other.to_string()),
                    None => out.push_str(&rest[start..start + 2 + end + 2]),
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Replaces every occurrence of `old` in a text with `new`.
/// text, replace, substitute
#[node(namespace = "nodetool.text", title = "Replace Text")]
pub async fn replace(
    #[input(default = "")] text: String,
    #[input(default = "")] old: String,
    #[input(default = "")] new: String,
) -> String {
    text.replace(&old, &new)
}

/// Splits a text at every delimiter.
/// text, split, tokenize
#[node(namespace = "nodetool.text", title = "Split Text")]
pub async fn split(
    #[input(default = "")] text: String,
    #[input(default = ",")] delimiter: String,
) -> Result<Vec<String>> {
    if delimiter.is_empty() {
        return Err("empty separator".into());
    }
    Ok(text.split(&delimiter).map(str::to_owned).collect())
}

/// Measures a text in `characters`, `words` or `lines`.
/// text, length, count
#[node(namespace = "nodetool.text", title = "Measure Length")]
pub async fn length(
    #[input(default = "")] text: String,
    #[input(default = "characters")] measure: String,
    #[input(default = false)] trim_whitespace: bool,
) -> Result<i64> {
    let text = if trim_whitespace {
        text.trim()
    } else {
        text.as_str()
    };
    let n = match measure.as_str() {
        "characters" => text.chars().count(),
        "words" => text.split_whitespace().count(),
        "lines" => text.lines().count(),
        other => {
            return Err(
                format!("unknown measure `{other}`: expected characters, words or lines").into(),
            )
        }
    };
    Ok(i64::try_from(n)?)
}

/// Converts a text to upper case.
/// text, uppercase, case
#[node(namespace = "nodetool.text")]
pub async fn to_uppercase(#[input(default = "")] text: String) -> String {
    text.to_uppercase()
}

/// Converts a text to lower case.
/// text, lowercase, case
#[node(namespace = "nodetool.text")]
pub async fn to_lowercase(#[input(default = "")] text: String) -> String {
    text.to_lowercase()
}

/// Joins every text that streams in, with a separator between them, once the stream ends.
/// text, collect, stream, join
#[node(namespace = "nodetool.text", streaming_input)]
pub struct Collect {
    /// Each streamed text.
    #[input(default = "")]
    pub input_item: String,
    /// Put between the texts.
    #[input(default = "")]
    pub separator: String,
}

impl Run for Collect {
    type Item = String;

    async fn run(
        &mut self,
        _ctx: &ProcessingContext,
        inputs: &mut NodeInputs,
        mut out: Emitter<'_, String>,
    ) -> Result<()> {
        let mut items = Vec::new();
        while let Some(item) = inputs.recv_as::<String>("input_item").await? {
            items.push(item);
        }
        out.emit(items.join(&self.separator)).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn placeholders_render_and_unknown_ones_stay() {
        let values = json!({"name": "Ada", "n": 3}).as_object().cloned().unwrap();
        assert_eq!(
            render_placeholders("Hi {{name}}, {{ n }} {{ x }} {{", &values),
            "Hi Ada, 3 {{ x }} {{"
        );
    }
}
