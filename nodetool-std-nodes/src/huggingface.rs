//! `huggingface.automatic_speech_recognition.Whisper`. NodeTool runs Whisper locally with
//! transformers; this crate has no local model runtime, so it asks Hugging Face's inference
//! API for the same model (`model.repo_id`), in its wire format for automatic speech
//! recognition: `POST {HF_INFERENCE_URL}/models/{repo_id}` with `{"inputs": <base64 audio>,
//! "parameters": {"return_timestamps": …}}` and `Authorization: Bearer HF_TOKEN`, answered by
//! `{"text", "chunks": [{"text", "timestamp": [start, end]}]}`. Outputs are NodeTool's:
//! `text`, and `chunks` as `audio_chunk`s when timestamps are asked for. `HF_INFERENCE_URL`
//! points at an Inference Endpoint or a local server speaking the same API.

use crate::meta_node;
use crate::meta_node::Props;
use base64::Engine as _;
use nodetool::metadata::AssetRef;
use nodetool::workflows::{NodeError, NodeOutputs, ProcessingContext};
use serde_json::{json, Value};

/// Hugging Face's serverless inference.
pub const HF_INFERENCE_URL: &str = "https://router.huggingface.co/hf-inference";

/// The request body for `audio` with NodeTool's `task`, `language` and `timestamps`.
pub fn request_body(audio: &[u8], task: &str, language: &str, timestamps: &str) -> Value {
    let mut parameters =
        json!({"return_timestamps": timestamps != "none" && !timestamps.is_empty()});
    let mut generate = serde_json::Map::new();
    if !language.is_empty() && language != "auto_detect" {
        generate.insert("language".into(), json!(language));
    }
    if task == "translate" {
        generate.insert("task".into(), json!("translate"));
    }
    if !generate.is_empty() {
        parameters["generate_kwargs"] = Value::Object(generate);
    }
    json!({
        "inputs": base64::engine::general_purpose::STANDARD.encode(audio),
        "parameters": parameters,
    })
}

/// NodeTool's `audio_chunk`s from the response's chunks (those without an end are dropped,
/// as NodeTool drops them).
pub fn audio_chunks(response: &Value) -> Vec<Value> {
    response["chunks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|chunk| {
            let start = chunk["timestamp"][0].as_f64()?;
            let end = chunk["timestamp"][1].as_f64()?;
            Some(json!({"type": "audio_chunk", "timestamp": [start, end],
                "text": chunk["text"].as_str().unwrap_or_default()}))
        })
        .collect()
}

meta_node!(
    /// `huggingface.automatic_speech_recognition.Whisper`: speech to text.
    Whisper,
    "huggingface.automatic_speech_recognition.Whisper",
    Buffered,
    cacheable = true,
    tool = false
);

impl Whisper {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let repo = props.get("model")["repo_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if repo.is_empty() {
            return Err(NodeError::failed(
                "model: select a Whisper model (its repo_id, e.g. openai/whisper-small)",
            ));
        }
        let audio: AssetRef = props.typed("audio")?;
        if audio.uri.is_empty() && audio.asset_id.is_none() && audio.data.is_none() {
            return Err(NodeError::failed("audio: no audio is set"));
        }
        let bytes = ctx
            .asset_bytes(&audio)
            .await
            .map_err(|e| NodeError::failed(format!("audio: {e}")))?;
        let env = ctx
            .environment()
            .map_err(|e| NodeError::failed(format!("cannot read the settings: {e}")))?;
        let token = env
            .get("HF_TOKEN")
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| {
                NodeError::failed(
                "HF_TOKEN is not set: Whisper runs on Hugging Face's inference API here, which \
                 needs a token (settings or your secrets)",
            )
            })?;
        let base = env
            .get("HF_INFERENCE_URL")
            .filter(|u| !u.is_empty())
            .unwrap_or(HF_INFERENCE_URL)
            .trim_end_matches('/');
        let body = request_body(
            &bytes,
            &props.str("task"),
            &props.str("language"),
            &props.str("timestamps"),
        );
        let response = ctx
            .http()
            .post(format!("{base}/models/{repo}"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .map_err(|e| NodeError::failed(format!("Hugging Face inference for {repo}: {e}")))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| NodeError::failed(format!("Hugging Face inference for {repo}: {e}")))?;
        let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if !status.is_success() {
            let message = answer["error"]
                .as_str()
                .map_or_else(|| format!("{text:.200}"), str::to_owned);
            return Err(NodeError::failed(format!(
                "Hugging Face inference for {repo}: HTTP {status}: {message}"
            )));
        }
        let transcript = answer["text"].as_str().ok_or_else(|| {
            NodeError::failed(format!(
                "Hugging Face inference for {repo}: no text in {text:.200}"
            ))
        })?;
        let chunks = if props.str("timestamps") == "none" {
            Vec::new()
        } else {
            audio_chunks(&answer)
        };
        outputs
            .send_named("text", Value::String(transcript.to_owned()))
            .await?;
        outputs.send_named("chunks", Value::Array(chunks)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_carry_timestamps_language_and_task_only_when_asked() {
        let plain = request_body(b"RIFF", "transcribe", "auto_detect", "none");
        assert_eq!(
            plain,
            json!({"inputs": "UklGRg==", "parameters": {"return_timestamps": false}})
        );
        let full = request_body(b"RIFF", "translate", "german", "word");
        assert_eq!(full["parameters"]["return_timestamps"], true);
        assert_eq!(
            full["parameters"]["generate_kwargs"],
            json!({"language": "german", "task": "translate"})
        );
    }

    #[test]
    fn chunks_become_audio_chunks_and_open_ended_ones_are_dropped() {
        let response = json!({"text": "a b", "chunks": [
            {"text": " a", "timestamp": [0.0, 0.5]}, {"text": " b", "timestamp": [0.5, null]}]});
        assert_eq!(
            audio_chunks(&response),
            [json!({"type": "audio_chunk", "timestamp": [0.0, 0.5], "text": " a"})]
        );
    }
}
