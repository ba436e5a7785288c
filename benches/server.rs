//! The API server under load: a small workflow (input → Add → output) run over HTTP
//! (`POST /api/workflows/{id}/run`, waiting for the result) and over the WebSocket (`run_job`
//! until the final `job_update`), by C concurrent clients for a fixed time. Every run is
//! recorded as a job in SQLite, as in production. Prints requests/s and latency percentiles.
//!
//! `cargo bench --bench server` (optionally `-- SECONDS`, default 3 per row).

use futures_util::{SinkExt, StreamExt};

// The shared runtime (and the test nodes, which this bench does not use).
#[path = "../tests/common/mod.rs"]
mod common;
use nodetool::api::{serve, AppState, Auth};
use nodetool::models::Database;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

fn graph() -> Value {
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

struct Row {
    runs: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Row {
    fn print(&mut self, what: &str, clients: usize) {
        self.latencies.sort();
        let pct = |p: f64| {
            let i = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
            self.latencies.get(i).copied().unwrap_or_default()
        };
        println!(
            "| {what} | {clients} | {:.0} | {:.2} ms | {:.2} ms | {:.2} ms |",
            self.runs as f64 / self.elapsed.as_secs_f64(),
            pct(0.5).as_secs_f64() * 1e3,
            pct(0.99).as_secs_f64() * 1e3,
            pct(1.0).as_secs_f64() * 1e3,
        );
    }
}

async fn http_load(base: &str, workflow: &str, clients: usize, time: Duration) -> Row {
    let http = reqwest::Client::new();
    let url = format!("{base}/api/workflows/{workflow}/run");
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let (http, url) = (http.clone(), url.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut i = 0i64;
                while started.elapsed() < time {
                    let t = Instant::now();
                    let out: Value = http
                        .post(&url)
                        .json(&json!({"params": {"x": i}}))
                        .send()
                        .await
                        .expect("request")
                        .json()
                        .await
                        .expect("json");
                    assert_eq!(out["y"], json!(i + 10), "client {c}");
                    latencies.push(t.elapsed());
                    i += 1;
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("client"));
    }
    Row {
        runs: latencies.len(),
        elapsed: started.elapsed(),
        latencies,
    }
}

async fn ws_load(ws_url: &str, workflow: &str, clients: usize, time: Duration) -> Row {
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (ws_url, workflow) = (ws_url.to_owned(), workflow.to_owned());
            tokio::spawn(async move {
                let (mut ws, _) = tokio_tungstenite::connect_async(ws_url).await.expect("connect");
                let mut latencies = Vec::new();
                while started.elapsed() < time {
                    let t = Instant::now();
                    let command = json!({"command": "run_job", "data": {"workflow_id": workflow, "params": {"x": 1}}});
                    ws.send(Message::Text(command.to_string().into())).await.expect("send");
                    loop {
                        let Some(Ok(Message::Text(text))) = ws.next().await else {
                            panic!("the socket closed")
                        };
                        let m: Value = serde_json::from_str(text.as_str()).expect("json");
                        if m["type"] == "job_update" && m["status"] != "running" {
                            assert_eq!(m["status"], "completed");
                            break;
                        }
                    }
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("client"));
    }
    Row {
        runs: latencies.len(),
        elapsed: started.elapsed(),
        latencies,
    }
}

fn main() {
    nodetool_std_nodes::link();
    let seconds: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(3);
    let time = Duration::from_secs(seconds);
    let rt = common::bench_runtime();
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Database::sqlite(&dir.path().join("bench.sqlite3"))
            .await
            .expect("db");
        let state = AppState::new(db, Auth::Local, None);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(serve(listener, state, std::future::pending()));
        let base = format!("http://{addr}");
        let created: Value = reqwest::Client::new()
            .post(format!("{base}/api/workflows"))
            .json(&json!({"name": "bench", "graph": graph()}))
            .send()
            .await
            .expect("create")
            .json()
            .await
            .expect("json");
        let workflow = created["id"].as_str().expect("id").to_owned();
        println!("| transport | clients | runs/s | p50 | p99 | max |\n|---|---|---|---|---|---|");
        for clients in [1, 8, 32] {
            http_load(&base, &workflow, clients, time)
                .await
                .print("HTTP run", clients);
        }
        for clients in [1, 8, 32] {
            ws_load(&format!("ws://{addr}/ws"), &workflow, clients, time)
                .await
                .print("WebSocket run_job", clients);
        }
    });
}
