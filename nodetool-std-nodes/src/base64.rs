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
    // Python's decoder skips characters outside the alphabet; so does this one.
    let cleaned: String = data
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        .collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(cleaned.as_bytes())
        .map_err(|e| format!("invalid Base64: {e}"))?;
    String::from_utf8(bytes)
        .map_err(|e| format!("the decoded bytes are not UTF-8 text: {e}").into())
}
