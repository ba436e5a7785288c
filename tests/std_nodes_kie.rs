//! `kie.image.NanoBanana` against a Kie.ai stand-in speaking its task API (`kie_stand_in`).

mod kie_stand_in;
mod node_harness;

use kie_stand_in::{kie_stand_in, result_png, KEY};
use node_harness::{ctx_with_settings, png_image};
use serde_json::json;

#[tokio::test]
async fn a_task_is_created_polled_and_its_image_downloaded() {
    let (base, seen) = kie_stand_in().await;
    let ctx = ctx_with_settings(&[("KIE_BASE_URL", &base), ("KIE_API_KEY", KEY)]);
    let image = node_harness::run_node_in(
        "kie.image.NanoBanana",
        json!({"prompt": "a slow banana", "image_size": "16:9"}),
        &ctx,
    )
    .await
    .unwrap();
    let decoded = png_image(&image).to_rgb8();
    assert_eq!(
        decoded.into_raw(),
        image::load_from_memory(&result_png())
            .unwrap()
            .to_rgb8()
            .into_raw()
    );
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.tasks,
        [json!({"model": "google/nano-banana",
                "input": {"prompt": "a slow banana", "output_format": "png", "image_size": "16:9"}})]
    );
    assert_eq!(
        seen.polls["task-1"], 2,
        "polled until the state was success"
    );
}

#[tokio::test]
async fn failures_and_kie_codes_are_named() {
    let (base, _) = kie_stand_in().await;
    let ctx = ctx_with_settings(&[("KIE_BASE_URL", &base), ("KIE_API_KEY", KEY)]);
    let error =
        node_harness::run_node_in("kie.image.NanoBanana", json!({"prompt": "broken"}), &ctx)
            .await
            .unwrap_err();
    assert!(error.contains("failed: content policy"), "{error}");
    let error = node_harness::run_node_in(
        "kie.image.NanoBanana",
        json!({"prompt": "I am broke"}),
        &ctx,
    )
    .await
    .unwrap_err();
    assert!(error.contains("Insufficient Credits (402)"), "{error}");
    let error = node_harness::run_node_in("kie.image.NanoBanana", json!({"prompt": " "}), &ctx)
        .await
        .unwrap_err();
    assert!(error.contains("Prompt cannot be empty"), "{error}");

    let wrong = ctx_with_settings(&[("KIE_BASE_URL", &base), ("KIE_API_KEY", "wrong-kie-key")]);
    let error = node_harness::run_node_in("kie.image.NanoBanana", json!({"prompt": "x"}), &wrong)
        .await
        .unwrap_err();
    assert!(
        error.contains("Unauthorized") && !error.contains("wrong-kie-key"),
        "{error}"
    );
    let unset = ctx_with_settings(&[("KIE_BASE_URL", &base)]);
    let error = node_harness::run_node_in("kie.image.NanoBanana", json!({"prompt": "x"}), &unset)
        .await
        .unwrap_err();
    assert!(error.contains("KIE_API_KEY"), "{error}");
}
