//! `run_workflow`: runs a NodeTool workflow file of the workspace with parameters.

use nodetool::agents::{ToolError, WorkflowTool};
use nodetool::prelude::*;
use nodetool::tool;
use serde_json::{Map, Value};

/// Run a NodeTool workflow saved as JSON in the workspace, with parameters for its input
/// nodes (by name); returns its outputs by name.
#[tool]
pub async fn run_workflow(
    ctx: &ProcessingContext,
    /// The workflow file's path, relative to the workspace.
    path: String,
    /// Values for the workflow's inputs, by input name.
    params: Option<Map<String, Value>>,
) -> Result<Value, ToolError> {
    let ws = ctx
        .workspace()
        .cloned()
        .ok_or_else(|| ToolError::failed("this run has no workspace to read workflows from"))?;
    let file = path.clone();
    let text = tokio::task::spawn_blocking(move || ws.read(&file))
        .await
        .map_err(|e| ToolError::failed(format!("reading `{path}` stopped: {e}")))?
        .map_err(ToolError::failed)?;
    let text = String::from_utf8(text)
        .map_err(|_| ToolError::failed(format!("`{path}` is not a UTF-8 JSON file")))?;
    let graph =
        Graph::from_json_str(&text).map_err(|e| ToolError::failed(format!("`{path}`: {e}")))?;
    let tool = WorkflowTool::new("run_workflow", "", &graph)?;
    nodetool::agents::Tool::call(&tool, ctx, Value::Object(params.unwrap_or_default())).await
}
