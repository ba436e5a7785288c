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
async fn actor_004_full_streaming_items_pass_three_nodes_in_order() {
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
async fn actor_006_zip_all_pairs_streams_in_lockstep_and_drops_the_leftover() {
    let graph = two_input_graph(
        SyncMode::ZipAll,
        node("a", "test.Source", json!({"count": 3})),
        node("b", "test.Source", json!({"count": 2})),
    );
    let result = run(&graph).await.unwrap();
    assert_eq!(result.values("seen"), &[json!("0,0"), json!("1,1")]);
}

#[tokio::test]
async fn actor_007_zip_all_reuses_a_sticky_non_streaming_value() {
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
async fn actor_005_on_any_fires_once_all_have_a_value_then_on_every_arrival() {
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
async fn actor_011_several_edges_into_a_list_input_are_gathered_once() {
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
async fn runner_032_a_failing_node_fails_the_job_and_side_paths_complete() {
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
async fn runner_034_cancelling_stops_every_actor_promptly() {
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
async fn runner_033_the_message_stream_has_nodetool_shapes_and_order() {
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

// The runner scenarios of NodeTool's `E2E_TEST_SCENARIOS.md` (sections 2 and 4), named by id.

/// Formats three inputs as "a,b,c".
#[node(namespace = "test")]
pub async fn triple(
    #[input(default = 0)] a: i64,
    #[input(default = 0)] b: i64,
    #[input(default = 0)] c: i64,
) -> String {
    format!("{a},{b},{c}")
}

/// Sums a list, times a factor.
#[node(namespace = "test")]
pub async fn scaled_sum(
    #[input(default)] values: Vec<f64>,
    #[input(default = 1.0)] factor: f64,
) -> f64 {
    values.iter().sum::<f64>() * factor
}

/// How many lists it was given.
#[node(namespace = "test")]
pub async fn count_lists(#[input(default)] lists: Vec<Vec<i64>>) -> i64 {
    lists.len() as i64
}

fn completed(messages: &[ProcessingMessage], id: &str) -> usize {
    messages
        .iter()
        .filter(|m| matches!(m, ProcessingMessage::NodeUpdate(u) if &*u.node_id == id && u.status == "completed"))
        .count()
}

fn plan(graph: &Graph) -> nodetool::workflows::WorkflowPlan {
    nodetool_std_nodes::link();
    match WorkflowRunner::from_graph(graph) {
        Ok(runner) => runner.plan().clone(),
        Err(e) => panic!("graph should be valid: {e}"),
    }
}

#[tokio::test]
async fn actor_001_buffered_node_processes_once_with_gathered_inputs() {
    let graph = two_input_graph(
        SyncMode::OnAny,
        node("a", "nodetool.constant.Integer", json!({"value": 2})),
        node("b", "nodetool.constant.Integer", json!({"value": 3})),
    );
    let (result, messages) = run_collecting(&graph, Map::new()).await;
    assert_eq!(result.unwrap().values("seen"), &[json!("2,3")]);
    assert_eq!(completed(&messages, "pair"), 1);
}

#[tokio::test]
async fn actor_002_streaming_input_node_consumes_its_inbox_and_emits_once() {
    let graph = Graph {
        nodes: vec![
            node("src", "test.Source", json!({"count": 4})),
            node("cnt", "test.Count", json!({})),
            out("o", "n"),
        ],
        edges: vec![
            edge("src", "output", "cnt", "value"),
            edge("cnt", "output", "o", "value"),
        ],
    };
    let (result, messages) = run_collecting(&graph, Map::new()).await;
    assert_eq!(result.unwrap().values("n"), &[json!(4)]);
    assert_eq!(completed(&messages, "cnt"), 1);
}

#[tokio::test]
async fn actor_003_streaming_output_node_emits_every_item() {
    let graph = Graph {
        nodes: vec![
            node("src", "test.Source", json!({"count": 3})),
            node("all", "nodetool.control.Collect", json!({})),
            out("o", "items"),
        ],
        edges: vec![
            edge("src", "output", "all", "input_item"),
            edge("all", "output", "o", "value"),
        ],
    };
    assert_eq!(
        run(&graph).await.unwrap().get("items"),
        Some(&json!([0, 1, 2]))
    );
}

#[tokio::test]
async fn actor_008_on_any_fires_once_the_first_value_of_every_handle_is_there() {
    let mut t = node("t", "test.Triple", json!({}));
    t.sync_mode = SyncMode::OnAny;
    let graph = Graph {
        nodes: vec![
            node("a", "nodetool.constant.Integer", json!({"value": 1})),
            node("b", "nodetool.constant.Integer", json!({"value": 2})),
            node("c", "nodetool.constant.Integer", json!({"value": 3})),
            t,
            out("o", "seen"),
        ],
        edges: vec![
            edge("a", "output", "t", "a"),
            edge("b", "output", "t", "b"),
            edge("c", "output", "t", "c"),
            edge("t", "output", "o", "value"),
        ],
    };
    let (result, messages) = run_collecting(&graph, Map::new()).await;
    assert_eq!(result.unwrap().values("seen"), &[json!("1,2,3")]);
    assert_eq!(completed(&messages, "t"), 1);
}

#[tokio::test]
async fn actor_009_on_any_fires_again_on_every_later_arrival() {
    let mut t = node("t", "test.Triple", json!({}));
    t.sync_mode = SyncMode::OnAny;
    let graph = Graph {
        nodes: vec![
            node("a", "test.Source", json!({"count": 50})),
            node("b", "nodetool.constant.Integer", json!({"value": 2})),
            node("c", "nodetool.constant.Integer", json!({"value": 3})),
            t,
            out("o", "seen"),
        ],
        edges: vec![
            edge("a", "output", "t", "a"),
            edge("b", "output", "t", "b"),
            edge("c", "output", "t", "c"),
            edge("t", "output", "o", "value"),
        ],
    };
    let (result, messages) = run_collecting(&graph, Map::new()).await;
    let seen = result.unwrap().values("seen").to_vec();
    // After the first firing, every item of `a` fires once more: the firings see a run of
    // consecutive `a` values ending at the last one, always with b and c.
    let fired = completed(&messages, "t");
    assert!((1..=50).contains(&fired), "{fired}");
    let first = 50 - fired as i64;
    let expected: Vec<Value> = (first..50).map(|a| json!(format!("{a},2,3"))).collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn actor_012_024_a_single_list_edge_passes_the_list_through() {
    let graph = Graph {
        nodes: vec![
            node(
                "l",
                "nodetool.constant.List",
                json!({"value": [1.0, 2.0, 3.0]}),
            ),
            node("sum", "test.SumList", json!({})),
            out("o", "total"),
        ],
        edges: vec![
            edge("l", "output", "sum", "values"),
            edge("sum", "output", "o", "value"),
        ],
    };
    assert_eq!(plan(&graph).input_is_gathered("sum", "values"), Some(false));
    assert_eq!(run(&graph).await.unwrap().get("total"), Some(&json!(6.0)));
}

#[tokio::test]
async fn actor_013_023_a_gathered_list_beside_a_plain_input() {
    let graph = Graph {
        nodes: vec![
            node("x", "nodetool.constant.Float", json!({"value": 1.0})),
            node("y", "nodetool.constant.Float", json!({"value": 2.0})),
            node("f", "nodetool.constant.Float", json!({"value": 10.0})),
            node("s", "test.ScaledSum", json!({})),
            out("o", "total"),
        ],
        edges: vec![
            edge("x", "output", "s", "values"),
            edge("y", "output", "s", "values"),
            edge("f", "output", "s", "factor"),
            edge("s", "output", "o", "value"),
        ],
    };
    let plan = plan(&graph);
    assert_eq!(plan.input_is_gathered("s", "values"), Some(true));
    assert_eq!(plan.input_is_gathered("s", "factor"), Some(false));
    assert_eq!(run(&graph).await.unwrap().get("total"), Some(&json!(30.0)));
}

#[tokio::test]
async fn actor_014_gathered_lists_of_lists_keep_their_structure() {
    let graph = Graph {
        nodes: vec![
            node("l1", "nodetool.constant.List", json!({"value": [1, 2]})),
            node("l2", "nodetool.constant.List", json!({"value": [3]})),
            node("n", "test.CountLists", json!({})),
            out("o", "lists"),
        ],
        edges: vec![
            edge("l1", "output", "n", "lists"),
            edge("l2", "output", "n", "lists"),
            edge("n", "output", "o", "value"),
        ],
    };
    assert_eq!(run(&graph).await.unwrap().get("lists"), Some(&json!(2)));
}

#[tokio::test]
async fn actor_015_a_gathered_list_with_no_items_is_empty() {
    let graph = Graph {
        nodes: vec![
            node("a", "test.Source", json!({"count": 0})),
            node("b", "test.Source", json!({"count": 0})),
            node("s", "test.ScaledSum", json!({"factor": 2.0})),
            out("o", "total"),
        ],
        edges: vec![
            edge("a", "output", "s", "values"),
            edge("b", "output", "s", "values"),
            edge("s", "output", "o", "value"),
        ],
    };
    assert_eq!(run(&graph).await.unwrap().get("total"), Some(&json!(0.0)));
}

#[tokio::test]
async fn runner_001_a_valid_five_node_graph_runs_every_node() {
    let graph = Graph {
        nodes: vec![
            node("a", "nodetool.constant.Integer", json!({"value": 2})),
            node("b", "nodetool.constant.Integer", json!({"value": 5})),
            node("sum", "lib.math.Add", json!({})),
            node("sq", "lib.math.Multiply", json!({})),
            out("o", "r"),
        ],
        edges: vec![
            edge("a", "output", "sum", "a"),
            edge("b", "output", "sum", "b"),
            edge("sum", "output", "sq", "a"),
            edge("sum", "output", "sq", "b"),
            edge("sq", "output", "o", "value"),
        ],
    };
    let (result, messages) = run_collecting(&graph, Map::new()).await;
    assert_eq!(result.unwrap().get("r"), Some(&json!(49)));
    for id in ["a", "b", "sum", "sq", "o"] {
        assert_eq!(completed(&messages, id), 1, "{id}");
    }
}

fn input_graph(value: i64) -> Graph {
    Graph {
        nodes: vec![
            node(
                "in",
                "nodetool.input.IntegerInput",
                json!({"name": "input", "value": value}),
            ),
            node("cnt", "test.Count", json!({})),
            out("o", "value"),
            out("n", "count"),
        ],
        edges: vec![
            edge("in", "output", "o", "value"),
            edge("in", "output", "cnt", "value"),
            edge("cnt", "output", "n", "value"),
        ],
    }
}

#[tokio::test]
async fn runner_007_009_a_static_input_sends_its_default_once_then_ends() {
    let result = run(&input_graph(42)).await.unwrap();
    assert_eq!(result.values("value"), &[json!(42)]);
    assert_eq!(result.values("count"), &[json!(1)]);
}

#[tokio::test]
async fn runner_010_a_param_overrides_the_default() {
    let params = json!({"input": 20}).as_object().cloned().unwrap();
    let (result, _) = run_collecting(&input_graph(10), params).await;
    assert_eq!(result.unwrap().values("value"), &[json!(20)]);
}

#[tokio::test]
async fn runner_013_an_unknown_param_is_an_error_not_a_warning() {
    // NodeTool logs a warning and ignores it; a typo here would silently run with defaults.
    let params = json!({"inptu": 20}).as_object().cloned().unwrap();
    let (result, _) = run_collecting(&input_graph(10), params).await;
    match result {
        Err(RunError::UnknownParam { name, available }) => {
            assert_eq!((name.as_str(), available.as_str()), ("inptu", "input"));
        }
        other => panic!("expected UnknownParam, got {other:?}"),
    }
}

#[tokio::test]
async fn runner_015_016_017_outputs_capture_streams_in_order_and_separately() {
    let graph = Graph {
        nodes: vec![
            node("src", "test.Source", json!({"count": 3})),
            node("k", "nodetool.constant.String", json!({"value": "x"})),
            out("o1", "stream"),
            out("o2", "single"),
        ],
        edges: vec![
            edge("src", "output", "o1", "value"),
            edge("k", "output", "o2", "value"),
        ],
    };
    let result = run(&graph).await.unwrap();
    assert_eq!(result.values("stream"), &[json!(0), json!(1), json!(2)]);
    assert_eq!(result.values("single"), &[json!("x")]);
}

#[tokio::test]
async fn runner_018_a_repeated_value_is_kept_once() {
    let graph = Graph {
        nodes: vec![
            node(
                "l",
                "nodetool.control.ForEach",
                json!({"input_list": [1, 1, 2, 1]}),
            ),
            out("o", "items"),
        ],
        edges: vec![edge("l", "output", "o", "value")],
    };
    let result = run(&graph).await.unwrap();
    assert_eq!(result.values("items"), &[json!(1), json!(2), json!(1)]);
}

#[test]
fn runner_019_021_022_streams_propagate_downstream_of_streaming_nodes() {
    let graph = Graph {
        nodes: vec![
            node("s1", "test.Source", json!({"count": 3})),
            node("s2", "test.Source", json!({"count": 3})),
            node("dbl", "lib.math.Multiply", json!({"b": 2})),
            node("k", "nodetool.constant.Integer", json!({"value": 1})),
            node("p", "test.Pair", json!({})),
            node("q", "test.Pair", json!({})),
            node("r", "test.Triple", json!({})),
        ],
        edges: vec![
            edge("s1", "output", "dbl", "a"),
            edge("dbl", "output", "p", "a"),
            edge("k", "output", "p", "b"),
            edge("k", "output", "q", "a"),
            edge("k", "output", "q", "b"),
            edge("dbl", "output", "r", "a"),
            edge("s2", "output", "r", "b"),
        ],
    };
    let plan = plan(&graph);
    // Through a buffered node and on: every firing of `dbl` comes from the stream.
    assert_eq!(plan.input_is_streaming("dbl", "a"), Some(true));
    assert_eq!(plan.input_is_streaming("p", "a"), Some(true));
    assert_eq!(plan.input_is_streaming("p", "b"), Some(false));
    // No streaming source: nothing streams.
    assert_eq!(plan.input_is_streaming("q", "a"), Some(false));
    assert_eq!(plan.input_is_streaming("q", "b"), Some(false));
    // Two streaming sources converge.
    assert_eq!(plan.input_is_streaming("r", "a"), Some(true));
    assert_eq!(plan.input_is_streaming("r", "b"), Some(true));
    assert_eq!(plan.input_is_streaming("r", "nope"), None);
}

#[test]
fn runner_020_031_control_edges_carry_no_stream_and_skip_handle_checks() {
    let mut legacy = nodetool::workflows::GraphEdge::control("s", "t");
    legacy.source_handle = "__control_output__".into();
    let graph = Graph {
        nodes: vec![
            node("s", "test.Source", json!({"count": 3})),
            node("t", "lib.math.Add", json!({})),
            node("p", "test.Pair", json!({})),
        ],
        edges: vec![legacy, edge("t", "output", "p", "a")],
    };
    let plan = plan(&graph);
    assert_eq!(plan.input_is_streaming("p", "a"), Some(false));
}

#[tokio::test]
async fn a_panicking_node_fails_the_run_and_frees_its_neighbours() {
    // The source streams 500 items into a node that panics on the fourth: the source, blocked
    // on the panicked node's full inbox, must be released, and the counter downstream must
    // see the edge end; the run fails naming the node instead of hanging.
    let graph = Graph {
        nodes: vec![
            node("src", "test.Source", json!({"count": 500})),
            node("boom", "test.PanicOnThree", json!({})),
            node("cnt", "test.Count", json!({})),
            out("n", "count"),
        ],
        edges: vec![
            edge("src", "output", "boom", "value"),
            edge("boom", "output", "cnt", "value"),
            edge("cnt", "output", "n", "value"),
        ],
    };
    let runner = WorkflowRunner::from_graph(&graph)
        .expect("valid graph")
        .buffer_limit(2);
    let outcome = tokio::time::timeout(
        Duration::from_secs(10),
        runner.run(&ProcessingContext::default(), Map::new()),
    )
    .await
    .expect("the run hung after a node panicked");
    match outcome {
        Err(RunError::NodePanicked { node_id, node_type }) => {
            assert_eq!(node_id, "boom");
            assert_eq!(node_type, "test.PanicOnThree");
        }
        other => panic!("expected NodePanicked at `boom`, got {other:?}"),
    }
}
