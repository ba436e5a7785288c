//! Every graph problem is reported, naming the node and handle (or line and column).

mod common;

use common::*;
use nodetool::workflows::{Graph, GraphParseError, NodeRegistry, ValidationError, WorkflowPlan};
use serde_json::json;

fn problems(graph: &Graph) -> Vec<ValidationError> {
    nodetool_std_nodes::link();
    match WorkflowPlan::new(graph, NodeRegistry::global()) {
        Ok(_) => panic!("the graph should be invalid"),
        Err(e) => e.0,
    }
}

#[test]
fn unknown_node_types_are_named() {
    let graph = Graph {
        nodes: vec![node("n1", "no.such.Node", json!({}))],
        edges: vec![],
    };
    assert_eq!(
        problems(&graph),
        vec![ValidationError::UnknownNodeType {
            node_id: "n1".into(),
            node_type: "no.such.Node".into(),
            hint: "",
        }]
    );
}

#[test]
fn a_standard_type_without_the_std_nodes_crate_names_the_crate() {
    let graph = Graph {
        nodes: vec![node("n1", "lib.math.Add", json!({}))],
        edges: vec![],
    };
    let error = WorkflowPlan::new(&graph, &NodeRegistry::new())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("node `n1`: unknown node type `lib.math.Add`: NodeTool's standard node types are in the nodetool-std-nodes crate; add it to your dependencies and call `nodetool_std_nodes::link()`"),
        "{error}"
    );
    // With the crate linked, a type it lacks is only unknown.
    nodetool_std_nodes::link();
    let graph = Graph {
        nodes: vec![node("n1", "lib.math.NoSuch", json!({}))],
        edges: vec![],
    };
    let error = WorkflowPlan::new(&graph, NodeRegistry::global())
        .unwrap_err()
        .to_string();
    assert!(
        error.ends_with("unknown node type `lib.math.NoSuch`"),
        "{error}"
    );
}

#[test]
fn runner_028_029_unknown_handles_list_what_exists() {
    let graph = Graph {
        nodes: vec![
            node("a", "nodetool.constant.Integer", json!({})),
            node("b", "lib.math.Add", json!({})),
        ],
        edges: vec![edge("a", "result", "b", "a"), edge("a", "output", "b", "c")],
    };
    let errors: Vec<String> = problems(&graph).iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        vec![
            "node `a` (nodetool.constant.Integer) has no output `result` (outputs: output)",
            "node `b` (lib.math.Add) has no input `c` (inputs: a, b)",
        ]
    );
}

#[test]
fn type_mismatches_name_both_ends() {
    let graph = Graph {
        nodes: vec![
            node("s", "nodetool.constant.String", json!({})),
            node("b", "lib.math.Sqrt", json!({})),
        ],
        edges: vec![edge("s", "output", "b", "x")],
    };
    assert_eq!(
        problems(&graph)[0].to_string(),
        "edge `s-b-x`: output `s.output` (str) does not fit input `b.x` (union[int, float])"
    );
}

#[test]
fn cycles_name_their_nodes() {
    let graph = Graph {
        nodes: vec![
            node("a", "lib.math.Add", json!({})),
            node("b", "lib.math.Add", json!({})),
            node("c", "lib.math.Add", json!({})),
        ],
        edges: vec![
            edge("a", "output", "b", "a"),
            edge("b", "output", "c", "a"),
            edge("c", "output", "a", "a"),
        ],
    };
    assert_eq!(
        problems(&graph),
        vec![ValidationError::Cycle {
            nodes: vec!["a".into(), "b".into(), "c".into(), "a".into()]
        }]
    );
}

#[test]
fn runner_002_required_inputs_need_a_value_or_an_edge() {
    let graph = Graph {
        nodes: vec![node("n", "test.Needs", json!({}))],
        edges: vec![],
    };
    assert_eq!(
        problems(&graph)[0].to_string(),
        "node `n` (test.Needs): required input `text` has no value and no edge"
    );
    // A value or an edge satisfies it.
    nodetool_std_nodes::link();
    let ok = Graph {
        nodes: vec![node("n", "test.Needs", json!({"text": "hi"}))],
        edges: vec![],
    };
    assert!(WorkflowPlan::new(&ok, NodeRegistry::global()).is_ok());
}

#[test]
fn property_values_must_fit_their_type() {
    let graph = Graph {
        nodes: vec![node(
            "n",
            "nodetool.constant.Integer",
            json!({"value": "seven"}),
        )],
        edges: vec![],
    };
    assert_eq!(
        problems(&graph)[0].to_string(),
        "node `n` (nodetool.constant.Integer): property `value`: expected int, got string \"seven\""
    );
}

#[test]
fn runner_025_several_edges_into_a_scalar_input_are_rejected() {
    let graph = Graph {
        nodes: vec![
            node("x", "nodetool.constant.Float", json!({})),
            node("y", "nodetool.constant.Float", json!({})),
            node("s", "lib.math.Sqrt", json!({})),
        ],
        edges: vec![edge("x", "output", "s", "x"), edge("y", "output", "s", "x")],
    };
    assert_eq!(
        problems(&graph),
        vec![ValidationError::MultipleEdgesIntoNonList {
            node_id: "s".into(),
            handle: "x".into(),
            count: 2
        }]
    );
}

#[test]
fn runner_011_012_input_nodes_need_unique_non_empty_names() {
    let graph = Graph {
        nodes: vec![
            node("i1", "nodetool.input.IntegerInput", json!({"name": "n"})),
            node("i2", "nodetool.input.IntegerInput", json!({"name": "n"})),
            node("i3", "nodetool.input.IntegerInput", json!({})),
        ],
        edges: vec![],
    };
    let errors: Vec<String> = problems(&graph).iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        vec![
            "input node `i2`: name `n` is also used by input node `i1`",
            "input node `i3`: an input node needs a non-empty `name`",
        ]
    );
}

#[test]
fn runner_026_027_edges_to_missing_nodes_and_duplicate_ids_are_reported_together() {
    let graph = Graph {
        nodes: vec![
            node("a", "lib.math.Add", json!({})),
            node("a", "lib.math.Add", json!({})),
        ],
        edges: vec![edge("a", "output", "ghost", "a")],
    };
    let errors = problems(&graph);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(
        errors[0],
        ValidationError::DuplicateNodeId {
            node_id: "a".into()
        }
    );
    assert_eq!(
        errors[1],
        ValidationError::UnknownEdgeNode {
            edge: "a-ghost-a".into(),
            node_id: "ghost".into()
        }
    );
}

#[test]
fn malformed_json_reports_line_and_column() {
    let err =
        Graph::from_json_str("{\n  \"nodes\": [\n    {\"id\": \"a\",, }\n  ]\n}").unwrap_err();
    match &err {
        GraphParseError::Json { line, column, .. } => {
            assert_eq!((*line, *column), (3, 16), "{err}")
        }
        other => panic!("expected a JSON error, got {other}"),
    }
}

#[test]
fn all_problems_print_one_per_line() {
    let graph = Graph {
        nodes: vec![node("x", "no.A", json!({})), node("y", "no.B", json!({}))],
        edges: vec![],
    };
    nodetool_std_nodes::link();
    let text = WorkflowPlan::new(&graph, NodeRegistry::global())
        .unwrap_err()
        .to_string();
    assert_eq!(
        text,
        "invalid graph (2 problems):\n  - node `x`: unknown node type `no.A`\n  - node `y`: unknown node type `no.B`"
    );
}
