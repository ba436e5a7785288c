//! [`NatsQueue`]: jobs queued on NATS JetStream for `nodetool worker` processes.
//!
//! - Stream `NODETOOL_JOBS` (work queue, subject `nodetool.jobs.queue`): one message per job,
//!   its id; workers pull it from the durable consumer `nodetool-workers` (explicit acks,
//!   ack wait, MaxDeliver).
//! - Stream `NODETOOL_JOB_EVENTS` (subjects `nodetool.jobs.events.<job id>`, kept for
//!   `NODETOOL_JOB_EVENTS_MAX_AGE`): each job's NodeTool messages, in order; any server relays
//!   them and a late client replays them.
//! - `nodetool.jobs.cancel.<job id>` (plain NATS): asks whichever worker runs the job to stop.
//! - JetStream's `MAX_DELIVERIES` advisory: a job delivered MaxDeliver times without finishing
//!   (its worker died each time) is recorded `failed`.

use super::{CancelRequest, JobMessages, JobOutcome, JobQueue, JobSpec, QueueError, StartedJob};
use crate::config::{ConfigError, Environment};
use crate::models::{Database, Job};
use crate::workflows::{BoxFuture, CancellationToken, WorkflowRunner};
use async_nats::jetstream::{self, consumer, stream};
use futures_util::StreamExt;
use serde_json::Value;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// The work-queue stream.
pub const JOBS_STREAM: &str = "NODETOOL_JOBS";
/// Its subject.
pub const QUEUE_SUBJECT: &str = "nodetool.jobs.queue";
/// The workers' durable consumer.
pub const WORKERS: &str = "nodetool-workers";
/// The stream of every job's messages.
pub const EVENTS_STREAM: &str = "NODETOOL_JOB_EVENTS";

/// The subject of job `id`'s messages.
pub fn events_subject(id: &str) -> String {
    format!("nodetool.jobs.events.{id}")
}

/// The subject that asks job `id` to stop.
pub fn cancel_subject(id: &str) -> String {
    format!("nodetool.jobs.cancel.{id}")
}

/// How jobs use NATS.
#[derive(Debug, Clone, PartialEq)]
pub struct NatsSettings {
    /// The server(s), e.g. `nats://127.0.0.1:4222`.
    pub url: String,
    /// How long a worker may go without a heartbeat before its job is delivered again.
    pub ack_wait: Duration,
    /// How many times a job is delivered before it is given up as failed.
    pub max_deliver: i64,
    /// How long a job's messages are kept for late clients.
    pub events_max_age: Duration,
}

impl NatsSettings {
    /// The settings `NATS_URL` (none: `None`), `NODETOOL_JOB_ACK_WAIT` (seconds, default 30),
    /// `NODETOOL_JOB_MAX_DELIVER` (default 3) and `NODETOOL_JOB_EVENTS_MAX_AGE` (seconds,
    /// default 3600).
    pub fn from_env(env: &Environment) -> Result<Option<Self>, ConfigError> {
        let Some(url) = env.get("NATS_URL").filter(|u| !u.trim().is_empty()) else {
            return Ok(None);
        };
        Ok(Some(Self {
            url: url.to_owned(),
            ack_wait: Duration::from_secs_f64(
                env.get_parsed::<f64>("NODETOOL_JOB_ACK_WAIT")?
                    .unwrap_or(30.0)
                    .max(0.1),
            ),
            max_deliver: env
                .get_parsed::<i64>("NODETOOL_JOB_MAX_DELIVER")?
                .unwrap_or(3)
                .max(1),
            events_max_age: Duration::from_secs_f64(
                env.get_parsed::<f64>("NODETOOL_JOB_EVENTS_MAX_AGE")?
                    .unwrap_or(3600.0)
                    .max(1.0),
            ),
        }))
    }

    /// Settings for `url` with the defaults.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            ack_wait: Duration::from_secs(30),
            max_deliver: 3,
            events_max_age: Duration::from_secs(3600),
        }
    }
}

fn queue_error(e: impl std::fmt::Display) -> QueueError {
    QueueError::Queue(e.to_string())
}

/// A connection with the streams and the consumer in place.
#[derive(Clone, Debug)]
pub(crate) struct Nats {
    pub(crate) client: async_nats::Client,
    pub(crate) js: jetstream::Context,
    pub(crate) settings: NatsSettings,
}

impl Nats {
    /// Connects (reconnecting by itself after a loss) and makes sure the streams and the
    /// workers' consumer exist with `settings`.
    pub(crate) async fn connect(settings: &NatsSettings) -> Result<Self, QueueError> {
        let client = async_nats::ConnectOptions::new()
            .retry_on_initial_connect()
            .connection_timeout(Duration::from_secs(5))
            .connect(settings.url.as_str())
            .await
            .map_err(|e| QueueError::Queue(format!("connecting to {}: {e}", settings.url)))?;
        let js = jetstream::new(client.clone());
        let jobs = js
            .get_or_create_stream(stream::Config {
                name: JOBS_STREAM.into(),
                subjects: vec![QUEUE_SUBJECT.into()],
                retention: stream::RetentionPolicy::WorkQueue,
                storage: stream::StorageType::File,
                ..Default::default()
            })
            .await
            .map_err(|e| QueueError::Queue(format!("the job stream: {e}")))?;
        js.get_or_create_stream(stream::Config {
            name: EVENTS_STREAM.into(),
            subjects: vec!["nodetool.jobs.events.*".into()],
            retention: stream::RetentionPolicy::Limits,
            storage: stream::StorageType::File,
            max_age: settings.events_max_age,
            max_bytes: 1 << 30,
            discard: stream::DiscardPolicy::Old,
            ..Default::default()
        })
        .await
        .map_err(|e| QueueError::Queue(format!("the job events stream: {e}")))?;
        let config = consumer::pull::Config {
            durable_name: Some(WORKERS.into()),
            ack_policy: consumer::AckPolicy::Explicit,
            ack_wait: settings.ack_wait,
            max_deliver: settings.max_deliver,
            max_ack_pending: 10_000,
            ..Default::default()
        };
        // An existing consumer keeps its settings unless they changed.
        match jobs.get_consumer::<consumer::pull::Config>(WORKERS).await {
            Ok(existing)
                if existing.cached_info().config.ack_wait == settings.ack_wait
                    && existing.cached_info().config.max_deliver == settings.max_deliver => {}
            Ok(_) => {
                // Changed settings: the consumer is made anew (unacknowledged jobs are
                // delivered again; the database fences any duplicate).
                jobs.delete_consumer(WORKERS).await.map_err(|e| {
                    QueueError::Queue(format!("replacing the workers' consumer: {e}"))
                })?;
                jobs.create_consumer(config)
                    .await
                    .map_err(|e| QueueError::Queue(format!("the workers' consumer: {e}")))?;
            }
            Err(_) => {
                jobs.create_consumer(config)
                    .await
                    .map_err(|e| QueueError::Queue(format!("the workers' consumer: {e}")))?;
            }
        }
        Ok(Self {
            client,
            js,
            settings: settings.clone(),
        })
    }

    /// The workers' consumer.
    pub(crate) async fn workers(&self) -> Result<consumer::PullConsumer, QueueError> {
        self.js
            .get_stream(JOBS_STREAM)
            .await
            .map_err(queue_error)?
            .get_consumer(WORKERS)
            .await
            .map_err(queue_error)
    }

    /// Publishes job `id`'s final `job_update`. Every process that tells a job's end uses the
    /// same message id, so JetStream keeps the first and drops the others: a job has one end
    /// in its messages even when a worker died between recording it and acknowledging.
    pub(crate) async fn publish_end(&self, id: &str, update: &Value) -> Result<(), QueueError> {
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", format!("end-{id}").as_str());
        let ack = self
            .js
            .publish_with_headers(events_subject(id), headers, update.to_string().into())
            .await
            .map_err(queue_error)?;
        ack.await.map_err(queue_error)?;
        Ok(())
    }

    /// Job `id`'s messages from the first, until its final `job_update`.
    pub(crate) async fn follow(&self, id: &str) -> Result<mpsc::Receiver<Value>, QueueError> {
        let events = self
            .js
            .get_stream(EVENTS_STREAM)
            .await
            .map_err(queue_error)?;
        let consumer = events
            .create_consumer(consumer::pull::OrderedConfig {
                filter_subject: events_subject(id),
                deliver_policy: consumer::DeliverPolicy::All,
                ..Default::default()
            })
            .await
            .map_err(queue_error)?;
        let mut messages = consumer.messages().await.map_err(queue_error)?;
        let (tx, rx) = mpsc::channel(256);
        tokio::spawn(async move {
            while let Some(message) = messages.next().await {
                let message = match message {
                    Ok(m) => m,
                    Err(error) => {
                        tracing::warn!(%error, "reading a job's messages");
                        continue;
                    }
                };
                let Ok(value) = serde_json::from_slice::<Value>(&message.payload) else {
                    continue;
                };
                let last = super::is_final(&value);
                if tx.send(value).await.is_err() || last {
                    return;
                }
            }
        });
        Ok(rx)
    }

    /// Records `failed` every job JetStream gives up on (delivered MaxDeliver times without
    /// an ack: its worker died each time), tells its clients, and drops its message. Runs
    /// until the connection closes; one handler per advisory across the processes.
    pub(crate) fn watch_poison(&self, db: Database) {
        let nats = self.clone();
        tokio::spawn(async move {
            let subject =
                format!("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{JOBS_STREAM}.{WORKERS}");
            let mut advisories = match nats
                .client
                .queue_subscribe(subject, "nodetool-advisories".into())
                .await
            {
                Ok(s) => s,
                Err(error) => {
                    tracing::error!(%error, "cannot watch for poison jobs");
                    return;
                }
            };
            while let Some(advisory) = advisories.next().await {
                if let Err(error) = nats.give_up(&db, &advisory.payload).await {
                    tracing::error!(%error, "could not record a poison job");
                }
            }
        });
    }

    async fn give_up(&self, db: &Database, advisory: &[u8]) -> Result<(), QueueError> {
        let advisory: Value = serde_json::from_slice(advisory).map_err(queue_error)?;
        let Some(seq) = advisory["stream_seq"].as_u64() else {
            return Ok(());
        };
        let deliveries = advisory["deliveries"]
            .as_i64()
            .unwrap_or(self.settings.max_deliver);
        let stream = self.js.get_stream(JOBS_STREAM).await.map_err(queue_error)?;
        let message = match stream.get_raw_message(seq).await {
            Ok(m) => m,
            // Already gone: another process handled it.
            Err(_) => return Ok(()),
        };
        let id = String::from_utf8_lossy(&message.payload).into_owned();
        let holder = Job::holder(db, &id).await?;
        let error = format!(
            "the job was delivered {deliveries} times and never finished: its worker stopped \
             each time (last: {})",
            holder.map_or_else(|| "none".to_owned(), |(w, a)| format!("{w}, attempt {a}"))
        );
        if Job::fail_unfinished(db, &id, &error).await? {
            tracing::error!(job_id = %id, deliveries, "gave up on a poison job");
            let update = JobOutcome::failed(error).to_update(&id, &workflow_of(db, &id).await);
            self.publish_end(&id, &update).await?;
        }
        let _ = stream.delete_message(seq).await;
        Ok(())
    }
}

/// The workflow id of job `id` (empty when unknown).
pub(crate) async fn workflow_of(db: &Database, id: &str) -> String {
    match Job::spec(db, id).await {
        Ok(Some(spec)) => spec.workflow_id,
        _ => String::new(),
    }
}

/// How long a relay waits for a job's next message before it checks the job's record.
const QUIET: Duration = Duration::from_secs(2);

/// Forwards job `spec`'s messages to `tx` until its final `job_update`, then tells `done`
/// its outcome. When the messages go quiet the record is checked: a job recorded as ended
/// whose final message was lost (NATS was away) ends from the record.
async fn relay(
    db: Database,
    spec: JobSpec,
    mut events: mpsc::Receiver<Value>,
    tx: Option<mpsc::Sender<Value>>,
    done: Option<oneshot::Sender<JobOutcome>>,
) {
    let end = loop {
        match tokio::time::timeout(QUIET, events.recv()).await {
            Ok(Some(message)) => {
                let end = JobOutcome::from_update(&message);
                if let Some(tx) = &tx {
                    // A client that went away stops receiving; the outcome still counts.
                    let _ = tx.send(message).await;
                }
                if let Some(end) = end {
                    break end;
                }
            }
            Ok(None) | Err(_) => {
                if events.is_closed() {
                    // The subscription broke: follow the record alone, at a calm pace.
                    tokio::time::sleep(QUIET).await;
                }
                let Ok(Some(job)) = Job::find(&db, &spec.user_id, &spec.id).await else {
                    continue;
                };
                if !job.is_finished() {
                    continue;
                }
                let end = JobOutcome {
                    status: job.status,
                    result: job.result.as_ref().and_then(Value::as_object).cloned(),
                    error: job.error,
                };
                if let Some(tx) = &tx {
                    let _ = tx.send(end.to_update(&spec.id, &spec.workflow_id)).await;
                }
                break end;
            }
        }
    };
    if let Some(done) = done {
        let _ = done.send(end);
    }
}

/// Queues jobs on NATS JetStream for workers; relays their messages.
#[derive(Debug)]
pub struct NatsQueue {
    nats: Nats,
    db: Database,
    shutting_down: CancellationToken,
}

impl NatsQueue {
    /// Connects with `settings` (streams and consumer made if missing) over `db`.
    pub async fn connect(settings: &NatsSettings, db: Database) -> Result<Self, QueueError> {
        let nats = Nats::connect(settings).await?;
        nats.watch_poison(db.clone());
        Ok(Self {
            nats,
            db,
            shutting_down: CancellationToken::new(),
        })
    }
}

impl JobQueue for NatsQueue {
    fn start(
        &self,
        spec: JobSpec,
        _runner: WorkflowRunner,
        listen: bool,
    ) -> BoxFuture<'_, Result<StartedJob, QueueError>> {
        Box::pin(async move {
            if self.shutting_down.is_cancelled() {
                return Err(QueueError::ShuttingDown);
            }
            Job::enqueue(&self.db, &spec).await?;
            let events = self.nats.follow(&spec.id).await?;
            let queued = async {
                self.nats
                    .js
                    .publish(QUEUE_SUBJECT, spec.id.clone().into())
                    .await
                    .map_err(queue_error)?
                    .await
                    .map_err(queue_error)
            };
            if let Err(error) = queued.await {
                let reason = format!("the job could not be queued: {error}");
                let _ = Job::fail_unfinished(&self.db, &spec.id, &reason).await;
                return Err(error);
            }
            let (done, outcome) = oneshot::channel();
            let (tx, messages) = if listen {
                let (tx, rx) = mpsc::channel(256);
                (Some(tx), Some(JobMessages::Relayed(rx)))
            } else {
                (None, None)
            };
            tokio::spawn(relay(self.db.clone(), spec.clone(), events, tx, Some(done)));
            Ok(StartedJob {
                job_id: spec.id,
                workflow_id: spec.workflow_id,
                messages,
                outcome,
            })
        })
    }

    fn cancel<'a>(
        &'a self,
        user_id: &'a str,
        job_id: &'a str,
    ) -> BoxFuture<'a, Result<CancelRequest, QueueError>> {
        Box::pin(async move {
            let request = Job::request_cancel(&self.db, user_id, job_id).await?;
            match request {
                CancelRequest::WasQueued => {
                    // No worker will run it: its clients learn the end from here.
                    let update = JobOutcome::cancelled()
                        .to_update(job_id, &workflow_of(&self.db, job_id).await);
                    self.nats.publish_end(job_id, &update).await?;
                }
                CancelRequest::Running => {
                    self.nats
                        .client
                        .publish(cancel_subject(job_id), "cancel".into())
                        .await
                        .map_err(queue_error)?;
                    self.nats.client.flush().await.map_err(queue_error)?;
                }
                CancelRequest::Finished => {}
            }
            Ok(request)
        })
    }

    fn attach<'a>(
        &'a self,
        job_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<JobMessages>, QueueError>> {
        Box::pin(async move {
            let status = Job::status_of(&self.db, job_id).await?;
            if !matches!(status.as_deref(), Some("queued" | "running")) {
                return Ok(None);
            }
            let Some(spec) = Job::spec(&self.db, job_id).await? else {
                return Ok(None);
            };
            let events = self.nats.follow(job_id).await?;
            let (tx, rx) = mpsc::channel(256);
            tokio::spawn(relay(self.db.clone(), spec, events, Some(tx), None));
            Ok(Some(JobMessages::Relayed(rx)))
        })
    }

    fn shutdown_token(&self) -> &CancellationToken {
        &self.shutting_down
    }

    fn shutdown(&self, _grace: Duration) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            // Jobs run on workers: nothing here to wait for.
            self.shutting_down.cancel();
            let _ = self.nats.client.flush().await;
        })
    }

    fn is_running_here(&self, _job_id: &str) -> bool {
        false
    }
}
