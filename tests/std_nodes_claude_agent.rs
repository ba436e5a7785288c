//! `anthropic.agents.ClaudeAgent` in a graph: the nodes it controls are its tools (named from
//! their titles, the graph's values kept under the model's arguments), the model here a
//! scripted OpenAI-compatible server, the controlled search node a SerpApi stand-in.

mod node_harness;
mod replay_server;
mod scripted_llm;

use nodetool::config::Environment;
use nodetool::prelude::*;
use scripted_llm::{serve, Reply, Seen};
use serde_json::json;
use std::sync::Arc;

#[tokio::test]
async fn controlled_nodes_are_the_agents_tools() {
    let (llm, scripted) = serve(|seen: Seen| async move {
        match seen.tool_results().len() {
            0 => Reply::call("web_search", json!({"keyword": "rust language"})),
            _ => Reply::text("Rust is a systems language (rust-lang.org)."),
        }
    })
    .await;
    let (serp, serp_seen) = replay_server::serve(vec![replay_server::Canned {
        status: 200,
        content_type: "application/json",
        body: json!({"search_metadata": {"status": "Success"}, "organic_results": [
            {"position": 1, "title": "Rust Programming Language", "link": "https://rust-lang.org"}]})
        .to_string(),
        headers: Vec::new(),
    }])
    .await;
    let env = Environment::builder()
        .process_env([
            ("OPENAI_BASE_URL".to_owned(), llm.clone()),
            ("OPENAI_API_KEY".to_owned(), "sk-test".to_owned()),
            ("SERPAPI_API_KEY".to_owned(), "serp-key".to_owned()),
            ("SERPAPI_BASE_URL".to_owned(), serp.clone()),
        ])
        .dotenv_dir(None)
        .settings_file(None)
        .secrets_file(None)
        .build()
        .unwrap();
    let ctx = ProcessingContext::builder()
        .environment(Arc::new(env))
        .build();
    // As NodeTool's examples save it: an empty keyword, the agent fills it in.
    let graph = json!({
        "nodes": [
            {"id": "agent", "type": "anthropic.agents.ClaudeAgent", "data": {
                "prompt": "What is Rust? Search the web.",
                "model": {"type": "language_model", "provider": "openai", "id": "scripted"},
                "max_turns": 5, "allowed_tools": [], "permission_mode": "acceptEdits"}},
            {"id": "search", "type": "search.google.GoogleSearch",
             "data": {"keyword": "", "num_results": 3}, "ui_properties": {"title": "Web Search"}},
            {"id": "save", "type": "nodetool.dictionary.SaveJSON", "data": {"name": "x.json"}},
            {"id": "out", "type": "nodetool.output.Output", "data": {"name": "saved"}},
            {"id": "chunks", "type": "nodetool.output.Output", "data": {"name": "chunks"}}
        ],
        "edges": [
            {"source": "agent", "sourceHandle": "__control__", "target": "search",
             "targetHandle": "__control__", "edge_type": "control"},
            {"source": "agent", "sourceHandle": "text", "target": "save", "targetHandle": "data"},
            {"source": "save", "sourceHandle": "output", "target": "out", "targetHandle": "value"},
            {"source": "agent", "sourceHandle": "chunk", "target": "chunks", "targetHandle": "value"}
        ]
    });
    let result = node_harness::run_graph(graph, &ctx).await.unwrap();
    // SaveJSON without a folder gives the JSON text of the agent's answer.
    assert_eq!(
        result.get("saved"),
        Some(&json!("\"Rust is a systems language (rust-lang.org).\""))
    );
    let chunks = result.values("chunks");
    assert!(!chunks.is_empty());
    assert!(chunks
        .iter()
        .all(|c| c["type"] == "chunk" && c["content_type"] == "text"));

    // The model was offered the controlled node under its title, and got its results.
    let requests = scripted.seen();
    // `allowed_tools: []` keeps NodeTool's default (Read, Write, Bash): read_file and
    // write_file here; Bash has no counterpart.
    let names = requests[0].tool_names();
    for name in ["web_search", "read_file", "write_file"] {
        assert!(names.iter().any(|n| n == name), "{names:?}");
    }
    let tools = requests[0].body["tools"].as_array().unwrap();
    let search = tools
        .iter()
        .find(|t| t["function"]["name"] == "web_search")
        .unwrap();
    assert!(
        search["function"]["parameters"]["properties"]["keyword"].is_object(),
        "{search}"
    );
    assert!(requests[1].tool_results()[0].contains("Rust Programming Language"));
    // The search ran with the model's keyword and the graph's num_results.
    let serp_requests = replay_server::seen(&serp_seen);
    assert_eq!(serp_requests.len(), 1);
    let uri = &serp_requests[0].uri;
    assert!(
        uri.contains("q=rust+language") || uri.contains("q=rust%20language"),
        "{uri}"
    );
    assert!(uri.contains("num=3"), "{uri}");
}

#[tokio::test]
async fn an_empty_prompt_is_refused_in_nodetools_words() {
    nodetool_std_nodes::link();
    let graph = json!({"nodes": [{"id": "agent", "type": "anthropic.agents.ClaudeAgent",
        "data": {"prompt": "  "}}], "edges": []});
    let error = node_harness::run_graph(graph, &ProcessingContext::default())
        .await
        .unwrap_err();
    assert!(error.contains("Prompt is required"), "{error}");
}
