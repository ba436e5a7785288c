//! [`Worker`]: pulls jobs from the NATS work queue and runs them with the same runner,
//! assets, cache and settings as a server.
//!
//! For each delivery: take the job in the database for this worker and attempt (a job
//! another attempt holds, or that has ended, is acknowledged and skipped), run it while
//! telling JetStream it is in progress every third of the ack wait, publish its messages,
//! record its end only while still holding it, then publish the final `job_update` and
//! acknowledge. A worker that dies stops heartbeating: the job is delivered again after the
//! ack wait and the next attempt takes it over. On shutdown a worker stops pulling, lets its
//! jobs finish within the grace period, and hands the rest back (nak) for another worker.

use super::nats::{cancel_subject, workflow_of, Nats, NatsSettings};
use super::{JobEnvironment, JobOutcome, QueueError};
use crate::models::{Claim, Database, Job};
use crate::workflows::messages::ProcessingMessage;
use crate::workflows::{CancellationToken, WorkflowRunner};
use async_nats::jetstream::{self, AckKind};
use futures_util::StreamExt;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

/// How long a pull waits for a job before asking again.
const PULL_WAIT: Duration = Duration::from_secs(2);

/// A job this worker runs.
struct Held {
    cancel: CancellationToken,
    /// Cancelled to hand the job back (shutdown): it is not finished, the queue redelivers it.
    hand_back: CancellationToken,
}

/// Runs jobs from the NATS queue: pulls each job, records it `running` for its attempt,
/// heartbeats while it runs, and acknowledges it once its end is recorded.
pub struct Worker {
    name: String,
    db: Database,
    env: JobEnvironment,
    nats: Nats,
    concurrency: usize,
    held: Mutex<HashMap<String, Held>>,
    jobs: TaskTracker,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("name", &self.name)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl Worker {
    /// A worker named `name` running at most `concurrency` jobs at once, over `db`.
    pub async fn connect(
        name: impl Into<String>,
        settings: &NatsSettings,
        db: Database,
        env: JobEnvironment,
        concurrency: usize,
    ) -> Result<Arc<Self>, QueueError> {
        let nats = Nats::connect(settings).await?;
        nats.watch_poison(db.clone());
        Ok(Arc::new(Self {
            name: name.into(),
            db,
            env,
            nats,
            concurrency: concurrency.max(1),
            held: Mutex::default(),
            jobs: TaskTracker::new(),
        }))
    }

    /// Its name in job records.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn held(&self) -> std::sync::MutexGuard<'_, HashMap<String, Held>> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Pulls and runs jobs until `shutdown` is cancelled; then lets running jobs finish for
    /// up to `grace` and hands the others back.
    pub async fn run(
        self: &Arc<Self>,
        shutdown: CancellationToken,
        grace: Duration,
    ) -> Result<(), QueueError> {
        self.listen_for_cancels().await?;
        let consumer = self.nats.workers().await?;
        let pullers = TaskTracker::new();
        for _ in 0..self.concurrency {
            let worker = Arc::clone(self);
            let (consumer, stop) = (consumer.clone(), shutdown.clone());
            pullers.spawn(async move { worker.pull(consumer, stop).await });
        }
        pullers.close();
        shutdown.cancelled().await;
        tracing::info!(worker = %self.name, "stopping: no new jobs; running ones get {grace:?}");
        pullers.wait().await;
        self.jobs.close();
        if tokio::time::timeout(grace, self.jobs.wait()).await.is_err() {
            let left: Vec<String> = self.held().keys().cloned().collect();
            tracing::warn!(worker = %self.name, jobs = ?left, "handing back unfinished jobs");
            for held in self.held().values() {
                held.hand_back.cancel();
            }
            self.jobs.wait().await;
        }
        let _ = self.nats.client.flush().await;
        Ok(())
    }

    /// Cancels held jobs when any server asks.
    async fn listen_for_cancels(self: &Arc<Self>) -> Result<(), QueueError> {
        let mut cancels = self
            .nats
            .client
            .subscribe(cancel_subject("*"))
            .await
            .map_err(|e| QueueError::Queue(e.to_string()))?;
        let worker = Arc::downgrade(self);
        tokio::spawn(async move {
            while let Some(message) = cancels.next().await {
                let Some(worker) = worker.upgrade() else {
                    return;
                };
                let id = message.subject.as_str().rsplit('.').next().unwrap_or("");
                let cancel = worker.held().get(id).map(|h| h.cancel.clone());
                if let Some(cancel) = cancel {
                    cancel.cancel();
                }
            }
        });
        Ok(())
    }

    /// One slot: pull a job, run it, repeat until `stop`.
    async fn pull(
        self: Arc<Self>,
        consumer: jetstream::consumer::PullConsumer,
        stop: CancellationToken,
    ) {
        while !stop.is_cancelled() {
            let batch = tokio::select! {
                () = stop.cancelled() => return,
                b = consumer.batch().max_messages(1).expires(PULL_WAIT).messages() => b,
            };
            let mut batch = match batch {
                Ok(b) => b,
                Err(error) => {
                    tracing::warn!(%error, "pulling a job failed; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue;
                }
            };
            let message = tokio::select! {
                () = stop.cancelled() => return,
                m = batch.next() => m,
            };
            match message {
                Some(Ok(message)) => {
                    let worker = Arc::clone(&self);
                    // Tracked: shutdown waits for it (within the grace period); this slot waits
                    // for it too, unless the worker is stopping.
                    let job = self.jobs.spawn(async move { worker.handle(message).await });
                    tokio::select! {
                        _ = job => {}
                        () = stop.cancelled() => return,
                    }
                }
                Some(Err(error)) => {
                    tracing::warn!(%error, "receiving a job failed; retrying");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                None => {}
            }
        }
    }

    /// Runs one delivery of a job.
    async fn handle(self: Arc<Self>, message: jetstream::Message) {
        let id = String::from_utf8_lossy(&message.payload).into_owned();
        let (attempt, pending) = message.info().map_or((1, 0), |i| (i.delivered, i.pending));
        let metrics = crate::telemetry::metrics();
        metrics.set_queue_depth(pending);
        if attempt > 1 {
            metrics.redelivered();
        }
        let span = tracing::info_span!("delivery", job_id = %id, attempt, worker = %self.name);
        self.handle_delivery(id, attempt, message)
            .instrument(span)
            .await;
    }

    async fn handle_delivery(&self, id: String, attempt: i64, message: jetstream::Message) {
        let cancel = CancellationToken::new();
        let hand_back = CancellationToken::new();
        self.held().insert(
            id.clone(),
            Held {
                cancel: cancel.clone(),
                hand_back: hand_back.clone(),
            },
        );
        let outcome = self.serve(&id, attempt, &message, cancel, hand_back).await;
        self.held().remove(&id);
        let acked = match outcome {
            Served::Finished => message.ack().await,
            Served::HandedBack => message.ack_with(AckKind::Nak(None)).await,
            Served::Retry => {
                message
                    .ack_with(AckKind::Nak(Some(Duration::from_secs(1))))
                    .await
            }
            // Another attempt holds the job: its holder acknowledges it.
            Served::Lost => Ok(()),
        };
        if let Err(error) = acked {
            tracing::warn!(job_id = %id, %error, "could not acknowledge a job");
        }
    }

    async fn serve(
        &self,
        id: &str,
        attempt: i64,
        message: &jetstream::Message,
        cancel: CancellationToken,
        hand_back: CancellationToken,
    ) -> Served {
        match Job::claim(&self.db, id, &self.name, attempt).await {
            Ok(Claim::Granted) => {}
            Ok(Claim::Cancelled) => {
                let update =
                    JobOutcome::cancelled().to_update(id, &workflow_of(&self.db, id).await);
                self.publish(id, &update).await;
                return Served::Finished;
            }
            Ok(Claim::Gone) => {
                // Ended already: if its holder died between recording the end and telling it,
                // tell it now (the end's message id keeps it told once).
                if let Ok(Some(job)) = Job::find_any(&self.db, id).await {
                    if job.is_finished() {
                        let outcome = JobOutcome {
                            status: job.status,
                            result: job.result.as_ref().and_then(Value::as_object).cloned(),
                            error: job.error,
                        };
                        self.publish(id, &outcome.to_update(id, &job.workflow_id))
                            .await;
                    }
                }
                return Served::Finished;
            }
            Err(error) => {
                tracing::error!(job_id = id, %error, "cannot take a job; it goes back to the queue");
                return Served::Retry;
            }
        }
        let spec = match Job::spec(&self.db, id).await {
            Ok(Some(spec)) => spec,
            Ok(None) => return Served::Finished,
            Err(error) => {
                let outcome =
                    JobOutcome::failed(format!("the job's record cannot be read: {error}"));
                return self.finish(id, "", attempt, outcome, None).await;
            }
        };
        let runner = match WorkflowRunner::from_graph(&spec.graph) {
            Ok(runner) => runner,
            Err(errors) => {
                let outcome = JobOutcome::failed(format!(
                    "the graph is not valid on worker {}: {errors}",
                    self.name
                ));
                return self
                    .finish(id, &spec.workflow_id, attempt, outcome, None)
                    .await;
            }
        };
        // The run's messages go out to the job's subject in order; the final `job_update`
        // waits until the end is recorded.
        let (tx, mut rx) = mpsc::channel::<ProcessingMessage>(256);
        let publisher = {
            let (nats, id) = (self.nats.clone(), id.to_owned());
            tokio::spawn(async move {
                let mut last = None;
                let mut pending = Vec::new();
                while let Some(m) = rx.recv().await {
                    let value = super::tagged(&m, &id);
                    if super::is_final(&value) {
                        last = Some(value);
                        continue;
                    }
                    match nats
                        .js
                        .publish(super::nats::events_subject(&id), value.to_string().into())
                        .await
                    {
                        Ok(ack) => pending.push(ack),
                        Err(error) => {
                            tracing::warn!(job_id = %id, %error, "a job message was not published")
                        }
                    }
                }
                for ack in pending {
                    let _ = tokio::time::timeout(
                        Duration::from_secs(5),
                        std::future::IntoFuture::into_future(ack),
                    )
                    .await;
                }
                last
            })
        };
        let ctx = self.env.context(&spec, cancel.clone(), Some(tx));
        let heartbeat = self.heartbeat(id, message);
        let result = tokio::select! {
            result = runner.run(&ctx, spec.params.clone()) => Some(result),
            () = hand_back.cancelled() => None,
        };
        heartbeat.abort();
        drop(ctx);
        let Some(result) = result else {
            cancel.cancel();
            publisher.abort();
            return Served::HandedBack;
        };
        let last = publisher.await.ok().flatten();
        let outcome = JobOutcome::of(&result);
        self.finish(id, &spec.workflow_id, attempt, outcome, last)
            .await
    }

    /// Records the end (only while this attempt holds the job), then tells the clients.
    async fn finish(
        &self,
        id: &str,
        workflow_id: &str,
        attempt: i64,
        outcome: JobOutcome,
        last: Option<Value>,
    ) -> Served {
        let recorded = Job::finish_held(
            &self.db,
            id,
            &self.name,
            attempt,
            &outcome.status,
            outcome.error.as_deref(),
            outcome.result_value().as_ref(),
        )
        .await;
        match recorded {
            Ok(true) => {
                let update = last.unwrap_or_else(|| outcome.to_update(id, workflow_id));
                self.publish(id, &update).await;
                Served::Finished
            }
            Ok(false) => {
                tracing::warn!(
                    job_id = id,
                    attempt,
                    "the job was taken over by a later attempt"
                );
                Served::Lost
            }
            Err(error) => {
                tracing::error!(job_id = id, %error, "cannot record the end of a job; it goes back to the queue");
                Served::Retry
            }
        }
    }

    /// Publishes a job's final `job_update`, retrying while NATS is away (the record is
    /// final already; clients wait for this message), for up to a minute.
    async fn publish(&self, id: &str, update: &Value) {
        let mut wait = Duration::from_millis(50);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            match self.nats.publish_end(id, update).await {
                Ok(()) => return,
                Err(error) if tokio::time::Instant::now() >= deadline => {
                    tracing::error!(job_id = id, %error, "could not publish a job's end");
                    return;
                }
                Err(error) => {
                    tracing::warn!(job_id = id, %error, "publishing a job's end; retrying");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(2));
                }
            }
        }
    }

    /// Tells JetStream and the database the job is in progress, every third of the ack wait.
    fn heartbeat(&self, id: &str, message: &jetstream::Message) -> tokio::task::JoinHandle<()> {
        let every = (self.nats.settings.ack_wait / 3).max(Duration::from_millis(50));
        let (db, name, id) = (self.db.clone(), self.name.clone(), id.to_owned());
        let message = message.clone();
        tokio::spawn(async move {
            let ids = [id];
            loop {
                tokio::time::sleep(every).await;
                if let Err(error) = message.ack_with(AckKind::Progress).await {
                    tracing::warn!(job_id = %ids[0], %error, "in-progress ack failed");
                }
                if let Err(error) = Job::heartbeat(&db, &name, &ids).await {
                    tracing::warn!(job_id = %ids[0], %error, "heartbeat not recorded");
                }
            }
        })
    }
}

/// What became of a delivery.
enum Served {
    /// Done (recorded, or nothing to do): acknowledge.
    Finished,
    /// Shutdown: not finished, back to the queue at once.
    HandedBack,
    /// The database failed: back to the queue after a pause.
    Retry,
    /// A later attempt holds the job: leave the delivery alone.
    Lost,
}
