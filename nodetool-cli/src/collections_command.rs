//! `nodetool collections list|create|delete|index|query`: a user's vector collections in the
//! store the settings name (`CHROMA_PATH`).

use anyhow::{bail, Context};
use clap::Subcommand;
use nodetool::collections::{
    embed_for, embed_query, split_by_characters, store_for, CollectionInfo, Query, Record,
    VectorStore,
};
use nodetool::config::Environment;
use serde_json::{json, Map};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// What `nodetool collections` does.
#[derive(Debug, Subcommand)]
pub enum CollectionsCommand {
    /// The user's collections: name, size, dimension, embedding model.
    List,
    /// Create a collection whose texts `--provider`'s `--model` embeds.
    Create {
        /// The name (letters, digits, `.`, `_`, `-`).
        name: String,
        /// The embedding model.
        #[arg(long)]
        model: String,
        /// The provider of the model (`ollama`, `openai`, `gemini`, OpenAI-compatible servers).
        #[arg(long, default_value = "ollama")]
        provider: String,
        /// How distances are measured: `l2`, `cosine` or `ip`.
        #[arg(long, default_value = "l2")]
        space: String,
    },
    /// Delete a collection and its records.
    Delete {
        /// The collection.
        name: String,
    },
    /// Index text files (plain text, markdown), cut into overlapping pieces: ids `FILE#N`.
    Index {
        /// The collection.
        name: String,
        /// The files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The most characters in a piece.
        #[arg(long, default_value_t = 1000)]
        chunk_size: usize,
        /// How many characters a piece repeats of the one before.
        #[arg(long, default_value_t = 100)]
        overlap: usize,
    },
    /// The pieces nearest a text, nearest first.
    Query {
        /// The collection.
        name: String,
        /// The text.
        text: String,
        /// How many results.
        #[arg(short = 'n', long, default_value_t = 5)]
        n_results: usize,
        /// Print the results as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Collection `name` of `user`'s, or an error naming it.
async fn collection(
    store: &dyn VectorStore,
    user: &str,
    name: &str,
) -> anyhow::Result<CollectionInfo> {
    store
        .get(user, name)
        .await?
        .with_context(|| format!("collection `{name}` does not exist"))
}

/// Runs `command` as `user`.
pub async fn collections(user: &str, command: CollectionsCommand) -> anyhow::Result<ExitCode> {
    let env = Environment::load().context("reading the settings")?;
    let store = store_for(&env).await?;
    let mut out = std::io::stdout().lock();
    match command {
        CollectionsCommand::List => {
            for c in store.list(user).await? {
                let model = c
                    .embedding_model()
                    .map(|(p, m)| format!("{p}:{m}"))
                    .unwrap_or_else(|_| "-".to_owned());
                let dimension = c.dimension.map_or("-".to_owned(), |d| d.to_string());
                writeln!(
                    out,
                    "{}\t{} records\t{dimension} dimensions\t{model}",
                    c.name, c.count
                )?;
            }
        }
        CollectionsCommand::Create {
            name,
            model,
            provider,
            space,
        } => {
            let mut metadata = Map::new();
            metadata.insert("embedding_model".into(), json!(model));
            metadata.insert("embedding_provider".into(), json!(provider));
            metadata.insert("hnsw:space".into(), json!(space));
            store.create(user, &name, metadata, false).await?;
            writeln!(out, "created {name}")?;
        }
        CollectionsCommand::Delete { name } => {
            if !store.delete(user, &name).await? {
                bail!("collection `{name}` does not exist");
            }
            writeln!(out, "deleted {name}")?;
        }
        CollectionsCommand::Index {
            name,
            files,
            chunk_size,
            overlap,
        } => {
            let info = collection(store.as_ref(), user, &name).await?;
            let mut total = 0;
            for file in files {
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?;
                let pieces = split_by_characters(&text, chunk_size, overlap);
                let vectors = embed_for(&env, &info, &pieces, &Default::default())
                    .await
                    .with_context(|| format!("embedding {}", file.display()))?;
                let source = file.display().to_string();
                let records: Vec<Record> = pieces
                    .into_iter()
                    .zip(vectors)
                    .enumerate()
                    .map(|(i, (piece, embedding))| Record {
                        id: format!("{source}#{i}"),
                        document: Some(piece),
                        metadata: json!({"source": source, "chunk": i})
                            .as_object()
                            .cloned()
                            .unwrap_or_default(),
                        embedding,
                    })
                    .collect();
                total += records.len();
                store.upsert(user, &name, records).await?;
            }
            writeln!(out, "indexed {total} pieces into {name}")?;
        }
        CollectionsCommand::Query {
            name,
            text,
            n_results,
            json,
        } => {
            let info = collection(store.as_ref(), user, &name).await?;
            let embedding = embed_query(&env, &info, &text, &Default::default()).await?;
            let hits = store
                .query(user, &name, &Query::nearest(embedding, n_results))
                .await?;
            for hit in hits {
                if json {
                    let line = json!({"id": hit.id, "distance": hit.distance,
                                      "document": hit.document, "metadata": hit.metadata});
                    writeln!(out, "{line}")?;
                } else {
                    let text = hit.document.unwrap_or_default().replace('\n', " ");
                    writeln!(out, "{}\t{:.4}\t{text}", hit.id, hit.distance)?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
