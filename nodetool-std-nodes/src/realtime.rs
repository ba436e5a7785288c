//! A voice conversation with OpenAI's Realtime API (feature `realtime`):
//! `nodetool.input.RealtimeAudioInput` and `openai.agents.RealtimeAgent`, as NodeTool has them.
//!
//! `RealtimeAudioInput` is a streaming input node: while its job runs, the client streams
//! chunks into it over the WebSocket (`stream_input` with the input's name, then
//! `end_input_stream`), and it emits each as it comes. Its `value`, when set (a WAV recording),
//! goes out first as one audio chunk of 24 kHz mono PCM16, the format the Realtime API takes;
//! a run without a client (the CLI, a run from code) emits only that.
//!
//! `RealtimeAgent` opens a Realtime session over a WebSocket (`wss://…/v1/realtime`, from
//! `OPENAI_BASE_URL`, with `OPENAI_API_KEY`), sends `session.update` (pcm16 in and out,
//! semantic voice activity detection, the instructions, voice, speed, temperature), then for
//! each chunk it receives: audio goes to `input_audio_buffer.append` (a `done` chunk asks for a
//! response), text chunks are joined until a `done` one and sent as a user message. The
//! reply streams out on `chunk` (transcript text and 24 kHz PCM16 audio, base64, as the API
//! sends them); at the end of each response the whole audio goes out on `audio` (a WAV) and
//! the whole text on `text`. The node ends once its input has ended and every response asked
//! for is done. Unlike NodeTool, it connects with the node's `model` (NodeTool always asks for
//! `gpt-realtime`) and sends the `voice` (NodeTool leaves the server's default); dynamic
//! outputs as tools are not supported here (a clear error).

use crate::assets::data_ref;
use crate::media::{wav, SPEECH_SAMPLE_RATE};
use crate::meta_node;
use crate::meta_node::Props;
use base64::Engine as _;
use futures_util::{SinkExt, StreamExt};
use nodetool::metadata::{AudioRef, NodeValue};
use nodetool::prelude::*;
use nodetool::workflows::messages::Chunk;
use nodetool::workflows::{NodeInputs, NodeOutputs};
use serde_json::{json, Map, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// The audio format chunks carry: what the Realtime API reads and writes.
fn pcm16_metadata() -> Map<String, Value> {
    Map::from_iter([
        ("sample_rate".to_owned(), json!(SPEECH_SAMPLE_RATE)),
        ("channels".to_owned(), json!(1)),
        ("encoding".to_owned(), json!("pcm16")),
        ("format".to_owned(), json!("pcm16")),
    ])
}

/// An audio chunk of base64 PCM16 (24 kHz mono).
fn audio_chunk(content: String, done: bool) -> Chunk {
    Chunk {
        content_type: "audio".to_owned(),
        content,
        content_metadata: pcm16_metadata(),
        done,
        ..Chunk::default()
    }
}

/// The outputs of [`RealtimeAudioInput`].
#[derive(Outputs)]
pub struct RealtimeAudioChunk {
    /// Each streamed chunk.
    pub chunk: Chunk,
}

/// Accepts streaming audio data for workflows.
/// input, parameter, audio, sound, voice, speech, asset
///
/// While the job runs, the client streams chunks in (`stream_input`, then
/// `end_input_stream`); `value`, when set (WAV), goes out first as one 24 kHz PCM16 chunk.
#[node(namespace = "nodetool.input", role = "input", streaming_output)]
pub struct RealtimeAudioInput {
    /// The parameter name for the workflow.
    #[input(default = "")]
    pub name: String,
    /// The audio to use as input.
    #[input(default)]
    pub value: AudioRef,
    /// The description of the input for the workflow.
    #[input(default = "")]
    pub description: String,
}

impl GenProcess for RealtimeAudioInput {
    type Item = RealtimeAudioChunk;

    async fn gen_process(
        &self,
        ctx: &ProcessingContext,
        mut out: Emitter<'_, RealtimeAudioChunk>,
    ) -> Result<()> {
        if !self.value.is_empty() {
            let bytes = ctx
                .asset_bytes(&self.value.to_asset_ref())
                .await
                .map_err(|e| NodeError::failed(format!("value: {e}")))?;
            let pcm = pcm16_24k(&bytes).map_err(|e| NodeError::failed(format!("value: {e}")))?;
            let content = base64::engine::general_purpose::STANDARD.encode(pcm);
            out.emit(RealtimeAudioChunk {
                chunk: audio_chunk(content, true),
            })
            .await?;
        }
        let Some(mut stream) = ctx.input_stream(&self.name) else {
            return Ok(());
        };
        let mut index = 0usize;
        while let Some(value) = stream.next().await {
            let chunk = Chunk::from_value(value).map_err(|e| {
                NodeError::failed(format!(
                    "input `{}`: streamed value {index} is not a chunk: {e}",
                    self.name
                ))
            })?;
            index += 1;
            out.emit(RealtimeAudioChunk { chunk }).await?;
        }
        Ok(())
    }
}

/// WAV bytes as 24 kHz mono 16-bit PCM (little-endian): channels averaged, resampled
/// linearly.
pub fn pcm16_24k(wav_bytes: &[u8]) -> std::result::Result<Vec<u8>, String> {
    let reader = hound::WavReader::new(std::io::Cursor::new(wav_bytes)).map_err(|e| {
        format!("the audio must be a WAV file for the Realtime API ({e}); convert it first")
    })?;
    let spec = reader.spec();
    let channels = usize::from(spec.channels.max(1));
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader
            .into_samples::<f32>()
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| format!("cannot read the WAV samples: {e}"))?,
        hound::SampleFormat::Int => {
            let scale = 2f32.powi(i32::from(spec.bits_per_sample.clamp(1, 32)) - 1);
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|s| s as f32 / scale))
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| format!("cannot read the WAV samples: {e}"))?
        }
    };
    let mono: Vec<f32> = samples
        .chunks(channels)
        .map(|frame| frame.iter().sum::<f32>() / frame.len() as f32)
        .collect();
    let resampled = resample(&mono, spec.sample_rate, SPEECH_SAMPLE_RATE);
    Ok(resampled
        .iter()
        .flat_map(|s| ((s.clamp(-1.0, 1.0) * 32767.0).round() as i16).to_le_bytes())
        .collect())
}

/// `samples` at `from` Hz as samples at `to` Hz (linear interpolation).
fn resample(samples: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to || samples.is_empty() || from == 0 {
        return samples.to_vec();
    }
    let len = (samples.len() as u64 * u64::from(to) / u64::from(from)).max(1) as usize;
    let step = f64::from(from) / f64::from(to);
    (0..len)
        .map(|i| {
            let at = i as f64 * step;
            let left = (at.floor() as usize).min(samples.len() - 1);
            let right = (left + 1).min(samples.len() - 1);
            let t = (at - left as f64) as f32;
            samples[left] * (1.0 - t) + samples[right] * t
        })
        .collect()
}

meta_node!(
    /// `openai.agents.RealtimeAgent`: a voice (or text) conversation with OpenAI's Realtime
    /// API, its input chunks streamed in and its reply streamed out.
    RealtimeAgent,
    "openai.agents.RealtimeAgent",
    StreamingInput,
    cacheable = false,
    tool = false
);

/// The Realtime endpoint for `base` (an OpenAI base URL such as `https://api.openai.com/v1`)
/// and `model`: the same host over WebSocket, as OpenAI's SDK derives it.
pub fn realtime_url(base: &str, model: &str) -> std::result::Result<String, String> {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if model.is_empty() || !model.chars().all(plain) {
        return Err(format!(
            "model `{model}`: a model id is letters, digits, `-`, `_` and `.`"
        ));
    }
    let base = base.trim_end_matches('/');
    let ws = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        return Err(format!("OPENAI_BASE_URL `{base}` is not an http(s) URL"));
    };
    Ok(format!("{ws}/realtime?model={model}"))
}

/// What the session has been asked and has answered.
#[derive(Default)]
struct Turns {
    /// Responses asked for and not done yet.
    pending: usize,
    /// Whether the node's input has ended.
    input_done: bool,
    /// Text of the input not sent yet (until a `done` text chunk).
    text: String,
    /// The current response's text and audio.
    reply_text: String,
    reply_audio: Vec<u8>,
}

impl RealtimeAgent {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        inputs: &mut NodeInputs,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        if let Some(slot) = props.dynamic_outputs().first() {
            return Err(NodeError::failed(format!(
                "output `{}`: dynamic outputs as tools are not supported by RealtimeAgent here",
                slot.name
            )));
        }
        let env = ctx
            .environment()
            .map_err(|e| NodeError::failed(format!("cannot read the settings: {e}")))?;
        let key = env
            .get("OPENAI_API_KEY")
            .filter(|k| !k.trim().is_empty())
            .ok_or_else(|| NodeError::failed("OPENAI_API_KEY is not set in environment/secrets"))?
            .to_owned();
        let base = env
            .get("OPENAI_BASE_URL")
            .filter(|u| !u.trim().is_empty())
            .unwrap_or(nodetool::chat::OPENAI_BASE_URL);
        let model = props.str("model");
        let url = realtime_url(base, &model).map_err(NodeError::failed)?;
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(|e| NodeError::failed(format!("Realtime URL `{url}`: {e}")))?;
        let bearer = HeaderValue::from_str(&format!("Bearer {key}"))
            .map_err(|_| NodeError::failed("OPENAI_API_KEY is not a valid header value"))?;
        request.headers_mut().insert("Authorization", bearer);
        request
            .headers_mut()
            .insert("OpenAI-Beta", HeaderValue::from_static("realtime=v1"));
        let (mut socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(|e| {
                NodeError::failed(format!("cannot connect to the Realtime API at {url}: {e}"))
            })?;
        let mut session = json!({
            "model": model,
            "instructions": props.str("system"),
            "modalities": ["text", "audio"],
            "input_audio_format": "pcm16",
            "output_audio_format": "pcm16",
            "turn_detection": {
                "type": "semantic_vad",
                "create_response": true,
                "eagerness": "auto",
                "interrupt_response": true,
            },
            "tools": [],
            "tool_choice": "auto",
            "speed": props.float("speed")?,
            "temperature": props.float("temperature")?,
        });
        let voice = props.str("voice");
        if !voice.is_empty() && voice != "none" {
            session["voice"] = json!(voice);
        }
        send(
            &mut socket,
            json!({"type": "session.update", "session": session}),
        )
        .await?;

        let mut turns = Turns::default();
        // A `chunk` set on the node (no edge) is its one input.
        let fixed: Chunk = props.typed("chunk")?;
        if !fixed.content.is_empty() {
            let (content, done) = (fixed.content.clone(), true);
            Self::take_input(
                &mut socket,
                &mut turns,
                Chunk {
                    done,
                    content,
                    ..fixed
                },
            )
            .await?;
        }
        loop {
            if turns.input_done && turns.pending == 0 {
                break;
            }
            let event = tokio::select! {
                item = inputs.recv_any(), if !turns.input_done => {
                    Event::Input(item.map(|(handle, value)| (handle.to_owned(), value)))
                }
                message = socket.next() => Event::Server(message),
            };
            match event {
                Event::Input(None) => {
                    turns.input_done = true;
                    // Text that never got a `done` chunk is sent as it is.
                    if !turns.text.trim().is_empty() {
                        let text = std::mem::take(&mut turns.text);
                        Self::send_text(&mut socket, &mut turns, text).await?;
                    }
                }
                Event::Input(Some((handle, value))) => {
                    if handle != "chunk" {
                        continue;
                    }
                    let chunk = Chunk::from_value(value)
                        .map_err(|e| NodeError::failed(format!("chunk: {e}")))?;
                    Self::take_input(&mut socket, &mut turns, chunk).await?;
                }
                Event::Server(None) => {
                    return Err(NodeError::failed(
                        "the Realtime API closed the connection before the responses were done",
                    ))
                }
                Event::Server(Some(Err(e))) => {
                    return Err(NodeError::failed(format!("the Realtime connection: {e}")))
                }
                Event::Server(Some(Ok(WsMessage::Text(text)))) => {
                    let event: Value = serde_json::from_str(text.as_str()).map_err(|e| {
                        NodeError::failed(format!(
                            "the Realtime API sent an event that is not JSON: {e}"
                        ))
                    })?;
                    Self::server_event(&event, &mut turns, outputs).await?;
                }
                Event::Server(Some(Ok(WsMessage::Close(frame)))) => {
                    let reason = frame.map(|f| f.reason.to_string()).unwrap_or_default();
                    return Err(NodeError::failed(format!(
                        "the Realtime API closed the session: {reason}"
                    )));
                }
                Event::Server(Some(Ok(_))) => {}
            }
        }
        let _ = socket.close(None).await;
        Ok(())
    }

    /// Sends one input chunk on: audio to the input buffer (a `done` chunk asks for a
    /// response), text gathered until a `done` chunk.
    async fn take_input(
        socket: &mut Socket,
        turns: &mut Turns,
        chunk: Chunk,
    ) -> Result<(), NodeError> {
        if chunk.content_type == "audio" {
            if !chunk.content.is_empty() {
                send(
                    socket,
                    json!({"type": "input_audio_buffer.append", "audio": chunk.content}),
                )
                .await?;
            }
            if chunk.done {
                send(socket, json!({"type": "response.create", "response": {}})).await?;
                turns.pending += 1;
            }
            return Ok(());
        }
        turns.text.push_str(&chunk.content);
        if chunk.done && !turns.text.trim().is_empty() {
            let text = std::mem::take(&mut turns.text);
            Self::send_text(socket, turns, text).await?;
        }
        Ok(())
    }

    /// A user message, then a request for a response.
    async fn send_text(
        socket: &mut Socket,
        turns: &mut Turns,
        text: String,
    ) -> Result<(), NodeError> {
        let item = json!({
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": text}],
        });
        send(
            socket,
            json!({"type": "conversation.item.create", "item": item}),
        )
        .await?;
        send(socket, json!({"type": "response.create", "response": {}})).await?;
        turns.pending += 1;
        Ok(())
    }

    /// Streams one server event out; at the end of a response, its audio and text.
    async fn server_event(
        event: &Value,
        turns: &mut Turns,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let kind = event["type"].as_str().unwrap_or_default();
        let delta = event["delta"].as_str().unwrap_or_default();
        match kind {
            // The beta names, then the names of the generally available API.
            "response.text.delta"
            | "response.audio_transcript.delta"
            | "response.output_text.delta"
            | "response.output_audio_transcript.delta"
                if !delta.is_empty() =>
            {
                turns.reply_text.push_str(delta);
                let chunk = Chunk {
                    content: delta.to_owned(),
                    ..Chunk::default()
                };
                outputs.send_named("chunk", chunk.into_value()).await?;
            }
            "response.audio.delta" | "response.output_audio.delta" if !delta.is_empty() => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(delta)
                    .map_err(|e| {
                        NodeError::failed(format!(
                            "the Realtime API sent audio that is not base64: {e}"
                        ))
                    })?;
                turns.reply_audio.extend_from_slice(&bytes);
                let chunk = audio_chunk(delta.to_owned(), false);
                outputs.send_named("chunk", chunk.into_value()).await?;
            }
            "response.text.done" | "response.output_text.done" => {
                let chunk = Chunk {
                    done: true,
                    ..Chunk::default()
                };
                outputs.send_named("chunk", chunk.into_value()).await?;
            }
            "response.audio.done" | "response.output_audio.done" => {
                let chunk = audio_chunk(String::new(), true);
                outputs.send_named("chunk", chunk.into_value()).await?;
            }
            "response.done" => {
                let response = &event["response"];
                let status = response["status"].as_str().unwrap_or("completed");
                let reason = response["status_details"]["reason"].as_str();
                if status == "cancelled" && reason != Some("turn_detected") {
                    return Err(NodeError::failed(format!(
                        "Realtime response cancelled: {}",
                        reason.unwrap_or("unknown")
                    )));
                }
                if status == "failed" {
                    let error = &response["status_details"]["error"];
                    return Err(NodeError::failed(format!(
                        "Realtime response failed: {}",
                        error["message"].as_str().unwrap_or("unknown")
                    )));
                }
                let audio = std::mem::take(&mut turns.reply_audio);
                if !audio.is_empty() {
                    let file = wav(&audio, SPEECH_SAMPLE_RATE)?;
                    outputs
                        .send_named("audio", data_ref("audio", "audio/wav", &file))
                        .await?;
                }
                let text = std::mem::take(&mut turns.reply_text);
                if !text.trim().is_empty() {
                    outputs.send_named("text", json!(text)).await?;
                }
                // Responses the server starts by itself (voice activity) were not counted.
                turns.pending = turns.pending.saturating_sub(1);
            }
            "error" => {
                let error = &event["error"];
                let message = error["message"]
                    .as_str()
                    .map_or_else(|| error.to_string(), str::to_owned);
                return Err(NodeError::failed(format!("Realtime error: {message}")));
            }
            _ => {}
        }
        Ok(())
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What the agent's loop waits for: an input item (`None`: the inputs ended) or a server
/// message (`None`: the connection closed).
enum Event {
    Input(Option<(String, Value)>),
    Server(Option<std::result::Result<WsMessage, tokio_tungstenite::tungstenite::Error>>),
}

/// Sends one client event.
async fn send(socket: &mut Socket, event: Value) -> Result<(), NodeError> {
    socket
        .send(WsMessage::Text(event.to_string().into()))
        .await
        .map_err(|e| NodeError::failed(format!("the Realtime connection: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_realtime_url_follows_the_base_url() {
        assert_eq!(
            realtime_url("https://api.openai.com/v1", "gpt-4o-mini-realtime-preview").unwrap(),
            "wss://api.openai.com/v1/realtime?model=gpt-4o-mini-realtime-preview"
        );
        assert_eq!(
            realtime_url("http://127.0.0.1:9000/v1/", "m").unwrap(),
            "ws://127.0.0.1:9000/v1/realtime?model=m"
        );
        assert!(realtime_url("ftp://x", "m")
            .unwrap_err()
            .contains("ftp://x"));
        assert!(realtime_url("https://x/v1", "m&beta=1")
            .unwrap_err()
            .contains("model `m&beta=1`"));
    }

    #[test]
    fn wav_becomes_24k_mono_pcm16() {
        // 0.1 s of stereo 48 kHz: left full scale, right silent.
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 48_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut file = std::io::Cursor::new(Vec::new());
        let mut writer = hound::WavWriter::new(&mut file, spec).unwrap();
        for _ in 0..4800 {
            writer.write_sample(i16::MAX).unwrap();
            writer.write_sample(0i16).unwrap();
        }
        writer.finalize().unwrap();
        let pcm = pcm16_24k(&file.into_inner()).unwrap();
        assert_eq!(pcm.len(), 2400 * 2, "0.1 s at 24 kHz, 2 bytes a sample");
        let first = i16::from_le_bytes([pcm[0], pcm[1]]);
        assert!(
            (16_000..=16_400).contains(&first),
            "the channels' mean: {first}"
        );
        let err = pcm16_24k(b"not a wav").unwrap_err();
        assert!(err.contains("must be a WAV file"), "{err}");
    }

    #[test]
    fn resampling_keeps_the_duration_and_the_shape() {
        let ramp: Vec<f32> = (0..160).map(|i| i as f32 / 160.0).collect();
        let up = resample(&ramp, 16_000, 24_000);
        assert_eq!(up.len(), 240);
        assert!(up.windows(2).all(|w| w[1] >= w[0]), "still rising");
        assert_eq!(resample(&ramp, 24_000, 24_000), ramp);
    }
}
