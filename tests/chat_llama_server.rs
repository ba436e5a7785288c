//! End to end: the OpenAI-compatible provider and the LLM nodes against a real local model
//! server (llama-cpp-python with a tiny GGUF model made by scripts/llm_peer/). Runs when
//! `NODETOOL_TEST_LLAMA_URL` names the server (`.ci/run` starts one); skipped otherwise.

use nodetool::chat::*;
use nodetool::prelude::*;
use serde_json::json;

mod node_harness;

/// The server's base URL (`…/v1`), or `None` with a note on stderr.
fn server() -> Option<String> {
    match std::env::var("NODETOOL_TEST_LLAMA_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!(
                "skipped: NODETOOL_TEST_LLAMA_URL is not set (start a server with \
                 scripts/llm_peer/install.sh && scripts/llm_peer/start_server.sh)"
            );
            None
        }
    }
}

fn provider(base: &str) -> OpenAiProvider {
    OpenAiProvider::new(None).with_base_url(base)
}

fn request(prompt: &str) -> ChatRequest {
    ChatRequest {
        max_tokens: Some(12),
        temperature: Some(0.0),
        ..ChatRequest::new(
            "tiny-llama",
            vec![Message::system("Be brief."), Message::user(prompt)],
        )
    }
}

#[tokio::test]
async fn models_replies_and_streams_from_a_real_server() {
    let Some(base) = server() else { return };
    let p = provider(&base);
    let cancel = CancellationToken::new();
    let models = p.list_models(&cancel).await.unwrap();
    assert!(models.iter().any(|m| m.id == "tiny-llama"), "{models:?}");

    let reply = p
        .generate_message(&request("Hello"), &cancel)
        .await
        .unwrap();
    assert!(!reply.text.is_empty(), "{reply:?}");
    let usage = reply.usage.expect("the server reports usage");
    assert!(usage.input_tokens > 0 && usage.output_tokens > 0 && usage.output_tokens <= 12);

    let mut stream = p
        .generate_messages(&request("Hello"), &cancel)
        .await
        .unwrap();
    let (mut pieces, mut finish) = (Vec::new(), None);
    while let Some(chunk) = stream.next().await {
        match chunk.unwrap() {
            Chunk::Text(t) => pieces.push(t),
            Chunk::Finish(f) => finish = Some(f),
            _ => {}
        }
    }
    assert!(pieces.len() > 1, "tokens arrive one by one: {pieces:?}");
    assert!(
        matches!(finish.as_deref(), Some("length" | "stop")),
        "{finish:?}"
    );
    // temperature 0: the streamed text is the whole reply's text.
    assert_eq!(pieces.concat(), reply.text);
}

#[tokio::test]
async fn a_forced_tool_call_comes_back_complete() {
    let Some(base) = server() else { return };
    let mut req = request("Is it on?");
    req.max_tokens = Some(60);
    req.tools = vec![Tool {
        name: "switch".into(),
        description: "Turn the light on or off".into(),
        parameters: json!({"type": "object", "required": ["state"],
            "properties": {"state": {"type": "string", "enum": ["on", "off"]}}}),
    }];
    req.force_tool = Some("switch".into());
    let cancel = CancellationToken::new();
    let p = provider(&base);
    for streamed in [false, true] {
        let reply = if streamed {
            p.generate_messages(&req, &cancel)
                .await
                .unwrap()
                .collect()
                .await
                .unwrap()
        } else {
            p.generate_message(&req, &cancel).await.unwrap()
        };
        let call = reply
            .tool_calls
            .first()
            .unwrap_or_else(|| panic!("no tool call: {reply:?}"));
        assert_eq!(call.name, "switch");
        let state = call.arguments["state"].as_str().unwrap_or_default();
        assert!(state == "on" || state == "off", "{call:?}");
    }
}

#[tokio::test]
async fn the_llm_node_streams_from_a_real_server() {
    let Some(base) = server() else { return };
    std::env::set_var("LLAMA_CPP_URL", &base);
    let model = json!({"type": "language_model", "provider": "llama_cpp", "id": "tiny-llama", "name": "Tiny"});
    let graph = json!({
        "nodes": [
            {"id": "llm", "type": "nodetool.llms.LLMStreaming", "data": {"model": model, "prompt": "Hi", "max_tokens": 8}},
            {"id": "c", "type": "nodetool.control.Collect", "data": {}},
            {"id": "o", "type": "nodetool.output.Output", "data": {"name": "tokens"}}
        ],
        "edges": [
            {"source": "llm", "sourceHandle": "text", "target": "c", "targetHandle": "input_item"},
            {"source": "c", "sourceHandle": "output", "target": "o", "targetHandle": "value"}
        ]
    });
    let result = node_harness::run_graph(graph, &ProcessingContext::default())
        .await
        .unwrap();
    let tokens = result.values("tokens").last().cloned().unwrap();
    let tokens = tokens.as_array().unwrap();
    assert!(!tokens.is_empty() && tokens.len() <= 8, "{tokens:?}");
}

#[tokio::test]
async fn a_single_subtask_agent_runs_end_to_end_on_a_real_server() {
    use nodetool::agents::{Agent, AgentLimits};
    use nodetool::workflows::messages::{ProcessingMessage, TaskUpdateEvent};
    let Some(base) = server() else { return };
    let (tx, mut rx) = tokio::sync::mpsc::channel(10_000);
    let ctx = ProcessingContext::builder().messages(tx).build();
    let result = Agent::new(
        "Say hello in three words.",
        std::sync::Arc::new(provider(&base)),
        "tiny-llama",
    )
    .without_planning()
    .limits(AgentLimits {
        max_reply_tokens: Some(12),
        max_iterations: 3,
        ..AgentLimits::default()
    })
    .run(&ctx)
    .await;
    drop(ctx);
    let mut events = Vec::new();
    while let Some(m) = rx.recv().await {
        events.push(m);
    }
    // The tiny model's words are random: assert the structure, not the wording. Its reply is
    // text (it calls no tools), which finishes an unstructured subtask.
    let text = result.expect("the agent finishes");
    assert!(text.as_str().is_some_and(|t| !t.is_empty()), "{text}");
    let updates: Vec<TaskUpdateEvent> = events
        .iter()
        .filter_map(|m| match m {
            ProcessingMessage::TaskUpdate(u) => Some(u.event),
            _ => None,
        })
        .collect();
    assert_eq!(
        updates,
        [
            TaskUpdateEvent::TaskCreated,
            TaskUpdateEvent::SubtaskStarted,
            TaskUpdateEvent::SubtaskCompleted,
            TaskUpdateEvent::TaskCompleted
        ]
    );
    assert!(events
        .iter()
        .any(|m| matches!(m, ProcessingMessage::Chunk(_))));
    assert!(events.iter().any(|m| matches!(m,
        ProcessingMessage::SubtaskResult(r) if r.is_task_result && r.result == text)));
}
