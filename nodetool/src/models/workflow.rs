//! [`Workflow`]: a user's saved graph in `nodetool_workflows`, with NodeTool's columns.

use super::database::{Database, DbError};
use super::{now, page_limit, ModelError};
use crate::workflows::Graph;
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// A saved workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workflow {
    /// A time-ordered UUID.
    pub id: String,
    /// The owner.
    pub user_id: String,
    /// The name shown in lists.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Tags.
    pub tags: Vec<String>,
    /// The graph.
    pub graph: Graph,
    /// `private` or `public`.
    pub access: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// When it last changed (RFC 3339).
    pub updated_at: String,
}

/// What a user sets on a workflow (create and update).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkflowFields {
    /// The name.
    pub name: String,
    /// What it does.
    #[serde(default)]
    pub description: String,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The graph.
    #[serde(default)]
    pub graph: Graph,
    /// `private` (the default) or `public`.
    #[serde(default = "private")]
    pub access: String,
}

fn private() -> String {
    "private".to_owned()
}

const COLUMNS: &str = "id, user_id, name, description, tags, graph, access, created_at, updated_at";

fn from_row(row: &sqlx::any::AnyRow) -> Result<Workflow, ModelError> {
    let id: String = row.try_get("id").map_err(DbError::Sql)?;
    let json = |column: &str| -> Result<String, ModelError> {
        row.try_get(column)
            .map_err(|e| ModelError::Db(DbError::Sql(e)))
    };
    let corrupt = |column: &'static str, e: serde_json::Error| ModelError::Corrupt {
        table: "nodetool_workflows",
        id: id.clone(),
        column,
        message: e.to_string(),
    };
    let tags = serde_json::from_str(&json("tags")?).map_err(|e| corrupt("tags", e))?;
    let graph = serde_json::from_str(&json("graph")?).map_err(|e| corrupt("graph", e))?;
    Ok(Workflow {
        user_id: json("user_id")?,
        name: json("name")?,
        description: json("description")?,
        tags,
        graph,
        access: json("access")?,
        created_at: json("created_at")?,
        updated_at: json("updated_at")?,
        id,
    })
}

fn to_json<T: Serialize>(value: &T) -> Result<String, ModelError> {
    serde_json::to_string(value).map_err(|e| ModelError::Encode(e.to_string()))
}

impl Workflow {
    /// Saves a new workflow for `user_id`.
    pub async fn create(
        db: &Database,
        user_id: &str,
        fields: &WorkflowFields,
    ) -> Result<Workflow, ModelError> {
        let stamp = now();
        let sql = format!(
            "INSERT INTO nodetool_workflows ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING {COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(user_id)
            .bind(&fields.name)
            .bind(&fields.description)
            .bind(to_json(&fields.tags)?)
            .bind(to_json(&fields.graph)?)
            .bind(&fields.access)
            .bind(&stamp)
            .bind(&stamp)
            .fetch_one(db.pool())
            .await
            .map_err(DbError::Sql)?;
        from_row(&row)
    }

    /// `user_id`'s workflow `id` (`None` when it does not exist or is someone else's).
    pub async fn find(
        db: &Database,
        user_id: &str,
        id: &str,
    ) -> Result<Option<Workflow>, ModelError> {
        super::find_owned(db, "nodetool_workflows", COLUMNS, user_id, id, from_row).await
    }

    /// A page of `user_id`'s workflows, oldest first, after `cursor` (an id); with the cursor
    /// of the next page when there is one.
    pub async fn list(
        db: &Database,
        user_id: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<(Vec<Workflow>, Option<String>), ModelError> {
        let limit = page_limit(limit);
        let sql = format!(
            "SELECT {COLUMNS} FROM nodetool_workflows WHERE user_id = $1 AND id > $2 \
             ORDER BY id LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(user_id)
            .bind(cursor.unwrap_or(""))
            .bind(limit as i64 + 1)
            .fetch_all(db.pool())
            .await
            .map_err(DbError::Sql)?;
        super::page(&rows, limit, from_row, |w: &Workflow| &w.id)
    }

    /// Replaces the fields of `user_id`'s workflow `id`; `None` when there is none.
    pub async fn update(
        db: &Database,
        user_id: &str,
        id: &str,
        fields: &WorkflowFields,
    ) -> Result<Option<Workflow>, ModelError> {
        let sql = format!(
            "UPDATE nodetool_workflows SET name = $1, description = $2, tags = $3, graph = $4, \
             access = $5, updated_at = $6 WHERE user_id = $7 AND id = $8 RETURNING {COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(&fields.name)
            .bind(&fields.description)
            .bind(to_json(&fields.tags)?)
            .bind(to_json(&fields.graph)?)
            .bind(&fields.access)
            .bind(now())
            .bind(user_id)
            .bind(id)
            .fetch_optional(db.pool())
            .await
            .map_err(DbError::Sql)?;
        row.as_ref().map(from_row).transpose()
    }

    /// Deletes `user_id`'s workflow `id`; whether there was one.
    pub async fn delete(db: &Database, user_id: &str, id: &str) -> Result<bool, ModelError> {
        super::delete_owned(db, "nodetool_workflows", user_id, id).await
    }
}
