//! [`SecretCrypto`]: Python NodeTool's per-user secret encryption.

use super::fernet::{CryptoError, Fernet};
use base64::engine::general_purpose::URL_SAFE;
use base64::Engine;
use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

/// PBKDF2 iterations, as NodeTool.
const ITERATIONS: u32 = 100_000;

/// Encrypts and decrypts users' secrets under per-user keys derived from one master key:
/// PBKDF2-HMAC-SHA256 over the master key's UTF-8 text with the user id's UTF-8 bytes as
/// salt, 100,000 iterations, 32 bytes, used as a Fernet key. Derived keys are cached per user
/// (PBKDF2 is deliberately slow).
///
/// ```
/// use nodetool::security::SecretCrypto;
/// let crypto = SecretCrypto::new("master key text");
/// let token = crypto.encrypt("alice", "sk-123").unwrap();
/// assert_eq!(crypto.decrypt("alice", &token).unwrap(), "sk-123");
/// assert!(crypto.decrypt("bob", &token).is_err());
/// ```
pub struct SecretCrypto {
    master_key: String,
    keys: Mutex<HashMap<String, Arc<Fernet>>>,
}

impl fmt::Debug for SecretCrypto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretCrypto(<redacted>)")
    }
}

impl SecretCrypto {
    /// Uses `master_key` (its text, as NodeTool does: not base64-decoded).
    pub fn new(master_key: impl Into<String>) -> Self {
        Self {
            master_key: master_key.into(),
            keys: Mutex::new(HashMap::new()),
        }
    }

    /// The Fernet key of `user_id`, in URL-safe base64 (what Python's `derive_key` returns).
    pub fn derive_key(master_key: &str, user_id: &str) -> String {
        URL_SAFE.encode(derive(master_key, user_id))
    }

    fn fernet(&self, user_id: &str) -> Result<Arc<Fernet>, CryptoError> {
        if let Some(fernet) = self
            .keys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(user_id)
        {
            return Ok(Arc::clone(fernet));
        }
        // Derived outside the lock: PBKDF2 takes a while and other users need not wait.
        let fernet = Arc::new(Fernet::from_bytes(&derive(&self.master_key, user_id))?);
        let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        Ok(Arc::clone(keys.entry(user_id.to_owned()).or_insert(fernet)))
    }

    /// Encrypts `plaintext` for `user_id`: a Fernet token, as text.
    pub fn encrypt(&self, user_id: &str, plaintext: &str) -> Result<String, CryptoError> {
        self.fernet(user_id)?.encrypt(plaintext.as_bytes())
    }

    /// Decrypts a token of `user_id`'s; a wrong key (master key or user) or an altered token
    /// is [`CryptoError::InvalidToken`].
    pub fn decrypt(&self, user_id: &str, token: &str) -> Result<String, CryptoError> {
        let bytes = self.fernet(user_id)?.decrypt(token)?;
        String::from_utf8(bytes).map_err(|_| CryptoError::NotText)
    }
}

fn derive(master_key: &str, user_id: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    let iterations = NonZeroU32::new(ITERATIONS).unwrap_or(NonZeroU32::MIN);
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA256,
        iterations,
        user_id.as_bytes(),
        master_key.as_bytes(),
        &mut out,
    );
    out
}
