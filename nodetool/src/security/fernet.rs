//! [`Fernet`]: symmetric authenticated encryption as the Fernet spec defines it
//! (<https://github.com/fernet/spec>): `0x80 ‖ timestamp ‖ IV ‖ AES-128-CBC(PKCS7) ‖
//! HMAC-SHA256`, URL-safe base64. ring does the HMAC and the randomness, RustCrypto's `aes` and
//! `cbc` the cipher.

use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use std::fmt;

const VERSION: u8 = 0x80;
const HEADER: usize = 1 + 8 + 16;
const MAC: usize = 32;
const MAX_CLOCK_SKEW: u64 = 60;

/// Why a key or token could not be used. A wrong key and a tampered token are the same error
/// (telling them apart would help an attacker), and no error carries key or plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The key is not 32 bytes of URL-safe base64.
    #[error("a Fernet key is 32 bytes of URL-safe base64")]
    InvalidKey,
    /// The token is malformed, was altered, or was made with another key.
    #[error(
        "the token is not valid for this key (malformed, altered, or encrypted with another key)"
    )]
    InvalidToken,
    /// The token is older than the time it may live.
    #[error("the token has expired")]
    Expired,
    /// The decrypted secret is not UTF-8 text.
    #[error("the decrypted secret is not UTF-8 text")]
    NotText,
    /// The system's random number generator failed.
    #[error("the system's random number generator failed")]
    Random,
}

/// A Fernet key: a signing half and an encryption half.
///
/// ```
/// use nodetool::security::Fernet;
/// let key = Fernet::generate_key().unwrap();
/// let fernet = Fernet::new(&key).unwrap();
/// let token = fernet.encrypt(b"sk-test").unwrap();
/// assert_eq!(fernet.decrypt(&token).unwrap(), b"sk-test");
/// assert!(Fernet::new(&Fernet::generate_key().unwrap()).unwrap().decrypt(&token).is_err());
/// ```
#[derive(Clone)]
pub struct Fernet {
    signing: [u8; 16],
    encryption: [u8; 16],
}

impl fmt::Debug for Fernet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Fernet(<redacted>)")
    }
}

impl Fernet {
    /// The key in URL-safe base64 (as `Fernet.generate_key()` writes it; padding optional).
    pub fn new(key: &str) -> Result<Self, CryptoError> {
        let bytes = decode(key.trim()).ok_or(CryptoError::InvalidKey)?;
        Self::from_bytes(&bytes)
    }

    /// The key as 32 raw bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let bytes: &[u8; 32] = bytes.try_into().map_err(|_| CryptoError::InvalidKey)?;
        let (signing, encryption) = bytes.split_at(16);
        Ok(Self {
            signing: signing.try_into().map_err(|_| CryptoError::InvalidKey)?,
            encryption: encryption.try_into().map_err(|_| CryptoError::InvalidKey)?,
        })
    }

    /// A new random key, URL-safe base64 (Python's `Fernet.generate_key()` format).
    pub fn generate_key() -> Result<String, CryptoError> {
        let mut key = [0u8; 32];
        SystemRandom::new()
            .fill(&mut key)
            .map_err(|_| CryptoError::Random)?;
        Ok(URL_SAFE.encode(key))
    }

    /// Encrypts `data` now, with a random IV.
    pub fn encrypt(&self, data: &[u8]) -> Result<String, CryptoError> {
        let mut iv = [0u8; 16];
        SystemRandom::new()
            .fill(&mut iv)
            .map_err(|_| CryptoError::Random)?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Ok(self.encrypt_at(data, now, iv))
    }

    /// Encrypts `data` with a given timestamp and IV (the spec's test vectors; use
    /// [`Fernet::encrypt`] otherwise).
    pub fn encrypt_at(&self, data: &[u8], timestamp: u64, iv: [u8; 16]) -> String {
        let ciphertext = cbc::Encryptor::<aes::Aes128>::new(&self.encryption.into(), &iv.into())
            .encrypt_padded_vec_mut::<Pkcs7>(data);
        let mut token = Vec::with_capacity(HEADER + ciphertext.len() + MAC);
        token.push(VERSION);
        token.extend_from_slice(&timestamp.to_be_bytes());
        token.extend_from_slice(&iv);
        token.extend_from_slice(&ciphertext);
        let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &self.signing), &token);
        token.extend_from_slice(tag.as_ref());
        URL_SAFE.encode(token)
    }

    /// Verifies and decrypts a token, whatever its age.
    pub fn decrypt(&self, token: &str) -> Result<Vec<u8>, CryptoError> {
        self.decrypt_checked(token, None)
    }

    /// Verifies and decrypts a token no older than `ttl` seconds at `now` (seconds since the
    /// epoch), as Python's `decrypt_at_time`.
    pub fn decrypt_with_ttl(
        &self,
        token: &str,
        ttl: u64,
        now: u64,
    ) -> Result<Vec<u8>, CryptoError> {
        self.decrypt_checked(token, Some((ttl, now)))
    }

    fn decrypt_checked(
        &self,
        token: &str,
        ttl: Option<(u64, u64)>,
    ) -> Result<Vec<u8>, CryptoError> {
        let bytes = decode(token.trim()).ok_or(CryptoError::InvalidToken)?;
        if bytes.len() < HEADER + MAC || bytes[0] != VERSION {
            return Err(CryptoError::InvalidToken);
        }
        let (signed, tag) = bytes.split_at(bytes.len() - MAC);
        hmac::verify(
            &hmac::Key::new(hmac::HMAC_SHA256, &self.signing),
            signed,
            tag,
        )
        .map_err(|_| CryptoError::InvalidToken)?;
        let mut timestamp = [0u8; 8];
        timestamp.copy_from_slice(&signed[1..9]);
        if let Some((ttl, now)) = ttl {
            let made = u64::from_be_bytes(timestamp);
            // As Python's Fernet: a token from more than 60 s in the future is invalid.
            if made > now.saturating_add(MAX_CLOCK_SKEW) {
                return Err(CryptoError::InvalidToken);
            }
            if made.saturating_add(ttl) < now {
                return Err(CryptoError::Expired);
            }
        }
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&signed[9..HEADER]);
        let ciphertext = &signed[HEADER..];
        if ciphertext.is_empty() || ciphertext.len() % 16 != 0 {
            return Err(CryptoError::InvalidToken);
        }
        cbc::Decryptor::<aes::Aes128>::new(&self.encryption.into(), &iv.into())
            .decrypt_padded_vec_mut::<Pkcs7>(ciphertext)
            .map_err(|_| CryptoError::InvalidToken)
    }
}

/// URL-safe base64, padded or not (Python accepts both for keys and tokens).
fn decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE
        .decode(text)
        .or_else(|_| URL_SAFE_NO_PAD.decode(text))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Fernet spec's `generate.json` vector (1985-10-26T01:20:00-07:00, IV 0..15).
    const SPEC_SECRET: &str = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
    const SPEC_TOKEN: &str = "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==";
    const SPEC_NOW: u64 = 499_162_800;

    fn iv() -> [u8; 16] {
        std::array::from_fn(|i| i as u8)
    }

    #[test]
    fn matches_the_spec_generate_vector() {
        let f = Fernet::new(SPEC_SECRET).unwrap();
        assert_eq!(f.encrypt_at(b"hello", SPEC_NOW, iv()), SPEC_TOKEN);
        assert_eq!(
            f.decrypt_with_ttl(SPEC_TOKEN, 60, SPEC_NOW + 1).unwrap(),
            b"hello"
        );
    }

    #[test]
    fn rejects_what_the_spec_verify_vectors_reject() {
        let f = Fernet::new(SPEC_SECRET).unwrap();
        let raw = URL_SAFE.decode(SPEC_TOKEN).unwrap();
        let reencode = |bytes: &[u8]| URL_SAFE.encode(bytes);
        // From the future (more than 60 s ahead of "now").
        assert_eq!(
            f.decrypt_with_ttl(SPEC_TOKEN, 60, SPEC_NOW - 120),
            Err(CryptoError::InvalidToken)
        );
        // Expired (TTL 60 s, a day later).
        assert_eq!(
            f.decrypt_with_ttl(SPEC_TOKEN, 60, SPEC_NOW + 86_400),
            Err(CryptoError::Expired)
        );
        // An altered byte anywhere: header, IV, ciphertext, MAC.
        for i in [0, 3, 12, 30, raw.len() - 1] {
            let mut bad = raw.clone();
            bad[i] ^= 1;
            assert_eq!(
                f.decrypt(&reencode(&bad)),
                Err(CryptoError::InvalidToken),
                "byte {i}"
            );
        }
        // Too short, not base64, ciphertext not a whole number of blocks.
        assert_eq!(
            f.decrypt(&reencode(&raw[..40])),
            Err(CryptoError::InvalidToken)
        );
        assert_eq!(
            f.decrypt("%%%not base64%%%"),
            Err(CryptoError::InvalidToken)
        );
        let mut odd = raw[..raw.len() - MAC].to_vec();
        odd.push(0);
        let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &f.signing), &odd);
        odd.extend_from_slice(tag.as_ref());
        assert_eq!(f.decrypt(&reencode(&odd)), Err(CryptoError::InvalidToken));
        // Another key.
        let other = Fernet::new(&Fernet::generate_key().unwrap()).unwrap();
        assert_eq!(other.decrypt(SPEC_TOKEN), Err(CryptoError::InvalidToken));
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64() {
        assert_eq!(Fernet::new("short").unwrap_err(), CryptoError::InvalidKey);
        assert_eq!(Fernet::new("").unwrap_err(), CryptoError::InvalidKey);
        assert!(Fernet::new(SPEC_SECRET.trim_end_matches('=')).is_ok());
        assert_eq!(
            format!("{:?}", Fernet::new(SPEC_SECRET).unwrap()),
            "Fernet(<redacted>)"
        );
    }
}
