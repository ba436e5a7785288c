//! Jobs run in the server process: a job left `running` by a process that stopped (no
//! heartbeat for four intervals) is recorded failed — or run again here with
//! `NODETOOL_AUTO_RECOVER_JOBS` — and this process's own running jobs keep heartbeating.

mod common;

use nodetool::api::{AppState, Auth};
use nodetool::jobs::JobSpec;
use nodetool::models::{Database, Job};
use serde_json::json;
use std::time::{Duration, Instant};

fn add_spec(id: &str) -> JobSpec {
    JobSpec {
        id: id.to_owned(),
        user_id: "local-user".into(),
        workflow_id: String::new(),
        graph: serde_json::from_value(json!({
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
        .unwrap(),
        params: json!({"x": 41}).as_object().cloned().unwrap(),
    }
}

/// A job recorded `running` by a process that died an hour ago.
async fn orphan(db: &Database) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    Job::start_held(db, &add_spec(&id), "crashed-process")
        .await
        .unwrap();
    sqlx::query(
        "UPDATE nodetool_jobs SET heartbeat_at = '2000-01-01T00:00:00.000000Z' WHERE id = $1",
    )
    .bind(&id)
    .execute(db.pool())
    .await
    .unwrap();
    id
}

async fn serve(state: AppState) -> tokio::sync::oneshot::Sender<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(nodetool::api::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    stop
}

async fn wait_status(db: &Database, id: &str, status: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Job::status_of(db, id).await.unwrap().as_deref() != Some(status) {
        assert!(
            Instant::now() < deadline,
            "job {id} did not become {status} within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_job_whose_process_stopped_is_recorded_failed() {
    nodetool_std_nodes::link();
    let dir = tempfile::tempdir().unwrap();
    let db = Database::sqlite(&dir.path().join("db.sqlite3"))
        .await
        .unwrap();
    let id = orphan(&db).await;
    let state = AppState::new(db.clone(), Auth::Local, None)
        .with_local_recovery(Duration::from_millis(50), false);
    let stop = serve(state).await;
    wait_status(&db, &id, "failed").await;
    let job = Job::find(&db, "local-user", &id).await.unwrap().unwrap();
    assert_eq!(
        job.error.as_deref(),
        Some("the process running the job (crashed-process) stopped without finishing it")
    );
    let _ = stop.send(());
}

#[tokio::test]
async fn with_auto_recovery_a_job_whose_process_stopped_runs_again() {
    nodetool_std_nodes::link();
    let dir = tempfile::tempdir().unwrap();
    let db = Database::sqlite(&dir.path().join("db.sqlite3"))
        .await
        .unwrap();
    let id = orphan(&db).await;
    let state = AppState::new(db.clone(), Auth::Local, None)
        .with_local_recovery(Duration::from_millis(50), true);
    let worker = state.local_jobs().worker_id().to_owned();
    let stop = serve(state).await;
    wait_status(&db, &id, "completed").await;
    let job = Job::find(&db, "local-user", &id).await.unwrap().unwrap();
    assert_eq!(job.result, Some(json!({"y": [42]})));
    assert_eq!(Job::holder(&db, &id).await.unwrap().unwrap().0, worker);
    let _ = stop.send(());
}

#[tokio::test]
async fn running_jobs_keep_their_heartbeat_fresh() {
    nodetool_std_nodes::link();
    let dir = tempfile::tempdir().unwrap();
    let db = Database::sqlite(&dir.path().join("db.sqlite3"))
        .await
        .unwrap();
    // Stale after 4 × 50 ms; the job runs 800 ms.
    let state = AppState::new(db.clone(), Auth::Local, None)
        .with_local_recovery(Duration::from_millis(50), false);
    let stop = serve(state.clone()).await;
    let sleeper = serde_json::from_value(json!({
        "nodes": [
            {"id": "s", "type": "test.Sleep", "data": {"ms": 800, "value": 5}},
            {"id": "y", "type": "nodetool.output.Output", "data": {"name": "y"}}
        ],
        "edges": [{"source": "s", "sourceHandle": "output", "target": "y", "targetHandle": "value"}]
    }))
    .unwrap();
    let request = nodetool::api::RunJobRequest {
        workflow_id: None,
        graph: Some(sleeper),
        params: Default::default(),
    };
    let started = state.start_job("1", request, false).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        Job::status_of(&db, &started.job_id)
            .await
            .unwrap()
            .as_deref(),
        Some("running"),
        "a job whose process heartbeats is not swept"
    );
    let outcome = started.outcome.await.unwrap();
    assert_eq!(outcome.status, "completed");
    assert_eq!(outcome.result.unwrap()["y"], json!([5]));
    let _ = stop.send(());
}
