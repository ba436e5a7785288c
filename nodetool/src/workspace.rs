//! [`Workspace`]: a folder nodes may read and write, and nothing outside it.

use std::fs::{FileTimes, Metadata};
use std::io::ErrorKind;
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
    /// The operation is not allowed on this path (removing the workspace itself, copying a
    /// folder into itself, copying a file onto itself).
    #[error("`{path}`: {reason}")]
    Refused {
        /// The path as given.
        path: String,
        /// Why.
        reason: String,
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

    /// Appends `bytes` to the file at `path` (created, with its folders, if missing).
    pub fn append(&self, path: &str, bytes: &[u8]) -> Result<PathBuf, WorkspaceError> {
        use std::io::Write;
        let full = self.resolve(path)?;
        let io = |source| WorkspaceError::Io {
            path: path.to_owned(),
            source,
        };
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let full = self.resolve(path)?;
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&full)
            .and_then(|mut file| file.write_all(bytes))
            .map_err(io)?;
        Ok(full)
    }

    /// Whether something exists at `path` (following symlinks, which must stay inside).
    pub fn exists(&self, path: &str) -> Result<bool, WorkspaceError> {
        Ok(self.resolve(path)?.exists())
    }

    /// The metadata of `path`, following symlinks (which must stay inside).
    pub fn metadata(&self, path: &str) -> Result<Metadata, WorkspaceError> {
        let full = self.resolve(path)?;
        std::fs::metadata(full).map_err(|source| WorkspaceError::Io {
            path: path.to_owned(),
            source,
        })
    }

    /// The metadata of `path` itself: a symlink is described, not followed.
    pub fn symlink_metadata(&self, path: &str) -> Result<Metadata, WorkspaceError> {
        let full = self.normalized(path)?;
        std::fs::symlink_metadata(full).map_err(|source| WorkspaceError::Io {
            path: path.to_owned(),
            source,
        })
    }

    /// The entries of the folder at `path`, sorted by name. Names that are not UTF-8 are
    /// left out (no `&str` path could name them). A symlink counts as a folder only when it
    /// leads to a folder inside the workspace.
    pub fn entries(&self, path: &str) -> Result<Vec<Entry>, WorkspaceError> {
        let full = self.resolve(path)?;
        let io = |source| WorkspaceError::Io {
            path: path.to_owned(),
            source,
        };
        let mut entries = Vec::new();
        for item in std::fs::read_dir(&full).map_err(io)? {
            let item = item.map_err(io)?;
            let Ok(name) = item.file_name().into_string() else {
                continue;
            };
            let file_type = item.file_type().map_err(io)?;
            let is_symlink = file_type.is_symlink();
            let is_dir = if is_symlink {
                self.resolve(&join(path, &name))
                    .is_ok_and(|target| target.is_dir())
            } else {
                file_type.is_dir()
            };
            entries.push(Entry {
                name,
                is_dir,
                is_symlink,
            });
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(entries)
    }

    /// Creates the folder `path` and its parents. An existing folder is an error unless
    /// `exist_ok`; an existing file always is.
    pub fn create_dir(&self, path: &str, exist_ok: bool) -> Result<PathBuf, WorkspaceError> {
        let full = self.resolve(path)?;
        let io = |source| WorkspaceError::Io {
            path: path.to_owned(),
            source,
        };
        if full.exists() {
            if full.is_dir() && exist_ok {
                return Ok(full);
            }
            return Err(io(std::io::Error::new(
                ErrorKind::AlreadyExists,
                if full.is_dir() {
                    "the folder already exists"
                } else {
                    "a file exists there"
                },
            )));
        }
        std::fs::create_dir_all(&full).map_err(io)?;
        self.resolve(path)
    }

    /// Removes the file, symlink or folder at `path`. A symlink is removed itself, never
    /// what it points to. A folder needs `recursive`. The workspace folder itself is never
    /// removed.
    pub fn remove(&self, path: &str, recursive: bool) -> Result<(), WorkspaceError> {
        let full = self.normalized(path)?;
        let io = |source| WorkspaceError::Io {
            path: path.to_owned(),
            source,
        };
        let meta = std::fs::symlink_metadata(&full).map_err(io)?;
        if meta.is_symlink() {
            return std::fs::remove_file(&full).map_err(io);
        }
        if self.is_root(&full) {
            return Err(refused(
                path,
                "the workspace folder itself cannot be removed",
            ));
        }
        if meta.is_dir() {
            if !recursive {
                return Err(refused(
                    path,
                    "it is a folder (remove it recursively to delete it)",
                ));
            }
            std::fs::remove_dir_all(&full).map_err(io)
        } else {
            std::fs::remove_file(&full).map_err(io)
        }
    }

    /// Copies `from` to `to`, as Python's `shutil.copy2`/`copytree` do inside the workspace,
    /// and returns the path copied to.
    ///
    /// A file keeps its permissions and its modified and accessed times; when `to` is a
    /// folder the file goes into it; an existing file is replaced (but never by itself). A
    /// folder is copied whole to `to`, which must not exist and must not be inside it;
    /// symlinks in it are followed when they lead to a file inside the workspace, and a
    /// symlink to a folder is refused.
    pub fn copy(&self, from: &str, to: &str) -> Result<String, WorkspaceError> {
        let src = self.resolve(from)?;
        let meta = std::fs::metadata(&src).map_err(|source| WorkspaceError::Io {
            path: from.to_owned(),
            source,
        })?;
        let mut target = to.to_owned();
        let mut dst = self.resolve(to)?;
        if meta.is_dir() {
            if dst.symlink_metadata().is_ok() {
                return Err(WorkspaceError::Io {
                    path: to.to_owned(),
                    source: std::io::Error::new(ErrorKind::AlreadyExists, "it already exists"),
                });
            }
            if self.real(&dst).starts_with(self.real(&src)) {
                return Err(refused(to, "a folder cannot be copied into itself"));
            }
            self.copy_tree(from, to)?;
            return Ok(target);
        }
        if dst.is_dir() {
            target = join(to, &self.file_name(from)?);
            dst = self.resolve(&target)?;
        }
        if dst.exists() && self.real(&dst) == self.real(&src) {
            return Err(refused(&target, "a file cannot be copied onto itself"));
        }
        copy_file(&src, &dst, &meta).map_err(|source| WorkspaceError::Io {
            path: target.clone(),
            source,
        })?;
        Ok(target)
    }

    fn copy_tree(&self, from: &str, to: &str) -> Result<(), WorkspaceError> {
        let dst = self.resolve(to)?;
        std::fs::create_dir(&dst).map_err(|source| WorkspaceError::Io {
            path: to.to_owned(),
            source,
        })?;
        for entry in self.entries(from)? {
            let (child_from, child_to) = (join(from, &entry.name), join(to, &entry.name));
            if entry.is_symlink && entry.is_dir {
                return Err(refused(
                    &child_from,
                    "a symlink to a folder cannot be copied",
                ));
            }
            let src = self.resolve(&child_from)?;
            if entry.is_dir {
                self.copy_tree(&child_from, &child_to)?;
            } else {
                let meta = std::fs::metadata(&src).map_err(|source| WorkspaceError::Io {
                    path: child_from.clone(),
                    source,
                })?;
                let dst = self.resolve(&child_to)?;
                copy_file(&src, &dst, &meta).map_err(|source| WorkspaceError::Io {
                    path: child_to,
                    source,
                })?;
            }
        }
        Ok(())
    }

    /// Moves `from` to `to`, as Python's `shutil.move` does inside the workspace, and returns
    /// the path moved to: when `to` is a folder, `from` goes into it (an existing entry of
    /// that name is an error); otherwise it is renamed, replacing a file at `to`. A symlink
    /// is moved itself. The workspace folder cannot be moved, nor a folder into itself.
    pub fn rename(&self, from: &str, to: &str) -> Result<String, WorkspaceError> {
        let src = self.normalized(from)?;
        let meta = std::fs::symlink_metadata(&src).map_err(|source| WorkspaceError::Io {
            path: from.to_owned(),
            source,
        })?;
        if !meta.is_symlink() && self.is_root(&src) {
            return Err(refused(from, "the workspace folder itself cannot be moved"));
        }
        let mut target = to.to_owned();
        let mut dst = self.normalized(to)?;
        if dst.is_dir() {
            target = join(to, &self.file_name(from)?);
            dst = self.normalized(&target)?;
            if dst.symlink_metadata().is_ok() {
                return Err(WorkspaceError::Io {
                    path: target,
                    source: std::io::Error::new(ErrorKind::AlreadyExists, "it already exists"),
                });
            }
        }
        if meta.is_dir() && self.real(&dst).starts_with(self.real(&src)) {
            return Err(refused(to, "a folder cannot be moved into itself"));
        }
        std::fs::rename(&src, &dst).map_err(|source| WorkspaceError::Io {
            path: target.clone(),
            source,
        })?;
        Ok(target)
    }

    /// [`resolve`](Self::resolve)d, then rebuilt from its parts: no `.` and no trailing
    /// slash, so the last part is the entry itself (a symlink is not followed through `/`).
    fn normalized(&self, path: &str) -> Result<PathBuf, WorkspaceError> {
        self.resolve(path)?;
        let mut full = self.root.clone();
        full.extend(
            Path::new(path)
                .components()
                .filter(|c| matches!(c, Component::Normal(_))),
        );
        Ok(full)
    }

    /// The last name of `path` (`shutil`'s basename), refusing the workspace root.
    fn file_name(&self, path: &str) -> Result<String, WorkspaceError> {
        let full = self.normalized(path)?;
        match full.strip_prefix(&self.root).ok().and_then(Path::file_name) {
            Some(name) => Ok(name.to_string_lossy().into_owned()),
            None => Err(refused(path, "it is the workspace folder itself")),
        }
    }

    /// Whether `full` is the workspace folder (through symlinks too).
    fn is_root(&self, full: &Path) -> bool {
        full.canonicalize().is_ok_and(|real| real == self.root)
    }

    /// `full` with its deepest existing ancestor canonicalized (for containment tests).
    fn real(&self, full: &Path) -> PathBuf {
        let mut existing = full;
        let mut rest = Vec::new();
        loop {
            if let Ok(real) = existing.canonicalize() {
                let mut out = real;
                out.extend(rest.iter().rev());
                return out;
            }
            match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_owned());
                    existing = parent;
                }
                _ => return full.to_owned(),
            }
        }
    }
}

/// One entry of a folder, as [`Workspace::entries`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The entry's name.
    pub name: String,
    /// A folder, or a symlink to a folder inside the workspace.
    pub is_dir: bool,
    /// A symlink (to anything).
    pub is_symlink: bool,
}

fn refused(path: &str, reason: &str) -> WorkspaceError {
    WorkspaceError::Refused {
        path: path.to_owned(),
        reason: reason.to_owned(),
    }
}

/// `dir/name` as a workspace path.
fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() || dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// Copies the file `src` to `dst` with its permissions and its modified and accessed times.
fn copy_file(src: &Path, dst: &Path, meta: &Metadata) -> std::io::Result<()> {
    std::fs::copy(src, dst)?;
    let mut times = FileTimes::new();
    if let Ok(modified) = meta.modified() {
        times = times.set_modified(modified);
    }
    if let Ok(accessed) = meta.accessed() {
        times = times.set_accessed(accessed);
    }
    std::fs::OpenOptions::new()
        .write(true)
        .open(dst)?
        .set_times(times)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn workspace() -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::new(dir.path().join("ws")).unwrap();
        (dir, ws)
    }

    #[test]
    fn append_creates_then_extends() {
        let (_d, ws) = workspace();
        ws.append("logs/ü.txt", b"a").unwrap();
        ws.append("logs/ü.txt", b"b").unwrap();
        assert_eq!(ws.read("logs/ü.txt").unwrap(), b"ab");
        assert!(ws.append("../x", b"a").is_err());
    }

    #[test]
    fn entries_are_sorted_and_symlinks_flagged() {
        let (dir, ws) = workspace();
        ws.write("b.txt", b"").unwrap();
        ws.create_dir("a", true).unwrap();
        symlink(ws.root().join("a"), ws.root().join("link_in")).unwrap();
        std::fs::create_dir(dir.path().join("outside")).unwrap();
        symlink(dir.path().join("outside"), ws.root().join("link_out")).unwrap();
        let entries = ws.entries(".").unwrap();
        let summary: Vec<_> = entries
            .iter()
            .map(|e| (e.name.as_str(), e.is_dir, e.is_symlink))
            .collect();
        assert_eq!(
            summary,
            [
                ("a", true, false),
                ("b.txt", false, false),
                ("link_in", true, true),
                ("link_out", false, true),
            ]
        );
        assert!(ws.entries("link_out").is_err());
        assert!(ws.entries("b.txt").is_err());
    }

    #[test]
    fn exists_and_metadata() {
        let (_d, ws) = workspace();
        ws.write("f", b"123").unwrap();
        assert!(ws.exists("f").unwrap());
        assert!(!ws.exists("g").unwrap());
        assert_eq!(ws.metadata("f").unwrap().len(), 3);
        assert!(ws.metadata("g").is_err());
        symlink(ws.root().join("f"), ws.root().join("l")).unwrap();
        assert!(ws.symlink_metadata("l").unwrap().is_symlink());
        assert!(ws.metadata("l").unwrap().is_file());
        assert!(ws.exists("/etc").is_err());
    }

    #[test]
    fn create_dir_checks_what_is_there() {
        let (_d, ws) = workspace();
        ws.create_dir("x/y", false).unwrap();
        assert!(ws.root().join("x/y").is_dir());
        assert!(ws.create_dir("x/y", true).is_ok());
        assert!(ws.create_dir("x/y", false).is_err());
        ws.write("file", b"").unwrap();
        assert!(ws.create_dir("file", true).is_err());
    }

    #[test]
    fn remove_never_takes_the_workspace() {
        let (_d, ws) = workspace();
        ws.write("d/e/f.txt", b"x").unwrap();
        for root in [".", "./", "d/e/../.."] {
            assert!(ws.remove(root, true).is_err(), "{root}");
        }
        assert!(ws.root().is_dir());
        assert!(ws.remove("d", false).is_err());
        ws.remove("d/e/f.txt", false).unwrap();
        assert!(!ws.root().join("d/e/f.txt").exists());
        ws.remove("d", true).unwrap();
        assert!(!ws.root().join("d").exists());
        assert!(ws.remove("d", true).is_err());
    }

    #[test]
    fn remove_takes_a_symlink_not_its_target() {
        let (_d, ws) = workspace();
        ws.write("t/keep.txt", b"x").unwrap();
        symlink(ws.root().join("t"), ws.root().join("l")).unwrap();
        symlink(ws.root(), ws.root().join("root_link")).unwrap();
        ws.remove("l/", true).unwrap();
        assert!(ws.root().join("t/keep.txt").exists());
        assert!(ws.root().join("l").symlink_metadata().is_err());
        ws.remove("root_link", true).unwrap();
        assert!(ws.root().is_dir());
    }

    #[test]
    fn copy_files_and_folders() {
        let (_d, ws) = workspace();
        ws.write("src/a.txt", b"A").unwrap();
        ws.write("src/sub/b.txt", b"B").unwrap();
        assert_eq!(ws.copy("src/a.txt", "c.txt").unwrap(), "c.txt");
        assert_eq!(ws.read("c.txt").unwrap(), b"A");
        ws.create_dir("into", true).unwrap();
        assert_eq!(ws.copy("src/a.txt", "into").unwrap(), "into/a.txt");
        assert_eq!(ws.copy("src", "copy").unwrap(), "copy");
        assert_eq!(ws.read("copy/sub/b.txt").unwrap(), b"B");
        assert!(ws.copy("src", "copy").is_err(), "an existing folder");
        assert!(ws.copy("src", "src/inner").is_err(), "into itself");
        assert!(ws.copy(".", "all").is_err(), "the root into itself");
        assert!(ws.copy("c.txt", "c.txt").is_err(), "onto itself");
        assert_eq!(ws.read("c.txt").unwrap(), b"A");
        assert!(ws.copy("missing", "x").is_err());
        let src = ws.metadata("src/a.txt").unwrap().modified().unwrap();
        assert_eq!(ws.metadata("c.txt").unwrap().modified().unwrap(), src);
    }

    #[test]
    fn copy_refuses_symlinks_out() {
        let (dir, ws) = workspace();
        std::fs::write(dir.path().join("secret"), b"s").unwrap();
        ws.create_dir("tree", true).unwrap();
        symlink(dir.path().join("secret"), ws.root().join("tree/s")).unwrap();
        assert!(ws.copy("tree", "copy").is_err());
        assert!(!ws.root().join("copy/s").exists());
        assert!(ws.copy("tree/s", "x").is_err());
    }

    #[test]
    fn rename_moves_and_refuses() {
        let (_d, ws) = workspace();
        ws.write("a.txt", b"A").unwrap();
        ws.create_dir("dir", true).unwrap();
        assert_eq!(ws.rename("a.txt", "b.txt").unwrap(), "b.txt");
        assert_eq!(ws.rename("b.txt", "dir").unwrap(), "dir/b.txt");
        assert_eq!(ws.read("dir/b.txt").unwrap(), b"A");
        ws.write("b.txt", b"again").unwrap();
        assert!(ws.rename("b.txt", "dir").is_err(), "the name is taken");
        assert!(ws.rename(".", "elsewhere").is_err());
        assert!(ws.rename("dir", "dir/sub").is_err());
        assert!(ws.rename("missing", "x").is_err());
        assert!(ws.rename("b.txt", "../b.txt").is_err());
        assert!(ws.root().join("b.txt").exists());
    }
}
