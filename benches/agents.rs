//! Agent overhead without a model's latency: an in-process provider answers each turn at
//! once from a script, so what is measured is the agent's own work per turn (building the
//! request, reading the reply, running a trivial tool, checking results, posting events).
//! `cargo bench --bench agents`; figures are in BENCHMARKS.md.

use divan::Bencher;
use nodetool::agents::{Agent, AgentLimits};
use nodetool::chat::{
    CancellationToken, ChatError, ChatProvider, ChatRequest, ChatResponse, Chunk, ChunkStream,
    ModelInfo, Role, ToolCall,
};
use nodetool::metadata::{SubTask, Task};
use nodetool::workflows::{BoxFuture, ProcessingContext};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn main() {
    divan::main();
}

/// Returns its argument.
#[nodetool::tool]
async fn echo(
    /// Any number.
    x: i64,
) -> i64 {
    x
}

/// Calls `echo` until it has `calls` results, then finishes; counts subtasks in flight.
#[derive(Debug, Default)]
struct Scripted {
    calls: usize,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
}

impl Scripted {
    fn reply(&self, request: &ChatRequest) -> Vec<Chunk> {
        let results = request
            .messages
            .iter()
            .filter(|m| m.role == Role::Tool)
            .count();
        let call = |name: &str, arguments: Value| {
            Chunk::ToolCall(ToolCall {
                id: format!("call_{results}"),
                name: name.to_owned(),
                arguments,
                signature: None,
            })
        };
        if results < self.calls {
            vec![call("echo", json!({"x": results}))]
        } else {
            vec![call("finish_subtask", json!({"result": results}))]
        }
    }
}

impl ChatProvider for Scripted {
    fn name(&self) -> &'static str {
        "scripted"
    }
    fn generate_message<'a>(
        &'a self,
        request: &'a ChatRequest,
        _cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<ChatResponse, ChatError>> {
        Box::pin(async move {
            let mut reply = ChatResponse::default();
            self.reply(request).into_iter().for_each(|c| reply.push(c));
            Ok(reply)
        })
    }
    fn generate_messages<'a>(
        &'a self,
        request: &'a ChatRequest,
        _cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<ChunkStream, ChatError>> {
        Box::pin(async move {
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(now, Ordering::SeqCst);
            // Let the other subtasks reach their first turn: this is where a real model
            // would wait.
            tokio::task::yield_now().await;
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            Ok(ChunkStream::from_chunks("scripted", self.reply(request)))
        })
    }
    fn list_models<'a>(
        &'a self,
        _cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<Vec<ModelInfo>, ChatError>> {
        Box::pin(async { Ok(Vec::new()) })
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// One subtask making `n` tool calls (n + 1 model turns): the per-turn cost is the slope.
#[divan::bench(args = [0, 10, 100], sample_count = 30)]
fn tool_round_trips(bencher: Bencher, n: usize) {
    let rt = runtime();
    let provider = Arc::new(Scripted {
        calls: n,
        ..Scripted::default()
    });
    let agent = Agent::new("Call echo.", provider, "scripted")
        .without_planning()
        .tool(Echo)
        .limits(AgentLimits {
            max_tool_calls: 1_000,
            max_iterations: 1_000,
            max_tokens: u64::MAX,
            ..AgentLimits::default()
        });
    bencher.bench_local(|| {
        rt.block_on(async {
            let result = agent.run(&ProcessingContext::default()).await.expect("run");
            assert_eq!(result, json!(n));
        })
    });
}

/// `n` independent subtasks and a final one, each finishing on its first turn, at most
/// `NODETOOL_AGENT_MAX_CONCURRENCY`-like 4 / all `n` at once.
#[divan::bench(args = [4, 100], sample_count = 30)]
fn independent_subtasks_100(bencher: Bencher, concurrency: usize) {
    let rt = runtime();
    let provider = Arc::new(Scripted::default());
    let mut subtasks: Vec<SubTask> = (0..100)
        .map(|i| SubTask::new(format!("s{i}"), format!("Part {i}")))
        .collect();
    subtasks.push(SubTask::new("final", "Combine"));
    let task = Task {
        title: "wide".into(),
        subtasks,
        ..Task::default()
    };
    let agent = Agent::new(
        "Wide.",
        Arc::clone(&provider) as Arc<dyn ChatProvider>,
        "scripted",
    )
    .with_task(task)
    .limits(AgentLimits {
        max_concurrency: concurrency,
        ..AgentLimits::default()
    });
    bencher.bench_local(|| {
        rt.block_on(async {
            agent.run(&ProcessingContext::default()).await.expect("run");
        })
    });
    eprintln!(
        "independent_subtasks_100 (concurrency {concurrency}): peak {} subtasks waiting on the model at once",
        provider.peak.load(Ordering::SeqCst)
    );
}
