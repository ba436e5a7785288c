//! A fal.ai queue stand-in (the real one is out of reach here): `POST /{owner}/{app}` queues a
//! request and answers with its `status_url` and `response_url`; the status is `IN_QUEUE`,
//! then `COMPLETED`; the response has one image URL. `Authorization: Key …` is checked.
#![allow(dead_code)]

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

/// The key the stand-in accepts.
pub const KEY: &str = "fal-test-key";

/// What it saw: each submitted (application, arguments), and the status polls.
#[derive(Default)]
pub struct Seen {
    /// Each submission.
    pub submitted: Vec<(String, Value)>,
    /// Status polls so far.
    pub polls: usize,
    base: String,
}

type Shared = Arc<Mutex<Seen>>;

fn authorized(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Key {KEY}"))
}

async fn queue(
    State(seen): State<Shared>,
    Path((owner, app)): Path<(String, String)>,
    headers: HeaderMap,
    Json(arguments): Json<Value>,
) -> (StatusCode, Json<Value>) {
    if !authorized(&headers) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"detail": "No user found for Key ID and Secret"})),
        );
    }
    let mut seen = seen.lock().unwrap();
    seen.submitted.push((format!("{owner}/{app}"), arguments));
    let id = format!("req-{}", seen.submitted.len());
    let base = format!("{}/{owner}/{app}/requests/{id}", seen.base);
    (
        StatusCode::OK,
        Json(
            json!({"request_id": id, "status_url": format!("{base}/status"),
            "response_url": base, "cancel_url": format!("{base}/cancel")}),
        ),
    )
}

async fn status(State(seen): State<Shared>, headers: HeaderMap) -> (StatusCode, Json<Value>) {
    if !authorized(&headers) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"detail": "unauthorized"})),
        );
    }
    let mut seen = seen.lock().unwrap();
    seen.polls += 1;
    let state = if seen.polls % 2 == 1 {
        "IN_QUEUE"
    } else {
        "COMPLETED"
    };
    (
        StatusCode::OK,
        Json(json!({"status": state, "queue_position": 0})),
    )
}

async fn response(Path((_, _, id)): Path<(String, String, String)>) -> Json<Value> {
    Json(
        json!({"images": [{"url": format!("https://v3.fal.media/files/{id}.png"),
        "content_type": "image/png", "file_name": format!("{id}.png")}], "description": ""}),
    )
}

/// Serves the stand-in on a free port: its base URL and what it saw.
pub async fn fal_stand_in() -> (String, Shared) {
    let seen: Shared = Arc::default();
    let app = Router::new()
        .route("/{owner}/{app}", post(queue))
        .route("/{owner}/{app}/requests/{id}/status", get(status))
        .route("/{owner}/{app}/requests/{id}", get(response))
        .with_state(Arc::clone(&seen));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    seen.lock().unwrap().base = base.clone();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, seen)
}
