//! A workflow with an LLM node: the prompt goes to whichever chat provider is configured, and
//! the reply streams to the terminal token by token.
//!
//! Provider, in this order: `OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, `GEMINI_API_KEY`,
//! `OLLAMA_API_URL` (settings, secrets, `.env` or the environment; `NODETOOL_CHAT_MODEL`
//! picks the model); without any, a local llama.cpp server: `LLAMA_CPP_URL`, else one
//! already on 127.0.0.1:8765, else one started with `scripts/llm_peer/start_server.sh` (a tiny
//! local model: its words are random, but every part of the path is real).
//!
//! Run: `cargo run --example chat` (or `cargo run --example chat -- "your prompt"`).

use nodetool::prelude::*;
use nodetool::workflows::messages::ProcessingMessage;
use serde_json::{json, Map};
use std::io::Write;

#[path = "support/provider.rs"]
mod provider;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    nodetool_std_nodes::link();
    let prompt = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "Write one sentence about rivers.".to_owned());
    let (provider, model, reason) = provider::choose().await?;
    eprintln!("provider {provider}, model {model} ({reason})");

    let graph = Graph::from_json_str(
        &json!({
            "nodes": [
                {"id": "question", "type": "nodetool.input.StringInput",
                 "data": {"name": "prompt", "value": ""}},
                {"id": "llm", "type": "nodetool.llms.LLM",
                 "data": {"model": {"type": "language_model", "provider": provider, "id": model, "name": model},
                          "system": "You are concise.", "max_tokens": 64}},
                {"id": "answer", "type": "nodetool.output.Output", "data": {"name": "answer"}}
            ],
            "edges": [
                {"source": "question", "sourceHandle": "output", "target": "llm", "targetHandle": "prompt"},
                {"source": "llm", "sourceHandle": "text", "target": "answer", "targetHandle": "value"}
            ]
        })
        .to_string(),
    )?;
    let runner = WorkflowRunner::from_graph(&graph)?;
    let (tx, mut rx) = tokio::sync::mpsc::channel(256);
    let printer = tokio::spawn(async move {
        let mut tokens = 0;
        while let Some(message) = rx.recv().await {
            if let ProcessingMessage::Chunk(chunk) = message {
                if !chunk.content.is_empty() {
                    tokens += 1;
                    print!("{}", chunk.content);
                    let _ = std::io::stdout().flush();
                }
            }
        }
        println!();
        tokens
    });
    let ctx = ProcessingContext::builder().messages(tx).build();
    let mut params = Map::new();
    params.insert("prompt".into(), prompt.into());
    let result = runner.run(&ctx, params).await;
    drop(ctx);
    let tokens = printer.await?;
    let result = result?;
    let answer = result.values("answer").last().cloned().unwrap_or_default();
    eprintln!("{tokens} chunks streamed; answer: {answer}");
    Ok(())
}
