//! A scripted LLM: a local HTTP server speaking OpenAI's chat completions wire format
//! (streaming SSE and whole replies, content and tool calls, usage), whose replies a test
//! script decides per request. It records every request with when it came and when its
//! reply was done. OpenAI's media endpoints and a Realtime API stand-in come with it.
#![allow(dead_code)]

pub mod realtime;
use realtime::RealtimeSession;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// What the model answers.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Text.
    Text(String),
    /// Tool calls (name, arguments), with optional text before them.
    Calls(String, Vec<(String, Value)>),
    /// An HTTP error.
    Error(u16, String),
}

impl Reply {
    pub fn text(t: &str) -> Self {
        Reply::Text(t.to_owned())
    }
    pub fn call(name: &str, args: Value) -> Self {
        Reply::Calls(String::new(), vec![(name.to_owned(), args)])
    }
    pub fn calls(calls: Vec<(&str, Value)>) -> Self {
        Reply::Calls(
            String::new(),
            calls.into_iter().map(|(n, a)| (n.to_owned(), a)).collect(),
        )
    }
    /// `finish_subtask` with `result`.
    pub fn finish(result: Value) -> Self {
        Reply::call("finish_subtask", json!({ "result": result }))
    }
}

/// A request the server received, with when it came and when its reply was sent.
#[derive(Debug, Clone)]
pub struct Seen {
    pub body: Value,
    /// The `Authorization` header.
    pub auth: Option<String>,
    pub started: Instant,
    pub ended: Option<Instant>,
}

impl Seen {
    /// The text of every message, joined (to tell subtasks apart).
    pub fn all_text(&self) -> String {
        self.body["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| match &m["content"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
    /// The first user message.
    pub fn first_user(&self) -> String {
        self.body["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| m["role"] == "user")
            .and_then(|m| m["content"].as_str())
            .unwrap_or_default()
            .to_owned()
    }
    /// The names of the tools offered.
    pub fn tool_names(&self) -> Vec<String> {
        self.body["tools"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["function"]["name"].as_str().map(str::to_owned))
            .collect()
    }
    /// The messages of role `tool`, as (name-less) contents.
    pub fn tool_results(&self) -> Vec<String> {
        self.body["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["role"] == "tool")
            .filter_map(|m| m["content"].as_str().map(str::to_owned))
            .collect()
    }
}

type Script = dyn Fn(Seen) -> Pin<Box<dyn Future<Output = Reply> + Send>> + Send + Sync;

/// The server's state.
pub struct Scripted {
    script: Box<Script>,
    seen: Mutex<Vec<Seen>>,
    calls: AtomicUsize,
    media: Mutex<Vec<MediaRequest>>,
    realtime: Mutex<Vec<RealtimeSession>>,
}

/// A request to a media endpoint: its path (after `/v1/`) and its body (JSON, or the
/// multipart form's text fields and file parts' names and sizes as a JSON object).
#[derive(Debug, Clone)]
pub struct MediaRequest {
    /// `images/generations`, `images/edits`, `audio/speech`, `audio/transcriptions`, `videos`.
    pub path: String,
    /// The request's fields.
    pub body: Value,
}

/// A 1×1 PNG, the scripted image.
pub const PNG_1X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

/// A WAV file of four silent 16-bit samples at 24 kHz, base64.
pub const WAV_SILENCE: &str =
    "UklGRiwAAABXQVZFZm10IBAAAAABAAEAwF0AAIC7AAACABAAZGF0YQgAAAAAAAAAAAAAAA==";

/// What the scripted transcription says.
pub const TRANSCRIPT: &str = "Scripted transcript: the meeting agreed to ship on Friday.";

/// The scripted video's bytes (the start of an MP4 file).
pub const MP4_BYTES: &[u8] = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom";

impl Scripted {
    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Every media request so far.
    pub fn media(&self) -> Vec<MediaRequest> {
        self.media.lock().unwrap().clone()
    }

    fn record(&self, path: &str, body: Value) {
        self.media.lock().unwrap().push(MediaRequest {
            path: path.to_owned(),
            body,
        });
    }
}

/// A multipart form's fields: text as strings, files as `{"file": name, "bytes": n}`.
fn form_fields(headers: &axum::http::HeaderMap, body: &[u8]) -> Value {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(boundary) = content_type.split("boundary=").nth(1) else {
        return Value::Null;
    };
    let delimiter = format!("--{}", boundary.trim_matches('"')).into_bytes();
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    let mut fields = serde_json::Map::new();
    let mut rest = body;
    while let Some(start) = find(rest, &delimiter) {
        rest = &rest[start + delimiter.len()..];
        let end = find(rest, &delimiter).unwrap_or(rest.len());
        let part = &rest[..end];
        let Some(split) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..split]);
        let content = &part[split + 4..];
        let content = content.strip_suffix(b"\r\n").unwrap_or(content);
        let attr = |name: &str| {
            head.split(&format!("{name}=\""))
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .map(str::to_owned)
        };
        let Some(name) = attr("name") else { continue };
        let value = match attr("filename") {
            Some(file) => json!({"file": file, "bytes": content.len()}),
            None => json!(String::from_utf8_lossy(content)),
        };
        fields.insert(name, value);
    }
    Value::Object(fields)
}

async fn images(
    State(state): State<Arc<Scripted>>,
    axum::extract::Path(kind): axum::extract::Path<String>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let fields = if kind == "edits" {
        form_fields(&headers, &body)
    } else {
        serde_json::from_slice(&body).unwrap_or(Value::Null)
    };
    state.record(&format!("images/{kind}"), fields);
    axum::Json(json!({"created": 0, "data": [{"b64_json": PNG_1X1}]})).into_response()
}

async fn speech(State(state): State<Arc<Scripted>>, body: Bytes) -> Response {
    state.record(
        "audio/speech",
        serde_json::from_slice(&body).unwrap_or(Value::Null),
    );
    // 0.1 s of a rising ramp: 2,400 16-bit samples at 24 kHz.
    let pcm: Vec<u8> = (0..2400i16).flat_map(|i| (i * 10).to_le_bytes()).collect();
    ([("content-type", "audio/pcm")], pcm).into_response()
}

async fn transcriptions(
    State(state): State<Arc<Scripted>>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    state.record("audio/transcriptions", form_fields(&headers, &body));
    axum::Json(json!({"text": TRANSCRIPT})).into_response()
}

async fn create_video(
    State(state): State<Arc<Scripted>>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    state.record("videos", form_fields(&headers, &body));
    axum::Json(json!({"id": "video_1", "object": "video", "status": "queued", "progress": 0}))
        .into_response()
}

async fn video(axum::extract::Path(id): axum::extract::Path<String>) -> Response {
    axum::Json(json!({"id": id, "object": "video", "status": "completed", "progress": 100}))
        .into_response()
}

async fn video_content() -> Response {
    ([("content-type", "video/mp4")], MP4_BYTES).into_response()
}

async fn completions(
    State(state): State<Arc<Scripted>>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let stream = body["stream"].as_bool().unwrap_or(false);
    let index = {
        let mut seen = state.seen.lock().unwrap();
        seen.push(Seen {
            body: body.clone(),
            auth: auth.clone(),
            started: Instant::now(),
            ended: None,
        });
        seen.len() - 1
    };
    let reply = (state.script)(Seen {
        body,
        auth,
        started: Instant::now(),
        ended: None,
    })
    .await;
    state.seen.lock().unwrap()[index].ended = Some(Instant::now());
    let n = state.calls.fetch_add(1, Ordering::Relaxed);
    match reply {
        Reply::Error(status, message) => (
            StatusCode::from_u16(status).unwrap(),
            [("content-type", "application/json")],
            json!({"error": {"message": message, "type": "server_error", "param": null, "code": null}})
                .to_string(),
        )
            .into_response(),
        reply if stream => (
            [("content-type", "text/event-stream")],
            sse_body(&reply, n),
        )
            .into_response(),
        reply => (
            [("content-type", "application/json")],
            whole_body(&reply, n).to_string(),
        )
            .into_response(),
    }
}

async fn models() -> axum::Json<Value> {
    axum::Json(json!({"object": "list", "data": [
        {"id": "scripted", "object": "model", "created": 0, "owned_by": "test"},
        {"id": "scripted-embed", "object": "model", "created": 0, "owned_by": "test"}
    ]}))
}

/// Embeddings whose vector for a text is `[its length, 1, 2, 3]`.
async fn embeddings(body: Bytes) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let inputs: Vec<String> = match &body["input"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(i, t)| json!({"object": "embedding", "index": i, "embedding": [t.chars().count() as f64, 1.0, 2.0, 3.0]}))
        .collect();
    axum::Json(
        json!({"object": "list", "data": data, "model": body["model"],
        "usage": {"prompt_tokens": inputs.len() * 2, "total_tokens": inputs.len() * 2}}),
    )
    .into_response()
}

fn calls_json(calls: &[(String, Value)], n: usize) -> Vec<Value> {
    calls
        .iter()
        .enumerate()
        .map(|(i, (name, args))| {
            json!({"id": format!("call_{n}_{i}"), "type": "function",
                   "function": {"name": name, "arguments": args.to_string()}})
        })
        .collect()
}

fn whole_body(reply: &Reply, n: usize) -> Value {
    let (message, finish) = match reply {
        Reply::Text(t) => (json!({"role": "assistant", "content": t}), "stop"),
        Reply::Calls(text, calls) => (
            json!({"role": "assistant", "content": if text.is_empty() { Value::Null } else { json!(text) },
                   "tool_calls": calls_json(calls, n)}),
            "tool_calls",
        ),
        Reply::Error(..) => unreachable!(),
    };
    json!({"id": format!("chatcmpl-{n}"), "object": "chat.completion", "created": 1, "model": "scripted",
           "choices": [{"index": 0, "message": message, "finish_reason": finish}],
           "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}})
}

fn sse_body(reply: &Reply, n: usize) -> String {
    let chunk = |delta: Value, finish: Value| {
        json!({"id": format!("chatcmpl-{n}"), "object": "chat.completion.chunk", "created": 1,
               "model": "scripted", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
    };
    let mut events = vec![chunk(
        json!({"role": "assistant", "content": ""}),
        Value::Null,
    )];
    let finish = match reply {
        Reply::Text(t) => {
            // Two deltas, to exercise streaming.
            let mid = t
                .char_indices()
                .nth(t.chars().count() / 2)
                .map_or(t.len(), |(i, _)| i);
            for part in [&t[..mid], &t[mid..]] {
                if !part.is_empty() {
                    events.push(chunk(json!({"content": part}), Value::Null));
                }
            }
            "stop"
        }
        Reply::Calls(text, calls) => {
            if !text.is_empty() {
                events.push(chunk(json!({"content": text}), Value::Null));
            }
            for (i, call) in calls_json(calls, n).into_iter().enumerate() {
                let args = call["function"]["arguments"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned();
                let cut = args.len() / 2;
                let cut = (0..=cut)
                    .rev()
                    .find(|&c| args.is_char_boundary(c))
                    .unwrap_or(0);
                events.push(chunk(
                    json!({"tool_calls": [{"index": i, "id": call["id"], "type": "function",
                           "function": {"name": call["function"]["name"], "arguments": &args[..cut]}}]}),
                    Value::Null,
                ));
                events.push(chunk(
                    json!({"tool_calls": [{"index": i, "function": {"arguments": &args[cut..]}}]}),
                    Value::Null,
                ));
            }
            "tool_calls"
        }
        Reply::Error(..) => unreachable!(),
    };
    events.push(chunk(json!({}), json!(finish)));
    let mut usage = chunk(json!({}), Value::Null);
    usage["choices"] = json!([]);
    usage["usage"] = json!({"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15});
    events.push(usage);
    let mut body = String::new();
    for e in events {
        body.push_str(&format!("data: {e}\n\n"));
    }
    body.push_str("data: [DONE]\n\n");
    body
}

/// Serves `script` (an async fn of each request) on 127.0.0.1; returns the base URL (up to
/// `/v1`) and the state.
pub async fn serve<F, Fut>(script: F) -> (String, Arc<Scripted>)
where
    F: Fn(Seen) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Reply> + Send + 'static,
{
    let state = Arc::new(Scripted {
        script: Box::new(move |seen| Box::pin(script(seen))),
        seen: Mutex::new(Vec::new()),
        calls: AtomicUsize::new(0),
        media: Mutex::new(Vec::new()),
        realtime: Mutex::new(Vec::new()),
    });
    let app = Router::new()
        .route("/v1/chat/completions", post(completions))
        .route("/v1/models", axum::routing::get(models))
        .route("/v1/embeddings", post(embeddings))
        .route("/v1/images/{kind}", post(images))
        .route("/v1/audio/speech", post(speech))
        .route("/v1/audio/transcriptions", post(transcriptions))
        .route("/v1/videos", post(create_video))
        .route("/v1/videos/{id}", axum::routing::get(video))
        .route("/v1/videos/{id}/content", axum::routing::get(video_content))
        .route("/v1/realtime", axum::routing::get(realtime::realtime))
        .with_state(Arc::clone(&state));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/v1"), state)
}
