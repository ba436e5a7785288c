//! `lib.grid.CombineImageGrid` in a graph as NodeTool's Concept_Art_Iteration_Board wires it:
//! images collected into a list, combined 3 to a row. Tiles of mixed modes and sizes become
//! RGBA cells of the largest size; what no tile covers is transparent.

mod node_harness;

use nodetool::prelude::*;
use serde_json::{json, Value};

fn png(width: u32, height: u32, pixel: &[u8]) -> Value {
    let color = match pixel.len() {
        3 => image::ExtendedColorType::Rgb8,
        _ => image::ExtendedColorType::Rgba8,
    };
    let pixels = pixel.repeat((width * height) as usize);
    node_harness::png_ref(&pixels, width, height, color)
}

fn rgba_of(value: &Value) -> image::RgbaImage {
    let decoded = node_harness::png_image(value);
    assert!(decoded.color().has_alpha(), "the grid is RGBA");
    decoded.to_rgba8()
}

#[tokio::test]
async fn collected_images_are_combined_three_to_a_row() {
    // A list node streams the tiles one by one; Collect gathers them as in the example.
    let tiles = json!([
        png(2, 2, &[255, 0, 0]),
        png(1, 1, &[0, 255, 0, 128]),
        png(2, 1, &[0, 0, 255]),
        png(1, 2, &[9, 9, 9])
    ]);
    let graph = json!({"nodes": [
        {"id": "l", "type": "nodetool.control.ForEach", "data": {"input_list": tiles}},
        {"id": "c", "type": "nodetool.control.Collect", "data": {}},
        {"id": "g", "type": "lib.grid.CombineImageGrid", "data": {"columns": 3}},
        {"id": "o", "type": "nodetool.output.Output", "data": {"name": "mood_board"}}],
      "edges": [
        {"source": "l", "sourceHandle": "output", "target": "c", "targetHandle": "input_item"},
        {"source": "c", "sourceHandle": "output", "target": "g", "targetHandle": "tiles"},
        {"source": "g", "sourceHandle": "output", "target": "o", "targetHandle": "value"}]});
    let result = node_harness::run_graph(graph, &ProcessingContext::default())
        .await
        .unwrap();
    let board = rgba_of(&node_harness::last_values(result)["mood_board"]);
    // 3 columns, 2 rows of 2x2 cells.
    assert_eq!(board.dimensions(), (6, 4));
    let at = |x, y| board.get_pixel(x, y).0;
    assert_eq!(at(1, 1), [255, 0, 0, 255]);
    assert_eq!(at(2, 0), [0, 255, 0, 128]);
    assert_eq!(at(3, 0), [0, 0, 0, 0]);
    assert_eq!(at(3, 1), [0, 0, 0, 0]);
    assert_eq!([at(4, 0), at(5, 0)], [[0, 0, 255, 255]; 2]);
    assert_eq!(at(4, 1), [0, 0, 0, 0]);
    assert_eq!([at(0, 2), at(0, 3)], [[9, 9, 9, 255]; 2]);
    assert_eq!(at(1, 2), [0, 0, 0, 0]);
    assert_eq!(at(5, 3), [0, 0, 0, 0]);
}

#[tokio::test]
async fn columns_default_to_the_square_root_and_errors_name_the_property() {
    let four = json!([
        png(1, 1, &[1, 1, 1]),
        png(1, 1, &[2, 2, 2]),
        png(1, 1, &[3, 3, 3]),
        png(1, 1, &[4, 4, 4])
    ]);
    let out = node_harness::ok("lib.grid.CombineImageGrid", json!({"tiles": four})).await;
    let grid = rgba_of(&out);
    assert_eq!(grid.dimensions(), (2, 2));
    assert_eq!(grid.get_pixel(0, 1).0, [3, 3, 3, 255]);

    let error = node_harness::err("lib.grid.CombineImageGrid", json!({"tiles": []})).await;
    assert!(
        error.contains("tiles: no tiles provided for combining"),
        "{error}"
    );
    let error = node_harness::err(
        "lib.grid.CombineImageGrid",
        json!({"tiles": [png(1, 1, &[1, 1, 1]), {"type": "image", "uri": ""}]}),
    )
    .await;
    assert!(error.contains("tiles[1]: no image is set"), "{error}");
    let error = node_harness::err(
        "lib.grid.CombineImageGrid",
        json!({"tiles": [png(1, 1, &[1, 1, 1])], "columns": -1}),
    )
    .await;
    assert!(error.contains("columns: must be 0 or more"), "{error}");
}
