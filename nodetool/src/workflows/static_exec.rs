//! The runtime under `workflow!` executors: one future per run, no tasks, no channels on
//! non-streaming paths.
//!
//! The macro turns a graph into items: a struct holding one cell per node (its literal
//! inputs, and its latest inputs when it waits for several) and, per node and per edge, an
//! `async fn` taking that struct. A node fires when its inputs are complete; what it emits
//! goes straight into the functions of its edges (a direct `.await`; several edges run
//! concurrently with `join!`), which set the next node's input and fire it. Each firing is
//! boxed, so that the future of one node does not contain the next one's: compile time and
//! future sizes stay linear in the graph. Streaming-input nodes get a [`NodeInbox`] and run as
//! their own future. End-of-stream is counted per node: once every upstream node is done,
//! gathered lists fire and inboxes close.

use super::context::ProcessingContext;
use super::emit_slot::OutputSink;
use super::error::NodeError;
use super::graph::{Graph, GraphEdge, GraphNode};
use super::inbox::NodeInbox;
use super::io::{NodeInputs, Outputs};
use super::messages::ProcessingMessage;
use super::messages::{output_type_of, EdgeUpdate, JobUpdate, NodeUpdate, OutputUpdate};
use super::node::{ExecutionMode, NodeRole, NodeType};
use super::registry::NodeRegistry;
use super::runner::{RunError, RunResult, WorkflowRunner, DEFAULT_BUFFER_LIMIT};
use super::static_node::StaticNode;
use super::unwind::CatchUnwind;
use crate::__private::NodeFields;
use crate::metadata::NodeValue;
use serde_json::{Map, Value};
use std::any::Any;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;

/// One node of a `workflow!`, as the macro describes it.
#[derive(Debug)]
pub struct NodeInfo {
    /// The node's id (its name in the macro).
    pub id: &'static str,
    /// Its type.
    pub node_type: &'static str,
    /// How many distinct nodes feed it.
    pub upstream: usize,
    /// The nodes it feeds (each once).
    pub downstream: &'static [usize],
    /// The edges leaving it.
    pub edges_out: &'static [usize],
}

/// One input handle fed by edges: the field, and whether it gathers items into a list.
#[derive(Debug)]
pub struct HandleInfo {
    /// The input's name.
    pub field: &'static str,
    /// Whether items are gathered until every upstream node is done (`[a.output, …]`).
    pub gather: bool,
}

/// The static description of a `workflow!`, with ids and titles shared by every run.
#[derive(Debug)]
pub struct WorkflowInfo {
    nodes: &'static [NodeInfo],
    edges: &'static [&'static str],
    names: Box<[(Arc<str>, Arc<str>)]>,
}

impl WorkflowInfo {
    /// Describes the macro's nodes and edge ids.
    pub fn new(nodes: &'static [NodeInfo], edges: &'static [&'static str]) -> Self {
        let registry = NodeRegistry::global();
        let names = nodes
            .iter()
            .map(|n| {
                let title = registry
                    .get(n.node_type)
                    .map_or(n.node_type, |r| r.metadata.title.as_str());
                (Arc::from(n.id), Arc::from(title))
            })
            .collect();
        Self {
            nodes,
            edges,
            names,
        }
    }

    /// The nodes, in the macro's order.
    pub fn nodes(&self) -> &'static [NodeInfo] {
        self.nodes
    }
}

const IDLE: u8 = 0;
const RUNNING: u8 = 1;
const FAILED: u8 = 2;
const DONE: u8 = 3;

/// The state of one run: end-of-stream counts, statuses, the first failure, the messages.
#[derive(Debug)]
pub struct RunState {
    ctx: ProcessingContext,
    info: Arc<WorkflowInfo>,
    listening: bool,
    remaining: Box<[AtomicUsize]>,
    status: Box<[AtomicU8]>,
    edge_counts: Box<[AtomicU64]>,
    failure: Mutex<Option<RunError>>,
    params: Mutex<Map<String, Value>>,
    param_names: Mutex<Vec<String>>,
    gpu_depth: AtomicUsize,
}

impl RunState {
    /// The state of a fresh run of `info` with `params`.
    pub fn new(
        ctx: &ProcessingContext,
        info: Arc<WorkflowInfo>,
        params: Map<String, Value>,
    ) -> Self {
        let listening = ctx.has_listener();
        let n = info.nodes.len();
        Self {
            ctx: ctx.clone(),
            listening,
            remaining: info
                .nodes
                .iter()
                .map(|n| AtomicUsize::new(n.upstream))
                .collect(),
            status: (0..n).map(|_| AtomicU8::new(IDLE)).collect(),
            edge_counts: if listening {
                info.edges.iter().map(|_| AtomicU64::new(0)).collect()
            } else {
                Box::default()
            },
            info,
            failure: Mutex::new(None),
            params: Mutex::new(params),
            param_names: Mutex::new(Vec::new()),
            gpu_depth: AtomicUsize::new(0),
        }
    }

    /// Whether someone listens to the run's messages.
    pub fn listening(&self) -> bool {
        self.listening
    }

    /// Runs `graph` (the workflow, exported) on the dynamic runner with this run's context
    /// and parameters: what a `workflow!` with control edges does.
    pub async fn run_graph(self, graph: Graph) -> Result<RunResult, RunError> {
        let runner = WorkflowRunner::from_graph(&graph)?;
        let params = self.params.into_inner().unwrap_or_else(|p| p.into_inner());
        runner.run(&self.ctx, params).await
    }

    /// `Err(Cancelled)` once the run is cancelled (stops streaming sources).
    pub fn check(&self) -> Result<(), NodeError> {
        if self.ctx.is_cancelled() {
            Err(NodeError::Cancelled)
        } else {
            Ok(())
        }
    }

    fn node_ctx(&self, index: usize) -> ProcessingContext {
        let (id, title) = &self.info.names[index];
        self.ctx.for_node(Arc::clone(id), Arc::clone(title))
    }

    /// Reports an item sent on edge `edge` (`edge_update`, when someone listens).
    pub async fn edge_sent(&self, edge: usize) {
        if self.listening {
            // Boxed: the hot path without a listener keeps a small future.
            Box::pin(self.post_edge_sent(edge)).await;
        }
    }

    async fn post_edge_sent(&self, edge: usize) {
        let counter = self.edge_counts[edge].fetch_add(1, Ordering::Relaxed) + 1;
        self.ctx
            .post_with(|| {
                ProcessingMessage::EdgeUpdate(EdgeUpdate {
                    workflow_id: self.ctx.workflow_id_arc(),
                    edge_id: Arc::from(self.info.edges[edge]),
                    status: "message_sent".into(),
                    counter: Some(counter),
                })
            })
            .await;
    }

    /// Counts one upstream node of `node` as done: `true` when it was the last.
    pub fn upstream_finished(&self, node: usize) -> bool {
        self.remaining[node].fetch_sub(1, Ordering::AcqRel) == 1
    }

    /// The nodes `node` feeds.
    pub fn downstream(&self, node: usize) -> &'static [usize] {
        self.info.nodes[node].downstream
    }

    /// Marks `node` as done: an output that received values is `completed`, and every edge
    /// leaving the node is `drained`.
    pub async fn node_done(&self, node: usize) {
        if !self.listening {
            return;
        }
        if self.status[node].load(Ordering::Acquire) == RUNNING {
            self.post_node(node, "completed", None).await;
        }
        for &edge in self.info.nodes[node].edges_out {
            self.ctx
                .post_with(|| {
                    ProcessingMessage::EdgeUpdate(EdgeUpdate {
                        workflow_id: self.ctx.workflow_id_arc(),
                        edge_id: Arc::from(self.info.edges[edge]),
                        status: "drained".into(),
                        counter: None,
                    })
                })
                .await;
        }
    }

    /// A firing of `node` starts (`running`, as the dynamic runner posts it per firing).
    #[inline]
    async fn started(&self, node: usize) {
        self.status[node].store(RUNNING, Ordering::Release);
        if self.listening {
            self.post_node(node, "running", None).await;
        }
    }

    /// The first value reaches output `node`.
    async fn output_started(&self, node: usize) {
        let first = self.status[node]
            .compare_exchange(IDLE, RUNNING, Ordering::AcqRel, Ordering::Acquire)
            .is_ok();
        if first {
            self.post_node(node, "running", None).await;
        }
    }

    /// Records how a firing ended: a failure is posted and kept (the first one fails the run).
    #[inline]
    async fn ended(&self, node: usize, outcome: Option<Result<(), NodeError>>) {
        let info = &self.info.nodes[node];
        let error = match outcome {
            Some(Ok(())) => {
                self.status[node].store(DONE, Ordering::Release);
                if self.listening {
                    self.post_node(node, "completed", None).await;
                }
                return;
            }
            Some(Err(NodeError::Cancelled)) => return,
            Some(Err(error)) => {
                self.post_node(node, "error", Some(error.to_string())).await;
                RunError::NodeFailed {
                    node_id: info.id.to_owned(),
                    node_type: info.node_type.to_owned(),
                    error,
                }
            }
            None => {
                self.post_node(node, "error", Some("the node panicked".into()))
                    .await;
                RunError::NodePanicked {
                    node_id: info.id.to_owned(),
                    node_type: info.node_type.to_owned(),
                }
            }
        };
        self.status[node].store(FAILED, Ordering::Release);
        let mut failure = self.failure.lock().unwrap_or_else(|p| p.into_inner());
        failure.get_or_insert(error);
    }

    async fn post_node(&self, node: usize, status: &'static str, error: Option<String>) {
        if self.listening {
            // Boxed: the hot path without a listener keeps a small future.
            Box::pin(self.post_node_now(node, status, error)).await;
        }
    }

    async fn post_node_now(&self, node: usize, status: &'static str, error: Option<String>) {
        let info = &self.info.nodes[node];
        self.ctx
            .post_with(|| {
                let (id, title) = &self.info.names[node];
                ProcessingMessage::NodeUpdate(NodeUpdate {
                    node_id: Arc::clone(id),
                    node_name: Arc::clone(title),
                    node_type: Arc::from(info.node_type),
                    status: status.into(),
                    error,
                    result: None,
                    properties: None,
                    workflow_id: self.ctx.workflow_id_opt(),
                })
            })
            .await;
    }

    async fn post_job(
        &self,
        status: &'static str,
        result: Option<Map<String, Value>>,
        error: Option<String>,
    ) {
        self.ctx
            .post_with(|| {
                ProcessingMessage::JobUpdate(JobUpdate {
                    status: status.into(),
                    job_id: Some(self.ctx.job_id().to_owned()),
                    workflow_id: self.ctx.workflow_id_opt(),
                    message: None,
                    result,
                    error,
                })
            })
            .await;
    }

    /// Applies the run's parameter named by an input node's `name` to its `value`.
    fn apply_param<N: NodeFields + NodeType>(
        &self,
        node: usize,
        pending: &mut N::Pending,
    ) -> Result<(), RunError> {
        if N::descriptor().role != NodeRole::Input {
            return Ok(());
        }
        let (Some(name_index), Some(value_index)) =
            (N::input_index("name"), N::input_index("value"))
        else {
            return Ok(());
        };
        let Some(Value::String(name)) = N::get(pending, name_index) else {
            return Ok(());
        };
        let param = self
            .params
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&name);
        if let Some(value) = param {
            N::set(None, pending, value_index, value).map_err(|source| RunError::InvalidParam {
                name: name.clone(),
                node_id: self.info.nodes[node].id.to_owned(),
                source,
            })?;
        }
        self.param_names
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(name);
        Ok(())
    }

    /// Fails when a parameter named no input node.
    pub fn check_params(&self) -> Result<(), RunError> {
        let params = self.params.lock().unwrap_or_else(|p| p.into_inner());
        match params.keys().next() {
            None => Ok(()),
            Some(name) => {
                let names = self.param_names.lock().unwrap_or_else(|p| p.into_inner());
                Err(RunError::UnknownParam {
                    name: name.clone(),
                    available: if names.is_empty() {
                        "none".into()
                    } else {
                        names.join(", ")
                    },
                })
            }
        }
    }

    /// Runs `body` (every node) to the end or until the run is cancelled; posts `job_update`
    /// `running`, then `failed` or `cancelled` (a completed run posts with [`Self::finished`]).
    pub async fn run(&self, body: impl Future<Output = ()>) -> Result<(), RunError> {
        self.post_job("running", None, None).await;
        let cancel = self.ctx.cancellation_token().clone();
        tokio::select! {
            biased;
            _ = cancel.cancelled() => {}
            _ = body => {}
        }
        if cancel.is_cancelled() {
            self.post_job("cancelled", None, None).await;
            return Err(RunError::Cancelled);
        }
        let failure = self
            .failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        match failure {
            Some(error) => {
                self.post_job("failed", None, Some(error.to_string())).await;
                Err(error)
            }
            None => Ok(()),
        }
    }

    /// Posts `job_update` `completed` with the outputs, or `failed` when the result could not
    /// be made (an output that received nothing).
    pub async fn finished(&self, outputs: Option<Map<String, Value>>, error: Option<&RunError>) {
        if !self.listening {
            return;
        }
        match error {
            None => self.post_job("completed", outputs, None).await,
            Some(error) => self.post_job("failed", None, Some(error.to_string())).await,
        }
    }
}

/// The latest inputs of a node with several input handles (or gathered lists).
#[derive(Debug)]
struct Gate<P> {
    pending: P,
    seen: u64,
}

/// One node of a run: its literal inputs, and its latest inputs when it waits for several.
pub struct NodeCell<N: NodeFields> {
    index: usize,
    ctx: ProcessingContext,
    template: N::Pending,
    gate: Option<tokio::sync::Mutex<Gate<N::Pending>>>,
    all_mask: u64,
    gather_mask: u64,
    inbox: Option<(Arc<NodeInbox>, Vec<usize>)>,
}

impl<N: StaticNode> NodeCell<N> {
    /// Node `index` with its literal inputs `template` and its edge-fed `handles`, the run's
    /// parameter applied if it is an input node.
    pub fn new(
        rt: &RunState,
        index: usize,
        mut template: N::Pending,
        handles: &[HandleInfo],
    ) -> Result<Self, RunError> {
        rt.apply_param::<N>(index, &mut template)?;
        let streaming_input = N::descriptor().mode == ExecutionMode::StreamingInput;
        let all_mask = if handles.len() >= 64 {
            u64::MAX
        } else {
            (1u64 << handles.len()) - 1
        };
        let gather_mask = handles
            .iter()
            .enumerate()
            .filter(|(_, h)| h.gather)
            .fold(0, |m, (i, _)| m | (1 << i));
        let inbox = streaming_input.then(|| {
            let fields: Vec<usize> = handles
                .iter()
                .map(|h| N::input_index(h.field).unwrap_or(usize::MAX))
                .collect();
            let mut sources = vec![0; N::INPUT_NAMES.len()];
            for &f in &fields {
                if let Some(s) = sources.get_mut(f) {
                    *s = 1;
                }
            }
            (
                Arc::new(NodeInbox::new(&sources, DEFAULT_BUFFER_LIMIT)),
                fields,
            )
        });
        let gate = (!streaming_input && (handles.len() > 1 || gather_mask != 0)).then(|| {
            tokio::sync::Mutex::new(Gate {
                pending: template.clone(),
                seen: 0,
            })
        });
        Ok(Self {
            index,
            ctx: rt.node_ctx(index),
            template,
            gate,
            all_mask,
            gather_mask,
            inbox,
        })
    }

    /// A value arrives on handle `handle`: `set` writes it into the inputs; the node fires
    /// (through `fire`) once every handle has a value, and again on every later arrival.
    pub async fn push<F, Fut>(&self, handle: u32, set: impl FnOnce(&mut N::Pending), fire: F)
    where
        F: FnOnce(N::Pending) -> Fut,
        Fut: Future<Output = ()>,
    {
        // The inbox and gate paths are boxed: the common path (one input edge) then keeps a
        // small future, and every firing's box is smaller.
        if let Some((inbox, fields)) = &self.inbox {
            return Box::pin(self.to_inbox(inbox, fields, handle, set)).await;
        }
        match &self.gate {
            None => {
                let mut pending = self.template.clone();
                set(&mut pending);
                fire(pending).await;
            }
            Some(gate) => Box::pin(self.push_gated(gate, handle, set, fire)).await,
        }
    }

    async fn push_gated<F, Fut>(
        &self,
        gate: &tokio::sync::Mutex<Gate<N::Pending>>,
        handle: u32,
        set: impl FnOnce(&mut N::Pending),
        fire: F,
    ) where
        F: FnOnce(N::Pending) -> Fut,
        Fut: Future<Output = ()>,
    {
        let mut gate = gate.lock().await;
        set(&mut gate.pending);
        gate.seen |= 1 << handle;
        if gate.seen == self.all_mask {
            let pending = gate.pending.clone();
            fire(pending).await;
        }
    }

    /// An item for a gathered list on handle `handle`: `add` appends it; the node fires once
    /// every upstream node is done.
    pub async fn gather(&self, handle: u32, add: impl FnOnce(&mut N::Pending)) {
        if let Some((inbox, fields)) = &self.inbox {
            return self.to_inbox(inbox, fields, handle, add).await;
        }
        if let Some(gate) = &self.gate {
            add(&mut gate.lock().await.pending);
        }
    }

    async fn to_inbox(
        &self,
        inbox: &NodeInbox,
        fields: &[usize],
        handle: u32,
        set: impl FnOnce(&mut N::Pending),
    ) {
        let mut pending = self.template.clone();
        set(&mut pending);
        let field = fields.get(handle as usize).copied().unwrap_or(usize::MAX);
        if let Some(value) = N::get(&pending, field) {
            // A node that stopped reading no longer wants items: not an error.
            let _ = inbox.put(field, value).await;
        }
    }

    /// Every upstream node is done: gathered lists fire, an inbox ends. `true` when this
    /// node is done too (a streaming-input node is done when its run ends).
    pub async fn upstream_done<F, Fut>(&self, fire: F) -> bool
    where
        F: FnOnce(N::Pending) -> Fut,
        Fut: Future<Output = ()>,
    {
        if let Some((inbox, fields)) = &self.inbox {
            for &f in fields {
                if f != usize::MAX {
                    inbox.source_done(f);
                }
            }
            return false;
        }
        if self.gather_mask != 0 {
            if let Some(gate) = &self.gate {
                let mut gate = gate.lock().await;
                gate.seen |= self.gather_mask;
                if gate.seen == self.all_mask {
                    let pending = gate.pending.clone();
                    fire(pending).await;
                }
            }
        }
        true
    }

    /// Whether the node does anything at the start of a run (it is a source, or it reads an
    /// inbox).
    pub fn needs_start(&self, source: bool) -> bool {
        source || self.inbox.is_some()
    }

    /// Starts the node: a source (no input edges) fires once, a streaming-input node runs
    /// over its inbox. `true` when the node is done when this returns.
    pub async fn start<F, Fut, S>(&self, rt: &RunState, source: bool, fire: F, sink: S) -> bool
    where
        F: FnOnce(N::Pending) -> Fut,
        Fut: Future<Output = ()>,
        S: OutputSink<N::Out>,
    {
        if let Some((inbox, _)) = &self.inbox {
            // Boxed: every node has a start future, few run an inbox.
            Box::pin(self.run_inbox(rt, inbox, sink)).await;
            return true;
        }
        if source {
            fire(self.template.clone()).await;
            return true;
        }
        false
    }

    async fn run_inbox<S: OutputSink<N::Out>>(
        &self,
        rt: &RunState,
        inbox: &Arc<NodeInbox>,
        mut sink: S,
    ) {
        rt.started(self.index).await;
        let _gpu = gpu_guard::<N>(rt).await;
        let outcome = match N::build(&mut self.template.clone()) {
            Ok(mut node) => {
                let names: Arc<[String]> = N::INPUT_NAMES.iter().map(|n| (*n).to_owned()).collect();
                let mut inputs = NodeInputs::new(Arc::clone(inbox), names);
                CatchUnwind::new(node.run_inbox(&self.ctx, &mut inputs, &mut sink)).await
            }
            Err(e) => Some(Err(e)),
        };
        inbox.close();
        rt.ended(self.index, outcome).await;
    }

    /// Builds the node from `pending` and fires it once, its outputs going to `sink`.
    pub async fn fire<S: OutputSink<N::Out>>(
        &self,
        rt: &RunState,
        mut pending: N::Pending,
        mut sink: S,
    ) {
        // Cancellation is checked where items leave a node (the sinks), not per firing.
        rt.started(self.index).await;
        let _gpu = gpu_guard::<N>(rt).await;
        let outcome = match N::build(&mut pending) {
            Ok(mut node) => CatchUnwind::new(node.fire(&self.ctx, &mut sink)).await,
            Err(e) => Some(Err(e)),
        };
        rt.ended(self.index, outcome).await;
    }
}

/// Holds the process-wide GPU lock for a run, or marks a nested GPU firing of that run.
struct GpuGuard<'a> {
    _lock: Option<tokio::sync::MutexGuard<'static, ()>>,
    depth: &'a AtomicUsize,
}

impl Drop for GpuGuard<'_> {
    fn drop(&mut self) {
        self.depth.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The process-wide GPU lock, held while a `requires_gpu` node runs (as the dynamic runner
/// does). In a `workflow!` a node's downstream nodes run inside its firing, so a GPU node fed
/// by a GPU node of the same run does not take the lock again (it would wait for itself).
async fn gpu_guard<N: NodeType>(rt: &RunState) -> Option<GpuGuard<'_>> {
    if !N::descriptor().flags.requires_gpu {
        return None;
    }
    let nested = rt.gpu_depth.fetch_add(1, Ordering::AcqRel) > 0;
    let lock = if nested {
        None
    } else {
        Some(Box::pin(super::actor::GPU_LOCK.lock()).await)
    };
    Some(GpuGuard {
        _lock: lock,
        depth: &rt.gpu_depth,
    })
}

/// The sink of node `N`: `f` gets each item's outputs by name.
pub fn sink_for<N, F, Fut>(f: F) -> FieldsSink<N::Out, F>
where
    N: StaticNode,
    F: FnMut(<N::Out as Outputs>::Fields) -> Fut + Send,
    Fut: Future<Output = Result<(), NodeError>> + Send,
{
    FieldsSink {
        f,
        _out: PhantomData,
    }
}

/// A sink that hands each item's outputs, by name, to a closure.
pub struct FieldsSink<O, F> {
    f: F,
    _out: PhantomData<fn(O)>,
}

impl<O, F, Fut> OutputSink<O> for FieldsSink<O, F>
where
    O: Outputs,
    F: FnMut(O::Fields) -> Fut + Send,
    Fut: Future<Output = Result<(), NodeError>> + Send,
{
    fn send(&mut self, item: O) -> impl Future<Output = Result<(), NodeError>> + Send {
        (self.f)(item.into_fields())
    }
}

/// The values that reached one `Output` of a `workflow!` (kept typed, behind `Any`).
pub struct OutputCell {
    index: usize,
    name: &'static str,
    values: Mutex<Vec<(Box<dyn Any + Send>, Value)>>,
}

impl std::fmt::Debug for OutputCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutputCell")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl OutputCell {
    /// Output `name`, node `index`.
    pub fn new(index: usize, name: &'static str) -> Self {
        Self {
            index,
            name,
            values: Mutex::new(Vec::new()),
        }
    }

    /// Records a value (and posts `output_update` when someone listens).
    pub async fn push<T: NodeValue>(&self, rt: &RunState, value: T) {
        rt.output_started(self.index).await;
        let json = if rt.listening {
            Box::pin(self.post(rt, value.clone().into_value())).await
        } else {
            Value::Null
        };
        self.values
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((Box::new(value), json));
    }

    async fn post(&self, rt: &RunState, json: Value) -> Value {
        {
            let (id, _) = &rt.info.names[self.index];
            rt.ctx
                .post_with(|| {
                    let name: Arc<str> = Arc::from(self.name);
                    ProcessingMessage::OutputUpdate(OutputUpdate {
                        node_id: Arc::clone(id),
                        node_name: Arc::clone(&name),
                        output_name: name,
                        output_type: output_type_of(&json).to_owned(),
                        value: json.clone(),
                        metadata: Map::new(),
                        workflow_id: rt.ctx.workflow_id_opt(),
                    })
                })
                .await;
        }
        json
    }

    /// The last value received, as `T` (named by `witness`); an error naming the output when
    /// none came.
    pub fn take_last<T: 'static>(&self, witness: PhantomData<T>) -> Result<T, RunError> {
        let _ = witness;
        let last = self.values.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let missing = || RunError::MissingOutput {
            name: self.name.to_owned(),
        };
        let (value, _) = last.ok_or_else(missing)?;
        value.downcast::<T>().map(|v| *v).map_err(|_| missing())
    }

    /// Every value received, as JSON (for `job_update`; recorded only when someone listens).
    pub fn to_json(&self) -> Value {
        let values = self.values.lock().unwrap_or_else(|p| p.into_inner());
        Value::Array(values.iter().map(|(_, json)| json.clone()).collect())
    }
}

/// Names the type a closure returns a reference to (the type of one output of a node).
pub fn witness<F, T>(_field: fn(&F) -> &T) -> PhantomData<T> {
    PhantomData
}

/// Runs `futures` concurrently until all are done (on the current task: no spawning).
pub async fn join_all<F: Future<Output = ()>>(futures: impl IntoIterator<Item = F>) {
    let mut pending: Vec<Option<Pin<Box<F>>>> =
        futures.into_iter().map(|f| Some(Box::pin(f))).collect();
    std::future::poll_fn(|cx| {
        let mut all_done = true;
        for slot in &mut pending {
            if let Some(future) = slot {
                if future.as_mut().poll(cx).is_ready() {
                    *slot = None;
                } else {
                    all_done = false;
                }
            }
        }
        if all_done {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
}

/// Node `id` of type `N` with its literal inputs, for graph JSON.
pub fn graph_node<N: NodeFields + NodeType>(id: &str, pending: &N::Pending) -> GraphNode {
    let data = N::INPUT_NAMES
        .iter()
        .enumerate()
        .filter_map(|(i, name)| N::get(pending, i).map(|v| ((*name).to_owned(), v)))
        .collect();
    GraphNode::new(id, N::NODE_TYPE, data)
}

/// Output node `id` (of type `node_type`) named `name`, for graph JSON.
pub fn output_graph_node(id: &str, node_type: &str, name: &str) -> GraphNode {
    let mut data = Map::new();
    data.insert("name".to_owned(), Value::String(name.to_owned()));
    GraphNode::new(id, node_type, data)
}

/// Edge `id` from `source.output` to `target.input`, for graph JSON.
pub fn graph_edge(id: &str, source: &str, output: &str, target: &str, input: &str) -> GraphEdge {
    let mut edge = GraphEdge::new(source, output, target, input);
    edge.id = Some(id.to_owned());
    edge
}

/// A control edge of an exported graph, with its id.
pub fn graph_control_edge(id: &str, source: &str, target: &str) -> GraphEdge {
    let mut edge = GraphEdge::control(source, target);
    edge.id = Some(id.to_owned());
    edge
}

/// Output `name` of a dynamic run, as the type the typed result has for it.
pub fn typed_output<T: NodeValue>(
    result: &RunResult,
    name: &str,
    witness: PhantomData<T>,
) -> Result<T, RunError> {
    let _ = witness;
    let value = result.get(name).ok_or_else(|| RunError::MissingOutput {
        name: name.to_owned(),
    })?;
    T::from_value(value.clone()).map_err(|error| RunError::InvalidOutput {
        name: name.to_owned(),
        message: error.to_string(),
    })
}

/// Boxes a node's firing: the future type of one node does not contain the next one's.
pub fn boxed<'a, F: Future<Output = ()> + Send + 'a>(future: F) -> BoxedFiring<'a> {
    Box::pin(future)
}

/// One boxed firing of a node.
pub type BoxedFiring<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Compiles only for a node type a `workflow!` can run (its error names what to do).
pub const fn require_static_node<N: StaticNode>() {}

/// `slot = Some(value)` for a literal (anything that converts into the input's type).
pub fn set_literal<T, V: Into<T>>(slot: &mut Option<T>, value: V) {
    *slot = Some(value.into());
}

/// `slot = Some(value)` for an edge, converting what the edge carries.
pub fn set_edge<T, V: super::static_node::EdgeInto<T>>(slot: &mut Option<T>, value: V) {
    *slot = Some(value.edge_into());
}

/// Appends an item to a gathered list input.
pub fn gather_into<T, V: super::static_node::EdgeInto<T>>(slot: &mut Option<Vec<T>>, value: V) {
    slot.get_or_insert_with(Vec::new).push(value.edge_into());
}

/// Starts a gathered list input empty (so a list whose sources sent nothing is `[]`).
pub fn gather_start<T>(slot: &mut Option<Vec<T>>) {
    *slot = Some(Vec::new());
}

/// The first required input of `required` not among `given`: its error message.
pub const fn first_missing(
    required: &'static [(&'static str, &'static str)],
    given: &[&str],
) -> Option<&'static str> {
    let mut i = 0;
    while i < required.len() {
        let mut j = 0;
        let mut found = false;
        while j < given.len() {
            if str_eq(required[i].0, given[j]) {
                found = true;
            }
            j += 1;
        }
        if !found {
            return Some(required[i].1);
        }
        i += 1;
    }
    None
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_missing_names_the_first_absent_input() {
        const REQ: &[(&str, &str)] = &[("a", "needs a"), ("b", "needs b")];
        assert_eq!(first_missing(REQ, &["a", "b"]), None);
        assert_eq!(first_missing(REQ, &["b"]), Some("needs a"));
        assert_eq!(first_missing(REQ, &["a", "bb"]), Some("needs b"));
        assert_eq!(first_missing(&[], &["x"]), None);
    }

    #[test]
    fn gathered_lists_start_empty_and_convert_items() {
        let mut slot: Option<Vec<f64>> = None;
        gather_start(&mut slot);
        assert_eq!(slot.as_deref(), Some(&[][..]));
        gather_into(&mut slot, 2i64);
        gather_into(&mut slot, 0.5f64);
        assert_eq!(slot, Some(vec![2.0, 0.5]));
    }
}
