//! `nodetool.agents`: an agent as a node, with NodeTool's properties and outputs.
//!
//! `Agent` runs [`nodetool::agents::Agent`] on the prompt (a single subtask: the model calls
//! tools until it answers), with the tools named in `tools` (built-in tools or nodes exposed
//! as tools, see [`crate::tools`]). Its events (`task_update`, `tool_call_update`, `chunk`,
//! `subtask_result`) go on the run's message stream, so the WebSocket shows them; each text
//! chunk also goes out on `chunk` as it comes, and the answer on `text`. With dynamic outputs
//! (NodeTool's structured output), the answer is an object with one field per output,
//! each going out on its output.

use crate::generators::{emit_object, outputs_schema};
use crate::llms::{message_from_json, provider_for};
use crate::meta_node;
use crate::meta_node::Props;
use nodetool::agents::{Agent as CoreAgent, AgentLimits};
use nodetool::metadata::{AudioRef, ImageRef, LanguageModel};
use nodetool::workflows::messages::ProcessingMessage;
use nodetool::workflows::{NodeError, NodeOutputs, ProcessingContext};
use serde_json::{json, Value};
use std::fmt::Write;
use std::sync::Arc;

// The model may call the selected tools (workspace files, calculator, web pages and search,
// workflows, nodes exposed as tools) as often as the agent limits allow
// (`NODETOOL_AGENT_MAX_TOOL_CALLS` and friends) before it answers.

meta_node!(
    /// `nodetool.agents.Agent`: generate natural language responses using LLM providers and
    /// stream the output; with dynamic outputs, one structured answer.
    Agent,
    "nodetool.agents.Agent",
    StreamingOutput,
    cacheable = false,
    tool = false
);

impl Agent {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let image: ImageRef = props.typed("image")?;
        let audio: AudioRef = props.typed("audio")?;
        if !image.is_empty() || !audio.is_empty() {
            return Err(NodeError::failed(
                "image, audio: the agent reads text only; describe the media in the prompt",
            ));
        }
        if !props.str("thread_id").is_empty() {
            return Err(NodeError::failed("thread_id: conversation threads are not stored here; pass earlier messages in history"));
        }
        let prompt = props.str("prompt");
        if prompt.trim().is_empty() {
            // NodeTool sends an empty prompt as it is; say so in the log.
            tracing::warn!("the agent's prompt is empty");
        }
        let model: LanguageModel = props.typed("model")?;
        let provider: Arc<dyn nodetool::chat::ChatProvider> =
            Arc::from(provider_for(ctx, &model).map_err(NodeError::failed)?);
        let names: Vec<String> = props
            .get("tools")
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["name"].as_str().or(t.as_str()).map(str::to_owned))
            .collect();
        let tools = crate::tools::resolve_all(&names)
            .map_err(|e| NodeError::failed(format!("tools: {e}")))?;
        let env = ctx
            .environment()
            .map_err(|e| NodeError::failed(format!("cannot read the settings: {e}")))?;
        let limits = AgentLimits {
            max_reply_tokens: u32::try_from(props.int("max_tokens")?.max(1)).ok(),
            ..AgentLimits::from_env(&env).map_err(NodeError::failed)?
        };
        let slots = props.dynamic_outputs();
        let mut agent = CoreAgent::new(objective(props, &prompt)?, provider, model.id.clone())
            .system_prompt(props.str("system"))
            .tools(tools.iter().cloned())
            .limits(limits)
            .without_planning();
        if !slots.is_empty() {
            agent = agent.output_schema(outputs_schema("Agent Structured Output", slots));
        }
        let mut run = agent.execute(ctx);
        while let Some(event) = run.next_event().await {
            if let ProcessingMessage::Chunk(chunk) = &event {
                if !chunk.content.is_empty() {
                    let value = serde_json::to_value(chunk).unwrap_or(Value::Null);
                    outputs.send_named("chunk", value).await?;
                }
            }
            ctx.post(event).await;
        }
        let answer = run.result().await.map_err(NodeError::failed)?;
        if !slots.is_empty() {
            let Value::Object(object) = answer else {
                return Err(NodeError::failed(
                    "Agent did not return structured output text",
                ));
            };
            if let Some(missing) = slots.iter().find(|s| !object.contains_key(&s.name)) {
                return Err(NodeError::failed(format!(
                    "Agent structured output is missing required field '{}'",
                    missing.name
                )));
            }
            let text = Value::Object(object.clone()).to_string();
            outputs.send_named("text", Value::String(text)).await?;
            return emit_object(outputs, object, slots).await;
        }
        let text = match answer {
            Value::String(text) => text,
            other => other.to_string(),
        };
        outputs.send_named("text", json!(text)).await
    }
}

/// The prompt, after the conversation so far when there is one.
fn objective(props: &Props, prompt: &str) -> Result<String, NodeError> {
    let history = props.get("history").as_array().cloned().unwrap_or_default();
    if history.is_empty() {
        return Ok(prompt.to_owned());
    }
    let mut text = String::from("The conversation so far:\n");
    for m in &history {
        let message = message_from_json(m).map_err(NodeError::failed)?;
        let _ = writeln!(text, "{:?}: {}", message.role, message.text());
    }
    let _ = write!(text, "\nNow: {prompt}");
    Ok(text)
}
