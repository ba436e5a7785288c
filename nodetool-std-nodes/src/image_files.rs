//! `nodetool.image` nodes that read image files: `LoadImageFolder`.
//!
//! NodeTool reads any folder of the server's disk (and expands `~`). Here the folder is
//! relative to the run's workspace, as for the `lib.os` nodes ([`crate::os`]): absolute
//! paths, `~` and `..` are refused with an error naming the property. Each image is a
//! `file://` reference to the file in the workspace, which the image nodes read; NodeTool
//! also carries the file's bytes, read here only when a node needs them.

use crate::meta_node;
use crate::meta_node::Props;
use crate::os::posix;
use nodetool::workflows::{NodeError, NodeOutputs, ProcessingContext};
use nodetool::workspace::{Workspace, WorkspaceError};
use serde_json::{json, Value};

/// Whether the run's environment says `ENV=production` (NodeTool refuses file nodes there).
fn production(ctx: &ProcessingContext) -> bool {
    ctx.environment()
        .ok()
        .and_then(|env| env.get("ENV").map(str::to_owned))
        .is_some_and(|env| env == "production")
}

/// The files of `dir` (a workspace path) as NodeTool's `LoadImageFolder` walks them:
/// `os.listdir`, or with `recursive` `os.walk` top-down (a folder's files, then each
/// subfolder's, symlinked folders not entered). Paths are `dir` joined with the names, as
/// Python joins them; names are in sorted order (Python: the file system's). Entries that
/// are not files (folders, broken symlinks, symlinks leading out of the workspace) are left
/// out, as `os.path.isfile` leaves out what it cannot reach.
pub fn folder_files(
    workspace: &Workspace,
    dir: &str,
    recursive: bool,
) -> Result<Vec<String>, WorkspaceError> {
    let mut files = Vec::new();
    let mut subfolders = Vec::new();
    for entry in workspace.entries(&posix::normpath(dir))? {
        let path = posix::join2(dir, &entry.name);
        if entry.is_dir {
            if recursive && !entry.is_symlink {
                subfolders.push(path);
            }
            continue;
        }
        if workspace
            .metadata(&posix::normpath(&path))
            .is_ok_and(|meta| meta.is_file())
        {
            files.push(path);
        }
    }
    for sub in subfolders {
        files.extend(folder_files(workspace, &sub, true)?);
    }
    Ok(files)
}

/// Whether `path` is kept: its extension (lower-cased) is one of `extensions` (lower-cased)
/// and, when `pattern` is set, the whole path matches it (`fnmatch`, `*` crossing `/`).
pub fn keep(path: &str, extensions: &[String], pattern: &str) -> bool {
    let ext = posix::splitext(path).1.to_lowercase();
    extensions.iter().any(|e| e.to_lowercase() == ext)
        && (pattern.is_empty() || crate::os::fnmatch(path, pattern))
}

meta_node!(
    /// `nodetool.image.LoadImageFolder`: each image file of a workspace folder, as an image
    /// reference and its path.
    LoadImageFolder,
    "nodetool.image.LoadImageFolder",
    StreamingOutput,
    cacheable = false,
    tool = false
);

impl LoadImageFolder {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        if production(ctx) {
            return Err(NodeError::failed(
                "This node is not available in production",
            ));
        }
        let folder = props.str("folder");
        if folder.is_empty() {
            return Err(NodeError::failed("folder cannot be empty"));
        }
        let workspace =
            crate::os::workspace_path(ctx, "folder", &folder).map_err(NodeError::failed)?;
        let named = |e: WorkspaceError| NodeError::failed(format!("folder: {e}"));
        match workspace.metadata(&posix::normpath(&folder)) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) | Err(WorkspaceError::Io { .. }) => {
                return Err(NodeError::failed(format!(
                    "folder: Folder does not exist: {folder}"
                )))
            }
            Err(e) => return Err(named(e)),
        }
        let extensions: Vec<String> = match props.get("extensions") {
            Value::Array(items) => items
                .iter()
                .map(|item| {
                    item.as_str().map(str::to_owned).ok_or_else(|| {
                        NodeError::failed(format!("extensions: {item} is not a string"))
                    })
                })
                .collect::<Result<_, _>>()?,
            Value::Null => Vec::new(),
            other => {
                return Err(NodeError::failed(format!(
                    "extensions: expected a list of strings, got {other}"
                )))
            }
        };
        let pattern = props.str("pattern");
        let files = folder_files(workspace, &folder, props.bool("include_subdirectories"))
            .map_err(named)?;
        for path in files {
            if !keep(&path, &extensions, &pattern) {
                continue;
            }
            let full = workspace.resolve(&posix::normpath(&path)).map_err(named)?;
            let text = full.to_str().ok_or_else(|| {
                NodeError::failed(format!("folder: the path of `{path}` is not UTF-8"))
            })?;
            let image = json!({"type": "image", "uri": crate::input::file_uri(text),
                "asset_id": null, "data": null, "metadata": null});
            outputs.send_named("path", Value::String(path)).await?;
            outputs.send_named("image", image).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_and_patterns_as_nodetool_filters_them() {
        let exts: Vec<String> = [".png", ".JPG"].map(str::to_owned).to_vec();
        assert!(keep("./photos/a.png", &exts, ""));
        assert!(keep("./photos/B.PNG", &exts, ""));
        assert!(keep("photos/c.jpg", &exts, ""));
        assert!(!keep("photos/d.gif", &exts, ""));
        assert!(
            !keep("photos/.png", &exts, ""),
            "a dot file has no extension"
        );
        assert!(keep("photos/sub/a.png", &exts, "*a.png"));
        assert!(keep("photos/sub/a.png", &exts, "photos/*/a.png"));
        assert!(!keep("photos/sub/a.png", &exts, "a*.png"));
    }

    #[test]
    fn folders_are_walked_like_os_walk() {
        let dir = std::env::temp_dir().join(format!("image-files-{}", std::process::id()));
        let workspace = Workspace::new(&dir).unwrap();
        for file in [
            "p/b.png",
            "p/a.txt",
            "p/z/c.png",
            "p/z/y/d.png",
            "p/m/e.png",
        ] {
            workspace.write(file, b"x").unwrap();
        }
        assert_eq!(
            folder_files(&workspace, "./p", false).unwrap(),
            ["./p/a.txt", "./p/b.png"]
        );
        assert_eq!(
            folder_files(&workspace, "p/", true).unwrap(),
            [
                "p/a.txt",
                "p/b.png",
                "p/m/e.png",
                "p/z/c.png",
                "p/z/y/d.png"
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
