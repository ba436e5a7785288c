//! Assets: a local text file becomes an asset, a workflow counts its words and saves the
//! counts as a new asset, and the program prints where the bytes went.
//!
//! Storage is a local folder and the database SQLite, both under `target/example-assets/`
//! (set `S3_ENDPOINT_URL` and friends to use S3 instead: `Storage::from_env`).
//!
//! Run: `cargo run --example assets`

use anyhow::Context;
use bytes::Bytes;
use nodetool::metadata::TextRef;
use nodetool::models::Database;
use nodetool::prelude::*;
use nodetool::storage::{AssetStore, Storage};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Counts the words of a text asset, most frequent first, as "word: count" lines.
#[node(namespace = "example.assets")]
pub async fn word_frequencies(
    ctx: &ProcessingContext,
    #[input(default)] text: TextRef,
) -> Result<String> {
    let bytes = ctx.asset_bytes(&text.to_asset_ref()).await?;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for word in String::from_utf8_lossy(&bytes).split(|c: char| !c.is_alphanumeric()) {
        if !word.is_empty() {
            *counts.entry(word.to_lowercase()).or_default() += 1;
        }
    }
    let mut ranked: Vec<(String, usize)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(ranked.iter().map(|(w, n)| format!("{w}: {n}\n")).collect())
}

/// Saves a text as a new asset of the run's user.
#[node(namespace = "example.assets")]
pub async fn save_text(
    ctx: &ProcessingContext,
    #[input(default = "result.txt")] name: String,
    #[input(default)] text: String,
) -> Result<TextRef> {
    let saved = ctx
        .create_asset(&name, "text/plain", Bytes::from(text))
        .await?;
    Ok(TextRef {
        asset_id: saved.asset_id,
        ..TextRef::default()
    })
}

/// Imports the poem, runs the workflow; returns the word counts and the new asset's id.
async fn run(base: &Path) -> anyhow::Result<(String, String)> {
    let storage = Storage::local(base.join("objects"))?;
    let db = Database::sqlite(&base.join("nodetool.sqlite3")).await?;
    let store = Arc::new(AssetStore::new(db, storage.clone()));
    let user = "1";

    let poem_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/poem.txt");
    let poem = std::fs::read(&poem_path).with_context(|| poem_path.display().to_string())?;
    let source = store
        .create(user, "poem.txt", "text/plain", Bytes::from(poem), None)
        .await?;
    println!("imported {} as asset {}", poem_path.display(), source.id);

    let wf = workflow! {
        counts = WordFrequencies { text: TextRef::from_asset(source.id.clone()) };
        saved = SaveText { name: "poem-words.txt", text: counts.output };
        Output { name: "counts", value: counts.output };
        Output { name: "saved", value: saved.output };
    };
    let ctx = ProcessingContext::builder()
        .user_id(user)
        .assets(Arc::clone(&store))
        .build();
    let result = wf.run(&ctx).await?;
    let new_id = result
        .saved
        .asset_id
        .clone()
        .context("the saved asset has an id")?;
    let asset = store.find(user, &new_id).await?;
    let url = storage
        .url(&asset.storage_key(), Duration::from_secs(3600))
        .await?;
    println!(
        "saved asset {} ({} bytes, {}) at {}",
        asset.id,
        asset.size.unwrap_or_default(),
        asset.content_type,
        url.unwrap_or_else(|| asset.storage_key())
    );
    Ok((result.counts, new_id))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/example-assets");
    let (counts, _) = run(&base).await?;
    print!("{counts}");
    Ok(())
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn the_counts_are_saved_as_a_new_asset() {
        let dir = tempfile::tempdir().unwrap();
        let (counts, id) = super::run(dir.path()).await.unwrap();
        assert!(counts.starts_with("the: 5\n"), "{counts}");
        assert!(counts.contains("river: 2\n"));
        let objects: Vec<_> = walk(&dir.path().join("objects"));
        assert!(objects.iter().any(|p| p.ends_with(&id)), "{objects:?}");
    }

    fn walk(dir: &std::path::Path) -> Vec<String> {
        let mut all = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                all.extend(walk(&path));
            } else {
                all.push(path.display().to_string());
            }
        }
        all
    }
}
