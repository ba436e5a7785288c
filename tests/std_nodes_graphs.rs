//! NodeTool-format workflows (tests/fixtures/graphs/, saved in Python NodeTool's file shape)
//! that combine many standard nodes, run by the dynamic runner with parameters.

use nodetool::prelude::*;
use nodetool::workflows::Graph;
use serde_json::{json, Map, Value};

mod node_harness;

/// Runs the workflow file `name` with `params`; returns the last value of each output.
async fn run(name: &str, params: Value) -> Map<String, Value> {
    nodetool_std_nodes::link();
    let path = format!(
        "{}/tests/fixtures/graphs/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let graph = Graph::from_path(&path).unwrap_or_else(|e| panic!("{e}"));
    let runner = WorkflowRunner::from_graph(&graph).unwrap_or_else(|e| panic!("{name}: {e}"));
    let Value::Object(params) = params else {
        panic!("params must be an object")
    };
    let result = runner
        .run(&ProcessingContext::default(), params)
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    node_harness::last_values(result)
}

#[tokio::test]
async fn text_cleanup() {
    let out = run(
        "text_cleanup",
        json!({"words": " pear, apple ,fig,apple, Äpfel ", "title": "Top 10 Crème Brûlée Recipes!"}),
    )
    .await;
    assert_eq!(out["sorted"], json!("APPLE | FIG | PEAR | ÄPFEL"));
    assert_eq!(out["count"], json!(4));
    assert_eq!(out["slug"], json!("top-10-creme-brulee-recipes"));
    assert_eq!(out["masked"], json!("Top ## Crème Brûlée Recipes!"));
}

#[tokio::test]
async fn number_stream() {
    let out = run("number_stream", json!({"n": 8})).await;
    assert_eq!(out["doubled"], json!([2, 4, 6, 8, 10, 12, 14]));
    assert_eq!(out["sum"], json!(56.0));
    assert_eq!(out["average"], json!(8.0));
    assert_eq!(out["size"], json!("large"));
    let out = run("number_stream", json!({"n": 4})).await;
    assert_eq!(out["sum"], json!(12.0));
    assert_eq!(out["size"], json!("small"));
}

#[tokio::test]
async fn json_records() {
    let document = json!({
        "team": "core",
        "people": [
            {"name": "Ada", "role": "dev"},
            {"name": "Grace", "role": "dev"},
            {"name": "Linus", "role": "ops"}
        ]
    })
    .to_string();
    let out = run("json_records", json!({ "document": document })).await;
    assert_eq!(out["valid"], json!(true));
    assert_eq!(out["team"], json!("core"));
    assert_eq!(out["dev_count"], json!(2));
    let summary: Value = serde_json::from_str(out["summary"].as_str().unwrap()).unwrap();
    assert_eq!(summary, json!({"team": "core", "lead": "Ada"}));

    let broken = json!({"team": "x", "people": [{"name": "No role"}]}).to_string();
    let out = run("json_records", json!({ "document": broken })).await;
    assert_eq!(out["valid"], json!(false));
}

#[tokio::test]
async fn ids_and_dates() {
    let out = run("ids_and_dates", json!({"name": "nodetool.ai"})).await;
    // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "nodetool.ai"), hashlib.sha256, base64.b64encode.
    assert_eq!(out["uuid"], json!("daf755c4-e159-5e54-8c23-1f287c97392c"));
    assert_eq!(out["base64"], json!("bm9kZXRvb2wuYWk="));
    assert_eq!(out["roundtrip"], json!(true));
    assert_eq!(out["three_days_later"], json!("2024-03-01"));
    assert_eq!(
        out["sha256"],
        json!("27fb1daef64d2721e81434f3aeb7367f86102a07a71b662ed4fb4d2cf1830b32")
    );
}

#[tokio::test]
async fn markdown_outline() {
    let md = "# Guide\nSee [the docs](https://example.com/docs).\n## Install\n### Deep\n```rust\nfn main() {}\n```\n## Use\n";
    let out = run("markdown_outline", json!({ "markdown": md })).await;
    assert_eq!(out["header_count"], json!(3));
    assert_eq!(out["headers"][1]["text"], json!("Install"));
    assert_eq!(out["links"][0]["url"], json!("https://example.com/docs"));
    assert_eq!(out["code"][0]["language"], json!("rust"));
}

#[tokio::test]
async fn make_dictionary_takes_dynamic_properties_and_edges() {
    nodetool_std_nodes::link();
    let graph = Graph::from_json_str(
        &json!({
            "nodes": [
                {"id": "n", "type": "nodetool.constant.Integer", "data": {"value": 42}},
                {"id": "d", "type": "nodetool.dictionary.MakeDictionary", "data": {},
                 "dynamic_properties": {"title": "Zoë", "count": 0, "tags": ["a"]}},
                {"id": "o", "type": "nodetool.output.Output", "data": {"name": "dict"}}
            ],
            "edges": [
                {"source": "n", "sourceHandle": "output", "target": "d", "targetHandle": "count"},
                {"source": "n", "sourceHandle": "output", "target": "d", "targetHandle": "answer"},
                {"source": "d", "sourceHandle": "output", "target": "o", "targetHandle": "value"}
            ]
        })
        .to_string(),
    )
    .unwrap();
    let runner = WorkflowRunner::from_graph(&graph).unwrap();
    let result = runner
        .run(&ProcessingContext::default(), Map::new())
        .await
        .unwrap();
    let dict = result.values("dict").last().cloned().unwrap();
    assert_eq!(
        dict,
        json!({"title": "Zoë", "count": 42, "tags": ["a"], "answer": 42})
    );
    // Insertion order: the dynamic properties as saved, then the edge-only keys.
    let keys: Vec<&String> = dict.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["title", "count", "tags", "answer"]);
    // A type that is not dynamic still refuses unknown handles.
    let bad = Graph::from_json_str(
        &json!({
            "nodes": [
                {"id": "n", "type": "nodetool.constant.Integer", "data": {"value": 1}},
                {"id": "t", "type": "nodetool.text.ToUppercase", "data": {}}
            ],
            "edges": [{"source": "n", "sourceHandle": "output", "target": "t", "targetHandle": "nope"}]
        })
        .to_string(),
    )
    .unwrap();
    let e = WorkflowRunner::from_graph(&bad).unwrap_err().to_string();
    assert!(e.contains("has no input `nope`"), "{e}");
}
