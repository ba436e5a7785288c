//! `/api/assets`: the caller's assets — list, upload (the request body, streamed to storage),
//! read the record, download the bytes (streamed), delete.

use super::auth::User;
use super::error::{ApiError, QueryParams};
use super::{AppState, MAX_ASSET_BYTES};
use crate::models::Asset;
use crate::storage::AssetError;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::{StreamExt, TryStreamExt};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

fn asset_error(error: AssetError) -> ApiError {
    match error {
        AssetError::NotFound { .. } => ApiError::not_found("Asset"),
        other => ApiError::internal(other),
    }
}

/// Query of `GET /api/assets`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// Only the assets in this folder.
    pub parent_id: Option<String>,
}

/// `GET /api/assets`: `{"assets": [...]}`, oldest first.
pub async fn list(
    State(state): State<AppState>,
    User(user): User,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let assets = state
        .assets()
        .list(&user, query.parent_id.as_deref())
        .await
        .map_err(asset_error)?;
    Ok(Json(json!({ "assets": assets, "next": null })))
}

/// Query of `POST /api/assets`.
#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    /// The file name.
    pub name: String,
}

/// `POST /api/assets?name=N`: the request body becomes a new asset (its `Content-Type` the
/// asset's); streamed to storage, up to [`MAX_ASSET_BYTES`].
pub async fn upload(
    State(state): State<AppState>,
    User(user): User,
    QueryParams(query): QueryParams<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Asset>, ApiError> {
    if query.name.trim().is_empty() {
        return Err(ApiError::unprocessable("an asset needs a `name`"));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_owned();
    let mut seen = 0u64;
    let too_large = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&too_large);
    let stream = body.into_data_stream().map(move |chunk| {
        let chunk = chunk.map_err(|e| e.to_string())?;
        seen += chunk.len() as u64;
        if seen > MAX_ASSET_BYTES {
            flag.store(true, Ordering::Relaxed);
            return Err(format!("the upload is larger than {MAX_ASSET_BYTES} bytes"));
        }
        Ok(chunk)
    });
    let asset = state
        .assets()
        .create_from_stream(&user, &query.name, &content_type, stream)
        .await
        .map_err(|e| match e {
            AssetError::Storage(crate::storage::StorageError::Source { message, .. }) => {
                // The size limit, or the client's body failing (e.g. a dropped connection).
                let status = if too_large.load(Ordering::Relaxed) {
                    StatusCode::PAYLOAD_TOO_LARGE
                } else {
                    StatusCode::BAD_REQUEST
                };
                ApiError::new(status, message)
            }
            other => asset_error(other),
        })?;
    Ok(Json(asset))
}

/// `GET /api/assets/{id}`: the record.
pub async fn get(
    State(state): State<AppState>,
    User(user): User,
    Path(id): Path<String>,
) -> Result<Json<Asset>, ApiError> {
    Ok(Json(
        state.assets().find(&user, &id).await.map_err(asset_error)?,
    ))
}

/// `GET /api/assets/{id}/data`: the bytes, streamed, with the asset's content type.
pub async fn download(
    State(state): State<AppState>,
    User(user): User,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let asset = state.assets().find(&user, &id).await.map_err(asset_error)?;
    let stream = state
        .assets()
        .storage()
        .get_stream(&asset.storage_key())
        .await
        .map_err(|e| asset_error(e.into()))?;
    let body = Body::from_stream(stream.map_err(std::io::Error::other));
    let mut response = body.into_response();
    let content_type = HeaderValue::from_str(&asset.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, content_type);
    if let Some(size) = asset.size {
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    }
    Ok(response)
}

/// `DELETE /api/assets/{id}`: the record and the bytes.
pub async fn delete(
    State(state): State<AppState>,
    User(user): User,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    if state
        .assets()
        .delete(&user, &id)
        .await
        .map_err(asset_error)?
    {
        Ok(Json(json!({ "message": "Asset deleted successfully" })))
    } else {
        Err(ApiError::not_found("Asset"))
    }
}
