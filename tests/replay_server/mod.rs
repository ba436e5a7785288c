//! A local HTTP server that answers with canned bodies (recorded wire formats from
//! tests/fixtures/chat/) and records the requests it got.
#![allow(dead_code)]

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// One canned answer.
pub struct Canned {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    pub headers: Vec<(&'static str, &'static str)>,
}

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/chat/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn ok(name: &str) -> Canned {
    let content_type = if name.ends_with(".sse") {
        "text/event-stream"
    } else if name.ends_with(".ndjson") {
        "application/x-ndjson"
    } else {
        "application/json"
    };
    Canned {
        status: 200,
        content_type,
        body: fixture(name),
        headers: Vec::new(),
    }
}

pub fn status(code: u16, name: &str) -> Canned {
    Canned {
        status: code,
        ..ok(name)
    }
}

/// A request the server received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Value,
}

#[derive(Default)]
pub struct Replay {
    answers: Mutex<VecDeque<Canned>>,
    seen: Mutex<Vec<Seen>>,
}

async fn answer(
    State(replay): State<Arc<Replay>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    replay.seen.lock().unwrap().push(Seen {
        method,
        uri: uri.to_string(),
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    let Some(canned) = replay.answers.lock().unwrap().pop_front() else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "no canned answer left").into_response();
    };
    let mut response = (
        StatusCode::from_u16(canned.status).unwrap(),
        [("content-type", canned.content_type)],
        canned.body,
    )
        .into_response();
    for (k, v) in canned.headers {
        response.headers_mut().insert(k, v.parse().unwrap());
    }
    response
}

/// Serves `answers` in order; returns the base URL and what the server saw.
pub async fn serve(answers: Vec<Canned>) -> (String, Arc<Replay>) {
    let replay = Arc::new(Replay {
        answers: Mutex::new(answers.into()),
        ..Replay::default()
    });
    let app = Router::new()
        .fallback(answer)
        .with_state(Arc::clone(&replay));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), replay)
}

pub fn seen(replay: &Replay) -> Vec<Seen> {
    replay.seen.lock().unwrap().clone()
}

/// A canned SSE body of OpenAI chunks: `texts` as content deltas, then `stop`.
pub fn openai_sse_text(texts: &[&str]) -> Canned {
    let mut body = String::new();
    for t in texts {
        let chunk = serde_json::json!({"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
            "choices": [{"index": 0, "delta": {"content": t}, "finish_reason": null}]});
        body.push_str(&format!("data: {chunk}\n\n"));
    }
    let end = serde_json::json!({"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]});
    body.push_str(&format!("data: {end}\n\ndata: [DONE]\n\n"));
    Canned {
        status: 200,
        content_type: "text/event-stream",
        body,
        headers: Vec::new(),
    }
}

/// A canned whole OpenAI reply with `content`.
pub fn openai_reply(content: &str) -> Canned {
    let body = serde_json::json!({"id": "c", "object": "chat.completion", "created": 0, "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}});
    Canned {
        status: 200,
        content_type: "application/json",
        body: body.to_string(),
        headers: Vec::new(),
    }
}
