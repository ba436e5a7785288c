//! A Hugging Face inference API stand-in (the real one is out of reach here) for automatic
//! speech recognition: `POST /models/{owner}/{name}` with `{"inputs": <base64>, "parameters":
//! {"return_timestamps": …}}`, answering `{"text", "chunks"}` in the API's shape.
#![allow(dead_code)]

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

/// The token the stand-in accepts.
pub const TOKEN: &str = "hf_test_token";

/// What every recording says.
pub const TRANSCRIPT: &str = " Hello from the stand-in.";

/// Each request: the model and the body.
pub type Seen = Arc<Mutex<Vec<(String, Value)>>>;

async fn recognize(
    State(seen): State<Seen>,
    Path((owner, name)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(&format!("Bearer {TOKEN}"))
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "Invalid credentials in Authorization header"})),
        );
    }
    let audio = body["inputs"]
        .as_str()
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .unwrap_or_default();
    if audio.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "inputs: expected base64 audio"})),
        );
    }
    let timestamps = body["parameters"]["return_timestamps"] == true;
    seen.lock().unwrap().push((format!("{owner}/{name}"), body));
    let mut answer = json!({"text": TRANSCRIPT});
    if timestamps {
        answer["chunks"] = json!([
            {"text": " Hello from", "timestamp": [0.0, 0.4]},
            {"text": " the stand-in.", "timestamp": [0.4, 0.9]}]);
    }
    (StatusCode::OK, Json(answer))
}

/// Serves the stand-in on a free port: its base URL and the requests it saw.
pub async fn hf_stand_in() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = Router::new()
        .route("/models/{owner}/{name}", post(recognize))
        .with_state(Arc::clone(&seen));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, seen)
}
