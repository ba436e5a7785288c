//! [`AssetStore`]: users' assets — records in the database, bytes in [`Storage`] — and the
//! [`ProcessingContext`] helpers nodes use to read and create them.

use super::store::{Storage, StorageError};
use crate::metadata::AssetRef;
use crate::models::asset::storage_key;
use crate::models::{Asset, Database, ModelError};
use crate::workflows::ProcessingContext;
use crate::workspace::WorkspaceError;
use base64::Engine;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use std::sync::Arc;

/// Why an asset could not be read or stored.
#[derive(Debug, thiserror::Error)]
pub enum AssetError {
    /// No such asset for this user (or it is someone else's).
    #[error("asset `{id}` not found")]
    NotFound {
        /// The asset id.
        id: String,
    },
    /// The storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The database failed.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A workspace path was refused or could not be read.
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
    /// The reference cannot be read here.
    #[error("cannot read asset reference `{uri}`: {reason}")]
    Unreadable {
        /// The reference's uri.
        uri: String,
        /// Why.
        reason: String,
    },
}

/// Users' assets: the record in `nodetool_assets`, the bytes in storage under a per-user key.
#[derive(Debug, Clone)]
pub struct AssetStore {
    db: Database,
    storage: Storage,
}

impl AssetStore {
    /// Assets recorded in `db` with their bytes in `storage`.
    pub fn new(db: Database, storage: Storage) -> Self {
        Self { db, storage }
    }

    /// The storage holding the bytes.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// Stores `bytes` as a new asset of `user_id`.
    pub async fn create(
        &self,
        user_id: &str,
        name: &str,
        content_type: &str,
        bytes: Bytes,
        parent_id: Option<&str>,
    ) -> Result<Asset, AssetError> {
        let id = uuid::Uuid::now_v7().to_string();
        let size = self.storage.put(&storage_key(user_id, &id), bytes).await?;
        self.record(&id, user_id, name, content_type, size, parent_id)
            .await
    }

    /// Stores a stream of chunks as a new asset of `user_id`, never holding it whole.
    pub async fn create_from_stream<S, E>(
        &self,
        user_id: &str,
        name: &str,
        content_type: &str,
        stream: S,
    ) -> Result<Asset, AssetError>
    where
        S: futures_util::Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        let id = uuid::Uuid::now_v7().to_string();
        let size = self
            .storage
            .put_stream(&storage_key(user_id, &id), stream)
            .await?;
        self.record(&id, user_id, name, content_type, size, None)
            .await
    }

    async fn record(
        &self,
        id: &str,
        user_id: &str,
        name: &str,
        content_type: &str,
        size: u64,
        parent_id: Option<&str>,
    ) -> Result<Asset, AssetError> {
        let size = i64::try_from(size).unwrap_or(i64::MAX);
        match Asset::create(&self.db, id, user_id, name, content_type, size, parent_id).await {
            Ok(asset) => Ok(asset),
            Err(error) => {
                // No record, no bytes: nothing is left behind unreachable.
                let _ = self.storage.delete(&storage_key(user_id, id)).await;
                Err(error.into())
            }
        }
    }

    /// `user_id`'s asset `id`.
    pub async fn find(&self, user_id: &str, id: &str) -> Result<Asset, AssetError> {
        Asset::find(&self.db, user_id, id)
            .await?
            .ok_or_else(|| AssetError::NotFound { id: id.to_owned() })
    }

    /// The bytes of `user_id`'s asset `id`.
    pub async fn read(&self, user_id: &str, id: &str) -> Result<Bytes, AssetError> {
        let asset = self.find(user_id, id).await?;
        Ok(self.storage.get(&asset.storage_key()).await?)
    }

    /// The bytes of `user_id`'s asset `id`, as a stream.
    pub async fn open(
        &self,
        user_id: &str,
        id: &str,
    ) -> Result<BoxStream<'static, Result<Bytes, StorageError>>, AssetError> {
        let asset = self.find(user_id, id).await?;
        Ok(self.storage.get_stream(&asset.storage_key()).await?)
    }

    /// `user_id`'s assets in folder `parent_id` (`None`: at the top).
    pub async fn list(
        &self,
        user_id: &str,
        parent_id: Option<&str>,
    ) -> Result<Vec<Asset>, AssetError> {
        Ok(Asset::list(&self.db, user_id, parent_id, crate::models::MAX_PAGE).await?)
    }

    /// Deletes `user_id`'s asset `id`, record and bytes; whether there was one.
    pub async fn delete(&self, user_id: &str, id: &str) -> Result<bool, AssetError> {
        let Some(asset) = Asset::find(&self.db, user_id, id).await? else {
            return Ok(false);
        };
        Asset::delete(&self.db, user_id, id).await?;
        self.storage.delete(&asset.storage_key()).await?;
        Ok(true)
    }
}

/// The NodeTool reference type for a MIME type.
pub fn kind_for(content_type: &str) -> &'static str {
    match content_type.split('/').next().unwrap_or_default() {
        "image" => "image",
        "audio" => "audio",
        "video" => "video",
        "text" => "text",
        _ if content_type == "application/pdf" => "document",
        _ => "asset",
    }
}

impl ProcessingContext {
    /// The bytes a reference points at: its asset (the run's user's), a `file://` path inside
    /// the workspace, a `data:` URI, or inline string `data`.
    pub async fn asset_bytes(&self, reference: &AssetRef) -> Result<Bytes, AssetError> {
        let unreadable = |reason: &str| AssetError::Unreadable {
            uri: reference.uri.clone(),
            reason: reason.to_owned(),
        };
        if let Some(id) = reference.asset_id.as_deref().filter(|id| !id.is_empty()) {
            let store = self
                .asset_store()
                .ok_or_else(|| unreadable("this run has no asset store"))?;
            return store.read(self.user_id(), id).await;
        }
        if reference.uri.starts_with("file://") {
            let workspace = self
                .workspace()
                .ok_or_else(|| unreadable("this run has no workspace"))?;
            // Percent-decoded, `localhost` allowed, as file URLs are.
            let path = url::Url::parse(&reference.uri)
                .ok()
                .and_then(|u| u.to_file_path().ok())
                .ok_or_else(|| unreadable("not a valid file URL"))?;
            let relative = match path.strip_prefix(workspace.root()) {
                Ok(inside) => inside.to_string_lossy().into_owned(),
                // Resolve refuses it, naming the path.
                Err(_) => path.to_string_lossy().into_owned(),
            };
            return Ok(Bytes::from(workspace.read(&relative)?));
        }
        if let Some(rest) = reference.uri.strip_prefix("data:") {
            let (meta, payload) = rest
                .split_once(',')
                .ok_or_else(|| unreadable("a data URI needs a comma"))?;
            return if meta.to_ascii_lowercase().ends_with(";base64") {
                base64::engine::general_purpose::STANDARD
                    .decode(payload)
                    .map(Bytes::from)
                    .map_err(|e| unreadable(&format!("bad base64: {e}")))
            } else {
                Ok(Bytes::from(payload.to_owned()))
            };
        }
        if let Some(serde_json::Value::String(text)) = &reference.data {
            return Ok(Bytes::from(text.clone()));
        }
        Err(unreadable(if reference.uri.is_empty() {
            "it names no asset, uri or data"
        } else {
            "unsupported scheme (use an asset, file:// in the workspace, or data:)"
        }))
    }

    /// Stores `bytes` as a new asset of the run's user and returns a reference to it.
    pub async fn create_asset(
        &self,
        name: &str,
        content_type: &str,
        bytes: Bytes,
    ) -> Result<AssetRef, AssetError> {
        self.create_asset_in(name, content_type, bytes, None).await
    }

    /// [`create_asset`](Self::create_asset) inside the folder asset `parent_id`.
    pub async fn create_asset_in(
        &self,
        name: &str,
        content_type: &str,
        bytes: Bytes,
        parent_id: Option<&str>,
    ) -> Result<AssetRef, AssetError> {
        let store = self.asset_store().ok_or_else(|| AssetError::Unreadable {
            uri: name.to_owned(),
            reason: "this run has no asset store".to_owned(),
        })?;
        let asset = store
            .create(self.user_id(), name, content_type, bytes, parent_id)
            .await?;
        Ok(AssetRef {
            kind: kind_for(content_type).to_owned(),
            uri: String::new(),
            asset_id: Some(asset.id),
            data: None,
        })
    }

    /// The run's asset store, if it has one.
    pub fn asset_store(&self) -> Option<&Arc<AssetStore>> {
        self.storage_scope().assets.as_ref()
    }
}

/// What a context knows of storage.
#[derive(Debug, Clone, Default)]
pub struct StorageScope {
    /// Where assets are.
    pub assets: Option<Arc<AssetStore>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_map_to_reference_kinds() {
        assert_eq!(kind_for("image/png"), "image");
        assert_eq!(kind_for("text/plain"), "text");
        assert_eq!(kind_for("application/pdf"), "document");
        assert_eq!(kind_for("application/octet-stream"), "asset");
    }
}
