//! `nodetool.document`: documents split into pieces by the runner, read from `data:` URIs as
//! any asset reference is read (NodeTool's SplitRecursively, SplitMarkdown, SplitHTML, and
//! our SplitSentences).

mod node_harness;

use base64::Engine;
use nodetool::prelude::*;
use serde_json::{json, Value};

fn document(mime: &str, text: &str) -> Value {
    let data = base64::engine::general_purpose::STANDARD.encode(text);
    json!({"type": "document", "uri": format!("data:{mime};base64,{data}")})
}

/// Runs `node_type` with `data`; every `text` and `start_index` it streamed.
async fn split(node_type: &str, data: Value) -> Result<(Vec<String>, Vec<i64>), String> {
    let graph = json!({
        "nodes": [
            {"id": "split", "type": node_type, "data": data},
            {"id": "texts", "type": "nodetool.control.Collect", "data": {}},
            {"id": "starts", "type": "nodetool.control.Collect", "data": {}},
            {"id": "t", "type": "nodetool.output.Output", "data": {"name": "texts"}},
            {"id": "s", "type": "nodetool.output.Output", "data": {"name": "starts"}}
        ],
        "edges": [
            {"source": "split", "sourceHandle": "text", "target": "texts", "targetHandle": "input_item"},
            {"source": "split", "sourceHandle": "start_index", "target": "starts", "targetHandle": "input_item"},
            {"source": "texts", "sourceHandle": "output", "target": "t", "targetHandle": "value"},
            {"source": "starts", "sourceHandle": "output", "target": "s", "targetHandle": "value"}
        ]
    });
    let result = node_harness::run_graph(graph, &ProcessingContext::default()).await?;
    let texts = serde_json::from_value(result.get("texts").cloned().unwrap_or_default())
        .map_err(|e| e.to_string())?;
    let starts = serde_json::from_value(result.get("starts").cloned().unwrap_or_default())
        .map_err(|e| e.to_string())?;
    Ok((texts, starts))
}

#[tokio::test]
async fn split_recursively_cuts_at_paragraphs_then_lines() {
    let text = "First paragraph.\n\nSecond paragraph,\nwhich is longer than the rest.\n\nEnd.";
    let (texts, starts) = split(
        "nodetool.document.SplitRecursively",
        json!({"document": document("text/plain", text), "chunk_size": 32, "chunk_overlap": 0}),
    )
    .await
    .expect("the split");
    assert_eq!(
        texts,
        [
            "First paragraph.",
            "Second paragraph,",
            "which is longer than the rest.",
            "End."
        ]
    );
    for (t, s) in texts.iter().zip(&starts) {
        let at: String = text
            .chars()
            .skip(*s as usize)
            .take(t.chars().count())
            .collect();
        assert_eq!(&at, t);
    }
}

#[tokio::test]
async fn split_markdown_keeps_sections_and_code_together() {
    let md = "# Install\nRun the installer.\n\n## Linux\n```sh\n# as root\nmake install\n```\n# Use\nStart it.";
    let (texts, starts) = split(
        "nodetool.document.SplitMarkdown",
        json!({"document": document("text/markdown", md)}),
    )
    .await
    .expect("the split");
    assert_eq!(
        texts,
        [
            "Run the installer.",
            "```sh\n# as root\nmake install\n```",
            "Start it."
        ]
    );
    assert_eq!(starts[0], 10);
}

#[tokio::test]
async fn split_html_gives_one_piece_per_block() {
    let html = "<html><body><h1>News</h1><p>Rust <b>1.95</b> is out.</p><ul><li>faster</li><li>safer</li></ul></body></html>";
    let (texts, starts) = split(
        "nodetool.document.SplitHTML",
        json!({"document": document("text/html", html)}),
    )
    .await
    .expect("the split");
    assert_eq!(texts, ["News", "Rust 1.95 is out.", "faster", "safer"]);
    assert_eq!(starts, [0, 1, 2, 3]);
}

#[tokio::test]
async fn split_sentences_reads_html_pages_as_text() {
    let html = "<!DOCTYPE html><html><p>One sentence. Another one!</p><p>A third?</p></html>";
    let (texts, _) = split(
        "nodetool.document.SplitSentences",
        json!({"document": document("text/html", html), "chunk_size": 20}),
    )
    .await
    .expect("the split");
    assert_eq!(texts, ["One sentence.", "Another one!", "A third?"]);
}

#[tokio::test]
async fn a_missing_or_binary_document_names_the_property() {
    let missing = split("nodetool.document.SplitRecursively", json!({}))
        .await
        .unwrap_err();
    assert!(
        missing.contains("document: no document is set"),
        "{missing}"
    );
    let binary = json!({"type": "document", "uri": "data:application/octet-stream;base64,//79"});
    let error = split(
        "nodetool.document.SplitSentences",
        json!({"document": binary}),
    )
    .await
    .unwrap_err();
    assert!(error.contains("document: not UTF-8 text"), "{error}");
    let zero = split(
        "nodetool.document.SplitRecursively",
        json!({"document": document("text/plain", "x"), "chunk_size": 0}),
    )
    .await
    .unwrap_err();
    assert!(zero.contains("chunk_size: 0"), "{zero}");
}
