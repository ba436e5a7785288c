//! Sending provider requests (retries, backoff, cancellation, error mapping) and reading
//! streamed replies as [`Chunk`]s.

use super::error::ChatError;
use super::framing::{FrameDecoder, Framing, SseEvent};
use super::types::{ChatResponse, Chunk};
use crate::workflows::BoxFuture;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::Value;
use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The largest whole answer read (64 MiB); streams are limited per event instead.
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// A chat model provider: one reply, a streamed reply, the models on offer.
///
/// Implemented by [`OpenAiProvider`](super::OpenAiProvider) (and every OpenAI-compatible
/// server), [`AnthropicProvider`](super::AnthropicProvider),
/// [`GeminiProvider`](super::GeminiProvider) and [`OllamaProvider`](super::OllamaProvider).
pub trait ChatProvider: Send + Sync + fmt::Debug {
    /// The provider's name (`openai`, `anthropic`, `gemini`, `ollama`).
    fn name(&self) -> &'static str;

    /// Asks for one whole reply.
    fn generate_message<'a>(
        &'a self,
        request: &'a super::ChatRequest,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<ChatResponse, ChatError>>;

    /// Asks for a streamed reply; read it with [`ChunkStream::next`].
    fn generate_messages<'a>(
        &'a self,
        request: &'a super::ChatRequest,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<ChunkStream, ChatError>>;

    /// The models the provider offers.
    fn list_models<'a>(
        &'a self,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<Vec<super::ModelInfo>, ChatError>>;

    /// Vectors for `inputs` from embedding model `model` (an error for providers without
    /// embeddings).
    fn embed<'a>(
        &'a self,
        model: &'a str,
        inputs: &'a [String],
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<super::Embeddings, ChatError>> {
        let _ = (model, inputs, cancel);
        let provider = self.name();
        Box::pin(async move {
            Err(ChatError::config(
                provider,
                "this provider has no embeddings",
            ))
        })
    }
}

/// Turns a provider's stream frames into chunks.
pub(crate) trait StreamParser: Send {
    /// The chunks one frame carries.
    fn frame(&mut self, frame: &SseEvent) -> Result<Vec<Chunk>, ChatError>;
    /// The chunks left when the body ends; an error if the stream ended early.
    fn finish(&mut self) -> Result<Vec<Chunk>, ChatError>;
}

/// The builder methods every provider has: another base URL, a shared client, retries.
macro_rules! provider_builders {
    ($provider:ty) => {
        impl $provider {
            /// Talks to another server with this API (a proxy, a compatible server, a test
            /// server): its URL up to the API's paths.
            pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
                self.base_url = base_url.into().trim_end_matches('/').to_owned();
                self
            }

            /// Uses `client` for requests (shared connection pool, proxies, timeouts).
            pub fn with_http_client(mut self, client: reqwest::Client) -> Self {
                self.transport.http = client;
                self
            }

            /// Sets how requests are retried.
            pub fn with_retry(mut self, retry: $crate::chat::RetryPolicy) -> Self {
                self.transport.retry = retry;
                self
            }
        }
    };
}
pub(crate) use provider_builders;

/// `ChatProvider` for a provider type with inherent `chat_request(&self, request, stream)`,
/// `models_request(&self)`, `parse_reply(body)` and `parse_models(body)`: one reply, a stream
/// (`$framing` frames read by the stream parser `$parser`), the model list.
macro_rules! chat_provider {
    ($provider:ty, $name:expr, $framing:expr, $parser:expr) => {
        impl $crate::chat::ChatProvider for $provider {
            fn name(&self) -> &'static str {
                $name
            }

            fn generate_message<'a>(
                &'a self,
                request: &'a $crate::chat::ChatRequest,
                cancel: &'a $crate::chat::CancellationToken,
            ) -> $crate::workflows::BoxFuture<
                'a,
                ::std::result::Result<$crate::chat::ChatResponse, $crate::chat::ChatError>,
            > {
                let call = $crate::chat::observe::CallRecord::start($name, &request.model, "chat");
                let span = call.span().clone();
                Box::pin(async move {
                    let reply = ::tracing::Instrument::instrument(
                        async {
                            let build = self.chat_request(request, false)?;
                            Self::parse_reply(&self.transport.json(&build, cancel).await?)
                        },
                        span,
                    )
                    .await;
                    call.finish(reply)
                })
            }

            fn generate_messages<'a>(
                &'a self,
                request: &'a $crate::chat::ChatRequest,
                cancel: &'a $crate::chat::CancellationToken,
            ) -> $crate::workflows::BoxFuture<
                'a,
                ::std::result::Result<$crate::chat::ChunkStream, $crate::chat::ChatError>,
            > {
                let call =
                    $crate::chat::observe::CallRecord::start($name, &request.model, "stream");
                let span = call.span().clone();
                Box::pin(async move {
                    let stream = ::tracing::Instrument::instrument(
                        async {
                            let build = self.chat_request(request, true)?;
                            let parser = Box::new($parser);
                            self.transport
                                .stream(&build, cancel, $framing, parser)
                                .await
                        },
                        span,
                    )
                    .await;
                    match stream {
                        Ok(stream) => Ok(stream.observed(call)),
                        Err(error) => Err(call.fail(error)),
                    }
                })
            }

            fn list_models<'a>(
                &'a self,
                cancel: &'a $crate::chat::CancellationToken,
            ) -> $crate::workflows::BoxFuture<
                'a,
                ::std::result::Result<
                    ::std::vec::Vec<$crate::chat::ModelInfo>,
                    $crate::chat::ChatError,
                >,
            > {
                Box::pin(async move {
                    let build = self.models_request();
                    Self::parse_models(&self.transport.json(&build, cancel).await?)
                })
            }

            fn embed<'a>(
                &'a self,
                model: &'a str,
                inputs: &'a [String],
                cancel: &'a $crate::chat::CancellationToken,
            ) -> $crate::workflows::BoxFuture<
                'a,
                ::std::result::Result<$crate::chat::Embeddings, $crate::chat::ChatError>,
            > {
                let call = $crate::chat::observe::CallRecord::start($name, model, "embed");
                let span = call.span().clone();
                Box::pin(async move {
                    let reply = ::tracing::Instrument::instrument(
                        self.embed_inputs(model, inputs, cancel),
                        span,
                    )
                    .await;
                    call.finish(reply)
                })
            }
        }
    };
}
pub(crate) use chat_provider;

/// The chunks of one whole JSON document (a Gemini event, an Ollama line) and whether it
/// ends the reply; the counter numbers tool calls that carry no id.
pub(crate) type DocumentChunks = fn(&Value, &mut usize) -> Result<(Vec<Chunk>, bool), ChatError>;

/// A stream whose every frame is a whole JSON document holding the next chunks.
pub(crate) struct DocumentStream {
    provider: &'static str,
    chunks_of: DocumentChunks,
    /// The error when the stream ends before the document that ends the reply.
    truncated: &'static str,
    calls: usize,
    done: bool,
}

impl DocumentStream {
    pub(crate) fn new(
        provider: &'static str,
        chunks_of: DocumentChunks,
        truncated: &'static str,
    ) -> Self {
        DocumentStream {
            provider,
            chunks_of,
            truncated,
            calls: 0,
            done: false,
        }
    }
}

impl StreamParser for DocumentStream {
    fn frame(&mut self, frame: &SseEvent) -> Result<Vec<Chunk>, ChatError> {
        let document: Value = serde_json::from_str(&frame.data).map_err(|e| {
            ChatError::malformed(
                self.provider,
                format!("a stream event is not JSON ({e}): {}", frame.data),
            )
        })?;
        let (chunks, done) = (self.chunks_of)(&document, &mut self.calls)?;
        self.done |= done;
        Ok(chunks)
    }

    fn finish(&mut self) -> Result<Vec<Chunk>, ChatError> {
        if !self.done {
            return Err(ChatError::malformed(self.provider, self.truncated));
        }
        Ok(Vec::new())
    }
}

/// A whole answer that is one document of `chunks_of`'s shape.
pub(crate) fn document_reply(
    body: &Value,
    chunks_of: DocumentChunks,
) -> Result<ChatResponse, ChatError> {
    let mut reply = ChatResponse::default();
    for chunk in chunks_of(body, &mut 0)?.0 {
        reply.push(chunk);
    }
    Ok(reply)
}

/// How often and how long requests are retried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all (1: no retry).
    pub attempts: u32,
    /// The first wait; it doubles each time.
    pub base_delay: Duration,
    /// The longest wait (also caps a server's `Retry-After`).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

/// The HTTP side every provider shares.
#[derive(Clone)]
pub(crate) struct Transport {
    pub(crate) provider: &'static str,
    pub(crate) http: reqwest::Client,
    pub(crate) retry: RetryPolicy,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("provider", &self.provider)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Transport {
    pub(crate) fn new(provider: &'static str) -> Self {
        Transport {
            provider,
            http: crate::http::shared_client().clone(),
            retry: RetryPolicy::default(),
        }
    }

    /// Sends the request `build` makes, retrying 408/429/5xx/529 answers and connection
    /// failures; an error answer becomes a [`ChatError`].
    pub(crate) async fn send(
        &self,
        build: &(dyn Fn() -> reqwest::RequestBuilder + Send + Sync),
        cancel: &CancellationToken,
    ) -> Result<reqwest::Response, ChatError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let sent = tokio::select! {
                sent = build().send() => sent,
                () = cancel.cancelled() => return Err(ChatError::Cancelled),
            };
            let last = attempt >= self.retry.attempts;
            let wait = match sent {
                Ok(response) if response.status().is_success() => return Ok(response),
                Ok(response) => {
                    let status = response.status().as_u16();
                    let retry_after = retry_after(response.headers());
                    if last || !matches!(status, 408 | 429 | 500 | 502 | 503 | 504 | 529) {
                        let body = read_all(response, cancel, self.provider).await?;
                        return Err(self.error_answer(status, retry_after, &body));
                    }
                    retry_after.unwrap_or_else(|| self.backoff(attempt))
                }
                Err(e) if !last && (e.is_connect() || e.is_timeout()) => self.backoff(attempt),
                Err(e) => {
                    return Err(ChatError::Network {
                        provider: self.provider,
                        message: without_url(&e),
                    })
                }
            };
            tokio::select! {
                () = tokio::time::sleep(wait.min(self.retry.max_delay)) => {}
                () = cancel.cancelled() => return Err(ChatError::Cancelled),
            }
        }
    }

    /// Sends and returns the whole answer's bytes.
    pub(crate) async fn bytes(
        &self,
        build: &(dyn Fn() -> reqwest::RequestBuilder + Send + Sync),
        cancel: &CancellationToken,
    ) -> Result<Vec<u8>, ChatError> {
        let response = self.send(build, cancel).await?;
        read_all(response, cancel, self.provider).await
    }

    /// Sends and parses the whole answer as JSON.
    pub(crate) async fn json(
        &self,
        build: &(dyn Fn() -> reqwest::RequestBuilder + Send + Sync),
        cancel: &CancellationToken,
    ) -> Result<Value, ChatError> {
        let response = self.send(build, cancel).await?;
        let body = read_all(response, cancel, self.provider).await?;
        serde_json::from_slice(&body).map_err(|e| {
            ChatError::malformed(self.provider, format!("the answer is not JSON: {e}"))
        })
    }

    /// Sends and returns the streamed answer.
    pub(crate) async fn stream(
        &self,
        build: &(dyn Fn() -> reqwest::RequestBuilder + Send + Sync),
        cancel: &CancellationToken,
        framing: Framing,
        parser: Box<dyn StreamParser>,
    ) -> Result<ChunkStream, ChatError> {
        let response = self.send(build, cancel).await?;
        Ok(ChunkStream {
            provider: self.provider,
            response: Some(response),
            decoder: FrameDecoder::new(framing),
            parser,
            pending: VecDeque::new(),
            cancel: cancel.clone(),
            finished: false,
            failure: None,
            call: None,
        })
    }

    fn backoff(&self, attempt: u32) -> Duration {
        self.retry
            .base_delay
            .saturating_mul(1 << (attempt - 1).min(16))
    }

    /// The error for an error answer: its message from the usual JSON shapes, typed by status.
    pub(crate) fn error_answer(
        &self,
        status: u16,
        retry_after: Option<Duration>,
        body: &[u8],
    ) -> ChatError {
        let message = error_message(body);
        let provider = self.provider;
        let lower = message.to_lowercase();
        if status == 401 || status == 403 || lower.contains("api key not valid") {
            return ChatError::Auth { provider, message };
        }
        if status == 429 {
            return ChatError::RateLimited {
                provider,
                retry_after,
                message,
            };
        }
        if (status == 400 || status == 413) && is_context_length(&lower) {
            return ChatError::ContextLength { provider, message };
        }
        ChatError::Api {
            provider,
            status,
            message,
        }
    }
}

/// Whether an error message says the prompt is too long.
pub(crate) fn is_context_length(lower: &str) -> bool {
    [
        "context_length_exceeded",
        "context length",
        "context window",
        "maximum context",
        "prompt is too long",
        "too many tokens",
        "exceeds the maximum number of tokens",
    ]
    .iter()
    .any(|m| lower.contains(m))
}

/// The message of an error body: `error.message`, `error` (a string), `message`, or the text.
pub(crate) fn error_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let from_json = serde_json::from_slice::<Value>(body).ok().and_then(|v| {
        let error = v.get("error").unwrap_or(&v);
        match error {
            Value::String(s) => Some(s.clone()),
            _ => error
                .get("message")
                .and_then(Value::as_str)
                .map(str::to_owned),
        }
    });
    from_json.unwrap_or_else(|| text.chars().take(500).collect::<String>().trim().to_owned())
}

/// A reqwest error's text without the URL (it may carry a key in its query).
fn without_url(e: &reqwest::Error) -> String {
    let mut message = e.to_string();
    if let Some(url) = e.url() {
        message = message.replace(url.as_str(), "<url>");
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

/// A `Retry-After` in seconds (at most a day: larger or odd values are ignored).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds: f64 = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Duration::try_from_secs_f64(seconds.min(86_400.0)).ok()
}

async fn read_all(
    mut response: reqwest::Response,
    cancel: &CancellationToken,
    provider: &'static str,
) -> Result<Vec<u8>, ChatError> {
    let mut body = Vec::new();
    loop {
        let chunk = tokio::select! {
            chunk = response.chunk() => chunk,
            () = cancel.cancelled() => return Err(ChatError::Cancelled),
        };
        match chunk {
            Ok(Some(bytes)) => {
                if body.len() + bytes.len() > MAX_BODY_BYTES {
                    return Err(ChatError::malformed(
                        provider,
                        format!("the answer is larger than {MAX_BODY_BYTES} bytes"),
                    ));
                }
                body.extend_from_slice(&bytes)
            }
            Ok(None) => return Ok(body),
            Err(e) => {
                return Err(ChatError::Network {
                    provider,
                    message: without_url(&e),
                })
            }
        }
    }
}

/// A streamed reply, read chunk by chunk; tool calls arrive complete.
///
/// Dropping it closes the connection (the provider stops generating).
pub struct ChunkStream {
    provider: &'static str,
    /// `None` for a reply made in-process ([`ChunkStream::from_chunks`]).
    response: Option<reqwest::Response>,
    decoder: FrameDecoder,
    parser: Box<dyn StreamParser>,
    pending: VecDeque<Chunk>,
    cancel: CancellationToken,
    finished: bool,
    failure: Option<ChatError>,
    /// The provider call this stream ends (`None` for an in-process reply).
    call: Option<super::observe::CallRecord>,
}

impl fmt::Debug for ChunkStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChunkStream")
            .field("provider", &self.provider)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

/// Frames never arrive for an in-process reply.
struct NoFrames;

impl StreamParser for NoFrames {
    fn frame(&mut self, _frame: &SseEvent) -> Result<Vec<Chunk>, ChatError> {
        Ok(Vec::new())
    }
    fn finish(&mut self) -> Result<Vec<Chunk>, ChatError> {
        Ok(Vec::new())
    }
}

impl ChunkStream {
    /// A reply made in-process, as `chunks`: what a [`ChatProvider`] that needs no network
    /// (a cache, a local engine, a test double) returns.
    ///
    /// ```
    /// use nodetool::chat::{Chunk, ChunkStream};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let stream = ChunkStream::from_chunks("memory", [Chunk::Text("hi".into())]);
    /// assert_eq!(stream.collect().await.unwrap().text, "hi");
    /// # });
    /// ```
    pub fn from_chunks(provider: &'static str, chunks: impl IntoIterator<Item = Chunk>) -> Self {
        ChunkStream {
            provider,
            response: None,
            decoder: FrameDecoder::new(super::Framing::Sse),
            parser: Box::new(NoFrames),
            pending: chunks.into_iter().collect(),
            cancel: CancellationToken::new(),
            finished: true,
            failure: None,
            call: None,
        }
    }

    /// This stream ending `call` (its usage, its failure).
    pub(crate) fn observed(mut self, call: super::observe::CallRecord) -> Self {
        self.call = Some(call);
        self
    }

    /// The next chunk; `None` when the reply is complete. A stream that breaks off or does
    /// not follow the wire format ends with an error, after the chunks that came before it.
    pub async fn next(&mut self) -> Option<Result<Chunk, ChatError>> {
        loop {
            if let Some(chunk) = self.pending.pop_front() {
                if let (Chunk::Usage(usage), Some(call)) = (&chunk, self.call.as_mut()) {
                    call.usage(*usage);
                }
                return Some(Ok(chunk));
            }
            if self.finished {
                let failure = self.failure.take();
                if let Some(call) = self.call.as_mut() {
                    call.end(failure.as_ref());
                }
                return failure.map(Err);
            }
            let provider = self.provider;
            let Some(response) = self.response.as_mut() else {
                self.finished = true;
                continue;
            };
            let read = tokio::select! {
                read = response.chunk() => read.map_err(|e| ChatError::Network {
                    provider,
                    message: without_url(&e),
                }),
                () = self.cancel.cancelled() => Err(ChatError::Cancelled),
            };
            let step = match read {
                Ok(Some(bytes)) => self.on_bytes(&bytes),
                Ok(None) => self.on_end(),
                Err(e) => Err(e),
            };
            if let Err(e) = step {
                // Chunks parsed before the failure are still delivered, then the error.
                self.finished = true;
                self.failure = Some(e);
            }
        }
    }

    fn on_bytes(&mut self, bytes: &[u8]) -> Result<(), ChatError> {
        let provider = self.provider;
        let frames = self
            .decoder
            .push(bytes)
            .map_err(|e| ChatError::malformed(provider, e))?;
        for frame in frames {
            self.pending.extend(self.parser.frame(&frame)?);
        }
        Ok(())
    }

    fn on_end(&mut self) -> Result<(), ChatError> {
        let provider = self.provider;
        let last = self
            .decoder
            .finish()
            .map_err(|e| ChatError::malformed(provider, e))?;
        if let Some(frame) = last {
            self.pending.extend(self.parser.frame(&frame)?);
        }
        self.pending.extend(self.parser.finish()?);
        self.finished = true;
        Ok(())
    }

    /// Reads the rest of the stream into one reply.
    pub async fn collect(mut self) -> Result<ChatResponse, ChatError> {
        let mut reply = ChatResponse::default();
        while let Some(chunk) = self.next().await {
            reply.push(chunk?);
        }
        Ok(reply)
    }
}
