//! `lib.pymupdf.ExtractText` on PDFs written here byte by byte (Helvetica text, one content
//! stream per page, a correct cross-reference table), as NodeTool's Summarize_Paper uses it.

mod node_harness;

use base64::Engine;
use serde_json::{json, Value};

/// A PDF with one page per entry of `pages`, each showing its text in Helvetica.
fn pdf(pages: &[&str]) -> Vec<u8> {
    let n = pages.len();
    // Objects: 1 catalog, 2 page tree, 3 font, then a page and its content for each page.
    let mut objects: Vec<String> = Vec::new();
    objects.push("<< /Type /Catalog /Pages 2 0 R >>".to_owned());
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 4 + 2 * i)).collect();
    objects.push(format!(
        "<< /Type /Pages /Kids [{}] /Count {n} >>",
        kids.join(" ")
    ));
    objects.push(
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_owned(),
    );
    for (i, text) in pages.iter().enumerate() {
        let content = format!("BT /F1 18 Tf 72 720 Td ({text}) Tj ET");
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            5 + 2 * i
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ));
    }
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{object}\nendobj\n", i + 1).bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for offset in offsets {
        out.extend(format!("{offset:010} 00000 n \n").bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .bytes(),
    );
    out
}

fn document(bytes: &[u8]) -> Value {
    let data = base64::engine::general_purpose::STANDARD.encode(bytes);
    json!({"type": "document", "uri": format!("data:application/pdf;base64,{data}")})
}

fn words(text: &str) -> Vec<&str> {
    text.split_whitespace().collect()
}

#[tokio::test]
async fn pages_are_extracted_in_the_range_asked_for() {
    let doc = document(&pdf(&[
        "Attention is all you need",
        "Results on translation",
        "References",
    ]));
    let all = node_harness::ok("lib.pymupdf.ExtractText", json!({"pdf": doc})).await;
    assert_eq!(
        words(all.as_str().unwrap()),
        [
            "Attention",
            "is",
            "all",
            "you",
            "need",
            "Results",
            "on",
            "translation",
            "References"
        ]
    );
    let middle = node_harness::ok(
        "lib.pymupdf.ExtractText",
        json!({"pdf": doc, "start_page": 1, "end_page": 1}),
    )
    .await;
    assert_eq!(
        words(middle.as_str().unwrap()),
        ["Results", "on", "translation"]
    );
    let tail = node_harness::ok(
        "lib.pymupdf.ExtractText",
        json!({"pdf": doc, "start_page": 2}),
    )
    .await;
    assert_eq!(words(tail.as_str().unwrap()), ["References"]);
}

#[tokio::test]
async fn bad_input_is_named() {
    let doc = document(&pdf(&["one page"]));
    let error = node_harness::err(
        "lib.pymupdf.ExtractText",
        json!({"pdf": doc, "start_page": 4}),
    )
    .await;
    assert!(
        error.contains("start_page: 4") && error.contains("1-page"),
        "{error}"
    );
    let error = node_harness::err("lib.pymupdf.ExtractText", json!({})).await;
    assert!(error.contains("pdf: no document is set"), "{error}");
    let error = node_harness::err(
        "lib.pymupdf.ExtractText",
        json!({"pdf": document(b"not a pdf at all")}),
    )
    .await;
    assert!(
        error.starts_with("pdf: ") || error.contains("pdf: "),
        "{error}"
    );
    // A truncated PDF: an error, never a crash.
    let mut cut = pdf(&["some text here"]);
    cut.truncate(cut.len() / 2);
    let error = node_harness::err("lib.pymupdf.ExtractText", json!({"pdf": document(&cut)})).await;
    assert!(error.contains("pdf"), "{error}");
}

#[tokio::test]
async fn a_pdf_document_is_split_by_its_text() {
    // `nodetool.document` nodes read a PDF's text (SplitSentences here).
    let doc = document(&pdf(&["Attention is all you need.", "Results follow."]));
    let graph = json!({
        "nodes": [
            {"id": "split", "type": "nodetool.document.SplitSentences", "data": {"document": doc, "chunk_size": 40}},
            {"id": "all", "type": "nodetool.control.Collect", "data": {}},
            {"id": "o", "type": "nodetool.output.Output", "data": {"name": "o"}}
        ],
        "edges": [
            {"source": "split", "sourceHandle": "text", "target": "all", "targetHandle": "input_item"},
            {"source": "all", "sourceHandle": "output", "target": "o", "targetHandle": "value"}
        ]
    });
    let result = node_harness::run_graph(graph, &nodetool::prelude::ProcessingContext::default())
        .await
        .expect("the split");
    let texts: Vec<String> =
        serde_json::from_value(result.get("o").cloned().unwrap_or_default()).expect("texts");
    let joined = words(&texts.join(" ")).join(" ");
    assert_eq!(joined, "Attention is all you need. Results follow.");
    assert!(
        !texts.is_empty() && texts.iter().all(|t| t.chars().count() <= 40),
        "{texts:?}"
    );
}
