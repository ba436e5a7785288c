//! Agents against a scripted LLM (a local server speaking OpenAI's chat wire format, its
//! replies decided per request): planning and its checks, concurrent subtasks, tools,
//! result schemas, limits, cancellation, the built-in tools' refusals, and the Agent node on
//! the WebSocket.

mod node_harness;
mod scripted_llm;

use node_harness::ctx_with_settings as env_ctx;
use nodetool::agents::{
    Agent, AgentError, AgentLimits, SubTaskError, Tool, ToolError, ToolSet, CREATE_TASK,
};
use nodetool::chat::OpenAiProvider;
use nodetool::metadata::{SubTask, Task};
use nodetool::workflows::messages::{ProcessingMessage, TaskUpdateEvent};
use nodetool::workflows::ProcessingContext;
use nodetool::workspace::Workspace;
use scripted_llm::{serve, Reply, Seen};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, Barrier};

fn provider(url: &str) -> Arc<dyn nodetool::chat::ChatProvider> {
    Arc::new(OpenAiProvider::new(Some("sk-test".into())).with_base_url(url))
}

/// A context whose messages are collected.
fn listening() -> (ProcessingContext, mpsc::Receiver<ProcessingMessage>) {
    let (tx, rx) = mpsc::channel(10_000);
    (ProcessingContext::builder().messages(tx).build(), rx)
}

fn drain(mut rx: mpsc::Receiver<ProcessingMessage>) -> Vec<ProcessingMessage> {
    let mut all = Vec::new();
    while let Ok(m) = rx.try_recv() {
        all.push(m);
    }
    all
}

fn task_events(messages: &[ProcessingMessage]) -> Vec<(TaskUpdateEvent, Option<String>)> {
    messages
        .iter()
        .filter_map(|m| match m {
            ProcessingMessage::TaskUpdate(u) => {
                Some((u.event, u.subtask.as_ref().map(|s| s.id.clone())))
            }
            _ => None,
        })
        .collect()
}

fn is_planner(seen: &Seen) -> bool {
    seen.tool_names().iter().any(|t| t == CREATE_TASK)
}

async fn guard<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), f)
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish within 20 s"))
}

#[tokio::test]
async fn independent_subtasks_overlap_and_the_last_one_gets_both_results() {
    // Subtasks a and b wait for each other inside the model server: the plan can only finish
    // if both requests are in flight at the same time.
    let barrier = Arc::new(Barrier::new(2));
    let (url, state) = serve(move |seen: Seen| {
        let barrier = Arc::clone(&barrier);
        async move {
            if is_planner(&seen) {
                return Reply::call(
                    CREATE_TASK,
                    json!({"title": "Sum two numbers", "subtasks": [
                        {"id": "a", "content": "Give the number A."},
                        {"id": "b", "content": "Give the number B."},
                        {"id": "c", "content": "Add the two numbers.", "input_tasks": ["a", "b"],
                         "output_schema": {"type": "object", "properties": {"sum": {"type": "number"}}, "required": ["sum"]}}
                    ]}),
                );
            }
            let task = seen.first_user();
            if task.starts_with("Give the number A") {
                barrier.wait().await;
                Reply::finish(json!(2))
            } else if task.starts_with("Give the number B") {
                barrier.wait().await;
                Reply::finish(json!(3))
            } else {
                assert!(task.contains("Result of subtask `a`:\n```json\n2\n```"), "{task}");
                assert!(task.contains("Result of subtask `b`:\n```json\n3\n```"), "{task}");
                Reply::finish(json!({"sum": 5}))
            }
        }
    })
    .await;
    let (ctx, rx) = listening();
    let result = guard(
        "the plan (were subtasks a and b run one after the other?)",
        Agent::new("Add A and B", provider(&url), "scripted").run(&ctx),
    )
    .await
    .expect("the agent reaches its objective");
    assert_eq!(result, json!({"sum": 5}));

    let seen = state.seen();
    let window = |prefix: &str| {
        let s = seen
            .iter()
            .find(|s| s.first_user().starts_with(prefix))
            .unwrap();
        (s.started, s.ended.unwrap())
    };
    let (a_start, a_end) = window("Give the number A");
    let (b_start, b_end) = window("Give the number B");
    assert!(
        a_start < b_end && b_start < a_end,
        "a and b overlap in time"
    );

    let messages = drain(rx);
    let events = task_events(&messages);
    assert_eq!(events.first(), Some(&(TaskUpdateEvent::TaskCreated, None)));
    assert_eq!(events.last(), Some(&(TaskUpdateEvent::TaskCompleted, None)));
    for id in ["a", "b", "c"] {
        for event in [
            TaskUpdateEvent::SubtaskStarted,
            TaskUpdateEvent::SubtaskCompleted,
        ] {
            assert!(
                events.contains(&(event, Some(id.to_owned()))),
                "{event:?} {id}: {events:?}"
            );
        }
    }
    let c_started = events
        .iter()
        .position(|e| e == &(TaskUpdateEvent::SubtaskStarted, Some("c".to_owned())))
        .unwrap();
    for id in ["a", "b"] {
        let done = events
            .iter()
            .position(|e| e == &(TaskUpdateEvent::SubtaskCompleted, Some(id.to_owned())))
            .unwrap();
        assert!(done < c_started, "c starts after {id} completes");
    }
    let results: Vec<(String, bool)> = messages
        .iter()
        .filter_map(|m| match m {
            ProcessingMessage::SubtaskResult(r) => Some((r.subtask.id.clone(), r.is_task_result)),
            _ => None,
        })
        .collect();
    assert!(results.contains(&("c".to_owned(), true)), "{results:?}");
    assert_eq!(results.iter().filter(|(_, last)| *last).count(), 1);
    assert!(messages.iter().any(|m| matches!(m,
        ProcessingMessage::PlanningUpdate(p) if p.status == "Success"
            && p.content.as_deref() == Some("Created plan 'Sum two numbers' with 3 subtasks."))));
    // NodeTool's JSON.
    let json = serde_json::to_value(&messages[messages.len() - 1]).unwrap();
    assert_eq!(json["type"], "task_update");
    assert_eq!(json["event"], "task_completed");
    assert_eq!(json["task"]["type"], "task");
    assert_eq!(json["task"]["subtasks"][2]["type"], "subtask");
    assert_eq!(json["task"]["subtasks"][2]["completed"], true);
}

#[tokio::test]
async fn tools_write_files_and_calculate_and_their_results_reach_the_model() {
    let (url, state) = serve(|seen: Seen| async move {
        match seen.tool_results().len() {
            0 => Reply::calls(vec![
                (
                    "write_file",
                    json!({"path": "notes/out.txt", "content": "hello"}),
                ),
                ("calculator", json!({"expression": "6 * 7"})),
            ]),
            _ => Reply::finish(json!("done")),
        }
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (tx, rx) = mpsc::channel(1000);
    let ctx = ProcessingContext::builder()
        .messages(tx)
        .workspace(Workspace::new(dir.path()).unwrap())
        .build();
    let tools = nodetool_std_nodes::tools::resolve_all(&["write_file", "calculator"]).unwrap();
    let result = guard(
        "the agent",
        Agent::new("Write a note and compute 6*7", provider(&url), "scripted")
            .without_planning()
            .tools(tools.iter().cloned())
            .run(&ctx),
    )
    .await
    .unwrap();
    assert_eq!(result, json!("done"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes/out.txt")).unwrap(),
        "hello"
    );
    let seen = state.seen();
    let results = seen[1].tool_results();
    assert_eq!(results.len(), 2, "{results:?}");
    let calc: Value = serde_json::from_str(&results[1]).unwrap();
    assert_eq!(calc["result"], 42);
    assert!(seen[0].tool_names().contains(&"finish_subtask".to_owned()));
    let calls: Vec<String> = drain(rx)
        .into_iter()
        .filter_map(|m| match m {
            ProcessingMessage::ToolCallUpdate(u) => Some(u.name),
            _ => None,
        })
        .collect();
    assert_eq!(calls, ["write_file", "calculator"]);
    // The subtask's result and conversation are kept in the workspace.
    let kept: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("agent/task.json")).unwrap())
            .unwrap();
    assert_eq!(kept["subtasks"][0]["completed"], true);
    let log = std::fs::read_to_string(dir.path().join("agent/task.log.jsonl")).unwrap();
    assert!(log.lines().count() >= 5, "{log}");
}

#[tokio::test]
async fn an_invalid_plan_goes_back_with_its_errors_and_the_corrected_one_runs() {
    let (url, state) = serve(|seen: Seen| async move {
        if is_planner(&seen) {
            if seen.tool_results().is_empty() {
                Reply::call(
                    CREATE_TASK,
                    json!({"title": "t", "subtasks": [
                        {"id": "a", "content": "A", "input_tasks": ["b"]},
                        {"id": "b", "content": "B", "input_tasks": ["a", "zzz"]}
                    ]}),
                )
            } else {
                Reply::call(
                    CREATE_TASK,
                    json!({"title": "t", "subtasks": [{"id": "only", "content": "Do it"}]}),
                )
            }
        } else {
            Reply::finish(json!("ok"))
        }
    })
    .await;
    let (ctx, rx) = listening();
    let result = guard(
        "the agent",
        Agent::new("x", provider(&url), "scripted").run(&ctx),
    )
    .await
    .unwrap();
    assert_eq!(result, json!("ok"));
    let planner_calls: Vec<Seen> = state.seen().into_iter().filter(is_planner).collect();
    assert_eq!(planner_calls.len(), 2);
    let feedback = planner_calls[1].tool_results().join("\n");
    assert!(
        feedback.contains("input task `zzz` does not exist"),
        "{feedback}"
    );
    assert!(
        feedback.contains("the input tasks form a cycle: a → b → a"),
        "{feedback}"
    );
    assert!(drain(rx).iter().any(|m| matches!(m,
        ProcessingMessage::PlanningUpdate(p) if p.status == "Retrying")));
}

#[tokio::test]
async fn a_plan_that_stays_invalid_fails_naming_the_ids() {
    let (url, _state) = serve(|_seen: Seen| async move {
        Reply::call(
            CREATE_TASK,
            json!({"title": "t", "subtasks": [
                {"id": "a", "content": "A", "input_tasks": ["c"]},
                {"id": "c", "content": "C", "input_tasks": ["a", "ghost"]}
            ]}),
        )
    })
    .await;
    let err = guard(
        "the agent",
        Agent::new("x", provider(&url), "scripted").run(&ProcessingContext::default()),
    )
    .await
    .unwrap_err();
    match err {
        AgentError::Planning { attempts, errors } => {
            assert_eq!(attempts, 3);
            let all = errors.join("\n");
            assert!(
                all.contains("subtask `c`: input task `ghost` does not exist"),
                "{all}"
            );
            assert!(all.contains("a → c → a"), "{all}");
        }
        other => panic!("expected a planning error, got {other}"),
    }
}

#[tokio::test]
async fn a_result_that_breaks_the_schema_goes_back_and_a_valid_one_finishes() {
    let (url, state) = serve(|seen: Seen| async move {
        if seen.tool_results().is_empty() {
            Reply::finish(json!({"n": "three"}))
        } else {
            Reply::finish(json!({"n": 3}))
        }
    })
    .await;
    #[derive(serde::Deserialize, schemars::JsonSchema, Debug, PartialEq)]
    struct Count {
        n: i64,
    }
    let result: Count = guard(
        "the agent",
        Agent::new("Count", provider(&url), "scripted")
            .without_planning()
            .output_type::<Count>()
            .run(&ProcessingContext::default()),
    )
    .await
    .unwrap();
    assert_eq!(result, Count { n: 3 });
    let seen = state.seen();
    assert_eq!(seen.len(), 2);
    let feedback = seen[1].tool_results().join("\n");
    assert!(
        feedback.contains("does not follow the output schema"),
        "{feedback}"
    );
    assert!(feedback.contains("/n"), "{feedback}");
    // The schema went to the model as finish_subtask's parameters.
    let finish = seen[0].body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["function"]["name"] == "finish_subtask")
        .unwrap()
        .clone();
    assert_eq!(
        finish["function"]["parameters"]["properties"]["result"]["properties"]["n"]["type"],
        "integer"
    );
}

#[tokio::test]
async fn reaching_max_tool_calls_asks_once_to_conclude_then_fails_clearly() {
    let (url, state) =
        serve(
            |_seen: Seen| async move { Reply::call("calculator", json!({"expression": "1 + 1"})) },
        )
        .await;
    let (ctx, rx) = listening();
    let err = guard(
        "the agent",
        Agent::new("Loop forever", provider(&url), "scripted")
            .without_planning()
            .output_schema(json!({"type": "number"}))
            .tools(
                nodetool_std_nodes::tools::resolve_all(&["calculator"])
                    .unwrap()
                    .iter()
                    .cloned(),
            )
            .limits(AgentLimits {
                max_tool_calls: 2,
                ..AgentLimits::default()
            })
            .run(&ctx),
    )
    .await
    .unwrap_err();
    match &err {
        AgentError::SubTask {
            id,
            source: SubTaskError::Limit { limit, .. },
        } => {
            assert_eq!(id, "task");
            assert_eq!(limit, "the limit of 2 tool calls");
        }
        other => panic!("expected a limit error, got {other}"),
    }
    assert!(err
        .to_string()
        .contains("subtask `task` failed: reached the limit of 2 tool calls"));
    let seen = state.seen();
    assert_eq!(seen.len(), 3, "two tool turns, then one to conclude");
    assert_eq!(seen[2].tool_names(), ["finish_subtask"]);
    assert_eq!(
        seen[2].body["tool_choice"]["function"]["name"],
        "finish_subtask"
    );
    let events = task_events(&drain(rx));
    assert!(events.contains(&(TaskUpdateEvent::EnteredConclusionStage, Some("task".into()))));
    assert!(events.contains(&(TaskUpdateEvent::SubtaskFailed, Some("task".into()))));
}

#[tokio::test]
async fn cancelling_mid_subtask_ends_the_agent_promptly() {
    let (url, _state) = serve(|_seen: Seen| async move {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        Reply::text("never")
    })
    .await;
    let ctx = ProcessingContext::default();
    let cancel = ctx.cancellation_token().clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        cancel.cancel();
    });
    let started = std::time::Instant::now();
    let err = guard(
        "the cancelled agent",
        Agent::new("Wait", provider(&url), "scripted")
            .without_planning()
            .run(&ctx),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AgentError::Cancelled), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn execute_streams_events_then_the_result() {
    let (url, _state) = serve(|_seen: Seen| async move { Reply::text("A short answer.") }).await;
    let mut run = Agent::new("Answer", provider(&url), "scripted")
        .without_planning()
        .execute(&ProcessingContext::default());
    let mut kinds = Vec::new();
    while let Some(event) = guard("an event", run.next_event()).await {
        kinds.push(
            serde_json::to_value(&event).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(run.result().await.unwrap(), json!("A short answer."));
    for kind in ["task_update", "chunk", "subtask_result"] {
        assert!(kinds.iter().any(|k| k == kind), "{kind}: {kinds:?}");
    }
}

#[tokio::test]
async fn http_get_refuses_loopback_private_and_link_local_addresses() {
    let ctx = ProcessingContext::default();
    let tool = nodetool_std_nodes::tools::resolve("http_get").unwrap();
    for url in [
        "http://127.0.0.1:9/x",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "file:///etc/passwd",
    ] {
        let err = tool.call(&ctx, json!({ "url": url })).await.unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("blocked") || text.contains("only http and https"),
            "{url}: {text}"
        );
    }
}

#[tokio::test]
async fn file_tools_stay_inside_the_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ProcessingContext::builder()
        .workspace(Workspace::new(dir.path().join("ws")).unwrap())
        .build();
    let write = nodetool_std_nodes::tools::resolve("write_file").unwrap();
    for path in ["../x", "/etc/x", "a/../../x"] {
        let err = write
            .call(&ctx, json!({"path": path, "content": "no"}))
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("outside the workspace"),
            "{path}: {err}"
        );
    }
    assert!(!dir.path().join("x").exists());
    let read = nodetool_std_nodes::tools::resolve("read_file").unwrap();
    write
        .call(&ctx, json!({"path": "a.txt", "content": "1\n2\n3\n"}))
        .await
        .unwrap();
    let got = read
        .call(
            &ctx,
            json!({"path": "a.txt", "start_line": 2, "end_line": 3}),
        )
        .await
        .unwrap();
    assert_eq!(got["content"], "2\n3");
    assert_eq!(got["total_lines"], 3);
    let list = nodetool_std_nodes::tools::resolve("list_directory").unwrap();
    assert_eq!(
        list.call(&ctx, json!({})).await.unwrap()["files"],
        json!(["a.txt"])
    );
    let err = read.call(&ctx, json!({})).await.unwrap_err();
    assert_eq!(
        err,
        ToolError::InvalidArguments {
            tool: "read_file".into(),
            message: "`path` is missing".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "invalid arguments for `read_file`: `path` is missing"
    );
    // Without a workspace, the tools say so.
    let bare = ProcessingContext::default();
    let err = read
        .call(&bare, json!({"path": "a.txt"}))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no workspace"), "{err}");
}

/// A tool written with `#[tool]`.
#[nodetool::tool]
async fn shout(
    /// The text to shout.
    text: String,
    /// How many exclamation marks (default 1).
    marks: Option<usize>,
) -> String {
    format!("{}{}", text.to_uppercase(), "!".repeat(marks.unwrap_or(1)))
}

#[tokio::test]
async fn tool_attribute_derives_name_description_and_schema() {
    assert_eq!(Shout.name(), "shout");
    assert_eq!(Shout.description(), "A tool written with `#[tool]`.");
    let p = Shout.parameters();
    assert_eq!(p["required"], json!(["text"]));
    assert_eq!(p["properties"]["text"]["description"], "The text to shout.");
    assert_eq!(p["properties"]["text"]["type"], "string");
    assert!(jsonschema::validator_for(&p).is_ok(), "a valid JSON Schema");
    let ctx = ProcessingContext::default();
    assert_eq!(
        Shout.call(&ctx, json!({"text": "hi", "marks": 3})).await,
        Ok(json!("HI!!!"))
    );
    let err = Shout.call(&ctx, json!({"text": 5})).await.unwrap_err();
    assert!(err.to_string().contains("`text`"), "{err}");
    let set: ToolSet = [Arc::new(Shout) as Arc<dyn Tool>].into_iter().collect();
    assert!(set
        .call(&ctx, "whisper", json!({}))
        .await
        .unwrap_err()
        .to_string()
        .contains("no tool named `whisper`"));
}

#[tokio::test]
async fn a_given_task_is_checked_and_run_without_planning() {
    let (url, state) = serve(|_seen: Seen| async move { Reply::finish(json!(1)) }).await;
    let task = Task {
        title: "given".into(),
        subtasks: vec![
            SubTask::new("x", "Do x"),
            SubTask {
                input_tasks: vec!["x".into()],
                ..SubTask::new("y", "Do y")
            },
        ],
        ..Task::default()
    };
    let result = guard(
        "the agent",
        Agent::new("x", provider(&url), "scripted")
            .with_task(task)
            .run(&ProcessingContext::default()),
    )
    .await
    .unwrap();
    assert_eq!(result, json!(1));
    assert!(state.seen().iter().all(|s| !is_planner(s)));
    let bad = Task {
        subtasks: vec![SubTask::new("x", "")],
        ..Task::default()
    };
    let err = Agent::new("x", provider(&url), "scripted")
        .with_task(bad)
        .run(&ProcessingContext::default())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("subtask `x` has no content"),
        "{err}"
    );
}

#[tokio::test]
async fn the_cli_runs_an_agent_and_prints_events_and_the_result() {
    let (url, _state) = serve(|seen: Seen| async move {
        if is_planner(&seen) {
            return Reply::call(
                CREATE_TASK,
                json!({"title": "Compute", "subtasks": [{"id": "calc", "content": "Compute 6*7",
                        "output_schema": {"type": "integer"}}]}),
            );
        }
        match seen.tool_results().len() {
            0 => Reply::call("calculator", json!({"expression": "6 * 7"})),
            _ => Reply::finish(json!(42)),
        }
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    let workspace = home.path().join("ws");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_nodetool"));
    command
        .current_dir(home.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("ENV", "development")
        .env("OPENAI_BASE_URL", &url)
        .env("OPENAI_API_KEY", "sk-test")
        .args([
            "agent",
            "What is 6 times 7?",
            "--tools",
            "calculator",
            "--json",
            "--workspace",
        ])
        .arg(&workspace);
    let output = tokio::task::spawn_blocking(move || command.output());
    let output = guard("nodetool agent", output).await.unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let types: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    for kind in [
        "planning_update",
        "task_update",
        "tool_call_update",
        "subtask_result",
    ] {
        assert!(types.contains(&kind), "{kind}: {types:?}");
    }
    assert_eq!(
        lines.last().unwrap(),
        &json!({"type": "result", "result": 42})
    );
    assert!(workspace.join("agent/calc.json").exists());
    assert!(stderr.contains("openai:gpt-4o-mini"), "{stderr}");
}

#[tokio::test]
async fn the_agent_node_runs_in_a_graph_and_its_events_reach_the_websocket() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    let (url, _state) = serve(|seen: Seen| async move {
        match seen.tool_results().len() {
            0 => Reply::call("calculator", json!({"expression": "6 * 7"})),
            _ => Reply::text("The answer is 42."),
        }
    })
    .await;
    nodetool_std_nodes::link();
    let dir = tempfile::tempdir().unwrap();
    let db = nodetool::models::Database::sqlite(&dir.path().join("db.sqlite3"))
        .await
        .unwrap();
    let env = nodetool::config::Environment::builder()
        .process_env([
            ("OPENAI_BASE_URL", url.as_str()),
            ("OPENAI_API_KEY", "sk-test"),
        ])
        .dotenv_dir(None)
        .settings_file(None)
        .secrets_file(None)
        .build()
        .unwrap();
    let state = nodetool::api::AppState::new(db, nodetool::api::Auth::Local, None)
        .with_environment(Arc::new(env));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(nodetool::api::serve(listener, state, async move {
        let _ = stopped.await;
    }));

    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws"))
        .await
        .unwrap();
    let graph = json!({
        "nodes": [
            {"id": "agent", "type": "nodetool.agents.Agent", "data": {
                "model": {"type": "language_model", "provider": "openai", "id": "scripted"},
                "prompt": "What is 6 times 7?",
                "tools": [{"type": "tool_name", "name": "calculator"}]}},
            {"id": "out", "type": "nodetool.output.Output", "data": {"name": "answer"}}
        ],
        "edges": [{"source": "agent", "sourceHandle": "text", "target": "out", "targetHandle": "value"}]
    });
    ws.send(Message::Text(
        json!({"command": "run_job", "data": {"graph": graph}})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    let mut messages = Vec::new();
    loop {
        let next = guard("a WebSocket message", ws.next())
            .await
            .unwrap()
            .unwrap();
        let Message::Text(text) = next else { continue };
        let value: Value = serde_json::from_str(text.as_str()).unwrap();
        let done = value["type"] == "job_update"
            && matches!(
                value["status"].as_str(),
                Some("completed" | "failed" | "cancelled")
            );
        messages.push(value);
        if done {
            break;
        }
    }
    let last = messages.last().unwrap();
    assert_eq!(last["status"], "completed", "{messages:#?}");
    assert_eq!(last["result"]["answer"], json!(["The answer is 42."]));
    let of = |kind: &str| {
        messages
            .iter()
            .filter(|m| m["type"] == kind)
            .collect::<Vec<_>>()
    };
    let calls = of("tool_call_update");
    assert_eq!(calls.len(), 1, "{messages:#?}");
    assert_eq!(calls[0]["name"], "calculator");
    assert_eq!(calls[0]["node_id"], "agent");
    assert!(of("task_update")
        .iter()
        .any(|m| m["event"] == "subtask_completed"));
    assert!(!of("chunk").is_empty());
    assert!(of("subtask_result")
        .iter()
        .any(|m| m["is_task_result"] == true));
    let _ = stop.send(());
    guard("the server's shutdown", server)
        .await
        .unwrap()
        .unwrap();
}

/// A local stand-in for SerpAPI and Brave Search: checks each request's query and key the way
/// the services read them and answers in their formats.
async fn search_server() -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    use axum::extract::{Query, State};
    use axum::http::HeaderMap;
    use axum::routing::get;
    use std::collections::HashMap;
    type Seen = Arc<std::sync::Mutex<Vec<String>>>;
    async fn serpapi(
        State(seen): State<Seen>,
        Query(q): Query<HashMap<String, String>>,
    ) -> axum::response::Response {
        use axum::response::IntoResponse;
        seen.lock().unwrap().push(format!("serpapi {q:?}"));
        if q.get("api_key").map(String::as_str) != Some("serp-key") {
            return (
                axum::http::StatusCode::UNAUTHORIZED,
                axum::Json(json!({"error": "Invalid API key. Your API key should be here: https://serpapi.com/manage-api-key"})),
            )
                .into_response();
        }
        axum::Json(json!({
            "search_metadata": {"id": "6751", "status": "Success", "total_time_taken": 0.91},
            "search_parameters": {"engine": q["engine"], "q": q["q"], "gl": "us", "hl": "en"},
            "organic_results": [
                {"position": 1, "title": "Rust Programming Language", "link": "https://www.rust-lang.org/",
                 "displayed_link": "https://www.rust-lang.org", "snippet": "A language empowering everyone.",
                 "thumbnail": "data:image/png;base64,AAAA"},
                {"position": 2, "title": "Rust (programming language) - Wikipedia",
                 "link": "https://en.wikipedia.org/wiki/Rust_(programming_language)",
                 "snippet": "Rust is a general-purpose programming language.", "date": "Nov 30, 2026"}
            ]
        }))
        .into_response()
    }
    async fn brave(
        State(seen): State<Seen>,
        headers: HeaderMap,
        Query(q): Query<HashMap<String, String>>,
    ) -> axum::response::Response {
        use axum::response::IntoResponse;
        let token = headers
            .get("x-subscription-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        seen.lock()
            .unwrap()
            .push(format!("brave {q:?} token={token}"));
        if token != "brave-key" {
            return (
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                axum::Json(
                    json!({"type": "ErrorResponse", "error": {"code": "SUBSCRIPTION_TOKEN_INVALID",
                    "detail": "The provided subscription token is invalid.", "status": 422}}),
                ),
            )
                .into_response();
        }
        axum::Json(json!({
            "type": "search",
            "query": {"original": q["q"]},
            "web": {"type": "search", "results": [
                {"title": "Tokio", "url": "https://tokio.rs/", "description": "An asynchronous runtime for Rust.",
                 "is_source_local": false, "profile": {"name": "Tokio"}}
            ]}
        }))
        .into_response()
    }
    let seen: Seen = Arc::default();
    let app = axum::Router::new()
        .route("/search.json", get(serpapi))
        .route("/res/v1/web/search", get(brave))
        .with_state(Arc::clone(&seen));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

#[tokio::test]
async fn web_search_tools_speak_serpapi_and_brave() {
    let (base, seen) = search_server().await;
    let ctx = env_ctx(&[
        ("SERPAPI_API_KEY", "serp-key"),
        ("SERPAPI_BASE_URL", &base),
        ("BRAVE_API_KEY", "brave-key"),
        ("BRAVE_SEARCH_BASE_URL", &base),
    ]);
    let google = nodetool_std_nodes::tools::resolve("google_search").unwrap();
    let out = google
        .call(&ctx, json!({"keyword": "rust language", "num_results": 5}))
        .await
        .unwrap();
    assert_eq!(out["results"][0]["title"], "Rust Programming Language");
    assert_eq!(out["results"][1]["date"], "Nov 30, 2026");
    assert!(
        !out.to_string().contains("base64"),
        "images are left out: {out}"
    );
    let brave = nodetool_std_nodes::tools::resolve("brave_search").unwrap();
    let out = brave.call(&ctx, json!({"query": "tokio"})).await.unwrap();
    assert_eq!(
        out["results"],
        json!([{"title": "Tokio", "url": "https://tokio.rs/",
        "description": "An asynchronous runtime for Rust."}])
    );
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen[0].contains("\"engine\": \"google_light\"")
            && seen[0].contains("\"q\": \"rust language\"")
            && seen[0].contains("\"num\": \"5\""),
        "{seen:?}"
    );
    assert!(
        seen[1].contains("\"count\": \"10\"") && seen[1].ends_with("token=brave-key"),
        "{seen:?}"
    );

    // Wrong keys: the services' own errors, named.
    let bad = env_ctx(&[
        ("SERPAPI_API_KEY", "wrong"),
        ("SERPAPI_BASE_URL", &base),
        ("BRAVE_API_KEY", "wrong"),
        ("BRAVE_SEARCH_BASE_URL", &base),
    ]);
    let err = google
        .call(&bad, json!({"keyword": "x"}))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("SerpAPI: HTTP 401 Unauthorized: Invalid API key"),
        "{err}"
    );
    let err = brave.call(&bad, json!({"query": "x"})).await.unwrap_err();
    assert!(
        err.to_string().contains("subscription token is invalid"),
        "{err}"
    );
    // No key: the setting to set.
    let err = google
        .call(&env_ctx(&[]), json!({"keyword": "x"}))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("SERPAPI_API_KEY"), "{err}");
}

#[tokio::test]
async fn nodes_and_workflows_are_tools() {
    nodetool_std_nodes::link();
    let ctx = ProcessingContext::default();
    let add = nodetool::agents::NodeTool::new("lib.math.Add").unwrap();
    assert_eq!(add.name(), "lib_math_Add");
    assert_eq!(
        add.parameters()["properties"]["a"]["type"],
        "number",
        "{}",
        add.parameters()
    );
    assert_eq!(
        add.call(&ctx, json!({"a": 2, "b": 40})).await,
        Ok(json!(42))
    );
    let err = add.call(&ctx, json!({"a": "two"})).await.unwrap_err();
    assert!(matches!(err, ToolError::InvalidArguments { .. }), "{err}");

    let graph: nodetool::workflows::Graph = serde_json::from_value(json!({
        "nodes": [
            {"id": "x", "type": "nodetool.input.IntegerInput", "data": {"name": "x", "description": "A number"}},
            {"id": "add", "type": "lib.math.Add", "data": {"b": 10}},
            {"id": "y", "type": "nodetool.output.Output", "data": {"name": "y"}}
        ],
        "edges": [
            {"source": "x", "sourceHandle": "output", "target": "add", "targetHandle": "a"},
            {"source": "add", "sourceHandle": "output", "target": "y", "targetHandle": "value"}
        ]
    }))
    .unwrap();
    let tool = nodetool::agents::WorkflowTool::new("add_ten", "Adds ten.", &graph).unwrap();
    let params = tool.parameters();
    assert_eq!(params["properties"]["x"]["type"], "integer");
    assert_eq!(params["properties"]["x"]["description"], "A number");
    assert_eq!(
        tool.call(&ctx, json!({"x": 32})).await,
        Ok(json!({"y": 42}))
    );

    // run_workflow reads the same graph from the workspace.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("add.json"), graph_json(&graph)).unwrap();
    let ctx = ProcessingContext::builder()
        .workspace(Workspace::new(dir.path()).unwrap())
        .build();
    let run = nodetool_std_nodes::tools::resolve("run_workflow").unwrap();
    assert_eq!(
        run.call(&ctx, json!({"path": "add.json", "params": {"x": 1}}))
            .await,
        Ok(json!({"y": 11}))
    );
    let err = run
        .call(&ctx, json!({"path": "add.json", "params": {"nope": 1}}))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("unknown parameter `nope`"),
        "{err}"
    );
}

fn graph_json(graph: &nodetool::workflows::Graph) -> String {
    serde_json::to_string(graph).unwrap()
}
