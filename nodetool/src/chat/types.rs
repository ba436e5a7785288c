//! Messages, tools, requests, replies and stream chunks, independent of any provider.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions for the model.
    System,
    /// The user.
    User,
    /// The model.
    Assistant,
    /// The result of a tool call.
    Tool,
}

/// A part of a message's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentPart {
    /// Text.
    Text {
        /// The text.
        text: String,
    },
    /// An image, by URL: `https://…` or a `data:image/png;base64,…` URI.
    Image {
        /// Where the image is.
        url: String,
    },
}

/// One message of a conversation.
///
/// ```
/// use nodetool::chat::{Message, Role};
/// let m = Message::user("Hello");
/// assert_eq!(m.role, Role::User);
/// assert_eq!(m.text(), "Hello");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Who wrote it.
    pub role: Role,
    /// Its content, in order.
    pub content: Vec<ContentPart>,
    /// Tool calls the assistant made in this message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// For a tool result: the call it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// For a tool result: the tool's name (Gemini and Ollama match results by name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Message {
    fn with_text(role: Role, text: impl Into<String>) -> Self {
        Message {
            role,
            content: vec![ContentPart::Text { text: text.into() }],
            tool_calls: Vec::new(),
            tool_call_id: None,
            name: None,
        }
    }

    /// A system message.
    pub fn system(text: impl Into<String>) -> Self {
        Self::with_text(Role::System, text)
    }

    /// A user message.
    pub fn user(text: impl Into<String>) -> Self {
        Self::with_text(Role::User, text)
    }

    /// An assistant message.
    pub fn assistant(text: impl Into<String>) -> Self {
        Self::with_text(Role::Assistant, text)
    }

    /// The result of the tool call `call` (its JSON value as the content).
    pub fn tool_result(call: &ToolCall, result: &Value) -> Self {
        let text = match result {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        Message {
            tool_call_id: Some(call.id.clone()),
            name: Some(call.name.clone()),
            ..Self::with_text(Role::Tool, text)
        }
    }

    /// Adds an image part.
    pub fn with_image(mut self, url: impl Into<String>) -> Self {
        self.content.push(ContentPart::Image { url: url.into() });
        self
    }

    /// The text parts, joined.
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(|p| match p {
                ContentPart::Text { text } => Some(text.as_str()),
                ContentPart::Image { .. } => None,
            })
            .collect()
    }
}

/// A tool the model may call: a name, what it does, and its parameters as JSON schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// The name the model calls it by.
    pub name: String,
    /// What it does.
    pub description: String,
    /// A JSON schema of its arguments (an object schema).
    pub parameters: Value,
}

impl Tool {
    /// A tool whose arguments are `T`, described by `T`'s JSON schema.
    ///
    /// ```
    /// use nodetool::chat::Tool;
    /// use nodetool::metadata::LanguageModel;
    /// let tool = Tool::for_type::<LanguageModel>("pick_model", "Choose a chat model");
    /// assert_eq!(tool.parameters["properties"]["provider"]["type"], "string");
    /// ```
    pub fn for_type<T: schemars::JsonSchema>(
        name: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        let mut parameters = schemars::SchemaGenerator::default()
            .into_root_schema_for::<T>()
            .to_value();
        if let Value::Object(map) = &mut parameters {
            map.remove("$schema");
            map.remove("title");
        }
        Tool {
            name: name.into(),
            description: description.into(),
            parameters,
        }
    }
}

/// A complete tool call the model made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    /// The provider's id for the call (made up where the provider has none).
    pub id: String,
    /// The tool's name.
    pub name: String,
    /// Its arguments (a JSON object).
    pub arguments: Value,
    /// An opaque token the provider attached to the call, to be sent back with it (Gemini's
    /// `thoughtSignature`, without which later tool rounds are refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// What to ask a model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChatRequest {
    /// The model id (`gpt-4o-mini`, `claude-3-5-haiku-latest`, `gemini-2.0-flash`, `llama3.2`).
    pub model: String,
    /// The conversation so far.
    pub messages: Vec<Message>,
    /// Tools the model may call.
    pub tools: Vec<Tool>,
    /// The most tokens to generate.
    pub max_tokens: Option<u32>,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// A JSON schema the reply must follow (structured output).
    pub json_schema: Option<Value>,
    /// The name of a tool the model must call (Ollama cannot force one and ignores it).
    pub force_tool: Option<String>,
}

impl ChatRequest {
    /// A request to `model` with `messages`.
    pub fn new(model: impl Into<String>, messages: Vec<Message>) -> Self {
        ChatRequest {
            model: model.into(),
            messages,
            ..Self::default()
        }
    }
}

/// Token counts of one reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    /// Tokens read (the prompt).
    pub input_tokens: u64,
    /// Tokens written.
    pub output_tokens: u64,
}

/// One item of a streamed reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Chunk {
    /// More text.
    Text(String),
    /// A tool call, complete (streamed argument fragments are assembled first).
    ToolCall(ToolCall),
    /// Token counts, usually at the end.
    Usage(Usage),
    /// Why the reply ended (`stop`, `length`, `tool_calls`, …, in the provider's words).
    Finish(String),
}

/// A whole reply.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChatResponse {
    /// The text.
    pub text: String,
    /// The tool calls, in order.
    pub tool_calls: Vec<ToolCall>,
    /// Token counts, when the provider gives them.
    pub usage: Option<Usage>,
    /// Why the reply ended.
    pub finish_reason: Option<String>,
}

impl ChatResponse {
    /// Adds a chunk to the reply.
    pub fn push(&mut self, chunk: Chunk) {
        match chunk {
            Chunk::Text(t) => self.text.push_str(&t),
            Chunk::ToolCall(c) => self.tool_calls.push(c),
            Chunk::Usage(u) => self.usage = Some(u),
            Chunk::Finish(r) => self.finish_reason = Some(r),
        }
    }
}

/// A model a provider offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// The id to ask for.
    pub id: String,
    /// A display name.
    pub name: String,
    /// The provider (`openai`, `anthropic`, `gemini`, `ollama`).
    pub provider: String,
}
