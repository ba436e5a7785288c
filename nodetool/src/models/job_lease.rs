//! Who holds a job: a job is `queued`, then `running` on one worker for one attempt, then
//! finished — by that holder only. Every change here is one conditional `UPDATE`, so two
//! workers (or a late duplicate of a redelivered job) can never both take or finish a job.

use super::database::{Database, DbError};
use super::job::Job;
use super::{now, ModelError};
use crate::workflows::Graph;
use serde_json::{Map, Value};
use sqlx::Row;

/// What a worker needs to run a job.
#[derive(Debug, Clone)]
pub struct JobSpec {
    /// The job.
    pub id: String,
    /// Its owner.
    pub user_id: String,
    /// The workflow (empty for a posted graph).
    pub workflow_id: String,
    /// The graph to run.
    pub graph: Graph,
    /// Input node name → value.
    pub params: Map<String, Value>,
}

/// The outcome of [`Job::claim`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This attempt holds the job now.
    Granted,
    /// A cancel was asked for before the job ran: it is recorded `cancelled` now.
    Cancelled,
    /// The job has ended, or a later attempt holds it: nothing to do.
    Gone,
}

/// How a cancel request found the job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelRequest {
    /// It was queued: it is recorded `cancelled` and will not run.
    WasQueued,
    /// It is running: its holder is asked to stop (and a later attempt will not run it).
    Running,
    /// It had ended (or does not exist).
    Finished,
}

fn sql_error(e: sqlx::Error) -> ModelError {
    ModelError::Db(DbError::Sql(e))
}

impl Job {
    /// Records job `spec.id`, `queued`, with the graph a worker will run.
    pub async fn enqueue(db: &Database, spec: &JobSpec) -> Result<Job, ModelError> {
        let stamp = now();
        let params =
            serde_json::to_string(&spec.params).map_err(|e| ModelError::Encode(e.to_string()))?;
        let graph =
            serde_json::to_string(&spec.graph).map_err(|e| ModelError::Encode(e.to_string()))?;
        sqlx::query(
            "INSERT INTO nodetool_jobs (id, user_id, workflow_id, status, params, graph, \
             created_at, updated_at) VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7)",
        )
        .bind(&spec.id)
        .bind(&spec.user_id)
        .bind(&spec.workflow_id)
        .bind(params)
        .bind(graph)
        .bind(&stamp)
        .bind(&stamp)
        .execute(db.pool())
        .await
        .map_err(sql_error)?;
        Job::find(db, &spec.user_id, &spec.id)
            .await?
            .ok_or_else(|| ModelError::Encode(format!("job `{}` vanished after insert", spec.id)))
    }

    /// Records job `spec.id` `running` at once, held by `worker` (attempt 1): a job run by the
    /// process that accepted it.
    pub async fn start_held(
        db: &Database,
        spec: &JobSpec,
        worker: &str,
    ) -> Result<Job, ModelError> {
        let stamp = now();
        let params =
            serde_json::to_string(&spec.params).map_err(|e| ModelError::Encode(e.to_string()))?;
        let graph =
            serde_json::to_string(&spec.graph).map_err(|e| ModelError::Encode(e.to_string()))?;
        sqlx::query(
            "INSERT INTO nodetool_jobs (id, user_id, workflow_id, status, params, graph, worker,              attempt, heartbeat_at, started_at, created_at, updated_at)              VALUES ($1, $2, $3, 'running', $4, $5, $6, 1, $7, $8, $9, $10)",
        )
        .bind(&spec.id)
        .bind(&spec.user_id)
        .bind(&spec.workflow_id)
        .bind(params)
        .bind(graph)
        .bind(worker)
        .bind(&stamp)
        .bind(&stamp)
        .bind(&stamp)
        .bind(&stamp)
        .execute(db.pool())
        .await
        .map_err(sql_error)?;
        Ok(Job {
            id: spec.id.clone(),
            user_id: spec.user_id.clone(),
            workflow_id: spec.workflow_id.clone(),
            status: "running".into(),
            params: spec.params.clone(),
            error: None,
            result: None,
            started_at: Some(stamp.clone()),
            finished_at: None,
            created_at: stamp.clone(),
            updated_at: stamp,
        })
    }

    /// What job `id` runs (its owner, graph and parameters), whoever owns it: for a worker.
    pub async fn spec(db: &Database, id: &str) -> Result<Option<JobSpec>, ModelError> {
        let row = sqlx::query(
            "SELECT id, user_id, workflow_id, params, graph FROM nodetool_jobs WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(db.pool())
        .await
        .map_err(sql_error)?;
        let Some(row) = row else { return Ok(None) };
        let corrupt = |column: &'static str, message: String| ModelError::Corrupt {
            table: "nodetool_jobs",
            id: id.to_owned(),
            column,
            message,
        };
        let params: String = row.try_get("params").map_err(sql_error)?;
        let graph: Option<String> = row.try_get("graph").map_err(sql_error)?;
        let graph = graph.ok_or_else(|| corrupt("graph", "no graph was recorded".into()))?;
        Ok(Some(JobSpec {
            id: row.try_get("id").map_err(sql_error)?,
            user_id: row.try_get("user_id").map_err(sql_error)?,
            workflow_id: row.try_get("workflow_id").map_err(sql_error)?,
            params: serde_json::from_str(&params).map_err(|e| corrupt("params", e.to_string()))?,
            graph: serde_json::from_str(&graph).map_err(|e| corrupt("graph", e.to_string()))?,
        }))
    }

    /// Takes job `id` for `worker`'s attempt `attempt`: granted when the job is queued, or
    /// running under an earlier attempt (its holder stopped answering: the queue delivered it
    /// again). A job whose cancel was asked for is recorded `cancelled` instead.
    pub async fn claim(
        db: &Database,
        id: &str,
        worker: &str,
        attempt: i64,
    ) -> Result<Claim, ModelError> {
        let stamp = now();
        let taken = sqlx::query(
            "UPDATE nodetool_jobs SET status = 'running', worker = $1, attempt = $2, \
             heartbeat_at = $3, started_at = COALESCE(started_at, $4), updated_at = $5 \
             WHERE id = $6 AND status IN ('queued', 'running') AND attempt < $7 \
             AND cancel_requested = 0",
        )
        .bind(worker)
        .bind(attempt)
        .bind(&stamp)
        .bind(&stamp)
        .bind(&stamp)
        .bind(id)
        .bind(attempt)
        .execute(db.pool())
        .await
        .map_err(sql_error)?;
        if taken.rows_affected() > 0 {
            return Ok(Claim::Granted);
        }
        let cancelled = sqlx::query(
            "UPDATE nodetool_jobs SET status = 'cancelled', finished_at = $1, updated_at = $2 \
             WHERE id = $3 AND status IN ('queued', 'running') AND cancel_requested <> 0",
        )
        .bind(&stamp)
        .bind(&stamp)
        .bind(id)
        .execute(db.pool())
        .await
        .map_err(sql_error)?;
        Ok(if cancelled.rows_affected() > 0 {
            Claim::Cancelled
        } else {
            Claim::Gone
        })
    }

    /// Records how `worker`'s attempt `attempt` of job `id` ended — only while that attempt
    /// still holds the job (a late duplicate changes nothing); whether it did.
    pub async fn finish_held(
        db: &Database,
        id: &str,
        worker: &str,
        attempt: i64,
        status: &str,
        error: Option<&str>,
        result: Option<&Value>,
    ) -> Result<bool, ModelError> {
        let result = result
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| ModelError::Encode(e.to_string()))?;
        let stamp = now();
        let done = sqlx::query(
            "UPDATE nodetool_jobs SET status = $1, error = $2, result = $3, finished_at = $4, \
             updated_at = $5 WHERE id = $6 AND status = 'running' AND worker = $7 AND attempt = $8",
        )
        .bind(status)
        .bind(error.map(str::to_owned))
        .bind(result)
        .bind(&stamp)
        .bind(&stamp)
        .bind(id)
        .bind(worker)
        .bind(attempt)
        .execute(db.pool())
        .await
        .map_err(sql_error)?;
        Ok(done.rows_affected() > 0)
    }

    /// Marks that `worker` still runs the jobs `ids` (its heartbeat).
    pub async fn heartbeat(db: &Database, worker: &str, ids: &[String]) -> Result<(), ModelError> {
        let stamp = now();
        for id in ids {
            sqlx::query(
                "UPDATE nodetool_jobs SET heartbeat_at = $1 WHERE id = $2 AND worker = $3 \
                 AND status = 'running'",
            )
            .bind(&stamp)
            .bind(id)
            .bind(worker)
            .execute(db.pool())
            .await
            .map_err(sql_error)?;
        }
        Ok(())
    }

    /// Asks for `user_id`'s job `id` to stop: a queued job is recorded `cancelled` at once; a
    /// running one is flagged (its holder is told separately, and no later attempt runs it).
    pub async fn request_cancel(
        db: &Database,
        user_id: &str,
        id: &str,
    ) -> Result<CancelRequest, ModelError> {
        let stamp = now();
        let queued = sqlx::query(
            "UPDATE nodetool_jobs SET status = 'cancelled', cancel_requested = 1, \
             finished_at = $1, updated_at = $2 WHERE id = $3 AND user_id = $4 AND status = 'queued'",
        )
        .bind(&stamp)
        .bind(&stamp)
        .bind(id)
        .bind(user_id)
        .execute(db.pool())
        .await
        .map_err(sql_error)?;
        if queued.rows_affected() > 0 {
            return Ok(CancelRequest::WasQueued);
        }
        let running = sqlx::query(
            "UPDATE nodetool_jobs SET cancel_requested = 1, updated_at = $1 \
             WHERE id = $2 AND user_id = $3 AND status = 'running'",
        )
        .bind(&stamp)
        .bind(id)
        .bind(user_id)
        .execute(db.pool())
        .await
        .map_err(sql_error)?;
        Ok(if running.rows_affected() > 0 {
            CancelRequest::Running
        } else {
            CancelRequest::Finished
        })
    }

    /// Jobs `running` whose holder has not said so since `stale_before` (RFC 3339): each is
    /// re-queued (a fresh attempt can take it) when `requeue`, else recorded `failed`. The
    /// ids changed.
    pub async fn recover_stale(
        db: &Database,
        stale_before: &str,
        requeue: bool,
    ) -> Result<Vec<String>, ModelError> {
        let rows = sqlx::query(
            "SELECT id, worker FROM nodetool_jobs WHERE status = 'running' \
             AND (heartbeat_at IS NULL OR heartbeat_at < $1)",
        )
        .bind(stale_before)
        .fetch_all(db.pool())
        .await
        .map_err(sql_error)?;
        let mut changed = Vec::new();
        let stamp = now();
        for row in rows {
            let id: String = row.try_get("id").map_err(sql_error)?;
            let worker: Option<String> = row.try_get("worker").map_err(sql_error)?;
            let query = if requeue {
                sqlx::query(
                    "UPDATE nodetool_jobs SET status = 'queued', updated_at = $1 WHERE id = $2 \
                     AND status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < $3)",
                )
                .bind(stamp.clone())
                .bind(id.clone())
                .bind(stale_before.to_owned())
            } else {
                sqlx::query(
                    "UPDATE nodetool_jobs SET status = 'failed', error = $1, finished_at = $2, \
                     updated_at = $3 WHERE id = $4 AND status = 'running' \
                     AND (heartbeat_at IS NULL OR heartbeat_at < $5)",
                )
                .bind(format!(
                    "the process running the job ({}) stopped without finishing it",
                    worker.as_deref().unwrap_or("unknown")
                ))
                .bind(stamp.clone())
                .bind(stamp.clone())
                .bind(id.clone())
                .bind(stale_before.to_owned())
            };
            if query
                .execute(db.pool())
                .await
                .map_err(sql_error)?
                .rows_affected()
                > 0
            {
                changed.push(id);
            }
        }
        Ok(changed)
    }

    /// Records job `id` `failed` with `error` if it has not ended (the queue gave up on it).
    pub async fn fail_unfinished(db: &Database, id: &str, error: &str) -> Result<bool, ModelError> {
        let stamp = now();
        let done = sqlx::query(
            "UPDATE nodetool_jobs SET status = 'failed', error = $1, finished_at = $2, \
             updated_at = $3 WHERE id = $4 AND status IN ('queued', 'running')",
        )
        .bind(error)
        .bind(&stamp)
        .bind(&stamp)
        .bind(id)
        .execute(db.pool())
        .await
        .map_err(sql_error)?;
        Ok(done.rows_affected() > 0)
    }

    /// Job `id`, whoever owns it (for workers, which run every user's jobs).
    pub async fn find_any(db: &Database, id: &str) -> Result<Option<Job>, ModelError> {
        let sql = format!(
            "SELECT {} FROM nodetool_jobs WHERE id = $1",
            super::job::COLUMNS
        );
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(db.pool())
            .await
            .map_err(sql_error)?;
        row.as_ref().map(super::job::from_row).transpose()
    }

    /// The status of job `id`, whoever owns it.
    pub async fn status_of(db: &Database, id: &str) -> Result<Option<String>, ModelError> {
        let row = sqlx::query("SELECT status FROM nodetool_jobs WHERE id = $1")
            .bind(id)
            .fetch_optional(db.pool())
            .await
            .map_err(sql_error)?;
        row.map(|r| r.try_get("status").map_err(sql_error))
            .transpose()
    }

    /// Who holds job `id` and for which attempt (for tests and operators).
    pub async fn holder(db: &Database, id: &str) -> Result<Option<(String, i64)>, ModelError> {
        let row = sqlx::query("SELECT worker, attempt FROM nodetool_jobs WHERE id = $1")
            .bind(id)
            .fetch_optional(db.pool())
            .await
            .map_err(sql_error)?;
        let Some(row) = row else { return Ok(None) };
        let worker: Option<String> = row.try_get("worker").map_err(sql_error)?;
        let attempt: i64 = row.try_get("attempt").map_err(sql_error)?;
        Ok(worker.map(|w| (w, attempt)))
    }

    /// `user_id`'s jobs that are queued or running, oldest first.
    pub async fn active_for(db: &Database, user_id: &str) -> Result<Vec<Job>, ModelError> {
        let sql = format!(
            "SELECT {} FROM nodetool_jobs WHERE user_id = $1 AND status IN ('queued', 'running') \
             ORDER BY id",
            super::job::COLUMNS
        );
        let rows = sqlx::query(&sql)
            .bind(user_id)
            .fetch_all(db.pool())
            .await
            .map_err(sql_error)?;
        rows.iter().map(super::job::from_row).collect()
    }

    /// Every job with `status`, oldest first (for operators and tests; not scoped by user).
    pub async fn ids_with_status(db: &Database, status: &str) -> Result<Vec<String>, ModelError> {
        let rows = sqlx::query("SELECT id FROM nodetool_jobs WHERE status = $1 ORDER BY id")
            .bind(status)
            .fetch_all(db.pool())
            .await
            .map_err(sql_error)?;
        rows.iter()
            .map(|r| r.try_get("id").map_err(sql_error))
            .collect()
    }
}
