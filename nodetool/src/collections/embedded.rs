//! [`EmbeddedStore`]: collections in a SQLite file, searched exactly in memory.
//!
//! Records live in `nodetool-collections.sqlite3` in the store's folder (WAL, so readers do
//! not wait for writers). Each collection's vectors are loaded once into one contiguous array
//! (dropped when the collection changes) and a query scans it: exact results, with no index
//! to build or tune; at 100,000 vectors of dimension 384 a scan reads 150 MB of floats.

use super::{CollectionError, CollectionInfo, Hit, Query, Record, VectorStore};
use crate::workflows::BoxFuture;
use serde_json::{Map, Value};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::Row;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// The file in the store's folder.
pub const STORE_FILE: &str = "nodetool-collections.sqlite3";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS nodetool_collections (
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    metadata TEXT NOT NULL,
    dimension INTEGER,
    PRIMARY KEY (user_id, name)
);
CREATE TABLE IF NOT EXISTS nodetool_collection_records (
    user_id TEXT NOT NULL,
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    document TEXT,
    metadata TEXT NOT NULL,
    embedding BLOB NOT NULL,
    PRIMARY KEY (user_id, collection, id)
);";

/// How distances are measured (the collection's `hnsw:space`, as Chroma names them).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Space {
    /// Squared Euclidean distance (Chroma's default).
    L2,
    /// 1 − cosine similarity.
    Cosine,
    /// 1 − dot product.
    Ip,
}

impl Space {
    fn of(metadata: &Map<String, Value>) -> Result<Self, CollectionError> {
        match metadata.get("hnsw:space").and_then(Value::as_str) {
            None | Some("l2") => Ok(Self::L2),
            Some("cosine") => Ok(Self::Cosine),
            Some("ip") => Ok(Self::Ip),
            Some(other) => Err(CollectionError::Invalid(format!(
                "hnsw:space `{other}`: use l2, cosine or ip"
            ))),
        }
    }

    fn distance(self, a: &[f32], b: &[f32]) -> f32 {
        match self {
            Self::L2 => a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum(),
            Self::Ip => 1.0 - dot(a, b),
            Self::Cosine => {
                let norms = (dot(a, a) * dot(b, b)).sqrt();
                if norms == 0.0 {
                    1.0
                } else {
                    1.0 - dot(a, b) / norms
                }
            }
        }
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// One collection's records, loaded for search.
#[derive(Debug)]
struct Loaded {
    space: Space,
    dimension: usize,
    ids: Vec<String>,
    documents: Vec<Option<String>>,
    metadata: Vec<Map<String, Value>>,
    /// Every vector, one after another.
    vectors: Vec<f32>,
}

impl Loaded {
    fn search(&self, query: &Query) -> Vec<Hit> {
        let mut scored: Vec<(f32, usize)> = (0..self.ids.len())
            .filter(|&i| {
                query
                    .filter
                    .as_ref()
                    .is_none_or(|f| f.matches(&self.metadata[i]))
                    && query
                        .document
                        .as_ref()
                        .is_none_or(|f| self.documents[i].as_deref().is_some_and(|d| f.matches(d)))
            })
            .map(|i| {
                let v = &self.vectors[i * self.dimension..(i + 1) * self.dimension];
                (self.space.distance(&query.embedding, v), i)
            })
            .collect();
        let n = query.n_results.min(scored.len());
        if n == 0 {
            return Vec::new();
        }
        let by_distance =
            |a: &(f32, usize), b: &(f32, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
        if n < scored.len() {
            scored.select_nth_unstable_by(n - 1, by_distance);
            scored.truncate(n);
        }
        scored.sort_unstable_by(by_distance);
        scored
            .into_iter()
            .map(|(distance, i)| Hit {
                id: self.ids[i].clone(),
                document: self.documents[i].clone(),
                metadata: self.metadata[i].clone(),
                distance,
            })
            .collect()
    }
}

type Key = (String, String);

/// What writes and loads need of a collection.
struct Header {
    metadata: Map<String, Value>,
    dimension: Option<usize>,
}

/// Collections in a SQLite file in one folder (see the [module](self) documentation).
#[derive(Debug)]
pub struct EmbeddedStore {
    pool: SqlitePool,
    folder: PathBuf,
    loaded: Mutex<HashMap<Key, Arc<Loaded>>>,
}

fn store_error(e: impl std::fmt::Display) -> CollectionError {
    CollectionError::Store(e.to_string())
}

fn check_name(name: &str) -> Result<(), CollectionError> {
    let ok = !name.is_empty()
        && name.len() <= 512
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(CollectionError::InvalidName(name.to_owned()))
    }
}

fn to_blob(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn from_blob(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

fn metadata_of(text: &str) -> Map<String, Value> {
    serde_json::from_str(text).unwrap_or_default()
}

impl EmbeddedStore {
    /// Opens (creating) the store in `folder`.
    pub async fn open(folder: &Path) -> Result<Self, CollectionError> {
        std::fs::create_dir_all(folder).map_err(|e| {
            CollectionError::Store(format!("cannot create {}: {e}", folder.display()))
        })?;
        let options = SqliteConnectOptions::new()
            .filename(folder.join(STORE_FILE))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(std::time::Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| CollectionError::Store(format!("{}: {e}", folder.display())))?;
        sqlx::raw_sql(SCHEMA)
            .execute(&pool)
            .await
            .map_err(store_error)?;
        Ok(Self {
            pool,
            folder: folder.to_owned(),
            loaded: Mutex::default(),
        })
    }

    /// The store in `folder`, opened once per process and shared.
    pub async fn shared(folder: &Path) -> Result<Arc<Self>, CollectionError> {
        static OPEN: OnceLock<tokio::sync::Mutex<HashMap<PathBuf, Arc<EmbeddedStore>>>> =
            OnceLock::new();
        let mut open = OPEN.get_or_init(Default::default).lock().await;
        if let Some(store) = open.get(folder) {
            return Ok(Arc::clone(store));
        }
        let store = Arc::new(Self::open(folder).await?);
        open.insert(folder.to_owned(), Arc::clone(&store));
        Ok(store)
    }

    /// The folder it keeps its file in.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    fn forget(&self, user: &str, name: &str) {
        self.loaded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&(user.to_owned(), name.to_owned()));
    }

    /// `user`'s collections (only `name`, when given) with their sizes, by name: one query.
    async fn infos(
        &self,
        user: &str,
        name: Option<&str>,
    ) -> Result<Vec<CollectionInfo>, CollectionError> {
        let rows = sqlx::query(
            "SELECT c.name, c.metadata, c.dimension, COUNT(r.id) FROM nodetool_collections c \
             LEFT JOIN nodetool_collection_records r ON r.user_id = c.user_id AND r.collection = c.name \
             WHERE c.user_id = ? AND (? IS NULL OR c.name = ?) GROUP BY c.name ORDER BY c.name",
        )
        .bind(user)
        .bind(name)
        .bind(name)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(rows
            .iter()
            .map(|row| CollectionInfo {
                name: row.get(0),
                metadata: metadata_of(row.get::<&str, _>(1)),
                dimension: row.get::<Option<i64>, _>(2).map(|d| d as usize),
                count: row.get::<i64, _>(3) as usize,
            })
            .collect())
    }

    async fn info(
        &self,
        user: &str,
        name: &str,
    ) -> Result<Option<CollectionInfo>, CollectionError> {
        Ok(self.infos(user, Some(name)).await?.pop())
    }

    /// Collection `name`'s metadata and dimension (no count: writes and loads need no more).
    async fn header(&self, user: &str, name: &str) -> Result<Header, CollectionError> {
        let row = sqlx::query(
            "SELECT metadata, dimension FROM nodetool_collections WHERE user_id = ? AND name = ?",
        )
        .bind(user)
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?
        .ok_or_else(|| CollectionError::NotFound(name.to_owned()))?;
        Ok(Header {
            metadata: metadata_of(row.get::<&str, _>(0)),
            dimension: row.get::<Option<i64>, _>(1).map(|d| d as usize),
        })
    }

    async fn load(&self, user: &str, name: &str) -> Result<Arc<Loaded>, CollectionError> {
        let key = (user.to_owned(), name.to_owned());
        if let Some(loaded) = self
            .loaded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return Ok(Arc::clone(loaded));
        }
        let info = self.header(user, name).await?;
        let rows = sqlx::query(
            "SELECT id, document, metadata, embedding FROM nodetool_collection_records \
             WHERE user_id = ? AND collection = ? ORDER BY rowid",
        )
        .bind(user)
        .bind(name)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        let dimension = info.dimension.unwrap_or(0);
        let mut loaded = Loaded {
            space: Space::of(&info.metadata)?,
            dimension,
            ids: Vec::with_capacity(rows.len()),
            documents: Vec::with_capacity(rows.len()),
            metadata: Vec::with_capacity(rows.len()),
            vectors: Vec::with_capacity(rows.len() * dimension),
        };
        for row in rows {
            loaded.ids.push(row.get(0));
            loaded.documents.push(row.get(1));
            loaded.metadata.push(metadata_of(row.get::<&str, _>(2)));
            loaded.vectors.extend(from_blob(row.get::<&[u8], _>(3)));
        }
        let loaded = Arc::new(loaded);
        self.loaded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, Arc::clone(&loaded));
        Ok(loaded)
    }
}

impl VectorStore for EmbeddedStore {
    fn create<'a>(
        &'a self,
        user: &'a str,
        name: &'a str,
        metadata: Map<String, Value>,
        get_or_create: bool,
    ) -> BoxFuture<'a, Result<CollectionInfo, CollectionError>> {
        Box::pin(async move {
            check_name(name)?;
            Space::of(&metadata)?;
            let inserted = sqlx::query(
                "INSERT INTO nodetool_collections (user_id, name, metadata) VALUES (?, ?, ?) \
                 ON CONFLICT (user_id, name) DO NOTHING",
            )
            .bind(user)
            .bind(name)
            .bind(Value::Object(metadata).to_string())
            .execute(&self.pool)
            .await
            .map_err(store_error)?
            .rows_affected();
            if inserted == 0 && !get_or_create {
                return Err(CollectionError::Exists(name.to_owned()));
            }
            self.info(user, name)
                .await?
                .ok_or_else(|| CollectionError::NotFound(name.to_owned()))
        })
    }

    fn get<'a>(
        &'a self,
        user: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<CollectionInfo>, CollectionError>> {
        Box::pin(self.info(user, name))
    }

    fn list<'a>(
        &'a self,
        user: &'a str,
    ) -> BoxFuture<'a, Result<Vec<CollectionInfo>, CollectionError>> {
        Box::pin(self.infos(user, None))
    }

    fn delete<'a>(
        &'a self,
        user: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<bool, CollectionError>> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await.map_err(store_error)?;
            sqlx::query(
                "DELETE FROM nodetool_collection_records WHERE user_id = ? AND collection = ?",
            )
            .bind(user)
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
            let gone =
                sqlx::query("DELETE FROM nodetool_collections WHERE user_id = ? AND name = ?")
                    .bind(user)
                    .bind(name)
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?
                    .rows_affected();
            tx.commit().await.map_err(store_error)?;
            self.forget(user, name);
            Ok(gone > 0)
        })
    }

    fn upsert<'a>(
        &'a self,
        user: &'a str,
        name: &'a str,
        records: Vec<Record>,
    ) -> BoxFuture<'a, Result<(), CollectionError>> {
        Box::pin(async move {
            let info = self.header(user, name).await?;
            let expected = info
                .dimension
                .or_else(|| records.first().map(|r| r.embedding.len()));
            for record in &records {
                if record.id.is_empty() {
                    return Err(CollectionError::Invalid("a record id is empty".to_owned()));
                }
                if record.embedding.is_empty() || record.embedding.iter().any(|x| !x.is_finite()) {
                    return Err(CollectionError::Invalid(format!(
                        "record `{}`: the vector is empty or not finite",
                        record.id
                    )));
                }
                if Some(record.embedding.len()) != expected {
                    return Err(CollectionError::Dimension {
                        name: name.to_owned(),
                        expected: expected.unwrap_or(0),
                        got: record.embedding.len(),
                    });
                }
            }
            let mut tx = self.pool.begin().await.map_err(store_error)?;
            if info.dimension.is_none() {
                sqlx::query(
                    "UPDATE nodetool_collections SET dimension = ? WHERE user_id = ? AND name = ?",
                )
                .bind(expected.map(|d| d as i64))
                .bind(user)
                .bind(name)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
            }
            for record in &records {
                sqlx::query(
                    "INSERT INTO nodetool_collection_records (user_id, collection, id, document, metadata, embedding) \
                     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, collection, id) DO UPDATE SET \
                     document = excluded.document, metadata = excluded.metadata, embedding = excluded.embedding",
                )
                .bind(user)
                .bind(name)
                .bind(&record.id)
                .bind(&record.document)
                .bind(Value::Object(record.metadata.clone()).to_string())
                .bind(to_blob(&record.embedding))
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
            }
            tx.commit().await.map_err(store_error)?;
            self.forget(user, name);
            Ok(())
        })
    }

    fn remove<'a>(
        &'a self,
        user: &'a str,
        name: &'a str,
        ids: &'a [String],
    ) -> BoxFuture<'a, Result<usize, CollectionError>> {
        Box::pin(async move {
            self.header(user, name).await?;
            let mut tx = self.pool.begin().await.map_err(store_error)?;
            let mut removed = 0;
            for id in ids {
                removed += sqlx::query(
                    "DELETE FROM nodetool_collection_records WHERE user_id = ? AND collection = ? AND id = ?",
                )
                .bind(user)
                .bind(name)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?
                .rows_affected() as usize;
            }
            tx.commit().await.map_err(store_error)?;
            self.forget(user, name);
            Ok(removed)
        })
    }

    fn records<'a>(
        &'a self,
        user: &'a str,
        name: &'a str,
        ids: &'a [String],
        limit: usize,
        offset: usize,
    ) -> BoxFuture<'a, Result<Vec<Record>, CollectionError>> {
        Box::pin(async move {
            self.header(user, name).await?;
            let mut sql = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "SELECT id, document, metadata, embedding FROM nodetool_collection_records WHERE user_id = ",
            );
            sql.push_bind(user)
                .push(" AND collection = ")
                .push_bind(name);
            if !ids.is_empty() {
                sql.push(" AND id IN (");
                let mut list = sql.separated(", ");
                for id in ids {
                    list.push_bind(id);
                }
                sql.push(")");
            }
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let offset = i64::try_from(offset).unwrap_or(i64::MAX);
            sql.push(" ORDER BY rowid LIMIT ")
                .push_bind(limit)
                .push(" OFFSET ")
                .push_bind(offset);
            let rows = sql
                .build()
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
            Ok(rows
                .iter()
                .map(|row| Record {
                    id: row.get(0),
                    document: row.get(1),
                    metadata: metadata_of(row.get::<&str, _>(2)),
                    embedding: from_blob(row.get::<&[u8], _>(3)),
                })
                .collect())
        })
    }

    fn query<'a>(
        &'a self,
        user: &'a str,
        name: &'a str,
        query: &'a Query,
    ) -> BoxFuture<'a, Result<Vec<Hit>, CollectionError>> {
        Box::pin(async move {
            let loaded = self.load(user, name).await?;
            if loaded.ids.is_empty() {
                return Ok(Vec::new());
            }
            if query.embedding.len() != loaded.dimension {
                return Err(CollectionError::Dimension {
                    name: name.to_owned(),
                    expected: loaded.dimension,
                    got: query.embedding.len(),
                });
            }
            // A scan of a large collection takes milliseconds: off the async workers.
            if loaded.ids.len() * loaded.dimension < 1 << 16 {
                return Ok(loaded.search(query));
            }
            let query = query.clone();
            tokio::task::spawn_blocking(move || loaded.search(&query))
                .await
                .map_err(store_error)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(id: &str, v: &[f32], meta: Value, doc: &str) -> Record {
        Record {
            id: id.into(),
            document: Some(doc.into()),
            metadata: meta.as_object().cloned().unwrap_or_default(),
            embedding: v.to_vec(),
        }
    }

    #[tokio::test]
    async fn records_persist_across_reopening_and_upsert_replaces() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = EmbeddedStore::open(dir.path()).await.unwrap();
            store.create("u", "docs", Map::new(), false).await.unwrap();
            store
                .upsert(
                    "u",
                    "docs",
                    vec![
                        record("a", &[1.0, 0.0], json!({"k": 1}), "alpha"),
                        record("b", &[0.0, 1.0], json!({}), "beta"),
                    ],
                )
                .await
                .unwrap();
            store
                .upsert(
                    "u",
                    "docs",
                    vec![record("a", &[0.5, 0.5], json!({"k": 2}), "alpha two")],
                )
                .await
                .unwrap();
        }
        let store = EmbeddedStore::open(dir.path()).await.unwrap();
        let info = store.get("u", "docs").await.unwrap().unwrap();
        assert_eq!((info.count, info.dimension), (2, Some(2)));
        let all = store.records("u", "docs", &[], 10, 0).await.unwrap();
        assert_eq!(all[0].document.as_deref(), Some("alpha two"));
        assert_eq!(all[0].embedding, [0.5, 0.5]);
        assert_eq!(all[0].metadata["k"], 2);
        assert_eq!(
            store
                .remove("u", "docs", &["b".into(), "zz".into()])
                .await
                .unwrap(),
            1
        );
        assert_eq!(store.get("u", "docs").await.unwrap().unwrap().count, 1);
        assert!(store.delete("u", "docs").await.unwrap());
        assert!(store.get("u", "docs").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn wrong_dimensions_names_and_spaces_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(dir.path()).await.unwrap();
        store.create("u", "c", Map::new(), false).await.unwrap();
        assert!(matches!(
            store.create("u", "c", Map::new(), false).await,
            Err(CollectionError::Exists(_))
        ));
        store.create("u", "c", Map::new(), true).await.unwrap();
        store
            .upsert("u", "c", vec![record("a", &[1.0, 2.0], json!({}), "")])
            .await
            .unwrap();
        let err = store
            .upsert("u", "c", vec![record("b", &[1.0], json!({}), "")])
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "collection `c`: its vectors have 2 dimensions, this one has 1"
        );
        let err = store
            .query("u", "c", &Query::nearest(vec![1.0, 2.0, 3.0], 1))
            .await
            .unwrap_err();
        assert!(matches!(err, CollectionError::Dimension { got: 3, .. }));
        assert!(matches!(
            store.create("u", "bad name!", Map::new(), false).await,
            Err(CollectionError::InvalidName(_))
        ));
        let space = json!({"hnsw:space": "manhattan"})
            .as_object()
            .cloned()
            .unwrap();
        assert!(store
            .create("u", "d", space, false)
            .await
            .unwrap_err()
            .to_string()
            .contains("manhattan"));
        assert!(matches!(
            store.upsert("u", "nope", vec![]).await,
            Err(CollectionError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn queries_rank_by_the_collections_space_and_filter() {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(dir.path()).await.unwrap();
        let cosine = json!({"hnsw:space": "cosine"})
            .as_object()
            .cloned()
            .unwrap();
        store.create("u", "c", cosine, false).await.unwrap();
        store
            .upsert(
                "u",
                "c",
                vec![
                    record("far", &[10.0, 10.0], json!({"year": 2020}), "rust vectors"),
                    record("near", &[0.1, 0.0], json!({"year": 2024}), "python vectors"),
                    record("mid", &[1.0, 0.3], json!({"year": 2024}), "rust search"),
                ],
            )
            .await
            .unwrap();
        // Cosine ignores length: `near` points exactly along the query.
        let hits = store
            .query("u", "c", &Query::nearest(vec![5.0, 0.0], 3))
            .await
            .unwrap();
        let ids: Vec<&str> = hits.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["near", "mid", "far"]);
        assert!(hits[0].distance.abs() < 1e-6);
        let mut q = Query::nearest(vec![5.0, 0.0], 5);
        q.filter = Some(super::super::MetadataFilter::parse(&json!({"year": 2024})).unwrap());
        q.document =
            Some(super::super::DocumentFilter::parse(&json!({"$contains": "rust"})).unwrap());
        let hits = store.query("u", "c", &q).await.unwrap();
        assert_eq!(
            hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
            ["mid"]
        );
    }
}
