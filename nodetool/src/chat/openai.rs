//! OpenAI's chat completions API, and every server that speaks it (vLLM, llama.cpp's server,
//! LM Studio, …): set the base URL.

use super::error::ChatError;
use super::framing::{Framing, SseEvent};
use super::transport::{StreamParser, Transport};
use super::types::{
    ChatRequest, ChatResponse, Chunk, ContentPart, Message, ModelInfo, Role, ToolCall, Usage,
};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::fmt;

const NAME: &str = "openai";

/// The default base URL.
pub const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";

/// OpenAI chat completions (`POST {base}/chat/completions`), streaming over SSE.
///
/// ```
/// use nodetool::chat::{ChatProvider, OpenAiProvider};
/// let local = OpenAiProvider::new(None).with_base_url("http://127.0.0.1:8080/v1");
/// assert_eq!(local.name(), "openai");
/// assert!(!format!("{:?}", OpenAiProvider::new(Some("sk-secret".into()))).contains("sk-secret"));
/// ```
#[derive(Clone)]
pub struct OpenAiProvider {
    pub(crate) transport: Transport,
    pub(crate) api_key: Option<String>,
    pub(crate) base_url: String,
}

impl fmt::Debug for OpenAiProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiProvider")
            .field("base_url", &super::redact_url(&self.base_url))
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl OpenAiProvider {
    /// A provider for api.openai.com with `api_key` (`None` for servers without keys).
    pub fn new(api_key: Option<String>) -> Self {
        OpenAiProvider {
            transport: Transport::new(NAME),
            api_key,
            base_url: OPENAI_BASE_URL.to_owned(),
        }
    }

    fn post(&self, body: Value) -> impl Fn() -> reqwest::RequestBuilder + Send + Sync + '_ {
        move || {
            let request = self
                .transport
                .http
                .post(format!("{}/chat/completions", self.base_url))
                .json(&body);
            match &self.api_key {
                Some(key) => request.bearer_auth(key),
                None => request,
            }
        }
    }
}

impl OpenAiProvider {
    async fn embed_inputs(
        &self,
        model: &str,
        inputs: &[String],
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<super::Embeddings, ChatError> {
        if let Some(none) = super::embeddings::nothing_to_embed(inputs) {
            return Ok(none);
        }
        let body = super::embeddings::openai_body(model, inputs);
        let build = || {
            let request = self
                .transport
                .http
                .post(format!("{}/embeddings", self.base_url))
                .json(&body);
            match &self.api_key {
                Some(key) => request.bearer_auth(key),
                None => request,
            }
        };
        let answer = super::embeddings::post(&self.transport, &build, cancel).await?;
        super::embeddings::parse_openai(&answer, inputs.len())
    }
}

super::transport::provider_builders!(OpenAiProvider);

/// The request body of `request`. OpenAI itself wants `max_completion_tokens` (newer models
/// refuse `max_tokens`); compatible servers know `max_tokens`.
pub(crate) fn request_body(request: &ChatRequest, stream: bool, official: bool) -> Value {
    let mut body = Map::new();
    body.insert("model".into(), json!(request.model));
    body.insert(
        "messages".into(),
        Value::Array(request.messages.iter().map(message_json).collect()),
    );
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
    if let Some(name) = &request.force_tool {
        body.insert(
            "tool_choice".into(),
            json!({"type": "function", "function": {"name": name}}),
        );
    }
    if let Some(n) = request.max_tokens {
        let key = if official {
            "max_completion_tokens"
        } else {
            "max_tokens"
        };
        body.insert(key.into(), json!(n));
    }
    if let Some(t) = request.temperature {
        body.insert("temperature".into(), json!(t));
    }
    if let Some(schema) = &request.json_schema {
        body.insert(
            "response_format".into(),
            json!({"type": "json_schema", "json_schema": {"name": "output", "schema": schema}}),
        );
    }
    if stream {
        body.insert("stream".into(), json!(true));
        body.insert("stream_options".into(), json!({"include_usage": true}));
    }
    Value::Object(body)
}

fn message_json(message: &Message) -> Value {
    let role = match message.role {
        Role::System => "system",
        Role::User => "user",
        Role::Assistant => "assistant",
        Role::Tool => "tool",
    };
    let only_text = message
        .content
        .iter()
        .all(|p| matches!(p, ContentPart::Text { .. }));
    let content = if only_text {
        json!(message.text())
    } else {
        message
            .content
            .iter()
            .map(|p| match p {
                ContentPart::Text { text } => json!({"type": "text", "text": text}),
                ContentPart::Image { url } => {
                    json!({"type": "image_url", "image_url": {"url": url}})
                }
            })
            .collect()
    };
    let mut m = json!({"role": role, "content": content});
    if !message.tool_calls.is_empty() {
        m["tool_calls"] = message
            .tool_calls
            .iter()
            .map(|c| {
                json!({"id": c.id, "type": "function",
                       "function": {"name": c.name, "arguments": c.arguments.to_string()}})
            })
            .collect();
    }
    if let Some(id) = &message.tool_call_id {
        m["tool_call_id"] = json!(id);
    }
    m
}

/// Tool-call arguments: OpenAI sends them as JSON text.
fn arguments(provider: &'static str, name: &str, text: &str) -> Result<Value, ChatError> {
    if text.trim().is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_str(text).map_err(|e| {
        ChatError::malformed(
            provider,
            format!("the arguments of tool call `{name}` are not JSON ({e}): {text}"),
        )
    })
}

fn usage(value: &Value) -> Option<Usage> {
    let u = value.get("usage").filter(|u| u.is_object())?;
    Some(Usage {
        input_tokens: u["prompt_tokens"].as_u64().unwrap_or(0),
        output_tokens: u["completion_tokens"].as_u64().unwrap_or(0),
    })
}

/// A whole (non-streamed) answer.
pub(crate) fn parse_reply(body: &Value) -> Result<ChatResponse, ChatError> {
    let choice = body["choices"]
        .get(0)
        .ok_or_else(|| ChatError::malformed(NAME, format!("no `choices` in the answer: {body}")))?;
    let message = &choice["message"];
    let mut reply = ChatResponse {
        text: message["content"].as_str().unwrap_or_default().to_owned(),
        usage: usage(body),
        finish_reason: choice["finish_reason"].as_str().map(str::to_owned),
        ..ChatResponse::default()
    };
    for call in message["tool_calls"].as_array().into_iter().flatten() {
        let name = call["function"]["name"].as_str().unwrap_or_default();
        let args = call["function"]["arguments"].as_str().unwrap_or_default();
        reply.tool_calls.push(ToolCall {
            id: call["id"].as_str().unwrap_or_default().to_owned(),
            name: name.to_owned(),
            arguments: arguments(NAME, name, args)?,
            signature: None,
        });
    }
    Ok(reply)
}

/// Assembles OpenAI's streamed deltas: text as it comes, tool calls once complete.
#[derive(Debug, Default)]
pub(crate) struct OpenAiStream {
    /// Tool calls being streamed, by index: id, name, argument text.
    calls: BTreeMap<u64, (String, String, String)>,
    done: bool,
    finish: Option<String>,
}

impl OpenAiStream {
    fn flush_calls(&mut self) -> Result<Vec<Chunk>, ChatError> {
        std::mem::take(&mut self.calls)
            .into_values()
            .map(|(id, name, args)| {
                Ok(Chunk::ToolCall(ToolCall {
                    arguments: arguments(NAME, &name, &args)?,
                    id,
                    name,
                    signature: None,
                }))
            })
            .collect()
    }
}

impl StreamParser for OpenAiStream {
    fn frame(&mut self, frame: &SseEvent) -> Result<Vec<Chunk>, ChatError> {
        if frame.data.trim() == "[DONE]" {
            self.done = true;
            let mut out = self.flush_calls()?;
            out.extend(self.finish.take().map(Chunk::Finish));
            return Ok(out);
        }
        let value: Value = serde_json::from_str(&frame.data).map_err(|e| {
            ChatError::malformed(
                NAME,
                format!("a stream event is not JSON ({e}): {}", frame.data),
            )
        })?;
        if let Some(error) = value.get("error") {
            return Err(ChatError::Api {
                provider: NAME,
                status: 200,
                message: error["message"]
                    .as_str()
                    .unwrap_or("stream error")
                    .to_owned(),
            });
        }
        let mut out = Vec::new();
        if let Some(choice) = value["choices"].get(0) {
            let delta = &choice["delta"];
            if let Some(text) = delta["content"].as_str().filter(|t| !t.is_empty()) {
                out.push(Chunk::Text(text.to_owned()));
            }
            for call in delta["tool_calls"].as_array().into_iter().flatten() {
                let index = call["index"].as_u64().unwrap_or(0);
                let entry = self.calls.entry(index).or_default();
                if let Some(id) = call["id"].as_str() {
                    entry.0 = id.to_owned();
                }
                // OpenAI sends the name once; some compatible servers (llama.cpp) repeat it
                // in every fragment.
                if let Some(name) = call["function"]["name"].as_str() {
                    if entry.1 != name {
                        entry.1.push_str(name);
                    }
                }
                if let Some(args) = call["function"]["arguments"].as_str() {
                    entry.2.push_str(args);
                }
            }
            if let Some(reason) = choice["finish_reason"].as_str() {
                out.extend(self.flush_calls()?);
                self.finish = Some(reason.to_owned());
            }
        }
        out.extend(usage(&value).map(Chunk::Usage));
        Ok(out)
    }

    fn finish(&mut self) -> Result<Vec<Chunk>, ChatError> {
        if !self.done {
            return Err(ChatError::malformed(
                NAME,
                "the stream ended before `data: [DONE]` (truncated)",
            ));
        }
        Ok(Vec::new())
    }
}

fn parse_models(body: &Value) -> Result<Vec<ModelInfo>, ChatError> {
    let data = body["data"]
        .as_array()
        .ok_or_else(|| ChatError::malformed(NAME, "no `data` list in the models answer"))?;
    Ok(data
        .iter()
        .filter_map(|m| m["id"].as_str())
        .map(|id| ModelInfo {
            id: id.to_owned(),
            name: id.to_owned(),
            provider: NAME.to_owned(),
        })
        .collect())
}

impl OpenAiProvider {
    fn chat_request(
        &self,
        request: &ChatRequest,
        stream: bool,
    ) -> Result<impl Fn() -> reqwest::RequestBuilder + Send + Sync + '_, ChatError> {
        let official = self.base_url == OPENAI_BASE_URL;
        Ok(self.post(request_body(request, stream, official)))
    }

    fn models_request(&self) -> impl Fn() -> reqwest::RequestBuilder + Send + Sync + '_ {
        move || {
            let r = self.transport.http.get(format!("{}/models", self.base_url));
            match &self.api_key {
                Some(key) => r.bearer_auth(key),
                None => r,
            }
        }
    }

    fn parse_reply(body: &Value) -> Result<ChatResponse, ChatError> {
        parse_reply(body)
    }

    fn parse_models(body: &Value) -> Result<Vec<ModelInfo>, ChatError> {
        parse_models(body)
    }
}

super::transport::chat_provider!(OpenAiProvider, NAME, Framing::Sse, OpenAiStream::default());
