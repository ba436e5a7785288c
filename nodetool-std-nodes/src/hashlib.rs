//! `lib.hashlib`: digests of text, as NodeTool's `lib/hashlib.py`.

use md5::Digest;
use nodetool::prelude::*;

/// The algorithms `HashString` knows (Python's `hashlib` names).
pub const ALGORITHMS: &[&str] = &["md5", "sha1", "sha224", "sha256", "sha384", "sha512"];

/// The hex digest of `bytes` with `algorithm`.
pub fn hex_digest(algorithm: &str, bytes: &[u8]) -> Result<String> {
    fn hex(digest: &[u8]) -> String {
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
    Ok(match algorithm {
        "md5" => hex(&md5::Md5::digest(bytes)),
        "sha1" => hex(&sha1::Sha1::digest(bytes)),
        "sha224" => hex(&sha2::Sha224::digest(bytes)),
        "sha256" => hex(&sha2::Sha256::digest(bytes)),
        "sha384" => hex(&sha2::Sha384::digest(bytes)),
        "sha512" => hex(&sha2::Sha512::digest(bytes)),
        other => {
            return Err(format!(
                "Unsupported algorithm: {other} (supported: {})",
                ALGORITHMS.join(", ")
            )
            .into())
        }
    })
}

/// Compute the cryptographic hash of a string using hashlib.
/// hash, hashlib, digest, string
#[node(namespace = "lib.hashlib", expose_as_tool)]
pub async fn hash_string(
    /// The text to hash
    #[input(default = "")]
    text: String,
    /// Hash algorithm name (e.g. md5, sha1, sha256)
    #[input(default = "md5")]
    algorithm: String,
) -> Result<String> {
    hex_digest(&algorithm, text.as_bytes())
}
