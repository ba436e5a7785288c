//! Log settings and the formatting layer: level, human or JSON lines, colour, time format,
//! secrets redacted.

use super::TelemetryError;
use crate::config::{Environment, SettingsRegistry, Source};
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use tracing_subscriber::fmt::time::ChronoLocal;
use tracing_subscriber::layer::Layer;
use tracing_subscriber::{EnvFilter, Registry};

/// Human lines or JSON objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One human line per event (the default).
    Text,
    /// One JSON object per line (`NODETOOL_LOG_FORMAT=json`).
    Json,
}

/// How logs are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    /// `tracing` filter directives (e.g. `info`, `warn,nodetool=debug`).
    pub filter: String,
    /// Text or JSON.
    pub format: LogFormat,
    /// ANSI colours in text lines.
    pub color: bool,
    /// A strftime format for times (`NODETOOL_LOG_DATEFMT`); RFC 3339 UTC when `None`.
    pub date_format: Option<String>,
}

/// A NodeTool level name (or `tracing` directives) as directives.
fn directives(setting: &'static str, value: &str) -> Result<String, TelemetryError> {
    let value = value.trim();
    if value.contains('=') || value.contains(',') {
        return Ok(value.to_owned());
    }
    Ok(match value.to_ascii_uppercase().as_str() {
        "TRACE" => "trace",
        "DEBUG" => "debug",
        "INFO" => "info",
        "WARNING" | "WARN" => "warn",
        "ERROR" | "CRITICAL" | "FATAL" => "error",
        "OFF" | "NONE" => "off",
        _ => {
            return Err(TelemetryError::Setting {
                setting,
                message: format!(
                    "unknown log level `{value}` (DEBUG, INFO, WARNING, ERROR, or directives like `info,nodetool=debug`)"
                ),
            })
        }
    }
    .to_owned())
}

impl LogSettings {
    /// The settings `NODETOOL_LOG_LEVEL`, else `LOG_LEVEL` (unless it is only the built-in
    /// default), else `RUST_LOG`, else `LOG_LEVEL`'s default (INFO); `NODETOOL_LOG_FORMAT`;
    /// `NO_COLOR` and whether stderr is a terminal; `NODETOOL_LOG_DATEFMT`.
    pub fn from_env(env: &Environment) -> Result<Self, TelemetryError> {
        Self::from_env_or(env, "INFO")
    }

    /// [`LogSettings::from_env`], with `default_level` (a NodeTool level name or directives)
    /// when no level is configured: command-line tools log only warnings unless asked.
    pub fn from_env_or(env: &Environment, default_level: &str) -> Result<Self, TelemetryError> {
        let set = |k: &str| env.get(k).filter(|v| !v.trim().is_empty());
        let filter = if let Some(v) = set("NODETOOL_LOG_LEVEL") {
            directives("NODETOOL_LOG_LEVEL", v)?
        } else if let Some(v) =
            set("LOG_LEVEL").filter(|_| env.source("LOG_LEVEL") != Some(&Source::Default))
        {
            directives("LOG_LEVEL", v)?
        } else if let Some(v) = set("RUST_LOG") {
            v.to_owned()
        } else {
            directives("LOG_LEVEL", default_level)?
        };
        let format = match set("NODETOOL_LOG_FORMAT")
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("text" | "human" | "plain") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(TelemetryError::Setting {
                    setting: "NODETOOL_LOG_FORMAT",
                    message: format!("`{other}` is not `text` or `json`"),
                })
            }
        };
        Ok(Self {
            filter,
            format,
            color: env.get("NO_COLOR").is_none_or(str::is_empty) && std::io::stderr().is_terminal(),
            date_format: set("NODETOOL_LOG_DATEFMT").map(str::to_owned),
        })
    }
}

/// The values of every secret setting the environment sets (long enough to be worth hiding).
pub(crate) fn secret_values(env: &Environment) -> Arc<[String]> {
    let mut values: Vec<String> = SettingsRegistry::global()
        .iter()
        .filter(|s| s.is_secret)
        .filter_map(|s| env.get(s.env_var))
        .chain(
            [
                "SECRETS_MASTER_KEY",
                "WORKER_AUTH_TOKEN",
                "SUPABASE_JWT_SECRET",
            ]
            .iter()
            .filter_map(|k| env.get(k)),
        )
        .filter(|v| v.len() >= 6)
        .map(str::to_owned)
        .collect();
    // Longest first, so a secret containing another is hidden whole.
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    values.dedup();
    values.into()
}

/// Writes each formatted event to stderr with secrets replaced.
#[derive(Clone)]
pub(crate) struct Redacting {
    secrets: Arc<[String]>,
}

impl Redacting {
    pub(crate) fn new(secrets: Arc<[String]>) -> Self {
        Self { secrets }
    }

    /// `line` with every secret replaced by `[redacted]`.
    pub(crate) fn redact<'a>(&self, line: &'a str) -> std::borrow::Cow<'a, str> {
        if !self.secrets.iter().any(|s| line.contains(s.as_str())) {
            return std::borrow::Cow::Borrowed(line);
        }
        let mut out = line.to_owned();
        for secret in self.secrets.iter() {
            out = out.replace(secret.as_str(), "[redacted]");
        }
        std::borrow::Cow::Owned(out)
    }
}

/// One event's writer (the formatter writes each event whole).
pub(crate) struct RedactingWriter {
    redacting: Redacting,
}

impl Write for RedactingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        std::io::stderr()
            .lock()
            .write_all(self.redacting.redact(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Redacting {
    type Writer = RedactingWriter;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter {
            redacting: self.clone(),
        }
    }
}

/// The filtered formatting layer `settings` describe.
pub(crate) fn layer(
    settings: &LogSettings,
    secrets: Arc<[String]>,
) -> Result<Box<dyn Layer<Registry> + Send + Sync>, TelemetryError> {
    let filter = EnvFilter::try_new(&settings.filter).map_err(|e| TelemetryError::Setting {
        setting: "NODETOOL_LOG_LEVEL",
        message: format!("`{}`: {e}", settings.filter),
    })?;
    let writer = Redacting::new(secrets);
    let base = tracing_subscriber::fmt::layer().with_writer(writer);
    let layer: Box<dyn Layer<Registry> + Send + Sync> =
        match (&settings.format, &settings.date_format) {
            (LogFormat::Json, None) => Box::new(
                base.json()
                    .with_current_span(true)
                    .with_span_list(true)
                    .with_filter(filter),
            ),
            (LogFormat::Json, Some(f)) => Box::new(
                base.json()
                    .with_current_span(true)
                    .with_span_list(true)
                    .with_timer(ChronoLocal::new(f.clone()))
                    .with_filter(filter),
            ),
            (LogFormat::Text, None) => Box::new(base.with_ansi(settings.color).with_filter(filter)),
            (LogFormat::Text, Some(f)) => Box::new(
                base.with_ansi(settings.color)
                    .with_timer(ChronoLocal::new(f.clone()))
                    .with_filter(filter),
            ),
        };
    Ok(layer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Environment {
        Environment::builder()
            .process_env(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
            .dotenv_dir(None)
            .settings_file(None)
            .secrets_file(None)
            .build()
            .unwrap()
    }

    #[test]
    fn the_level_comes_from_nodetools_settings_in_order() {
        let f = |vars: &[(&str, &str)]| LogSettings::from_env(&env(vars)).map(|s| s.filter);
        assert_eq!(f(&[]).unwrap(), "info");
        let quiet = LogSettings::from_env_or(&env(&[]), "WARNING").unwrap();
        assert_eq!(quiet.filter, "warn");
        let asked = LogSettings::from_env_or(&env(&[("LOG_LEVEL", "DEBUG")]), "WARNING").unwrap();
        assert_eq!(asked.filter, "debug");
        assert_eq!(f(&[("LOG_LEVEL", "WARNING")]).unwrap(), "warn");
        assert_eq!(
            f(&[("RUST_LOG", "nodetool=trace")]).unwrap(),
            "nodetool=trace"
        );
        assert_eq!(
            f(&[("LOG_LEVEL", "ERROR"), ("RUST_LOG", "debug")]).unwrap(),
            "error"
        );
        assert_eq!(
            f(&[("NODETOOL_LOG_LEVEL", "DEBUG"), ("LOG_LEVEL", "ERROR")]).unwrap(),
            "debug"
        );
        let err = f(&[("NODETOOL_LOG_LEVEL", "LOUD")])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("NODETOOL_LOG_LEVEL: unknown log level `LOUD`"),
            "{err}"
        );
    }

    #[test]
    fn format_colour_and_dates() {
        let s = LogSettings::from_env(&env(&[
            ("NODETOOL_LOG_FORMAT", "json"),
            ("NO_COLOR", "1"),
            ("NODETOOL_LOG_DATEFMT", "%H:%M"),
        ]))
        .unwrap();
        assert_eq!(s.format, LogFormat::Json);
        assert!(!s.color);
        assert_eq!(s.date_format.as_deref(), Some("%H:%M"));
        assert!(LogSettings::from_env(&env(&[("NODETOOL_LOG_FORMAT", "xml")])).is_err());
    }

    #[test]
    fn secrets_are_redacted() {
        let r = Redacting::new(vec!["sk-long-secret".to_owned(), "sk-long".to_owned()].into());
        assert_eq!(
            r.redact("key=sk-long-secret and sk-long"),
            "key=[redacted] and [redacted]"
        );
        assert!(matches!(
            r.redact("nothing here"),
            std::borrow::Cow::Borrowed(_)
        ));
        let e = env(&[("OPENAI_API_KEY", "sk-abcdef123456"), ("LOG_LEVEL", "INFO")]);
        assert!(secret_values(&e).iter().any(|v| v == "sk-abcdef123456"));
        assert!(!secret_values(&e).iter().any(|v| v == "INFO"));
    }
}
