//! `nodetool.dictionary.ToJSON` and `SaveJSON`: values as JSON text the way NodeTool writes
//! it (Python's `json.dumps`: `", "` separators, non-ASCII escaped), and saved to a folder.

use crate::meta_node;
use crate::meta_node::Props;
use crate::pyfmt::py_json_dumps;
use nodetool::workflows::{NodeError, NodeOutputs, ProcessingContext};
use serde_json::Value;
use std::path::PathBuf;

meta_node!(
    /// `nodetool.dictionary.ToJSON`: the dictionary as compact JSON text.
    ToJson,
    "nodetool.dictionary.ToJSON",
    Buffered,
    cacheable = true,
    tool = false
);

impl ToJson {
    async fn run(
        props: &Props,
        _ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let text = py_json_dumps(props.get("dictionary"), None);
        outputs.send_named("output", Value::String(text)).await
    }
}

meta_node!(
    /// `nodetool.dictionary.SaveJSON`: `data` as indented JSON text; with a `folder`, also
    /// written to `<folder>/<name>` (`name` a strftime pattern, `~` expanded) and the output is
    /// the file's path. Refused in production (`ENV=production`), as in NodeTool.
    SaveJson,
    "nodetool.dictionary.SaveJSON",
    Buffered,
    cacheable = false,
    tool = true
);

impl SaveJson {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let indent = usize::try_from(props.int("indent")?.max(0)).unwrap_or(0);
        let text = py_json_dumps(props.get("data"), Some(indent));
        let folder = props.str("folder");
        if folder.is_empty() {
            return outputs.send_named("output", Value::String(text)).await;
        }
        let production = ctx
            .environment()
            .ok()
            .and_then(|env| env.get("ENV").map(str::to_owned))
            .is_some_and(|env| env == "production");
        if production {
            return Err(NodeError::failed(
                "folder: file saving is not available in production",
            ));
        }
        let name = strftime(&props.str("name"))?;
        let folder = expand_home(&folder);
        std::fs::create_dir_all(&folder).map_err(|e| {
            NodeError::failed(format!("folder: cannot create {}: {e}", folder.display()))
        })?;
        let path = folder.join(name);
        std::fs::write(&path, text)
            .map_err(|e| NodeError::failed(format!("cannot write {}: {e}", path.display())))?;
        outputs
            .send_named("output", Value::String(path.display().to_string()))
            .await
    }
}

/// The local time formatted with a strftime `pattern`.
fn strftime(pattern: &str) -> Result<String, NodeError> {
    use std::fmt::Write;
    let mut out = String::new();
    write!(out, "{}", chrono::Local::now().format(pattern))
        .map_err(|_| NodeError::failed(format!("name: `{pattern}` is not a valid date pattern")))?;
    Ok(out)
}

/// `~` and `~/…` as the home folder.
fn expand_home(folder: &str) -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    match (folder.strip_prefix('~'), home) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            home.join(rest.trim_start_matches('/'))
        }
        _ => PathBuf::from(folder),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_home() {
        let year = strftime("%Y.json").unwrap();
        assert_eq!(year.len(), 9, "{year}");
        assert!(strftime("%Q").is_err());
        assert_eq!(expand_home("/tmp/x"), PathBuf::from("/tmp/x"));
        assert!(!expand_home("~/x").starts_with("~"));
    }
}
