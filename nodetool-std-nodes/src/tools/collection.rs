//! `search_collection`: the passages of one of the run's user's collections nearest a query
//! (feature `collections`), for retrieval-augmented answers.

use nodetool::agents::ToolError;
use nodetool::collections::{embed_query, store_for, Query};
use nodetool::prelude::*;
use nodetool::tool;
use serde_json::{json, Value};

/// Search a document collection by meaning: the passages nearest the query, nearest first,
/// each with its id, text, metadata and distance. Cite passages by id.
#[tool]
pub async fn search_collection(
    ctx: &ProcessingContext,
    /// The collection's name.
    collection: String,
    /// What to look for, in words.
    query: String,
    /// How many passages (1 to 20; 5 when not given).
    n_results: Option<u32>,
) -> Result<Value, ToolError> {
    let env = ctx
        .environment()
        .map_err(|e| ToolError::failed(format!("cannot read the settings: {e}")))?;
    let store = store_for(&env)
        .await
        .map_err(|e| ToolError::failed(e.to_string()))?;
    let info = store
        .get(ctx.user_id(), &collection)
        .await
        .map_err(|e| ToolError::failed(e.to_string()))?
        .ok_or_else(|| ToolError::failed(format!("collection `{collection}` does not exist")))?;
    let embedding = embed_query(&env, &info, &query, ctx.cancellation_token())
        .await
        .map_err(|e| ToolError::failed(e.to_string()))?;
    let n = n_results.unwrap_or(5).clamp(1, 20) as usize;
    let hits = store
        .query(ctx.user_id(), &collection, &Query::nearest(embedding, n))
        .await
        .map_err(|e| ToolError::failed(e.to_string()))?;
    let passages: Vec<Value> = hits
        .into_iter()
        .map(|h| json!({"id": h.id, "text": h.document, "metadata": h.metadata, "distance": h.distance}))
        .collect();
    Ok(json!({"collection": collection, "passages": passages}))
}
