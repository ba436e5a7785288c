//! The database: SQLite by default (embedded, created on first use, WAL), PostgreSQL when
//! configured, with embedded migrations for both; NodeTool's tables (`nodetool_workflows`,
//! `nodetool_jobs`, `nodetool_assets`, `nodetool_secrets`). Queries are checked at run time (no
//! database is needed to compile) and every one is scoped by user id.

pub mod asset;
mod database;
pub mod job;
pub mod secret;
pub mod workflow;

pub use asset::Asset;
pub use database::{Backend, Database, DbError};
pub use job::Job;
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
