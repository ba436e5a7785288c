//! The database: SQLite by default (embedded, created on first use, WAL), PostgreSQL when
//! configured, with embedded migrations for both; NodeTool's tables (`nodetool_workflows`,
//! `nodetool_jobs`, `nodetool_assets`, `nodetool_secrets`). Queries are checked at run time (no
//! database is needed to compile) and every one is scoped by user id.

pub mod asset;
mod database;
pub mod job;
mod job_lease;
pub mod secret;
pub mod workflow;

pub use asset::Asset;
pub use database::{Backend, Database, DbError};
pub use job::Job;
pub use job_lease::{CancelRequest, Claim, JobSpec};
pub use secret::{
    get_secret, get_secret_required, get_secret_sync, has_secret, rotate_master_key, Secret,
    SecretError,
};
pub use workflow::{Workflow, WorkflowFields};

/// Why a workflow or job could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A stored JSON column does not parse.
    #[error("{table} row `{id}`: column `{column}` holds invalid JSON: {message}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// The row's id.
        id: String,
        /// The column.
        column: &'static str,
        /// What the parser said.
        message: String,
    },
    /// A value could not be written as JSON.
    #[error("cannot encode a value as JSON: {0}")]
    Encode(String),
}

/// The current time as NodeTool stores it (RFC 3339, microseconds, UTC).
pub(crate) fn now() -> String {
    humantime::format_rfc3339_micros(std::time::SystemTime::now()).to_string()
}

/// The largest page a list returns.
pub const MAX_PAGE: usize = 500;

/// A page size between 1 and [`MAX_PAGE`].
pub(crate) fn page_limit(limit: usize) -> usize {
    limit.clamp(1, MAX_PAGE)
}

/// The row of `table` with id `id` owned by `user_id`, read by `from_row`.
pub(crate) async fn find_owned<T>(
    db: &Database,
    table: &str,
    columns: &str,
    user_id: &str,
    id: &str,
    from_row: fn(&sqlx::any::AnyRow) -> Result<T, ModelError>,
) -> Result<Option<T>, ModelError> {
    let sql = format!("SELECT {columns} FROM {table} WHERE user_id = $1 AND id = $2");
    let row = sqlx::query(&sql)
        .bind(user_id)
        .bind(id)
        .fetch_optional(db.pool())
        .await
        .map_err(DbError::Sql)?;
    row.as_ref().map(from_row).transpose()
}

/// Deletes the row of `table` with id `id` owned by `user_id`; whether there was one.
pub(crate) async fn delete_owned(
    db: &Database,
    table: &str,
    user_id: &str,
    id: &str,
) -> Result<bool, ModelError> {
    let sql = format!("DELETE FROM {table} WHERE user_id = $1 AND id = $2");
    let done = sqlx::query(&sql)
        .bind(user_id)
        .bind(id)
        .execute(db.pool())
        .await
        .map_err(DbError::Sql)?;
    Ok(done.rows_affected() > 0)
}

/// A page from rows fetched with `LIMIT limit + 1`: at most `limit` items, and the id of the
/// last one when more follow (the next page's cursor).
pub(crate) fn page<T>(
    rows: &[sqlx::any::AnyRow],
    limit: usize,
    from_row: fn(&sqlx::any::AnyRow) -> Result<T, ModelError>,
    id: fn(&T) -> &str,
) -> Result<(Vec<T>, Option<String>), ModelError> {
    let mut items = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    let more = items.len() > limit;
    items.truncate(limit);
    let next = more
        .then(|| items.last().map(|i| id(i).to_owned()))
        .flatten();
    Ok((items, next))
}
