//! `nodetool.data` nodes in graphs as NodeTool's examples use them: CSV text → dataframe →
//! pandas-style filter → a column as a list; a list of dicts → dataframe.

mod node_harness;

use nodetool::prelude::*;
use serde_json::json;

#[tokio::test]
async fn csv_is_filtered_and_a_column_extracted() {
    let csv = "Country Name,Country Code,Year,Value\nUnited States,USA,2019,21.4\nFrance,FRA,2019,2.7\nUnited States,USA,2020,20.9\n";
    let graph = json!({"nodes": [
        {"id": "csv", "type": "nodetool.data.ImportCSV", "data": {"csv_data": csv}},
        {"id": "f", "type": "nodetool.data.Filter", "data": {"condition": "`Country Code` == 'USA' and Year >= 2020"}},
        {"id": "col", "type": "nodetool.data.ExtractColumn", "data": {"column_name": "Value"}},
        {"id": "df", "type": "nodetool.output.Output", "data": {"name": "df"}},
        {"id": "values", "type": "nodetool.output.Output", "data": {"name": "values"}}],
      "edges": [
        {"source": "csv", "sourceHandle": "output", "target": "f", "targetHandle": "df"},
        {"source": "f", "sourceHandle": "output", "target": "col", "targetHandle": "dataframe"},
        {"source": "f", "sourceHandle": "output", "target": "df", "targetHandle": "value"},
        {"source": "col", "sourceHandle": "output", "target": "values", "targetHandle": "value"}]});
    let result = node_harness::run_graph(graph, &ProcessingContext::default())
        .await
        .unwrap();
    let df = result.get("df").unwrap();
    assert_eq!(df["type"], "dataframe");
    assert_eq!(df["data"], json!([["United States", "USA", 2020, 20.9]]));
    let types: Vec<&str> = df["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["data_type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["object", "object", "int", "float"]);
    assert_eq!(result.get("values"), Some(&json!([20.9])));
}

#[tokio::test]
async fn lists_of_dicts_become_dataframes_and_bad_input_is_named() {
    let df = node_harness::ok(
        "nodetool.data.FromList",
        json!({"values": [{"url": "a", "title": "Paper"}, {"title": "Other", "n": {"value": 3}}]}),
    )
    .await;
    assert_eq!(
        df["data"],
        json!([["a", "Paper", null], [null, "Other", 3]])
    );
    let err = node_harness::err("nodetool.data.FromList", json!({"values": [1]})).await;
    assert!(err.contains("List must contain dicts"), "{err}");
    let err = node_harness::err(
        "nodetool.data.Filter",
        json!({"df": {"type": "dataframe", "columns": [{"name": "a", "data_type": "int"}], "data": [[1]]}, "condition": "b > 1"}),
    )
    .await;
    assert!(err.contains("'b' is not defined"), "{err}");
}
