//! `huggingface.automatic_speech_recognition.Whisper` against a stand-in of Hugging Face's
//! inference API (`hf_stand_in`): the request it sends, the outputs it makes, its errors.

mod hf_stand_in;
mod node_harness;
mod scripted_llm;

use hf_stand_in::{hf_stand_in, TOKEN, TRANSCRIPT};
use node_harness::{ctx_with_settings, run_graph};
use serde_json::{json, Value};

fn audio() -> Value {
    json!({"type": "audio", "uri": format!("data:audio/wav;base64,{}", scripted_llm::WAV_SILENCE)})
}

#[tokio::test]
async fn speech_becomes_text_and_timed_chunks() {
    let (base, seen) = hf_stand_in().await;
    let ctx = ctx_with_settings(&[("HF_INFERENCE_URL", &base), ("HF_TOKEN", TOKEN)]);
    let graph = json!({"nodes": [
        {"id": "w", "type": "huggingface.automatic_speech_recognition.Whisper", "data": {
            "model": {"type": "hf.automatic_speech_recognition", "repo_id": "openai/whisper-small"},
            "audio": audio(), "language": "english", "timestamps": "word"}},
        {"id": "t", "type": "nodetool.output.Output", "data": {"name": "text"}},
        {"id": "c", "type": "nodetool.output.Output", "data": {"name": "chunks"}}],
      "edges": [
        {"source": "w", "sourceHandle": "text", "target": "t", "targetHandle": "value"},
        {"source": "w", "sourceHandle": "chunks", "target": "c", "targetHandle": "value"}]});
    let result = run_graph(graph, &ctx).await.unwrap();
    assert_eq!(result.get("text"), Some(&json!(TRANSCRIPT)));
    assert_eq!(
        result.get("chunks"),
        Some(&json!([
            {"type": "audio_chunk", "timestamp": [0.0, 0.4], "text": " Hello from"},
            {"type": "audio_chunk", "timestamp": [0.4, 0.9], "text": " the stand-in."}]))
    );
    let seen = seen.lock().unwrap();
    let (model, body) = &seen[0];
    assert_eq!(model, "openai/whisper-small");
    assert_eq!(
        body["parameters"],
        json!({"return_timestamps": true, "generate_kwargs": {"language": "english"}})
    );
}

#[tokio::test]
async fn a_missing_model_token_or_audio_is_named() {
    let (base, _) = hf_stand_in().await;
    let model =
        json!({"type": "hf.automatic_speech_recognition", "repo_id": "openai/whisper-small"});
    let ctx = ctx_with_settings(&[("HF_INFERENCE_URL", &base), ("HF_TOKEN", TOKEN)]);
    let run = |data: Value, ctx| async move {
        node_harness::run_output(
            "huggingface.automatic_speech_recognition.Whisper",
            data,
            "text",
            ctx,
        )
        .await
    };
    let error = run(json!({"audio": audio()}), &ctx).await.unwrap_err();
    assert!(error.contains("model: select a Whisper model"), "{error}");
    let error = run(json!({"model": model}), &ctx).await.unwrap_err();
    assert!(error.contains("audio: no audio is set"), "{error}");
    let no_token = ctx_with_settings(&[("HF_INFERENCE_URL", &base)]);
    let error = run(json!({"model": model, "audio": audio()}), &no_token)
        .await
        .unwrap_err();
    assert!(error.contains("HF_TOKEN is not set"), "{error}");
    let wrong = ctx_with_settings(&[("HF_INFERENCE_URL", &base), ("HF_TOKEN", "hf_wrong")]);
    let error = run(json!({"model": model, "audio": audio()}), &wrong)
        .await
        .unwrap_err();
    assert!(
        error.contains("401") && error.contains("Invalid credentials"),
        "{error}"
    );
    assert!(!error.contains("hf_wrong"), "{error}");
}
