//! `/api/jobs` over the server's [`JobQueue`](crate::jobs::JobQueue): start (in the background or waiting),
//! list, get, cancel, running.

use super::auth::User;
use super::error::{ApiError, JsonBody, QueryParams};
use super::AppState;
use crate::jobs::{CancelRequest, JobSpec};
use crate::models::{Database, Job, Workflow};
use crate::workflows::{Graph, WorkflowRunner};
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

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

/// The plan and record of a job a request asks for: the workflow (or graph) resolved for
/// `user_id`, validated, its parameters checked — before anything is recorded.
pub(crate) async fn prepare(
    db: &Database,
    user_id: &str,
    request: RunJobRequest,
) -> Result<(JobSpec, WorkflowRunner), ApiError> {
    let (workflow_id, graph) = resolve(db, user_id, request.workflow_id, request.graph).await?;
    let runner = WorkflowRunner::from_graph(&graph)
        .map_err(|errors| ApiError::unprocessable(errors.to_string()))?;
    runner
        .plan()
        .check_params(&request.params)
        .map_err(|e| ApiError::unprocessable(e.to_string()))?;
    let spec = JobSpec {
        id: uuid::Uuid::now_v7().to_string(),
        user_id: user_id.to_owned(),
        workflow_id,
        graph,
        params: request.params,
    };
    Ok((spec, runner))
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
    let request = state.jobs().cancel(&user, &id).await.map_err(queue_error)?;
    let cancelled = request != CancelRequest::Finished;
    Ok(Json(json!({
        "job_id": job.id,
        "status": if cancelled { "cancelled" } else { "not_found_or_completed" },
        "workflow_id": job.workflow_id,
        "created_at": job.created_at,
        "is_running": false,
        "is_completed": !cancelled,
    })))
}

/// A queue's failure as an API error.
pub(crate) fn queue_error(error: crate::jobs::QueueError) -> ApiError {
    match error {
        crate::jobs::QueueError::ShuttingDown => ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "the server is shutting down",
        ),
        crate::jobs::QueueError::Db(e) => e.into(),
        other => {
            tracing::error!(error = %other, "the job queue failed");
            ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "the job queue is not available (see the server log)",
            )
        }
    }
}

/// `GET /api/jobs/running/all`: the caller's jobs that are queued or running (on any server
/// or worker).
pub async fn running_jobs(
    State(state): State<AppState>,
    User(user): User,
) -> Result<Json<Value>, ApiError> {
    let jobs: Vec<Value> = Job::active_for(state.db(), &user)
        .await?
        .into_iter()
        .map(|job| {
            json!({
                "job_id": job.id,
                "status": job.status,
                "workflow_id": job.workflow_id,
                "created_at": job.created_at,
                "is_running": true,
                "is_completed": false,
            })
        })
        .collect();
    Ok(Json(Value::Array(jobs)))
}
