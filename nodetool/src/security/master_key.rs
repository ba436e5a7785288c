//! [`MasterKeyManager`]: where the master key comes from, in NodeTool's order:
//! `SECRETS_MASTER_KEY`; AWS Secrets Manager when `AWS_SECRETS_MASTER_KEY_NAME` is set; the
//! system keychain (service `nodetool`, user `secrets_master_key`; macOS and Windows: on Linux
//! this build has no keychain that survives a reboot, so there the error asks for
//! `SECRETS_MASTER_KEY`); else a new key, generated and stored in the keychain before it is
//! used.

#[cfg(not(target_os = "linux"))]
use super::fernet::Fernet;
use crate::config::Environment;
use std::fmt;

#[cfg(feature = "aws")]
async fn from_aws(env: &Environment, name: &str) -> Result<MasterKey, MasterKeyError> {
    let fail = |reason: String| MasterKeyError::Aws {
        name: name.to_owned(),
        reason,
    };
    let client = super::aws::SecretsManager::from_env(env).map_err(|e| fail(e.to_string()))?;
    match client.get_secret_value(name).await {
        Ok(Some(key)) => Ok(MasterKey {
            key,
            source: MasterKeySource::AwsSecretsManager,
        }),
        Ok(None) => Err(fail("there is no such secret".to_owned())),
        Err(e) => Err(fail(e.to_string())),
    }
}

#[cfg(not(feature = "aws"))]
async fn from_aws(_env: &Environment, _name: &str) -> Result<MasterKey, MasterKeyError> {
    Err(MasterKeyError::AwsUnavailable)
}

/// Where a master key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MasterKeySource {
    /// `SECRETS_MASTER_KEY`.
    Environment,
    /// AWS Secrets Manager.
    AwsSecretsManager,
    /// The system keychain.
    Keychain,
    /// Generated now, and stored in the keychain.
    Generated,
}

/// A master key (its text is never shown by `Debug`).
#[derive(Clone)]
pub struct MasterKey {
    key: String,
    source: MasterKeySource,
}

impl MasterKey {
    /// The key's text (what [`SecretCrypto`](super::SecretCrypto) takes).
    pub fn expose(&self) -> &str {
        &self.key
    }

    /// Where it came from.
    pub fn source(&self) -> MasterKeySource {
        self.source
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey(<redacted>, from {:?})", self.source)
    }
}

/// Why no master key could be had. A generated key is never used unless it was stored.
#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    /// AWS Secrets Manager is configured but this build was made without the `aws` feature;
    /// generating a key instead would orphan every secret stored under the real one.
    #[error(
        "AWS_SECRETS_MASTER_KEY_NAME is set, but this build cannot read AWS Secrets Manager (the \
         `aws` feature); set SECRETS_MASTER_KEY to the master key instead (a new key would orphan \
         every stored secret)"
    )]
    AwsUnavailable,
    /// AWS Secrets Manager is configured but the key could not be fetched; no key is
    /// generated in its place.
    #[cfg(feature = "aws")]
    #[error("the master key `{name}` could not be read from AWS Secrets Manager ({reason}); no new key is generated, as it would orphan every stored secret")]
    Aws {
        /// The secret's name.
        name: String,
        /// What failed.
        reason: String,
    },
    /// There is no keychain to read a key from or to store a new one in (a headless server).
    #[error(
        "no master key: SECRETS_MASTER_KEY is not set and the system keychain is not available \
         here ({reason}); set SECRETS_MASTER_KEY to a key (any text; `nodetool secrets \
         master-key generate` prints a new one)"
    )]
    NoKeychain {
        /// What the keychain said.
        reason: String,
    },
    /// The system's random number generator failed.
    #[error("cannot generate a master key: {0}")]
    Generate(super::fernet::CryptoError),
}

/// Finds (or creates) the master key; a process asks it once and keeps the answer.
#[derive(Debug)]
pub struct MasterKeyManager {
    service: String,
    user: String,
    cached: tokio::sync::Mutex<Option<MasterKey>>,
}

impl Default for MasterKeyManager {
    fn default() -> Self {
        Self::with_keychain_entry("nodetool", "secrets_master_key")
    }
}

impl MasterKeyManager {
    /// NodeTool's keychain entry, or the service `NODETOOL_KEYCHAIN_SERVICE` names (tests use
    /// their own).
    pub fn from_env(env: &Environment) -> Self {
        Self::with_keychain_entry(
            env.get_or("NODETOOL_KEYCHAIN_SERVICE", "nodetool"),
            "secrets_master_key",
        )
    }

    /// A manager using the keychain entry `service`/`user` (NodeTool's is
    /// `nodetool`/`secrets_master_key`: [`MasterKeyManager::default`]).
    pub fn with_keychain_entry(service: &str, user: &str) -> Self {
        Self {
            service: service.to_owned(),
            user: user.to_owned(),
            cached: tokio::sync::Mutex::new(None),
        }
    }

    /// The master key. Concurrent first calls generate at most one key: the lookup runs under
    /// a lock.
    pub async fn get(&self, env: &Environment) -> Result<MasterKey, MasterKeyError> {
        let mut cached = self.cached.lock().await;
        if let Some(key) = cached.as_ref() {
            return Ok(key.clone());
        }
        let key = self.find(env).await?;
        *cached = Some(key.clone());
        Ok(key)
    }

    async fn find(&self, env: &Environment) -> Result<MasterKey, MasterKeyError> {
        if let Some(key) = env.get("SECRETS_MASTER_KEY").filter(|k| !k.is_empty()) {
            return Ok(MasterKey {
                key: key.to_owned(),
                source: MasterKeySource::Environment,
            });
        }
        if let Some(name) = env
            .get("AWS_SECRETS_MASTER_KEY_NAME")
            .filter(|n| !n.is_empty())
        {
            return from_aws(env, name).await;
        }
        self.keychain_key()
    }

    /// Removes the key from the keychain (`false` when there was none).
    #[cfg(not(target_os = "linux"))]
    pub fn delete_from_keychain(&self) -> Result<bool, MasterKeyError> {
        let entry = keyring::Entry::new(&self.service, &self.user).map_err(|e| {
            MasterKeyError::NoKeychain {
                reason: e.to_string(),
            }
        })?;
        match entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(MasterKeyError::NoKeychain {
                reason: e.to_string(),
            }),
        }
    }

    /// Removes the key from the keychain (`false` when there was none).
    #[cfg(target_os = "linux")]
    pub fn delete_from_keychain(&self) -> Result<bool, MasterKeyError> {
        Err(linux_keychain())
    }

    /// On Linux this build has no keychain that survives a reboot: the kernel keyring forgets
    /// its keys, and a key generated again after a reboot would orphan every stored secret.
    #[cfg(target_os = "linux")]
    fn keychain_key(&self) -> Result<MasterKey, MasterKeyError> {
        let _ = (&self.service, &self.user);
        Err(linux_keychain())
    }

    #[cfg(not(target_os = "linux"))]
    fn keychain_key(&self) -> Result<MasterKey, MasterKeyError> {
        let entry = keyring::Entry::new(&self.service, &self.user).map_err(|e| {
            MasterKeyError::NoKeychain {
                reason: e.to_string(),
            }
        })?;
        match entry.get_password() {
            Ok(key) => Ok(MasterKey {
                key,
                source: MasterKeySource::Keychain,
            }),
            Err(keyring::Error::NoEntry) => {
                let key = Fernet::generate_key().map_err(MasterKeyError::Generate)?;
                // Stored and read back first: a key the keychain cannot give back later would
                // orphan every secret encrypted under it, so it is never handed out.
                let stored = entry.set_password(&key).and_then(|()| entry.get_password());
                match stored {
                    Ok(read_back) if read_back == key => {}
                    Ok(_) => {
                        return Err(MasterKeyError::NoKeychain {
                            reason: "the keychain gave back another key than the one stored".into(),
                        })
                    }
                    Err(e) => {
                        return Err(MasterKeyError::NoKeychain {
                            reason: format!("a new key could not be stored and read back: {e}"),
                        })
                    }
                }
                Ok(MasterKey {
                    key,
                    source: MasterKeySource::Generated,
                })
            }
            Err(e) => Err(MasterKeyError::NoKeychain {
                reason: e.to_string(),
            }),
        }
    }
}

#[cfg(target_os = "linux")]
fn linux_keychain() -> MasterKeyError {
    MasterKeyError::NoKeychain {
        reason: "on Linux this build keeps no master key in a keychain: the kernel keyring forgets keys at reboot, and a new key would orphan every stored secret".to_owned(),
    }
}
