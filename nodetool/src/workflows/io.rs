//! What a node reads and writes while it runs: [`NodeInputs`], [`NodeOutputs`], the typed
//! [`Emitter`], and the [`Outputs`] trait that names a node's outputs.

use super::context::ProcessingContext;
use super::control::{ControlEvent, CONTROL_HANDLE, LEGACY_CONTROL_OUTPUT};
use super::emit_slot::{EmitSlot, YieldOnce};
use super::error::NodeError;
use super::inbox::NodeInbox;
use super::messages::{EdgeUpdate, ProcessingMessage};
use crate::metadata::{NodeValue, OutputSlot};
use serde_json::{Map, Value};
use std::sync::Arc;

/// The values one firing of a node produces, by output index.
#[derive(Debug)]
pub enum OutputValues {
    /// No output.
    None,
    /// The value of the single output (index 0).
    One(Value),
    /// Values of several outputs.
    Many(Vec<(usize, Value)>),
}

/// The set of outputs of a node: one value (`output`), a struct of named outputs
/// (`#[derive(Outputs)]`), or `()` for none.
pub trait Outputs: Send + 'static {
    /// The outputs as a struct with one public field per output name (what `workflow!`'s
    /// edges read): [`SingleOutput`] for a single value, the struct itself for
    /// `#[derive(Outputs)]`.
    type Fields;
    /// The output slots, in order.
    fn slots() -> Vec<OutputSlot>;
    /// The values, by slot index.
    fn into_values(self) -> OutputValues;
    /// The outputs by name.
    fn into_fields(self) -> Self::Fields;
}

/// The outputs of a node with a single output: the field `output`.
#[derive(Debug, Clone, PartialEq)]
pub struct SingleOutput<T> {
    /// The node's only output.
    pub output: T,
}

impl<T: NodeValue> Outputs for T {
    type Fields = SingleOutput<T>;
    fn into_fields(self) -> SingleOutput<T> {
        SingleOutput { output: self }
    }
    fn slots() -> Vec<OutputSlot> {
        vec![OutputSlot {
            type_metadata: T::type_metadata(),
            name: "output".to_owned(),
            stream: false,
        }]
    }
    fn into_values(self) -> OutputValues {
        OutputValues::One(self.into_value())
    }
}

impl Outputs for () {
    type Fields = ();
    fn into_fields(self) {}
    fn slots() -> Vec<OutputSlot> {
        Vec::new()
    }
    fn into_values(self) -> OutputValues {
        OutputValues::None
    }
}

/// One downstream connection of an output.
#[derive(Debug)]
pub(crate) struct Route {
    pub(crate) inbox: Arc<NodeInbox>,
    pub(crate) handle: usize,
    pub(crate) edge_id: Arc<str>,
    pub(crate) sent: u64,
}

/// Where a running node's outputs go: every edge leaving each output.
#[derive(Debug)]
pub struct NodeOutputs {
    names: Arc<[String]>,
    /// The edges leaving every output, output after output.
    routes: Vec<Route>,
    /// Per output: where its edges end in `routes` (they start where the previous output's
    /// end).
    route_ends: Arc<[usize]>,
    /// The control edges leaving the node.
    control: Vec<Route>,
    last: Vec<Option<Value>>,
    ctx: ProcessingContext,
    track_last: bool,
    /// While a cacheable node fires: every value it sends, to be cached.
    capture: Option<Vec<(usize, Value)>>,
}

impl NodeOutputs {
    pub(crate) fn new(
        names: Arc<[String]>,
        (routes, route_ends): (Vec<Route>, Arc<[usize]>),
        control: Vec<Route>,
        ctx: ProcessingContext,
    ) -> Self {
        let track_last = ctx.has_listener();
        Self {
            // Only a listener is told the last values.
            last: if track_last {
                vec![None; names.len()]
            } else {
                Vec::new()
            },
            names,
            routes,
            route_ends,
            control,
            ctx,
            track_last,
            capture: None,
        }
    }

    /// Starts recording what is sent (for the node result cache).
    pub(crate) fn start_capture(&mut self) {
        self.capture = Some(Vec::new());
    }

    /// What was sent since [`Self::start_capture`], by output name.
    pub(crate) fn take_capture(&mut self) -> Vec<(String, Value)> {
        self.capture
            .take()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(i, v)| self.names.get(i).map(|n| (n.clone(), v)))
            .collect()
    }

    /// The index of the output named `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Sends `value` on output `index` to every edge leaving it, waiting while a receiver's
    /// buffer is full.
    pub async fn send(&mut self, index: usize, value: Value) -> Result<(), NodeError> {
        if self.ctx.is_cancelled() {
            return Err(NodeError::Cancelled);
        }
        let Some(&end) = self.route_ends.get(index) else {
            return Err(NodeError::failed(format!("no output with index {index}")));
        };
        let start = index.checked_sub(1).map_or(0, |i| self.route_ends[i]);
        // Closed outputs have no edges left.
        let routes = self.routes.get_mut(start..end).unwrap_or_default();
        if self.track_last {
            if let Some(slot) = self.last.get_mut(index) {
                *slot = Some(value.clone());
            }
        }
        if let Some(capture) = &mut self.capture {
            capture.push((index, value.clone()));
        }
        let Some((last, others)) = routes.split_last_mut() else {
            return Ok(());
        };
        for route in others {
            deliver(&self.ctx, route, value.clone()).await;
        }
        deliver(&self.ctx, last, value).await;
        Ok(())
    }

    /// Sends `event` along every control edge leaving the node (none: the event is dropped,
    /// as NodeTool drops it).
    pub async fn send_control(&mut self, event: &ControlEvent) -> Result<(), NodeError> {
        self.send_control_value(event.to_value()).await
    }

    async fn send_control_value(&mut self, value: Value) -> Result<(), NodeError> {
        if self.ctx.is_cancelled() {
            return Err(NodeError::Cancelled);
        }
        for route in &mut self.control {
            deliver(&self.ctx, route, value.clone()).await;
        }
        Ok(())
    }

    /// Sends `value` on the output named `name`.
    ///
    /// `__control__` (a control event's JSON) and NodeTool's legacy `__control_output__` (an
    /// object of properties, run as a run event) go along the node's control edges.
    pub async fn send_named(&mut self, name: &str, value: Value) -> Result<(), NodeError> {
        match self.index_of(name) {
            Some(i) => self.send(i, value).await,
            None if name == CONTROL_HANDLE || name == LEGACY_CONTROL_OUTPUT => {
                self.send_control_value(value).await
            }
            None => Err(NodeError::failed(format!(
                "no output named `{name}` (outputs: {})",
                self.names.join(", ")
            ))),
        }
    }

    /// Sends every value of one firing.
    pub async fn send_all(&mut self, values: OutputValues) -> Result<(), NodeError> {
        match values {
            OutputValues::None => Ok(()),
            OutputValues::One(v) => self.send(0, v).await,
            OutputValues::Many(vs) => {
                for (i, v) in vs {
                    self.send(i, v).await?;
                }
                Ok(())
            }
        }
    }

    /// The last value sent on each output, by name (for `node_update` results).
    pub fn last_values(&self) -> Map<String, Value> {
        self.names
            .iter()
            .zip(&self.last)
            .filter_map(|(n, v)| v.clone().map(|v| (n.clone(), v)))
            .collect()
    }

    /// Ends every edge leaving this node: downstream handles see end-of-stream.
    pub(crate) async fn close(&mut self) {
        for route in self.routes.iter().chain(&self.control) {
            route.inbox.source_done(route.handle);
            post_edge_update(&self.ctx, route, "drained", None).await;
        }
        self.routes.clear();
        self.control.clear();
    }
}

impl Drop for NodeOutputs {
    /// Edges not ended by `close` (the node panicked, or its run was dropped)
    /// end here, so no node downstream waits for items that will never come.
    fn drop(&mut self) {
        for route in self.routes.iter().chain(&self.control) {
            route.inbox.source_done(route.handle);
        }
    }
}

/// Puts `item` into one route's inbox and reports it; a receiver that has finished no longer
/// wants items, which is not an error.
async fn deliver(ctx: &ProcessingContext, route: &mut Route, item: Value) {
    if route.inbox.put(route.handle, item).await.is_ok() {
        route.sent += 1;
        post_edge_update(ctx, route, "message_sent", Some(route.sent)).await;
    }
}

async fn post_edge_update(
    ctx: &ProcessingContext,
    route: &Route,
    status: &'static str,
    counter: Option<u64>,
) {
    ctx.post_with(|| {
        ProcessingMessage::EdgeUpdate(EdgeUpdate {
            workflow_id: ctx.workflow_id_arc(),
            edge_id: Arc::clone(&route.edge_id),
            status: status.into(),
            counter,
        })
    })
    .await;
}

/// A typed view of a node's outputs, handed to `gen_process` and `run`.
///
/// In a graph run by [`WorkflowRunner`](super::WorkflowRunner) items go out as JSON; in a
/// `workflow!` they go straight to the typed code of the nodes downstream.
pub struct Emitter<'a, O: Outputs> {
    target: EmitTarget<'a, O>,
}

enum EmitTarget<'a, O> {
    Dynamic(&'a mut NodeOutputs),
    Static(&'a EmitSlot<O>),
}

impl<'a, O: Outputs> Emitter<'a, O> {
    /// Wraps the node's outputs.
    pub fn new(outputs: &'a mut NodeOutputs) -> Self {
        Self {
            target: EmitTarget::Dynamic(outputs),
        }
    }

    /// Leaves items in `slot` for typed code (what `workflow!`'s executors use).
    pub fn to_slot(slot: &'a EmitSlot<O>) -> Self {
        Self {
            target: EmitTarget::Static(slot),
        }
    }

    /// Emits one item (for a single output, its value; for a struct of outputs, each field).
    pub async fn emit(&mut self, item: O) -> Result<(), NodeError> {
        match &mut self.target {
            EmitTarget::Dynamic(outputs) => outputs.send_all(item.into_values()).await,
            EmitTarget::Static(slot) => {
                slot.put(item);
                YieldOnce::default().await;
                Ok(())
            }
        }
    }

    /// Sends a control event along the node's control edges: each controlled node runs once
    /// per run event (see [`ControlEvent`]).
    ///
    /// In a `workflow!` without control edges there is no one to receive it: it is dropped.
    pub async fn control(&mut self, event: ControlEvent) -> Result<(), NodeError> {
        match &mut self.target {
            EmitTarget::Dynamic(outputs) => outputs.send_control(&event).await,
            EmitTarget::Static(_) => Ok(()),
        }
    }

    /// Emits `value` on the output named `name` alone.
    ///
    /// Only in graphs run by the dynamic runner: in a `workflow!` every item carries all of a
    /// node's outputs, so this is an error there (emit a whole item instead).
    pub async fn emit_to(&mut self, name: &str, value: impl NodeValue) -> Result<(), NodeError> {
        match &mut self.target {
            EmitTarget::Dynamic(outputs) => outputs.send_named(name, value.into_value()).await,
            EmitTarget::Static(_) => Err(NodeError::failed(format!(
                "`emit_to(\"{name}\", ..)` cannot be used in a `workflow!`: emit a whole item"
            ))),
        }
    }
}

/// A streaming-input node's inbox, addressed by handle name.
#[derive(Debug)]
pub struct NodeInputs {
    inbox: Arc<NodeInbox>,
    names: Arc<[String]>,
}

impl NodeInputs {
    pub(crate) fn new(inbox: Arc<NodeInbox>, names: Arc<[String]>) -> Self {
        Self { inbox, names }
    }

    fn index(&self, handle: &str) -> Result<usize, NodeError> {
        self.names.iter().position(|n| n == handle).ok_or_else(|| {
            NodeError::failed(format!(
                "no input named `{handle}` (inputs: {})",
                self.names.join(", ")
            ))
        })
    }

    /// The next item on any handle, in arrival order, with its handle's name; `None` once
    /// every handle has ended.
    pub async fn recv_any(&mut self) -> Option<(&str, Value)> {
        // Control handles follow the inputs in the inbox: they are the runner's, not the node's.
        let inputs = self.names.len();
        let (i, v) = self.inbox.recv_any_of(|h| h < inputs).await?;
        Some((self.names[i].as_str(), v))
    }

    /// The next item on `handle`; `Ok(None)` once it has ended.
    pub async fn recv(&mut self, handle: &str) -> Result<Option<Value>, NodeError> {
        let i = self.index(handle)?;
        Ok(self.inbox.recv(i).await)
    }

    /// The next item on `handle`, converted to `T`.
    pub async fn recv_as<T: NodeValue>(&mut self, handle: &str) -> Result<Option<T>, NodeError> {
        match self.recv(handle).await? {
            None => Ok(None),
            Some(v) => T::from_value(v)
                .map(Some)
                .map_err(|source| NodeError::InvalidInput {
                    handle: handle.to_owned(),
                    source,
                }),
        }
    }

    /// Whether `handle` may still deliver items.
    pub fn has_stream(&self, handle: &str) -> bool {
        self.index(handle).is_ok_and(|i| self.inbox.is_open(i))
    }
}
