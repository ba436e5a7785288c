//! OpenTelemetry span export over OTLP/HTTP (feature `otel`): every `tracing` span (jobs,
//! nodes, requests, provider calls, agent subtasks) goes to the collector at
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (`…/v1/traces`, or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`),
//! named by `OTEL_SERVICE_NAME` (default `nodetool`).

use super::TelemetryError;
use crate::config::Environment;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig};
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use tracing_subscriber::layer::Layer;
use tracing_subscriber::Registry;

/// Flushes and stops the exporter when dropped.
#[derive(Debug)]
pub(crate) struct OtelGuard {
    provider: SdkTracerProvider,
}

impl Drop for OtelGuard {
    fn drop(&mut self) {
        if let Err(error) = self.provider.shutdown() {
            eprintln!("nodetool: OpenTelemetry export did not shut down cleanly: {error}");
        }
    }
}

/// A boxed layer of the process's subscriber.
type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// The export layer, when an endpoint is configured.
pub(crate) fn layer(
    env: &Environment,
) -> Result<(Option<BoxedLayer>, Option<OtelGuard>), TelemetryError> {
    let set = |k: &str| {
        env.get(k)
            .filter(|v| !v.trim().is_empty())
            .map(str::to_owned)
    };
    let endpoint = match (
        set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
        set("OTEL_EXPORTER_OTLP_ENDPOINT"),
    ) {
        (Some(traces), _) => traces,
        (None, Some(base)) => format!("{}/v1/traces", base.trim_end_matches('/')),
        (None, None) => return Ok((None, None)),
    };
    let exporter = SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(endpoint)
        .build()
        .map_err(|e| TelemetryError::Otel(e.to_string()))?;
    let service = set("OTEL_SERVICE_NAME").unwrap_or_else(|| "nodetool".to_owned());
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(Resource::builder().with_service_name(service).build())
        .build();
    let tracer = provider.tracer("nodetool");
    // Spans of jobs, requests and calls, and of each node run (DEBUG), whatever the log level.
    let filter = tracing_subscriber::EnvFilter::new("info,nodetool=debug");
    let layer = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_filter(filter);
    Ok((Some(Box::new(layer)), Some(OtelGuard { provider })))
}
