//! [`Database`]: one pool over SQLite or PostgreSQL.

use crate::config::Environment;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::path::Path;
use std::str::FromStr;

/// Which database a [`Database`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// Why the database could not be used. Connection URLs are never part of the message (they
/// may hold a password).
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL names no supported database.
    #[error("unsupported database URL scheme `{0}` (use sqlite:// or postgres://)")]
    UnsupportedUrl(String),
    /// The SQLite file's folder could not be created.
    #[error("cannot create the database folder {}: {source}", path.display())]
    Folder {
        /// The folder.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database refused a connection or a query.
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

/// A connection pool with NodeTool's tables migrated.
#[derive(Debug, Clone)]
pub struct Database {
    pool: AnyPool,
    backend: Backend,
}

impl Database {
    /// Connects to `url` (`sqlite://PATH`, `postgres://…`) and runs the migrations.
    pub async fn connect(url: &str) -> Result<Self, DbError> {
        sqlx::any::install_default_drivers();
        let scheme = url.split(':').next().unwrap_or_default();
        let backend = match scheme {
            "sqlite" => Backend::Sqlite,
            "postgres" | "postgresql" => Backend::Postgres,
            other => return Err(DbError::UnsupportedUrl(other.to_owned())),
        };
        let options = AnyConnectOptions::from_str(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 10 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL with `synchronous = NORMAL` (SQLite's advice for WAL): a commit
                        // is written to the log without an fsync, which only checkpoints do.
                        // A process crash loses nothing and corrupts nothing; a power cut can
                        // lose the last commits.
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let db = Self { pool, backend };
        db.migrate().await?;
        Ok(db)
    }

    /// Opens (creating it and its folder if needed) the SQLite database at `path`.
    pub async fn sqlite(path: &Path) -> Result<Self, DbError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| DbError::Folder {
                path: dir.to_owned(),
                source,
            })?;
        }
        // sqlx percent-decodes the file name of a sqlite URL.
        let path = percent_encode(&path.to_string_lossy());
        Self::connect(&format!("sqlite://{path}?mode=rwc")).await
    }

    /// The database the environment configures: PostgreSQL when `DATABASE_URL` or
    /// `POSTGRES_DB` is set, else SQLite at `DB_PATH`.
    pub async fn from_env(env: &Environment) -> Result<Self, DbError> {
        if let Some(url) = env.get("DATABASE_URL").filter(|u| !u.is_empty()) {
            return Self::connect(url).await;
        }
        if let Some(db) = env.get("POSTGRES_DB").filter(|d| !d.is_empty()) {
            let user = percent_encode(env.get_or("POSTGRES_USER", "postgres"));
            let password = env
                .get("POSTGRES_PASSWORD")
                .map(|p| format!(":{}", percent_encode(p)))
                .unwrap_or_default();
            let host = env.get_or("POSTGRES_HOST", "127.0.0.1");
            let port = env.get_or("POSTGRES_PORT", "5432");
            let db = percent_encode(db);
            return Self::connect(&format!("postgres://{user}{password}@{host}:{port}/{db}")).await;
        }
        let path = env.get_or("DB_PATH", "nodetool.sqlite3");
        Self::sqlite(Path::new(path)).await
    }

    async fn migrate(&self) -> Result<(), DbError> {
        // One SQL for both databases (SQLite reads `BIGINT` as an integer).
        sqlx::migrate!("./migrations").run(&self.pool).await?;
        Ok(())
    }

    /// The pool.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters (for the parts of a URL).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_parts_are_percent_encoded() {
        assert_eq!(percent_encode("p@ss:w/rd ü"), "p%40ss%3Aw%2Frd%20%C3%BC");
        assert_eq!(percent_encode("plain-1.2_3~"), "plain-1.2_3~");
    }
}
