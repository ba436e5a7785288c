//! Runs a NodeTool graph file (a bare graph or a saved workflow).
//!
//! `cargo run --example run_graph -- FILE.json [--param NAME=VALUE ...]`
//!
//! Progress goes to stderr; the outputs go to stdout as one JSON object
//! `{"<output name>": value, ...}`. A VALUE is read as JSON when it parses, else as a string.
//! An invalid graph or a failed run prints the error on stderr and exits with status 1.

use anyhow::{bail, Context};
use nodetool::workflows::messages::ProcessingMessage;
use nodetool::workflows::{Graph, ProcessingContext, WorkflowRunner};
use serde_json::{Map, Value};
use std::process::ExitCode;

const USAGE: &str = "usage: run_graph FILE.json [--param NAME=VALUE ...]";

fn parse_args(args: impl Iterator<Item = String>) -> anyhow::Result<(String, Map<String, Value>)> {
    let mut file = None;
    let mut params = Map::new();
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let param = if arg == "--param" {
            args.next().context("--param needs NAME=VALUE")?
        } else if let Some(p) = arg.strip_prefix("--param=") {
            p.to_owned()
        } else if arg == "-h" || arg == "--help" {
            bail!("{USAGE}");
        } else if arg.starts_with("--") {
            bail!("unknown option `{arg}`\n{USAGE}");
        } else if file.is_none() {
            file = Some(arg);
            continue;
        } else {
            bail!("unexpected argument `{arg}`\n{USAGE}");
        };
        let (name, value) = param
            .split_once('=')
            .with_context(|| format!("--param `{param}` needs the form NAME=VALUE"))?;
        let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
        params.insert(name.to_owned(), value);
    }
    Ok((file.context(USAGE)?, params))
}

async fn run() -> anyhow::Result<Value> {
    nodetool_std_nodes::link();
    let (file, params) = parse_args(std::env::args().skip(1))?;
    let graph = Graph::from_path(&file)?;
    let runner = WorkflowRunner::from_graph(&graph).with_context(|| file.clone())?;

    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let progress = tokio::spawn(async move {
        while let Some(message) = rx.recv().await {
            match message {
                ProcessingMessage::JobUpdate(u) => match u.error {
                    Some(e) => eprintln!("job {}: {e}", u.status),
                    None => eprintln!("job {}", u.status),
                },
                ProcessingMessage::NodeUpdate(u) if u.status != "running" => match u.error {
                    Some(e) => eprintln!("node {} ({}) {}: {e}", u.node_id, u.node_type, u.status),
                    None => eprintln!("node {} ({}) {}", u.node_id, u.node_type, u.status),
                },
                ProcessingMessage::NodeProgress(p) => {
                    eprintln!("node {} {}/{}", p.node_id, p.progress, p.total)
                }
                ProcessingMessage::LogUpdate(l) => eprintln!("log {}: {}", l.node_id, l.content),
                _ => {}
            }
        }
    });
    let ctx = ProcessingContext::builder().messages(tx).build();
    let result = runner.run(&ctx, params).await;
    drop(ctx);
    progress.await?;
    Ok(result?.to_json())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(outputs) => {
            println!("{outputs}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
