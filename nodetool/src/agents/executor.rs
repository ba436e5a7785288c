//! [`TaskExecutor`]: runs a plan's subtasks as soon as their input tasks are done, several at
//! once (bounded), the last one after all the others; its result is the task's.

use super::events::unix_now;
use super::subtask::{Finished, SubTaskRunner};
use super::AgentError;
use crate::workflows::messages::TaskUpdateEvent;
use crate::workflows::ProcessingContext;
use futures_util::stream::{FuturesUnordered, StreamExt};
use serde_json::Value;
use std::collections::HashMap;
use tracing::Instrument;

/// Runs the task held by `runner.events`.
pub(crate) struct TaskExecutor<'a> {
    pub(crate) runner: SubTaskRunner<'a>,
    pub(crate) max_concurrency: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Waiting,
    Running,
    Done,
}

impl TaskExecutor<'_> {
    /// The result of the task's last subtask, once every subtask has finished.
    pub(crate) async fn run(&self) -> Result<Value, AgentError> {
        let events = self.runner.events;
        let task = events.task();
        let count = task.subtasks.len();
        let Some(last) = count.checked_sub(1) else {
            return Err(AgentError::Planning {
                attempts: 0,
                errors: vec!["the task has no subtasks".to_owned()],
            });
        };
        let mut state = vec![State::Waiting; count];
        let mut results: HashMap<String, Value> = HashMap::new();
        let mut running = FuturesUnordered::new();
        let runner = &self.runner;
        loop {
            for i in 0..count {
                if running.len() >= self.max_concurrency.max(1) {
                    break;
                }
                let sub = &task.subtasks[i];
                let ready = state[i] == State::Waiting
                    && sub.input_tasks.iter().all(|d| results.contains_key(d))
                    && (i != last || state[..last].iter().all(|s| *s == State::Done));
                if !ready {
                    continue;
                }
                state[i] = State::Running;
                let started = events
                    .update(&sub.id, |s| s.start_time = unix_now())
                    .unwrap_or_else(|| sub.clone());
                events
                    .task_update(TaskUpdateEvent::SubtaskStarted, Some(&sub.id))
                    .await;
                let inputs: Vec<(String, Value)> = sub
                    .input_tasks
                    .iter()
                    .filter_map(|d| Some((d.clone(), results.get(d)?.clone())))
                    .collect();
                let span = tracing::info_span!("subtask", subtask_id = %sub.id);
                running.push(
                    async move {
                        let outcome = runner.run(&started, &inputs).await;
                        match &outcome {
                            Ok(_) => tracing::info!("subtask completed"),
                            Err(error) => tracing::warn!(%error, "subtask failed"),
                        }
                        (i, outcome)
                    }
                    .instrument(span),
                );
            }
            let Some((i, outcome)) = running.next().await else {
                break;
            };
            let id = task.subtasks[i].id.clone();
            match outcome {
                Ok(finished) => {
                    state[i] = State::Done;
                    let done = events
                        .update(&id, |s| {
                            s.completed = true;
                            s.end_time = unix_now();
                        })
                        .unwrap_or_else(|| task.subtasks[i].clone());
                    save(runner.ctx, &id, &finished).await;
                    events
                        .task_update(TaskUpdateEvent::SubtaskCompleted, Some(&id))
                        .await;
                    events
                        .subtask_result(done, finished.result.clone(), None, i == last)
                        .await;
                    if i == last {
                        save_task(runner.ctx, &events.task()).await;
                        events
                            .task_update(TaskUpdateEvent::TaskCompleted, None)
                            .await;
                        return Ok(finished.result);
                    }
                    results.insert(id, finished.result);
                }
                Err(error) => {
                    let failed = events
                        .update(&id, |s| s.end_time = unix_now())
                        .unwrap_or_else(|| task.subtasks[i].clone());
                    events
                        .task_update(TaskUpdateEvent::SubtaskFailed, Some(&id))
                        .await;
                    events
                        .subtask_result(failed, Value::Null, Some(error.to_string()), i == last)
                        .await;
                    save_task(runner.ctx, &events.task()).await;
                    return Err(match error {
                        super::SubTaskError::Cancelled => AgentError::Cancelled,
                        source => AgentError::SubTask { id, source },
                    });
                }
            }
        }
        // Unreachable for a checked plan (no cycle, every input exists).
        Err(AgentError::Planning {
            attempts: 0,
            errors: vec!["no subtask can run: their input tasks never finish".to_owned()],
        })
    }
}

/// Writes a subtask's result (`agent/<id>.json`) and conversation (`agent/<id>.log.jsonl`)
/// into the run's workspace, when it has one. A failure to write is logged, not fatal.
async fn save(ctx: &ProcessingContext, id: &str, finished: &Finished) {
    let result = serde_json::json!({"result": finished.result, "metadata": finished.metadata});
    let mut log = String::new();
    for message in &finished.transcript {
        if let Ok(line) = serde_json::to_string(message) {
            log.push_str(&line);
            log.push('\n');
        }
    }
    let files = vec![
        (format!("agent/{id}.json"), pretty(&result)),
        (format!("agent/{id}.log.jsonl"), log.into_bytes()),
    ];
    write_files(ctx, files).await;
}

/// Writes the task as it ended (`agent/task.json`).
async fn save_task(ctx: &ProcessingContext, task: &crate::metadata::Task) {
    let json = serde_json::to_value(task).unwrap_or(Value::Null);
    write_files(ctx, vec![("agent/task.json".to_owned(), pretty(&json))]).await;
}

fn pretty(value: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(value).unwrap_or_default()
}

async fn write_files(ctx: &ProcessingContext, files: Vec<(String, Vec<u8>)>) {
    let Some(workspace) = ctx.workspace().cloned() else {
        return;
    };
    let written = tokio::task::spawn_blocking(move || {
        for (path, bytes) in files {
            if let Err(error) = workspace.write(&path, &bytes) {
                tracing::warn!(%error, "could not keep an agent's subtask in the workspace");
            }
        }
    })
    .await;
    if let Err(error) = written {
        tracing::warn!(%error, "could not keep an agent's subtask in the workspace");
    }
}
