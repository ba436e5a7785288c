//! The process's metrics, in Prometheus' text format (`GET /metrics` on the server, the
//! worker's `--metrics-port`), over `prometheus-client`.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `nodetool_http_requests_total` | counter | `method`, `route`, `status` |
//! | `nodetool_http_request_duration_seconds` | histogram | `method`, `route` |
//! | `nodetool_jobs_total` | counter | `status` (completed, failed, cancelled) |
//! | `nodetool_jobs_running` | gauge | |
//! | `nodetool_job_duration_seconds` | histogram | |
//! | `nodetool_node_duration_seconds` | histogram | `node_type` |
//! | `nodetool_queue_depth` | gauge | (jobs waiting in the NATS queue) |
//! | `nodetool_job_redeliveries_total` | counter | (jobs delivered to a worker again) |
//! | `nodetool_provider_tokens_total` | counter | `provider`, `kind` (input, output) |
//! | `nodetool_provider_errors_total` | counter | `provider`, `kind` |
//! | `nodetool_websocket_connections` | gauge | |

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::OnceLock;

type Labels = Vec<(String, String)>;

fn duration_histogram() -> Histogram {
    // 100 µs … ~52 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 20))
}

/// Every metric of the process.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    http_requests: Family<Labels, Counter>,
    http_durations: Family<Labels, Histogram, fn() -> Histogram>,
    jobs: Family<Labels, Counter>,
    jobs_running: Gauge,
    job_durations: Histogram,
    node_durations: Family<Labels, Histogram, fn() -> Histogram>,
    queue_depth: Gauge,
    redeliveries: Counter,
    provider_tokens: Family<Labels, Counter>,
    provider_errors: Family<Labels, Counter>,
    websockets: Gauge,
}

/// Whether node executions are timed (see [`Metrics::enable_node_timing`]).
static NODE_TIMING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::with_prefix("nodetool");
        let m = Self {
            http_requests: Family::default(),
            http_durations: Family::new_with_constructor(duration_histogram),
            jobs: Family::default(),
            jobs_running: Gauge::default(),
            job_durations: duration_histogram(),
            node_durations: Family::new_with_constructor(duration_histogram),
            queue_depth: Gauge::default(),
            redeliveries: Counter::default(),
            provider_tokens: Family::default(),
            provider_errors: Family::default(),
            websockets: Gauge::default(),
            registry: Registry::default(),
        };
        registry.register(
            "http_requests",
            "HTTP requests answered",
            m.http_requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request",
            m.http_durations.clone(),
        );
        registry.register("jobs", "Jobs that ended, by status", m.jobs.clone());
        registry.register(
            "jobs_running",
            "Jobs running in this process",
            m.jobs_running.clone(),
        );
        registry.register(
            "job_duration_seconds",
            "Time a job ran in this process",
            m.job_durations.clone(),
        );
        registry.register(
            "node_duration_seconds",
            "Time one execution of a node took, by node type",
            m.node_durations.clone(),
        );
        registry.register(
            "queue_depth",
            "Jobs waiting in the NATS queue",
            m.queue_depth.clone(),
        );
        registry.register(
            "job_redeliveries",
            "Jobs delivered to a worker again (their worker stopped)",
            m.redeliveries.clone(),
        );
        registry.register(
            "provider_tokens",
            "Tokens chat providers read and wrote",
            m.provider_tokens.clone(),
        );
        registry.register(
            "provider_errors",
            "Chat provider errors",
            m.provider_errors.clone(),
        );
        registry.register(
            "websocket_connections",
            "Open WebSocket connections",
            m.websockets.clone(),
        );
        Self { registry, ..m }
    }

    /// Everything in Prometheus' text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }

    /// An HTTP request answered.
    pub fn http_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.http_requests
            .get_or_create(&labels(&[
                ("method", method),
                ("route", route),
                ("status", &status.to_string()),
            ]))
            .inc();
        self.http_durations
            .get_or_create(&labels(&[("method", method), ("route", route)]))
            .observe(seconds);
    }

    /// A job started in this process.
    pub fn job_started(&self) {
        self.jobs_running.inc();
    }

    /// A job of this process ended with `status` after `seconds`.
    pub fn job_ended(&self, status: &str, seconds: f64) {
        self.jobs_running.dec();
        self.jobs
            .get_or_create(&labels(&[("status", status)]))
            .inc();
        self.job_durations.observe(seconds);
    }

    /// Starts timing node executions for `nodetool_node_duration_seconds` (the server and a
    /// worker's metrics port turn it on; it costs two clock reads per execution, so a
    /// program that exports no metrics does not pay for it).
    pub fn enable_node_timing(&self) {
        NODE_TIMING.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether node executions are timed.
    #[inline]
    pub fn node_timing(&self) -> bool {
        NODE_TIMING.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The histogram of node type `node_type`'s executions (kept by a plan, so recording
    /// costs no lookup).
    pub fn node_histogram(&self, node_type: &str) -> Histogram {
        self.node_durations
            .get_or_create_owned(&labels(&[("node_type", node_type)]))
    }

    /// How many jobs wait in the queue.
    pub fn set_queue_depth(&self, depth: u64) {
        self.queue_depth
            .set(i64::try_from(depth).unwrap_or(i64::MAX));
    }

    /// A job was delivered again.
    pub fn redelivered(&self) {
        self.redeliveries.inc();
    }

    /// A provider read `input` and wrote `output` tokens.
    pub fn provider_tokens(&self, provider: &str, input: u64, output: u64) {
        self.provider_tokens
            .get_or_create(&labels(&[("provider", provider), ("kind", "input")]))
            .inc_by(input);
        self.provider_tokens
            .get_or_create(&labels(&[("provider", provider), ("kind", "output")]))
            .inc_by(output);
    }

    /// A provider failed (`kind`: auth, rate_limit, network, …).
    pub fn provider_error(&self, provider: &str, kind: &str) {
        self.provider_errors
            .get_or_create(&labels(&[("provider", provider), ("kind", kind)]))
            .inc();
    }

    /// A WebSocket opened; it counts as open until the guard drops.
    pub fn websocket_opened(&'static self) -> OpenConnection {
        self.websockets.inc();
        OpenConnection {
            gauge: &self.websockets,
        }
    }
}

/// An open WebSocket in `nodetool_websocket_connections`, until dropped.
#[derive(Debug)]
#[must_use = "the connection counts as closed when this drops"]
pub struct OpenConnection {
    gauge: &'static Gauge,
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = metrics();
        m.http_request("GET", "/health", 200, 0.001);
        m.provider_tokens("openai", 3, 4);
        let text = m.render();
        assert!(
            text.contains("# TYPE nodetool_http_requests counter"),
            "{text}"
        );
        assert!(
            text.contains(
                r#"nodetool_http_requests_total{method="GET",route="/health",status="200"}"#
            ),
            "{text}"
        );
        assert!(text.contains(r#"nodetool_provider_tokens_total{provider="openai",kind="output"}"#));
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
