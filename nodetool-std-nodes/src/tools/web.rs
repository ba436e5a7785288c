//! `http_get` (a web page as text) and the web searches `google_search` (SerpAPI) and
//! `brave_search` (Brave Search API).

use super::html_text::html_to_text;
use crate::http::get_text_limited;
use nodetool::agents::ToolError;
use nodetool::prelude::*;
use nodetool::tool;
use serde_json::{json, Value};
use std::time::Duration;

/// The largest page `http_get` reads (2 MiB).
pub const MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;
/// How long `http_get` and the searches may take.
pub const WEB_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_MAX_CHARS: usize = 20_000;

/// Fetch a web page (http or https) and return its text (HTML reduced to text, JSON
/// pretty-printed). Private, loopback and link-local addresses are refused.
#[tool]
pub async fn http_get(
    ctx: &ProcessingContext,
    /// The URL.
    url: String,
    /// The most characters of text to return (default 20,000).
    max_chars: Option<usize>,
) -> Result<Value, ToolError> {
    let (content_type, body) = get_text_limited(ctx, &url, MAX_PAGE_BYTES, WEB_TIMEOUT)
        .await
        .map_err(ToolError::failed)?;
    let (title, text) = if content_type.contains("html") || looks_like_html(&body) {
        html_to_text(&body)
    } else if content_type.contains("json") {
        let pretty = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok());
        (None, pretty.unwrap_or(body))
    } else if content_type.is_empty()
        || content_type.starts_with("text/")
        || content_type.contains("xml")
    {
        (None, body)
    } else {
        return Err(ToolError::failed(format!(
            "{url} is not a text page (content type {content_type})"
        )));
    };
    let max = max_chars.unwrap_or(DEFAULT_MAX_CHARS).max(1);
    let truncated = text.chars().count() > max;
    Ok(json!({
        "url": url,
        "content_type": content_type,
        "title": title,
        "content": text.chars().take(max).collect::<String>(),
        "truncated": truncated,
    }))
}

fn looks_like_html(body: &str) -> bool {
    let start = body
        .trim_start()
        .get(..15)
        .unwrap_or_default()
        .to_ascii_lowercase();
    start.starts_with("<!doctype html") || start.starts_with("<html")
}

/// A setting from the run's environment, if set.
fn setting(ctx: &ProcessingContext, name: &str) -> Result<Option<String>, ToolError> {
    let env = ctx
        .environment()
        .map_err(|e| ToolError::failed(format!("cannot read the settings: {e}")))?;
    Ok(env
        .get(name)
        .filter(|v| !v.trim().is_empty())
        .map(str::to_owned))
}

/// GETs `url` with `query` and `headers` on the run's client; the JSON answer.
async fn get_json(
    ctx: &ProcessingContext,
    service: &str,
    url: &str,
    query: &[(&str, String)],
    headers: &[(&str, &str)],
) -> Result<Value, ToolError> {
    let mut request = ctx.http().get(url).query(query).timeout(WEB_TIMEOUT);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = tokio::select! {
        r = request.send() => r.map_err(|e| ToolError::failed(format!("{service}: {}", e.without_url())))?,
        () = ctx.cancellation_token().cancelled() => return Err(ToolError::Cancelled),
    };
    let status = response.status();
    let body: Value = response.json().await.map_err(|e| {
        ToolError::failed(format!(
            "{service}: the answer is not JSON: {}",
            e.without_url()
        ))
    })?;
    if !status.is_success() {
        let message = body["error"]
            .as_str()
            .or(body["error"]["detail"].as_str())
            .or(body["message"].as_str())
            .unwrap_or("no details");
        return Err(ToolError::failed(format!(
            "{service}: HTTP {status}: {message}"
        )));
    }
    Ok(body)
}

/// Search Google (through SerpAPI; needs SERPAPI_API_KEY) and return the organic results:
/// title, link and snippet of each.
#[tool]
pub async fn google_search(
    ctx: &ProcessingContext,
    /// What to search for.
    keyword: String,
    /// How many results (default 10).
    num_results: Option<u32>,
) -> Result<Value, ToolError> {
    let key = setting(ctx, "SERPAPI_API_KEY")?.ok_or_else(|| {
        ToolError::failed("google_search needs SERPAPI_API_KEY in the settings or secrets")
    })?;
    let base =
        setting(ctx, "SERPAPI_BASE_URL")?.unwrap_or_else(|| "https://serpapi.com".to_owned());
    let num = num_results.unwrap_or(10).clamp(1, 100);
    let body = get_json(
        ctx,
        "SerpAPI",
        &format!("{}/search.json", base.trim_end_matches('/')),
        &[
            ("engine", "google_light".to_owned()),
            ("q", keyword.clone()),
            ("num", num.to_string()),
            ("gl", "us".to_owned()),
            ("hl", "en".to_owned()),
            ("api_key", key),
        ],
        &[],
    )
    .await?;
    if let Some(error) = body["error"].as_str() {
        return Err(ToolError::failed(format!("SerpAPI: {error}")));
    }
    let results: Vec<Value> = body["organic_results"]
        .as_array()
        .into_iter()
        .flatten()
        .take(num as usize)
        .map(|r| {
            json!({
                "position": r["position"],
                "title": r["title"],
                "link": r["link"],
                "snippet": r["snippet"],
                "date": r["date"],
            })
        })
        .collect();
    Ok(json!({"success": true, "keyword": keyword, "results": results}))
}

/// Search the web with Brave Search (needs BRAVE_API_KEY) and return the results: title,
/// URL and description of each.
#[tool]
pub async fn brave_search(
    ctx: &ProcessingContext,
    /// What to search for.
    query: String,
    /// How many results (default 10, at most 20).
    count: Option<u32>,
) -> Result<Value, ToolError> {
    let key = setting(ctx, "BRAVE_API_KEY")?.ok_or_else(|| {
        ToolError::failed("brave_search needs BRAVE_API_KEY in the settings or secrets")
    })?;
    let base = setting(ctx, "BRAVE_SEARCH_BASE_URL")?
        .unwrap_or_else(|| "https://api.search.brave.com".to_owned());
    let count = count.unwrap_or(10).clamp(1, 20);
    let body = get_json(
        ctx,
        "Brave Search",
        &format!("{}/res/v1/web/search", base.trim_end_matches('/')),
        &[("q", query.clone()), ("count", count.to_string())],
        &[
            ("Accept", "application/json"),
            ("X-Subscription-Token", &key),
        ],
    )
    .await?;
    let results: Vec<Value> = body["web"]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| json!({"title": r["title"], "url": r["url"], "description": r["description"]}))
        .collect();
    Ok(json!({"success": true, "query": query, "results": results}))
}
