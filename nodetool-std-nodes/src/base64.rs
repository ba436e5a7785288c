//! `lib.base64`: Base64 text encoding, as NodeTool's `lib/base64.py`.

use base64::Engine;
use nodetool::prelude::*;

/// Encodes text to Base64 format.
/// base64, encode, string
#[node(namespace = "lib.base64", title = "Encode Base64", expose_as_tool)]
pub async fn encode(
    /// Text to encode
    #[input(default = "")]
    text: String,
) -> String {
    base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
}

/// Decodes Base64 text to plain string.
/// base64, decode, string
#[node(namespace = "lib.base64", title = "Decode Base64", expose_as_tool)]
pub async fn decode(
    /// Base64 encoded text
    #[input(default = "")]
    data: String,
) -> Result<String> {
    let bytes = b64decode(&data).map_err(|e| format!("invalid Base64: {e}"))?;
    String::from_utf8(bytes)
        .map_err(|e| format!("the decoded bytes are not UTF-8 text: {e}").into())
}

/// Python's `base64.b64decode` (not validating): characters outside the alphabet are
/// skipped, a complete padding ends the input, a missing one is an error.
pub(crate) fn b64decode(text: &str) -> Result<Vec<u8>, String> {
    if !text.is_ascii() {
        return Err("string argument should contain only ASCII characters".into());
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut quad, mut pads, mut left) = (0usize, 0usize, 0u8);
    for byte in text.bytes() {
        if byte == b'=' {
            if quad >= 2 {
                pads += 1;
                if quad + pads >= 4 {
                    return Ok(out);
                }
            }
            continue;
        }
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        pads = 0;
        match quad {
            0 => left = value,
            1 => {
                out.push((left << 2) | (value >> 4));
                left = value & 0x0f;
            }
            2 => {
                out.push((left << 4) | (value >> 2));
                left = value & 0x03;
            }
            _ => out.push((left << 6) | value),
        }
        quad = (quad + 1) % 4;
    }
    match quad {
        0 => Ok(out),
        1 => Err(format!(
            "Invalid base64-encoded string: number of data characters ({}) cannot be 1 more \
             than a multiple of 4",
            out.len() / 3 * 4 + 1
        )),
        _ => Err("Incorrect padding".into()),
    }
}
