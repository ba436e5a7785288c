//! `nodetool collections list|create|delete|index|query`: a user's vector collections in the
//! store the settings name (`CHROMA_PATH`).

use anyhow::{bail, Context};
use clap::Subcommand;
use nodetool::collections::{
    chunk_by_characters, embed_for, embed_query, split_by_sentences, split_markdown,
    split_recursively, store_for, Chunk, CollectionInfo, Query, Record, VectorStore,
};
use nodetool::config::Environment;
use nodetool_std_nodes::document::document_text;
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
    /// Index documents (plain text, markdown, HTML, PDF), cut into pieces: ids `FILE#N`.
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
        /// How to cut: `characters` (at whitespace), `recursive` (paragraphs, then lines,
        /// then words), `sentences`, or `markdown` (at headings, then recursively).
        #[arg(long, value_enum, default_value_t = Split::Characters)]
        split: Split,
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

/// How `collections index` cuts a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Split {
    /// Pieces of at most the chunk size, cut at whitespace, overlapping.
    Characters,
    /// LangChain's recursive splitter: paragraphs, then lines, then words.
    Recursive,
    /// Whole sentences gathered up to the chunk size.
    Sentences,
    /// Sections at markdown headings, then recursively.
    Markdown,
}

/// `text` cut as `split` says: each piece, where it starts, and its markdown section.
fn pieces(text: &str, split: Split, size: usize, overlap: usize) -> Vec<(Chunk, Option<String>)> {
    const WORDS: [&str; 4] = ["\n\n", "\n", " ", ""];
    let plain = |chunks: Vec<Chunk>| chunks.into_iter().map(|c| (c, None)).collect();
    match split {
        Split::Characters => plain(chunk_by_characters(text, size, overlap)),
        Split::Recursive => plain(split_recursively(text, size, overlap, &WORDS)),
        Split::Sentences => plain(split_by_sentences(text, size)),
        Split::Markdown => split_markdown(text, 3)
            .into_iter()
            .flat_map(|section| {
                let path = section.path();
                split_recursively(&section.text, size, overlap, &WORDS)
                    .into_iter()
                    .map(move |c| {
                        let chunk = Chunk {
                            start: section.start + c.start,
                            text: c.text,
                        };
                        (chunk, Some(path.clone()).filter(|p| !p.is_empty()))
                    })
            })
            .collect(),
    }
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
            split,
        } => {
            // Sentences are whole: they do not overlap.
            if chunk_size == 0 || (overlap >= chunk_size && split != Split::Sentences) {
                bail!(
                    "--chunk-size must be positive and --overlap below it (got {chunk_size} and {overlap})"
                );
            }
            let info = collection(store.as_ref(), user, &name).await?;
            let mut total = 0;
            for file in files {
                let bytes =
                    std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
                let text = document_text(&bytes)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
                let cut = pieces(&text, split, chunk_size, overlap);
                let texts: Vec<String> = cut.iter().map(|(c, _)| c.text.clone()).collect();
                let vectors = embed_for(&env, &info, &texts, &Default::default())
                    .await
                    .with_context(|| format!("embedding {}", file.display()))?;
                let source = file.display().to_string();
                let records: Vec<Record> = cut
                    .into_iter()
                    .zip(vectors)
                    .enumerate()
                    .map(|(i, ((chunk, section), embedding))| {
                        let mut metadata =
                            json!({"source": source, "chunk": i, "start": chunk.start});
                        if let (Some(section), Some(m)) = (section, metadata.as_object_mut()) {
                            m.insert("section".into(), section.into());
                        }
                        Record {
                            id: format!("{source}#{i}"),
                            document: Some(chunk.text),
                            metadata: metadata.as_object().cloned().unwrap_or_default(),
                            embedding,
                        }
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
