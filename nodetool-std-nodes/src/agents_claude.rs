//! `anthropic.agents.ClaudeAgent`: NodeTool's Claude agent, on this crate's agent loop with
//! the model the node names (Anthropic by default). The nodes it controls through control
//! edges are its tools (named from their titles, e.g. `google_search`; the arguments set
//! their properties over the graph's values); `allowed_tools` `Read` and `Write` are the
//! workspace's `read_file` and `write_file`. Each piece of text goes out on `chunk` as it
//! comes, the answer on `text`.
//!
//! NodeTool runs this node through the Claude Code CLI; here there is no CLI: `Bash` has no
//! counterpart (ignored), `permission_mode` does not apply (tools run without asking, as with
//! `acceptEdits`), and `use_claude_credentials` is ignored (the key is `ANTHROPIC_API_KEY`).

use crate::llms::provider_for;
use crate::meta_node;
use crate::meta_node::Props;
use nodetool::agents::{Agent as CoreAgent, AgentLimits, NodeTool, Tool};
use nodetool::metadata::LanguageModel;
use nodetool::workflows::messages::ProcessingMessage;
use nodetool::workflows::{NodeError, NodeOutputs, ProcessingContext};
use serde_json::{json, Value};
use std::sync::Arc;

/// The Claude model used when the node names none (NodeTool's CLI then picks its default).
pub const DEFAULT_CLAUDE_MODEL: &str = "claude-sonnet-4-5";

/// A title as a tool name, as NodeTool writes it: camel case split, everything else than
/// letters and digits `_`, lower case, at most 64 characters (`Google Search` →
/// `google_search`).
pub fn tool_name_from_title(title: &str) -> String {
    let mut out = String::new();
    let mut previous: Option<char> = None;
    for c in title.chars() {
        if let Some(p) = previous {
            if p.is_lowercase() && c.is_uppercase() {
                out.push('_');
            }
        }
        out.push(if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '_'
        });
        previous = Some(c);
    }
    let mut collapsed = String::new();
    for c in out.chars() {
        if !(c == '_' && collapsed.ends_with('_')) {
            collapsed.push(c);
        }
    }
    let name: String = collapsed.trim_matches('_').chars().take(64).collect();
    if name.is_empty() {
        "control_node".to_owned()
    } else {
        name
    }
}

meta_node!(
    /// `anthropic.agents.ClaudeAgent`: an agent whose tools are the nodes it controls.
    ClaudeAgent,
    "anthropic.agents.ClaudeAgent",
    StreamingOutput,
    cacheable = false,
    tool = false
);

impl ClaudeAgent {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let prompt = props.str("prompt");
        if prompt.trim().is_empty() {
            return Err(NodeError::failed("Prompt is required"));
        }
        let mut model: LanguageModel = props.typed("model")?;
        if !model.is_set() {
            model = LanguageModel {
                provider: "anthropic".to_owned(),
                id: DEFAULT_CLAUDE_MODEL.to_owned(),
                name: "Claude".to_owned(),
            };
        }
        let provider: Arc<dyn nodetool::chat::ChatProvider> =
            Arc::from(provider_for(ctx, &model).map_err(NodeError::failed)?);
        let mut tools: Vec<Arc<dyn Tool>> = Vec::new();
        for allowed in props.get("allowed_tools").as_array().into_iter().flatten() {
            let builtin = match allowed.as_str().unwrap_or_default() {
                "Read" => "read_file",
                "Write" => "write_file",
                other => {
                    tracing::debug!(tool = other, "ClaudeAgent: no counterpart here; ignored");
                    continue;
                }
            };
            if let Some(tool) = crate::tools::builtin(builtin) {
                tools.push(tool);
            }
        }
        let mut names: Vec<String> = tools.iter().map(|t| t.name().to_owned()).collect();
        for node in props.controlled() {
            let mut name = tool_name_from_title(&node.title);
            // Two controlled nodes with one title get distinct names.
            let base = name.clone();
            let mut n = 2;
            while names.contains(&name) {
                name = format!("{base}_{n}");
                n += 1;
            }
            let tool = NodeTool::new(&node.node_type)
                .map_err(|e| NodeError::failed(format!("controlled node `{}`: {e}", node.id)))?
                .named(name.clone())
                .with_properties(node.properties.clone());
            names.push(name);
            tools.push(Arc::new(tool));
        }
        let env = ctx
            .environment()
            .map_err(|e| NodeError::failed(format!("cannot read the settings: {e}")))?;
        let max_turns = u32::try_from(props.int("max_turns")?.clamp(1, 100)).unwrap_or(20);
        let limits = AgentLimits {
            max_iterations: max_turns,
            ..AgentLimits::from_env(&env).map_err(NodeError::failed)?
        };
        let agent = CoreAgent::new(prompt, provider, model.id.clone())
            .system_prompt(props.str("system_prompt"))
            .tools(tools)
            .limits(limits)
            .without_planning();
        let mut run = agent.execute(ctx);
        while let Some(event) = run.next_event().await {
            if let ProcessingMessage::Chunk(chunk) = &event {
                if !chunk.content.is_empty() && chunk.content_type == "text" {
                    let value = json!({"type": "chunk", "node_id": null, "thread_id": null,
                        "workflow_id": null, "content_type": "text", "content": chunk.content,
                        "content_metadata": {}, "done": false, "thinking": false});
                    outputs.send_named("chunk", value).await?;
                }
            }
            ctx.post(event).await;
        }
        let answer = run
            .result()
            .await
            .map_err(|e| NodeError::failed(format!("Claude Agent error: {e}")))?;
        let text = match answer {
            Value::String(text) => text,
            other => other.to_string(),
        };
        outputs.send_named("text", Value::String(text)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_become_nodetools_tool_names() {
        assert_eq!(tool_name_from_title("Google Search"), "google_search");
        assert_eq!(tool_name_from_title("GoogleFlights"), "google_flights");
        assert_eq!(
            tool_name_from_title("Duck Duck Go Search"),
            "duck_duck_go_search"
        );
        assert_eq!(tool_name_from_title("--"), "control_node");
    }
}
