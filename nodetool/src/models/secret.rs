//! [`Secret`]: a user's encrypted secret in `nodetool_secrets`, with NodeTool's columns, and
//! the helpers NodeTool code uses to read secrets (environment first, then the database).

use super::database::{Database, DbError};
use super::now;
use crate::config::Environment;
use crate::security::{CryptoError, SecretCrypto};
use sqlx::Row;
use std::fmt;

/// Why a secret could not be stored or read. No value, encrypted or not, is ever part of it.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The value could not be encrypted or decrypted (for example a different master key).
    #[error("secret `{key}`: {source}")]
    Crypto {
        /// The secret's key.
        key: String,
        /// What failed.
        source: CryptoError,
    },
    /// A required secret is set nowhere.
    #[error("secret `{key}` is not set (set it in the environment or with `nodetool secrets set {key} …`)")]
    Missing {
        /// The secret's key.
        key: String,
    },
}

impl From<sqlx::Error> for SecretError {
    fn from(e: sqlx::Error) -> Self {
        SecretError::Db(DbError::Sql(e))
    }
}

/// One stored secret (its value encrypted for its user).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    /// A time-ordered UUID.
    pub id: String,
    /// The owner.
    pub user_id: String,
    /// The name, e.g. `OPENAI_API_KEY`.
    pub key: String,
    /// The Fernet token.
    pub encrypted_value: String,
    /// What it is for.
    pub description: Option<String>,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// When it last changed (RFC 3339).
    pub updated_at: String,
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("key", &self.key)
            .field("encrypted_value", &"<redacted>")
            .field("description", &self.description)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

const COLUMNS: &str = "id, user_id, key, encrypted_value, description, created_at, updated_at";

fn from_row(row: &sqlx::any::AnyRow) -> Result<Secret, sqlx::Error> {
    Ok(Secret {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        key: row.try_get("key")?,
        encrypted_value: row.try_get("encrypted_value")?,
        description: row.try_get("description")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Secret {
    /// Stores `value` as `user_id`'s secret `key`, encrypted; replaces the value (and the
    /// description) of an existing one.
    pub async fn upsert(
        db: &Database,
        crypto: &SecretCrypto,
        user_id: &str,
        key: &str,
        value: &str,
        description: Option<&str>,
    ) -> Result<Secret, SecretError> {
        let encrypted = crypto
            .encrypt(user_id, value)
            .map_err(|source| SecretError::Crypto {
                key: key.to_owned(),
                source,
            })?;
        let stamp = now();
        let sql = format!(
            "INSERT INTO nodetool_secrets ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (user_id, key) DO UPDATE SET encrypted_value = excluded.encrypted_value, \
             description = excluded.description, updated_at = excluded.updated_at \
             RETURNING {COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(user_id)
            .bind(key)
            .bind(encrypted)
            .bind(description.map(str::to_owned))
            .bind(&stamp)
            .bind(&stamp)
            .fetch_one(db.pool())
            .await?;
        tracing::debug!(user_id, key, "secret stored");
        Ok(from_row(&row)?)
    }

    /// `user_id`'s secret `key`.
    pub async fn find(
        db: &Database,
        user_id: &str,
        key: &str,
    ) -> Result<Option<Secret>, SecretError> {
        let sql = format!("SELECT {COLUMNS} FROM nodetool_secrets WHERE user_id = $1 AND key = $2");
        let row = sqlx::query(&sql)
            .bind(user_id)
            .bind(key)
            .fetch_optional(db.pool())
            .await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    /// Deletes `user_id`'s secret `key`; `false` when there was none.
    pub async fn delete(db: &Database, user_id: &str, key: &str) -> Result<bool, SecretError> {
        let done = sqlx::query("DELETE FROM nodetool_secrets WHERE user_id = $1 AND key = $2")
            .bind(user_id)
            .bind(key)
            .execute(db.pool())
            .await?;
        tracing::debug!(
            user_id,
            key,
            deleted = done.rows_affected(),
            "secret deleted"
        );
        Ok(done.rows_affected() > 0)
    }

    /// Every secret of `user_id`, by key.
    pub async fn list_for_user(db: &Database, user_id: &str) -> Result<Vec<Secret>, SecretError> {
        let sql = format!("SELECT {COLUMNS} FROM nodetool_secrets WHERE user_id = $1 ORDER BY key");
        let rows = sqlx::query(&sql).bind(user_id).fetch_all(db.pool()).await?;
        Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
    }

    /// The decrypted value.
    pub fn decrypted(&self, crypto: &SecretCrypto) -> Result<String, SecretError> {
        tracing::debug!(user_id = %self.user_id, key = %self.key, "secret decrypted");
        crypto
            .decrypt(&self.user_id, &self.encrypted_value)
            .map_err(|source| SecretError::Crypto {
                key: self.key.clone(),
                source,
            })
    }
}

/// Re-encrypts every user's secrets from `old` to `new` (a master key rotation), in one
/// transaction: if any secret cannot be decrypted with `old`, nothing changes and the error
/// names its key. Returns how many secrets were re-encrypted.
pub async fn rotate_master_key(
    db: &Database,
    old: &SecretCrypto,
    new: &SecretCrypto,
) -> Result<usize, SecretError> {
    let mut tx = db.pool().begin().await?;
    // Take the write lock first, so that no upsert lands between the read and the updates
    // (it would be overwritten with the old value, or left under the old key).
    let lock = match db.backend() {
        super::Backend::Postgres => "LOCK TABLE nodetool_secrets IN EXCLUSIVE MODE",
        super::Backend::Sqlite => "UPDATE nodetool_secrets SET id = id WHERE 0 = 1",
    };
    sqlx::query(lock).execute(&mut *tx).await?;
    let sql = format!("SELECT {COLUMNS} FROM nodetool_secrets ORDER BY user_id, key");
    let rows = sqlx::query(&sql).fetch_all(&mut *tx).await?;
    let secrets: Vec<Secret> = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    let stamp = now();
    for secret in &secrets {
        let value = secret.decrypted(old)?;
        let encrypted =
            new.encrypt(&secret.user_id, &value)
                .map_err(|source| SecretError::Crypto {
                    key: secret.key.clone(),
                    source,
                })?;
        sqlx::query(
            "UPDATE nodetool_secrets SET encrypted_value = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(encrypted)
        .bind(&stamp)
        .bind(&secret.id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(secrets.len())
}

/// The secret `key` of `user_id`: the environment's value first, then the database's.
pub async fn get_secret(
    env: &Environment,
    db: &Database,
    crypto: &SecretCrypto,
    key: &str,
    user_id: &str,
) -> Result<Option<String>, SecretError> {
    if let Some(value) = get_secret_sync(env, key) {
        return Ok(Some(value));
    }
    match Secret::find(db, user_id, key).await? {
        Some(secret) => secret.decrypted(crypto).map(Some),
        None => Ok(None),
    }
}

/// [`get_secret`], with an error naming the key when it is set nowhere.
pub async fn get_secret_required(
    env: &Environment,
    db: &Database,
    crypto: &SecretCrypto,
    key: &str,
    user_id: &str,
) -> Result<String, SecretError> {
    get_secret(env, db, crypto, key, user_id)
        .await?
        .ok_or_else(|| SecretError::Missing {
            key: key.to_owned(),
        })
}

/// The secret `key` from the environment alone (no database).
pub fn get_secret_sync(env: &Environment, key: &str) -> Option<String> {
    env.get(key).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// Whether `key` is set for `user_id`, in the environment or the database.
pub async fn has_secret(
    env: &Environment,
    db: &Database,
    key: &str,
    user_id: &str,
) -> Result<bool, SecretError> {
    if get_secret_sync(env, key).is_some() {
        return Ok(true);
    }
    Ok(Secret::find(db, user_id, key).await?.is_some())
}
