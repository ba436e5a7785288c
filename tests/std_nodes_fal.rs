//! `fal.text_to_image.NanoBanana2` against a stand-in of fal.ai's queue API (`fal_stand_in`).

mod fal_stand_in;
mod node_harness;

use fal_stand_in::{fal_stand_in, KEY};
use node_harness::ctx_with_settings;
use serde_json::json;

#[tokio::test]
async fn a_request_is_queued_polled_and_its_first_image_returned() {
    let (base, seen) = fal_stand_in().await;
    let ctx = ctx_with_settings(&[("FAL_QUEUE_URL", &base), ("FAL_API_KEY", KEY)]);
    let image = node_harness::run_node_in(
        "fal.text_to_image.NanoBanana2",
        json!({"prompt": "a lighthouse", "resolution": "2K", "aspect_ratio": "16:9", "seed": "42"}),
        &ctx,
    )
    .await
    .unwrap();
    assert_eq!(image["type"], "image");
    assert_eq!(image["uri"], "https://v3.fal.media/files/req-1.png");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.polls, 2, "polled until COMPLETED");
    assert_eq!(
        seen.submitted,
        [(
            "fal-ai/nano-banana-2".to_owned(),
            json!({"prompt": "a lighthouse", "resolution": "2K", "enable_web_search": false,
                   "num_images": 1, "aspect_ratio": "16:9", "output_format": "png", "sync_mode": false,
                   "enable_google_search": false, "safety_tolerance": "4", "limit_generations": true,
                   "seed": 42})
        )]
    );
}

#[tokio::test]
async fn a_missing_or_wrong_key_and_a_bad_seed_are_named() {
    let (base, _) = fal_stand_in().await;
    let unset = ctx_with_settings(&[("FAL_QUEUE_URL", &base)]);
    let error = node_harness::run_node_in(
        "fal.text_to_image.NanoBanana2",
        json!({"prompt": "x"}),
        &unset,
    )
    .await
    .unwrap_err();
    assert!(error.contains("FAL_API_KEY is not set"), "{error}");
    let wrong = ctx_with_settings(&[("FAL_QUEUE_URL", &base), ("FAL_API_KEY", "fal-wrong")]);
    let error = node_harness::run_node_in(
        "fal.text_to_image.NanoBanana2",
        json!({"prompt": "x"}),
        &wrong,
    )
    .await
    .unwrap_err();
    assert!(
        error.contains("401") && error.contains("No user found") && !error.contains("fal-wrong"),
        "{error}"
    );
    let ctx = ctx_with_settings(&[("FAL_QUEUE_URL", &base), ("FAL_API_KEY", KEY)]);
    let error = node_harness::run_node_in(
        "fal.text_to_image.NanoBanana2",
        json!({"prompt": "x", "seed": "abc"}),
        &ctx,
    )
    .await
    .unwrap_err();
    assert!(error.contains("seed: `abc`"), "{error}");
}
