//! `nodetool.video` frame and track nodes on a real ffmpeg (`FFMPEG_PATH`, else `ffmpeg` on
//! `PATH`; `.ci/run` installs one from PyPI's imageio-ffmpeg). Videos are made by ffmpeg's own
//! test sources, so every check is against what ffmpeg decodes. Without ffmpeg the tests say
//! they skip, except the one checking the error a missing ffmpeg gives.

mod node_harness;

use base64::Engine;
use node_harness::{ctx_with_settings, png_image, png_ref, run_graph};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

/// The ffmpeg to test with, or `None` (the test then skips, saying so).
fn ffmpeg() -> Option<String> {
    let program = std::env::var("FFMPEG_PATH")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "ffmpeg".to_owned());
    let works = Command::new(&program)
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        Some(program)
    } else {
        eprintln!("skipped: no ffmpeg (set FFMPEG_PATH or put ffmpeg on PATH)");
        None
    }
}

/// A video made by ffmpeg with `args` (inputs and codecs), as a data URI reference.
fn make_video(ffmpeg: &str, args: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("made.mp4");
    let status = Command::new(ffmpeg)
        .args(["-hide_banner", "-v", "error", "-y"])
        .args(args)
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success(), "ffmpeg could not make the test video");
    data_ref("video", "video/mp4", &std::fs::read(&path).unwrap())
}

/// Ten 64×48 frames at 10 fps of ffmpeg's colour test pattern; with a 440 Hz tone when `sound`.
fn test_video(ffmpeg: &str, sound: bool) -> Value {
    let mut args = vec!["-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=1"];
    if sound {
        args.extend([
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=1",
            "-c:a",
            "aac",
        ]);
    }
    args.extend(["-c:v", "libx264", "-pix_fmt", "yuv420p"]);
    make_video(ffmpeg, &args)
}

fn data_ref(kind: &str, mime: &str, bytes: &[u8]) -> Value {
    let data = base64::engine::general_purpose::STANDARD.encode(bytes);
    json!({"type": kind, "uri": format!("data:{mime};base64,{data}")})
}

fn bytes_of(reference: &Value) -> Vec<u8> {
    let uri = reference["uri"].as_str().unwrap();
    let (_, data) = uri.split_once(";base64,").unwrap();
    base64::engine::general_purpose::STANDARD
        .decode(data)
        .unwrap()
}

/// What `ffmpeg -i` says of the file `bytes`.
fn describe(ffmpeg: &str, bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("probe.bin");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new(ffmpeg)
        .args(["-hide_banner", "-i"])
        .arg(&path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The frames of `video`, through FrameIterator.
async fn frames(ffmpeg: &str, video: &Value, start: i64, end: i64) -> Vec<(Value, Value, Value)> {
    // Each output through a Collect node: an output node keeps a repeated value once.
    let mut nodes = vec![json!({"id": "f", "type": "nodetool.video.FrameIterator",
        "data": {"video": video, "start": start, "end": end}})];
    let mut edges = Vec::new();
    for name in ["frame", "index", "fps"] {
        let collect = format!("collect_{name}");
        nodes.push(json!({"id": collect, "type": "nodetool.control.Collect", "data": {}}));
        nodes.push(json!({"id": name, "type": "nodetool.output.Output", "data": {"name": name}}));
        edges.push(json!({"source": "f", "sourceHandle": name, "target": collect, "targetHandle": "input_item"}));
        edges.push(json!({"source": collect, "sourceHandle": "output", "target": name, "targetHandle": "value"}));
    }
    let ctx = ctx_with_settings(&[("FFMPEG_PATH", ffmpeg)]);
    let result = run_graph(json!({"nodes": nodes, "edges": edges}), &ctx)
        .await
        .unwrap();
    let list = |name: &str| {
        result
            .get(name)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let (f, i, r) = (list("frame"), list("index"), list("fps"));
    assert_eq!((f.len(), i.len()), (r.len(), r.len()));
    f.into_iter()
        .zip(i)
        .zip(r)
        .map(|((f, i), r)| (f, i, r))
        .collect()
}

#[tokio::test]
async fn frames_come_out_with_their_index_and_the_rate_and_go_back_into_a_video() {
    let Some(ffmpeg) = ffmpeg() else { return };
    let video = test_video(&ffmpeg, false);
    let all = frames(&ffmpeg, &video, 0, -1).await;
    assert_eq!(all.len(), 10);
    for (n, (frame, index, fps)) in all.iter().enumerate() {
        assert_eq!(index, &json!(n));
        assert_eq!(fps, &json!(10.0));
        let image = png_image(frame);
        assert_eq!((image.width(), image.height()), (64, 48));
    }
    // The test pattern moves: frames differ.
    assert_ne!(
        png_image(&all[0].0).to_rgb8(),
        png_image(&all[5].0).to_rgb8()
    );
    let some = frames(&ffmpeg, &video, 2, 5).await;
    let indices: Vec<&Value> = some.iter().map(|(_, i, _)| i).collect();
    assert_eq!(indices, [&json!(2), &json!(3), &json!(4)]);

    // FrameIterator -> FrameToVideo: the same number of frames, at the given rate.
    let graph = json!({"nodes": [
        {"id": "f", "type": "nodetool.video.FrameIterator", "data": {"video": video}},
        {"id": "v", "type": "nodetool.video.FrameToVideo", "data": {"fps": 5}},
        {"id": "o", "type": "nodetool.output.Output", "data": {"name": "video"}}],
      "edges": [
        {"source": "f", "sourceHandle": "frame", "target": "v", "targetHandle": "frame"},
        {"source": "v", "sourceHandle": "output", "target": "o", "targetHandle": "value"}]});
    let ctx = ctx_with_settings(&[("FFMPEG_PATH", &ffmpeg)]);
    let result = run_graph(graph, &ctx).await.unwrap();
    let made = result.get("video").unwrap();
    assert_eq!(made["type"], "video");
    let report = describe(&ffmpeg, &bytes_of(made));
    assert!(
        report.contains("Video: h264") && report.contains("64x48") && report.contains("5 fps"),
        "{report}"
    );
    let again = frames(&ffmpeg, made, 0, -1).await;
    assert_eq!(again.len(), 10);
    // H.264 is lossy, but the first frame is still the first frame.
    let (a, b) = (
        png_image(&all[0].0).to_rgb8(),
        png_image(&again[0].0).to_rgb8(),
    );
    let diff: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    assert!(
        diff / (a.as_raw().len() as u64) < 12,
        "mean difference {}",
        diff / a.as_raw().len() as u64
    );
}

#[tokio::test]
async fn audio_is_extracted_as_opus_and_added_to_a_silent_video() {
    let Some(ffmpeg) = ffmpeg() else { return };
    let ctx = ctx_with_settings(&[("FFMPEG_PATH", &ffmpeg)]);
    let with_sound = test_video(&ffmpeg, true);
    let audio = node_harness::run_node_in(
        "nodetool.video.ExtractAudio",
        json!({"video": with_sound}),
        &ctx,
    )
    .await
    .unwrap();
    assert_eq!(audio["type"], "audio");
    assert!(audio["uri"]
        .as_str()
        .unwrap()
        .starts_with("data:audio/opus;base64,"));
    let opus = bytes_of(&audio);
    assert_eq!(&opus[..4], b"OggS");
    assert!(describe(&ffmpeg, &opus).contains("Audio: opus"));

    let silent = test_video(&ffmpeg, false);
    let error = node_harness::run_node_in(
        "nodetool.video.ExtractAudio",
        json!({"video": silent}),
        &ctx,
    )
    .await
    .unwrap_err();
    assert!(error.contains("no audio track"), "{error}");

    let dubbed = node_harness::run_node_in(
        "nodetool.video.AddAudio",
        json!({"video": silent, "audio": audio, "volume": 0.5}),
        &ctx,
    )
    .await
    .unwrap();
    let report = describe(&ffmpeg, &bytes_of(&dubbed));
    assert!(
        report.contains("Video: h264") && report.contains("Audio: aac"),
        "{report}"
    );

    let mixed = node_harness::run_node_in(
        "nodetool.video.AddAudio",
        json!({"video": with_sound, "audio": audio, "mix": true}),
        &ctx,
    )
    .await
    .unwrap();
    assert!(describe(&ffmpeg, &bytes_of(&mixed)).contains("Audio: aac"));

    let error =
        node_harness::run_node_in("nodetool.video.AddAudio", json!({"video": silent}), &ctx)
            .await
            .unwrap_err();
    assert!(error.contains("audio: no audio is set"), "{error}");
}

/// DejaVuSans (NodeTool's default font) from the system, or `None` (the test then skips).
fn dejavu() -> Option<()> {
    let found = ["/usr/share/fonts", "/usr/local/share/fonts"]
        .iter()
        .any(|dir| {
            walk(Path::new(dir))
                .iter()
                .any(|p| p.ends_with("DejaVuSans.ttf"))
        });
    if !found {
        eprintln!(
            "skipped: no DejaVuSans.ttf among the system fonts (apt-get install fonts-dejavu-core)"
        );
    }
    found.then_some(())
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

#[tokio::test]
async fn subtitles_are_drawn_on_the_frames_of_their_time_only() {
    let Some(ffmpeg) = ffmpeg() else { return };
    if dejavu().is_none() {
        return;
    }
    let ctx = ctx_with_settings(&[("FFMPEG_PATH", &ffmpeg)]);
    // A black 160×120 video, 10 frames at 10 fps, with a tone.
    let video = make_video(
        &ffmpeg,
        &[
            "-f",
            "lavfi",
            "-i",
            "color=c=black:size=160x120:rate=10:duration=1",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=1",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
        ],
    );
    let chunks = json!([{"timestamp": [0.0, 0.45], "text": "Hello there"}]);
    let subtitled = node_harness::run_node_in(
        "nodetool.video.AddSubtitles",
        json!({"video": video, "chunks": chunks, "font_size": 20, "font_color": {"type": "color", "value": "#FFFFFF"}}),
        &ctx,
    )
    .await
    .unwrap();
    let report = describe(&ffmpeg, &bytes_of(&subtitled));
    assert!(
        report.contains("160x120") && report.contains("Audio: aac"),
        "the sound is kept: {report}"
    );
    let all = frames(&ffmpeg, &subtitled, 0, -1).await;
    assert_eq!(all.len(), 10);
    let bright = |frame: &Value, top: u32, bottom: u32| {
        let image = png_image(frame).to_luma8();
        (top..bottom)
            .flat_map(|y| (0..image.width()).map(move |x| (x, y)))
            .filter(|&(x, y)| image.get_pixel(x, y).0[0] > 128)
            .count()
    };
    // Bottom-aligned: text in the lower band (120 - 24 - 20 = 76 .. 100) of frames 0–4 only.
    for (n, (frame, _, _)) in all.iter().enumerate() {
        let lit = bright(frame, 70, 104);
        if n <= 4 {
            assert!(lit > 40, "frame {n}: {lit} text pixels");
        } else {
            assert_eq!(lit, 0, "frame {n} shows text after its time");
        }
        assert_eq!(
            bright(frame, 0, 60),
            0,
            "frame {n}: text above the bottom band"
        );
    }

    let error = node_harness::run_node_in(
        "nodetool.video.AddSubtitles",
        json!({"video": video, "chunks": [{"text": "no time"}]}),
        &ctx,
    )
    .await
    .unwrap_err();
    assert!(error.contains("chunks[0]"), "{error}");
}

#[tokio::test]
async fn a_missing_ffmpeg_is_named_with_the_setting_that_fixes_it() {
    let ctx = ctx_with_settings(&[("FFMPEG_PATH", "/nonexistent/ffmpeg")]);
    let video = json!({"type": "video", "uri": "data:video/mp4;base64,AAAA"});
    let error =
        node_harness::run_node_in("nodetool.video.ExtractAudio", json!({"video": video}), &ctx)
            .await
            .unwrap_err();
    assert!(
        error.contains("ffmpeg") && error.contains("FFMPEG_PATH"),
        "{error}"
    );
    assert!(error.contains("/nonexistent/ffmpeg"), "{error}");
}

#[tokio::test]
async fn render_text_draws_with_the_system_font_where_it_is_asked() {
    if dejavu().is_none() {
        return;
    }
    let white = vec![255u8; 120 * 40 * 3];
    let image = png_ref(&white, 120, 40, image::ExtendedColorType::Rgb8);
    let ctx = ctx_with_settings(&[]);
    let drawn = node_harness::run_node_in(
        "lib.pillow.draw.RenderText",
        json!({"image": image, "text": "Hi\nthere", "x": 60, "y": 2, "size": 14,
               "color": {"type": "color", "value": "#ff0000"}}),
        &ctx,
    )
    .await
    .unwrap();
    let out = png_image(&drawn).to_rgb8();
    assert_eq!((out.width(), out.height()), (120, 40));
    let red: Vec<(u32, u32)> = out
        .enumerate_pixels()
        .filter(|(_, _, p)| p.0[0] > 200 && p.0[1] < 80 && p.0[2] < 80)
        .map(|(x, y, _)| (x, y))
        .collect();
    assert!(red.len() > 20, "{} red pixels", red.len());
    assert!(
        red.iter().all(|&(x, y)| x >= 60 && y >= 2),
        "text starts at (60, 2)"
    );
    // Two lines: ink in both the upper and the lower half.
    assert!(red.iter().any(|&(_, y)| y < 18) && red.iter().any(|&(_, y)| y > 20));

    let error = node_harness::run_node_in(
        "lib.pillow.draw.RenderText",
        json!({"image": image, "text": "x", "font": {"type": "font", "name": "NoSuchFont", "source": "system"}}),
        &ctx,
    )
    .await
    .unwrap_err();
    assert!(
        error.contains("NoSuchFont") && error.contains("FONT_PATH"),
        "{error}"
    );

    let error = node_harness::run_node_in(
        "lib.pillow.draw.RenderText",
        json!({"image": image, "text": "x", "color": {"type": "color", "value": "nope"}}),
        &ctx,
    )
    .await
    .unwrap_err();
    assert!(error.contains("color") && error.contains("nope"), "{error}");
}
