//! NodeTool's media nodes (`nodetool.image.TextToImage`/`ImageToImage`,
//! `nodetool.audio.TextToSpeech`, `nodetool.text.AutomaticSpeechRecognition`,
//! `nodetool.video.TextToVideo`/`ImageToVideo`) against a local server speaking OpenAI's media
//! endpoints: the requests they make (fields, sizes, multipart files) and what they output.

mod node_harness;
mod scripted_llm;

use base64::Engine;
use nodetool::prelude::*;
use scripted_llm::{Reply, MP4_BYTES, PNG_1X1, TRANSCRIPT};
use serde_json::{json, Value};

fn ctx(base: &str) -> ProcessingContext {
    node_harness::ctx_with_settings(&[
        ("OPENAI_BASE_URL", base),
        ("OPENAI_API_KEY", "sk-media"),
        ("NODETOOL_VIDEO_POLL_SECONDS", "0"),
    ])
}

fn model(kind: &str, id: &str) -> Value {
    json!({"type": kind, "provider": "openai", "id": id, "name": id})
}

fn decoded(reference: &Value, mime: &str) -> Vec<u8> {
    let uri = reference["uri"].as_str().unwrap();
    let data = uri
        .strip_prefix(&format!("data:{mime};base64,"))
        .unwrap_or_else(|| panic!("not a {mime} data URI: {uri:.60}"));
    base64::engine::general_purpose::STANDARD
        .decode(data)
        .unwrap()
}

fn png_ref() -> Value {
    json!({"type": "image", "uri": format!("data:image/png;base64,{PNG_1X1}")})
}

#[tokio::test]
async fn images_are_drawn_and_edited_over_openais_image_api() {
    let (base, server) = scripted_llm::serve(|_| async { Reply::Text(String::new()) }).await;
    let ctx = ctx(&base);
    let image = node_harness::run_node_in(
        "nodetool.image.TextToImage",
        json!({"model": model("image_model", "gpt-image-1"), "prompt": "A lighthouse",
               "negative_prompt": "people", "width": 1920, "height": 1080}),
        &ctx,
    )
    .await
    .unwrap();
    assert_eq!(image["type"], "image");
    let png = decoded(&image, "image/png");
    assert_eq!(
        png,
        base64::engine::general_purpose::STANDARD
            .decode(PNG_1X1)
            .unwrap()
    );

    let edited = node_harness::run_node_in(
        "nodetool.image.ImageToImage",
        json!({"model": model("image_model", "gpt-image-1"), "image": png_ref(),
               "prompt": "At night", "target_width": 1024, "target_height": 1024}),
        &ctx,
    )
    .await
    .unwrap();
    assert_eq!(edited["type"], "image");

    let media = server.media();
    assert_eq!(media[0].path, "images/generations");
    assert_eq!(
        media[0].body,
        json!({"model": "gpt-image-1", "prompt": "A lighthouse\n\nDo not include: people", "size": "1536x1024"})
    );
    assert_eq!(media[1].path, "images/edits");
    let form = &media[1].body;
    assert_eq!(form["model"], "gpt-image-1");
    assert_eq!(form["prompt"], "At night");
    assert_eq!(form["size"], "1024x1024");
    assert_eq!(form["image"]["file"], "image.png");
    assert_eq!(form["image"]["bytes"], png.len());
}

#[tokio::test]
async fn speech_streams_pcm_chunks_then_a_wav_and_audio_is_transcribed() {
    let (base, server) = scripted_llm::serve(|_| async { Reply::Text(String::new()) }).await;
    let ctx = ctx(&base);
    let mut tts = model("tts_model", "tts-1");
    tts["voices"] = json!(["nova", "alloy"]);
    let audio = node_harness::run_output(
        "nodetool.audio.TextToSpeech",
        json!({"model": tts.clone(), "text": "Hello there", "speed": 9.0}),
        "audio",
        &ctx,
    )
    .await
    .unwrap();
    let wav = decoded(&audio, "audio/wav");
    assert_eq!(&wav[..4], b"RIFF");
    assert_eq!(wav.len(), 44 + 2400 * 2);
    let chunk = node_harness::run_output(
        "nodetool.audio.TextToSpeech",
        json!({"model": tts, "text": "Hello there"}),
        "chunk",
        &ctx,
    )
    .await
    .unwrap();
    assert_eq!(
        chunk["done"], true,
        "the last chunk ends the stream: {chunk}"
    );
    assert_eq!(chunk["content_type"], "audio");

    let speech = &server.media()[0];
    assert_eq!(speech.path, "audio/speech");
    assert_eq!(
        speech.body,
        json!({"model": "tts-1", "input": "Hello there", "voice": "nova", "speed": 4.0, "response_format": "pcm"})
    );

    let audio_ref = json!({"type": "audio", "uri": format!("data:audio/wav;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&wav))});
    let text = node_harness::run_output(
        "nodetool.text.AutomaticSpeechRecognition",
        json!({"model": model("asr_model", "whisper-1"), "audio": audio_ref}),
        "text",
        &ctx,
    )
    .await
    .unwrap();
    assert_eq!(text, TRANSCRIPT);
    let asr = server.media().pop().unwrap();
    assert_eq!(asr.path, "audio/transcriptions");
    assert_eq!(asr.body["model"], "whisper-1");
    assert_eq!(
        asr.body["file"],
        json!({"file": "audio.wav", "bytes": wav.len()})
    );
}

#[tokio::test]
async fn videos_are_created_polled_and_downloaded() {
    let (base, server) = scripted_llm::serve(|_| async { Reply::Text(String::new()) }).await;
    let ctx = ctx(&base);
    let video = node_harness::run_node_in(
        "nodetool.video.TextToVideo",
        json!({"model": model("video_model", "sora-2"), "prompt": "Waves",
               "aspect_ratio": "9:16", "resolution": "720p", "num_frames": 200}),
        &ctx,
    )
    .await
    .unwrap();
    assert_eq!(video["type"], "video");
    assert_eq!(decoded(&video, "video/mp4"), MP4_BYTES);
    let from_image = node_harness::run_node_in(
        "nodetool.video.ImageToVideo",
        json!({"model": model("video_model", "sora-2"), "image": png_ref(), "prompt": "Zoom"}),
        &ctx,
    )
    .await
    .unwrap();
    assert_eq!(decoded(&from_image, "video/mp4"), MP4_BYTES);

    let media = server.media();
    assert_eq!(media[0].path, "videos");
    assert_eq!(
        media[0].body,
        json!({"model": "sora-2", "prompt": "Waves", "seconds": "8", "size": "720x1280"})
    );
    assert_eq!(media[1].body["input_reference"]["file"], "image.png");
    assert_eq!(media[1].body["seconds"], "4");
}

#[tokio::test]
async fn unsupported_providers_and_unset_models_are_named() {
    let (base, _server) = scripted_llm::serve(|_| async { Reply::Text(String::new()) }).await;
    let ctx = ctx(&base);
    let unset = node_harness::run_node_in(
        "nodetool.image.TextToImage",
        json!({"model": {"type": "image_model"}, "prompt": "x"}),
        &ctx,
    )
    .await
    .unwrap_err();
    assert!(
        unset.contains("model: select a text-to-image model"),
        "{unset}"
    );
    let fal = node_harness::run_node_in("nodetool.image.TextToImage", json!({"prompt": "x"}), &ctx)
        .await
        .unwrap_err();
    assert!(
        fal.contains("provider `huggingface_fal_ai` cannot do text-to-image here"),
        "{fal}"
    );
    let no_audio = node_harness::run_output(
        "nodetool.text.AutomaticSpeechRecognition",
        json!({"model": model("asr_model", "whisper-1")}),
        "text",
        &ctx,
    )
    .await
    .unwrap_err();
    assert!(no_audio.contains("audio: nothing is set"), "{no_audio}");
}
