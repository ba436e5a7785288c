//! NodeTool's configuration files: `settings.yaml` and `secrets.yaml` in
//! `~/.config/nodetool/` (`%APPDATA%\nodetool\` on Windows), read and written in the same
//! shape as Python NodeTool (a flat mapping of names to values), so both can share them.

use super::error::ConfigError;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The settings file's name.
pub const SETTINGS_FILE: &str = "settings.yaml";
/// The secrets file's name.
pub const SECRETS_FILE: &str = "secrets.yaml";

/// NodeTool's configuration folder: `~/.config/nodetool` on Linux and macOS (as NodeTool has
/// it, also on macOS), `%APPDATA%\nodetool` on Windows, `data` when neither is known.
pub fn config_dir() -> PathBuf {
    platform_dir(&[".config", "nodetool"], "APPDATA", &["nodetool"])
}

/// NodeTool's data folder (the default database lives here): `~/.local/share/nodetool`,
/// `%LOCALAPPDATA%\nodetool` on Windows.
pub fn data_dir() -> PathBuf {
    platform_dir(
        &[".local", "share", "nodetool"],
        "LOCALAPPDATA",
        &["nodetool"],
    )
}

fn platform_dir(unix: &[&str], windows_var: &str, windows: &[&str]) -> PathBuf {
    let base = if cfg!(windows) {
        std::env::var_os(windows_var).map(|b| (PathBuf::from(b), windows))
    } else {
        std::env::var_os("HOME").map(|b| (PathBuf::from(b), unix))
    };
    match base {
        Some((mut path, parts)) => {
            path.extend(parts);
            path
        }
        None => PathBuf::from("data"),
    }
}

/// `settings.yaml` in [`config_dir`].
pub fn settings_path() -> PathBuf {
    config_dir().join(SETTINGS_FILE)
}

/// `secrets.yaml` in [`config_dir`].
pub fn secrets_path() -> PathBuf {
    config_dir().join(SECRETS_FILE)
}

/// Reads a YAML mapping of names to values; a missing file is an empty mapping. An empty file
/// is empty too (as Python's `yaml.safe_load(f) or {}`).
pub fn read_yaml_map(path: &Path) -> Result<BTreeMap<String, Value>, ConfigError> {
    let Some(text) = read_optional(path)? else {
        return Ok(BTreeMap::new());
    };
    if text.trim().is_empty() {
        return Ok(BTreeMap::new());
    }
    let value: Value = serde_saphyr::from_str(&text).map_err(|e| ConfigError::Yaml {
        path: path.to_owned(),
        message: first_line(&e.to_string()),
    })?;
    match value {
        Value::Null => Ok(BTreeMap::new()),
        Value::Object(map) => Ok(map.into_iter().collect()),
        _ => Err(ConfigError::NotAMapping {
            path: path.to_owned(),
        }),
    }
}

/// The text of the file at `path`; `None` when it does not exist.
pub(crate) fn read_optional(path: &Path) -> Result<Option<String>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ConfigError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

fn first_line(message: &str) -> String {
    message
        .lines()
        .next()
        .unwrap_or(message)
        .trim_start_matches("error: ")
        .to_owned()
}

/// Writes a YAML mapping, replacing the file in one step (a temporary file renamed over it),
/// creating the folder if needed. With `private`, the file is readable by its owner alone
/// (0600 on Unix) from the moment it exists.
pub fn write_yaml_map(
    path: &Path,
    map: &BTreeMap<String, Value>,
    private: bool,
) -> Result<(), ConfigError> {
    let write_error = |source| ConfigError::Write {
        path: path.to_owned(),
        source,
    };
    let text = serde_saphyr::to_string(map).map_err(|e| ConfigError::Yaml {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir).map_err(write_error)?;
    }
    let file_name = path
        .file_name()
        .map_or_else(|| "config".into(), |n| n.to_string_lossy().into_owned());
    // A temporary name no other writer (thread or process) uses, created fresh.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temp = path.with_file_name(format!(".{file_name}.{}.{n}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        // Private files are 0600 from the start; others keep the mode the file had.
        let existing = std::fs::metadata(path)
            .ok()
            .map(|m| m.permissions().mode() & 0o777);
        options.mode(if private {
            0o600
        } else {
            existing.unwrap_or(0o644)
        });
    }
    #[cfg(not(unix))]
    let _ = private;
    let result = options
        .open(&temp)
        .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&temp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.map_err(write_error)
}

/// Sets `key` to `value` in the YAML file at `path`: the file is read first, and if it cannot
/// be read or parsed nothing is written.
pub fn set_value(path: &Path, key: &str, value: Value, private: bool) -> Result<(), ConfigError> {
    let mut map = read_yaml_map(path)?;
    map.insert(key.to_owned(), value);
    write_yaml_map(path, &map, private)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_and_reads_back_a_mapping_with_unicode_and_quotes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("settings.yaml");
        let mut map = BTreeMap::new();
        map.insert("FONT_PATH".to_owned(), json!("/fonts/ünï: \"x\" 'y'"));
        map.insert("OLLAMA_CONTEXT_LENGTH".to_owned(), json!(4096));
        write_yaml_map(&path, &map, false).unwrap();
        assert_eq!(read_yaml_map(&path).unwrap(), map);
        set_value(&path, "LOG_LEVEL", json!("DEBUG"), false).unwrap();
        assert_eq!(read_yaml_map(&path).unwrap().len(), 3);
    }

    #[cfg(unix)]
    #[test]
    fn a_rewritten_file_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.yaml");
        std::fs::write(&path, "A: 1\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        set_value(&path, "B", json!(2), false).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn concurrent_writers_never_corrupt_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.yaml");
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let mut map = BTreeMap::new();
                    map.insert(format!("K{i}"), json!(i));
                    write_yaml_map(&path, &map, false).unwrap();
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(
            read_yaml_map(&path).unwrap().len(),
            1,
            "one whole write won"
        );
    }

    #[cfg(unix)]
    #[test]
    fn secrets_are_readable_by_their_owner_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.yaml");
        set_value(&path, "OPENAI_API_KEY", json!("sk-test"), true).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn a_malformed_file_is_an_error_with_its_line_and_is_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.yaml");
        let text = "A: 1\nB: [unclosed\n";
        std::fs::write(&path, text).unwrap();
        let error = set_value(&path, "C", json!(2), false)
            .unwrap_err()
            .to_string();
        assert!(error.contains("settings.yaml"), "{error}");
        assert!(error.contains("line 2"), "{error}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        std::fs::write(&path, "- a list\n").unwrap();
        let error = read_yaml_map(&path).unwrap_err().to_string();
        assert!(error.contains("mapping"), "{error}");
    }

    #[test]
    fn missing_and_empty_files_are_empty_mappings() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_yaml_map(&dir.path().join("none.yaml"))
            .unwrap()
            .is_empty());
        let empty = dir.path().join("empty.yaml");
        std::fs::write(&empty, "\n").unwrap();
        assert!(read_yaml_map(&empty).unwrap().is_empty());
    }
}
