//! Run chains: nodes that fire once in a row run in turn inside one future; what they do is
//! what they did as separate actors (results, failures, panics, messages, cancellation).

mod common;

use common::*;
use nodetool::prelude::*;
use nodetool::workflows::messages::ProcessingMessage;
use nodetool::workflows::{GraphEdge, GraphNode, RunError};
use serde_json::{json, Map, Value};
use std::time::Duration;

fn out(id: &str, name: &str) -> GraphNode {
    node(id, "nodetool.output.Output", json!({ "name": name }))
}

fn add(id: &str, b: f64) -> GraphNode {
    node(id, "lib.math.Add", json!({ "b": b }))
}

fn chains(graph: &Graph) -> Vec<Vec<String>> {
    nodetool_std_nodes::link();
    let runner =
        WorkflowRunner::from_graph(graph).unwrap_or_else(|e| panic!("graph should be valid: {e}"));
    runner
        .plan()
        .run_chains()
        .into_iter()
        .map(|chain| chain.into_iter().map(str::to_owned).collect())
        .collect()
}

/// c(1) → a0 … a(n-1) (each +1) → out.
fn add_chain(n: usize) -> Graph {
    let mut g = Graph::default();
    g.nodes
        .push(node("c", "nodetool.constant.Float", json!({"value": 1.0})));
    let mut prev = "c".to_owned();
    for i in 0..n {
        let id = format!("a{i}");
        g.nodes.push(add(&id, 1.0));
        g.edges.push(edge(&prev, "output", &id, "a"));
        prev = id;
    }
    g.nodes.push(out("out", "out"));
    g.edges.push(edge(&prev, "output", "out", "value"));
    g
}

#[test]
fn a_chain_of_single_firings_is_one_chain() {
    // The output node reads its inputs itself (it records every value): a chain of its own.
    assert_eq!(
        chains(&add_chain(2)),
        vec![vec!["c", "a0", "a1"], vec!["out"]]
    );
}

#[test]
fn a_fan_out_fuses_one_branch_and_a_fan_in_none() {
    let graph = Graph {
        nodes: vec![
            node("c", "nodetool.constant.Float", json!({"value": 1.0})),
            add("l", 1.0),
            add("r", 2.0),
            node("join", "lib.math.Add", json!({})),
        ],
        edges: vec![
            edge("c", "output", "l", "a"),
            edge("c", "output", "r", "a"),
            edge("l", "output", "join", "a"),
            edge("r", "output", "join", "b"),
        ],
    };
    assert_eq!(
        chains(&graph),
        vec![vec!["c", "l"], vec!["r"], vec!["join"]]
    );
}

#[test]
fn two_edges_from_one_node_fuse() {
    let graph = Graph {
        nodes: vec![
            node("c", "nodetool.constant.Float", json!({"value": 2.0})),
            node("twice", "lib.math.Add", json!({})),
        ],
        edges: vec![
            edge("c", "output", "twice", "a"),
            edge("c", "output", "twice", "b"),
        ],
    };
    assert_eq!(chains(&graph), [["c", "twice"]]);
}

#[test]
fn nothing_at_or_downstream_of_a_stream_or_a_controlled_node_is_fused() {
    let streamed = Graph {
        nodes: vec![
            node("src", "test.Source", json!({"count": 3})),
            node("p", "test.Pass", json!({})),
            node("cnt", "test.Count", json!({})),
            out("o", "n"),
        ],
        edges: vec![
            edge("src", "output", "p", "value"),
            edge("p", "output", "cnt", "value"),
            edge("cnt", "output", "o", "value"),
        ],
    };
    assert_eq!(
        chains(&streamed),
        vec![vec!["src"], vec!["p"], vec!["cnt"], vec!["o"]]
    );
    let controlled = Graph {
        nodes: vec![
            node("trigger", "test.Trigger", json!({"count": 2})),
            node("x", "lib.math.Add", json!({"a": 1.0})),
            add("y", 1.0),
            out("o", "y"),
        ],
        edges: vec![
            GraphEdge::control("trigger", "x"),
            edge("x", "output", "y", "a"),
            edge("y", "output", "o", "value"),
        ],
    };
    assert_eq!(
        chains(&controlled),
        vec![vec!["trigger"], vec!["x"], vec!["y"], vec!["o"]]
    );
}

#[tokio::test]
async fn a_long_chain_computes_its_result_and_reports_every_node_in_order() {
    let graph = add_chain(300);
    let (result, messages) = run_collecting(&graph, Map::new()).await;
    assert_eq!(
        result.expect("the run").get("out").and_then(Value::as_f64),
        Some(301.0)
    );
    // Each node runs once, after the node before it has completed.
    let completed: Vec<&str> = messages
        .iter()
        .filter_map(|m| match m {
            ProcessingMessage::NodeUpdate(u) if u.status == "completed" => Some(&*u.node_id),
            _ => None,
        })
        .collect();
    let expected: Vec<String> = std::iter::once("c".to_owned())
        .chain((0..300).map(|i| format!("a{i}")))
        .chain(std::iter::once("out".to_owned()))
        .collect();
    assert_eq!(completed, expected);
}

#[tokio::test]
async fn a_failure_mid_chain_names_the_node_and_nothing_after_it_fires() {
    let graph = Graph {
        nodes: vec![
            node("c", "nodetool.constant.Integer", json!({"value": 7})),
            node("bad", "test.Fail", json!({})),
            node("after", "test.PanicOnThree", json!({})),
            out("o", "o"),
        ],
        edges: vec![
            edge("c", "output", "bad", "value"),
            edge("bad", "output", "after", "value"),
            edge("after", "output", "o", "value"),
        ],
    };
    assert_eq!(chains(&graph)[0], ["c", "bad", "after"]);
    let (result, messages) = run_collecting(&graph, Map::new()).await;
    match result {
        Err(RunError::NodeFailed { node_id, error, .. }) => {
            assert_eq!(node_id, "bad");
            assert!(error.to_string().contains("boom on 7"), "{error}");
        }
        other => panic!("expected NodeFailed at `bad`, got {other:?}"),
    }
    let ran = |id: &str| {
        messages.iter().any(
            |m| matches!(m, ProcessingMessage::NodeUpdate(u) if &*u.node_id == id && u.status == "running"),
        )
    };
    assert!(ran("bad"));
    assert!(!ran("after"), "the node after the failure fired");
}

#[tokio::test]
async fn a_panic_mid_chain_names_the_node_and_the_rest_of_the_graph_finishes() {
    // `boom` panics inside the chain c → boom; the other branch still runs to its output.
    let graph = Graph {
        nodes: vec![
            node("c", "nodetool.constant.Integer", json!({"value": 3})),
            node("boom", "test.PanicOnThree", json!({})),
            out("o", "o"),
            node("side", "test.Pass", json!({})),
            out("s", "side"),
        ],
        edges: vec![
            edge("c", "output", "boom", "value"),
            edge("boom", "output", "o", "value"),
            edge("c", "output", "side", "value"),
            edge("side", "output", "s", "value"),
        ],
    };
    assert_eq!(chains(&graph)[0], ["c", "boom"]);
    let (result, messages) = run_collecting(&graph, Map::new()).await;
    match result {
        Err(RunError::NodePanicked { node_id, node_type }) => {
            assert_eq!(node_id, "boom");
            assert_eq!(node_type, "test.PanicOnThree");
        }
        other => panic!("expected NodePanicked at `boom`, got {other:?}"),
    }
    let side_out = messages.iter().any(|m| {
        matches!(m, ProcessingMessage::OutputUpdate(u) if &*u.output_name == "side" && u.value == json!(3))
    });
    assert!(side_out, "the branch beside the panic did not finish");
}

#[tokio::test]
async fn cancelling_inside_a_chain_ends_the_run() {
    let graph = Graph {
        nodes: vec![
            node("c", "nodetool.constant.Integer", json!({"value": 1})),
            node("wait", "test.Hang", json!({})),
            out("o", "o"),
        ],
        edges: vec![
            edge("c", "output", "wait", "value"),
            edge("wait", "output", "o", "value"),
        ],
    };
    assert_eq!(chains(&graph)[0], ["c", "wait"]);
    nodetool_std_nodes::link();
    let runner = WorkflowRunner::from_graph(&graph).expect("valid graph");
    let ctx = ProcessingContext::default();
    let cancel = ctx.cancellation_token().clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        cancel.cancel();
    });
    let outcome = tokio::time::timeout(Duration::from_secs(10), runner.run(&ctx, Map::new()))
        .await
        .expect("the cancelled run hung");
    assert!(matches!(outcome, Err(RunError::Cancelled)), "{outcome:?}");
}
