//! Jobs on NATS JetStream with real `nats-server -js` processes (each test starts its own on
//! a free port; skipped, saying so, when the binary is missing) and a real database
//! (SQLite; PostgreSQL too when `NODETOOL_TEST_POSTGRES_URL` is set): workers in this process
//! and as real `nodetool worker` processes killed with SIGKILL, cancellation across servers,
//! late WebSocket replay, graceful hand-back, NATS restarts, poison jobs, and a soak.

mod common;
mod nats_server;

use futures_util::{SinkExt, StreamExt};
use nats_server::NatsServer;
use nodetool::jobs::{JobEnvironment, JobQueue, JobSpec, NatsQueue, NatsSettings, Worker};
use nodetool::models::{Database, Job};
use nodetool::workflows::{CancellationToken, Graph, WorkflowRunner};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The databases to run on: SQLite always, PostgreSQL when configured.
async fn databases(dir: &std::path::Path) -> Vec<(String, Database)> {
    let path = dir.join("jobs.sqlite3");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let mut all = vec![(
        url.clone(),
        Database::connect(&url).await.expect("SQLite opens"),
    )];
    match std::env::var("NODETOOL_TEST_POSTGRES_URL") {
        Ok(url) => all.push((
            url.clone(),
            Database::connect(&url).await.expect("PostgreSQL answers"),
        )),
        Err(_) => eprintln!("PostgreSQL skipped: NODETOOL_TEST_POSTGRES_URL is not set"),
    }
    all
}

fn settings(url: &str, ack_wait: Duration, max_deliver: i64) -> NatsSettings {
    NatsSettings {
        ack_wait,
        max_deliver,
        ..NatsSettings::new(url)
    }
}

fn graph(value: Value) -> Graph {
    serde_json::from_value(value).expect("a valid graph")
}

/// x (an integer input) + 1 → y.
fn add_graph() -> Graph {
    graph(json!({
        "nodes": [
            {"id": "x", "type": "nodetool.input.IntegerInput", "data": {"name": "x", "value": 0}},
            {"id": "add", "type": "lib.math.Add", "data": {"b": 1}},
            {"id": "y", "type": "nodetool.output.Output", "data": {"name": "y"}}
        ],
        "edges": [
            {"source": "x", "sourceHandle": "output", "target": "add", "targetHandle": "a"},
            {"source": "add", "sourceHandle": "output", "target": "y", "targetHandle": "value"}
        ]
    }))
}

/// Waits `ms` milliseconds → y.
fn sleep_graph(ms: i64) -> Graph {
    graph(json!({
        "nodes": [
            {"id": "s", "type": "test.Sleep", "data": {"ms": ms, "value": 7}},
            {"id": "y", "type": "nodetool.output.Output", "data": {"name": "y"}}
        ],
        "edges": [{"source": "s", "sourceHandle": "output", "target": "y", "targetHandle": "value"}]
    }))
}

fn spec(graph: Graph, params: Value) -> JobSpec {
    JobSpec {
        id: uuid::Uuid::now_v7().to_string(),
        user_id: "nats-user".into(),
        workflow_id: String::new(),
        graph,
        params: params.as_object().cloned().unwrap_or_default(),
    }
}

async fn submit(queue: &NatsQueue, spec: JobSpec, listen: bool) -> nodetool::jobs::StartedJob {
    nodetool_std_nodes::link();
    let runner = WorkflowRunner::from_graph(&spec.graph).expect("the graph validates");
    queue
        .start(spec, runner, listen)
        .await
        .expect("the job is queued")
}

async fn in_process_worker(
    name: &str,
    settings: &NatsSettings,
    db: &Database,
    concurrency: usize,
) -> (Arc<Worker>, CancellationToken, tokio::task::JoinHandle<()>) {
    let worker = Worker::connect(
        name,
        settings,
        db.clone(),
        JobEnvironment::default(),
        concurrency,
    )
    .await
    .expect("the worker connects");
    let stop = CancellationToken::new();
    let running = {
        let (worker, stop) = (Arc::clone(&worker), stop.clone());
        tokio::spawn(async move {
            worker
                .run(stop, Duration::from_millis(300))
                .await
                .expect("the worker runs");
        })
    };
    (worker, stop, running)
}

async fn job(db: &Database, id: &str) -> Job {
    Job::find(db, "nats-user", id)
        .await
        .unwrap()
        .expect("the job is recorded")
}

/// Polls until `check` holds, for at most `secs` seconds.
async fn eventually<F, Fut>(what: &str, secs: u64, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !check().await {
        assert!(
            Instant::now() < deadline,
            "timed out after {secs} s waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_run_200_jobs_each_exactly_once() {
    let Some(nats) = NatsServer::start("two_workers_run_200_jobs_each_exactly_once") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (_, db) in databases(dir.path()).await {
        let settings = settings(&nats.url(), Duration::from_secs(5), 3);
        let queue = NatsQueue::connect(&settings, db.clone()).await.unwrap();
        let (_, stop_a, a) = in_process_worker("w-a", &settings, &db, 4).await;
        let (_, stop_b, b) = in_process_worker("w-b", &settings, &db, 4).await;
        let mut started = Vec::new();
        for x in 0..200 {
            started.push(submit(&queue, spec(add_graph(), json!({"x": x})), false).await);
        }
        let mut by_worker: HashMap<String, usize> = HashMap::new();
        for (x, job_started) in started.into_iter().enumerate() {
            let id = job_started.job_id.clone();
            let outcome = tokio::time::timeout(Duration::from_secs(60), job_started.outcome)
                .await
                .expect("every job ends within 60 s")
                .expect("an outcome");
            assert_eq!(outcome.status, "completed", "{outcome:?}");
            assert_eq!(outcome.result.unwrap()["y"], json!([x as i64 + 1]));
            let record = job(&db, &id).await;
            assert_eq!(record.status, "completed");
            let (worker, attempt) = Job::holder(&db, &id).await.unwrap().unwrap();
            assert_eq!(attempt, 1, "job {id} ran once");
            *by_worker.entry(worker).or_default() += 1;
        }
        assert_eq!(by_worker.values().sum::<usize>(), 200);
        assert_eq!(by_worker.len(), 2, "both workers took jobs: {by_worker:?}");
        stop_a.cancel();
        stop_b.cancel();
        a.await.unwrap();
        b.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_or_panicking_job_fails_at_once_with_its_error() {
    let Some(nats) = NatsServer::start("a_failing_or_panicking_job_fails_at_once_with_its_error")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (_, db) = databases(dir.path()).await.remove(0);
    let settings = settings(&nats.url(), Duration::from_secs(5), 3);
    let queue = NatsQueue::connect(&settings, db.clone()).await.unwrap();
    let (_, stop, running) = in_process_worker("w", &settings, &db, 2).await;
    let panics = graph(json!({
        "nodes": [
            {"id": "boom", "type": "test.PanicOnThree", "data": {"value": 3}},
            {"id": "y", "type": "nodetool.output.Output", "data": {"name": "y"}}
        ],
        "edges": [{"source": "boom", "sourceHandle": "output", "target": "y", "targetHandle": "value"}]
    }));
    let started = submit(&queue, spec(panics, json!({})), false).await;
    let id = started.job_id.clone();
    let outcome = started.outcome.await.unwrap();
    assert_eq!(outcome.status, "failed");
    assert!(outcome
        .error
        .as_deref()
        .unwrap()
        .contains("`boom` (test.PanicOnThree) panicked"));
    assert_eq!(Job::holder(&db, &id).await.unwrap().unwrap().1, 1);
    stop.cancel();
    running.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_through_one_server_stops_the_job_and_every_websocket_sees_it() {
    let Some(nats) = NatsServer::start("a_cancel_through_one_server_stops_the_job") else {
        return;
    };
    nodetool_std_nodes::link();
    let dir = tempfile::tempdir().unwrap();
    let (_, db) = databases(dir.path()).await.remove(0);
    let settings = settings(&nats.url(), Duration::from_secs(5), 3);
    let (_, stop, running) = in_process_worker("w", &settings, &db, 2).await;
    // Two servers over the same database and NATS.
    let mut servers = Vec::new();
    for _ in 0..2 {
        let queue = NatsQueue::connect(&settings, db.clone()).await.unwrap();
        let state = nodetool::api::AppState::new(db.clone(), nodetool::api::Auth::Local, None)
            .with_queue(Arc::new(queue));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let done = tokio::spawn(nodetool::api::serve(listener, state, async move {
            let _ = rx.await;
        }));
        servers.push((addr, tx, done));
    }
    let (a, b) = (servers[0].0, servers[1].0);

    // The job is started over server B's WebSocket; it waits until cancelled.
    let (mut ws_b, _) = tokio_tungstenite::connect_async(format!("ws://{b}/ws"))
        .await
        .unwrap();
    let hang = json!({
        "nodes": [
            {"id": "h", "type": "test.Hang", "data": {"value": 1}},
            {"id": "y", "type": "nodetool.output.Output", "data": {"name": "y"}}
        ],
        "edges": [{"source": "h", "sourceHandle": "output", "target": "y", "targetHandle": "value"}]
    });
    send(
        &mut ws_b,
        json!({"command": "run_job", "data": {"graph": hang}}),
    )
    .await;
    let reply = next(&mut ws_b).await;
    let id = reply["job_id"].as_str().expect("a job id").to_owned();
    let running_seen = next(&mut ws_b).await;
    assert_eq!(
        (
            running_seen["type"].as_str(),
            running_seen["status"].as_str()
        ),
        (Some("job_update"), Some("running"))
    );
    eventually("the job runs on the worker", 10, || {
        let db = db.clone();
        let id = id.clone();
        async move { Job::status_of(&db, &id).await.unwrap().as_deref() == Some("running") }
    })
    .await;

    // Cancelled through server A's HTTP API.
    let response = reqwest::Client::new()
        .post(format!("http://{a}/api/jobs/{id}/cancel"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "cancelled");
    let mut seen_b = vec![running_seen];
    loop {
        let m = next(&mut ws_b).await;
        let last = m["type"] == "job_update" && m["status"] != "running";
        seen_b.push(m);
        if last {
            break;
        }
    }
    assert_eq!(seen_b.last().unwrap()["status"], "cancelled", "{seen_b:#?}");
    assert!(seen_b.iter().all(|m| m["job_id"] == id.as_str()));
    assert_eq!(
        Job::status_of(&db, &id).await.unwrap().as_deref(),
        Some("cancelled")
    );

    // A late WebSocket on server A replays the job's messages from the start, in order.
    let (mut ws_a, _) = tokio_tungstenite::connect_async(format!("ws://{a}/ws"))
        .await
        .unwrap();
    send(
        &mut ws_a,
        json!({"command": "reconnect_job", "data": {"job_id": id}}),
    )
    .await;
    // The reconnect has nothing to follow (the job ended): its record's end comes back.
    let mut seen_a = Vec::new();
    while seen_a.len() < 2 {
        seen_a.push(next(&mut ws_a).await);
    }
    assert!(
        seen_a.iter().any(|m| m["message"]
            .as_str()
            .is_some_and(|t| t.starts_with("Reconnecting"))),
        "{seen_a:#?}"
    );
    assert!(
        seen_a
            .iter()
            .any(|m| m["type"] == "job_update" && m["status"] == "cancelled"),
        "{seen_a:#?}"
    );

    // A job still running is replayed from its first message.
    send(
        &mut ws_b,
        json!({"command": "run_job", "data": {"graph": hang}}),
    )
    .await;
    let id2 = next(&mut ws_b).await["job_id"].as_str().unwrap().to_owned();
    let first_b = next(&mut ws_b).await;
    eventually("the second job runs", 10, || {
        let db = db.clone();
        let id = id2.clone();
        async move { Job::status_of(&db, &id).await.unwrap().as_deref() == Some("running") }
    })
    .await;
    let (mut late, _) = tokio_tungstenite::connect_async(format!("ws://{a}/ws"))
        .await
        .unwrap();
    send(
        &mut late,
        json!({"command": "reconnect_job", "data": {"job_id": id2}}),
    )
    .await;
    let mut replay = Vec::new();
    while replay
        .iter()
        .filter(|m: &&Value| m["type"] == "job_update")
        .count()
        < 1
    {
        replay.push(next(&mut late).await);
    }
    let first_replayed = replay.iter().find(|m| m["type"] == "job_update").unwrap();
    assert_eq!(
        first_replayed, &first_b,
        "the replay starts at the job's first message"
    );
    send(
        &mut ws_b,
        json!({"command": "cancel_job", "data": {"job_id": id2}}),
    )
    .await;
    loop {
        let m = next(&mut late).await;
        if m["type"] == "job_update" && m["status"] == "cancelled" {
            break;
        }
    }

    for (_, tx, done) in servers {
        let _ = tx.send(());
        done.await.unwrap().unwrap();
    }
    stop.cancel();
    running.await.unwrap();
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn send(ws: &mut Ws, value: Value) {
    ws.send(tokio_tungstenite::tungstenite::Message::Text(
        value.to_string().into(),
    ))
    .await
    .unwrap();
}

async fn next(ws: &mut Ws) -> Value {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("a WebSocket message within 20 s")
            .expect("the socket is open")
            .unwrap();
        match m {
            tokio_tungstenite::tungstenite::Message::Text(t) => {
                return serde_json::from_str(t.as_str()).unwrap()
            }
            tokio_tungstenite::tungstenite::Message::Binary(b) => {
                return rmp_serde::from_slice(&b).unwrap()
            }
            _ => continue,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopping_worker_finishes_short_jobs_and_hands_long_ones_back() {
    let Some(nats) =
        NatsServer::start("a_stopping_worker_finishes_short_jobs_and_hands_long_ones_back")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (_, db) = databases(dir.path()).await.remove(0);
    let settings = settings(&nats.url(), Duration::from_secs(5), 5);
    let queue = NatsQueue::connect(&settings, db.clone()).await.unwrap();
    let worker = Worker::connect("first", &settings, db.clone(), JobEnvironment::default(), 2)
        .await
        .unwrap();
    let stop = CancellationToken::new();
    let first = {
        let (worker, stop) = (Arc::clone(&worker), stop.clone());
        tokio::spawn(async move { worker.run(stop, Duration::from_millis(400)).await.unwrap() })
    };
    let short = submit(&queue, spec(sleep_graph(100), json!({})), false).await;
    let long = submit(&queue, spec(sleep_graph(3_000), json!({})), false).await;
    let (short_id, long_id) = (short.job_id.clone(), long.job_id.clone());
    eventually("both jobs run on the first worker", 10, || {
        let db = db.clone();
        let ids = [short_id.clone(), long_id.clone()];
        async move {
            let mut all = true;
            for id in &ids {
                all &= Job::holder(&db, id)
                    .await
                    .unwrap()
                    .is_some_and(|(w, _)| w == "first");
            }
            all
        }
    })
    .await;
    stop.cancel(); // SIGTERM
    first.await.unwrap();
    // The short job finished within the grace period; the long one went back to the queue.
    assert_eq!(short.outcome.await.unwrap().status, "completed");
    assert_eq!(
        Job::status_of(&db, &long_id).await.unwrap().as_deref(),
        Some("running")
    );
    let (_, stop2, second) = in_process_worker("second", &settings, &db, 2).await;
    let outcome = tokio::time::timeout(Duration::from_secs(20), long.outcome)
        .await
        .expect("the handed-back job ends")
        .unwrap();
    assert_eq!(outcome.status, "completed");
    assert_eq!(
        Job::holder(&db, &long_id).await.unwrap(),
        Some(("second".to_owned(), 2))
    );
    stop2.cancel();
    second.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_survive_a_nats_restart() {
    let Some(mut nats) = NatsServer::start("jobs_survive_a_nats_restart") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (_, db) = databases(dir.path()).await.remove(0);
    let settings = settings(&nats.url(), Duration::from_secs(2), 5);
    let queue = NatsQueue::connect(&settings, db.clone()).await.unwrap();
    let (_, stop, running) = in_process_worker("w", &settings, &db, 2).await;
    let started = submit(&queue, spec(sleep_graph(1_500), json!({})), false).await;
    let id = started.job_id.clone();
    eventually("the job runs", 10, || {
        let db = db.clone();
        let id = id.clone();
        async move { Job::status_of(&db, &id).await.unwrap().as_deref() == Some("running") }
    })
    .await;
    nats.stop();
    tokio::time::sleep(Duration::from_millis(700)).await;
    nats.restart();
    let outcome = match tokio::time::timeout(Duration::from_secs(30), started.outcome).await {
        Ok(outcome) => outcome.unwrap(),
        Err(_) => panic!(
            "the job did not end after NATS came back; its record: {:?} held by {:?}",
            Job::status_of(&db, &id).await,
            Job::holder(&db, &id).await
        ),
    };
    assert_eq!(outcome.status, "completed", "{outcome:?}");
    assert_eq!(job(&db, &id).await.status, "completed");
    // New jobs flow again.
    let again = submit(&queue, spec(add_graph(), json!({"x": 1})), false).await;
    let outcome = tokio::time::timeout(Duration::from_secs(20), again.outcome)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(outcome.result.unwrap()["y"], json!([2]));
    stop.cancel();
    running.await.unwrap();
}

/// A `nodetool worker` process.
struct WorkerProcess {
    name: String,
    child: std::process::Child,
}

impl WorkerProcess {
    fn spawn(
        name: &str,
        home: &std::path::Path,
        nats: &str,
        db_url: &str,
        ack_wait: &str,
        max_deliver: &str,
    ) -> Self {
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_nodetool"))
            .args([
                "worker",
                "--name",
                name,
                "--concurrency",
                "2",
                "--grace",
                "1",
            ])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("ENV", "development")
            .env("NATS_URL", nats)
            .env("DATABASE_URL", db_url)
            .env("NODETOOL_JOB_ACK_WAIT", ack_wait)
            .env("NODETOOL_JOB_MAX_DELIVER", max_deliver)
            .env("NODETOOL_HTTP_ALLOW_PRIVATE", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("nodetool worker starts");
        WorkerProcess {
            name: name.to_owned(),
            child,
        }
    }

    /// SIGKILL: no chance to hand anything back.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A local HTTP server whose `/slow/{ms}` answers after `ms` milliseconds.
async fn slow_server() -> String {
    use axum::extract::Path;
    let app = axum::Router::new().route(
        "/slow/{ms}",
        axum::routing::get(|Path(ms): Path<u64>| async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            "ok"
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// GET `url` → y (standard nodes only: what a `nodetool worker` process knows).
fn get_graph(url: &str) -> Graph {
    graph(json!({
        "nodes": [
            {"id": "get", "type": "lib.http.GetRequest", "data": {"url": url}},
            {"id": "y", "type": "nodetool.output.Output", "data": {"name": "y"}}
        ],
        "edges": [{"source": "get", "sourceHandle": "output", "target": "y", "targetHandle": "value"}]
    }))
}

async fn wait_for_holder(db: &Database, id: &str, attempt: i64) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some((worker, a)) = Job::holder(db, id).await.unwrap() {
            if a == attempt && Job::status_of(db, id).await.unwrap().as_deref() == Some("running") {
                return worker;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no worker took attempt {attempt} of job {id} within 20 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_worker_is_killed_completes_on_another() {
    let Some(nats) = NatsServer::start("a_job_whose_worker_is_killed_completes_on_another") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (db_url, db) = databases(dir.path()).await.pop().unwrap();
    let queue = NatsQueue::connect(
        &settings(&nats.url(), Duration::from_secs(1), 5),
        db.clone(),
    )
    .await
    .unwrap();
    let web = slow_server().await;
    let mut workers = [
        WorkerProcess::spawn("proc-a", dir.path(), &nats.url(), &db_url, "1", "5"),
        WorkerProcess::spawn("proc-b", dir.path(), &nats.url(), &db_url, "1", "5"),
    ];
    let started = submit(
        &queue,
        spec(get_graph(&format!("{web}/slow/1500")), json!({})),
        false,
    )
    .await;
    let id = started.job_id.clone();
    let first = wait_for_holder(&db, &id, 1).await;
    let killed_at = Instant::now();
    workers.iter_mut().find(|w| w.name == first).unwrap().kill();
    let second = wait_for_holder(&db, &id, 2).await;
    eprintln!(
        "recovered on {second} {:?} after the kill (ack wait 1 s)",
        killed_at.elapsed()
    );
    assert_ne!(first, second);
    let outcome = tokio::time::timeout(Duration::from_secs(20), started.outcome)
        .await
        .expect("the job completes on the other worker")
        .unwrap();
    assert_eq!(outcome.status, "completed", "{outcome:?}");
    assert_eq!(outcome.result.unwrap()["y"], json!(["ok"]));
    assert_eq!(Job::holder(&db, &id).await.unwrap(), Some((second, 2)));
    assert_eq!(
        Job::status_of(&db, &id).await.unwrap().as_deref(),
        Some("completed")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_kills_every_worker_fails_after_max_deliver() {
    let Some(nats) = NatsServer::start("a_job_that_kills_every_worker_fails_after_max_deliver")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (db_url, db) = databases(dir.path()).await.pop().unwrap();
    let queue = NatsQueue::connect(
        &settings(&nats.url(), Duration::from_secs(1), 2),
        db.clone(),
    )
    .await
    .unwrap();
    let web = slow_server().await;
    let started = submit(
        &queue,
        spec(get_graph(&format!("{web}/slow/60000")), json!({})),
        false,
    )
    .await;
    let id = started.job_id.clone();
    // Whichever worker takes the job dies (as if the job killed its process).
    for (attempt, name) in [(1, "doomed-1"), (2, "doomed-2")] {
        let mut worker = WorkerProcess::spawn(name, dir.path(), &nats.url(), &db_url, "1", "2");
        assert_eq!(wait_for_holder(&db, &id, attempt).await, name);
        worker.kill();
    }
    let _standby = WorkerProcess::spawn("standby", dir.path(), &nats.url(), &db_url, "1", "2");
    let outcome = tokio::time::timeout(Duration::from_secs(20), started.outcome)
        .await
        .expect("the poison job is given up")
        .unwrap();
    assert_eq!(outcome.status, "failed", "{outcome:?}");
    let error = outcome.error.unwrap();
    assert!(
        error.contains("delivered 2 times and never finished"),
        "{error}"
    );
    assert!(error.contains("doomed-2, attempt 2"), "{error}");
    assert_eq!(
        Job::status_of(&db, &id).await.unwrap().as_deref(),
        Some("failed")
    );
    // The standby never ran it.
    assert_eq!(
        Job::holder(&db, &id).await.unwrap(),
        Some(("doomed-2".to_owned(), 2))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_1000_jobs_while_workers_are_killed_loses_nothing_and_finishes_each_once() {
    let Some(nats) = NatsServer::start("soak_1000_jobs") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (db_url, db) = databases(dir.path()).await.pop().unwrap();
    let settings = settings(&nats.url(), Duration::from_secs(1), 20);
    let queue = NatsQueue::connect(&settings, db.clone()).await.unwrap();
    // Three workers; every 300 ms one is killed (SIGKILL) and a new one started, from the first
    // job until the last has ended.
    let stop = CancellationToken::new();
    let killer = {
        let (stop, home, url, db_url) = (
            stop.clone(),
            dir.path().to_owned(),
            nats.url(),
            db_url.clone(),
        );
        tokio::spawn(async move {
            let mut workers: Vec<WorkerProcess> = (0..3)
                .map(|i| {
                    WorkerProcess::spawn(&format!("soak-{i}-0"), &home, &url, &db_url, "1", "20")
                })
                .collect();
            let mut round = 0;
            while !stop.is_cancelled() {
                tokio::time::sleep(Duration::from_millis(300)).await;
                round += 1;
                let slot = round % workers.len();
                workers[slot].kill();
                workers[slot] = WorkerProcess::spawn(
                    &format!("soak-{slot}-{round}"),
                    &home,
                    &url,
                    &db_url,
                    "1",
                    "20",
                );
            }
            round
        })
    };
    let mut started = Vec::new();
    for x in 0..1000 {
        started.push(submit(&queue, spec(add_graph(), json!({"x": x})), false).await);
    }
    let ids: Vec<String> = started.iter().map(|s| s.job_id.clone()).collect();
    let results = tokio::time::timeout(
        Duration::from_secs(180),
        futures_util::future::join_all(started.into_iter().map(|s| s.outcome)),
    )
    .await
    .expect("every job ends within 180 s");
    stop.cancel();
    let kills = killer.await.unwrap();
    eprintln!("soak: {kills} workers killed while 1000 jobs ran");
    assert!(kills >= 2, "workers were killed during the soak");
    let mut retried = 0;
    for (x, outcome) in results.into_iter().enumerate() {
        let outcome = outcome.expect("an outcome");
        assert_eq!(outcome.status, "completed", "job {x}: {outcome:?}");
        assert_eq!(outcome.result.unwrap()["y"], json!([x as i64 + 1]));
        if Job::holder(&db, &ids[x])
            .await
            .unwrap()
            .is_some_and(|(_, a)| a > 1)
        {
            retried += 1;
        }
    }
    eprintln!("soak: {retried} jobs ran more than once (their worker was killed)");
    // Each job was finished once: one final job_update each in the stream.
    let client = async_nats::connect(nats.url()).await.unwrap();
    let js = async_nats::jetstream::new(client);
    let stream = js.get_stream("NODETOOL_JOB_EVENTS").await.unwrap();
    let consumer = stream
        .create_consumer(async_nats::jetstream::consumer::pull::OrderedConfig {
            deliver_policy: async_nats::jetstream::consumer::DeliverPolicy::All,
            ..Default::default()
        })
        .await
        .unwrap();
    let total = stream.cached_info().state.messages;
    let mut messages = consumer.messages().await.unwrap();
    let mut finals: HashMap<String, usize> = HashMap::new();
    for _ in 0..total {
        let m = tokio::time::timeout(Duration::from_secs(10), messages.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let v: Value = serde_json::from_slice(&m.payload).unwrap();
        if nodetool::jobs::is_final(&v) {
            *finals
                .entry(v["job_id"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    for id in &ids {
        assert_eq!(
            finals.get(id),
            Some(&1),
            "job {id} was finished {:?} times",
            finals.get(id)
        );
        assert_eq!(
            Job::status_of(&db, id).await.unwrap().as_deref(),
            Some("completed")
        );
    }
}
