//! The runner with telemetry on, as `nodetool serve` runs it: a log subscriber installed
//! (INFO, JSON lines, secrets redacted) and the job and node metrics recorded. Compare with
//! `chain_add` of the `runner` bench (no subscriber).
//!
//! `cargo bench --bench telemetry 2>/dev/null` (each run writes its job lines to stderr);
//! `LOG_LEVEL=DEBUG` to also create the node spans, `NODETOOL_LOG_FORMAT=text` for text.

use divan::Bencher;
use nodetool::config::Environment;
use nodetool::prelude::*;
use serde_json::{json, Map, Value};

#[path = "../tests/common/mod.rs"]
mod common;

fn main() {
    nodetool_std_nodes::link();
    let mut vars: Vec<(String, String)> = std::env::vars().collect();
    for (name, default) in [("LOG_LEVEL", "INFO"), ("NODETOOL_LOG_FORMAT", "json")] {
        if !vars.iter().any(|(k, _)| k == name) {
            vars.push((name.to_owned(), default.to_owned()));
        }
    }
    // A secret to redact, as a configured server has.
    vars.push((
        "OPENAI_API_KEY".to_owned(),
        "sk-bench-not-a-real-key".to_owned(),
    ));
    let env = Environment::builder()
        .process_env(vars)
        .dotenv_dir(None)
        .settings_file(None)
        .secrets_file(None)
        .build()
        .expect("the bench's environment");
    let _telemetry = nodetool::telemetry::init(&env).expect("telemetry installs");
    // As on a server: node durations go to the histograms.
    nodetool::telemetry::metrics().enable_node_timing();
    divan::main();
}

/// c → a0 → … → a(n-1) → out, as in the runner bench.
fn chain(n: usize) -> Graph {
    let mut g = Graph::default();
    g.nodes.push(common::node(
        "c",
        "nodetool.constant.Float",
        json!({"value": 1.0}),
    ));
    let mut prev = "c".to_owned();
    for i in 0..n {
        let id = format!("a{i}");
        g.nodes
            .push(common::node(&id, "lib.math.Add", json!({"b": 1.0})));
        g.edges.push(common::edge(&prev, "output", &id, "a"));
        prev = id;
    }
    g.nodes.push(common::node(
        "out",
        "nodetool.output.Output",
        json!({"name": "out"}),
    ));
    g.edges.push(common::edge(&prev, "output", "out", "value"));
    g
}

#[divan::bench(args = [10, 100, 1000, 10000], sample_count = 20)]
fn chain_add_observed(bencher: Bencher, n: usize) {
    let rt = common::bench_runtime();
    let runner = WorkflowRunner::from_graph(&chain(n)).expect("valid bench graph");
    bencher.bench_local(|| {
        rt.block_on(async {
            let ctx = ProcessingContext::default();
            let result = runner.run(&ctx, Map::new()).await.expect("run");
            assert_eq!(
                result.get("out").and_then(Value::as_f64),
                Some(1.0 + n as f64)
            );
        })
    });
}
