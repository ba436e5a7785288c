//! [`Workspace`]: a folder nodes may read and write, and nothing outside it.

use std::path::{Component, Path, PathBuf};

/// A path could not be used inside the workspace.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    /// The path would leave the workspace (absolute, `..`, or through a symlink).
    #[error("`{path}` is outside the workspace: {reason}")]
    Outside {
        /// The path as given.
        path: String,
        /// How it leaves.
        reason: &'static str,
    },
    /// The file system failed.
    #[error("`{path}`: {source}")]
    Io {
        /// The path as given.
        path: String,
        /// What failed.
        source: std::io::Error,
    },
}

/// A folder for a workflow's files: every path is relative to it and resolves inside it.
///
/// ```
/// use nodetool::workspace::Workspace;
/// let dir = tempfile::tempdir().unwrap();
/// let ws = Workspace::new(dir.path()).unwrap();
/// ws.write("notes/a.txt", b"hi").unwrap();
/// assert_eq!(ws.read("notes/a.txt").unwrap(), b"hi");
/// assert!(ws.resolve("../etc/passwd").is_err());
/// assert!(ws.resolve("/etc/passwd").is_err());
/// ```
#[derive(Debug, Clone)]
pub struct Workspace {
    root: PathBuf,
}

impl Workspace {
    /// The workspace at `root` (created if missing).
    pub fn new(root: impl AsRef<Path>) -> Result<Self, WorkspaceError> {
        let root = root.as_ref();
        let io = |source| WorkspaceError::Io {
            path: root.display().to_string(),
            source,
        };
        std::fs::create_dir_all(root).map_err(io)?;
        Ok(Self {
            root: root.canonicalize().map_err(io)?,
        })
    }

    /// The workspace folder (canonical).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `path` inside the workspace. It must be relative, without `..`, and must not reach
    /// outside through a symlink (checked on the longest part that exists).
    pub fn resolve(&self, path: &str) -> Result<PathBuf, WorkspaceError> {
        let outside = |reason| WorkspaceError::Outside {
            path: path.to_owned(),
            reason,
        };
        let relative = Path::new(path);
        if path.is_empty() {
            return Err(outside("the path is empty"));
        }
        for component in relative.components() {
            match component {
                Component::Normal(_) | Component::CurDir => {}
                Component::ParentDir => return Err(outside("it goes up with `..`")),
                Component::RootDir | Component::Prefix(_) => return Err(outside("it is absolute")),
            }
        }
        let joined = self.root.join(relative);
        if !joined.exists() && joined.symlink_metadata().is_ok() {
            return Err(outside(
                "it is a symlink to nothing (it could point anywhere)",
            ));
        }
        // Symlinks: the deepest existing ancestor, resolved, must still be inside.
        let mut existing = joined.as_path();
        while !existing.exists() {
            existing = match existing.parent() {
                Some(parent) => parent,
                None => break,
            };
        }
        let real = existing
            .canonicalize()
            .map_err(|source| WorkspaceError::Io {
                path: path.to_owned(),
                source,
            })?;
        if !real.starts_with(&self.root) {
            return Err(outside("a symlink leads out of it"));
        }
        Ok(joined)
    }

    /// The bytes of the file at `path`.
    pub fn read(&self, path: &str) -> Result<Vec<u8>, WorkspaceError> {
        let full = self.resolve(path)?;
        std::fs::read(full).map_err(|source| WorkspaceError::Io {
            path: path.to_owned(),
            source,
        })
    }

    /// Writes `bytes` to `path`, creating its folders.
    pub fn write(&self, path: &str, bytes: &[u8]) -> Result<PathBuf, WorkspaceError> {
        let full = self.resolve(path)?;
        let io = |source| WorkspaceError::Io {
            path: path.to_owned(),
            source,
        };
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        // Folders just made cannot be symlinks, but check the result once more.
        let full = self.resolve(path)?;
        std::fs::write(&full, bytes).map_err(io)?;
        Ok(full)
    }
}
