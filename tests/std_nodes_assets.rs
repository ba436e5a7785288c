//! `SaveList`, `SaveText` and `LoadTextAssets` against a real asset store (SQLite and
//! in-memory storage), as the user of the run.

use nodetool::models::Database;
use nodetool::prelude::*;
use nodetool::storage::{AssetStore, Storage};
use serde_json::json;
use std::sync::Arc;

mod node_harness;
use node_harness::{run_graph, run_output};

#[tokio::test]
async fn text_and_lists_become_assets_and_load_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::sqlite(&dir.path().join("db.sqlite3"))
        .await
        .unwrap();
    let store = Arc::new(AssetStore::new(db, Storage::memory()));
    let ctx = ProcessingContext::builder()
        .user_id("dora")
        .assets(Arc::clone(&store))
        .build();
    let folder = store
        .create("dora", "notes", "folder", Vec::new().into(), None)
        .await
        .unwrap();

    let saved = run_output(
        "nodetool.list.SaveList",
        json!({"values": [1, true, null, "ü", {"a": 1}], "name": "list-%Y.txt"}),
        "output",
        &ctx,
    )
    .await
    .unwrap();
    let id = saved["asset_id"].as_str().unwrap();
    let bytes = store.read("dora", id).await.unwrap();
    assert_eq!(
        std::str::from_utf8(&bytes).unwrap(),
        "1\nTrue\nNone\nü\n{'a': 1}"
    );
    assert!(store
        .find("dora", id)
        .await
        .unwrap()
        .name
        .starts_with("list-20"));

    for (name, text) in [("a.txt", "first"), ("b.txt", "second")] {
        run_output(
            "nodetool.text.SaveText",
            json!({"text": text, "name": name, "folder": {"type": "folder", "asset_id": folder.id}}),
            "output",
            &ctx,
        )
        .await
        .unwrap();
    }
    let result = run_graph(
        json!({"nodes": [
            {"id": "load", "type": "nodetool.text.LoadTextAssets",
             "data": {"folder": {"type": "folder", "asset_id": folder.id}}},
            {"id": "names", "type": "nodetool.control.Collect", "data": {}},
            {"id": "o", "type": "nodetool.output.Output", "data": {"name": "names"}}
        ], "edges": [
            {"source": "load", "sourceHandle": "name", "target": "names", "targetHandle": "input_item"},
            {"source": "names", "sourceHandle": "output", "target": "o", "targetHandle": "value"}
        ]}),
        &ctx,
    )
    .await
    .unwrap();
    assert_eq!(
        result.values("names").last(),
        Some(&json!(["a.txt", "b.txt"]))
    );

    // Another user sees none of dora's assets; a run without a store says so.
    let eve = ProcessingContext::builder()
        .user_id("eve")
        .assets(Arc::clone(&store))
        .build();
    let result = run_graph(
        json!({"nodes": [
            {"id": "load", "type": "nodetool.text.LoadTextAssets",
             "data": {"folder": {"type": "folder", "asset_id": folder.id}}},
            {"id": "c", "type": "nodetool.control.Collect", "data": {}},
            {"id": "o", "type": "nodetool.output.Output", "data": {"name": "names"}}
        ], "edges": [
            {"source": "load", "sourceHandle": "name", "target": "c", "targetHandle": "input_item"},
            {"source": "c", "sourceHandle": "output", "target": "o", "targetHandle": "value"}
        ]}),
        &eve,
    )
    .await
    .unwrap();
    assert_eq!(result.values("names").last(), Some(&json!([])));
    let e = run_output(
        "nodetool.text.SaveText",
        json!({"text": "x"}),
        "output",
        &ProcessingContext::default(),
    )
    .await
    .unwrap_err();
    assert!(e.contains("no asset store"), "{e}");
    let e = run_output("nodetool.text.LoadTextAssets", json!({}), "text", &ctx)
        .await
        .unwrap_err();
    assert!(e.contains("Please select an asset folder"), "{e}");
}
