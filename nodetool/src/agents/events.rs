//! [`Events`]: the live task of an agent run, and the NodeTool messages it posts about it.

use crate::metadata::{SubTask, Task};
use crate::workflows::messages::{
    Chunk, PlanningUpdate, ProcessingMessage, SubTaskResult, TaskUpdate, TaskUpdateEvent,
    ToolCallUpdate,
};
use crate::workflows::ProcessingContext;
use serde_json::{Map, Value};
use std::sync::{Arc, Mutex, MutexGuard};

/// Posts an agent's messages on its context's listener; holds the task as it stands.
#[derive(Debug)]
pub(crate) struct Events {
    ctx: ProcessingContext,
    node_id: Option<Arc<str>>,
    task: Mutex<Task>,
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl Events {
    pub(crate) fn new(ctx: &ProcessingContext) -> Self {
        Self {
            node_id: ctx.node_id().map(Arc::from),
            ctx: ctx.clone(),
            task: Mutex::new(Task::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Task> {
        self.task.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The task as it stands.
    pub(crate) fn task(&self) -> Task {
        self.lock().clone()
    }

    /// Replaces the task (the planner's result).
    pub(crate) fn set_task(&self, task: Task) {
        *self.lock() = task;
    }

    /// Changes subtask `id` (if it exists) and returns it as it is then.
    pub(crate) fn update(&self, id: &str, change: impl FnOnce(&mut SubTask)) -> Option<SubTask> {
        let mut task = self.lock();
        let sub = task.subtasks.iter_mut().find(|s| s.id == id)?;
        change(sub);
        Some(sub.clone())
    }

    pub(crate) async fn planning(&self, phase: &str, status: &str, content: Option<String>) {
        self.ctx
            .post(ProcessingMessage::PlanningUpdate(PlanningUpdate {
                node_id: self.node_id.clone(),
                phase: phase.to_owned(),
                status: status.to_owned(),
                content,
            }))
            .await;
    }

    /// Posts `task_update` `event` (about subtask `subtask`, if given).
    pub(crate) async fn task_update(&self, event: TaskUpdateEvent, subtask: Option<&str>) {
        if !self.ctx.has_listener() {
            return;
        }
        let task = self.task();
        let subtask = subtask.and_then(|id| task.subtasks.iter().find(|s| s.id == id).cloned());
        self.ctx
            .post(ProcessingMessage::TaskUpdate(Box::new(TaskUpdate {
                node_id: self.node_id.clone(),
                task,
                subtask,
                event,
            })))
            .await;
    }

    pub(crate) async fn subtask_result(
        &self,
        subtask: SubTask,
        result: Value,
        error: Option<String>,
        is_task_result: bool,
    ) {
        self.ctx
            .post(ProcessingMessage::SubtaskResult(Box::new(SubTaskResult {
                subtask,
                result,
                error,
                is_task_result,
            })))
            .await;
    }

    pub(crate) async fn tool_call(&self, name: &str, args: &Value, message: String) {
        if !self.ctx.has_listener() {
            return;
        }
        self.ctx
            .post(ProcessingMessage::ToolCallUpdate(ToolCallUpdate {
                node_id: self.node_id.clone(),
                name: name.to_owned(),
                args: args.clone(),
                message: Some(message),
            }))
            .await;
    }

    pub(crate) async fn chunk(&self, content: String, done: bool) {
        if !self.ctx.has_listener() {
            return;
        }
        self.ctx
            .post(ProcessingMessage::Chunk(Chunk {
                node_id: self.node_id.clone(),
                content_type: "text".to_owned(),
                content,
                content_metadata: Map::new(),
                done,
            }))
            .await;
    }
}
