//! The HTTP/WebSocket server over real sockets on 127.0.0.1: every route with a real HTTP
//! client, the WebSocket protocol, auth, cross-user isolation, malformed bodies, graceful
//! shutdown. On SQLite always; on PostgreSQL too when `NODETOOL_TEST_POSTGRES_URL` is set
//! (CI sets it), skipped with a message otherwise. Users are fresh UUIDs, so runs never see
//! each other's rows.

mod common;
mod scripted_llm;

use futures_util::{SinkExt, StreamExt};
use nodetool::api::{serve, AppState, Auth};
use nodetool::models::{Database, Job};
use nodetool::security::SecretCrypto;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;

const JWT_SECRET: &str = "test-jwt-secret";
const STATIC_TOKEN: &str = "static-test-token";

/// A server on an ephemeral port; dropping `stop` (or sending on it) shuts it down.
struct Server {
    base: String,
    ws: String,
    state: AppState,
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<()>,
    http: reqwest::Client,
}

impl Server {
    async fn start(state: AppState) -> Server {
        nodetool_std_nodes::link();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let serving = state.clone();
        let done = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.await;
            };
            serve(listener, serving, shutdown).await.expect("serves");
        });
        Server {
            base: format!("http://{addr}"),
            ws: format!("ws://{addr}/ws"),
            state,
            stop: Some(stop),
            done,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request as `user` (None: no token).
    fn req(
        &self,
        method: reqwest::Method,
        path: &str,
        user: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let builder = self.http.request(method, self.url(path));
        match user {
            Some(u) => builder.bearer_auth(token(u, false)),
            None => builder,
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        user: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.req(method, path, Some(user));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let response = req.send().await.expect("the server answers");
        let status = response.status();
        let text = response.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    async fn get(&self, path: &str, user: &str) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, user, None).await
    }

    async fn post(&self, path: &str, user: &str, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, path, user, Some(body))
            .await
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(20), &mut self.done)
            .await
            .expect("the server stops within 20 s")
            .unwrap();
    }
}

fn jwt_auth() -> Auth {
    Auth::Jwt {
        key: jsonwebtoken::DecodingKey::from_secret(JWT_SECRET.as_bytes()),
        static_token: Some(STATIC_TOKEN.into()),
    }
}

/// A JWT for `user`, valid for an hour (or expired an hour ago).
fn token(user: &str, expired: bool) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let exp = if expired { now - 3600 } else { now + 3600 };
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"sub": user, "exp": exp}),
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap()
}

fn user() -> String {
    format!("user-{}", uuid::Uuid::new_v4())
}

/// Runs `suite` against a server on SQLite (a temp file) and, when configured, PostgreSQL.
async fn on_both<F, Fut>(suite: F)
where
    F: Fn(Server) -> Fut,
    Fut: std::future::Future<Output = Server>,
{
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Database::sqlite(&dir.path().join("nodetool.sqlite3"))
        .await
        .expect("SQLite opens");
    let state = AppState::new(
        sqlite,
        jwt_auth(),
        Some(SecretCrypto::new("test-master-key")),
    );
    suite(Server::start(state).await).await.stop().await;
    match std::env::var("NODETOOL_TEST_POSTGRES_URL") {
        Ok(url) => {
            let db = Database::connect(&url).await.expect("PostgreSQL answers");
            let state = AppState::new(db, jwt_auth(), Some(SecretCrypto::new("test-master-key")));
            suite(Server::start(state).await).await.stop().await;
        }
        Err(_) => eprintln!("skipped on PostgreSQL: NODETOOL_TEST_POSTGRES_URL is not set"),
    }
}

/// A graph: integer input `x` (default 1) + 10 → output `y`.
fn add_graph() -> Value {
    json!({
        "nodes": [
            {"id": "x", "type": "nodetool.input.IntegerInput", "data": {"name": "x", "value": 1}},
            {"id": "add", "type": "lib.math.Add", "data": {"b": 10}},
            {"id": "y", "type": "nodetool.output.Output", "data": {"name": "y"}}
        ],
        "edges": [
            {"id": "e1", "source": "x", "sourceHandle": "output", "target": "add", "targetHandle": "a"},
            {"id": "e2", "source": "add", "sourceHandle": "output", "target": "y", "targetHandle": "value"}
        ]
    })
}

/// A graph whose one node never finishes (until cancelled).
fn hang_graph() -> Value {
    json!({
        "nodes": [{"id": "h", "type": "test.Hang", "data": {"value": 1}}],
        "edges": []
    })
}

fn failing_graph() -> Value {
    json!({
        "nodes": [{"id": "bad", "type": "test.Fail", "data": {"value": 7}}],
        "edges": []
    })
}

async fn create_workflow(server: &Server, owner: &str, graph: Value) -> String {
    let (status, body) = server
        .post(
            "/api/workflows",
            owner,
            json!({"name": "adder", "graph": graph, "tags": ["t"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["id"].as_str().expect("an id").to_owned()
}

/// Polls job `id` until it has ended.
async fn finished_job(server: &Server, owner: &str, id: &str) -> Value {
    for _ in 0..200 {
        let (status, job) = server.get(&format!("/api/jobs/{id}"), owner).await;
        assert_eq!(status, StatusCode::OK, "{job}");
        if job["status"] != "running" {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("job {id} did not end");
}

#[tokio::test]
async fn health_and_openapi_need_no_token() {
    on_both(|server| async move {
        let health: Value = server
            .http
            .get(server.url("/health"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(health, json!("OK"));
        let doc: Value = server
            .http
            .get(server.url("/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        for path in [
            "/api/workflows",
            "/api/workflows/{id}/run",
            "/api/jobs/{id}/cancel",
            "/api/settings/secrets/{key}",
            "/ws",
        ] {
            assert!(doc["paths"][path].is_object(), "{path} is documented");
        }
        server
    })
    .await;
}

#[tokio::test]
async fn workflows_are_created_listed_paged_updated_and_deleted() {
    on_both(|server| async move {
        let alice = user();
        let first = create_workflow(&server, &alice, add_graph()).await;
        let second = create_workflow(&server, &alice, json!({"nodes": [], "edges": []})).await;

        let (status, page) = server.get("/api/workflows?limit=1", &alice).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(page["workflows"].as_array().unwrap().len(), 1);
        assert_eq!(page["workflows"][0]["id"], first.as_str());
        let next = page["next"].as_str().unwrap().to_owned();
        assert_eq!(next, first);
        let (_, page) = server
            .get(&format!("/api/workflows?limit=1&cursor={next}"), &alice)
            .await;
        assert_eq!(page["workflows"][0]["id"], second.as_str());
        assert_eq!(page["next"], "", "the last page has no next cursor");

        let (status, got) = server.get(&format!("/api/workflows/{first}"), &alice).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(got["name"], "adder");
        assert_eq!(got["tags"], json!(["t"]));
        assert_eq!(got["access"], "private");
        assert_eq!(got["graph"]["nodes"][1]["type"], "lib.math.Add");

        let (status, updated) = server
            .call(
                reqwest::Method::PUT,
                &format!("/api/workflows/{first}"),
                &alice,
                Some(json!({"name": "renamed", "description": "d", "graph": add_graph()})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{updated}");
        assert_eq!(updated["name"], "renamed");
        assert_eq!(updated["created_at"], got["created_at"]);

        let (status, body) = server
            .call(
                reqwest::Method::DELETE,
                &format!("/api/workflows/{second}"),
                &alice,
                None,
            )
            .await;
        assert_eq!((status, body), (StatusCode::OK, Value::Null));
        let (status, body) = server
            .get(&format!("/api/workflows/{second}"), &alice)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body, json!({"detail": "Workflow not found"}));
        server
    })
    .await;
}

#[tokio::test]
async fn a_saved_workflow_runs_and_returns_its_outputs() {
    on_both(|server| async move {
        let alice = user();
        let id = create_workflow(&server, &alice, add_graph()).await;
        let (status, out) = server
            .post(
                &format!("/api/workflows/{id}/run"),
                &alice,
                json!({"params": {"x": 5}}),
            )
            .await;
        assert_eq!((status, out), (StatusCode::OK, json!({"y": 15})));
        // No body: the defaults.
        let response = server
            .req(
                reqwest::Method::POST,
                &format!("/api/workflows/{id}/run"),
                Some(&alice),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.json::<Value>().await.unwrap(), json!({"y": 11}));

        let (status, err) = server
            .post(
                &format!("/api/workflows/{id}/run"),
                &alice,
                json!({"params": {"nope": 1}}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            err["detail"]
                .as_str()
                .unwrap()
                .contains("unknown parameter `nope`"),
            "{err}"
        );

        let bad = create_workflow(&server, &alice, failing_graph()).await;
        let (status, err) = server
            .post(&format!("/api/workflows/{bad}/run"), &alice, json!({}))
            .await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(
            err["detail"]
                .as_str()
                .unwrap()
                .contains("node `bad` (test.Fail) failed: boom on 7"),
            "{err}"
        );

        // The runs were recorded as jobs of that workflow, newest first.
        let (_, jobs) = server
            .get(&format!("/api/jobs?workflow_id={id}"), &alice)
            .await;
        let statuses: Vec<&str> = jobs["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["status"].as_str().unwrap())
            .collect();
        // (The unknown parameter was refused before a job was recorded.)
        assert_eq!(statuses, vec!["completed", "completed"], "{jobs}");
        assert_eq!(jobs["jobs"][0]["result"], json!({"y": [11]}));
        assert_eq!(jobs["jobs"][1]["params"], json!({"x": 5}));
        server
    })
    .await;
}

#[tokio::test]
async fn jobs_run_in_the_background_and_cancel() {
    on_both(|server| async move {
        let alice = user();
        let (status, job) = server
            .post(
                "/api/jobs/run?wait=true",
                &alice,
                json!({"graph": add_graph(), "params": {"x": 2}}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{job}");
        assert_eq!(job["status"], "completed");
        assert_eq!(job["result"], json!({"y": [12]}));
        assert_eq!(job["job_type"], "workflow");
        assert!(job["finished_at"].is_string());

        let (status, job) = server
            .post("/api/jobs/run", &alice, json!({"graph": hang_graph()}))
            .await;
        assert_eq!(status, StatusCode::OK, "{job}");
        assert_eq!(job["status"], "running");
        let id = job["id"].as_str().unwrap().to_owned();
        let (_, running) = server.get("/api/jobs/running/all", &alice).await;
        assert!(
            running
                .as_array()
                .unwrap()
                .iter()
                .any(|j| j["job_id"] == id.as_str()),
            "{running}"
        );

        let (status, cancel) = server
            .post(&format!("/api/jobs/{id}/cancel"), &alice, json!({}))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(cancel["status"], "cancelled");
        let job = finished_job(&server, &alice, &id).await;
        assert_eq!(job["status"], "cancelled");
        let (_, again) = server
            .post(&format!("/api/jobs/{id}/cancel"), &alice, json!({}))
            .await;
        assert_eq!(again["status"], "not_found_or_completed");

        let (status, err) = server
            .post("/api/jobs/run", &alice, json!({"params": {}}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err["detail"], "give a `workflow_id` or a `graph` to run");
        let (status, err) = server
            .post(
                "/api/jobs/run",
                &alice,
                json!({"graph": {"nodes": [{"id": "a", "type": "no.Such"}], "edges": []}}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            err["detail"]
                .as_str()
                .unwrap()
                .contains("node `a`: unknown node type `no.Such`"),
            "{err}"
        );
        server
    })
    .await;
}

#[tokio::test]
async fn no_endpoint_shows_another_users_data() {
    on_both(|server| async move {
        let (alice, bob) = (user(), user());
        let wf = create_workflow(&server, &alice, add_graph()).await;
        let (_, job) = server
            .post("/api/jobs/run", &alice, json!({"graph": hang_graph()}))
            .await;
        let job = job["id"].as_str().unwrap().to_owned();
        let (status, _) = server
            .call(
                reqwest::Method::PUT,
                "/api/settings/secrets/OPENAI_API_KEY",
                &alice,
                Some(json!({"value": "sk-alice"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);

        use reqwest::Method as M;
        let not_found: Vec<(M, String, Option<Value>)> = vec![
            (M::GET, format!("/api/workflows/{wf}"), None),
            (
                M::PUT,
                format!("/api/workflows/{wf}"),
                Some(json!({"name": "stolen"})),
            ),
            (M::DELETE, format!("/api/workflows/{wf}"), None),
            (M::POST, format!("/api/workflows/{wf}/run"), Some(json!({}))),
            (M::GET, format!("/api/jobs/{job}"), None),
            (M::POST, format!("/api/jobs/{job}/cancel"), Some(json!({}))),
            (
                M::GET,
                "/api/settings/secrets/OPENAI_API_KEY?decrypt=true".to_owned(),
                None,
            ),
            (
                M::DELETE,
                "/api/settings/secrets/OPENAI_API_KEY".to_owned(),
                None,
            ),
        ];
        for (method, path, body) in not_found {
            let (status, answer) = server.call(method.clone(), &path, &bob, body).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {answer}");
            assert!(!answer.to_string().contains("sk-alice"), "{answer}");
        }
        let (status, err) = server
            .post("/api/jobs/run", &bob, json!({"workflow_id": wf}))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{err}");
        let (_, list) = server.get("/api/workflows", &bob).await;
        assert_eq!(list["workflows"], json!([]));
        let (_, jobs) = server.get("/api/jobs", &bob).await;
        assert_eq!(jobs["jobs"], json!([]));
        let (_, running) = server.get("/api/jobs/running/all", &bob).await;
        assert_eq!(running, json!([]));
        let (_, secrets) = server.get("/api/settings/secrets", &bob).await;
        let openai = secrets["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == "OPENAI_API_KEY")
            .unwrap()
            .clone();
        assert_eq!(openai["is_configured"], false);

        // Alice's things are untouched, and hers to end.
        let (status, mine) = server
            .get("/api/settings/secrets/OPENAI_API_KEY?decrypt=true", &alice)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(mine["value"], "sk-alice");
        let (_, still) = server.get(&format!("/api/workflows/{wf}"), &alice).await;
        assert_eq!(still["name"], "adder");
        let (_, cancel) = server
            .post(&format!("/api/jobs/{job}/cancel"), &alice, json!({}))
            .await;
        assert_eq!(cancel["status"], "cancelled");
        server
    })
    .await;
}

#[tokio::test]
async fn secrets_are_listed_stored_read_and_deleted() {
    on_both(|server| async move {
        let alice = user();
        let (_, listed) = server.get("/api/settings/secrets", &alice).await;
        let keys: Vec<&str> = listed["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["key"].as_str().unwrap())
            .collect();
        assert!(
            keys.contains(&"OPENAI_API_KEY") && keys.contains(&"ANTHROPIC_API_KEY"),
            "{keys:?}"
        );

        let (status, stored) = server
            .call(
                reqwest::Method::PUT,
                "/api/settings/secrets/ANTHROPIC_API_KEY",
                &alice,
                Some(json!({"value": "sk-ant-1", "description": "main"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{stored}");
        assert_eq!(stored["is_configured"], true);
        assert!(stored.get("value").is_none(), "PUT never echoes the value");

        let (_, plain) = server
            .get("/api/settings/secrets/ANTHROPIC_API_KEY", &alice)
            .await;
        assert!(plain.get("value").is_none(), "{plain}");
        assert_eq!(plain["description"], "main");
        let (_, decrypted) = server
            .get(
                "/api/settings/secrets/ANTHROPIC_API_KEY?decrypt=true",
                &alice,
            )
            .await;
        assert_eq!(decrypted["value"], "sk-ant-1");

        let (status, err) = server
            .call(
                reqwest::Method::PUT,
                "/api/settings/secrets/NOT_A_SECRET",
                &alice,
                Some(json!({"value": "x"})),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(
            err["detail"]
                .as_str()
                .unwrap()
                .contains("Only secrets from the registry"),
            "{err}"
        );

        let (status, done) = server
            .call(
                reqwest::Method::DELETE,
                "/api/settings/secrets/ANTHROPIC_API_KEY",
                &alice,
                None,
            )
            .await;
        assert_eq!(
            (status, done),
            (
                StatusCode::OK,
                json!({"message": "Secret deleted successfully"})
            )
        );
        let (status, _) = server
            .get("/api/settings/secrets/ANTHROPIC_API_KEY", &alice)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        server
    })
    .await;
}

#[tokio::test]
async fn tokens_are_required_and_checked() {
    on_both(|server| async move {
        let response = server
            .req(reqwest::Method::GET, "/api/workflows", None)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("Authorization header required"),
            "{body}"
        );

        for bad in [
            token("someone", true),
            "not.a.jwt".to_owned(),
            "wrong-static".to_owned(),
        ] {
            let response = server
                .http
                .get(server.url("/api/jobs"))
                .bearer_auth(&bad)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{bad}");
        }
        let forged = jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &json!({"sub": "mallory", "exp": 4_000_000_000i64}),
            &jsonwebtoken::EncodingKey::from_secret(b"another key"),
        )
        .unwrap();
        let response = server
            .http
            .get(server.url("/api/jobs"))
            .bearer_auth(forged)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

        let response = server
            .http
            .get(server.url("/api/nodes/metadata"))
            .bearer_auth(STATIC_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let nodes: Value = response.json().await.unwrap();
        let types: Vec<&str> = nodes
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["node_type"].as_str().unwrap())
            .collect();
        assert!(types.contains(&"lib.math.Add") && types.contains(&"nodetool.output.Output"));
        server
    })
    .await;
}

#[tokio::test]
async fn malformed_bodies_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::sqlite(&dir.path().join("db.sqlite3"))
        .await
        .unwrap();
    let state = AppState::new(db, jwt_auth(), None).with_body_limit(1024);
    let server = Server::start(state).await;
    let alice = user();
    let send = |body: &'static str| {
        server
            .req(reqwest::Method::POST, "/api/workflows", Some(&alice))
            .header("content-type", "application/json")
            .body(body)
    };
    let response = send("{not json").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["detail"].as_str().unwrap().contains("line 1 column 2"),
        "{body}"
    );

    let response = send(r#"{"description": "no name"}"#).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("missing field `name`"),
        "{body}"
    );

    let response = send(r#"{"name": "x", "access": "everyone"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let big = format!(r#"{{"name": "{}"}}"#, "x".repeat(4096));
    let response = server
        .req(reqwest::Method::POST, "/api/workflows", Some(&alice))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["detail"], "the request body is too large");

    let (status, body) = server.get("/api/nowhere", &alice).await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, json!({"detail": "Route not found"}))
    );

    // Without a master key the secrets endpoints say what is missing.
    let (status, body) = server
        .call(
            reqwest::Method::PUT,
            "/api/settings/secrets/OPENAI_API_KEY",
            &alice,
            Some(json!({"value": "v"})),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("SECRETS_MASTER_KEY"),
        "{body}"
    );
    server.stop().await;
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn ws_connect(server: &Server, user: &str) -> Ws {
    let url = format!("{}?api_key={}", server.ws, token(user, false));
    let (ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("WebSocket connects");
    ws
}

async fn ws_send(ws: &mut Ws, value: Value) {
    ws.send(Message::Text(value.to_string().into()))
        .await
        .unwrap();
}

/// The next JSON message (text or MessagePack).
async fn ws_next(ws: &mut Ws) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("a message within 20 s")
            .expect("the socket is open")
            .unwrap();
        match message {
            Message::Text(text) => return serde_json::from_str(text.as_str()).unwrap(),
            Message::Binary(bytes) => return rmp_serde::from_slice(&bytes).unwrap(),
            _ => continue,
        }
    }
}

/// Messages until the job's final `job_update`.
async fn ws_until_done(ws: &mut Ws) -> Vec<Value> {
    let mut all = Vec::new();
    loop {
        let message = ws_next(ws).await;
        let done = message["type"] == "job_update"
            && matches!(
                message["status"].as_str(),
                Some("completed" | "failed" | "cancelled")
            );
        all.push(message);
        if done {
            return all;
        }
    }
}

#[tokio::test]
async fn the_websocket_runs_a_saved_workflow_and_streams_its_messages() {
    on_both(|server| async move {
        let alice = user();
        let wf = create_workflow(&server, &alice, add_graph()).await;
        let mut ws = ws_connect(&server, &alice).await;
        ws_send(
            &mut ws,
            json!({"command": "run_job", "data": {"workflow_id": wf, "params": {"x": 32}}}),
        )
        .await;
        let started = ws_next(&mut ws).await;
        assert_eq!(started["message"], "Job started");
        assert_eq!(started["workflow_id"], wf.as_str());
        let job_id = started["job_id"].as_str().unwrap().to_owned();
        let messages = ws_until_done(&mut ws).await;
        let types: Vec<&str> = messages
            .iter()
            .map(|m| m["type"].as_str().unwrap_or("?"))
            .collect();
        assert_eq!(types.first(), Some(&"job_update"));
        assert_eq!(messages[0]["status"], "running");
        for kind in ["node_update", "edge_update", "output_update"] {
            assert!(types.contains(&kind), "{types:?}");
        }
        assert!(
            messages.iter().all(|m| m["job_id"] == job_id.as_str()),
            "every message carries the job id"
        );
        let output = messages
            .iter()
            .find(|m| m["type"] == "output_update")
            .unwrap();
        assert_eq!(
            (output["output_name"].as_str(), &output["value"]),
            (Some("y"), &json!(42))
        );
        let last = messages.last().unwrap();
        assert_eq!(last["status"], "completed");
        assert_eq!(last["result"], json!({"y": [42]}));

        ws_send(
            &mut ws,
            json!({"command": "get_status", "data": {"job_id": job_id}}),
        )
        .await;
        let status = ws_next(&mut ws).await;
        assert_eq!(status["status"], "completed");
        ws_send(&mut ws, json!({"type": "ping"})).await;
        assert_eq!(ws_next(&mut ws).await["type"], "pong");
        ws_send(&mut ws, json!({"command": "fly"})).await;
        assert_eq!(ws_next(&mut ws).await["error"], "invalid_command");
        ws_send(&mut ws, json!({"data": {}})).await;
        assert_eq!(ws_next(&mut ws).await["error"], "invalid_message");
        server
    })
    .await;
}

#[tokio::test]
async fn the_websocket_cancels_jobs_and_only_the_owners() {
    on_both(|server| async move {
        let (alice, bob) = (user(), user());
        let mut ws = ws_connect(&server, &alice).await;
        ws_send(
            &mut ws,
            json!({"command": "run_job", "data": {"graph": hang_graph()}}),
        )
        .await;
        let job_id = ws_next(&mut ws).await["job_id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(ws_next(&mut ws).await["status"], "running");

        let mut intruder = ws_connect(&server, &bob).await;
        ws_send(
            &mut intruder,
            json!({"command": "cancel_job", "data": {"job_id": job_id}}),
        )
        .await;
        assert_eq!(
            ws_next(&mut intruder).await["error"],
            "Job not found or already completed"
        );
        ws_send(
            &mut intruder,
            json!({"command": "get_status", "data": {"job_id": job_id}}),
        )
        .await;
        assert_eq!(ws_next(&mut intruder).await["status"], "not_found");

        ws_send(
            &mut ws,
            json!({"command": "cancel_job", "data": {"job_id": job_id}}),
        )
        .await;
        let mut seen = vec![ws_next(&mut ws).await];
        seen.extend(ws_until_done(&mut ws).await);
        assert!(
            seen.iter()
                .any(|m| m["message"] == "Job cancellation requested"),
            "{seen:?}"
        );
        assert_eq!(seen.last().unwrap()["status"], "cancelled");
        let job = finished_job(&server, &alice, &job_id).await;
        assert_eq!(job["status"], "cancelled");
        server
    })
    .await;
}

#[tokio::test]
async fn the_websocket_speaks_messagepack_and_rejects_bad_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::sqlite(&dir.path().join("db.sqlite3"))
        .await
        .unwrap();
    let server = Server::start(AppState::new(db, jwt_auth(), None)).await;
    let alice = user();
    let mut ws = ws_connect(&server, &alice).await;
    let command = json!({"command": "run_job", "data": {"graph": add_graph(), "params": {"x": 1}}});
    ws.send(Message::Binary(
        rmp_serde::to_vec_named(&command).unwrap().into(),
    ))
    .await
    .unwrap();
    let reply = tokio::time::timeout(Duration::from_secs(20), ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        matches!(reply, Message::Binary(_)),
        "a binary frame is answered in MessagePack"
    );
    let messages = ws_until_done(&mut ws).await;
    assert_eq!(messages.last().unwrap()["result"], json!({"y": [11]}));

    let url = format!("{}?api_key=wrong", server.ws);
    let (mut rejected, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    match tokio::time::timeout(Duration::from_secs(20), rejected.next())
        .await
        .unwrap()
    {
        Some(Ok(Message::Close(Some(frame)))) => {
            assert_eq!(u16::from(frame.code), 1008);
            assert_eq!(frame.reason.as_str(), "Invalid authentication");
        }
        other => panic!("expected a 1008 close, got {other:?}"),
    }
    server.stop().await;
}

#[tokio::test]
async fn shutting_down_cancels_running_jobs_and_records_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::sqlite(&dir.path().join("db.sqlite3"))
        .await
        .unwrap();
    let server = Server::start(AppState::new(db.clone(), jwt_auth(), None)).await;
    let alice = user();
    let (_, job) = server
        .post("/api/jobs/run", &alice, json!({"graph": hang_graph()}))
        .await;
    let id = job["id"].as_str().unwrap().to_owned();
    assert!(server.state.jobs().is_running_here(&id));
    server.stop().await;
    let job = Job::find(&db, &alice, &id).await.unwrap().unwrap();
    assert_eq!(job.status, "cancelled");
    assert!(job.finished_at.is_some());
}

#[tokio::test]
async fn a_development_server_needs_no_token() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::sqlite(&dir.path().join("db.sqlite3"))
        .await
        .unwrap();
    let server = Server::start(AppState::new(db, Auth::Local, None)).await;
    let response = server
        .http
        .post(server.url("/api/workflows"))
        .json(&json!({"name": "local"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let (status, got) = {
        let r = server
            .http
            .get(server.url(&format!("/api/workflows/{}", body["id"].as_str().unwrap())))
            .send()
            .await
            .unwrap();
        (r.status(), r.json::<Value>().await.unwrap())
    };
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["name"], "local");
    server.stop().await;
}

#[tokio::test]
async fn shutdown_sends_open_websockets_their_jobs_end_and_closes_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::sqlite(&dir.path().join("db.sqlite3"))
        .await
        .unwrap();
    let server = Server::start(AppState::new(db, jwt_auth(), None)).await;
    let alice = user();
    let mut ws = ws_connect(&server, &alice).await;
    ws_send(
        &mut ws,
        json!({"command": "run_job", "data": {"graph": hang_graph()}}),
    )
    .await;
    assert_eq!(ws_next(&mut ws).await["message"], "Job started");
    assert_eq!(ws_next(&mut ws).await["status"], "running");
    let stopping = tokio::spawn(server.stop());
    let last = ws_until_done(&mut ws).await;
    assert_eq!(last.last().unwrap()["status"], "cancelled");
    match tokio::time::timeout(Duration::from_secs(20), ws.next())
        .await
        .unwrap()
    {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(u16::from(frame.code), 1001),
        other => panic!("expected a 1001 close, got {other:?}"),
    }
    tokio::time::timeout(Duration::from_secs(20), stopping)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn bad_queries_methods_and_origins_get_json_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::sqlite(&dir.path().join("db.sqlite3"))
        .await
        .unwrap();
    let server = Server::start(AppState::new(db, Auth::Local, None)).await;
    let response = server
        .http
        .get(server.url("/api/jobs?limit=many"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("limit"), "{body}");

    let response = server
        .http
        .patch(server.url("/api/workflows"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["detail"], "method not allowed on this route");

    // Without tokens, a page from another origin may not open the WebSocket.
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
            server.ws.as_str(),
        )
        .unwrap();
    request
        .headers_mut()
        .insert("origin", "https://evil.example".parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!("expected a 403, got {:?}", other.map(|_| ())),
    }
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
            server.ws.as_str(),
        )
        .unwrap();
    request
        .headers_mut()
        .insert("origin", "http://localhost:3000".parse().unwrap());
    assert!(tokio_tungstenite::connect_async(request).await.is_ok());
    server.stop().await;
}

#[tokio::test]
async fn assets_upload_and_download_only_for_their_owner() {
    on_both(|server| async move {
        let (alice, bob) = (user(), user());
        let body = "a".repeat(200_000);
        let response = server
            .req(
                reqwest::Method::POST,
                "/api/assets?name=notes.txt",
                Some(&alice),
            )
            .header("content-type", "text/plain")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let asset: Value = response.json().await.unwrap();
        let id = asset["id"].as_str().unwrap().to_owned();
        assert_eq!(asset["size"], 200_000);
        assert_eq!(asset["content_type"], "text/plain");

        let response = server
            .req(
                reqwest::Method::GET,
                &format!("/api/assets/{id}/data"),
                Some(&alice),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/plain");
        assert_eq!(response.text().await.unwrap(), body);
        let (_, listed) = server.get("/api/assets", &alice).await;
        assert_eq!(listed["assets"].as_array().unwrap().len(), 1);

        for (method, path) in [
            (reqwest::Method::GET, format!("/api/assets/{id}")),
            (reqwest::Method::GET, format!("/api/assets/{id}/data")),
            (reqwest::Method::DELETE, format!("/api/assets/{id}")),
        ] {
            let (status, answer) = server.call(method.clone(), &path, &bob, None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {answer}");
        }
        let (_, listed) = server.get("/api/assets", &bob).await;
        assert_eq!(listed["assets"], json!([]));

        let (status, _) = server
            .call(
                reqwest::Method::DELETE,
                &format!("/api/assets/{id}"),
                &alice,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = server.get(&format!("/api/assets/{id}"), &alice).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let response = server
            .req(reqwest::Method::POST, "/api/assets?name=%20", Some(&alice))
            .body("x")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        server
    })
    .await;
}

/// A graph whose streaming input `mic` (a `RealtimeAudioInput`) goes to output `heard`.
fn streaming_input_graph() -> Value {
    json!({
        "nodes": [
            {"id": "mic", "type": "nodetool.input.RealtimeAudioInput", "data": {"name": "mic"}},
            {"id": "heard", "type": "nodetool.output.Output", "data": {"name": "heard"}}
        ],
        "edges": [
            {"id": "e", "source": "mic", "sourceHandle": "chunk", "target": "heard", "targetHandle": "value"}
        ]
    })
}

/// The next reply to a command (messages of the job, which have a `type`, are skipped).
async fn ws_reply(ws: &mut Ws) -> Value {
    loop {
        let message = ws_next(ws).await;
        if message.get("type").is_none() {
            return message;
        }
    }
}

#[tokio::test]
async fn the_websocket_streams_values_into_a_running_jobs_input() {
    on_both(|server| async move {
        let (alice, mallory) = (user(), user());
        let wf = create_workflow(&server, &alice, streaming_input_graph()).await;
        let mut ws = ws_connect(&server, &alice).await;
        ws_send(&mut ws, json!({"command": "run_job", "data": {"workflow_id": wf}})).await;
        let started = ws_reply(&mut ws).await;
        let job_id = started["job_id"].as_str().unwrap().to_owned();
        let chunk = |text: &str| json!({"type": "chunk", "content": text});
        for text in ["one", "two", "three"] {
            ws_send(
                &mut ws,
                json!({"command": "stream_input",
                       "data": {"job_id": job_id, "input": "mic", "handle": "chunk", "value": chunk(text)}}),
            )
            .await;
            let reply = ws_reply(&mut ws).await;
            assert_eq!(reply["message"], "Input item streamed", "{reply}");
            assert_eq!(reply["workflow_id"], wf.as_str());
        }
        // Wrong input, wrong handle, missing name: refused, naming what is wrong.
        let refusals = [
            (json!({"input": "camera", "value": 1}), "the workflow has no streaming input `camera` (its streaming inputs: mic)"),
            (json!({"input": "mic", "handle": "output", "value": 1}), "input `mic` has no output `output` (its outputs: chunk)"),
            (json!({"value": 1}), "Invalid input name"),
        ];
        for (mut data, error) in refusals {
            data["job_id"] = json!(job_id);
            ws_send(&mut ws, json!({"command": "stream_input", "data": data})).await;
            assert_eq!(ws_reply(&mut ws).await["error"], error);
        }
        // Another user's client cannot stream into the job.
        let mut other = ws_connect(&server, &mallory).await;
        ws_send(
            &mut other,
            json!({"command": "end_input_stream", "data": {"job_id": job_id, "input": "mic"}}),
        )
        .await;
        let refused = ws_reply(&mut other).await;
        assert!(
            refused["error"].as_str().unwrap().starts_with("No active job"),
            "{refused}"
        );

        ws_send(
            &mut ws,
            json!({"command": "end_input_stream", "data": {"job_id": job_id, "input": "mic"}}),
        )
        .await;
        let mut messages = Vec::new();
        loop {
            let message = ws_next(&mut ws).await;
            let done = message["type"] == "job_update" && message["status"] == "completed";
            messages.push(message);
            if done {
                break;
            }
        }
        assert!(
            messages.iter().any(|m| m["message"] == "Input stream ended"),
            "{messages:?}"
        );
        let heard: Vec<&str> = messages.last().unwrap()["result"]["heard"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["content"].as_str().unwrap())
            .collect();
        assert_eq!(heard, ["one", "two", "three"]);
        server
    })
    .await;
}

#[tokio::test]
async fn a_client_that_leaves_ends_its_jobs_input_streams() {
    on_both(|server| async move {
        let alice = user();
        let wf = create_workflow(&server, &alice, streaming_input_graph()).await;
        let mut ws = ws_connect(&server, &alice).await;
        ws_send(&mut ws, json!({"command": "run_job", "data": {"workflow_id": wf}})).await;
        let job_id = ws_reply(&mut ws).await["job_id"].as_str().unwrap().to_owned();
        ws_send(
            &mut ws,
            json!({"command": "stream_input",
                   "data": {"job_id": job_id, "input": "mic", "value": {"type": "chunk", "content": "bye"}}}),
        )
        .await;
        assert_eq!(ws_reply(&mut ws).await["message"], "Input item streamed");
        drop(ws);
        let job = finished_job(&server, &alice, &job_id).await;
        assert_eq!(job["status"], "completed", "{job}");
        server
    })
    .await;
}

#[tokio::test]
async fn collections_are_indexed_queried_and_kept_per_user() {
    let (llm, _scripted) = scripted_llm::serve(|_| async { scripted_llm::Reply::text("-") }).await;
    let dir = tempfile::tempdir().unwrap();
    let db = Database::sqlite(&dir.path().join("nodetool.sqlite3"))
        .await
        .unwrap();
    let env = nodetool::config::Environment::builder()
        .process_env([
            ("OPENAI_BASE_URL".to_owned(), llm),
            ("OPENAI_API_KEY".to_owned(), "sk-scripted".to_owned()),
        ])
        .dotenv_dir(None)
        .settings_file(None)
        .secrets_file(None)
        .build()
        .unwrap();
    let store = nodetool::collections::EmbeddedStore::open(&dir.path().join("chroma"))
        .await
        .unwrap();
    let state = AppState::new(db, jwt_auth(), None)
        .with_environment(std::sync::Arc::new(env))
        .with_collections(std::sync::Arc::new(store));
    let server = Server::start(state).await;
    let (alice, bob) = (user(), user());
    let create = json!({"name": "notes", "embedding_provider": "openai", "embedding_model": "text-embedding-3-small"});
    let (status, created) = server
        .post("/api/collections", &alice, create.clone())
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(
        (created["count"].as_i64(), &created["dimension"]),
        (Some(0), &Value::Null)
    );
    let (status, _) = server
        .post("/api/collections", &alice, create.clone())
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, body) = server
        .post("/api/collections", &alice, json!({"name": "bad name"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // The scripted embeddings are [characters, 1, 2, 3]: length decides the nearest.
    let docs = json!({"documents": [
        {"id": "a", "text": "short", "metadata": {"kind": "note"}},
        {"id": "b", "text": "a much longer text than that", "metadata": {"kind": "essay"}}]});
    let (status, body) = server
        .post("/api/collections/notes/index", &alice, docs)
        .await;
    assert_eq!((status, &body), (StatusCode::OK, &json!({"indexed": 2})));
    let (_, found) = server
        .post(
            "/api/collections/notes/query",
            &alice,
            json!({"text": "short!", "n_results": 1}),
        )
        .await;
    assert_eq!(found["ids"], json!(["a"]), "{found}");
    assert_eq!(found["documents"], json!(["short"]));
    let (_, filtered) = server
        .post("/api/collections/notes/query", &alice,
              json!({"text": "short!", "where": {"kind": "essay"}, "where_document": {"$contains": "longer"}}))
        .await;
    assert_eq!(filtered["ids"], json!(["b"]), "{filtered}");
    let (status, body) = server
        .post(
            "/api/collections/notes/query",
            &alice,
            json!({"text": "x", "where": {"kind": {"$like": 1}}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("unknown operator `$like`"),
        "{body}"
    );
    let (status, _) = server
        .post(
            "/api/collections/notes/query",
            &alice,
            json!({"embedding": [1.0, 2.0]}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a 2-dimensional query of a 4-dimensional collection"
    );

    let (_, listed) = server.get("/api/collections", &alice).await;
    assert_eq!(listed["collections"][0]["count"], 2);
    assert_eq!(listed["collections"][0]["dimension"], 4);
    // Bob sees none of it, and cannot read, query or delete it.
    assert_eq!(
        server.get("/api/collections", &bob).await.1,
        json!({"collections": []})
    );
    assert_eq!(
        server.get("/api/collections/notes", &bob).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, _) = server
        .post(
            "/api/collections/notes/query",
            &bob,
            json!({"text": "short"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let delete = |who: String| {
        server
            .req(
                reqwest::Method::DELETE,
                "/api/collections/notes",
                Some(&who),
            )
            .send()
    };
    assert_eq!(
        delete(bob.clone()).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        delete(alice.clone()).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        server.get("/api/collections/notes", &alice).await.0,
        StatusCode::NOT_FOUND
    );
    server.stop().await;
}
