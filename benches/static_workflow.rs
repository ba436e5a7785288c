//! `workflow!` executors on the runner benchmark's workloads (a chain of N `lib.math.Add`, a
//! fan-out/fan-in of width N, K items streamed through three pass-through nodes), each next to
//! the dynamic runner on the workflow's own exported graph (`Engine::Dynamic`).
//! `cargo bench --bench static_workflow`; figures are in BENCHMARKS.md.

use common::{Source, SumList};
use divan::{AllocProfiler, Bencher};
use nodetool::__private::RunState;
use nodetool::prelude::*;
use nodetool::workflows::{EdgeInto, RunError, StaticWorkflow};
use nodetool_std_nodes::{constant, input, math};
use serde_json::{json, Map, Value};
use std::future::Future;
use std::sync::Arc;

#[path = "../tests/common/mod.rs"]
mod common;

include!("generated/static_workflows.rs");

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

fn main() {
    nodetool_std_nodes::link();
    divan::main();
}

/// Which engine runs the workload.
#[derive(Debug, Clone, Copy)]
enum Engine {
    /// The `workflow!` executor.
    Static,
    /// `WorkflowRunner` on `to_graph()`.
    Dynamic,
}

/// Runs `wf` (or its exported graph) once per iteration and checks the result.
fn bench<T, F, Fut, R>(
    bencher: Bencher,
    engine: Engine,
    wf: &StaticWorkflow<T, F>,
    params: Map<String, Value>,
    result_of: impl Fn(&R) -> f64,
    expected: f64,
) where
    F: Fn(Arc<T>, RunState) -> Fut,
    Fut: Future<Output = Result<R, RunError>>,
{
    let rt = common::bench_runtime();
    let ctx = ProcessingContext::default();
    match engine {
        Engine::Static => bencher.bench_local(|| {
            let result = rt
                .block_on(wf.run_with_params(&ctx, params.clone()))
                .expect("run");
            assert_eq!(result_of(&result), expected, "wrong benchmark result");
        }),
        Engine::Dynamic => {
            let runner = wf.to_runner().expect("valid graph");
            bencher.bench_local(|| {
                let result = rt.block_on(runner.run(&ctx, params.clone())).expect("run");
                let got = result.get("out").and_then(Value::as_f64);
                assert_eq!(got, Some(expected), "wrong benchmark result");
            })
        }
    }
}

/// Passes an item through (a typed, buffered pass-through: it fires once per item).
#[node(namespace = "bench")]
pub async fn pass_int(#[input(default = 0)] value: i64) -> i64 {
    value
}

/// How many items were gathered.
#[node(namespace = "bench")]
pub async fn count_items(#[input(default)] values: Vec<i64>) -> i64 {
    values.len() as i64
}

/// src(k) → p1 → p2 → p3 → gathered count → out; the result is k.
#[divan::bench(args = [Engine::Static, Engine::Dynamic], consts = [1000, 100000], sample_count = 10)]
fn stream3<const K: i64>(bencher: Bencher, engine: Engine) {
    let wf = workflow! {
        k = input::IntegerInput { name: "k", value: 0 };
        src = Source { count: k.output };
        p1 = PassInt { value: src.output };
        p2 = PassInt { value: p1.output };
        p3 = PassInt { value: p2.output };
        cnt = CountItems { values: [p3.output] };
        Output { name: "out", value: cnt.output };
    };
    let mut params = Map::new();
    params.insert("k".into(), json!(K));
    bench(bencher, engine, &wf, params, |r| r.out as f64, K as f64);
}
