//! `lib.mail`: NodeTool's Gmail nodes over IMAP, as NodeTool runs them: log in to
//! `imap.gmail.com:993` (TLS) with the `GOOGLE_MAIL_USER` address and its
//! `GOOGLE_APP_PASSWORD` app password, then `GmailSearch` selects a folder, searches with
//! NodeTool's IMAP query (`FROM "…" SUBJECT "…" SINCE "05-Dec-2026" …`), and emits each match,
//! newest first, as `{id, subject, sender, date, body}` (the body as text, preferring
//! `text/plain`); `AddLabel` stores `+X-GM-LABELS` on a message of the inbox.
//!
//! `GMAIL_IMAP_URL` points the nodes at another IMAP server: `imaps://host:port` (TLS) or
//! `imap://host:port` (plain, for a local bridge or a test server).

use crate::meta_node;
use crate::meta_node::Props;
use async_imap::Session;
use futures_util::StreamExt;
use nodetool::metadata::NodeValue;
use nodetool::workflows::{NodeError, NodeOutputs, ProcessingContext};
use serde_json::{json, Value};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Gmail's IMAP server.
pub const GMAIL_IMAP_URL: &str = "imaps://imap.gmail.com:993";

/// How long connecting and logging in may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Where an IMAP server is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapAddress {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Whether the connection is TLS from the start (`imaps`).
    pub tls: bool,
}

/// Reads `imaps://host[:port]` (port 993 by default) or `imap://host[:port]` (143).
pub fn parse_imap_url(url: &str) -> Result<ImapAddress, String> {
    let (tls, rest) = if let Some(rest) = url.strip_prefix("imaps://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("imap://") {
        (false, rest)
    } else {
        return Err(format!(
            "GMAIL_IMAP_URL: `{url}` is not an imaps:// or imap:// URL"
        ));
    };
    let authority = rest.trim_end_matches('/');
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (
            host,
            port.parse::<u16>()
                .map_err(|_| format!("GMAIL_IMAP_URL: `{port}` is not a port"))?,
        ),
        None => (authority, if tls { 993 } else { 143 }),
    };
    if host.is_empty() {
        return Err(format!("GMAIL_IMAP_URL: `{url}` has no host"));
    }
    Ok(ImapAddress {
        host: host.to_owned(),
        port,
        tls,
    })
}

/// A connection to the server, plain or TLS.
#[derive(Debug)]
enum Connection {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Connection::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Connection::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Connection::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(s) => Pin::new(s).poll_flush(cx),
            Connection::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Connection::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// A setting (or the user's secret) that must be set for the mail nodes.
fn required(ctx: &ProcessingContext, name: &str) -> Result<String, NodeError> {
    let env = ctx
        .environment()
        .map_err(|e| NodeError::failed(format!("cannot read the settings: {e}")))?;
    env.get(name)
        .filter(|v| !v.trim().is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            NodeError::failed(format!(
                "{name} is not set: the Gmail nodes need GOOGLE_MAIL_USER (the address) and \
                 GOOGLE_APP_PASSWORD (an app password) in the settings or your secrets"
            ))
        })
}

/// Connects and logs in with the user's Gmail credentials.
async fn login(ctx: &ProcessingContext) -> Result<Session<Connection>, NodeError> {
    let user = required(ctx, "GOOGLE_MAIL_USER")?;
    let password = required(ctx, "GOOGLE_APP_PASSWORD")?;
    let url = ctx
        .environment()
        .ok()
        .and_then(|env| {
            env.get("GMAIL_IMAP_URL")
                .filter(|u| !u.is_empty())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| GMAIL_IMAP_URL.to_owned());
    let address = parse_imap_url(&url).map_err(NodeError::failed)?;
    let where_ = format!("{}:{}", address.host, address.port);
    let connect = async {
        let tcp = TcpStream::connect((address.host.as_str(), address.port))
            .await
            .map_err(|e| {
                NodeError::failed(format!("cannot reach the mail server {where_}: {e}"))
            })?;
        let connection = if address.tls {
            let roots = rustls_roots();
            let config = tokio_rustls::rustls::ClientConfig::builder()
                .with_root_certificates(roots)
                .with_no_client_auth();
            let name = tokio_rustls::rustls::pki_types::ServerName::try_from(address.host.clone())
                .map_err(|e| NodeError::failed(format!("GMAIL_IMAP_URL: {e}")))?;
            let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
                .connect(name, tcp)
                .await
                .map_err(|e| {
                    NodeError::failed(format!("TLS with the mail server {where_} failed: {e}"))
                })?;
            Connection::Tls(Box::new(tls))
        } else {
            Connection::Plain(tcp)
        };
        let mut client = async_imap::Client::new(connection);
        client.read_response().await.map_err(|e| {
            NodeError::failed(format!("the mail server {where_} did not greet: {e}"))
        })?;
        client.login(&user, &password).await.map_err(|(e, _)| {
            // The error is the server's text; the password is never in it.
            NodeError::failed(format!(
                "the mail server {where_} refused the login of {user}: {e}"
            ))
        })
    };
    tokio::time::timeout(CONNECT_TIMEOUT, connect)
        .await
        .map_err(|_| {
            NodeError::failed(format!(
                "the mail server {where_} did not answer within 30 s"
            ))
        })?
}

fn rustls_roots() -> tokio_rustls::rustls::RootCertStore {
    tokio_rustls::rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

/// An IMAP quoted string.
pub fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// NodeTool's `build_imap_query` for GmailSearch's properties, `since` the date of the
/// `date_filter` (`05-Dec-2026`).
pub fn build_query(props: &Props, since: &str) -> String {
    let mut parts = Vec::new();
    for (prop, key) in [
        ("from_address", "FROM"),
        ("to_address", "TO"),
        ("subject", "SUBJECT"),
        ("body", "BODY"),
    ] {
        let value = props.str(prop);
        if !value.trim().is_empty() {
            parts.push(format!("{key} {}", quoted(value.trim())));
        }
    }
    parts.push(format!("SINCE {}", quoted(since)));
    for keyword in props.str("keywords").split([' ', '\t', '\n', ',', ';']) {
        if !keyword.trim().is_empty() {
            parts.push(format!("KEYWORD {}", quoted(keyword.trim())));
        }
    }
    let text = props.str("text");
    if !text.trim().is_empty() {
        parts.push(format!("TEXT {}", quoted(text.trim())));
    }
    parts.join(" ")
}

/// How far back `date_filter` looks.
pub fn date_filter_span(filter: &str) -> Result<chrono::Duration, NodeError> {
    Ok(match filter {
        "SINCE_ONE_HOUR" => chrono::Duration::hours(1),
        "SINCE_ONE_DAY" | "" => chrono::Duration::days(1),
        "SINCE_ONE_WEEK" => chrono::Duration::weeks(1),
        "SINCE_ONE_MONTH" => chrono::Duration::days(30),
        "SINCE_ONE_YEAR" => chrono::Duration::days(365),
        other => {
            return Err(NodeError::failed(format!(
                "date_filter: `{other}` is not one of SINCE_ONE_HOUR, SINCE_ONE_DAY, \
                 SINCE_ONE_WEEK, SINCE_ONE_MONTH, SINCE_ONE_YEAR"
            )))
        }
    })
}

/// A message as NodeTool's `fetch_email` returns it: id, subject, sender, date, body.
pub fn email_value(id: &str, raw: &[u8]) -> Value {
    let parsed = mail_parser::MessageParser::default().parse(raw);
    let Some(message) = parsed else {
        return json!({"id": id, "subject": "", "sender": "", "date": crate::date::Datetime::default().into_value(), "body": ""});
    };
    let sender = message
        .from()
        .and_then(|from| from.first())
        .map(|addr| match (addr.name(), addr.address()) {
            (Some(name), Some(address)) => format!("{name} <{address}>"),
            (None, Some(address)) => address.to_owned(),
            (Some(name), None) => name.to_owned(),
            (None, None) => String::new(),
        })
        .unwrap_or_default();
    let date = message
        .date()
        .map_or_else(crate::date::Datetime::default, |d| {
            let offset = (i64::from(d.tz_hour) * 3600 + i64::from(d.tz_minute) * 60)
                * if d.tz_before_gmt { -1 } else { 1 };
            crate::date::Datetime {
                year: i64::from(d.year),
                month: i64::from(d.month),
                day: i64::from(d.day),
                hour: i64::from(d.hour),
                minute: i64::from(d.minute),
                second: i64::from(d.second),
                microsecond: 0,
                tzinfo: if offset == 0 {
                    "UTC".to_owned()
                } else {
                    format!(
                        "UTC{}{:02}:{:02}",
                        if offset < 0 { '-' } else { '+' },
                        d.tz_hour,
                        d.tz_minute
                    )
                },
                utc_offset: offset as f64,
            }
        });
    json!({
        "id": id,
        "subject": message.subject().unwrap_or_default(),
        "sender": sender,
        "date": date.into_value(),
        "body": message.body_text(0).map(|b| b.into_owned()).unwrap_or_default(),
    })
}

fn imap_error(what: &str) -> impl Fn(async_imap::error::Error) -> NodeError + '_ {
    move |e| NodeError::failed(format!("{what}: {e}"))
}

meta_node!(
    /// `lib.mail.GmailSearch`: the messages matching the search, newest first.
    GmailSearch,
    "lib.mail.GmailSearch",
    StreamingOutput,
    cacheable = false,
    tool = true
);

impl GmailSearch {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let span = date_filter_span(&props.str("date_filter"))?;
        let since = (chrono::Local::now() - span).format("%d-%b-%Y").to_string();
        let query = build_query(props, &since);
        let max_results = usize::try_from(props.int("max_results")?).unwrap_or(0);
        let folder = match props.str("folder") {
            f if f.is_empty() => "INBOX".to_owned(),
            f => f,
        };
        let mut session = login(ctx).await?;
        session
            .select(&folder)
            .await
            .map_err(imap_error(&format!("folder: cannot open `{folder}`")))?;
        let mut ids: Vec<u32> = session
            .search(&query)
            .await
            .map_err(imap_error("the search failed"))?
            .into_iter()
            .collect();
        // Newest first, as NodeTool reverses the server's ascending list.
        ids.sort_unstable_by(|a, b| b.cmp(a));
        ids.truncate(max_results);
        for id in ids {
            let id = id.to_string();
            let raw = {
                let mut fetches = session
                    .fetch(&id, "(RFC822)")
                    .await
                    .map_err(imap_error(&format!("cannot fetch message {id}")))?;
                let mut raw = None;
                while let Some(fetch) = fetches.next().await {
                    let fetch = fetch.map_err(imap_error(&format!("cannot fetch message {id}")))?;
                    if let Some(body) = fetch.body() {
                        raw = Some(body.to_vec());
                    }
                }
                raw
            };
            // NodeTool skips a message it cannot fetch.
            let Some(raw) = raw else {
                tracing::warn!(message = %id, "the mail server sent no body for a message");
                continue;
            };
            outputs.send_named("email", email_value(&id, &raw)).await?;
            outputs.send_named("message_id", Value::String(id)).await?;
        }
        let _ = session.logout().await;
        Ok(())
    }
}

meta_node!(
    /// `lib.mail.AddLabel`: a Gmail label added to a message of the inbox.
    AddLabel,
    "lib.mail.AddLabel",
    Buffered,
    cacheable = false,
    tool = true
);

impl AddLabel {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let message_id = props.str("message_id");
        let label = props.str("label");
        if message_id.is_empty() {
            return Err(NodeError::failed("message_id: Message ID is required"));
        }
        if !message_id
            .chars()
            .all(|c| c.is_ascii_digit() || c == ':' || c == ',' || c == '*')
        {
            return Err(NodeError::failed(format!(
                "message_id: `{message_id}` is not a message number of the inbox"
            )));
        }
        if label.is_empty() {
            return Err(NodeError::failed("label: Label is required"));
        }
        let mut session = login(ctx).await?;
        session
            .select("INBOX")
            .await
            .map_err(imap_error("cannot open INBOX"))?;
        {
            let mut updates = session
                .store(&message_id, format!("+X-GM-LABELS ({})", quoted(&label)))
                .await
                .map_err(imap_error("IMAP STORE label failed"))?;
            while let Some(update) = updates.next().await {
                update.map_err(imap_error("IMAP STORE label failed"))?;
            }
        }
        let _ = session.logout().await;
        outputs.send_named("output", Value::Bool(true)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imap_urls_default_their_ports() {
        assert_eq!(
            parse_imap_url(GMAIL_IMAP_URL).unwrap(),
            ImapAddress {
                host: "imap.gmail.com".into(),
                port: 993,
                tls: true
            }
        );
        assert_eq!(parse_imap_url("imap://127.0.0.1:1143").unwrap().port, 1143);
        assert_eq!(parse_imap_url("imap://localhost").unwrap().port, 143);
        assert!(parse_imap_url("https://x").is_err());
        assert!(parse_imap_url("imap://:1").is_err());
        assert!(parse_imap_url("imap://h:notaport").is_err());
    }

    #[test]
    fn quoting_escapes_quotes_and_backslashes() {
        assert_eq!(quoted(r#"a "b" \c"#), r#""a \"b\" \\c""#);
    }

    #[test]
    fn messages_read_as_nodetool_reads_them() {
        let raw = b"From: Ada Lovelace <ada@example.com>\r\nTo: b@example.com\r\nSubject: =?UTF-8?Q?Caf=C3=A9?= notes\r\nDate: Sat, 05 Dec 2026 10:30:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello there.\r\n";
        let email = email_value("7", raw);
        assert_eq!(email["id"], "7");
        assert_eq!(email["subject"], "Café notes");
        assert_eq!(email["sender"], "Ada Lovelace <ada@example.com>");
        assert_eq!(email["date"]["hour"], 10);
        assert_eq!(email["date"]["utc_offset"], 3600.0);
        assert_eq!(email["body"].as_str().unwrap().trim(), "Hello there.");
    }
}
