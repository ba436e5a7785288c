//! The bottom layer of `config`: where a value came from ([`Source`]) and what can go wrong
//! ([`ConfigError`]). Every other config module imports these; they import none of them.

use std::fmt;
use std::path::PathBuf;

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A built-in default.
    Default,
    /// A `.env` file.
    DotEnv(PathBuf),
    /// The process environment.
    Process,
    /// `settings.yaml`.
    SettingsFile(PathBuf),
    /// `secrets.yaml`.
    SecretsFile(PathBuf),
    /// Set for the test environment (`DB_PATH` in the temporary folder).
    Test,
    /// A user's secret in the database.
    UserSecret,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::DotEnv(p) => write!(f, "{}", p.display()),
            Source::Process => f.write_str("process environment"),
            Source::UserSecret => f.write_str("the user's secrets"),
            Source::SettingsFile(p) | Source::SecretsFile(p) => write!(f, "{}", p.display()),
            Source::Test => f.write_str("test environment"),
        }
    }
}

/// A configuration file or value that could not be used. Values are never part of the
/// message (they may be secrets).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A `.env` line could not be parsed.
    #[error("{}: line {line}: {message}", path.display())]
    DotEnv {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A YAML file could not be parsed (the message names line and column).
    #[error("{}: {message}", path.display())]
    Yaml {
        /// The file.
        path: PathBuf,
        /// What is wrong, and where.
        message: String,
    },
    /// A YAML file is not a mapping of names to values.
    #[error("{}: expected a mapping of names to values at the top level", path.display())]
    NotAMapping {
        /// The file.
        path: PathBuf,
    },
    /// A required value is not set in any layer.
    #[error("`{key}` is not set (set it in the environment, a .env file or settings.yaml)")]
    Missing {
        /// The variable.
        key: String,
    },
    /// A value does not parse as the type asked for.
    #[error("`{key}` (from {origin}) is not a valid {expected}: {message}")]
    Invalid {
        /// The variable.
        key: String,
        /// Where the value came from.
        origin: Source,
        /// The type asked for.
        expected: &'static str,
        /// The parser's message.
        message: String,
    },
}
