//! The dynamic runner on the reference workloads of `../shared/peer/bench_runner.py`:
//! a chain of N `lib.math.Add`, a fan-out/fan-in of width N, and K items streamed through
//! three pass-through nodes; plus K run events from a controller through a control edge.
//! `cargo bench --bench runner`; figures are in BENCHMARKS.md.

use common::{bench_runtime, edge as edge_between, node};
use divan::{AllocProfiler, Bencher};
use nodetool::prelude::*;
use serde_json::{json, Map, Value};

// The workload nodes (Source, Pass, Count, SumList) are the integration tests' own.
#[path = "../tests/common/mod.rs"]
mod common;

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

fn main() {
    nodetool_std_nodes::link();
    divan::main();
}

fn edge(source: &str, target: &str, handle: &str) -> nodetool::workflows::GraphEdge {
    edge_between(source, "output", target, handle)
}

/// c → a0 → a1 → … → a(n-1) → out; the result is 1 + n.
pub fn chain(n: usize) -> (Graph, f64) {
    let mut g = Graph::default();
    g.nodes
        .push(node("c", "nodetool.constant.Float", json!({"value": 1.0})));
    let mut prev = "c".to_owned();
    for i in 0..n {
        let id = format!("a{i}");
        g.nodes.push(node(&id, "lib.math.Add", json!({"b": 1.0})));
        g.edges.push(edge(&prev, &id, "a"));
        prev = id;
    }
    g.nodes.push(node(
        "out",
        "nodetool.output.Output",
        json!({"name": "out"}),
    ));
    g.edges.push(edge(&prev, "out", "value"));
    (g, 1.0 + n as f64)
}

/// c → n × Add → sum → out; the result is 2n.
pub fn fanout(n: usize) -> (Graph, f64) {
    let mut g = Graph::default();
    g.nodes
        .push(node("c", "nodetool.constant.Float", json!({"value": 1.0})));
    g.nodes.push(node("sum", "test.SumList", json!({})));
    g.nodes.push(node(
        "out",
        "nodetool.output.Output",
        json!({"name": "out"}),
    ));
    g.edges.push(edge("sum", "out", "value"));
    for i in 0..n {
        let id = format!("a{i}");
        g.nodes.push(node(&id, "lib.math.Add", json!({"b": 1.0})));
        g.edges.push(edge("c", &id, "a"));
        g.edges.push(edge(&id, "sum", "values"));
    }
    (g, 2.0 * n as f64)
}

/// src(k) → p1 → p2 → p3 → count → out; the result is k.
pub fn stream(k: usize) -> (Graph, f64) {
    let mut g = Graph::default();
    g.nodes
        .push(node("src", "test.Source", json!({"count": k})));
    for p in ["p1", "p2", "p3"] {
        g.nodes.push(node(p, "test.Pass", json!({})));
    }
    g.nodes.push(node("cnt", "test.Count", json!({})));
    g.nodes.push(node(
        "out",
        "nodetool.output.Output",
        json!({"name": "out"}),
    ));
    g.edges.push(edge("src", "p1", "value"));
    g.edges.push(edge("p1", "p2", "value"));
    g.edges.push(edge("p2", "p3", "value"));
    g.edges.push(edge("p3", "cnt", "value"));
    g.edges.push(edge("cnt", "out", "value"));
    (g, k as f64)
}

/// trigger(k) controls add (run once per event) → count → out; the result is k.
pub fn controlled(k: usize) -> (Graph, f64) {
    let mut g = Graph::default();
    g.nodes
        .push(node("trigger", "test.Trigger", json!({"count": k})));
    g.nodes.push(node("add", "lib.math.Add", json!({"a": 1.0})));
    g.nodes.push(node("cnt", "test.Count", json!({})));
    g.nodes.push(node(
        "out",
        "nodetool.output.Output",
        json!({"name": "out"}),
    ));
    g.edges
        .push(nodetool::workflows::GraphEdge::control("trigger", "add"));
    g.edges.push(edge("add", "cnt", "value"));
    g.edges.push(edge("cnt", "out", "value"));
    (g, k as f64)
}

fn bench_graph(bencher: Bencher, (graph, expected): (Graph, f64), with_listener: bool) {
    let rt = bench_runtime();
    let runner = WorkflowRunner::from_graph(&graph).expect("valid bench graph");
    let check = |result: RunResult| {
        let got = result.get("out").and_then(Value::as_f64);
        assert_eq!(got, Some(expected), "wrong benchmark result");
    };
    bencher.bench_local(|| {
        rt.block_on(async {
            if with_listener {
                let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
                let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
                let ctx = ProcessingContext::builder().messages(tx).build();
                let result = runner.run(&ctx, Map::new()).await.expect("run");
                drop(ctx);
                drain.await.expect("drain");
                check(result);
            } else {
                let ctx = ProcessingContext::default();
                check(runner.run(&ctx, Map::new()).await.expect("run"));
            }
        })
    });
}

/// `n` = 0: an empty graph; 1: one constant node. What a run costs besides its nodes.
fn tiny(n: usize) -> Graph {
    let mut g = Graph::default();
    if n > 0 {
        g.nodes
            .push(node("c", "nodetool.constant.Float", json!({"value": 1.0})));
    }
    g
}

fn bench_fixed_cost(bencher: Bencher, n: usize, with_listener: bool) {
    let rt = bench_runtime();
    let runner = WorkflowRunner::from_graph(&tiny(n)).expect("valid bench graph");
    bencher.bench_local(|| {
        rt.block_on(async {
            if with_listener {
                let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
                let ctx = ProcessingContext::builder().messages(tx).build();
                let result = runner.run(&ctx, Map::new()).await.expect("run");
                drop(ctx);
                while rx.recv().await.is_some() {}
                result
            } else {
                let ctx = ProcessingContext::default();
                runner.run(&ctx, Map::new()).await.expect("run")
            }
        })
    });
}

/// The fixed cost of a run: context, job messages, task set-up (0 = empty graph, 1 = one node).
#[divan::bench(args = [0, 1], sample_count = 50)]
fn fixed_cost(bencher: Bencher, n: usize) {
    bench_fixed_cost(bencher, n, false);
}

/// The same with a listener receiving every message.
#[divan::bench(args = [0, 1], sample_count = 50)]
fn fixed_cost_with_listener(bencher: Bencher, n: usize) {
    bench_fixed_cost(bencher, n, true);
}

#[divan::bench(args = [10, 100, 1000, 10000], sample_count = 20)]
fn chain_add(bencher: Bencher, n: usize) {
    bench_graph(bencher, chain(n), false);
}

#[divan::bench(args = [10, 100, 1000, 10000], sample_count = 20)]
fn fanout_add(bencher: Bencher, n: usize) {
    bench_graph(bencher, fanout(n), false);
}

#[divan::bench(args = [1000, 100000], sample_count = 10)]
fn stream3(bencher: Bencher, k: usize) {
    bench_graph(bencher, stream(k), false);
}

#[divan::bench(args = [100, 1000], sample_count = 20)]
fn chain_add_with_messages(bencher: Bencher, n: usize) {
    bench_graph(bencher, chain(n), true);
}

#[divan::bench(args = [1000, 100000], sample_count = 10)]
fn stream3_with_messages(bencher: Bencher, k: usize) {
    bench_graph(bencher, stream(k), true);
}

#[divan::bench(args = [1000, 100000], sample_count = 10)]
fn control_events(bencher: Bencher, k: usize) {
    bench_graph(bencher, controlled(k), false);
}

/// The same chain and fan-out workloads through the Rust peer `dagrs` (0.9, the maintained
/// async DAG crate), in the same run: a node's value is an `f64` sent to its successors as
/// dagrs `Content`, each node an `Action` that adds what it receives.
mod peer_dagrs {
    use super::{bench_runtime, Bencher};
    use dagrs::async_trait::async_trait;
    use dagrs::{
        Action, Content, DefaultNode, EnvVar, InChannels, Node as _, NodeTable, OutChannels, Output,
    };
    use std::sync::Arc;

    /// Sends `base` plus the sum of every value received (a constant when nothing comes in).
    struct AddAll {
        base: f64,
    }

    #[async_trait]
    impl Action for AddAll {
        async fn run(
            &self,
            inputs: &mut InChannels,
            outputs: &mut OutChannels,
            _: Arc<EnvVar>,
        ) -> Output {
            let received = inputs
                .map(|content| {
                    content
                        .ok()
                        .and_then(|c| c.into_inner::<f64>())
                        .map_or(0.0, |v| *v)
                })
                .await;
            let value = self.base + received.iter().sum::<f64>();
            outputs.broadcast(Content::new(value)).await;
            Output::Out(Some(Content::new(value)))
        }
    }

    /// A dagrs graph of the workload and the id of the node whose result is checked.
    fn build(shape: Shape, n: usize) -> (dagrs::Graph, dagrs::NodeId) {
        let mut table = NodeTable::default();
        let mut graph = dagrs::Graph::new();
        let mut add = |name: String, base: f64, graph: &mut dagrs::Graph| {
            let node = DefaultNode::with_action(name, AddAll { base }, &mut table);
            let id = node.id();
            graph.add_node(node).expect("a new node");
            id
        };
        let source = add("c".into(), 1.0, &mut graph);
        let last = match shape {
            Shape::Chain => (0..n).fold(source, |prev, i| {
                let id = add(format!("a{i}"), 1.0, &mut graph);
                graph.add_edge(prev, [id]).expect("an edge");
                id
            }),
            Shape::FanOut => {
                let sum = add("sum".into(), 0.0, &mut graph);
                for i in 0..n {
                    let id = add(format!("a{i}"), 1.0, &mut graph);
                    graph.add_edge(source, [id]).expect("an edge");
                    graph.add_edge(id, [sum]).expect("an edge");
                }
                sum
            }
        };
        graph.set_env(EnvVar::new(table));
        (graph, last)
    }

    #[derive(Clone, Copy)]
    pub(super) enum Shape {
        Chain,
        FanOut,
    }

    /// Builds the graph once, then resets and runs it per iteration (dagrs' run, with the
    /// graph's set-up out of the measurement, as the runner's plan is).
    pub(super) fn bench(bencher: Bencher, shape: Shape, n: usize, expected: f64) {
        let rt = bench_runtime();
        let (mut graph, last) = build(shape, n);
        bencher.bench_local(|| {
            rt.block_on(async {
                graph.reset().await.expect("reset");
                graph.async_start().await.expect("a dagrs run");
                let got = graph.get_results::<f64>().get(&last).cloned().flatten();
                assert_eq!(got.as_deref(), Some(&expected), "wrong benchmark result");
            })
        });
    }
}

/// `chain_add` through dagrs.
#[divan::bench(args = [10, 100, 1000, 10000], sample_count = 20)]
fn dagrs_chain_add(bencher: Bencher, n: usize) {
    peer_dagrs::bench(bencher, peer_dagrs::Shape::Chain, n, 1.0 + n as f64);
}

/// `fanout_add` through dagrs.
#[divan::bench(args = [10, 100, 1000, 10000], sample_count = 20)]
fn dagrs_fanout_add(bencher: Bencher, n: usize) {
    peer_dagrs::bench(bencher, peer_dagrs::Shape::FanOut, n, 2.0 * n as f64);
}
