//! Chat models (feature `chat`): one [`ChatProvider`] interface over OpenAI's chat
//! completions (and every OpenAI-compatible server), Anthropic's Messages API, Gemini and
//! Ollama, with their real wire formats, streaming (SSE, NDJSON), tool calls assembled from
//! streamed fragments, typed errors, retries with backoff and cancellation.
//!
//! ```no_run
//! use nodetool::chat::{ChatProvider, ChatRequest, Chunk, Message, OpenAiProvider};
//! # async fn demo() -> Result<(), nodetool::chat::ChatError> {
//! let provider = OpenAiProvider::new(None).with_base_url("http://127.0.0.1:8080/v1");
//! let request = ChatRequest::new("local", vec![Message::user("Say hi")]);
//! let cancel = Default::default();
//! let mut stream = provider.generate_messages(&request, &cancel).await?;
//! while let Some(chunk) = stream.next().await {
//!     if let Chunk::Text(text) = chunk? {
//!         print!("{text}");
//!     }
//! }
//! # Ok(()) }
//! ```

mod anthropic;
mod error;
mod framing;
mod gemini;
mod ollama;
mod openai;
mod transport;
mod types;

pub use anthropic::{AnthropicProvider, ANTHROPIC_BASE_URL};
pub use error::ChatError;
pub use framing::{FrameDecoder, Framing, SseEvent};
pub use gemini::{GeminiProvider, GEMINI_BASE_URL};
pub use ollama::{OllamaProvider, OLLAMA_BASE_URL};
pub use openai::{OpenAiProvider, OPENAI_BASE_URL};
pub use tokio_util::sync::CancellationToken;
pub use transport::{ChatProvider, ChunkStream, RetryPolicy};
pub use types::{
    ChatRequest, ChatResponse, Chunk, ContentPart, Message, ModelInfo, Role, Tool, ToolCall, Usage,
};

/// `url` for `Debug` output: user, password and query (where credentials hide) redacted.
pub(crate) fn redact_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            if !u.username().is_empty() || u.password().is_some() {
                let _ = u.set_username("redacted");
                let _ = u.set_password(None);
            }
            if u.query().is_some() {
                u.set_query(Some("redacted"));
            }
            u.to_string()
        }
        Err(_) => "<not a URL>".to_owned(),
    }
}

/// The media type and base64 data of a `data:…;base64,…` URI.
pub(crate) fn split_data_uri(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("data:")?;
    let (meta, data) = rest.split_once(',')?;
    let media_type = meta.strip_suffix(";base64")?;
    Some((
        if media_type.is_empty() {
            "application/octet-stream"
        } else {
            media_type
        },
        data,
    ))
}

/// The provider named `name` (`openai`, `anthropic`, `gemini`, `ollama`), set up from the
/// environment (settings, secrets, `.env`, the process environment): `OPENAI_API_KEY` and
/// `OPENAI_BASE_URL`, `ANTHROPIC_API_KEY`, `GEMINI_API_KEY`, `OLLAMA_API_URL`.
#[cfg(feature = "config")]
pub fn provider_from_environment(
    name: &str,
    env: &crate::config::Environment,
) -> Result<Box<dyn ChatProvider>, ChatError> {
    let key = |var: &str| {
        env.get(var)
            .filter(|v| !v.trim().is_empty())
            .map(str::to_owned)
    };
    let missing = |provider: &'static str, var: &str| {
        ChatError::config(
            provider,
            format!("no API key: set {var} in the settings or secrets"),
        )
    };
    Ok(match name {
        "openai" => {
            let base = key("OPENAI_BASE_URL");
            let api_key = key("OPENAI_API_KEY");
            if base.is_none() && api_key.is_none() {
                return Err(missing("openai", "OPENAI_API_KEY"));
            }
            let provider = OpenAiProvider::new(api_key);
            Box::new(match base {
                Some(base) => provider.with_base_url(base),
                None => provider,
            })
        }
        "anthropic" => Box::new(AnthropicProvider::new(
            key("ANTHROPIC_API_KEY").ok_or_else(|| missing("anthropic", "ANTHROPIC_API_KEY"))?,
        )),
        "gemini" => Box::new(GeminiProvider::new(
            key("GEMINI_API_KEY").ok_or_else(|| missing("gemini", "GEMINI_API_KEY"))?,
        )),
        "ollama" => Box::new(match key("OLLAMA_API_URL") {
            Some(url) => OllamaProvider::new().with_base_url(url),
            None => OllamaProvider::new(),
        }),
        other => {
            return Err(ChatError::Config {
                provider: "chat",
                message: format!(
                    "unknown provider `{other}` (known: openai, anthropic, gemini, ollama)"
                ),
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_in_debug_output_hide_credentials() {
        assert_eq!(
            redact_url("https://user:pw@host/v1?key=sk"),
            "https://redacted@host/v1?redacted"
        );
        assert_eq!(
            redact_url("http://127.0.0.1:8080/v1"),
            "http://127.0.0.1:8080/v1"
        );
    }

    #[test]
    fn data_uris_split_into_type_and_data() {
        assert_eq!(
            split_data_uri("data:image/png;base64,AAAA"),
            Some(("image/png", "AAAA"))
        );
        assert_eq!(split_data_uri("https://x/y.png"), None);
        assert_eq!(split_data_uri("data:text/plain,hi"), None);
    }
}
