//! `workflow!`: typed runs, parameters, streaming, fan-out/fan-in, gathered lists, failures,
//! panics, cancellation, the message stream, and the same results from the dynamic runner on
//! the exported graph.

mod common;

use common::{Fail, Hang, Pair, SumList};
use nodetool::prelude::*;
use nodetool::workflows::messages::ProcessingMessage;
use nodetool::workflows::{CancellationToken, RunError};
use nodetool_std_nodes::{constant, control, input, list, math, text};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// Counts words.
#[node(namespace = "test.wf")]
pub async fn word_count(#[input(default = "")] text: String) -> i64 {
    text.split_whitespace().count() as i64
}

/// Doubles.
#[node(namespace = "test.wf")]
pub async fn double(#[input(default = 0)] x: i64) -> i64 {
    x * 2
}

/// Squares.
#[node(namespace = "test.wf")]
pub async fn square(#[input(default = 0)] x: i64) -> i64 {
    x * x
}

/// Panics.
#[node(namespace = "test.wf")]
pub async fn explode(#[input(default = 0)] x: i64) -> i64 {
    if x >= 0 {
        panic!("explode was asked to panic");
    }
    x
}

/// The dynamic runner's result for the workflow's exported graph.
async fn dynamic_result(graph: &Graph, params: Map<String, Value>) -> RunResult {
    nodetool_std_nodes::link();
    WorkflowRunner::from_graph(graph)
        .unwrap_or_else(|e| panic!("the exported graph should validate: {e}"))
        .run(&ProcessingContext::default(), params)
        .await
        .unwrap_or_else(|e| panic!("the exported graph should run: {e}"))
}

#[tokio::test]
async fn runs_a_chain_with_typed_results() {
    let wf = workflow! {
        words = constant::String { value: "hello static world" };
        upper = text::ToUppercase { text: words.output };
        count = WordCount { text: upper.output };
        Output { name: "shout", value: upper.output };
        Output { name: "words", value: count.output };
    };
    let result = wf.run(&ProcessingContext::default()).await.unwrap();
    assert_eq!(result.shout, "HELLO STATIC WORLD");
    let words: i64 = result.words;
    assert_eq!(words, 3);
    let dynamic = dynamic_result(&wf.to_graph(), Map::new()).await;
    assert_eq!(dynamic.to_json(), result.to_json());
}

#[tokio::test]
async fn a_workflow_runs_many_times_and_its_future_can_be_spawned() {
    let wf = workflow! {
        a = constant::Integer { value: 2 };
        d = Double { x: a.output };
        Output { name: "out", value: d.output };
    };
    let ctx = ProcessingContext::default();
    let handle = tokio::spawn(wf.run(&ctx));
    assert_eq!(handle.await.unwrap().unwrap().out, 4);
    for _ in 0..3 {
        assert_eq!(wf.run(&ctx).await.unwrap().out, 4);
    }
}

#[tokio::test]
async fn fans_out_and_in_with_conversions_between_types() {
    let wf = workflow! {
        a = constant::Integer { value: 3 };
        twice = Double { x: a.output };
        squared = Square { x: a.output };
        sum = math::Add { a: twice.output, b: squared.output };
        pair = Pair { a: twice.output, b: squared.output };
        Output { name: "sum", value: sum.output };
        Output { name: "pair", value: pair.output };
    };
    let result = wf.run(&ProcessingContext::default()).await.unwrap();
    assert_eq!(result.sum.as_f64(), 15.0);
    assert_eq!(result.pair, "6,9");
    let dynamic = dynamic_result(&wf.to_graph(), Map::new()).await;
    assert_eq!(dynamic.to_json(), result.to_json());
}

#[tokio::test]
async fn streams_through_transforms_into_a_collector() {
    let wf = workflow! {
        numbers = list::GenerateSequence { start: 0, stop: 5 };
        doubled = Double { x: numbers.output };
        collected = control::Collect { input_item: doubled.output };
        joined = text::Collect { input_item: upper_texts.output, separator: "-" };
        texts = control::ForEach { input_list: vec![json!("a"), json!("b")] };
        to_text = text::Concat { a: "", b: "x" };
        upper_texts = text::ToUppercase { text: to_text.output };
        Output { name: "items", value: collected.output };
        Output { name: "joined", value: joined.output };
        Output { name: "last_index", value: texts.outputs.index };
    };
    let result = wf.run(&ProcessingContext::default()).await.unwrap();
    assert_eq!(
        result.items,
        vec![json!(0), json!(2), json!(4), json!(6), json!(8)]
    );
    assert_eq!(result.joined, "X");
    assert_eq!(result.last_index, 1);
    let dynamic = dynamic_result(&wf.to_graph(), Map::new()).await;
    assert_eq!(dynamic.get("items"), Some(&json!([0, 2, 4, 6, 8])));
    assert_eq!(dynamic.get("joined"), Some(&json!("X")));
    assert_eq!(dynamic.get("last_index"), Some(&json!(1)));
}

#[tokio::test]
async fn gathers_edges_and_streams_into_list_inputs() {
    let wf = workflow! {
        a = constant::Integer { value: 1 };
        b = constant::Float { value: 2.5 };
        seq = list::GenerateSequence { start: 1, stop: 4 };
        of_three = SumList { values: [a.output, b.output, a.output] };
        of_stream = SumList { values: [seq.output] };
        Output { name: "three", value: of_three.output };
        Output { name: "stream", value: of_stream.output };
    };
    let result = wf.run(&ProcessingContext::default()).await.unwrap();
    assert_eq!(result.three, 4.5);
    assert_eq!(result.stream, 6.0);
    let dynamic = dynamic_result(&wf.to_graph(), Map::new()).await;
    assert_eq!(dynamic.to_json(), result.to_json());
}

#[tokio::test]
async fn takes_parameters_by_input_name() {
    let wf = workflow! {
        who = input::StringInput { name: "who", value: "world" };
        greeting = text::Concat { a: "hello ", b: who.output };
        Output { name: "greeting", value: greeting.output };
    };
    let ctx = ProcessingContext::default();
    assert_eq!(wf.run(&ctx).await.unwrap().greeting, "hello world");
    let mut params = Map::new();
    params.insert("who".into(), json!("Ada"));
    let result = wf.run_with_params(&ctx, params.clone()).await.unwrap();
    assert_eq!(result.greeting, "hello Ada");
    let dynamic = dynamic_result(&wf.to_graph(), params).await;
    assert_eq!(dynamic.to_json(), result.to_json());

    let mut unknown = Map::new();
    unknown.insert("whom".into(), json!("x"));
    match wf.run_with_params(&ctx, unknown).await {
        Err(RunError::UnknownParam { name, available }) => {
            assert_eq!(name, "whom");
            assert_eq!(available, "who");
        }
        other => panic!("expected UnknownParam, got {other:?}"),
    }
    let mut wrong = Map::new();
    wrong.insert("who".into(), json!(5));
    match wf.run_with_params(&ctx, wrong).await {
        Err(RunError::InvalidParam { name, node_id, .. }) => {
            assert_eq!((name.as_str(), node_id.as_str()), ("who", "who"));
        }
        other => panic!("expected InvalidParam, got {other:?}"),
    }
}

#[tokio::test]
async fn a_failing_node_stops_what_depends_on_it_and_fails_the_run() {
    let wf = workflow! {
        a = constant::Integer { value: 7 };
        bad = Fail { value: a.output };
        after = Double { x: bad.output };
        fine = Double { x: a.output };
        Output { name: "after", value: after.output };
        Output { name: "fine", value: fine.output };
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel(256);
    let ctx = ProcessingContext::builder().messages(tx).build();
    let error = wf.run(&ctx).await.unwrap_err();
    drop(ctx);
    match &error {
        RunError::NodeFailed {
            node_id,
            node_type,
            error,
        } => {
            assert_eq!(node_id, "bad");
            assert_eq!(node_type, "test.Fail");
            assert!(error.to_string().contains("boom on 7"), "{error}");
        }
        other => panic!("expected NodeFailed, got {other:?}"),
    }
    let mut fine_completed = false;
    let mut after_ran = false;
    while let Some(m) = rx.recv().await {
        if let ProcessingMessage::NodeUpdate(u) = m {
            fine_completed |= &*u.node_id == "fine" && u.status == "completed";
            after_ran |= &*u.node_id == "after";
        }
    }
    assert!(fine_completed, "the independent branch should complete");
    assert!(!after_ran, "the node after the failure should not run");
}

#[tokio::test]
async fn a_panicking_node_fails_the_run_without_unwinding_into_the_caller() {
    let wf = workflow! {
        boom = Explode { x: 1 };
        Output { name: "out", value: boom.output };
    };
    match wf.run(&ProcessingContext::default()).await {
        Err(RunError::NodePanicked { node_id, .. }) => assert_eq!(node_id, "boom"),
        other => panic!("expected NodePanicked, got {other:?}"),
    }
}

#[tokio::test]
async fn cancellation_stops_a_hanging_run() {
    let wf = workflow! {
        a = constant::Integer { value: 1 };
        stuck = Hang { value: a.output };
        Output { name: "out", value: stuck.output };
    };
    let token = CancellationToken::new();
    let ctx = ProcessingContext::builder()
        .cancellation(token.clone())
        .build();
    let canceller = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        token.cancel();
    });
    let result = tokio::time::timeout(Duration::from_secs(10), wf.run(&ctx))
        .await
        .expect("a cancelled run should end promptly");
    assert!(matches!(result, Err(RunError::Cancelled)), "{result:?}");
    canceller.await.unwrap();
}

/// (type, node or edge id, status) of every message, counted.
fn message_kinds(messages: &[ProcessingMessage]) -> BTreeMap<(String, String, String), usize> {
    let mut kinds = BTreeMap::new();
    for m in messages {
        let key = match m {
            ProcessingMessage::JobUpdate(u) => ("job".into(), String::new(), u.status.to_string()),
            ProcessingMessage::NodeUpdate(u) => {
                ("node".into(), u.node_id.to_string(), u.status.to_string())
            }
            ProcessingMessage::EdgeUpdate(u) => {
                ("edge".into(), u.edge_id.to_string(), u.status.to_string())
            }
            ProcessingMessage::OutputUpdate(u) => {
                ("output".into(), u.node_id.to_string(), u.value.to_string())
            }
            other => ("other".into(), format!("{other:?}"), String::new()),
        };
        *kinds.entry(key).or_insert(0) += 1;
    }
    kinds
}

async fn collect_messages<F, R>(run: impl FnOnce(ProcessingContext) -> F) -> Vec<ProcessingMessage>
where
    F: std::future::Future<Output = R>,
{
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let ctx = ProcessingContext::builder()
        .workflow_id("wf")
        .messages(tx)
        .build();
    run(ctx).await;
    let mut all = Vec::new();
    while let Some(m) = rx.recv().await {
        all.push(m);
    }
    all
}

#[tokio::test]
async fn posts_the_same_messages_as_the_dynamic_runner() {
    nodetool_std_nodes::link();
    let wf = workflow! {
        numbers = list::GenerateSequence { start: 0, stop: 3 };
        doubled = Double { x: numbers.output };
        collected = control::Collect { input_item: doubled.output };
        Output { name: "items", value: collected.output };
    };
    let graph = wf.to_graph();
    let static_messages = collect_messages(|ctx| async move { wf.run(&ctx).await.unwrap() }).await;
    let runner = WorkflowRunner::from_graph(&graph).unwrap();
    let dynamic_messages =
        collect_messages(|ctx| async move { runner.run(&ctx, Map::new()).await.unwrap() }).await;
    assert_eq!(
        message_kinds(&static_messages),
        message_kinds(&dynamic_messages)
    );
    let last = static_messages.last().unwrap();
    match last {
        ProcessingMessage::JobUpdate(u) => {
            assert_eq!(u.status, "completed");
            assert_eq!(u.result.as_ref().unwrap()["items"], json!([[0, 2, 4]]));
        }
        other => panic!("the last message should be the job's completion, got {other:?}"),
    }
}

#[tokio::test]
async fn run_with_hands_every_message_to_a_closure_in_order() {
    nodetool_std_nodes::link();
    let wf = workflow! {
        numbers = list::GenerateSequence { start: 0, stop: 3 };
        doubled = Double { x: numbers.output };
        collected = control::Collect { input_item: doubled.output };
        Output { name: "items", value: collected.output };
    };
    let ctx = ProcessingContext::builder().workflow_id("wf").build();
    let mut static_messages = Vec::new();
    let result = wf
        .run_with(&ctx, Map::new(), |m| static_messages.push(m))
        .await
        .unwrap();
    assert_eq!(result.items, vec![0, 2, 4]);
    let runner = wf.to_runner().unwrap();
    let mut dynamic_messages = Vec::new();
    let dynamic = runner
        .run_with(&ctx, Map::new(), |m| dynamic_messages.push(m))
        .await
        .unwrap();
    assert_eq!(dynamic.to_json()["items"], json!([0, 2, 4]));
    // The same messages as a listener of one's own receives, first to last.
    let listened =
        collect_messages(|ctx| async move { runner.run(&ctx, Map::new()).await.unwrap() }).await;
    assert_eq!(message_kinds(&dynamic_messages), message_kinds(&listened));
    assert_eq!(
        message_kinds(&static_messages),
        message_kinds(&dynamic_messages)
    );
    for messages in [&static_messages, &dynamic_messages] {
        assert!(
            matches!(messages.first(), Some(ProcessingMessage::JobUpdate(u)) if u.status == "running")
        );
        assert!(
            matches!(messages.last(), Some(ProcessingMessage::JobUpdate(u)) if u.status == "completed")
        );
    }
    // The context given keeps no listener of the run's.
    assert!(!ctx.has_listener());
}

#[tokio::test]
async fn exports_graph_json_and_mermaid() {
    let wf = workflow! {
        text = constant::String { value: "a b" };
        count = WordCount { text: text.output };
        Output { name: "words", value: count.output };
    };
    let graph = wf.to_graph();
    let json = graph.to_json();
    assert_eq!(json["nodes"][0]["type"], "nodetool.constant.String");
    assert_eq!(json["nodes"][0]["data"]["value"], "a b");
    assert_eq!(json["nodes"][2]["type"], "nodetool.output.Output");
    assert_eq!(json["nodes"][2]["data"]["name"], "words");
    assert_eq!(json["edges"][0]["source"], "text");
    assert_eq!(json["edges"][0]["targetHandle"], "text");
    assert_eq!(json["edges"][1]["id"], "count:output->output_2:value");
    let chart = wf.to_mermaid();
    assert!(chart.contains("n0 -->|\"output → text\"| n1"), "{chart}");
    assert_eq!(
        wf.node_ids().collect::<Vec<_>>(),
        ["text", "count", "output_2"]
    );
    // The exported graph reads back as the same graph.
    let reread = Graph::from_json_str(&json.to_string()).unwrap();
    assert_eq!(reread, graph);
}

/// Needs the GPU.
#[node(namespace = "test.wf", requires_gpu)]
pub async fn gpu_double(#[input(default = 0)] x: i64) -> i64 {
    x * 2
}

#[tokio::test]
async fn chained_gpu_nodes_do_not_wait_for_themselves() {
    let wf = workflow! {
        a = GpuDouble { x: 1 };
        b = GpuDouble { x: a.output };
        c = GpuDouble { x: b.output };
        Output { name: "out", value: c.output };
    };
    let result = tokio::time::timeout(
        Duration::from_secs(10),
        wf.run(&ProcessingContext::default()),
    )
    .await
    .expect("a chain of GPU nodes must not deadlock on the GPU lock");
    assert_eq!(result.unwrap().out, 8);
}

#[tokio::test]
async fn an_output_that_receives_nothing_fails_the_run_and_says_so() {
    let wf = workflow! {
        items = control::ForEach { input_list: Vec::<Value>::new() };
        Output { name: "item", value: items.output };
    };
    let messages = collect_messages(|ctx| async move {
        match wf.run(&ctx).await {
            Err(RunError::MissingOutput { name }) => assert_eq!(name, "item"),
            other => panic!("expected MissingOutput, got {other:?}"),
        }
    })
    .await;
    match messages.last() {
        Some(ProcessingMessage::JobUpdate(u)) => {
            assert_eq!(u.status, "failed");
            assert!(u.error.as_deref().unwrap_or("").contains("item"), "{u:?}");
        }
        other => panic!("the last message should be the job's failure, got {other:?}"),
    }
}

/// Sends one run event per value, setting `property` to it; then the number of events sent.
#[node(namespace = "test.wf", streaming_output)]
pub struct Sweep {
    #[input(default = "")]
    pub property: String,
    #[input(default)]
    pub values: Vec<Value>,
}
#[node]
impl Sweep {
    async fn gen_process(&self, _ctx: &ProcessingContext, mut out: Emitter<'_, i64>) -> Result<()> {
        for value in &self.values {
            out.control(ControlEvent::run([(self.property.clone(), value.clone())]))
                .await?;
        }
        out.emit(self.values.len() as i64).await?;
        Ok(())
    }
}

#[tokio::test]
async fn controls_statements_run_the_controlled_node_once_per_event() {
    let wf = workflow! {
        sweep = Sweep { property: "x", values: vec![json!(1), json!(2), json!(3)] };
        scale = Sweep { property: "x", values: Vec::new() };
        sq = Square { x: 0 };
        all = control::Collect { input_item: sq.output };
        sweep controls sq;
        Output { name: "squares", value: all.output };
        Output { name: "sent", value: sweep.output };
        Output { name: "idle", value: scale.output };
    };
    let result = wf.run(&ProcessingContext::default()).await.unwrap();
    assert_eq!(result.squares, vec![json!(1), json!(4), json!(9)]);
    assert_eq!(result.sent, 3);
    assert_eq!(result.idle, 0);

    let graph = wf.to_graph();
    let control: Vec<_> = graph
        .edges
        .iter()
        .filter(|e| e.edge_type == nodetool::workflows::EdgeType::Control)
        .collect();
    assert_eq!(control.len(), 1);
    assert_eq!((&*control[0].source, &*control[0].target), ("sweep", "sq"));
    assert_eq!(control[0].target_handle, "__control__");
    assert!(wf.to_mermaid().contains("-.->"), "{}", wf.to_mermaid());
    let dynamic = dynamic_result(&graph, Map::new()).await;
    assert_eq!(dynamic.to_json(), result.to_json());
}

#[tokio::test]
async fn a_controlled_node_may_take_a_required_input_from_its_controller() {
    let wf = workflow! {
        sweep = Sweep { property: "text", values: vec![json!("from the sweep")] };
        needs = common::Needs {};
        sweep controls needs;
        Output { name: "text", value: needs.output };
    };
    let result = wf.run(&ProcessingContext::default()).await.unwrap();
    assert_eq!(result.text, "from the sweep");
}
