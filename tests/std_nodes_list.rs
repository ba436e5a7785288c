//! `nodetool.list`: every node run by the dynamic runner from NodeTool JSON, with Python's
//! semantics (equality, ordering, ranges) and clear errors.

use serde_json::json;

mod node_harness;
use node_harness::{err, ok, run_output};

const L: &str = "nodetool.list.";

async fn list(name: &str, data: serde_json::Value) -> serde_json::Value {
    ok(&format!("{L}{name}"), data).await
}

async fn list_err(name: &str, data: serde_json::Value) -> String {
    err(&format!("{L}{name}"), data).await
}

#[tokio::test]
async fn ranges_and_indices_follow_python() {
    assert_eq!(
        list("ListRange", json!({"stop": 4})).await,
        json!([0, 1, 2, 3])
    );
    assert_eq!(
        list("ListRange", json!({"start": 5, "stop": 0, "step": -2})).await,
        json!([5, 3, 1])
    );
    assert_eq!(list("ListRange", json!({})).await, json!([]));
    let e = list_err("ListRange", json!({"stop": 9_000_000_000_000_000_000_i64})).await;
    assert!(e.contains("at most 10000000 fit in a list"), "{e}");
    assert!(list_err("ListRange", json!({"stop": 3, "step": 0}))
        .await
        .contains("must not be zero"));
    assert_eq!(
        list(
            "SelectElements",
            json!({"values": ["a", "b", "c"], "indices": [2, -3, 2]})
        )
        .await,
        json!(["c", "a", "c"])
    );
    let e = list_err("SelectElements", json!({"values": ["a"], "indices": [1]})).await;
    assert!(e.contains("list index 1 out of range"), "{e}");
    assert_eq!(
        list("GetElement", json!({"values": ["a", "b"], "index": -1})).await,
        json!("b")
    );
    assert!(list_err("GetElement", json!({}))
        .await
        .contains("out of range"));
    assert_eq!(
        list("Length", json!({"values": [1, [2, 3], "é"]})).await,
        json!(3)
    );
}

#[tokio::test]
async fn building_lists() {
    assert_eq!(list("Append", json!({})).await, json!([[]]));
    assert_eq!(
        list("Append", json!({"values": [1], "value": {"k": "ü"}})).await,
        json!([1, {"k": "ü"}])
    );
    assert_eq!(
        list("Extend", json!({"values": [1], "other_values": [2, 3]})).await,
        json!([1, 2, 3])
    );
    assert_eq!(
        list("Reverse", json!({"values": [1, 2, 3]})).await,
        json!([3, 2, 1])
    );
    assert_eq!(
        list("Chunk", json!({"values": [1, 2, 3, 4, 5], "chunk_size": 2})).await,
        json!([[1, 2], [3, 4], [5]])
    );
    assert_eq!(list("Chunk", json!({"chunk_size": 3})).await, json!([]));
    let e = list_err("Chunk", json!({"values": [1], "chunk_size": 0})).await;
    assert!(e.contains("chunk_size must be greater than 0"), "{e}");
    let nested = json!([[1, [2, [3]]], [], 4]);
    assert_eq!(
        list("Flatten", json!({"values": nested})).await,
        json!([1, 2, 3, 4])
    );
    assert_eq!(
        list("Flatten", json!({"values": nested, "max_depth": 1})).await,
        json!([1, [2, [3]], 4])
    );
    assert_eq!(
        list("Flatten", json!({"values": nested, "max_depth": 0})).await,
        nested
    );
}

#[tokio::test]
async fn sets_use_python_equality_and_keep_first_order() {
    assert_eq!(
        list("Dedupe", json!({"values": [3, 1, 3.0, true, "a", "a"]})).await,
        json!([3, 1, "a"])
    );
    assert_eq!(
        list_err("Dedupe", json!({"values": [[1]]})).await,
        "unhashable type: 'list'"
    );
    let two = json!({"list1": [1, 2, 2, "x"], "list2": [2.0, "x", 5]});
    assert_eq!(list("Intersection", two.clone()).await, json!([2, "x"]));
    assert_eq!(list("Union", two.clone()).await, json!([1, 2, "x", 5]));
    assert_eq!(list("Difference", two).await, json!([1]));
    assert!(list_err("Union", json!({"list1": [], "list2": [{"a": 1}]}))
        .await
        .contains("unhashable type: 'dict'"));
}

#[tokio::test]
async fn sorting_is_stable_and_refuses_mixed_types() {
    assert_eq!(
        list("Sort", json!({"values": [3, 1.5, true, 2]})).await,
        json!([true, 1.5, 2, 3])
    );
    assert_eq!(
        list(
            "Sort",
            json!({"values": ["b", "B", "a", "é"], "order": "descending"})
        )
        .await,
        json!(["é", "b", "a", "B"])
    );
    // Stable when descending: equal values keep their order (1 before 1.0 before true).
    assert_eq!(
        list(
            "Sort",
            json!({"values": [1, 2, 1.0, true], "order": "descending"})
        )
        .await,
        json!([2, 1, 1.0, true])
    );
    assert_eq!(
        list("Sort", json!({"values": [[1, "b"], [1, "a"], [0]]})).await,
        json!([[0], [1, "a"], [1, "b"]])
    );
    assert_eq!(
        list_err("Sort", json!({"values": [1, "a"]})).await,
        "'<' not supported between instances of 'str' and 'int'"
    );
    // A long mixed list is refused up front (a partial order could make the sort panic).
    let mixed: Vec<serde_json::Value> = (0..200)
        .map(|i| if i % 3 == 0 { json!("s") } else { json!(i) })
        .collect();
    assert!(list_err("Sort", json!({ "values": mixed }))
        .await
        .contains("not supported"));
    assert!(list_err("Sort", json!({"values": [[1, "a"], [1, 2]]}))
        .await
        .contains("not supported"));
    let e = list_err("Sort", json!({"values": [1], "order": "sideways"})).await;
    assert!(e.contains("order") && e.contains("sideways"), "{e}");
}

#[tokio::test]
async fn aggregates() {
    let v = json!({"values": [1, 2, 3.5, true]});
    assert_eq!(list("Sum", v.clone()).await, json!(7.5));
    assert_eq!(list("Average", v.clone()).await, json!(1.875));
    assert_eq!(list("Minimum", v.clone()).await, json!(1.0));
    assert_eq!(list("Maximum", v.clone()).await, json!(3.5));
    assert_eq!(list("Product", v).await, json!(7.0));
    for (name, message) in [
        ("Sum", "Cannot sum empty list"),
        ("Average", "Cannot average empty list"),
        ("Minimum", "Cannot find minimum of empty list"),
        ("Maximum", "Cannot find maximum of empty list"),
        ("Product", "Cannot calculate product of empty list"),
    ] {
        assert_eq!(list_err(name, json!({})).await, message);
        assert_eq!(
            list_err(name, json!({"values": [1, "2"]})).await,
            "All values must be numbers"
        );
    }
    let big: Vec<i64> = (1..=100_000).collect();
    assert_eq!(
        list("Sum", json!({ "values": big })).await,
        json!(5_000_050_000.0)
    );
}

#[tokio::test]
async fn randomize_keeps_every_item() {
    let values: Vec<i64> = (0..200).collect();
    let out = list("Randomize", json!({ "values": values })).await;
    let mut got: Vec<i64> = serde_json::from_value(out.clone()).unwrap();
    assert_ne!(got, values, "200 items came back in their order");
    got.sort_unstable();
    assert_eq!(got, values);
}

#[tokio::test]
async fn generate_sequence_streams_each_number() {
    let ctx = nodetool::prelude::ProcessingContext::default();
    let last = run_output(
        &format!("{L}GenerateSequence"),
        json!({"start": 10, "stop": 0, "step": -3}),
        "output",
        &ctx,
    )
    .await
    .unwrap();
    assert_eq!(last, json!(1));
}
