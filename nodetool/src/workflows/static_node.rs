//! What `workflow!` needs of a node type: [`StaticNode`] (typed firing), [`OutputSink`] (where
//! typed outputs go) and [`EdgeInto`] (which values an edge may carry into which input).

use super::context::ProcessingContext;
use super::emit_slot::OutputSink;
use super::error::NodeError;
use super::io::{NodeInputs, Outputs};
use super::node::NodeType;
use crate::__private::NodeFields;
use crate::metadata::{NodeValue, Number};
use serde_json::{Map, Value};
use std::future::Future;

/// A node type a `workflow!` can run with typed values: `#[node]` implements it for an
/// `async fn` node, and for a struct node when `#[node]` is also on the struct's `impl` block.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used in `workflow!` yet",
    label = "not a typed node",
    note = "declare `{Self}` with `#[node]` (on a struct or an async fn) to use it in a workflow"
)]
pub trait StaticNode: NodeFields + NodeType {
    /// What one firing produces (a single value, or a `#[derive(Outputs)]` struct).
    type Out: Outputs;

    /// Runs a buffered or streaming-output node once, sending what it produces to `sink`.
    fn fire<S: OutputSink<Self::Out>>(
        &mut self,
        ctx: &ProcessingContext,
        sink: &mut S,
    ) -> impl Future<Output = Result<(), NodeError>> + Send;

    /// Runs a streaming-input node over its inbox.
    fn run_inbox<S: OutputSink<Self::Out>>(
        &mut self,
        ctx: &ProcessingContext,
        inputs: &mut NodeInputs,
        sink: &mut S,
    ) -> impl Future<Output = Result<(), NodeError>> + Send {
        let _ = (ctx, inputs);
        self.fire(ctx, sink)
    }
}

/// Which values an edge may carry into an input of type `T`: the same type, and the
/// conversions NodeTool makes between its types (an int or a number into a float, anything
/// into `any`, a value into an optional input).
///
/// ```
/// use nodetool::workflows::EdgeInto;
/// assert_eq!(<i64 as EdgeInto<f64>>::edge_into(3), 3.0);
/// assert_eq!(<String as EdgeInto<serde_json::Value>>::edge_into("a".into()), "a");
/// ```
#[diagnostic::on_unimplemented(
    message = "an edge carrying `{Self}` cannot go into an input of type `{T}`",
    label = "this edge carries `{Self}`, the input takes `{T}`",
    note = "connect an output of type `{T}` (or one NodeTool converts: int → float, any value → `Value`), or put a converting node in between; to gather items into a list, write `[node.output]`"
)]
pub trait EdgeInto<T> {
    /// Converts the carried value into the input's type.
    fn edge_into(self) -> T;
}

impl<T> EdgeInto<T> for T {
    fn edge_into(self) -> T {
        self
    }
}

impl EdgeInto<f64> for i64 {
    fn edge_into(self) -> f64 {
        self as f64
    }
}

impl EdgeInto<Number> for i64 {
    fn edge_into(self) -> Number {
        Number::from(self)
    }
}

impl EdgeInto<f64> for Number {
    fn edge_into(self) -> f64 {
        self.as_f64()
    }
}

impl EdgeInto<Number> for f64 {
    fn edge_into(self) -> Number {
        Number::from(self)
    }
}

macro_rules! edge_into_value {
    ($($t:ty),*) => {$(
        impl EdgeInto<Value> for $t {
            fn edge_into(self) -> Value {
                NodeValue::into_value(self)
            }
        }
        impl EdgeInto<Option<$t>> for $t {
            fn edge_into(self) -> Option<$t> {
                Some(self)
            }
        }
    )*};
}

edge_into_value!(String, bool, i64, i32, u32, u64, f64, f32, Number, Map<String, Value>);

impl<T: NodeValue> EdgeInto<Value> for Vec<T> {
    fn edge_into(self) -> Value {
        NodeValue::into_value(self)
    }
}

macro_rules! edge_into_value_list {
    ($($t:ty),*) => {$(
        impl EdgeInto<Vec<Value>> for Vec<$t> {
            fn edge_into(self) -> Vec<Value> {
                self.into_iter().map(NodeValue::into_value).collect()
            }
        }
    )*};
}

edge_into_value_list!(String, bool, i64, f64, Number, Map<String, Value>);
