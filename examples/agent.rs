//! An agent with tools: the model plans subtasks (or, with the tiny local model, which cannot
//! plan, runs one), calls the calculator and writes its answer into a workspace folder; its
//! events print as they come.
//!
//! Provider: the first configured (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, `GEMINI_API_KEY`,
//! `OLLAMA_API_URL`), else a local llama.cpp server (see `examples/support/provider.rs`).
//!
//! Run: `cargo run --example agent` (or `cargo run --example agent -- "your objective"`).

use nodetool::agents::{Agent, AgentLimits};
use nodetool::metadata::LanguageModel;
use nodetool::workflows::messages::ProcessingMessage;
use nodetool::workflows::ProcessingContext;
use nodetool::workspace::Workspace;
use std::io::Write;
use std::sync::Arc;

#[path = "support/provider.rs"]
mod provider;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    nodetool_std_nodes::link();
    let objective = std::env::args().nth(1).unwrap_or_else(|| {
        "Compute 17 * 23 + 4 with the calculator, then write the result into result.txt.".to_owned()
    });
    let (provider_name, model, reason) = provider::choose().await?;
    eprintln!("provider {provider_name}, model {model} ({reason})");

    let dir = std::env::temp_dir().join(format!("nodetool-agent-example-{}", std::process::id()));
    let ctx = ProcessingContext::builder()
        .workspace(Workspace::new(&dir)?)
        .build();
    let language_model = LanguageModel {
        provider: provider_name.clone(),
        id: model.clone(),
        name: model.clone(),
    };
    let provider = nodetool_std_nodes::llms::provider_for(&ctx, &language_model)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let tools = nodetool_std_nodes::tools::resolve_all(&["calculator", "write_file", "read_file"])?;
    let mut agent = Agent::new(objective, Arc::from(provider), model)
        .tools(tools.iter().cloned())
        .limits(AgentLimits {
            max_iterations: 8,
            max_reply_tokens: Some(512),
            ..AgentLimits::default()
        });
    if provider_name == "llama_cpp" {
        eprintln!("(the tiny local model cannot plan: running the objective as one subtask)");
        agent = agent.without_planning();
    }

    let mut run = agent.execute(&ctx);
    while let Some(event) = run.next_event().await {
        match event {
            ProcessingMessage::Chunk(chunk) => {
                print!("{}", chunk.content);
                std::io::stdout().flush()?;
            }
            ProcessingMessage::PlanningUpdate(p) => {
                eprintln!("\n[planning] {} {}", p.phase, p.status)
            }
            ProcessingMessage::TaskUpdate(u) => eprintln!(
                "\n[task] {:?} {}",
                u.event,
                u.subtask.map(|s| s.id).unwrap_or_default()
            ),
            ProcessingMessage::ToolCallUpdate(t) => eprintln!("\n[tool] {} {}", t.name, t.args),
            _ => {}
        }
    }
    let result = run.result().await?;
    println!("\nresult: {result}");
    eprintln!("workspace: {}", dir.display());
    Ok(())
}
