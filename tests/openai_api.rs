//! The OpenAI-compatible `/v1` API over a real socket: a scripted LLM (OpenAI's wire format)
//! behind the server as its `openai` provider; chat-shaped workflows and agents as models;
//! errors in OpenAI's shape; users who never see each other's models.

mod scripted_llm;

use futures_util::StreamExt;
use nodetool::api::{serve, AppState, Auth};
use nodetool::models::Database;
use nodetool::security::SecretCrypto;
use reqwest::StatusCode;
use scripted_llm::{serve as llm, Reply, Seen};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

const JWT_SECRET: &str = "openai-test-secret";

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

struct Server {
    base: String,
    http: reqwest::Client,
    _stop: tokio::sync::oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

impl Server {
    /// A server whose `openai` provider is the scripted LLM at `llm_url` (`with_key`: the
    /// server's settings carry the key; else only users' secrets do).
    async fn start(llm_url: &str, with_key: bool) -> (Server, Database) {
        nodetool_std_nodes::link();
        let dir = tempfile::tempdir().unwrap();
        let db = Database::sqlite(&dir.path().join("db.sqlite3"))
            .await
            .unwrap();
        let mut vars = vec![
            ("OPENAI_BASE_URL", llm_url.to_owned()),
            ("NODETOOL_AGENT_TOOLS", "calculator".to_owned()),
        ];
        if with_key {
            vars.push(("OPENAI_API_KEY", "sk-server".to_owned()));
        }
        let env = nodetool::config::Environment::builder()
            .process_env(vars)
            .dotenv_dir(None)
            .settings_file(None)
            .secrets_file(None)
            .build()
            .unwrap();
        let auth = Auth::Jwt {
            key: jsonwebtoken::DecodingKey::from_secret(JWT_SECRET.as_bytes()),
            static_token: None,
        };
        let state = AppState::new(db.clone(), auth, Some(SecretCrypto::new("openai-master")))
            .with_environment(Arc::new(env));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(serve(listener, state, async move {
            let _ = stopped.await;
        }));
        (
            Server {
                base: format!("http://{addr}"),
                http: reqwest::Client::new(),
                _stop: stop,
                _dir: dir,
            },
            db,
        )
    }

    async fn post(&self, user: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token(user))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, user: &str, path: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token(user))
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A streamed completion: every `data:` payload, `[DONE]` included.
    async fn stream(&self, user: &str, body: Value) -> Vec<String> {
        let response = self
            .http
            .post(format!("{}/v1/chat/completions", self.base))
            .bearer_auth(token(user))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream"));
        let text = response.text().await.unwrap();
        text.lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .map(str::to_owned)
            .collect()
    }

    async fn create_workflow(&self, user: &str, name: &str, graph: Value) -> String {
        let (status, body) = self
            .post(
                user,
                "/api/workflows",
                json!({"name": name, "graph": graph}),
            )
            .await;
        assert!(status.is_success(), "{status}: {body}");
        body["id"].as_str().unwrap().to_owned()
    }
}

fn user() -> String {
    format!("user-{}", uuid::Uuid::new_v4())
}

/// A chat-shaped workflow: a text input → LLM (the scripted model) → text output.
fn chat_graph() -> Value {
    json!({
        "nodes": [
            {"id": "q", "type": "nodetool.input.StringInput", "data": {"name": "question", "value": ""}},
            {"id": "llm", "type": "nodetool.llms.LLM", "data": {
                "model": {"type": "language_model", "provider": "openai", "id": "scripted"},
                "system": "Answer.", "max_tokens": 50}},
            {"id": "a", "type": "nodetool.output.Output", "data": {"name": "answer"}}
        ],
        "edges": [
            {"source": "q", "sourceHandle": "output", "target": "llm", "targetHandle": "prompt"},
            {"source": "llm", "sourceHandle": "text", "target": "a", "targetHandle": "value"}
        ]
    })
}

#[tokio::test]
async fn completions_come_whole_or_streamed_in_openais_shape() {
    let (url, state) =
        llm(|seen: Seen| async move { Reply::text(&format!("You said: {}", seen.first_user())) })
            .await;
    let (server, _) = Server::start(&url, true).await;
    let alice = user();
    let body = json!({"model": "openai:scripted", "messages": [
        {"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello"}],
        "temperature": 0.5, "max_tokens": 20});
    let (status, reply) = server
        .post(&alice, "/v1/chat/completions", body.clone())
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["object"], "chat.completion");
    assert!(reply["id"].as_str().unwrap().starts_with("chatcmpl-"));
    assert_eq!(reply["model"], "openai:scripted");
    assert_eq!(reply["choices"][0]["message"]["role"], "assistant");
    assert_eq!(reply["choices"][0]["message"]["content"], "You said: hello");
    assert_eq!(reply["choices"][0]["finish_reason"], "stop");
    assert_eq!(
        reply["usage"],
        json!({"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15})
    );
    // The provider got the request as OpenAI's, with the server's key.
    let sent = &state.seen()[0].body;
    assert_eq!(sent["model"], "scripted");
    assert_eq!(sent["temperature"], 0.5);
    assert_eq!(sent["max_tokens"], 20);

    // Bare model names go to the default provider.
    let bare = json!({"model": "scripted", "messages": [{"role": "user", "content": "hi"}]});
    let (status, reply) = server.post(&alice, "/v1/chat/completions", bare).await;
    assert_eq!(
        (status, reply["choices"][0]["message"]["content"].as_str()),
        (StatusCode::OK, Some("You said: hi"))
    );

    // Streamed: deltas that concatenate to the text, a finish, the usage when asked, [DONE].
    let mut streamed = body.clone();
    streamed["stream"] = json!(true);
    streamed["stream_options"] = json!({"include_usage": true});
    let events = server.stream(&alice, streamed).await;
    assert_eq!(events.last().map(String::as_str), Some("[DONE]"));
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(e).unwrap())
        .collect();
    assert!(chunks
        .iter()
        .all(|c| c["object"] == "chat.completion.chunk"));
    let text: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, "You said: hello");
    assert!(chunks
        .iter()
        .any(|c| c["choices"][0]["finish_reason"] == "stop"));
    let usage = chunks.last().unwrap();
    assert_eq!(usage["choices"], json!([]));
    assert_eq!(usage["usage"]["total_tokens"], 15);
}

#[tokio::test]
async fn tool_calls_go_both_ways() {
    let (url, state) = llm(|seen: Seen| async move {
        if seen.tool_results().is_empty() {
            Reply::call("get_weather", json!({"city": "Oslo"}))
        } else {
            Reply::text(&format!("It is {}.", seen.tool_results()[0]))
        }
    })
    .await;
    let (server, _) = Server::start(&url, true).await;
    let alice = user();
    let tools = json!([{"type": "function", "function": {"name": "get_weather",
        "description": "Weather of a city", "parameters": {"type": "object",
        "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]);
    let (status, reply) = server
        .post(
            &alice,
            "/v1/chat/completions",
            json!({"model": "openai:scripted", "tools": tools,
            "tool_choice": "auto", "messages": [{"role": "user", "content": "Weather in Oslo?"}]}),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    let message = &reply["choices"][0]["message"];
    assert_eq!(message["content"], Value::Null);
    assert_eq!(reply["choices"][0]["finish_reason"], "tool_calls");
    let call = &message["tool_calls"][0];
    assert_eq!(call["type"], "function");
    assert_eq!(call["function"]["name"], "get_weather");
    assert_eq!(
        serde_json::from_str::<Value>(call["function"]["arguments"].as_str().unwrap()).unwrap(),
        json!({"city": "Oslo"})
    );
    assert_eq!(state.seen()[0].tool_names(), ["get_weather"]);
    // The client runs the tool and sends the result back.
    let follow_up = json!({"model": "openai:scripted", "tools": tools, "messages": [
        {"role": "user", "content": "Weather in Oslo?"},
        {"role": "assistant", "content": null, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": "sunny"}]});
    let (_, reply) = server
        .post(&alice, "/v1/chat/completions", follow_up.clone())
        .await;
    assert_eq!(reply["choices"][0]["message"]["content"], "It is sunny.");
    // Streamed tool calls arrive as deltas with an index.
    let events = server
        .stream(
            &alice,
            json!({"model": "openai:scripted", "stream": true, "tools": tools,
            "messages": [{"role": "user", "content": "again"}]}),
        )
        .await;
    let deltas: Vec<Value> = events
        .iter()
        .filter(|e| e.as_str() != "[DONE]")
        .map(|e| serde_json::from_str::<Value>(e).unwrap())
        .collect();
    let call = deltas
        .iter()
        .find_map(|d| d["choices"][0]["delta"]["tool_calls"].get(0).cloned())
        .expect("a tool call delta");
    assert_eq!(
        (call["index"].as_u64(), call["function"]["name"].as_str()),
        (Some(0), Some("get_weather"))
    );
    assert!(deltas
        .iter()
        .any(|d| d["choices"][0]["finish_reason"] == "tool_calls"));
}

#[tokio::test]
async fn errors_come_in_openais_shape() {
    let (url, _) = llm(|seen: Seen| async move {
        if seen.first_user() == "busy" {
            Reply::Error(429, "Rate limit reached".into())
        } else {
            Reply::text("ok")
        }
    })
    .await;
    let (server, _) = Server::start(&url, true).await;
    let alice = user();
    let (status, body) = server
        .post(
            &alice,
            "/v1/chat/completions",
            json!({"model": "nope:model:x", "messages": [{"role": "user", "content": "x"}]}),
        )
        .await;
    // An unknown provider prefix is a bare model name for the default provider.
    assert_eq!(status, 200, "{body}");
    let (status, body) = server
        .post(
            &alice,
            "/v1/chat/completions",
            json!({"model": "workflow:ghost", "messages": [{"role": "user", "content": "x"}]}),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "model_not_found");
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert_eq!(body["error"]["param"], "model");
    let (status, body) = server
        .post(
            &alice,
            "/v1/chat/completions",
            json!({"model": "openai:scripted", "messages": [{"role": "wizard", "content": "x"}]}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["param"], "messages[0].role");
    let (status, body) = server
        .post(
            &alice,
            "/v1/chat/completions",
            json!({"model": "openai:scripted"}),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("messages"),
        "{body}"
    );
    // A provider's 429 passes through (after the provider's own retries).
    let (status, body) = server
        .post(
            &alice,
            "/v1/chat/completions",
            json!({"model": "openai:scripted", "messages": [{"role": "user", "content": "busy"}]}),
        )
        .await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["type"], "rate_limit_error");
    // A bad token.
    let response = server
        .http
        .get(format!("{}/v1/models", server.base))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_api_key");
}

#[tokio::test]
async fn workflows_and_agents_are_models_and_users_see_only_their_own() {
    let (url, _) = llm(|seen: Seen| async move {
        if seen.tool_names().iter().any(|t| t == "create_task") {
            return Reply::call(
                "create_task",
                json!({"title": "t", "subtasks": [{"id": "answer", "content": "Answer the question."}]}),
            );
        }
        if seen.tool_names().iter().any(|t| t == "finish_subtask") {
            return Reply::finish(json!("The agent's answer."));
        }
        Reply::text(&format!("Workflow says: {}", seen.first_user()))
    })
    .await;
    let (server, _) = Server::start(&url, true).await;
    let (alice, bob) = (user(), user());
    server.create_workflow(&alice, "Ask", chat_graph()).await;
    // Not chat-shaped: no text output.
    server
        .create_workflow(&alice, "Numbers", json!({"nodes": [
            {"id": "x", "type": "nodetool.input.IntegerInput", "data": {"name": "x"}},
            {"id": "y", "type": "nodetool.output.Output", "data": {"name": "y"}}],
            "edges": [{"source": "x", "sourceHandle": "output", "target": "y", "targetHandle": "value"}]}))
        .await;
    let (_, models) = server.get(&alice, "/v1/models").await;
    assert_eq!(models["object"], "list");
    let ids: Vec<&str> = models["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    for id in [
        "openai:scripted",
        "scripted",
        "workflow:Ask",
        "agent:openai:gpt-4o-mini",
    ] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    assert!(!ids.contains(&"workflow:Numbers"), "{ids:?}");
    let (status, model) = server.get(&alice, "/v1/models/workflow:Ask").await;
    assert_eq!(
        (status, model["owned_by"].as_str()),
        (StatusCode::OK, Some("workflow"))
    );

    let ask = json!({"model": "workflow:Ask", "messages": [{"role": "user", "content": "ping"}]});
    let (status, reply) = server
        .post(&alice, "/v1/chat/completions", ask.clone())
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(
        reply["choices"][0]["message"]["content"],
        "Workflow says: ping"
    );
    let mut streamed = ask.clone();
    streamed["stream"] = json!(true);
    let events = server.stream(&alice, streamed).await;
    let text: String = events
        .iter()
        .filter(|e| e.as_str() != "[DONE]")
        .filter_map(|e| {
            serde_json::from_str::<Value>(e).ok()?["choices"][0]["delta"]["content"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(text, "Workflow says: ping");

    // Bob sees none of it, and cannot call it.
    let (_, models) = server.get(&bob, "/v1/models").await;
    assert!(!models.to_string().contains("workflow:Ask"));
    let (status, _) = server.post(&bob, "/v1/chat/completions", ask).await;
    assert_eq!(status, 404);

    // An agent model.
    let (status, reply) = server
        .post(
            &alice,
            "/v1/chat/completions",
            json!({"model": "agent:openai:scripted",
            "messages": [{"role": "user", "content": "What is it?"}]}),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(
        reply["choices"][0]["message"]["content"],
        "The agent's answer."
    );
}

#[tokio::test]
async fn a_users_own_secret_supplies_the_provider_key() {
    let (url, state) = llm(|_seen: Seen| async move { Reply::text("ok") }).await;
    let (server, _) = Server::start(&url, false).await;
    let alice = user();
    let response = server
        .http
        .put(format!(
            "{}/api/settings/secrets/OPENAI_API_KEY",
            server.base
        ))
        .bearer_auth(token(&alice))
        .json(&json!({"value": "sk-alice"}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let (status, _) = server
        .post(
            &alice,
            "/v1/chat/completions",
            json!({"model": "openai:scripted", "messages": [{"role": "user", "content": "x"}]}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(state.seen()[0].auth.as_deref(), Some("Bearer sk-alice"));
    // Bob has no such secret: his request goes without a key.
    let (status, _) = server
        .post(
            &user(),
            "/v1/chat/completions",
            json!({"model": "openai:scripted", "messages": [{"role": "user", "content": "x"}]}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(state.seen()[1].auth, None);
}

#[tokio::test]
async fn embeddings_come_as_floats_or_base64() {
    let (url, _) = llm(|_seen: Seen| async move { Reply::text("unused") }).await;
    let (server, _) = Server::start(&url, true).await;
    let alice = user();
    let (status, body) = server
        .post(
            &alice,
            "/v1/embeddings",
            json!({"model": "openai:scripted-embed", "input": ["ab", "abcd"]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["object"], "list");
    assert_eq!(body["data"][1]["embedding"], json!([4.0, 1.0, 2.0, 3.0]));
    assert_eq!(body["usage"]["prompt_tokens"], 4);
    let (_, body) = server
        .post(
            &alice,
            "/v1/embeddings",
            json!({"model": "scripted-embed", "input": "abc", "encoding_format": "base64"}),
        )
        .await;
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body["data"][0]["embedding"].as_str().unwrap())
        .unwrap();
    let floats: Vec<f32> = bytes
        .chunks(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    assert_eq!(floats, [3.0, 1.0, 2.0, 3.0]);
    let (status, body) = server
        .post(
            &alice,
            "/v1/embeddings",
            json!({"model": "scripted", "input": [1, 2]}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["param"].as_str()),
        (StatusCode::BAD_REQUEST, Some("input"))
    );
}

#[tokio::test]
async fn a_client_that_disconnects_cancels_the_provider_request() {
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&dropped);
    let (url, _) = llm(move |_seen: Seen| {
        let flag = Arc::clone(&flag);
        async move {
            struct Guard(Arc<AtomicBool>);
            impl Drop for Guard {
                fn drop(&mut self) {
                    self.0.store(true, Ordering::SeqCst);
                }
            }
            let guard = Guard(flag);
            tokio::time::sleep(Duration::from_secs(3600)).await;
            std::mem::forget(guard);
            Reply::text("never")
        }
    })
    .await;
    let (server, _) = Server::start(&url, true).await;
    let alice = user();
    let request = server
        .http
        .post(format!("{}/v1/chat/completions", server.base))
        .bearer_auth(token(&alice))
        .json(&json!({"model": "openai:scripted", "stream": true, "messages": [{"role": "user", "content": "x"}]}))
        .send();
    // The client gives up after 300 ms.
    assert!(tokio::time::timeout(Duration::from_millis(300), request)
        .await
        .is_err());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !dropped.load(Ordering::SeqCst) {
        assert!(
            std::time::Instant::now() < deadline,
            "the provider request was not cancelled"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = futures_util::stream::empty::<()>().next().await;
}
