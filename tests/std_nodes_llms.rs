//! `nodetool.llms` nodes in graphs, against an OpenAI-compatible server on 127.0.0.1 that
//! answers in the real wire format: streamed tokens, chunk messages, a tool-call round trip
//! through a standard node, structured output and errors.
//!
//! One test function: the provider's URL comes from the process environment
//! (`LLAMA_CPP_URL`), which every scenario here shares.

use nodetool::prelude::*;
use nodetool::workflows::messages::ProcessingMessage;
use serde_json::{json, Value};

mod node_harness;
mod replay_server;
use node_harness::run_graph_with_messages;
use replay_server::{openai_reply, openai_sse_text, seen, serve, Canned};

fn model() -> Value {
    json!({"type": "language_model", "provider": "llama_cpp", "id": "tiny-llama", "name": "Tiny"})
}

/// Runs `node` (with `data`) into an Output per output in `outputs`; returns the run's
/// result and the messages it posted.
async fn run(
    node: &str,
    data: Value,
    outputs: &[&str],
    collect: bool,
) -> (
    Result<nodetool::prelude::RunResult, String>,
    Vec<ProcessingMessage>,
) {
    let mut nodes = vec![json!({"id": "llm", "type": node, "data": data})];
    let mut edges = Vec::new();
    for o in outputs {
        let target = if collect {
            nodes.push(
                json!({"id": format!("c_{o}"), "type": "nodetool.control.Collect", "data": {}}),
            );
            edges.push(json!({"source": "llm", "sourceHandle": o, "target": format!("c_{o}"), "targetHandle": "input_item"}));
            format!("c_{o}")
        } else {
            "llm".to_owned()
        };
        nodes.push(
            json!({"id": format!("o_{o}"), "type": "nodetool.output.Output", "data": {"name": o}}),
        );
        edges.push(
            json!({"source": target, "sourceHandle": if collect { "output" } else { o },
                          "target": format!("o_{o}"), "targetHandle": "value"}),
        );
    }
    run_graph_with_messages(json!({"nodes": nodes, "edges": edges})).await
}

fn last(result: &nodetool::prelude::RunResult, name: &str) -> Value {
    result.values(name).last().cloned().unwrap_or(Value::Null)
}

/// An OpenAI stream in which the model calls `tool` with `args`.
fn tool_call_stream(tool: &str, args: &str) -> Canned {
    let call = json!({"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": null, "tool_calls": [
            {"index": 0, "id": "call_1", "type": "function", "function": {"name": tool, "arguments": args}}]},
            "finish_reason": null}]});
    let end = json!({"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]});
    Canned {
        status: 200,
        content_type: "text/event-stream",
        body: format!("data: {call}\n\ndata: {end}\n\ndata: [DONE]\n\n"),
        headers: Vec::new(),
    }
}

#[tokio::test]
async fn llm_nodes_against_an_openai_compatible_server() {
    let (base, replay) = serve(vec![
        openai_sse_text(&["Hello", " from", " Zürich", "!"]),
        tool_call_stream("lib_base64_Encode", "{\"text\": \"hi\"}"),
        openai_sse_text(&["It is ", "aGk="]),
        openai_sse_text(&["one", " two"]),
        openai_reply(r#"{"data": [{"name": "Ada", "born": 1815}, {"name": "Grace"}]}"#),
        openai_reply(r#"{"category": "positive"}"#),
        openai_reply(r#"{"category": "sarcastic"}"#),
        openai_sse_text(&["Short."]),
    ])
    .await;
    std::env::set_var("LLAMA_CPP_URL", format!("{base}/v1"));

    // 1. LLM: the whole reply on `text`, every token posted as a chunk.
    let (result, messages) = run(
        "nodetool.llms.LLM",
        json!({"model": model(), "prompt": "Say hello", "messages": [
            {"type": "message", "role": "user", "content": "earlier question"},
            {"type": "message", "role": "assistant", "content": [{"type": "text", "text": "earlier answer"}]}]}),
        &["text"],
        false,
    )
    .await;
    assert_eq!(last(&result.unwrap(), "text"), json!("Hello from Zürich!"));
    let chunks: Vec<(String, bool)> = messages
        .iter()
        .filter_map(|m| match m {
            ProcessingMessage::Chunk(c) => Some((c.content.clone(), c.done)),
            _ => None,
        })
        .collect();
    assert_eq!(chunks.len(), 5, "{chunks:?}");
    assert_eq!(chunks[2], (" Zürich".to_owned(), false));
    assert!(chunks[4].1, "the last chunk is marked done");
    let request = &seen(&replay)[0].body;
    assert_eq!(request["model"], "tiny-llama");
    assert_eq!(
        request["messages"][0]["content"],
        "You are a friendly assistant."
    );
    assert_eq!(request["messages"][2]["content"], "earlier answer");
    assert_eq!(request["messages"][3]["content"], "Say hello");
    assert_eq!(request["max_tokens"], 4096);

    // 2. A tool call: the model calls lib.base64.Encode, the node runs it and asks again.
    let (result, messages) = run(
        "nodetool.llms.LLM",
        json!({"model": model(), "prompt": "Encode hi", "tools": [{"type": "tool_name", "name": "lib.base64.Encode"}]}),
        &["text"],
        false,
    )
    .await;
    assert_eq!(last(&result.unwrap(), "text"), json!("It is aGk="));
    assert!(messages.iter().any(
        |m| matches!(m, ProcessingMessage::ToolCallUpdate(u) if u.name == "lib.base64.Encode")
    ));
    let all = seen(&replay);
    assert_eq!(
        all[1].body["tools"][0]["function"]["name"],
        "lib_base64_Encode"
    );
    assert_eq!(
        all[1].body["tools"][0]["function"]["parameters"]["properties"]["text"]["type"],
        "string"
    );
    let follow_up = &all[2].body["messages"];
    assert_eq!(
        follow_up[2]["tool_calls"][0]["function"]["name"],
        "lib_base64_Encode"
    );
    assert_eq!(
        follow_up[3],
        json!({"role": "tool", "content": "aGk=", "tool_call_id": "call_1"})
    );

    // 3. LLMStreaming: tokens flow downstream one by one.
    let (result, _) = run(
        "nodetool.llms.LLMStreaming",
        json!({"model": model(), "prompt": "Count"}),
        &["text"],
        true,
    )
    .await;
    assert_eq!(last(&result.unwrap(), "text"), json!(["one", " two"]));

    // 4. Extractor: structured output becomes a table.
    let columns = json!({"type": "record_type", "columns": [
        {"name": "name", "data_type": "string", "description": "who"},
        {"name": "born", "data_type": "int", "description": "year"}]});
    let (result, _) = run(
        "nodetool.llms.Extractor",
        json!({"model": model(), "text": "Ada was born in 1815; Grace too.", "columns": columns}),
        &["output"],
        false,
    )
    .await;
    let table = last(&result.unwrap(), "output");
    assert_eq!(table["type"], "dataframe");
    assert_eq!(table["data"], json!([["Ada", 1815], ["Grace", null]]));
    let schema = &seen(&replay)[4].body["response_format"]["json_schema"]["schema"];
    assert_eq!(
        schema["properties"]["data"]["items"]["properties"]["born"]["type"],
        "integer"
    );

    // 5. Classifier: an answer from the categories, and one outside them.
    let data = json!({"model": model(), "text": "Great!", "categories": ["positive", "negative"]});
    let (result, _) = run("nodetool.llms.Classifier", data.clone(), &["output"], false).await;
    assert_eq!(last(&result.unwrap(), "output"), json!("positive"));
    let (result, _) = run("nodetool.llms.Classifier", data, &["output"], false).await;
    let e = result.unwrap_err();
    assert!(
        e.contains("`sarcastic`, which is not one of the categories"),
        "{e}"
    );

    // 6. Summarizer: max_words reaches the prompt.
    let (result, _) = run(
        "nodetool.llms.Summarizer",
        json!({"model": model(), "text": "A long text.", "max_words": 60}),
        &["output"],
        false,
    )
    .await;
    assert_eq!(last(&result.unwrap(), "output"), json!("Short."));
    let system = seen(&replay)[7].body["messages"][0]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(system.contains("approximately 60 words"), "{system}");

    // Errors: no model, too few categories, an unknown tool.
    let (result, _) = run(
        "nodetool.llms.LLM",
        json!({"prompt": "x"}),
        &["text"],
        false,
    )
    .await;
    assert!(result.unwrap_err().contains("model: select a model"));
    let (result, _) = run(
        "nodetool.llms.Classifier",
        json!({"model": model(), "categories": ["one"]}),
        &["output"],
        false,
    )
    .await;
    assert!(result.unwrap_err().contains("at least 2 categories"));
    let (result, _) = run(
        "nodetool.llms.LLM",
        json!({"model": model(), "tools": [{"type": "tool_name", "name": "lib.math.Nope"}]}),
        &["text"],
        false,
    )
    .await;
    assert!(result
        .unwrap_err()
        .contains("no node `lib.math.Nope` is exposed as a tool"));
    assert_eq!(seen(&replay).len(), 8, "error cases send no request");
}
