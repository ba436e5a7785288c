//! `lib.pillow.enhance` nodes in a graph as NodeTool's Image_Enhance example wires them: a PNG
//! in, Sharpen then AutoContrast (cutoff 108: Pillow leaves the image as it is), a PNG out
//! whose pixels are the sharpened input.

mod node_harness;

use base64::Engine;
use nodetool::prelude::*;
use nodetool_std_nodes::pillow::{sharpen, Rgb};
use serde_json::json;

fn png(img: &Rgb) -> String {
    let reference = node_harness::png_ref(
        &img.pixels,
        img.width as u32,
        img.height as u32,
        image::ExtendedColorType::Rgb8,
    );
    reference["uri"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn sharpen_then_autocontrast_as_in_image_enhance() {
    let (width, height) = (6, 5);
    let pixels: Vec<u8> = (0..width * height * 3)
        .map(|i| ((i * 37) % 251) as u8)
        .collect();
    let input = Rgb {
        width,
        height,
        pixels,
    };
    let graph = json!({"nodes": [
        {"id": "s", "type": "lib.pillow.enhance.Sharpen", "data": {"image": {"type": "image", "uri": png(&input)}}},
        {"id": "a", "type": "lib.pillow.enhance.AutoContrast", "data": {"cutoff": 108}},
        {"id": "o", "type": "nodetool.output.Output", "data": {"name": "enhanced"}}],
      "edges": [
        {"source": "s", "sourceHandle": "output", "target": "a", "targetHandle": "image"},
        {"source": "a", "sourceHandle": "output", "target": "o", "targetHandle": "value"}]});
    let result = node_harness::run_graph(graph, &ProcessingContext::default())
        .await
        .unwrap();
    let out = result.get("enhanced").unwrap();
    assert_eq!(out["type"], "image");
    let uri = out["uri"].as_str().unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(uri.strip_prefix("data:image/png;base64,").unwrap())
        .unwrap();
    let decoded = image::load_from_memory(&bytes).unwrap().to_rgb8();
    assert_eq!((decoded.width(), decoded.height()), (6, 5));
    assert_eq!(decoded.into_raw(), sharpen(&input).pixels);

    let error = node_harness::err("lib.pillow.enhance.Brightness", json!({"factor": 1.2})).await;
    assert!(error.contains("image: no image is set"), "{error}");
}
