//! OpenAI's API (`/v1`), so every OpenAI client, SDK and chat UI can use this server:
//! `POST /v1/chat/completions` (whole replies and SSE streams, tools, structured output,
//! usage), `GET /v1/models` (and `/v1/models/{id}`) and `POST /v1/embeddings`.
//!
//! A model is a provider's (`openai:gpt-4o-mini`, or `gpt-4o-mini` for the default
//! provider), one of the caller's chat-shaped workflows (`workflow:<name or id>`: one text or
//! message input and a text output; the run's `chunk` messages stream as deltas), or an agent
//! (`agent:<provider>:<model>`: the last user message is its objective, its chunks the
//! deltas; tools from `NODETOOL_AGENT_TOOLS`). Authentication is the API's (Bearer; none in
//! development); the caller's own secrets supply provider keys the server's settings lack.
//! Errors come in OpenAI's shape. A client that disconnects cancels the provider request,
//! workflow run or agent.

mod error;
mod models;
mod wire;

pub use error::{OaiError, OaiUser};
pub use wire::CompletionRequest;

use super::AppState;
use crate::chat::{self, ChatProvider, ChatRequest, Chunk, Usage};
use crate::workflows::CancellationToken;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::StreamExt;
use models::{ChatWorkflow, InputKind, Target};
use serde_json::{json, Map, Value};
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::mpsc;

/// The `/v1` routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/chat/completions", post(chat_completions))
        .route("/v1/models", get(list_models))
        .route("/v1/models/{*id}", get(get_model))
        .route("/v1/embeddings", post(embeddings))
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `GET /v1/models`.
async fn list_models(
    State(state): State<AppState>,
    OaiUser(user): OaiUser,
) -> Result<Json<Value>, OaiError> {
    let env = models::environment_for(&state, &user).await?;
    let data = models::list(&state, &user, &env).await?;
    Ok(Json(json!({"object": "list", "data": data})))
}

/// `GET /v1/models/{id}`.
async fn get_model(
    State(state): State<AppState>,
    OaiUser(user): OaiUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, OaiError> {
    let env = models::environment_for(&state, &user).await?;
    let all = models::list(&state, &user, &env).await?;
    all.into_iter()
        .find(|m| m["id"] == id.as_str())
        .map(Json)
        .ok_or_else(|| OaiError::model_not_found(&id))
}

/// `POST /v1/chat/completions`.
async fn chat_completions(
    State(state): State<AppState>,
    OaiUser(user): OaiUser,
    body: Bytes,
) -> Result<Response, OaiError> {
    let request = wire::parse(&body)?;
    let env = models::environment_for(&state, &user).await?;
    let target = models::resolve(&state, &user, &env, &request.model).await?;
    let id = format!("chatcmpl-{}", uuid::Uuid::new_v4().simple());
    let reply = Reply {
        quoted_id: json!(id).to_string(),
        quoted_model: json!(request.model).to_string(),
        id,
        created: now(),
        model: request.model.clone(),
        include_usage: request
            .stream_options
            .as_ref()
            .is_some_and(|o| o.include_usage),
    };
    match target {
        Target::Provider { provider, model } => {
            let chat = request.to_chat(&model)?;
            if request.stream {
                stream_provider(reply, provider, chat).await
            } else {
                let cancel = CancellationToken::new();
                let _guard = cancel.clone().drop_guard();
                let answer = provider.generate_message(&chat, &cancel).await?;
                Ok(Json(wire::completion(
                    &reply.id,
                    reply.created,
                    &reply.model,
                    &answer,
                ))
                .into_response())
            }
        }
        Target::Workflow(workflow) => {
            let text = request.last_user_text()?;
            run_workflow(state, user, reply, *workflow, text, request.stream).await
        }
        #[cfg(feature = "agents")]
        Target::Agent { provider, model } => {
            let objective = request.last_user_text()?;
            run_agent(env, user, reply, provider, model, objective, request.stream).await
        }
    }
}

/// What every reply of one request shares.
#[derive(Debug, Clone)]
struct Reply {
    id: String,
    created: u64,
    model: String,
    include_usage: bool,
    /// `id` and `model` as JSON strings (written into every text chunk).
    quoted_id: String,
    quoted_model: String,
}

impl Reply {
    /// A `chat.completion.chunk` with `delta`, as the event's text.
    fn chunk(&self, delta: Value, finish: Option<&str>) -> String {
        wire::chunk(&self.id, self.created, &self.model, delta, finish).to_string()
    }

    /// A chunk with a piece of text: written directly (no JSON tree per token).
    fn text_chunk(&self, text: &str) -> String {
        let text = serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned());
        format!(
            "{{\"id\":{},\"object\":\"chat.completion.chunk\",\"created\":{},\"model\":{},\
             \"choices\":[{{\"index\":0,\"delta\":{{\"content\":{text}}},\"logprobs\":null,\
             \"finish_reason\":null}}]}}",
            self.quoted_id, self.created, self.quoted_model
        )
    }

    /// A whole completion with `text`.
    fn text(&self, text: String) -> Response {
        let answer = chat::ChatResponse {
            text,
            finish_reason: Some("stop".into()),
            ..chat::ChatResponse::default()
        };
        Json(wire::completion(
            &self.id,
            self.created,
            &self.model,
            &answer,
        ))
        .into_response()
    }

    /// The end of a stream: a chunk with `finish`, then the usage when asked.
    async fn finish(&self, tx: &mpsc::Sender<String>, finish: &str, usage: Option<&Usage>) {
        let _ = tx.send(self.chunk(json!({}), Some(finish))).await;
        if self.include_usage {
            let _ = tx
                .send(wire::usage_chunk(&self.id, self.created, &self.model, usage).to_string())
                .await;
        }
    }
}

/// An SSE response of `events`, then `data: [DONE]`. Events that are ready together go out
/// in one frame (one write instead of one per token). When the client goes away, `cancel` is
/// cancelled (the producer stops what it runs).
fn sse(events: mpsc::Receiver<String>, cancel: CancellationToken) -> Response {
    let guard = cancel.drop_guard();
    let frames =
        futures_util::stream::unfold((events, Some(guard)), |(mut rx, guard)| async move {
            let guard = guard?;
            let mut frame = String::new();
            match rx.recv().await {
                Some(first) => {
                    push_event(&mut frame, &first);
                    while frame.len() < 64 * 1024 {
                        match rx.try_recv() {
                            Ok(next) => push_event(&mut frame, &next),
                            Err(_) => break,
                        }
                    }
                    Some((frame, (rx, Some(guard))))
                }
                None => {
                    // Finished: nothing left to cancel.
                    drop(guard.disarm());
                    push_event(&mut frame, "[DONE]");
                    Some((frame, (rx, None)))
                }
            }
        })
        .map(|frame| Ok::<_, Infallible>(Bytes::from(frame)));
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/event-stream"),
            (axum::http::header::CACHE_CONTROL, "no-cache"),
        ],
        axum::body::Body::from_stream(frames),
    )
        .into_response()
}

/// Appends one SSE event (`data: …` and a blank line; JSON has no raw newlines).
fn push_event(frame: &mut String, data: &str) {
    frame.push_str("data: ");
    frame.push_str(data);
    frame.push_str("\n\n");
}

/// An error as a stream event.
fn error_event(error: &OaiError) -> String {
    error.body().to_string()
}

/// Streams a provider's reply as chunks.
async fn stream_provider(
    reply: Reply,
    provider: Arc<dyn ChatProvider>,
    chat: ChatRequest,
) -> Result<Response, OaiError> {
    let cancel = CancellationToken::new();
    // Opened before the response starts, so a refused request gets its status.
    let mut stream = provider.generate_messages(&chat, &cancel).await?;
    let (tx, rx) = mpsc::channel(256);
    let first = reply.chunk(json!({"role": "assistant", "content": ""}), None);
    tokio::spawn(async move {
        if tx.send(first).await.is_err() {
            return;
        }
        let (mut calls, mut usage, mut finish) = (0, None, None);
        while let Some(chunk) = stream.next().await {
            let event = match chunk {
                Ok(Chunk::Text(text)) => reply.text_chunk(&text),
                Ok(Chunk::ToolCall(call)) => {
                    calls += 1;
                    let delta =
                        json!({"tool_calls": [wire::tool_call_json(&call, Some(calls - 1))]});
                    reply.chunk(delta, None)
                }
                Ok(Chunk::Usage(u)) => {
                    usage = Some(u);
                    continue;
                }
                Ok(Chunk::Finish(reason)) => {
                    finish = Some(reason);
                    continue;
                }
                Err(error) => {
                    let _ = tx.send(error_event(&OaiError::from(error))).await;
                    return;
                }
            };
            if tx.send(event).await.is_err() {
                return; // the client went away: dropping the stream stops the provider
            }
        }
        let reason = wire::finish_reason(finish.as_deref(), calls > 0);
        reply.finish(&tx, reason, usage.as_ref()).await;
    });
    Ok(sse(rx, cancel))
}

/// Runs a chat-shaped workflow with the user's message.
async fn run_workflow(
    state: AppState,
    user: String,
    reply: Reply,
    chat_workflow: ChatWorkflow,
    text: String,
    stream: bool,
) -> Result<Response, OaiError> {
    let value = match chat_workflow.kind {
        InputKind::Text => Value::String(text),
        InputKind::Message => json!({"type": "message", "role": "user", "content": text}),
    };
    let mut params = Map::new();
    params.insert(chat_workflow.input.clone(), value);
    let request = super::RunJobRequest {
        workflow_id: Some(chat_workflow.workflow.id.clone()),
        graph: None,
        params,
    };
    let started = state
        .start_job(&user, request, stream)
        .await
        .map_err(|e| OaiError {
            status: e.status,
            message: e.detail,
            kind: "invalid_request_error",
            param: None,
            code: None,
        })?;
    let output = chat_workflow.output.clone();
    if !stream {
        let outcome = started
            .outcome
            .await
            .map_err(|e| OaiError::internal("the workflow ended without an outcome", e))?;
        if outcome.status != "completed" {
            return Err(OaiError {
                status: axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                message: format!(
                    "the workflow {}: {}",
                    outcome.status,
                    outcome.error.unwrap_or_default()
                ),
                kind: "api_error",
                param: None,
                code: None,
            });
        }
        let text = outcome
            .result
            .as_ref()
            .and_then(|r| r.get(&output))
            .and_then(|v| v.as_array().and_then(|a| a.last()).cloned())
            .map(as_text)
            .unwrap_or_default();
        return Ok(reply.text(text));
    }
    let Some(mut messages) = started.messages else {
        return Err(OaiError::internal(
            "the workflow's messages",
            "none were given",
        ));
    };
    let cancel = CancellationToken::new();
    let (tx, rx) = mpsc::channel(256);
    let (job_id, stop) = (started.job_id.clone(), cancel.clone());
    tokio::spawn(async move {
        let _ = tx
            .send(reply.chunk(json!({"role": "assistant", "content": ""}), None))
            .await;
        let (mut streamed, mut last_output) = (false, None);
        loop {
            let message = tokio::select! {
                m = messages.next(&job_id) => m,
                () = stop.cancelled() => {
                    let _ = state.jobs().cancel(&user, &job_id).await;
                    return;
                }
            };
            let Some(message) = message else { break };
            match message["type"].as_str() {
                Some("chunk") => {
                    let content = message["content"].as_str().unwrap_or_default();
                    if !content.is_empty() {
                        streamed = true;
                        if tx.send(reply.text_chunk(content)).await.is_err() {
                            let _ = state.jobs().cancel(&user, &job_id).await;
                            return;
                        }
                    }
                }
                Some("output_update") if message["output_name"] == output.as_str() => {
                    last_output = Some(as_text(message["value"].clone()));
                }
                Some("job_update") if crate::jobs::is_final(&message) => {
                    if message["status"] != "completed" {
                        let error = OaiError {
                            status: axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                            message: format!(
                                "the workflow {}: {}",
                                message["status"].as_str().unwrap_or("failed"),
                                message["error"].as_str().unwrap_or_default()
                            ),
                            kind: "api_error",
                            param: None,
                            code: None,
                        };
                        let _ = tx.send(error_event(&error)).await;
                        return;
                    }
                    break;
                }
                _ => {}
            }
        }
        if let (false, Some(text)) = (streamed, last_output) {
            let _ = tx.send(reply.text_chunk(&text)).await;
        }
        reply.finish(&tx, "stop", None).await;
    });
    Ok(sse(rx, cancel))
}

/// A value as a reply's text.
fn as_text(value: Value) -> String {
    match value {
        Value::String(text) => text,
        other => other.to_string(),
    }
}

/// Runs an agent on the user's last message.
#[cfg(feature = "agents")]
async fn run_agent(
    env: Arc<crate::config::Environment>,
    user: String,
    reply: Reply,
    provider: Arc<dyn ChatProvider>,
    model: String,
    objective: String,
    stream: bool,
) -> Result<Response, OaiError> {
    use crate::agents::{Agent, AgentLimits};
    use crate::workflows::messages::ProcessingMessage;
    use crate::workflows::ProcessingContext;
    let names: Vec<String> = env
        .get("NODETOOL_AGENT_TOOLS")
        .unwrap_or("calculator,http_get")
        .split(',')
        .map(str::to_owned)
        .collect();
    let tools = crate::agents::resolve_tools(&names)
        .map_err(|e| OaiError::internal("NODETOOL_AGENT_TOOLS names an unknown tool", e))?;
    let limits = AgentLimits::from_env(&env)
        .map_err(|e| OaiError::internal("the agent settings are not valid", e))?;
    let cancel = CancellationToken::new();
    let ctx = ProcessingContext::builder()
        .user_id(user)
        .environment(env)
        .cancellation(cancel.clone())
        .build();
    let agent = Agent::new(objective, provider, model)
        .tools(tools.iter().cloned())
        .limits(limits);
    let failed = |error: crate::agents::AgentError| OaiError {
        status: axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        message: format!("the agent failed: {error}"),
        kind: "api_error",
        param: None,
        code: None,
    };
    if !stream {
        // Dropped with the request: a client that goes away stops the agent.
        let _guard = cancel.drop_guard();
        let result = agent.run(&ctx).await.map_err(failed)?;
        return Ok(reply.text(as_text(result)));
    }
    let mut run = agent.execute(&ctx);
    let (tx, rx) = mpsc::channel(256);
    tokio::spawn(async move {
        let _ = tx
            .send(reply.chunk(json!({"role": "assistant", "content": ""}), None))
            .await;
        let mut streamed = String::new();
        while let Some(event) = run.next_event().await {
            if let ProcessingMessage::Chunk(chunk) = &event {
                if !chunk.content.is_empty() {
                    streamed.push_str(&chunk.content);
                    if tx.send(reply.text_chunk(&chunk.content)).await.is_err() {
                        return; // dropping the run stops the agent
                    }
                }
            }
        }
        match run.result().await {
            Ok(result) => {
                let text = as_text(result);
                if !streamed.ends_with(&text) {
                    let _ = tx.send(reply.text_chunk(&text)).await;
                }
                reply.finish(&tx, "stop", None).await;
            }
            Err(error) => {
                let _ = tx.send(error_event(&failed(error))).await;
            }
        }
    });
    Ok(sse(rx, cancel))
}

/// `POST /v1/embeddings`'s body.
#[derive(Debug, serde::Deserialize)]
struct EmbeddingRequest {
    model: String,
    input: Value,
    #[serde(default)]
    encoding_format: Option<String>,
}

/// `POST /v1/embeddings`: through the provider of `model` (OpenAI-compatible, Ollama,
/// Gemini).
async fn embeddings(
    State(state): State<AppState>,
    OaiUser(user): OaiUser,
    body: Bytes,
) -> Result<Json<Value>, OaiError> {
    let request: EmbeddingRequest = serde_json::from_slice(&body).map_err(|e| {
        OaiError::bad_request("body", format!("the request body is not valid: {e}"))
    })?;
    let inputs: Vec<String> =
        match &request.input {
            Value::String(text) => vec![text.clone()],
            Value::Array(items) if items.iter().all(Value::is_string) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => return Err(OaiError::bad_request(
                "input",
                "input: a string or a list of strings is needed (token arrays are not supported)",
            )),
        };
    let base64 = match request.encoding_format.as_deref() {
        None | Some("float") => false,
        Some("base64") => true,
        Some(other) => {
            return Err(OaiError::bad_request(
                "encoding_format",
                format!("encoding_format: `{other}` is not float or base64"),
            ))
        }
    };
    let env = models::environment_for(&state, &user).await?;
    let (provider, model) = match models::resolve(&state, &user, &env, &request.model).await? {
        Target::Provider { provider, model } => (provider, model),
        _ => {
            return Err(OaiError::bad_request(
                "model",
                format!("model: `{}` is not an embedding model", request.model),
            ))
        }
    };
    let cancel = CancellationToken::new();
    let _guard = cancel.clone().drop_guard();
    let embedded = provider.embed(&model, &inputs, &cancel).await?;
    let data: Vec<Value> = embedded
        .vectors
        .iter()
        .enumerate()
        .map(|(index, vector)| {
            let embedding = if base64 {
                use base64::Engine;
                let bytes: Vec<u8> = vector.iter().flat_map(|x| x.to_le_bytes()).collect();
                json!(base64::engine::general_purpose::STANDARD.encode(bytes))
            } else {
                json!(vector)
            };
            json!({"object": "embedding", "index": index, "embedding": embedding})
        })
        .collect();
    let tokens = embedded.input_tokens.unwrap_or(0);
    Ok(Json(json!({
        "object": "list",
        "data": data,
        "model": request.model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_chunks_written_directly_equal_the_json_tree() {
        let reply = Reply {
            quoted_id: json!("chatcmpl-1").to_string(),
            quoted_model: json!("a \"model\"").to_string(),
            id: "chatcmpl-1".into(),
            created: 7,
            model: "a \"model\"".into(),
            include_usage: false,
        };
        for text in ["plain", "quote \" and \\ and\nnewline", "émoji 🦀", ""] {
            let direct: Value = serde_json::from_str(&reply.text_chunk(text)).unwrap();
            let tree: Value =
                serde_json::from_str(&reply.chunk(json!({"content": text}), None)).unwrap();
            assert_eq!(direct, tree, "{text}");
        }
    }
}
