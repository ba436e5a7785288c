//! OpenAI's chat completions wire format: the request read into a [`ChatRequest`], replies
//! and stream chunks written from provider-neutral ones.

use super::error::OaiError;
use crate::chat::{ChatRequest, ChatResponse, ContentPart, Message, Role, Tool, ToolCall, Usage};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// `POST /v1/chat/completions`'s body (fields OpenAI has and this server does not use, such
/// as `n`, `top_p` or `user`, are accepted and ignored).
#[derive(Debug, Clone, Deserialize)]
pub struct CompletionRequest {
    /// `provider:model`, a bare model of the default provider, `workflow:…` or `agent:…`.
    pub model: String,
    /// The conversation.
    pub messages: Vec<WireMessage>,
    /// Stream SSE chunks (default false, as OpenAI's).
    #[serde(default)]
    pub stream: bool,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// The most tokens to generate (older name).
    pub max_tokens: Option<u32>,
    /// The most tokens to generate.
    pub max_completion_tokens: Option<u32>,
    /// Tools the model may call.
    #[serde(default)]
    pub tools: Vec<WireTool>,
    /// `none`, `auto`, `required` or `{"type": "function", "function": {"name"}}`.
    pub tool_choice: Option<Value>,
    /// `{"type": "json_schema", "json_schema": {"schema"}}` or `{"type": "json_object"}`.
    pub response_format: Option<Value>,
    /// `{"include_usage": true}`: a last chunk with the usage.
    pub stream_options: Option<StreamOptions>,
}

/// `stream_options`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StreamOptions {
    /// Send a usage chunk before `[DONE]`.
    #[serde(default)]
    pub include_usage: bool,
}

/// One message of the conversation.
#[derive(Debug, Clone, Deserialize)]
pub struct WireMessage {
    /// `system`, `developer`, `user`, `assistant` or `tool`.
    pub role: String,
    /// Text, a list of parts, or null.
    #[serde(default)]
    pub content: Value,
    /// The assistant's tool calls.
    #[serde(default)]
    pub tool_calls: Vec<WireToolCall>,
    /// The call a tool message answers.
    pub tool_call_id: Option<String>,
    /// A tool message's tool name.
    pub name: Option<String>,
}

/// A tool call in an assistant message.
#[derive(Debug, Clone, Deserialize)]
pub struct WireToolCall {
    /// Its id.
    pub id: String,
    /// The function called.
    pub function: WireFunctionCall,
}

/// The function of a tool call.
#[derive(Debug, Clone, Deserialize)]
pub struct WireFunctionCall {
    /// Its name.
    pub name: String,
    /// Its arguments, as JSON text.
    #[serde(default)]
    pub arguments: String,
}

/// A tool definition.
#[derive(Debug, Clone, Deserialize)]
pub struct WireTool {
    /// `function`.
    #[serde(rename = "type", default = "function")]
    pub kind: String,
    /// The function.
    pub function: WireFunction,
}

fn function() -> String {
    "function".to_owned()
}

/// A function a tool offers.
#[derive(Debug, Clone, Deserialize)]
pub struct WireFunction {
    /// Its name.
    pub name: String,
    /// What it does.
    #[serde(default)]
    pub description: String,
    /// A JSON Schema of its arguments.
    pub parameters: Option<Value>,
}

/// Reads the body, naming the field at fault.
pub fn parse(body: &[u8]) -> Result<CompletionRequest, OaiError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        let message = match message.rfind(" at line ") {
            Some(i) => message[..i].to_owned(),
            None => message,
        };
        if path == "." {
            OaiError::bad_request("body", format!("the request body is not valid: {message}"))
        } else {
            OaiError::bad_request(path.clone(), format!("{path}: {message}"))
        }
    })
}

impl CompletionRequest {
    /// The provider-neutral request for model id `model`.
    pub fn to_chat(&self, model: &str) -> Result<ChatRequest, OaiError> {
        if self.messages.is_empty() {
            return Err(OaiError::bad_request(
                "messages",
                "messages: at least one message is needed",
            ));
        }
        let messages = self
            .messages
            .iter()
            .enumerate()
            .map(|(i, m)| message(i, m))
            .collect::<Result<Vec<_>, _>>()?;
        let mut tools = Vec::new();
        for (i, t) in self.tools.iter().enumerate() {
            if t.kind != "function" {
                return Err(OaiError::bad_request(
                    format!("tools[{i}].type"),
                    format!(
                        "tools[{i}].type: only `function` tools are supported, not `{}`",
                        t.kind
                    ),
                ));
            }
            tools.push(Tool {
                name: t.function.name.clone(),
                description: t.function.description.clone(),
                parameters: t
                    .function
                    .parameters
                    .clone()
                    .unwrap_or_else(|| json!({"type": "object", "properties": {}})),
            });
        }
        let mut force_tool = None;
        match &self.tool_choice {
            None => {}
            Some(Value::String(choice)) => match choice.as_str() {
                "none" => tools.clear(),
                "auto" | "required" => {}
                other => {
                    return Err(OaiError::bad_request(
                        "tool_choice",
                        format!("tool_choice: `{other}` is not one of none, auto, required"),
                    ))
                }
            },
            Some(choice) => match choice["function"]["name"].as_str() {
                Some(name) if tools.iter().any(|t| t.name == name) => force_tool = Some(name.to_owned()),
                Some(name) => {
                    return Err(OaiError::bad_request(
                        "tool_choice",
                        format!("tool_choice: no tool named `{name}` among the tools"),
                    ))
                }
                None => {
                    return Err(OaiError::bad_request(
                        "tool_choice",
                        "tool_choice: expected a string or {\"type\": \"function\", \"function\": {\"name\": …}}",
                    ))
                }
            },
        }
        let json_schema = match &self.response_format {
            None => None,
            Some(format) => match format["type"].as_str() {
                Some("text") => None,
                Some("json_object") => Some(json!({"type": "object"})),
                Some("json_schema") => Some(
                    format["json_schema"]["schema"]
                        .as_object()
                        .map(|s| Value::Object(s.clone()))
                        .ok_or_else(|| {
                            OaiError::bad_request(
                                "response_format.json_schema.schema",
                                "response_format.json_schema.schema: a JSON Schema object is needed",
                            )
                        })?,
                ),
                _ => {
                    return Err(OaiError::bad_request(
                        "response_format.type",
                        "response_format.type: expected text, json_object or json_schema",
                    ))
                }
            },
        };
        Ok(ChatRequest {
            model: model.to_owned(),
            messages,
            tools,
            max_tokens: self.max_completion_tokens.or(self.max_tokens),
            temperature: self.temperature,
            json_schema,
            force_tool,
        })
    }

    /// The text of the last user message (what workflows and agents take).
    pub fn last_user_text(&self) -> Result<String, OaiError> {
        let (i, m) = self
            .messages
            .iter()
            .enumerate()
            .rev()
            .find(|(_, m)| m.role == "user")
            .ok_or_else(|| OaiError::bad_request("messages", "messages: no user message"))?;
        Ok(message(i, m)?.text())
    }
}

/// Message `i` of the request.
fn message(i: usize, m: &WireMessage) -> Result<Message, OaiError> {
    let role = match m.role.as_str() {
        "system" | "developer" => Role::System,
        "user" => Role::User,
        "assistant" => Role::Assistant,
        "tool" => Role::Tool,
        other => {
            return Err(OaiError::bad_request(
                format!("messages[{i}].role"),
                format!("messages[{i}].role: unknown role `{other}`"),
            ))
        }
    };
    let mut content = Vec::new();
    match &m.content {
        Value::Null => {}
        Value::String(text) => content.push(ContentPart::Text { text: text.clone() }),
        Value::Array(parts) => {
            for (j, part) in parts.iter().enumerate() {
                let at = format!("messages[{i}].content[{j}]");
                match part["type"].as_str() {
                    Some("text") => content.push(ContentPart::Text {
                        text: part["text"]
                            .as_str()
                            .ok_or_else(|| OaiError::bad_request(&at, format!("{at}.text: a string is needed")))?
                            .to_owned(),
                    }),
                    Some("image_url") => content.push(ContentPart::Image {
                        url: part["image_url"]["url"]
                            .as_str()
                            .or(part["image_url"].as_str())
                            .ok_or_else(|| OaiError::bad_request(&at, format!("{at}.image_url.url: a URL is needed")))?
                            .to_owned(),
                    }),
                    other => {
                        return Err(OaiError::bad_request(
                            at.clone(),
                            format!("{at}.type: parts of type {other:?} are not supported (text, image_url)"),
                        ))
                    }
                }
            }
        }
        _ => {
            return Err(OaiError::bad_request(
                format!("messages[{i}].content"),
                format!("messages[{i}].content: expected text, a list of parts or null"),
            ))
        }
    }
    let mut tool_calls = Vec::new();
    for (j, call) in m.tool_calls.iter().enumerate() {
        let arguments = if call.function.arguments.trim().is_empty() {
            json!({})
        } else {
            serde_json::from_str(&call.function.arguments).map_err(|e| {
                OaiError::bad_request(
                    format!("messages[{i}].tool_calls[{j}].function.arguments"),
                    format!("messages[{i}].tool_calls[{j}].function.arguments: not JSON: {e}"),
                )
            })?
        };
        tool_calls.push(ToolCall {
            id: call.id.clone(),
            name: call.function.name.clone(),
            arguments,
            signature: None,
        });
    }
    Ok(Message {
        role,
        content,
        tool_calls,
        tool_call_id: m.tool_call_id.clone(),
        name: m.name.clone(),
    })
}

/// OpenAI's `finish_reason` for a provider's, given whether the reply called tools.
pub fn finish_reason(provider: Option<&str>, called_tools: bool) -> &'static str {
    if called_tools {
        return "tool_calls";
    }
    match provider.map(str::to_ascii_lowercase).as_deref() {
        Some(r) if r.contains("length") || r.contains("max_tokens") => "length",
        Some(r) if r.contains("content_filter") || r.contains("safety") => "content_filter",
        Some(r) if r.contains("tool") => "tool_calls",
        _ => "stop",
    }
}

/// A tool call as OpenAI writes it (`index` for stream deltas).
pub fn tool_call_json(call: &ToolCall, index: Option<usize>) -> Value {
    let mut value = json!({
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": call.arguments.to_string()},
    });
    if let Some(index) = index {
        value["index"] = json!(index);
    }
    value
}

/// OpenAI's `usage`.
pub fn usage_json(usage: Option<&Usage>) -> Value {
    let (input, output) = usage.map_or((0, 0), |u| (u.input_tokens, u.output_tokens));
    json!({"prompt_tokens": input, "completion_tokens": output, "total_tokens": input + output})
}

/// A whole `chat.completion`.
pub fn completion(id: &str, created: u64, model: &str, reply: &ChatResponse) -> Value {
    let mut message = Map::new();
    message.insert("role".into(), json!("assistant"));
    message.insert(
        "content".into(),
        if reply.text.is_empty() && !reply.tool_calls.is_empty() {
            Value::Null
        } else {
            json!(reply.text)
        },
    );
    if !reply.tool_calls.is_empty() {
        message.insert(
            "tool_calls".into(),
            Value::Array(
                reply
                    .tool_calls
                    .iter()
                    .map(|c| tool_call_json(c, None))
                    .collect(),
            ),
        );
    }
    json!({
        "id": id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [{
            "index": 0,
            "message": message,
            "logprobs": null,
            "finish_reason": finish_reason(reply.finish_reason.as_deref(), !reply.tool_calls.is_empty()),
        }],
        "usage": usage_json(reply.usage.as_ref()),
    })
}

/// A `chat.completion.chunk` with `delta` (and a `finish_reason` on the last one).
pub fn chunk(id: &str, created: u64, model: &str, delta: Value, finish: Option<&str>) -> Value {
    json!({
        "id": id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}],
    })
}

/// The usage chunk (`choices` empty) sent when `stream_options.include_usage` asks.
pub fn usage_chunk(id: &str, created: u64, model: &str, usage: Option<&Usage>) -> Value {
    json!({
        "id": id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [],
        "usage": usage_json(usage),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: Value) -> Result<CompletionRequest, OaiError> {
        parse(body.to_string().as_bytes())
    }

    #[test]
    fn reads_every_field_into_a_chat_request() {
        let r = request(json!({
            "model": "openai:gpt-4o-mini",
            "messages": [
                {"role": "developer", "content": "Be brief."},
                {"role": "user", "content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
                ]},
                {"role": "assistant", "content": null, "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "look", "arguments": "{\"x\":1}"}}
                ]},
                {"role": "tool", "tool_call_id": "c1", "content": "a cat"}
            ],
            "temperature": 0.2, "max_tokens": 5, "max_completion_tokens": 7,
            "tools": [{"type": "function", "function": {"name": "look", "parameters": {"type": "object"}}}],
            "tool_choice": {"type": "function", "function": {"name": "look"}},
            "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}},
            "stream": true, "stream_options": {"include_usage": true}, "n": 1, "user": "u"
        }))
        .unwrap();
        let chat = r.to_chat("gpt-4o-mini").unwrap();
        assert_eq!(chat.messages.len(), 4);
        assert_eq!(chat.messages[0].role, Role::System);
        assert_eq!(chat.messages[1].content.len(), 2);
        assert_eq!(chat.messages[2].tool_calls[0].arguments, json!({"x": 1}));
        assert_eq!(chat.messages[3].tool_call_id.as_deref(), Some("c1"));
        assert_eq!(chat.max_tokens, Some(7));
        assert_eq!(chat.force_tool.as_deref(), Some("look"));
        assert_eq!(chat.json_schema, Some(json!({"type": "object"})));
        assert!(r.stream && r.stream_options.unwrap().include_usage);
    }

    #[test]
    fn names_the_field_at_fault() {
        let e = request(json!({"model": "m", "messages": [{"role": "robot", "content": "x"}]}))
            .unwrap()
            .to_chat("m")
            .unwrap_err();
        assert_eq!(e.param.as_deref(), Some("messages[0].role"));
        let e = request(json!({"model": "m", "messages": "hi"})).unwrap_err();
        assert_eq!(e.param.as_deref(), Some("messages"));
        let e = request(json!({"messages": []})).unwrap_err();
        assert!(e.message.contains("model"), "{}", e.message);
        let e = request(
            json!({"model": "m", "messages": [{"role": "user", "content": [{"type": "audio"}]}]}),
        )
        .unwrap()
        .to_chat("m")
        .unwrap_err();
        assert_eq!(e.param.as_deref(), Some("messages[0].content[0]"));
        let e = request(
            json!({"model": "m", "messages": [{"role": "user", "content": "x"}],
            "tool_choice": {"type": "function", "function": {"name": "ghost"}}}),
        )
        .unwrap()
        .to_chat("m")
        .unwrap_err();
        assert_eq!(e.param.as_deref(), Some("tool_choice"));
    }

    #[test]
    fn writes_openais_reply_shapes() {
        let reply = ChatResponse {
            text: String::new(),
            tool_calls: vec![ToolCall {
                id: "c".into(),
                name: "f".into(),
                arguments: json!({"a": 1}),
                signature: None,
            }],
            usage: Some(Usage {
                input_tokens: 3,
                output_tokens: 4,
            }),
            finish_reason: Some("tool_use".into()),
        };
        let c = completion("id", 1, "m", &reply);
        assert_eq!(c["choices"][0]["message"]["content"], Value::Null);
        assert_eq!(
            c["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"],
            "{\"a\":1}"
        );
        assert_eq!(c["choices"][0]["finish_reason"], "tool_calls");
        assert_eq!(c["usage"]["total_tokens"], 7);
        assert_eq!(finish_reason(Some("MAX_TOKENS"), false), "length");
        assert_eq!(finish_reason(Some("end_turn"), false), "stop");
        let u = usage_chunk("id", 1, "m", None);
        assert_eq!(u["choices"], json!([]));
    }
}
