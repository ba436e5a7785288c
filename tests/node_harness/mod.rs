//! Runs one standard-library node through the dynamic runner, as a NodeTool graph would.
#![allow(dead_code)]

use nodetool::prelude::*;
use nodetool::workflows::messages::ProcessingMessage;
use nodetool::workflows::{RunError, RunResult};
use serde_json::{json, Map, Value};

/// Runs one node with `data` and returns its `output`, or the run's error text.
pub async fn run_node(node_type: &str, data: Value) -> Result<Value, String> {
    run_node_in(node_type, data, &ProcessingContext::default()).await
}

/// [`run_node`] with a given context (a workspace, say).
pub async fn run_node_in(
    node_type: &str,
    data: Value,
    ctx: &ProcessingContext,
) -> Result<Value, String> {
    run_output(node_type, data, "output", ctx).await
}

/// Runs one node and returns its output `handle` (the last value, if it streams).
pub async fn run_output(
    node_type: &str,
    data: Value,
    handle: &str,
    ctx: &ProcessingContext,
) -> Result<Value, String> {
    nodetool_std_nodes::link();
    let graph = Graph::from_json_str(
        &json!({
            "nodes": [
                {"id": "n", "type": node_type, "data": data},
                {"id": "o", "type": "nodetool.output.Output", "data": {"name": "out"}}
            ],
            "edges": [{"source": "n", "sourceHandle": handle, "target": "o", "targetHandle": "value"}]
        })
        .to_string(),
    )
    .map_err(|e| e.to_string())?;
    let runner = WorkflowRunner::from_graph(&graph).map_err(|e| e.to_string())?;
    match runner.run(ctx, Map::new()).await {
        Ok(result) => Ok(result.get("out").cloned().unwrap_or(Value::Null)),
        Err(RunError::NodeFailed { error, .. }) => Err(error.to_string()),
        Err(other) => Err(other.to_string()),
    }
}

/// Runs a NodeTool graph (`{"nodes": [...], "edges": [...]}`) and returns its result.
pub async fn run_graph(graph: Value, ctx: &ProcessingContext) -> Result<RunResult, String> {
    nodetool_std_nodes::link();
    let graph = Graph::from_json_str(&graph.to_string()).map_err(|e| e.to_string())?;
    let runner = WorkflowRunner::from_graph(&graph).map_err(|e| e.to_string())?;
    runner.run(ctx, Map::new()).await.map_err(|e| match e {
        RunError::NodeFailed { error, .. } => error.to_string(),
        other => other.to_string(),
    })
}

/// Runs a graph while reading every message it posts (a bounded channel nobody reads would
/// stall the run); the result and the messages.
pub async fn run_graph_with_messages(
    graph: Value,
) -> (Result<RunResult, String>, Vec<ProcessingMessage>) {
    let (tx, mut rx) = tokio::sync::mpsc::channel(256);
    let reader = tokio::spawn(async move {
        let mut messages = Vec::new();
        while let Some(m) = rx.recv().await {
            messages.push(m);
        }
        messages
    });
    let ctx = ProcessingContext::builder().messages(tx).build();
    let result = run_graph(graph, &ctx).await;
    drop(ctx);
    (result, reader.await.unwrap_or_default())
}

/// The last value each output of a run received.
pub fn last_values(result: RunResult) -> Map<String, Value> {
    result
        .outputs
        .into_iter()
        .filter_map(|(name, values)| Some((name, values.as_array()?.last()?.clone())))
        .collect()
}

/// The node's output; panics with the error text when it fails.
pub async fn ok(node_type: &str, data: Value) -> Value {
    run_node(node_type, data)
        .await
        .unwrap_or_else(|e| panic!("{node_type}: {e}"))
}

/// The node's error text; panics when it succeeds.
pub async fn err(node_type: &str, data: Value) -> String {
    match run_node(node_type, data).await {
        Ok(v) => panic!("{node_type}: expected an error, got {v}"),
        Err(e) => e,
    }
}
