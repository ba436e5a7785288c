//! Runs one standard-library node through the dynamic runner, as a NodeTool graph would.
#![allow(dead_code)]

use nodetool::prelude::*;
use nodetool::workflows::messages::ProcessingMessage;
use nodetool::workflows::{RunError, RunResult};
use serde_json::{json, Map, Value};

/// A context whose settings are only `vars` (no `.env`, settings or secrets files), as a
/// run configured by those variables alone sees them.
pub fn ctx_with_settings(vars: &[(&str, &str)]) -> ProcessingContext {
    let env = nodetool::config::Environment::builder()
        .process_env(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())))
        .dotenv_dir(None)
        .settings_file(None)
        .secrets_file(None)
        .build()
        .expect("an environment of process variables only always builds");
    ProcessingContext::builder()
        .environment(std::sync::Arc::new(env))
        .build()
}

/// An image reference holding `pixels` (`width` × `height` of `color`) as a PNG data URI.
pub fn png_ref(pixels: &[u8], width: u32, height: u32, color: image::ExtendedColorType) -> Value {
    use base64::Engine;
    let mut out = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut out),
        pixels,
        width,
        height,
        color,
    )
    .expect("test pixels fit their size");
    let uri = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(out)
    );
    json!({"type": "image", "uri": uri})
}

/// The image a PNG data-URI image reference (as [`png_ref`] makes) holds.
pub fn png_image(reference: &Value) -> image::DynamicImage {
    use base64::Engine;
    assert_eq!(reference["type"], "image", "{reference}");
    let uri = reference["uri"].as_str().unwrap_or_default();
    let data = uri
        .strip_prefix("data:image/png;base64,")
        .unwrap_or_else(|| panic!("not a PNG data URI: {uri:.60}"));
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .expect("base64 data");
    image::load_from_memory(&bytes).expect("a PNG image")
}

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
