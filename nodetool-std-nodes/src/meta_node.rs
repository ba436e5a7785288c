//! Nodes described by NodeTool's own metadata ([`crate::nodetool_metadata`]): their
//! properties, defaults and outputs are NodeTool's by construction, and a node type is one
//! [`Behaviour`] (what `process` does with the property values) plus one
//! [`meta_node!`](crate::meta_node) line. Used for families of NodeTool node types with
//! dynamic properties or outputs, or many near-identical members (search engines).

use nodetool::metadata::{NodeMetadata, OutputSlot};
use nodetool::workflows::{
    BoxFuture, Node, NodeDescriptor, NodeError, NodeInputs, NodeOutputs, ProcessingContext,
};
use serde_json::{Map, Value};
use std::marker::PhantomData;

/// The property values of one node: the declared properties (with NodeTool's defaults), then
/// the graph's dynamic properties.
#[derive(Debug, Default, Clone)]
pub struct Props {
    names: Vec<String>,
    values: Vec<Value>,
    declared: usize,
    outputs: Vec<OutputSlot>,
    controlled: Vec<nodetool::workflows::ControlledNode>,
}

impl Props {
    /// The defaults of `metadata`'s properties.
    pub fn from_metadata(metadata: &NodeMetadata) -> Self {
        Self {
            names: metadata.properties.iter().map(|p| p.name.clone()).collect(),
            values: metadata
                .properties
                .iter()
                .map(|p| p.default.clone().unwrap_or(Value::Null))
                .collect(),
            declared: metadata.properties.len(),
            outputs: Vec::new(),
            controlled: Vec::new(),
        }
    }

    /// The nodes this node controls through control edges.
    pub fn controlled(&self) -> &[nodetool::workflows::ControlledNode] {
        &self.controlled
    }

    /// The outputs the graph declared for this node (dynamic outputs), in order.
    pub fn dynamic_outputs(&self) -> &[OutputSlot] {
        &self.outputs
    }

    /// Property `name`'s value (`null` when there is no such property).
    pub fn get(&self, name: &str) -> &Value {
        self.names
            .iter()
            .position(|n| n == name)
            .map_or(&Value::Null, |i| &self.values[i])
    }

    /// Property `name` as a node value type (a model, an image, …).
    pub fn typed<T: nodetool::metadata::NodeValue>(&self, name: &str) -> Result<T, NodeError> {
        T::from_value(self.get(name).clone()).map_err(|e| NodeError::failed(format!("{name}: {e}")))
    }

    /// Property `name` as text: a string as it is, `null` as empty, numbers and booleans
    /// printed as JSON.
    pub fn str(&self, name: &str) -> String {
        match self.get(name) {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        }
    }

    /// Property `name` as an integer (a float is truncated, a numeric string parsed).
    pub fn int(&self, name: &str) -> Result<i64, NodeError> {
        match self.get(name) {
            Value::Number(n) => n
                .as_i64()
                .or_else(|| n.as_f64().map(|f| f as i64))
                .ok_or_else(|| NodeError::failed(format!("{name}: {n} is not an integer"))),
            Value::String(s) => s
                .trim()
                .parse()
                .map_err(|_| NodeError::failed(format!("{name}: `{s}` is not an integer"))),
            Value::Bool(b) => Ok(i64::from(*b)),
            other => Err(NodeError::failed(format!(
                "{name}: expected an integer, got {other}"
            ))),
        }
    }

    /// Property `name` as a float.
    pub fn float(&self, name: &str) -> Result<f64, NodeError> {
        match self.get(name) {
            Value::Number(n) => n
                .as_f64()
                .ok_or_else(|| NodeError::failed(format!("{name}: {n} is not a number"))),
            Value::String(s) => s
                .trim()
                .parse()
                .map_err(|_| NodeError::failed(format!("{name}: `{s}` is not a number"))),
            other => Err(NodeError::failed(format!(
                "{name}: expected a number, got {other}"
            ))),
        }
    }

    /// Property `name` as a boolean (`null` is false).
    pub fn bool(&self, name: &str) -> bool {
        match self.get(name) {
            Value::Bool(b) => *b,
            Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
            Value::String(s) => matches!(s.to_ascii_lowercase().as_str(), "true" | "1" | "yes"),
            _ => false,
        }
    }

    /// The dynamic properties (the graph's, beyond the declared ones), in order.
    pub fn dynamic(&self) -> Map<String, Value> {
        self.names
            .iter()
            .zip(&self.values)
            .skip(self.declared)
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect()
    }

    fn set_names(&mut self, names: &[String]) {
        for name in names.iter().skip(self.declared) {
            if !self.names.contains(name) {
                self.names.push(name.clone());
                self.values.push(Value::Null);
            }
        }
    }

    fn set(&mut self, index: usize, value: Value) -> Result<(), NodeError> {
        let slot = self
            .values
            .get_mut(index)
            .ok_or_else(|| NodeError::failed(format!("no property with index {index}")))?;
        // NodeTool keeps a declared property's default when given null, [] or {}.
        let empty = match &value {
            Value::Null => true,
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.is_empty(),
            _ => false,
        };
        if index < self.declared && empty {
            return Ok(());
        }
        *slot = value;
        Ok(())
    }
}

/// What a node type does with its property values.
pub trait Behaviour: Send + Sync + 'static {
    /// The registered descriptor (made by [`meta_node!`](crate::meta_node)).
    fn descriptor() -> &'static NodeDescriptor;

    /// Runs once with `props`, sending results to `outputs`.
    fn process<'a>(
        props: &'a Props,
        ctx: &'a ProcessingContext,
        outputs: &'a mut NodeOutputs,
    ) -> BoxFuture<'a, Result<(), NodeError>>;

    /// Runs a streaming-input node: it reads `inputs` item by item. The default runs
    /// [`Behaviour::process`] once.
    fn run_inputs<'a>(
        props: &'a Props,
        ctx: &'a ProcessingContext,
        inputs: &'a mut NodeInputs,
        outputs: &'a mut NodeOutputs,
    ) -> BoxFuture<'a, Result<(), NodeError>> {
        let _ = inputs;
        Self::process(props, ctx, outputs)
    }
}

/// A node of type `B`.
pub struct MetaNode<B> {
    props: Props,
    behaviour: PhantomData<fn() -> B>,
}

impl<B: Behaviour> MetaNode<B> {
    /// A node with NodeTool's defaults.
    pub fn new() -> Self {
        Self {
            props: Props::from_metadata(&(B::descriptor().metadata)()),
            behaviour: PhantomData,
        }
    }
}

impl<B: Behaviour> Default for MetaNode<B> {
    fn default() -> Self {
        Self::new()
    }
}

impl<B: Behaviour> Node for MetaNode<B> {
    fn descriptor(&self) -> &'static NodeDescriptor {
        B::descriptor()
    }

    fn set_input_names(&mut self, names: &[String]) {
        self.props.set_names(names);
    }

    fn set_controlled_nodes(&mut self, nodes: &[nodetool::workflows::ControlledNode]) {
        self.props.controlled = nodes.to_vec();
    }

    fn set_dynamic_outputs(&mut self, outputs: &[OutputSlot]) {
        self.props.outputs = outputs.to_vec();
    }

    fn set_input(&mut self, index: usize, value: Value) -> Result<(), NodeError> {
        self.props.set(index, value)
    }

    fn get_input(&self, index: usize) -> Option<Value> {
        self.props.values.get(index).cloned()
    }

    fn process<'a>(
        &'a mut self,
        ctx: &'a ProcessingContext,
        outputs: &'a mut NodeOutputs,
    ) -> BoxFuture<'a, Result<(), NodeError>> {
        B::process(&self.props, ctx, outputs)
    }

    fn run<'a>(
        &'a mut self,
        ctx: &'a ProcessingContext,
        inputs: &'a mut NodeInputs,
        outputs: &'a mut NodeOutputs,
    ) -> BoxFuture<'a, Result<(), NodeError>> {
        B::run_inputs(&self.props, ctx, inputs, outputs)
    }
}

/// Registers NodeTool node type `$node_type` as the unit struct `$name`, whose
/// `fn run(props, ctx, outputs) -> BoxFuture<Result<(), NodeError>>` (in an `impl $name`)
/// does the work; the metadata is NodeTool's.
///
/// `$mode` is an [`ExecutionMode`](nodetool::workflows::ExecutionMode) variant,
/// `cacheable` whether results may be cached, `tool` whether agents may call it.
#[macro_export]
#[doc(hidden)]
macro_rules! meta_node {
    ($(#[$doc:meta])* $name:ident, $node_type:literal, StreamingInput, cacheable = $cacheable:expr, tool = $tool:expr) => {
        $crate::meta_node!(@register $(#[$doc])* $name, $node_type, StreamingInput, $cacheable, $tool);

        impl $crate::meta_node::Behaviour for $name {
            fn descriptor() -> &'static ::nodetool::workflows::NodeDescriptor {
                &$name::DESCRIPTOR
            }

            fn process<'a>(
                props: &'a $crate::meta_node::Props,
                ctx: &'a ::nodetool::workflows::ProcessingContext,
                outputs: &'a mut ::nodetool::workflows::NodeOutputs,
            ) -> ::nodetool::workflows::BoxFuture<'a, Result<(), ::nodetool::workflows::NodeError>> {
                let _ = (props, ctx, outputs);
                Box::pin(async {
                    Err(::nodetool::workflows::NodeError::failed(concat!(
                        $node_type,
                        " reads its inputs as streams and has no single-run form"
                    )))
                })
            }

            fn run_inputs<'a>(
                props: &'a $crate::meta_node::Props,
                ctx: &'a ::nodetool::workflows::ProcessingContext,
                inputs: &'a mut ::nodetool::workflows::NodeInputs,
                outputs: &'a mut ::nodetool::workflows::NodeOutputs,
            ) -> ::nodetool::workflows::BoxFuture<'a, Result<(), ::nodetool::workflows::NodeError>> {
                Box::pin($name::run(props, ctx, inputs, outputs))
            }
        }
    };
    ($(#[$doc:meta])* $name:ident, $node_type:literal, $mode:ident, cacheable = $cacheable:expr, tool = $tool:expr) => {
        $crate::meta_node!(@register $(#[$doc])* $name, $node_type, $mode, $cacheable, $tool);

        impl $crate::meta_node::Behaviour for $name {
            fn descriptor() -> &'static ::nodetool::workflows::NodeDescriptor {
                &$name::DESCRIPTOR
            }

            fn process<'a>(
                props: &'a $crate::meta_node::Props,
                ctx: &'a ::nodetool::workflows::ProcessingContext,
                outputs: &'a mut ::nodetool::workflows::NodeOutputs,
            ) -> ::nodetool::workflows::BoxFuture<'a, Result<(), ::nodetool::workflows::NodeError>> {
                Box::pin($name::run(props, ctx, outputs))
            }
        }
    };
    (@register $(#[$doc:meta])* $name:ident, $node_type:literal, $mode:ident, $cacheable:expr, $tool:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl $name {
            const DESCRIPTOR: ::nodetool::workflows::NodeDescriptor =
                ::nodetool::workflows::NodeDescriptor {
                    node_type: $node_type,
                    mode: ::nodetool::workflows::ExecutionMode::$mode,
                    role: ::nodetool::workflows::NodeRole::Regular,
                    flags: ::nodetool::workflows::NodeFlags {
                        cacheable: $cacheable,
                        requires_gpu: false,
                        expose_as_tool: $tool,
                    },
                    metadata: || $crate::nodetool_metadata::nodetool_metadata($node_type),
                    create: || Box::new($crate::meta_node::MetaNode::<$name>::new()),
                };
        }

        ::nodetool::__private::inventory::submit! {
            ::nodetool::workflows::NodeDescriptor { ..$name::DESCRIPTOR }
        }
    };
}
