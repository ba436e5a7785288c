//! Test nodes and helpers shared by the integration tests and the benchmarks.
#![allow(dead_code, missing_docs)]

use nodetool::prelude::*;
use nodetool::workflows::messages::ProcessingMessage;
use nodetool::workflows::{GraphEdge, GraphNode, RunError};
use serde_json::{Map, Value};
use std::time::Duration;

/// A text parameter (Python NodeTool's test helper).
#[node(namespace = "nodetool.workflows.test_helper", role = "input")]
pub struct StringInput {
    #[input(default = "")]
    pub name: String,
    #[input(default = "")]
    pub label: String,
    #[input(default = "")]
    pub value: String,
}
impl Process for StringInput {
    type Output = String;

    async fn process(&self, _ctx: &ProcessingContext) -> Result<String> {
        Ok(self.value.clone())
    }
}

/// Renders `{{ text }}` in a template (Python NodeTool's test helper).
#[node(namespace = "nodetool.workflows.test_helper")]
pub struct FormatText {
    #[input(default = "")]
    pub template: String,
    #[input(default = "")]
    pub text: String,
}
impl Process for FormatText {
    type Output = String;

    async fn process(&self, _ctx: &ProcessingContext) -> Result<String> {
        let mut values = Map::new();
        values.insert("text".into(), Value::String(self.text.clone()));
        Ok(nodetool_std_nodes::text::render_placeholders(
            &self.template,
            &values,
        ))
    }
}

/// A string result (Python NodeTool's test helper).
#[node(
    namespace = "nodetool.workflows.test_helper",
    role = "output",
    streaming_input
)]
pub struct StringOutput {
    #[input(default = "")]
    pub name: String,
    #[input(default = "")]
    pub value: String,
}
impl Run for StringOutput {
    type Item = ();

    async fn run(
        &mut self,
        ctx: &ProcessingContext,
        inputs: &mut NodeInputs,
        _out: Emitter<'_, ()>,
    ) -> Result<()> {
        while let Some(v) = inputs.recv("value").await? {
            ctx.record_output(&self.name, v).await;
        }
        Ok(())
    }
}

/// Emits 0..count.
#[node(namespace = "test", streaming_output)]
pub struct Source {
    #[input(default = 0)]
    pub count: i64,
}
impl GenProcess for Source {
    type Item = i64;

    async fn gen_process(&self, _ctx: &ProcessingContext, mut out: Emitter<'_, i64>) -> Result<()> {
        for i in 0..self.count {
            out.emit(i).await?;
        }
        Ok(())
    }
}

/// Passes every item through, as Python's `BenchPass` does (`inputs.any()`).
#[node(namespace = "test", streaming_input)]
pub struct Pass {
    #[input(default = Value::Null)]
    pub value: Value,
}
impl Run for Pass {
    type Item = Value;

    async fn run(
        &mut self,
        _ctx: &ProcessingContext,
        inputs: &mut NodeInputs,
        mut out: Emitter<'_, Value>,
    ) -> Result<()> {
        while let Some((_, v)) = inputs.recv_any().await {
            out.emit(v).await?;
        }
        Ok(())
    }
}

/// Counts the items that stream in.
#[node(namespace = "test", streaming_input)]
pub struct Count {
    #[input(default = 0)]
    pub value: i64,
}
impl Run for Count {
    type Item = i64;

    async fn run(
        &mut self,
        _ctx: &ProcessingContext,
        inputs: &mut NodeInputs,
        mut out: Emitter<'_, i64>,
    ) -> Result<()> {
        let mut n = 0;
        while inputs.recv("value").await?.is_some() {
            n += 1;
        }
        out.emit(n).await?;
        Ok(())
    }
}

/// Formats its two inputs as "a,b": shows which values each firing saw.
#[node(namespace = "test")]
pub async fn pair(#[input(default = 0)] a: i64, #[input(default = 0)] b: i64) -> String {
    format!("{a},{b}")
}

/// Sums a list.
#[node(namespace = "test")]
pub async fn sum_list(#[input(default)] values: Vec<f64>) -> f64 {
    values.iter().sum()
}

/// Always fails.
#[node(namespace = "test")]
pub async fn fail(#[input(default = 0)] value: i64) -> Result<i64> {
    Err(format!("boom on {value}").into())
}

/// Passes values through, and panics on 3.
#[node(namespace = "test")]
pub async fn panic_on_three(#[input(default = 0)] value: i64) -> i64 {
    if value == 3 {
        panic!("three");
    }
    value
}

/// Waits `ms` milliseconds, then returns `value`.
#[node(namespace = "test")]
pub async fn sleep(#[input(default = 0)] ms: i64, #[input(default = 0)] value: i64) -> i64 {
    tokio::time::sleep(Duration::from_millis(ms.max(0) as u64)).await;
    value
}

/// Never finishes (until cancelled).
#[node(namespace = "test")]
pub async fn hang(#[input(default = 0)] value: i64) -> i64 {
    tokio::time::sleep(Duration::from_secs(3600)).await;
    value
}

/// A required input with no default.
#[node(namespace = "test")]
pub async fn needs(text: String) -> String {
    text
}

/// A graph node from JSON data.
pub fn node(id: &str, node_type: &str, data: Value) -> GraphNode {
    GraphNode::new(id, node_type, data.as_object().cloned().unwrap_or_default())
}

/// A data edge `source.sh -> target.th`, with id `source-target-th`.
pub fn edge(source: &str, sh: &str, target: &str, th: &str) -> GraphEdge {
    let mut e = GraphEdge::new(source, sh, target, th);
    e.id = Some(format!("{source}-{target}-{th}"));
    e
}

/// Runs a graph with the std nodes linked, collecting every message.
pub async fn run_collecting(
    graph: &Graph,
    params: Map<String, Value>,
) -> (
    std::result::Result<RunResult, RunError>,
    Vec<ProcessingMessage>,
) {
    nodetool_std_nodes::link();
    let runner =
        WorkflowRunner::from_graph(graph).unwrap_or_else(|e| panic!("graph should be valid: {e}"));
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let collector = tokio::spawn(async move {
        let mut all = Vec::new();
        while let Some(m) = rx.recv().await {
            all.push(m);
        }
        all
    });
    let ctx = ProcessingContext::builder()
        .workflow_id("wf")
        .messages(tx)
        .build();
    let result = tokio::time::timeout(Duration::from_secs(20), runner.run(&ctx, params))
        .await
        .expect("the run hung (20 s guard)");
    drop(ctx);
    (result, collector.await.expect("collector"))
}

/// Runs a graph without a listener.
pub async fn run(graph: &Graph) -> std::result::Result<RunResult, RunError> {
    nodetool_std_nodes::link();
    let runner =
        WorkflowRunner::from_graph(graph).unwrap_or_else(|e| panic!("graph should be valid: {e}"));
    tokio::time::timeout(
        Duration::from_secs(20),
        runner.run(&ProcessingContext::default(), Map::new()),
    )
    .await
    .expect("the run hung (20 s guard)")
}

/// The benchmarks' runtime: tokio multi-thread with 2 workers (this machine's cores).
pub fn bench_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Sends `count` run events, event `i` setting `b = i` (a controller for control edges).
#[node(namespace = "test", streaming_output)]
pub struct Trigger {
    #[input(default = 0)]
    pub count: i64,
}
impl GenProcess for Trigger {
    type Item = ();

    async fn gen_process(&self, _ctx: &ProcessingContext, mut out: Emitter<'_, ()>) -> Result<()> {
        for i in 0..self.count {
            out.control(ControlEvent::run([("b", Value::from(i))]))
                .await?;
        }
        Ok(())
    }
}
