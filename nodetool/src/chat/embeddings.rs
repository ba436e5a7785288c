//! Embeddings over the providers that have them: OpenAI (and compatible servers:
//! `POST {base}/embeddings`), Ollama (`POST {base}/api/embed`) and Gemini
//! (`models/{model}:batchEmbedContents`). Anthropic has none.

use super::error::ChatError;
use super::transport::Transport;
use serde_json::{json, Value};

/// Vectors for a batch of inputs, in the inputs' order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Embeddings {
    /// One vector per input.
    pub vectors: Vec<Vec<f32>>,
    /// Tokens read, when the provider says.
    pub input_tokens: Option<u64>,
}

impl Embeddings {
    /// The vectors' dimension (0 when there are none).
    pub fn dimension(&self) -> usize {
        self.vectors.first().map_or(0, Vec::len)
    }
}

fn malformed(provider: &'static str, what: &str) -> ChatError {
    ChatError::malformed(provider, format!("the embeddings answer has no {what}"))
}

/// A JSON array of numbers as a vector.
fn vector(provider: &'static str, value: &Value) -> Result<Vec<f32>, ChatError> {
    value
        .as_array()
        .ok_or_else(|| malformed(provider, "vector"))?
        .iter()
        .map(|x| {
            x.as_f64()
                .map(|x| x as f32)
                .ok_or_else(|| malformed(provider, "numbers"))
        })
        .collect()
}

fn check_count(provider: &'static str, got: &Embeddings, wanted: usize) -> Result<(), ChatError> {
    if got.vectors.len() != wanted {
        return Err(ChatError::malformed(
            provider,
            format!("{} vectors for {wanted} inputs", got.vectors.len()),
        ));
    }
    Ok(())
}

/// OpenAI's answer: `data[i].embedding` (ordered by `data[i].index`), `usage.prompt_tokens`.
pub(crate) fn parse_openai(body: &Value, inputs: usize) -> Result<Embeddings, ChatError> {
    const P: &str = "openai";
    let mut data: Vec<&Value> = body["data"]
        .as_array()
        .ok_or_else(|| malformed(P, "`data`"))?
        .iter()
        .collect();
    data.sort_by_key(|d| d["index"].as_u64().unwrap_or(0));
    let got = Embeddings {
        vectors: data
            .iter()
            .map(|d| vector(P, &d["embedding"]))
            .collect::<Result<_, _>>()?,
        input_tokens: body["usage"]["prompt_tokens"].as_u64(),
    };
    check_count(P, &got, inputs)?;
    Ok(got)
}

/// Ollama's answer: `embeddings`, `prompt_eval_count`.
pub(crate) fn parse_ollama(body: &Value, inputs: usize) -> Result<Embeddings, ChatError> {
    const P: &str = "ollama";
    let got = Embeddings {
        vectors: body["embeddings"]
            .as_array()
            .ok_or_else(|| malformed(P, "`embeddings`"))?
            .iter()
            .map(|v| vector(P, v))
            .collect::<Result<_, _>>()?,
        input_tokens: body["prompt_eval_count"].as_u64(),
    };
    check_count(P, &got, inputs)?;
    Ok(got)
}

/// Gemini's answer: `embeddings[i].values`.
pub(crate) fn parse_gemini(body: &Value, inputs: usize) -> Result<Embeddings, ChatError> {
    const P: &str = "gemini";
    let got = Embeddings {
        vectors: body["embeddings"]
            .as_array()
            .ok_or_else(|| malformed(P, "`embeddings`"))?
            .iter()
            .map(|e| vector(P, &e["values"]))
            .collect::<Result<_, _>>()?,
        input_tokens: None,
    };
    check_count(P, &got, inputs)?;
    Ok(got)
}

/// OpenAI's request body.
pub(crate) fn openai_body(model: &str, inputs: &[String]) -> Value {
    json!({"model": model, "input": inputs, "encoding_format": "float"})
}

/// Ollama's request body.
pub(crate) fn ollama_body(model: &str, inputs: &[String]) -> Value {
    json!({"model": model, "input": inputs})
}

/// Gemini's request body.
pub(crate) fn gemini_body(model: &str, inputs: &[String]) -> Value {
    let model = format!("models/{}", model.trim_start_matches("models/"));
    json!({"requests": inputs.iter().map(|text| json!({
        "model": model, "content": {"parts": [{"text": text}]}
    })).collect::<Vec<_>>()})
}

/// An empty batch needs no request.
pub(crate) fn nothing_to_embed(inputs: &[String]) -> Option<Embeddings> {
    inputs.is_empty().then(Embeddings::default)
}

/// The transport's JSON answer for embeddings (shared by the providers).
pub(crate) async fn post(
    transport: &Transport,
    build: &(dyn Fn() -> reqwest::RequestBuilder + Send + Sync),
    cancel: &tokio_util::sync::CancellationToken,
) -> Result<Value, ChatError> {
    transport.json(build, cancel).await
}
