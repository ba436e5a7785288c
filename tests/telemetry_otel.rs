//! OpenTelemetry export: `nodetool run` with `OTEL_EXPORTER_OTLP_ENDPOINT`
//! send their spans to a local collector stand-in that speaks OTLP over HTTP (protobuf
//! `ExportTraceServiceRequest` on `POST /v1/traces`, answered with an empty
//! `ExportTraceServiceResponse`), and the spans are those of the job and its nodes.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What the collector received: each span with its service name.
#[derive(Default)]
struct Collector {
    spans: Mutex<Vec<(String, Span)>>,
    content_types: Mutex<Vec<String>>,
}

async fn traces(
    State(collector): State<Arc<Collector>>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    collector.content_types.lock().unwrap().push(content_type);
    let Ok(request) = ExportTraceServiceRequest::decode(body) else {
        return (StatusCode::BAD_REQUEST, Vec::new());
    };
    for resource_spans in request.resource_spans {
        let service = resource_spans
            .resource
            .iter()
            .flat_map(|r| &r.attributes)
            .find(|a| a.key == "service.name")
            .and_then(|a| a.value.as_ref()?.value.as_ref())
            .map(|v| match v {
                AnyValue::StringValue(s) => s.clone(),
                other => format!("{other:?}"),
            })
            .unwrap_or_default();
        for scope in resource_spans.scope_spans {
            for span in scope.spans {
                collector
                    .spans
                    .lock()
                    .unwrap()
                    .push((service.clone(), span));
            }
        }
    }
    (
        StatusCode::OK,
        ExportTraceServiceResponse::default().encode_to_vec(),
    )
}

fn attributes(span: &Span) -> HashMap<String, String> {
    span.attributes
        .iter()
        .filter_map(|a| {
            let value = match a.value.as_ref()?.value.as_ref()? {
                AnyValue::StringValue(s) => s.clone(),
                AnyValue::IntValue(i) => i.to_string(),
                AnyValue::DoubleValue(d) => d.to_string(),
                AnyValue::BoolValue(b) => b.to_string(),
                other => format!("{other:?}"),
            };
            Some((a.key.clone(), value))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_exports_its_job_and_node_spans_over_otlp_http() {
    let collector = Arc::new(Collector::default());
    let app = Router::new()
        .route("/v1/traces", post(traces))
        .with_state(Arc::clone(&collector));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let home = tempfile::tempdir().unwrap();
    let endpoint = format!("http://{addr}");
    let out = tokio::task::spawn_blocking({
        let home = home.path().to_owned();
        move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_nodetool"))
                .args([
                    "run",
                    "tests/fixtures/math_chain.json",
                    "--param",
                    "x=12",
                    "--json",
                ])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .env_clear()
                .env("HOME", home)
                .env("ENV", "development")
                .env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
                .env("OTEL_SERVICE_NAME", "nodetool-test")
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // The export went out before the process ended (the guard flushes it), and logged nothing
    // at the default level.
    assert_eq!(String::from_utf8_lossy(&out.stdout), "{\"root\":6.0}\n");
    assert!(!stderr.contains("OpenTelemetry"), "{stderr}");

    let spans = collector.spans.lock().unwrap().clone();
    assert!(collector
        .content_types
        .lock()
        .unwrap()
        .iter()
        .all(|c| c == "application/x-protobuf"));
    assert!(spans.iter().all(|(service, _)| service == "nodetool-test"));
    let jobs: Vec<&Span> = spans
        .iter()
        .map(|(_, s)| s)
        .filter(|s| s.name == "job")
        .collect();
    assert_eq!(jobs.len(), 1, "{spans:#?}");
    let job = jobs[0];
    let job_id = attributes(job)["job_id"].clone();
    assert_eq!(job_id.len(), 32);
    assert_eq!(attributes(job)["user_id"], "1");
    // Each node ran in a span under the job's, in the same trace.
    let nodes: HashMap<String, String> = spans
        .iter()
        .map(|(_, s)| s)
        .filter(|s| s.name == "node")
        .inspect(|s| {
            assert_eq!(s.trace_id, job.trace_id);
            assert_eq!(s.parent_span_id, job.span_id);
            assert!(s.end_time_unix_nano >= s.start_time_unix_nano);
        })
        .map(|s| {
            let a = attributes(s);
            (a["node_id"].clone(), a["node_type"].clone())
        })
        .collect();
    assert_eq!(nodes.get("sqrt").map(String::as_str), Some("lib.math.Sqrt"));
    assert_eq!(nodes.len(), 5, "{nodes:?}");
}
