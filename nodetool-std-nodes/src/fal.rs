//! `fal.text_to_image.NanoBanana2` on fal.ai's queue API, as NodeTool's fal client drives it:
//! `POST {FAL_QUEUE_URL}/fal-ai/nano-banana-2` with the node's arguments (`Authorization: Key
//! FAL_API_KEY`), then the returned `status_url` polled (every 0.1 s, growing to 1 s) until
//! `COMPLETED`, then `response_url`; the output is the first image's URL, as in NodeTool.
//! `FAL_QUEUE_URL` points at a proxy or a test server.

use crate::meta_node;
use crate::meta_node::Props;
use nodetool::workflows::{NodeError, NodeOutputs, ProcessingContext};
use serde_json::{json, Map, Value};
use std::time::{Duration, Instant};

/// fal.ai's queue.
pub const FAL_QUEUE_URL: &str = "https://queue.fal.run";

/// How long a request may take, queue included (fal's client waits as long).
const DEADLINE: Duration = Duration::from_secs(600);

/// The JSON of `response`, or an error with fal's `detail`.
async fn fal_json(what: &str, response: reqwest::Response) -> Result<Value, NodeError> {
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| NodeError::failed(format!("fal {what}: {e}")))?;
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if status.is_success() && !body.is_null() {
        return Ok(body);
    }
    let detail = match &body["detail"] {
        Value::String(d) => d.clone(),
        Value::Null => format!("{text:.200}"),
        other => other.to_string(),
    };
    Err(NodeError::failed(format!(
        "fal {what}: HTTP {status}: {detail}"
    )))
}

/// Runs `application` with `arguments` on fal's queue and returns its result.
pub async fn submit(
    ctx: &ProcessingContext,
    application: &str,
    arguments: &Value,
) -> Result<Value, NodeError> {
    let env = ctx
        .environment()
        .map_err(|e| NodeError::failed(format!("cannot read the settings: {e}")))?;
    let key = env
        .get("FAL_API_KEY")
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| {
            NodeError::failed("FAL_API_KEY is not set: add it in the settings or your secrets")
        })?
        .to_owned();
    let base = env
        .get("FAL_QUEUE_URL")
        .filter(|u| !u.is_empty())
        .unwrap_or(FAL_QUEUE_URL)
        .trim_end_matches('/')
        .to_owned();
    let auth = format!("Key {key}");
    let http = ctx.http();
    let queued = http
        .post(format!("{base}/{application}"))
        .header("Authorization", &auth)
        .json(arguments)
        .send()
        .await
        .map_err(|e| NodeError::failed(format!("fal submit: {e}")))?;
    let queued = fal_json("submit", queued).await?;
    let url = |name: &str| {
        queued[name]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| NodeError::failed(format!("fal submit: no {name} in {queued}")))
    };
    let (status_url, response_url) = (url("status_url")?, url("response_url")?);
    let started = Instant::now();
    let mut wait = Duration::from_millis(100);
    loop {
        let polled = http
            .get(&status_url)
            .query(&[("logs", "false")])
            .header("Authorization", &auth)
            .send()
            .await
            .map_err(|e| NodeError::failed(format!("fal status: {e}")))?;
        let status = fal_json("status", polled).await?;
        match status["status"].as_str() {
            Some("COMPLETED") => break,
            Some("IN_QUEUE" | "IN_PROGRESS") => {}
            other => {
                return Err(NodeError::failed(format!(
                    "fal status: unknown status {}",
                    other.unwrap_or("(none)")
                )))
            }
        }
        if started.elapsed() > DEADLINE {
            return Err(NodeError::failed(format!(
                "fal: {application} did not complete within {} s",
                DEADLINE.as_secs()
            )));
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(1));
    }
    let result = http
        .get(&response_url)
        .header("Authorization", &auth)
        .send()
        .await
        .map_err(|e| NodeError::failed(format!("fal result: {e}")))?;
    fal_json("result", result).await
}

/// NodeTool's arguments for NanoBanana2: every property, `seed` only when set.
pub fn nano_banana_2_arguments(props: &Props) -> Result<Value, NodeError> {
    let mut arguments = Map::new();
    arguments.insert("prompt".into(), json!(props.str("prompt")));
    arguments.insert("resolution".into(), json!(props.str("resolution")));
    arguments.insert(
        "enable_web_search".into(),
        json!(props.bool("enable_web_search")),
    );
    arguments.insert("num_images".into(), json!(props.int("num_images")?));
    arguments.insert("aspect_ratio".into(), json!(props.str("aspect_ratio")));
    arguments.insert("output_format".into(), json!(props.str("output_format")));
    arguments.insert("sync_mode".into(), json!(props.bool("sync_mode")));
    arguments.insert(
        "enable_google_search".into(),
        json!(props.bool("enable_google_search")),
    );
    arguments.insert(
        "safety_tolerance".into(),
        json!(props.str("safety_tolerance")),
    );
    arguments.insert(
        "limit_generations".into(),
        json!(props.bool("limit_generations")),
    );
    let seed = match props.get("seed") {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(
            s.trim()
                .parse::<i64>()
                .map_err(|_| NodeError::failed(format!("seed: `{s}` is not an integer")))?,
        ),
        _ => Some(props.int("seed")?),
    };
    if let Some(seed) = seed {
        arguments.insert("seed".into(), json!(seed));
    }
    Ok(Value::Object(arguments))
}

meta_node!(
    /// `fal.text_to_image.NanoBanana2`: an image from a prompt with Nano Banana 2 on fal.ai.
    NanoBanana2,
    "fal.text_to_image.NanoBanana2",
    Buffered,
    cacheable = true,
    tool = false
);

impl NanoBanana2 {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let arguments = nano_banana_2_arguments(props)?;
        let result = submit(ctx, "fal-ai/nano-banana-2", &arguments).await?;
        let url = result["images"][0]["url"].as_str().ok_or_else(|| {
            NodeError::failed(format!("fal: no image in the result {result:.300}"))
        })?;
        outputs
            .send_named(
                "output",
                json!({"type": "image", "uri": url, "asset_id": null, "data": null}),
            )
            .await
    }
}
