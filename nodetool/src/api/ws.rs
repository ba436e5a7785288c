//! `/ws`: NodeTool's WebSocket protocol for running workflows.
//!
//! Clients send `{"command": "run_job" | "reconnect_job" | "cancel_job" | "get_status" |
//! "stream_input" | "end_input_stream" | "set_mode", "data": {...}}` (and
//! `{"type": "ping"}`); `stream_input` (`{job_id, input, value, handle?}`) sends a value into
//! a running job's streaming input node (such as `RealtimeAudioInput`), `end_input_stream`
//! (`{job_id, input, handle?}`) ends that stream; the server streams each job's messages (`job_update`,
//! `node_update`, `edge_update`, `output_update`, …, each with `job_id`) in NodeTool's JSON.
//! Text frames are JSON, binary frames MessagePack; replies use the encoding of the client's
//! last frame (or the one `set_mode` chose). The token comes as `Authorization: Bearer` or
//! `?api_key=`; a bad one closes the socket with code 1008.

use super::auth::bearer_token;
use super::error::{ApiError, QueryParams};
use super::jobs::RunJobRequest;
use super::AppState;
use crate::jobs::{is_final, CancelRequest, JobMessages};
use crate::models::Job;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc;
use tracing::Instrument;

/// Query of `/ws`.
#[derive(Debug, Deserialize)]
pub struct WsQuery {
    /// The token, for clients that cannot set headers.
    pub api_key: Option<String>,
}

/// How long one frame may take to reach a client before the session is closed (a client that
/// stops reading must not hold up its jobs).
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a session keeps forwarding its jobs' last messages once shutdown begins.
const SHUTDOWN_FLUSH: Duration = Duration::from_secs(5);

/// `GET /ws`: upgrades to the workflow protocol.
pub async fn handler(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    headers: HeaderMap,
    QueryParams(query): QueryParams<WsQuery>,
) -> Result<Response, ApiError> {
    if !state.auth().requires_token() && !origin_is_local(&headers) {
        // Browsers let any page open a WebSocket: without tokens, only local pages may.
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "WebSocket connections from other origins need a token (set AUTH_PROVIDER)",
        ));
    }
    let token = bearer_token(&headers)
        .map(str::to_owned)
        .or(query.api_key.filter(|k| !k.is_empty()));
    let user = state.auth().user_for(token.as_deref());
    let missing = token.is_none();
    let session = state.session_token();
    let limit = state.body_limit();
    let ws = ws.max_message_size(limit).max_frame_size(limit);
    Ok(ws.on_upgrade(move |mut socket| async move {
        let _session = session;
        let _open = crate::telemetry::metrics().websocket_opened();
        match user {
            Ok(user) => {
                let span = tracing::info_span!("websocket", user_id = %user);
                Session::new(state, user).run(socket).instrument(span).await
            }
            Err(_) => {
                let reason = if missing {
                    "Missing authentication"
                } else {
                    "Invalid authentication"
                };
                let frame = CloseFrame {
                    code: 1008,
                    reason: Utf8Bytes::from_static(reason),
                };
                let _ = socket.send(Message::Close(Some(frame))).await;
            }
        }
    }))
}

/// Whether the request has no `Origin` (not a browser) or one on this machine.
fn origin_is_local(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let host = origin
        .split_once("://")
        .map_or(origin, |(_, rest)| rest)
        .trim_end_matches('/');
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    matches!(host, "localhost" | "127.0.0.1" | "::1")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Text,
    Binary,
}

struct Session {
    state: AppState,
    user: String,
    mode: Mode,
    /// This connection's jobs: job id → workflow id.
    jobs: HashMap<String, String>,
    out_tx: mpsc::Sender<Value>,
    out_rx: mpsc::Receiver<Value>,
}

impl Session {
    fn new(state: AppState, user: String) -> Self {
        let (out_tx, out_rx) = mpsc::channel(256);
        Self {
            state,
            user,
            mode: Mode::Binary,
            jobs: HashMap::new(),
            out_tx,
            out_rx,
        }
    }

    async fn run(mut self, mut socket: WebSocket) {
        let shutdown = self.state.jobs().shutdown_token().clone();
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => {
                    self.close_for_shutdown(&mut socket).await;
                    return;
                }
                incoming = socket.recv() => {
                    let Some(Ok(message)) = incoming else { break };
                    let reply = match message {
                        Message::Text(text) => {
                            self.mode = Mode::Text;
                            match serde_json::from_str::<Value>(text.as_str()) {
                                Ok(value) => self.handle(value).await,
                                Err(e) => Some(invalid(format!("not JSON: {e}"))),
                            }
                        }
                        Message::Binary(bytes) => {
                            self.mode = Mode::Binary;
                            match rmp_serde::from_slice::<Value>(&bytes) {
                                Ok(value) => self.handle(value).await,
                                Err(e) => Some(invalid(format!("not MessagePack: {e}"))),
                            }
                        }
                        Message::Close(_) => break,
                        Message::Ping(_) | Message::Pong(_) => None,
                    };
                    if let Some(reply) = reply {
                        if self.send(&mut socket, &reply).await.is_err() {
                            break;
                        }
                    }
                }
                Some(message) = self.out_rx.recv() => {
                    if self.forward(&mut socket, message).await.is_err() {
                        break;
                    }
                }
            }
        }
        self.end_input_streams();
    }

    /// Ends the input streams of this session's jobs: once the client is gone, no one can
    /// stream into them or end them (the jobs run on with what they have).
    fn end_input_streams(&self) {
        for job_id in self.jobs.keys() {
            if let Some(streams) = self.state.jobs().input_streams(&self.user, job_id) {
                streams.finish_all();
            }
        }
    }

    /// Forwards the last messages of this session's jobs (they are being cancelled), then
    /// closes with 1001.
    async fn close_for_shutdown(&mut self, socket: &mut WebSocket) {
        let deadline = tokio::time::Instant::now() + SHUTDOWN_FLUSH;
        while !self.jobs.is_empty() {
            match tokio::time::timeout_at(deadline, self.out_rx.recv()).await {
                Ok(Some(message)) => {
                    if self.forward(socket, message).await.is_err() {
                        return;
                    }
                }
                _ => break,
            }
        }
        let frame = CloseFrame {
            code: 1001,
            reason: Utf8Bytes::from_static("the server is shutting down"),
        };
        let _ = socket.send(Message::Close(Some(frame))).await;
    }

    /// Sends a job's message, forgetting the job once its final `job_update` goes out.
    async fn forward(&mut self, socket: &mut WebSocket, message: Value) -> Result<(), axum::Error> {
        if is_final(&message) {
            if let Some(id) = message.get("job_id").and_then(Value::as_str) {
                self.jobs.remove(id);
            }
        }
        self.send(socket, &message).await
    }

    async fn send(&self, socket: &mut WebSocket, value: &Value) -> Result<(), axum::Error> {
        let message = match self.mode {
            Mode::Text => Message::Text(value.to_string().into()),
            Mode::Binary => match rmp_serde::to_vec_named(value) {
                Ok(bytes) => Message::Binary(bytes.into()),
                Err(e) => Message::Text(invalid(format!("cannot encode: {e}")).to_string().into()),
            },
        };
        match tokio::time::timeout(SEND_TIMEOUT, socket.send(message)).await {
            Ok(sent) => sent,
            Err(_) => Err(axum::Error::new("the client did not read for 30 s")),
        }
    }

    /// Carries out one client message; the reply, if any.
    async fn handle(&mut self, message: Value) -> Option<Value> {
        if message.get("type").and_then(Value::as_str) == Some("ping") {
            let ts = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64());
            return Some(json!({"type": "pong", "ts": ts}));
        }
        let Some(command) = message.get("command").and_then(Value::as_str) else {
            return Some(invalid(
                "All messages must include a 'command' field.".to_owned(),
            ));
        };
        let data = message.get("data").cloned().unwrap_or(Value::Null);
        Some(match command {
            "run_job" => self.run_job(data).await,
            "cancel_job" => self.cancel_job(&data).await,
            "reconnect_job" => self.reconnect_job(&data).await,
            "get_status" => self.get_status(&data).await,
            "stream_input" => self.stream_input(&data, true),
            "end_input_stream" => self.stream_input(&data, false),
            "set_mode" => match data.get("mode").and_then(Value::as_str) {
                Some("text") => {
                    self.mode = Mode::Text;
                    json!({"message": "Mode set to text"})
                }
                Some("binary") => {
                    self.mode = Mode::Binary;
                    json!({"message": "Mode set to binary"})
                }
                _ => json!({"error": "invalid_command", "details": "`mode` is `text` or `binary`"}),
            },
            other => json!({
                "error": "invalid_command",
                "details": format!("unknown command `{other}` (commands: run_job, reconnect_job, cancel_job, get_status, stream_input, end_input_stream, set_mode)"),
            }),
        })
    }

    async fn run_job(&mut self, data: Value) -> Value {
        let request: RunJobRequest = match serde_json::from_value(data) {
            Ok(r) => r,
            Err(e) => {
                return json!({"error": "invalid_command", "details": format!("run_job: {e}")})
            }
        };
        let workflow_id = request.workflow_id.clone().unwrap_or_default();
        let started = match self.state.start_job(&self.user, request, true).await {
            Ok(started) => started,
            Err(error) => {
                return json!({
                    "type": "job_update",
                    "status": "failed",
                    "job_id": null,
                    "workflow_id": workflow_id,
                    "error": error.detail,
                });
            }
        };
        self.jobs
            .insert(started.job_id.clone(), started.workflow_id.clone());
        if let Some(messages) = started.messages {
            self.relay(started.job_id.clone(), messages, Some(started.outcome));
        }
        json!({
            "message": "Job started",
            "job_id": started.job_id,
            "workflow_id": started.workflow_id,
        })
    }

    /// Forwards a job's messages to the client, the final `job_update` once the job's end is
    /// recorded (`recorded`; relayed messages come after the record already).
    fn relay(
        &self,
        job_id: String,
        mut messages: JobMessages,
        recorded: Option<tokio::sync::oneshot::Receiver<crate::jobs::JobOutcome>>,
    ) {
        let out = self.out_tx.clone();
        tokio::spawn(async move {
            let mut connected = true;
            let mut last = None;
            while let Some(message) = messages.next(&job_id).await {
                if is_final(&message) {
                    last = Some(message);
                    if recorded.is_none() {
                        break;
                    }
                    continue;
                }
                // After a disconnect the run goes on: its messages are drained, unsent.
                if connected && out.send(message).await.is_err() {
                    connected = false;
                }
            }
            // A `get_status` right after the final `job_update` sees the same status.
            if let Some(recorded) = recorded {
                let _ = recorded.await;
            }
            if let (true, Some(last)) = (connected, last) {
                let _ = out.send(last).await;
            }
        });
    }

    async fn cancel_job(&self, data: &Value) -> Value {
        let Some(job_id) = data.get("job_id").and_then(Value::as_str) else {
            return json!({"error": "job_id is required"});
        };
        match self.state.jobs().cancel(&self.user, job_id).await {
            Ok(CancelRequest::Finished) => {
                json!({"error": "Job not found or already completed", "job_id": job_id})
            }
            Ok(_) => json!({
                "message": "Job cancellation requested",
                "job_id": job_id,
                "workflow_id": self.jobs.get(job_id).cloned(),
            }),
            Err(error) => {
                tracing::error!(%error, job_id, "cancel_job failed");
                json!({"error": "internal error (see the server log)", "job_id": job_id})
            }
        }
    }

    /// `reconnect_job`: the job's messages for a client that comes late (from the start when
    /// the queue keeps them), then its final `job_update`.
    async fn reconnect_job(&mut self, data: &Value) -> Value {
        let Some(job_id) = data.get("job_id").and_then(Value::as_str) else {
            return json!({"error": "job_id is required"});
        };
        let job = match Job::find(self.state.db(), &self.user, job_id).await {
            Ok(Some(job)) => job,
            Ok(None) => return json!({"error": "Job not found", "job_id": job_id}),
            Err(e) => {
                tracing::error!(error = %e, job_id, "reconnect_job failed");
                return json!({"error": "internal error (see the server log)", "job_id": job_id});
            }
        };
        match self.state.jobs().attach(job_id).await {
            Ok(Some(messages)) => {
                self.jobs.insert(job.id.clone(), job.workflow_id.clone());
                self.relay(job.id.clone(), messages, None);
            }
            Ok(None) => {
                // Nothing to follow: the job has ended; its record says how.
                let outcome = crate::jobs::JobOutcome {
                    status: job.status.clone(),
                    result: job.result.as_ref().and_then(Value::as_object).cloned(),
                    error: job.error.clone(),
                };
                let _ = self
                    .out_tx
                    .send(outcome.to_update(&job.id, &job.workflow_id))
                    .await;
            }
            Err(error) => {
                tracing::error!(%error, job_id, "reconnect_job failed");
                return json!({"error": "the job queue is not available", "job_id": job_id});
            }
        }
        json!({
            "message": format!("Reconnecting to job {job_id}"),
            "job_id": job.id,
            "workflow_id": job.workflow_id,
        })
    }

    /// `stream_input` (`push`: `data.value` goes into streaming input `data.input` of job
    /// `data.job_id`, on its output `data.handle` when given) and `end_input_stream`.
    fn stream_input(&self, data: &Value, push: bool) -> Value {
        let Some(job_id) = data.get("job_id").and_then(Value::as_str) else {
            return json!({"error": "job_id is required"});
        };
        let workflow_id = self.jobs.get(job_id).cloned();
        let Some(streams) = self.state.jobs().input_streams(&self.user, job_id) else {
            return json!({
                "error": "No active job/context: the job is not running in this server",
                "job_id": job_id,
            });
        };
        let input = match data.get("input").and_then(Value::as_str) {
            Some(name) if !name.trim().is_empty() => name,
            _ => return json!({"error": "Invalid input name", "job_id": job_id}),
        };
        let handle = data.get("handle").and_then(Value::as_str);
        let (done, message) = if push {
            let value = data.get("value").cloned().unwrap_or(Value::Null);
            (streams.push(input, handle, value), "Input item streamed")
        } else {
            (streams.finish(input, handle), "Input stream ended")
        };
        match done {
            Ok(()) => json!({"message": message, "job_id": job_id, "workflow_id": workflow_id}),
            Err(error) => json!({
                "error": error.to_string(),
                "job_id": job_id,
                "workflow_id": workflow_id,
            }),
        }
    }

    async fn get_status(&self, data: &Value) -> Value {
        let Some(job_id) = data.get("job_id").and_then(Value::as_str) else {
            let active: Vec<Value> = self
                .jobs
                .iter()
                .map(|(job_id, workflow_id)| {
                    json!({"job_id": job_id, "workflow_id": workflow_id, "status": "running"})
                })
                .collect();
            return json!({ "active_jobs": active });
        };
        match Job::find(self.state.db(), &self.user, job_id).await {
            Ok(Some(job)) => json!({
                "status": job.status,
                "job_id": job.id,
                "workflow_id": job.workflow_id,
            }),
            Ok(None) => json!({"status": "not_found", "job_id": job_id}),
            Err(e) => {
                tracing::error!(error = %e, job_id, "get_status failed");
                json!({"error": "internal error (see the server log)", "job_id": job_id})
            }
        }
    }
}

fn invalid(message: String) -> Value {
    json!({"error": "invalid_message", "message": message})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_origin(origin: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ORIGIN, origin.parse().unwrap());
        headers
    }

    #[test]
    fn only_local_origins_pass_without_a_token() {
        assert!(origin_is_local(&HeaderMap::new()));
        for ok in [
            "http://localhost:3000",
            "http://127.0.0.1",
            "http://[::1]:8080",
        ] {
            assert!(origin_is_local(&with_origin(ok)), "{ok}");
        }
        for bad in [
            "https://evil.example",
            "http://localhost.evil.example",
            "null",
        ] {
            assert!(!origin_is_local(&with_origin(bad)), "{bad}");
        }
    }
}
