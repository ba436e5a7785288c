//! A 100 MB object streamed into storage and back with bounded memory, on local files and on
//! S3 (moto's server: `NODETOOL_TEST_MOTO_URL`; skipped with a message without it). The
//! test binary's allocator counts the bytes alive, so the peak is measured, not guessed.

use bytes::Bytes;
use futures_util::StreamExt;
use nodetool::storage::{S3Options, Storage};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const TOTAL: usize = 100 * 1024 * 1024;
const CHUNK: usize = 1024 * 1024;

/// 100 MiB in 1 MiB chunks made as they are asked for: chunk `i` is filled with byte `i`.
fn source() -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    futures_util::stream::iter(0..TOTAL / CHUNK).map(|i| Ok(Bytes::from(vec![i as u8; CHUNK])))
}

/// One measurement at a time: the counters are global to the test binary, and `cargo test`
/// runs tests on parallel threads.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Streams 100 MiB in and out; the peak of live heap above the start, in MiB.
async fn round_trip(storage: &Storage) -> usize {
    let _measuring = ONE_AT_A_TIME.lock().await;
    let baseline = LIVE.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    let stored = storage
        .put_stream("big/object.bin", source())
        .await
        .expect("stored");
    assert_eq!(stored as usize, TOTAL);
    assert_eq!(
        storage.size("big/object.bin").await.unwrap() as usize,
        TOTAL
    );
    let mut stream = storage.get_stream("big/object.bin").await.unwrap();
    let (mut read, mut position) = (0usize, 0usize);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        for (offset, byte) in chunk.iter().enumerate() {
            let expected = ((position + offset) / CHUNK) as u8;
            assert_eq!(*byte, expected, "byte {} differs", position + offset);
        }
        position += chunk.len();
        read += chunk.len();
    }
    assert_eq!(read, TOTAL);
    storage.delete("big/object.bin").await.unwrap();
    PEAK.load(Ordering::Relaxed).saturating_sub(baseline) / (1024 * 1024)
}

#[tokio::test]
async fn a_100_mb_object_streams_through_local_files_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let storage = Storage::local(dir.path()).unwrap();
    let peak = round_trip(&storage).await;
    eprintln!("local files: peak {peak} MiB above the start for 100 MiB");
    assert!(peak < 40, "peak {peak} MiB: the object was held in memory");
}

#[tokio::test]
async fn a_100_mb_object_streams_through_s3_in_bounded_memory() {
    let Ok(url) = std::env::var("NODETOOL_TEST_MOTO_URL") else {
        eprintln!("skipped on S3: NODETOOL_TEST_MOTO_URL is not set (.ci/run starts moto)");
        return;
    };
    let bucket = format!("nodetool-large-{}", uuid::Uuid::new_v4().simple());
    let created = reqwest::Client::new()
        .put(format!("{url}/{bucket}"))
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success());
    let storage = Storage::s3(&S3Options {
        bucket,
        endpoint: Some(url),
        region: "us-east-1".into(),
        access_key_id: "testing".into(),
        secret_access_key: "testing".into(),
    })
    .unwrap();
    let peak = round_trip(&storage).await;
    eprintln!("S3: peak {peak} MiB above the start for 100 MiB");
    assert!(peak < 40, "peak {peak} MiB: the object was held in memory");
}
