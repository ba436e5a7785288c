//! Nodes that save to and load from the run's user's assets (feature `assets`): NodeTool's
//! `nodetool.list.SaveList`, `nodetool.text.SaveText` and `nodetool.text.LoadTextAssets`.
//! The run needs an asset store (`ProcessingContextBuilder::assets`); the server gives one.

use crate::json::py_str;
use crate::text_io::timestamped_name;
use base64::Engine as _;
use nodetool::metadata::{FolderRef, TextRef};
use nodetool::prelude::*;
use serde_json::{json, Value};

/// A NodeTool asset reference of `kind` holding `bytes` as a `mime` data URI.
pub fn data_ref(kind: &str, mime: &str, bytes: &[u8]) -> Value {
    let uri = format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    );
    json!({"type": kind, "uri": uri, "asset_id": null, "data": null, "metadata": null})
}

/// Stores `text` as a new text asset named `name` (in folder `parent`).
async fn save_text(
    ctx: &ProcessingContext,
    name: &str,
    text: String,
    parent: Option<&str>,
) -> Result<TextRef> {
    let asset = ctx
        .create_asset_in(name, "text/plain", text.into_bytes().into(), parent)
        .await?;
    Ok(TextRef {
        uri: asset.uri,
        asset_id: asset.asset_id,
        data: None,
    })
}

/// Saves a list to a text file, placing each element on a new line.
/// list, save, file, serialize
///
/// Each element as Python's `str()` (`True`, `None`, `{'a': 1}`); `name` may hold
/// `strftime` directives (UTC).
#[node(namespace = "nodetool.list")]
pub async fn save_list(
    ctx: &ProcessingContext,
    #[input(default)] values: Vec<Value>,
    /// Name of the output file. You can use time and date variables to create unique names: %Y - Year, %m - Month, %d - Day, %H - Hour, %M - Minute, %S - Second
    #[input(default = "text.txt", title = "Name")]
    name: String,
) -> Result<TextRef> {
    let text = values.iter().map(py_str).collect::<Vec<_>>().join("\n");
    save_text(ctx, &timestamped_name(&name)?, text, None).await
}

/// Saves input text to a file in the assets folder.
/// text, save, file
///
/// Into `folder` (an asset folder) when one is given, else at the top of the user's assets.
#[node(namespace = "nodetool.text", name = "SaveText")]
pub async fn save_text_asset(
    ctx: &ProcessingContext,
    #[input(default = "")] text: String,
    /// Name of the output folder.
    #[input(default)]
    folder: FolderRef,
    /// Name of the output file. You can use time and date variables to create unique names: %Y - Year, %m - Month, %d - Day, %H - Hour, %M - Minute, %S - Second
    #[input(default = "%Y-%m-%d-%H-%M-%S.txt")]
    name: String,
) -> Result<TextRef> {
    let parent = folder.asset_id.as_deref().filter(|id| !id.is_empty());
    save_text(ctx, &timestamped_name(&name)?, text, parent).await
}

/// The outputs of [`LoadTextAssets`]: each text asset and its name.
#[derive(Outputs)]
pub struct TextAsset {
    /// The asset.
    pub text: TextRef,
    /// Its name.
    pub name: String,
}

/// Load text files from an asset folder.
/// load, text, file, import
///
/// Streams every text asset in the folder (its reference and name), oldest first.
#[node(namespace = "nodetool.text", streaming_output)]
pub struct LoadTextAssets {
    /// The asset folder to load the text files from.
    #[input(default)]
    pub folder: FolderRef,
}

impl GenProcess for LoadTextAssets {
    type Item = TextAsset;

    async fn gen_process(
        &self,
        ctx: &ProcessingContext,
        mut out: Emitter<'_, TextAsset>,
    ) -> Result<()> {
        let folder = self
            .folder
            .asset_id
            .as_deref()
            .filter(|id| !id.is_empty())
            .ok_or("folder: Please select an asset folder.")?;
        let store = ctx
            .asset_store()
            .ok_or("this run has no asset store to load from")?;
        for asset in store.list(ctx.user_id(), Some(folder)).await? {
            if asset.content_type.starts_with("text/") {
                out.emit(TextAsset {
                    text: TextRef::from_asset(asset.id),
                    name: asset.name,
                })
                .await?;
            }
        }
        Ok(())
    }
}
