//! Provider calls in the log and the metrics: each call is a `provider_call` span (provider,
//! model, tokens) with one line when it ends; with telemetry, its tokens go to
//! `nodetool_provider_tokens_total` and its failures to `nodetool_provider_errors_total`.

use super::error::ChatError;
use super::types::Usage;
use std::time::Instant;
use tracing::field::Empty;
use tracing::Span;

/// One provider call, from its request to its last chunk.
#[derive(Debug)]
pub(crate) struct CallRecord {
    span: Span,
    #[cfg_attr(not(feature = "telemetry"), allow(dead_code))]
    provider: &'static str,
    started: Instant,
    usage: Option<Usage>,
    ended: bool,
}

impl CallRecord {
    /// A call of `operation` (`chat`, `stream`, `embed`) to `model`.
    pub(crate) fn start(provider: &'static str, model: &str, operation: &'static str) -> Self {
        let span = tracing::info_span!(
            "provider_call",
            provider,
            model,
            operation,
            input_tokens = Empty,
            output_tokens = Empty,
        );
        Self {
            span,
            provider,
            started: Instant::now(),
            usage: None,
            ended: false,
        }
    }

    /// The call's span (requests are sent inside it).
    pub(crate) fn span(&self) -> &Span {
        &self.span
    }

    /// The reply's token counts.
    pub(crate) fn usage(&mut self, usage: Usage) {
        self.usage = Some(usage);
    }

    /// The call ended (`error`: how it failed); later calls do nothing.
    pub(crate) fn end(&mut self, error: Option<&ChatError>) {
        if std::mem::replace(&mut self.ended, true) {
            return;
        }
        let latency_ms = self.started.elapsed().as_secs_f64() * 1000.0;
        let _entered = self.span.enter();
        if let Some(usage) = self.usage {
            self.span.record("input_tokens", usage.input_tokens);
            self.span.record("output_tokens", usage.output_tokens);
            #[cfg(feature = "telemetry")]
            crate::telemetry::metrics().provider_tokens(
                self.provider,
                usage.input_tokens,
                usage.output_tokens,
            );
        }
        match error {
            None | Some(ChatError::Cancelled) => {
                let (input_tokens, output_tokens) = self.usage.map_or((None, None), |u| {
                    (Some(u.input_tokens), Some(u.output_tokens))
                });
                tracing::info!(
                    latency_ms,
                    input_tokens,
                    output_tokens,
                    "provider call ended"
                );
            }
            Some(error) => {
                #[cfg(feature = "telemetry")]
                crate::telemetry::metrics().provider_error(self.provider, error.kind());
                tracing::warn!(latency_ms, %error, "provider call failed");
            }
        }
    }

    /// The call failed before a reply came.
    pub(crate) fn fail(mut self, error: ChatError) -> ChatError {
        self.end(Some(&error));
        error
    }

    /// Ends the call with `result`'s outcome (and its reply's usage) and returns it.
    pub(crate) fn finish<T: Reply>(mut self, result: Result<T, ChatError>) -> Result<T, ChatError> {
        match &result {
            Ok(reply) => {
                if let Some(usage) = reply.usage() {
                    self.usage(usage);
                }
                self.end(None);
            }
            Err(error) => self.end(Some(error)),
        }
        result
    }
}

impl Drop for CallRecord {
    fn drop(&mut self) {
        // A stream dropped before its end: the caller stopped reading.
        self.end(None);
    }
}

/// A provider's reply that may carry token counts.
pub(crate) trait Reply {
    /// Its token counts.
    fn usage(&self) -> Option<Usage>;
}

impl Reply for super::ChatResponse {
    fn usage(&self) -> Option<Usage> {
        self.usage
    }
}

impl Reply for super::Embeddings {
    fn usage(&self) -> Option<Usage> {
        self.input_tokens.map(|input_tokens| Usage {
            input_tokens,
            output_tokens: 0,
        })
    }
}
