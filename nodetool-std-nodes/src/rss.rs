//! `lib.rss.FetchRSSFeed`: the entries of an RSS or Atom feed, one by one, with the fields
//! NodeTool takes from feedparser.
//!
//! The feed is fetched as the `lib.http` nodes fetch (public addresses only unless allowed,
//! redirects checked, retries) and parsed with feed-rs (RSS 0.9x/1.0/2.0, Atom, JSON Feed).
//! Each entry gives what feedparser gives NodeTool:
//! - `title`, `summary` (the description or summary; else the content), as text, HTML kept;
//! - `link`: the last alternate HTML link, relative links resolved against the feed's URL;
//!   in RSS an entry without one takes its guid when that is a URL (feedparser's permalink
//!   guid);
//! - `author`: the last author; in Atom `name (email)`, `name` or `email`; in RSS the text of
//!   `<author>`/`<dc:creator>` (rebuilt from its parts: `email (Name)` or `Name <email>`);
//! - `published`: the publication date in UTC, to the second (feedparser's
//!   `published_parsed`), or the current time when the entry has none.
//!
//! Differences: NodeTool yields no entries when the feed cannot be fetched or parsed (feedparser
//! never raises); here that is an error naming `url`. feedparser sanitizes HTML and reads an
//! RSS `dc:date` as the update date (so NodeTool falls back to the current time); feed-rs
//! keeps the HTML and reads `dc:date` as the publication date. NodeTool's fallback time is
//! the server's local time labelled UTC; here it is UTC.

use crate::date::Datetime;
use crate::meta_node;
use crate::meta_node::Props;
use chrono::{DateTime, Timelike, Utc};
use feed_rs::model::{Entry, FeedType};
use nodetool::metadata::NodeValue;
use nodetool::workflows::{NodeError, NodeOutputs, ProcessingContext};
use serde_json::Value;

/// The fields NodeTool's `FetchRSSFeed` yields for one entry.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedItem {
    /// The entry's title.
    pub title: String,
    /// Its link.
    pub link: String,
    /// When it was published (UTC, whole seconds), if the feed says.
    pub published: Option<DateTime<Utc>>,
    /// Its summary (or content).
    pub summary: String,
    /// Its author.
    pub author: String,
}

fn is_rss(feed_type: &FeedType) -> bool {
    matches!(feed_type, FeedType::RSS0 | FeedType::RSS1 | FeedType::RSS2)
}

/// feedparser's `entry.link`.
fn link(feed_type: &FeedType, entry: &Entry) -> String {
    let html = |t: &str| {
        let t = t.split(';').next().unwrap_or_default().trim();
        t.eq_ignore_ascii_case("text/html") || t.eq_ignore_ascii_case("application/xhtml+xml")
    };
    let alternate = entry
        .links
        .iter()
        .filter(|l| l.target.is_none())
        .filter(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .rfind(|l| l.media_type.as_deref().is_none_or(html));
    match alternate {
        Some(l) => l.href.clone(),
        None if is_rss(feed_type)
            && (entry.id.starts_with("http://") || entry.id.starts_with("https://")) =>
        {
            entry.id.clone()
        }
        None => String::new(),
    }
}

/// feedparser's `entry.author`.
fn author(feed_type: &FeedType, entry: &Entry) -> String {
    let Some(person) = entry.authors.last() else {
        return String::new();
    };
    let name = person
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let email = person.email.as_deref().filter(|e| !e.is_empty());
    match (name, email) {
        (Some(n), Some(e)) if is_rss(feed_type) && n.starts_with('(') && n.ends_with(')') => {
            format!("{e} {n}")
        }
        (Some(n), Some(e)) if is_rss(feed_type) => format!("{n} <{e}>"),
        (Some(n), Some(e)) => format!("{n} ({e})"),
        (Some(n), None) => n.to_owned(),
        (None, Some(e)) => e.to_owned(),
        (None, None) => String::new(),
    }
}

/// The entries of the feed document `bytes`, fetched from `url` (relative links are resolved
/// against it).
pub fn parse_feed(bytes: &[u8], url: &str) -> Result<Vec<FeedItem>, String> {
    let feed = feed_rs::parser::Builder::new()
        .base_uri(Some(url))
        .build()
        .parse(bytes)
        .map_err(|e| format!("url: {url} is not an RSS or Atom feed: {e}"))?;
    Ok(feed
        .entries
        .iter()
        .map(|entry| FeedItem {
            title: entry
                .title
                .as_ref()
                .map(|t| t.content.clone())
                .unwrap_or_default(),
            link: link(&feed.feed_type, entry),
            published: entry.published.map(|t| t.with_nanosecond(0).unwrap_or(t)),
            summary: entry
                .summary
                .as_ref()
                .map(|s| s.content.clone())
                .or_else(|| entry.content.as_ref().and_then(|c| c.body.clone()))
                .unwrap_or_default(),
            author: author(&feed.feed_type, entry),
        })
        .collect())
}

meta_node!(
    /// `lib.rss.FetchRSSFeed`: each entry of the feed at `url`.
    FetchRssFeed,
    "lib.rss.FetchRSSFeed",
    StreamingOutput,
    cacheable = false,
    tool = true
);

impl FetchRssFeed {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let url = props.str("url");
        if url.trim().is_empty() {
            return Err(NodeError::failed("url: no feed URL is set"));
        }
        let bytes = crate::http::get_bytes(ctx, &url).await.map_err(|e| {
            let e = e.to_string();
            NodeError::failed(if e.starts_with("url: ") {
                e
            } else {
                format!("url: {e}")
            })
        })?;
        for item in parse_feed(&bytes, &url).map_err(NodeError::failed)? {
            let published: Datetime = crate::os::datetime(item.published.unwrap_or_else(Utc::now));
            outputs
                .send_named("title", Value::String(item.title))
                .await?;
            outputs.send_named("link", Value::String(item.link)).await?;
            outputs
                .send_named("published", published.into_value())
                .await?;
            outputs
                .send_named("summary", Value::String(item.summary))
                .await?;
            outputs
                .send_named("author", Value::String(item.author))
                .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Example News</title><link>https://example.com/</link><description>News</description>
<item>
  <title>First &amp; foremost</title>
  <link>https://example.com/first</link>
  <description><![CDATA[<p>The <b>first</b> story.</p>]]></description>
  <author>jdoe@example.com (John Doe)</author>
  <pubDate>Tue, 03 Jun 2025 09:39:21 +0200</pubDate>
  <guid>https://example.com/first</guid>
</item>
<item>
  <title>Second</title>
  <guid isPermaLink="true">https://example.com/second</guid>
  <dc:creator>Jane Roe</dc:creator>
  <content:encoded><![CDATA[<p>Full text</p>]]></content:encoded>
  <pubDate>Wed, 04 Jun 2025 23:00:00 GMT</pubDate>
</item>
<item>
  <title>Third</title>
  <link>/relative/third</link>
  <author>Jane Roe &lt;jane@example.com&gt;</author>
</item>
<item>
  <description>No title</description>
  <guid isPermaLink="false">tag:example.com,2025:4</guid>
</item>
</channel></rss>"#;

    const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Example Atom</title><link href="https://example.org/"/>
  <updated>2025-06-01T00:00:00Z</updated><id>urn:uuid:1</id>
  <entry>
    <title>Atom one</title>
    <link rel="self" href="https://example.org/one.atom"/>
    <link href="https://example.org/one"/>
    <id>urn:uuid:2</id>
    <published>2025-06-02T08:30:15+02:00</published>
    <updated>2025-06-02T10:00:00Z</updated>
    <summary>Short &lt;i&gt;one&lt;/i&gt;</summary>
    <author><name>Ann</name><email>ann@example.org</email></author>
  </entry>
  <entry>
    <title type="html">Atom &lt;b&gt;two&lt;/b&gt;</title>
    <link rel="alternate" type="text/html" href="https://example.org/two"/>
    <id>urn:uuid:3</id>
    <updated>2025-06-03T00:00:00Z</updated>
    <content type="html">&lt;p&gt;Body two&lt;/p&gt;</content>
    <author><name>Bob</name></author>
  </entry>
</feed>"#;

    fn at(text: &str) -> Option<DateTime<Utc>> {
        Some(
            DateTime::parse_from_rfc3339(text)
                .unwrap()
                .with_timezone(&Utc),
        )
    }

    fn item(
        title: &str,
        link: &str,
        published: Option<DateTime<Utc>>,
        summary: &str,
        author: &str,
    ) -> FeedItem {
        FeedItem {
            title: title.to_owned(),
            link: link.to_owned(),
            published,
            summary: summary.to_owned(),
            author: author.to_owned(),
        }
    }

    // The expected fields are feedparser 6.0's for the same documents (NodeTool's node).
    #[test]
    fn rss_entries_are_feedparsers() {
        let items = parse_feed(RSS.as_bytes(), "https://example.com/feed.xml").unwrap();
        assert_eq!(
            items,
            [
                item(
                    "First & foremost",
                    "https://example.com/first",
                    at("2025-06-03T07:39:21Z"),
                    "<p>The <b>first</b> story.</p>",
                    "jdoe@example.com (John Doe)"
                ),
                item(
                    "Second",
                    "https://example.com/second",
                    at("2025-06-04T23:00:00Z"),
                    "<p>Full text</p>",
                    "Jane Roe"
                ),
                item(
                    "Third",
                    "https://example.com/relative/third",
                    None,
                    "",
                    "Jane Roe <jane@example.com>"
                ),
                item("", "", None, "No title", ""),
            ]
        );
    }

    #[test]
    fn atom_entries_are_feedparsers() {
        let items = parse_feed(ATOM.as_bytes(), "https://example.org/feed.atom").unwrap();
        assert_eq!(
            items,
            [
                item(
                    "Atom one",
                    "https://example.org/one",
                    at("2025-06-02T06:30:15Z"),
                    "Short <i>one</i>",
                    "Ann (ann@example.org)"
                ),
                item(
                    "Atom <b>two</b>",
                    "https://example.org/two",
                    None,
                    "<p>Body two</p>",
                    "Bob"
                ),
            ]
        );
    }

    #[test]
    fn a_page_that_is_not_a_feed_is_an_error_naming_url() {
        let error =
            parse_feed(b"<html><body>hi</body></html>", "https://example.com/").unwrap_err();
        assert!(
            error.starts_with("url: https://example.com/ is not an RSS or Atom feed"),
            "{error}"
        );
    }
}
