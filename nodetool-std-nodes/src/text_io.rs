//! `nodetool.text` nodes that touch files or query JSON: `SaveTextFile` (into the run's
//! workspace) and `ExtractJSON` (JSONPath).

use nodetool::metadata::TextRef;
use nodetool::prelude::*;
use serde_json::Value;
use serde_json_path::JsonPath;
use std::fmt::Write;

/// `pattern` with Python/C `strftime` directives (`%Y`, `%m`, `%d`, `%H`, `%M`, `%S`, …)
/// filled in from the current UTC time; an unknown directive is an error.
pub fn timestamped_name(pattern: &str) -> Result<String> {
    use chrono::format::{Item, StrftimeItems};
    let items: Vec<Item<'_>> = StrftimeItems::new(pattern).collect();
    if items.iter().any(|i| matches!(i, Item::Error)) {
        return Err(format!("name: `{pattern}` has an unknown % directive").into());
    }
    let mut name = String::new();
    write!(
        name,
        "{}",
        chrono::Utc::now().format_with_items(items.into_iter())
    )
    .map_err(|_| format!("name: `{pattern}` cannot be formatted"))?;
    Ok(name)
}

/// Saves input text to a file in the assets folder.
/// text, save, file
///
/// The file goes to `folder` inside the run's workspace (NodeTool writes anywhere on disk);
/// `name` may hold `strftime` directives (UTC). The result points at the file and carries
/// the text.
#[node(namespace = "nodetool.text")]
pub async fn save_text_file(
    ctx: &ProcessingContext,
    #[input(default = "")] text: String,
    /// Path to the output folder.
    #[input(default = "")]
    folder: String,
    /// Name of the output file. You can use time and date variables to create unique names: %Y - Year, %m - Month, %d - Day, %H - Hour, %M - Minute, %S - Second
    #[input(default = "%Y-%m-%d-%H-%M-%S.txt")]
    name: String,
) -> Result<TextRef> {
    if folder.is_empty() {
        return Err("folder cannot be empty".into());
    }
    let workspace = ctx
        .workspace()
        .ok_or("folder: this run has no workspace to save into")?;
    if !workspace.resolve(&folder)?.is_dir() {
        return Err(format!("folder: `{folder}` does not exist in the workspace").into());
    }
    let file = timestamped_name(&name)?;
    if file.contains('/') || file.contains('\\') || file == ".." || file.is_empty() {
        return Err(format!("name: `{file}` is not a file name").into());
    }
    let path = workspace.write(&format!("{folder}/{file}"), text.as_bytes())?;
    Ok(TextRef {
        uri: crate::input::file_uri(&path.to_string_lossy()),
        asset_id: None,
        data: Some(Value::String(text)),
    })
}

/// Extracts data from JSON using JSONPath expressions.
/// json, extract, jsonpath
///
/// JSONPath as RFC 9535 defines it (`$.a.b`, `$..name`, `$.list[0]`, `$[*]`, slices and
/// filters); the first match, or every match with `find_all`.
#[node(
    namespace = "nodetool.text",
    name = "ExtractJSON",
    title = "Extract JSON"
)]
pub async fn extract_json(
    #[input(default = "", title = "JSON Text")] text: String,
    #[input(default = "$.*", title = "JSONPath Expression")] json_path: String,
    #[input(default = false, title = "Find All")] find_all: bool,
) -> Result<Value> {
    let parsed: Value =
        serde_json::from_str(&text).map_err(|e| format!("text: invalid JSON: {e}"))?;
    let path = JsonPath::parse(&json_path)
        .map_err(|e| format!("json_path: `{json_path}` is not a JSONPath expression: {e}"))?;
    let matches = path.query(&parsed).all();
    if find_all {
        return Ok(Value::Array(matches.into_iter().cloned().collect()));
    }
    matches
        .first()
        .map(|v| (*v).clone())
        .ok_or_else(|| format!("json_path: `{json_path}` matches nothing").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fill_in_the_time_and_refuse_bad_directives() {
        let name = timestamped_name("log-%Y.txt").unwrap();
        assert!(
            name.starts_with("log-20") && name.ends_with(".txt"),
            "{name}"
        );
        assert_eq!(timestamped_name("plain.txt").unwrap(), "plain.txt");
        assert!(timestamped_name("bad-%Q.txt").is_err());
    }
}
