//! [`NodeCache`]: results of cacheable nodes, keyed by node type and property values, kept in
//! memory up to a size bound (least recently used first out), optionally saved to a file.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::sync::{Mutex, MutexGuard};

/// One cached firing: the values sent on each output, in order.
pub type CachedOutputs = Vec<(String, Value)>;

#[derive(Debug, Default)]
struct Lru {
    entries: HashMap<String, Entry>,
    /// Last use → key: the oldest first.
    order: BTreeMap<u64, String>,
    bytes: usize,
    clock: u64,
}

#[derive(Debug)]
struct Entry {
    /// The outputs as JSON text: what is held is what is counted (shared, so readers parse
    /// it after releasing the lock).
    outputs: Arc<str>,
    size: usize,
    used: u64,
}

/// A bounded cache of node results, shared by runs through the
/// [`ProcessingContext`](super::ProcessingContext) (`builder().cache(…)`).
///
/// A node type marked `cacheable` whose inputs are all plain values (not streams) is looked
/// up before it runs: on a hit its outputs are sent again and its code does not run.
///
/// ```
/// use nodetool::workflows::NodeCache;
/// use serde_json::json;
/// let cache = NodeCache::new(1 << 20);
/// let key = NodeCache::key("1", "lib.math.Add", json!({"a": 1, "b": 2}).as_object().unwrap().clone());
/// assert!(cache.get(&key).is_none());
/// cache.put(key.clone(), vec![("output".into(), json!(3))]);
/// assert_eq!(cache.get(&key).unwrap()[0].1, json!(3));
/// ```
#[derive(Debug)]
pub struct NodeCache {
    lru: Mutex<Lru>,
    max_bytes: usize,
    hits: AtomicU64,
    misses: AtomicU64,
}

#[derive(Serialize, Deserialize)]
struct Saved {
    entries: Vec<(String, CachedOutputs)>,
}

impl NodeCache {
    /// A cache holding at most `max_bytes` of results (counted as their JSON text, keys and
    /// bookkeeping: what the cache holds).
    pub fn new(max_bytes: usize) -> Self {
        Self {
            lru: Mutex::new(Lru::default()),
            max_bytes,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Lru> {
        self.lru.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The key of a firing: whose run it is, the node type and its property values (objects'
    /// keys sorted, so equal values give equal keys). The user is part of it because a node's
    /// result may depend on what only that user can read (an asset behind an id). Kept as a
    /// SHA-256 digest: property values (tokens among them) are never held or saved.
    pub fn key(user_id: &str, node_type: &str, properties: Map<String, Value>) -> String {
        use sha2::Digest;
        // JSON-encoded parts: no separator inside one part can be mistaken for the next.
        let encoded = Value::Array(vec![
            Value::String(user_id.to_owned()),
            Value::String(node_type.to_owned()),
            sorted(Value::Object(properties)),
        ])
        .to_string();
        sha2::Sha256::digest(encoded.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The outputs cached under `key`, marking them recently used.
    pub fn get(&self, key: &str) -> Option<CachedOutputs> {
        let mut lru = self.lock();
        lru.clock += 1;
        let now = lru.clock;
        let Some(entry) = lru.entries.get_mut(key) else {
            self.misses.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        let before = std::mem::replace(&mut entry.used, now);
        let text = Arc::clone(&entry.outputs);
        lru.order.remove(&before);
        lru.order.insert(now, key.to_owned());
        drop(lru);
        self.hits.fetch_add(1, Ordering::Relaxed);
        serde_json::from_str(&text).ok()
    }

    /// Caches `outputs` under `key`, dropping the least recently used entries beyond the
    /// bound (an entry larger than the whole bound is not kept).
    pub fn put(&self, key: String, outputs: CachedOutputs) {
        let Ok(text) = serde_json::to_string(&outputs) else {
            return;
        };
        // The key is held twice (entry and order), the text once, plus bookkeeping.
        let size = 2 * key.len() + text.len() + 64;
        if size > self.max_bytes {
            return;
        }
        let mut lru = self.lock();
        if let Some(old) = lru.entries.remove(&key) {
            lru.order.remove(&old.used);
            lru.bytes -= old.size;
        }
        while lru.bytes + size > self.max_bytes {
            let Some((_, oldest)) = lru.order.pop_first() else {
                break;
            };
            if let Some(gone) = lru.entries.remove(&oldest) {
                lru.bytes -= gone.size;
            }
        }
        lru.clock += 1;
        let now = lru.clock;
        lru.order.insert(now, key.clone());
        lru.bytes += size;
        lru.entries.insert(
            key,
            Entry {
                outputs: Arc::from(text),
                size,
                used: now,
            },
        );
    }

    /// How many entries are cached.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// About how many bytes the entries take.
    pub fn size_bytes(&self) -> usize {
        self.lock().bytes
    }

    /// (hits, misses) since the cache was made.
    pub fn stats(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    /// Writes every entry to `path` as JSON (oldest first), atomically.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let texts: Vec<(String, Arc<str>)> = {
            let lru = self.lock();
            lru.order
                .values()
                .filter_map(|k| Some((k.clone(), Arc::clone(&lru.entries.get(k)?.outputs))))
                .collect()
        };
        let saved = Saved {
            entries: texts
                .into_iter()
                .filter_map(|(k, text)| Some((k, serde_json::from_str(&text).ok()?)))
                .collect(),
        };
        let text = serde_json::to_vec(&saved).map_err(std::io::Error::other)?;
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, text)?;
        std::fs::rename(tmp, path)
    }

    /// A cache bounded by `max_bytes` holding what [`NodeCache::save`] wrote to `path` (a
    /// missing file is an empty cache).
    pub fn load(path: &Path, max_bytes: usize) -> std::io::Result<Self> {
        let cache = Self::new(max_bytes);
        let text = match std::fs::read(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(cache),
            Err(e) => return Err(e),
        };
        let saved: Saved = serde_json::from_slice(&text).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}: {e}", path.display()),
            )
        })?;
        for (key, outputs) in saved.entries {
            cache.put(key, outputs);
        }
        Ok(cache)
    }
}

/// `value` with every object's keys in sorted order (maps keep insertion order).
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn out(v: Value) -> CachedOutputs {
        vec![("output".into(), v)]
    }

    #[test]
    fn keys_do_not_depend_on_property_order() {
        let a = json!({"x": 1, "y": {"b": 2, "a": 1}});
        let b = json!({"y": {"a": 1, "b": 2}, "x": 1});
        assert_eq!(
            NodeCache::key("1", "t", a.as_object().unwrap().clone()),
            NodeCache::key("1", "t", b.as_object().unwrap().clone())
        );
        assert_ne!(
            NodeCache::key("1", "t", a.as_object().unwrap().clone()),
            NodeCache::key("1", "u", a.as_object().unwrap().clone())
        );
        assert_ne!(
            NodeCache::key("1", "t", a.as_object().unwrap().clone()),
            NodeCache::key("2", "t", a.as_object().unwrap().clone()),
            "users never share results"
        );
    }

    #[test]
    fn the_least_recently_used_entry_goes_first() {
        let cache = NodeCache::new(270);
        cache.put("a".into(), out(json!("1234567890")));
        cache.put("b".into(), out(json!("1234567890")));
        assert!(cache.get("a").is_some()); // a is now the most recent
        cache.put("c".into(), out(json!("1234567890")));
        assert!(cache.get("b").is_none(), "b was the least recently used");
        assert!(cache.get("a").is_some() && cache.get("c").is_some());
        assert!(cache.size_bytes() <= 270);
        cache.put("huge".into(), out(json!("x".repeat(300))));
        assert!(
            cache.get("huge").is_none(),
            "larger than the bound: not kept"
        );
        assert_eq!(cache.stats().1, 2);
    }

    #[test]
    fn a_saved_cache_loads_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.json");
        let cache = NodeCache::new(1 << 20);
        cache.put("k".into(), out(json!({"v": [1, 2]})));
        cache.save(&path).unwrap();
        let loaded = NodeCache::load(&path, 1 << 20).unwrap();
        assert_eq!(loaded.get("k"), Some(out(json!({"v": [1, 2]}))));
        assert!(NodeCache::load(&dir.path().join("none.json"), 10)
            .unwrap()
            .is_empty());
    }
}
