//! NodeTool's video nodes that work on frames and tracks, over ffmpeg run as an external
//! program as NodeTool does (`FFMPEG_PATH`, else `ffmpeg` on `PATH`; a clear error when it is
//! missing): `nodetool.video.FrameIterator` (decoded frames as PNG images, with their index and
//! the video's frame rate), `FrameToVideo` (frames collected into an H.264 MP4),
//! `AddAudio` (a track replacing or mixed into the video's sound), `ExtractAudio` (the sound as
//! Opus) and `AddSubtitles` (timed text drawn on the frames with the font machinery of
//! `lib.pillow.draw.RenderText`; the video's sound is kept).
//!
//! Frames travel between ffmpeg and this process as raw RGB(A) through pipes, so a video is
//! never held decoded in memory; inputs and outputs are temporary files that are removed when
//! the node ends.

use crate::meta_node;
use crate::meta_node::Props;
use crate::pillow::{png_value, read_reference};
use crate::pillow_draw::{color_prop, sized_font, SizedFont};
use nodetool::metadata::{AssetRef, NodeValue};
use nodetool::workflows::{NodeError, NodeInputs, NodeOutputs, ProcessingContext};
use serde_json::{json, Value};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The ffmpeg program: the `FFMPEG_PATH` setting, else `ffmpeg` on `PATH`.
pub fn ffmpeg_program(ctx: &ProcessingContext) -> PathBuf {
    ctx.environment()
        .ok()
        .and_then(|env| {
            env.get("FFMPEG_PATH")
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
        })
        .unwrap_or_else(|| PathBuf::from("ffmpeg"))
}

/// An ffmpeg command with the quiet, non-interactive flags every call uses.
fn ffmpeg(program: &Path) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(program);
    command
        .args(["-hide_banner", "-nostdin", "-y"])
        .stdin(Stdio::null())
        .kill_on_drop(true);
    command
}

/// The error for an ffmpeg that could not start.
fn not_started(program: &Path, e: &std::io::Error) -> NodeError {
    if e.kind() == std::io::ErrorKind::NotFound {
        NodeError::failed(format!(
            "ffmpeg is needed for video nodes and was not found (`{}`): install ffmpeg or set \
             FFMPEG_PATH to its path",
            program.display()
        ))
    } else {
        NodeError::failed(format!(
            "cannot start ffmpeg (`{}`): {e}",
            program.display()
        ))
    }
}

/// The last lines of ffmpeg's stderr, for an error message.
fn stderr_tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(6)..].join("\n")
}

/// Runs ffmpeg with `args` to the end; an error carries what it printed.
async fn run(program: &Path, what: &str, args: &[OsString]) -> Result<(), NodeError> {
    let output = ffmpeg(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .await
        .map_err(|e| not_started(program, &e))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(NodeError::failed(format!(
            "{what}: ffmpeg failed ({}):\n{}",
            output.status,
            stderr_tail(&output.stderr)
        )))
    }
}

/// What ffmpeg reports of a video file's first video stream, and whether it has sound.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoInfo {
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
    /// Frames per second (the stream's `fps`, else its `tbr`).
    pub fps: f64,
    /// Whether the file has an audio stream.
    pub has_audio: bool,
}

/// Reads a [`VideoInfo`] from what `ffmpeg -i FILE` prints about the file's streams.
pub fn parse_video_info(report: &str) -> Option<VideoInfo> {
    let video = report
        .lines()
        .find(|l| l.trim_start().starts_with("Stream #") && l.contains(": Video: "))?;
    let (width, height) = video
        .split([',', ' '])
        .filter_map(|token| {
            let (w, h) = token.split_once('x')?;
            Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?))
        })
        .find(|(w, h)| *w > 0 && *h > 0)?;
    let rate = |unit: &str| {
        video.split(',').find_map(|part| {
            let value = part.trim().strip_suffix(unit)?.trim();
            let value = value.strip_suffix('k').map_or_else(
                || value.parse::<f64>().ok(),
                |v| v.parse::<f64>().ok().map(|v| v * 1000.0),
            )?;
            (value > 0.0).then_some(value)
        })
    };
    let fps = rate(" fps").or_else(|| rate(" tbr"))?;
    let has_audio = report
        .lines()
        .any(|l| l.trim_start().starts_with("Stream #") && l.contains(": Audio: "));
    Some(VideoInfo {
        width,
        height,
        fps,
        has_audio,
    })
}

/// Probes `path` with ffmpeg (`ffprobe` is not needed).
pub async fn probe(program: &Path, prop: &str, path: &Path) -> Result<VideoInfo, NodeError> {
    let output = ffmpeg(program)
        .arg("-i")
        .arg(path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .await
        .map_err(|e| not_started(program, &e))?;
    let report = String::from_utf8_lossy(&output.stderr);
    parse_video_info(&report).ok_or_else(|| {
        NodeError::failed(format!(
            "{prop}: not a video ffmpeg can read:\n{}",
            stderr_tail(&output.stderr)
        ))
    })
}

/// A temporary folder for one node run, removed when dropped.
fn workdir() -> Result<tempfile::TempDir, NodeError> {
    tempfile::Builder::new()
        .prefix("nodetool-video-")
        .tempdir()
        .map_err(|e| NodeError::failed(format!("cannot make a temporary folder: {e}")))
}

/// Writes the asset of property `prop` (of NodeTool type `kind`) to `dir/name`.
async fn write_asset(
    ctx: &ProcessingContext,
    props: &Props,
    prop: &str,
    kind: &str,
    dir: &Path,
    name: &str,
) -> Result<PathBuf, NodeError> {
    let reference: AssetRef = props.typed(prop)?;
    if reference.uri.is_empty() && reference.asset_id.is_none() && reference.data.is_none() {
        return Err(NodeError::failed(format!("{prop}: no {kind} is set")));
    }
    let bytes = ctx
        .asset_bytes(&reference)
        .await
        .map_err(|e| NodeError::failed(format!("{prop}: {e}")))?;
    let path = dir.join(name);
    tokio::fs::write(&path, &bytes)
        .await
        .map_err(|e| NodeError::failed(format!("{prop}: cannot write a temporary file: {e}")))?;
    Ok(path)
}

/// The file at `path` as a data URI reference of NodeTool type `kind`.
async fn file_ref(path: &Path, kind: &str, mime: &str) -> Result<Value, NodeError> {
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|e| NodeError::failed(format!("cannot read ffmpeg's output: {e}")))?;
    Ok(crate::assets::data_ref(kind, mime, &bytes))
}

/// Runs ffmpeg with `args` writing `output`, then sends the file as output `output` of
/// NodeTool type `kind`.
async fn encode_and_send(
    program: &Path,
    what: &str,
    mut args: Vec<OsString>,
    output: &Path,
    (kind, mime): (&str, &str),
    outputs: &mut NodeOutputs,
) -> Result<(), NodeError> {
    args.push(output.into());
    run(program, what, &args).await?;
    outputs
        .send_named("output", file_ref(output, kind, mime).await?)
        .await
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

meta_node!(
    /// `nodetool.video.FrameIterator`: the frames of a video from `start` to `end`
    /// (exclusive; -1: to the last), each with its index and the video's frame rate.
    FrameIterator,
    "nodetool.video.FrameIterator",
    StreamingOutput,
    cacheable = false,
    tool = false
);

impl FrameIterator {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let (start, end) = (props.int("start")?, props.int("end")?);
        let program = ffmpeg_program(ctx);
        let dir = workdir()?;
        let input = write_asset(ctx, props, "video", "video", dir.path(), "input.mp4").await?;
        let info = probe(&program, "video", &input).await?;
        let mut child = ffmpeg(&program)
            .args(["-v", "error", "-i"])
            .arg(&input)
            .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| not_started(&program, &e))?;
        let mut stdout = child
            .stdout
            .take()
            .ok_or_else(|| NodeError::failed("ffmpeg's output pipe is missing"))?;
        let frame_len = info.width as usize * info.height as usize * 3;
        let mut frame = vec![0; frame_len];
        let mut index: i64 = 0;
        loop {
            if end > -1 && index >= end {
                break;
            }
            match stdout.read_exact(&mut frame).await {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(NodeError::failed(format!("video: reading frames: {e}"))),
            }
            if index >= start {
                let image = png_value(
                    &frame,
                    info.width as usize,
                    info.height as usize,
                    image::ExtendedColorType::Rgb8,
                )?;
                outputs.send_named("frame", image).await?;
                outputs.send_named("index", json!(index)).await?;
                outputs.send_named("fps", json!(info.fps)).await?;
            }
            index += 1;
        }
        drop(stdout);
        // Stopped early (`end`) or at the end: either way ffmpeg is done with this video.
        let _ = child.start_kill();
        let output = child
            .wait_with_output()
            .await
            .map_err(|e| NodeError::failed(format!("video: ffmpeg: {e}")))?;
        if index == 0 && !output.status.success() {
            return Err(NodeError::failed(format!(
                "video: ffmpeg could not decode it:\n{}",
                stderr_tail(&output.stderr)
            )));
        }
        Ok(())
    }
}

meta_node!(
    /// `nodetool.video.FrameToVideo`: every frame it receives, in order, encoded as an H.264
    /// MP4 at `fps` (frames of another size are scaled to the first's).
    FrameToVideo,
    "nodetool.video.FrameToVideo",
    StreamingInput,
    cacheable = false,
    tool = false
);

impl FrameToVideo {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        inputs: &mut NodeInputs,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let mut fps = props.float("fps")?;
        let dir = workdir()?;
        let mut count = 0usize;
        while let Some((handle, value)) = inputs.recv_any().await {
            match handle {
                "frame" => {
                    let reference = AssetRef::from_value(value)
                        .map_err(|e| NodeError::failed(format!("frame {count}: {e}")))?;
                    let image = read_reference(ctx, "frame", &reference).await?;
                    let path = dir.path().join(format!("frame_{count:06}.png"));
                    image
                        .save_with_format(&path, image::ImageFormat::Png)
                        .map_err(|e| NodeError::failed(format!("frame {count}: {e}")))?;
                    count += 1;
                }
                "fps" => {
                    fps = value.as_f64().ok_or_else(|| {
                        NodeError::failed(format!("fps: {value} is not a number"))
                    })?;
                }
                _ => {}
            }
        }
        if count == 0 {
            tracing::warn!("FrameToVideo received no frames");
            return Ok(());
        }
        if !(fps.is_finite() && fps > 0.0) {
            return Err(NodeError::failed(format!(
                "fps: {fps} is not a positive frame rate"
            )));
        }
        let program = ffmpeg_program(ctx);
        let output = dir.path().join("output.mp4");
        let mut args = os(&["-framerate", &fps.to_string(), "-i"]);
        args.push(dir.path().join("frame_%06d.png").into());
        args.extend(os(&[
            // H.264 in yuv420p needs even sides.
            "-vf",
            "pad=ceil(iw/2)*2:ceil(ih/2)*2",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
        ]));
        encode_and_send(
            &program,
            "FrameToVideo",
            args,
            &output,
            ("video", "video/mp4"),
            outputs,
        )
        .await
    }
}

meta_node!(
    /// `nodetool.video.AddAudio`: an audio track at `volume`, replacing the video's sound or
    /// (`mix`) mixed into it.
    AddAudio,
    "nodetool.video.AddAudio",
    Buffered,
    cacheable = true,
    tool = false
);

impl AddAudio {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let volume = props.float("volume")?;
        if !(0.0..=2.0).contains(&volume) {
            return Err(NodeError::failed(format!(
                "volume: {volume} is outside 0..=2"
            )));
        }
        let program = ffmpeg_program(ctx);
        let dir = workdir()?;
        let video = write_asset(ctx, props, "video", "video", dir.path(), "video.mp4").await?;
        let audio = write_asset(ctx, props, "audio", "audio", dir.path(), "audio.bin").await?;
        let info = probe(&program, "video", &video).await?;
        let output = dir.path().join("output.mp4");
        let filter = if props.bool("mix") && info.has_audio {
            format!("[1:a]volume={volume}[added];[0:a][added]amix=inputs=2[a]")
        } else {
            format!("[1:a]volume={volume}[a]")
        };
        let mut args: Vec<OsString> = vec!["-i".into(), video.into(), "-i".into(), audio.into()];
        args.extend(os(&[
            "-filter_complex",
            &filter,
            "-map",
            "0:v",
            "-map",
            "[a]",
            "-c:v",
            "copy",
            "-c:a",
            "aac",
            "-f",
            "mp4",
        ]));
        encode_and_send(
            &program,
            "AddAudio",
            args,
            &output,
            ("video", "video/mp4"),
            outputs,
        )
        .await
    }
}

meta_node!(
    /// `nodetool.video.ExtractAudio`: the video's sound as Opus (`audio/opus`), as NodeTool
    /// makes it.
    ExtractAudio,
    "nodetool.video.ExtractAudio",
    Buffered,
    cacheable = true,
    tool = false
);

impl ExtractAudio {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let program = ffmpeg_program(ctx);
        let dir = workdir()?;
        let video = write_asset(ctx, props, "video", "video", dir.path(), "video.mp4").await?;
        if !probe(&program, "video", &video).await?.has_audio {
            return Err(NodeError::failed("video: it has no audio track"));
        }
        let output = dir.path().join("audio.opus");
        let mut args: Vec<OsString> = vec!["-i".into(), video.into()];
        args.extend(os(&["-map", "0:a", "-c:a", "libopus", "-f", "opus"]));
        encode_and_send(
            &program,
            "ExtractAudio",
            args,
            &output,
            ("audio", "audio/opus"),
            outputs,
        )
        .await
    }
}

/// One timed text of `AddSubtitles`' `chunks` (NodeTool's `AudioChunk`).
#[derive(Debug, Clone, PartialEq)]
pub struct Subtitle {
    /// From (seconds).
    pub start: f64,
    /// To (seconds, inclusive).
    pub end: f64,
    /// What is shown.
    pub text: String,
}

/// Reads `chunks` (`[{"timestamp": [start, end], "text": …}, …]`); an error names the item.
pub fn parse_subtitles(chunks: &Value) -> Result<Vec<Subtitle>, NodeError> {
    let items = match chunks {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        other => {
            return Err(NodeError::failed(format!(
                "chunks: expected a list, got {other}"
            )))
        }
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let stamp = item.get("timestamp").and_then(Value::as_array);
            let time = |k: usize| stamp.and_then(|s| s.get(k)).and_then(Value::as_f64);
            match (time(0), time(1), item.get("text").and_then(Value::as_str)) {
                (Some(start), Some(end), Some(text)) => Ok(Subtitle {
                    start,
                    end,
                    text: text.to_owned(),
                }),
                _ => Err(NodeError::failed(format!(
                    "chunks[{i}]: expected {{\"timestamp\": [start, end], \"text\": \"…\"}}, got {item}"
                ))),
            }
        })
        .collect()
}

/// NodeTool's `wrap_text`: words joined while the line fits in `max_width` pixels.
pub fn wrap_words(text: &str, max_width: f32, width_of: impl Fn(&str) -> f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for word in text.split_whitespace() {
        current.push(word);
        if width_of(&current.join(" ")) > max_width {
            if current.len() == 1 {
                lines.push(current.remove(0).to_owned());
            } else {
                current.pop();
                lines.push(current.join(" "));
                current = vec![word];
            }
        }
    }
    if !current.is_empty() {
        lines.push(current.join(" "));
    }
    lines
}

/// Draws `text` on one frame as NodeTool's `AddSubtitles` does: wrapped to 80 % of the width,
/// lines `1.2 × size` apart, each centred, at the top, centre or bottom with 20 px padding.
fn draw_subtitle(
    frame: &mut image::RgbaImage,
    font: &SizedFont,
    size: f32,
    text: &str,
    align: &str,
    color: [u8; 4],
) {
    let (width, height) = (frame.width() as f32, frame.height() as f32);
    let lines = wrap_words(text, (width * 0.8).floor(), |l| font.line_width(l));
    let spacing = size * 1.2;
    let total = lines.len() as f32 * spacing;
    let mut y = match align {
        "top" => 20.0,
        "center" => ((height - total) / 2.0).floor(),
        _ => height - total - 20.0,
    };
    for line in lines {
        let x = ((width - font.line_width(&line)) / 2.0).floor();
        font.draw_line(frame, x, y, &line, color);
        y += spacing;
    }
}

meta_node!(
    /// `nodetool.video.AddSubtitles`: each chunk's text drawn on the frames of its time span.
    AddSubtitles,
    "nodetool.video.AddSubtitles",
    Buffered,
    cacheable = true,
    tool = false
);

impl AddSubtitles {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let subtitles = parse_subtitles(props.get("chunks"))?;
        let size = props.int("font_size")?;
        if !(1..=72).contains(&size) {
            return Err(NodeError::failed(format!(
                "font_size: {size} is outside 1..=72"
            )));
        }
        let color = color_prop(props, "font_color")?;
        let align = props.str("align");
        let font = sized_font(ctx, props, "font", size as f32).await?;
        let program = ffmpeg_program(ctx);
        let dir = workdir()?;
        let input = write_asset(ctx, props, "video", "video", dir.path(), "input.mp4").await?;
        let info = probe(&program, "video", &input).await?;
        let output = dir.path().join("output.mp4");

        let mut decoder = ffmpeg(&program)
            .args(["-v", "error", "-i"])
            .arg(&input)
            .args(["-f", "rawvideo", "-pix_fmt", "rgba", "-"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| not_started(&program, &e))?;
        let size_arg = format!("{}x{}", info.width, info.height);
        let fps_arg = info.fps.to_string();
        let mut encoder_args = os(&[
            "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgba", "-s", &size_arg, "-r", &fps_arg,
            "-i", "-", "-i",
        ]);
        encoder_args.push(input.clone().into());
        encoder_args.extend(os(&[
            "-map",
            "0:v",
            "-map",
            "1:a?",
            "-c:a",
            "copy",
            "-vf",
            "pad=ceil(iw/2)*2:ceil(ih/2)*2",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-shortest",
        ]));
        encoder_args.push(output.clone().into());
        let mut encoder = tokio::process::Command::new(&program)
            .args(["-hide_banner", "-y"])
            .args(&encoder_args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| not_started(&program, &e))?;
        let (mut frames, mut sink) = match (decoder.stdout.take(), encoder.stdin.take()) {
            (Some(frames), Some(sink)) => (frames, sink),
            _ => return Err(NodeError::failed("ffmpeg's pipes are missing")),
        };
        let mut buffer = vec![0; info.width as usize * info.height as usize * 4];
        let mut index = 0u64;
        let mut written = Ok(());
        loop {
            match frames.read_exact(&mut buffer).await {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(NodeError::failed(format!("video: reading frames: {e}"))),
            }
            let time = index as f64 / info.fps;
            index += 1;
            let shown = subtitles.iter().find(|s| s.start <= time && time <= s.end);
            let mut frame = match image::RgbaImage::from_raw(info.width, info.height, buffer) {
                Some(frame) => frame,
                None => return Err(NodeError::failed("video: a frame of the wrong size")),
            };
            if let Some(subtitle) = shown {
                draw_subtitle(
                    &mut frame,
                    &font,
                    size as f32,
                    &subtitle.text,
                    &align,
                    color,
                );
            }
            buffer = frame.into_raw();
            if let Err(e) = sink.write_all(&buffer).await {
                // The encoder stopped: its stderr says why.
                written = Err(e);
                break;
            }
        }
        drop(sink);
        let _ = decoder.wait().await;
        let encoded = encoder
            .wait_with_output()
            .await
            .map_err(|e| NodeError::failed(format!("AddSubtitles: ffmpeg: {e}")))?;
        if !encoded.status.success() || written.is_err() || index == 0 {
            return Err(NodeError::failed(format!(
                "AddSubtitles: ffmpeg could not encode the video ({} frames read):\n{}",
                index,
                stderr_tail(&encoded.stderr)
            )));
        }
        outputs
            .send_named("output", file_ref(&output, "video", "video/mp4").await?)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_lines_give_size_rate_and_sound() {
        let report =
            "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'in.mp4':\n  Duration: 00:00:01.00\n  \
            Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), \
            64x48 [SAR 1:1 DAR 4:3], 19 kb/s, 25 fps, 25 tbr, 12800 tbn (default)\n  \
            Stream #0:1[0x2](und): Audio: aac (LC), 44100 Hz, mono, fltp, 69 kb/s (default)\n";
        assert_eq!(
            parse_video_info(report),
            Some(VideoInfo {
                width: 64,
                height: 48,
                fps: 25.0,
                has_audio: true
            })
        );
        let no_fps = "  Stream #0:0: Video: mpeg4, yuv420p, 320x240, 29.97 tbr, 1k tbn\n";
        let info = parse_video_info(no_fps).unwrap();
        assert_eq!(
            (info.width, info.height, info.fps, info.has_audio),
            (320, 240, 29.97, false)
        );
        assert_eq!(
            parse_video_info("  Stream #0:0: Audio: mp3, 44100 Hz\n"),
            None
        );
    }

    #[test]
    fn subtitles_read_nodetool_chunks_and_name_a_bad_one() {
        let chunks =
            json!([{"timestamp": [0.0, 1.5], "text": "Hello"}, {"timestamp": [2, 3], "text": "x"}]);
        let subtitles = parse_subtitles(&chunks).unwrap();
        assert_eq!(
            subtitles[1],
            Subtitle {
                start: 2.0,
                end: 3.0,
                text: "x".into()
            }
        );
        let err = parse_subtitles(&json!([{"timestamp": [0], "text": "a"}])).unwrap_err();
        assert!(err.to_string().contains("chunks[0]"), "{err}");
    }

    #[test]
    fn words_wrap_as_nodetool_wraps_them() {
        let width = |s: &str| s.chars().count() as f32;
        assert_eq!(wrap_words("aa bb cc dd", 5.0, width), ["aa bb", "cc dd"]);
        assert_eq!(
            wrap_words("toolongword x", 5.0, width),
            ["toolongword", "x"]
        );
        assert!(wrap_words("   ", 5.0, width).is_empty());
    }
}
