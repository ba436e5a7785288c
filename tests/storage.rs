//! Storage, assets, workspace paths and the node result cache. One suite runs on memory,
//! local files and S3 (moto's server, started by `.ci/run`: `NODETOOL_TEST_MOTO_URL`; skipped
//! with a message without it).

mod common;

use bytes::Bytes;
use futures_util::StreamExt;
use nodetool::metadata::AssetRef;
use nodetool::models::Database;
use nodetool::prelude::*;
use nodetool::storage::{AssetError, AssetStore, S3Options, Storage, StorageError, Workspace};
use nodetool::workflows::NodeCache;
use serde_json::{json, Map};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A fresh bucket on the local S3 server, if there is one.
async fn s3_storage() -> Option<Storage> {
    let Ok(url) = std::env::var("NODETOOL_TEST_MOTO_URL") else {
        eprintln!("skipped on S3: NODETOOL_TEST_MOTO_URL is not set (.ci/run starts moto)");
        return None;
    };
    let bucket = format!("nodetool-test-{}", uuid::Uuid::new_v4().simple());
    let created = reqwest::Client::new()
        .put(format!("{url}/{bucket}"))
        .send()
        .await
        .expect("the S3 server answers");
    assert!(
        created.status().is_success(),
        "bucket not created: {}",
        created.status()
    );
    Some(
        Storage::s3(&S3Options {
            bucket,
            endpoint: Some(url),
            region: "us-east-1".into(),
            access_key_id: "testing".into(),
            secret_access_key: "testing".into(),
        })
        .expect("S3 storage"),
    )
}

/// Memory, a local folder and (when available) S3.
async fn backends(dir: &std::path::Path) -> Vec<Storage> {
    let mut all = vec![
        Storage::memory(),
        Storage::local(dir.join("objects")).unwrap(),
    ];
    all.extend(s3_storage().await);
    all
}

#[tokio::test]
async fn every_backend_stores_streams_lists_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    for storage in backends(dir.path()).await {
        let name = format!("{storage:?}");
        assert_eq!(
            storage
                .put("docs/a.txt", Bytes::from("alpha"))
                .await
                .unwrap(),
            5,
            "{name}"
        );
        storage
            .put("docs/b.txt", Bytes::from("beta"))
            .await
            .unwrap();
        storage
            .put("other/c.txt", Bytes::from("gamma"))
            .await
            .unwrap();
        assert_eq!(
            &storage.get("docs/a.txt").await.unwrap()[..],
            b"alpha",
            "{name}"
        );
        storage
            .put("docs/a.txt", Bytes::from("alpha 2"))
            .await
            .unwrap();
        assert_eq!(
            &storage.get("docs/a.txt").await.unwrap()[..],
            b"alpha 2",
            "{name}"
        );
        assert_eq!(storage.size("docs/a.txt").await.unwrap(), 7);

        let mut stream = storage.get_stream("docs/b.txt").await.unwrap();
        let mut read = Vec::new();
        while let Some(chunk) = stream.next().await {
            read.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(read, b"beta", "{name}");

        let chunks = futures_util::stream::iter(
            ["one ", "two ", "three"].map(|c| Ok::<_, std::io::Error>(Bytes::from(c))),
        );
        assert_eq!(
            storage.put_stream("streamed.txt", chunks).await.unwrap(),
            13
        );
        assert_eq!(
            &storage.get("streamed.txt").await.unwrap()[..],
            b"one two three"
        );

        let listed: Vec<String> = storage
            .list("docs")
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.key)
            .collect();
        assert_eq!(listed, vec!["docs/a.txt", "docs/b.txt"], "{name}");
        assert_eq!(storage.list("").await.unwrap().len(), 4, "{name}");

        storage.delete("docs/a.txt").await.unwrap();
        storage.delete("docs/a.txt").await.unwrap(); // nothing to delete is fine
        assert!(!storage.exists("docs/a.txt").await.unwrap());
        assert!(
            matches!(
                storage.get("docs/a.txt").await,
                Err(StorageError::NotFound { .. })
            ),
            "{name}"
        );

        for bad in ["../escape", "/abs", "a/../b", ""] {
            let err = storage.put(bad, Bytes::from("x")).await.unwrap_err();
            assert!(
                matches!(err, StorageError::InvalidKey { .. }),
                "{name} {bad}: {err}"
            );
        }
        let failing = futures_util::stream::iter(vec![
            Ok(Bytes::from("part")),
            Err(std::io::Error::other("the source broke")),
        ]);
        let err = storage.put_stream("broken.txt", failing).await.unwrap_err();
        assert!(err.to_string().contains("the source broke"), "{err}");
        assert!(
            !storage.exists("broken.txt").await.unwrap(),
            "{name}: nothing stored"
        );

        match storage
            .url("docs/b.txt", Duration::from_secs(60))
            .await
            .unwrap()
        {
            Some(url) if url.starts_with("http") => {
                let body = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
                assert_eq!(&body[..], b"beta", "the presigned URL serves the object");
            }
            Some(url) => {
                let path = url.strip_prefix("file://").expect("a file URL");
                assert_eq!(std::fs::read(path).unwrap(), b"beta");
            }
            None => assert!(name.contains("memory"), "{name}"),
        }
    }
}

async fn sqlite(dir: &std::path::Path) -> Database {
    Database::sqlite(&dir.join("db.sqlite3")).await.unwrap()
}

#[tokio::test]
async fn assets_belong_to_their_user_on_every_backend() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(dir.path()).await;
    for storage in backends(dir.path()).await {
        let assets = AssetStore::new(db.clone(), storage.clone());
        let (alice, bob) = (
            format!("alice-{}", uuid::Uuid::new_v4()),
            format!("bob-{}", uuid::Uuid::new_v4()),
        );
        let asset = assets
            .create(
                &alice,
                "notes.txt",
                "text/plain",
                Bytes::from("secret notes"),
                None,
            )
            .await
            .unwrap();
        assert_eq!(asset.size, Some(12));
        assert_eq!(
            &assets.read(&alice, &asset.id).await.unwrap()[..],
            b"secret notes"
        );
        assert_eq!(assets.list(&alice, None).await.unwrap().len(), 1);

        assert!(matches!(
            assets.read(&bob, &asset.id).await,
            Err(AssetError::NotFound { .. })
        ));
        assert!(assets.open(&bob, &asset.id).await.is_err());
        assert!(assets.list(&bob, None).await.unwrap().is_empty());
        assert!(!assets.delete(&bob, &asset.id).await.unwrap());
        assert!(
            storage.exists(&asset.storage_key()).await.unwrap(),
            "bob deleted nothing"
        );

        assert!(assets.delete(&alice, &asset.id).await.unwrap());
        assert!(!storage.exists(&asset.storage_key()).await.unwrap());
        assert!(matches!(
            assets.read(&alice, &asset.id).await,
            Err(AssetError::NotFound { .. })
        ));
    }
}

#[test]
fn workspace_paths_never_leave_the_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "outside").unwrap();
    let ws = Workspace::new(dir.path().join("ws")).unwrap();
    ws.write("sub/ok.txt", b"inside").unwrap();
    assert_eq!(ws.read("sub/ok.txt").unwrap(), b"inside");
    assert_eq!(ws.read("./sub/ok.txt").unwrap(), b"inside");

    for bad in ["../secret.txt", "sub/../../secret.txt", "/etc/passwd", ""] {
        assert!(ws.resolve(bad).is_err(), "{bad}");
        assert!(ws.write(bad, b"x").is_err(), "{bad}");
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.path(), ws.root().join("link")).unwrap();
        let err = ws.read("link/secret.txt").unwrap_err();
        assert!(err.to_string().contains("symlink"), "{err}");
        assert!(ws.write("link/new.txt", b"x").is_err());
        assert!(!outside.path().join("new.txt").exists());
        std::os::unix::fs::symlink(
            outside.path().join("missing.txt"),
            ws.root().join("dangling"),
        )
        .unwrap();
        assert!(ws.write("dangling", b"x").is_err());
        assert!(!outside.path().join("missing.txt").exists());
    }
}

/// Upper-cases a text asset and stores the result as a new asset.
#[node(namespace = "test.assets")]
pub async fn shout_asset(
    ctx: &ProcessingContext,
    #[input(default)] text: AssetRef,
) -> Result<AssetRef> {
    let bytes = ctx.asset_bytes(&text).await?;
    let upper = String::from_utf8_lossy(&bytes).to_uppercase();
    Ok(ctx
        .create_asset("shout.txt", "text/plain", Bytes::from(upper))
        .await?)
}

#[tokio::test]
async fn nodes_read_workspace_files_and_create_assets() {
    nodetool_std_nodes::link();
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(dir.path()).await;
    let store = Arc::new(AssetStore::new(db, Storage::memory()));
    let ws = Workspace::new(dir.path().join("ws")).unwrap();
    let file = ws.write("in.txt", b"quiet words").unwrap();
    let graph = Graph::from_json_str(&json!({
        "nodes": [
            {"id": "s", "type": "test.assets.ShoutAsset", "data": {"text": {"type": "text", "uri": format!("file://{}", file.display())}}},
            {"id": "o", "type": "nodetool.output.Output", "data": {"name": "result"}}
        ],
        "edges": [{"source": "s", "sourceHandle": "output", "target": "o", "targetHandle": "value"}]
    }).to_string()).unwrap();
    let ctx = ProcessingContext::builder()
        .user_id("carol")
        .assets(Arc::clone(&store))
        .workspace(ws.clone())
        .build();
    let result = WorkflowRunner::from_graph(&graph)
        .unwrap()
        .run(&ctx, Map::new())
        .await
        .unwrap();
    let reference = AssetRef::from_value(result.get("result").unwrap().clone()).unwrap();
    assert_eq!(reference.kind, "text");
    let id = reference.asset_id.clone().unwrap();
    assert_eq!(&store.read("carol", &id).await.unwrap()[..], b"QUIET WORDS");
    assert!(store.read("dave", &id).await.is_err());

    // File URLs are percent-decoded.
    ws.write("with space.txt", b"spaced").unwrap();
    let spaced = AssetRef {
        kind: "text".into(),
        uri: format!("file://{}/with%20space.txt", ws.root().display()),
        ..AssetRef::default()
    };
    assert_eq!(&ctx.asset_bytes(&spaced).await.unwrap()[..], b"spaced");
    // A data: URI, and a file outside the workspace.
    let data = AssetRef {
        kind: "text".into(),
        uri: "data:text/plain;base64,aGk=".into(),
        ..AssetRef::default()
    };
    assert_eq!(&ctx.asset_bytes(&data).await.unwrap()[..], b"hi");
    let escape = AssetRef {
        kind: "text".into(),
        uri: "file:///etc/passwd".into(),
        ..AssetRef::default()
    };
    let err = ctx.asset_bytes(&escape).await.unwrap_err();
    assert!(err.to_string().contains("outside the workspace"), "{err}");
    let bare = ProcessingContext::default();
    assert!(bare
        .asset_bytes(&reference)
        .await
        .unwrap_err()
        .to_string()
        .contains("no asset store"));
}

static SLOW_SQUARE_RUNS: AtomicUsize = AtomicUsize::new(0);

/// Squares, counting how often it really runs.
#[node(namespace = "test.cache", cacheable)]
pub async fn slow_square(#[input(default = 0)] x: i64) -> i64 {
    SLOW_SQUARE_RUNS.fetch_add(1, Ordering::SeqCst);
    x * x
}

/// Squares; a cacheable node of its own for the stream test, so that test's runs never
/// count towards `SLOW_SQUARE_RUNS` while `cargo test` runs both at once.
#[node(namespace = "test.cache", cacheable)]
pub async fn stream_square(#[input(default = 0)] x: i64) -> i64 {
    x * x
}

fn square_graph(x: i64) -> Graph {
    Graph::from_json_str(&json!({
        "nodes": [
            {"id": "sq", "type": "test.cache.SlowSquare", "data": {"x": x}},
            {"id": "o", "type": "nodetool.output.Output", "data": {"name": "y"}}
        ],
        "edges": [{"source": "sq", "sourceHandle": "output", "target": "o", "targetHandle": "value"}]
    }).to_string()).unwrap()
}

#[tokio::test]
async fn a_cached_node_does_not_run_again() {
    nodetool_std_nodes::link();
    let cache = Arc::new(NodeCache::new(1 << 20));
    let ctx = ProcessingContext::builder()
        .cache(Arc::clone(&cache))
        .build();
    let run = |x| {
        let ctx = ctx.clone();
        async move {
            WorkflowRunner::from_graph(&square_graph(x))
                .unwrap()
                .run(&ctx, Map::new())
                .await
                .unwrap()
        }
    };
    let before = SLOW_SQUARE_RUNS.load(Ordering::SeqCst);
    assert_eq!(run(7).await.get("y"), Some(&json!(49)));
    assert_eq!(SLOW_SQUARE_RUNS.load(Ordering::SeqCst), before + 1);
    assert_eq!(run(7).await.get("y"), Some(&json!(49)), "the cached result");
    assert_eq!(
        SLOW_SQUARE_RUNS.load(Ordering::SeqCst),
        before + 1,
        "the second run did not execute the node"
    );
    assert_eq!(run(8).await.get("y"), Some(&json!(64)));
    assert_eq!(
        SLOW_SQUARE_RUNS.load(Ordering::SeqCst),
        before + 2,
        "other properties: a miss"
    );
    assert_eq!(cache.len(), 2);
    assert_eq!(cache.stats(), (1, 2));
    // Another user never gets this user's results.
    let other = ProcessingContext::builder()
        .user_id("someone-else")
        .cache(Arc::clone(&cache))
        .build();
    WorkflowRunner::from_graph(&square_graph(7))
        .unwrap()
        .run(&other, Map::new())
        .await
        .unwrap();
    assert_eq!(
        SLOW_SQUARE_RUNS.load(Ordering::SeqCst),
        before + 3,
        "a miss for another user"
    );
    // Without a cache in the context, it runs every time.
    WorkflowRunner::from_graph(&square_graph(7))
        .unwrap()
        .run(&ProcessingContext::default(), Map::new())
        .await
        .unwrap();
    assert_eq!(SLOW_SQUARE_RUNS.load(Ordering::SeqCst), before + 4);
}

#[tokio::test]
async fn a_node_fed_by_a_stream_is_not_cached() {
    nodetool_std_nodes::link();
    let cache = Arc::new(NodeCache::new(1 << 20));
    let ctx = ProcessingContext::builder()
        .cache(Arc::clone(&cache))
        .build();
    let graph = Graph::from_json_str(
        &json!({
            "nodes": [
                {"id": "src", "type": "test.Source", "data": {"count": 3}},
                {"id": "sq", "type": "test.cache.StreamSquare", "data": {}},
                {"id": "o", "type": "nodetool.output.Output", "data": {"name": "y"}}
            ],
            "edges": [
                {"source": "src", "sourceHandle": "output", "target": "sq", "targetHandle": "x"},
                {"source": "sq", "sourceHandle": "output", "target": "o", "targetHandle": "value"}
            ]
        })
        .to_string(),
    )
    .unwrap();
    let result = WorkflowRunner::from_graph(&graph)
        .unwrap()
        .run(&ctx, Map::new())
        .await
        .unwrap();
    assert_eq!(result.values("y"), &[json!(0), json!(1), json!(4)]);
    assert!(cache.is_empty(), "stream items are not cached");
}

#[test]
fn settings_choose_the_storage() {
    use nodetool::config::Environment;
    let dir = tempfile::tempdir().unwrap();
    let env = |vars: &[(&str, &str)]| {
        Environment::builder()
            .process_env(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
            .settings_file(None)
            .secrets_file(None)
            .dotenv_dir(None)
            .data_dir(dir.path())
            .build()
            .unwrap()
    };
    let memory = Storage::from_env(&env(&[("ENV", "test")])).unwrap();
    assert_eq!(format!("{memory:?}"), "Storage(memory)");
    let local = Storage::from_env(&env(&[("ENV", "development")])).unwrap();
    assert_eq!(
        format!("{local:?}"),
        format!("Storage(local {})", dir.path().join("assets").display())
    );
    let s3 = Storage::from_env(&env(&[
        ("ENV", "production"),
        ("ASSET_BUCKET", "media"),
        ("S3_ENDPOINT_URL", "http://127.0.0.1:9"),
        ("S3_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("S3_SECRET_ACCESS_KEY", "hidden-secret"),
    ]))
    .unwrap();
    let shown = format!("{s3:?}");
    assert_eq!(shown, "Storage(s3 media at http://127.0.0.1:9)");
    assert!(!shown.contains("hidden-secret") && !shown.contains("AKIDEXAMPLE"));
    // NodeTool's default bucket name applies when none is set.
    let default =
        Storage::from_env(&env(&[("ENV", "production"), ("S3_ACCESS_KEY_ID", "x")])).unwrap();
    assert_eq!(format!("{default:?}"), "Storage(s3 images at AWS)");
    let err = Storage::s3(&S3Options::default()).unwrap_err();
    assert!(err.to_string().contains("ASSET_BUCKET"), "{err}");
}
