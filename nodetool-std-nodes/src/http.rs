//! `lib.http`: HTTP requests as NodeTool makes them, over one shared reqwest client.
//!
//! Every request (and every redirect hop, followed by hand) is checked first: only `http` and
//! `https`, and, as NodeTool does, no loopback, private or link-local addresses unless
//! [`allow_private_networks`] (or `NODETOOL_HTTP_ALLOW_PRIVATE=1`) says so. Requests time out
//! after [`REQUEST_TIMEOUT`], bodies larger than [`MAX_RESPONSE_BYTES`] are refused, and
//! 408/425/429/5xx answers and transport errors are retried twice with backoff (or the
//! server's `Retry-After`). A run's cancellation stops a request at once.

use nodetool::metadata::{DataframeRef, DocumentRef, RecordType};
use nodetool::prelude::*;
use reqwest::header::{HeaderMap, ACCEPT, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde_json::{Map, Value};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// How long one request may take, as in NodeTool.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(600);
/// The largest response body read (100 MiB).
pub const MAX_RESPONSE_BYTES: usize = 100 * 1024 * 1024;
/// How many redirects are followed.
pub const MAX_REDIRECTS: usize = 5;
const ATTEMPTS: u32 = 3;
const USER_AGENT: &str = concat!("nodetool/", env!("CARGO_PKG_VERSION"));

static PRIVATE_ALLOWED: AtomicU8 = AtomicU8::new(0);

/// Lets `lib.http` nodes reach loopback and private addresses (a local server in tests, an
/// intranet API). Off by default; `NODETOOL_HTTP_ALLOW_PRIVATE=1` turns it on at start.
pub fn allow_private_networks(allow: bool) {
    PRIVATE_ALLOWED.store(if allow { 2 } else { 1 }, Ordering::Relaxed);
}

fn private_allowed() -> bool {
    match PRIVATE_ALLOWED.load(Ordering::Relaxed) {
        0 => {
            let on = std::env::var("NODETOOL_HTTP_ALLOW_PRIVATE")
                .is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes"));
            allow_private_networks(on);
            on
        }
        state => state == 2,
    }
}

/// Whether `ip` is a public address (not loopback, private, link-local, shared, reserved,
/// multicast, documentation or unspecified; IPv6 forms that embed an IPv4 address are judged
/// by it).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (b == 18 || b == 19)))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let embedded = |hi: u16, lo: u16| {
                IpAddr::V4(std::net::Ipv4Addr::new(
                    (hi >> 8) as u8,
                    hi as u8,
                    (lo >> 8) as u8,
                    lo as u8,
                ))
            };
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            // NAT64 (64:ff9b::/96), 6to4 (2002::/16), IPv4-compatible (::a.b.c.d).
            if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] || s[..6] == [0; 6] && (s[6] | s[7]) != 0 {
                return is_public(embedded(s[6], s[7]));
            }
            if s[0] == 0x2002 {
                return is_public(embedded(s[1], s[2]));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || s[0] == 0x2001 && s[1] == 0x0db8)
        }
    }
}

/// Refuses URLs a node may not fetch: other schemes, no host, and (unless allowed) hosts
/// that are or resolve to non-public addresses.
pub async fn check_target(url: &Url, allow_private: bool) -> Result<(), String> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "url: `{}`: only http and https URLs can be fetched",
            shown(url)
        ));
    }
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| {
        format!(
            "url: refusing a request to a URL without a host: `{}`",
            shown(url)
        )
    })?;
    if allow_private {
        return Ok(());
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<IpAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => {
            let port = url.port_or_known_default().unwrap_or(80);
            tokio::net::lookup_host((bare, port))
                .await
                .map_err(|e| format!("url: could not resolve host `{host}`: {e}"))?
                .map(|a| a.ip())
                .collect()
        }
    };
    match addresses.iter().find(|ip| !is_public(**ip)) {
        Some(ip) => Err(format!(
            "url: access to `{host}` ({ip}) is blocked: it is a private or local address \
             (set NODETOOL_HTTP_ALLOW_PRIVATE=1 to allow it)"
        )),
        None if addresses.is_empty() => Err(format!("url: host `{host}` has no address")),
        None => Ok(()),
    }
}

/// Resolves host names for the shared client, dropping non-public addresses unless private
/// networks are allowed: the address connected to is the address checked, so a host cannot
/// pass [`check_target`] with a public address and then answer with a private one (DNS
/// rebinding).
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| private_allowed() || is_public(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!("`{host}` has no public address").into());
            }
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// `url` for errors: its password and query (where credentials hide) left out.
fn shown(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_password(None);
    if shown.query().is_some() {
        shown.set_query(Some("…"));
    }
    shown.to_string()
}

/// The client every `lib.http` node shares (its connection pool); redirects are followed
/// by hand so that each hop is checked.
fn client() -> Result<&'static reqwest::Client, String> {
    static CLIENT: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .dns_resolver(Arc::new(PublicOnly))
                .timeout(REQUEST_TIMEOUT)
                .user_agent(USER_AGENT)
                .build()
                .map_err(|e| format!("cannot build the HTTP client: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// A request body.
#[derive(Debug, Clone)]
enum Body {
    None,
    Text(String),
    Json(Value),
}

/// A response read whole.
struct Fetched {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// Sends `method url` with `body`, following redirects and retrying as NodeTool does; a
/// status outside 2xx is an error naming the URL.
async fn fetch(
    ctx: &ProcessingContext,
    method: Method,
    url: &str,
    body: Body,
    accept_json: bool,
) -> Result<Fetched> {
    fetch_limited(ctx, method, url, body, accept_json, MAX_RESPONSE_BYTES).await
}

/// `GET url` with the nodes' checks, redirects and retries; the body.
pub(crate) async fn get_bytes(ctx: &ProcessingContext, url: &str) -> Result<Vec<u8>> {
    Ok(fetch(ctx, Method::GET, url, Body::None, false).await?.body)
}

/// `GET url` for an agent's tool: the same checks as the nodes (public addresses only unless
/// allowed, each redirect checked), a body of at most `max_bytes` and `timeout` in all;
/// the content type (lower case, no parameters) and the text.
pub(crate) async fn get_text_limited(
    ctx: &ProcessingContext,
    url: &str,
    max_bytes: usize,
    timeout: Duration,
) -> Result<(String, String)> {
    let fetched = tokio::time::timeout(
        timeout,
        fetch_limited(ctx, Method::GET, url, Body::None, false, max_bytes),
    )
    .await
    .map_err(|_| format!("GET {url} took longer than {} s", timeout.as_secs()))??;
    let content_type = fetched
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| ct.split(';').next())
        .map(|ct| ct.trim().to_ascii_lowercase())
        .unwrap_or_default();
    Ok((content_type, fetched.text()?))
}

async fn fetch_limited(
    ctx: &ProcessingContext,
    method: Method,
    url: &str,
    body: Body,
    accept_json: bool,
    max_bytes: usize,
) -> Result<Fetched> {
    let mut url = Url::parse(url).map_err(|e| format!("url: `{url}` is not a valid URL: {e}"))?;
    let (mut method, mut body) = (method, body);
    for _ in 0..=MAX_REDIRECTS {
        check_target(&url, private_allowed()).await?;
        let response = send_with_retries(ctx, &method, &url, &body, accept_json).await?;
        let status = response.status();
        if matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|l| l.to_str().ok())
                .ok_or_else(|| {
                    format!("redirect without a Location header from {}", shown(&url))
                })?;
            url = url.join(location).map_err(|e| {
                format!(
                    "redirect from {} to a bad URL `{location}`: {e}",
                    shown(&url)
                )
            })?;
            if status.as_u16() <= 303 && method != Method::GET && method != Method::HEAD {
                (method, body) = (Method::GET, Body::None);
            }
            continue;
        }
        let headers = response.headers().clone();
        let body = read_limited(ctx, response, &url, max_bytes).await?;
        if !status.is_success() {
            let snippet: String = String::from_utf8_lossy(&body).chars().take(200).collect();
            return Err(format!("{method} {} failed: {status}: {snippet}", shown(&url)).into());
        }
        return Ok(Fetched {
            status,
            headers,
            body,
        });
    }
    Err(format!("too many redirects while requesting {}", shown(&url)).into())
}

async fn send_with_retries(
    ctx: &ProcessingContext,
    method: &Method,
    url: &Url,
    body: &Body,
    accept_json: bool,
) -> Result<reqwest::Response> {
    let client = client()?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut request = client.request(method.clone(), url.clone());
        request = match body {
            Body::None => request,
            Body::Text(text) => request.body(text.clone()),
            Body::Json(value) => request
                .header(CONTENT_TYPE, "application/json")
                .body(serde_json::to_vec(value)?),
        };
        if accept_json {
            request = request.header(ACCEPT, "application/json");
        }
        let sent = tokio::select! {
            sent = request.send() => sent,
            () = ctx.cancellation_token().cancelled() => return Err("cancelled".into()),
        };
        let wait = match &sent {
            Ok(r) if is_retryable(r.status()) && attempt < ATTEMPTS => {
                retry_after(r.headers()).unwrap_or_else(|| backoff(attempt))
            }
            Err(e) if attempt < ATTEMPTS && (e.is_connect() || e.is_timeout()) => backoff(attempt),
            _ => {
                return sent.map_err(|e| {
                    format!("{method} {} failed: {}", shown(url), e.without_url()).into()
                });
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = ctx.cancellation_token().cancelled() => return Err("cancelled".into()),
        }
    }
}

fn is_retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 425 | 429 | 500 | 502 | 503 | 504)
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(500 << (attempt - 1))
}

/// A `Retry-After` of seconds, at most a minute.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds: f64 = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(60.0)))
}

/// The body, refused beyond `max_bytes`.
async fn read_limited(
    ctx: &ProcessingContext,
    mut response: reqwest::Response,
    url: &Url,
    max_bytes: usize,
) -> Result<Vec<u8>> {
    let too_big = || {
        format!(
            "the response from {} is larger than {max_bytes} bytes",
            shown(url)
        )
    };
    if response
        .content_length()
        .is_some_and(|n| n > max_bytes as u64)
    {
        return Err(too_big().into());
    }
    let mut body = Vec::new();
    loop {
        let chunk = tokio::select! {
            chunk = response.chunk() => chunk.map_err(|e| format!("reading the response from {}: {}", shown(url), e.without_url()))?,
            () = ctx.cancellation_token().cancelled() => return Err("cancelled".into()),
        };
        let Some(chunk) = chunk else { break };
        if body.len() + chunk.len() > max_bytes {
            return Err(too_big().into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

impl Fetched {
    /// The body as text in the charset of its `Content-Type` (UTF-8 when none).
    fn text(&self) -> Result<String> {
        let charset = self
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|ct| {
                ct.split(';')
                    .filter_map(|p| p.trim().split_once('='))
                    .find(|(k, _)| k.eq_ignore_ascii_case("charset"))
                    .map(|(_, v)| v.trim_matches('"').to_ascii_lowercase())
            })
            .unwrap_or_else(|| "utf-8".to_owned());
        match charset.as_str() {
            "utf-8" | "utf8" | "us-ascii" | "ascii" => String::from_utf8(self.body.clone())
                .map_err(|e| format!("the response is not valid UTF-8: {e}").into()),
            "iso-8859-1" | "latin-1" | "latin1" => {
                Ok(self.body.iter().map(|&b| char::from(b)).collect())
            }
            other => Err(format!("the response's charset `{other}` is not supported").into()),
        }
    }

    /// The body as a JSON object.
    fn json_object(&self) -> Result<Map<String, Value>> {
        match serde_json::from_slice(&self.body) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(other) => Err(format!("expected a JSON object in the response, got {other}").into()),
            Err(e) => Err(format!("the response is not JSON: {e}").into()),
        }
    }
}

/// Perform an HTTP GET request to retrieve data from a specified URL.
/// http, get, request, url
#[node(namespace = "lib.http", title = "GET Request", expose_as_tool)]
pub async fn get_request(
    ctx: &ProcessingContext,
    /// The URL to make the request to.
    #[input(default = "")]
    url: String,
) -> Result<String> {
    fetch(ctx, Method::GET, &url, Body::None, false)
        .await?
        .text()
}

/// Send data to a server using an HTTP POST request.
/// http, post, request, url, data
#[node(namespace = "lib.http", title = "POST Request", expose_as_tool)]
pub async fn post_request(
    ctx: &ProcessingContext,
    /// The URL to make the request to.
    #[input(default = "")]
    url: String,
    /// The data to send in the POST request.
    #[input(default = "")]
    data: String,
) -> Result<String> {
    fetch(ctx, Method::POST, &url, Body::Text(data), false)
        .await?
        .text()
}

/// Update existing resources on a server using an HTTP PUT request.
/// http, put, request, url, data
#[node(namespace = "lib.http", title = "PUT Request", expose_as_tool)]
pub async fn put_request(
    ctx: &ProcessingContext,
    /// The URL to make the request to.
    #[input(default = "")]
    url: String,
    /// The data to send in the PUT request.
    #[input(default = "")]
    data: String,
) -> Result<String> {
    fetch(ctx, Method::PUT, &url, Body::Text(data), false)
        .await?
        .text()
}

/// Remove a resource from a server using an HTTP DELETE request.
/// http, delete, request, url
#[node(namespace = "lib.http", title = "DELETE Request", expose_as_tool)]
pub async fn delete_request(
    ctx: &ProcessingContext,
    /// The URL to make the request to.
    #[input(default = "")]
    url: String,
) -> Result<String> {
    fetch(ctx, Method::DELETE, &url, Body::None, false)
        .await?
        .text()
}

/// Retrieve headers from a resource using an HTTP HEAD request.
/// http, head, request, url
///
/// Header names are lower-case; a repeated header's values are joined with `, `.
#[node(namespace = "lib.http", title = "HEAD Request")]
pub async fn head_request(
    ctx: &ProcessingContext,
    /// The URL to make the request to.
    #[input(default = "")]
    url: String,
) -> Result<Map<String, Value>> {
    let fetched = fetch(ctx, Method::HEAD, &url, Body::None, false).await?;
    let mut headers = Map::new();
    for (name, value) in &fetched.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match headers.get_mut(name.as_str()) {
            Some(Value::String(joined)) => {
                joined.push_str(", ");
                joined.push_str(&value);
            }
            _ => {
                headers.insert(name.as_str().to_owned(), Value::String(value));
            }
        }
    }
    Ok(headers)
}

/// Perform an HTTP GET request and return a document
/// http, get, request, url, document
///
/// The document's bytes travel inline, as a `data:` URI with the response's content type.
#[node(namespace = "lib.http", title = "GET Document", expose_as_tool)]
pub async fn get_request_document(
    ctx: &ProcessingContext,
    /// The URL to make the request to.
    #[input(default = "")]
    url: String,
) -> Result<DocumentRef> {
    use base64::Engine;
    let fetched = fetch(ctx, Method::GET, &url, Body::None, false).await?;
    let content_type = fetched
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| ct.split(';').next())
        .unwrap_or("application/octet-stream")
        .trim()
        .to_owned();
    let data = base64::engine::general_purpose::STANDARD.encode(&fetched.body);
    Ok(DocumentRef::from_uri(format!(
        "data:{content_type};base64,{data}"
    )))
}

crate::enums::string_enum!(
    /// The format of [`DownloadDataframe`]'s file.
    FileFormat, "nodetool.nodes.lib.http.DownloadDataframe.FileFormat", default Csv,
    { Csv => "csv", Json => "json", Tsv => "tsv" }
);

/// Download data from a URL and return as a dataframe.
/// http, get, request, url, dataframe, csv, json, data
///
/// CSV and TSV have a header row; JSON is a list of objects or a list of rows after a header
/// row. Only `columns` are kept, cast to their types (a value that does not convert becomes
/// `null`; datetimes stay text). TSV splits on tabs (NodeTool's TSV always fails: it passes
/// the two characters `\t`).
#[node(namespace = "lib.http", title = "Download Dataframe", expose_as_tool)]
pub async fn download_dataframe(
    ctx: &ProcessingContext,
    /// The URL to make the request to.
    #[input(default = "")]
    url: String,
    /// The format of the data file (csv, json, tsv).
    #[input(default)]
    file_format: FileFormat,
    /// The columns of the dataframe.
    #[input(default)]
    columns: RecordType,
    /// The encoding of the text file.
    #[input(default = "utf-8")]
    encoding: String,
    /// The delimiter for CSV/TSV files.
    #[input(default = ",")]
    delimiter: String,
) -> Result<DataframeRef> {
    let fetched = fetch(ctx, Method::GET, &url, Body::None, false).await?;
    let text = decode(&fetched.body, &encoding.to_ascii_lowercase())
        .map_err(|e| format!("encoding: {e}"))?;
    let defs = columns.columns;
    let table = |data| DataframeRef {
        columns: Some(defs.clone()),
        data: Some(data),
        ..DataframeRef::default()
    };
    if defs.is_empty() {
        return Ok(table(Vec::new()));
    }
    let (header, body): (Vec<String>, Vec<Vec<Value>>) = match file_format {
        FileFormat::Csv | FileFormat::Tsv => {
            let sep = if file_format == FileFormat::Tsv {
                '\t'
            } else {
                let mut chars = delimiter.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => c,
                    _ => return Err("delimiter: \"delimiter\" must be a 1-character string".into()),
                }
            };
            let mut rows = crate::dictionary::csv_records_with(&text, sep)?.into_iter();
            let header = rows.next().ok_or("No data found in CSV")?;
            let body = rows
                .map(|r| r.into_iter().map(Value::String).collect())
                .collect();
            (header, body)
        }
        FileFormat::Json => {
            let parsed: Value =
                serde_json::from_str(&text).map_err(|e| format!("the JSON is invalid: {e}"))?;
            let items = parsed
                .as_array()
                .filter(|a| !a.is_empty())
                .ok_or("No data found or data is not a list of records in JSON")?;
            match &items[0] {
                Value::Object(first) => {
                    let header: Vec<String> = first.keys().cloned().collect();
                    let body = items
                        .iter()
                        .map(|item| {
                            header
                                .iter()
                                .map(|h| item.get(h).cloned().unwrap_or(Value::Null))
                                .collect()
                        })
                        .collect();
                    (header, body)
                }
                Value::Array(first) => (
                    first.iter().map(crate::json::py_str).collect(),
                    items[1..]
                        .iter()
                        .map(|r| r.as_array().cloned().unwrap_or_default())
                        .collect(),
                ),
                _ => {
                    return Err(
                        "JSON data is a list, but items are not dictionaries or lists.".into(),
                    )
                }
            }
        }
    };
    let index: std::collections::HashMap<&str, usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_str(), i))
        .collect();
    let data = body
        .iter()
        .map(|row| {
            defs.iter()
                .map(|d| {
                    index
                        .get(d.name.as_str())
                        .and_then(|&i| row.get(i))
                        .map_or(Value::Null, |v| cast(v, &d.data_type))
                })
                .collect()
        })
        .collect();
    Ok(table(data))
}

/// Text in `encoding` (`utf-8`, `ascii`, `latin-1` and their aliases).
fn decode(bytes: &[u8], encoding: &str) -> std::result::Result<String, String> {
    match encoding.replace('_', "-").as_str() {
        "utf-8" | "utf8" => String::from_utf8(bytes.to_vec()).map_err(|e| e.to_string()),
        "ascii" | "us-ascii" => match bytes.iter().position(|b| !b.is_ascii()) {
            Some(i) => Err(format!("byte {i} is not ASCII")),
            None => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
        },
        "latin-1" | "latin1" | "iso-8859-1" => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
        other => Err(format!(
            "`{other}` is not a supported encoding (utf-8, ascii, latin-1)"
        )),
    }
}

/// A cell cast to a column type as NodeTool does; what does not convert becomes `null`.
fn cast(value: &Value, data_type: &str) -> Value {
    let text = match value {
        Value::Null => return Value::Null,
        Value::String(s) => Some(s.trim()),
        _ => None,
    };
    if text == Some("") && !matches!(data_type, "string" | "object") {
        return Value::Null;
    }
    let number = || match value {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => text.and_then(|t| t.replace('_', "").parse::<f64>().ok()),
    };
    match data_type {
        "int" => number()
            .filter(|f| f.is_finite() && f.abs() < 9.2e18)
            .map_or(Value::Null, |f| Value::from(f.trunc() as i64)),
        "float" => number()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
        "string" => Value::String(crate::json::py_str(value)),
        _ => value.clone(),
    }
}

/// Send JSON data to a server using an HTTP POST request.
/// http, post, request, url, json, api
#[node(namespace = "lib.http", name = "JSONPostRequest", title = "POST JSON")]
pub async fn json_post_request(
    ctx: &ProcessingContext,
    /// The URL to make the request to.
    #[input(default = "")]
    url: String,
    /// The JSON data to send in the POST request.
    #[input(default = Map::new())]
    data: Map<String, Value>,
) -> Result<Map<String, Value>> {
    let body = Body::Json(Value::Object(data));
    fetch(ctx, Method::POST, &url, body, false)
        .await?
        .json_object()
}

/// Update resources with JSON data using an HTTP PUT request.
/// http, put, request, url, json, api
#[node(namespace = "lib.http", name = "JSONPutRequest", title = "PUT JSON")]
pub async fn json_put_request(
    ctx: &ProcessingContext,
    /// The URL to make the request to.
    #[input(default = "")]
    url: String,
    /// The JSON data to send in the PUT request.
    #[input(default = Map::new())]
    data: Map<String, Value>,
) -> Result<Map<String, Value>> {
    let body = Body::Json(Value::Object(data));
    fetch(ctx, Method::PUT, &url, body, false)
        .await?
        .json_object()
}

/// Partially update resources with JSON data using an HTTP PATCH request.
/// http, patch, request, url, json, api
#[node(
    namespace = "lib.http",
    name = "JSONPatchRequest",
    title = "PATCH JSON"
)]
pub async fn json_patch_request(
    ctx: &ProcessingContext,
    /// The URL to make the request to.
    #[input(default = "")]
    url: String,
    /// The JSON data to send in the PATCH request.
    #[input(default = Map::new())]
    data: Map<String, Value>,
) -> Result<Map<String, Value>> {
    let body = Body::Json(Value::Object(data));
    fetch(ctx, Method::PATCH, &url, body, false)
        .await?
        .json_object()
}

/// Perform an HTTP GET request and parse the response as JSON.
/// http, get, request, url, json, api
#[node(namespace = "lib.http", name = "JSONGetRequest", title = "GET JSON")]
pub async fn json_get_request(
    ctx: &ProcessingContext,
    /// The URL to make the request to.
    #[input(default = "")]
    url: String,
) -> Result<Map<String, Value>> {
    fetch(ctx, Method::GET, &url, Body::None, true)
        .await?
        .json_object()
}

/// Runs `job` for each item with at most `limit` at a time; results in item order.
async fn bounded<T, R, F, Fut>(items: Vec<T>, limit: usize, job: F) -> Vec<R>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = R> + Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    let mut results: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    for (i, item) in items.into_iter().enumerate() {
        if set.len() >= limit.max(1) {
            if let Some(Ok((j, r))) = set.join_next().await {
                results[j] = Some(r);
            }
        }
        let fut = job(item);
        set.spawn(async move { (i, fut.await) });
    }
    while let Some(joined) = set.join_next().await {
        if let Ok((j, r)) = joined {
            results[j] = Some(r);
        }
    }
    results.into_iter().flatten().collect()
}

/// Filter a list of URLs by checking their validity using HEAD requests.
/// url validation, http, head request
///
/// A URL is valid when its HEAD request (redirects followed) ends in 2xx; refused,
/// unreachable and failing URLs are dropped. Order and repeats are kept.
#[node(
    namespace = "lib.http",
    name = "FilterValidURLs",
    title = "Filter Valid URLs"
)]
pub async fn filter_valid_urls(
    ctx: &ProcessingContext,
    /// The URL to make the request to.
    #[input(default = "")]
    url: String,
    /// List of URLs to validate.
    #[input(default)]
    urls: Vec<String>,
    /// Maximum number of concurrent HEAD requests.
    #[input(default = 10)]
    max_concurrent_requests: i64,
) -> Result<Vec<String>> {
    let _ = url;
    let limit = positive(max_concurrent_requests, "max_concurrent_requests")?;
    let ctx = Arc::new(ctx.clone());
    let checked = bounded(urls, limit, |u| {
        let ctx = Arc::clone(&ctx);
        async move {
            let ok = fetch(&ctx, Method::HEAD, &u, Body::None, false)
                .await
                .is_ok_and(|f| f.status.is_success());
            ok.then_some(u)
        }
    })
    .await;
    Ok(checked.into_iter().flatten().collect())
}

fn positive(n: i64, name: &str) -> Result<usize> {
    usize::try_from(n)
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("{name} must be at least 1, not {n}").into())
}

/// The outputs of [`DownloadFiles`].
#[derive(Outputs)]
pub struct Downloads {
    /// Workspace paths of the saved files.
    pub success: Vec<String>,
    /// URLs that could not be downloaded.
    pub failed: Vec<String>,
}

/// Download files from a list of URLs into a local folder.
/// download, files, urls, batch
///
/// The folder is inside the run's workspace. Names come from `Content-Disposition` or the
/// URL's last path segment; a name that would leave the folder falls back to
/// `unnamed_file`. Progress is posted after each URL.
#[node(namespace = "lib.http", expose_as_tool)]
pub async fn download_files(
    ctx: &ProcessingContext,
    /// List of URLs to download.
    #[input(default)]
    urls: Vec<String>,
    /// Local folder path where files will be saved.
    #[input(default = "downloads")]
    output_folder: String,
    /// Maximum number of concurrent downloads.
    #[input(default = 5)]
    max_concurrent_downloads: i64,
) -> Result<Downloads> {
    let limit = positive(max_concurrent_downloads, "max_concurrent_downloads")?;
    if output_folder.is_empty() {
        return Err("output_folder cannot be empty".into());
    }
    let workspace = ctx
        .workspace()
        .cloned()
        .ok_or("output_folder: this run has no workspace to download into")?;
    workspace.resolve(&output_folder)?;
    let total = i64::try_from(urls.len()).unwrap_or(i64::MAX);
    let ctx = Arc::new(ctx.clone());
    let done = Arc::new(std::sync::atomic::AtomicI64::new(0));
    let folder = Arc::new(output_folder);
    let saved = bounded(urls, limit, |u| {
        let (ctx, done, folder, workspace) = (
            Arc::clone(&ctx),
            Arc::clone(&done),
            Arc::clone(&folder),
            workspace.clone(),
        );
        async move {
            let saved = async {
                let fetched = fetch(&ctx, Method::GET, &u, Body::None, false).await?;
                let name = file_name(&fetched.headers, &u);
                let path = format!("{folder}/{name}");
                workspace.write(&path, &fetched.body)?;
                Ok::<_, nodetool::workflows::BoxError>(path)
            }
            .await;
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            ctx.progress(n, total).await;
            (u, saved.ok())
        }
    })
    .await;
    let mut out = Downloads {
        success: Vec::new(),
        failed: Vec::new(),
    };
    for (url, path) in saved {
        match path {
            Some(p) => out.success.push(p),
            None => out.failed.push(url),
        }
    }
    Ok(out)
}

/// A safe file name for a download: `Content-Disposition`'s `filename`, else the URL's last
/// path segment, else `unnamed_file`.
fn file_name(headers: &HeaderMap, url: &str) -> String {
    let from_header = headers
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .and_then(|cd| cd.split("filename=").nth(1))
        .map(|n| {
            n.split(';')
                .next()
                .unwrap_or(n)
                .trim()
                .trim_matches(['"', '\''])
                .to_owned()
        });
    let from_url = || {
        Url::parse(url)
            .ok()
            .and_then(|u| u.path_segments()?.next_back().map(str::to_owned))
    };
    from_header
        .or_else(from_url)
        .filter(|n| !n.is_empty() && n != "." && n != ".." && !n.contains(['/', '\\']))
        .unwrap_or_else(|| "unnamed_file".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "169.254.1.1",
            "::1",
            "fd00::1",
            "100.64.0.1",
            "::ffff:127.0.0.1",
            "0.0.0.0",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "64:ff9b::7f00:1",
            "2002:c0a8:1::1",
            "::10.0.0.1",
            "240.1.2.3",
            "192.0.0.8",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700::1111",
            "64:ff9b::808:808",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn local_and_odd_urls_are_refused() {
        let url = |s: &str| Url::parse(s).unwrap();
        let e = check_target(&url("http://127.0.0.1:8080/x"), false)
            .await
            .unwrap_err();
        assert!(e.contains("is blocked"), "{e}");
        let e = check_target(&url("http://localhost/"), false)
            .await
            .unwrap_err();
        assert!(e.contains("is blocked"), "{e}");
        let e = check_target(&url("ftp://example.com/"), false)
            .await
            .unwrap_err();
        assert!(e.contains("only http and https"), "{e}");
        assert!(check_target(&url("http://127.0.0.1:8080/x"), true)
            .await
            .is_ok());
    }

    #[test]
    fn download_names_cannot_leave_the_folder() {
        let mut headers = HeaderMap::new();
        assert_eq!(
            file_name(&headers, "http://h/a/report.pdf?x=1"),
            "report.pdf"
        );
        assert_eq!(file_name(&headers, "http://h/"), "unnamed_file");
        headers.insert(
            "content-disposition",
            "attachment; filename=\"b.txt\"; size=3".parse().unwrap(),
        );
        assert_eq!(file_name(&headers, "http://h/a"), "b.txt");
        headers.insert(
            "content-disposition",
            "attachment; filename=\"../../etc/passwd\"".parse().unwrap(),
        );
        assert_eq!(file_name(&headers, "http://h/a"), "unnamed_file");
    }
}
