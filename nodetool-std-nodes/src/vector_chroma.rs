//! `vector.chroma`: NodeTool's collection nodes (feature `collections`) over
//! [`nodetool::collections`]: the run's user's collections in the embedded store
//! (`CHROMA_PATH`), texts embedded with the collection's model through the providers.
//!
//! `Collection` gets or creates a collection whose texts are embedded by Ollama with its
//! `embedding_model` (as NodeTool's). `IndexString` and `IndexTextChunk` embed and store one
//! text (replacing a record with the same id; NodeTool's `IndexString` drops its metadata,
//! here it is kept). `QueryText` returns the nearest texts (sorted by id, as NodeTool does);
//! `HybridSearch` fuses a semantic and a keyword query by reciprocal rank, as NodeTool's.

use crate::meta_node;
use crate::meta_node::Props;
use nodetool::collections::{
    embed_query, store_for, CollectionError, CollectionInfo, DocumentFilter, Hit, Query, Record,
    VectorStore,
};
use nodetool::config::Environment;
use nodetool::workflows::{NodeError, NodeOutputs, ProcessingContext};
use serde_json::{json, Map, Value};
use std::sync::Arc;

fn failed(e: CollectionError) -> NodeError {
    NodeError::failed(e.to_string())
}

/// The run's settings and collection store.
async fn store(
    ctx: &ProcessingContext,
) -> Result<(Arc<Environment>, Arc<dyn VectorStore>), NodeError> {
    let env = ctx
        .environment()
        .map_err(|e| NodeError::failed(format!("cannot read the settings: {e}")))?;
    let store = store_for(&env).await.map_err(failed)?;
    Ok((env, store))
}

/// The collection property `collection` names, in the run's store.
struct Opened {
    env: Arc<Environment>,
    store: Arc<dyn VectorStore>,
    info: CollectionInfo,
}

impl Opened {
    /// The vector of `text` by the collection's embedding model.
    async fn embed(&self, ctx: &ProcessingContext, text: &str) -> Result<Vec<f32>, NodeError> {
        embed_query(&self.env, &self.info, text, ctx.cancellation_token())
            .await
            .map_err(failed)
    }
}

async fn open(ctx: &ProcessingContext, props: &Props) -> Result<Opened, NodeError> {
    let name = props.get("collection")["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if name.is_empty() {
        return Err(NodeError::failed(
            "collection: select a collection (its name is empty)",
        ));
    }
    let (env, store) = store(ctx).await?;
    let info = store
        .get(ctx.user_id(), &name)
        .await
        .map_err(failed)?
        .ok_or_else(|| failed(CollectionError::NotFound(name)))?;
    Ok(Opened { env, store, info })
}

meta_node!(
    /// `vector.chroma.Collection`: gets or creates a collection embedded by Ollama's model.
    Collection,
    "vector.chroma.Collection",
    Buffered,
    cacheable = false,
    tool = false
);

impl Collection {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let name = props.str("name");
        if name.trim().is_empty() {
            return Err(NodeError::failed("name: the collection needs a name"));
        }
        let mut metadata = Map::new();
        let model = props.get("embedding_model")["repo_id"]
            .as_str()
            .unwrap_or_default();
        if !model.is_empty() {
            metadata.insert("embedding_model".into(), json!(model));
            metadata.insert("embedding_provider".into(), json!("ollama"));
        }
        let (_, store) = store(ctx).await?;
        store
            .create(ctx.user_id(), &name, metadata, true)
            .await
            .map_err(failed)?;
        outputs
            .send_named("output", json!({"type": "collection", "name": name}))
            .await
    }
}

meta_node!(
    /// `vector.chroma.Count`: how many records a collection holds.
    Count,
    "vector.chroma.Count",
    Buffered,
    cacheable = false,
    tool = false
);

impl Count {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let Opened { info, .. } = open(ctx, props).await?;
        outputs.send_named("output", json!(info.count)).await
    }
}

/// The texts of `records` (a record without one as an empty string).
fn documents(records: &[Record]) -> Value {
    json!(records
        .iter()
        .map(|r| r.document.clone().unwrap_or_default())
        .collect::<Vec<_>>())
}

fn size(props: &Props, name: &str) -> Result<usize, NodeError> {
    let n = props.int(name)?;
    usize::try_from(n).map_err(|_| NodeError::failed(format!("{name}: {n} is negative")))
}

meta_node!(
    /// `vector.chroma.GetDocuments`: texts by id (all when no ids), `offset` then `limit`.
    GetDocuments,
    "vector.chroma.GetDocuments",
    Buffered,
    cacheable = false,
    tool = false
);

impl GetDocuments {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let Opened { store, info, .. } = open(ctx, props).await?;
        let ids: Vec<String> = props
            .get("ids")
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect();
        let records = store
            .records(
                ctx.user_id(),
                &info.name,
                &ids,
                size(props, "limit")?,
                size(props, "offset")?,
            )
            .await
            .map_err(failed)?;
        outputs.send_named("output", documents(&records)).await
    }
}

meta_node!(
    /// `vector.chroma.Peek`: the first texts of a collection.
    Peek,
    "vector.chroma.Peek",
    Buffered,
    cacheable = false,
    tool = false
);

impl Peek {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let Opened { store, info, .. } = open(ctx, props).await?;
        let records = store
            .records(ctx.user_id(), &info.name, &[], size(props, "limit")?, 0)
            .await
            .map_err(failed)?;
        outputs.send_named("output", documents(&records)).await
    }
}

/// Embeds property `text` and stores it as record `document_id` with property `metadata`.
async fn index_text(props: &Props, ctx: &ProcessingContext) -> Result<(), NodeError> {
    let id = props.str("document_id");
    if id.trim().is_empty() {
        return Err(NodeError::failed("The document ID cannot be empty"));
    }
    let opened = open(ctx, props).await?;
    let text = props.str("text");
    let embedding = opened.embed(ctx, &text).await?;
    let Opened { store, info, .. } = opened;
    let metadata = props
        .get("metadata")
        .as_object()
        .cloned()
        .unwrap_or_default();
    let record = Record {
        id,
        document: Some(text),
        metadata,
        embedding,
    };
    store
        .upsert(ctx.user_id(), &info.name, vec![record])
        .await
        .map_err(failed)
}

meta_node!(
    /// `vector.chroma.IndexString`: one text under a document id.
    IndexString,
    "vector.chroma.IndexString",
    Buffered,
    cacheable = false,
    tool = false
);

impl IndexString {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        _outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        index_text(props, ctx).await
    }
}

meta_node!(
    /// `vector.chroma.IndexTextChunk`: one chunk of text under a document id, with metadata.
    IndexTextChunk,
    "vector.chroma.IndexTextChunk",
    Buffered,
    cacheable = false,
    tool = false
);

impl IndexTextChunk {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        _outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        index_text(props, ctx).await
    }
}

/// Sends hits as the `ids`, `documents`, `metadatas` and `distances` outputs.
async fn send_hits(outputs: &mut NodeOutputs, hits: &[Hit]) -> Result<(), NodeError> {
    outputs
        .send_named("ids", json!(hits.iter().map(|h| &h.id).collect::<Vec<_>>()))
        .await?;
    let docs: Vec<String> = hits
        .iter()
        .map(|h| h.document.clone().unwrap_or_default())
        .collect();
    outputs.send_named("documents", json!(docs)).await?;
    let metas: Vec<&Map<String, Value>> = hits.iter().map(|h| &h.metadata).collect();
    outputs.send_named("metadatas", json!(metas)).await?;
    let distances: Vec<f32> = hits.iter().map(|h| h.distance).collect();
    outputs.send_named("distances", json!(distances)).await
}

meta_node!(
    /// `vector.chroma.QueryText`: the `n_results` texts nearest the query, sorted by id.
    QueryText,
    "vector.chroma.QueryText",
    Buffered,
    cacheable = false,
    tool = false
);

impl QueryText {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let opened = open(ctx, props).await?;
        let embedding = opened.embed(ctx, &props.str("text")).await?;
        let Opened { store, info, .. } = opened;
        let query = Query::nearest(embedding, size(props, "n_results")?);
        let mut hits = store
            .query(ctx.user_id(), &info.name, &query)
            .await
            .map_err(failed)?;
        hits.sort_by(|a, b| a.id.cmp(&b.id));
        send_hits(outputs, &hits).await
    }
}

/// NodeTool's keyword query: the lower-cased pieces of `text` (split at ` ,.!?-_=|`, then
/// trimmed) of at least `min_length` characters, any of which a text must contain.
pub fn keyword_filter(text: &str, min_length: usize) -> Option<DocumentFilter> {
    let separators = [' ', ',', '.', '!', '?', '-', '_', '=', '|'];
    let lower = text.to_lowercase();
    let mut tokens: Vec<DocumentFilter> = lower
        .split(|c: char| separators.contains(&c))
        .map(str::trim)
        .filter(|t| t.chars().count() >= min_length.max(1))
        .map(|t| DocumentFilter::Contains(t.to_owned()))
        .collect();
    match tokens.len() {
        0 => None,
        1 => tokens.pop(),
        _ => Some(DocumentFilter::Or(tokens)),
    }
}

/// Reciprocal rank fusion of two rankings (`1 / (rank + k)` summed per id), best first, at
/// most `n`; each hit with its fused score.
pub fn fuse(semantic: &[Hit], keyword: &[Hit], k: f64, n: usize) -> Vec<(Hit, f64)> {
    let mut fused: Vec<(Hit, f64)> = Vec::new();
    for ranking in [semantic, keyword] {
        for (rank, hit) in ranking.iter().enumerate() {
            let score = 1.0 / (rank as f64 + k);
            match fused.iter_mut().find(|(h, _)| h.id == hit.id) {
                Some((_, total)) => *total += score,
                None => fused.push((hit.clone(), score)),
            }
        }
    }
    // Stable: ties keep first-seen order, as Python's sort.
    fused.sort_by(|a, b| b.1.total_cmp(&a.1));
    fused.truncate(n);
    fused
}

meta_node!(
    /// `vector.chroma.HybridSearch`: semantic and keyword results fused by reciprocal rank.
    HybridSearch,
    "vector.chroma.HybridSearch",
    Buffered,
    cacheable = false,
    tool = false
);

impl HybridSearch {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let text = props.str("text");
        if text.trim().is_empty() {
            return Err(NodeError::failed("Search text cannot be empty"));
        }
        let n = size(props, "n_results")?;
        let opened = open(ctx, props).await?;
        let embedding = opened.embed(ctx, &text).await?;
        let Opened { store, info, .. } = opened;
        let user = ctx.user_id();
        let semantic_query = Query::nearest(embedding, n * 2);
        let semantic = store
            .query(user, &info.name, &semantic_query)
            .await
            .map_err(failed)?;
        let min_length = size(props, "min_keyword_length")?;
        let keyword = match keyword_filter(&text, min_length) {
            Some(filter) => {
                let query = Query {
                    document: Some(filter),
                    ..semantic_query.clone()
                };
                store
                    .query(user, &info.name, &query)
                    .await
                    .map_err(failed)?
            }
            None => semantic.clone(),
        };
        let fused = fuse(&semantic, &keyword, props.float("k_constant")?, n);
        let hits: Vec<Hit> = fused.iter().map(|(h, _)| h.clone()).collect();
        send_hits(outputs, &hits).await?;
        let scores: Vec<f64> = fused.iter().map(|(_, s)| *s).collect();
        outputs.send_named("scores", json!(scores)).await
    }
}

meta_node!(
    /// `vector.chroma.RemoveOverlap`: drops the words each text repeats from the end of the
    /// one before it (at least `min_overlap_words`), as NodeTool does.
    RemoveOverlap,
    "vector.chroma.RemoveOverlap",
    Buffered,
    cacheable = true,
    tool = false
);

/// NodeTool's overlap removal over `documents`.
pub fn remove_overlap(documents: &[String], min_words: usize) -> Vec<String> {
    let mut result: Vec<String> = Vec::with_capacity(documents.len());
    for doc in documents {
        let Some(previous) = result.last() else {
            result.push(doc.clone());
            continue;
        };
        let before: Vec<&str> = previous.split_whitespace().collect();
        let words: Vec<&str> = doc.split_whitespace().collect();
        let overlap = if before.len() < min_words || words.len() < min_words {
            0
        } else {
            (min_words..=before.len().min(words.len()))
                .rev()
                .find(|&k| before[before.len() - k..] == words[..k])
                .unwrap_or(0)
        };
        if overlap == 0 {
            result.push(doc.clone());
        } else if overlap < words.len() {
            result.push(words[overlap..].join(" "));
        }
    }
    result
}

impl RemoveOverlap {
    async fn run(
        props: &Props,
        _ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let documents: Vec<String> = props
            .get("documents")
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect();
        let min = size(props, "min_overlap_words")?;
        outputs
            .send_named("documents", json!(remove_overlap(&documents, min)))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(id: &str) -> Hit {
        Hit {
            id: id.into(),
            document: Some(id.into()),
            metadata: Map::new(),
            distance: 0.0,
        }
    }

    #[test]
    fn keywords_are_nodetools() {
        assert_eq!(keyword_filter("an AI", 3), None);
        assert_eq!(
            keyword_filter("What are Transformers?", 3),
            Some(DocumentFilter::Or(vec![
                DocumentFilter::Contains("what".into()),
                DocumentFilter::Contains("are".into()),
                DocumentFilter::Contains("transformers".into()),
            ]))
        );
        assert_eq!(
            keyword_filter("long-context", 5),
            Some(DocumentFilter::Contains("context".into()))
        );
    }

    #[test]
    fn fusion_sums_reciprocal_ranks() {
        let semantic = [hit("a"), hit("b"), hit("c")];
        let keyword = [hit("c"), hit("d")];
        let fused = fuse(&semantic, &keyword, 60.0, 3);
        let ids: Vec<&str> = fused.iter().map(|(h, _)| h.id.as_str()).collect();
        // c: 1/62 + 1/60 beats a: 1/60.
        assert_eq!(ids, ["c", "a", "b"]);
        assert!((fused[0].1 - (1.0 / 62.0 + 1.0 / 60.0)).abs() < 1e-12);
    }

    #[test]
    fn overlaps_are_removed_as_nodetool_does() {
        let docs: Vec<String> = ["the quick brown fox", "brown fox jumps over", "over"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            remove_overlap(&docs, 2),
            ["the quick brown fox", "jumps over", "over"]
        );
        assert!(remove_overlap(&[], 2).is_empty());
    }
}
