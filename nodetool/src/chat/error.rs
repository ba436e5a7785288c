//! [`ChatError`]: why a provider call failed, typed so callers can react (retry later,
//! shorten the conversation, fix the key).

use std::time::Duration;

/// A failed provider call. Messages come from the provider's error body; keys never appear.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// The API key is missing, wrong or lacks permission (401/403).
    #[error("{provider}: authentication failed: {message}")]
    Auth {
        /// The provider.
        provider: &'static str,
        /// What it said.
        message: String,
    },
    /// Too many requests (429), after the retries.
    #[error("{provider}: rate limited{}: {message}", retry_after.map(|d| format!(" (retry after {} s)", d.as_secs_f64())).unwrap_or_default())]
    RateLimited {
        /// The provider.
        provider: &'static str,
        /// When the provider says to try again.
        retry_after: Option<Duration>,
        /// What it said.
        message: String,
    },
    /// The conversation does not fit the model's context window.
    #[error("{provider}: the conversation is too long for the model: {message}")]
    ContextLength {
        /// The provider.
        provider: &'static str,
        /// What it said.
        message: String,
    },
    /// The request could not be sent or the connection broke.
    #[error("{provider}: network error: {message}")]
    Network {
        /// The provider.
        provider: &'static str,
        /// What failed.
        message: String,
    },
    /// Any other error answer.
    #[error("{provider}: HTTP {status}: {message}")]
    Api {
        /// The provider.
        provider: &'static str,
        /// The HTTP status.
        status: u16,
        /// What it said.
        message: String,
    },
    /// The answer did not follow the provider's wire format (or the stream stopped early).
    #[error("{provider}: malformed response: {detail}")]
    Malformed {
        /// The provider.
        provider: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// The provider is not set up (no key, bad URL, a request it cannot express).
    #[error("{provider}: {message}")]
    Config {
        /// The provider.
        provider: &'static str,
        /// What is missing.
        message: String,
    },
    /// The run was cancelled.
    #[error("cancelled")]
    Cancelled,
}

impl ChatError {
    pub(crate) fn malformed(provider: &'static str, detail: impl Into<String>) -> Self {
        ChatError::Malformed {
            provider,
            detail: detail.into(),
        }
    }

    pub(crate) fn config(provider: &'static str, message: impl Into<String>) -> Self {
        ChatError::Config {
            provider,
            message: message.into(),
        }
    }

    /// A short name of the error's kind (`auth`, `rate_limit`, `context_length`, `network`,
    /// `api`, `malformed`, `config`, `cancelled`), for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            ChatError::Auth { .. } => "auth",
            ChatError::RateLimited { .. } => "rate_limit",
            ChatError::ContextLength { .. } => "context_length",
            ChatError::Network { .. } => "network",
            ChatError::Api { .. } => "api",
            ChatError::Malformed { .. } => "malformed",
            ChatError::Config { .. } => "config",
            ChatError::Cancelled => "cancelled",
        }
    }

    /// Whether trying again later may succeed (rate limits, overload, network).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ChatError::RateLimited { .. } | ChatError::Network { .. }
        ) || matches!(self, ChatError::Api { status, .. } if *status >= 500)
    }
}
