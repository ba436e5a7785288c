//! `nodetool.control` and `nodetool.compare` in graphs: routing streamed values, passing
//! them through, collecting them, and the comparison preview.

use nodetool::prelude::*;
use nodetool::workflows::messages::ProcessingMessage;
use serde_json::{json, Value};

mod node_harness;
use node_harness::{run_graph, run_graph_with_messages};

fn edge(source: &str, sh: &str, target: &str, th: &str) -> Value {
    json!({"source": source, "sourceHandle": sh, "target": target, "targetHandle": th})
}

fn output(id: &str, name: &str) -> Value {
    json!({"id": id, "type": "nodetool.output.Output", "data": {"name": name}})
}

/// The last value each output received.
async fn run(nodes: Vec<Value>, edges: Vec<Value>) -> serde_json::Map<String, Value> {
    run_graph(
        json!({"nodes": nodes, "edges": edges}),
        &ProcessingContext::default(),
    )
    .await
    .map(node_harness::last_values)
    .unwrap()
}

#[tokio::test]
async fn if_routes_its_property_when_nothing_streams_in() {
    let out = run(
        vec![
            json!({"id": "if", "type": "nodetool.control.If", "data": {"condition": true, "value": "ü"}}),
            output("t", "t"),
            output("f", "f"),
        ],
        vec![
            edge("if", "if_true", "t", "value"),
            edge("if", "if_false", "f", "value"),
        ],
    )
    .await;
    assert_eq!(out.get("t"), Some(&json!("ü")));
    assert!(out.get("f").is_none_or(Value::is_null), "{out:?}");
}

#[tokio::test]
async fn if_pairs_streamed_values_with_streamed_conditions() {
    // ForEach emits each item, then its index: condition i (the item) arrives before value i
    // (the index), and each value takes the oldest unused condition.
    let out = run(
        vec![
            json!({"id": "each", "type": "nodetool.control.ForEach", "data": {"input_list": [true, 0, "yes"]}}),
            json!({"id": "if", "type": "nodetool.control.If", "data": {}}),
            json!({"id": "ct", "type": "nodetool.control.Collect", "data": {}}),
            json!({"id": "cf", "type": "nodetool.control.Collect", "data": {}}),
            output("t", "t"),
            output("f", "f"),
        ],
        vec![
            edge("each", "output", "if", "condition"),
            edge("each", "index", "if", "value"),
            edge("if", "if_true", "ct", "input_item"),
            edge("if", "if_false", "cf", "input_item"),
            edge("ct", "output", "t", "value"),
            edge("cf", "output", "f", "value"),
        ],
    )
    .await;
    assert_eq!(out["t"], json!([0, 2]));
    assert_eq!(out["f"], json!([1]));
}

#[tokio::test]
async fn reroute_passes_every_item_and_collect_gathers_them() {
    let out = run(
        vec![
            json!({"id": "seq", "type": "nodetool.list.GenerateSequence", "data": {"stop": 5}}),
            json!({"id": "r", "type": "nodetool.control.Reroute", "data": {"input_value": "unused"}}),
            json!({"id": "c", "type": "nodetool.control.Collect", "data": {}}),
            json!({"id": "empty", "type": "nodetool.control.Collect", "data": {}}),
            output("o", "all"),
            output("e", "none"),
        ],
        vec![
            edge("seq", "output", "r", "input_value"),
            edge("r", "output", "c", "input_item"),
            edge("c", "output", "o", "value"),
            edge("empty", "output", "e", "value"),
        ],
    )
    .await;
    assert_eq!(out["all"], json!([0, 1, 2, 3, 4]));
    assert_eq!(out["none"], json!([]));
}

#[tokio::test]
async fn compare_images_posts_one_preview() {
    let image = |uri: &str| json!({"type": "image", "uri": uri, "asset_id": null, "data": null});
    let (result, messages) = run_graph_with_messages(json!({"nodes": [
        {"id": "cmp", "type": "nodetool.compare.CompareImages",
         "data": {"image_a": image("file://a.png"), "image_b": image("file://b.png"), "label_b": "après"}},
        {"id": "half", "type": "nodetool.compare.CompareImages", "data": {"image_a": image("file://a.png")}}
    ], "edges": []}))
    .await;
    result.unwrap();
    let mut previews = Vec::new();
    for message in messages {
        if let ProcessingMessage::PreviewUpdate(p) = message {
            previews.push((p.node_id.to_string(), p.value));
        }
    }
    assert_eq!(previews.len(), 1, "{previews:?}");
    assert_eq!(previews[0].0, "cmp");
    assert_eq!(previews[0].1["type"], "image_comparison");
    assert_eq!(previews[0].1["image_b"]["uri"], "file://b.png");
    assert_eq!(previews[0].1["label_a"], "A");
    assert_eq!(previews[0].1["label_b"], "après");
}
