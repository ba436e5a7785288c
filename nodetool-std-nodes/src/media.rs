//! NodeTool's media generation nodes on the providers that speak OpenAI's media API (`openai`
//! and the OpenAI-compatible servers `llama_cpp`, `vllm`, `lmstudio`):
//! `nodetool.image.TextToImage` and `ImageToImage`, `nodetool.audio.TextToSpeech`,
//! `nodetool.text.AutomaticSpeechRecognition`, `nodetool.video.TextToVideo` and
//! `ImageToVideo`. Other providers (fal, Hugging Face, Gemini's Veo, …) are named in a clear
//! error. Results are data URIs: images as the provider sent them, speech as a 24 kHz mono
//! WAV, video as MP4.

pub use crate::assets::data_ref;
use crate::meta_node;
use crate::meta_node::Props;
use base64::Engine as _;
use nodetool::chat::media::{media_type, ImageRequest, VideoRequest};
use nodetool::chat::OpenAiProvider;
use nodetool::metadata::AssetRef;
use nodetool::workflows::messages::Chunk;
use nodetool::workflows::{NodeError, NodeOutputs, ProcessingContext};
use serde_json::{json, Value};
use std::time::Duration;

/// The sample rate of the speech providers send (`response_format: pcm`).
pub const SPEECH_SAMPLE_RATE: u32 = 24_000;

/// The provider of property `model` (a NodeTool `image_model`, `tts_model`, `asr_model` or
/// `video_model`) and the model id, for `task` (named in errors).
fn provider(
    ctx: &ProcessingContext,
    props: &Props,
    task: &str,
) -> Result<(OpenAiProvider, String), NodeError> {
    let model = props.get("model");
    let name = model["provider"].as_str().unwrap_or_default();
    let id = model["id"].as_str().unwrap_or_default();
    if name.is_empty() || name == "empty" || id.is_empty() {
        return Err(NodeError::failed(format!(
            "model: select a {task} model (provider and id)"
        )));
    }
    let env = ctx
        .environment()
        .map_err(|e| NodeError::failed(format!("cannot read the settings: {e}")))?;
    match nodetool::chat::openai_compatible_from_environment(name, &env) {
        Some(provider) => Ok((provider.map_err(NodeError::failed)?, id.to_owned())),
        None => Err(NodeError::failed(format!(
            "model: provider `{name}` cannot do {task} here; use `openai` or an \
             OpenAI-compatible server (llama_cpp, vllm, lmstudio)"
        ))),
    }
}

/// The bytes behind asset property `name` (an error naming it when it is unset).
async fn asset(ctx: &ProcessingContext, props: &Props, name: &str) -> Result<Vec<u8>, NodeError> {
    let reference: AssetRef = props.typed(name)?;
    if reference.uri.is_empty() && reference.asset_id.is_none() && reference.data.is_none() {
        return Err(NodeError::failed(format!("{name}: nothing is set")));
    }
    let bytes = ctx
        .asset_bytes(&reference)
        .await
        .map_err(|e| NodeError::failed(format!("{name}: {e}")))?;
    Ok(bytes.to_vec())
}

/// The media type of generated image bytes (PNG unless they say otherwise).
fn image_mime(bytes: &[u8]) -> &'static str {
    match media_type(bytes).0 {
        image if image.starts_with("image/") => image,
        _ => "image/png",
    }
}

/// 16-bit mono PCM at `rate` as a WAV file.
pub fn wav(pcm: &[u8], rate: u32) -> Result<Vec<u8>, NodeError> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = std::io::Cursor::new(Vec::with_capacity(pcm.len() + 44));
    let fail = |e: hound::Error| NodeError::failed(format!("cannot write the audio: {e}"));
    let mut writer = hound::WavWriter::new(&mut out, spec).map_err(fail)?;
    for sample in pcm.chunks_exact(2) {
        writer
            .write_sample(i16::from_le_bytes([sample[0], sample[1]]))
            .map_err(fail)?;
    }
    writer.finalize().map_err(fail)?;
    Ok(out.into_inner())
}

/// A property that must be a non-negative size (`0` when unset).
fn size(props: &Props, name: &str) -> Result<u32, NodeError> {
    let value = props.int(name)?;
    u32::try_from(value.max(0))
        .map_err(|_| NodeError::failed(format!("{name}: {value} is too large")))
}

/// `timeout_seconds` as a duration (0: the provider's default).
fn timeout(props: &Props) -> Result<Duration, NodeError> {
    Ok(Duration::from_secs(
        u64::try_from(props.int("timeout_seconds")?.max(0)).unwrap_or(0),
    ))
}

meta_node!(
    /// `nodetool.image.TextToImage`: an image drawn from the prompt.
    TextToImage,
    "nodetool.image.TextToImage",
    Buffered,
    cacheable = true,
    tool = true
);

impl TextToImage {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let (provider, model) = provider(ctx, props, "text-to-image")?;
        let request = ImageRequest {
            model,
            prompt: props.str("prompt"),
            negative_prompt: props.str("negative_prompt"),
            width: size(props, "width")?,
            height: size(props, "height")?,
        };
        let bytes = provider
            .generate_image(&request, ctx.cancellation_token())
            .await
            .map_err(NodeError::failed)?;
        let image = data_ref("image", image_mime(&bytes), &bytes);
        outputs.send_named("output", image).await
    }
}

meta_node!(
    /// `nodetool.image.ImageToImage`: the image changed as the prompt says.
    ImageToImage,
    "nodetool.image.ImageToImage",
    Buffered,
    cacheable = true,
    tool = true
);

impl ImageToImage {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let (provider, model) = provider(ctx, props, "image-to-image")?;
        let image = asset(ctx, props, "image").await?;
        let request = ImageRequest {
            model,
            prompt: props.str("prompt"),
            negative_prompt: props.str("negative_prompt"),
            width: size(props, "target_width")?,
            height: size(props, "target_height")?,
        };
        let bytes = provider
            .edit_image(&image, &request, ctx.cancellation_token())
            .await
            .map_err(NodeError::failed)?;
        let image = data_ref("image", image_mime(&bytes), &bytes);
        outputs.send_named("output", image).await
    }
}

meta_node!(
    /// `nodetool.audio.TextToSpeech`: the text spoken; the samples stream on `chunk` (base64
    /// 16-bit PCM at 24 kHz, as NodeTool sends them), then the whole as a WAV on `audio`.
    TextToSpeech,
    "nodetool.audio.TextToSpeech",
    StreamingOutput,
    cacheable = false,
    tool = true
);

impl TextToSpeech {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let (provider, model) = provider(ctx, props, "text-to-speech")?;
        let voices = &props.get("model")["voices"];
        let voice = props.get("model")["selected_voice"]
            .as_str()
            .filter(|v| !v.is_empty())
            .or_else(|| voices[0].as_str());
        let pcm = provider
            .speech(
                &model,
                &props.str("text"),
                voice,
                props.float("speed")?,
                ctx.cancellation_token(),
            )
            .await
            .map_err(NodeError::failed)?;
        if pcm.len() < 2 {
            return Err(NodeError::failed("No audio data generated"));
        }
        let mut metadata = serde_json::Map::new();
        metadata.insert("sample_rate".into(), json!(SPEECH_SAMPLE_RATE));
        metadata.insert("channels".into(), json!(1));
        metadata.insert("dtype".into(), json!("int16"));
        let chunk = Chunk {
            node_id: None,
            content_type: "audio".to_owned(),
            content: base64::engine::general_purpose::STANDARD.encode(&pcm),
            content_metadata: metadata,
            done: false,
        };
        let chunk = serde_json::to_value(chunk).unwrap_or(Value::Null);
        outputs.send_named("chunk", chunk).await?;
        let audio = data_ref("audio", "audio/wav", &wav(&pcm, SPEECH_SAMPLE_RATE)?);
        outputs.send_named("audio", audio).await?;
        let done = Chunk {
            node_id: None,
            content_type: "audio".to_owned(),
            content: String::new(),
            content_metadata: serde_json::Map::new(),
            done: true,
        };
        outputs
            .send_named("chunk", serde_json::to_value(done).unwrap_or(Value::Null))
            .await
    }
}

meta_node!(
    /// `nodetool.text.AutomaticSpeechRecognition`: what the audio says, as text.
    AutomaticSpeechRecognition,
    "nodetool.text.AutomaticSpeechRecognition",
    Buffered,
    cacheable = true,
    tool = true
);

impl AutomaticSpeechRecognition {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let (provider, model) = provider(ctx, props, "speech recognition")?;
        let audio = asset(ctx, props, "audio").await?;
        let text = provider
            .transcribe(&model, &audio, ctx.cancellation_token())
            .await
            .map_err(NodeError::failed)?;
        outputs.send_named("text", Value::String(text)).await
    }
}

/// The video request of a `TextToVideo`/`ImageToVideo` node.
fn video_request(props: &Props, model: String) -> Result<VideoRequest, NodeError> {
    Ok(VideoRequest {
        model,
        prompt: props.str("prompt"),
        negative_prompt: props.str("negative_prompt"),
        aspect_ratio: props.str("aspect_ratio"),
        resolution: props.str("resolution"),
        num_frames: size(props, "num_frames")?,
        timeout: timeout(props)?,
    })
}

/// Makes the video, reporting the provider's progress as the node's.
async fn film(
    ctx: &ProcessingContext,
    provider: &OpenAiProvider,
    request: &VideoRequest,
    image: Option<&[u8]>,
) -> Result<Value, NodeError> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let report = move |percent: u64| {
        let _ = tx.send(percent);
    };
    let poll = Duration::from_secs(
        ctx.environment()
            .ok()
            .and_then(|env| env.get("NODETOOL_VIDEO_POLL_SECONDS")?.parse().ok())
            .unwrap_or(5),
    );
    let making = provider.generate_video(request, image, poll, &report, ctx.cancellation_token());
    tokio::pin!(making);
    let bytes = loop {
        tokio::select! {
            done = &mut making => break done.map_err(NodeError::failed)?,
            Some(percent) = rx.recv() => {
                ctx.progress(i64::try_from(percent).unwrap_or(100), 100).await;
            }
        }
    };
    Ok(data_ref("video", "video/mp4", &bytes))
}

meta_node!(
    /// `nodetool.video.TextToVideo`: a video of the prompt.
    TextToVideo,
    "nodetool.video.TextToVideo",
    Buffered,
    cacheable = true,
    tool = true
);

impl TextToVideo {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let (provider, model) = provider(ctx, props, "text-to-video")?;
        let request = video_request(props, model)?;
        let video = film(ctx, &provider, &request, None).await?;
        outputs.send_named("output", video).await
    }
}

meta_node!(
    /// `nodetool.video.ImageToVideo`: a video that starts from the image.
    ImageToVideo,
    "nodetool.video.ImageToVideo",
    Buffered,
    cacheable = true,
    tool = true
);

impl ImageToVideo {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let (provider, model) = provider(ctx, props, "image-to-video")?;
        let image = asset(ctx, props, "image").await?;
        let request = video_request(props, model)?;
        let video = film(ctx, &provider, &request, Some(&image)).await?;
        outputs.send_named("output", video).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speech_becomes_a_wav_file() {
        let pcm: Vec<u8> = [0i16, 1000, -1000]
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        let file = wav(&pcm, SPEECH_SAMPLE_RATE).unwrap();
        assert_eq!(&file[..4], b"RIFF");
        assert_eq!(file.len(), 44 + pcm.len());
        let mut reader = hound::WavReader::new(std::io::Cursor::new(file)).unwrap();
        assert_eq!(reader.spec().sample_rate, 24_000);
        let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
        assert_eq!(samples, [0, 1000, -1000]);
    }

    #[test]
    fn data_refs_carry_their_media_type() {
        let image = data_ref(
            "image",
            image_mime(b"\xFF\xD8\xFF\xE0"),
            b"\xFF\xD8\xFF\xE0",
        );
        assert_eq!(image["type"], "image");
        assert!(image["uri"]
            .as_str()
            .unwrap()
            .starts_with("data:image/jpeg;base64,"));
    }
}
