//! `lib.http` nodes against a real HTTP server on 127.0.0.1 (axum): methods, bodies, charsets,
//! headers, redirects, retries, errors and downloads into the workspace.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use nodetool::prelude::*;
use nodetool::workspace::Workspace;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

mod node_harness;
use node_harness::run_node;

async fn echo(method: Method, headers: HeaderMap, body: Bytes) -> String {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .map_or("-", |v| v.to_str().unwrap_or("?"))
        .to_owned();
    format!("{method} {ct} {}", String::from_utf8_lossy(&body))
}

async fn json_echo(method: Method, headers: HeaderMap, body: Bytes) -> Response {
    let accept = headers
        .get(header::ACCEPT)
        .map(|v| v.to_str().unwrap_or("?").to_owned());
    let got: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    axum::Json(json!({"method": method.as_str(), "got": got, "accept": accept})).into_response()
}

async fn flaky(State(hits): State<Arc<AtomicUsize>>) -> Response {
    if hits.fetch_add(1, Ordering::SeqCst) == 0 {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "0")],
            "busy",
        )
            .into_response()
    } else {
        "recovered".into_response()
    }
}

/// Starts the server; returns its base URL.
async fn server() -> String {
    nodetool_std_nodes::http::allow_private_networks(true);
    let app = Router::new()
        .route(
            "/text",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    "héllo ✓",
                )
            }),
        )
        .route(
            "/latin1",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/plain; charset=ISO-8859-1")],
                    vec![b'c', 0xe9],
                )
            }),
        )
        .route("/echo", any(echo))
        .route("/json", any(json_echo))
        .route("/list", get(|| async { axum::Json(json!([1, 2])) }))
        .route(
            "/headers",
            get(|| async {
                let mut h = HeaderMap::new();
                h.append("x-multi", "a".parse().unwrap());
                h.append("x-multi", "b".parse().unwrap());
                (h, "")
            }),
        )
        .route(
            "/redirect",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/text")]) }),
        )
        .route(
            "/post-redirect",
            any(|| async { (StatusCode::SEE_OTHER, [(header::LOCATION, "/echo")]) }),
        )
        .route(
            "/loop",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/loop")]) }),
        )
        .route(
            "/missing",
            get(|| async { (StatusCode::NOT_FOUND, "nothing here") }),
        )
        .route("/flaky", get(flaky))
        .route(
            "/attach",
            get(|| async {
                (
                    [(
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"named.txt\"",
                    )],
                    "attached",
                )
            }),
        )
        .route("/files/report.csv", get(|| async { "a,b\n1,2\n" }))
        .route(
            "/data.csv",
            get(|| async { "name;age;city\nAda;36;London\n\"Zoë; Jr\";x;\nBob;;Paris\n" }),
        )
        .route("/data.tsv", get(|| async { "name\tage\nAda\t36.9\n" }))
        .route(
            "/data.json",
            get(|| async {
                axum::Json(json!([{"name": "Ada", "age": "36"}, {"name": "Bob", "extra": true}]))
            }),
        )
        .route(
            "/rows.json",
            get(|| async { axum::Json(json!([["name", "age"], ["Ada", 36.5]])) }),
        )
        .route(
            "/doc",
            get(|| async { ([(header::CONTENT_TYPE, "application/pdf")], "%PDF-1.4") }),
        )
        .with_state(Arc::new(AtomicUsize::new(0)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

async fn http(node: &str, data: Value) -> Result<Value, String> {
    run_node(&format!("lib.http.{node}"), data).await
}

#[tokio::test]
async fn text_requests_send_and_decode_bodies() {
    let base = server().await;
    assert_eq!(
        http("GetRequest", json!({"url": format!("{base}/text")})).await,
        Ok(json!("héllo ✓"))
    );
    assert_eq!(
        http("GetRequest", json!({"url": format!("{base}/latin1")})).await,
        Ok(json!("cé"))
    );
    assert_eq!(
        http(
            "PostRequest",
            json!({"url": format!("{base}/echo"), "data": "ünï"})
        )
        .await,
        Ok(json!("POST - ünï"))
    );
    assert_eq!(
        http(
            "PutRequest",
            json!({"url": format!("{base}/echo"), "data": "x"})
        )
        .await,
        Ok(json!("PUT - x"))
    );
    assert_eq!(
        http("DeleteRequest", json!({"url": format!("{base}/echo")})).await,
        Ok(json!("DELETE - "))
    );
    let headers = http("HeadRequest", json!({"url": format!("{base}/headers")}))
        .await
        .unwrap();
    assert_eq!(headers["x-multi"], json!("a, b"));
}

#[tokio::test]
async fn json_requests_send_json_and_parse_objects() {
    let base = server().await;
    let url = format!("{base}/json");
    for (node, method) in [
        ("JSONPostRequest", "POST"),
        ("JSONPutRequest", "PUT"),
        ("JSONPatchRequest", "PATCH"),
    ] {
        let out = http(node, json!({"url": url, "data": {"k": "v", "n": [1, 2]}}))
            .await
            .unwrap();
        assert_eq!(out["method"], method);
        assert_eq!(out["got"], json!({"k": "v", "n": [1, 2]}));
    }
    let out = http("JSONGetRequest", json!({"url": url})).await.unwrap();
    assert_eq!(out["accept"], "application/json");
    let e = http("JSONGetRequest", json!({"url": format!("{base}/list")}))
        .await
        .unwrap_err();
    assert!(
        e.contains("expected a JSON object in the response, got [1,2]"),
        "{e}"
    );
    let e = http("JSONGetRequest", json!({"url": format!("{base}/text")}))
        .await
        .unwrap_err();
    assert!(e.contains("the response is not JSON"), "{e}");
}

#[tokio::test]
async fn redirects_retries_and_errors() {
    let base = server().await;
    assert_eq!(
        http("GetRequest", json!({"url": format!("{base}/redirect")})).await,
        Ok(json!("héllo ✓"))
    );
    // 303 turns a POST into a GET without a body.
    assert_eq!(
        http(
            "PostRequest",
            json!({"url": format!("{base}/post-redirect"), "data": "dropped"})
        )
        .await,
        Ok(json!("GET - "))
    );
    let e = http("GetRequest", json!({"url": format!("{base}/loop")}))
        .await
        .unwrap_err();
    assert!(e.contains("too many redirects"), "{e}");
    let e = http("GetRequest", json!({"url": format!("{base}/missing")}))
        .await
        .unwrap_err();
    assert!(
        e.contains("404 Not Found") && e.contains("nothing here") && e.contains("/missing"),
        "{e}"
    );
    assert_eq!(
        http("GetRequest", json!({"url": format!("{base}/flaky")})).await,
        Ok(json!("recovered"))
    );
    // Credentials in the URL stay out of errors.
    let e = http(
        "GetRequest",
        json!({"url": format!("{base}/missing?api_key=sk-secret")}),
    )
    .await
    .unwrap_err();
    assert!(e.contains("/missing") && !e.contains("sk-secret"), "{e}");
    let e = http("GetRequest", json!({"url": "not a url"}))
        .await
        .unwrap_err();
    assert!(e.contains("url: `not a url` is not a valid URL"), "{e}");
    let e = http("GetRequest", json!({})).await.unwrap_err();
    assert!(e.contains("url:"), "{e}");
}

#[tokio::test]
async fn documents_valid_urls_and_downloads() {
    let base = server().await;
    let doc = http("GetRequestDocument", json!({"url": format!("{base}/doc")}))
        .await
        .unwrap();
    assert_eq!(doc["type"], "document");
    assert_eq!(doc["uri"], "data:application/pdf;base64,JVBERi0xLjQ=");

    let valid = http(
        "FilterValidURLs",
        json!({"urls": [format!("{base}/text"), format!("{base}/missing"), "http://[::1", format!("{base}/redirect")],
               "max_concurrent_requests": 2}),
    )
    .await
    .unwrap();
    assert_eq!(
        valid,
        json!([format!("{base}/text"), format!("{base}/redirect")])
    );

    let dir = tempfile::tempdir().unwrap();
    let ctx = ProcessingContext::builder()
        .workspace(Workspace::new(dir.path()).unwrap())
        .build();
    let urls = json!([
        format!("{base}/files/report.csv"),
        format!("{base}/attach"),
        format!("{base}/missing")
    ]);
    let data = json!({"urls": urls, "output_folder": "dl"});
    let success = node_harness::run_output("lib.http.DownloadFiles", data.clone(), "success", &ctx)
        .await
        .unwrap();
    assert_eq!(success, json!(["dl/report.csv", "dl/named.txt"]));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("dl/report.csv")).unwrap(),
        "a,b\n1,2\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("dl/named.txt")).unwrap(),
        "attached"
    );
    let failed = node_harness::run_output("lib.http.DownloadFiles", data, "failed", &ctx)
        .await
        .unwrap();
    assert_eq!(failed, json!([format!("{base}/missing")]));
    let e = node_harness::run_output(
        "lib.http.DownloadFiles",
        json!({"urls": urls, "output_folder": "../out"}),
        "success",
        &ctx,
    )
    .await
    .unwrap_err();
    assert!(e.contains("outside the workspace"), "{e}");
    let e = node_harness::run_output(
        "lib.http.DownloadFiles",
        json!({"urls": urls}),
        "success",
        &ProcessingContext::default(),
    )
    .await
    .unwrap_err();
    assert!(e.contains("this run has no workspace"), "{e}");
}

#[tokio::test]
async fn dataframes_download_as_csv_tsv_and_json() {
    let base = server().await;
    let columns = json!({"type": "record_type", "columns": [
        {"name": "name", "data_type": "string"}, {"name": "age", "data_type": "int"},
        {"name": "missing", "data_type": "float"}]});
    let table = http(
        "DownloadDataframe",
        json!({"url": format!("{base}/data.csv"), "delimiter": ";", "columns": columns}),
    )
    .await
    .unwrap();
    assert_eq!(table["type"], "dataframe");
    assert_eq!(
        table["data"],
        json!([
            ["Ada", 36, null],
            ["Zoë; Jr", null, null],
            ["Bob", null, null]
        ])
    );
    assert_eq!(table["columns"][1]["name"], "age");
    let tsv = http(
        "DownloadDataframe",
        json!({"url": format!("{base}/data.tsv"), "file_format": "tsv", "columns": columns}),
    )
    .await
    .unwrap();
    assert_eq!(tsv["data"], json!([["Ada", 36, null]]));
    let objects = http(
        "DownloadDataframe",
        json!({"url": format!("{base}/data.json"), "file_format": "json", "columns": columns}),
    )
    .await
    .unwrap();
    assert_eq!(
        objects["data"],
        json!([["Ada", 36, null], ["Bob", null, null]])
    );
    let rows = http(
        "DownloadDataframe",
        json!({"url": format!("{base}/rows.json"), "file_format": "json", "columns": columns}),
    )
    .await
    .unwrap();
    assert_eq!(rows["data"], json!([["Ada", 36, null]]));
    let e = http(
        "DownloadDataframe",
        json!({"url": format!("{base}/data.csv"), "delimiter": ";;", "columns": columns}),
    )
    .await
    .unwrap_err();
    assert!(e.contains("must be a 1-character string"), "{e}");
    let e = http(
        "DownloadDataframe",
        json!({"url": format!("{base}/data.csv"), "encoding": "koi8-r", "columns": columns}),
    )
    .await
    .unwrap_err();
    assert!(
        e.contains("encoding: `koi8-r` is not a supported encoding"),
        "{e}"
    );
    let none = http(
        "DownloadDataframe",
        json!({"url": format!("{base}/data.csv")}),
    )
    .await
    .unwrap();
    assert_eq!(none["data"], json!([]));
}
