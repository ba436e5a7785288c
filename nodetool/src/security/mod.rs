//! Secrets as NodeTool encrypts them: [`Fernet`] tokens (the Fernet spec: AES-128-CBC and
//! HMAC-SHA256) under a per-user key that [`SecretCrypto`] derives from the master key and the
//! user id exactly as Python NodeTool does, so that a token written by one reads in the other.

#[cfg(feature = "aws")]
mod aws;
mod crypto;
mod fernet;
#[cfg(feature = "keyring")]
mod master_key;

#[cfg(feature = "aws")]
pub use aws::{AwsError, SecretsManager};
pub use crypto::SecretCrypto;
pub use fernet::{CryptoError, Fernet};
#[cfg(feature = "keyring")]
pub use master_key::{MasterKey, MasterKeyError, MasterKeyManager, MasterKeySource};
