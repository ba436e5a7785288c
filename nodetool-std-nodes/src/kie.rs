//! `kie.image.NanoBanana`: Google's Nano Banana image model through Kie.ai's task API, as
//! NodeTool calls it: `POST /api/v1/jobs/createTask` (`{"model": "google/nano-banana",
//! "input": {prompt, "output_format": "png", image_size}}`, `Authorization: Bearer
//! KIE_API_KEY`), then `GET /api/v1/jobs/recordInfo?taskId=…` every 1.5 s until the state is
//! `success` (or `fail`/`failed`, or the attempts run out: 200, or `timeout_seconds / 1.5`),
//! then the first of `resultJson.resultUrls` downloaded into the image. Kie's error codes
//! (401, 402, 422, 429, …) are errors naming what they mean. `KIE_BASE_URL` points at another
//! server (a proxy or a test server).

use crate::meta_node;
use crate::meta_node::Props;
use nodetool::workflows::{NodeError, NodeOutputs, ProcessingContext};
use serde_json::{json, Value};
use std::time::Duration;

/// Kie.ai's API.
pub const KIE_BASE_URL: &str = "https://api.kie.ai";

/// How often a task is polled.
const POLL_INTERVAL: Duration = Duration::from_millis(1500);

/// NodeTool's default number of polls.
const MAX_POLLS: u64 = 200;

/// What Kie.ai's `code` means, for a code other than 200.
pub fn code_meaning(code: i64) -> &'static str {
    match code {
        401 => "Unauthorized: check KIE_API_KEY",
        402 => "Insufficient Credits",
        404 => "Not Found",
        422 => "Validation Error",
        429 => "Rate Limited",
        455 => "Service Unavailable",
        500 => "Server Error",
        501 => "Generation Failed",
        505 => "Feature Disabled",
        _ => "Unexpected response",
    }
}

/// The response's JSON after its HTTP status and Kie's `code` were checked.
async fn checked(what: &str, response: reqwest::Response) -> Result<Value, NodeError> {
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| NodeError::failed(format!("{what}: {e}")))?;
    let body: Value = serde_json::from_str(&text).map_err(|_| {
        NodeError::failed(format!("{what}: HTTP {status}, not JSON: {:.200}", text))
    })?;
    match body.get("code").and_then(Value::as_i64) {
        Some(200) | None if status.is_success() => Ok(body),
        Some(code) => Err(NodeError::failed(format!(
            "{what}: {} ({code}): {}",
            code_meaning(code),
            body.get("msg")
                .or_else(|| body.get("message"))
                .and_then(Value::as_str)
                .unwrap_or_default()
        ))),
        None => Err(NodeError::failed(format!(
            "{what}: HTTP {status}: {:.200}",
            text
        ))),
    }
}

fn settings(ctx: &ProcessingContext) -> Result<(String, String), NodeError> {
    let env = ctx
        .environment()
        .map_err(|e| NodeError::failed(format!("cannot read the settings: {e}")))?;
    let key = env
        .get("KIE_API_KEY")
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| {
            NodeError::failed(
                "KIE_API_KEY secret is not configured: add it in the settings or your secrets",
            )
        })?
        .to_owned();
    let base = env
        .get("KIE_BASE_URL")
        .filter(|u| !u.is_empty())
        .unwrap_or(KIE_BASE_URL)
        .trim_end_matches('/')
        .to_owned();
    Ok((key, base))
}

/// Runs a Kie.ai task for `model` with `input` and returns the bytes of its first result.
pub async fn run_task(
    ctx: &ProcessingContext,
    model: &str,
    input: Value,
    timeout_seconds: i64,
) -> Result<Vec<u8>, NodeError> {
    let (key, base) = settings(ctx)?;
    let http = ctx.http();
    let submitted = http
        .post(format!("{base}/api/v1/jobs/createTask"))
        .bearer_auth(&key)
        .json(&json!({"model": model, "input": input}))
        .send()
        .await
        .map_err(|e| NodeError::failed(format!("Kie.ai createTask: {e}")))?;
    let submitted = checked("Kie.ai createTask", submitted).await?;
    let task = submitted["data"]["taskId"]
        .as_str()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| NodeError::failed(format!("Kie.ai createTask: no taskId in {submitted}")))?
        .to_owned();
    let attempts = if timeout_seconds > 0 {
        ((timeout_seconds as f64 / POLL_INTERVAL.as_secs_f64()) as u64).max(1)
    } else {
        MAX_POLLS
    };
    let mut record = Value::Null;
    for attempt in 0..attempts {
        if attempt > 0 {
            tokio::time::sleep(POLL_INTERVAL).await;
        }
        let polled = http
            .get(format!("{base}/api/v1/jobs/recordInfo"))
            .query(&[("taskId", &task)])
            .bearer_auth(&key)
            .send()
            .await
            .map_err(|e| NodeError::failed(format!("Kie.ai recordInfo: {e}")))?;
        record = checked("Kie.ai recordInfo", polled).await?;
        match record["data"]["state"].as_str() {
            Some("success") => break,
            // Kie documents `fail`; NodeTool checks `failed`.
            Some("fail" | "failed") => {
                return Err(NodeError::failed(format!(
                    "Kie.ai task {task} failed: {}",
                    record["data"]["failMsg"]
                        .as_str()
                        .filter(|m| !m.is_empty())
                        .unwrap_or("Unknown error occurred")
                )))
            }
            _ => record = Value::Null,
        }
    }
    if record.is_null() {
        return Err(NodeError::failed(format!(
            "Kie.ai task {task} did not complete within {} seconds",
            (attempts as f64 * POLL_INTERVAL.as_secs_f64()).round()
        )));
    }
    let results: Value = record["data"]["resultJson"]
        .as_str()
        .and_then(|r| serde_json::from_str(r).ok())
        .ok_or_else(|| NodeError::failed(format!("Kie.ai task {task}: no resultJson")))?;
    let url = results["resultUrls"][0]
        .as_str()
        .ok_or_else(|| NodeError::failed(format!("Kie.ai task {task}: no result URL")))?;
    let download = http
        .get(url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| NodeError::failed(format!("Kie.ai task {task}: downloading {url}: {e}")))?;
    let bytes = download
        .bytes()
        .await
        .map_err(|e| NodeError::failed(format!("Kie.ai task {task}: downloading {url}: {e}")))?;
    Ok(bytes.to_vec())
}

meta_node!(
    /// `kie.image.NanoBanana`: an image from a prompt with Google's Nano Banana on Kie.ai.
    NanoBanana,
    "kie.image.NanoBanana",
    Buffered,
    cacheable = true,
    tool = true
);

impl NanoBanana {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let prompt = props.str("prompt");
        if prompt.trim().is_empty() {
            return Err(NodeError::failed("prompt: Prompt cannot be empty"));
        }
        let input = json!({"prompt": prompt, "output_format": "png", "image_size": props.str("image_size")});
        let bytes = run_task(
            ctx,
            "google/nano-banana",
            input,
            props.int("timeout_seconds")?,
        )
        .await?;
        let mime = image::guess_format(&bytes)
            .map(|f| f.to_mime_type())
            .map_err(|_| NodeError::failed("Kie.ai returned a file that is not an image"))?;
        outputs
            .send_named("output", crate::assets::data_ref("image", mime, &bytes))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kie_codes_are_named() {
        assert_eq!(code_meaning(402), "Insufficient Credits");
        assert!(code_meaning(401).contains("KIE_API_KEY"));
        assert_eq!(code_meaning(999), "Unexpected response");
    }
}
