//! `GET /metrics` and the layers that make every HTTP request a span, an access log line and
//! a sample of the request metrics.

use crate::telemetry::metrics;
use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::{header, HeaderValue, Response};
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::time::{Duration, Instant};
use tower_http::trace::TraceLayer;
use tracing::Span;

/// The content type of Prometheus' OpenMetrics text.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// `GET /metrics`: the process's metrics in OpenMetrics text (no auth: counts, routes and
/// node types, never user data).
pub async fn render() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(OPENMETRICS))],
        metrics().render(),
    )
}

/// A router with only `GET /metrics` and `GET /health` (a worker's `--metrics-port`).
pub fn metrics_router() -> Router {
    metrics().enable_node_timing();
    Router::new()
        .route("/metrics", get(render))
        .route("/health", get(|| async { axum::Json("OK") }))
}

/// Serves [`metrics_router`] on `listener` until `shutdown` (a worker's metrics port).
pub async fn serve_metrics(
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, metrics_router())
        .with_graceful_shutdown(shutdown)
        .await
}

/// The route template a request matched (`/api/jobs/{id}`), so labels stay few.
fn route_of(request: &Request) -> &str {
    request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
}

/// Probes and scrapes are logged at DEBUG, everything else at INFO.
fn is_probe(route: &str) -> bool {
    matches!(route, "/health" | "/metrics")
}

/// Adds the request span, access log and request metrics to `router`'s routes.
pub(crate) fn observe<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    // This router serves `/metrics`: its node duration histograms must fill.
    metrics().enable_node_timing();
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request| {
            let route = route_of(request);
            tracing::info_span!(
                "request",
                method = %request.method(),
                route,
                status = tracing::field::Empty,
            )
        })
        .on_request(())
        .on_response(
            |response: &Response<Body>, _latency: Duration, span: &Span| {
                span.record("status", response.status().as_u16());
            },
        )
        .on_body_chunk(())
        .on_eos(())
        .on_failure(());
    router.layer(axum::middleware::from_fn(count)).layer(trace)
}

/// Records the request in the metrics and the log (latency to the response head), inside
/// the request's span.
async fn count(request: Request, next: Next) -> Response<Body> {
    let method = request.method().clone();
    let route = route_of(&request).to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    metrics().http_request(method.as_str(), &route, status, seconds);
    let latency_ms = seconds * 1000.0;
    if is_probe(&route) {
        tracing::debug!(status, latency_ms, "answered");
    } else {
        tracing::info!(status, latency_ms, "answered");
    }
    response
}
