//! `#[node]`: the metadata it generates, its function form, and its compile-time diagnostics.

use nodetool::prelude::*;
use nodetool::workflows::{ExecutionMode, NodeRole, NodeType};
use serde_json::json;

/// Repeats a text.
/// text, repeat
#[node(
    namespace = "demo.text",
    cacheable,
    expose_as_tool,
    title = "Repeat It"
)]
pub struct Repeat {
    /// The text.
    pub text: String,
    /// How often.
    #[input(default = 2, min = 0, max = 10)]
    pub times: i64,
    /// An optional separator.
    pub separator: Option<String>,
}

#[node]
impl Repeat {
    async fn process(&self, _ctx: &ProcessingContext) -> Result<String> {
        let n = usize::try_from(self.times)?;
        Ok(vec![self.text.as_str(); n].join(self.separator.as_deref().unwrap_or("")))
    }
}

/// Quotient and remainder.
#[derive(Outputs)]
pub struct QuotientRemainder {
    /// The quotient.
    pub quotient: i64,
    /// The remainder.
    pub remainder: i64,
}

/// Integer division with remainder.
#[node(namespace = "demo.math", requires_gpu)]
pub async fn div_mod(
    #[input(default = 0)] a: i64,
    #[input(default = 1)] b: i64,
) -> Result<QuotientRemainder> {
    if b == 0 {
        return Err("division by zero".into());
    }
    Ok(QuotientRemainder {
        quotient: a.div_euclid(b),
        remainder: a.rem_euclid(b),
    })
}

fn metadata(node_type: &str) -> serde_json::Value {
    let registered = NodeRegistry::global()
        .get(node_type)
        .unwrap_or_else(|| panic!("{node_type} is not registered"));
    serde_json::to_value(&registered.metadata).unwrap()
}

#[test]
fn struct_nodes_get_nodetool_metadata() {
    let meta = metadata("demo.text.Repeat");
    assert_eq!(meta["title"], "Repeat It");
    assert_eq!(meta["description"], "Repeats a text.\ntext, repeat");
    assert_eq!(meta["namespace"], "demo.text");
    assert_eq!(meta["expose_as_tool"], true);
    assert_eq!(meta["basic_fields"], json!(["text", "times", "separator"]));
    let props = meta["properties"].as_array().unwrap();
    assert_eq!(props[0]["name"], "text");
    assert_eq!(props[0]["type"]["type"], "str");
    assert_eq!(props[0]["required"], true);
    assert_eq!(props[0]["description"], "The text.");
    assert_eq!(props[1]["default"], 2);
    assert_eq!(
        (props[1]["min"].as_f64(), props[1]["max"].as_f64()),
        (Some(0.0), Some(10.0))
    );
    assert_eq!(props[1]["title"], "Times");
    assert_eq!(props[2]["type"]["optional"], true);
    assert_eq!(props[2]["required"], false);
    assert_eq!(
        meta["outputs"],
        json!([{"type": {"type": "str", "optional": false, "type_args": []}, "name": "output", "stream": false}])
    );
    let d = <Repeat as NodeType>::descriptor();
    assert_eq!(Repeat::NODE_TYPE, "demo.text.Repeat");
    assert!(d.flags.cacheable && !d.flags.requires_gpu);
    assert_eq!(
        (d.mode, d.role),
        (ExecutionMode::Buffered, NodeRole::Regular)
    );
}

#[test]
fn fn_nodes_with_named_outputs() {
    let meta = metadata("demo.math.DivMod");
    let outputs: Vec<(&str, &str)> = meta["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap(),
                o["type"]["type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(outputs, [("quotient", "int"), ("remainder", "int")]);
    assert!(<DivMod as NodeType>::descriptor().flags.requires_gpu);
}

#[tokio::test]
async fn fn_nodes_run_and_report_errors() {
    let node = DivMod { a: 7, b: 2 };
    let out = node.process(&ProcessingContext::default()).await.unwrap();
    assert_eq!((out.quotient, out.remainder), (3, 1));
    let err = DivMod { a: 1, b: 0 }
        .process(&ProcessingContext::default())
        .await
        .err()
        .unwrap();
    assert_eq!(err.to_string(), "division by zero");
}

#[test]
fn the_registry_lists_metadata_as_one_json_document() {
    nodetool_std_nodes::link();
    let all = NodeRegistry::global().metadata_json();
    let types: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["node_type"].as_str())
        .collect();
    for expected in [
        "lib.math.Add",
        "nodetool.constant.String",
        "nodetool.output.Output",
        "demo.text.Repeat",
    ] {
        assert!(
            types.contains(&expected),
            "{expected} missing from {types:?}"
        );
    }
    let mut sorted = types.clone();
    sorted.sort();
    assert_eq!(types, sorted, "metadata is sorted by node type");
}

#[test]
fn diagnostics_point_at_the_offending_token() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
