//! Images, speech and video over OpenAI's media endpoints (and servers that speak them, such
//! as LocalAI or a llama.cpp-style server): `images/generations`, `images/edits`,
//! `audio/speech` (PCM), `audio/transcriptions` and `videos` (create, poll, download). The
//! request shapes and the size rules are NodeTool's (`OpenAIProvider` in nodetool-core 0.6).
//!
//! ```
//! use nodetool::chat::media::{image_size, video_seconds, video_size};
//! assert_eq!(image_size(1920, 1080).as_deref(), Some("1536x1024"));
//! assert_eq!(video_size("16:9", "720p").as_deref(), Some("1280x720"));
//! assert_eq!(video_seconds(60), Some(4));
//! ```

use super::error::ChatError;
use super::openai::OpenAiProvider;
use base64::Engine as _;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// What to draw: the model, the prompt (and what to leave out), the size wanted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageRequest {
    /// The model id (`gpt-image-1`, `dall-e-3`, …).
    pub model: String,
    /// What the image shows.
    pub prompt: String,
    /// What it must not show (appended to the prompt, as NodeTool does).
    pub negative_prompt: String,
    /// Wanted width in pixels (0: the model's default).
    pub width: u32,
    /// Wanted height in pixels (0: the model's default).
    pub height: u32,
}

impl ImageRequest {
    fn full_prompt(&self) -> Result<String, ChatError> {
        full_prompt(&self.model, &self.prompt, &self.negative_prompt)
    }
}

/// The prompt with what to leave out appended, as NodeTool sends it; an error for an empty
/// prompt or model id.
fn full_prompt(model: &str, prompt: &str, negative_prompt: &str) -> Result<String, ChatError> {
    let prompt = prompt.trim();
    if prompt.is_empty() {
        return Err(ChatError::config("openai", "the prompt is empty"));
    }
    if model.is_empty() {
        return Err(ChatError::config("openai", "no model id is given"));
    }
    Ok(match negative_prompt.trim() {
        "" => prompt.to_owned(),
        not => format!("{prompt}\n\nDo not include: {not}"),
    })
}

/// What to film: the model, the prompt, the frame shape and length.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VideoRequest {
    /// The model id (`sora-2`, …).
    pub model: String,
    /// What the video shows.
    pub prompt: String,
    /// What it must not show (appended to the prompt).
    pub negative_prompt: String,
    /// `16:9`, `9:16`, `1:1`, `4:3`, `3:4`.
    pub aspect_ratio: String,
    /// `480p`, `720p`, `1080p`.
    pub resolution: String,
    /// Frames wanted at 24 per second (0: the default length).
    pub num_frames: u32,
    /// How long to wait for the video (0: ten minutes).
    pub timeout: Duration,
}

/// OpenAI's image size closest to `width` × `height` by area and aspect ratio (`None` when
/// either is 0).
pub fn image_size(width: u32, height: u32) -> Option<String> {
    if width == 0 || height == 0 {
        return None;
    }
    let (w, h) = (f64::from(width), f64::from(height));
    let score = |&(sw, sh): &(u32, u32)| {
        let (sw, sh) = (f64::from(sw), f64::from(sh));
        let area = (sw * sh - w * h).abs() / (w * h).max(sw * sh);
        let ratio = (sw / sh - w / h).abs();
        area * 0.7 + ratio * 0.3
    };
    closest(&[(1024, 1024), (1024, 1536), (1536, 1024)], score)
}

/// The candidate with the lowest score, as `WxH` (the first on ties, as Python's `min`).
fn closest(candidates: &[(u32, u32)], score: impl Fn(&(u32, u32)) -> f64) -> Option<String> {
    let mut best: Option<(&(u32, u32), f64)> = None;
    for candidate in candidates {
        let s = score(candidate);
        if best.is_none_or(|(_, b)| s < b) {
            best = Some((candidate, s));
        }
    }
    best.map(|((w, h), _)| format!("{w}x{h}"))
}

/// Sora's size for an aspect ratio and resolution (`None` without a resolution).
pub fn video_size(aspect_ratio: &str, resolution: &str) -> Option<String> {
    if resolution.is_empty() {
        return None;
    }
    let aspect: String = if aspect_ratio.is_empty() {
        "16:9".to_owned()
    } else {
        aspect_ratio.replace(' ', "")
    };
    let resolution = resolution.to_lowercase();
    let preset = match (aspect.as_str(), resolution.as_str()) {
        ("16:9", "480p") => Some((854, 480)),
        ("16:9", "720p") => Some((1280, 720)),
        ("16:9", "1080p") => Some((1920, 1080)),
        ("9:16", "480p") => Some((480, 854)),
        ("9:16", "720p") => Some((720, 1280)),
        ("9:16", "1080p") => Some((1080, 1920)),
        ("1:1", "480p") => Some((480, 480)),
        ("1:1", "720p") => Some((720, 720)),
        ("1:1", "1080p") => Some((1080, 1080)),
        ("4:3", "480p") => Some((640, 480)),
        ("4:3", "720p") => Some((960, 720)),
        ("4:3", "1080p") => Some((1440, 1080)),
        ("3:4", "480p") => Some((480, 640)),
        ("3:4", "720p") => Some((720, 960)),
        ("3:4", "1080p") => Some((1080, 1440)),
        _ => None,
    };
    let (width, height) = match preset {
        Some(size) => size,
        None => {
            let (wr, hr) = match aspect.split_once(':') {
                Some((w, h)) => (w.parse::<f64>().ok()?, h.parse::<f64>().ok()?),
                None => (1.0, 1.0),
            };
            let digits: String = resolution.chars().filter(char::is_ascii_digit).collect();
            let value: f64 = digits.parse().ok()?;
            if value <= 0.0 || wr <= 0.0 || hr <= 0.0 {
                return None;
            }
            let (w, h) = if wr >= hr {
                (value * wr / hr, value)
            } else {
                (value, value * hr / wr)
            };
            (make_even(w), make_even(h))
        }
    };
    let (w, h) = (f64::from(width), f64::from(height));
    closest(
        &[(1280, 720), (1792, 1024), (720, 1280), (1024, 1792)],
        |&(cw, ch)| {
            let (cw, ch) = (f64::from(cw), f64::from(ch));
            (cw / ch - w / h).abs() * 5.0 + (cw * ch - w * h).abs() / (w * h).max(cw * ch)
        },
    )
}

fn make_even(value: f64) -> u32 {
    let rounded = value.round_ties_even().clamp(0.0, f64::from(u32::MAX)) as u32;
    (rounded + rounded % 2).max(2)
}

/// Sora's length in seconds (4, 8 or 12) for `num_frames` at 24 per second (`None` for 0).
pub fn video_seconds(num_frames: u32) -> Option<u32> {
    match num_frames.div_ceil(24) {
        0 => None,
        1..8 => Some(4),
        8..12 => Some(8),
        _ => Some(12),
    }
}

/// The image bytes of an `images/*` answer: `b64_json`, else the `url` downloaded.
async fn image_of(
    provider: &OpenAiProvider,
    answer: &Value,
    cancel: &CancellationToken,
) -> Result<Vec<u8>, ChatError> {
    let first = &answer["data"][0];
    if let Some(data) = first["b64_json"].as_str().filter(|d| !d.is_empty()) {
        return base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|e| ChatError::malformed("openai", format!("b64_json is not base64: {e}")));
    }
    if let Some(url) = first["url"].as_str().filter(|u| !u.is_empty()) {
        let url = url.to_owned();
        let http = provider.transport.http.clone();
        return provider
            .transport
            .bytes(&move || http.get(&url), cancel)
            .await;
    }
    Err(ChatError::malformed("openai", "the answer holds no image"))
}

fn file_part(bytes: &[u8], name: &'static str, mime: &'static str) -> reqwest::multipart::Part {
    let part = || reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name);
    // `mime` is one of `sniff`'s constants, which all parse.
    part().mime_str(mime).unwrap_or_else(|_| part())
}

/// The media type of image or audio `bytes` from their first bytes (MP3 when nothing else
/// matches), with a file name to upload them under.
pub fn media_type(bytes: &[u8]) -> (&'static str, &'static str) {
    match bytes {
        [0x89, b'P', b'N', b'G', ..] => ("image/png", "image.png"),
        [0xFF, 0xD8, 0xFF, ..] => ("image/jpeg", "image.jpg"),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => {
            ("image/webp", "image.webp")
        }
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'A', b'V', b'E', ..] => {
            ("audio/wav", "audio.wav")
        }
        [b'O', b'g', b'g', b'S', ..] => ("audio/ogg", "audio.ogg"),
        [b'f', b'L', b'a', b'C', ..] => ("audio/flac", "audio.flac"),
        [_, _, _, _, b'f', b't', b'y', b'p', ..] => ("audio/mp4", "audio.m4a"),
        _ => ("audio/mpeg", "audio.mp3"),
    }
}

impl OpenAiProvider {
    fn authorized(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.api_key {
            Some(key) => request.bearer_auth(key),
            None => request,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base_url)
    }

    /// Draws an image (`POST images/generations`); the image's bytes.
    pub async fn generate_image(
        &self,
        request: &ImageRequest,
        cancel: &CancellationToken,
    ) -> Result<Vec<u8>, ChatError> {
        let mut body = json!({"model": request.model, "prompt": request.full_prompt()?});
        if let Some(size) = image_size(request.width, request.height) {
            body["size"] = json!(size);
        }
        let build = || {
            self.authorized(
                self.transport
                    .http
                    .post(self.url("images/generations"))
                    .json(&body),
            )
        };
        let answer = self.transport.json(&build, cancel).await?;
        image_of(self, &answer, cancel).await
    }

    /// Changes `image` as the prompt says (`POST images/edits`, multipart); the new image's
    /// bytes.
    pub async fn edit_image(
        &self,
        image: &[u8],
        request: &ImageRequest,
        cancel: &CancellationToken,
    ) -> Result<Vec<u8>, ChatError> {
        if image.is_empty() {
            return Err(ChatError::config("openai", "the image is empty"));
        }
        let prompt = request.full_prompt()?;
        let size = image_size(request.width, request.height);
        let (mime, name) = media_type(image);
        let build = || {
            let mut form = reqwest::multipart::Form::new()
                .text("model", request.model.clone())
                .text("prompt", prompt.clone())
                .part("image", file_part(image, name, mime));
            if let Some(size) = &size {
                form = form.text("size", size.clone());
            }
            self.authorized(
                self.transport
                    .http
                    .post(self.url("images/edits"))
                    .multipart(form),
            )
        };
        let answer = self.transport.json(&build, cancel).await?;
        image_of(self, &answer, cancel).await
    }

    /// Speaks `text` (`POST audio/speech`, `response_format: pcm`): 16-bit little-endian
    /// mono samples at 24 kHz. `voice` defaults to `alloy`; `speed` is clamped to 0.25–4.
    pub async fn speech(
        &self,
        model: &str,
        text: &str,
        voice: Option<&str>,
        speed: f64,
        cancel: &CancellationToken,
    ) -> Result<Vec<u8>, ChatError> {
        if text.is_empty() {
            return Err(ChatError::config("openai", "the text to speak is empty"));
        }
        let body = json!({
            "model": model,
            "input": text,
            "voice": voice.filter(|v| !v.is_empty()).unwrap_or("alloy"),
            "speed": speed.clamp(0.25, 4.0),
            "response_format": "pcm",
        });
        let build = || {
            self.authorized(
                self.transport
                    .http
                    .post(self.url("audio/speech"))
                    .json(&body),
            )
        };
        self.transport.bytes(&build, cancel).await
    }

    /// Writes down what `audio` says (`POST audio/transcriptions`, multipart); the text.
    pub async fn transcribe(
        &self,
        model: &str,
        audio: &[u8],
        cancel: &CancellationToken,
    ) -> Result<String, ChatError> {
        if audio.is_empty() {
            return Err(ChatError::config("openai", "the audio is empty"));
        }
        let (mime, name) = media_type(audio);
        let build = || {
            let form = reqwest::multipart::Form::new()
                .text("model", model.to_owned())
                .text("temperature", "0")
                .part("file", file_part(audio, name, mime));
            self.authorized(
                self.transport
                    .http
                    .post(self.url("audio/transcriptions"))
                    .multipart(form),
            )
        };
        let answer = self.transport.json(&build, cancel).await?;
        answer["text"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| ChatError::malformed("openai", "the transcription has no `text`"))
    }

    /// Films the prompt (`POST videos`, then `GET videos/{id}` every `poll` until it is
    /// completed, then its `content`); the MP4's bytes. `image` is the first frame, if any.
    /// `progress` hears the percentage the server reports.
    pub async fn generate_video(
        &self,
        request: &VideoRequest,
        image: Option<&[u8]>,
        poll: Duration,
        progress: &(dyn Fn(u64) + Send + Sync),
        cancel: &CancellationToken,
    ) -> Result<Vec<u8>, ChatError> {
        let prompt = full_prompt(&request.model, &request.prompt, &request.negative_prompt)?;
        let size = match image {
            Some(_) => None,
            None => video_size(&request.aspect_ratio, &request.resolution)
                .or_else(|| Some("1024x1024".to_owned())),
        };
        let seconds = video_seconds(request.num_frames).unwrap_or(4).to_string();
        let build = || {
            let mut form = reqwest::multipart::Form::new()
                .text("model", request.model.clone())
                .text("prompt", prompt.clone())
                .text("seconds", seconds.clone());
            if let Some(size) = &size {
                form = form.text("size", size.clone());
            }
            if let Some(image) = image {
                let (mime, name) = media_type(image);
                form = form.part("input_reference", file_part(image, name, mime));
            }
            self.authorized(self.transport.http.post(self.url("videos")).multipart(form))
        };
        let mut video = self.transport.json(&build, cancel).await?;
        let id = video["id"]
            .as_str()
            .filter(|id| !id.is_empty())
            .ok_or_else(|| ChatError::malformed("openai", "the video job has no id"))?
            .to_owned();
        let limit = if request.timeout.is_zero() {
            Duration::from_secs(600)
        } else {
            request.timeout
        };
        let started = tokio::time::Instant::now();
        while matches!(video["status"].as_str(), Some("queued" | "in_progress")) {
            if started.elapsed() >= limit {
                return Err(ChatError::Network {
                    provider: "openai",
                    message: format!("the video was not ready after {} s", limit.as_secs()),
                });
            }
            tokio::select! {
                () = tokio::time::sleep(poll) => {}
                () = cancel.cancelled() => return Err(ChatError::Cancelled),
            }
            let url = self.url(&format!("videos/{id}"));
            let poll_once = || self.authorized(self.transport.http.get(&url));
            video = self.transport.json(&poll_once, cancel).await?;
            if let Some(done) = video["progress"].as_u64() {
                progress(done);
            }
        }
        if video["status"] != "completed" {
            let why = match &video["error"] {
                Value::Null => format!(
                    "the video ended with status `{}`",
                    video["status"].as_str().unwrap_or("(none)")
                ),
                Value::String(s) => s.clone(),
                other => other["message"]
                    .as_str()
                    .map_or_else(|| other.to_string(), str::to_owned),
            };
            return Err(ChatError::Api {
                provider: "openai",
                status: 200,
                message: why,
            });
        }
        let url = self.url(&format!("videos/{id}/content"));
        let download =
            || self.authorized(self.transport.http.get(&url).query(&[("variant", "video")]));
        self.transport.bytes(&download, cancel).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_sizes_are_nodetools() {
        assert_eq!(image_size(0, 512), None);
        assert_eq!(image_size(512, 512).as_deref(), Some("1024x1024"));
        assert_eq!(image_size(720, 1280).as_deref(), Some("1024x1024"));
        assert_eq!(image_size(1024, 1600).as_deref(), Some("1024x1536"));
        assert_eq!(image_size(1920, 1080).as_deref(), Some("1536x1024"));
    }

    #[test]
    fn video_sizes_and_lengths_are_nodetools() {
        assert_eq!(video_size("", "").as_deref(), None);
        assert_eq!(video_size("9:16", "1080p").as_deref(), Some("1024x1792"));
        assert_eq!(video_size("1:1", "720p").as_deref(), Some("720x1280"));
        assert_eq!(video_size("21:9", "720p").as_deref(), Some("1280x720"));
        assert_eq!(video_seconds(0), None);
        assert_eq!(video_seconds(24 * 7), Some(4));
        assert_eq!(video_seconds(24 * 8), Some(8));
        assert_eq!(video_seconds(24 * 30), Some(12));
    }

    #[test]
    fn media_types_are_sniffed() {
        assert_eq!(media_type(b"\x89PNG\r\n").0, "image/png");
        assert_eq!(media_type(b"RIFF\0\0\0\0WAVEfmt ").0, "audio/wav");
        assert_eq!(media_type(b"ID3").0, "audio/mpeg");
    }
}
