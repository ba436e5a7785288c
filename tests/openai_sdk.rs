//! The official `openai` Python package against this server's `/v1` API, the default
//! provider being the real local model server (llama-cpp-python with a tiny model): models,
//! whole and streamed completions, a workflow model, a tool round trip (a scripted server,
//! since the tiny model cannot call tools), embeddings, errors, user isolation. Runs when
//! `NODETOOL_TEST_LLAMA_URL` is set and `python3 -c "import openai"` works (`.ci/run`
//! provides both); skipped with a note otherwise.

mod scripted_llm;

use nodetool::api::{serve, AppState, Auth};
use nodetool::models::Database;
use scripted_llm::{serve as llm, Reply, Seen};
use serde_json::json;
use std::sync::Arc;

const JWT_SECRET: &str = "sdk-test-secret";

fn token(user: &str) -> String {
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"sub": user, "exp": exp}),
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openai_python_package_works_against_v1() {
    let Ok(llama) = std::env::var("NODETOOL_TEST_LLAMA_URL") else {
        eprintln!("skipped: NODETOOL_TEST_LLAMA_URL is not set (scripts/llm_peer/start_server.sh)");
        return;
    };
    let has_sdk = std::process::Command::new("python3")
        .args(["-c", "import openai"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_sdk {
        eprintln!("skipped: the `openai` Python package is not installed (pip install openai)");
        return;
    }
    nodetool_std_nodes::link();
    let (scripted, _) = llm(|seen: Seen| async move {
        if seen.tool_results().is_empty() {
            Reply::call("get_weather", json!({"city": "Oslo"}))
        } else {
            Reply::text(&format!("It is {} in Oslo.", seen.tool_results()[0]))
        }
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let db = Database::sqlite(&dir.path().join("db.sqlite3"))
        .await
        .unwrap();
    let env = nodetool::config::Environment::builder()
        .process_env([
            ("LLAMA_CPP_URL", llama.as_str()),
            ("VLLM_BASE_URL", scripted.as_str()),
            ("NODETOOL_CHAT_MODEL", "tiny-llama"),
        ])
        .dotenv_dir(None)
        .settings_file(None)
        .secrets_file(None)
        .build()
        .unwrap();
    let auth = Auth::Jwt {
        key: jsonwebtoken::DecodingKey::from_secret(JWT_SECRET.as_bytes()),
        static_token: None,
    };
    let state = AppState::new(db, auth, None).with_environment(Arc::new(env));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve(listener, state, async move {
        let _ = stopped.await;
    }));
    let (alice, bob) = ("sdk-alice", "sdk-bob");
    let graph = json!({
        "nodes": [
            {"id": "q", "type": "nodetool.input.StringInput", "data": {"name": "question", "value": ""}},
            {"id": "llm", "type": "nodetool.llms.LLMStreaming", "data": {
                "model": {"type": "language_model", "provider": "llama_cpp", "id": "tiny-llama"},
                "system": "Answer.", "max_tokens": 8}},
            {"id": "a", "type": "nodetool.output.Output", "data": {"name": "answer"}}
        ],
        "edges": [
            {"source": "q", "sourceHandle": "output", "target": "llm", "targetHandle": "prompt"},
            {"source": "llm", "sourceHandle": "text", "target": "a", "targetHandle": "value"}
        ]
    });
    let created: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/workflows"))
        .bearer_auth(token(alice))
        .json(&json!({"name": "Tiny chat", "graph": graph}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(created["id"].is_string(), "{created}");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/openai_sdk_check.py");
    let mut command = std::process::Command::new("python3");
    command
        .arg(script)
        .env("NODETOOL_BASE", &base)
        .env("TOKEN_A", token(alice))
        .env("TOKEN_B", token(bob))
        .env("WORKFLOW_MODEL", "workflow:Tiny chat");
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.trim_end().ends_with("ok"),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    let _ = stop.send(());
}
