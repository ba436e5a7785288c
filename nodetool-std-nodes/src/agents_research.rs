//! `nodetool.agents.ResearchAgent`: NodeTool's research agent on this crate's planner and
//! executor. The objective is planned into subtasks that use the named tools (web search,
//! `browser` pages, workspace files); the last subtask's result follows the schema built from
//! the node's dynamic outputs, and each key goes out on the output of its name.
//!
//! As in NodeTool 0.6.3, `system_prompt` and `max_tokens` are shown but not used by the agent.

use crate::generators::{emit_object, outputs_schema};
use crate::llms::provider_for;
use crate::meta_node;
use crate::meta_node::Props;
use nodetool::agents::{Agent as CoreAgent, AgentLimits, Tool};
use nodetool::metadata::LanguageModel;
use nodetool::workflows::{NodeError, NodeOutputs, ProcessingContext};
use serde_json::{Map, Value};
use std::sync::Arc;

meta_node!(
    /// `nodetool.agents.ResearchAgent`: research an objective with tools into structured
    /// outputs.
    ResearchAgent,
    "nodetool.agents.ResearchAgent",
    Buffered,
    cacheable = false,
    tool = false
);

impl ResearchAgent {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let model: LanguageModel = props.typed("model")?;
        if !model.is_set() {
            return Err(NodeError::failed("Select a model"));
        }
        let objective = props.str("objective");
        if objective.is_empty() {
            return Err(NodeError::failed("Provide a research objective"));
        }
        let slots = props.dynamic_outputs();
        if slots.is_empty() {
            return Err(NodeError::failed(
                "Define at least one output field for research results",
            ));
        }
        let mut tools: Vec<Arc<dyn Tool>> = Vec::new();
        for entry in props.get("tools").as_array().into_iter().flatten() {
            let name = entry["name"]
                .as_str()
                .or(entry.as_str())
                .unwrap_or_default();
            if name.is_empty() || tools.iter().any(|t| t.name() == name) {
                continue;
            }
            match crate::tools::resolve(name) {
                Ok(tool) => tools.push(tool),
                // NodeTool skips tools it does not know, with a warning.
                Err(error) => tracing::warn!(tool = name, %error, "ResearchAgent: tool skipped"),
            }
        }
        let provider: Arc<dyn nodetool::chat::ChatProvider> =
            Arc::from(provider_for(ctx, &model).map_err(NodeError::failed)?);
        let env = ctx
            .environment()
            .map_err(|e| NodeError::failed(format!("cannot read the settings: {e}")))?;
        let limits = AgentLimits::from_env(&env).map_err(NodeError::failed)?;
        let agent = CoreAgent::new(objective, provider, model.id.clone())
            .tools(tools)
            .limits(limits)
            .output_schema(outputs_schema("Research Results", slots));
        let mut run = agent.execute(ctx);
        while let Some(event) = run.next_event().await {
            ctx.post(event).await;
        }
        let result = run.result().await.map_err(NodeError::failed)?;
        let object = match result {
            Value::Object(map) => map,
            Value::Null => slots
                .iter()
                .map(|s| (s.name.clone(), Value::String(String::new())))
                .collect(),
            other => {
                let mut map = Map::new();
                map.insert(slots[0].name.clone(), other);
                map
            }
        };
        emit_object(outputs, object, slots).await
    }
}
