//! `/api/collections`: the caller's vector collections (feature `collections`): list, create,
//! read, delete, index texts, query by text or vector. Another user's collection is a 404.

use super::auth::User;
use super::error::{ApiError, JsonBody};
use super::AppState;
use crate::collections::{
    embed_for, embed_query, CollectionError, CollectionInfo, DocumentFilter, MetadataFilter, Query,
    Record, VectorStore,
};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::sync::Arc;

impl From<CollectionError> for ApiError {
    fn from(e: CollectionError) -> Self {
        match e {
            CollectionError::NotFound(_) => ApiError::not_found("Collection"),
            CollectionError::Exists(_) => ApiError::new(StatusCode::CONFLICT, e.to_string()),
            CollectionError::InvalidName(_)
            | CollectionError::Dimension { .. }
            | CollectionError::Invalid(_) => ApiError::unprocessable(e.to_string()),
            CollectionError::Embedding(_) => ApiError::new(StatusCode::BAD_GATEWAY, e.to_string()),
            CollectionError::Store(_) => ApiError::internal(e),
        }
    }
}

fn store(state: &AppState) -> Result<&Arc<dyn VectorStore>, ApiError> {
    state.collections().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "collections are not configured on this server (CHROMA_PATH)",
        )
    })
}

fn info_json(info: &CollectionInfo) -> Value {
    json!({"name": info.name, "metadata": info.metadata, "count": info.count, "dimension": info.dimension})
}

/// `GET /api/collections`: `{"collections": [...]}`, by name.
pub async fn list(
    State(state): State<AppState>,
    User(user): User,
) -> Result<Json<Value>, ApiError> {
    let all = store(&state)?.list(&user).await?;
    Ok(Json(
        json!({"collections": all.iter().map(info_json).collect::<Vec<_>>()}),
    ))
}

/// The body of `POST /api/collections`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateCollection {
    /// The name (letters, digits, `.`, `_`, `-`).
    pub name: String,
    /// Chroma-style metadata (`hnsw:space`, …).
    #[serde(default)]
    pub metadata: Map<String, Value>,
    /// The provider of the embedding model (`ollama` unless said).
    #[serde(default)]
    pub embedding_provider: Option<String>,
    /// The embedding model texts are embedded with.
    #[serde(default)]
    pub embedding_model: Option<String>,
}

/// `POST /api/collections`: creates one (409 when the name is taken).
pub async fn create(
    State(state): State<AppState>,
    User(user): User,
    JsonBody(body): JsonBody<CreateCollection>,
) -> Result<Json<Value>, ApiError> {
    let mut metadata = body.metadata;
    if let Some(model) = body.embedding_model.filter(|m| !m.is_empty()) {
        metadata.insert("embedding_model".into(), json!(model));
    }
    if let Some(provider) = body.embedding_provider.filter(|p| !p.is_empty()) {
        metadata.insert("embedding_provider".into(), json!(provider));
    }
    let info = store(&state)?
        .create(&user, &body.name, metadata, false)
        .await?;
    Ok(Json(info_json(&info)))
}

/// `GET /api/collections/{name}`.
pub async fn get(
    State(state): State<AppState>,
    User(user): User,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let info = store(&state)?
        .get(&user, &name)
        .await?
        .ok_or_else(|| ApiError::not_found("Collection"))?;
    Ok(Json(info_json(&info)))
}

/// `DELETE /api/collections/{name}`.
pub async fn delete(
    State(state): State<AppState>,
    User(user): User,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    if store(&state)?.delete(&user, &name).await? {
        Ok(Json(json!({})))
    } else {
        Err(ApiError::not_found("Collection"))
    }
}

/// One text to index.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// Its id (a record with the same id is replaced).
    pub id: String,
    /// The text.
    pub text: String,
    /// Its metadata.
    #[serde(default)]
    pub metadata: Map<String, Value>,
}

/// The body of `POST /api/collections/{name}/index`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexDocuments {
    /// The texts.
    pub documents: Vec<Document>,
}

/// The settings jobs run with (loaded now when the server was given none).
fn environment(state: &AppState) -> Result<Arc<crate::config::Environment>, ApiError> {
    match &state.job_environment().environment {
        Some(env) => Ok(Arc::clone(env)),
        None => crate::config::Environment::load()
            .map(Arc::new)
            .map_err(|e| ApiError::internal(format!("cannot read the settings: {e}"))),
    }
}

async fn existing(
    store: &Arc<dyn VectorStore>,
    user: &str,
    name: &str,
) -> Result<CollectionInfo, ApiError> {
    store
        .get(user, name)
        .await?
        .ok_or_else(|| ApiError::not_found("Collection"))
}

/// `POST /api/collections/{name}/index`: embeds the texts with the collection's model and
/// stores them: `{"indexed": n}`.
pub async fn index(
    State(state): State<AppState>,
    User(user): User,
    Path(name): Path<String>,
    JsonBody(body): JsonBody<IndexDocuments>,
) -> Result<Json<Value>, ApiError> {
    let store = store(&state)?;
    let info = existing(store, &user, &name).await?;
    let texts: Vec<String> = body.documents.iter().map(|d| d.text.clone()).collect();
    let vectors = embed_for(&*environment(&state)?, &info, &texts, &Default::default()).await?;
    let n = body.documents.len();
    let records = body
        .documents
        .into_iter()
        .zip(vectors)
        .map(|(d, embedding)| Record {
            id: d.id,
            document: Some(d.text),
            metadata: d.metadata,
            embedding,
        })
        .collect();
    store.upsert(&user, &name, records).await?;
    Ok(Json(json!({"indexed": n})))
}

fn default_n() -> usize {
    5
}

/// The body of `POST /api/collections/{name}/query`: a text (embedded with the
/// collection's model) or a vector, and Chroma's filters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryCollection {
    /// The query text.
    #[serde(default)]
    pub text: Option<String>,
    /// The query vector (instead of a text).
    #[serde(default)]
    pub embedding: Option<Vec<f32>>,
    /// How many results (5).
    #[serde(default = "default_n")]
    pub n_results: usize,
    /// Chroma's `where` on metadata.
    #[serde(default, rename = "where")]
    pub filter: Option<Value>,
    /// Chroma's `where_document` on the text.
    #[serde(default)]
    pub where_document: Option<Value>,
}

/// `POST /api/collections/{name}/query`: `{ids, documents, metadatas, distances}`, nearest
/// first.
pub async fn query(
    State(state): State<AppState>,
    User(user): User,
    Path(name): Path<String>,
    JsonBody(body): JsonBody<QueryCollection>,
) -> Result<Json<Value>, ApiError> {
    let store = store(&state)?;
    let info = existing(store, &user, &name).await?;
    let embedding = match (body.embedding, body.text) {
        (Some(v), None) => v,
        (None, Some(text)) => {
            embed_query(&*environment(&state)?, &info, &text, &Default::default()).await?
        }
        _ => {
            return Err(ApiError::unprocessable(
                "give one of `text` and `embedding`",
            ))
        }
    };
    let filter = body
        .filter
        .map(|f| MetadataFilter::parse(&f))
        .transpose()
        .map_err(|e| ApiError::unprocessable(format!("where: {e}")))?;
    let document = body
        .where_document
        .map(|f| DocumentFilter::parse(&f))
        .transpose()
        .map_err(|e| ApiError::unprocessable(format!("where_document: {e}")))?;
    let query = Query {
        embedding,
        n_results: body.n_results.min(10_000),
        filter,
        document,
    };
    let hits = store.query(&user, &name, &query).await?;
    Ok(Json(json!({
        "ids": hits.iter().map(|h| &h.id).collect::<Vec<_>>(),
        "documents": hits.iter().map(|h| &h.document).collect::<Vec<_>>(),
        "metadatas": hits.iter().map(|h| &h.metadata).collect::<Vec<_>>(),
        "distances": hits.iter().map(|h| h.distance).collect::<Vec<_>>(),
    })))
}
