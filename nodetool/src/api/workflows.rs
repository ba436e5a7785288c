//! `/api/workflows`: the caller's saved workflows (list, create, get, update, delete) and
//! running one and waiting for its result.

use super::auth::User;
use super::error::{ApiError, JsonBody, QueryParams};
use super::jobs::RunJobRequest;
use super::AppState;
use crate::models::{Workflow, WorkflowFields};
use crate::workflows::{Graph, RunResult};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// A workflow as the API returns it (NodeTool's `Workflow` fields this server keeps).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkflowResponse {
    /// The id.
    pub id: String,
    /// `private` or `public`.
    pub access: String,
    /// When it was created.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// The name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Tags.
    pub tags: Vec<String>,
    /// The graph.
    pub graph: Graph,
}

impl From<Workflow> for WorkflowResponse {
    fn from(w: Workflow) -> Self {
        WorkflowResponse {
            id: w.id,
            access: w.access,
            created_at: w.created_at,
            updated_at: w.updated_at,
            name: w.name,
            description: w.description,
            tags: w.tags,
            graph: w.graph,
        }
    }
}

/// The body of create and update (NodeTool's `WorkflowRequest`; fields it has beyond these
/// are accepted and ignored).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct WorkflowRequest {
    /// The name.
    pub name: String,
    /// `private` (default) or `public`.
    #[serde(default)]
    pub access: Option<String>,
    /// What it does.
    #[serde(default)]
    pub description: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// The graph.
    #[serde(default)]
    pub graph: Option<Graph>,
}

impl WorkflowRequest {
    fn into_fields(self) -> Result<WorkflowFields, ApiError> {
        let access = self.access.unwrap_or_else(|| "private".to_owned());
        if access != "private" && access != "public" {
            return Err(ApiError::unprocessable(format!(
                "`access` is `private` or `public`, not `{access}`"
            )));
        }
        Ok(WorkflowFields {
            name: self.name,
            description: self.description.unwrap_or_default(),
            tags: self.tags.unwrap_or_default(),
            graph: self.graph.unwrap_or_default(),
            access,
        })
    }
}

/// Query of `GET /api/workflows`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// The `next` of the previous page.
    pub cursor: Option<String>,
    /// Page size (1–500, default 100).
    pub limit: Option<usize>,
}

/// `GET /api/workflows`: `{"next": "<cursor or empty>", "workflows": [...]}`.
pub async fn list(
    State(state): State<AppState>,
    User(user): User,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let (workflows, next) = Workflow::list(
        state.db(),
        &user,
        query.limit.unwrap_or(100),
        query.cursor.as_deref().filter(|c| !c.is_empty()),
    )
    .await?;
    let workflows: Vec<WorkflowResponse> = workflows.into_iter().map(Into::into).collect();
    Ok(Json(
        json!({ "next": next.unwrap_or_default(), "workflows": workflows }),
    ))
}

/// `POST /api/workflows`: saves a new workflow.
pub async fn create(
    State(state): State<AppState>,
    User(user): User,
    JsonBody(request): JsonBody<WorkflowRequest>,
) -> Result<Json<WorkflowResponse>, ApiError> {
    let fields = request.into_fields()?;
    Ok(Json(
        Workflow::create(state.db(), &user, &fields).await?.into(),
    ))
}

/// `GET /api/workflows/{id}`.
pub async fn get(
    State(state): State<AppState>,
    User(user): User,
    Path(id): Path<String>,
) -> Result<Json<WorkflowResponse>, ApiError> {
    let workflow = Workflow::find(state.db(), &user, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("Workflow"))?;
    Ok(Json(workflow.into()))
}

/// `PUT /api/workflows/{id}`: replaces the caller's workflow (404 when there is none).
pub async fn update(
    State(state): State<AppState>,
    User(user): User,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<WorkflowRequest>,
) -> Result<Json<WorkflowResponse>, ApiError> {
    let fields = request.into_fields()?;
    let workflow = Workflow::update(state.db(), &user, &id, &fields)
        .await?
        .ok_or_else(|| ApiError::not_found("Workflow"))?;
    Ok(Json(workflow.into()))
}

/// `DELETE /api/workflows/{id}`.
pub async fn delete(
    State(state): State<AppState>,
    User(user): User,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    if Workflow::delete(state.db(), &user, &id).await? {
        Ok(Json(Value::Null))
    } else {
        Err(ApiError::not_found("Workflow"))
    }
}

/// The body of `POST /api/workflows/{id}/run`.
#[derive(Debug, Default, Deserialize)]
pub struct RunWorkflowRequest {
    /// Input node name → value.
    #[serde(default)]
    pub params: Map<String, Value>,
}

/// `POST /api/workflows/{id}/run`: runs the workflow and returns its outputs (output name →
/// value, or the list of values when an output received several). A failed run is a 500
/// naming the node; a bad graph or parameter a 422.
pub async fn run(
    State(state): State<AppState>,
    User(user): User,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    // The body is optional: none runs with the defaults.
    let params = if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        serde_json::from_slice::<RunWorkflowRequest>(&body)
            .map_err(|e| ApiError::unprocessable(format!("invalid run request: {e}")))?
            .params
    };
    let request = RunJobRequest {
        workflow_id: Some(id),
        graph: None,
        params,
    };
    let started = state.start_job(&user, request, false).await?;
    match started.outcome.await {
        Ok(outcome) => match outcome.status.as_str() {
            "completed" => Ok(Json(
                RunResult {
                    outputs: outcome.result.unwrap_or_default(),
                }
                .to_json(),
            )),
            "cancelled" => Err(ApiError::new(StatusCode::CONFLICT, "the run was cancelled")),
            _ => Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                outcome.error.unwrap_or_else(|| "the run failed".to_owned()),
            )),
        },
        Err(_) => Err(ApiError::internal("the job ended without a result")),
    }
}
