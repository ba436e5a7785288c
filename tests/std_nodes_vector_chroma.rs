//! `vector.chroma` nodes over the embedded collection store (a temporary `CHROMA_PATH`),
//! texts embedded through a stand-in of Ollama's `/api/embed` (the provider NodeTool's
//! collections use) whose vectors are bags of words, so texts sharing words are near.

use axum::routing::post;
use nodetool::prelude::*;
use nodetool::workflows::RunError;
use serde_json::{json, Map, Value};
use std::sync::{Arc, Mutex};

const DIM: usize = 64;

/// A bag-of-words vector: each lower-cased word adds 1 to a bucket, then unit length.
fn bag_of_words(text: &str) -> Vec<f32> {
    let mut v = vec![0f32; DIM];
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let hash = word
            .to_lowercase()
            .bytes()
            .fold(5381u32, |h, b| h.wrapping_mul(33) ^ u32::from(b));
        v[hash as usize % DIM] += 1.0;
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
    v.iter().map(|x| x / norm).collect()
}

/// Ollama's `/api/embed` stand-in; the models it was asked for.
async fn ollama() -> (String, Arc<Mutex<Vec<String>>>) {
    let models = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&models);
    let app = axum::Router::new().route(
        "/api/embed",
        post(move |body: axum::Json<Value>| {
            let seen = Arc::clone(&seen);
            async move {
                seen.lock()
                    .unwrap()
                    .push(body["model"].as_str().unwrap_or("").to_owned());
                let inputs: Vec<String> = match &body["input"] {
                    Value::String(s) => vec![s.clone()],
                    Value::Array(a) => a
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect(),
                    _ => Vec::new(),
                };
                let embeddings: Vec<Vec<f32>> = inputs.iter().map(|t| bag_of_words(t)).collect();
                axum::Json(json!({"model": body["model"], "embeddings": embeddings}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), models)
}

fn context(user: &str, vars: &[(&str, &str)]) -> ProcessingContext {
    let env = nodetool::config::Environment::builder()
        .process_env(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())))
        .dotenv_dir(None)
        .settings_file(None)
        .secrets_file(None)
        .build()
        .unwrap();
    ProcessingContext::builder()
        .user_id(user)
        .environment(Arc::new(env))
        .build()
}

async fn run(graph: Value, ctx: &ProcessingContext) -> Result<Map<String, Value>, String> {
    nodetool_std_nodes::link();
    let graph = Graph::from_json_str(&graph.to_string()).map_err(|e| e.to_string())?;
    let runner = WorkflowRunner::from_graph(&graph).map_err(|e| e.to_string())?;
    match runner.run(ctx, Map::new()).await {
        Ok(result) => Ok(result
            .outputs
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_array()
                        .and_then(|a| a.last())
                        .cloned()
                        .unwrap_or(Value::Null),
                )
            })
            .collect()),
        Err(RunError::NodeFailed { error, .. }) => Err(error.to_string()),
        Err(other) => Err(other.to_string()),
    }
}

fn node(id: &str, node_type: &str, data: Value) -> Value {
    json!({"id": id, "type": node_type, "data": data})
}

fn edge(source: &str, sh: &str, target: &str, th: &str) -> Value {
    json!({"id": format!("{source}-{target}-{th}"), "source": source, "sourceHandle": sh, "target": target, "targetHandle": th})
}

fn output(name: &str) -> Value {
    node(name, "nodetool.output.Output", json!({"name": name}))
}

const PAPERS: [(&str, &str, i64); 3] = [
    (
        "p1",
        "Transformers use attention to model long context in language",
        2017,
    ),
    (
        "p2",
        "Convolutional networks classify images with shared filters",
        2012,
    ),
    (
        "p3",
        "Recurrent networks read sequences one token at a time",
        1997,
    ),
];

/// Creates collection `papers` (embedded by Ollama's `nomic-embed-text`) and indexes PAPERS.
fn index_graph() -> Value {
    let mut nodes = vec![node(
        "c",
        "vector.chroma.Collection",
        json!({"name": "papers", "embedding_model": {"type": "llama_model", "repo_id": "nomic-embed-text"}}),
    )];
    let mut edges = Vec::new();
    for (id, text, year) in PAPERS {
        nodes.push(node(
            id,
            "vector.chroma.IndexTextChunk",
            json!({"document_id": id, "text": text, "metadata": {"year": year}}),
        ));
        edges.push(edge("c", "output", id, "collection"));
    }
    json!({"nodes": nodes, "edges": edges})
}

fn collection() -> Value {
    json!({"type": "collection", "name": "papers"})
}

#[tokio::test]
async fn a_collection_is_indexed_then_searched_by_meaning_and_keywords() {
    let (url, models) = ollama().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap();
    let ctx = context("alice", &[("OLLAMA_API_URL", &url), ("CHROMA_PATH", path)]);
    run(index_graph(), &ctx).await.unwrap();
    assert!(models
        .lock()
        .unwrap()
        .iter()
        .all(|m| m == "nomic-embed-text"));

    let graph = json!({
        "nodes": [
            node("hybrid", "vector.chroma.HybridSearch",
                 json!({"collection": collection(), "text": "How does attention handle long context?", "n_results": 2})),
            node("query", "vector.chroma.QueryText",
                 json!({"collection": collection(), "text": "networks that classify images", "n_results": 2})),
            node("count", "vector.chroma.Count", json!({"collection": collection()})),
            node("get", "vector.chroma.GetDocuments", json!({"collection": collection(), "ids": ["p3"]})),
            node("peek", "vector.chroma.Peek", json!({"collection": collection(), "limit": 2})),
            output("hybrid_ids"), output("hybrid_scores"), output("hybrid_docs"),
            output("query_ids"), output("n"), output("got"), output("peeked"),
        ],
        "edges": [
            edge("hybrid", "ids", "hybrid_ids", "value"),
            edge("hybrid", "scores", "hybrid_scores", "value"),
            edge("hybrid", "documents", "hybrid_docs", "value"),
            edge("query", "ids", "query_ids", "value"),
            edge("count", "output", "n", "value"),
            edge("get", "output", "got", "value"),
            edge("peek", "output", "peeked", "value"),
        ]
    });
    let out = run(graph, &ctx).await.unwrap();
    assert_eq!(out["hybrid_ids"][0], "p1", "{out:?}");
    assert_eq!(out["hybrid_ids"].as_array().unwrap().len(), 2);
    assert_eq!(out["hybrid_docs"][0], PAPERS[0].1);
    let scores: Vec<f64> = out["hybrid_scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_f64().unwrap())
        .collect();
    assert!(scores[0] > scores[1], "best first: {scores:?}");
    // p1 is first in both rankings: 1/60 + 1/60.
    assert!((scores[0] - 2.0 / 60.0).abs() < 1e-9, "{scores:?}");
    // QueryText's two nearest, sorted by id as NodeTool does.
    let query_ids = out["query_ids"].as_array().unwrap();
    assert!(query_ids.contains(&json!("p2")), "{query_ids:?}");
    assert!(query_ids[0].as_str() < query_ids[1].as_str());
    assert_eq!(out["n"], 3);
    assert_eq!(out["got"], json!([PAPERS[2].1]));
    // The three index nodes run side by side: any two, in the order they were stored.
    let peeked = out["peeked"].as_array().unwrap();
    assert_eq!(peeked.len(), 2);
    assert!(
        peeked.iter().all(|d| PAPERS.iter().any(|p| d == p.1)),
        "{peeked:?}"
    );

    // Indexing again replaces the records; another user sees no collection of that name.
    run(index_graph(), &ctx).await.unwrap();
    let count = json!({"nodes": [node("count", "vector.chroma.Count", json!({"collection": collection()})), output("n")],
                       "edges": [edge("count", "output", "n", "value")]});
    assert_eq!(run(count.clone(), &ctx).await.unwrap()["n"], 3);
    let bob = context("bob", &[("OLLAMA_API_URL", &url), ("CHROMA_PATH", path)]);
    assert_eq!(
        run(count, &bob).await.unwrap_err(),
        "collection `papers` does not exist"
    );
}

#[tokio::test]
async fn mistakes_are_named() {
    let (url, _) = ollama().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap();
    let ctx = context("alice", &[("OLLAMA_API_URL", &url), ("CHROMA_PATH", path)]);
    let no_model = json!({"nodes": [
            node("c", "vector.chroma.Collection", json!({"name": "plain"})),
            node("i", "vector.chroma.IndexString", json!({"text": "hello", "document_id": "d"}))],
        "edges": [edge("c", "output", "i", "collection")]});
    let error = run(no_model, &ctx).await.unwrap_err();
    assert!(
        error.contains("collection `plain` has no embedding model"),
        "{error}"
    );

    let no_id = json!({"nodes": [node("i", "vector.chroma.IndexString",
        json!({"collection": {"type": "collection", "name": "plain"}, "text": "hello"}))], "edges": []});
    assert_eq!(
        run(no_id, &ctx).await.unwrap_err(),
        "The document ID cannot be empty"
    );

    let empty = json!({"nodes": [node("h", "vector.chroma.HybridSearch",
        json!({"collection": {"type": "collection", "name": "plain"}}))], "edges": []});
    assert_eq!(
        run(empty, &ctx).await.unwrap_err(),
        "Search text cannot be empty"
    );

    let bad_name = json!({"nodes": [node("c", "vector.chroma.Collection", json!({"name": "no spaces"}))], "edges": []});
    assert!(run(bad_name, &ctx)
        .await
        .unwrap_err()
        .contains("collection name `no spaces`"));

    let remote = context(
        "alice",
        &[
            ("CHROMA_URL", "http://127.0.0.1:8000"),
            ("CHROMA_PATH", path),
        ],
    );
    let count = json!({"nodes": [node("n", "vector.chroma.Count", json!({"collection": {"type": "collection", "name": "plain"}}))], "edges": []});
    let error = run(count, &remote).await.unwrap_err();
    assert!(error.contains("CHROMA_URL is set"), "{error}");
}

#[tokio::test]
async fn agents_search_a_collection_with_the_search_collection_tool() {
    let (url, _) = ollama().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap();
    let ctx = context("alice", &[("OLLAMA_API_URL", &url), ("CHROMA_PATH", path)]);
    run(index_graph(), &ctx).await.unwrap();
    let tool = nodetool_std_nodes::tools::resolve("search_collection").unwrap();
    let schema = tool.parameters();
    assert_eq!(
        schema["required"],
        json!(["collection", "query"]),
        "{schema}"
    );
    let found = tool
        .call(
            &ctx,
            json!({"collection": "papers", "query": "attention and long context", "n_results": 1}),
        )
        .await
        .unwrap();
    assert_eq!(found["passages"][0]["id"], "p1", "{found}");
    assert_eq!(found["passages"][0]["metadata"]["year"], 2017);
    let missing = tool
        .call(&ctx, json!({"collection": "nope", "query": "x"}))
        .await
        .unwrap_err();
    assert!(
        missing
            .to_string()
            .contains("collection `nope` does not exist"),
        "{missing}"
    );
}
