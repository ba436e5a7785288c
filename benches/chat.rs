//! Streamed tokens per second: the raw HTTP stream (bytes read, nothing parsed), the OpenAI
//! provider (SSE decoded, chunks parsed), and the whole node path (`LLMStreaming` → `Collect`
//! → output in the dynamic runner, every token also posted as a chunk message). The server is
//! an in-process axum app on 127.0.0.1 that sends N OpenAI `chat.completion.chunk` events as
//! fast as it can, so the numbers are the client side's cost per token.
//!
//! `cargo bench --bench chat` (optionally `-- TOKENS`, default 20000).
//!
//! Also a baseline that reads the whole body and parses each event with `serde_json`: the
//! least any client must do per token.

use axum::Router;
use nodetool::chat::{
    CancellationToken, ChatProvider, ChatRequest, Chunk, Message, OpenAiProvider,
};
use nodetool::prelude::*;
use serde_json::{json, Map};
use std::time::{Duration, Instant};

/// The SSE body of `tokens` content chunks, then `stop` and `[DONE]`.
fn body(tokens: usize) -> String {
    let mut body = String::with_capacity(tokens * 200);
    for i in 0..tokens {
        let chunk = json!({"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 0,
            "model": "bench", "choices": [{"index": 0, "delta": {"content": format!(" w{i}")},
            "finish_reason": null}]});
        body.push_str(&format!("data: {chunk}\n\n"));
    }
    let end = json!({"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 0,
        "model": "bench", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]});
    body.push_str(&format!("data: {end}\n\ndata: [DONE]\n\n"));
    body
}

async fn server(tokens: usize) -> String {
    let body = body(tokens);
    let app = Router::new().fallback(move || {
        let body = body.clone();
        async move { ([("content-type", "text/event-stream")], body) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/v1")
}

/// The best of `runs` timings of `f`.
async fn best<F, Fut>(runs: usize, mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let mut best = Duration::MAX;
    for _ in 0..runs {
        let start = Instant::now();
        let n = f().await;
        assert!(n > 0);
        best = best.min(start.elapsed());
    }
    best
}

fn main() {
    let tokens: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        nodetool_std_nodes::link();
        let base = server(tokens).await;
        std::env::set_var("LLAMA_CPP_URL", &base);
        let client = reqwest::Client::new();
        let raw = best(5, || async {
            let mut response = client
                .post(format!("{base}/chat/completions"))
                .body("{}")
                .send()
                .await
                .expect("send");
            let mut bytes = 0;
            while let Some(chunk) = response.chunk().await.expect("chunk") {
                bytes += chunk.len();
            }
            bytes
        })
        .await;
        let raw_json = best(5, || async {
            let text = client
                .post(format!("{base}/chat/completions"))
                .body("{}")
                .send()
                .await
                .expect("send")
                .text()
                .await
                .expect("body");
            text.split("\n\n")
                .filter_map(|event| event.strip_prefix("data: "))
                .filter(|data| *data != "[DONE]")
                .filter(|data| serde_json::from_str::<serde_json::Value>(data).is_ok())
                .count()
        })
        .await;
        let provider = OpenAiProvider::new(None).with_base_url(&base);
        let request = ChatRequest::new("bench", vec![Message::user("go")]);
        let parsed = best(5, || async {
            let mut stream = provider
                .generate_messages(&request, &CancellationToken::new())
                .await
                .expect("stream");
            let mut n = 0;
            while let Some(chunk) = stream.next().await {
                if let Chunk::Text(_) = chunk.expect("chunk") {
                    n += 1;
                }
            }
            assert_eq!(n, tokens);
            n
        })
        .await;
        let graph = Graph::from_json_str(
            &json!({"nodes": [
                {"id": "llm", "type": "nodetool.llms.LLMStreaming", "data": {"prompt": "go",
                 "model": {"type": "language_model", "provider": "llama_cpp", "id": "bench", "name": "b"}}},
                {"id": "c", "type": "nodetool.control.Collect", "data": {}},
                {"id": "o", "type": "nodetool.output.Output", "data": {"name": "tokens"}}],
              "edges": [
                {"source": "llm", "sourceHandle": "text", "target": "c", "targetHandle": "input_item"},
                {"source": "c", "sourceHandle": "output", "target": "o", "targetHandle": "value"}]})
            .to_string(),
        )
        .expect("graph");
        let runner = WorkflowRunner::from_graph(&graph).expect("runner");
        let node_path = best(5, || async {
            let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
            let drain = tokio::spawn(async move {
                let mut n = 0usize;
                while rx.recv().await.is_some() {
                    n += 1;
                }
                n
            });
            let ctx = ProcessingContext::builder().messages(tx).build();
            let result = runner.run(&ctx, Map::new()).await.expect("run");
            drop(ctx);
            let messages = drain.await.expect("drain");
            let collected = result.values("tokens").last().and_then(|v| v.as_array().map(Vec::len));
            assert_eq!(collected, Some(tokens));
            messages
        })
        .await;
        // The same stream through this server's OpenAI-compatible /v1 (the provider pointed at
        // the proxy parses what the proxy sends).
        let proxy_base = proxy(&base).await;
        let through = OpenAiProvider::new(None).with_base_url(format!("{proxy_base}/v1"));
        let proxied_request = ChatRequest {
            model: "openai:bench".into(),
            ..request.clone()
        };
        let proxied = best(5, || async {
            let mut stream = through
                .generate_messages(&proxied_request, &CancellationToken::new())
                .await
                .expect("stream");
            let mut n = 0;
            while let Some(chunk) = stream.next().await {
                if let Chunk::Text(_) = chunk.expect("chunk") {
                    n += 1;
                }
            }
            assert_eq!(n, tokens);
            n
        })
        .await;
        // Time to first chunk of a one-token reply, direct and through the proxy (medians).
        let one = server(1).await;
        let one_proxy = proxy(&one).await;
        let first_chunk = |base: String, model: &'static str| async move {
            let provider = OpenAiProvider::new(None).with_base_url(base);
            let request = ChatRequest::new(model, vec![Message::user("go")]);
            let mut times = Vec::new();
            for _ in 0..200 {
                let start = Instant::now();
                let mut stream = provider
                    .generate_messages(&request, &CancellationToken::new())
                    .await
                    .expect("stream");
                stream.next().await.expect("a chunk").expect("no error");
                times.push(start.elapsed());
                while stream.next().await.is_some() {}
            }
            times.sort();
            times[times.len() / 2]
        };
        let ttfb_direct = first_chunk(one.clone(), "bench").await;
        let ttfb_proxy = first_chunk(format!("{one_proxy}/v1"), "openai:bench").await;
        let rate = |d: Duration| tokens as f64 / d.as_secs_f64();
        println!("{tokens} tokens, best of 5:");
        println!("| path | time | tokens/s | vs raw |");
        println!("|---|---|---|---|");
        for (what, d) in [
            ("raw HTTP stream (bytes only)", raw),
            ("raw body, each event parsed with serde_json", raw_json),
            ("OpenAiProvider stream (SSE + JSON parsed)", parsed),
            ("LLMStreaming → Collect → Output (runner, chunk messages)", node_path),
            ("OpenAiProvider through /v1/chat/completions (this server as a proxy)", proxied),
        ] {
            println!(
                "| {what} | {:.1} ms | {:.0} | {:.2}× |",
                d.as_secs_f64() * 1e3,
                rate(d),
                d.as_secs_f64() / raw.as_secs_f64()
            );
        }
        println!(
            "proxy overhead: {:.2} µs per streamed token; time to first chunk {:.0} µs direct, \
             {:.0} µs through /v1 (+{:.0} µs), medians of 200",
            (proxied.as_secs_f64() - parsed.as_secs_f64()) / tokens as f64 * 1e6,
            ttfb_direct.as_secs_f64() * 1e6,
            ttfb_proxy.as_secs_f64() * 1e6,
            (ttfb_proxy.as_secs_f64() - ttfb_direct.as_secs_f64()) * 1e6,
        );
    });
}

/// This server's API in front of the OpenAI-compatible server at `upstream` (as `openai`).
async fn proxy(upstream: &str) -> String {
    let dir = std::env::temp_dir().join(format!("nodetool-chat-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let db = nodetool::models::Database::sqlite(&dir.join(format!("{}.sqlite3", upstream.len())))
        .await
        .expect("SQLite");
    let env = nodetool::config::Environment::builder()
        .process_env([("OPENAI_BASE_URL", upstream)])
        .dotenv_dir(None)
        .settings_file(None)
        .secrets_file(None)
        .build()
        .expect("settings");
    let state = nodetool::api::AppState::new(db, nodetool::api::Auth::Local, None)
        .with_environment(std::sync::Arc::new(env));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(nodetool::api::serve(
        listener,
        state,
        std::future::pending(),
    ));
    format!("http://{addr}")
}
