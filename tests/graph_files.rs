//! NodeTool graph files run unchanged, and save without losing anything.

mod common;

use common::*;
use nodetool::workflows::{Graph, WorkflowDocument};
use serde_json::{json, Map, Value};

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[tokio::test]
async fn a_graph_saved_by_python_nodetool_runs_unchanged() {
    // `test_workflow.json` comes from Python NodeTool's test fixtures (../shared/peer/graph_examples).
    let graph = Graph::from_path(fixture("test_workflow.json")).unwrap();
    let mut params = Map::new();
    params.insert("text".into(), json!("hello"));
    let (result, _) = run_collecting(&graph, params).await;
    assert_eq!(
        result.unwrap().get("result"),
        Some(&json!("Test output: hello"))
    );
}

#[tokio::test]
async fn math_chain_with_a_parameter_and_a_comment() {
    let graph = Graph::from_path(fixture("math_chain.json")).unwrap();
    let mut params = Map::new();
    params.insert("x".into(), json!(12));
    let (result, messages) = run_collecting(&graph, params).await;
    assert_eq!(result.unwrap().to_json(), json!({"root": 6.0}));
    assert!(
        messages
            .iter()
            .all(|m| !serde_json::to_string(m).unwrap().contains("\"note\"")),
        "the comment node must not run"
    );
}

#[tokio::test]
async fn a_preview_node_posts_preview_updates() {
    let graph = Graph {
        nodes: vec![
            node("c", "nodetool.constant.String", json!({"value": "look"})),
            node(
                "p",
                "nodetool.workflows.base_node.Preview",
                json!({"name": "peek"}),
            ),
        ],
        edges: vec![edge("c", "output", "p", "value")],
    };
    let (result, messages) = run_collecting(&graph, Map::new()).await;
    result.unwrap();
    let previews: Vec<Value> = messages
        .iter()
        .map(|m| serde_json::to_value(m).unwrap())
        .filter(|m| m["type"] == "preview_update")
        .collect();
    assert_eq!(
        previews,
        vec![json!({"type": "preview_update", "node_id": "p", "value": "look"})]
    );
}

#[test]
fn saving_keeps_every_field_of_a_python_workflow() {
    let text = std::fs::read_to_string(fixture("test_workflow.json")).unwrap();
    let original: Value = serde_json::from_str(&text).unwrap();
    let doc = WorkflowDocument::from_json_str(&text).unwrap();
    let mut saved = serde_json::to_value(&doc).unwrap();
    // Saving writes each edge's `edge_type` (default "data"), as Python NodeTool's model does.
    for edge in saved["graph"]["edges"].as_array_mut().unwrap() {
        let edge_type = edge.as_object_mut().unwrap().remove("edge_type");
        assert_eq!(edge_type, Some(json!("data")));
    }
    assert_eq!(saved, original);
}
