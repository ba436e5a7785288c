//! Anthropic's Messages API (`POST {base}/v1/messages`), streaming over SSE.

use super::error::ChatError;
use super::framing::{Framing, SseEvent};
use super::split_data_uri;
use super::transport::{StreamParser, Transport};
use super::types::{
    ChatRequest, ChatResponse, Chunk, ContentPart, Message, ModelInfo, Role, ToolCall, Usage,
};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::fmt;

const NAME: &str = "anthropic";
const VERSION: &str = "2023-06-01";
/// The tool a structured-output request forces, whose input is the reply.
const JSON_TOOL: &str = "json_output";
const DEFAULT_MAX_TOKENS: u32 = 4096;

/// The default base URL.
pub const ANTHROPIC_BASE_URL: &str = "https://api.anthropic.com";

/// Anthropic's Messages API. Structured output is a forced tool call whose input is the reply.
///
/// ```
/// use nodetool::chat::AnthropicProvider;
/// let p = AnthropicProvider::new("sk-ant-secret".into());
/// assert!(!format!("{p:?}").contains("secret"));
/// ```
#[derive(Clone)]
pub struct AnthropicProvider {
    transport: Transport,
    api_key: String,
    base_url: String,
}

impl fmt::Debug for AnthropicProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnthropicProvider")
            .field("base_url", &super::redact_url(&self.base_url))
            .field("api_key", &"<redacted>")
            .finish()
    }
}

impl AnthropicProvider {
    /// A provider with `api_key`.
    pub fn new(api_key: String) -> Self {
        AnthropicProvider {
            transport: Transport::new(NAME),
            api_key,
            base_url: ANTHROPIC_BASE_URL.to_owned(),
        }
    }

    fn authed(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request
            .header("x-api-key", &self.api_key)
            .header("anthropic-version", VERSION)
    }

    fn post(&self, body: Value) -> impl Fn() -> reqwest::RequestBuilder + Send + Sync + '_ {
        move || {
            self.authed(
                self.transport
                    .http
                    .post(format!("{}/v1/messages", self.base_url)),
            )
            .json(&body)
        }
    }
}

impl AnthropicProvider {
    async fn embed_inputs(
        &self,
        _model: &str,
        _inputs: &[String],
        _cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<super::Embeddings, ChatError> {
        Err(ChatError::config(
            "anthropic",
            "Anthropic has no embeddings API (use OpenAI, Ollama or Gemini)",
        ))
    }
}

super::transport::provider_builders!(AnthropicProvider);

fn content_part(part: &ContentPart) -> Value {
    match part {
        ContentPart::Text { text } => json!({"type": "text", "text": text}),
        ContentPart::Image { url } => match split_data_uri(url) {
            Some((media_type, data)) => json!({"type": "image", "source": {
                "type": "base64", "media_type": media_type, "data": data}}),
            None => json!({"type": "image", "source": {"type": "url", "url": url}}),
        },
    }
}

/// The request body; consecutive messages of one role are merged (the API alternates).
pub(crate) fn request_body(request: &ChatRequest, stream: bool) -> Value {
    let system: Vec<String> = request
        .messages
        .iter()
        .filter(|m| m.role == Role::System)
        .map(Message::text)
        .collect();
    let mut messages: Vec<(&str, Vec<Value>)> = Vec::new();
    for m in request.messages.iter().filter(|m| m.role != Role::System) {
        let (role, blocks) = match m.role {
            Role::Tool => (
                "user",
                vec![json!({"type": "tool_result",
                    "tool_use_id": m.tool_call_id.clone().unwrap_or_default(),
                    "content": m.text()})],
            ),
            Role::Assistant => {
                let mut blocks: Vec<Value> = m
                    .content
                    .iter()
                    .filter(|p| !matches!(p, ContentPart::Text { text } if text.is_empty()))
                    .map(content_part)
                    .collect();
                blocks.extend(m.tool_calls.iter().map(|c| {
                    json!({"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments})
                }));
                ("assistant", blocks)
            }
            _ => ("user", m.content.iter().map(content_part).collect()),
        };
        match messages.last_mut() {
            Some((last, existing)) if *last == role => existing.extend(blocks),
            _ => messages.push((role, blocks)),
        }
    }
    let mut body = Map::new();
    body.insert("model".into(), json!(request.model));
    body.insert(
        "max_tokens".into(),
        json!(request.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS)),
    );
    if !system.is_empty() {
        body.insert("system".into(), json!(system.join("\n\n")));
    }
    body.insert(
        "messages".into(),
        messages
            .into_iter()
            .map(|(role, content)| json!({"role": role, "content": content}))
            .collect(),
    );
    let mut tools: Vec<Value> = request
        .tools
        .iter()
        .map(
            |t| json!({"name": t.name, "description": t.description, "input_schema": t.parameters}),
        )
        .collect();
    if let Some(schema) = &request.json_schema {
        tools.push(json!({"name": JSON_TOOL,
            "description": "Reply with the requested JSON as this tool's input.",
            "input_schema": schema}));
        body.insert(
            "tool_choice".into(),
            json!({"type": "tool", "name": JSON_TOOL}),
        );
    } else if let Some(name) = &request.force_tool {
        body.insert("tool_choice".into(), json!({"type": "tool", "name": name}));
    }
    if !tools.is_empty() {
        body.insert("tools".into(), Value::Array(tools));
    }
    if let Some(t) = request.temperature {
        body.insert("temperature".into(), json!(t));
    }
    if stream {
        body.insert("stream".into(), json!(true));
    }
    Value::Object(body)
}

/// A tool use: the reply itself when it is the structured-output tool.
fn tool_use(id: &str, name: &str, input: Value) -> Chunk {
    if name == JSON_TOOL {
        Chunk::Text(input.to_string())
    } else {
        Chunk::ToolCall(ToolCall {
            id: id.to_owned(),
            name: name.to_owned(),
            arguments: input,
            signature: None,
        })
    }
}

/// A whole (non-streamed) answer.
pub(crate) fn parse_reply(body: &Value) -> Result<ChatResponse, ChatError> {
    let blocks = body["content"]
        .as_array()
        .ok_or_else(|| ChatError::malformed(NAME, format!("no `content` in the answer: {body}")))?;
    let mut reply = ChatResponse {
        finish_reason: body["stop_reason"].as_str().map(str::to_owned),
        usage: body.get("usage").map(|u| Usage {
            input_tokens: u["input_tokens"].as_u64().unwrap_or(0),
            output_tokens: u["output_tokens"].as_u64().unwrap_or(0),
        }),
        ..ChatResponse::default()
    };
    for block in blocks {
        match block["type"].as_str() {
            Some("text") => reply
                .text
                .push_str(block["text"].as_str().unwrap_or_default()),
            Some("tool_use") => reply.push(tool_use(
                block["id"].as_str().unwrap_or_default(),
                block["name"].as_str().unwrap_or_default(),
                block["input"].clone(),
            )),
            _ => {}
        }
    }
    Ok(reply)
}

/// A content block being streamed.
#[derive(Debug)]
enum Block {
    Text,
    Tool {
        id: String,
        name: String,
        json: String,
    },
}

/// Anthropic's stream events: `message_start`, `content_block_*`, `message_delta`,
/// `message_stop`, `ping`, `error`.
#[derive(Debug, Default)]
pub(crate) struct AnthropicStream {
    blocks: BTreeMap<u64, Block>,
    usage: Usage,
    done: bool,
}

fn stream_error(error: &Value) -> ChatError {
    let message = error["message"]
        .as_str()
        .unwrap_or("stream error")
        .to_owned();
    match error["type"].as_str() {
        Some("rate_limit_error") => ChatError::RateLimited {
            provider: NAME,
            retry_after: None,
            message,
        },
        Some("authentication_error" | "permission_error") => ChatError::Auth {
            provider: NAME,
            message,
        },
        Some("overloaded_error") => ChatError::Api {
            provider: NAME,
            status: 529,
            message,
        },
        _ => ChatError::Api {
            provider: NAME,
            status: 500,
            message,
        },
    }
}

impl StreamParser for AnthropicStream {
    fn frame(&mut self, frame: &SseEvent) -> Result<Vec<Chunk>, ChatError> {
        let event: Value = serde_json::from_str(&frame.data).map_err(|e| {
            ChatError::malformed(
                NAME,
                format!("a stream event is not JSON ({e}): {}", frame.data),
            )
        })?;
        let index = event["index"].as_u64().unwrap_or(0);
        let mut out = Vec::new();
        match event["type"].as_str().unwrap_or_default() {
            "message_start" => {
                let usage = &event["message"]["usage"];
                self.usage.input_tokens = usage["input_tokens"].as_u64().unwrap_or(0);
                self.usage.output_tokens = usage["output_tokens"].as_u64().unwrap_or(0);
            }
            "content_block_start" => {
                let block = &event["content_block"];
                let started = match block["type"].as_str() {
                    Some("tool_use") => Block::Tool {
                        id: block["id"].as_str().unwrap_or_default().to_owned(),
                        name: block["name"].as_str().unwrap_or_default().to_owned(),
                        json: String::new(),
                    },
                    _ => {
                        if let Some(text) = block["text"].as_str().filter(|t| !t.is_empty()) {
                            out.push(Chunk::Text(text.to_owned()));
                        }
                        Block::Text
                    }
                };
                self.blocks.insert(index, started);
            }
            "content_block_delta" => {
                let delta = &event["delta"];
                match (delta["type"].as_str(), self.blocks.get_mut(&index)) {
                    (Some("text_delta"), _) => out.push(Chunk::Text(
                        delta["text"].as_str().unwrap_or_default().to_owned(),
                    )),
                    (Some("input_json_delta"), Some(Block::Tool { json, .. })) => {
                        json.push_str(delta["partial_json"].as_str().unwrap_or_default())
                    }
                    (Some("input_json_delta"), _) => {
                        return Err(ChatError::malformed(
                            NAME,
                            format!("input_json_delta for block {index}, which is not a tool use"),
                        ))
                    }
                    _ => {}
                }
            }
            "content_block_stop" => {
                if let Some(Block::Tool { id, name, json }) = self.blocks.remove(&index) {
                    let input = if json.trim().is_empty() {
                        json!({})
                    } else {
                        serde_json::from_str(&json).map_err(|e| {
                            ChatError::malformed(
                                NAME,
                                format!("the input of tool use `{name}` is not JSON ({e}): {json}"),
                            )
                        })?
                    };
                    out.push(tool_use(&id, &name, input));
                }
            }
            "message_delta" => {
                if let Some(n) = event["usage"]["output_tokens"].as_u64() {
                    self.usage.output_tokens = n;
                }
                if let Some(n) = event["usage"]["input_tokens"].as_u64() {
                    self.usage.input_tokens = n;
                }
                if let Some(reason) = event["delta"]["stop_reason"].as_str() {
                    out.push(Chunk::Finish(reason.to_owned()));
                }
            }
            "message_stop" => {
                self.done = true;
                out.push(Chunk::Usage(self.usage));
            }
            "error" => return Err(stream_error(&event["error"])),
            _ => {}
        }
        Ok(out)
    }

    fn finish(&mut self) -> Result<Vec<Chunk>, ChatError> {
        if !self.done {
            return Err(ChatError::malformed(
                NAME,
                "the stream ended before `message_stop` (truncated)",
            ));
        }
        Ok(Vec::new())
    }
}

impl AnthropicProvider {
    fn chat_request(
        &self,
        request: &ChatRequest,
        stream: bool,
    ) -> Result<impl Fn() -> reqwest::RequestBuilder + Send + Sync + '_, ChatError> {
        Ok(self.post(request_body(request, stream)))
    }

    fn models_request(&self) -> impl Fn() -> reqwest::RequestBuilder + Send + Sync + '_ {
        move || {
            self.authed(
                self.transport
                    .http
                    .get(format!("{}/v1/models", self.base_url)),
            )
        }
    }

    fn parse_reply(body: &Value) -> Result<ChatResponse, ChatError> {
        parse_reply(body)
    }

    fn parse_models(body: &Value) -> Result<Vec<ModelInfo>, ChatError> {
        let data = body["data"]
            .as_array()
            .ok_or_else(|| ChatError::malformed(NAME, "no `data` list in the models answer"))?;
        Ok(data
            .iter()
            .filter_map(|m| {
                let id = m["id"].as_str()?;
                Some(ModelInfo {
                    id: id.to_owned(),
                    name: m["display_name"].as_str().unwrap_or(id).to_owned(),
                    provider: NAME.to_owned(),
                })
            })
            .collect())
    }
}

super::transport::chat_provider!(
    AnthropicProvider,
    NAME,
    Framing::Sse,
    AnthropicStream::default()
);
