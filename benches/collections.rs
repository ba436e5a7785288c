//! The embedded collection store: index throughput (vectors per second, stored in SQLite in
//! batches of 1,000) and query latency (p50 / p99 of 200 queries for the 10 nearest, exact
//! scan) at 10,000 and 100,000 random unit vectors of dimension 384, in a temporary folder.
//!
//! `cargo bench --bench collections` (optionally `-- SIZES`, comma-separated).

use nodetool::collections::{EmbeddedStore, Query, Record, VectorStore};
use serde_json::Map;
use std::time::{Duration, Instant};

const DIM: usize = 384;

/// A small deterministic generator (xorshift), so runs compare.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    }

    fn unit(&mut self) -> Vec<f32> {
        let v: Vec<f32> = (0..DIM).map(|_| self.next()).collect();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / norm).collect()
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

async fn measure(size: usize) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let store = EmbeddedStore::open(dir.path())
        .await
        .expect("the store opens");
    store
        .create("bench", "c", Map::new(), false)
        .await
        .expect("created");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let started = Instant::now();
    for batch in 0..size.div_ceil(1000) {
        let records = (0..1000.min(size - batch * 1000))
            .map(|i| Record {
                id: format!("v{}", batch * 1000 + i),
                document: Some(format!("document {}", batch * 1000 + i)),
                metadata: Map::new(),
                embedding: rng.unit(),
            })
            .collect();
        store.upsert("bench", "c", records).await.expect("stored");
    }
    let indexed = started.elapsed();
    // The first query loads the collection into memory: reported apart.
    let first = Instant::now();
    store
        .query("bench", "c", &Query::nearest(rng.unit(), 10))
        .await
        .expect("queried");
    let load = first.elapsed();
    let mut times = Vec::with_capacity(200);
    for _ in 0..200 {
        let query = Query::nearest(rng.unit(), 10);
        let t = Instant::now();
        let hits = store.query("bench", "c", &query).await.expect("queried");
        times.push(t.elapsed());
        assert_eq!(hits.len(), 10);
    }
    times.sort();
    println!(
        "{size:>7} vectors: index {:>9.0} vectors/s ({:.2} s), load {:>7.1} ms, query p50 {:>6.2} ms, p99 {:>6.2} ms",
        size as f64 / indexed.as_secs_f64(),
        indexed.as_secs_f64(),
        load.as_secs_f64() * 1000.0,
        percentile(&times, 0.5).as_secs_f64() * 1000.0,
        percentile(&times, 0.99).as_secs_f64() * 1000.0,
    );
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(|a| a.split(',').filter_map(|s| s.parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 100_000]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    println!("embedded collection store, dimension {DIM}, exact scan, 10 nearest:");
    for size in sizes {
        runtime.block_on(measure(size));
    }
}
