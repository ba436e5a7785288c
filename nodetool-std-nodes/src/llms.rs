//! `nodetool.llms`: chat models as nodes, with NodeTool's names and properties. `LLM` and
//! `LLMStreaming` post every token as a `chunk` message (and `LLMStreaming` streams it on its
//! `text` output), call tools, and feed the results back; `Summarizer`, `Extractor` (JSON
//! schema → table) and `Classifier` ask for one reply.
//!
//! The provider comes from the model's `provider` and the settings/secrets
//! (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, `GEMINI_API_KEY`, `OLLAMA_API_URL`); `llama_cpp`,
//! `vllm` and `lmstudio` are OpenAI-compatible servers at `LLAMA_CPP_URL`, `VLLM_BASE_URL`
//! and `LMSTUDIO_BASE_URL`.
//!
//! Tools are standard nodes marked `expose_as_tool` (e.g. `lib.http.GetRequest`), named by
//! their type or by it with `_` for `.`: the model's call runs the node with the call's
//! arguments as its properties.

use crate::enums::string_enum;
use nodetool::agents::{node_tool_name, NodeTool, Tool as AgentTool, ToolSet};
use nodetool::chat::{
    self, ChatProvider, ChatRequest, Chunk as ChatChunk, ContentPart, Message, Role, ToolCall,
};
use nodetool::metadata::{AudioRef, ColumnDef, DataframeRef, ImageRef, LanguageModel, RecordType};
use nodetool::prelude::*;
use std::sync::Arc;

use serde_json::{json, Map, Value};

/// How many rounds of tool calls one node run makes at most (NodeTool has no limit).
pub const MAX_TOOL_ROUNDS: usize = 10;

/// The provider for `model`, set up from the run's settings and secrets
/// ([`ProcessingContext::environment`]: loaded once by the server and the CLI).
pub fn provider_for(
    ctx: &ProcessingContext,
    model: &LanguageModel,
) -> Result<Box<dyn ChatProvider>> {
    if !model.is_set() {
        return Err("model: select a model (its provider is `empty`)".into());
    }
    if model.id.is_empty() {
        return Err(format!("model: no model id for provider `{}`", model.provider).into());
    }
    let env = ctx
        .environment()
        .map_err(|e| format!("cannot read the settings: {e}"))?;
    Ok(chat::provider_from_environment(&model.provider, &env)?)
}

/// A NodeTool `Message` (JSON) as a chat message. Lenient as NodeTool's own reader: unknown
/// fields are ignored; `content` may be text, a list of parts or null.
pub fn message_from_json(value: &Value) -> Result<Message> {
    let role = match value["role"].as_str().unwrap_or("user") {
        "system" => Role::System,
        "assistant" => Role::Assistant,
        "tool" => Role::Tool,
        "user" | "" => Role::User,
        other => return Err(format!("messages: unknown role `{other}`").into()),
    };
    let mut content = Vec::new();
    match &value["content"] {
        Value::String(text) => content.push(ContentPart::Text { text: text.clone() }),
        Value::Array(parts) => {
            for part in parts {
                match part["type"].as_str() {
                    Some("text") => content.push(ContentPart::Text {
                        text: part["text"].as_str().unwrap_or_default().to_owned(),
                    }),
                    Some("image_url") => {
                        let image = ImageRef::from_value(part["image"].clone())
                            .map_err(|e| format!("messages: an image part: {e}"))?;
                        content.push(ContentPart::Image {
                            url: image_url(&image)?,
                        });
                    }
                    other => {
                        return Err(format!(
                            "messages: content parts of type {} are not supported",
                            other.unwrap_or("(none)")
                        )
                        .into())
                    }
                }
            }
        }
        _ => {}
    }
    let tool_calls = value["tool_calls"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| ToolCall {
            id: c["id"].as_str().unwrap_or_default().to_owned(),
            name: c["name"].as_str().unwrap_or_default().to_owned(),
            arguments: c.get("args").cloned().unwrap_or(json!({})),
            signature: None,
        })
        .collect();
    Ok(Message {
        role,
        content,
        tool_calls,
        tool_call_id: value["tool_call_id"].as_str().map(str::to_owned),
        name: value["name"].as_str().map(str::to_owned),
    })
}

/// An image reference a model can read: its `data:` or `http(s)` URI.
pub(crate) fn image_url(image: &ImageRef) -> Result<String> {
    let uri = image.uri.as_str();
    if uri.starts_with("data:") || uri.starts_with("http://") || uri.starts_with("https://") {
        Ok(uri.to_owned())
    } else {
        Err(format!(
            "image: give the model a `data:` or `http(s)` URI (got `{uri}`; asset ids are not read here)"
        )
        .into())
    }
}

/// The nodes named in `tools` (`[{"type": "tool_name", "name": …}]`, by node type or tool
/// name), among those exposed as tools.
fn node_tools(tools: &[Value]) -> Result<ToolSet> {
    tools
        .iter()
        .filter_map(|t| t["name"].as_str().or(t.as_str()).filter(|n| !n.is_empty()))
        .map(|name| {
            NodeTool::exposed(name)
                .map(|t| Arc::new(t) as Arc<dyn AgentTool>)
                .map_err(|e| format!("tools: {e}").into())
        })
        .collect()
}

/// The conversation an `LLM` node starts: system prompt, history, then the prompt with its
/// image.
fn conversation(
    system: &str,
    history: &[Value],
    prompt: &str,
    image: &ImageRef,
) -> Result<Vec<Message>> {
    let mut messages = vec![Message::system(system)];
    for m in history {
        messages.push(message_from_json(m)?);
    }
    let mut user = Message::user(prompt);
    if !image.is_empty() {
        user = user.with_image(image_url(image)?);
    }
    messages.push(user);
    Ok(messages)
}

/// Streams replies, runs the tools they call and asks again, until a reply calls none;
/// every piece of text also goes out on `emit`'s `text` output when given.
async fn chat_with_tools(
    ctx: &ProcessingContext,
    provider: &dyn ChatProvider,
    mut request: ChatRequest,
    tools: &ToolSet,
    mut emit: Option<&mut Emitter<'_, LlmStreamOutputs>>,
) -> Result<String> {
    let mut text = String::new();
    for _ in 0..MAX_TOOL_ROUNDS {
        let mut stream = provider
            .generate_messages(&request, ctx.cancellation_token())
            .await?;
        let mut calls = Vec::new();
        let mut round_text = String::new();
        while let Some(chunk) = stream.next().await {
            match chunk? {
                ChatChunk::Text(t) => {
                    ctx.chunk("text", t.as_str(), false).await;
                    round_text.push_str(&t);
                    if let Some(out) = emit.as_deref_mut() {
                        out.emit_to("text", t).await?;
                    }
                }
                ChatChunk::ToolCall(call) => calls.push(call),
                ChatChunk::Usage(_) | ChatChunk::Finish(_) => {}
            }
        }
        text.push_str(&round_text);
        if calls.is_empty() {
            ctx.chunk("text", "", true).await;
            return Ok(text);
        }
        request.messages.push(Message {
            tool_calls: calls.clone(),
            ..Message::assistant(round_text)
        });
        for call in calls {
            let result = match tools
                .iter()
                .find(|t| t.name() == call.name || node_tool_name(&call.name) == t.name())
            {
                Some(tool) => {
                    let node_type = NodeTool::exposed(tool.name())
                        .map_or_else(|_| tool.name().to_owned(), |n| n.node_type().to_owned());
                    ctx.tool_call(&node_type, &call.arguments).await;
                    tool.call(ctx, call.arguments.clone())
                        .await
                        .unwrap_or_else(|e| e.to_json())
                }
                None => json!({"error": format!("there is no tool named `{}`", call.name)}),
            };
            request.messages.push(Message::tool_result(&call, &result));
        }
    }
    Err(format!("the model kept calling tools after {MAX_TOOL_ROUNDS} rounds").into())
}

string_enum!(
    /// The voice of `LLM`'s audio reply (OpenAI only).
    Voice, "nodetool.nodes.nodetool.llms.LLM.Voice", default None,
    {
        None => "none", Alloy => "alloy", Echo => "echo", Fable => "fable",
        Onyx => "onyx", Nova => "nova", Shimmer => "shimmer",
    }
);

/// The outputs of [`LLM`].
#[derive(Outputs)]
pub struct LlmOutputs {
    /// The reply.
    pub text: String,
    /// Spoken reply (not produced here: voice output is not supported).
    pub audio: Option<AudioRef>,
    /// A generated image (not produced here).
    pub image: Option<ImageRef>,
}

/// Generate natural language responses using LLM providers.
/// llm, text-generation, chatbot, question-answering
///
/// Every piece of text is posted as a `chunk` message as it comes; tools (nodes exposed as
/// tools) are run when the model calls them and their results fed back, at most
/// `MAX_TOOL_ROUNDS` times. Voice output is not supported (an error when asked for).
#[node(namespace = "nodetool.llms", title = "LLM")]
pub struct LLM {
    /// Model to use for execution
    #[input(default)]
    pub model: LanguageModel,
    /// The system prompt for the LLM
    #[input(default = "You are a friendly assistant.")]
    pub system: String,
    /// The prompt for the LLM
    #[input(default = "")]
    pub prompt: String,
    /// The image to analyze
    #[input(default)]
    pub image: ImageRef,
    /// The audio to analyze
    #[input(default)]
    pub audio: AudioRef,
    /// The voice for the audio output (only for OpenAI)
    #[input(default)]
    pub voice: Voice,
    /// List of tools to use for execution
    #[input(default)]
    pub tools: Vec<Value>,
    /// The messages for the LLM
    #[input(default)]
    pub messages: Vec<Value>,
    /// The most tokens to generate
    #[input(default = 4096, min = 1, max = 100000)]
    pub max_tokens: i64,
    /// The context window (Ollama)
    #[input(
        default = 4096,
        min = 1,
        max = 65536,
        title = "Context Window (Ollama)"
    )]
    pub context_window: i64,
}

/// The request of an LLM node.
fn llm_request(
    model: &LanguageModel,
    messages: Vec<Message>,
    tools: &ToolSet,
    max_tokens: i64,
) -> ChatRequest {
    ChatRequest {
        model: model.id.clone(),
        messages,
        tools: tools.definitions(),
        max_tokens: u32::try_from(max_tokens.max(1)).ok(),
        ..ChatRequest::default()
    }
}

fn no_audio(audio: &AudioRef) -> Result<()> {
    if !audio.is_empty() {
        return Err("audio: audio input is not supported by these providers yet".into());
    }
    Ok(())
}

impl Process for LLM {
    type Output = LlmOutputs;

    async fn process(&self, ctx: &ProcessingContext) -> Result<LlmOutputs> {
        if self.voice != Voice::None {
            return Err("voice: audio replies are not supported; set voice to `none`".into());
        }
        no_audio(&self.audio)?;
        let provider = provider_for(ctx, &self.model)?;
        let tools = node_tools(&self.tools)?;
        let messages = conversation(&self.system, &self.messages, &self.prompt, &self.image)?;
        let request = llm_request(&self.model, messages, &tools, self.max_tokens);
        let text = chat_with_tools(ctx, provider.as_ref(), request, &tools, None).await?;
        Ok(LlmOutputs {
            text,
            audio: None,
            image: None,
        })
    }
}

/// The outputs of [`LLMStreaming`], in NodeTool's order.
#[derive(Outputs)]
pub struct LlmStreamOutputs {
    /// Each piece of the reply as it comes.
    pub text: String,
    /// Generated images (not produced here).
    pub image: ImageRef,
    /// Generated audio (not produced here).
    pub audio: AudioRef,
}

/// Generate natural language responses using LLM providers and streams output.
/// llm, text-generation, chatbot, question-answering, streaming
///
/// Each piece of text goes out on `text` as the model writes it (downstream nodes see
/// tokens as they come); tool calls are handled as in `LLM`.
#[node(
    namespace = "nodetool.llms",
    name = "LLMStreaming",
    title = "LLM (Streaming)",
    streaming_output
)]
pub struct LLMStreaming {
    /// Model to use for execution
    #[input(default)]
    pub model: LanguageModel,
    /// The system prompt for the LLM
    #[input(default = "You are a friendly assistant.")]
    pub system: String,
    /// The prompt for the LLM
    #[input(default = "")]
    pub prompt: String,
    /// The image to analyze
    #[input(default)]
    pub image: ImageRef,
    /// The audio to analyze
    #[input(default)]
    pub audio: AudioRef,
    /// List of tools to use for execution
    #[input(default)]
    pub tools: Vec<Value>,
    /// The messages for the LLM
    #[input(default)]
    pub messages: Vec<Value>,
    /// The most tokens to generate
    #[input(default = 4096, min = 1, max = 100000)]
    pub max_tokens: i64,
    /// The context window (Ollama)
    #[input(
        default = 4096,
        min = 1,
        max = 65536,
        title = "Context Window (Ollama)"
    )]
    pub context_window: i64,
}

impl GenProcess for LLMStreaming {
    type Item = LlmStreamOutputs;

    async fn gen_process(
        &self,
        ctx: &ProcessingContext,
        mut out: Emitter<'_, LlmStreamOutputs>,
    ) -> Result<()> {
        no_audio(&self.audio)?;
        let provider = provider_for(ctx, &self.model)?;
        let tools = node_tools(&self.tools)?;
        let messages = conversation(&self.system, &self.messages, &self.prompt, &self.image)?;
        let request = llm_request(&self.model, messages, &tools, self.max_tokens);
        chat_with_tools(ctx, provider.as_ref(), request, &tools, Some(&mut out)).await?;
        Ok(())
    }
}

/// One reply to `system` + `user`, optionally following `json_schema`.
async fn ask(
    ctx: &ProcessingContext,
    model: &LanguageModel,
    system: &str,
    user: String,
    json_schema: Option<Value>,
    max_tokens: Option<u32>,
) -> Result<String> {
    let provider = provider_for(ctx, model)?;
    let request = ChatRequest {
        model: model.id.clone(),
        messages: vec![Message::system(system), Message::user(user)],
        json_schema,
        max_tokens,
        ..ChatRequest::default()
    };
    let reply = provider
        .generate_message(&request, ctx.cancellation_token())
        .await?;
    Ok(reply.text)
}

/// Generate concise summaries of text content using LLM providers.
/// text, summarization, nlp, content
///
/// `{self.max_words}` in the system prompt becomes `max_words` (NodeTool sends it literally).
#[node(namespace = "nodetool.llms")]
pub struct Summarizer {
    /// The system prompt for the summarizer
    #[input(
        default = "\n        You are an expert summarizer. Your task is to create clear, accurate, and concise summaries using Markdown for structuring. \n        Follow these guidelines:\n        1. Identify and include only the most important information.\n        2. Maintain factual accuracy - do not add or modify information.\n        3. Use clear, direct language.\n        4. Aim for approximately {self.max_words} words.\n        "
    )]
    pub system_prompt: String,
    /// Model to use for summarization
    #[input(default)]
    pub model: LanguageModel,
    /// The text to summarize
    #[input(default = "")]
    pub text: String,
    /// Target maximum number of words for the summary
    #[input(default = 150, min = 50, max = 500)]
    pub max_words: i64,
}

impl Process for Summarizer {
    type Output = String;

    async fn process(&self, ctx: &ProcessingContext) -> Result<String> {
        let system = self
            .system_prompt
            .replace("{self.max_words}", &self.max_words.to_string());
        let provider = provider_for(ctx, &self.model)?;
        let request = ChatRequest {
            model: self.model.id.clone(),
            messages: vec![Message::system(system), Message::user(self.text.clone())],
            max_tokens: Some(8192),
            ..ChatRequest::default()
        };
        let mut stream = provider
            .generate_messages(&request, ctx.cancellation_token())
            .await?;
        let mut summary = String::new();
        while let Some(chunk) = stream.next().await {
            if let ChatChunk::Text(t) = chunk? {
                ctx.chunk("text", t.as_str(), false).await;
                summary.push_str(&t);
            }
        }
        Ok(summary)
    }
}

/// The JSON schema of rows with `columns`, wrapped as `{"data": [row, …]}`.
pub fn json_schema_for_columns(columns: &[ColumnDef]) -> Value {
    let properties: Map<String, Value> = columns
        .iter()
        .map(|c| {
            let mut schema = match c.data_type.as_str() {
                "int" => json!({"type": "integer"}),
                "float" => json!({"type": "number"}),
                "datetime" => json!({"type": "string", "format": "date-time"}),
                "object" => json!({}),
                _ => json!({"type": "string"}),
            };
            if let Value::Object(s) = &mut schema {
                s.insert("description".into(), json!(c.description));
            }
            (c.name.clone(), schema)
        })
        .collect();
    let required: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    json!({"type": "object", "required": ["data"], "additionalProperties": false,
           "properties": {"data": {"type": "array", "items": {"type": "object",
               "properties": properties, "required": required, "additionalProperties": false}}}})
}

/// Extract structured data from text content using LLM providers.
/// data-extraction, structured-data, nlp, parsing
///
/// The model answers with JSON following the columns' schema (structured output); the rows
/// become a table.
#[node(namespace = "nodetool.llms")]
pub struct Extractor {
    /// The system prompt for the data extractor
    #[input(
        default = "\n        You are an expert data extractor. Your task is to extract specific information from text according to a defined schema.\n        "
    )]
    pub system_prompt: String,
    /// Model to use for data extraction
    #[input(default)]
    pub model: LanguageModel,
    /// The text to extract data from
    #[input(default = "")]
    pub text: String,
    /// Additional instructions for the extraction process
    #[input(default = "Extract the following information from the text:")]
    pub extraction_prompt: String,
    /// The fields to extract from the text
    #[input(default)]
    pub columns: RecordType,
    /// The maximum number of tokens to generate.
    #[input(default = 4096, min = 1, max = 100000)]
    pub max_tokens: i64,
}

impl Process for Extractor {
    type Output = DataframeRef;

    async fn process(&self, ctx: &ProcessingContext) -> Result<DataframeRef> {
        if self.columns.columns.is_empty() {
            return Err("columns: name at least one column to extract".into());
        }
        let reply = ask(
            ctx,
            &self.model,
            &self.system_prompt,
            format!("{}\n\n{}", self.extraction_prompt, self.text),
            Some(json_schema_for_columns(&self.columns.columns)),
            u32::try_from(self.max_tokens.max(1)).ok(),
        )
        .await?;
        let parsed: Value = serde_json::from_str(&reply)
            .map_err(|e| format!("the model's reply is not JSON ({e}): {reply}"))?;
        let rows = parsed["data"].as_array().cloned().unwrap_or_default();
        let data = rows
            .iter()
            .map(|row| {
                self.columns
                    .columns
                    .iter()
                    .map(|c| row.get(&c.name).cloned().unwrap_or(Value::Null))
                    .collect()
            })
            .collect();
        Ok(DataframeRef {
            columns: Some(self.columns.columns.clone()),
            data: Some(data),
            ..DataframeRef::default()
        })
    }
}

/// Classify text into predefined or dynamic categories using LLM.
/// classification, nlp, categorization
///
/// The model picks one of `categories` (structured output); an answer outside them is an
/// error.
#[node(namespace = "nodetool.llms")]
pub struct Classifier {
    /// The system prompt for the classifier
    #[input(
        default = "\n        You are a precise text classifier. Your task is to analyze the input text and assign confidence scores.\n        "
    )]
    pub system_prompt: String,
    /// Model to use for classification
    #[input(default)]
    pub model: LanguageModel,
    /// Text to classify
    #[input(default = "")]
    pub text: String,
    /// List of possible categories. If empty, LLM will determine categories.
    #[input(default)]
    pub categories: Vec<String>,
}

impl Process for Classifier {
    type Output = String;

    async fn process(&self, ctx: &ProcessingContext) -> Result<String> {
        if self.categories.len() < 2 {
            return Err("categories: at least 2 categories are required".into());
        }
        let schema = json!({"type": "object", "title": "Classification Results",
            "additionalProperties": false, "required": ["category"],
            "properties": {"category": {"type": "string", "description": "The category of the text",
                                        "enum": self.categories}}});
        let user = format!(
            "Perform classification on the following text:\nClassify into these categories: {}\n\nText: {}",
            self.categories.join(", "),
            self.text
        );
        let reply = ask(
            ctx,
            &self.model,
            &self.system_prompt,
            user,
            Some(schema),
            None,
        )
        .await?;
        let parsed: Value = serde_json::from_str(&reply)
            .map_err(|e| format!("the model's reply is not JSON ({e}): {reply}"))?;
        let category = parsed["category"]
            .as_str()
            .ok_or_else(|| format!("the model's reply has no `category`: {reply}"))?;
        if !self.categories.iter().any(|c| c == category) {
            return Err(format!(
                "the model chose `{category}`, which is not one of the categories"
            )
            .into());
        }
        Ok(category.to_owned())
    }
}
