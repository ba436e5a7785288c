//! `lib.rss.FetchRSSFeed` against a feed served on 127.0.0.1 (axum), wired as NodeTool's
//! Summarize_RSS example wires it (titles collected with `---`), and every field of the
//! entries as feedparser gives them to NodeTool.

mod node_harness;

use axum::http::{header, StatusCode};
use axum::routing::get;
use axum::Router;
use nodetool::prelude::*;
use serde_json::{json, Value};

const FEED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Europe</title><link>http://news.test/</link><description>World news</description>
<item>
  <title>Summit opens</title>
  <link>/news/summit</link>
  <description>Leaders meet &lt;b&gt;today&lt;/b&gt;.</description>
  <author>desk@news.test (News Desk)</author>
  <pubDate>Tue, 03 Jun 2025 09:39:21 +0200</pubDate>
</item>
<item>
  <title>Rail strike ends</title>
  <guid>http://news.test/news/rail</guid>
  <dc:creator>Jane Roe</dc:creator>
  <description>Trains run again.</description>
  <pubDate>Wed, 04 Jun 2025 23:00:00 GMT</pubDate>
</item>
</channel></rss>"#;

/// Serves the feed at `/europe.xml`, a redirect to it at `/moved`, an HTML page at `/page`
/// and 404 elsewhere; the base URL.
async fn server() -> String {
    nodetool_std_nodes::http::allow_private_networks(true);
    let app = Router::new()
        .route(
            "/europe.xml",
            get(|| async { ([(header::CONTENT_TYPE, "application/rss+xml")], FEED) }),
        )
        .route(
            "/moved",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/europe.xml")]) }),
        )
        .route(
            "/page",
            get(|| async { ([(header::CONTENT_TYPE, "text/html")], "<html>hi</html>") }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test]
async fn titles_are_collected_as_in_summarize_rss() {
    let base = server().await;
    let graph = json!({"nodes": [
        {"id": "rss", "type": "lib.rss.FetchRSSFeed", "data": {"url": format!("{base}/moved")}},
        {"id": "collect", "type": "nodetool.text.Collect", "data": {"separator": "---"}},
        {"id": "out", "type": "nodetool.output.Output", "data": {"name": "titles"}}],
      "edges": [
        {"source": "rss", "sourceHandle": "title", "target": "collect", "targetHandle": "input_item"},
        {"source": "collect", "sourceHandle": "output", "target": "out", "targetHandle": "value"}]});
    let result = node_harness::run_graph(graph, &ProcessingContext::default())
        .await
        .unwrap();
    assert_eq!(
        node_harness::last_values(result)["titles"],
        "Summit opens---Rail strike ends"
    );
}

#[tokio::test]
async fn every_field_of_every_entry_is_feedparsers() {
    let base = server().await;
    let url = format!("{base}/europe.xml");
    let fields = ["title", "link", "published", "summary", "author"];
    let mut nodes =
        vec![json!({"id": "rss", "type": "lib.rss.FetchRSSFeed", "data": {"url": url}})];
    let mut edges = Vec::new();
    for f in fields {
        nodes.push(json!({"id": f, "type": "nodetool.output.Output", "data": {"name": f}}));
        edges.push(
            json!({"source": "rss", "sourceHandle": f, "target": f, "targetHandle": "value"}),
        );
    }
    let result = node_harness::run_graph(
        json!({"nodes": nodes, "edges": edges}),
        &ProcessingContext::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        result.values("title"),
        [json!("Summit opens"), json!("Rail strike ends")]
    );
    // A relative link is resolved against the feed's URL; a URL guid stands in for a link.
    assert_eq!(
        result.values("link"),
        [
            json!(format!("{base}/news/summit")),
            json!("http://news.test/news/rail")
        ]
    );
    assert_eq!(
        result.values("summary"),
        [
            json!("Leaders meet <b>today</b>."),
            json!("Trains run again.")
        ]
    );
    assert_eq!(
        result.values("author"),
        [json!("desk@news.test (News Desk)"), json!("Jane Roe")]
    );
    let published: Vec<Value> = result.values("published").to_vec();
    assert_eq!(
        published[0],
        json!({"type": "datetime", "year": 2025, "month": 6, "day": 3, "hour": 7, "minute": 39,
               "second": 21, "microsecond": 0, "tzinfo": "UTC", "utc_offset": 0.0})
    );
    assert_eq!(published[1]["day"], 4);
    assert_eq!(published[1]["hour"], 23);
}

#[tokio::test]
async fn errors_name_the_url() {
    let base = server().await;
    let run = |url: String| async move {
        node_harness::run_output(
            "lib.rss.FetchRSSFeed",
            json!({"url": url}),
            "title",
            &ProcessingContext::default(),
        )
        .await
    };
    let error = run(String::new()).await.unwrap_err();
    assert!(error.contains("url: no feed URL is set"), "{error}");
    let error = run(format!("{base}/missing")).await.unwrap_err();
    assert!(
        error.contains("url: GET") && error.contains("404"),
        "{error}"
    );
    let error = run(format!("{base}/page")).await.unwrap_err();
    assert!(error.contains("is not an RSS or Atom feed"), "{error}");
    let error = run("not a url".to_owned()).await.unwrap_err();
    assert!(
        error.contains("url: `not a url` is not a valid URL"),
        "{error}"
    );
}
