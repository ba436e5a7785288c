//! The database: SQLite by default (embedded, created on first use, WAL), PostgreSQL when
//! configured, with embedded migrations for both; NodeTool's tables (`nodetool_workflows`,
//! `nodetool_jobs`, `nodetool_assets`, `nodetool_secrets`). Queries are checked at run time (no
//! database is needed to compile) and every one is scoped by user id.

mod database;
pub mod secret;

pub use database::{Backend, Database, DbError};
pub use secret::{
    get_secret, get_secret_required, get_secret_sync, has_secret, rotate_master_key, Secret,
    SecretError,
};
