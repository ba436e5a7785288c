//! A Kie.ai stand-in (the real API is out of reach here) speaking its task API:
//! `POST /api/v1/jobs/createTask`, `GET /api/v1/jobs/recordInfo?taskId=…` and the result file,
//! with Kie's `{"code", "msg", "data"}` envelope. A prompt containing `slow` takes one poll
//! to finish, `broken` fails, `broke` (no credits) gets code 402.
#![allow(dead_code)]

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The API key the stand-in accepts.
pub const KEY: &str = "kie-test-key";

/// What the stand-in saw: the createTask bodies, and the polls per task.
#[derive(Default)]
pub struct Seen {
    /// Each createTask body.
    pub tasks: Vec<Value>,
    /// How many times each task was polled.
    pub polls: HashMap<String, usize>,
    base: String,
}

type Shared = Arc<Mutex<Seen>>;

/// A 2×1 PNG: the image every task makes.
pub fn result_png() -> Vec<u8> {
    let mut png = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut png),
        &[255, 0, 0, 0, 0, 255],
        2,
        1,
        image::ExtendedColorType::Rgb8,
    )
    .expect("a 2x1 image encodes");
    png
}

fn authorized(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {KEY}"))
}

async fn create(
    State(seen): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Json<Value> {
    if !authorized(&headers) {
        return Json(json!({"code": 401, "msg": "You do not have access permissions"}));
    }
    let prompt = body["input"]["prompt"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if prompt.contains("broke") && !prompt.contains("broken") {
        return Json(json!({"code": 402, "msg": "Credits insufficient"}));
    }
    let mut seen = seen.lock().unwrap();
    seen.tasks.push(body);
    let id = format!("task-{}", seen.tasks.len());
    Json(json!({"code": 200, "msg": "success", "data": {"taskId": id}}))
}

async fn record(
    State(seen): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Json<Value> {
    if !authorized(&headers) {
        return Json(json!({"code": 401, "msg": "You do not have access permissions"}));
    }
    let id = q.get("taskId").cloned().unwrap_or_default();
    let mut seen = seen.lock().unwrap();
    let index: usize = id.trim_start_matches("task-").parse().unwrap_or(0);
    let Some(task) = index
        .checked_sub(1)
        .and_then(|i| seen.tasks.get(i))
        .cloned()
    else {
        return Json(json!({"code": 404, "msg": "task not found"}));
    };
    let polls = {
        let count = seen.polls.entry(id.clone()).or_default();
        *count += 1;
        *count
    };
    let prompt = task["input"]["prompt"].as_str().unwrap_or_default();
    let base = seen.base.clone();
    let data = if prompt.contains("broken") {
        json!({"taskId": id, "state": "fail", "failCode": "500", "failMsg": "content policy", "resultJson": ""})
    } else if prompt.contains("slow") && polls < 2 {
        json!({"taskId": id, "state": "generating", "resultJson": ""})
    } else {
        let result = json!({"resultUrls": [format!("{base}/files/{id}.png")]}).to_string();
        json!({"taskId": id, "model": task["model"], "state": "success", "resultJson": result})
    };
    Json(json!({"code": 200, "message": "success", "data": data}))
}

/// Serves the stand-in on a free port: its base URL and what it saw.
pub async fn kie_stand_in() -> (String, Shared) {
    let seen: Shared = Arc::default();
    let app = Router::new()
        .route("/api/v1/jobs/createTask", post(create))
        .route("/api/v1/jobs/recordInfo", get(record))
        .route("/files/{name}", get(|| async { result_png() }))
        .with_state(Arc::clone(&seen));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    seen.lock().unwrap().base = base.clone();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, seen)
}
