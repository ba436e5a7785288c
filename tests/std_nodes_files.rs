//! `nodetool.workspace` and `lib.os` through the runner, on real files in a temporary
//! workspace: values, unicode names, empty and missing files, nested folders, paths that
//! would leave the workspace (`..`, absolute, `~`, symlinks out), and runs without one.

mod node_harness;
use node_harness::{run_graph, run_node_in, run_output};

use nodetool::prelude::*;
use nodetool::workflows::NodeRegistry;
use nodetool::workspace::Workspace;
use serde_json::{json, Value};
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// A workspace in a temporary folder, with a sibling folder `outside` holding `secret.txt`.
struct Env {
    dir: tempfile::TempDir,
    root: PathBuf,
    ctx: ProcessingContext,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::new(dir.path().join("ws")).unwrap();
        let root = ws.root().to_owned();
        fs::create_dir(dir.path().join("outside")).unwrap();
        fs::write(dir.path().join("outside/secret.txt"), "secret").unwrap();
        Env {
            dir,
            root,
            ctx: ProcessingContext::builder().workspace(ws).build(),
        }
    }

    fn outside(&self) -> PathBuf {
        self.dir.path().join("outside")
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn put(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, bytes).unwrap();
    }

    fn get(&self, rel: &str) -> Vec<u8> {
        fs::read(self.path(rel)).unwrap()
    }

    fn root_text(&self) -> String {
        self.root.to_str().unwrap().to_owned()
    }

    /// Symlinks `ws/link_out` to the outside folder and `ws/secret_link` to the secret.
    fn link_out(&self) {
        symlink(self.outside(), self.path("link_out")).unwrap();
        symlink(self.outside().join("secret.txt"), self.path("secret_link")).unwrap();
    }

    async fn ok(&self, node: &str, data: Value) -> Value {
        run_node_in(node, data.clone(), &self.ctx)
            .await
            .unwrap_or_else(|e| panic!("{node} {data}: {e}"))
    }

    async fn err(&self, node: &str, data: Value) -> String {
        match run_node_in(node, data.clone(), &self.ctx).await {
            Ok(v) => panic!("{node} {data}: expected an error, got {v}"),
            Err(e) => e,
        }
    }

    /// Runs a node that has no `output` (nothing downstream).
    async fn run(&self, node: &str, data: Value) -> Result<(), String> {
        run_graph(
            json!({"nodes": [{"id": "n", "type": node, "data": data}], "edges": []}),
            &self.ctx,
        )
        .await
        .map(|_| ())
    }

    /// Every item a streaming node emits on `file`, collected.
    async fn files(&self, node: &str, data: Value) -> Result<Vec<String>, String> {
        let out = run_graph(
            json!({
                "nodes": [
                    {"id": "n", "type": node, "data": data},
                    {"id": "c", "type": "nodetool.control.Collect", "data": {}},
                    {"id": "o", "type": "nodetool.output.Output", "data": {"name": "out"}}
                ],
                "edges": [
                    {"source": "n", "sourceHandle": "file", "target": "c", "targetHandle": "input_item"},
                    {"source": "c", "sourceHandle": "output", "target": "o", "targetHandle": "value"}
                ]
            }),
            &self.ctx,
        )
        .await?;
        Ok(out
            .get("out")
            .and_then(Value::as_array)
            .unwrap_or_else(|| panic!("{out:?}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect())
    }
}

async fn without_workspace(node: &str, data: Value) -> Result<Value, String> {
    run_node_in(node, data, &ProcessingContext::default()).await
}

async fn pure(node: &str, data: Value) -> Value {
    without_workspace(node, data.clone())
        .await
        .unwrap_or_else(|e| panic!("{node} {data}: {e}"))
}

async fn pure_err(node: &str, data: Value) -> String {
    match without_workspace(node, data.clone()).await {
        Ok(v) => panic!("{node} {data}: expected an error, got {v}"),
        Err(e) => e,
    }
}

/// The error of a node run alone (any outputs) without a workspace.
async fn error_without_workspace(node: &str, data: Value) -> String {
    run_graph(
        json!({"nodes": [{"id": "n", "type": node, "data": data}], "edges": []}),
        &ProcessingContext::default(),
    )
    .await
    .unwrap_err()
}

fn assert_contains(text: &str, part: &str) {
    assert!(text.contains(part), "{text:?} does not contain {part:?}");
}

const W: &str = "nodetool.workspace.";
const OS: &str = "lib.os.";

fn ws(name: &str) -> String {
    format!("{W}{name}")
}

fn os(name: &str) -> String {
    format!("{OS}{name}")
}

// ---------------------------------------------------------------------------------------
// nodetool.workspace

#[tokio::test]
async fn workspace_dir_is_the_root() {
    let env = Env::new();
    assert_eq!(
        env.ok(&ws("GetWorkspaceDir"), json!({})).await,
        json!(env.root_text())
    );
    assert_eq!(
        env.ok(&os("WorkspaceDirectory"), json!({})).await,
        json!(env.root_text())
    );
    for node in [ws("GetWorkspaceDir"), os("WorkspaceDirectory")] {
        let e = error_without_workspace(&node, json!({})).await;
        assert_contains(&e, "this run has no workspace");
    }
}

#[tokio::test]
async fn text_files_round_trip_with_unicode_names_and_newlines() {
    let env = Env::new();
    let path = "données/sub/résumé ✓.txt";
    let written = env
        .ok(
            &ws("WriteTextFile"),
            json!({"path": path, "content": "héllo\r\nwörld\r!"}),
        )
        .await;
    assert_eq!(written, json!(path));
    assert_eq!(env.get(path), "héllo\r\nwörld\r!".as_bytes());
    assert_eq!(
        env.ok(&ws("ReadTextFile"), json!({"path": path})).await,
        json!("héllo\nwörld\n!")
    );
    env.ok(
        &ws("WriteTextFile"),
        json!({"path": path, "content": " ✓", "append": true}),
    )
    .await;
    assert_eq!(env.get(path), "héllo\r\nwörld\r! ✓".as_bytes());
    env.ok(
        &ws("WriteTextFile"),
        json!({"path": path, "content": "new"}),
    )
    .await;
    assert_eq!(env.get(path), b"new");
    // An empty file, and `~` as an ordinary name (NodeTool does not expand it here).
    env.ok(&ws("WriteTextFile"), json!({"path": "~/empty.txt"}))
        .await;
    assert_eq!(env.get("~/empty.txt"), b"");
    assert_eq!(
        env.ok(&ws("ReadTextFile"), json!({"path": "~/empty.txt"}))
            .await,
        json!("")
    );
}

#[tokio::test]
async fn text_encodings() {
    let env = Env::new();
    env.ok(
        &ws("WriteTextFile"),
        json!({"path": "l.txt", "content": "café", "encoding": "latin-1"}),
    )
    .await;
    assert_eq!(env.get("l.txt"), b"caf\xe9");
    assert_eq!(
        env.ok(
            &ws("ReadTextFile"),
            json!({"path": "l.txt", "encoding": "ISO-8859-1"})
        )
        .await,
        json!("café")
    );
    let e = env.err(&ws("ReadTextFile"), json!({"path": "l.txt"})).await;
    assert_contains(&e, "utf-8");
    env.ok(
        &ws("WriteTextFile"),
        json!({"path": "u.txt", "content": "hé", "encoding": "utf-16"}),
    )
    .await;
    env.ok(
        &ws("WriteTextFile"),
        json!({"path": "u.txt", "content": "!", "encoding": "utf-16", "append": true}),
    )
    .await;
    assert_eq!(env.get("u.txt"), b"\xff\xfeh\x00\xe9\x00!\x00");
    assert_eq!(
        env.ok(
            &ws("ReadTextFile"),
            json!({"path": "u.txt", "encoding": "utf-16"})
        )
        .await,
        json!("hé!")
    );
    let e = env
        .err(
            &ws("WriteTextFile"),
            json!({"path": "a.txt", "content": "é", "encoding": "ascii"}),
        )
        .await;
    assert_contains(&e, "'ascii' codec can't encode");
    assert!(!env.path("a.txt").exists(), "nothing written");
    let e = env
        .err(
            &ws("ReadTextFile"),
            json!({"path": "l.txt", "encoding": "klingon"}),
        )
        .await;
    assert_contains(&e, "unknown encoding `klingon`");
    // A UTF-8 byte order mark is kept with utf-8, dropped with utf-8-sig.
    env.put("bom.txt", b"\xef\xbb\xbfx");
    assert_eq!(
        env.ok(&ws("ReadTextFile"), json!({"path": "bom.txt"}))
            .await,
        json!("\u{feff}x")
    );
    assert_eq!(
        env.ok(
            &ws("ReadTextFile"),
            json!({"path": "bom.txt", "encoding": "utf-8-sig"})
        )
        .await,
        json!("x")
    );
}

#[tokio::test]
async fn reading_missing_files_and_folders_fails() {
    let env = Env::new();
    fs::create_dir(env.path("folder")).unwrap();
    for node in ["ReadTextFile", "ReadBinaryFile", "GetWorkspaceFileSize"] {
        let e = env.err(&ws(node), json!({"path": "nope.txt"})).await;
        assert_contains(&e, "file not found: `nope.txt`");
        let e = env.err(&ws(node), json!({"path": "folder"})).await;
        assert_contains(&e, "`folder` is not a file");
        let e = env.err(&ws(node), json!({})).await;
        assert_contains(&e, "the path is empty");
    }
}

#[tokio::test]
async fn binary_files_round_trip() {
    let env = Env::new();
    let all: Vec<u8> = (0..=255).collect();
    env.put("bin/all.bin", &all);
    let encoded = env
        .ok(&ws("ReadBinaryFile"), json!({"path": "bin/all.bin"}))
        .await;
    let text = encoded.as_str().unwrap().to_owned();
    assert!(
        text.starts_with("AAECAwQF") && text.ends_with("/w=="),
        "{text}"
    );
    let written = env
        .ok(
            &ws("WriteBinaryFile"),
            json!({"path": "copy/äll.bin", "content": text}),
        )
        .await;
    assert_eq!(written, json!("copy/äll.bin"));
    assert_eq!(env.get("copy/äll.bin"), all);
    // Python's lenient decoding: line breaks and `-` skipped; padding required.
    env.ok(
        &ws("WriteBinaryFile"),
        json!({"path": "hi.bin", "content": "aG\nk-="}),
    )
    .await;
    assert_eq!(env.get("hi.bin"), b"hi");
    let e = env
        .err(
            &ws("WriteBinaryFile"),
            json!({"path": "bad.bin", "content": "aGk"}),
        )
        .await;
    assert_contains(&e, "Incorrect padding");
    assert!(!env.path("bad.bin").exists());
    env.ok(&ws("WriteBinaryFile"), json!({"path": "empty.bin"}))
        .await;
    assert_eq!(env.get("empty.bin"), b"");
    assert_eq!(
        env.ok(&ws("ReadBinaryFile"), json!({"path": "empty.bin"}))
            .await,
        json!("")
    );
}

#[tokio::test]
async fn delete_files_folders_and_never_the_workspace() {
    let env = Env::new();
    env.put("a/b/c.txt", "x");
    env.put("f.txt", "x");
    let e = env
        .err(&ws("DeleteWorkspaceFile"), json!({"path": "a"}))
        .await;
    assert_contains(&e, "is a directory");
    assert!(env.path("a/b/c.txt").exists());
    for root in [".", "./"] {
        let e = env
            .err(
                &ws("DeleteWorkspaceFile"),
                json!({"path": root, "recursive": true}),
            )
            .await;
        assert_contains(&e, "the workspace folder itself cannot be removed");
    }
    assert!(env.path("f.txt").exists() && env.root.is_dir());
    env.run(&ws("DeleteWorkspaceFile"), json!({"path": "f.txt"}))
        .await
        .unwrap();
    assert!(!env.path("f.txt").exists());
    env.run(
        &ws("DeleteWorkspaceFile"),
        json!({"path": "a", "recursive": true}),
    )
    .await
    .unwrap();
    assert!(!env.path("a").exists());
    let e = env
        .err(&ws("DeleteWorkspaceFile"), json!({"path": "a"}))
        .await;
    assert_contains(&e, "not found: `a`");
    // A symlink is deleted, not what it points to.
    env.put("target/keep.txt", "x");
    symlink(env.path("target"), env.path("link")).unwrap();
    env.run(
        &ws("DeleteWorkspaceFile"),
        json!({"path": "link", "recursive": true}),
    )
    .await
    .unwrap();
    assert!(env.path("target/keep.txt").exists());
    assert!(env.path("link").symlink_metadata().is_err());
    // Its output is NodeTool's `none`.
    env.put("g.txt", "x");
    let out = env
        .ok(&ws("DeleteWorkspaceFile"), json!({"path": "g.txt"}))
        .await;
    assert_eq!(out, Value::Null);
}

#[tokio::test]
async fn directories_existence_and_types() {
    let env = Env::new();
    assert_eq!(
        env.ok(&ws("CreateWorkspaceDirectory"), json!({"path": "x/ÿ/z"}))
            .await,
        json!("x/ÿ/z")
    );
    assert!(env.path("x/ÿ/z").is_dir());
    env.ok(&ws("CreateWorkspaceDirectory"), json!({"path": "x/ÿ/z"}))
        .await;
    env.put("file", "x");
    let e = env
        .err(&ws("CreateWorkspaceDirectory"), json!({"path": "file"}))
        .await;
    assert_contains(&e, "a file exists there");
    let check = |node: &'static str, path: &'static str| {
        let env = &env;
        async move { env.ok(&ws(node), json!({ "path": path })).await }
    };
    assert_eq!(check("WorkspaceFileExists", "file").await, json!(true));
    assert_eq!(check("WorkspaceFileExists", "x/ÿ").await, json!(true));
    assert_eq!(check("WorkspaceFileExists", "nope").await, json!(false));
    assert_eq!(check("WorkspaceFileExists", ".").await, json!(true));
    assert_eq!(check("IsWorkspaceFile", "file").await, json!(true));
    assert_eq!(check("IsWorkspaceFile", "x").await, json!(false));
    assert_eq!(check("IsWorkspaceFile", "nope").await, json!(false));
    assert_eq!(check("IsWorkspaceDirectory", "x/ÿ/z").await, json!(true));
    assert_eq!(check("IsWorkspaceDirectory", "file").await, json!(false));
    assert_eq!(check("IsWorkspaceDirectory", "nope").await, json!(false));
}

#[tokio::test]
async fn file_info_and_size() {
    let env = Env::new();
    env.put("d/ñ.txt", "12345");
    let info = env
        .ok(&ws("GetWorkspaceFileInfo"), json!({"path": "d/ñ.txt"}))
        .await;
    assert_eq!(info["path"], json!("d/ñ.txt"));
    assert_eq!(info["name"], json!("ñ.txt"));
    assert_eq!(info["size"], json!(5));
    assert_eq!(info["is_file"], json!(true));
    assert_eq!(info["is_directory"], json!(false));
    for key in ["created", "modified", "accessed"] {
        let t = info[key].as_str().unwrap();
        assert!(t.len() >= 19 && &t[10..11] == "T", "{key}: {t}");
    }
    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000);
    fs::File::options()
        .write(true)
        .open(env.path("d/ñ.txt"))
        .unwrap()
        .set_modified(when)
        .unwrap();
    let info = env
        .ok(&ws("GetWorkspaceFileInfo"), json!({"path": "d/ñ.txt"}))
        .await;
    assert_eq!(info["modified"], json!("2020-09-13T12:26:40"));
    let dir = env
        .ok(&ws("GetWorkspaceFileInfo"), json!({"path": "d/"}))
        .await;
    assert_eq!(dir["name"], json!(""));
    assert_eq!(dir["is_directory"], json!(true));
    let e = env
        .err(&ws("GetWorkspaceFileInfo"), json!({"path": "gone"}))
        .await;
    assert_contains(&e, "not found: `gone`");
    assert_eq!(
        env.ok(&ws("GetWorkspaceFileSize"), json!({"path": "d/ñ.txt"}))
            .await,
        json!(5)
    );
}

#[tokio::test]
async fn copy_within_the_workspace() {
    let env = Env::new();
    env.put("src/a.txt", "A");
    env.put("src/deep/b.txt", "B");
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    fs::File::options()
        .write(true)
        .open(env.path("src/a.txt"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    let out = env
        .ok(
            &ws("CopyWorkspaceFile"),
            json!({"source": "src/a.txt", "destination": "new/dir/à.txt"}),
        )
        .await;
    assert_eq!(out, json!("new/dir/à.txt"));
    assert_eq!(env.get("new/dir/à.txt"), b"A");
    assert_eq!(
        fs::metadata(env.path("new/dir/à.txt"))
            .unwrap()
            .modified()
            .unwrap(),
        old
    );
    // Into an existing folder, under the same name.
    env.ok(
        &ws("CopyWorkspaceFile"),
        json!({"source": "src/a.txt", "destination": "new"}),
    )
    .await;
    assert_eq!(env.get("new/a.txt"), b"A");
    // A whole folder; not onto an existing one, not into itself.
    env.ok(
        &ws("CopyWorkspaceFile"),
        json!({"source": "src", "destination": "backup/src"}),
    )
    .await;
    assert_eq!(env.get("backup/src/deep/b.txt"), b"B");
    let e = env
        .err(
            &ws("CopyWorkspaceFile"),
            json!({"source": "src", "destination": "backup/src"}),
        )
        .await;
    assert_contains(&e, "cannot copy `src` to `backup/src`");
    let e = env
        .err(
            &ws("CopyWorkspaceFile"),
            json!({"source": "src", "destination": "src/again"}),
        )
        .await;
    assert_contains(&e, "cannot be copied into itself");
    let e = env
        .err(
            &ws("CopyWorkspaceFile"),
            json!({"source": "src/a.txt", "destination": "src/a.txt"}),
        )
        .await;
    assert_contains(&e, "onto itself");
    assert_eq!(env.get("src/a.txt"), b"A");
    let e = env
        .err(
            &ws("CopyWorkspaceFile"),
            json!({"source": "nope", "destination": "x"}),
        )
        .await;
    assert_contains(&e, "source: file not found: `nope`");
}

#[tokio::test]
async fn move_within_the_workspace() {
    let env = Env::new();
    env.put("a.txt", "A");
    env.put("other/a.txt", "taken");
    let out = env
        .ok(
            &ws("MoveWorkspaceFile"),
            json!({"source": "a.txt", "destination": "x/y/ü.txt"}),
        )
        .await;
    assert_eq!(out, json!("x/y/ü.txt"));
    assert!(!env.path("a.txt").exists());
    assert_eq!(env.get("x/y/ü.txt"), b"A");
    env.ok(
        &ws("MoveWorkspaceFile"),
        json!({"source": "x/y/ü.txt", "destination": "x"}),
    )
    .await;
    assert_eq!(env.get("x/ü.txt"), b"A");
    env.put("a.txt", "again");
    let e = env
        .err(
            &ws("MoveWorkspaceFile"),
            json!({"source": "a.txt", "destination": "other"}),
        )
        .await;
    assert_contains(&e, "other/a.txt");
    assert_eq!(env.get("other/a.txt"), b"taken");
    // A rename replaces a file.
    env.ok(
        &ws("MoveWorkspaceFile"),
        json!({"source": "a.txt", "destination": "other/a.txt"}),
    )
    .await;
    assert_eq!(env.get("other/a.txt"), b"again");
    let e = env
        .err(
            &ws("MoveWorkspaceFile"),
            json!({"source": ".", "destination": "x/root"}),
        )
        .await;
    assert_contains(&e, "cannot be moved");
    let e = env
        .err(
            &ws("MoveWorkspaceFile"),
            json!({"source": "gone", "destination": "x"}),
        )
        .await;
    assert_contains(&e, "file not found: `gone`");
}

#[tokio::test]
async fn join_workspace_paths() {
    let env = Env::new();
    let join = |paths: Value| {
        let env = &env;
        async move {
            run_node_in(
                &ws("JoinWorkspacePaths"),
                json!({ "paths": paths }),
                &env.ctx,
            )
            .await
        }
    };
    assert_eq!(
        join(json!(["a", "b", "c.txt"])).await,
        Ok(json!("a/b/c.txt"))
    );
    assert_eq!(join(json!(["a", ""])).await, Ok(json!("a/")));
    assert_eq!(join(json!(["ä", "./b"])).await, Ok(json!("ä/./b")));
    assert_contains(&join(json!([])).await.unwrap_err(), "paths cannot be empty");
    assert_contains(&join(json!([""])).await.unwrap_err(), "the path is empty");
    assert_contains(
        &join(json!(["a", "/etc"])).await.unwrap_err(),
        "it is absolute",
    );
    assert_contains(&join(json!(["a", "..", ".."])).await.unwrap_err(), "`..`");
    assert!(!env.path("a").exists(), "nothing is created");
}

#[tokio::test]
async fn list_workspace_files() {
    let env = Env::new();
    for f in [
        "a.txt",
        "b.json",
        ".hidden.txt",
        "docs/c.txt",
        "docs/日本.txt",
        "docs/deep/d.txt",
        "docs/.secret/e.txt",
    ] {
        env.put(f, "x");
    }
    let node = ws("ListWorkspaceFiles");
    assert_eq!(
        env.files(&node, json!({})).await.unwrap(),
        ["a.txt", "b.json", "docs"]
    );
    assert_eq!(
        env.files(&node, json!({"pattern": "*.txt"})).await.unwrap(),
        ["a.txt"]
    );
    assert_eq!(
        env.files(&node, json!({"pattern": ".*"})).await.unwrap(),
        [".hidden.txt"]
    );
    assert_eq!(
        env.files(&node, json!({"pattern": "*.txt", "recursive": true}))
            .await
            .unwrap(),
        ["a.txt", "docs/c.txt", "docs/日本.txt", "docs/deep/d.txt"]
    );
    assert_eq!(
        env.files(&node, json!({"path": "docs", "pattern": "[c-z]*"}))
            .await
            .unwrap(),
        ["docs/c.txt", "docs/deep"]
    );
    assert_eq!(
        env.files(&node, json!({"path": "docs", "pattern": "*/*.txt"}))
            .await
            .unwrap(),
        ["docs/deep/d.txt"]
    );
    assert!(env
        .files(&node, json!({"pattern": "*.csv"}))
        .await
        .unwrap()
        .is_empty());
    assert!(env
        .files(&node, json!({"path": "missing"}))
        .await
        .unwrap()
        .is_empty());
    for (pattern, part) in [
        ("../*", "`..`"),
        ("/etc/*", "absolute"),
        ("a/../../*", "`..`"),
    ] {
        let e = env
            .files(&node, json!({ "pattern": pattern }))
            .await
            .unwrap_err();
        assert_contains(&e, "pattern");
        assert_contains(&e, part);
    }
    env.link_out();
    let e = env
        .files(&node, json!({"path": "link_out"}))
        .await
        .unwrap_err();
    assert_contains(&e, "outside the workspace");
    let e = env
        .files(&node, json!({"pattern": "link_out/*"}))
        .await
        .unwrap_err();
    assert_contains(&e, "outside the workspace");
    // `**` does not enter the symlinked folder.
    let all = env
        .files(&node, json!({"pattern": "*", "recursive": true}))
        .await
        .unwrap();
    assert!(all.contains(&"link_out".to_owned()), "{all:?}");
    assert!(!all
        .iter()
        .any(|f| f.contains("secret.txt") && f.starts_with("link_out/")));
    let e = error_without_workspace(&node, json!({})).await;
    assert_contains(&e, "this run has no workspace");
}

#[tokio::test]
async fn workspace_paths_never_leave_it() {
    let env = Env::new();
    env.link_out();
    let nodes_with_path = [
        ("ReadTextFile", json!({})),
        ("WriteTextFile", json!({"content": "pwned"})),
        ("ReadBinaryFile", json!({})),
        ("WriteBinaryFile", json!({"content": "aGk="})),
        ("DeleteWorkspaceFile", json!({"recursive": true})),
        ("CreateWorkspaceDirectory", json!({})),
        ("WorkspaceFileExists", json!({})),
        ("GetWorkspaceFileInfo", json!({})),
        ("GetWorkspaceFileSize", json!({})),
        ("IsWorkspaceFile", json!({})),
        ("IsWorkspaceDirectory", json!({})),
        ("ListWorkspaceFiles", json!({})),
    ];
    for (node, extra) in nodes_with_path {
        for (bad, why) in [
            ("../outside/secret.txt", "`..`"),
            ("/etc/passwd", "absolute"),
            ("secret_link", "a symlink leads out"),
            ("link_out/secret.txt", "a symlink leads out"),
            ("link_out/new.txt", "a symlink leads out"),
        ] {
            let mut data = extra.clone();
            data["path"] = json!(bad);
            let e = if node == "ListWorkspaceFiles" {
                env.files(&ws(node), data).await.unwrap_err()
            } else {
                env.err(&ws(node), data).await
            };
            assert_contains(&e, "path: ");
            assert_contains(&e, "outside the workspace");
            assert_contains(&e, why);
        }
        let mut data = extra.clone();
        data["path"] = json!("x");
        let e = error_without_workspace(&ws(node), data).await;
        assert_contains(&e, "path: this run has no workspace");
    }
    for (source, destination) in [
        ("secret_link", "stolen.txt"),
        ("../outside/secret.txt", "stolen.txt"),
        ("/etc/hostname", "stolen.txt"),
        ("link_out", "stolen"),
    ] {
        for node in ["CopyWorkspaceFile", "MoveWorkspaceFile"] {
            let e = env
                .err(
                    &ws(node),
                    json!({"source": source, "destination": destination}),
                )
                .await;
            assert_contains(&e, "source: ");
            assert_contains(&e, "outside the workspace");
        }
    }
    env.put("mine.txt", "mine");
    for destination in [
        "../outside/x.txt",
        "/tmp/x.txt",
        "link_out/x.txt",
        "link_out",
    ] {
        for node in ["CopyWorkspaceFile", "MoveWorkspaceFile"] {
            let e = env
                .err(
                    &ws(node),
                    json!({"source": "mine.txt", "destination": destination}),
                )
                .await;
            assert_contains(&e, "destination: ");
        }
    }
    // Nothing changed outside.
    let outside: Vec<_> = fs::read_dir(env.outside())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(outside, ["secret.txt"]);
    assert_eq!(
        fs::read(env.outside().join("secret.txt")).unwrap(),
        b"secret"
    );
    assert!(env.path("mine.txt").exists());
    assert!(!env.path("stolen.txt").exists());
}

// ---------------------------------------------------------------------------------------
// lib.os on disk

#[tokio::test]
async fn os_paths_are_workspace_paths() {
    let env = Env::new();
    env.link_out();
    let disk_nodes = [
        "FileExists",
        "GetFileSize",
        "CreatedTime",
        "ModifiedTime",
        "AccessedTime",
        "IsFile",
        "IsDirectory",
        "GetPathInfo",
        "AbsolutePath",
        "CreateDirectory",
    ];
    for node in disk_nodes {
        let e = env
            .run(&os(node), json!({"path": "/etc/passwd"}))
            .await
            .unwrap_err();
        assert_contains(&e, "path: `/etc/passwd` is absolute");
        let e = env
            .run(&os(node), json!({"path": "~/notes.txt"}))
            .await
            .unwrap_err();
        assert_contains(&e, "path: `~/notes.txt` starts with `~`");
        let e = env
            .run(&os(node), json!({"path": "../outside/secret.txt"}))
            .await
            .unwrap_err();
        assert_contains(&e, "outside the workspace");
        let e = env
            .run(&os(node), json!({"path": "secret_link"}))
            .await
            .unwrap_err();
        assert_contains(&e, "a symlink leads out");
        let e = error_without_workspace(&os(node), json!({"path": "x"})).await;
        assert_contains(&e, "path: this run has no workspace");
    }
    for node in ["CopyFile", "MoveFile"] {
        let e = env
            .run(
                &os(node),
                json!({"source_path": "~/.ssh/id_rsa", "destination_path": "k"}),
            )
            .await
            .unwrap_err();
        assert_contains(&e, "source_path: `~/.ssh/id_rsa` starts with `~`");
        let e = env
            .run(
                &os(node),
                json!({"source_path": "/etc/hostname", "destination_path": "k"}),
            )
            .await
            .unwrap_err();
        assert_contains(&e, "source_path: `/etc/hostname` is absolute");
        env.put("mine.txt", "m");
        let e = env
            .run(
                &os(node),
                json!({"source_path": "mine.txt", "destination_path": "/tmp/k"}),
            )
            .await
            .unwrap_err();
        assert_contains(&e, "destination_path: `/tmp/k` is absolute");
        let e = env
            .run(
                &os(node),
                json!({"source_path": "mine.txt", "destination_path": "link_out/k"}),
            )
            .await
            .unwrap_err();
        assert_contains(&e, "outside the workspace");
        let e = env
            .run(
                &os(node),
                json!({"source_path": "secret_link", "destination_path": "k"}),
            )
            .await
            .unwrap_err();
        assert_contains(&e, "outside the workspace");
    }
    assert!(!env.outside().join("k").exists() && !env.path("k").exists());
}

#[tokio::test]
async fn os_file_queries() {
    let env = Env::new();
    env.put("dir/ünï.txt", "1234567");
    let q = |node: &'static str, path: &'static str| {
        let env = &env;
        async move { run_node_in(&os(node), json!({ "path": path }), &env.ctx).await }
    };
    assert_eq!(q("FileExists", "dir/ünï.txt").await, Ok(json!(true)));
    assert_eq!(q("FileExists", "dir").await, Ok(json!(true)));
    assert_eq!(q("FileExists", "nope").await, Ok(json!(false)));
    assert_eq!(q("IsFile", "dir/ünï.txt").await, Ok(json!(true)));
    assert_eq!(q("IsFile", "dir").await, Ok(json!(false)));
    assert_eq!(q("IsDirectory", "dir").await, Ok(json!(true)));
    assert_eq!(q("IsDirectory", "nope").await, Ok(json!(false)));
    assert_eq!(q("GetFileSize", "dir/ünï.txt").await, Ok(json!(7)));
    assert_contains(&q("GetFileSize", "nope").await.unwrap_err(), "nope");
    for node in [
        "FileExists",
        "GetFileSize",
        "IsFile",
        "IsDirectory",
        "ModifiedTime",
    ] {
        assert_contains(
            &q(node, "").await.unwrap_err(),
            "'path' field cannot be empty",
        );
    }
    let when = SystemTime::UNIX_EPOCH + Duration::from_micros(1_600_000_000_250_000);
    fs::File::options()
        .write(true)
        .open(env.path("dir/ünï.txt"))
        .unwrap()
        .set_times(
            fs::FileTimes::new()
                .set_modified(when)
                .set_accessed(when + Duration::from_secs(3600)),
        )
        .unwrap();
    let modified = q("ModifiedTime", "dir/ünï.txt").await.unwrap();
    assert_eq!(modified["type"], json!("datetime"));
    let fields: Vec<&Value> = [
        "year",
        "month",
        "day",
        "hour",
        "minute",
        "second",
        "microsecond",
    ]
    .iter()
    .map(|k| &modified[*k])
    .collect();
    assert_eq!(
        fields,
        [
            &json!(2020),
            &json!(9),
            &json!(13),
            &json!(12),
            &json!(26),
            &json!(40),
            &json!(250_000)
        ]
    );
    assert_eq!(modified["tzinfo"], json!("UTC"));
    let accessed = q("AccessedTime", "dir/ünï.txt").await.unwrap();
    assert_eq!(accessed["hour"], json!(13));
    let created = q("CreatedTime", "dir/ünï.txt").await.unwrap();
    let year = created["year"].as_i64().unwrap();
    assert!(year >= 2024, "the inode changed just now: {created}");
    assert_contains(&q("CreatedTime", "nope").await.unwrap_err(), "nope");
}

#[tokio::test]
async fn os_list_files() {
    let env = Env::new();
    for f in [
        "docs/a.txt",
        "docs/B.TXT",
        "docs/.h.txt",
        "docs/sub/c.txt",
        "top.txt",
    ] {
        env.put(f, "x");
    }
    let node = os("ListFiles");
    let e = env.files(&node, json!({})).await.unwrap_err();
    assert_contains(&e, "folder: `~` starts with `~`");
    assert_eq!(
        env.files(&node, json!({"folder": "docs", "pattern": "*.txt"}))
            .await
            .unwrap(),
        ["docs/a.txt"]
    );
    assert_eq!(
        env.files(
            &node,
            json!({"folder": "docs", "pattern": "*.txt", "include_subdirectories": true})
        )
        .await
        .unwrap(),
        ["docs/a.txt", "docs/sub/c.txt"]
    );
    assert_eq!(
        env.files(&node, json!({"folder": ".", "pattern": "*.txt"}))
            .await
            .unwrap(),
        ["./top.txt"]
    );
    assert_eq!(
        env.files(&node, json!({"folder": "docs"})).await.unwrap(),
        ["docs/B.TXT", "docs/a.txt", "docs/sub"]
    );
    let e = env.files(&node, json!({"folder": ""})).await.unwrap_err();
    assert_contains(&e, "directory cannot be empty");
    let e = env
        .files(&node, json!({"folder": "/etc"}))
        .await
        .unwrap_err();
    assert_contains(&e, "folder: `/etc` is absolute");
    let e = env
        .files(&node, json!({"folder": "docs", "pattern": "../../*"}))
        .await
        .unwrap_err();
    assert_contains(&e, "pattern: `../../*` goes up");
}

#[tokio::test]
async fn os_copy_move_and_create() {
    let env = Env::new();
    env.put("src/ä.txt", "A");
    env.run(
        &os("CopyFile"),
        json!({"source_path": "src/ä.txt", "destination_path": "src/b.txt"}),
    )
    .await
    .unwrap();
    assert_eq!(env.get("src/b.txt"), b"A");
    env.run(&os("CreateDirectory"), json!({"path": "out/deep"}))
        .await
        .unwrap();
    assert!(env.path("out/deep").is_dir());
    let e = env
        .run(
            &os("CreateDirectory"),
            json!({"path": "out/deep", "exist_ok": false}),
        )
        .await
        .unwrap_err();
    assert_contains(&e, "already exists");
    env.run(&os("CreateDirectory"), json!({"path": "out/deep"}))
        .await
        .unwrap();
    let e = env
        .run(&os("CreateDirectory"), json!({}))
        .await
        .unwrap_err();
    assert_contains(&e, "'path' field cannot be empty");
    env.run(
        &os("CopyFile"),
        json!({"source_path": "src/ä.txt", "destination_path": "out"}),
    )
    .await
    .unwrap();
    assert_eq!(env.get("out/ä.txt"), b"A");
    let e = env
        .run(
            &os("CopyFile"),
            json!({"source_path": "src", "destination_path": "copy"}),
        )
        .await
        .unwrap_err();
    assert_contains(&e, "source_path: `src` is a directory");
    let e = env
        .run(
            &os("CopyFile"),
            json!({"source_path": "src/ä.txt", "destination_path": "no/such/dir/x"}),
        )
        .await
        .unwrap_err();
    assert_contains(&e, "cannot copy");
    let e = env
        .run(&os("CopyFile"), json!({"destination_path": "x"}))
        .await
        .unwrap_err();
    assert_contains(&e, "'source_path' field cannot be empty");
    let e = env
        .run(&os("CopyFile"), json!({"source_path": "src/ä.txt"}))
        .await
        .unwrap_err();
    assert_contains(&e, "'destination_path' field cannot be empty");
    env.run(
        &os("MoveFile"),
        json!({"source_path": "src", "destination_path": "out/moved"}),
    )
    .await
    .unwrap();
    assert!(!env.path("src").exists());
    assert_eq!(env.get("out/moved/b.txt"), b"A");
    env.run(
        &os("MoveFile"),
        json!({"source_path": "out/moved/b.txt", "destination_path": "out/deep"}),
    )
    .await
    .unwrap();
    assert_eq!(env.get("out/deep/b.txt"), b"A");
    let e = env
        .run(
            &os("MoveFile"),
            json!({"source_path": ".", "destination_path": "out/root"}),
        )
        .await
        .unwrap_err();
    assert_contains(&e, "cannot be moved");
    let e = env
        .run(&os("MoveFile"), json!({"destination_path": "x"}))
        .await
        .unwrap_err();
    assert_contains(&e, "source_path");
    assert_contains(&e, "the path is empty");
}

#[tokio::test]
async fn os_path_info_and_absolute_path() {
    let env = Env::new();
    env.put("d/f.tar.gz", "x");
    symlink(env.path("d/f.tar.gz"), env.path("d/link.gz")).unwrap();
    let root = env.root_text();
    let info = env
        .ok(&os("GetPathInfo"), json!({"path": "d/f.tar.gz"}))
        .await;
    assert_eq!(
        info,
        json!({
            "dirname": "d", "basename": "f.tar.gz", "extension": ".gz",
            "absolute": format!("{root}/d/f.tar.gz"),
            "exists": true, "is_file": true, "is_dir": false, "is_symlink": false
        })
    );
    let link = env
        .ok(&os("GetPathInfo"), json!({"path": "d/link.gz"}))
        .await;
    assert_eq!(link["is_symlink"], json!(true));
    assert_eq!(link["is_file"], json!(true));
    let missing = env
        .ok(&os("GetPathInfo"), json!({"path": "new/x.md"}))
        .await;
    assert_eq!(missing["exists"], json!(false));
    assert_eq!(missing["absolute"], json!(format!("{root}/new/x.md")));
    let empty = env.ok(&os("GetPathInfo"), json!({})).await;
    assert_eq!(empty["absolute"], json!(root));
    assert_eq!(empty["exists"], json!(false));
    assert_eq!(
        env.ok(&os("AbsolutePath"), json!({"path": "./d//f.tar.gz"}))
            .await,
        json!(format!("{root}/d/f.tar.gz"))
    );
    assert_eq!(
        env.ok(&os("AbsolutePath"), json!({"path": "."})).await,
        json!(root)
    );
    let e = env.err(&os("AbsolutePath"), json!({})).await;
    assert_contains(&e, "path cannot be empty");
}

// ---------------------------------------------------------------------------------------
// lib.os path strings (no workspace needed)

#[tokio::test]
async fn os_pure_path_nodes() {
    let cases = [
        ("FileExtension", json!({"path": "a/b.tar.gz"}), json!(".gz")),
        ("FileExtension", json!({"path": ".bashrc"}), json!("")),
        (
            "FileExtension",
            json!({"path": "/abs/x.TXT"}),
            json!(".TXT"),
        ),
        ("FileName", json!({"path": "a/b/ç.txt"}), json!("ç.txt")),
        ("FileName", json!({"path": "a/b/"}), json!("")),
        ("GetDirectory", json!({"path": "a/b//c.txt"}), json!("a/b")),
        ("GetDirectory", json!({"path": "c.txt"}), json!("")),
        ("GetDirectory", json!({"path": "/c.txt"}), json!("/")),
        (
            "Basename",
            json!({"path": "x/y/z.tar.gz"}),
            json!("z.tar.gz"),
        ),
        (
            "Basename",
            json!({"path": "x/y/z.tar.gz", "remove_extension": true}),
            json!("z.tar"),
        ),
        ("Dirname", json!({"path": "x/y/z"}), json!("x/y")),
        ("Dirname", json!({}), json!("")),
        (
            "JoinPaths",
            json!({"paths": ["a", "b", "c"]}),
            json!("a/b/c"),
        ),
        (
            "JoinPaths",
            json!({"paths": ["a", "/b", "c"]}),
            json!("/b/c"),
        ),
        ("JoinPaths", json!({"paths": ["a", ""]}), json!("a/")),
        (
            "NormalizePath",
            json!({"path": "a//./b/../c/"}),
            json!("a/c"),
        ),
        ("NormalizePath", json!({"path": "../x/.."}), json!("..")),
        ("NormalizePath", json!({"path": "//a//b"}), json!("//a/b")),
        ("NormalizePath", json!({"path": "///a"}), json!("/a")),
        (
            "SplitPath",
            json!({"path": "a/b//c.txt"}),
            json!({"dirname": "a/b", "basename": "c.txt"}),
        ),
        (
            "SplitPath",
            json!({}),
            json!({"dirname": "", "basename": ""}),
        ),
        (
            "SplitExtension",
            json!({"path": "dir.d/archive.tar.gz"}),
            json!({"root": "dir.d/archive.tar", "extension": ".gz"}),
        ),
        (
            "SplitExtension",
            json!({"path": "dir.d/noext"}),
            json!({"root": "dir.d/noext", "extension": ""}),
        ),
        (
            "RelativePath",
            json!({"target_path": "a/b/c.txt", "start_path": "a"}),
            json!("b/c.txt"),
        ),
        (
            "RelativePath",
            json!({"target_path": "a/x", "start_path": "a/b/c"}),
            json!("../../x"),
        ),
        ("RelativePath", json!({"target_path": "a"}), json!("a")),
        (
            "RelativePath",
            json!({"target_path": "/usr/lib", "start_path": "/usr/share/x"}),
            json!("../../lib"),
        ),
        (
            "RelativePath",
            json!({"target_path": "q", "start_path": "q"}),
            json!("."),
        ),
        (
            "RelativePath",
            json!({"target_path": "q/r", "start_path": ""}),
            json!("q/r"),
        ),
        ("PathToString", json!({"file_path": "ü/x"}), json!("ü/x")),
        (
            "FileNameMatch",
            json!({"filename": "data_01.csv", "pattern": "data_*.csv"}),
            json!(true),
        ),
        (
            "FileNameMatch",
            json!({"filename": "DATA_01.CSV", "pattern": "data_*.csv"}),
            json!(false),
        ),
        (
            "FileNameMatch",
            json!({"filename": "DATA_01.CSV", "pattern": "data_*.csv", "case_sensitive": false}),
            json!(true),
        ),
        (
            "FileNameMatch",
            json!({"filename": "f3.txt", "pattern": "f[!0-2].txt"}),
            json!(true),
        ),
        (
            "FileNameMatch",
            json!({"filename": "any/thing"}),
            json!(true),
        ),
        (
            "FilterFileNames",
            json!({"filenames": ["b.txt", "a.md", "C.TXT", "c.txt"], "pattern": "*.txt"}),
            json!(["b.txt", "c.txt"]),
        ),
        (
            "FilterFileNames",
            json!({"filenames": ["b.txt", "a.md", "C.TXT"], "pattern": "*.TXT", "case_sensitive": false}),
            json!(["b.txt", "C.TXT"]),
        ),
        ("FilterFileNames", json!({"pattern": "*.txt"}), json!([])),
    ];
    for (node, data, expected) in cases {
        assert_eq!(
            pure(&os(node), data.clone()).await,
            expected,
            "{node} {data}"
        );
    }
}

#[tokio::test]
async fn os_pure_path_errors() {
    let cases = [
        ("FileExtension", json!({}), "'path' field cannot be empty"),
        ("FileName", json!({}), "'path' field cannot be empty"),
        ("GetDirectory", json!({}), "'path' field cannot be empty"),
        ("Basename", json!({"path": "  "}), "path is empty"),
        ("JoinPaths", json!({}), "paths cannot be empty"),
        ("NormalizePath", json!({}), "path cannot be empty"),
        ("PathToString", json!({}), "file_path cannot be empty"),
        ("RelativePath", json!({}), "target_path cannot be empty"),
        (
            "FileName",
            json!({"path": "~/x.txt"}),
            "path: `~/x.txt` starts with `~`",
        ),
        (
            "Dirname",
            json!({"path": "~user/x"}),
            "path: `~user/x` starts with `~`",
        ),
        ("SplitPath", json!({"path": "~"}), "starts with `~`"),
        (
            "SplitExtension",
            json!({"path": "~/a.b"}),
            "starts with `~`",
        ),
        ("FileExtension", json!({"path": "~/a.b"}), "starts with `~`"),
        ("GetDirectory", json!({"path": "~/a.b"}), "starts with `~`"),
        ("Basename", json!({"path": "~/a.b"}), "starts with `~`"),
        (
            "RelativePath",
            json!({"target_path": "a", "start_path": "~"}),
            "start_path: `~` starts with `~`",
        ),
        (
            "RelativePath",
            json!({"target_path": "/abs", "start_path": "rel"}),
            "start_path: this run has no workspace",
        ),
        (
            "RelativePath",
            json!({"target_path": "a", "start_path": "../b"}),
            "start_path: this run has no workspace",
        ),
    ];
    for (node, data, part) in cases {
        let e = pure_err(&os(node), data.clone()).await;
        assert!(e.contains(part), "{node} {data}: {e:?} lacks {part:?}");
    }
}

#[tokio::test]
async fn relative_path_uses_the_workspace_as_current_folder() {
    let env = Env::new();
    let root = env.root_text();
    let name = Path::new(&root)
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        env.ok(
            &os("RelativePath"),
            json!({"target_path": format!("{root}/d/x"), "start_path": "d"})
        )
        .await,
        json!("x")
    );
    assert_eq!(
        env.ok(
            &os("RelativePath"),
            json!({"target_path": "a", "start_path": ".."})
        )
        .await,
        json!(format!("{name}/a"))
    );
}

// ---------------------------------------------------------------------------------------
// Metadata

/// Property names, types and defaults and outputs as NodeTool's (from nodetool-base's
/// `nodetool/workspace.py` and `lib/os.py`).
#[test]
fn metadata_matches_nodetool() {
    nodetool_std_nodes::link();
    let expected: Value = serde_json::from_str(
        r#"{
        "lib.os.WorkspaceDirectory": {"properties": [], "outputs": [["output", "str"]]},
        "lib.os.FileExists": {"properties": [["path", "str", ""]], "outputs": [["output", "bool"]]},
        "lib.os.ListFiles": {"properties": [["folder", "str", "~"], ["pattern", "str", "*"], ["include_subdirectories", "bool", false]], "outputs": [["file", "str"]]},
        "lib.os.CopyFile": {"properties": [["source_path", "str", ""], ["destination_path", "str", ""]], "outputs": []},
        "lib.os.MoveFile": {"properties": [["source_path", "str", ""], ["destination_path", "str", ""]], "outputs": []},
        "lib.os.CreateDirectory": {"properties": [["path", "str", ""], ["exist_ok", "bool", true]], "outputs": []},
        "lib.os.GetFileSize": {"properties": [["path", "str", ""]], "outputs": [["output", "int"]]},
        "lib.os.CreatedTime": {"properties": [["path", "str", ""]], "outputs": [["output", "datetime"]]},
        "lib.os.ModifiedTime": {"properties": [["path", "str", ""]], "outputs": [["output", "datetime"]]},
        "lib.os.AccessedTime": {"properties": [["path", "str", ""]], "outputs": [["output", "datetime"]]},
        "lib.os.IsFile": {"properties": [["path", "str", ""]], "outputs": [["output", "bool"]]},
        "lib.os.IsDirectory": {"properties": [["path", "str", ""]], "outputs": [["output", "bool"]]},
        "lib.os.FileExtension": {"properties": [["path", "str", ""]], "outputs": [["output", "str"]]},
        "lib.os.FileName": {"properties": [["path", "str", ""]], "outputs": [["output", "str"]]},
        "lib.os.GetDirectory": {"properties": [["path", "str", ""]], "outputs": [["output", "str"]]},
        "lib.os.FileNameMatch": {"properties": [["filename", "str", ""], ["pattern", "str", "*"], ["case_sensitive", "bool", true]], "outputs": [["output", "bool"]]},
        "lib.os.FilterFileNames": {"properties": [["filenames", "list", []], ["pattern", "str", "*"], ["case_sensitive", "bool", true]], "outputs": [["output", "list"]]},
        "lib.os.Basename": {"properties": [["path", "str", ""], ["remove_extension", "bool", false]], "outputs": [["output", "str"]]},
        "lib.os.Dirname": {"properties": [["path", "str", ""]], "outputs": [["output", "str"]]},
        "lib.os.JoinPaths": {"properties": [["paths", "list", []]], "outputs": [["output", "str"]]},
        "lib.os.NormalizePath": {"properties": [["path", "str", ""]], "outputs": [["output", "str"]]},
        "lib.os.GetPathInfo": {"properties": [["path", "str", ""]], "outputs": [["output", "dict"]]},
        "lib.os.AbsolutePath": {"properties": [["path", "str", ""]], "outputs": [["output", "str"]]},
        "lib.os.SplitPath": {"properties": [["path", "str", ""]], "outputs": [["output", "dict"]]},
        "lib.os.SplitExtension": {"properties": [["path", "str", ""]], "outputs": [["output", "dict"]]},
        "lib.os.RelativePath": {"properties": [["target_path", "str", ""], ["start_path", "str", "."]], "outputs": [["output", "str"]]},
        "lib.os.PathToString": {"properties": [["file_path", "str", ""]], "outputs": [["output", "str"]]},
        "nodetool.workspace.GetWorkspaceDir": {"properties": [], "outputs": [["output", "str"]]},
        "nodetool.workspace.ListWorkspaceFiles": {"properties": [["path", "str", "."], ["pattern", "str", "*"], ["recursive", "bool", false]], "outputs": [["file", "str"]]},
        "nodetool.workspace.ReadTextFile": {"properties": [["path", "str", ""], ["encoding", "str", "utf-8"]], "outputs": [["output", "str"]]},
        "nodetool.workspace.WriteTextFile": {"properties": [["path", "str", ""], ["content", "str", ""], ["encoding", "str", "utf-8"], ["append", "bool", false]], "outputs": [["output", "str"]]},
        "nodetool.workspace.ReadBinaryFile": {"properties": [["path", "str", ""]], "outputs": [["output", "str"]]},
        "nodetool.workspace.WriteBinaryFile": {"properties": [["path", "str", ""], ["content", "str", ""]], "outputs": [["output", "str"]]},
        "nodetool.workspace.DeleteWorkspaceFile": {"properties": [["path", "str", ""], ["recursive", "bool", false]], "outputs": [["output", "none"]]},
        "nodetool.workspace.CreateWorkspaceDirectory": {"properties": [["path", "str", ""]], "outputs": [["output", "str"]]},
        "nodetool.workspace.WorkspaceFileExists": {"properties": [["path", "str", ""]], "outputs": [["output", "bool"]]},
        "nodetool.workspace.GetWorkspaceFileInfo": {"properties": [["path", "str", ""]], "outputs": [["output", "dict"]]},
        "nodetool.workspace.CopyWorkspaceFile": {"properties": [["source", "str", ""], ["destination", "str", ""]], "outputs": [["output", "str"]]},
        "nodetool.workspace.MoveWorkspaceFile": {"properties": [["source", "str", ""], ["destination", "str", ""]], "outputs": [["output", "str"]]},
        "nodetool.workspace.GetWorkspaceFileSize": {"properties": [["path", "str", ""]], "outputs": [["output", "int"]]},
        "nodetool.workspace.IsWorkspaceFile": {"properties": [["path", "str", ""]], "outputs": [["output", "bool"]]},
        "nodetool.workspace.IsWorkspaceDirectory": {"properties": [["path", "str", ""]], "outputs": [["output", "bool"]]},
        "nodetool.workspace.JoinWorkspacePaths": {"properties": [["paths", "list", []]], "outputs": [["output", "str"]]}
        }"#,
    )
    .unwrap();
    let registry = NodeRegistry::global();
    let mut problems = Vec::new();
    for (node_type, want) in expected.as_object().unwrap() {
        let Some(found) = registry.get(node_type) else {
            problems.push(format!("{node_type}: not registered"));
            continue;
        };
        let m = &found.metadata;
        let properties: Vec<Value> = m
            .properties
            .iter()
            .map(|p| {
                json!([
                    p.name,
                    p.type_metadata.name,
                    p.default.clone().unwrap_or(Value::Null)
                ])
            })
            .collect();
        let outputs: Vec<Value> = m
            .outputs
            .iter()
            .map(|o| json!([o.name, o.type_metadata.name]))
            .collect();
        let got = json!({"properties": properties, "outputs": outputs});
        if &got != want {
            problems.push(format!("{node_type}: {got} != {want}"));
        }
    }
    for left_out in [
        "nodetool.workspace.SaveImageFile",
        "nodetool.workspace.SaveVideoFile",
        "lib.os.OpenWorkspaceDirectory",
        "lib.os.ShowNotification",
    ] {
        assert!(registry.get(left_out).is_none(), "{left_out}");
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let count = |prefix: &str| {
        registry
            .metadata()
            .iter()
            .filter(|m| m.node_type.starts_with(prefix))
            .count()
    };
    assert_eq!(count("nodetool.workspace."), 16);
    assert_eq!(count("lib.os."), 27);
    let title = |t: &str| registry.get(t).unwrap().metadata.title.clone();
    assert_eq!(
        title("nodetool.workspace.GetWorkspaceDir"),
        "Get Workspace Dir"
    );
    assert_eq!(title("lib.os.FileNameMatch"), "File Name Match");
    let description = |t: &str| registry.get(t).unwrap().metadata.description.clone();
    assert!(description("lib.os.ListFiles").starts_with("list files in a directory"));
}

#[tokio::test]
async fn run_output_reads_the_last_listed_file() {
    // The harness's single-output helper sees the last streamed item.
    let env = Env::new();
    env.put("a.txt", "");
    env.put("b.txt", "");
    let last = run_output(
        &ws("ListWorkspaceFiles"),
        json!({"pattern": "*.txt"}),
        "file",
        &env.ctx,
    )
    .await
    .unwrap();
    assert_eq!(last, json!("b.txt"));
}
