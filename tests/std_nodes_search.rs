//! `search.*` nodes against a local server speaking SerpApi's wire format (`GET
//! /search.json`, JSON answers with SerpApi's result keys, `"error"` for no results): the
//! query each engine sends, and the results and text NodeTool gives for them.

mod node_harness;
mod replay_server;

use nodetool::prelude::*;
use replay_server::{seen, serve, Canned};
use serde_json::{json, Value};
use std::collections::HashMap;

fn ok_json(body: Value) -> Canned {
    Canned {
        status: 200,
        content_type: "application/json",
        body: body.to_string(),
        headers: Vec::new(),
    }
}

fn context(base: &str) -> ProcessingContext {
    node_harness::ctx_with_settings(&[
        ("SERPAPI_API_KEY", "serp-test-key"),
        ("SERPAPI_BASE_URL", base),
    ])
}

fn query_of(uri: &str) -> HashMap<String, String> {
    let query = uri.split_once('?').map_or("", |(_, q)| q);
    url_pairs(query)
}

fn url_pairs(query: &str) -> HashMap<String, String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| {
            (
                k.to_owned(),
                v.replace('+', " ").replace("%2C", ",").replace("%3A", ":"),
            )
        })
        .collect()
}

#[tokio::test]
async fn searches_send_serpapis_parameters_and_print_nodetools_text() {
    let (base, replay) = serve(vec![
        ok_json(json!({"search_metadata": {"status": "Success"}, "organic_results": [
            {"position": 1, "title": "The Rust Language", "link": "https://rust-lang.org", "snippet": "Fast and safe",
             "thumbnail": "data:image/png;base64,AAAA"},
            {"position": 2, "title": "Rust (video game)", "link": "https://rust.facepunch.com", "date": "3 days ago"}]})),
        ok_json(json!({"search_metadata": {"status": "Success"}, "video_results": [
            {"position_on_page": 1, "title": "Agents", "channel": {"name": "AI Talks"}, "views": 1234567,
             "published_date": "2 weeks ago", "length": "12:01", "link": "https://youtube.com/watch?v=x"}]})),
        ok_json(json!({"search_metadata": {"status": "Success"}, "error": "Google hasn't returned any results for this query."})),
        ok_json(json!({"search_metadata": {"status": "Success"}, "shopping_results": [
            {"position": 1, "title": "Kettle", "price": "$20.00", "old_price": "$25.00", "source": "Shop", "rating": 4.5}]})),
    ])
    .await;
    let ctx = context(&base);
    let graph = |node_type: &str, data: Value, outputs: &[&str]| {
        let mut nodes = vec![json!({"id": "s", "type": node_type, "data": data})];
        let mut edges = Vec::new();
        for o in outputs {
            nodes.push(json!({"id": format!("o_{o}"), "type": "nodetool.output.Output", "data": {"name": o}}));
            edges.push(json!({"source": "s", "sourceHandle": o, "target": format!("o_{o}"), "targetHandle": "value"}));
        }
        json!({"nodes": nodes, "edges": edges})
    };

    let result = node_harness::run_graph(
        graph(
            "search.google.GoogleSearch",
            json!({"keyword": "rust lang", "num_results": 5}),
            &["results", "text"],
        ),
        &ctx,
    )
    .await
    .unwrap();
    let out = node_harness::last_values(result);
    assert_eq!(out["results"][0]["title"], "The Rust Language");
    assert!(
        out["results"][0].get("thumbnail").is_none(),
        "base64 images are removed"
    );
    assert_eq!(
        out["text"],
        "[1] The Rust Language\n    https://rust-lang.org\n    Fast and safe\n\n[2] Rust (video game)\n    https://rust.facepunch.com\n    Date: 3 days ago\n"
    );

    let result = node_harness::run_graph(
        graph(
            "search.youtube.YouTubeSearch",
            json!({"query": "multi-agent frameworks"}),
            &["text"],
        ),
        &ctx,
    )
    .await
    .unwrap();
    assert_eq!(
        node_harness::last_values(result)["text"],
        "[1] Agents\n    Channel: AI Talks\n    Views: 1,234,567\n    Published: 2 weeks ago\n    Duration: 12:01\n    https://youtube.com/watch?v=x\n"
    );

    let error = node_harness::run_graph(
        graph(
            "search.google.GoogleNews",
            json!({"keyword": "nothing at all"}),
            &["results"],
        ),
        &ctx,
    )
    .await
    .unwrap_err();
    assert!(
        error.contains("Google hasn't returned any results"),
        "{error}"
    );

    let result = node_harness::run_graph(
        graph(
            "search.google.GoogleShopping",
            json!({"query": "kettle", "min_price": 10, "condition": "used"}),
            &["text"],
        ),
        &ctx,
    )
    .await
    .unwrap();
    assert_eq!(
        node_harness::last_values(result)["text"],
        "[1] Kettle\n    Price: $20.00 (was $25.00)\n    Source: Shop\n    Rating: 4.5\n"
    );

    let requests = seen(&replay);
    assert_eq!(requests.len(), 4);
    assert!(requests.iter().all(|r| r.uri.starts_with("/search.json?")));
    let google = query_of(&requests[0].uri);
    for (k, v) in [
        ("engine", "google_light"),
        ("q", "rust lang"),
        ("num", "5"),
        ("gl", "us"),
        ("hl", "en"),
        ("api_key", "serp-test-key"),
    ] {
        assert_eq!(
            google.get(k).map(String::as_str),
            Some(v),
            "{k} in {}",
            requests[0].uri
        );
    }
    let youtube = query_of(&requests[1].uri);
    assert_eq!(youtube["engine"], "youtube");
    assert_eq!(youtube["search_query"], "multi-agent frameworks");
    let shopping = query_of(&requests[3].uri);
    assert_eq!(shopping["tbs"], "mr:1,price:1,ppr_min:10,p_cond:used");
}

#[tokio::test]
async fn required_fields_and_missing_keys_fail_with_nodetools_messages() {
    let (base, _replay) = serve(Vec::new()).await;
    let ctx = context(&base);
    let run = |node_type: &str, data: Value| {
        let graph = json!({"nodes": [{"id": "s", "type": node_type, "data": data}], "edges": []});
        let ctx = &ctx;
        async move { node_harness::run_graph(graph, ctx).await.unwrap_err() }
    };
    assert!(run("search.google.GoogleSearch", json!({}))
        .await
        .contains("Keyword is required"));
    assert!(run(
        "search.google_extra.GoogleFlights",
        json!({"departure_id": "JFK", "arrival_id": "LHR", "outbound_date": "2027-01-02"})
    )
    .await
    .contains("Return date is required for round trip flights"));
    assert!(run("search.yelp.YelpSearch", json!({"query": "ramen"}))
        .await
        .contains("Location is required for Yelp search"));
    let no_key = node_harness::ctx_with_settings(&[]);
    let graph = json!({"nodes": [{"id": "s", "type": "search.bing.BingSearch", "data": {"query": "x"}}], "edges": []});
    let error = node_harness::run_graph(graph, &no_key).await.unwrap_err();
    assert!(error.contains("SERPAPI_API_KEY"), "{error}");
}
