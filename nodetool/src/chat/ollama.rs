//! Ollama's chat API (`POST {base}/api/chat`), streaming newline-delimited JSON.

use super::error::ChatError;
use super::framing::Framing;
use super::split_data_uri;
use super::transport::{document_reply, DocumentStream, Transport};
use super::types::{
    ChatRequest, ChatResponse, Chunk, ContentPart, ModelInfo, Role, ToolCall, Usage,
};
use serde_json::{json, Map, Value};

const NAME: &str = "ollama";

/// The default base URL (a local Ollama).
pub const OLLAMA_BASE_URL: &str = "http://127.0.0.1:11434";

/// A local or remote Ollama server.
#[derive(Clone)]
pub struct OllamaProvider {
    transport: Transport,
    base_url: String,
}

impl std::fmt::Debug for OllamaProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OllamaProvider")
            .field("base_url", &super::redact_url(&self.base_url))
            .finish()
    }
}

impl Default for OllamaProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl OllamaProvider {
    /// Ollama at [`OLLAMA_BASE_URL`].
    pub fn new() -> Self {
        OllamaProvider {
            transport: Transport::new(NAME),
            base_url: OLLAMA_BASE_URL.to_owned(),
        }
    }

    fn post(&self, body: Value) -> impl Fn() -> reqwest::RequestBuilder + Send + Sync + '_ {
        move || {
            self.transport
                .http
                .post(format!("{}/api/chat", self.base_url))
                .json(&body)
        }
    }
}

impl OllamaProvider {
    async fn embed_inputs(
        &self,
        model: &str,
        inputs: &[String],
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<super::Embeddings, ChatError> {
        if let Some(none) = super::embeddings::nothing_to_embed(inputs) {
            return Ok(none);
        }
        let body = super::embeddings::ollama_body(model, inputs);
        let build = || {
            self.transport
                .http
                .post(format!("{}/api/embed", self.base_url))
                .json(&body)
        };
        let answer = super::embeddings::post(&self.transport, &build, cancel).await?;
        super::embeddings::parse_ollama(&answer, inputs.len())
    }
}

super::transport::provider_builders!(OllamaProvider);

/// The request body.
pub(crate) fn request_body(request: &ChatRequest, stream: bool) -> Result<Value, ChatError> {
    let mut messages = Vec::new();
    for m in &request.messages {
        let role = match m.role {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        };
        let mut message = json!({"role": role, "content": m.text()});
        let images = m
            .content
            .iter()
            .filter_map(|p| match p {
                ContentPart::Image { url } => {
                    Some(split_data_uri(url).map(|(_, d)| d).ok_or_else(|| {
                        ChatError::config(
                            NAME,
                            format!("images must be inline (`data:` URIs) for Ollama, not `{url}`"),
                        )
                    }))
                }
                ContentPart::Text { .. } => None,
            })
            .collect::<Result<Vec<_>, _>>()?;
        if !images.is_empty() {
            message["images"] = json!(images);
        }
        if !m.tool_calls.is_empty() {
            message["tool_calls"] = m
                .tool_calls
                .iter()
                .map(|c| json!({"function": {"name": c.name, "arguments": c.arguments}}))
                .collect();
        }
        if let (Role::Tool, Some(name)) = (m.role, &m.name) {
            message["tool_name"] = json!(name);
        }
        messages.push(message);
    }
    let mut body = Map::new();
    body.insert("model".into(), json!(request.model));
    body.insert("messages".into(), Value::Array(messages));
    body.insert("stream".into(), json!(stream));
    if !request.tools.is_empty() {
        let tools = request
            .tools
            .iter()
            .map(|t| {
                json!({"type": "function", "function": {
                    "name": t.name, "description": t.description, "parameters": t.parameters}})
            })
            .collect();
        body.insert("tools".into(), Value::Array(tools));
    }
    if let Some(schema) = &request.json_schema {
        body.insert("format".into(), schema.clone());
    }
    let mut options = Map::new();
    if let Some(n) = request.max_tokens {
        options.insert("num_predict".into(), json!(n));
    }
    if let Some(t) = request.temperature {
        options.insert("temperature".into(), json!(t));
    }
    if !options.is_empty() {
        body.insert("options".into(), Value::Object(options));
    }
    Ok(Value::Object(body))
}

/// The chunks of one answer line; `calls` numbers tool calls (Ollama gives no ids).
fn chunks_of(line: &Value, calls: &mut usize) -> Result<(Vec<Chunk>, bool), ChatError> {
    if let Some(error) = line.get("error") {
        return Err(ChatError::Api {
            provider: NAME,
            status: 500,
            message: error
                .as_str()
                .map_or_else(|| error.to_string(), str::to_owned),
        });
    }
    let message = &line["message"];
    let mut out = Vec::new();
    if let Some(text) = message["content"].as_str().filter(|t| !t.is_empty()) {
        out.push(Chunk::Text(text.to_owned()));
    }
    for call in message["tool_calls"].as_array().into_iter().flatten() {
        *calls += 1;
        let function = &call["function"];
        let arguments = match &function["arguments"] {
            Value::String(s) => serde_json::from_str(s).map_err(|e| {
                ChatError::malformed(NAME, format!("tool call arguments are not JSON ({e}): {s}"))
            })?,
            Value::Null => json!({}),
            other => other.clone(),
        };
        out.push(Chunk::ToolCall(ToolCall {
            id: call["id"]
                .as_str()
                .map_or_else(|| format!("call_{calls}"), str::to_owned),
            name: function["name"].as_str().unwrap_or_default().to_owned(),
            arguments,
            signature: None,
        }));
    }
    let done = line["done"].as_bool() == Some(true);
    if done {
        out.push(Chunk::Usage(Usage {
            input_tokens: line["prompt_eval_count"].as_u64().unwrap_or(0),
            output_tokens: line["eval_count"].as_u64().unwrap_or(0),
        }));
        out.push(Chunk::Finish(
            line["done_reason"].as_str().unwrap_or("stop").to_owned(),
        ));
    }
    Ok((out, done))
}

/// A whole (non-streamed) answer.
pub(crate) fn parse_reply(body: &Value) -> Result<ChatResponse, ChatError> {
    if body.get("message").is_none() && body.get("error").is_none() {
        return Err(ChatError::malformed(
            NAME,
            format!("no `message` in the answer: {body}"),
        ));
    }
    document_reply(body, chunks_of)
}

impl OllamaProvider {
    fn chat_request(
        &self,
        request: &ChatRequest,
        stream: bool,
    ) -> Result<impl Fn() -> reqwest::RequestBuilder + Send + Sync + '_, ChatError> {
        Ok(self.post(request_body(request, stream)?))
    }

    fn models_request(&self) -> impl Fn() -> reqwest::RequestBuilder + Send + Sync + '_ {
        move || {
            self.transport
                .http
                .get(format!("{}/api/tags", self.base_url))
        }
    }

    fn parse_reply(body: &Value) -> Result<ChatResponse, ChatError> {
        parse_reply(body)
    }

    fn parse_models(body: &Value) -> Result<Vec<ModelInfo>, ChatError> {
        let models = body["models"]
            .as_array()
            .ok_or_else(|| ChatError::malformed(NAME, "no `models` list in the answer"))?;
        Ok(models
            .iter()
            .filter_map(|m| m["name"].as_str())
            .map(|name| ModelInfo {
                id: name.to_owned(),
                name: name.to_owned(),
                provider: NAME.to_owned(),
            })
            .collect())
    }
}

super::transport::chat_provider!(
    OllamaProvider,
    NAME,
    Framing::Ndjson,
    DocumentStream::new(
        NAME,
        chunks_of,
        "the stream ended without a line with `\"done\": true` (truncated)"
    )
);
