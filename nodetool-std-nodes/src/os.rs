//! `lib.os`: paths and files, with NodeTool's names and properties (`nodetool-base`'s
//! `nodetool/nodes/lib/os.py`), confined to the run's workspace.
//!
//! NodeTool takes absolute paths or paths relative to the server's current folder, and
//! expands `~`. Here every path that reaches the disk is relative to the run's workspace
//! ([`ProcessingContext::workspace`]): absolute paths and paths starting with `~` are
//! refused with an error naming the property, `..` is refused, and a symlink must not lead
//! out of the workspace. A run without a workspace cannot use those nodes.
//!
//! The nodes that only compute with path strings (`FileExtension`, `FileName`,
//! `GetDirectory`, `Basename`, `Dirname`, `JoinPaths`, `NormalizePath`, `SplitPath`,
//! `SplitExtension`, `RelativePath`, `PathToString`, `FileNameMatch`, `FilterFileNames`) need
//! no workspace and follow Python's `os.path` on POSIX ([`posix`]); those where NodeTool
//! expands `~` refuse a leading `~` (there is no home folder to put there).
//!
//! Glob patterns ([`glob`], [`fnmatch`]) follow Python's `glob` and `fnmatch`: `*`, `?`,
//! `[seq]`, `[!seq]`; wildcards do not match names starting with `.` unless the pattern
//! part starts with `.`; `**` (when recursive) matches any number of folders.

use crate::date::Datetime;
use chrono::{DateTime, Datelike, TimeDelta, Timelike, Utc};
use nodetool::prelude::*;
use nodetool::workspace::{Workspace, WorkspaceError};
use serde_json::{Map, Value};
use std::fs::Metadata;

// ---------------------------------------------------------------------------------------
// Python's posixpath.

/// Python's `posixpath` functions on `&str`.
pub mod posix {
    /// `os.path.isabs`.
    pub fn isabs(path: &str) -> bool {
        path.starts_with('/')
    }

    /// `os.path.join(*parts)`: an absolute part drops the parts before it; `None` for no
    /// parts.
    pub fn join<S: AsRef<str>>(parts: &[S]) -> Option<String> {
        let (first, rest) = parts.split_first()?;
        let mut path = first.as_ref().to_owned();
        for part in rest {
            let part = part.as_ref();
            if part.starts_with('/') {
                path = part.to_owned();
            } else if path.is_empty() || path.ends_with('/') {
                path.push_str(part);
            } else {
                path.push('/');
                path.push_str(part);
            }
        }
        Some(path)
    }

    /// `os.path.join(a, b)`.
    pub fn join2(a: &str, b: &str) -> String {
        join(&[a, b]).unwrap_or_default()
    }

    /// `os.path.split`: (head, tail); the head loses its trailing slashes unless it is all
    /// slashes.
    pub fn split(path: &str) -> (&str, &str) {
        let i = path.rfind('/').map_or(0, |i| i + 1);
        let (head, tail) = path.split_at(i);
        if !head.is_empty() && !head.bytes().all(|b| b == b'/') {
            (head.trim_end_matches('/'), tail)
        } else {
            (head, tail)
        }
    }

    /// `os.path.basename`.
    pub fn basename(path: &str) -> &str {
        split(path).1
    }

    /// `os.path.dirname`.
    pub fn dirname(path: &str) -> &str {
        split(path).0
    }

    /// `os.path.splitext`: the extension is the last `.` and what follows, unless the name
    /// is only dots before it (`.bashrc` has none).
    pub fn splitext(path: &str) -> (&str, &str) {
        let name_start = path.rfind('/').map_or(0, |i| i + 1);
        if let Some(dot) = path.rfind('.') {
            if dot >= name_start && path[name_start..dot].bytes().any(|b| b != b'.') {
                return path.split_at(dot);
            }
        }
        (path, "")
    }

    /// `os.path.normpath`: collapses `//`, `.` and `a/..`; keeps leading `..` of a relative
    /// path; keeps exactly two leading slashes; `""` is `"."`.
    pub fn normpath(path: &str) -> String {
        if path.is_empty() {
            return ".".to_owned();
        }
        let slashes = if path.starts_with("//") && !path.starts_with("///") {
            2
        } else if path.starts_with('/') {
            1
        } else {
            0
        };
        let mut parts: Vec<&str> = Vec::new();
        for part in path.split('/') {
            match part {
                "" | "." => {}
                ".." if slashes == 0 && parts.last().is_none_or(|p| *p == "..") => parts.push(".."),
                ".." => {
                    parts.pop();
                }
                other => parts.push(other),
            }
        }
        let joined = format!("{}{}", "/".repeat(slashes), parts.join("/"));
        if joined.is_empty() {
            ".".to_owned()
        } else {
            joined
        }
    }

    /// `os.path.abspath` with `cwd` as the current folder.
    pub fn abspath(path: &str, cwd: &str) -> String {
        if isabs(path) {
            normpath(path)
        } else {
            normpath(&join2(cwd, path))
        }
    }

    /// `os.path.relpath(path, start)` with `cwd` as the current folder; `None` when `path`
    /// is empty ("no path specified").
    pub fn relpath(path: &str, start: &str, cwd: &str) -> Option<String> {
        if path.is_empty() {
            return None;
        }
        let start = abspath(start, cwd);
        let path = abspath(path, cwd);
        let start: Vec<&str> = start.split('/').filter(|p| !p.is_empty()).collect();
        let path: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        let common = start.iter().zip(&path).take_while(|(a, b)| a == b).count();
        let mut rel: Vec<&str> = vec![".."; start.len() - common];
        rel.extend(&path[common..]);
        Some(if rel.is_empty() {
            ".".to_owned()
        } else {
            rel.join("/")
        })
    }
}

// ---------------------------------------------------------------------------------------
// fnmatch and glob.

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Star,
    Any,
    Char(char),
    Set {
        negated: bool,
        chars: Vec<char>,
        ranges: Vec<(char, char)>,
    },
}

impl Token {
    fn matches(&self, c: char) -> bool {
        match self {
            Token::Star | Token::Any => true,
            Token::Char(x) => *x == c,
            Token::Set {
                negated,
                chars,
                ranges,
            } => {
                let inside =
                    chars.contains(&c) || ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c));
                inside != *negated
            }
        }
    }
}

/// The tokens of an fnmatch pattern, as Python's `fnmatch.translate` reads it.
fn tokens(pattern: &str) -> Vec<Token> {
    let p: Vec<char> = pattern.chars().collect();
    let n = p.len();
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        let c = p[i];
        i += 1;
        match c {
            '*' => {
                if out.last() != Some(&Token::Star) {
                    out.push(Token::Star);
                }
            }
            '?' => out.push(Token::Any),
            '[' => {
                let mut j = i;
                if j < n && p[j] == '!' {
                    j += 1;
                }
                if j < n && p[j] == ']' {
                    j += 1;
                }
                while j < n && p[j] != ']' {
                    j += 1;
                }
                if j >= n {
                    out.push(Token::Char('['));
                } else {
                    out.push(set(&p[i..j]));
                    i = j + 1;
                }
            }
            other => out.push(Token::Char(other)),
        }
    }
    out
}

/// A `[...]` set from the characters between the brackets, with Python's rules: `!` first
/// negates; `-` between two characters is a range unless it follows a range or comes first;
/// a reversed range (`z-a`) is dropped with its ends; an empty set matches nothing and `[!]`
/// followed by `]`-less text is literal (handled by the caller).
fn set(stuff: &[char]) -> Token {
    let mut chunks: Vec<Vec<char>> = Vec::new();
    if !stuff.contains(&'-') {
        chunks.push(stuff.to_vec());
    } else {
        let mut start = 0;
        let mut k = if stuff.first() == Some(&'!') { 2 } else { 1 };
        while let Some(dash) = (k < stuff.len())
            .then(|| stuff[k..].iter().position(|&c| c == '-'))
            .flatten()
            .map(|d| d + k)
        {
            chunks.push(stuff[start..dash].to_vec());
            start = dash + 1;
            k = dash + 3;
        }
        let last = stuff[start..].to_vec();
        if last.is_empty() {
            if let Some(prev) = chunks.last_mut() {
                prev.push('-');
            }
        } else {
            chunks.push(last);
        }
        for k in (1..chunks.len()).rev() {
            if let (Some(&end), Some(&begin)) = (chunks[k - 1].last(), chunks[k].first()) {
                if end > begin {
                    let next: Vec<char> = chunks[k][1..].to_vec();
                    chunks[k - 1].pop();
                    chunks[k - 1].extend(next);
                    chunks.remove(k);
                }
            }
        }
    }
    let mut negated = false;
    if chunks.first().and_then(|c| c.first()) == Some(&'!') {
        negated = true;
        chunks[0].remove(0);
    }
    let mut ranges = Vec::new();
    for k in 1..chunks.len() {
        if let (Some(&lo), Some(&hi)) = (chunks[k - 1].last(), chunks[k].first()) {
            ranges.push((lo, hi));
        }
    }
    Token::Set {
        negated,
        chars: chunks.concat(),
        ranges,
    }
}

/// Python's `fnmatch.fnmatchcase(name, pattern)`: the whole of `name` matches `pattern`,
/// case-sensitively; `*` matches any text (`/` too), `?` one character, `[seq]` one of
/// `seq` (ranges like `a-z`), `[!seq]` one character not in it.
pub fn fnmatch(name: &str, pattern: &str) -> bool {
    let tokens = tokens(pattern);
    let name: Vec<char> = name.chars().collect();
    let (mut t, mut s) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while s < name.len() {
        match tokens.get(t) {
            Some(Token::Star) => {
                star = Some((t, s));
                t += 1;
            }
            Some(token) if token.matches(name[s]) => {
                t += 1;
                s += 1;
            }
            _ => match star {
                Some((st, ss)) => {
                    t = st + 1;
                    s = ss + 1;
                    star = Some((st, ss + 1));
                }
                None => return false,
            },
        }
    }
    tokens[t..].iter().all(|tk| *tk == Token::Star)
}

/// [`fnmatch`], ignoring case when `case_sensitive` is false (both sides lower-cased, as
/// Python's `str.lower`).
pub fn fnmatch_case(name: &str, pattern: &str, case_sensitive: bool) -> bool {
    if case_sensitive {
        fnmatch(name, pattern)
    } else {
        fnmatch(&name.to_lowercase(), &pattern.to_lowercase())
    }
}

/// Refuses glob patterns that could leave the folder they are applied to: absolute ones and
/// those with a `..` part.
pub fn check_pattern(prop: &str, pattern: &str) -> Result<()> {
    if pattern.starts_with('/') {
        return Err(format!(
            "{prop}: `{pattern}` is absolute: patterns are relative to the folder"
        )
        .into());
    }
    if pattern.split('/').any(|part| part == "..") {
        return Err(format!("{prop}: `{pattern}` goes up with `..`, which is not allowed").into());
    }
    Ok(())
}

fn has_magic(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

fn is_hidden(name: &str) -> bool {
    name.starts_with('.')
}

/// Python's `glob.glob(pattern, recursive=recursive)` inside `workspace`, `pattern` being
/// relative to its root (check it with [`check_pattern`] first). Results are joined as
/// Python joins them (`./a.txt` for `./*`), folders included, in name order (Python gives
/// the file system's order). A missing folder gives nothing. `**` does not descend into
/// symlinked folders (Python does, and can loop).
pub fn glob(
    workspace: &Workspace,
    pattern: &str,
    recursive: bool,
) -> Result<Vec<String>, WorkspaceError> {
    Globber {
        workspace,
        recursive,
    }
    .iglob(pattern, false)
}

struct Globber<'a> {
    workspace: &'a Workspace,
    recursive: bool,
}

impl Globber<'_> {
    fn iglob(&self, pathname: &str, dironly: bool) -> Result<Vec<String>, WorkspaceError> {
        let (dirname, basename) = posix::split(pathname);
        if !has_magic(pathname) {
            let found = if basename.is_empty() {
                self.is_dir(dirname)?
            } else {
                self.lexists(pathname)?
            };
            return Ok(if found {
                vec![pathname.to_owned()]
            } else {
                Vec::new()
            });
        }
        if dirname.is_empty() {
            return if self.recursive && basename == "**" {
                self.glob2("", dironly)
            } else {
                self.glob1("", basename, dironly)
            };
        }
        let dirs = if dirname != pathname && has_magic(dirname) {
            self.iglob(dirname, true)?
        } else {
            vec![dirname.to_owned()]
        };
        let mut out = Vec::new();
        for dir in dirs {
            let names = if !has_magic(basename) {
                self.glob0(&dir, basename)?
            } else if self.recursive && basename == "**" {
                self.glob2(&dir, dironly)?
            } else {
                self.glob1(&dir, basename, dironly)?
            };
            out.extend(names.iter().map(|name| posix::join2(&dir, name)));
        }
        Ok(out)
    }

    /// The folder's entries; nothing when it is missing or not a folder, an error when it is
    /// outside the workspace.
    fn list(&self, dir: &str, dironly: bool) -> Result<Vec<(String, bool)>, WorkspaceError> {
        let at = if dir.is_empty() { "." } else { dir };
        match self.workspace.entries(at) {
            Ok(entries) => Ok(entries
                .into_iter()
                .filter(|e| !dironly || e.is_dir)
                .map(|e| (e.name, e.is_dir && !e.is_symlink))
                .collect()),
            Err(WorkspaceError::Io { .. }) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    fn glob1(
        &self,
        dir: &str,
        pattern: &str,
        dironly: bool,
    ) -> Result<Vec<String>, WorkspaceError> {
        Ok(self
            .list(dir, dironly)?
            .into_iter()
            .map(|(name, _)| name)
            .filter(|name| is_hidden(pattern) || !is_hidden(name))
            .filter(|name| fnmatch(name, pattern))
            .collect())
    }

    fn glob0(&self, dir: &str, basename: &str) -> Result<Vec<String>, WorkspaceError> {
        let found = if basename.is_empty() {
            self.is_dir(dir)?
        } else {
            self.lexists(&posix::join2(dir, basename))?
        };
        Ok(if found {
            vec![basename.to_owned()]
        } else {
            Vec::new()
        })
    }

    fn glob2(&self, dir: &str, dironly: bool) -> Result<Vec<String>, WorkspaceError> {
        let mut out = Vec::new();
        if dir.is_empty() || self.is_dir(dir)? {
            out.push(String::new());
        }
        self.rlistdir(dir, dironly, &mut out, "")?;
        Ok(out)
    }

    fn rlistdir(
        &self,
        dir: &str,
        dironly: bool,
        out: &mut Vec<String>,
        prefix: &str,
    ) -> Result<(), WorkspaceError> {
        for (name, descend) in self.list(dir, dironly)? {
            if is_hidden(&name) {
                continue;
            }
            let shown = posix::join2(prefix, &name);
            out.push(shown.clone());
            if descend {
                let path = if dir.is_empty() {
                    name
                } else {
                    posix::join2(dir, &name)
                };
                self.rlistdir(&path, dironly, out, &shown)?;
            }
        }
        Ok(())
    }

    fn is_dir(&self, dir: &str) -> Result<bool, WorkspaceError> {
        let at = if dir.is_empty() { "." } else { dir };
        match self.workspace.metadata(at) {
            Ok(meta) => Ok(meta.is_dir()),
            Err(WorkspaceError::Io { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn lexists(&self, path: &str) -> Result<bool, WorkspaceError> {
        match self.workspace.symlink_metadata(path) {
            Ok(_) => Ok(true),
            Err(WorkspaceError::Io { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Shared helpers.

/// The run's workspace, or an error naming `prop` (no prefix when it is empty).
pub(crate) fn require<'a>(ctx: &'a ProcessingContext, prop: &str) -> Result<&'a Workspace> {
    ctx.workspace().ok_or_else(|| {
        if prop.is_empty() {
            "this run has no workspace".into()
        } else {
            format!("{prop}: this run has no workspace").into()
        }
    })
}

/// The workspace folder as text.
pub(crate) fn root_text(workspace: &Workspace) -> Result<String> {
    workspace
        .root()
        .to_str()
        .map(str::to_owned)
        .ok_or_else(|| "the workspace folder's path is not UTF-8".into())
}

/// A workspace error with the property it came from.
pub(crate) trait Named<T> {
    /// The error text prefixed with `prop`.
    fn named(self, prop: &str) -> Result<T>;
}

impl<T> Named<T> for Result<T, WorkspaceError> {
    fn named(self, prop: &str) -> Result<T> {
        self.map_err(|e| format!("{prop}: {e}").into())
    }
}

/// Refuses a path NodeTool would expand with `expanduser` (a leading `~`).
fn no_home(prop: &str, path: &str) -> Result<()> {
    if path.starts_with('~') {
        return Err(format!(
            "{prop}: `{path}` starts with `~`: there is no home folder here, paths are \
             relative to the workspace"
        )
        .into());
    }
    Ok(())
}

/// Refuses a path that cannot be a workspace path: a leading `~` or an absolute path.
fn local(prop: &str, path: &str) -> Result<()> {
    no_home(prop, path)?;
    if posix::isabs(path) {
        return Err(
            format!("{prop}: `{path}` is absolute: paths are relative to the workspace").into(),
        );
    }
    Ok(())
}

/// NodeTool's "'path' field cannot be empty".
fn not_empty(prop: &str, path: &str) -> Result<()> {
    if path.is_empty() {
        return Err(format!("'{prop}' field cannot be empty").into());
    }
    Ok(())
}

/// The checks of a workspace path property, then the workspace.
pub(crate) fn workspace_path<'a>(
    ctx: &'a ProcessingContext,
    prop: &str,
    path: &str,
) -> Result<&'a Workspace> {
    local(prop, path)?;
    require(ctx, prop)
}

/// A time as NodeTool's `Datetime`, in UTC, rounded to the microsecond.
pub(crate) fn datetime(time: DateTime<Utc>) -> Datetime {
    let t = (time + TimeDelta::nanoseconds(500)).naive_utc();
    Datetime {
        year: t.year().into(),
        month: t.month().into(),
        day: t.day().into(),
        hour: t.hour().into(),
        minute: t.minute().into(),
        second: t.second().into(),
        microsecond: (t.nanosecond() / 1000).min(999_999).into(),
        tzinfo: "UTC".to_owned(),
        utc_offset: 0.0,
    }
}

/// Python's `datetime.isoformat()` of a naive time (here UTC): no offset, microseconds only
/// when not 0.
pub(crate) fn isoformat(time: DateTime<Utc>) -> String {
    let d = datetime(time);
    let mut s = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        d.year, d.month, d.day, d.hour, d.minute, d.second
    );
    if d.microsecond != 0 {
        s.push_str(&format!(".{:06}", d.microsecond));
    }
    s
}

/// Which of a file's times.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stamp {
    /// `st_ctime`: on Unix the last change of the inode (not the creation).
    Changed,
    /// `st_mtime`.
    Modified,
    /// `st_atime`.
    Accessed,
}

/// The time `stamp` of `meta`.
pub(crate) fn stamp(meta: &Metadata, stamp: Stamp) -> Result<DateTime<Utc>> {
    let system = match stamp {
        Stamp::Changed => return changed(meta),
        Stamp::Modified => meta.modified(),
        Stamp::Accessed => meta.accessed(),
    };
    Ok(system
        .map_err(|e| format!("the file's time is not available: {e}"))?
        .into())
}

#[cfg(unix)]
fn changed(meta: &Metadata) -> Result<DateTime<Utc>> {
    use std::os::unix::fs::MetadataExt;
    let nanos = u32::try_from(meta.ctime_nsec()).unwrap_or(0);
    DateTime::from_timestamp(meta.ctime(), nanos)
        .ok_or_else(|| "the file's change time is out of range".into())
}

#[cfg(not(unix))]
fn changed(meta: &Metadata) -> Result<DateTime<Utc>> {
    Ok(meta
        .created()
        .map_err(|e| format!("the file's creation time is not available: {e}"))?
        .into())
}

// ---------------------------------------------------------------------------------------
// Nodes.

/// Get the workspace directory.
/// files, workspace, directory
///
/// The run's workspace folder (an error when the run has none).
#[node(namespace = "lib.os")]
pub async fn workspace_directory(ctx: &ProcessingContext) -> Result<String> {
    root_text(require(ctx, "")?)
}

/// Check if a file or directory exists at the specified path.
/// files, check, exists
///
/// The path is relative to the workspace. A symlink that leads out of the workspace or to
/// nothing is an error (NodeTool: false for a broken one).
#[node(namespace = "lib.os")]
pub async fn file_exists(
    ctx: &ProcessingContext,
    /// Path to check for existence
    #[input(default = "")]
    path: String,
) -> Result<bool> {
    not_empty("path", &path)?;
    workspace_path(ctx, "path", &path)?
        .exists(&path)
        .named("path")
}

/// The output of [`ListFiles`] and `ListWorkspaceFiles`: one path per match.
#[derive(Outputs)]
pub struct FileOutput {
    /// A matching path.
    pub file: String,
}

/// list files in a directory matching a pattern.
/// files, list, directory
///
/// The folder is relative to the workspace; its default, `~`, is refused (there is no home
/// folder). Emits each match as the folder joined with the matching path (`docs/a.txt`),
/// folders included, in name order. Patterns may not be absolute or contain `..`.
#[node(namespace = "lib.os", streaming_output)]
pub struct ListFiles {
    /// Directory to scan
    #[input(default = "~")]
    pub folder: String,
    /// File pattern to match (e.g. *.txt)
    #[input(default = "*")]
    pub pattern: String,
    /// Search subdirectories
    #[input(default = false)]
    pub include_subdirectories: bool,
}

impl GenProcess for ListFiles {
    type Item = FileOutput;

    async fn gen_process(
        &self,
        ctx: &ProcessingContext,
        mut out: Emitter<'_, FileOutput>,
    ) -> Result<()> {
        if self.folder.is_empty() {
            return Err("directory cannot be empty".into());
        }
        let workspace = workspace_path(ctx, "folder", &self.folder)?;
        workspace.resolve(&self.folder).named("folder")?;
        check_pattern("pattern", &self.pattern)?;
        let pattern = if self.include_subdirectories {
            posix::join(&[self.folder.as_str(), "**", &self.pattern])
        } else {
            posix::join(&[self.folder.as_str(), &self.pattern])
        }
        .unwrap_or_default();
        for file in glob(workspace, &pattern, self.include_subdirectories).named("pattern")? {
            out.emit(FileOutput { file }).await?;
        }
        Ok(())
    }
}

/// Copy a file from source to destination path.
/// files, copy, manage
///
/// Both paths are relative to the workspace. The data, permissions and modified/accessed
/// times are copied (Python's `shutil.copy2`); a folder destination receives the file under
/// its name; an existing file is replaced, but not by itself. A folder source is an error.
#[node(namespace = "lib.os")]
pub async fn copy_file(
    ctx: &ProcessingContext,
    /// Source file path
    #[input(default = "")]
    source_path: String,
    /// Destination file path
    #[input(default = "")]
    destination_path: String,
) -> Result<()> {
    not_empty("source_path", &source_path)?;
    not_empty("destination_path", &destination_path)?;
    local("destination_path", &destination_path)?;
    let workspace = workspace_path(ctx, "source_path", &source_path)?;
    if workspace
        .metadata(&source_path)
        .named("source_path")?
        .is_dir()
    {
        return Err(format!("source_path: `{source_path}` is a directory, not a file").into());
    }
    workspace
        .copy(&source_path, &destination_path)
        .map_err(|e| format!("cannot copy `{source_path}` to `{destination_path}`: {e}"))?;
    Ok(())
}

/// Move a file from source to destination path.
/// files, move, manage
///
/// Both paths are relative to the workspace (Python's `shutil.move`): into a destination
/// folder under the same name, otherwise a rename that replaces an existing file. Folders
/// move too; the workspace folder itself cannot.
#[node(namespace = "lib.os")]
pub async fn move_file(
    ctx: &ProcessingContext,
    /// Source file path
    #[input(default = "")]
    source_path: String,
    /// Destination file path
    #[input(default = "")]
    destination_path: String,
) -> Result<()> {
    local("destination_path", &destination_path)?;
    let workspace = workspace_path(ctx, "source_path", &source_path)?;
    workspace.resolve(&source_path).named("source_path")?;
    workspace
        .resolve(&destination_path)
        .named("destination_path")?;
    workspace
        .rename(&source_path, &destination_path)
        .map_err(|e| format!("cannot move `{source_path}` to `{destination_path}`: {e}"))?;
    Ok(())
}

/// Create a new directory at specified path.
/// files, directory, create
///
/// The path is relative to the workspace; missing parents are created too.
#[node(namespace = "lib.os")]
pub async fn create_directory(
    ctx: &ProcessingContext,
    /// Directory path to create
    #[input(default = "")]
    path: String,
    /// Don't error if directory already exists
    #[input(default = true)]
    exist_ok: bool,
) -> Result<()> {
    not_empty("path", &path)?;
    workspace_path(ctx, "path", &path)?
        .create_dir(&path, exist_ok)
        .named("path")?;
    Ok(())
}

/// Get file size in bytes.
/// files, metadata, size
///
/// The path is relative to the workspace; symlinks are followed; a folder gives its own size.
#[node(namespace = "lib.os")]
pub async fn get_file_size(
    ctx: &ProcessingContext,
    /// Path to file
    #[input(default = "")]
    path: String,
) -> Result<i64> {
    not_empty("path", &path)?;
    let meta = workspace_path(ctx, "path", &path)?
        .metadata(&path)
        .named("path")?;
    Ok(i64::try_from(meta.len())?)
}

async fn file_time(ctx: &ProcessingContext, path: &str, which: Stamp) -> Result<Datetime> {
    not_empty("path", path)?;
    let meta = workspace_path(ctx, "path", path)?
        .metadata(path)
        .named("path")?;
    Ok(datetime(stamp(&meta, which)?))
}

/// Get file creation timestamp.
/// files, metadata, created, time
///
/// As NodeTool, this is `st_ctime`: on Unix the last change of the file's inode, not its
/// creation. In UTC (NodeTool labels the local time as UTC).
#[node(namespace = "lib.os")]
pub async fn created_time(
    ctx: &ProcessingContext,
    /// Path to file
    #[input(default = "")]
    path: String,
) -> Result<Datetime> {
    file_time(ctx, &path, Stamp::Changed).await
}

/// Get file last modified timestamp.
/// files, metadata, modified, time
///
/// In UTC (NodeTool labels the local time as UTC).
#[node(namespace = "lib.os")]
pub async fn modified_time(
    ctx: &ProcessingContext,
    /// Path to file
    #[input(default = "")]
    path: String,
) -> Result<Datetime> {
    file_time(ctx, &path, Stamp::Modified).await
}

/// Get file last accessed timestamp.
/// files, metadata, accessed, time
///
/// In UTC (NodeTool labels the local time as UTC).
#[node(namespace = "lib.os")]
pub async fn accessed_time(
    ctx: &ProcessingContext,
    /// Path to file
    #[input(default = "")]
    path: String,
) -> Result<Datetime> {
    file_time(ctx, &path, Stamp::Accessed).await
}

/// Check if path is a file.
/// files, metadata, type
///
/// The path is relative to the workspace; false when nothing is there.
#[node(namespace = "lib.os")]
pub async fn is_file(
    ctx: &ProcessingContext,
    /// Path to check
    #[input(default = "")]
    path: String,
) -> Result<bool> {
    not_empty("path", &path)?;
    let full = workspace_path(ctx, "path", &path)?
        .resolve(&path)
        .named("path")?;
    Ok(full.is_file())
}

/// Check if path is a directory.
/// files, metadata, type
///
/// The path is relative to the workspace; false when nothing is there.
#[node(namespace = "lib.os")]
pub async fn is_directory(
    ctx: &ProcessingContext,
    /// Path to check
    #[input(default = "")]
    path: String,
) -> Result<bool> {
    not_empty("path", &path)?;
    let full = workspace_path(ctx, "path", &path)?
        .resolve(&path)
        .named("path")?;
    Ok(full.is_dir())
}

/// Get file extension.
/// files, metadata, extension
///
/// With its dot (`.gz` for `a.tar.gz`), `""` when there is none (`.bashrc` has none).
#[node(namespace = "lib.os")]
pub async fn file_extension(
    /// Path to file
    #[input(default = "")]
    path: String,
) -> Result<String> {
    not_empty("path", &path)?;
    no_home("path", &path)?;
    Ok(posix::splitext(&path).1.to_owned())
}

/// Get file name without path.
/// files, metadata, name
///
/// The part after the last `/` (`""` for `a/b/`).
#[node(namespace = "lib.os")]
pub async fn file_name(
    /// Path to file
    #[input(default = "")]
    path: String,
) -> Result<String> {
    not_empty("path", &path)?;
    no_home("path", &path)?;
    Ok(posix::basename(&path).to_owned())
}

/// Get directory containing the file.
/// files, metadata, directory
///
/// The part before the last `/`, without trailing slashes (`""` for a bare name).
#[node(namespace = "lib.os")]
pub async fn get_directory(
    /// Path to file
    #[input(default = "")]
    path: String,
) -> Result<String> {
    not_empty("path", &path)?;
    no_home("path", &path)?;
    Ok(posix::dirname(&path).to_owned())
}

/// Match a filename against a pattern using Unix shell-style wildcards.
/// files, pattern, match, filter
///
/// `*` matches anything (`/` too), `?` one character, `[seq]` one of `seq`, `[!seq]` one
/// not in it. Unlike NodeTool, where `case_sensitive` changes nothing on POSIX (both of its
/// branches compare case-sensitively), `case_sensitive: false` ignores case here.
#[node(namespace = "lib.os")]
pub async fn file_name_match(
    /// Filename to check
    #[input(default = "")]
    filename: String,
    /// Pattern to match against (e.g. *.txt, data_*.csv)
    #[input(default = "*")]
    pattern: String,
    /// Whether the pattern matching should be case-sensitive
    #[input(default = true)]
    case_sensitive: bool,
) -> bool {
    fnmatch_case(&filename, &pattern, case_sensitive)
}

/// Filter a list of filenames using Unix shell-style wildcards.
/// files, pattern, filter, list
///
/// Keeps the names matching `pattern` (as `FileNameMatch`), in their order.
#[node(namespace = "lib.os")]
pub async fn filter_file_names(
    /// list of filenames to filter
    #[input(default)]
    filenames: Vec<String>,
    /// Pattern to filter by (e.g. *.txt, data_*.csv)
    #[input(default = "*")]
    pattern: String,
    /// Whether the pattern matching should be case-sensitive
    #[input(default = true)]
    case_sensitive: bool,
) -> Vec<String> {
    filenames
        .into_iter()
        .filter(|name| fnmatch_case(name, &pattern, case_sensitive))
        .collect()
}

/// Get the base name component of a file path.
/// files, path, basename
#[node(namespace = "lib.os")]
pub async fn basename(
    /// File path to get basename from
    #[input(default = "")]
    path: String,
    /// Remove file extension from basename
    #[input(default = false)]
    remove_extension: bool,
) -> Result<String> {
    if crate::python::py_strip(&path).is_empty() {
        return Err("path is empty".into());
    }
    no_home("path", &path)?;
    let base = posix::basename(&path);
    Ok(if remove_extension {
        posix::splitext(base).0
    } else {
        base
    }
    .to_owned())
}

/// Get the directory name component of a file path.
/// files, path, dirname
#[node(namespace = "lib.os")]
pub async fn dirname(
    /// File path to get dirname from
    #[input(default = "")]
    path: String,
) -> Result<String> {
    no_home("path", &path)?;
    Ok(posix::dirname(&path).to_owned())
}

/// Joins path components.
/// path, join, combine
///
/// As Python's `os.path.join`: not normalised, and an absolute part drops the parts before
/// it.
#[node(namespace = "lib.os")]
pub async fn join_paths(
    /// Path components to join
    #[input(default)]
    paths: Vec<String>,
) -> Result<String> {
    posix::join(&paths).ok_or_else(|| "paths cannot be empty".into())
}

/// Normalizes a path.
/// path, normalize, clean
///
/// Collapses `//`, `.` and `a/..`; keeps the leading `..` of a relative path.
#[node(namespace = "lib.os")]
pub async fn normalize_path(
    /// Path to normalize
    #[input(default = "")]
    path: String,
) -> Result<String> {
    if path.is_empty() {
        return Err("path cannot be empty".into());
    }
    Ok(posix::normpath(&path))
}

/// Gets information about a path.
/// path, info, metadata
///
/// `dirname`, `basename`, `extension`, `absolute` (the workspace folder joined with the
/// path), and `exists`, `is_file`, `is_dir`, `is_symlink` from the workspace.
#[node(namespace = "lib.os")]
pub async fn get_path_info(
    ctx: &ProcessingContext,
    /// Path to analyze
    #[input(default = "")]
    path: String,
) -> Result<Map<String, Value>> {
    let workspace = workspace_path(ctx, "path", &path)?;
    let root = root_text(workspace)?;
    let (mut exists, mut is_file, mut is_dir, mut is_symlink) = (false, false, false, false);
    if !path.is_empty() {
        let full = workspace.resolve(&path).named("path")?;
        (exists, is_file, is_dir) = (full.exists(), full.is_file(), full.is_dir());
        is_symlink = workspace
            .symlink_metadata(&path)
            .is_ok_and(|m| m.is_symlink());
    }
    let mut info = Map::new();
    info.insert("dirname".into(), posix::dirname(&path).into());
    info.insert("basename".into(), posix::basename(&path).into());
    info.insert("extension".into(), posix::splitext(&path).1.into());
    info.insert("absolute".into(), posix::abspath(&path, &root).into());
    info.insert("exists".into(), exists.into());
    info.insert("is_file".into(), is_file.into());
    info.insert("is_dir".into(), is_dir.into());
    info.insert("is_symlink".into(), is_symlink.into());
    Ok(info)
}

/// Return the absolute path of a file or directory.
/// files, path, absolute
///
/// The workspace folder joined with the (relative) path, normalised; nothing is resolved
/// on disk except the workspace checks.
#[node(namespace = "lib.os")]
pub async fn absolute_path(
    ctx: &ProcessingContext,
    /// Path to convert to absolute
    #[input(default = "")]
    path: String,
) -> Result<String> {
    if path.is_empty() {
        return Err("path cannot be empty".into());
    }
    let workspace = workspace_path(ctx, "path", &path)?;
    workspace.resolve(&path).named("path")?;
    Ok(posix::abspath(&path, &root_text(workspace)?))
}

/// Split a path into directory and file components.
/// files, path, split
///
/// `{"dirname": head, "basename": tail}` from Python's `os.path.split`.
#[node(namespace = "lib.os")]
pub async fn split_path(
    /// Path to split
    #[input(default = "")]
    path: String,
) -> Result<Map<String, Value>> {
    no_home("path", &path)?;
    let (head, tail) = posix::split(&path);
    let mut out = Map::new();
    out.insert("dirname".into(), head.into());
    out.insert("basename".into(), tail.into());
    Ok(out)
}

/// Split a path into root and extension components.
/// files, path, extension, split
///
/// `{"root": root, "extension": ext}` from Python's `os.path.splitext`.
#[node(namespace = "lib.os")]
pub async fn split_extension(
    /// Path to split
    #[input(default = "")]
    path: String,
) -> Result<Map<String, Value>> {
    no_home("path", &path)?;
    let (root, extension) = posix::splitext(&path);
    let mut out = Map::new();
    out.insert("root".into(), root.into());
    out.insert("extension".into(), extension.into());
    Ok(out)
}

/// Return a relative path to a target from a start directory.
/// files, path, relative
///
/// Python's `os.path.relpath`, with the workspace folder as the current folder: it is only
/// needed (and the run must have a workspace) when one path is absolute and the other is
/// not, or a relative path goes above the workspace with `..`. An empty `start_path` is the
/// current folder, as in Python.
#[node(namespace = "lib.os")]
pub async fn relative_path(
    ctx: &ProcessingContext,
    /// Target path to convert to relative
    #[input(default = "")]
    target_path: String,
    /// Start path for relative conversion
    #[input(default = ".")]
    start_path: String,
) -> Result<String> {
    no_home("target_path", &target_path)?;
    no_home("start_path", &start_path)?;
    if target_path.is_empty() {
        return Err("target_path cannot be empty".into());
    }
    let escapes = |p: &str| {
        let n = posix::normpath(p);
        n == ".." || n.starts_with("../")
    };
    let needs_cwd = posix::isabs(&target_path) != posix::isabs(&start_path)
        || (!posix::isabs(&target_path) && escapes(&target_path))
        || (!posix::isabs(&start_path) && escapes(&start_path));
    let cwd = if needs_cwd {
        root_text(require(ctx, "start_path")?)?
    } else {
        "/".to_owned()
    };
    posix::relpath(&target_path, &start_path, &cwd)
        .ok_or_else(|| "target_path: no path specified".into())
}

/// Convert a FilePath object to a string.
/// files, path, string, convert
#[node(namespace = "lib.os")]
pub async fn path_to_string(
    /// File path to convert to string
    #[input(default = "")]
    file_path: String,
) -> Result<String> {
    if file_path.is_empty() {
        return Err("file_path cannot be empty".into());
    }
    Ok(file_path)
}

#[cfg(test)]
mod tests {
    use super::posix::*;
    use super::{
        check_pattern, datetime, fnmatch, fnmatch_case, glob, isoformat, DateTime, Workspace,
    };

    #[test]
    fn posix_paths_like_python() {
        assert_eq!(splitext(".bashrc"), (".bashrc", ""));
        assert_eq!(splitext("a.tar.gz"), ("a.tar", ".gz"));
        assert_eq!(splitext("d.x/file"), ("d.x/file", ""));
        assert_eq!(splitext("..a"), ("..a", ""));
        assert_eq!(splitext("a/..b.c"), ("a/..b", ".c"));
        assert_eq!(splitext("a."), ("a", "."));
        assert_eq!(basename("a/b/"), "");
        assert_eq!(dirname("a"), "");
        assert_eq!(dirname("/a"), "/");
        assert_eq!(dirname("a//b"), "a");
        assert_eq!(split("//"), ("//", ""));
        assert_eq!(split("a/b//"), ("a/b", ""));
        assert_eq!(normpath(""), ".");
        assert_eq!(normpath("a//./b/../c/"), "a/c");
        assert_eq!(normpath("../../a/.."), "../..");
        assert_eq!(normpath("//a"), "//a");
        assert_eq!(normpath("///a/../.."), "/");
        assert_eq!(normpath("a/.."), ".");
        assert_eq!(join(&["a", ""]).as_deref(), Some("a/"));
        assert_eq!(join(&["a", "/b", "c"]).as_deref(), Some("/b/c"));
        assert_eq!(join::<&str>(&[]), None);
        assert_eq!(relpath("a/b", "a", "/w").as_deref(), Some("b"));
        assert_eq!(relpath("a", "a/b/c", "/w").as_deref(), Some("../.."));
        assert_eq!(relpath("x", "x", "/w").as_deref(), Some("."));
        assert_eq!(
            relpath("/etc/x", ".", "/w/ws").as_deref(),
            Some("../../etc/x")
        );
        assert_eq!(relpath("", ".", "/w"), None);
        assert_eq!(abspath("", "/w"), "/w");
    }

    #[test]
    fn fnmatch_like_python() {
        let cases = [
            ("a.txt", "*.txt", true),
            ("a.TXT", "*.txt", false),
            ("dir/a.txt", "*.txt", true),
            (".hidden", "*", true),
            ("abc", "a?c", true),
            ("ac", "a?c", false),
            ("a1", "a[0-9]", true),
            ("ab", "a[0-9]", false),
            ("ab", "a[!0-9]", true),
            ("a-", "a[a-]", true),
            ("a-", "a[-a]", true),
            ("a]", "a[]]", true),
            ("a[", "a[", true),
            ("a[b", "a[b", true),
            ("a", "[z-a]", false),
            ("b", "[!z-a]", true),
            ("", "*", true),
            ("", "?", false),
            ("aaa", "a*a*a", true),
            ("aa", "a*a*a", false),
            ("ünï.txt", "ü??.*", true),
            ("x", "[!]", false),
            ("]", "[!]]", false),
            ("a", "[!]]", true),
            ("c", "[a-c-e]", true),
            ("d", "[a-c-e]", false),
            ("-", "[a-c-e]", true),
            ("a\\b", "a\\b", true),
        ];
        for (name, pattern, expected) in cases {
            assert_eq!(fnmatch(name, pattern), expected, "{name:?} ~ {pattern:?}");
        }
        assert!(fnmatch_case("A.TXT", "*.txt", false));
        assert!(!fnmatch_case("A.TXT", "*.txt", true));
    }

    #[test]
    fn patterns_that_leave_are_refused() {
        assert!(check_pattern("p", "../*").is_err());
        assert!(check_pattern("p", "a/../*").is_err());
        assert!(check_pattern("p", "/etc/*").is_err());
        assert!(check_pattern("p", "a..b*").is_ok());
        assert!(check_pattern("p", "**/*.txt").is_ok());
    }

    fn sorted(mut v: Vec<String>) -> Vec<String> {
        v.sort();
        v
    }

    #[test]
    fn glob_like_python() {
        let dir = tempfile_dir();
        let ws = Workspace::new(&dir).unwrap();
        for f in [
            "a.txt",
            "b.md",
            ".h.txt",
            "d/c.txt",
            "d/e/f.txt",
            "d/.hd/g.txt",
        ] {
            ws.write(f, b"").unwrap();
        }
        let g = |p: &str, r: bool| sorted(glob(&ws, p, r).unwrap());
        assert_eq!(g("*.txt", false), ["a.txt"]);
        assert_eq!(g(".*", false), [".h.txt"]);
        assert_eq!(g("./*.txt", false), ["./a.txt"]);
        assert_eq!(g("*/*.txt", false), ["d/c.txt"]);
        assert_eq!(g("d", false), ["d"]);
        assert_eq!(g("d/", false), ["d/"]);
        assert_eq!(g("missing/*", false), Vec::<String>::new());
        assert_eq!(
            g("**/*.txt", true),
            ["a.txt", "d/c.txt", "d/e/f.txt"],
            "hidden folders are skipped"
        );
        assert_eq!(g("d/**/*.txt", true), ["d/c.txt", "d/e/f.txt"]);
        assert_eq!(g("**", false), ["a.txt", "b.md", "d"]);
        assert_eq!(g("d/**", true), ["d/", "d/c.txt", "d/e", "d/e/f.txt"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("nodetool-os-glob-{}", ::uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn datetimes_are_utc_and_rounded() {
        let t = DateTime::from_timestamp(1_700_000_000, 123_456_700).unwrap();
        let d = datetime(t);
        assert_eq!(
            (
                d.year,
                d.month,
                d.day,
                d.hour,
                d.minute,
                d.second,
                d.microsecond
            ),
            (2023, 11, 14, 22, 13, 20, 123_457)
        );
        assert_eq!(isoformat(t), "2023-11-14T22:13:20.123457");
        let whole = DateTime::from_timestamp(0, 0).unwrap();
        assert_eq!(isoformat(whole), "1970-01-01T00:00:00");
    }
}
