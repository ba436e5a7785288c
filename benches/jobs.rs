//! Jobs on NATS JetStream end to end: a trivial graph submitted through `NatsQueue`, run by
//! 1, 2 and 4 in-process workers (2 jobs at once each), recorded in SQLite (or the database
//! at `BENCH_DATABASE_URL`). Starts its own
//! `nats-server -js` (skipped when the binary is missing). `cargo bench --bench jobs`;
//! figures are in BENCHMARKS.md.

use nodetool::jobs::{JobEnvironment, JobQueue, JobSpec, NatsQueue, NatsSettings, Worker};
use nodetool::models::{Database, Job};
use nodetool::workflows::{CancellationToken, Graph, WorkflowRunner};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

#[path = "../tests/nats_server/mod.rs"]
mod nats_server;

fn graph() -> Graph {
    serde_json::from_value(json!({
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
    .expect("a valid graph")
}

fn spec(x: i64) -> JobSpec {
    JobSpec {
        id: uuid::Uuid::now_v7().to_string(),
        user_id: "bench".into(),
        workflow_id: String::new(),
        graph: graph(),
        params: json!({"x": x}).as_object().cloned().unwrap_or_default(),
    }
}

fn parse_time(text: &str) -> SystemTime {
    humantime::parse_rfc3339(text).expect("an RFC 3339 time")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn run(workers: usize) {
    let Some(nats) = nats_server::NatsServer::start("bench jobs") else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    // SQLite in a temporary folder, or BENCH_DATABASE_URL (e.g. PostgreSQL).
    let db = match std::env::var("BENCH_DATABASE_URL") {
        Ok(url) => Database::connect(&url).await.expect("the database"),
        Err(_) => Database::sqlite(&dir.path().join("jobs.sqlite3"))
            .await
            .expect("SQLite"),
    };
    let settings = NatsSettings::new(nats.url());
    let queue = NatsQueue::connect(&settings, db.clone())
        .await
        .expect("NATS");
    let stop = CancellationToken::new();
    let mut handles = Vec::new();
    for i in 0..workers {
        let worker = Worker::connect(
            format!("bench-{i}"),
            &settings,
            db.clone(),
            JobEnvironment::default(),
            2,
        )
        .await
        .expect("a worker");
        let stop = stop.clone();
        handles.push(tokio::spawn(async move {
            worker.run(stop, Duration::from_secs(5)).await
        }));
    }
    let queue = Arc::new(queue);

    // Throughput: 2,000 jobs from 16 concurrent submitters.
    let n = 2_000;
    let started = Instant::now();
    let mut submitters = Vec::new();
    for s in 0..16 {
        let queue = Arc::clone(&queue);
        submitters.push(tokio::spawn(async move {
            let mut outcomes = Vec::new();
            for x in (s..n).step_by(16) {
                let spec = spec(x as i64);
                let runner = WorkflowRunner::from_graph(&spec.graph).expect("valid");
                let job = queue.start(spec, runner, false).await.expect("queued");
                outcomes.push(job.outcome);
            }
            for outcome in outcomes {
                assert_eq!(outcome.await.expect("an outcome").status, "completed");
            }
        }));
    }
    for s in submitters {
        s.await.expect("a submitter");
    }
    let elapsed = started.elapsed();

    // Latency, unloaded: one job at a time, submit → start and submit → end.
    let mut to_start = Vec::new();
    let mut to_end = Vec::new();
    for x in 0..200 {
        let spec = spec(x);
        let id = spec.id.clone();
        let runner = WorkflowRunner::from_graph(&spec.graph).expect("valid");
        let sent = Instant::now();
        let job = queue.start(spec, runner, false).await.expect("queued");
        job.outcome.await.expect("an outcome");
        to_end.push(sent.elapsed());
        let record = Job::find(&db, "bench", &id)
            .await
            .expect("db")
            .expect("recorded");
        let created = parse_time(&record.created_at);
        let began = parse_time(record.started_at.as_deref().expect("started"));
        to_start.push(began.duration_since(created).unwrap_or_default());
    }
    to_start.sort();
    to_end.sort();
    println!(
        "| {workers} | {:.0} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms |",
        n as f64 / elapsed.as_secs_f64(),
        percentile(&to_start, 0.5).as_secs_f64() * 1e3,
        percentile(&to_start, 0.99).as_secs_f64() * 1e3,
        percentile(&to_end, 0.5).as_secs_f64() * 1e3,
        percentile(&to_end, 0.99).as_secs_f64() * 1e3,
    );
    stop.cancel();
    for h in handles {
        let _ = h.await;
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        // `cargo test --benches` / `--list`: nothing to list or check here.
        return;
    }
    nodetool_std_nodes::link();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    println!("| workers | jobs/s (2,000 jobs, 16 submitters) | submit→start p50 | p99 | submit→end p50 | p99 |");
    println!("|---|---|---|---|---|---|");
    for workers in [1, 2, 4] {
        rt.block_on(run(workers));
    }
}
