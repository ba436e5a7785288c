//! [`ProcessingContext`]: what every node sees of the run it belongs to.

use super::messages::{
    output_type_of, LogUpdate, NodeProgress, OutputUpdate, PreviewUpdate, ProcessingMessage,
    Severity,
};
use serde_json::{Map, Value};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Where a run's messages go: a bounded channel (a slow reader slows the run, never loses a
/// message).
pub type MessageSender = mpsc::Sender<ProcessingMessage>;

/// The run-wide part of a context: shared by every node of one job.
#[derive(Debug, Clone)]
struct JobScope {
    user_id: String,
    job_id: String,
    workflow_id: Arc<str>,
    messages: Option<MessageSender>,
    cancel: CancellationToken,
    /// The caller's own client; `None`: the process-wide one.
    #[cfg(feature = "http")]
    http: Option<reqwest::Client>,
    #[cfg(feature = "storage")]
    storage: crate::storage::StorageScope,
    workspace: Option<crate::workspace::Workspace>,
    cache: Option<Arc<super::cache::NodeCache>>,
    #[cfg(feature = "config")]
    environment: Option<Arc<crate::config::Environment>>,
    inputs: Option<super::InputStreams>,
}

/// The node a context was handed to.
#[derive(Debug, Clone)]
struct NodeScope {
    id: Arc<str>,
    name: Arc<str>,
}

/// The per-run part of a context: what the run's output nodes collected.
#[derive(Debug, Default)]
pub(crate) struct RunScope {
    outputs: Mutex<Map<String, Value>>,
}

impl RunScope {
    /// The collected outputs: name → list of values.
    pub(crate) fn take_outputs(&self) -> Map<String, Value> {
        std::mem::take(&mut *self.outputs.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// What a node sees of its run: who runs it, the job, the message stream, the cancellation
/// token and a shared HTTP client. Cheap to clone.
///
/// ```
/// use nodetool::workflows::ProcessingContext;
/// let ctx = ProcessingContext::builder().user_id("alice").build();
/// assert_eq!(ctx.user_id(), "alice");
/// assert!(!ctx.is_cancelled());
/// ```
#[derive(Debug, Clone)]
pub struct ProcessingContext {
    job: Arc<JobScope>,
    run: Option<Arc<RunScope>>,
    node: Option<NodeScope>,
}

impl Default for ProcessingContext {
    fn default() -> Self {
        Self::builder().build()
    }
}

/// Builds a [`ProcessingContext`].
#[derive(Debug, Default)]
pub struct ProcessingContextBuilder {
    user_id: Option<String>,
    job_id: Option<String>,
    workflow_id: Option<String>,
    messages: Option<MessageSender>,
    cancel: Option<CancellationToken>,
    #[cfg(feature = "http")]
    http: Option<reqwest::Client>,
    #[cfg(feature = "storage")]
    storage: crate::storage::StorageScope,
    workspace: Option<crate::workspace::Workspace>,
    cache: Option<Arc<super::cache::NodeCache>>,
    #[cfg(feature = "config")]
    environment: Option<Arc<crate::config::Environment>>,
    inputs: Option<super::InputStreams>,
}

impl ProcessingContextBuilder {
    /// Lets a client stream values into the run's streaming input nodes through `streams`
    /// (the server does this for `stream_input`); without it, those nodes emit their `value`.
    pub fn input_streams(mut self, streams: super::InputStreams) -> Self {
        self.inputs = Some(streams);
        self
    }
    /// Gives nodes `environment` (settings and secrets, loaded once at start-up) instead of
    /// having them read the configuration files each time they need a setting.
    #[cfg(feature = "config")]
    pub fn environment(mut self, environment: Arc<crate::config::Environment>) -> Self {
        self.environment = Some(environment);
        self
    }
    /// Reads and creates assets in `store` (as the run's user).
    #[cfg(feature = "storage")]
    pub fn assets(mut self, store: Arc<crate::storage::AssetStore>) -> Self {
        self.storage.assets = Some(store);
        self
    }
    /// Gives nodes `workspace` for their files.
    pub fn workspace(mut self, workspace: crate::workspace::Workspace) -> Self {
        self.workspace = Some(workspace);
        self
    }
    /// Caches the results of cacheable nodes in `cache` (shared across runs).
    pub fn cache(mut self, cache: Arc<super::cache::NodeCache>) -> Self {
        self.cache = Some(cache);
        self
    }
    /// The user the run belongs to (default `"1"`, NodeTool's local user).
    pub fn user_id(mut self, id: impl Into<String>) -> Self {
        self.user_id = Some(id.into());
        self
    }
    /// The job id (default: a fresh UUID).
    pub fn job_id(mut self, id: impl Into<String>) -> Self {
        self.job_id = Some(id.into());
        self
    }
    /// The workflow id (default: empty).
    pub fn workflow_id(mut self, id: impl Into<String>) -> Self {
        self.workflow_id = Some(id.into());
        self
    }
    /// Sends the run's messages to `sender`.
    pub fn messages(mut self, sender: MessageSender) -> Self {
        self.messages = Some(sender);
        self
    }
    /// Uses `token` to cancel the run.
    pub fn cancellation(mut self, token: CancellationToken) -> Self {
        self.cancel = Some(token);
        self
    }
    /// Shares this HTTP client with the nodes (default: the process-wide
    /// [`shared_client`](crate::http::shared_client), built once).
    #[cfg(feature = "http")]
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }
    /// The context.
    pub fn build(self) -> ProcessingContext {
        ProcessingContext {
            job: Arc::new(JobScope {
                user_id: self.user_id.unwrap_or_else(|| "1".to_owned()),
                job_id: self
                    .job_id
                    .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string()),
                workflow_id: Arc::from(self.workflow_id.unwrap_or_default()),
                messages: self.messages,
                cancel: self.cancel.unwrap_or_default(),
                #[cfg(feature = "http")]
                http: self.http,
                #[cfg(feature = "storage")]
                storage: self.storage,
                workspace: self.workspace,
                cache: self.cache,
                #[cfg(feature = "config")]
                environment: self.environment,
                inputs: self.inputs,
            }),
            run: None,
            node: None,
        }
    }
}

impl ProcessingContext {
    #[cfg(feature = "storage")]
    pub(crate) fn storage_scope(&self) -> &crate::storage::StorageScope {
        &self.job.storage
    }

    /// The run's workspace folder, if it has one.
    pub fn workspace(&self) -> Option<&crate::workspace::Workspace> {
        self.job.workspace.as_ref()
    }

    /// The run's settings and secrets: the environment given to the builder (the server, the
    /// CLI and workers load it once), else loaded now from the files and the process
    /// environment.
    #[cfg(feature = "config")]
    pub fn environment(
        &self,
    ) -> Result<Arc<crate::config::Environment>, crate::config::ConfigError> {
        match &self.job.environment {
            Some(environment) => Ok(Arc::clone(environment)),
            None => crate::config::Environment::load().map(Arc::new),
        }
    }

    /// The stream a client sends into streaming input `name` while the run goes on; `None`
    /// when the run takes no streamed input or the stream was taken already (each input
    /// node takes its own once).
    pub fn input_stream(&self, name: &str) -> Option<super::InputStream> {
        self.job.inputs.as_ref()?.take(name)
    }

    /// The node result cache of this run, if it has one.
    pub fn cache(&self) -> Option<&Arc<super::cache::NodeCache>> {
        self.job.cache.as_ref()
    }

    /// Starts building a context.
    pub fn builder() -> ProcessingContextBuilder {
        ProcessingContextBuilder::default()
    }

    /// The user the run belongs to.
    pub fn user_id(&self) -> &str {
        &self.job.user_id
    }
    /// The job's id.
    pub fn job_id(&self) -> &str {
        &self.job.job_id
    }
    /// The workflow's id.
    pub fn workflow_id(&self) -> &str {
        &self.job.workflow_id
    }
    /// The token that cancels the run.
    pub fn cancellation_token(&self) -> &CancellationToken {
        &self.job.cancel
    }
    /// Whether the run was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.job.cancel.is_cancelled()
    }
    /// The run's HTTP client: the one given to the builder, else the process-wide
    /// [`shared_client`](crate::http::shared_client).
    #[cfg(feature = "http")]
    pub fn http(&self) -> &reqwest::Client {
        self.job
            .http
            .as_ref()
            .unwrap_or_else(|| crate::http::shared_client())
    }
    /// Whether anyone listens to the run's messages.
    pub fn has_listener(&self) -> bool {
        self.job.messages.is_some()
    }
    /// The id of the node this context was handed to, if any.
    pub fn node_id(&self) -> Option<&str> {
        self.node.as_ref().map(|n| &*n.id)
    }

    /// The same job (user, ids, workspace, HTTP client, settings, assets, cache and
    /// cancellation) and node, with messages going to `listener` (`None`: to no one). A tool
    /// that runs a workflow uses this, so the inner run's messages do not mix with the outer
    /// run's; an agent node uses it to read its agent's events.
    pub fn with_listener(&self, listener: Option<MessageSender>) -> Self {
        let mut job = JobScope::clone(&self.job);
        job.messages = listener;
        Self {
            job: Arc::new(job),
            run: None,
            node: self.node.clone(),
        }
    }

    /// The same job, for one run that collects its outputs in `run`.
    pub(crate) fn for_run(&self, run: Arc<RunScope>) -> Self {
        Self {
            job: Arc::clone(&self.job),
            run: Some(run),
            node: None,
        }
    }

    /// The same run, seen by node `id` (titled `name`).
    pub(crate) fn for_node(&self, id: Arc<str>, name: Arc<str>) -> Self {
        Self {
            job: Arc::clone(&self.job),
            run: self.run.clone(),
            node: Some(NodeScope { id, name }),
        }
    }

    /// Records `value` as a result of the run's output `name` (an output node's job): it joins
    /// the run's result (a consecutive duplicate is kept once, as NodeTool does) and an
    /// `output_update` is posted.
    pub async fn record_output(&self, name: &str, value: Value) {
        if let Some(run) = &self.run {
            let mut outputs = run.outputs.lock().unwrap_or_else(|p| p.into_inner());
            let entry = outputs
                .entry(name.to_owned())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(values) = entry {
                if values.last() != Some(&value) {
                    values.push(value.clone());
                }
            }
        }
        let Some(node) = &self.node else { return };
        self.post_with(|| {
            let name: Arc<str> = Arc::from(name);
            ProcessingMessage::OutputUpdate(OutputUpdate {
                node_id: Arc::clone(&node.id),
                node_name: Arc::clone(&name),
                output_name: name,
                output_type: output_type_of(&value).to_owned(),
                value,
                metadata: Map::new(),
                workflow_id: self.workflow_id_opt(),
            })
        })
        .await;
    }

    /// Posts `value` as this node's preview (`preview_update`).
    pub async fn preview(&self, value: Value) {
        let Some(node) = &self.node else { return };
        self.post_with(|| {
            ProcessingMessage::PreviewUpdate(PreviewUpdate {
                node_id: Arc::clone(&node.id),
                value,
            })
        })
        .await;
    }

    /// Posts a piece of this node's streamed content (`chunk`): `text` as a model writes it.
    pub async fn chunk(&self, content_type: &str, content: impl Into<String>, done: bool) {
        let Some(node) = &self.node else { return };
        self.post_with(|| {
            ProcessingMessage::Chunk(super::messages::Chunk {
                node_id: Some(Arc::clone(&node.id)),
                content_type: content_type.to_owned(),
                content: content.into(),
                content_metadata: Map::new(),
                done,
            })
        })
        .await;
    }

    /// Posts that this node calls the tool `name` with `args` (`tool_call_update`).
    pub async fn tool_call(&self, name: &str, args: &Value) {
        let Some(node) = &self.node else { return };
        self.post_with(|| {
            ProcessingMessage::ToolCallUpdate(super::messages::ToolCallUpdate {
                node_id: Some(Arc::clone(&node.id)),
                name: name.to_owned(),
                args: args.clone(),
                message: Some(format!("Calling {name}")),
            })
        })
        .await;
    }

    /// The workflow id for a message: `None` when the run has none.
    pub(crate) fn workflow_id_opt(&self) -> Option<Arc<str>> {
        (!self.job.workflow_id.is_empty()).then(|| Arc::clone(&self.job.workflow_id))
    }

    /// The workflow id, shared (for `edge_update`, which always carries one).
    pub(crate) fn workflow_id_arc(&self) -> Arc<str> {
        Arc::clone(&self.job.workflow_id)
    }

    /// Posts a message to the run's listener; does nothing when nobody listens.
    pub async fn post(&self, message: ProcessingMessage) {
        if let Some(wait) = self
            .job
            .messages
            .as_ref()
            .and_then(|tx| try_send_message(tx, message))
        {
            wait.await;
        }
    }

    /// Posts a message built only if someone listens.
    pub(crate) async fn post_with(&self, build: impl FnOnce() -> ProcessingMessage) {
        let Some(tx) = &self.job.messages else { return };
        if let Some(wait) = try_send_message(tx, build()) {
            wait.await;
        }
    }

    /// Reports this node's progress (`progress` of `total`).
    pub async fn progress(&self, progress: i64, total: i64) {
        let Some(node) = &self.node else { return };
        self.post_with(|| {
            ProcessingMessage::NodeProgress(NodeProgress {
                node_id: Arc::clone(&node.id),
                progress,
                total,
                chunk: String::new(),
                workflow_id: self.workflow_id_opt(),
            })
        })
        .await;
    }

    /// Posts a log line from this node.
    pub async fn log(&self, severity: Severity, content: impl Into<String>) {
        let Some(node) = &self.node else { return };
        let content = content.into();
        self.post_with(|| {
            ProcessingMessage::LogUpdate(LogUpdate {
                node_id: Arc::clone(&node.id),
                node_name: Arc::clone(&node.name),
                content,
                severity,
                workflow_id: self.workflow_id_opt(),
            })
        })
        .await;
    }
}

/// Sends `message` if the listener's channel has room (the common case), else returns the
/// boxed wait for room. Kept out of the `async fn`s that post, so none of them holds a
/// message (a few hundred bytes) or a send future in its state: a run holds one such future
/// per node.
fn try_send_message(
    tx: &MessageSender,
    message: ProcessingMessage,
) -> Option<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>>> {
    match tx.try_send(message) {
        // A listener that went away simply stops receiving.
        Ok(()) | Err(mpsc::error::TrySendError::Closed(_)) => None,
        Err(mpsc::error::TrySendError::Full(message)) => Some(Box::pin(async move {
            let _ = tx.send(message).await;
        })),
    }
}
