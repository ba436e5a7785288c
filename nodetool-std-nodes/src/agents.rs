//! `nodetool.agents`: an agent as a node, with NodeTool's properties and outputs.
//!
//! `Agent` runs [`nodetool::agents::Agent`] on the prompt (a single subtask: the model calls
//! tools until it answers), with the tools named in `tools` (built-in tools or nodes exposed
//! as tools, see [`crate::tools`]). Its events (`task_update`, `tool_call_update`, `chunk`,
//! `subtask_result`) go on the run's message stream, so the WebSocket shows them; each text
//! chunk also goes out on `chunk` as it comes, and the answer on `text`.

use crate::llms::{message_from_json, provider_for};
use nodetool::agents::{Agent as CoreAgent, AgentLimits};
use nodetool::metadata::{AudioRef, ImageRef, LanguageModel, Message, NodeValue, ToolName};
use nodetool::prelude::*;
use nodetool::workflows::messages::{Chunk, ProcessingMessage};
use serde_json::Value;
use std::fmt::Write;
use std::sync::Arc;

/// The outputs of [`Agent`], in NodeTool's order.
#[derive(Outputs)]
pub struct AgentOutputs {
    /// The answer, once it is complete.
    pub text: String,
    /// Each piece of text as the model writes it.
    pub chunk: Chunk,
    /// The model's reasoning, where a provider streams it (not produced here).
    pub thinking: Chunk,
    /// Audio (not produced here).
    pub audio: AudioRef,
}

// The model may call the selected tools (workspace files, calculator, web pages and search,
// workflows, nodes exposed as tools) as often as the agent limits allow
// (`NODETOOL_AGENT_MAX_TOOL_CALLS` and friends) before it answers.

/// Generate natural language responses using LLM providers and streams output.
/// llm, text-generation, chatbot, question-answering, streaming
#[node(namespace = "nodetool.agents", title = "Agent", streaming_output)]
pub struct Agent {
    /// Model to use for execution
    #[input(default)]
    pub model: LanguageModel,
    /// The system prompt for the LLM
    #[input(default = "You are a friendly assistant", title = "System")]
    pub system: String,
    /// The prompt for the LLM
    #[input(default = "", title = "Prompt")]
    pub prompt: String,
    /// Tools to enable for the agent. Select workspace tools (read_file, write_file, list_directory) to enable file operations.
    #[input(default, title = "Tools")]
    pub tools: Vec<ToolName>,
    /// The image to analyze
    #[input(default, title = "Image")]
    pub image: ImageRef,
    /// The audio to analyze
    #[input(default, title = "Audio")]
    pub audio: AudioRef,
    /// The messages for the LLM
    #[input(default, title = "Messages")]
    pub history: Vec<Message>,
    /// Optional thread ID for persistent conversation history. If provided, messages will be loaded from and saved to this thread.
    #[input(default = Some(String::new()), title = "Thread ID")]
    pub thread_id: Option<String>,
    /// The most tokens of each reply
    #[input(default = 8192, min = 1, max = 100000, title = "Max Tokens")]
    pub max_tokens: i64,
}

#[node]
impl Agent {
    async fn gen_process(
        &self,
        ctx: &ProcessingContext,
        mut out: Emitter<'_, AgentOutputs>,
    ) -> Result<()> {
        if !self.image.is_empty() || !self.audio.is_empty() {
            return Err(
                "image, audio: the agent reads text only; describe the media in the prompt".into(),
            );
        }
        if self.thread_id.as_deref().is_some_and(|t| !t.is_empty()) {
            return Err("thread_id: conversation threads are not stored here; pass earlier messages in history".into());
        }
        if self.prompt.trim().is_empty() {
            return Err("prompt: write what the agent should do".into());
        }
        let provider: Arc<dyn nodetool::chat::ChatProvider> =
            Arc::from(provider_for(ctx, &self.model)?);
        let names: Vec<&str> = self.tools.iter().map(|t| t.name.as_str()).collect();
        let tools = crate::tools::resolve_all(&names).map_err(|e| format!("tools: {e}"))?;
        let env = ctx
            .environment()
            .map_err(|e| format!("cannot read the settings: {e}"))?;
        let limits = AgentLimits {
            max_reply_tokens: u32::try_from(self.max_tokens.max(1)).ok(),
            ..AgentLimits::from_env(&env)?
        };
        let agent = CoreAgent::new(self.objective()?, provider, self.model.id.clone())
            .system_prompt(self.system.clone())
            .tools(tools.iter().cloned())
            .limits(limits)
            .without_planning();
        let mut run = agent.execute(ctx);
        while let Some(event) = run.next_event().await {
            if let ProcessingMessage::Chunk(chunk) = &event {
                if !chunk.content.is_empty() {
                    out.emit_to("chunk", chunk.clone()).await?;
                }
            }
            ctx.post(event).await;
        }
        let answer = run.result().await?;
        let text = match answer {
            Value::String(text) => text,
            other => other.to_string(),
        };
        out.emit_to("text", text).await?;
        Ok(())
    }

    /// The prompt, after the conversation so far when there is one.
    fn objective(&self) -> Result<String> {
        if self.history.is_empty() {
            return Ok(self.prompt.clone());
        }
        let mut text = String::from("The conversation so far:\n");
        for m in &self.history {
            let message = message_from_json(&m.clone().into_value())?;
            let _ = writeln!(text, "{:?}: {}", message.role, message.text());
        }
        let _ = write!(text, "\nNow: {}", self.prompt);
        Ok(text)
    }
}
