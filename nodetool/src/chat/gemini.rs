//! Google's Gemini API (`POST {base}/models/{model}:generateContent`, and
//! `:streamGenerateContent?alt=sse` for streams).

use super::error::ChatError;
use super::framing::Framing;
use super::split_data_uri;
use super::transport::{document_reply, DocumentStream, Transport};
use super::types::{
    ChatRequest, ChatResponse, Chunk, ContentPart, ModelInfo, Role, ToolCall, Usage,
};
use serde_json::{json, Map, Value};
use std::fmt;

const NAME: &str = "gemini";

/// The default base URL.
pub const GEMINI_BASE_URL: &str = "https://generativelanguage.googleapis.com/v1beta";

/// Google's Gemini API; the key travels in the `x-goog-api-key` header, never in the URL.
///
/// ```
/// use nodetool::chat::GeminiProvider;
/// let p = GeminiProvider::new("AIza-secret".into());
/// assert!(!format!("{p:?}").contains("secret"));
/// ```
#[derive(Clone)]
pub struct GeminiProvider {
    transport: Transport,
    api_key: String,
    base_url: String,
}

impl fmt::Debug for GeminiProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeminiProvider")
            .field("base_url", &super::redact_url(&self.base_url))
            .field("api_key", &"<redacted>")
            .finish()
    }
}

impl GeminiProvider {
    /// A provider with `api_key`.
    pub fn new(api_key: String) -> Self {
        GeminiProvider {
            transport: Transport::new(NAME),
            api_key,
            base_url: GEMINI_BASE_URL.to_owned(),
        }
    }

    fn post(
        &self,
        model: &str,
        stream: bool,
        body: Value,
    ) -> impl Fn() -> reqwest::RequestBuilder + Send + Sync + '_ {
        let model = model.trim_start_matches("models/").to_owned();
        let method = if stream {
            "streamGenerateContent?alt=sse"
        } else {
            "generateContent"
        };
        let url = format!("{}/models/{model}:{method}", self.base_url);
        move || {
            self.transport
                .http
                .post(&url)
                .header("x-goog-api-key", &self.api_key)
                .json(&body)
        }
    }
}

impl GeminiProvider {
    async fn embed_inputs(
        &self,
        model: &str,
        inputs: &[String],
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<super::Embeddings, ChatError> {
        if let Some(none) = super::embeddings::nothing_to_embed(inputs) {
            return Ok(none);
        }
        let body = super::embeddings::gemini_body(model, inputs);
        let url = format!(
            "{}/models/{}:batchEmbedContents",
            self.base_url,
            model.trim_start_matches("models/")
        );
        let build = || {
            self.transport
                .http
                .post(&url)
                .header("x-goog-api-key", &self.api_key)
                .json(&body)
        };
        let answer = super::embeddings::post(&self.transport, &build, cancel).await?;
        super::embeddings::parse_gemini(&answer, inputs.len())
    }
}

super::transport::provider_builders!(GeminiProvider);

fn part_json(part: &ContentPart) -> Result<Value, ChatError> {
    Ok(match part {
        ContentPart::Text { text } => json!({"text": text}),
        ContentPart::Image { url } => {
            let (mime_type, data) = split_data_uri(url).ok_or_else(|| {
                ChatError::config(
                    NAME,
                    format!("images must be inline (`data:` URIs) for Gemini, not `{url}`"),
                )
            })?;
            json!({"inlineData": {"mimeType": mime_type, "data": data}})
        }
    })
}

/// The request body; consecutive messages of one role are merged.
pub(crate) fn request_body(request: &ChatRequest) -> Result<Value, ChatError> {
    let mut contents: Vec<(&str, Vec<Value>)> = Vec::new();
    let mut system = Vec::new();
    for m in &request.messages {
        let (role, parts) = match m.role {
            Role::System => {
                system.push(json!({"text": m.text()}));
                continue;
            }
            Role::Tool => {
                let result: Value = serde_json::from_str(&m.text()).unwrap_or(json!(m.text()));
                let response = if result.is_object() {
                    result
                } else {
                    json!({ "result": result })
                };
                let name = m.name.clone().unwrap_or_default();
                (
                    "user",
                    vec![json!({"functionResponse": {"name": name, "response": response}})],
                )
            }
            Role::Assistant => {
                let mut parts = m
                    .content
                    .iter()
                    .filter(|p| !matches!(p, ContentPart::Text { text } if text.is_empty()))
                    .map(part_json)
                    .collect::<Result<Vec<_>, _>>()?;
                parts.extend(m.tool_calls.iter().map(|c| {
                    let mut part = json!({"functionCall": {"name": c.name, "args": c.arguments}});
                    if let Some(signature) = &c.signature {
                        part["thoughtSignature"] = json!(signature);
                    }
                    part
                }));
                ("model", parts)
            }
            Role::User => (
                "user",
                m.content
                    .iter()
                    .map(part_json)
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        match contents.last_mut() {
            Some((last, existing)) if *last == role => existing.extend(parts),
            _ => contents.push((role, parts)),
        }
    }
    let mut body = Map::new();
    body.insert(
        "contents".into(),
        contents
            .into_iter()
            .map(|(role, parts)| json!({"role": role, "parts": parts}))
            .collect(),
    );
    if !system.is_empty() {
        body.insert("systemInstruction".into(), json!({ "parts": system }));
    }
    if !request.tools.is_empty() {
        let declarations: Vec<Value> = request
            .tools
            .iter()
            .map(|t| {
                json!({"name": t.name, "description": t.description,
                       "parametersJsonSchema": t.parameters})
            })
            .collect();
        body.insert(
            "tools".into(),
            json!([{ "functionDeclarations": declarations }]),
        );
    }
    if let Some(name) = &request.force_tool {
        body.insert(
            "toolConfig".into(),
            json!({"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [name]}}),
        );
    }
    let mut config = Map::new();
    if let Some(n) = request.max_tokens {
        config.insert("maxOutputTokens".into(), json!(n));
    }
    if let Some(t) = request.temperature {
        config.insert("temperature".into(), json!(t));
    }
    if let Some(schema) = &request.json_schema {
        config.insert("responseMimeType".into(), json!("application/json"));
        config.insert("responseJsonSchema".into(), schema.clone());
    }
    if !config.is_empty() {
        body.insert("generationConfig".into(), Value::Object(config));
    }
    Ok(Value::Object(body))
}

/// The chunks of one response (whole, or one streamed piece); `calls` numbers tool calls
/// that carry no id.
fn chunks_of(body: &Value, calls: &mut usize) -> Result<(Vec<Chunk>, bool), ChatError> {
    if let Some(error) = body.get("error") {
        return Err(ChatError::Api {
            provider: NAME,
            status: error["code"]
                .as_u64()
                .and_then(|c| u16::try_from(c).ok())
                .unwrap_or(500),
            message: error["message"].as_str().unwrap_or("error").to_owned(),
        });
    }
    let mut out = Vec::new();
    let mut finished = false;
    let candidates = body["candidates"].as_array();
    if candidates.is_none_or(|c| c.is_empty()) {
        if let Some(reason) = body["promptFeedback"]["blockReason"].as_str() {
            return Err(ChatError::Api {
                provider: NAME,
                status: 400,
                message: format!("the prompt was blocked: {reason}"),
            });
        }
    }
    if let Some(candidate) = candidates.and_then(|c| c.first()) {
        for part in candidate["content"]["parts"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if part["thought"].as_bool() == Some(true) {
                continue;
            }
            if let Some(text) = part["text"].as_str() {
                if !text.is_empty() {
                    out.push(Chunk::Text(text.to_owned()));
                }
            } else if let Some(call) = part.get("functionCall") {
                *calls += 1;
                out.push(Chunk::ToolCall(ToolCall {
                    id: call["id"]
                        .as_str()
                        .map_or_else(|| format!("call_{calls}"), str::to_owned),
                    name: call["name"].as_str().unwrap_or_default().to_owned(),
                    arguments: call.get("args").cloned().unwrap_or(json!({})),
                    signature: part["thoughtSignature"].as_str().map(str::to_owned),
                }));
            }
        }
        if let Some(reason) = candidate["finishReason"].as_str() {
            finished = true;
            if let Some(u) = body.get("usageMetadata") {
                out.push(Chunk::Usage(Usage {
                    input_tokens: u["promptTokenCount"].as_u64().unwrap_or(0),
                    output_tokens: u["candidatesTokenCount"].as_u64().unwrap_or(0),
                }));
            }
            out.push(Chunk::Finish(reason.to_owned()));
        }
    }
    Ok((out, finished))
}

/// A whole (non-streamed) answer.
pub(crate) fn parse_reply(body: &Value) -> Result<ChatResponse, ChatError> {
    if body.get("candidates").is_none() && body.get("promptFeedback").is_none() {
        return Err(ChatError::malformed(
            NAME,
            format!("no `candidates` in the answer: {body}"),
        ));
    }
    document_reply(body, chunks_of)
}

impl GeminiProvider {
    fn chat_request(
        &self,
        request: &ChatRequest,
        stream: bool,
    ) -> Result<impl Fn() -> reqwest::RequestBuilder + Send + Sync + '_, ChatError> {
        Ok(self.post(&request.model, stream, request_body(request)?))
    }

    fn models_request(&self) -> impl Fn() -> reqwest::RequestBuilder + Send + Sync + '_ {
        move || {
            self.transport
                .http
                .get(format!("{}/models", self.base_url))
                .header("x-goog-api-key", &self.api_key)
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
            .filter_map(|m| {
                let id = m["name"].as_str()?.trim_start_matches("models/");
                Some(ModelInfo {
                    id: id.to_owned(),
                    name: m["displayName"].as_str().unwrap_or(id).to_owned(),
                    provider: NAME.to_owned(),
                })
            })
            .collect())
    }
}

super::transport::chat_provider!(
    GeminiProvider,
    NAME,
    Framing::Sse,
    DocumentStream::new(
        NAME,
        chunks_of,
        "the stream ended without a `finishReason` (truncated)"
    )
);
