//! [`Job`]: one run of a workflow in `nodetool_jobs`, with NodeTool's columns and statuses.

use super::database::{Database, DbError};
use super::{now, page_limit, ModelError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::Row;

/// A run of a workflow, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// A time-ordered UUID (the job id of the run's messages).
    pub id: String,
    /// The owner.
    pub user_id: String,
    /// The workflow run (empty for a posted graph).
    pub workflow_id: String,
    /// `running`, `completed`, `failed` or `cancelled`.
    pub status: String,
    /// The run's parameters.
    pub params: Map<String, Value>,
    /// Why it failed.
    pub error: Option<String>,
    /// What it produced (output name → values), once completed.
    pub result: Option<Value>,
    /// When it started (RFC 3339).
    pub started_at: Option<String>,
    /// When it ended (RFC 3339).
    pub finished_at: Option<String>,
    /// When it was recorded (RFC 3339).
    pub created_at: String,
    /// When it last changed (RFC 3339).
    pub updated_at: String,
}

impl Job {
    /// Whether the job has ended.
    pub fn is_finished(&self) -> bool {
        matches!(self.status.as_str(), "completed" | "failed" | "cancelled")
    }
}

pub(crate) const COLUMNS: &str =
    "id, user_id, workflow_id, status, params, error, result, started_at, \
                       finished_at, created_at, updated_at";

pub(crate) fn from_row(row: &sqlx::any::AnyRow) -> Result<Job, ModelError> {
    let get = |column: &str| -> Result<String, ModelError> {
        row.try_get(column)
            .map_err(|e| ModelError::Db(DbError::Sql(e)))
    };
    let get_opt = |column: &str| -> Result<Option<String>, ModelError> {
        row.try_get(column)
            .map_err(|e| ModelError::Db(DbError::Sql(e)))
    };
    let id = get("id")?;
    let corrupt = |column: &'static str, e: serde_json::Error| ModelError::Corrupt {
        table: "nodetool_jobs",
        id: id.clone(),
        column,
        message: e.to_string(),
    };
    let params = serde_json::from_str(&get("params")?).map_err(|e| corrupt("params", e))?;
    let result = get_opt("result")?
        .map(|r| serde_json::from_str(&r))
        .transpose()
        .map_err(|e| corrupt("result", e))?;
    Ok(Job {
        user_id: get("user_id")?,
        workflow_id: get("workflow_id")?,
        status: get("status")?,
        params,
        error: get_opt("error")?,
        result,
        started_at: get_opt("started_at")?,
        finished_at: get_opt("finished_at")?,
        created_at: get("created_at")?,
        updated_at: get("updated_at")?,
        id,
    })
}

impl Job {
    /// Records a job that starts now, `running`, with id `id`.
    pub async fn start(
        db: &Database,
        id: &str,
        user_id: &str,
        workflow_id: &str,
        params: &Map<String, Value>,
    ) -> Result<Job, ModelError> {
        let stamp = now();
        let params =
            serde_json::to_string(params).map_err(|e| ModelError::Encode(e.to_string()))?;
        let sql = format!(
            "INSERT INTO nodetool_jobs ({COLUMNS}) \
             VALUES ($1, $2, $3, 'running', $4, NULL, NULL, $5, NULL, $6, $7) RETURNING {COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(id)
            .bind(user_id)
            .bind(workflow_id)
            .bind(params)
            .bind(&stamp)
            .bind(&stamp)
            .bind(&stamp)
            .fetch_one(db.pool())
            .await
            .map_err(DbError::Sql)?;
        from_row(&row)
    }

    /// Records how job `id` ended: `completed` (with its result), `failed` (with the error) or
    /// `cancelled`. A job that has ended already is left as it is; whether this one changed.
    pub async fn finish(
        db: &Database,
        id: &str,
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
             updated_at = $5 WHERE id = $6 AND status = 'running'",
        )
        .bind(status)
        .bind(error.map(str::to_owned))
        .bind(result)
        .bind(&stamp)
        .bind(&stamp)
        .bind(id)
        .execute(db.pool())
        .await
        .map_err(DbError::Sql)?;
        Ok(done.rows_affected() > 0)
    }

    /// `user_id`'s job `id` (`None` when it does not exist or is someone else's).
    pub async fn find(db: &Database, user_id: &str, id: &str) -> Result<Option<Job>, ModelError> {
        super::find_owned(db, "nodetool_jobs", COLUMNS, user_id, id, from_row).await
    }

    /// A page of `user_id`'s jobs, newest first, before `cursor` (an id), optionally of one
    /// workflow; with the cursor of the next page when there is one.
    pub async fn list(
        db: &Database,
        user_id: &str,
        workflow_id: Option<&str>,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<(Vec<Job>, Option<String>), ModelError> {
        let limit = page_limit(limit);
        let sql = format!(
            "SELECT {COLUMNS} FROM nodetool_jobs WHERE user_id = $1 AND ($2 = '' OR workflow_id = $2) \
             AND ($3 = '' OR id < $3) ORDER BY id DESC LIMIT $4"
        );
        let rows = sqlx::query(&sql)
            .bind(user_id)
            .bind(workflow_id.unwrap_or(""))
            .bind(cursor.unwrap_or(""))
            .bind(limit as i64 + 1)
            .fetch_all(db.pool())
            .await
            .map_err(DbError::Sql)?;
        super::page(&rows, limit, from_row, |j: &Job| &j.id)
    }
}
