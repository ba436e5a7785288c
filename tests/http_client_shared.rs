//! Contexts, runs and chat providers share one process-wide HTTP client: building a
//! `reqwest::Client` loads the system's CA store (milliseconds), which once made every run
//! pay ~6 ms before its first node. Structural checks, not timings.
//!
//! One test function on purpose: it asserts on a process-wide counter, and the tests of one
//! file share a process under `cargo test`.

use nodetool::chat::{AnthropicProvider, GeminiProvider, OllamaProvider, OpenAiProvider};
use nodetool::http::{shared_client, shared_client_builds};
use nodetool::prelude::*;
use serde_json::{json, Map};
use std::sync::Mutex;

/// Where each run of `test.http.ClientAddress` saw its context's client.
static SEEN: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// Records the address of the HTTP client its context hands out.
#[node(namespace = "test.http")]
pub struct ClientAddress {
    /// Ignored.
    #[input(default = 0)]
    pub x: i64,
}

impl Process for ClientAddress {
    type Output = i64;

    async fn process(&self, ctx: &ProcessingContext) -> Result<i64> {
        let address = ctx.http() as *const reqwest::Client as usize;
        SEEN.lock().map_err(|_| "poisoned")?.push(address);
        Ok(self.x)
    }
}

fn graph() -> Graph {
    Graph::from_json_str(
        &json!({
            "nodes": [
                {"id": "a", "type": "test.http.ClientAddress", "data": {"x": 1}},
                {"id": "b", "type": "test.http.ClientAddress", "data": {}},
                {"id": "out", "type": "nodetool.output.Output", "data": {"name": "out"}}
            ],
            "edges": [
                {"source": "a", "sourceHandle": "output", "target": "b", "targetHandle": "x"},
                {"source": "b", "sourceHandle": "output", "target": "out", "targetHandle": "value"}
            ]
        })
        .to_string(),
    )
    .expect("a valid graph")
}

#[tokio::test]
async fn contexts_runs_and_providers_build_no_client_of_their_own() {
    nodetool_std_nodes::link();
    let runner = WorkflowRunner::from_graph(&graph()).expect("graph validates");

    // Building contexts and running graphs whose nodes never ask for a client builds none.
    for _ in 0..50 {
        let ctx = ProcessingContext::default();
        let _ = ProcessingContext::builder().user_id("u").build();
        drop(ctx);
    }
    assert_eq!(
        shared_client_builds(),
        0,
        "building a context built an HTTP client"
    );

    // Nodes of every run see the one shared client.
    for _ in 0..20 {
        let ctx = ProcessingContext::default();
        let result = runner.run(&ctx, Map::new()).await.expect("run completes");
        assert_eq!(result.get("out"), Some(&json!(1)));
    }
    let shared = shared_client() as *const reqwest::Client as usize;
    let seen = SEEN.lock().expect("not poisoned").clone();
    assert_eq!(seen.len(), 40, "each node ran once per run");
    assert!(
        seen.iter().all(|&a| a == shared),
        "a run handed its nodes a client other than the shared one"
    );

    // Providers made without a client take the shared one too.
    for _ in 0..10 {
        let _ = OpenAiProvider::new(Some("sk-test".into()));
        let _ = AnthropicProvider::new("key".to_owned());
        let _ = GeminiProvider::new("key".to_owned());
        let _ = OllamaProvider::new();
    }
    assert_eq!(
        shared_client_builds(),
        1,
        "the process built the shared HTTP client more than once"
    );

    // A client given to the builder is the one nodes see.
    let own = reqwest::Client::new();
    let ctx = ProcessingContext::builder().http_client(own).build();
    assert!(!std::ptr::eq(ctx.http(), shared_client()));
}
