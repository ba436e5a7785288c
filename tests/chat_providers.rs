//! Each chat provider against recorded wire-format answers (tests/fixtures/chat/), served by a
//! real HTTP server on 127.0.0.1: the requests it sends, the replies and streams it parses,
//! tool calls, errors, retries, truncated streams and cancellation.

use axum::http::Method;
use nodetool::chat::*;
use serde_json::{json, Value};
use std::time::Duration;

mod replay_server;
use replay_server::{ok, seen, serve, status, Canned};

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(20),
    }
}

fn weather_request(model: &str) -> ChatRequest {
    let mut request = ChatRequest::new(
        model,
        vec![
            Message::system("You are terse."),
            Message::user("Weather in Paris?"),
        ],
    );
    request.tools = vec![Tool {
        name: "get_weather".into(),
        description: "Current weather".into(),
        parameters: json!({"type": "object", "required": ["city", "unit"], "properties": {
            "city": {"type": "string"}, "unit": {"type": "string"}}}),
    }];
    request.max_tokens = Some(64);
    request
}

/// Every chunk of a stream, or the error it ended with.
async fn drain(mut stream: ChunkStream) -> (Vec<Chunk>, Option<ChatError>) {
    let mut chunks = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(c) => chunks.push(c),
            Err(e) => return (chunks, Some(e)),
        }
    }
    (chunks, None)
}

fn text_of(chunks: &[Chunk]) -> String {
    chunks
        .iter()
        .filter_map(|c| match c {
            Chunk::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

fn calls_of(chunks: &[Chunk]) -> Vec<ToolCall> {
    chunks
        .iter()
        .filter_map(|c| match c {
            Chunk::ToolCall(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

fn cancel() -> CancellationToken {
    CancellationToken::new()
}

// ---------------------------------------------------------------------------------- OpenAI

fn openai(base: &str) -> OpenAiProvider {
    OpenAiProvider::new(Some("sk-test-key".into()))
        .with_base_url(format!("{base}/v1"))
        .with_retry(fast_retry())
}

#[tokio::test]
async fn openai_streams_text_and_usage() {
    let (base, replay) = serve(vec![ok("openai_stream_text.sse")]).await;
    let request = ChatRequest::new("gpt-4o-mini", vec![Message::user("Hi")]);
    let stream = openai(&base)
        .generate_messages(&request, &cancel())
        .await
        .unwrap();
    let (chunks, error) = drain(stream).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(text_of(&chunks), "Hello from Zürich!");
    assert!(chunks.contains(&Chunk::Finish("stop".into())));
    assert!(chunks.contains(&Chunk::Usage(Usage {
        input_tokens: 19,
        output_tokens: 4
    })));
    let seen = seen(&replay);
    assert_eq!(seen[0].method, Method::POST);
    assert_eq!(seen[0].uri, "/v1/chat/completions");
    assert_eq!(seen[0].headers["authorization"], "Bearer sk-test-key");
    assert_eq!(seen[0].body["stream"], true);
    assert_eq!(seen[0].body["stream_options"]["include_usage"], true);
    assert_eq!(
        seen[0].body["messages"],
        json!([{"role": "user", "content": "Hi"}])
    );
}

#[tokio::test]
async fn openai_assembles_streamed_tool_calls() {
    let (base, replay) = serve(vec![ok("openai_stream_tools.sse")]).await;
    let stream = openai(&base)
        .generate_messages(&weather_request("gpt-4o-mini"), &cancel())
        .await
        .unwrap();
    let (chunks, error) = drain(stream).await;
    assert!(error.is_none(), "{error:?}");
    let calls = calls_of(&chunks);
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].id, "call_DdmO9pD3xa9XTPNJ32zg2hcA");
    assert_eq!(calls[0].name, "get_weather");
    assert_eq!(
        calls[0].arguments,
        json!({"city": "Paris", "unit": "celsius"})
    );
    assert_eq!(calls[1].arguments, json!({"tz": "Europe/Paris"}));
    assert!(chunks.contains(&Chunk::Finish("tool_calls".into())));
    let body = &seen(&replay)[0].body;
    assert_eq!(body["tools"][0]["type"], "function");
    assert_eq!(body["tools"][0]["function"]["name"], "get_weather");
    assert_eq!(
        body["tools"][0]["function"]["parameters"]["properties"]["city"]["type"],
        "string"
    );
    assert_eq!(body["messages"][0]["role"], "system");
    assert_eq!(body["max_tokens"], 64);
    assert!(body.get("tool_choice").is_none());
}

#[tokio::test]
async fn openai_whole_replies_with_text_and_tool_calls() {
    let (base, _) = serve(vec![
        ok("openai_reply_text.json"),
        ok("openai_reply_tools.json"),
    ])
    .await;
    let provider = openai(&base);
    let request = ChatRequest::new("gpt-4o-mini", vec![Message::user("Hi")]);
    let reply = provider
        .generate_message(&request, &cancel())
        .await
        .unwrap();
    assert_eq!(reply.text, "Hello from Zürich!");
    assert_eq!(
        reply.usage,
        Some(Usage {
            input_tokens: 19,
            output_tokens: 4
        })
    );
    let reply = provider
        .generate_message(&request, &cancel())
        .await
        .unwrap();
    assert_eq!(
        reply.tool_calls[0].arguments,
        json!({"city": "Paris", "unit": "celsius"})
    );
    assert_eq!(reply.finish_reason.as_deref(), Some("tool_calls"));
}

#[tokio::test]
async fn openai_errors_are_typed_and_rate_limits_retried() {
    let mut limited = status(429, "openai_error_429.json");
    // A huge Retry-After is capped by the retry policy (and must not panic).
    limited.headers.push(("retry-after", "1e20"));
    let (base, replay) = serve(vec![
        status(401, "openai_error_401.json"),
        status(429, "openai_error_429.json"),
        ok("openai_reply_text.json"),
        status(400, "openai_error_context.json"),
        limited,
        status(429, "openai_error_429.json"),
        status(429, "openai_error_429.json"),
    ])
    .await;
    let provider = openai(&base);
    let request = ChatRequest::new("gpt-4o-mini", vec![Message::user("Hi")]);
    let e = provider
        .generate_message(&request, &cancel())
        .await
        .unwrap_err();
    assert!(matches!(e, ChatError::Auth { .. }), "{e:?}");
    assert!(!e.to_string().contains("sk-test-key"));
    // A 429 followed by success: retried transparently.
    let reply = provider
        .generate_message(&request, &cancel())
        .await
        .unwrap();
    assert_eq!(reply.text, "Hello from Zürich!");
    let e = provider
        .generate_message(&request, &cancel())
        .await
        .unwrap_err();
    assert!(matches!(e, ChatError::ContextLength { .. }), "{e:?}");
    let e = provider
        .generate_message(&request, &cancel())
        .await
        .unwrap_err();
    assert!(matches!(e, ChatError::RateLimited { .. }), "{e:?}");
    assert!(e.to_string().contains("Rate limit reached"), "{e}");
    assert_eq!(seen(&replay).len(), 7);
}

#[tokio::test]
async fn openai_truncated_stream_is_an_error() {
    let (base, _) = serve(vec![ok("openai_stream_truncated.sse")]).await;
    let stream = openai(&base)
        .generate_messages(&weather_request("m"), &cancel())
        .await
        .unwrap();
    let (_, error) = drain(stream).await;
    let e = error.expect("a truncated stream must fail");
    assert!(
        matches!(e, ChatError::Malformed { .. }) && e.to_string().contains("truncated"),
        "{e}"
    );
}

#[tokio::test]
async fn openai_models_and_cancellation() {
    let (base, replay) = serve(vec![ok("openai_models.json")]).await;
    let models = openai(&base).list_models(&cancel()).await.unwrap();
    assert_eq!(seen(&replay)[0].method, Method::GET);
    assert_eq!(seen(&replay)[0].uri, "/v1/models");
    assert_eq!(models[0].id, "gpt-4o-mini");
    assert_eq!(models.len(), 2);
    let token = cancel();
    token.cancel();
    let request = ChatRequest::new("m", vec![Message::user("Hi")]);
    let e = openai(&base)
        .generate_message(&request, &token)
        .await
        .unwrap_err();
    assert!(matches!(e, ChatError::Cancelled));
}

#[tokio::test]
async fn openai_garbage_and_unreachable_servers() {
    let (base, _) = serve(vec![Canned {
        status: 200,
        content_type: "text/event-stream",
        body: "data: {not json}\n\n".into(),
        headers: Vec::new(),
    }])
    .await;
    let stream = openai(&base)
        .generate_messages(&ChatRequest::new("m", vec![Message::user("Hi")]), &cancel())
        .await
        .unwrap();
    let e = drain(stream).await.1.unwrap();
    assert!(e.to_string().contains("a stream event is not JSON"), "{e}");
    let closed = OpenAiProvider::new(None)
        .with_base_url("http://127.0.0.1:9/v1")
        .with_retry(fast_retry());
    let e = closed
        .generate_message(&ChatRequest::new("m", vec![Message::user("Hi")]), &cancel())
        .await
        .unwrap_err();
    assert!(matches!(e, ChatError::Network { .. }), "{e:?}");
}

// ------------------------------------------------------------------------------- Anthropic

fn anthropic(base: &str) -> AnthropicProvider {
    AnthropicProvider::new("sk-ant-test".into())
        .with_base_url(base)
        .with_retry(fast_retry())
}

#[tokio::test]
async fn anthropic_streams_text_and_tool_use() {
    let (base, replay) = serve(vec![
        ok("anthropic_stream_text.sse"),
        ok("anthropic_stream_tools.sse"),
    ])
    .await;
    let provider = anthropic(&base);
    let request = weather_request("claude-3-5-haiku-latest");
    let (chunks, error) = drain(
        provider
            .generate_messages(&request, &cancel())
            .await
            .unwrap(),
    )
    .await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(text_of(&chunks), "Hello from Zürich!");
    assert!(chunks.contains(&Chunk::Finish("end_turn".into())));
    assert!(chunks.contains(&Chunk::Usage(Usage {
        input_tokens: 25,
        output_tokens: 12
    })));
    let (chunks, error) = drain(
        provider
            .generate_messages(&request, &cancel())
            .await
            .unwrap(),
    )
    .await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(text_of(&chunks), "Let me check.");
    let calls = calls_of(&chunks);
    assert_eq!(calls[0].id, "toolu_01T1x1fJ34qAmk2tNTrN7Up6");
    assert_eq!(
        calls[0].arguments,
        json!({"city": "Paris", "unit": "celsius"})
    );
    let seen = seen(&replay);
    assert_eq!(seen[0].uri, "/v1/messages");
    assert_eq!(seen[0].headers["x-api-key"], "sk-ant-test");
    assert_eq!(seen[0].headers["anthropic-version"], "2023-06-01");
    assert_eq!(seen[0].body["system"], "You are terse.");
    assert_eq!(seen[0].body["messages"][0]["role"], "user");
    assert_eq!(
        seen[0].body["tools"][0]["input_schema"]["properties"]["city"]["type"],
        "string"
    );
    assert_eq!(seen[0].body["stream"], true);
}

#[tokio::test]
async fn anthropic_tool_results_and_structured_output() {
    let (base, replay) = serve(vec![
        ok("anthropic_reply_tools.json"),
        ok("anthropic_reply_structured.json"),
    ])
    .await;
    let provider = anthropic(&base);
    let mut request = weather_request("claude-3-5-haiku-latest");
    request.force_tool = Some("get_weather".into());
    let reply = provider
        .generate_message(&request, &cancel())
        .await
        .unwrap();
    assert_eq!(reply.text, "Let me check.");
    let call = reply.tool_calls[0].clone();
    request.messages.push(Message {
        tool_calls: vec![call.clone()],
        ..Message::assistant(reply.text.clone())
    });
    request
        .messages
        .push(Message::tool_result(&call, &json!({"temp": 21})));
    request.json_schema =
        Some(json!({"type": "object", "properties": {"name": {"type": "string"}}}));
    let reply = provider
        .generate_message(&request, &cancel())
        .await
        .unwrap();
    let parsed: Value = serde_json::from_str(&reply.text).unwrap();
    assert_eq!(parsed, json!({"name": "Ada", "languages": ["en", "fr"]}));
    assert_eq!(
        seen(&replay)[0].body["tool_choice"],
        json!({"type": "tool", "name": "get_weather"})
    );
    let body = &seen(&replay)[1].body;
    assert_eq!(body["messages"][1]["content"][1]["type"], "tool_use");
    assert_eq!(body["messages"][2]["content"][0]["type"], "tool_result");
    assert_eq!(
        body["messages"][2]["content"][0]["tool_use_id"],
        "toolu_01T1x1fJ34qAmk2tNTrN7Up6"
    );
    assert_eq!(
        body["tool_choice"],
        json!({"type": "tool", "name": "json_output"})
    );
}

#[tokio::test]
async fn anthropic_errors_overload_and_truncation() {
    let (base, _) = serve(vec![
        status(401, "anthropic_error_401.json"),
        status(400, "anthropic_error_context.json"),
        ok("anthropic_stream_overloaded.sse"),
        ok("anthropic_stream_truncated.sse"),
        ok("anthropic_models.json"),
    ])
    .await;
    let provider = anthropic(&base);
    let request = ChatRequest::new("claude", vec![Message::user("Hi")]);
    let e = provider
        .generate_message(&request, &cancel())
        .await
        .unwrap_err();
    assert!(
        matches!(e, ChatError::Auth { .. }) && e.to_string().contains("invalid x-api-key"),
        "{e}"
    );
    let e = provider
        .generate_message(&request, &cancel())
        .await
        .unwrap_err();
    assert!(matches!(e, ChatError::ContextLength { .. }), "{e:?}");
    let e = drain(
        provider
            .generate_messages(&request, &cancel())
            .await
            .unwrap(),
    )
    .await
    .1
    .unwrap();
    assert!(
        matches!(e, ChatError::Api { status: 529, .. }) && e.is_transient(),
        "{e:?}"
    );
    let (chunks, e) = drain(
        provider
            .generate_messages(&request, &cancel())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        text_of(&chunks),
        "Hello from Zürich!",
        "text before the break still arrives"
    );
    assert!(e.unwrap().to_string().contains("message_stop"));
    let models = provider.list_models(&cancel()).await.unwrap();
    assert_eq!(models[0].name, "Claude Haiku 3.5");
}

// ---------------------------------------------------------------------------------- Gemini

fn gemini(base: &str) -> GeminiProvider {
    GeminiProvider::new("AIza-test".into())
        .with_base_url(format!("{base}/v1beta"))
        .with_retry(fast_retry())
}

#[tokio::test]
async fn gemini_streams_and_calls_functions() {
    let (base, replay) = serve(vec![
        ok("gemini_stream_text.sse"),
        ok("gemini_reply_tools.json"),
        ok("gemini_reply_tools.json"),
    ])
    .await;
    let provider = gemini(&base);
    let mut request = weather_request("gemini-2.0-flash");
    request.force_tool = Some("get_weather".into());
    request.messages[1] =
        Message::user("Weather?").with_image("data:image/png;base64,iVBORw0KGgo=");
    let (chunks, error) = drain(
        provider
            .generate_messages(&request, &cancel())
            .await
            .unwrap(),
    )
    .await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(text_of(&chunks), "Hello from Zürich!");
    assert!(chunks.contains(&Chunk::Usage(Usage {
        input_tokens: 8,
        output_tokens: 6
    })));
    let reply = provider
        .generate_message(&request, &cancel())
        .await
        .unwrap();
    // Gemini's thoughtSignature travels with the call and goes back with it.
    let call = reply.tool_calls[0].clone();
    assert!(call
        .signature
        .as_deref()
        .is_some_and(|s| s.starts_with("CiQB")));
    let mut follow_up = request.clone();
    follow_up.messages.push(Message {
        tool_calls: vec![call.clone()],
        ..Message::assistant("")
    });
    follow_up
        .messages
        .push(Message::tool_result(&call, &json!({"temp": 21})));
    let _ = provider.generate_message(&follow_up, &cancel()).await;
    let sent = seen(&replay).last().unwrap().body["contents"].clone();
    assert_eq!(
        sent[1]["parts"][0]["thoughtSignature"],
        json!(call.signature)
    );
    assert_eq!(
        sent[2]["parts"][0]["functionResponse"]["response"],
        json!({"temp": 21})
    );
    assert_eq!(reply.tool_calls[0].name, "get_weather");
    assert_eq!(
        reply.tool_calls[0].arguments,
        json!({"city": "Paris", "unit": "celsius"})
    );
    let seen = seen(&replay);
    assert_eq!(
        seen[0].uri,
        "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse"
    );
    assert_eq!(
        seen[1].uri,
        "/v1beta/models/gemini-2.0-flash:generateContent"
    );
    assert_eq!(seen[0].headers["x-goog-api-key"], "AIza-test");
    let body = &seen[0].body;
    assert_eq!(
        body["systemInstruction"]["parts"][0]["text"],
        "You are terse."
    );
    assert_eq!(
        body["contents"][0]["parts"][1]["inlineData"]["mimeType"],
        "image/png"
    );
    assert_eq!(
        body["tools"][0]["functionDeclarations"][0]["name"],
        "get_weather"
    );
    assert_eq!(body["generationConfig"]["maxOutputTokens"], 64);
    assert_eq!(
        body["toolConfig"]["functionCallingConfig"]["allowedFunctionNames"],
        json!(["get_weather"])
    );
}

#[tokio::test]
async fn gemini_errors_and_truncation() {
    let (base, _) = serve(vec![
        status(400, "gemini_error_key.json"),
        status(429, "gemini_error_429.json"),
        status(429, "gemini_error_429.json"),
        status(429, "gemini_error_429.json"),
        ok("gemini_stream_truncated.sse"),
        ok("gemini_models.json"),
    ])
    .await;
    let provider = gemini(&base);
    let request = ChatRequest::new("gemini-2.0-flash", vec![Message::user("Hi")]);
    let e = provider
        .generate_message(&request, &cancel())
        .await
        .unwrap_err();
    assert!(matches!(e, ChatError::Auth { .. }), "{e:?}");
    let e = provider
        .generate_message(&request, &cancel())
        .await
        .unwrap_err();
    assert!(matches!(e, ChatError::RateLimited { .. }), "{e:?}");
    let e = drain(
        provider
            .generate_messages(&request, &cancel())
            .await
            .unwrap(),
    )
    .await
    .1
    .unwrap();
    assert!(e.to_string().contains("truncated"), "{e}");
    assert_eq!(
        provider.list_models(&cancel()).await.unwrap()[0].id,
        "gemini-2.0-flash"
    );
    let remote = Message::user("x").with_image("https://example.com/a.png");
    let e = provider
        .generate_message(&ChatRequest::new("g", vec![remote]), &cancel())
        .await
        .unwrap_err();
    assert!(
        matches!(e, ChatError::Config { .. }) && e.to_string().contains("inline"),
        "{e}"
    );
}

// ---------------------------------------------------------------------------------- Ollama

fn ollama(base: &str) -> OllamaProvider {
    OllamaProvider::new()
        .with_base_url(base)
        .with_retry(fast_retry())
}

#[tokio::test]
async fn ollama_streams_ndjson_and_tool_calls() {
    let (base, replay) = serve(vec![
        ok("ollama_stream_text.ndjson"),
        ok("ollama_stream_tools.ndjson"),
        ok("ollama_reply_text.json"),
    ])
    .await;
    let provider = ollama(&base);
    let request = weather_request("llama3.2");
    let (chunks, error) = drain(
        provider
            .generate_messages(&request, &cancel())
            .await
            .unwrap(),
    )
    .await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(text_of(&chunks), "Hello from Zürich!");
    assert!(chunks.contains(&Chunk::Usage(Usage {
        input_tokens: 26,
        output_tokens: 6
    })));
    let (chunks, _) = drain(
        provider
            .generate_messages(&request, &cancel())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        calls_of(&chunks)[0].arguments,
        json!({"city": "Paris", "unit": "celsius"})
    );
    let reply = provider
        .generate_message(&request, &cancel())
        .await
        .unwrap();
    assert_eq!(reply.text, "Hello from Zürich!");
    let seen = seen(&replay);
    assert_eq!(seen[0].uri, "/api/chat");
    assert_eq!(seen[0].body["stream"], true);
    assert_eq!(seen[2].body["stream"], false);
    assert_eq!(seen[0].body["options"]["num_predict"], 64);
    assert_eq!(seen[0].body["tools"][0]["function"]["name"], "get_weather");
}

#[tokio::test]
async fn ollama_errors() {
    let (base, _) = serve(vec![
        status(404, "ollama_error_404.json"),
        ok("ollama_stream_error.ndjson"),
        ok("ollama_stream_truncated.ndjson"),
        ok("ollama_models.json"),
    ])
    .await;
    let provider = ollama(&base);
    let request = ChatRequest::new("llama9", vec![Message::user("Hi")]);
    let e = provider
        .generate_message(&request, &cancel())
        .await
        .unwrap_err();
    assert!(
        matches!(e, ChatError::Api { status: 404, .. })
            && e.to_string().contains("try pulling it first"),
        "{e}"
    );
    let (chunks, e) = drain(
        provider
            .generate_messages(&request, &cancel())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(text_of(&chunks), "Hello");
    assert!(e.unwrap().to_string().contains("unexpected EOF"));
    let e = drain(
        provider
            .generate_messages(&request, &cancel())
            .await
            .unwrap(),
    )
    .await
    .1
    .unwrap();
    assert!(e.to_string().contains("truncated"), "{e}");
    assert_eq!(
        provider.list_models(&cancel()).await.unwrap()[0].id,
        "llama3.2:latest"
    );
}

#[test]
fn providers_come_from_the_environment() {
    let env = nodetool::config::Environment::builder()
        .process_env([
            ("OPENAI_API_KEY", "sk-env"),
            ("OLLAMA_API_URL", "http://10.0.0.5:11434"),
        ])
        .dotenv_dir(None)
        .settings_file(None)
        .secrets_file(None)
        .build()
        .unwrap();
    let openai = provider_from_environment("openai", &env).unwrap();
    assert_eq!(openai.name(), "openai");
    assert!(!format!("{openai:?}").contains("sk-env"));
    assert!(
        format!("{:?}", provider_from_environment("ollama", &env).unwrap()).contains("10.0.0.5")
    );
    let e = provider_from_environment("anthropic", &env).unwrap_err();
    assert!(e.to_string().contains("ANTHROPIC_API_KEY"), "{e}");
    let e = provider_from_environment("mystery", &env).unwrap_err();
    assert!(e.to_string().contains("unknown provider `mystery`"), "{e}");
}
