//! [`Environment`]: every configuration value with the layer it came from.
//!
//! Layers, later ones overriding earlier ones (NodeTool's documented order):
//! 1. built-in defaults ([`DEFAULT_ENV`], plus `DB_PATH` and `CHROMA_PATH` in the data folder);
//! 2. `.env`, `.env.{env}`, `.env.{env}.local` from the current directory (not in `test`);
//! 3. the process environment;
//! 4. `settings.yaml` (a null or empty value there does not override).
//!
//! Secrets (settings declared `is_secret`) resolve the environment first: a value from the
//! process or a `.env` file wins over `settings.yaml`, and `secrets.yaml` only fills in what
//! no environment layer gives.
//!
//! Python NodeTool 0.6.3 loads its `.env` files with `override=False`, so there the *first*
//! file that sets a variable wins, against its own documentation; 0.8.2 follows the
//! documentation, as this crate does. 0.8.2 also reads the process environment before
//! `settings.yaml`; this crate keeps the documented order (and 0.6.3's): `settings.yaml` last.
//! `tests/config_python_parity.rs` runs Python NodeTool's own code on the same files.

pub use super::error::{ConfigError, Source};
use super::files;
use super::registry::SettingsRegistry;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// NodeTool's built-in defaults (those with a value; `DB_PATH` and `CHROMA_PATH` are added
/// in the data folder).
pub const DEFAULT_ENV: &[(&str, &str)] = &[
    ("ASSET_BUCKET", "images"),
    ("AUTH_PROVIDER", "local"),
    ("AWS_REGION", "us-east-1"),
    ("ENV", "development"),
    ("JOB_EXECUTION_STRATEGY", "threaded"),
    ("LOG_LEVEL", "INFO"),
    ("NODETOOL_ENABLE_TERMINAL_WS", "1"),
];

/// Which kind of asset storage the environment asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageKind {
    /// In memory (the test environment).
    Memory,
    /// Local files.
    Local,
    /// An S3-compatible store.
    S3,
}

/// Every configuration value of this process, with the layer each came from.
///
/// ```
/// use nodetool::config::{Environment, Source};
/// let env = Environment::builder()
///     .process_env([("ENV", "production"), ("LOG_LEVEL", "DEBUG")])
///     .settings_file(None)
///     .secrets_file(None)
///     .dotenv_dir(None)
///     .build()
///     .unwrap();
/// assert_eq!(env.name(), "production");
/// assert_eq!(env.get("LOG_LEVEL"), Some("DEBUG"));
/// assert_eq!(env.source("AWS_REGION"), Some(&Source::Default));
/// assert_eq!(env.get_or("NOT_SET", "fallback"), "fallback");
/// ```
#[derive(Clone)]
pub struct Environment {
    name: String,
    values: BTreeMap<String, (String, Source)>,
}

impl Environment {
    /// Loads this process's environment: `.env` files from the current directory, the process
    /// environment, NodeTool's `settings.yaml` and `secrets.yaml`.
    pub fn load() -> Result<Self, ConfigError> {
        Self::builder().build()
    }

    /// This environment with `values` (a user's secrets) filling in what it does not set:
    /// the environment wins, as for [`get_secret`](crate::models::get_secret).
    ///
    /// ```
    /// use nodetool::config::Environment;
    /// let env = Environment::builder().process_env([("A", "1")]).dotenv_dir(None)
    ///     .settings_file(None).secrets_file(None).build().unwrap();
    /// let mine = env.with_fallbacks([("A".to_owned(), "9".to_owned()), ("B".to_owned(), "2".to_owned())]);
    /// assert_eq!((mine.get("A"), mine.get("B")), (Some("1"), Some("2")));
    /// ```
    pub fn with_fallbacks(&self, values: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut env = self.clone();
        for (key, value) in values {
            let unset = env.get(&key).is_none_or(|v| v.trim().is_empty());
            if unset {
                env.values.insert(key, (value, Source::UserSecret));
            }
        }
        env
    }

    /// A builder whose defaults are this process's (see [`Environment::load`]).
    pub fn builder() -> EnvironmentBuilder {
        EnvironmentBuilder::default()
    }

    /// `development`, `test`, `production`, or what `ENV` says.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether this is the test environment.
    pub fn is_test(&self) -> bool {
        self.name == "test"
    }

    /// Whether this is production.
    pub fn is_production(&self) -> bool {
        self.name == "production"
    }

    /// The value of `key`, if some layer sets it.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(|(v, _)| v.as_str())
    }

    /// The value of `key`, or `default`.
    pub fn get_or<'a>(&'a self, key: &str, default: &'a str) -> &'a str {
        self.get(key).unwrap_or(default)
    }

    /// The value of `key`; an error naming it when no layer sets it.
    pub fn require(&self, key: &str) -> Result<&str, ConfigError> {
        self.get(key).ok_or_else(|| ConfigError::Missing {
            key: key.to_owned(),
        })
    }

    /// The value of `key` parsed as `T` (`None` when unset); the error names the key, the
    /// layer and the type, never the value.
    pub fn get_parsed<T>(&self, key: &str) -> Result<Option<T>, ConfigError>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        let Some((value, source)) = self.values.get(key) else {
            return Ok(None);
        };
        value
            .trim()
            .parse()
            .map(Some)
            .map_err(|e: T::Err| ConfigError::Invalid {
                key: key.to_owned(),
                origin: source.clone(),
                expected: std::any::type_name::<T>(),
                message: e.to_string(),
            })
    }

    /// Where the value of `key` came from.
    pub fn source(&self, key: &str) -> Option<&Source> {
        self.values.get(key).map(|(_, s)| s)
    }

    /// Where assets are stored: in memory in the test environment (as NodeTool does), in an
    /// S3-compatible store when `S3_ENDPOINT_URL` or `S3_ACCESS_KEY_ID` is set, else in local
    /// files.
    pub fn storage_kind(&self) -> StorageKind {
        if self.is_test() {
            StorageKind::Memory
        } else if ["S3_ENDPOINT_URL", "S3_ACCESS_KEY_ID"]
            .iter()
            .any(|k| self.get(k).is_some_and(|v| !v.is_empty()))
        {
            StorageKind::S3
        } else {
            StorageKind::Local
        }
    }

    /// Every variable that has a value, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }
}

/// Whether a variable's value must never be shown: a declared secret, or a name that says so.
pub(crate) fn is_sensitive(key: &str) -> bool {
    SettingsRegistry::global().is_secret(key)
        || ["KEY", "TOKEN", "SECRET", "PASSWORD"]
            .iter()
            .any(|word| key.to_ascii_uppercase().contains(word))
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (key, (value, source)) in &self.values {
            let shown = if is_sensitive(key) {
                "<redacted>"
            } else {
                value
            };
            map.entry(key, &format_args!("{shown:?} ({source})"));
        }
        map.finish()?;
        write!(f, " in {}", self.name)
    }
}

/// Builds an [`Environment`]; each source can be replaced (tests, tools) or turned off.
#[derive(Clone)]
pub struct EnvironmentBuilder {
    process: Vec<(String, String)>,
    dotenv_dir: Option<PathBuf>,
    settings_file: Option<PathBuf>,
    secrets_file: Option<PathBuf>,
    data_dir: PathBuf,
}

impl fmt::Debug for EnvironmentBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let process: Vec<(&str, &str)> = self
            .process
            .iter()
            .map(|(k, v)| {
                let shown = if is_sensitive(k) {
                    "<redacted>"
                } else {
                    v.as_str()
                };
                (k.as_str(), shown)
            })
            .collect();
        f.debug_struct("EnvironmentBuilder")
            .field("process", &process)
            .field("dotenv_dir", &self.dotenv_dir)
            .field("settings_file", &self.settings_file)
            .field("secrets_file", &self.secrets_file)
            .field("data_dir", &self.data_dir)
            .finish()
    }
}

impl Default for EnvironmentBuilder {
    fn default() -> Self {
        Self {
            process: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
            dotenv_dir: std::env::current_dir().ok(),
            settings_file: Some(files::settings_path()),
            secrets_file: Some(files::secrets_path()),
            data_dir: files::data_dir(),
        }
    }
}

impl EnvironmentBuilder {
    /// Uses `vars` as the process environment.
    pub fn process_env<K: Into<String>, V: Into<String>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.process = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self
    }

    /// Reads the `.env` files from `dir` (`None`: none).
    pub fn dotenv_dir(mut self, dir: Option<&Path>) -> Self {
        self.dotenv_dir = dir.map(Path::to_owned);
        self
    }

    /// Reads `settings.yaml` from `path` (`None`: none).
    pub fn settings_file(mut self, path: Option<&Path>) -> Self {
        self.settings_file = path.map(Path::to_owned);
        self
    }

    /// Reads `secrets.yaml` from `path` (`None`: none).
    pub fn secrets_file(mut self, path: Option<&Path>) -> Self {
        self.secrets_file = path.map(Path::to_owned);
        self
    }

    /// Puts the default database and vector store in `dir`.
    pub fn data_dir(mut self, dir: &Path) -> Self {
        self.data_dir = dir.to_owned();
        self
    }

    /// Reads every layer.
    pub fn build(self) -> Result<Environment, ConfigError> {
        let process: BTreeMap<&str, &str> = self
            .process
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let name = detect_name(&process);
        let mut values: BTreeMap<String, (String, Source)> = DEFAULT_ENV
            .iter()
            .map(|(k, v)| ((*k).to_owned(), ((*v).to_owned(), Source::Default)))
            .collect();
        for (key, file) in [("DB_PATH", "nodetool.sqlite3"), ("CHROMA_PATH", "chroma")] {
            let path = self.data_dir.join(file).to_string_lossy().into_owned();
            values.insert(key.to_owned(), (path, Source::Default));
        }
        values.insert("ENV".to_owned(), (name.clone(), Source::Default));

        if name != "test" {
            if let Some(dir) = &self.dotenv_dir {
                for file in [
                    ".env".to_owned(),
                    format!(".env.{name}"),
                    format!(".env.{name}.local"),
                ] {
                    let path = dir.join(file);
                    for (key, value) in read_dotenv(&path)? {
                        values.insert(key, (value, Source::DotEnv(path.clone())));
                    }
                }
            }
        }
        for (key, value) in &process {
            values.insert((*key).to_owned(), ((*value).to_owned(), Source::Process));
        }
        let registry = SettingsRegistry::global();
        let from_env = |s: &Source| matches!(s, Source::Process | Source::DotEnv(_));
        if let Some(path) = &self.settings_file {
            for (key, value) in files::read_yaml_map(path)? {
                let Some(value) = scalar_text(&value) else {
                    continue;
                };
                let env_wins =
                    registry.is_secret(&key) && values.get(&key).is_some_and(|(_, s)| from_env(s));
                if !env_wins {
                    values.insert(key, (value, Source::SettingsFile(path.clone())));
                }
            }
        }
        if let Some(path) = &self.secrets_file {
            for (key, value) in files::read_yaml_map(path)? {
                let Some(value) = scalar_text(&value) else {
                    continue;
                };
                if !values.get(&key).is_some_and(|(_, s)| from_env(s)) {
                    values.insert(key, (value, Source::SecretsFile(path.clone())));
                }
            }
        }
        if name == "test" && !process.contains_key("DB_PATH") {
            let path = std::env::temp_dir().join("nodetool_test.sqlite3");
            values.insert(
                "DB_PATH".to_owned(),
                (path.to_string_lossy().into_owned(), Source::Test),
            );
        }
        Ok(Environment { name, values })
    }
}

/// `ENV`, then `NODETOOL_ENV`, then `test` under pytest or cargo-nextest, else `development`.
/// Only the process environment decides it (as in NodeTool, which picks the `.env.{env}` files
/// by it): an `ENV` in a `.env` file or `settings.yaml` does not rename the environment.
fn detect_name(process: &BTreeMap<&str, &str>) -> String {
    for key in ["ENV", "NODETOOL_ENV"] {
        if let Some(v) = process.get(key).filter(|v| !v.trim().is_empty()) {
            return v.trim().to_owned();
        }
    }
    if ["PYTEST_CURRENT_TEST", "NEXTEST_RUN_ID"]
        .iter()
        .any(|k| process.contains_key(k))
    {
        return "test".to_owned();
    }
    "development".to_owned()
}

/// A YAML value as the text an environment variable would hold; `None` for null or empty
/// (which do not override, as in NodeTool).
fn scalar_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) if s.is_empty() => None,
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Bool(b) => Some(if *b { "true" } else { "false" }.to_owned()),
        other => Some(other.to_string()),
    }
}

/// The variables of a `.env` file (none when it does not exist).
fn read_dotenv(path: &Path) -> Result<Vec<(String, String)>, ConfigError> {
    let Some(text) = files::read_optional(path)? else {
        return Ok(Vec::new());
    };
    let mut vars = Vec::new();
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        match item {
            Ok(pair) => vars.push(pair),
            Err(dotenvy::Error::LineParse(line_text, _)) => {
                let line = text
                    .lines()
                    .position(|l| l.contains(line_text.lines().next().unwrap_or("")))
                    .map_or(0, |i| i + 1);
                return Err(ConfigError::DotEnv {
                    path: path.to_owned(),
                    line,
                    message: "expected `NAME=value`".to_owned(),
                });
            }
            Err(e) => {
                return Err(ConfigError::DotEnv {
                    path: path.to_owned(),
                    line: 0,
                    message: e.to_string(),
                })
            }
        }
    }
    Ok(vars)
}

// The registry's view of an environment lives here, so `registry` needs nothing above it.
impl SettingsRegistry {
    /// Every setting grouped by group (groups and settings in alphabetical order), each with
    /// whether `env` configures it.
    pub fn listing(
        &self,
        env: &Environment,
    ) -> BTreeMap<&'static str, Vec<super::registry::SettingStatus>> {
        let mut groups: BTreeMap<&'static str, Vec<super::registry::SettingStatus>> =
            BTreeMap::new();
        for descriptor in self.iter() {
            groups
                .entry(descriptor.group)
                .or_default()
                .push(super::registry::SettingStatus {
                    descriptor,
                    configured: env.get(descriptor.env_var).is_some_and(|v| !v.is_empty()),
                });
        }
        groups
    }
}
