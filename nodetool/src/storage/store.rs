//! [`Storage`]: bytes by key in memory, in a local folder, or in an S3-compatible bucket
//! (object_store), streamed both ways so large objects are never held whole.

use crate::config::{Environment, StorageKind};
use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path as ObjectPath;
use object_store::signer::Signer;
use object_store::{ObjectStore, PutPayload, WriteMultipart};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Parts of a streamed upload (S3's minimum part size is 5 MiB).
const PART_SIZE: usize = 8 * 1024 * 1024;

/// Why a storage operation failed. Keys are named; credentials never are.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The key is not a plain relative path.
    #[error("invalid storage key `{key}`: {reason}")]
    InvalidKey {
        /// The key.
        key: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Nothing is stored under the key.
    #[error("no object `{key}` in storage")]
    NotFound {
        /// The key.
        key: String,
    },
    /// The storage could not be set up.
    #[error("storage configuration: {0}")]
    Config(String),
    /// The backend failed.
    #[error("storage `{key}`: {message}")]
    Backend {
        /// The key.
        key: String,
        /// What the backend said.
        message: String,
    },
    /// A stream being stored failed.
    #[error("storing `{key}`: the source failed: {message}")]
    Source {
        /// The key.
        key: String,
        /// What the source said.
        message: String,
    },
}

impl StorageError {
    fn backend(key: &str, error: object_store::Error) -> Self {
        match error {
            object_store::Error::NotFound { .. } => StorageError::NotFound {
                key: key.to_owned(),
            },
            other => StorageError::Backend {
                key: key.to_owned(),
                message: other.to_string(),
            },
        }
    }
}

/// Where an S3-compatible bucket is, and how to sign in.
#[derive(Clone, Default)]
pub struct S3Options {
    /// The bucket.
    pub bucket: String,
    /// The endpoint (`http://127.0.0.1:9000` for a local server); AWS when `None`.
    pub endpoint: Option<String>,
    /// The region (`us-east-1` when empty).
    pub region: String,
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
}

impl fmt::Debug for S3Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Options")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &"<redacted>")
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}

/// A stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    /// Its key.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
}

/// Bytes by key: memory, a local folder, or an S3-compatible bucket.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use nodetool::storage::Storage;
/// let storage = Storage::memory();
/// storage.put("notes/a.txt", "hello".into()).await?;
/// assert_eq!(&storage.get("notes/a.txt").await?[..], b"hello");
/// assert!(storage.put("../escape", "x".into()).await.is_err());
/// # Ok::<(), nodetool::storage::StorageError>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    s3: Option<Arc<AmazonS3>>,
    root: Option<PathBuf>,
    describe: String,
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe)
    }
}

impl Storage {
    /// Objects in memory (tests; gone when the last clone is dropped).
    pub fn memory() -> Self {
        Self {
            store: Arc::new(InMemory::new()),
            s3: None,
            root: None,
            describe: "Storage(memory)".to_owned(),
        }
    }

    /// Objects as files under `root` (created if missing).
    pub fn local(root: impl AsRef<Path>) -> Result<Self, StorageError> {
        let root = root.as_ref();
        std::fs::create_dir_all(root)
            .map_err(|e| StorageError::Config(format!("cannot create {}: {e}", root.display())))?;
        let root = &root
            .canonicalize()
            .map_err(|e| StorageError::Config(format!("cannot resolve {}: {e}", root.display())))?;
        let store = LocalFileSystem::new_with_prefix(root)
            .map_err(|e| StorageError::Config(format!("{}: {e}", root.display())))?;
        Ok(Self {
            store: Arc::new(store),
            s3: None,
            root: Some(root.to_owned()),
            describe: format!("Storage(local {})", root.display()),
        })
    }

    /// Objects in an S3-compatible bucket.
    pub fn s3(options: &S3Options) -> Result<Self, StorageError> {
        if options.bucket.is_empty() {
            return Err(StorageError::Config(
                "S3 storage needs a bucket (ASSET_BUCKET)".into(),
            ));
        }
        let region = if options.region.is_empty() {
            "us-east-1"
        } else {
            &options.region
        };
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&options.bucket)
            .with_region(region);
        // Without keys, object_store finds credentials itself (instance profile, web identity).
        if !options.access_key_id.is_empty() {
            builder = builder
                .with_access_key_id(&options.access_key_id)
                .with_secret_access_key(&options.secret_access_key);
        }
        if let Some(endpoint) = options.endpoint.as_deref().filter(|e| !e.is_empty()) {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        let s3 =
            Arc::new(builder.build().map_err(|e| {
                StorageError::Config(format!("S3 bucket `{}`: {e}", options.bucket))
            })?);
        Ok(Self {
            store: Arc::clone(&s3) as Arc<dyn ObjectStore>,
            s3: Some(s3),
            root: None,
            describe: format!(
                "Storage(s3 {} at {})",
                options.bucket,
                options.endpoint.as_deref().unwrap_or("AWS")
            ),
        })
    }

    /// The storage the environment configures: memory in the test environment; S3 when
    /// `S3_ENDPOINT_URL` or `S3_ACCESS_KEY_ID` is set (bucket `ASSET_BUCKET`, keys
    /// `S3_ACCESS_KEY_ID` / `S3_SECRET_ACCESS_KEY`, region `S3_REGION`); else the folder
    /// `ASSET_BUCKET` names, or `assets` beside the database.
    pub fn from_env(env: &Environment) -> Result<Self, StorageError> {
        match env.storage_kind() {
            StorageKind::Memory => Ok(Self::memory()),
            StorageKind::S3 => Self::s3(&S3Options {
                bucket: env.get_or("ASSET_BUCKET", "").to_owned(),
                endpoint: env.get("S3_ENDPOINT_URL").map(str::to_owned),
                region: env.get_or("S3_REGION", "").to_owned(),
                access_key_id: env.get_or("S3_ACCESS_KEY_ID", "").to_owned(),
                secret_access_key: env.get_or("S3_SECRET_ACCESS_KEY", "").to_owned(),
            }),
            StorageKind::Local => {
                let folder = match env
                    .get("ASSET_BUCKET")
                    .filter(|b| Path::new(b).is_absolute())
                {
                    Some(folder) => PathBuf::from(folder),
                    None => Path::new(env.get_or("DB_PATH", "nodetool.sqlite3"))
                        .parent()
                        .unwrap_or(Path::new("."))
                        .join("assets"),
                };
                Self::local(folder)
            }
        }
    }

    /// Stores `bytes` under `key` (replacing what was there); the size stored.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<u64, StorageError> {
        let path = object_key(key)?;
        let size = bytes.len() as u64;
        self.store
            .put(&path, PutPayload::from(bytes))
            .await
            .map_err(|e| StorageError::backend(key, e))?;
        Ok(size)
    }

    /// Stores a stream of chunks under `key` without holding it whole (multipart upload in
    /// 8 MiB parts); the size stored. If the stream fails, nothing is stored.
    pub async fn put_stream<S, E>(&self, key: &str, stream: S) -> Result<u64, StorageError>
    where
        S: futures_util::Stream<Item = Result<Bytes, E>> + Send,
        E: fmt::Display,
    {
        let path = object_key(key)?;
        let upload = self
            .store
            .put_multipart(&path)
            .await
            .map_err(|e| StorageError::backend(key, e))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        let mut size = 0u64;
        let mut stream = std::pin::pin!(stream);
        while let Some(chunk) = stream.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(StorageError::Source {
                        key: key.to_owned(),
                        message: e.to_string(),
                    });
                }
            };
            // Bounds what is buffered: at most a few parts are in flight.
            if let Err(e) = writer.wait_for_capacity(2).await {
                let _ = writer.abort().await;
                return Err(StorageError::backend(key, e));
            }
            size += chunk.len() as u64;
            writer.put(chunk);
        }
        // Every part uploaded (aborting the upload if one failed), then the object completed.
        if let Err(e) = writer.wait_for_capacity(0).await {
            let _ = writer.abort().await;
            return Err(StorageError::backend(key, e));
        }
        writer
            .finish()
            .await
            .map_err(|e| StorageError::backend(key, e))?;
        Ok(size)
    }

    /// Starts reading the object.
    async fn fetch(&self, key: &str) -> Result<object_store::GetResult, StorageError> {
        let path = object_key(key)?;
        self.store
            .get(&path)
            .await
            .map_err(|e| StorageError::backend(key, e))
    }

    /// The whole object.
    pub async fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        self.fetch(key)
            .await?
            .bytes()
            .await
            .map_err(|e| StorageError::backend(key, e))
    }

    /// The object as a stream of chunks.
    pub async fn get_stream(
        &self,
        key: &str,
    ) -> Result<BoxStream<'static, Result<Bytes, StorageError>>, StorageError> {
        let result = self.fetch(key).await?;
        let owned = key.to_owned();
        Ok(result
            .into_stream()
            .map_err(move |e| StorageError::backend(&owned, e))
            .boxed())
    }

    /// The object's size.
    pub async fn size(&self, key: &str) -> Result<u64, StorageError> {
        let path = object_key(key)?;
        let meta = self
            .store
            .head(&path)
            .await
            .map_err(|e| StorageError::backend(key, e))?;
        Ok(meta.size)
    }

    /// Whether something is stored under `key`.
    pub async fn exists(&self, key: &str) -> Result<bool, StorageError> {
        match self.size(key).await {
            Ok(_) => Ok(true),
            Err(StorageError::NotFound { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Deletes the object (nothing to delete is not an error).
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let path = object_key(key)?;
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(StorageError::backend(key, e)),
        }
    }

    /// Every object whose key starts with the folder `prefix` (`""`: all), by key.
    pub async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StorageError> {
        let path = if prefix.is_empty() {
            None
        } else {
            Some(object_key(prefix)?)
        };
        let mut objects: Vec<ObjectInfo> = self
            .store
            .list(path.as_ref())
            .map_ok(|meta| ObjectInfo {
                key: meta.location.to_string(),
                size: meta.size,
            })
            .try_collect()
            .await
            .map_err(|e| StorageError::backend(prefix, e))?;
        objects.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(objects)
    }

    /// A URL for the object: on S3 a presigned GET valid for `expires`; for local files a
    /// `file://` URL; in memory none.
    pub async fn url(&self, key: &str, expires: Duration) -> Result<Option<String>, StorageError> {
        let path = object_key(key)?;
        if let Some(s3) = &self.s3 {
            let url = s3
                .signed_url(http::Method::GET, &path, expires)
                .await
                .map_err(|e| StorageError::backend(key, e))?;
            return Ok(Some(url.to_string()));
        }
        Ok(self
            .root
            .as_ref()
            .and_then(|root| url::Url::from_file_path(root.join(path.as_ref())).ok())
            .map(|url| url.to_string()))
    }
}

/// `key` as an object path: relative, `/`-separated, no empty, `.` or `..` segments, no
/// backslashes or control characters.
pub fn object_key(key: &str) -> Result<ObjectPath, StorageError> {
    let invalid = |reason| {
        Err(StorageError::InvalidKey {
            key: key.to_owned(),
            reason,
        })
    };
    if key.is_empty() {
        return invalid("it is empty");
    }
    if key.starts_with('/') {
        return invalid("it is absolute");
    }
    if key.contains('\\') || key.chars().any(char::is_control) {
        return invalid("it holds a backslash or a control character");
    }
    if key
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return invalid("it has an empty, `.` or `..` segment");
    }
    // Local storage names its partial uploads `name#N`: such keys work on no backend here.
    if key
        .rsplit_once('#')
        .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    {
        return invalid("it ends in `#` and digits (reserved for partial uploads)");
    }
    ObjectPath::parse(key).or_else(|_| invalid("it is not a valid object path"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_plain_relative_paths() {
        for ok in ["a", "a/b.txt", "user-1/assets/x.png"] {
            assert!(object_key(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../b",
            "a//b",
            "a\\b",
            "a/./b",
            "a\nb",
            "a/b#1",
        ] {
            assert!(object_key(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn debug_never_shows_s3_keys() {
        let options = S3Options {
            bucket: "b".into(),
            access_key_id: "AKIDSECRET".into(),
            secret_access_key: "verysecret".into(),
            ..S3Options::default()
        };
        let shown = format!("{options:?}");
        assert!(
            !shown.contains("AKIDSECRET") && !shown.contains("verysecret"),
            "{shown}"
        );
    }
}
