//! A scripted LLM: a local HTTP server speaking OpenAI's chat completions wire format
//! (streaming SSE and whole replies, content and tool calls, usage), whose replies a test
//! script decides per request. It records every request with when it came and when its
//! reply was done.
#![allow(dead_code)]

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
}

impl Scripted {
    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
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
    });
    let app = Router::new()
        .route("/v1/chat/completions", post(completions))
        .route("/v1/models", axum::routing::get(models))
        .route("/v1/embeddings", post(embeddings))
        .with_state(Arc::clone(&state));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/v1"), state)
}
