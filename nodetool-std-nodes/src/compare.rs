//! `nodetool.compare`: side-by-side previews.

use nodetool::metadata::{ImageRef, NodeValue, Nothing};
use nodetool::prelude::*;
use serde_json::json;

/// Compare two images side-by-side with an interactive slider.
/// image, compare, comparison, diff, before, after, slider
///
/// Posts one `preview_update` of type `image_comparison` with both references and labels;
/// does nothing while either image is empty. Its output carries nothing.
#[node(namespace = "nodetool.compare")]
pub async fn compare_images(
    ctx: &ProcessingContext,
    /// First image (displayed on left/top)
    #[input(default)]
    image_a: ImageRef,
    /// Second image (displayed on right/bottom)
    #[input(default)]
    image_b: ImageRef,
    /// Label for the first image
    #[input(default = "A")]
    label_a: String,
    /// Label for the second image
    #[input(default = "B")]
    label_b: String,
) -> Nothing {
    if image_a.is_empty() || image_b.is_empty() {
        return Nothing;
    }
    ctx.preview(json!({
        "type": "image_comparison",
        "image_a": image_a.into_value(),
        "image_b": image_b.into_value(),
        "label_a": label_a,
        "label_b": label_b,
    }))
    .await;
    Nothing
}
