//! Who is asking: [`Auth`] (NodeTool's `AUTH_PROVIDER`) and the [`User`] extractor.
//!
//! - `local` / `none` (the default): no token, every request is the local user `"1"`.
//! - `static`: `Authorization: Bearer <WORKER_AUTH_TOKEN>`; the user is `"1"`.
//! - `supabase` / `jwt`: a JWT signed with HS256 by `SUPABASE_JWT_SECRET` (what Supabase
//!   issues); the user is its `sub`, and it must not have expired. `WORKER_AUTH_TOKEN`, when
//!   set, is accepted too (as user `"1"`), as NodeTool does.

use super::error::ApiError;
use super::AppState;
use crate::config::Environment;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use std::fmt;

/// The user of a development server (and of the static token).
pub const LOCAL_USER: &str = "1";

/// How requests are authenticated.
#[derive(Clone)]
pub enum Auth {
    /// Development: no token, one local user.
    Local,
    /// One shared token (user `"1"`).
    StaticToken(String),
    /// HS256 JWTs (the user is `sub`), and optionally a static token.
    Jwt {
        /// The verification key.
        key: DecodingKey,
        /// A static token accepted as well.
        static_token: Option<String>,
    },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Local => f.write_str("Auth::Local"),
            Auth::StaticToken(_) => f.write_str("Auth::StaticToken(<redacted>)"),
            Auth::Jwt { static_token, .. } => f
                .debug_struct("Auth::Jwt")
                .field("key", &"<redacted>")
                .field("static_token", &static_token.as_ref().map(|_| "<redacted>"))
                .finish(),
        }
    }
}

/// The configuration names a provider it cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("AUTH_PROVIDER={provider}: {problem}")]
pub struct AuthConfigError {
    /// The provider.
    pub provider: String,
    /// What is missing or wrong.
    pub problem: String,
}

impl Auth {
    /// The provider `AUTH_PROVIDER` names, with its keys from the environment.
    pub fn from_env(env: &Environment) -> Result<Auth, AuthConfigError> {
        let provider = env.get_or("AUTH_PROVIDER", "local").to_ascii_lowercase();
        let static_token = env
            .get("WORKER_AUTH_TOKEN")
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        let problem = |problem: &str| AuthConfigError {
            provider: provider.clone(),
            problem: problem.to_owned(),
        };
        match provider.as_str() {
            "local" | "none" | "" => Ok(Auth::Local),
            "static" => static_token
                .map(Auth::StaticToken)
                .ok_or_else(|| problem("set WORKER_AUTH_TOKEN to the token clients send")),
            "supabase" | "jwt" => {
                let secret = env
                    .get("SUPABASE_JWT_SECRET")
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| {
                        problem("set SUPABASE_JWT_SECRET to the key that signs the tokens (HS256)")
                    })?;
                Ok(Auth::Jwt {
                    key: DecodingKey::from_secret(secret.as_bytes()),
                    static_token,
                })
            }
            other => Err(problem(&format!(
                "unknown provider `{other}` (use local, static or supabase)"
            ))),
        }
    }

    /// Whether requests must carry a token.
    pub fn requires_token(&self) -> bool {
        !matches!(self, Auth::Local)
    }

    /// The user a bearer token (or its absence) stands for.
    pub fn user_for(&self, token: Option<&str>) -> Result<String, ApiError> {
        let missing = || {
            ApiError::unauthorized(
                "Authorization header required. Use 'Authorization: Bearer <token>'.",
            )
        };
        match self {
            Auth::Local => Ok(LOCAL_USER.to_owned()),
            Auth::StaticToken(expected) => {
                let token = token.ok_or_else(missing)?;
                if constant_time_eq(token.as_bytes(), expected.as_bytes()) {
                    Ok(LOCAL_USER.to_owned())
                } else {
                    Err(ApiError::unauthorized("Invalid static token"))
                }
            }
            Auth::Jwt { key, static_token } => {
                let token = token.ok_or_else(missing)?;
                if static_token
                    .as_ref()
                    .is_some_and(|s| constant_time_eq(token.as_bytes(), s.as_bytes()))
                {
                    return Ok(LOCAL_USER.to_owned());
                }
                let mut validation = Validation::new(Algorithm::HS256);
                validation.validate_aud = false;
                validation.set_required_spec_claims(&["exp", "sub"]);
                let data = jsonwebtoken::decode::<Claims>(token, key, &validation)
                    .map_err(|e| ApiError::unauthorized(format!("Invalid token: {e}")))?;
                if data.claims.sub.is_empty() {
                    return Err(ApiError::unauthorized("Invalid token: empty `sub`"));
                }
                Ok(data.claims.sub)
            }
        }
    }
}

#[derive(serde::Deserialize)]
struct Claims {
    sub: String,
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The bearer token of `Authorization: Bearer <token>` (scheme case-insensitive).
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim())
}

/// The caller's user id, from the request's bearer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User(pub String);

impl FromRequestParts<AppState> for User {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        state
            .auth()
            .user_for(bearer_token(&parts.headers))
            .map(User)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_in_full() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, "bearer  tok ".parse().unwrap());
        assert_eq!(bearer_token(&headers), Some("tok"));
        headers.insert(header::AUTHORIZATION, "Basic tok".parse().unwrap());
        assert_eq!(bearer_token(&headers), None);
    }

    #[test]
    fn debug_never_shows_tokens() {
        let shown = format!("{:?}", Auth::StaticToken("s3cret".into()));
        assert!(!shown.contains("s3cret"), "{shown}");
    }
}
