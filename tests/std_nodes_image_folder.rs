//! `nodetool.image.LoadImageFolder` in a graph as NodeTool's Photo_Enhancement_Suite wires it:
//! a folder path input, each image of the folder through a Pillow node, the paths to another
//! output. The folder is in the run's workspace; the images are `file://` references to it.

mod node_harness;

use base64::Engine;
use nodetool::prelude::*;
use nodetool::workspace::Workspace;
use serde_json::{json, Value};

fn png(pixel: [u8; 3]) -> Vec<u8> {
    let mut out = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut out),
        &pixel.repeat(4),
        2,
        2,
        image::ExtendedColorType::Rgb8,
    )
    .unwrap();
    out
}

fn first_pixel(value: &Value) -> [u8; 3] {
    let uri = value["uri"].as_str().unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(uri.strip_prefix("data:image/png;base64,").unwrap())
        .unwrap();
    image::load_from_memory(&bytes)
        .unwrap()
        .to_rgb8()
        .get_pixel(0, 0)
        .0
}

struct Fixture {
    _dir: tempfile::TempDir,
    workspace: Workspace,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let workspace = Workspace::new(dir.path()).unwrap();
    workspace
        .write("photos/b.png", &png([100, 50, 20]))
        .unwrap();
    workspace.write("photos/A.PNG", &png([10, 20, 30])).unwrap();
    workspace
        .write("photos/notes.txt", b"not an image")
        .unwrap();
    workspace
        .write("photos/old/c.png", &png([1, 2, 3]))
        .unwrap();
    workspace
        .write("photos/old/deeper/d.jpg", &png([7, 7, 7]))
        .unwrap();
    Fixture {
        _dir: dir,
        workspace,
    }
}

fn context(fixture: &Fixture) -> ProcessingContext {
    ProcessingContext::builder()
        .workspace(fixture.workspace.clone())
        .build()
}

#[tokio::test]
async fn each_image_of_the_folder_goes_through_the_graph_with_its_path() {
    let fixture = fixture();
    let graph = json!({"nodes": [
        {"id": "in", "type": "nodetool.input.FolderPathInput", "data": {"name": "image_folder", "value": "./photos"}},
        {"id": "load", "type": "nodetool.image.LoadImageFolder",
         "data": {"folder": "", "include_subdirectories": false,
                  "extensions": [".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tiff"], "pattern": ""}},
        {"id": "bright", "type": "lib.pillow.enhance.Brightness", "data": {"factor": 2.0}},
        {"id": "out", "type": "nodetool.output.Output", "data": {"name": "enhanced"}},
        {"id": "paths", "type": "nodetool.output.Output", "data": {"name": "source_paths"}},
        {"id": "refs", "type": "nodetool.output.Output", "data": {"name": "images"}}],
      "edges": [
        {"source": "in", "sourceHandle": "output", "target": "load", "targetHandle": "folder"},
        {"source": "load", "sourceHandle": "image", "target": "bright", "targetHandle": "image"},
        {"source": "bright", "sourceHandle": "output", "target": "out", "targetHandle": "value"},
        {"source": "load", "sourceHandle": "image", "target": "refs", "targetHandle": "value"},
        {"source": "load", "sourceHandle": "path", "target": "paths", "targetHandle": "value"}]});
    let result = node_harness::run_graph(graph, &context(&fixture))
        .await
        .unwrap();
    // Sorted names; upper-case extensions count; other files are left out.
    assert_eq!(
        result.values("source_paths"),
        [json!("./photos/A.PNG"), json!("./photos/b.png")]
    );
    let root = fixture.workspace.root().to_str().unwrap().to_owned();
    let refs: Vec<&str> = result
        .values("images")
        .iter()
        .map(|v| v["uri"].as_str().unwrap())
        .collect();
    assert_eq!(
        refs,
        [
            format!("file://{root}/photos/A.PNG"),
            format!("file://{root}/photos/b.png")
        ]
    );
    let enhanced: Vec<[u8; 3]> = result.values("enhanced").iter().map(first_pixel).collect();
    assert_eq!(enhanced, [[20, 40, 60], [200, 100, 40]]);
}

#[tokio::test]
async fn subfolders_and_patterns() {
    let fixture = fixture();
    let ctx = context(&fixture);
    let run = |data: Value| {
        let ctx = &ctx;
        async move {
            let graph = json!({"nodes": [
                {"id": "load", "type": "nodetool.image.LoadImageFolder", "data": data},
                {"id": "paths", "type": "nodetool.output.Output", "data": {"name": "paths"}}],
              "edges": [{"source": "load", "sourceHandle": "path", "target": "paths", "targetHandle": "value"}]});
            node_harness::run_graph(graph, ctx)
                .await
                .map(|r| r.values("paths").to_vec())
        }
    };
    // os.walk order: a folder's files, then each subfolder's.
    assert_eq!(
        run(json!({"folder": "photos", "include_subdirectories": true}))
            .await
            .unwrap(),
        [
            json!("photos/A.PNG"),
            json!("photos/b.png"),
            json!("photos/old/c.png"),
            json!("photos/old/deeper/d.jpg")
        ]
    );
    // The pattern matches the whole joined path; `*` crosses folders.
    assert_eq!(
        run(json!({"folder": "photos", "include_subdirectories": true, "pattern": "*/old/*"}))
            .await
            .unwrap(),
        [json!("photos/old/c.png"), json!("photos/old/deeper/d.jpg")]
    );
    assert_eq!(
        run(json!({"folder": "photos", "extensions": [".jpg"], "include_subdirectories": true}))
            .await
            .unwrap(),
        [json!("photos/old/deeper/d.jpg")]
    );

    for (data, expected) in [
        (json!({"folder": ""}), "folder cannot be empty"),
        (
            json!({"folder": "missing"}),
            "folder: Folder does not exist: missing",
        ),
        (
            json!({"folder": "photos/b.png"}),
            "folder: Folder does not exist: photos/b.png",
        ),
        (json!({"folder": "/etc"}), "folder: `/etc` is absolute"),
        (
            json!({"folder": "~/Pictures"}),
            "folder: `~/Pictures` starts with `~`",
        ),
        (
            json!({"folder": "../x"}),
            "folder: `../x` is outside the workspace",
        ),
    ] {
        let error = run(data.clone()).await.unwrap_err();
        assert!(error.contains(expected), "{data}: {error}");
    }
    let error = node_harness::run_output(
        "nodetool.image.LoadImageFolder",
        json!({"folder": "photos"}),
        "path",
        &ProcessingContext::default(),
    )
    .await
    .unwrap_err();
    assert!(
        error.contains("folder: this run has no workspace"),
        "{error}"
    );
}
