//! `nodetool.agents.ResearchAgent` in a graph as NodeTool's examples use it: the objective is
//! planned and run with tools by a scripted model, and the final result's keys go out on the
//! node's dynamic outputs, into a FormatText and Outputs.

mod node_harness;
mod scripted_llm;

use nodetool::agents::CREATE_TASK;
use nodetool::prelude::*;
use scripted_llm::{serve, Reply, Seen};
use serde_json::json;

fn ctx_for(url: &str) -> ProcessingContext {
    node_harness::ctx_with_settings(&[("OPENAI_BASE_URL", url), ("OPENAI_API_KEY", "sk-test")])
}

#[tokio::test]
async fn research_results_go_out_on_the_dynamic_outputs() {
    let (url, scripted) = serve(|seen: Seen| async move {
        if seen.tool_names().iter().any(|t| t == CREATE_TASK) {
            return Reply::call(
                CREATE_TASK,
                json!({"title": "Research", "subtasks": [
                    {"id": "gather", "content": "Compute 6 * 7 with the calculator."},
                    {"id": "report", "content": "Write the report.", "input_tasks": ["gather"]}]}),
            );
        }
        let task = seen.first_user();
        if task.starts_with("Compute") {
            return match seen.tool_results().len() {
                0 => Reply::call("calculator", json!({"expression": "6 * 7"})),
                _ => Reply::finish(json!("42")),
            };
        }
        Reply::finish(
            json!({"summary": "The answer is 42.", "players": ["Deep Thought", "Arthur"]}),
        )
    })
    .await;
    let ctx = ctx_for(&url);
    let graph = json!({
        "nodes": [
            {"id": "r", "type": "nodetool.agents.ResearchAgent", "data": {
                "objective": "What is six times seven?",
                "model": {"type": "language_model", "provider": "openai", "id": "scripted"},
                "tools": [{"type": "tool_name", "name": "calculator"}, {"type": "tool_name", "name": "no_such_tool"}]},
             "dynamic_outputs": {"summary": {"type": "str"}, "players": {"type": "list", "type_args": [{"type": "str"}]}}},
            {"id": "f", "type": "nodetool.text.FormatText",
             "data": {"template": "{{ summary }}\n- {{ players | join('\\n- ') }}"},
             "dynamic_properties": {"summary": "", "players": ""}},
            {"id": "out", "type": "nodetool.output.Output", "data": {"name": "report"}}
        ],
        "edges": [
            {"source": "r", "sourceHandle": "summary", "target": "f", "targetHandle": "summary"},
            {"source": "r", "sourceHandle": "players", "target": "f", "targetHandle": "players"},
            {"source": "f", "sourceHandle": "output", "target": "out", "targetHandle": "value"}
        ]
    });
    let result = node_harness::run_graph(graph, &ctx).await.unwrap();
    assert_eq!(
        result.get("report"),
        Some(&json!("The answer is 42.\n- Deep Thought\n- Arthur"))
    );
    // The last subtask was asked for the outputs' schema.
    let last = scripted.seen().into_iter().last().unwrap();
    let finish = last.body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["function"]["name"] == "finish_subtask")
        .cloned()
        .unwrap();
    let schema = &finish["function"]["parameters"]["properties"]["result"];
    assert_eq!(
        schema["properties"]["players"]["items"]["type"], "string",
        "{finish}"
    );
    assert_eq!(schema["required"], json!(["summary", "players"]));
}

#[tokio::test]
async fn missing_pieces_fail_in_nodetools_words() {
    nodetool_std_nodes::link();
    let run = |data: serde_json::Value, outputs: serde_json::Value| async move {
        let graph = json!({"nodes": [{"id": "r", "type": "nodetool.agents.ResearchAgent",
            "data": data, "dynamic_outputs": outputs}], "edges": []});
        node_harness::run_graph(graph, &ProcessingContext::default())
            .await
            .unwrap_err()
    };
    let model = json!({"type": "language_model", "provider": "openai", "id": "m"});
    assert!(
        run(json!({"objective": "x"}), json!({"a": {"type": "str"}}))
            .await
            .contains("Select a model")
    );
    assert!(run(json!({"model": model}), json!({"a": {"type": "str"}}))
        .await
        .contains("Provide a research objective"));
    assert!(run(json!({"model": model, "objective": "x"}), json!({}))
        .await
        .contains("Define at least one output field"));
}
