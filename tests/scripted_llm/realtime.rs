//! `/v1/realtime`: a stand-in for OpenAI's Realtime API over a WebSocket, in its wire format
//! (beta event names, which NodeTool's RealtimeAgent reads). Each `response.create` is
//! answered with a transcript of what it was sent (the text, or how many bytes of audio) in
//! two deltas, 10 ms of PCM16 audio, then `response.done`.

use super::Scripted;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use base64::Engine as _;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// The audio each response carries: 240 samples (10 ms at 24 kHz) of a rising ramp.
pub fn reply_pcm() -> Vec<u8> {
    (0..240i16).flat_map(|i| (i * 100).to_le_bytes()).collect()
}

/// One Realtime session as the stand-in saw it.
#[derive(Debug, Clone, Default)]
pub struct RealtimeSession {
    /// The `model` query parameter.
    pub model: String,
    /// The `Authorization` header.
    pub authorization: String,
    /// The `OpenAI-Beta` header.
    pub beta: String,
    /// Every client event, in order.
    pub events: Vec<Value>,
}

impl RealtimeSession {
    /// The client events of `kind`.
    pub fn of(&self, kind: &str) -> Vec<&Value> {
        self.events.iter().filter(|e| e["type"] == kind).collect()
    }
}

impl Scripted {
    /// Every Realtime session so far.
    pub fn realtime(&self) -> Vec<RealtimeSession> {
        self.realtime.lock().unwrap().clone()
    }
}

/// `GET /v1/realtime?model=…` (a WebSocket upgrade).
pub async fn realtime(
    State(state): State<Arc<Scripted>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let session = RealtimeSession {
        model: query.get("model").cloned().unwrap_or_default(),
        authorization: header("authorization"),
        beta: header("openai-beta"),
        events: Vec::new(),
    };
    ws.on_upgrade(move |socket| converse(socket, state, session))
}

async fn converse(mut socket: WebSocket, state: Arc<Scripted>, session: RealtimeSession) {
    let index = {
        let mut all = state.realtime.lock().unwrap();
        all.push(session);
        all.len() - 1
    };
    let mut audio_bytes = 0usize;
    let mut text: Option<String> = None;
    let mut responses = 0;
    let _ = send(
        &mut socket,
        json!({"type": "session.created", "session": {}}),
    )
    .await;
    while let Some(Ok(message)) = socket.recv().await {
        let Message::Text(body) = message else {
            continue;
        };
        let Ok(event) = serde_json::from_str::<Value>(body.as_str()) else {
            let _ = send(
                &mut socket,
                json!({"type": "error", "error": {"message": "not JSON"}}),
            )
            .await;
            continue;
        };
        state.realtime.lock().unwrap()[index]
            .events
            .push(event.clone());
        match event["type"].as_str().unwrap_or_default() {
            "session.update" => {
                let _ = send(
                    &mut socket,
                    json!({"type": "session.updated", "session": event["session"]}),
                )
                .await;
            }
            "input_audio_buffer.append" => {
                let audio = event["audio"].as_str().unwrap_or_default();
                match base64::engine::general_purpose::STANDARD.decode(audio) {
                    Ok(bytes) => audio_bytes += bytes.len(),
                    Err(_) => {
                        let _ = send(
                            &mut socket,
                            json!({"type": "error", "error": {"message": "audio is not base64"}}),
                        )
                        .await;
                    }
                }
            }
            "conversation.item.create" => {
                text = event["item"]["content"][0]["text"]
                    .as_str()
                    .map(str::to_owned);
            }
            "response.create" => {
                responses += 1;
                let transcript = match text.take() {
                    Some(t) => format!("Scripted realtime reply to: {t}"),
                    None => format!("Scripted realtime reply: heard {audio_bytes} bytes of audio"),
                };
                audio_bytes = 0;
                let id = format!("resp_{responses}");
                let (first, second) = transcript.split_at(transcript.len() / 2);
                let audio = base64::engine::general_purpose::STANDARD.encode(reply_pcm());
                for reply in [
                    json!({"type": "response.created", "response": {"id": id, "status": "in_progress"}}),
                    json!({"type": "response.audio_transcript.delta", "response_id": id, "delta": first}),
                    json!({"type": "response.audio.delta", "response_id": id, "delta": audio}),
                    json!({"type": "response.audio_transcript.delta", "response_id": id, "delta": second}),
                    json!({"type": "response.audio.done", "response_id": id}),
                    json!({"type": "response.audio_transcript.done", "response_id": id, "transcript": transcript}),
                    json!({"type": "response.done", "response": {"id": id, "status": "completed"}}),
                ] {
                    if send(&mut socket, reply).await.is_err() {
                        return;
                    }
                }
            }
            _ => {}
        }
    }
}

async fn send(socket: &mut WebSocket, event: Value) -> Result<(), axum::Error> {
    socket.send(Message::Text(event.to_string().into())).await
}
