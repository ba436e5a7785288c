//! Jobs: where runs of workflows happen (feature `server`).
//!
//! One small trait, [`JobQueue`], with two backends:
//! - [`LocalQueue`] (the default, nothing to start): a job runs in the server process that
//!   accepted it. Its record carries this process's id and a heartbeat; a job whose process
//!   stopped heartbeating is recorded `failed` by the next sweep — or queued again and re-run
//!   when `NODETOOL_AUTO_RECOVER_JOBS` is set.
//! - `NatsQueue` (feature `nats`, when `NATS_URL` is set): the server records the job
//!   `queued` and publishes it on a JetStream work queue; `nodetool worker` processes pull jobs
//!   from a durable consumer (ack wait, in-progress heartbeats, MaxDeliver), record who holds
//!   each job and finish it only while they still hold it; every job's messages go to a
//!   per-job subject kept in a stream, so any server relays them in order and a late client
//!   replays them from the start; cancel is a message any server can send.
//!
//! Either way the job record in the database (`nodetool_jobs`) says `queued` → `running`
//! (worker, attempt) → `completed` / `failed` / `cancelled`.

mod execute;
mod local;
#[cfg(feature = "nats")]
mod nats;
#[cfg(feature = "nats")]
mod worker;

pub use crate::models::{CancelRequest, JobSpec};
pub use execute::{JobEnvironment, JobOutcome};
pub use local::{LocalQueue, DEFAULT_HEARTBEAT};

/// How often a local queue heartbeats unless configured.
pub(crate) fn local_heartbeat_default() -> std::time::Duration {
    DEFAULT_HEARTBEAT
}
#[cfg(feature = "nats")]
pub use nats::{NatsQueue, NatsSettings};
#[cfg(feature = "nats")]
pub use worker::Worker;

use crate::models::ModelError;
use crate::workflows::messages::ProcessingMessage;
use crate::workflows::{BoxFuture, CancellationToken, InputStreams, WorkflowRunner};
use serde_json::Value;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// A job's messages as they come: from a run in this process, or relayed from elsewhere
/// (already JSON, with `job_id`).
#[derive(Debug)]
pub enum JobMessages {
    /// From a run in this process.
    Local(mpsc::Receiver<ProcessingMessage>),
    /// Relayed (NodeTool's JSON, with `job_id`).
    Relayed(mpsc::Receiver<Value>),
}

impl JobMessages {
    /// The next message as NodeTool's JSON, with `job_id` set; `None` at the end.
    pub async fn next(&mut self, job_id: &str) -> Option<Value> {
        match self {
            JobMessages::Local(rx) => rx.recv().await.map(|m| tagged(&m, job_id)),
            JobMessages::Relayed(rx) => rx.recv().await,
        }
    }
}

/// A message as NodeTool sends it: its JSON with `job_id` added.
pub fn tagged(message: &ProcessingMessage, job_id: &str) -> Value {
    let mut value = serde_json::to_value(message).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        if map.get("job_id").is_none_or(Value::is_null) {
            map.insert("job_id".into(), Value::String(job_id.to_owned()));
        }
    }
    value
}

/// Whether `message` is a job's last one (`job_update` completed, failed or cancelled).
pub fn is_final(message: &Value) -> bool {
    message.get("type").and_then(Value::as_str) == Some("job_update")
        && matches!(
            message.get("status").and_then(Value::as_str),
            Some("completed" | "failed" | "cancelled")
        )
}

/// A job that has started (or, with a queue, been queued).
#[derive(Debug)]
pub struct StartedJob {
    /// Its id (the `job_id` of its messages).
    pub job_id: String,
    /// The workflow it runs.
    pub workflow_id: String,
    /// Its messages, when they were asked for.
    pub messages: Option<JobMessages>,
    /// How it ended, once its end is recorded.
    pub outcome: oneshot::Receiver<JobOutcome>,
}

/// Why a job could not be started or reached.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] ModelError),
    /// The server is shutting down.
    #[error("the server is shutting down")]
    ShuttingDown,
    /// The message queue failed.
    #[error("the job queue: {0}")]
    Queue(String),
}

/// Where jobs run. See the [module](self) documentation.
pub trait JobQueue: Send + Sync + std::fmt::Debug {
    /// Records `spec` and starts it (`runner` is its validated plan); with `listen`, its
    /// messages come on [`StartedJob::messages`].
    fn start(
        &self,
        spec: JobSpec,
        runner: WorkflowRunner,
        listen: bool,
    ) -> BoxFuture<'_, Result<StartedJob, QueueError>>;

    /// Asks `user_id`'s job `job_id` to stop (wherever it runs).
    fn cancel<'a>(
        &'a self,
        user_id: &'a str,
        job_id: &'a str,
    ) -> BoxFuture<'a, Result<CancelRequest, QueueError>>;

    /// The messages of job `job_id` for a client that comes late: every message from the
    /// start where the queue keeps them, else from now; `None` when there is nothing to
    /// follow (the job has ended: its record says how).
    fn attach<'a>(
        &'a self,
        job_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<JobMessages>, QueueError>>;

    /// Cancelled when this server begins to shut down.
    fn shutdown_token(&self) -> &CancellationToken;

    /// Stops taking jobs; jobs running in this process are cancelled and recorded within
    /// `grace`.
    fn shutdown(&self, grace: Duration) -> BoxFuture<'_, ()>;

    /// Whether job `job_id` runs in this process.
    fn is_running_here(&self, job_id: &str) -> bool;

    /// The streams of `user_id`'s job `job_id`'s streaming input nodes, for its client to push
    /// into (NodeTool's `stream_input`); `None` unless the job runs in this process. The
    /// default: no job takes streamed input (a queue whose jobs run elsewhere).
    fn input_streams(&self, user_id: &str, job_id: &str) -> Option<InputStreams> {
        let _ = (user_id, job_id);
        None
    }
}
