//! `lib.sqlite` nodes on a real SQLite file in the run's workspace: a table created as
//! NodeTool creates it, records inserted (dicts and lists as JSON text), queried back with
//! `where`, `order_by`, `limit` and chosen columns; no workspace is a clear error.

mod node_harness;

use nodetool::prelude::*;
use serde_json::json;

fn columns() -> serde_json::Value {
    json!({"type": "record_type", "columns": [
        {"name": "id", "data_type": "int", "description": ""},
        {"name": "question", "data_type": "string", "description": ""},
        {"name": "tags", "data_type": "object", "description": ""}]})
}

#[tokio::test]
async fn tables_are_created_filled_and_queried_in_the_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ProcessingContext::builder()
        .workspace(nodetool::workspace::Workspace::new(dir.path()).unwrap())
        .build();
    let table = json!({"database_name": "cards.db", "table_name": "study \"cards\""});
    let mut create = table.clone();
    create["columns"] = columns();
    let graph = json!({"nodes": [
        {"id": "c", "type": "lib.sqlite.CreateTable", "data": create},
        {"id": "i1", "type": "lib.sqlite.Insert", "data": {"data": {"question": "2+2?", "tags": ["math", "easy"]}}},
        {"id": "out", "type": "nodetool.output.Output", "data": {"name": "inserted"}}],
      "edges": [
        {"source": "c", "sourceHandle": "database_name", "target": "i1", "targetHandle": "database_name"},
        {"source": "c", "sourceHandle": "table_name", "target": "i1", "targetHandle": "table_name"},
        {"source": "i1", "sourceHandle": "output", "target": "out", "targetHandle": "value"}]});
    for _ in 0..3 {
        let result = node_harness::run_graph(graph.clone(), &ctx).await.unwrap();
        assert_eq!(result.get("inserted").unwrap()["rows_affected"], 1);
    }
    assert!(dir.path().join("cards.db").exists());

    let mut query = table.clone();
    query["order_by"] = json!("id DESC");
    query["limit"] = json!(2);
    query["where"] = json!("question LIKE '2%'");
    query["columns"] = columns();
    let rows = node_harness::run_graph(
        json!({"nodes": [
            {"id": "q", "type": "lib.sqlite.Query", "data": query},
            {"id": "out", "type": "nodetool.output.Output", "data": {"name": "rows"}}],
          "edges": [{"source": "q", "sourceHandle": "output", "target": "out", "targetHandle": "value"}]}),
        &ctx,
    )
    .await
    .unwrap();
    assert_eq!(
        rows.get("rows").unwrap(),
        &json!([
            {"id": 3, "question": "2+2?", "tags": ["math", "easy"]},
            {"id": 2, "question": "2+2?", "tags": ["math", "easy"]}
        ])
    );
    // A missing database file is no rows, as in NodeTool.
    let mut other = query.clone();
    other["database_name"] = json!("none.db");
    let empty = node_harness::run_output("lib.sqlite.Query", other, "output", &ctx)
        .await
        .unwrap();
    assert_eq!(empty, json!([]));
}

#[tokio::test]
async fn without_a_workspace_the_error_says_so() {
    let error = node_harness::run_output(
        "lib.sqlite.Query",
        json!({"database_name": "x.db"}),
        "output",
        &ProcessingContext::default(),
    )
    .await
    .unwrap_err();
    assert!(error.contains("workspace"), "{error}");
}
