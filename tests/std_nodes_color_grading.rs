//! `lib.pillow.color_grading` nodes in a graph as NodeTool's Color_Boost_Video example wires
//! them: Exposure (0.2 stops, contrast 0.1, highlights -0.1, shadows 0.1) then
//! SaturationVibrance (0.5, 0.4). The expected bytes are those NodeTool's own Python code
//! gives for the same image.

mod node_harness;

use nodetool::prelude::*;
use serde_json::{json, Value};

const PIXELS: [u8; 24] = [
    0, 0, 0, 255, 255, 255, 200, 30, 40, 12, 200, 90, 128, 128, 128, 250, 240, 10, 60, 70, 80, 1,
    2, 250,
];

fn png(pixels: &[u8], color: image::ExtendedColorType) -> Value {
    node_harness::png_ref(pixels, 4, 2, color)
}

fn rgb_of(value: &Value) -> Vec<u8> {
    let decoded = node_harness::png_image(value);
    assert_eq!((decoded.width(), decoded.height()), (4, 2));
    decoded.to_rgb8().into_raw()
}

#[tokio::test]
async fn exposure_then_saturation_vibrance_as_in_color_boost_video() {
    let graph = json!({"nodes": [
        {"id": "e", "type": "lib.pillow.color_grading.Exposure",
         "data": {"image": png(&PIXELS, image::ExtendedColorType::Rgb8),
                  "exposure": 0.2, "contrast": 0.1, "highlights": -0.1, "shadows": 0.1}},
        {"id": "s", "type": "lib.pillow.color_grading.SaturationVibrance",
         "data": {"saturation": 0.5, "vibrance": 0.4}},
        {"id": "o", "type": "nodetool.output.Output", "data": {"name": "graded"}}],
      "edges": [
        {"source": "e", "sourceHandle": "output", "target": "s", "targetHandle": "image"},
        {"source": "s", "sourceHandle": "output", "target": "o", "targetHandle": "value"}]});
    let result = node_harness::run_graph(graph, &ProcessingContext::default())
        .await
        .unwrap();
    let graded = node_harness::last_values(result);
    assert_eq!(
        rgb_of(&graded["graded"]),
        [
            1, 1, 1, 255, 255, 255, 255, 6, 25, 0, 255, 80, 151, 151, 151, 255, 255, 0, 58, 82,
            105, 0, 0, 255
        ]
    );
}

#[tokio::test]
async fn alpha_is_dropped_defaults_change_nothing_and_a_missing_image_is_named() {
    // RGBA in: NodeTool converts to RGB first (alpha dropped, not blended).
    let rgba: Vec<u8> = PIXELS
        .chunks(3)
        .flat_map(|p| [p[0], p[1], p[2], 100])
        .collect();
    let out = node_harness::ok(
        "lib.pillow.color_grading.Exposure",
        json!({"image": png(&rgba, image::ExtendedColorType::Rgba8), "exposure": 0.2}),
    )
    .await;
    assert_eq!(
        rgb_of(&out),
        [
            0, 0, 0, 255, 255, 255, 229, 34, 45, 13, 229, 103, 147, 147, 147, 255, 255, 11, 68, 80,
            91, 1, 2, 255
        ]
    );
    let same = node_harness::ok(
        "lib.pillow.color_grading.SaturationVibrance",
        json!({"image": png(&PIXELS, image::ExtendedColorType::Rgb8)}),
    )
    .await;
    assert_eq!(rgb_of(&same), PIXELS);

    for node_type in [
        "lib.pillow.color_grading.Exposure",
        "lib.pillow.color_grading.SaturationVibrance",
    ] {
        let error = node_harness::err(node_type, json!({})).await;
        assert!(error.contains("image: no image is set"), "{error}");
    }
}
