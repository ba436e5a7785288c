//! Running jobs ([`JobManager`]) and `/api/jobs`: start (in the background or waiting),
//! list, get, cancel, running.

use super::auth::User;
use super::error::{ApiError, JsonBody, QueryParams};
use super::AppState;
use crate::config::Environment;
use crate::models::{Database, Job, Workflow};
use crate::storage::AssetStore;
use crate::workflows::messages::ProcessingMessage;
use crate::workflows::{
    CancellationToken, Graph, NodeCache, ProcessingContext, RunError, RunResult, WorkflowRunner,
};
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio_util::task::TaskTracker;

/// What to run: a saved workflow or a posted graph, with parameters (NodeTool's
/// `RunJobRequest`; other fields it has are accepted and ignored).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RunJobRequest {
    /// The saved workflow to run.
    #[serde(default)]
    pub workflow_id: Option<String>,
    /// A graph to run instead.
    #[serde(default)]
    pub graph: Option<Graph>,
    /// Input node name → value.
    #[serde(default)]
    pub params: Map<String, Value>,
}

/// A job as `/api/jobs` returns it (NodeTool's `JobResponse`, plus params and result).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobResponse {
    /// The job id.
    pub id: String,
    /// The owner.
    pub user_id: String,
    /// Always `workflow`.
    pub job_type: String,
    /// `running`, `completed`, `failed` or `cancelled`.
    pub status: String,
    /// The workflow run (empty for a posted graph).
    pub workflow_id: String,
    /// When it started.
    pub started_at: Option<String>,
    /// When it ended.
    pub finished_at: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// Its parameters.
    pub params: Map<String, Value>,
    /// What it produced (output name → values), once completed.
    pub result: Option<Value>,
}

impl From<Job> for JobResponse {
    fn from(job: Job) -> Self {
        JobResponse {
            id: job.id,
            user_id: job.user_id,
            job_type: "workflow".to_owned(),
            status: job.status,
            workflow_id: job.workflow_id,
            started_at: job.started_at,
            finished_at: job.finished_at,
            error: job.error,
            params: job.params,
            result: job.result,
        }
    }
}

struct RunningJob {
    user_id: String,
    workflow_id: String,
    created_at: String,
    cancel: CancellationToken,
}

/// The jobs this server runs: each a tokio task, recorded in `nodetool_jobs`, cancellable.
#[derive(Default)]
pub struct JobManager {
    running: Mutex<HashMap<String, RunningJob>>,
    tasks: TaskTracker,
    shutting_down: CancellationToken,
    assets: Option<Arc<AssetStore>>,
    cache: Option<Arc<NodeCache>>,
    environment: Option<Arc<Environment>>,
}

/// A job that has started.
pub struct StartedJob {
    /// Its id (the `job_id` of its messages).
    pub job_id: String,
    /// The workflow it runs.
    pub workflow_id: String,
    /// Its messages, when they were asked for.
    pub messages: Option<mpsc::Receiver<ProcessingMessage>>,
    /// Its outcome, once it ends (after its end is recorded).
    pub outcome: oneshot::Receiver<Result<RunResult, RunError>>,
}

impl JobManager {
    /// A manager whose jobs read and create assets in `assets` and share `cache`.
    pub fn new(assets: Option<Arc<AssetStore>>, cache: Option<Arc<NodeCache>>) -> Self {
        Self {
            assets,
            cache,
            ..Self::default()
        }
    }

    /// Jobs read their settings and secrets from `environment` (loaded once) instead of the
    /// configuration files.
    pub fn with_environment(mut self, environment: Arc<Environment>) -> Self {
        self.environment = Some(environment);
        self
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, RunningJob>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Validates the workflow, records a `running` job and starts it; with `listen`, its
    /// messages come on [`StartedJob::messages`] (the run waits for a slow reader).
    pub async fn start(
        self: &Arc<Self>,
        db: &Database,
        user_id: &str,
        request: RunJobRequest,
        listen: bool,
    ) -> Result<StartedJob, ApiError> {
        // Held until the job's task is spawned: shutdown waits for starts in progress, and a
        // job that starts after shutdown began starts cancelled (its token is a child).
        let in_flight = self.tasks.token();
        if self.shutting_down.is_cancelled() {
            return Err(ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "the server is shutting down",
            ));
        }
        let (workflow_id, graph) = resolve(db, user_id, request.workflow_id, request.graph).await?;
        let runner = WorkflowRunner::from_graph(&graph)
            .map_err(|errors| ApiError::unprocessable(errors.to_string()))?;
        // Checked before a job is recorded.
        runner
            .plan()
            .check_params(&request.params)
            .map_err(|e| ApiError::unprocessable(e.to_string()))?;
        let job_id = uuid::Uuid::now_v7().to_string();
        let job = Job::start(db, &job_id, user_id, &workflow_id, &request.params).await?;
        let cancel = self.shutting_down.child_token();
        let mut builder = ProcessingContext::builder()
            .user_id(user_id)
            .job_id(&job_id)
            .workflow_id(&workflow_id)
            .cancellation(cancel.clone());
        if let Some(assets) = &self.assets {
            builder = builder.assets(Arc::clone(assets));
        }
        if let Some(cache) = &self.cache {
            builder = builder.cache(Arc::clone(cache));
        }
        if let Some(environment) = &self.environment {
            builder = builder.environment(Arc::clone(environment));
        }
        let (ctx, messages) = if listen {
            let (tx, rx) = mpsc::channel(256);
            (builder.messages(tx).build(), Some(rx))
        } else {
            (builder.build(), None)
        };
        self.lock().insert(
            job_id.clone(),
            RunningJob {
                user_id: user_id.to_owned(),
                workflow_id: workflow_id.clone(),
                created_at: job.created_at,
                cancel,
            },
        );
        let (done, outcome) = oneshot::channel();
        let (manager, db, id) = (Arc::clone(self), db.clone(), job_id.clone());
        let params = request.params;
        self.tasks.spawn(async move {
            let result = runner.run(&ctx, params).await;
            drop(ctx);
            // No longer cancellable: a cancel from now on says so instead of "cancelled".
            let job = manager.lock().remove(&id);
            record_end(&db, &id, &result).await;
            drop(job);
            let _ = done.send(result);
        });
        drop(in_flight);
        Ok(StartedJob {
            job_id,
            workflow_id,
            messages,
            outcome,
        })
    }

    /// Cancels `user_id`'s running job `job_id`; its workflow id when there was one.
    pub fn cancel(&self, user_id: &str, job_id: &str) -> Option<String> {
        let running = self.lock();
        let job = running.get(job_id).filter(|j| j.user_id == user_id)?;
        job.cancel.cancel();
        Some(job.workflow_id.clone())
    }

    /// `user_id`'s running jobs: (job id, workflow id, created at).
    pub fn running_for(&self, user_id: &str) -> Vec<(String, String, String)> {
        let mut jobs: Vec<_> = self
            .lock()
            .iter()
            .filter(|(_, j)| j.user_id == user_id)
            .map(|(id, j)| (id.clone(), j.workflow_id.clone(), j.created_at.clone()))
            .collect();
        jobs.sort();
        jobs
    }

    /// Whether job `job_id` is running here.
    pub fn is_running(&self, job_id: &str) -> bool {
        self.lock().contains_key(job_id)
    }

    /// Refuses new jobs, cancels the running ones and waits (up to `grace`) until each has
    /// recorded how it ended; a job that has not by then is recorded `cancelled` here.
    pub async fn shutdown(&self, db: &Database, grace: Duration) {
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
            if let Err(error) = Job::finish(db, &id, "cancelled", Some(reason), None).await {
                tracing::error!(job_id = %id, %error, "could not record a job at shutdown");
            }
        }
    }

    /// Cancelled when shutdown begins.
    pub fn shutdown_token(&self) -> &CancellationToken {
        &self.shutting_down
    }
}

/// Records how a job ended.
async fn record_end(db: &Database, id: &str, result: &Result<RunResult, RunError>) {
    let (status, error, value) = match result {
        Ok(r) => ("completed", None, Some(Value::Object(r.outputs.clone()))),
        Err(RunError::Cancelled) => ("cancelled", None, None),
        Err(e) => ("failed", Some(e.to_string()), None),
    };
    if let Err(e) = Job::finish(db, id, status, error.as_deref(), value.as_ref()).await {
        tracing::error!(job_id = %id, error = %e, "could not record the end of a job");
    }
}

/// The workflow id and graph a request names: a saved workflow of the user's, or a graph.
async fn resolve(
    db: &Database,
    user_id: &str,
    workflow_id: Option<String>,
    graph: Option<Graph>,
) -> Result<(String, Graph), ApiError> {
    match (workflow_id.filter(|w| !w.is_empty()), graph) {
        (_, Some(graph)) => Ok((String::new(), graph)),
        (Some(id), None) => {
            let workflow = Workflow::find(db, user_id, &id)
                .await?
                .ok_or_else(|| ApiError::not_found("Workflow"))?;
            Ok((workflow.id, workflow.graph))
        }
        (None, None) => Err(ApiError::unprocessable(
            "give a `workflow_id` or a `graph` to run",
        )),
    }
}

/// Query of `POST /api/jobs/run`.
#[derive(Debug, Deserialize)]
pub struct RunQuery {
    /// Wait for the job to end and return it with its result.
    #[serde(default)]
    pub wait: bool,
}

/// `POST /api/jobs/run`: starts a job; with `?wait=true`, returns it once it has ended.
pub async fn run_job(
    State(state): State<AppState>,
    User(user): User,
    QueryParams(query): QueryParams<RunQuery>,
    JsonBody(request): JsonBody<RunJobRequest>,
) -> Result<Json<JobResponse>, ApiError> {
    let started = state.start_job(&user, request, false).await?;
    if query.wait {
        let _ = started.outcome.await;
    }
    let job = Job::find(state.db(), &user, &started.job_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Job"))?;
    Ok(Json(job.into()))
}

/// Query of `GET /api/jobs`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// Only this workflow's jobs.
    pub workflow_id: Option<String>,
    /// Page size (1–500, default 100).
    pub limit: Option<usize>,
    /// The `next_start_key` of the previous page.
    pub start_key: Option<String>,
}

/// `GET /api/jobs`: the caller's jobs, newest first.
pub async fn list_jobs(
    State(state): State<AppState>,
    User(user): User,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let (jobs, next) = Job::list(
        state.db(),
        &user,
        query.workflow_id.as_deref(),
        query.limit.unwrap_or(100),
        query.start_key.as_deref(),
    )
    .await?;
    let jobs: Vec<JobResponse> = jobs.into_iter().map(Into::into).collect();
    Ok(Json(json!({ "jobs": jobs, "next_start_key": next })))
}

/// `GET /api/jobs/{id}`.
pub async fn get_job(
    State(state): State<AppState>,
    User(user): User,
    Path(id): Path<String>,
) -> Result<Json<JobResponse>, ApiError> {
    let job = Job::find(state.db(), &user, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("Job"))?;
    Ok(Json(job.into()))
}

/// `POST /api/jobs/{id}/cancel`: cancels a running job (404 for a job of someone else's).
pub async fn cancel_job(
    State(state): State<AppState>,
    User(user): User,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let job = Job::find(state.db(), &user, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("Job"))?;
    let cancelled = state.jobs().cancel(&user, &id).is_some();
    Ok(Json(json!({
        "job_id": job.id,
        "status": if cancelled { "cancelled" } else { "not_found_or_completed" },
        "workflow_id": job.workflow_id,
        "created_at": job.created_at,
        "is_running": false,
        "is_completed": !cancelled,
    })))
}

/// `GET /api/jobs/running/all`: the caller's jobs running on this server.
pub async fn running_jobs(State(state): State<AppState>, User(user): User) -> Json<Value> {
    let jobs: Vec<Value> = state
        .jobs()
        .running_for(&user)
        .into_iter()
        .map(|(job_id, workflow_id, created_at)| {
            json!({
                "job_id": job_id,
                "status": "running",
                "workflow_id": workflow_id,
                "created_at": created_at,
                "is_running": true,
                "is_completed": false,
            })
        })
        .collect();
    Json(Value::Array(jobs))
}
