//! What every backend shares: the context a job runs in, and how its end is told.

use super::JobSpec;
use crate::config::Environment;
use crate::storage::AssetStore;
use crate::workflows::{
    CancellationToken, MessageSender, NodeCache, ProcessingContext, ProcessingContextBuilder,
    RunError, RunResult,
};
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// What jobs run with: assets, the shared result cache, settings and secrets.
#[derive(Debug, Clone, Default)]
pub struct JobEnvironment {
    /// Where jobs read and create assets.
    pub assets: Option<Arc<AssetStore>>,
    /// The node result cache jobs share.
    pub cache: Option<Arc<NodeCache>>,
    /// Settings and secrets, loaded once.
    pub environment: Option<Arc<Environment>>,
}

impl JobEnvironment {
    /// The context of job `spec`, cancelled by `cancel`, its messages to `listener`.
    pub fn context(
        &self,
        spec: &JobSpec,
        cancel: CancellationToken,
        listener: Option<MessageSender>,
    ) -> ProcessingContext {
        self.builder(spec, cancel, listener).build()
    }

    /// The builder of [`context`](Self::context), for a caller that adds to it.
    pub(crate) fn builder(
        &self,
        spec: &JobSpec,
        cancel: CancellationToken,
        listener: Option<MessageSender>,
    ) -> ProcessingContextBuilder {
        let mut builder = ProcessingContext::builder()
            .user_id(&spec.user_id)
            .job_id(&spec.id)
            .workflow_id(&spec.workflow_id)
            .cancellation(cancel);
        if let Some(assets) = &self.assets {
            builder = builder.assets(Arc::clone(assets));
        }
        if let Some(cache) = &self.cache {
            builder = builder.cache(Arc::clone(cache));
        }
        if let Some(environment) = &self.environment {
            builder = builder.environment(Arc::clone(environment));
        }
        if let Some(listener) = listener {
            builder = builder.messages(listener);
        }
        builder
    }
}

/// How a job ended, as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct JobOutcome {
    /// `completed`, `failed` or `cancelled`.
    pub status: String,
    /// The outputs (name → values), when completed.
    pub result: Option<Map<String, Value>>,
    /// Why it failed.
    pub error: Option<String>,
}

impl JobOutcome {
    /// The outcome of a run.
    pub fn of(result: &Result<RunResult, RunError>) -> Self {
        match result {
            Ok(r) => Self {
                status: "completed".into(),
                result: Some(r.outputs.clone()),
                error: None,
            },
            Err(RunError::Cancelled) => Self::cancelled(),
            Err(e) => Self::failed(e.to_string()),
        }
    }

    /// A failure with `error`.
    pub fn failed(error: impl Into<String>) -> Self {
        Self {
            status: "failed".into(),
            result: None,
            error: Some(error.into()),
        }
    }

    /// A cancellation.
    pub fn cancelled() -> Self {
        Self {
            status: "cancelled".into(),
            result: None,
            error: None,
        }
    }

    /// The outcome a final `job_update` tells.
    pub fn from_update(update: &Value) -> Option<Self> {
        if !super::is_final(update) {
            return None;
        }
        Some(Self {
            status: update["status"].as_str()?.to_owned(),
            result: update["result"].as_object().cloned(),
            error: update["error"].as_str().map(str::to_owned),
        })
    }

    /// The final `job_update` telling this outcome.
    pub fn to_update(&self, job_id: &str, workflow_id: &str) -> Value {
        json!({
            "type": "job_update",
            "status": self.status,
            "job_id": job_id,
            "workflow_id": if workflow_id.is_empty() { Value::Null } else { json!(workflow_id) },
            "message": null,
            "result": self.result,
            "error": self.error,
        })
    }

    /// The recorded result column (`{"output": [values]}`).
    pub fn result_value(&self) -> Option<Value> {
        self.result.clone().map(Value::Object)
    }
}
