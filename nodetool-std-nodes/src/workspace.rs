//! `nodetool.workspace`: files in the run's workspace, with NodeTool's names and properties
//! (`nodetool-base`'s `nodetool/nodes/nodetool/workspace.py`).
//!
//! Every path is relative to the workspace ([`ProcessingContext::workspace`]): empty and
//! absolute paths and `..` are refused, and so is a symlink leading out of the workspace
//! (NodeTool does not check symlinks). `~` is an ordinary name, as in NodeTool. A run
//! without a workspace cannot use these nodes.

use crate::os::{
    check_pattern, glob, isoformat, posix, require, root_text, stamp, FileOutput, Named, Stamp,
};
use base64::Engine;
use nodetool::metadata::Nothing;
use nodetool::prelude::*;
use nodetool::workspace::Workspace;
use serde_json::{Map, Value};
use std::fs::Metadata;

// ---------------------------------------------------------------------------------------
// Text encodings.

/// The text encodings `ReadTextFile` and `WriteTextFile` know, by Python's codec names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Codec {
    Utf8,
    Utf8Sig,
    Ascii,
    Latin1,
    Utf16,
    Utf16Le,
    Utf16Be,
}

impl Codec {
    /// The codec named `name` (Python's spelling rules: case, `-`, `_` and spaces ignored as
    /// Python ignores them, and the common aliases).
    fn parse(name: &str) -> Result<Codec> {
        let mut key = String::new();
        for c in name.trim().chars().flat_map(char::to_lowercase) {
            if c.is_alphanumeric() || c == '.' {
                key.push(c);
            } else if !key.ends_with('_') {
                key.push('_');
            }
        }
        let key = key.trim_matches('_');
        Ok(match key {
            "utf_8" | "utf8" | "u8" | "utf" | "cp65001" => Codec::Utf8,
            "utf_8_sig" | "utf8_sig" => Codec::Utf8Sig,
            "ascii" | "us_ascii" | "646" | "us" | "ansi_x3.4_1968" => Codec::Ascii,
            "latin_1" | "latin1" | "latin" | "l1" | "iso8859_1" | "iso_8859_1" | "8859"
            | "cp819" | "iso_ir_100" => Codec::Latin1,
            "utf_16" | "utf16" | "u16" => Codec::Utf16,
            "utf_16_le" | "utf_16le" | "utf16le" => Codec::Utf16Le,
            "utf_16_be" | "utf_16be" | "utf16be" => Codec::Utf16Be,
            _ => {
                return Err(format!(
                    "encoding: unknown encoding `{name}` (known: utf-8, utf-8-sig, ascii, \
                     latin-1, utf-16, utf-16-le, utf-16-be)"
                )
                .into())
            }
        })
    }

    /// Decodes `bytes` strictly, as Python's codec does.
    fn decode(self, bytes: &[u8]) -> Result<String, String> {
        match self {
            Codec::Utf8 => utf8(bytes),
            Codec::Utf8Sig => utf8(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)),
            Codec::Ascii => match bytes.iter().position(|b| !b.is_ascii()) {
                Some(i) => Err(format!(
                    "'ascii' codec can't decode byte 0x{:02x} in position {i}",
                    bytes[i]
                )),
                None => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
            },
            Codec::Latin1 => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
            Codec::Utf16 => match bytes {
                [0xff, 0xfe, rest @ ..] => utf16(rest, false),
                [0xfe, 0xff, rest @ ..] => utf16(rest, true),
                _ => utf16(bytes, false),
            },
            Codec::Utf16Le => utf16(bytes, false),
            Codec::Utf16Be => utf16(bytes, true),
        }
    }

    /// Encodes `text`, with the byte order mark first when `at_start` (for the codecs that
    /// write one).
    fn encode(self, text: &str, at_start: bool) -> Result<Vec<u8>, String> {
        let limited = |limit: u32, codec: &str| {
            text.chars()
                .enumerate()
                .find(|(_, c)| u32::from(*c) >= limit)
                .map_or_else(
                    || Ok(text.chars().map(|c| c as u8).collect()),
                    |(i, c)| {
                        Err(format!(
                            "'{codec}' codec can't encode character {c:?} in position {i}: \
                             ordinal not in range({limit})"
                        ))
                    },
                )
        };
        let units = |big: bool| -> Vec<u8> {
            text.encode_utf16()
                .flat_map(|u| {
                    if big {
                        u.to_be_bytes()
                    } else {
                        u.to_le_bytes()
                    }
                })
                .collect()
        };
        Ok(match self {
            Codec::Utf8 => text.as_bytes().to_vec(),
            Codec::Utf8Sig => {
                let mut out = if at_start {
                    b"\xef\xbb\xbf".to_vec()
                } else {
                    Vec::new()
                };
                out.extend_from_slice(text.as_bytes());
                out
            }
            Codec::Ascii => limited(128, "ascii")?,
            Codec::Latin1 => limited(256, "latin-1")?,
            Codec::Utf16 => {
                let mut out = if at_start {
                    vec![0xff, 0xfe]
                } else {
                    Vec::new()
                };
                out.extend(units(false));
                out
            }
            Codec::Utf16Le => units(false),
            Codec::Utf16Be => units(true),
        })
    }
}

fn utf8(bytes: &[u8]) -> Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        let i = e.utf8_error().valid_up_to();
        format!(
            "'utf-8' codec can't decode byte 0x{:02x} in position {i}",
            bytes[i]
        )
    })
}

fn utf16(bytes: &[u8], big: bool) -> Result<String, String> {
    if bytes.len() % 2 != 0 {
        return Err("'utf-16' codec can't decode the last byte: truncated data".to_owned());
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|p| {
            if big {
                u16::from_be_bytes([p[0], p[1]])
            } else {
                u16::from_le_bytes([p[0], p[1]])
            }
        })
        .collect();
    String::from_utf16(&units).map_err(|_| "'utf-16' codec can't decode: illegal surrogate".into())
}

/// Python's universal newlines when reading text: `\r\n` and a lone `\r` become `\n`.
fn universal_newlines(text: String) -> String {
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    }
}

// ---------------------------------------------------------------------------------------
// Helpers.

/// The metadata of the existing file at `path`, with NodeTool's errors.
fn existing_file(workspace: &Workspace, path: &str) -> Result<Metadata> {
    if !workspace.exists(path).named("path")? {
        return Err(format!("path: file not found: `{path}`").into());
    }
    let meta = workspace.metadata(path).named("path")?;
    if !meta.is_file() {
        return Err(format!("path: `{path}` is not a file").into());
    }
    Ok(meta)
}

/// Makes the folder that will hold `destination` (Python's `makedirs(dirname(...))`).
fn make_parent(workspace: &Workspace, destination: &str) -> Result<()> {
    let parent = posix::dirname(destination);
    if !parent.is_empty() {
        workspace.create_dir(parent, true).named("destination")?;
    }
    Ok(())
}

/// Checks `source` and `destination` and that the source exists.
fn source_and_destination<'a>(
    ctx: &'a ProcessingContext,
    source: &str,
    destination: &str,
) -> Result<&'a Workspace> {
    let workspace = require(ctx, "source")?;
    workspace.resolve(source).named("source")?;
    workspace.resolve(destination).named("destination")?;
    if !workspace.exists(source).named("source")? {
        return Err(format!("source: file not found: `{source}`").into());
    }
    Ok(workspace)
}

// ---------------------------------------------------------------------------------------
// Nodes.

/// Get the current workspace directory path.
/// workspace, directory, path
///
/// An error when the run has no workspace (NodeTool gives `None`).
#[node(namespace = "nodetool.workspace")]
pub async fn get_workspace_dir(ctx: &ProcessingContext) -> Result<String> {
    root_text(require(ctx, "")?)
}

/// List files in the workspace directory matching a pattern.
/// workspace, files, list, directory
///
/// Emits each match (folders too) as a normalised path relative to the workspace, in name
/// order (NodeTool: the file system's order). With `recursive`, `**/` is put before the
/// pattern; hidden folders are skipped and symlinked folders are not entered. Patterns may
/// not be absolute or contain `..` (NodeTool lists outside the workspace then).
#[node(namespace = "nodetool.workspace", streaming_output)]
pub struct ListWorkspaceFiles {
    /// Relative path within workspace (use . for workspace root)
    #[input(default = ".")]
    pub path: String,
    /// File pattern to match (e.g. *.txt, *.json)
    #[input(default = "*")]
    pub pattern: String,
    /// Search subdirectories recursively
    #[input(default = false)]
    pub recursive: bool,
}

impl GenProcess for ListWorkspaceFiles {
    type Item = FileOutput;

    async fn gen_process(
        &self,
        ctx: &ProcessingContext,
        mut out: Emitter<'_, FileOutput>,
    ) -> Result<()> {
        let workspace = require(ctx, "path")?;
        workspace.resolve(&self.path).named("path")?;
        check_pattern("pattern", &self.pattern)?;
        let pattern = if self.recursive {
            posix::join(&[self.path.as_str(), "**", &self.pattern])
        } else {
            posix::join(&[self.path.as_str(), &self.pattern])
        }
        .unwrap_or_default();
        for found in glob(workspace, &pattern, self.recursive).named("pattern")? {
            out.emit(FileOutput {
                file: posix::normpath(&found),
            })
            .await?;
        }
        Ok(())
    }
}

/// Read a text file from the workspace.
/// workspace, file, read, text
///
/// Decoded strictly; `\r\n` and `\r` become `\n` (Python's universal newlines). Encodings:
/// utf-8 (a byte order mark is kept), utf-8-sig, ascii, latin-1, utf-16 (with or without a
/// byte order mark), utf-16-le, utf-16-be.
#[node(namespace = "nodetool.workspace")]
pub async fn read_text_file(
    ctx: &ProcessingContext,
    /// Relative path to file within workspace
    #[input(default = "")]
    path: String,
    /// Text encoding (utf-8, ascii, etc.)
    #[input(default = "utf-8")]
    encoding: String,
) -> Result<String> {
    let workspace = require(ctx, "path")?;
    existing_file(workspace, &path)?;
    let codec = Codec::parse(&encoding)?;
    let bytes = workspace.read(&path).named("path")?;
    let text = codec
        .decode(&bytes)
        .map_err(|e| format!("path: `{path}` cannot be read as {encoding}: {e}"))?;
    Ok(universal_newlines(text))
}

/// Write text to a file in the workspace.
/// workspace, file, write, text, save
///
/// Creates the folders it needs; returns `path`. With `append`, the text goes at the end
/// (no byte order mark in the middle of a file). Nothing is written when the text cannot be
/// encoded.
#[node(namespace = "nodetool.workspace")]
pub async fn write_text_file(
    ctx: &ProcessingContext,
    /// Relative path to file within workspace
    #[input(default = "")]
    path: String,
    /// Text content to write
    #[input(default = "")]
    content: String,
    /// Text encoding (utf-8, ascii, etc.)
    #[input(default = "utf-8")]
    encoding: String,
    /// Append to file instead of overwriting
    #[input(default = false)]
    append: bool,
) -> Result<String> {
    let workspace = require(ctx, "path")?;
    let full = workspace.resolve(&path).named("path")?;
    let codec = Codec::parse(&encoding)?;
    let at_start = !append || std::fs::metadata(&full).map_or(true, |m| m.len() == 0);
    let bytes = codec
        .encode(&content, at_start)
        .map_err(|e| format!("content: {e}"))?;
    if append {
        workspace.append(&path, &bytes).named("path")?;
    } else {
        workspace.write(&path, &bytes).named("path")?;
    }
    Ok(path)
}

/// Read a binary file from the workspace as base64-encoded string.
/// workspace, file, read, binary
#[node(namespace = "nodetool.workspace")]
pub async fn read_binary_file(
    ctx: &ProcessingContext,
    /// Relative path to file within workspace
    #[input(default = "")]
    path: String,
) -> Result<String> {
    let workspace = require(ctx, "path")?;
    existing_file(workspace, &path)?;
    let bytes = workspace.read(&path).named("path")?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// Write binary data (base64-encoded) to a file in the workspace.
/// workspace, file, write, binary, save
///
/// Decoded as Python's `base64.b64decode` does (characters outside the alphabet are
/// skipped; missing padding is an error, and then nothing is written). Creates the folders
/// it needs; returns `path`.
#[node(namespace = "nodetool.workspace")]
pub async fn write_binary_file(
    ctx: &ProcessingContext,
    /// Relative path to file within workspace
    #[input(default = "")]
    path: String,
    /// Base64-encoded binary content to write
    #[input(default = "")]
    content: String,
) -> Result<String> {
    let workspace = require(ctx, "path")?;
    workspace.resolve(&path).named("path")?;
    let bytes = crate::base64::b64decode(&content).map_err(|e| format!("content: {e}"))?;
    workspace.write(&path, &bytes).named("path")?;
    Ok(path)
}

/// Delete a file or directory from the workspace.
/// workspace, file, delete, remove
///
/// A folder needs `recursive`. A symlink is deleted itself, never what it points to. Unlike
/// NodeTool, which deletes the whole workspace folder for `.` with `recursive`, the
/// workspace folder itself is never deleted.
#[node(namespace = "nodetool.workspace")]
pub async fn delete_workspace_file(
    ctx: &ProcessingContext,
    /// Relative path to file or directory within workspace
    #[input(default = "")]
    path: String,
    /// Delete directories recursively
    #[input(default = false)]
    recursive: bool,
) -> Result<Nothing> {
    let workspace = require(ctx, "path")?;
    let full = workspace.resolve(&path).named("path")?;
    if !full.exists() {
        return Err(format!("path: not found: `{path}`").into());
    }
    if full.is_dir() && !recursive {
        return Err(format!(
            "path: `{path}` is a directory: set recursive to delete it with its contents"
        )
        .into());
    }
    workspace.remove(&path, recursive).named("path")?;
    Ok(Nothing)
}

/// Create a directory in the workspace.
/// workspace, directory, create, folder
///
/// With its missing parents; an existing folder is fine, an existing file is an error.
/// Returns `path`.
#[node(namespace = "nodetool.workspace")]
pub async fn create_workspace_directory(
    ctx: &ProcessingContext,
    /// Relative path to directory within workspace
    #[input(default = "")]
    path: String,
) -> Result<String> {
    require(ctx, "path")?
        .create_dir(&path, true)
        .named("path")?;
    Ok(path)
}

/// Check if a file or directory exists in the workspace.
/// workspace, file, exists, check
///
/// A path that is not allowed (outside the workspace) is an error, not false.
#[node(namespace = "nodetool.workspace")]
pub async fn workspace_file_exists(
    ctx: &ProcessingContext,
    /// Relative path within workspace to check
    #[input(default = "")]
    path: String,
) -> Result<bool> {
    require(ctx, "path")?.exists(&path).named("path")
}

/// Get information about a file in the workspace.
/// workspace, file, info, metadata
///
/// `path`, `name` (the last part of `path`), `size`, `is_file`, `is_directory`, and
/// `created` (on Unix the last inode change, as NodeTool's `st_ctime`), `modified` and
/// `accessed` as ISO texts in UTC without an offset (NodeTool: local time).
#[node(namespace = "nodetool.workspace")]
pub async fn get_workspace_file_info(
    ctx: &ProcessingContext,
    /// Relative path to file within workspace
    #[input(default = "")]
    path: String,
) -> Result<Map<String, Value>> {
    let workspace = require(ctx, "path")?;
    if !workspace.exists(&path).named("path")? {
        return Err(format!("path: not found: `{path}`").into());
    }
    let meta = workspace.metadata(&path).named("path")?;
    let mut info = Map::new();
    info.insert("path".into(), path.as_str().into());
    info.insert("name".into(), posix::basename(&path).into());
    info.insert("size".into(), meta.len().into());
    info.insert("is_file".into(), meta.is_file().into());
    info.insert("is_directory".into(), meta.is_dir().into());
    for (key, which) in [
        ("created", Stamp::Changed),
        ("modified", Stamp::Modified),
        ("accessed", Stamp::Accessed),
    ] {
        info.insert(key.into(), isoformat(stamp(&meta, which)?).into());
    }
    Ok(info)
}

/// Copy a file within the workspace.
/// workspace, file, copy, duplicate
///
/// A file keeps its permissions and modified/accessed times, goes into `destination` when
/// that is a folder, and replaces an existing file (not itself). A folder is copied whole to
/// a new `destination` (not inside itself). The destination's folders are created. Returns
/// `destination`.
#[node(namespace = "nodetool.workspace")]
pub async fn copy_workspace_file(
    ctx: &ProcessingContext,
    /// Relative source path within workspace
    #[input(default = "")]
    source: String,
    /// Relative destination path within workspace
    #[input(default = "")]
    destination: String,
) -> Result<String> {
    let workspace = source_and_destination(ctx, &source, &destination)?;
    make_parent(workspace, &destination)?;
    workspace
        .copy(&source, &destination)
        .map_err(|e| format!("cannot copy `{source}` to `{destination}`: {e}"))?;
    Ok(destination)
}

/// Move or rename a file within the workspace.
/// workspace, file, move, rename
///
/// Into `destination` when that is a folder (an existing entry of the same name there is an
/// error), otherwise a rename that replaces an existing file. The destination's folders
/// are created. The workspace folder itself cannot be moved. Returns `destination`.
#[node(namespace = "nodetool.workspace")]
pub async fn move_workspace_file(
    ctx: &ProcessingContext,
    /// Relative source path within workspace
    #[input(default = "")]
    source: String,
    /// Relative destination path within workspace
    #[input(default = "")]
    destination: String,
) -> Result<String> {
    let workspace = source_and_destination(ctx, &source, &destination)?;
    make_parent(workspace, &destination)?;
    workspace
        .rename(&source, &destination)
        .map_err(|e| format!("cannot move `{source}` to `{destination}`: {e}"))?;
    Ok(destination)
}

/// Get file size in bytes for a workspace file.
/// workspace, file, size, bytes
#[node(namespace = "nodetool.workspace")]
pub async fn get_workspace_file_size(
    ctx: &ProcessingContext,
    /// Relative path to file within workspace
    #[input(default = "")]
    path: String,
) -> Result<i64> {
    let meta = existing_file(require(ctx, "path")?, &path)?;
    Ok(i64::try_from(meta.len())?)
}

/// Check if a path in the workspace is a file.
/// workspace, file, check, type
///
/// False when nothing is there; a path that is not allowed is an error.
#[node(namespace = "nodetool.workspace")]
pub async fn is_workspace_file(
    ctx: &ProcessingContext,
    /// Relative path within workspace to check
    #[input(default = "")]
    path: String,
) -> Result<bool> {
    Ok(require(ctx, "path")?
        .resolve(&path)
        .named("path")?
        .is_file())
}

/// Check if a path in the workspace is a directory.
/// workspace, directory, check, type
///
/// False when nothing is there; a path that is not allowed is an error.
#[node(namespace = "nodetool.workspace")]
pub async fn is_workspace_directory(
    ctx: &ProcessingContext,
    /// Relative path within workspace to check
    #[input(default = "")]
    path: String,
) -> Result<bool> {
    Ok(require(ctx, "path")?.resolve(&path).named("path")?.is_dir())
}

/// Join path components relative to workspace.
/// workspace, path, join, combine
///
/// As Python's `os.path.join` (not normalised); the result must be a valid workspace path.
/// Nothing is touched on disk.
#[node(namespace = "nodetool.workspace")]
pub async fn join_workspace_paths(
    ctx: &ProcessingContext,
    /// Path components to join (relative to workspace)
    #[input(default)]
    paths: Vec<String>,
) -> Result<String> {
    let joined = posix::join(&paths).ok_or("paths cannot be empty")?;
    require(ctx, "paths")?.resolve(&joined).named("paths")?;
    Ok(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_like_python() {
        assert_eq!(crate::base64::b64decode("aGk=").unwrap(), b"hi");
        assert_eq!(crate::base64::b64decode("aG\nk=").unwrap(), b"hi");
        assert_eq!(crate::base64::b64decode("aGk=trailing").unwrap(), b"hi");
        assert_eq!(
            crate::base64::b64decode("aGl=").unwrap(),
            b"hi",
            "trailing bits are ignored"
        );
        assert_eq!(crate::base64::b64decode("-_aGk=").unwrap(), b"hi");
        assert_eq!(crate::base64::b64decode("").unwrap(), b"");
        assert_eq!(
            crate::base64::b64decode("aGk").unwrap_err(),
            "Incorrect padding"
        );
        assert!(crate::base64::b64decode("aGkab")
            .unwrap_err()
            .contains("number of data characters (5)"));
        assert!(crate::base64::b64decode("é").is_err());
    }

    #[test]
    fn codecs() {
        assert_eq!(Codec::parse("UTF-8").unwrap(), Codec::Utf8);
        assert_eq!(Codec::parse("utf_8_sig").unwrap(), Codec::Utf8Sig);
        assert_eq!(Codec::parse("Latin-1").unwrap(), Codec::Latin1);
        assert_eq!(Codec::parse("utf-16-le").unwrap(), Codec::Utf16Le);
        assert!(Codec::parse("klingon").is_err());
        assert_eq!(Codec::Latin1.decode(b"caf\xe9").unwrap(), "café");
        assert!(Codec::Ascii.decode(b"caf\xe9").is_err());
        assert!(Codec::Utf8.decode(b"caf\xe9").is_err());
        assert_eq!(Codec::Utf8.decode(b"\xef\xbb\xbfa").unwrap(), "\u{feff}a");
        assert_eq!(Codec::Utf8Sig.decode(b"\xef\xbb\xbfa").unwrap(), "a");
        let utf16 = Codec::Utf16.encode("hé", true).unwrap();
        assert_eq!(utf16, b"\xff\xfeh\x00\xe9\x00");
        assert_eq!(Codec::Utf16.decode(&utf16).unwrap(), "hé");
        assert_eq!(Codec::Utf16Be.encode("h", true).unwrap(), b"\x00h");
        assert!(Codec::Ascii.encode("é", true).is_err());
        assert_eq!(Codec::Latin1.encode("é", true).unwrap(), b"\xe9");
        assert_eq!(universal_newlines("a\r\nb\rc\n".into()), "a\nb\nc\n");
    }
}
