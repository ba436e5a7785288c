//! The HTTP/WebSocket API server (feature `server`): NodeTool's routes over the database, so
//! NodeTool clients can list nodes, save workflows, run them and watch their messages.
//!
//! | route | what |
//! |---|---|
//! | `GET /health` | `"OK"` (no auth) |
//! | `GET /openapi.json` | the OpenAPI document (no auth) |
//! | `GET /metrics` | Prometheus metrics, OpenMetrics text (no auth; [`crate::telemetry::Metrics`]) |
//! | `GET /api/nodes/metadata` | every registered node type's metadata |
//! | `GET, POST /api/workflows` | the caller's workflows; save one |
//! | `GET, PUT, DELETE /api/workflows/{id}` | one workflow |
//! | `POST /api/workflows/{id}/run` | run it, wait, return its outputs |
//! | `POST /api/jobs/run` | start a job (workflow id or graph); `?wait=true` waits |
//! | `GET /api/jobs`, `GET /api/jobs/{id}` | the caller's jobs |
//! | `POST /api/jobs/{id}/cancel`, `GET /api/jobs/running/all` | cancel; running jobs |
//! | `GET /api/settings/secrets`, `GET, PUT, DELETE /api/settings/secrets/{key}` | secrets |
//! | `GET, POST /api/assets` · `GET, DELETE /api/assets/{id}` · `GET /api/assets/{id}/data` | assets (upload and download streamed) |
//! | `GET /api/settings` | the registered settings (no values) |
//! | `GET /ws` | the WebSocket protocol (`run_job`, `cancel_job`, `get_status`) |
//! | `GET /`, `GET /console/{file}` | the web console ([`console`]; no auth: it asks for a token) |
//!
//! Everything under `/api` and `/ws` is scoped to the caller ([`auth::Auth`]): another user's
//! workflow, job or secret is a 404, never data. Errors are `{"detail": "…"}`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use nodetool::api::{serve, AppState};
//! use nodetool::config::Environment;
//! let state = AppState::from_env(&Environment::load()?).await?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:7777").await?;
//! serve(listener, state, std::future::pending()).await?;
//! # Ok(()) }
//! ```

mod assets;
pub mod auth;
#[cfg(feature = "collections")]
mod collections;
pub mod console;
mod error;
pub mod jobs;
mod metrics;
#[cfg(feature = "chat")]
pub mod openai;
mod openapi;
mod secrets;
pub mod workflows;
mod ws;

pub use auth::{Auth, AuthConfigError, User, LOCAL_USER};
pub use error::{ApiError, JsonBody, QueryParams};
pub use jobs::RunJobRequest;
pub use metrics::{metrics_router, serve_metrics};
pub use openapi::openapi_document;

use crate::config::Environment;
use crate::jobs::{JobEnvironment, JobQueue, LocalQueue, StartedJob};
use crate::models::{Database, DbError};
use crate::security::{MasterKeyManager, SecretCrypto};
use crate::storage::{AssetStore, Storage};
use crate::workflows::{NodeCache, NodeRegistry};
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use axum::{Json, Router};
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::task::{task_tracker::TaskTrackerToken, TaskTracker};

/// The largest request body accepted by default (16 MiB).
pub const DEFAULT_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// The largest asset upload accepted (4 GiB): uploads stream to storage, never held whole.
pub const MAX_ASSET_BYTES: u64 = 4 * 1024 * 1024 * 1024;

/// The local queue over `db` and `env`.
fn local_queue(
    db: &Database,
    env: &JobEnvironment,
    (heartbeat, requeue): (Duration, bool),
) -> LocalQueue {
    LocalQueue::new(db.clone(), env.clone())
        .heartbeat_every(heartbeat)
        .requeue_stale(requeue)
}

/// The size of the node result cache jobs share (64 MiB).
pub const DEFAULT_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The database could not be opened.
    #[error("opening the database: {0}")]
    Db(#[from] DbError),
    /// The auth provider is misconfigured.
    #[error(transparent)]
    Auth(#[from] AuthConfigError),
    /// The asset storage could not be set up.
    #[error("asset storage: {0}")]
    Storage(String),
    /// Binding or serving failed.
    #[error("serving: {0}")]
    Io(#[from] std::io::Error),
    /// A setting has a wrong value.
    #[error("settings: {0}")]
    Config(String),
    /// The job queue (NATS) could not be reached or set up.
    #[error("the job queue: {0}")]
    Queue(String),
}

/// What every request handler shares: the database, auth, the secrets' crypto and the jobs.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

#[derive(Clone)]
struct Inner {
    db: Database,
    auth: Auth,
    crypto: Option<Arc<SecretCrypto>>,
    /// What jobs run with (assets, cache, settings).
    job_env: JobEnvironment,
    /// Jobs in this process (unless `queue` replaces it).
    local: Arc<LocalQueue>,
    /// Settings of the local queue: heartbeat and whether stale jobs are re-run.
    local_settings: (Duration, bool),
    /// Another queue (NATS), when configured.
    queue: Option<Arc<dyn JobQueue>>,
    assets: Arc<AssetStore>,
    sessions: TaskTracker,
    body_limit: usize,
    /// The users' vector collections, when configured.
    #[cfg(feature = "collections")]
    collections: Option<Arc<dyn crate::collections::VectorStore>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("auth", &self.0.auth)
            .field("secrets", &self.0.crypto.is_some())
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// A state over `db`; `crypto` is `None` when no master key is available (the secrets
    /// endpoints then answer 503 saying so). Jobs get assets in memory and a 64 MiB result
    /// cache; [`AppState::with_assets`] sets real storage.
    pub fn new(db: Database, auth: Auth, crypto: Option<SecretCrypto>) -> Self {
        let assets = Arc::new(AssetStore::new(db.clone(), Storage::memory()));
        let job_env = JobEnvironment {
            assets: Some(Arc::clone(&assets)),
            cache: Some(Arc::new(NodeCache::new(DEFAULT_CACHE_BYTES))),
            environment: None,
        };
        let local_settings = (crate::jobs::local_heartbeat_default(), false);
        Self(Arc::new(Inner {
            local: Arc::new(local_queue(&db, &job_env, local_settings)),
            local_settings,
            job_env,
            queue: None,
            assets,
            db,
            auth,
            crypto: crypto.map(Arc::new),
            sessions: TaskTracker::new(),
            body_limit: DEFAULT_BODY_LIMIT,
            #[cfg(feature = "collections")]
            collections: None,
        }))
    }

    /// The same state with `change` made to its parts, the local queue rebuilt over them.
    fn changed(self, change: impl FnOnce(&mut Inner)) -> Self {
        let mut inner = (*self.0).clone();
        change(&mut inner);
        inner.local = Arc::new(local_queue(&inner.db, &inner.job_env, inner.local_settings));
        Self(Arc::new(inner))
    }

    /// Jobs go to `queue` (a NATS JetStream queue, say) instead of running in this process.
    pub fn with_queue(self, queue: Arc<dyn JobQueue>) -> Self {
        self.changed(|inner| inner.queue = Some(queue))
    }

    /// Jobs in this process heartbeat every `interval` (stale after four) and, with `requeue`,
    /// jobs whose process stopped are run again here instead of recorded failed.
    pub fn with_local_recovery(self, interval: Duration, requeue: bool) -> Self {
        self.changed(|inner| inner.local_settings = (interval, requeue))
    }

    /// Assets (uploads, downloads, and what jobs read and create) live in `store`; call before
    /// serving.
    pub fn with_assets(self, store: AssetStore) -> Self {
        self.changed(|inner| {
            inner.assets = Arc::new(store);
            inner.job_env.assets = Some(Arc::clone(&inner.assets));
        })
    }

    /// Jobs read settings and secrets from `environment` (loaded once at start-up) instead of
    /// the configuration files; call before serving.
    pub fn with_environment(self, environment: Arc<Environment>) -> Self {
        self.changed(|inner| inner.job_env.environment = Some(environment))
    }

    /// `/api/collections` serves the users' collections from `store`.
    #[cfg(feature = "collections")]
    pub fn with_collections(self, store: Arc<dyn crate::collections::VectorStore>) -> Self {
        let mut inner = (*self.0).clone();
        inner.collections = Some(store);
        Self(Arc::new(inner))
    }

    /// The users' collections, when configured.
    #[cfg(feature = "collections")]
    pub fn collections(&self) -> Option<&Arc<dyn crate::collections::VectorStore>> {
        self.0.collections.as_ref()
    }

    /// Sets the largest request body accepted (larger: 413); asset uploads are bounded by
    /// [`MAX_ASSET_BYTES`] instead.
    pub fn with_body_limit(self, bytes: usize) -> Self {
        let mut inner = (*self.0).clone();
        inner.body_limit = bytes;
        Self(Arc::new(inner))
    }

    /// The users' assets.
    pub fn assets(&self) -> &Arc<AssetStore> {
        &self.0.assets
    }

    /// The database, auth provider and master key the environment configures. Without a
    /// master key (`SECRETS_MASTER_KEY`, AWS, or the keychain), the server still starts.
    pub async fn from_env(env: &Environment) -> Result<Self, ServerError> {
        let auth = Auth::from_env(env)?;
        let db = Database::from_env(env).await?;
        let crypto = match MasterKeyManager::from_env(env).get(env).await {
            Ok(key) => Some(SecretCrypto::new(key.expose())),
            Err(error) => {
                tracing::warn!(%error, "no master key: the secrets endpoints are disabled");
                None
            }
        };
        let storage = Storage::from_env(env).map_err(|e| ServerError::Storage(e.to_string()))?;
        let assets = AssetStore::new(db.clone(), storage);
        let heartbeat = env
            .get_parsed::<f64>("NODETOOL_JOB_HEARTBEAT_SECONDS")
            .map_err(|e| ServerError::Config(e.to_string()))?
            .map_or(crate::jobs::DEFAULT_HEARTBEAT, |s| {
                Duration::from_secs_f64(s.max(0.01))
            });
        let requeue = env
            .get("NODETOOL_AUTO_RECOVER_JOBS")
            .is_some_and(|v| matches!(v.trim(), "1" | "true" | "yes"));
        let state = Self::new(db.clone(), auth, crypto)
            .with_environment(Arc::new(env.clone()))
            .with_assets(assets)
            .with_local_recovery(heartbeat, requeue);
        #[cfg(feature = "collections")]
        let state = match crate::collections::store_for(env).await {
            Ok(store) => state.with_collections(store),
            Err(error) => {
                tracing::warn!(%error, "no collections: /api/collections answers 503");
                state
            }
        };
        #[cfg(feature = "nats")]
        if let Some(settings) = crate::jobs::NatsSettings::from_env(env)
            .map_err(|e| ServerError::Config(e.to_string()))?
        {
            let queue = crate::jobs::NatsQueue::connect(&settings, db)
                .await
                .map_err(|e| ServerError::Queue(e.to_string()))?;
            return Ok(state.with_queue(Arc::new(queue)));
        }
        Ok(state)
    }

    /// The database.
    pub fn db(&self) -> &Database {
        &self.0.db
    }

    /// How requests are authenticated.
    pub fn auth(&self) -> &Auth {
        &self.0.auth
    }

    /// Where jobs run: the configured queue, else this process.
    pub fn jobs(&self) -> &dyn JobQueue {
        match &self.0.queue {
            Some(queue) => queue.as_ref(),
            None => self.0.local.as_ref(),
        }
    }

    /// What jobs run with.
    pub fn job_environment(&self) -> &JobEnvironment {
        &self.0.job_env
    }

    /// The queue of jobs run in this process.
    pub fn local_jobs(&self) -> &Arc<LocalQueue> {
        &self.0.local
    }

    /// The largest request body (and WebSocket message) accepted.
    pub fn body_limit(&self) -> usize {
        self.0.body_limit
    }

    /// Held by each open WebSocket session: [`serve`] waits for them at shutdown.
    pub(crate) fn session_token(&self) -> TaskTrackerToken {
        self.0.sessions.token()
    }

    /// The secrets' crypto, or 503 when there is no master key.
    pub fn crypto(&self) -> Result<&SecretCrypto, ApiError> {
        self.0.crypto.as_deref().ok_or_else(|| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "secrets need a master key: set SECRETS_MASTER_KEY (or configure AWS or the keychain) and restart",
            )
        })
    }

    /// Validates `request` and starts it as a job of `user_id`'s (see [`JobQueue::start`]).
    pub async fn start_job(
        &self,
        user_id: &str,
        request: RunJobRequest,
        listen: bool,
    ) -> Result<StartedJob, ApiError> {
        let (spec, runner) = jobs::prepare(&self.0.db, user_id, request).await?;
        self.jobs()
            .start(spec, runner, listen)
            .await
            .map_err(jobs::queue_error)
    }
}

/// `/api/collections` (feature `collections`).
fn collection_routes() -> Router<AppState> {
    #[cfg(feature = "collections")]
    {
        use axum::routing::delete;
        Router::new()
            .route(
                "/api/collections",
                get(collections::list).post(collections::create),
            )
            .route(
                "/api/collections/{name}",
                get(collections::get).merge(delete(collections::delete)),
            )
            .route("/api/collections/{name}/index", post(collections::index))
            .route("/api/collections/{name}/query", post(collections::query))
    }
    #[cfg(not(feature = "collections"))]
    Router::new()
}

/// Every route, over `state` (bodies up to its limit, [`DEFAULT_BODY_LIMIT`] unless set).
pub fn router(state: AppState) -> Router {
    let body_limit = state.0.body_limit;
    let router = Router::new()
        .route(
            "/health",
            get(|| async { Json(Value::String("OK".into())) }),
        )
        .route("/openapi.json", get(|| async { Json(openapi_document()) }))
        .route("/metrics", get(metrics::render))
        .route("/api/nodes/metadata", get(node_metadata))
        .route(
            "/api/workflows",
            get(workflows::list).post(workflows::create),
        )
        .route(
            "/api/workflows/",
            get(workflows::list).post(workflows::create),
        )
        .route(
            "/api/workflows/{id}",
            get(workflows::get)
                .put(workflows::update)
                .delete(workflows::delete),
        )
        .route("/api/workflows/{id}/run", post(workflows::run))
        .route("/api/jobs", get(jobs::list_jobs))
        .route("/api/jobs/", get(jobs::list_jobs))
        .route("/api/jobs/run", post(jobs::run_job))
        .route("/api/jobs/running/all", get(jobs::running_jobs))
        .route("/api/jobs/{id}", get(jobs::get_job))
        .route("/api/jobs/{id}/cancel", post(jobs::cancel_job))
        .route("/api/settings/secrets", get(secrets::list))
        .route(
            "/api/settings/secrets/{key}",
            get(secrets::get).put(secrets::put).delete(secrets::delete),
        )
        .route("/api/assets", get(assets::list).post(assets::upload))
        .route("/api/assets/{id}", get(assets::get).delete(assets::delete))
        .route("/api/assets/{id}/data", get(assets::download))
        .route("/ws", get(ws::handler))
        .route("/api/settings", get(settings_list))
        .merge(v1_routes())
        .merge(collection_routes())
        .merge(console::routes())
        .fallback(|| async { ApiError::not_found("Route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed on this route",
            )
        })
        .layer(DefaultBodyLimit::max(body_limit));
    metrics::observe(router).with_state(state)
}

/// OpenAI's `/v1` routes (feature `chat`).
#[cfg(feature = "chat")]
fn v1_routes() -> Router<AppState> {
    openai::routes()
}

#[cfg(not(feature = "chat"))]
fn v1_routes() -> Router<AppState> {
    Router::new()
}

/// `GET /api/settings`: every registered setting (name, group, description, whether it is a
/// secret, its choices); values are not listed.
async fn settings_list(_user: User) -> Json<Value> {
    let settings: Vec<Value> = crate::config::SettingsRegistry::global()
        .iter()
        .map(|s| {
            serde_json::json!({
                "package_name": s.package,
                "env_var": s.env_var,
                "group": s.group,
                "description": s.description,
                "is_secret": s.is_secret,
                "enum": s.choices,
            })
        })
        .collect();
    Json(serde_json::json!({ "settings": settings }))
}

async fn node_metadata(_user: User) -> Json<Value> {
    Json(NodeRegistry::global().metadata_json())
}

/// How long shutdown waits for cancelled jobs to record their end.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Serves `state` on `listener` until `shutdown` resolves. Then: running jobs are cancelled
/// and each records how it ended (after 30 s, one that has not is recorded `cancelled`), open
/// WebSockets get their jobs' last messages and a close (1001), new connections are refused
/// and requests in flight finish. No job of this server is left `running`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let app = router(state.clone());
    state.local_jobs().start_maintenance();
    let stopping_state = state.clone();
    let stopping = async move {
        shutdown.await;
        tracing::info!("shutting down: cancelling running jobs");
        stopping_state.jobs().shutdown(SHUTDOWN_GRACE).await;
        if stopping_state.0.queue.is_some() {
            stopping_state.local_jobs().shutdown(SHUTDOWN_GRACE).await;
        }
    };
    // Messages are many small frames: without TCP_NODELAY, Nagle's algorithm and the client's
    // delayed ACKs hold each burst for ~40 ms.
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::warn!(%error, "could not set TCP_NODELAY");
        }
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(stopping)
        .await?;
    // WebSockets are upgraded connections: axum does not wait for them.
    state.0.sessions.close();
    if tokio::time::timeout(Duration::from_secs(10), state.0.sessions.wait())
        .await
        .is_err()
    {
        tracing::warn!("WebSocket sessions still open after shutdown");
    }
    Ok(())
}
