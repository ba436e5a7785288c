//! `nodetool.text` regex, Unicode and streaming filter nodes through the runner; expected
//! values are what Python NodeTool (CPython's `re` and `unicodedata`) returns for the same input.

use nodetool::prelude::*;
use serde_json::{json, Value};

mod node_harness;
use node_harness::{err, ok, run_graph};

const T: &str = "nodetool.text.";

async fn text(name: &str, data: Value) -> Value {
    ok(&format!("{T}{name}"), data).await
}

#[tokio::test]
async fn regex_nodes_match_python_re() {
    assert_eq!(
        text(
            "ExtractRegex",
            json!({"text": "mail: zoë@host", "regex": r"(\w+)@(\w+)?(x)?"})
        )
        .await,
        json!(["zoë", "host", null])
    );
    assert_eq!(
        text(
            "ExtractRegex",
            json!({"text": "ABC", "regex": "(b)", "ignorecase": true})
        )
        .await,
        json!(["B"])
    );
    assert_eq!(
        text("ExtractRegex", json!({"text": "x", "regex": "y(x)"})).await,
        json!([])
    );
    assert_eq!(
        text(
            "FindAllRegex",
            json!({"text": "a1b22c333", "regex": r"\d+"})
        )
        .await,
        json!(["1", "22", "333"])
    );
    assert_eq!(
        text("FindAllRegex", json!({"text": "1x2", "regex": r"(\d)(x)?"})).await,
        json!([["1", "x"], ["2", ""]])
    );
    assert_eq!(
        text(
            "FindAllRegex",
            json!({"text": "l1\nl2", "regex": r"^l(\d)$", "multiline": true})
        )
        .await,
        json!(["1", "2"])
    );
    assert_eq!(
        text(
            "RegexMatch",
            json!({"text": "ab", "pattern": "(a)|b", "group": 1})
        )
        .await,
        json!(["a", null])
    );
    let e = err(
        &format!("{T}RegexMatch"),
        json!({"text": "ab", "pattern": "(a)", "group": 2}),
    )
    .await;
    assert!(e.contains("group: no such group 2"), "{e}");
    assert_eq!(
        text(
            "RegexReplace",
            json!({"text": "on 2024-05 and 1999-12", "pattern": r"(?P<y>\d{4})-(?P<m>\d\d)",
                   "replacement": r"\g<m>/\g<y>", "count": 1})
        )
        .await,
        json!("on 05/2024 and 1999-12")
    );
    let e = err(
        &format!("{T}RegexReplace"),
        json!({"text": "a", "pattern": "a", "replacement": r"\9"}),
    )
    .await;
    assert!(e.contains("replacement: invalid group reference 9"), "{e}");
    assert_eq!(
        text(
            "RegexSplit",
            json!({"text": "a ; b;c", "pattern": r"\s*;\s*", "maxsplit": 1})
        )
        .await,
        json!(["a", "b;c"])
    );
    assert_eq!(
        text(
            "RegexValidate",
            json!({"text": "123abc", "pattern": r"\d+"})
        )
        .await,
        json!(true)
    );
    assert_eq!(
        text(
            "RegexValidate",
            json!({"text": "abc123", "pattern": r"\d+"})
        )
        .await,
        json!(false)
    );
    // Lookaround and backreferences, which Rust's `regex` crate lacks, work as in Python.
    assert_eq!(
        text(
            "FindAllRegex",
            json!({"text": "aa ab bb", "regex": r"\b(\w)\1\b"})
        )
        .await,
        json!(["a", "b"])
    );
    assert_eq!(
        text(
            "FindAllRegex",
            json!({"text": "$5 €7 $9", "regex": r"(?<=\$)\d"})
        )
        .await,
        json!(["5", "9"])
    );
    let e = err(
        &format!("{T}RegexValidate"),
        json!({"text": "", "pattern": "(a"}),
    )
    .await;
    assert!(e.contains("invalid regular expression `(a`"), "{e}");
}

#[tokio::test]
async fn unicode_clean_up_matches_python() {
    assert_eq!(
        text("StripAccents", json!({"text": "Crème Brûlée ﬁ² ß"})).await,
        json!("Creme Brulee fi2 ß")
    );
    assert_eq!(
        text(
            "StripAccents",
            json!({"text": "Crème ß Ø", "preserve_non_ascii": false})
        )
        .await,
        json!("Creme  ")
    );
    assert_eq!(
        text("Slugify", json!({"text": "Hello, World!"})).await,
        json!("hello-world")
    );
    assert_eq!(
        text("Slugify", json!({"text": "  __a--b  "})).await,
        json!("a-b")
    );
    assert_eq!(
        text(
            "Slugify",
            json!({"text": "Café Привет", "allow_unicode": true})
        )
        .await,
        json!("cafe-привет")
    );
    assert_eq!(
        text(
            "Slugify",
            json!({"text": "Ünïcode Test", "separator": "_", "lowercase": false})
        )
        .await,
        json!("Unicode_Test")
    );
    assert_eq!(text("Slugify", json!({"text": "?!"})).await, json!(""));
    assert_eq!(
        text("ParseJSON", json!({"text": " {\"a\": [1, 2.5, null]} "})).await,
        json!({"a": [1, 2.5, null]})
    );
    let e = err(&format!("{T}ParseJSON"), json!({"text": "{'a': 1}"})).await;
    assert!(e.starts_with("text: invalid JSON"), "{e}");
}

/// Streams `items` through the filter node `node_type` with `data`; returns what it let pass.
async fn filter(node_type: &str, data: Value, items: Value) -> Result<Value, String> {
    let result = run_graph(
        json!({
            "nodes": [
                {"id": "each", "type": "nodetool.control.ForEach", "data": {"input_list": items}},
                {"id": "f", "type": format!("{T}{node_type}"), "data": data},
                {"id": "c", "type": "nodetool.control.Collect", "data": {}},
                {"id": "o", "type": "nodetool.output.Output", "data": {"name": "kept"}}
            ],
            "edges": [
                {"source": "each", "sourceHandle": "output", "target": "f", "targetHandle": "value"},
                {"source": "f", "sourceHandle": "output", "target": "c", "targetHandle": "input_item"},
                {"source": "c", "sourceHandle": "output", "target": "o", "targetHandle": "value"}
            ]
        }),
        &ProcessingContext::default(),
    )
    .await?;
    Ok(result.values("kept").last().cloned().unwrap_or(Value::Null))
}

#[tokio::test]
async fn streaming_filters() {
    let words = json!(["apple", "banana", "cherry", "été", 7]);
    let cases = [
        (
            json!({"filter_type": "contains", "criteria": "an"}),
            json!(["banana"]),
        ),
        (
            json!({"filter_type": "starts_with", "criteria": "ch"}),
            json!(["cherry"]),
        ),
        (
            json!({"filter_type": "ends_with", "criteria": "é"}),
            json!(["été"]),
        ),
        (
            json!({"filter_type": "length_greater", "criteria": " 5 "}),
            json!(["banana", "cherry"]),
        ),
        (
            json!({"filter_type": "length_less", "criteria": "4"}),
            json!(["été"]),
        ),
        (
            json!({"filter_type": "exact_length", "criteria": "5"}),
            json!(["apple"]),
        ),
        (json!({}), json!(["apple", "banana", "cherry", "été"])),
    ];
    for (data, expected) in cases {
        assert_eq!(
            filter("FilterString", data.clone(), words.clone()).await,
            Ok(expected),
            "{data}"
        );
    }
    let e = filter(
        "FilterString",
        json!({"filter_type": "exact_length", "criteria": "five"}),
        words.clone(),
    )
    .await
    .unwrap_err();
    assert!(e.contains("criteria: `five` is not a whole number"), "{e}");

    assert_eq!(
        filter(
            "FilterRegexString",
            json!({"pattern": "an+"}),
            words.clone()
        )
        .await,
        Ok(json!(["banana"]))
    );
    assert_eq!(
        filter(
            "FilterRegexString",
            json!({"pattern": "[a-z]+", "full_match": true}),
            words.clone()
        )
        .await,
        Ok(json!(["apple", "banana", "cherry"]))
    );
    let e = filter("FilterRegexString", json!({"pattern": "("}), words)
        .await
        .unwrap_err();
    assert!(e.contains("pattern: invalid regular expression"), "{e}");
}

#[tokio::test]
async fn extract_json_queries_with_jsonpath() {
    let doc = json!({"team": "core", "people": [{"name": "Ada", "langs": ["en", "fr"]}, {"name": "Zoë"}]})
        .to_string();
    assert_eq!(
        text(
            "ExtractJSON",
            json!({"text": doc, "json_path": "$.people[1].name"})
        )
        .await,
        json!("Zoë")
    );
    assert_eq!(
        text(
            "ExtractJSON",
            json!({"text": doc, "json_path": "$..name", "find_all": true})
        )
        .await,
        json!(["Ada", "Zoë"])
    );
    assert_eq!(
        text("ExtractJSON", json!({"text": doc, "find_all": true})).await,
        json!(["core", [{"name": "Ada", "langs": ["en", "fr"]}, {"name": "Zoë"}]])
    );
    let e = err(
        &format!("{T}ExtractJSON"),
        json!({"text": doc, "json_path": "$.nobody"}),
    )
    .await;
    assert!(e.contains("matches nothing"), "{e}");
    let e = err(
        &format!("{T}ExtractJSON"),
        json!({"text": doc, "json_path": "people["}),
    )
    .await;
    assert!(e.contains("is not a JSONPath expression"), "{e}");
    let e = err(
        &format!("{T}ExtractJSON"),
        json!({"text": "{", "json_path": "$"}),
    )
    .await;
    assert!(e.starts_with("text: invalid JSON"), "{e}");
}

#[tokio::test]
async fn save_text_file_writes_into_the_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = nodetool::workspace::Workspace::new(dir.path()).unwrap();
    std::fs::create_dir(dir.path().join("notes")).unwrap();
    let ctx = ProcessingContext::builder().workspace(workspace).build();
    let saved = node_harness::run_node_in(
        &format!("{T}SaveTextFile"),
        json!({"text": "héllo", "folder": "notes", "name": "day-%Y.txt"}),
        &ctx,
    )
    .await
    .unwrap();
    assert_eq!(saved["type"], "text");
    assert_eq!(saved["data"], "héllo");
    let uri = saved["uri"].as_str().unwrap();
    let path = uri.strip_prefix("file://").unwrap();
    assert!(path.contains("/notes/day-20"), "{path}");
    assert_eq!(std::fs::read_to_string(path).unwrap(), "héllo");
    for (data, expected) in [
        (
            json!({"text": "x", "folder": "../out"}),
            "outside the workspace",
        ),
        (
            json!({"text": "x", "folder": "missing"}),
            "does not exist in the workspace",
        ),
        (
            json!({"text": "x", "folder": "notes", "name": "a/%Y"}),
            "is not a file name",
        ),
        (json!({"text": "x"}), "folder cannot be empty"),
    ] {
        let e = node_harness::run_node_in(&format!("{T}SaveTextFile"), data, &ctx)
            .await
            .unwrap_err();
        assert!(e.contains(expected), "{e}");
    }
    let e = node_harness::run_node_in(
        &format!("{T}SaveTextFile"),
        json!({"text": "x", "folder": "notes"}),
        &ProcessingContext::default(),
    )
    .await
    .unwrap_err();
    assert!(e.contains("no workspace"), "{e}");
}
