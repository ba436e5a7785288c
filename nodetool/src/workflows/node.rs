//! The [`Node`] trait the runner drives, and the [`NodeDescriptor`] every node type registers.
//!
//! Users do not implement [`Node`] by hand: `#[node]` generates it from a struct and its
//! `process` (or `gen_process`, or `run`) method.

use super::context::ProcessingContext;
use super::io::{NodeInputs, NodeOutputs};
use crate::metadata::{NodeMetadata, ValueError};
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;

/// A boxed, sendable future: what [`Node`]'s methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Any error a node's own code returns.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How the runner drives a node type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutionMode {
    /// `process` runs once per set of inputs and returns its outputs.
    Buffered,
    /// `gen_process` runs once per set of inputs and emits many items.
    StreamingOutput,
    /// `run` runs once and reads its inputs item by item.
    StreamingInput,
}

/// What part a node type plays in a workflow, beyond computing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeRole {
    /// An ordinary node.
    Regular,
    /// A graph input: its `value` is set from the run's parameter named by its `name`.
    Input,
    /// A graph output: every value it receives becomes part of the run's result under its `name`.
    Output,
    /// A preview: every value it receives is posted as a `preview_update` message.
    Preview,
}

/// Behaviour flags of a node type, as NodeTool has them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeFlags {
    /// Results may be cached by (type, properties).
    pub cacheable: bool,
    /// The node needs the GPU: it holds the global GPU lock while it runs.
    pub requires_gpu: bool,
    /// Agents may call the node as a tool.
    pub expose_as_tool: bool,
}

/// The static description of a node type: registered once per type with `inventory`.
#[derive(Debug)]
pub struct NodeDescriptor {
    /// The full type name, `namespace.Name`.
    pub node_type: &'static str,
    /// How the runner drives it.
    pub mode: ExecutionMode,
    /// What part it plays.
    pub role: NodeRole,
    /// Its flags.
    pub flags: NodeFlags,
    /// Builds its metadata (called once per process by the registry).
    pub metadata: fn() -> NodeMetadata,
    /// Makes a fresh instance with every default filled in.
    pub create: fn() -> Box<dyn Node>,
}

inventory::collect!(NodeDescriptor);

/// A second type name for a node type, as NodeTool ships some nodes under two namespaces
/// (`lib.json.ParseDict` and `nodetool.json.ParseDict`). Declare one with [`node_alias!`].
///
/// [`node_alias!`]: crate::node_alias
#[derive(Debug)]
pub struct NodeAlias {
    /// The alias, `namespace.Name`.
    pub node_type: &'static str,
    /// The registered type it runs.
    pub target: &'static str,
    /// Adjusts the alias's metadata where the two names differ (a default, say).
    pub adjust: Option<fn(&mut crate::metadata::NodeMetadata)>,
}

inventory::collect!(NodeAlias);

/// Registers a second type name for a `#[node]` type (see [`NodeAlias`]).
///
/// ```
/// use nodetool::prelude::*;
///
/// /// Says hello.
/// #[node(namespace = "demo.a")]
/// async fn hello() -> String {
///     "hello".to_owned()
/// }
/// nodetool::node_alias!("demo.b.Hello" => "demo.a.Hello");
///
/// let registry = nodetool::workflows::NodeRegistry::global();
/// let alias = registry.get("demo.b.Hello").unwrap();
/// assert_eq!(alias.metadata.namespace, "demo.b");
/// ```
#[macro_export]
macro_rules! node_alias {
    ($alias:literal => $target:literal $(, adjust = $adjust:expr)? $(,)?) => {
        $crate::__private::inventory::submit! {
            $crate::workflows::NodeAlias {
                node_type: $alias,
                target: $target,
                adjust: $crate::node_alias!(@adjust $($adjust)?),
            }
        }
    };
    (@adjust) => { ::core::option::Option::None };
    (@adjust $adjust:expr) => { ::core::option::Option::Some($adjust) };
}

/// Why a node did not complete.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// A value on an input could not be converted to the input's type.
    #[error("input `{handle}`: {source}")]
    InvalidInput {
        /// The input handle.
        handle: String,
        /// What was wrong with the value.
        source: ValueError,
    },
    /// A required input had neither a value nor an edge that delivered one.
    #[error("required input `{handle}` has no value")]
    MissingInput {
        /// The input handle.
        handle: String,
    },
    /// A control event overrides a property the node does not have, or with a value that
    /// does not fit it.
    #[error("control event: property `{property}`: {reason}")]
    ControlProperty {
        /// The property the event names.
        property: String,
        /// What is wrong.
        reason: String,
    },
    /// Something that is not a control event arrived on a control edge.
    #[error("malformed control event: {0}")]
    MalformedControlEvent(String),
    /// The node's own code failed.
    #[error("{0}")]
    Failed(BoxError),
    /// The run was cancelled.
    #[error("cancelled")]
    Cancelled,
}

impl NodeError {
    /// Wraps an error returned by a node's own code (a [`NodeError`] that travelled through
    /// the node's `?` comes back out as itself).
    pub fn failed(error: impl Into<BoxError>) -> Self {
        match error.into().downcast::<NodeError>() {
            Ok(inner) => *inner,
            Err(other) => NodeError::Failed(other),
        }
    }
}

/// A node type declared in Rust: its type name and descriptor (generated by `#[node]`).
pub trait NodeType {
    /// The full type name, `namespace.Name`.
    const NODE_TYPE: &'static str;
    /// The type's descriptor.
    fn descriptor() -> &'static NodeDescriptor;
}

/// A node instance, as the dynamic runner sees it.
///
/// Inputs are addressed by index: the position of the property in the node's metadata.
pub trait Node: Send + Sync + 'static {
    /// The node type's static description.
    fn descriptor(&self) -> &'static NodeDescriptor;

    /// Sets input `index` (a property's position in the metadata) from a JSON value.
    fn set_input(&mut self, index: usize, value: Value) -> Result<(), NodeError>;

    /// Input `index`'s current value as JSON (`None` while it has none).
    ///
    /// Control events read this to restore a property they override for one execution; the
    /// default (no value) leaves an override in place after the execution.
    fn get_input(&self, index: usize) -> Option<Value> {
        let _ = index;
        None
    }

    /// Unsets input `index`: what restoring a property that had no value means.
    fn clear_input(&mut self, index: usize) {
        let _ = index;
    }

    /// Tells a node the names of all its inputs, by index, before any is set: the declared
    /// properties, then (for a dynamic type, `NodeMetadata::is_dynamic`) the graph node's
    /// dynamic properties. The default ignores them.
    fn set_input_names(&mut self, names: &[String]) {
        let _ = names;
    }

    /// Runs a buffered or streaming-output node once, with its current inputs, sending what it
    /// produces to `outputs`.
    fn process<'a>(
        &'a mut self,
        ctx: &'a ProcessingContext,
        outputs: &'a mut NodeOutputs,
    ) -> BoxFuture<'a, Result<(), NodeError>>;

    /// Runs a streaming-input node: it reads `inputs` item by item until they end.
    ///
    /// The default drains nothing and calls [`Node::process`] once.
    fn run<'a>(
        &'a mut self,
        ctx: &'a ProcessingContext,
        inputs: &'a mut NodeInputs,
        outputs: &'a mut NodeOutputs,
    ) -> BoxFuture<'a, Result<(), NodeError>> {
        let _ = inputs;
        self.process(ctx, outputs)
    }
}
