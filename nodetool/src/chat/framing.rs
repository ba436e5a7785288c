//! Stream framing: server-sent events (OpenAI, Anthropic, Gemini) and newline-delimited JSON
//! (Ollama), decoded incrementally from byte chunks that may split anywhere.

/// The largest single event (or line) accepted: 16 MiB.
pub const MAX_FRAME_BYTES: usize = 16 * 1024 * 1024;

/// One server-sent event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The `event:` field, if any.
    pub event: Option<String>,
    /// The `data:` lines, joined by `\n`.
    pub data: String,
}

/// How a stream's body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `text/event-stream`.
    Sse,
    /// One JSON document per line.
    Ndjson,
}

/// Splits a byte stream into frames: SSE events or NDJSON lines (as an event without a name).
#[derive(Debug)]
pub struct FrameDecoder {
    framing: Framing,
    buffer: Vec<u8>,
}

impl FrameDecoder {
    /// A decoder for `framing`.
    pub fn new(framing: Framing) -> Self {
        FrameDecoder {
            framing,
            buffer: Vec::new(),
        }
    }

    /// Adds bytes; returns the frames they complete. Text that is not UTF-8 is an error.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<SseEvent>, String> {
        self.buffer.extend_from_slice(bytes);
        let mut frames = Vec::new();
        let mut start = 0;
        loop {
            let rest = &self.buffer[start..];
            let end = match self.framing {
                Framing::Sse => find_blank_line(rest),
                Framing::Ndjson => rest.iter().position(|&b| b == b'\n').map(|i| (i, i + 1)),
            };
            let Some((content_end, next)) = end else {
                break;
            };
            if let Some(frame) = frame(self.framing, &rest[..content_end])? {
                frames.push(frame);
            }
            start += next;
        }
        // One shift of the unread tail per push, not one per frame.
        self.buffer.drain(..start);
        if self.buffer.len() > MAX_FRAME_BYTES {
            return Err(format!(
                "a stream event is larger than {MAX_FRAME_BYTES} bytes (or never ends)"
            ));
        }
        Ok(frames)
    }

    /// The last frame when the body ends without a final separator.
    pub fn finish(&mut self) -> Result<Option<SseEvent>, String> {
        let raw = std::mem::take(&mut self.buffer);
        frame(self.framing, &raw)
    }
}

/// The frame in `raw` (one event's bytes, or one line).
fn frame(framing: Framing, raw: &[u8]) -> Result<Option<SseEvent>, String> {
    let text = std::str::from_utf8(raw).map_err(|e| format!("the stream is not UTF-8: {e}"))?;
    Ok(match framing {
        Framing::Ndjson => {
            let line = text.trim();
            (!line.is_empty()).then(|| SseEvent {
                event: None,
                data: line.to_owned(),
            })
        }
        Framing::Sse => parse_event(text),
    })
}

/// The end of the first event (before the blank line) and where the next one starts.
fn find_blank_line(buf: &[u8]) -> Option<(usize, usize)> {
    let mut i = 0;
    while i < buf.len() {
        if buf[i] == b'\n' {
            if buf.get(i + 1) == Some(&b'\n') {
                return Some((i, i + 2));
            }
            if buf.get(i + 1) == Some(&b'\r') && buf.get(i + 2) == Some(&b'\n') {
                return Some((i, i + 3));
            }
        }
        i += 1;
    }
    None
}

/// The fields of one event's lines; `None` for an event with no data (comments, pings).
fn parse_event(text: &str) -> Option<SseEvent> {
    let mut event = SseEvent::default();
    let mut has_data = false;
    for line in text.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with(':') || line.is_empty() {
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => event.event = Some(value.to_owned()),
            "data" => {
                if has_data {
                    event.data.push('\n');
                }
                event.data.push_str(value);
                has_data = true;
            }
            _ => {}
        }
    }
    has_data.then_some(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_events_split_anywhere() {
        let body = "event: a\ndata: {\"x\":\ndata: 1}\n\n: ping\n\ndata: [DONE]\r\n\r\n";
        for split in 0..body.len() {
            let mut d = FrameDecoder::new(Framing::Sse);
            let mut frames = d.push(&body.as_bytes()[..split]).unwrap();
            frames.extend(d.push(&body.as_bytes()[split..]).unwrap());
            frames.extend(d.finish().unwrap());
            assert_eq!(frames.len(), 2, "split at {split}");
            assert_eq!(frames[0].event.as_deref(), Some("a"));
            assert_eq!(frames[0].data, "{\"x\":\n1}");
            assert_eq!(frames[1].data, "[DONE]");
        }
    }

    #[test]
    fn an_event_that_never_ends_is_refused() {
        let mut d = FrameDecoder::new(Framing::Sse);
        let big = vec![b'x'; MAX_FRAME_BYTES + 1];
        assert!(d.push(&big).unwrap_err().contains("larger than"));
    }

    #[test]
    fn ndjson_lines_and_a_last_line_without_newline() {
        let mut d = FrameDecoder::new(Framing::Ndjson);
        let mut frames = d.push(b"{\"a\":1}\n\n{\"b\"").unwrap();
        frames.extend(d.push(b":2}").unwrap());
        frames.extend(d.finish().unwrap());
        let data: Vec<&str> = frames.iter().map(|f| f.data.as_str()).collect();
        assert_eq!(data, ["{\"a\":1}", "{\"b\":2}"]);
    }

    #[test]
    fn a_multibyte_character_split_across_chunks_survives() {
        let mut d = FrameDecoder::new(Framing::Ndjson);
        let bytes = "\"é\"\n".as_bytes();
        assert!(d.push(&bytes[..2]).unwrap().is_empty());
        assert_eq!(d.push(&bytes[2..]).unwrap()[0].data, "\"é\"");
        assert!(FrameDecoder::new(Framing::Ndjson).push(b"\xff\n").is_err());
    }
}
