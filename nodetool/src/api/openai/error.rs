//! Errors in OpenAI's shape (`{"error": {"message", "type", "param", "code"}}`) and the
//! caller, authenticated as for the rest of the API but refused in that shape.

use crate::api::AppState;
use crate::chat::ChatError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// An error as OpenAI's API answers it.
#[derive(Debug, Clone, PartialEq)]
pub struct OaiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// What went wrong.
    pub message: String,
    /// `invalid_request_error`, `authentication_error`, `rate_limit_error`, `api_error`, …
    pub kind: &'static str,
    /// The request field at fault.
    pub param: Option<String>,
    /// A machine-readable code.
    pub code: Option<&'static str>,
}

impl OaiError {
    /// 400 about `param`.
    pub fn bad_request(param: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            kind: "invalid_request_error",
            param: Some(param.into()),
            code: None,
        }
    }

    /// 404 for a model the caller cannot use.
    pub fn model_not_found(model: &str) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: format!("The model `{model}` does not exist or you do not have access to it."),
            kind: "invalid_request_error",
            param: Some("model".into()),
            code: Some("model_not_found"),
        }
    }

    /// 500 (details stay in the log).
    pub fn internal(what: &str, error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "{what}");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: format!("{what} (see the server log)"),
            kind: "api_error",
            param: None,
            code: None,
        }
    }

    /// The body.
    pub fn body(&self) -> serde_json::Value {
        json!({"error": {
            "message": self.message,
            "type": self.kind,
            "param": self.param,
            "code": self.code,
        }})
    }
}

impl From<ChatError> for OaiError {
    /// A provider's failure, passed through with its status.
    fn from(error: ChatError) -> Self {
        let (status, kind, code) = match &error {
            ChatError::Auth { .. } => (
                StatusCode::UNAUTHORIZED,
                "authentication_error",
                Some("invalid_api_key"),
            ),
            ChatError::RateLimited { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limit_error",
                Some("rate_limit_exceeded"),
            ),
            ChatError::ContextLength { .. } => (
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                Some("context_length_exceeded"),
            ),
            ChatError::Api { status, .. } => (
                StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY),
                if *status < 500 {
                    "invalid_request_error"
                } else {
                    "api_error"
                },
                None,
            ),
            ChatError::Config { .. } => (StatusCode::BAD_REQUEST, "invalid_request_error", None),
            ChatError::Cancelled => (StatusCode::REQUEST_TIMEOUT, "api_error", None),
            _ => (StatusCode::BAD_GATEWAY, "api_error", None),
        };
        Self {
            status,
            message: error.to_string(),
            kind,
            param: None,
            code,
        }
    }
}

impl IntoResponse for OaiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

/// The caller of a `/v1` route: the same auth as the rest of the API, refused in OpenAI's
/// shape (401, `invalid_api_key`).
#[derive(Debug, Clone)]
pub struct OaiUser(pub String);

impl FromRequestParts<AppState> for OaiUser {
    type Rejection = OaiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, OaiError> {
        state
            .auth()
            .user_for(crate::api::auth::bearer_token(&parts.headers))
            .map(OaiUser)
            .map_err(|e| OaiError {
                status: StatusCode::UNAUTHORIZED,
                message: e.detail,
                kind: "invalid_request_error",
                param: None,
                code: Some("invalid_api_key"),
            })
    }
}
