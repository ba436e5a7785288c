//! `read_file`, `write_file`, `list_directory`: the agent's workspace, and nothing outside it
//! (absolute paths, `..` and symlinks out are refused by [`Workspace`]).

use nodetool::agents::ToolError;
use nodetool::prelude::*;
use nodetool::tool;
use nodetool::workspace::Workspace;
use serde_json::{json, Value};

/// The most characters `read_file` returns at once.
pub const MAX_READ_CHARS: usize = 100_000;
/// The most entries `list_directory` returns.
pub const MAX_LISTED: usize = 1_000;

fn workspace(ctx: &ProcessingContext) -> Result<Workspace, ToolError> {
    ctx.workspace()
        .cloned()
        .ok_or_else(|| ToolError::failed("this run has no workspace to read or write files in"))
}

/// Runs blocking file work off the runtime.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ToolError> + Send + 'static,
) -> Result<T, ToolError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ToolError::failed(format!("the file operation stopped: {e}")))?
}

/// Read a text file of the workspace, whole or a range of lines (at most 100,000 characters
/// at once; `truncated` says when there is more).
#[tool]
pub async fn read_file(
    ctx: &ProcessingContext,
    /// The file's path, relative to the workspace.
    path: String,
    /// The first line to read (1-based).
    start_line: Option<usize>,
    /// The last line to read (inclusive).
    end_line: Option<usize>,
) -> Result<Value, ToolError> {
    let ws = workspace(ctx)?;
    blocking(move || {
        let bytes = ws.read(&path).map_err(ToolError::failed)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| ToolError::failed(format!("`{path}` is not a UTF-8 text file")))?;
        let total_lines = text.lines().count();
        let start = start_line.unwrap_or(1).max(1);
        let end = end_line.unwrap_or(total_lines).min(total_lines);
        let selected: String = if start_line.is_some() || end_line.is_some() {
            text.lines()
                .skip(start - 1)
                .take(end.saturating_sub(start - 1))
                .collect::<Vec<_>>()
                .join("\n")
        } else {
            text
        };
        let truncated = selected.chars().count() > MAX_READ_CHARS;
        let content: String = selected.chars().take(MAX_READ_CHARS).collect();
        Ok(json!({
            "path": path,
            "content": content,
            "total_lines": total_lines,
            "truncated": truncated,
        }))
    })
    .await
}

/// Write a text file in the workspace (folders are created), replacing it or appending to
/// it.
#[tool]
pub async fn write_file(
    ctx: &ProcessingContext,
    /// The file's path, relative to the workspace.
    path: String,
    /// The text to write.
    content: String,
    /// Append instead of replacing (default false).
    append: Option<bool>,
) -> Result<Value, ToolError> {
    let ws = workspace(ctx)?;
    blocking(move || {
        let append = append.unwrap_or(false);
        let existed = ws.exists(&path).map_err(ToolError::failed)?;
        if append {
            ws.append(&path, content.as_bytes())
        } else {
            ws.write(&path, content.as_bytes())
        }
        .map_err(ToolError::failed)?;
        Ok(json!({
            "success": true,
            "path": path,
            "bytes": content.len(),
            "append": append,
            "created": !existed,
        }))
    })
    .await
}

/// List the files and folders of a workspace folder (`.` is the workspace itself), or
/// everything under it with `recursive`.
#[tool]
pub async fn list_directory(
    ctx: &ProcessingContext,
    /// The folder's path, relative to the workspace (default `.`).
    path: Option<String>,
    /// List everything under the folder (default false).
    recursive: Option<bool>,
) -> Result<Value, ToolError> {
    let ws = workspace(ctx)?;
    blocking(move || {
        let path = path
            .filter(|p| !p.trim().is_empty())
            .unwrap_or_else(|| ".".to_owned());
        let mut files = Vec::new();
        let mut directories = Vec::new();
        let mut queue = vec![path.clone()];
        let mut truncated = false;
        while let Some(dir) = queue.pop() {
            for entry in ws.entries(&dir).map_err(ToolError::failed)? {
                if files.len() + directories.len() >= MAX_LISTED {
                    truncated = true;
                    break;
                }
                let full = if dir == "." {
                    entry.name.clone()
                } else {
                    format!("{}/{}", dir.trim_end_matches('/'), entry.name)
                };
                if entry.is_dir {
                    if recursive.unwrap_or(false) && !entry.is_symlink {
                        queue.push(full.clone());
                    }
                    directories.push(full);
                } else {
                    files.push(full);
                }
            }
        }
        files.sort();
        directories.sort();
        Ok(json!({
            "path": path,
            "files": files,
            "directories": directories,
            "truncated": truncated,
        }))
    })
    .await
}
