//! `/api/settings/secrets`: the caller's encrypted secrets, as NodeTool serves them. Values
//! leave the server only with `?decrypt=true` on one key.

use super::auth::User;
use super::error::{ApiError, JsonBody, QueryParams};
use super::AppState;
use crate::config::SettingsRegistry;
use crate::models::Secret;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

fn secret_json(key: &str, description: Option<&str>, stored: Option<&Secret>) -> Value {
    json!({
        "id": stored.map(|s| s.id.clone()),
        "user_id": stored.map(|s| s.user_id.clone()),
        "key": key,
        "description": stored.and_then(|s| s.description.clone()).or(description.map(str::to_owned)),
        "created_at": stored.map(|s| s.created_at.clone()),
        "updated_at": stored.map(|s| s.updated_at.clone()),
        "is_configured": stored.is_some(),
    })
}

/// `GET /api/settings/secrets`: every declared secret, configured or not, then any other
/// stored one: `{"secrets": [...], "next_key": null}`.
pub async fn list(
    State(state): State<AppState>,
    User(user): User,
) -> Result<Json<Value>, ApiError> {
    let stored = Secret::list_for_user(state.db(), &user).await?;
    let registry = SettingsRegistry::global();
    let mut secrets: Vec<Value> = registry
        .iter()
        .filter(|s| s.is_secret)
        .map(|s| {
            let mine = stored.iter().find(|x| x.key == s.env_var);
            secret_json(s.env_var, Some(s.description), mine)
        })
        .collect();
    for s in stored.iter().filter(|s| !registry.is_secret(&s.key)) {
        secrets.push(secret_json(&s.key, None, Some(s)));
    }
    Ok(Json(json!({ "secrets": secrets, "next_key": null })))
}

/// Query of `GET /api/settings/secrets/{key}`.
#[derive(Debug, Deserialize)]
pub struct GetQuery {
    /// Include the decrypted value.
    #[serde(default)]
    pub decrypt: bool,
}

/// `GET /api/settings/secrets/{key}` (`?decrypt=true` adds `value`).
pub async fn get(
    State(state): State<AppState>,
    User(user): User,
    Path(key): Path<String>,
    QueryParams(query): QueryParams<GetQuery>,
) -> Result<Json<Value>, ApiError> {
    let secret = Secret::find(state.db(), &user, &key)
        .await?
        .ok_or_else(|| ApiError::not_found("Secret"))?;
    let mut body = secret_json(&key, None, Some(&secret));
    if query.decrypt {
        let value = secret
            .decrypted(state.crypto()?)
            .map_err(|e| ApiError::internal(format!("Failed to decrypt secret: {e}")))?;
        body["value"] = Value::String(value);
    }
    Ok(Json(body))
}

/// The body of `PUT /api/settings/secrets/{key}`.
#[derive(Deserialize)]
pub struct PutSecret {
    /// The value (stored encrypted).
    pub value: String,
    /// What it is for.
    #[serde(default)]
    pub description: Option<String>,
}

impl std::fmt::Debug for PutSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PutSecret")
            .field("value", &"<redacted>")
            .field("description", &self.description)
            .finish()
    }
}

/// `PUT /api/settings/secrets/{key}`: stores a declared secret for the caller.
pub async fn put(
    State(state): State<AppState>,
    User(user): User,
    Path(key): Path<String>,
    JsonBody(body): JsonBody<PutSecret>,
) -> Result<Json<Value>, ApiError> {
    if !SettingsRegistry::global().is_secret(&key) {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("Secret key '{key}' is not available. Only secrets from the registry can be configured."),
        ));
    }
    let secret = Secret::upsert(
        state.db(),
        state.crypto()?,
        &user,
        &key,
        &body.value,
        body.description.as_deref(),
    )
    .await?;
    Ok(Json(secret_json(&key, None, Some(&secret))))
}

/// `DELETE /api/settings/secrets/{key}`.
pub async fn delete(
    State(state): State<AppState>,
    User(user): User,
    Path(key): Path<String>,
) -> Result<Json<Value>, ApiError> {
    if Secret::delete(state.db(), &user, &key).await? {
        Ok(Json(json!({ "message": "Secret deleted successfully" })))
    } else {
        Err(ApiError::not_found("Secret"))
    }
}
