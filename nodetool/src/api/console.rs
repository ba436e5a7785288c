//! The web console: a small single-page app (plain HTML, CSS and JavaScript modules in
//! `nodetool/console/`, no build step) embedded in the binary and served at `/`. It uses only
//! the public API and `/ws`, with the same Bearer token. Assets are served with an `ETag`
//! (their SHA-256) and revalidated on each load (`no-cache`), so a new binary's console is
//! never stale and an unchanged one costs a 304; responses are gzip-compressed when the
//! client accepts it.

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rust_embed::Embed;

/// The console's files, compiled into the binary.
#[derive(Embed)]
#[folder = "console/"]
struct Assets;

/// `/` and `/console/{file}` (with compression), over any state.
pub(crate) fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(|headers: HeaderMap| async move { asset("index.html", &headers) }))
        .route(
            "/console/{*file}",
            get(|Path(file): Path<String>, headers: HeaderMap| async move {
                asset(&file, &headers)
            }),
        )
        .layer(tower_http::compression::CompressionLayer::new())
}

/// The names and sizes of the embedded files (for the size report and tests).
pub fn asset_sizes() -> Vec<(String, usize)> {
    Assets::iter()
        .filter_map(|name| Some((name.to_string(), Assets::get(&name)?.data.len())))
        .collect()
}

fn asset(path: &str, headers: &HeaderMap) -> Response {
    let Some(file) = Assets::get(path) else {
        return super::error::ApiError::not_found("Console file").into_response();
    };
    let etag = format!(
        "\"{}\"",
        file.metadata
            .sha256_hash()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(header::CONTENT_TYPE, content_type(path))],
            file.data.into_owned(),
        )
            .into_response()
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_console_is_embedded() {
        let names: Vec<String> = asset_sizes().into_iter().map(|(n, _)| n).collect();
        for required in ["index.html", "app.js", "graph.js", "style.css"] {
            assert!(
                names.iter().any(|n| n == required),
                "{required} in {names:?}"
            );
        }
        assert_eq!(content_type("app.js"), "text/javascript; charset=utf-8");
    }
}
