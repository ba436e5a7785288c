//! Logs, metrics and traces (feature `telemetry`; OpenTelemetry export with feature `otel`).
//!
//! [`init`] installs a `tracing` subscriber from the settings: the level from
//! `NODETOOL_LOG_LEVEL`, else `LOG_LEVEL` (NodeTool's names: DEBUG, INFO, WARNING, ERROR; or
//! `RUST_LOG`-style directives), else `RUST_LOG`; human lines with colour (unless `NO_COLOR`
//! or stderr is not a terminal) or, with `NODETOOL_LOG_FORMAT=json`, one JSON object a line;
//! `NODETOOL_LOG_DATEFMT` a strftime format for times. Logs go to stderr, and the value of
//! every secret setting is replaced by `[redacted]` before a line is written. Runs, nodes,
//! HTTP requests, provider calls and agent subtasks are spans, so each line of a job carries
//! its job id. [`metrics`] holds the Prometheus metrics.
//!
//! ```no_run
//! // In a binary or an example: one line.
//! let _telemetry = nodetool::telemetry::init_from_env();
//! ```

mod logs;
mod metrics;
#[cfg(feature = "otel")]
mod otel;

pub use logs::{LogFormat, LogSettings};
pub use metrics::{metrics, Metrics, OpenConnection};

use crate::config::Environment;

/// Why telemetry could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// A log setting has a value that cannot be used.
    #[error("{setting}: {message}")]
    Setting {
        /// The setting.
        setting: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The settings could not be read.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// A subscriber is installed already.
    #[error("a log subscriber is installed already")]
    AlreadyInstalled,
    /// The OpenTelemetry exporter could not be set up.
    #[error("OpenTelemetry: {0}")]
    Otel(String),
}

/// Keeps telemetry running; dropping it flushes what is buffered (OpenTelemetry spans).
#[derive(Debug, Default)]
#[must_use = "dropping the guard flushes and stops span export"]
pub struct TelemetryGuard {
    /// Held only to be dropped: flushes span export.
    #[cfg(feature = "otel")]
    _otel: Option<otel::OtelGuard>,
}

/// Installs the process's log subscriber (and the OpenTelemetry exporter when
/// `OTEL_EXPORTER_OTLP_ENDPOINT` is set and the `otel` feature is on).
pub fn init(env: &Environment) -> Result<TelemetryGuard, TelemetryError> {
    install(env, &LogSettings::from_env(env)?)
}

/// Installs the process's log subscriber with these settings; secrets and the
/// OpenTelemetry endpoint come from `env`.
pub fn install(
    env: &Environment,
    settings: &LogSettings,
) -> Result<TelemetryGuard, TelemetryError> {
    let secrets = logs::secret_values(env);
    // The first installation's secrets are the process's (a second one fails below).
    let _ = REDACTION.set(logs::Redacting::new(std::sync::Arc::clone(&secrets)));
    let layer = logs::layer(settings, secrets)?;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    #[cfg_attr(not(feature = "otel"), allow(unused_mut))]
    let mut layers = vec![layer];
    #[cfg(feature = "otel")]
    let otel = {
        let (otel_layer, guard) = otel::layer(env)?;
        layers.extend(otel_layer);
        guard
    };
    tracing_subscriber::registry()
        .with(layers)
        .try_init()
        .map_err(|_| TelemetryError::AlreadyInstalled)?;
    Ok(TelemetryGuard {
        #[cfg(feature = "otel")]
        _otel: otel,
    })
}

/// The secrets of the installed subscriber, for text written to stderr beside the logs.
static REDACTION: std::sync::OnceLock<logs::Redacting> = std::sync::OnceLock::new();

/// `text` with the value of every secret setting replaced by `[redacted]`, as log lines are
/// (unchanged before [`init`]): for what a binary prints outside the log, such as a final
/// error whose cause quotes a server's answer.
///
/// ```
/// assert_eq!(nodetool::telemetry::redact("no secrets here"), "no secrets here");
/// ```
pub fn redact(text: &str) -> std::borrow::Cow<'_, str> {
    match REDACTION.get() {
        Some(redacting) => redacting.redact(text),
        None => std::borrow::Cow::Borrowed(text),
    }
}

/// [`init`] with this process's settings ([`Environment::load`]).
pub fn init_from_env() -> Result<TelemetryGuard, TelemetryError> {
    init(&Environment::load()?)
}
