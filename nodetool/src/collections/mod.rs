//! Vector collections for semantic search and retrieval (feature `collections`): NodeTool's
//! Chroma collections, kept here in an embedded store (SQLite under `CHROMA_PATH`).
//!
//! A collection belongs to one user and has a name, Chroma-style metadata (its embedding
//! model: `embedding_model` and `embedding_provider`, `ollama` unless said; its distance:
//! `hnsw:space`, `l2` (squared, Chroma's default), `cosine` or `ip`) and records (an id, a
//! text, metadata and a vector). [`VectorStore`] is what every backend does;
//! [`EmbeddedStore`] is the one built in. Texts become vectors through the providers'
//! embeddings ([`embed_texts`]).
//!
//! ```
//! use nodetool::collections::{EmbeddedStore, Query, Record, VectorStore};
//! use serde_json::{json, Map};
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let dir = tempfile::tempdir()?;
//! let store = EmbeddedStore::open(dir.path()).await?;
//! store.create("alice", "notes", Map::new(), false).await?;
//! let record = |id: &str, v: [f32; 2]| Record { id: id.into(), document: Some(id.into()), metadata: Map::new(), embedding: v.to_vec() };
//! store.upsert("alice", "notes", vec![record("east", [1.0, 0.0]), record("north", [0.0, 1.0])]).await?;
//! let hits = store.query("alice", "notes", &Query::nearest(vec![0.9, 0.1], 1)).await?;
//! assert_eq!(hits[0].id, "east");
//! assert!(store.get("bob", "notes").await?.is_none(), "collections are per user");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

mod embedded;
mod filter;
mod split;

pub use embedded::EmbeddedStore;
pub use filter::{DocumentFilter, MetadataFilter};
pub use split::{
    chunk_by_characters, split_by_characters, split_by_sentences, split_markdown,
    split_recursively, split_sentences, Chunk, MarkdownSection, DEFAULT_SEPARATORS,
};

use crate::workflows::{BoxFuture, CancellationToken};
use serde_json::{Map, Value};
use std::sync::Arc;

/// What went wrong with a collection.
#[derive(Debug, thiserror::Error)]
pub enum CollectionError {
    /// No such collection (for this user).
    #[error("collection `{0}` does not exist")]
    NotFound(String),
    /// The name is taken.
    #[error("collection `{0}` exists already")]
    Exists(String),
    /// The name is not one Chroma allows.
    #[error("collection name `{0}`: use 1 to 512 letters, digits, `.`, `_` or `-`")]
    InvalidName(String),
    /// A vector has another dimension than the collection's.
    #[error("collection `{name}`: its vectors have {expected} dimensions, this one has {got}")]
    Dimension {
        /// The collection.
        name: String,
        /// Its dimension.
        expected: usize,
        /// The offending vector's.
        got: usize,
    },
    /// A record or query is malformed.
    #[error("{0}")]
    Invalid(String),
    /// The store's database failed.
    #[error("the collection store: {0}")]
    Store(String),
    /// Embedding failed.
    #[error("embedding: {0}")]
    Embedding(String),
}

/// A collection: its name, metadata, vector dimension (once it has vectors) and size.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectionInfo {
    /// The name.
    pub name: String,
    /// Chroma-style metadata.
    pub metadata: Map<String, Value>,
    /// The vectors' dimension, once one is stored.
    pub dimension: Option<usize>,
    /// How many records it holds.
    pub count: usize,
}

impl CollectionInfo {
    /// The provider and model its texts are embedded with (`embedding_provider`, `ollama`
    /// unless said, and `embedding_model`); an error naming the collection when it has none.
    pub fn embedding_model(&self) -> Result<(String, String), CollectionError> {
        let model = self.metadata.get("embedding_model").and_then(Value::as_str);
        match model.filter(|m| !m.trim().is_empty()) {
            Some(model) => Ok((
                self.metadata
                    .get("embedding_provider")
                    .and_then(Value::as_str)
                    .filter(|p| !p.is_empty())
                    .unwrap_or("ollama")
                    .to_owned(),
                model.to_owned(),
            )),
            None => Err(CollectionError::Invalid(format!(
                "collection `{}` has no embedding model: create it with one (vector.chroma.Collection's embedding_model)",
                self.name
            ))),
        }
    }
}

/// One record of a collection.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Unique within the collection.
    pub id: String,
    /// The text, if it has one.
    pub document: Option<String>,
    /// Chroma-style metadata.
    pub metadata: Map<String, Value>,
    /// The vector.
    pub embedding: Vec<f32>,
}

/// A record found by a query, nearest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The record's id.
    pub id: String,
    /// Its text.
    pub document: Option<String>,
    /// Its metadata.
    pub metadata: Map<String, Value>,
    /// Its distance from the query (in the collection's space).
    pub distance: f32,
}

/// A nearest-neighbour query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The query vector.
    pub embedding: Vec<f32>,
    /// How many records at most.
    pub n_results: usize,
    /// Only records whose metadata passes.
    pub filter: Option<MetadataFilter>,
    /// Only records whose text passes.
    pub document: Option<DocumentFilter>,
}

impl Query {
    /// The `n` records nearest `embedding`, unfiltered.
    pub fn nearest(embedding: Vec<f32>, n: usize) -> Self {
        Self {
            embedding,
            n_results: n,
            filter: None,
            document: None,
        }
    }
}

/// What a collection backend does; every call is scoped to one user.
pub trait VectorStore: Send + Sync + std::fmt::Debug {
    /// Creates collection `name` with `metadata` (`get_or_create`: an existing one is
    /// returned as it is).
    fn create<'a>(
        &'a self,
        user: &'a str,
        name: &'a str,
        metadata: Map<String, Value>,
        get_or_create: bool,
    ) -> BoxFuture<'a, Result<CollectionInfo, CollectionError>>;

    /// Collection `name`, if it exists.
    fn get<'a>(
        &'a self,
        user: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<CollectionInfo>, CollectionError>>;

    /// Every collection of `user`, by name.
    fn list<'a>(
        &'a self,
        user: &'a str,
    ) -> BoxFuture<'a, Result<Vec<CollectionInfo>, CollectionError>>;

    /// Deletes collection `name` and its records; whether it existed.
    fn delete<'a>(
        &'a self,
        user: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<bool, CollectionError>>;

    /// Adds `records`, replacing those with the same ids.
    fn upsert<'a>(
        &'a self,
        user: &'a str,
        name: &'a str,
        records: Vec<Record>,
    ) -> BoxFuture<'a, Result<(), CollectionError>>;

    /// Removes the records with `ids`; how many there were.
    fn remove<'a>(
        &'a self,
        user: &'a str,
        name: &'a str,
        ids: &'a [String],
    ) -> BoxFuture<'a, Result<usize, CollectionError>>;

    /// Records by id (`ids` empty: all), in insertion order, `offset` then at most `limit`.
    fn records<'a>(
        &'a self,
        user: &'a str,
        name: &'a str,
        ids: &'a [String],
        limit: usize,
        offset: usize,
    ) -> BoxFuture<'a, Result<Vec<Record>, CollectionError>>;

    /// The records nearest the query that pass its filters, nearest first.
    fn query<'a>(
        &'a self,
        user: &'a str,
        name: &'a str,
        query: &'a Query,
    ) -> BoxFuture<'a, Result<Vec<Hit>, CollectionError>>;
}

/// How many texts go to the provider in one request.
pub const EMBED_BATCH: usize = 64;

/// Vectors for `texts` from `provider`'s model `model` (settings and keys from `env`), in
/// batches of [`EMBED_BATCH`].
pub async fn embed_texts(
    env: &crate::config::Environment,
    provider: &str,
    model: &str,
    texts: &[String],
    cancel: &CancellationToken,
) -> Result<Vec<Vec<f32>>, CollectionError> {
    let client = crate::chat::provider_from_environment(provider, env)
        .map_err(|e| CollectionError::Embedding(e.to_string()))?;
    let mut vectors = Vec::with_capacity(texts.len());
    for batch in texts.chunks(EMBED_BATCH) {
        let got = client
            .embed(model, batch, cancel)
            .await
            .map_err(|e| CollectionError::Embedding(e.to_string()))?;
        vectors.extend(got.vectors);
    }
    Ok(vectors)
}

/// Vectors for `texts` by collection `info`'s embedding model.
pub async fn embed_for(
    env: &crate::config::Environment,
    info: &CollectionInfo,
    texts: &[String],
    cancel: &CancellationToken,
) -> Result<Vec<Vec<f32>>, CollectionError> {
    let (provider, model) = info.embedding_model()?;
    embed_texts(env, &provider, &model, texts, cancel).await
}

/// The vector of one query `text` by collection `info`'s embedding model.
pub async fn embed_query(
    env: &crate::config::Environment,
    info: &CollectionInfo,
    text: &str,
    cancel: &CancellationToken,
) -> Result<Vec<f32>, CollectionError> {
    embed_for(env, info, &[text.to_owned()], cancel)
        .await?
        .pop()
        .ok_or_else(|| CollectionError::Embedding("the provider sent no vector".to_owned()))
}

/// The store a run's collections live in: the embedded store in `CHROMA_PATH`, opened once
/// per folder and shared. A Chroma server (`CHROMA_URL`) is not spoken to yet: an error
/// says so rather than writing elsewhere.
pub async fn store_for(
    env: &crate::config::Environment,
) -> Result<Arc<dyn VectorStore>, CollectionError> {
    if env.get("CHROMA_URL").is_some_and(|u| !u.trim().is_empty()) {
        return Err(CollectionError::Store(
            "CHROMA_URL is set, but collections are kept only in the embedded store here \
             (CHROMA_PATH); unset CHROMA_URL"
                .to_owned(),
        ));
    }
    let path = env
        .get("CHROMA_PATH")
        .filter(|p| !p.trim().is_empty())
        .ok_or_else(|| CollectionError::Store("CHROMA_PATH is not set".to_owned()))?;
    let store: Arc<dyn VectorStore> = EmbeddedStore::shared(std::path::Path::new(path)).await?;
    Ok(store)
}
