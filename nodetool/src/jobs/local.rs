//! [`LocalQueue`]: jobs run in the server process that accepted them, each a tokio task.

use super::{
    CancelRequest, JobEnvironment, JobMessages, JobOutcome, JobQueue, JobSpec, QueueError,
    StartedJob,
};
use crate::models::{Database, Job};
use crate::workflows::{BoxFuture, CancellationToken, InputStreams, WorkflowRunner};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::task::TaskTracker;

/// How often a process says its jobs still run, by default (NodeTool's 30 s).
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(30);

struct RunningJob {
    user_id: String,
    cancel: CancellationToken,
    ended: watch::Receiver<Option<JobOutcome>>,
    /// What its client streams into its streaming input nodes.
    inputs: InputStreams,
}

/// Runs jobs in this process: each a task, recorded with this process's id and a heartbeat.
///
/// [`start_maintenance`](Self::start_maintenance) (which `serve` calls) heartbeats this
/// process's jobs and sweeps jobs whose process stopped heartbeating for four intervals:
/// recorded `failed`, or queued again and run here with [`requeue_stale`](Self::requeue_stale)
/// (`NODETOOL_AUTO_RECOVER_JOBS`).
pub struct LocalQueue {
    db: Database,
    env: JobEnvironment,
    id: String,
    running: Arc<Mutex<HashMap<String, RunningJob>>>,
    tasks: TaskTracker,
    shutting_down: CancellationToken,
    heartbeat: Duration,
    requeue: bool,
}

impl std::fmt::Debug for LocalQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalQueue")
            .field("id", &self.id)
            .field("running", &self.lock().len())
            .finish_non_exhaustive()
    }
}

impl LocalQueue {
    /// A queue running jobs over `db` with `env`.
    pub fn new(db: Database, env: JobEnvironment) -> Self {
        Self {
            db,
            env,
            id: format!("local-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
            running: Arc::default(),
            tasks: TaskTracker::new(),
            shutting_down: CancellationToken::new(),
            heartbeat: DEFAULT_HEARTBEAT,
            requeue: false,
        }
    }

    /// Heartbeats every `interval` (jobs are stale after four).
    pub fn heartbeat_every(mut self, interval: Duration) -> Self {
        self.heartbeat = interval.max(Duration::from_millis(10));
        self
    }

    /// Stale jobs are queued again and run here instead of recorded `failed`.
    pub fn requeue_stale(mut self, requeue: bool) -> Self {
        self.requeue = requeue;
        self
    }

    /// This process's id in job records.
    pub fn worker_id(&self) -> &str {
        &self.id
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, RunningJob>> {
        lock(&self.running)
    }

    /// Heartbeats this process's jobs and sweeps stale ones, now and every interval, until
    /// shutdown.
    pub fn start_maintenance(self: &Arc<Self>) {
        let queue = Arc::clone(self);
        let stop = self.shutting_down.clone();
        tokio::spawn(async move {
            loop {
                queue.maintain().await;
                tokio::select! {
                    () = tokio::time::sleep(queue.heartbeat) => {}
                    () = stop.cancelled() => return,
                }
            }
        });
    }

    /// One round: heartbeat, then sweep.
    async fn maintain(self: &Arc<Self>) {
        let ids: Vec<String> = self.lock().keys().cloned().collect();
        if let Err(error) = Job::heartbeat(&self.db, &self.id, &ids).await {
            tracing::warn!(%error, "could not record the jobs' heartbeat");
        }
        let cutoff = SystemTime::now()
            .checked_sub(self.heartbeat * 4)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let cutoff = humantime::format_rfc3339_micros(cutoff).to_string();
        match Job::recover_stale(&self.db, &cutoff, self.requeue).await {
            Ok(ids) if ids.is_empty() => {}
            Ok(ids) if self.requeue => {
                tracing::warn!(jobs = ?ids, "jobs whose process stopped are run again here");
                for id in ids {
                    self.rerun(&id).await;
                }
            }
            Ok(ids) => {
                tracing::warn!(jobs = ?ids, "jobs whose process stopped are recorded failed")
            }
            Err(error) => tracing::warn!(%error, "could not sweep stale jobs"),
        }
    }

    /// Runs a re-queued job again (its plan is made anew).
    async fn rerun(self: &Arc<Self>, id: &str) {
        let spec = match Job::spec(&self.db, id).await {
            Ok(Some(spec)) => spec,
            Ok(None) => return,
            Err(error) => {
                tracing::error!(job_id = id, %error, "cannot read a re-queued job");
                return;
            }
        };
        match Job::claim(&self.db, id, &self.id, i64::MAX).await {
            Ok(crate::models::Claim::Granted) => {}
            Ok(_) => return,
            Err(error) => {
                tracing::error!(job_id = id, %error, "cannot take a re-queued job");
                return;
            }
        }
        let outcome = match WorkflowRunner::from_graph(&spec.graph) {
            Ok(runner) => {
                self.spawn(spec, runner, i64::MAX, None);
                return;
            }
            Err(errors) => JobOutcome::failed(errors.to_string()),
        };
        let _ = Job::finish_held(
            &self.db,
            id,
            &self.id,
            i64::MAX,
            &outcome.status,
            outcome.error.as_deref(),
            None,
        )
        .await;
    }

    /// Runs a recorded, held job; its outcome once recorded.
    fn spawn(
        &self,
        spec: JobSpec,
        runner: WorkflowRunner,
        attempt: i64,
        listener: Option<mpsc::Sender<crate::workflows::messages::ProcessingMessage>>,
    ) -> oneshot::Receiver<JobOutcome> {
        let cancel = self.shutting_down.child_token();
        let (ended_tx, ended) = watch::channel(None);
        let inputs = InputStreams::for_plan(runner.plan());
        self.lock().insert(
            spec.id.clone(),
            RunningJob {
                user_id: spec.user_id.clone(),
                cancel: cancel.clone(),
                ended,
                inputs: inputs.clone(),
            },
        );
        let ctx = self
            .env
            .builder(&spec, cancel, listener)
            .input_streams(inputs)
            .build();
        let (done, outcome) = oneshot::channel();
        let (db, worker) = (self.db.clone(), self.id.clone());
        let running = Arc::clone(&self.running);
        self.tasks.spawn(async move {
            let result = runner.run(&ctx, spec.params.clone()).await;
            drop(ctx);
            let outcome = JobOutcome::of(&result);
            if let Err(error) = Job::finish_held(
                &db,
                &spec.id,
                &worker,
                attempt,
                &outcome.status,
                outcome.error.as_deref(),
                outcome.result_value().as_ref(),
            )
            .await
            {
                tracing::error!(job_id = %spec.id, %error, "could not record the end of a job");
            }
            lock(&running).remove(&spec.id);
            let _ = ended_tx.send(Some(outcome.clone()));
            let _ = done.send(outcome);
        });
        outcome
    }
}

fn lock(map: &Mutex<HashMap<String, RunningJob>>) -> MutexGuard<'_, HashMap<String, RunningJob>> {
    // Every change is a single insert or remove: a poisoned map is still consistent.
    map.lock().unwrap_or_else(|p| p.into_inner())
}

impl JobQueue for LocalQueue {
    fn start(
        &self,
        spec: JobSpec,
        runner: WorkflowRunner,
        listen: bool,
    ) -> BoxFuture<'_, Result<StartedJob, QueueError>> {
        Box::pin(async move {
            // Held until the job's task is spawned: shutdown waits for starts in progress.
            let in_flight = self.tasks.token();
            if self.shutting_down.is_cancelled() {
                return Err(QueueError::ShuttingDown);
            }
            Job::start_held(&self.db, &spec, &self.id).await?;
            let (listener, messages) = if listen {
                let (tx, rx) = mpsc::channel(256);
                (Some(tx), Some(JobMessages::Local(rx)))
            } else {
                (None, None)
            };
            let (job_id, workflow_id) = (spec.id.clone(), spec.workflow_id.clone());
            let outcome = self.spawn(spec, runner, 1, listener);
            drop(in_flight);
            Ok(StartedJob {
                job_id,
                workflow_id,
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
            let here = self
                .lock()
                .get(job_id)
                .filter(|j| j.user_id == user_id)
                .map(|j| j.cancel.clone());
            let request = Job::request_cancel(&self.db, user_id, job_id).await?;
            if let Some(cancel) = here {
                cancel.cancel();
            }
            Ok(request)
        })
    }

    fn attach<'a>(
        &'a self,
        job_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<JobMessages>, QueueError>> {
        Box::pin(async move {
            // A run's messages go to the one listener that started it: a late client gets the
            // job's end.
            let Some(mut ended) = self.lock().get(job_id).map(|j| j.ended.clone()) else {
                return Ok(None);
            };
            let (tx, rx) = mpsc::channel(1);
            let (job_id, workflow_id) = (job_id.to_owned(), String::new());
            tokio::spawn(async move {
                let outcome = match ended.wait_for(Option::is_some).await {
                    Ok(outcome) => outcome.clone(),
                    Err(_) => None,
                };
                if let Some(outcome) = outcome {
                    let _ = tx.send(outcome.to_update(&job_id, &workflow_id)).await;
                }
            });
            Ok(Some(JobMessages::Relayed(rx)))
        })
    }

    fn shutdown_token(&self) -> &CancellationToken {
        &self.shutting_down
    }

    fn shutdown(&self, grace: Duration) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            self.shutting_down.cancel();
            self.tasks.close();
            if tokio::time::timeout(grace, self.tasks.wait())
                .await
                .is_err()
            {
                tracing::warn!(?grace, "jobs still running after the grace period");
            }
            let left: Vec<String> = self.lock().drain().map(|(id, _)| id).collect();
            for id in left {
                let reason = "the server shut down while the job ran";
                if let Err(error) =
                    Job::finish(&self.db, &id, "cancelled", Some(reason), None).await
                {
                    tracing::error!(job_id = %id, %error, "could not record a job at shutdown");
                }
            }
        })
    }

    fn is_running_here(&self, job_id: &str) -> bool {
        self.lock().contains_key(job_id)
    }

    fn input_streams(&self, user_id: &str, job_id: &str) -> Option<InputStreams> {
        self.lock()
            .get(job_id)
            .filter(|j| j.user_id == user_id)
            .map(|j| j.inputs.clone())
    }
}
