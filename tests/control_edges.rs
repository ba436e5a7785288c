//! Control edges: the scenarios of section 1 of NodeTool's `E2E_TEST_SCENARIOS.md`, one test
//! per scenario id (`ctrl_NNN_…`).

mod common;

use common::*;
use nodetool::prelude::*;
use nodetool::workflows::messages::ProcessingMessage;
use nodetool::workflows::{GraphEdge, NodeError, RunError, ValidationError};
use serde_json::{json, Map, Value};
use std::time::Duration;

/// Sends one control event per item of `events`, then `"done"` on its output. `mode`: `run`
/// (each item is an object of properties, sent with [`Emitter::control`]), `raw` (each item
/// is sent as it is on `__control__`), `legacy` (on NodeTool's `__control_output__`).
#[node(namespace = "test", streaming_output)]
pub struct Controller {
    #[input(default)]
    pub events: Vec<Value>,
    #[input(default = "run")]
    pub mode: String,
    #[input(default = 0)]
    pub delay_ms: i64,
    #[input(default = false)]
    pub fail_after: bool,
    #[input(default = 0)]
    pub wait_ms: i64,
}
impl GenProcess for Controller {
    type Item = String;

    async fn gen_process(
        &self,
        _ctx: &ProcessingContext,
        mut out: Emitter<'_, String>,
    ) -> Result<()> {
        if self.wait_ms > 0 {
            tokio::time::sleep(Duration::from_millis(self.wait_ms as u64)).await;
        }
        for event in &self.events {
            match self.mode.as_str() {
                "raw" => out.emit_to("__control__", event.clone()).await?,
                "legacy" => out.emit_to("__control_output__", event.clone()).await?,
                _ => {
                    let properties = event.as_object().cloned().unwrap_or_default();
                    out.control(ControlEvent::Run { properties }).await?
                }
            }
            if self.delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(self.delay_ms as u64)).await;
            }
        }
        if self.fail_after {
            return Err("controller failed".into());
        }
        out.emit("done".to_owned()).await?;
        Ok(())
    }
}

/// Reports the properties it ran with as `value|threshold|mode`; fails when `fail` is set.
#[node(namespace = "test")]
pub struct Threshold {
    #[input(default = 0.0)]
    pub value: f64,
    #[input(default = 0.5)]
    pub threshold: f64,
    #[input(default = "normal")]
    pub mode: String,
    #[input(default = false)]
    pub fail: bool,
}
impl Process for Threshold {
    type Output = String;

    async fn process(&self, _ctx: &ProcessingContext) -> Result<String> {
        if self.fail {
            return Err(format!("threshold {} refused", self.threshold).into());
        }
        Ok(format!("{}|{}|{}", self.value, self.threshold, self.mode))
    }
}

fn control(source: &str, target: &str) -> GraphEdge {
    let mut e = GraphEdge::control(source, target);
    e.id = Some(format!("{source}=>{target}"));
    e
}

fn controller(id: &str, events: Value) -> nodetool::workflows::GraphNode {
    node(id, "test.Controller", json!({ "events": events }))
}

fn threshold(id: &str) -> nodetool::workflows::GraphNode {
    node(id, "test.Threshold", json!({}))
}

/// The result of every completed execution of node `id`, in order.
fn executions(messages: &[ProcessingMessage], id: &str) -> Vec<Value> {
    messages
        .iter()
        .filter_map(|m| match m {
            ProcessingMessage::NodeUpdate(u) if &*u.node_id == id && u.status == "completed" => {
                Some(
                    u.result
                        .as_ref()
                        .and_then(|r| r.get("output").cloned())
                        .unwrap_or(Value::Null),
                )
            }
            _ => None,
        })
        .collect()
}

fn strings(values: &[&str]) -> Vec<Value> {
    values.iter().map(|v| json!(v)).collect()
}

async fn run_ok(graph: &Graph) -> (RunResult, Vec<ProcessingMessage>) {
    let (result, messages) = run_collecting(graph, Map::new()).await;
    match result {
        Ok(result) => (result, messages),
        Err(error) => panic!("the run should complete: {error}"),
    }
}

async fn run_failing(graph: &Graph) -> (RunError, Vec<ProcessingMessage>) {
    let (result, messages) = run_collecting(graph, Map::new()).await;
    match result {
        Err(error) => (error, messages),
        Ok(result) => panic!("the run should fail, got {result:?}"),
    }
}

fn validation_errors(graph: &Graph) -> Vec<ValidationError> {
    nodetool_std_nodes::link();
    match WorkflowRunner::from_graph(graph) {
        Err(errors) => errors.0,
        Ok(_) => panic!("the graph should be rejected"),
    }
}

// 1.1 Basic control flow

#[tokio::test]
async fn ctrl_001_single_controller_single_target() {
    let graph = Graph {
        nodes: vec![
            node("v", "nodetool.constant.Float", json!({"value": 0.9})),
            controller("c", json!([{"threshold": 0.8}])),
            threshold("t"),
        ],
        edges: vec![edge("v", "output", "t", "value"), control("c", "t")],
    };
    let (_, messages) = run_ok(&graph).await;
    assert_eq!(executions(&messages, "t"), strings(&["0.9|0.8|normal"]));
}

#[tokio::test]
async fn ctrl_002_multiple_run_events() {
    let graph = Graph {
        nodes: vec![
            controller(
                "c",
                json!([{"threshold": 0.1}, {"threshold": 0.1}, {"threshold": 0.3}]),
            ),
            threshold("t"),
        ],
        edges: vec![control("c", "t")],
    };
    let (_, messages) = run_ok(&graph).await;
    assert_eq!(
        executions(&messages, "t"),
        strings(&["0|0.1|normal", "0|0.1|normal", "0|0.3|normal"])
    );
}

#[tokio::test]
async fn ctrl_003_empty_run_event_uses_defaults() {
    let graph = Graph {
        nodes: vec![controller("c", json!([{}])), threshold("t")],
        edges: vec![control("c", "t")],
    };
    let (_, messages) = run_ok(&graph).await;
    assert_eq!(executions(&messages, "t"), strings(&["0|0.5|normal"]));
}

#[tokio::test]
async fn ctrl_004_transient_properties_are_restored_between_events() {
    let graph = Graph {
        nodes: vec![
            controller(
                "c",
                json!([{"threshold": 0.2, "mode": "strict"}, {}, {"mode": "loose"}]),
            ),
            threshold("t"),
        ],
        edges: vec![control("c", "t")],
    };
    let (_, messages) = run_ok(&graph).await;
    assert_eq!(
        executions(&messages, "t"),
        strings(&["0|0.2|strict", "0|0.5|normal", "0|0.5|loose"])
    );
}

// 1.2 Multiple controllers

#[tokio::test]
async fn ctrl_005_two_controllers_same_target_merge_in_edge_order() {
    for (first, second, expected) in [("a", "b", "0|0.1|from-b"), ("b", "a", "0|0.1|from-a")] {
        let graph = Graph {
            nodes: vec![
                controller("a", json!([{"threshold": 0.1, "mode": "from-a"}])),
                controller("b", json!([{"mode": "from-b"}])),
                threshold("t"),
            ],
            edges: vec![control(first, "t"), control(second, "t")],
        };
        let (_, messages) = run_ok(&graph).await;
        assert_eq!(executions(&messages, "t"), strings(&[expected]));
    }
}

#[tokio::test]
async fn ctrl_006_controller_fan_out() {
    let graph = Graph {
        nodes: vec![
            controller("c", json!([{"mode": "shared"}])),
            threshold("t1"),
            threshold("t2"),
            threshold("t3"),
        ],
        edges: vec![control("c", "t1"), control("c", "t2"), control("c", "t3")],
    };
    let (_, messages) = run_ok(&graph).await;
    for t in ["t1", "t2", "t3"] {
        assert_eq!(executions(&messages, t), strings(&["0|0.5|shared"]), "{t}");
    }
}

#[tokio::test]
async fn ctrl_007_controller_finishes_early() {
    let graph = Graph {
        nodes: vec![
            controller("a", json!([{"threshold": 0.1}])),
            node(
                "b",
                "test.Controller",
                json!({"events": [{"mode": "b1"}, {"mode": "b2"}, {"mode": "b3"}], "delay_ms": 5}),
            ),
            threshold("t"),
        ],
        edges: vec![control("a", "t"), control("b", "t")],
    };
    let (_, messages) = run_ok(&graph).await;
    assert_eq!(
        executions(&messages, "t"),
        strings(&["0|0.1|b1", "0|0.5|b2", "0|0.5|b3"])
    );
}

#[tokio::test]
async fn ctrl_008_three_controllers_later_edges_override_earlier() {
    let graph = Graph {
        nodes: vec![
            controller("a", json!([{"mode": "a", "threshold": 0.1}])),
            controller("b", json!([{"mode": "b", "value": 2.0}])),
            controller("c", json!([{"mode": "c"}])),
            threshold("t"),
        ],
        edges: vec![control("a", "t"), control("b", "t"), control("c", "t")],
    };
    let (_, messages) = run_ok(&graph).await;
    assert_eq!(executions(&messages, "t"), strings(&["2|0.1|c"]));
}

// 1.3 Controller with mixed outputs

#[tokio::test]
async fn ctrl_009_controller_data_and_control_outputs() {
    let graph = Graph {
        nodes: vec![
            controller("c", json!([{"mode": "x"}])),
            threshold("t"),
            node("o", "nodetool.output.Output", json!({"name": "data"})),
            node("r", "nodetool.output.Output", json!({"name": "controlled"})),
        ],
        edges: vec![
            control("c", "t"),
            edge("c", "output", "o", "value"),
            edge("t", "output", "r", "value"),
        ],
    };
    let (result, messages) = run_ok(&graph).await;
    assert_eq!(result.values("data"), &[json!("done")]);
    assert_eq!(result.values("controlled"), &[json!("0|0.5|x")]);
    assert_eq!(executions(&messages, "t").len(), 1);
}

#[tokio::test]
async fn ctrl_010_streaming_controller_emits_over_time() {
    let graph = Graph {
        nodes: vec![
            node(
                "c",
                "test.Controller",
                json!({"events": [{"value": 1.0}, {"value": 2.0}, {"value": 3.0}], "delay_ms": 10}),
            ),
            threshold("t"),
        ],
        edges: vec![control("c", "t")],
    };
    let (_, messages) = run_ok(&graph).await;
    assert_eq!(
        executions(&messages, "t"),
        strings(&["1|0.5|normal", "2|0.5|normal", "3|0.5|normal"])
    );
}

#[tokio::test]
async fn ctrl_011_controlled_node_with_data_inputs() {
    let graph = Graph {
        nodes: vec![
            node(
                "x",
                "nodetool.input.FloatInput",
                json!({"name": "x", "value": 0.42}),
            ),
            controller("c", json!([{"threshold": 0.9}])),
            threshold("t"),
        ],
        edges: vec![edge("x", "output", "t", "value"), control("c", "t")],
    };
    let (result, messages) =
        run_collecting(&graph, json!({"x": 0.25}).as_object().cloned().unwrap()).await;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(executions(&messages, "t"), strings(&["0.25|0.9|normal"]));
}

#[tokio::test]
async fn ctrl_012_controller_outputs_data_after_control() {
    let graph = Graph {
        nodes: vec![
            controller("c", json!([{"mode": "first"}, {"mode": "second"}])),
            threshold("t"),
            node("o", "nodetool.output.Output", json!({"name": "after"})),
        ],
        edges: vec![control("c", "t"), edge("c", "output", "o", "value")],
    };
    let (result, messages) = run_ok(&graph).await;
    assert_eq!(result.values("after"), &[json!("done")]);
    assert_eq!(
        executions(&messages, "t"),
        strings(&["0|0.5|first", "0|0.5|second"])
    );
}

// 1.4 Controlled node variants

#[tokio::test]
async fn ctrl_013_controlled_buffered_node() {
    let graph = Graph {
        nodes: vec![
            node("a", "nodetool.constant.Integer", json!({"value": 2})),
            node("b", "nodetool.constant.Integer", json!({"value": 3})),
            controller("c", json!([{}, {"b": 10}])),
            node("p", "test.Pair", json!({})),
        ],
        edges: vec![
            edge("a", "output", "p", "a"),
            edge("b", "output", "p", "b"),
            control("c", "p"),
        ],
    };
    let (_, messages) = run_ok(&graph).await;
    assert_eq!(executions(&messages, "p"), strings(&["2,3", "2,10"]));
}

#[tokio::test]
async fn ctrl_014_controlled_streaming_input_node() {
    let graph = Graph {
        nodes: vec![
            node("s", "test.Source", json!({"count": 3})),
            controller("c", json!([{}, {}])),
            node("n", "test.Count", json!({})),
        ],
        edges: vec![edge("s", "output", "n", "value"), control("c", "n")],
    };
    let (_, messages) = run_ok(&graph).await;
    // The first execution reads the whole stream; the second finds it ended.
    assert_eq!(executions(&messages, "n"), vec![json!(3), json!(0)]);
}

#[tokio::test]
async fn ctrl_015_controlled_streaming_output_node() {
    let graph = Graph {
        nodes: vec![
            controller("c", json!([{"count": 2}, {"count": 3}])),
            node("s", "test.Source", json!({})),
            node("all", "nodetool.control.Collect", json!({})),
            node("o", "nodetool.output.Output", json!({"name": "items"})),
        ],
        edges: vec![
            control("c", "s"),
            edge("s", "output", "all", "input_item"),
            edge("all", "output", "o", "value"),
        ],
    };
    let (result, messages) = run_ok(&graph).await;
    assert_eq!(result.get("items"), Some(&json!([0, 1, 0, 1, 2])));
    assert_eq!(executions(&messages, "s").len(), 2);
}

#[tokio::test]
async fn ctrl_016_controlled_output_node() {
    let graph = Graph {
        nodes: vec![
            node(
                "v",
                "nodetool.constant.String",
                json!({"value": "captured"}),
            ),
            controller("c", json!([{}])),
            node("o", "nodetool.output.Output", json!({"name": "result"})),
        ],
        edges: vec![edge("v", "output", "o", "value"), control("c", "o")],
    };
    let (result, _) = run_ok(&graph).await;
    assert_eq!(result.values("result"), &[json!("captured")]);
}

// 1.5 Errors

#[tokio::test]
async fn ctrl_017_controlled_node_error_propagates() {
    let graph = Graph {
        nodes: vec![
            controller("c", json!([{"fail": true, "threshold": 0.7}])),
            threshold("t"),
            node("after", "test.Threshold", json!({})),
        ],
        edges: vec![control("c", "t"), edge("t", "output", "after", "mode")],
    };
    let (error, messages) = run_failing(&graph).await;
    match error {
        RunError::NodeFailed { node_id, error, .. } => {
            assert_eq!(node_id, "t");
            assert_eq!(error.to_string(), "threshold 0.7 refused");
        }
        other => panic!("expected `t` to fail, got {other:?}"),
    }
    // Downstream saw end-of-stream without a value: it never ran.
    assert!(executions(&messages, "after").is_empty());
    assert!(
        matches!(messages.last(), Some(ProcessingMessage::JobUpdate(u)) if u.status == "failed")
    );
}

#[tokio::test]
async fn ctrl_018_controller_error_mid_stream_ends_the_control_handle() {
    let graph = Graph {
        nodes: vec![
            node(
                "c",
                "test.Controller",
                json!({"events": [{"mode": "once"}], "fail_after": true}),
            ),
            threshold("t"),
        ],
        edges: vec![control("c", "t")],
    };
    let (error, messages) = run_failing(&graph).await;
    assert!(
        matches!(&error, RunError::NodeFailed { node_id, .. } if node_id == "c"),
        "{error:?}"
    );
    assert_eq!(executions(&messages, "t"), strings(&["0|0.5|once"]));
}

#[tokio::test]
async fn ctrl_019_unknown_control_property_is_an_error_naming_it() {
    let graph = Graph {
        nodes: vec![
            controller("c", json!([{"nonexistent_prop": 42}])),
            threshold("t"),
        ],
        edges: vec![control("c", "t")],
    };
    let (error, messages) = run_failing(&graph).await;
    let text = error.to_string();
    assert!(text.contains("node `t` (test.Threshold)"), "{text}");
    assert!(text.contains("property `nonexistent_prop`"), "{text}");
    assert!(text.contains("value, threshold, mode, fail"), "{text}");
    assert!(matches!(
        error,
        RunError::NodeFailed {
            error: NodeError::ControlProperty { .. },
            ..
        }
    ));
    assert!(executions(&messages, "t").is_empty());
}

#[tokio::test]
async fn ctrl_020_control_property_type_mismatch_names_the_property() {
    let graph = Graph {
        nodes: vec![
            controller("c", json!([{"threshold": "not_a_float"}])),
            threshold("t"),
        ],
        edges: vec![control("c", "t")],
    };
    let (error, messages) = run_failing(&graph).await;
    let text = error.to_string();
    assert!(text.contains("node `t`"), "{text}");
    assert!(text.contains("property `threshold`"), "{text}");
    assert!(executions(&messages, "t").is_empty());
    assert!(
        matches!(messages.last(), Some(ProcessingMessage::JobUpdate(u)) if u.status == "failed")
    );
}

#[tokio::test]
async fn ctrl_021_controlled_node_missing_a_required_value_does_not_execute() {
    let graph = Graph {
        nodes: vec![
            controller("c", json!([{}])),
            node("n", "test.Needs", json!({})),
        ],
        edges: vec![control("c", "n")],
    };
    let (error, messages) = run_failing(&graph).await;
    assert!(
        matches!(&error, RunError::NodeFailed { node_id, error: NodeError::MissingInput { handle }, .. } if node_id == "n" && handle == "text"),
        "{error:?}"
    );
    assert!(executions(&messages, "n").is_empty());
}

#[tokio::test]
async fn ctrl_021_a_controller_may_supply_a_required_value() {
    let graph = Graph {
        nodes: vec![
            controller("c", json!([{"text": "from the controller"}])),
            node("n", "test.Needs", json!({})),
        ],
        edges: vec![control("c", "n")],
    };
    let (_, messages) = run_ok(&graph).await;
    assert_eq!(
        executions(&messages, "n"),
        strings(&["from the controller"])
    );
}

#[tokio::test]
async fn ctrl_022_no_execution_after_an_error() {
    let graph = Graph {
        nodes: vec![
            controller(
                "c",
                json!([{"fail": true}, {"mode": "never"}, {"mode": "never"}]),
            ),
            threshold("t"),
        ],
        edges: vec![control("c", "t")],
    };
    let (error, messages) = run_failing(&graph).await;
    assert!(matches!(&error, RunError::NodeFailed { node_id, .. } if node_id == "t"));
    let runs = messages
        .iter()
        .filter(|m| matches!(m, ProcessingMessage::NodeUpdate(u) if &*u.node_id == "t" && u.status == "running"))
        .count();
    assert_eq!(runs, 1, "the node must not run again after failing");
}

// 1.6 Topologies

#[tokio::test]
async fn ctrl_023_chained_control() {
    // `a` runs `b` twice; `b` is itself a controller and runs `c` once per event it sends.
    let graph = Graph {
        nodes: vec![
            controller(
                "a",
                json!([
                    {"events": [{"threshold": 0.1}]},
                    {"events": [{"threshold": 0.2}, {"threshold": 0.3}]}
                ]),
            ),
            controller("b", json!([])),
            threshold("c"),
        ],
        edges: vec![control("a", "b"), control("b", "c")],
    };
    let (_, messages) = run_ok(&graph).await;
    assert_eq!(executions(&messages, "b").len(), 2);
    assert_eq!(
        executions(&messages, "c"),
        strings(&["0|0.1|normal", "0|0.2|normal", "0|0.3|normal"])
    );
}

#[tokio::test]
async fn ctrl_024_diamond_with_control() {
    let graph = Graph {
        nodes: vec![
            node("src", "nodetool.constant.Integer", json!({"value": 4})),
            node("left", "lib.math.Add", json!({"b": 1})),
            node("right", "lib.math.Multiply", json!({"b": 10})),
            controller("c", json!([{}, {"a": 0}])),
            node("p", "test.Pair", json!({})),
        ],
        edges: vec![
            edge("src", "output", "left", "a"),
            edge("src", "output", "right", "a"),
            edge("left", "output", "p", "a"),
            edge("right", "output", "p", "b"),
            control("c", "p"),
        ],
    };
    let (_, messages) = run_ok(&graph).await;
    assert_eq!(executions(&messages, "p"), strings(&["5,40", "0,40"]));
}

#[tokio::test]
async fn ctrl_025_control_overrides_a_data_edge_transiently() {
    let graph = Graph {
        nodes: vec![
            node("v", "nodetool.constant.Float", json!({"value": 0.3})),
            controller("c", json!([{"threshold": 0.8}, {}])),
            threshold("t"),
        ],
        edges: vec![edge("v", "output", "t", "threshold"), control("c", "t")],
    };
    let (_, messages) = run_ok(&graph).await;
    assert_eq!(
        executions(&messages, "t"),
        strings(&["0|0.8|normal", "0|0.3|normal"])
    );
}

#[test]
fn ctrl_026_self_control_is_rejected() {
    let graph = Graph {
        nodes: vec![threshold("t")],
        edges: vec![control("t", "t")],
    };
    let errors = validation_errors(&graph);
    assert_eq!(
        errors,
        vec![ValidationError::SelfControl {
            node_id: "t".into(),
            edge: "t=>t".into()
        }]
    );
    assert_eq!(
        errors[0].to_string(),
        "node `t` controls itself (control edge `t=>t`)"
    );
}

#[test]
fn ctrl_027_control_cycles_are_rejected_naming_their_nodes() {
    let graph = Graph {
        nodes: vec![controller("a", json!([])), controller("b", json!([]))],
        edges: vec![control("a", "b"), control("b", "a")],
    };
    let errors = validation_errors(&graph);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        errors[0].to_string(),
        "control edges form a cycle: a -> b -> a"
    );
}

#[test]
fn ctrl_027_a_cycle_through_data_and_control_edges_is_rejected() {
    // `t` waits for `c`'s events; `c` waits for `t`'s output: it could never run.
    let graph = Graph {
        nodes: vec![controller("c", json!([])), threshold("t")],
        edges: vec![control("c", "t"), edge("t", "output", "c", "mode")],
    };
    let errors = validation_errors(&graph);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(matches!(&errors[0], ValidationError::Cycle { nodes } if nodes.len() == 3));
}

#[test]
fn control_edges_must_go_into_the_control_handle() {
    let mut e = control("c", "t");
    e.target_handle = "threshold".into();
    let graph = Graph {
        nodes: vec![controller("c", json!([])), threshold("t")],
        edges: vec![e],
    };
    let errors = validation_errors(&graph);
    assert_eq!(
        errors[0].to_string(),
        "control edge `c=>t` must go into `__control__`, not `threshold`"
    );
}

// 1.7 Event variants

#[tokio::test]
async fn ctrl_028_stop_event_ends_the_controlled_node() {
    let graph = Graph {
        nodes: vec![
            node(
                "c",
                "test.Controller",
                json!({
                    "mode": "raw",
                    "events": [
                        {"event_type": "run", "properties": {"mode": "before"}},
                        {"event_type": "stop"},
                        {"event_type": "run", "properties": {"mode": "after"}}
                    ]
                }),
            ),
            threshold("t"),
            node("o", "nodetool.output.Output", json!({"name": "seen"})),
        ],
        edges: vec![control("c", "t"), edge("t", "output", "o", "value")],
    };
    let (result, messages) = run_ok(&graph).await;
    assert_eq!(executions(&messages, "t"), strings(&["0|0.5|before"]));
    assert_eq!(result.values("seen"), &[json!("0|0.5|before")]);
}

#[tokio::test]
async fn ctrl_029_unknown_event_types_are_ignored() {
    let graph = Graph {
        nodes: vec![
            node(
                "c",
                "test.Controller",
                json!({
                    "mode": "raw",
                    "events": [
                        {"event_type": "pause", "seconds": 3},
                        {"event_type": "run", "properties": {"mode": "ran"}}
                    ]
                }),
            ),
            threshold("t"),
        ],
        edges: vec![control("c", "t")],
    };
    let (_, messages) = run_ok(&graph).await;
    assert_eq!(executions(&messages, "t"), strings(&["0|0.5|ran"]));
}

#[tokio::test]
async fn ctrl_029_malformed_events_fail_the_controlled_node() {
    let graph = Graph {
        nodes: vec![
            node(
                "c",
                "test.Controller",
                json!({"mode": "raw", "events": [42]}),
            ),
            threshold("t"),
        ],
        edges: vec![control("c", "t")],
    };
    let (error, _) = run_failing(&graph).await;
    assert_eq!(
        error.to_string(),
        "node `t` (test.Threshold) failed: malformed control event: expected a control event object, got a number"
    );
}

#[tokio::test]
async fn ctrl_030_legacy_control_output_is_wrapped_in_a_run_event() {
    let mut legacy = control("c", "t");
    legacy.source_handle = "__control_output__".into();
    let graph = Graph {
        nodes: vec![
            node(
                "c",
                "test.Controller",
                json!({"mode": "legacy", "events": [{"threshold": 0.7}]}),
            ),
            threshold("t"),
        ],
        edges: vec![legacy],
    };
    let (_, messages) = run_ok(&graph).await;
    assert_eq!(executions(&messages, "t"), strings(&["0|0.7|normal"]));
}

// Beyond the catalogue

#[tokio::test]
async fn a_controller_that_sends_nothing_runs_its_target_zero_times() {
    let graph = Graph {
        nodes: vec![
            controller("c", json!([])),
            threshold("t"),
            node("o", "nodetool.output.Output", json!({"name": "out"})),
        ],
        edges: vec![control("c", "t"), edge("t", "output", "o", "value")],
    };
    let (result, messages) = run_ok(&graph).await;
    assert!(executions(&messages, "t").is_empty());
    // End-of-stream reached the output with no value: it reports its own (null), as NodeTool.
    assert_eq!(result.values("out"), &[Value::Null]);
}

#[tokio::test]
async fn control_edges_survive_a_json_round_trip_and_post_edge_updates() {
    let graph = Graph {
        nodes: vec![controller("c", json!([{"mode": "m"}])), threshold("t")],
        edges: vec![control("c", "t")],
    };
    let text = serde_json::to_string(&graph).unwrap();
    assert!(text.contains(r#""edge_type":"control""#), "{text}");
    let back = Graph::from_json_str(&text).unwrap();
    assert_eq!(back, graph);
    let (_, messages) = run_ok(&back).await;
    let sent = messages.iter().any(|m| {
        matches!(m, ProcessingMessage::EdgeUpdate(u) if &*u.edge_id == "c=>t" && u.status == "message_sent")
    });
    assert!(sent, "the control edge should report the event it carried");
}

#[tokio::test]
async fn a_fast_controller_waits_for_a_slow_one_without_losing_events() {
    // 200 events from `fast` while `slow` sends 2: rounds pair them up in order.
    let many: Vec<Value> = (0..200).map(|i| json!({"value": i as f64})).collect();
    let graph = Graph {
        nodes: vec![
            controller("fast", Value::Array(many)),
            node(
                "slow",
                "test.Controller",
                json!({"events": [{"mode": "s1"}, {"mode": "s2"}], "delay_ms": 20}),
            ),
            threshold("t"),
        ],
        edges: vec![control("fast", "t"), control("slow", "t")],
    };
    let (_, messages) = run_ok(&graph).await;
    let runs = executions(&messages, "t");
    assert_eq!(runs.len(), 200);
    assert_eq!(runs[0], json!("0|0.5|s1"));
    assert_eq!(runs[1], json!("1|0.5|s2"));
    assert_eq!(runs[199], json!("199|0.5|normal"));
}

#[tokio::test]
async fn a_controller_that_also_feeds_its_target_never_waits_on_it() {
    // 200 events (more than an inbox buffers) before the data the target waits for.
    let many: Vec<Value> = (0..200).map(|i| json!({"value": i as f64})).collect();
    let graph = Graph {
        nodes: vec![controller("c", Value::Array(many)), threshold("t")],
        edges: vec![control("c", "t"), edge("c", "output", "t", "mode")],
    };
    let (_, messages) = run_ok(&graph).await;
    let runs = executions(&messages, "t");
    assert_eq!(runs.len(), 200);
    assert_eq!(runs[199], json!("199|0.5|done"));
}

#[tokio::test]
async fn an_override_of_a_property_without_value_is_undone() {
    let graph = Graph {
        nodes: vec![
            controller("c", json!([{"text": "given"}, {}])),
            node("n", "test.Needs", json!({})),
        ],
        edges: vec![control("c", "n")],
    };
    let (error, messages) = run_failing(&graph).await;
    assert_eq!(executions(&messages, "n"), strings(&["given"]));
    assert!(
        matches!(&error, RunError::NodeFailed { error: NodeError::MissingInput { handle }, .. } if handle == "text"),
        "the second event sets nothing: `text` must be missing again, got {error:?}"
    );
}

#[tokio::test]
async fn a_stop_event_ends_the_node_without_waiting_for_other_controllers() {
    let stopper = node(
        "a",
        "test.Controller",
        json!({"mode": "raw", "events": [
            {"event_type": "run", "properties": {"mode": "a"}},
            {"event_type": "stop"}
        ]}),
    );
    let late = node(
        "b",
        "test.Controller",
        json!({"events": [{"mode": "b"}], "wait_ms": 200}),
    );
    let graph = Graph {
        nodes: vec![stopper, late, threshold("t")],
        edges: vec![control("a", "t"), control("b", "t")],
    };
    let (_, messages) = run_ok(&graph).await;
    // The round `a` + `b` never formed: the stop came first and ended `t` at once.
    assert!(executions(&messages, "t").is_empty());
}
