//! The runner's semantics: streams, sync modes, list inputs, failures, cancellation, messages.

mod common;

use common::*;
use nodetool::prelude::*;
use nodetool::workflows::messages::ProcessingMessage;
use nodetool::workflows::{RunError, SyncMode};
use serde_json::{json, Map, Value};
use std::time::Duration;

fn out(id: &str, name: &str) -> nodetool::workflows::GraphNode {
    node(id, "nodetool.output.Output", json!({ "name": name }))
}

#[tokio::test]
async fn items_stream_through_three_pass_through_nodes_in_order() {
    let graph = Graph {
        nodes: vec![
            node("src", "test.Source", json!({"count": 500})),
            node("p1", "test.Pass", json!({})),
            node("p2", "test.Pass", json!({})),
            node("p3", "test.Pass", json!({})),
            node("col", "nodetool.control.Collect", json!({})),
            node("cnt", "test.Count", json!({})),
            out("o", "items"),
            out("n", "count"),
        ],
        edges: vec![
            edge("src", "output", "p1", "value"),
            edge("p1", "output", "p2", "value"),
            edge("p2", "output", "p3", "value"),
            edge("p3", "output", "col", "input_item"),
            edge("p3", "output", "cnt", "value"),
            edge("col", "output", "o", "value"),
            edge("cnt", "output", "n", "value"),
        ],
    };
    let result = run(&graph).await.unwrap();
    let expected: Vec<i64> = (0..500).collect();
    assert_eq!(result.get("items"), Some(&json!(expected)));
    assert_eq!(result.get("count"), Some(&json!(500)));
}

#[tokio::test]
async fn a_tiny_buffer_still_delivers_everything() {
    nodetool_std_nodes::link();
    let graph = Graph {
        nodes: vec![
            node("src", "test.Source", json!({"count": 300})),
            node("p", "test.Pass", json!({})),
            node("cnt", "test.Count", json!({})),
            out("n", "count"),
        ],
        edges: vec![
            edge("src", "output", "p", "value"),
            edge("p", "output", "cnt", "value"),
            edge("cnt", "output", "n", "value"),
        ],
    };
    let runner = WorkflowRunner::from_graph(&graph).unwrap().buffer_limit(1);
    let result = tokio::time::timeout(
        Duration::from_secs(20),
        runner.run(&ProcessingContext::default(), Map::new()),
    )
    .await
    .expect("hang guard")
    .unwrap();
    assert_eq!(result.get("count"), Some(&json!(300)));
}

fn two_input_graph(
    sync_mode: SyncMode,
    a: nodetool::workflows::GraphNode,
    b: nodetool::workflows::GraphNode,
) -> Graph {
    let mut pair = node("pair", "test.Pair", json!({}));
    pair.sync_mode = sync_mode;
    Graph {
        nodes: vec![a, b, pair, out("o", "seen")],
        edges: vec![
            edge("a", "output", "pair", "a"),
            edge("b", "output", "pair", "b"),
            edge("pair", "output", "o", "value"),
        ],
    }
}

#[tokio::test]
async fn zip_all_pairs_streams_in_lockstep_and_drops_the_leftover() {
    let graph = two_input_graph(
        SyncMode::ZipAll,
        node("a", "test.Source", json!({"count": 3})),
        node("b", "test.Source", json!({"count": 2})),
    );
    let result = run(&graph).await.unwrap();
    assert_eq!(result.values("seen"), &[json!("0,0"), json!("1,1")]);
}

#[tokio::test]
async fn zip_all_reuses_a_sticky_non_streaming_value() {
    let graph = two_input_graph(
        SyncMode::ZipAll,
        node("a", "test.Source", json!({"count": 3})),
        node("b", "nodetool.constant.Integer", json!({"value": 7})),
    );
    let result = run(&graph).await.unwrap();
    assert_eq!(
        result.values("seen"),
        &[json!("0,7"), json!("1,7"), json!("2,7")]
    );
}

#[tokio::test]
async fn on_any_fires_once_all_have_a_value_then_on_every_arrival() {
    let graph = two_input_graph(
        SyncMode::OnAny,
        node("a", "nodetool.constant.Integer", json!({"value": 7})),
        node("b", "test.Source", json!({"count": 3})),
    );
    let result = run(&graph).await.unwrap();
    let seen = result.values("seen");
    // Every firing sees a = 7 and the latest b; b's items arrive in order.
    assert_eq!(seen.last(), Some(&json!("7,2")));
    assert!(
        seen.iter()
            .all(|v| v.as_str().is_some_and(|s| s.starts_with("7,"))),
        "{seen:?}"
    );
    assert!(!seen.is_empty() && seen.len() <= 3, "{seen:?}");
}

#[tokio::test]
async fn on_any_never_fires_when_a_handle_ends_empty() {
    let graph = two_input_graph(
        SyncMode::OnAny,
        node("a", "test.Source", json!({"count": 0})),
        node("b", "nodetool.constant.Integer", json!({"value": 1})),
    );
    let result = run(&graph).await.unwrap();
    // The output node got nothing, so it reports its own (null) value, as NodeTool does.
    assert_eq!(result.values("seen"), &[Value::Null]);
}

#[tokio::test]
async fn several_edges_into_a_list_input_are_gathered_once() {
    let graph = Graph {
        nodes: vec![
            node("x", "nodetool.constant.Float", json!({"value": 10.0})),
            node("y", "nodetool.constant.Float", json!({"value": 20.0})),
            node("z", "nodetool.constant.Float", json!({"value": 30.0})),
            node("sum", "test.SumList", json!({})),
            out("o", "total"),
        ],
        edges: vec![
            edge("x", "output", "sum", "values"),
            edge("y", "output", "sum", "values"),
            edge("z", "output", "sum", "values"),
            edge("sum", "output", "o", "value"),
        ],
    };
    let result = run(&graph).await.unwrap();
    assert_eq!(result.values("total"), &[json!(60.0)]);
}

#[tokio::test]
async fn a_stream_into_a_list_input_is_collected() {
    let graph = Graph {
        nodes: vec![
            node("src", "test.Source", json!({"count": 5})),
            node("sum", "test.SumList", json!({})),
            out("o", "total"),
        ],
        edges: vec![
            edge("src", "output", "sum", "values"),
            edge("sum", "output", "o", "value"),
        ],
    };
    assert_eq!(run(&graph).await.unwrap().get("total"), Some(&json!(10.0)));
}

#[tokio::test]
async fn a_failing_node_fails_the_job_without_hanging_and_side_paths_complete() {
    let graph = Graph {
        nodes: vec![
            node("c", "nodetool.constant.Integer", json!({"value": 4})),
            node("bad", "test.Fail", json!({})),
            node("after", "test.Pass", json!({})),
            out("o1", "broken"),
            node("side", "lib.math.Add", json!({"b": 1})),
            out("o2", "side"),
        ],
        edges: vec![
            edge("c", "output", "bad", "value"),
            edge("bad", "output", "after", "value"),
            edge("after", "output", "o1", "value"),
            edge("c", "output", "side", "a"),
            edge("side", "output", "o2", "value"),
        ],
    };
    let (result, messages) = run_collecting(&graph, Map::new()).await;
    match result {
        Err(RunError::NodeFailed { node_id, error, .. }) => {
            assert_eq!(node_id, "bad");
            assert_eq!(error.to_string(), "boom on 4");
        }
        other => panic!("expected the run to fail at `bad`, got {other:?}"),
    }
    let error_update = messages.iter().find_map(|m| match m {
        ProcessingMessage::NodeUpdate(u) if u.status == "error" => Some(u),
        _ => None,
    });
    assert_eq!(error_update.map(|u| &*u.node_id), Some("bad"));
    let side_output = messages
        .iter()
        .any(|m| matches!(m, ProcessingMessage::OutputUpdate(o) if &*o.output_name == "side" && o.value == json!(5)));
    assert!(
        side_output,
        "the independent path should still deliver its output"
    );
    match messages.last() {
        Some(ProcessingMessage::JobUpdate(u)) => {
            assert_eq!(u.status, "failed");
            assert!(u.error.as_deref().is_some_and(|e| e.contains("boom on 4")));
        }
        other => panic!("the last message should be the failed job_update, got {other:?}"),
    }
}

#[tokio::test]
async fn cancelling_stops_every_actor_promptly() {
    nodetool_std_nodes::link();
    let graph = Graph {
        nodes: vec![
            node("src", "test.Source", json!({"count": 1_000_000_000i64})),
            node("p", "test.Pass", json!({})),
            node("h", "test.Hang", json!({})),
            out("o", "x"),
        ],
        edges: vec![
            edge("src", "output", "p", "value"),
            edge("h", "output", "o", "value"),
        ],
    };
    let token = nodetool::workflows::CancellationToken::new();
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let ctx = ProcessingContext::builder()
        .cancellation(token.clone())
        .messages(tx)
        .build();
    let runner = WorkflowRunner::from_graph(&graph).unwrap();
    let canceller = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        token.cancel();
    });
    let drain = tokio::spawn(async move {
        let mut last = None;
        while let Some(m) = rx.recv().await {
            last = Some(m);
        }
        last
    });
    let result = tokio::time::timeout(Duration::from_secs(5), runner.run(&ctx, Map::new()))
        .await
        .expect("cancellation must end the run promptly");
    assert!(matches!(result, Err(RunError::Cancelled)), "{result:?}");
    canceller.await.unwrap();
    drop(ctx);
    match drain.await.unwrap() {
        Some(ProcessingMessage::JobUpdate(u)) => assert_eq!(u.status, "cancelled"),
        other => panic!("the last message should be job_update cancelled, got {other:?}"),
    }
}

#[tokio::test]
async fn the_message_stream_has_nodetool_shapes_and_order() {
    let graph = Graph {
        nodes: vec![
            node("a", "nodetool.constant.Integer", json!({"value": 2})),
            node("add", "lib.math.Add", json!({"b": 3})),
            out("o", "sum"),
        ],
        edges: vec![
            edge("a", "output", "add", "a"),
            edge("add", "output", "o", "value"),
        ],
    };
    let (result, messages) = run_collecting(&graph, Map::new()).await;
    assert_eq!(result.unwrap().get("sum"), Some(&json!(5)));
    let json: Vec<Value> = messages
        .iter()
        .map(|m| serde_json::to_value(m).unwrap())
        .collect();
    assert_eq!(
        json.first().map(|m| m["type"].clone()),
        Some(json!("job_update"))
    );
    assert_eq!(json[0]["status"], "running");
    let last = json.last().unwrap();
    assert_eq!(
        (last["type"].as_str(), last["status"].as_str()),
        (Some("job_update"), Some("completed"))
    );
    assert_eq!(last["result"], json!({"sum": [5]}));
    let add_updates: Vec<&str> = json
        .iter()
        .filter(|m| m["type"] == "node_update" && m["node_id"] == "add")
        .filter_map(|m| m["status"].as_str())
        .collect();
    assert_eq!(add_updates, ["running", "completed"]);
    let completed = json
        .iter()
        .find(|m| m["type"] == "node_update" && m["node_id"] == "add" && m["status"] == "completed")
        .unwrap();
    assert_eq!(completed["result"], json!({"output": 5}));
    assert_eq!(completed["node_type"], "lib.math.Add");
    assert!(json.iter().any(|m| m["type"] == "edge_update"
        && m["edge_id"] == "a-add-a"
        && m["status"] == "message_sent"
        && m["counter"] == 1));
    assert!(json.iter().any(|m| m["type"] == "edge_update"
        && m["edge_id"] == "a-add-a"
        && m["status"] == "drained"));
    let output = json.iter().find(|m| m["type"] == "output_update").unwrap();
    assert_eq!(
        (
            output["output_name"].as_str(),
            output["output_type"].as_str()
        ),
        (Some("sum"), Some("int"))
    );
    assert_eq!(output["workflow_id"], "wf");
}
