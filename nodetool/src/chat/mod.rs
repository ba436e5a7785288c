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
mod embeddings;
mod error;
mod framing;
mod gemini;
pub mod media;
mod observe;
mod ollama;
mod openai;
mod transport;
mod types;

pub use anthropic::{AnthropicProvider, ANTHROPIC_BASE_URL};
pub use embeddings::Embeddings;
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

/// The providers [`provider_from_environment`] knows.
pub const PROVIDERS: &[&str] = &[
    "openai",
    "anthropic",
    "gemini",
    "ollama",
    "llama_cpp",
    "vllm",
    "lmstudio",
];

/// The provider named `name`, set up from the environment (settings, secrets, `.env`, the
/// process environment): `openai` (`OPENAI_API_KEY`, `OPENAI_BASE_URL`), `anthropic`
/// (`ANTHROPIC_API_KEY`), `gemini` (`GEMINI_API_KEY`), `ollama` (`OLLAMA_API_URL`), and the
/// OpenAI-compatible servers `llama_cpp` (`LLAMA_CPP_URL`), `vllm` (`VLLM_BASE_URL`) and
/// `lmstudio` (`LMSTUDIO_BASE_URL`).
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
    if let Some(provider) = openai_compatible_from_environment(name, env) {
        return Ok(Box::new(provider?));
    }
    Ok(match name {
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
                    "unknown provider `{other}` (known: {})",
                    PROVIDERS.join(", ")
                ),
            })
        }
    })
}

/// Provider `name` when it speaks OpenAI's API (`openai`, `llama_cpp`, `vllm`, `lmstudio`),
/// set up from the environment as [`provider_from_environment`] does; `None` for the others.
#[cfg(feature = "config")]
pub fn openai_compatible_from_environment(
    name: &str,
    env: &crate::config::Environment,
) -> Option<Result<OpenAiProvider, ChatError>> {
    let key = |var: &str| {
        env.get(var)
            .filter(|v| !v.trim().is_empty())
            .map(str::to_owned)
    };
    let compatible = |var: &str, default: &str| {
        let base = key(var).unwrap_or_else(|| default.to_owned());
        Some(Ok(OpenAiProvider::new(None).with_base_url(base)))
    };
    match name {
        "openai" => {
            let base = key("OPENAI_BASE_URL");
            let api_key = key("OPENAI_API_KEY");
            if base.is_none() && api_key.is_none() {
                return Some(Err(ChatError::config(
                    "openai",
                    "no API key: set OPENAI_API_KEY in the settings or secrets",
                )));
            }
            let provider = OpenAiProvider::new(api_key);
            Some(Ok(match base {
                Some(base) => provider.with_base_url(base),
                None => provider,
            }))
        }
        "llama_cpp" => compatible("LLAMA_CPP_URL", "http://127.0.0.1:8080/v1"),
        "vllm" => compatible("VLLM_BASE_URL", "http://127.0.0.1:8000/v1"),
        "lmstudio" => compatible("LMSTUDIO_BASE_URL", "http://127.0.0.1:1234/v1"),
        _ => None,
    }
}

/// A small, cheap model of `provider`: what is used when no model is named
/// (`NODETOOL_CHAT_MODEL` overrides it where settings are read).
pub fn default_model(provider: &str) -> &'static str {
    match provider {
        "openai" => "gpt-4o-mini",
        "anthropic" => "claude-3-5-haiku-latest",
        "gemini" => "gemini-2.0-flash",
        "ollama" => "llama3.2",
        _ => "local",
    }
}

/// The providers the environment configures, in order of preference: `openai`
/// (`OPENAI_API_KEY` or `OPENAI_BASE_URL`), `anthropic`, `gemini`, `ollama`
/// (`OLLAMA_API_URL`), `llama_cpp` (`LLAMA_CPP_URL`), `vllm`, `lmstudio`.
#[cfg(feature = "config")]
pub fn configured_providers(env: &crate::config::Environment) -> Vec<&'static str> {
    let set = |k: &str| env.get(k).is_some_and(|v| !v.trim().is_empty());
    let mut found = Vec::new();
    for (keys, provider) in [
        (&["OPENAI_API_KEY", "OPENAI_BASE_URL"][..], "openai"),
        (&["ANTHROPIC_API_KEY"][..], "anthropic"),
        (&["GEMINI_API_KEY"][..], "gemini"),
        (&["OLLAMA_API_URL"][..], "ollama"),
        (&["LLAMA_CPP_URL"][..], "llama_cpp"),
        (&["VLLM_BASE_URL"][..], "vllm"),
        (&["LMSTUDIO_BASE_URL"][..], "lmstudio"),
    ] {
        if keys.iter().any(|k| set(k)) {
            found.push(provider);
        }
    }
    found
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
