//! [`WorkflowRunner`]: runs a [`WorkflowPlan`], one actor per node.

use super::actor::NodeActor;
use super::context::{ProcessingContext, RunScope};
use super::error::NodeError;
use super::graph::Graph;
use super::inbox::NodeInbox;
use super::io::{NodeOutputs, Route};
use super::messages::{JobUpdate, ProcessingMessage};
use super::plan::{PlannedRoute, ValidationErrors, WorkflowPlan};
use super::registry::NodeRegistry;
use super::unwind::CatchUnwind;
use futures_util::future::Either;
use futures_util::stream::{FuturesUnordered, StreamExt};
use futures_util::FutureExt;
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;

/// NodeTool's runner keeps at most 3 items per input handle; a larger buffer lets streams
/// flow with fewer task switches while still bounding memory.
pub const DEFAULT_BUFFER_LIMIT: usize = 64;

/// Why a run did not complete.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The graph is invalid.
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    /// A parameter names no input node.
    #[error("unknown parameter `{name}` (the graph's inputs: {available})")]
    UnknownParam {
        /// The parameter.
        name: String,
        /// The input names the graph has.
        available: String,
    },
    /// A parameter's value does not fit its input node.
    #[error("parameter `{name}` (input node `{node_id}`): {source}")]
    InvalidParam {
        /// The parameter.
        name: String,
        /// The input node.
        node_id: String,
        /// What is wrong.
        source: NodeError,
    },
    /// A node failed; the run went on with what did not depend on it, then failed.
    #[error("node `{node_id}` ({node_type}) failed: {error}")]
    NodeFailed {
        /// The node.
        node_id: String,
        /// Its type.
        node_type: String,
        /// What went wrong.
        error: NodeError,
    },
    /// A node panicked.
    #[error("node `{node_id}` ({node_type}) panicked")]
    NodePanicked {
        /// The node.
        node_id: String,
        /// Its type.
        node_type: String,
    },
    /// The run was cancelled.
    #[error("the run was cancelled")]
    Cancelled,
    /// A `workflow!` output received a value its typed result cannot hold.
    #[error("output `{name}`: {message}")]
    InvalidOutput {
        /// The output.
        name: String,
        /// Why the value does not fit.
        message: String,
    },
    /// A `workflow!` output received no value (its upstream sent nothing).
    #[error("output `{name}` received no value")]
    MissingOutput {
        /// The output.
        name: String,
    },
}

impl From<super::plan::UnknownParam> for RunError {
    fn from(e: super::plan::UnknownParam) -> Self {
        RunError::UnknownParam {
            name: e.name,
            available: e.available,
        }
    }
}

/// What a completed run produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunResult {
    /// Values that reached each output node, by output name, in order (NodeTool's job
    /// result: a consecutive duplicate is kept once).
    pub outputs: Map<String, Value>,
}

impl RunResult {
    /// Every value output `name` received.
    pub fn values(&self, name: &str) -> &[Value] {
        match self.outputs.get(name) {
            Some(Value::Array(values)) => values,
            _ => &[],
        }
    }

    /// The last value output `name` received.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values(name).last()
    }

    /// One JSON object: each output's single value, or the list of its values when it received
    /// several.
    pub fn to_json(&self) -> Value {
        Value::Object(
            self.outputs
                .iter()
                .map(|(name, values)| {
                    let v = match values {
                        Value::Array(items) if items.len() == 1 => items[0].clone(),
                        other => other.clone(),
                    };
                    (name.clone(), v)
                })
                .collect(),
        )
    }
}

/// Runs a validated graph: one actor per node, all polled by the run's own future (no task
/// per node; nodes that fire once in a row run in turn as one chain, see
/// [`WorkflowPlan::run_chains`]), bounded per-handle inboxes, the NodeTool message stream on
/// the context's listener.
///
/// The nodes of a run share the task that awaits [`run`](Self::run), as NodeTool's nodes
/// share one event loop: a node with heavy CPU work should move it off the runtime
/// (`tokio::task::spawn_blocking`). Separate runs are separate futures (the server spawns
/// one task per job), so they use every core.
///
/// ```
/// use nodetool::workflows::{Graph, ProcessingContext, WorkflowRunner};
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let graph = Graph::from_json_str(r#"{"nodes": [], "edges": []}"#).unwrap();
/// let runner = WorkflowRunner::from_graph(&graph).unwrap();
/// let result = runner.run(&ProcessingContext::default(), Default::default()).await.unwrap();
/// assert!(result.outputs.is_empty());
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct WorkflowRunner {
    plan: Arc<WorkflowPlan>,
    buffer_limit: usize,
}

impl WorkflowRunner {
    /// A runner for a validated plan.
    pub fn new(plan: WorkflowPlan) -> Self {
        Self {
            plan: Arc::new(plan),
            buffer_limit: DEFAULT_BUFFER_LIMIT,
        }
    }

    /// Validates `graph` against every registered node type.
    pub fn from_graph(graph: &Graph) -> Result<Self, ValidationErrors> {
        WorkflowPlan::new(graph, NodeRegistry::global()).map(Self::new)
    }

    /// Sets how many items each input handle buffers before its producers wait.
    pub fn buffer_limit(mut self, limit: usize) -> Self {
        self.buffer_limit = limit.max(1);
        self
    }

    /// The plan this runner runs.
    pub fn plan(&self) -> &WorkflowPlan {
        &self.plan
    }

    /// Runs the workflow once with `params` (input node name → value).
    ///
    /// Posts `job_update` `running`, then node, edge and output messages, then `completed`,
    /// `failed` or `cancelled`.
    ///
    /// The run is a `job` span (job, workflow and user id), so every log line of the run
    /// carries its job id; each node is a `node` span (DEBUG) within it.
    pub async fn run(
        &self,
        ctx: &ProcessingContext,
        params: Map<String, Value>,
    ) -> Result<RunResult, RunError> {
        let span = tracing::info_span!(
            "job",
            job_id = ctx.job_id(),
            workflow_id = ctx.workflow_id(),
            user_id = ctx.user_id(),
        );
        let record = JobRecord::start(&span, self.plan.nodes.len());
        let result = self.run_in_span(ctx, params).instrument(span).await;
        record.end(&result);
        result
    }

    /// [`run`](Self::run), handing every message of the run to `on_message` as it comes (in
    /// order, on this task): progress without a channel or task of one's own.
    ///
    /// ```
    /// use nodetool::workflows::{Graph, ProcessingContext, WorkflowRunner};
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let runner = WorkflowRunner::from_graph(&Graph::from_json_str(r#"{"nodes": [], "edges": []}"#)?)?;
    /// let mut seen = Vec::new();
    /// runner
    ///     .run_with(&ProcessingContext::default(), Default::default(), |m| seen.push(m))
    ///     .await?;
    /// assert!(!seen.is_empty()); // job_update running, then completed
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn run_with(
        &self,
        ctx: &ProcessingContext,
        params: Map<String, Value>,
        on_message: impl FnMut(super::messages::ProcessingMessage),
    ) -> Result<RunResult, RunError> {
        super::listen::run_listening(
            ctx,
            |listened| async move { self.run(&listened, params).await },
            on_message,
        )
        .await
    }

    async fn run_in_span(
        &self,
        ctx: &ProcessingContext,
        params: Map<String, Value>,
    ) -> Result<RunResult, RunError> {
        let run_scope = Arc::new(RunScope::default());
        let ctx = ctx.for_run(Arc::clone(&run_scope));
        // Every chain of nodes is polled by this run's own future (no task per node: nodes of
        // a run share it as NodeTool's share one event loop); a chain's nodes run in turn, each
        // behind a panic guard. Actors are built chain by chain, straight into their futures.
        let inboxes = self.inboxes();
        let mut params = params;
        let mut running = FuturesUnordered::new();
        let mut built = Ok(());
        for chain in &self.plan.chains {
            let mut actor = |i: usize| self.build_actor(i, &ctx, &inboxes, &mut params);
            built = match **chain {
                [i] => actor(i).map(|actor| {
                    running.push(Either::Left(
                        run_node(actor).map(move |outcome| failures_of(i, outcome)),
                    ))
                }),
                _ => chain
                    .iter()
                    .map(|&i| Ok((i, actor(i)?)))
                    .collect::<Result<Vec<_>, RunError>>()
                    .map(|members| running.push(Either::Right(run_chain(members)))),
            };
            if built.is_err() {
                break;
            }
        }
        if let Err(error) =
            built.and_then(|()| self.plan.check_params(&params).map_err(RunError::from))
        {
            drop(running);
            // Listeners learn that the job ended, as for any other failure.
            self.post_job(&ctx, "failed", None, Some(error.to_string()))
                .await;
            return Err(error);
        }
        self.post_job(&ctx, "running", None, None).await;
        let cancel = ctx.cancellation_token().clone();
        let mut failure: Option<RunError> = None;
        loop {
            let next = tokio::select! {
                biased;
                _ = cancel.cancelled() => {
                    inboxes.iter().for_each(|inbox| inbox.close());
                    drop(running);
                    self.post_job(&ctx, "cancelled", None, None).await;
                    return Err(RunError::Cancelled);
                }
                next = running.next() => next,
            };
            let Some(failures) = next else { break };
            for (i, outcome) in failures {
                let node = &self.plan.nodes[i];
                let error = match outcome {
                    Some(Ok(())) => continue,
                    Some(Err(NodeError::Cancelled)) if cancel.is_cancelled() => continue,
                    Some(Err(error)) => RunError::NodeFailed {
                        node_id: node.id.to_string(),
                        node_type: node.node_type.to_string(),
                        error,
                    },
                    None => RunError::NodePanicked {
                        node_id: node.id.to_string(),
                        node_type: node.node_type.to_string(),
                    },
                };
                failure.get_or_insert(error);
            }
        }
        if cancel.is_cancelled() {
            self.post_job(&ctx, "cancelled", None, None).await;
            return Err(RunError::Cancelled);
        }
        match failure {
            Some(error) => {
                self.post_job(&ctx, "failed", None, Some(error.to_string()))
                    .await;
                Err(error)
            }
            None => {
                let outputs = run_scope.take_outputs();
                self.post_job(&ctx, "completed", Some(outputs.clone()), None)
                    .await;
                Ok(RunResult { outputs })
            }
        }
    }

    /// Each node's inbox: a handle per input, then one per control edge coming in.
    fn inboxes(&self) -> Vec<Arc<NodeInbox>> {
        let plan = &self.plan;
        plan.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let sources = n
                    .inputs
                    .iter()
                    .map(|i| i.sources)
                    .chain(std::iter::repeat_n(1, n.control_inputs));
                let capacity = if plan.follows[i] {
                    // It only runs once the node before it in its chain has ended: its inbox
                    // holds all that came (one firing's worth), with no one waiting.
                    usize::MAX
                } else if plan.fed_once[i] {
                    // At most one item per edge: room for all of them, so no producer waits.
                    let widest = n.inputs.iter().map(|i| i.sources).max().unwrap_or(0);
                    self.buffer_limit.max(widest)
                } else {
                    self.buffer_limit
                };
                Arc::new(NodeInbox::with_sources(sources, capacity))
            })
            .collect()
    }

    /// Node `i`'s actor: a fresh instance with its data (and its run parameter, for an input
    /// node), its inbox and its routes.
    fn build_actor(
        &self,
        i: usize,
        ctx: &ProcessingContext,
        inboxes: &[Arc<NodeInbox>],
        params: &mut Map<String, Value>,
    ) -> Result<NodeActor, RunError> {
        let plan = &self.plan.nodes[i];
        // The plan's data was checked when the plan was made; this fails only if a node's
        // conversion is not deterministic.
        let mut node = plan
            .instantiate()
            .map_err(|(_, error)| RunError::NodeFailed {
                node_id: plan.id.to_string(),
                node_type: plan.node_type.to_string(),
                error,
            })?;
        if let Some((name, value)) = plan
            .param_name
            .as_ref()
            .and_then(|name| params.remove_entry(name.as_str()))
        {
            let index = plan.input_names.iter().position(|n| n == "value");
            match index {
                Some(index) => {
                    node.set_input(index, value)
                        .map_err(|source| RunError::InvalidParam {
                            name,
                            node_id: plan.id.to_string(),
                            source,
                        })?
                }
                None => {
                    return Err(RunError::InvalidParam {
                        name,
                        node_id: plan.id.to_string(),
                        source: NodeError::failed("the input node has no `value` property"),
                    })
                }
            }
        }
        let node_ctx = ctx.for_node(Arc::clone(&plan.id), Arc::clone(&plan.title));
        let route = |r: &PlannedRoute| Route {
            inbox: Arc::clone(&inboxes[r.target]),
            handle: r.handle,
            edge_id: Arc::clone(&r.edge_id),
            sent: 0,
        };
        let routes = plan.routes.iter().flatten().map(route).collect();
        let control = plan.control_routes.iter().map(route).collect();
        Ok(NodeActor {
            plan: Arc::clone(plan),
            node,
            inbox: Arc::clone(&inboxes[i]),
            outputs: NodeOutputs::new(
                Arc::clone(&plan.output_names),
                (routes, Arc::clone(&plan.route_ends)),
                control,
                node_ctx.clone(),
            ),
            ctx: node_ctx,
        })
    }

    async fn post_job(
        &self,
        ctx: &ProcessingContext,
        status: &'static str,
        result: Option<Map<String, Value>>,
        error: Option<String>,
    ) {
        ctx.post_with(|| {
            ProcessingMessage::JobUpdate(JobUpdate {
                status: status.into(),
                job_id: Some(ctx.job_id().to_owned()),
                workflow_id: ctx.workflow_id_opt(),
                message: None,
                result,
                error,
            })
        })
        .await;
    }
}

/// How one node's run ended: `None` when it panicked.
type Outcome = Option<Result<(), NodeError>>;

/// The nodes of a chain that failed or panicked, by index (empty, unallocated, when none did).
type Failures = Vec<(usize, Outcome)>;

/// Runs one node in its `node` span, behind a panic guard.
async fn run_node(actor: NodeActor) -> Outcome {
    let span = tracing::debug_span!(
        "node",
        node_id = &*actor.plan.id,
        node_type = &*actor.plan.node_type,
    );
    CatchUnwind::new(actor.run().instrument(span)).await
}

/// Runs the nodes of a chain one after another (each has all its input once the previous
/// ended); a failed or panicked node ends its edges, so the nodes after it find their inputs
/// ended and do not fire.
async fn run_chain(members: Vec<(usize, NodeActor)>) -> Failures {
    let mut failures = Vec::new();
    for (i, actor) in members {
        failures.extend(failures_of(i, run_node(actor).await));
    }
    failures
}

fn failures_of(i: usize, outcome: Outcome) -> Failures {
    match outcome {
        Some(Ok(())) => Vec::new(),
        failed => vec![(i, failed)],
    }
}

/// A run's start and end in the log (INFO) and the job metrics; a run dropped before its end
/// counts as cancelled.
struct JobRecord {
    span: tracing::Span,
    started: Instant,
    ended: bool,
}

impl JobRecord {
    fn start(span: &tracing::Span, nodes: usize) -> Self {
        span.in_scope(|| tracing::info!(nodes, "job started"));
        #[cfg(feature = "telemetry")]
        crate::telemetry::metrics().job_started();
        Self {
            span: span.clone(),
            started: Instant::now(),
            ended: false,
        }
    }

    fn end(mut self, result: &Result<RunResult, RunError>) {
        self.ended = true;
        let millis = self.started.elapsed().as_secs_f64() * 1000.0;
        let _entered = self.span.enter();
        let status = match result {
            Ok(_) => {
                tracing::info!(duration_ms = millis, "job completed");
                "completed"
            }
            Err(RunError::Cancelled) => {
                tracing::info!(duration_ms = millis, "job cancelled");
                "cancelled"
            }
            Err(error) => {
                tracing::warn!(duration_ms = millis, %error, "job failed");
                "failed"
            }
        };
        self.record(status);
    }

    fn record(&self, status: &str) {
        #[cfg(feature = "telemetry")]
        crate::telemetry::metrics().job_ended(status, self.started.elapsed().as_secs_f64());
        #[cfg(not(feature = "telemetry"))]
        let _ = status;
    }
}

impl Drop for JobRecord {
    fn drop(&mut self) {
        if !self.ended {
            let _entered = self.span.enter();
            tracing::info!("job dropped before its end");
            self.record("cancelled");
        }
    }
}
