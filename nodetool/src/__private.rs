//! Items the macros' generated code uses. Not a public API: names here may change any time.

pub use crate::workflows::static_exec::*;
pub use inventory;
pub use serde_json::{Map, Value};
pub use tokio;

use crate::metadata::OutputSlot;
use crate::workflows::{
    BoxFuture, Emitter, Node, NodeDescriptor, NodeError, NodeInputs, NodeOutputs, NodeType,
    Outputs, ProcessingContext,
};
use std::future::Future;

/// The output slots of `async fn process(&self, ctx) -> Result<O, E>`.
pub fn slots_of_process<'a, N: 'a, F, Fut, O, E>(_f: F) -> Vec<OutputSlot>
where
    F: FnOnce(&'a N, &'a ProcessingContext) -> Fut,
    Fut: Future<Output = Result<O, E>>,
    O: Outputs,
{
    O::slots()
}

/// The output slots of `async fn gen_process(&self, ctx, out: Emitter<O>) -> Result<(), E>`.
pub fn slots_of_gen_process<'a, N: 'a, F, Fut, O, E>(_f: F) -> Vec<OutputSlot>
where
    F: FnOnce(&'a N, &'a ProcessingContext, Emitter<'a, O>) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    O: Outputs,
{
    O::slots()
}

/// The output slots of `async fn run(&mut self, ctx, inputs, out: Emitter<O>) -> Result<(), E>`.
pub fn slots_of_run<'a, N: 'a, F, Fut, O, E>(_f: F) -> Vec<OutputSlot>
where
    F: FnOnce(&'a mut N, &'a ProcessingContext, &'a mut NodeInputs, Emitter<'a, O>) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    O: Outputs,
{
    O::slots()
}

/// A node input's value as JSON.
pub fn value_of<T: crate::metadata::NodeValue>(value: &T) -> Value {
    value.clone().into_value()
}

/// A node struct's inputs: filled one by one before the struct can be built.
pub trait NodeFields: Sized + Send + Sync + 'static {
    /// One `Option` per input, named as the inputs.
    type Pending: Clone + Send + Sync + 'static;
    /// The inputs' names, by index.
    const INPUT_NAMES: &'static [&'static str];
    /// The inputs with no default: `(name, what to do when it is missing)`.
    const REQUIRED: &'static [(&'static str, &'static str)];
    /// Pending inputs with every default filled in.
    fn pending() -> Self::Pending;
    /// The index of input `name`.
    fn input_index(name: &str) -> Option<usize> {
        Self::INPUT_NAMES.iter().position(|n| *n == name)
    }
    /// Input `index` as JSON, if it has a value.
    fn get(pending: &Self::Pending, index: usize) -> Option<Value>;
    /// Input `index`'s current value: from the struct if built, else from the pending inputs.
    fn current(node: Option<&Self>, pending: &Self::Pending, index: usize) -> Option<Value>;
    /// Unsets input `index` (the struct, if built, goes back to pending inputs).
    fn clear(node: &mut Option<Self>, pending: &mut Self::Pending, index: usize);
    /// The struct, once every input has a value.
    fn build(pending: &mut Self::Pending) -> Result<Self, NodeError>;
    /// Sets input `index` on the struct if built, else on the pending inputs.
    fn set(
        node: Option<&mut Self>,
        pending: &mut Self::Pending,
        index: usize,
        value: Value,
    ) -> Result<(), NodeError>;
}

/// How the runner calls a node struct's own methods.
pub trait NodeBehaviour: NodeFields {
    /// One firing (`process` or `gen_process`).
    fn __process_dyn<'a>(
        node: &'a mut Self,
        ctx: &'a ProcessingContext,
        outputs: &'a mut NodeOutputs,
    ) -> BoxFuture<'a, Result<(), NodeError>>;

    /// A streaming-input node's whole run.
    fn __run_dyn<'a>(
        node: &'a mut Self,
        ctx: &'a ProcessingContext,
        inputs: &'a mut NodeInputs,
        outputs: &'a mut NodeOutputs,
    ) -> BoxFuture<'a, Result<(), NodeError>> {
        let _ = inputs;
        Self::__process_dyn(node, ctx, outputs)
    }
}

/// The [`Node`] the runner drives for a `#[node]` struct.
pub struct Adapter<N: NodeFields> {
    node: Option<N>,
    pending: N::Pending,
}

impl<N: NodeFields> Adapter<N> {
    /// An instance with every default filled in.
    pub fn new() -> Self {
        Self {
            node: None,
            pending: N::pending(),
        }
    }

    fn ready(&mut self) -> Result<&mut N, NodeError> {
        if self.node.is_none() {
            self.node = Some(N::build(&mut self.pending)?);
        }
        self.node
            .as_mut()
            .ok_or_else(|| NodeError::failed("node was not built"))
    }
}

impl<N: NodeFields> Default for Adapter<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<N: NodeBehaviour + NodeType> Node for Adapter<N> {
    fn descriptor(&self) -> &'static NodeDescriptor {
        N::descriptor()
    }

    fn set_input(&mut self, index: usize, value: Value) -> Result<(), NodeError> {
        N::set(self.node.as_mut(), &mut self.pending, index, value)
    }

    fn get_input(&self, index: usize) -> Option<Value> {
        N::current(self.node.as_ref(), &self.pending, index)
    }

    fn clear_input(&mut self, index: usize) {
        N::clear(&mut self.node, &mut self.pending, index);
    }

    fn process<'a>(
        &'a mut self,
        ctx: &'a ProcessingContext,
        outputs: &'a mut NodeOutputs,
    ) -> BoxFuture<'a, Result<(), NodeError>> {
        match self.ready() {
            Ok(node) => N::__process_dyn(node, ctx, outputs),
            Err(e) => Box::pin(async move { Err(e) }),
        }
    }

    fn run<'a>(
        &'a mut self,
        ctx: &'a ProcessingContext,
        inputs: &'a mut NodeInputs,
        outputs: &'a mut NodeOutputs,
    ) -> BoxFuture<'a, Result<(), NodeError>> {
        match self.ready() {
            Ok(node) => N::__run_dyn(node, ctx, inputs, outputs),
            Err(e) => Box::pin(async move { Err(e) }),
        }
    }
}
