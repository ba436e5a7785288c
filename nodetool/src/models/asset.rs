//! [`Asset`]: a user's file in `nodetool_assets` (its bytes live in storage).

use super::database::{Database, DbError};
use super::{now, page_limit, ModelError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::Row;

/// An asset's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    /// A time-ordered UUID.
    pub id: String,
    /// The owner.
    pub user_id: String,
    /// The folder asset holding it, if any.
    pub parent_id: Option<String>,
    /// The file name.
    pub name: String,
    /// The MIME type (`folder` for folders).
    pub content_type: String,
    /// The size in bytes.
    pub size: Option<i64>,
    /// Anything else.
    pub metadata: Map<String, Value>,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// When it last changed (RFC 3339).
    pub updated_at: String,
}

impl Asset {
    /// The key of its bytes in storage.
    pub fn storage_key(&self) -> String {
        storage_key(&self.user_id, &self.id)
    }
}

/// Where an asset's bytes are stored: per user, by id.
pub fn storage_key(user_id: &str, asset_id: &str) -> String {
    // User ids are opaque: hex-encode them so any id makes one safe path segment.
    let user: String = user_id.bytes().map(|b| format!("{b:02x}")).collect();
    format!("assets/{user}/{asset_id}")
}

const COLUMNS: &str =
    "id, user_id, parent_id, name, content_type, size, metadata, created_at, updated_at";

fn from_row(row: &sqlx::any::AnyRow) -> Result<Asset, ModelError> {
    let sql = |e| ModelError::Db(DbError::Sql(e));
    let id: String = row.try_get("id").map_err(sql)?;
    let metadata: String = row.try_get("metadata").map_err(sql)?;
    let metadata = serde_json::from_str(&metadata).map_err(|e| ModelError::Corrupt {
        table: "nodetool_assets",
        id: id.clone(),
        column: "metadata",
        message: e.to_string(),
    })?;
    Ok(Asset {
        user_id: row.try_get("user_id").map_err(sql)?,
        parent_id: row.try_get("parent_id").map_err(sql)?,
        name: row.try_get("name").map_err(sql)?,
        content_type: row.try_get("content_type").map_err(sql)?,
        size: row.try_get("size").map_err(sql)?,
        metadata,
        created_at: row.try_get("created_at").map_err(sql)?,
        updated_at: row.try_get("updated_at").map_err(sql)?,
        id,
    })
}

impl Asset {
    /// Records an asset of `user_id` with id `id` (its bytes stored already).
    pub async fn create(
        db: &Database,
        id: &str,
        user_id: &str,
        name: &str,
        content_type: &str,
        size: i64,
        parent_id: Option<&str>,
    ) -> Result<Asset, ModelError> {
        let stamp = now();
        let sql = format!(
            "INSERT INTO nodetool_assets ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, '{{}}', $7, $8) \
             RETURNING {COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(id)
            .bind(user_id)
            .bind(parent_id.map(str::to_owned))
            .bind(name)
            .bind(content_type)
            .bind(size)
            .bind(&stamp)
            .bind(&stamp)
            .fetch_one(db.pool())
            .await
            .map_err(DbError::Sql)?;
        from_row(&row)
    }

    /// `user_id`'s asset `id` (`None` when it does not exist or is someone else's).
    pub async fn find(db: &Database, user_id: &str, id: &str) -> Result<Option<Asset>, ModelError> {
        super::find_owned(db, "nodetool_assets", COLUMNS, user_id, id, from_row).await
    }

    /// `user_id`'s assets in folder `parent_id` (`None`: at the top), oldest first.
    pub async fn list(
        db: &Database,
        user_id: &str,
        parent_id: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Asset>, ModelError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM nodetool_assets WHERE user_id = $1 \
             AND COALESCE(parent_id, '') = $2 ORDER BY id LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(user_id)
            .bind(parent_id.unwrap_or(""))
            .bind(page_limit(limit) as i64)
            .fetch_all(db.pool())
            .await
            .map_err(DbError::Sql)?;
        rows.iter().map(from_row).collect()
    }

    /// Deletes `user_id`'s asset record `id`; whether there was one.
    pub async fn delete(db: &Database, user_id: &str, id: &str) -> Result<bool, ModelError> {
        super::delete_owned(db, "nodetool_assets", user_id, id).await
    }
}
