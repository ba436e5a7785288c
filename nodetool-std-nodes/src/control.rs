//! `nodetool.control`: routing, iterating and collecting, with NodeTool's streaming behaviour.

use crate::python::py_truthy;
use nodetool::prelude::*;
use serde_json::Value;
use std::collections::VecDeque;

/// The outputs of [`If`]: a value goes to one of them.
#[derive(Outputs)]
pub struct IfOutputs {
    /// Values routed while the condition holds.
    pub if_true: Value,
    /// Values routed while it does not.
    pub if_false: Value,
}

/// Route values to different branches based on boolean condition.
/// control, flow, condition, logic, else, true, false, switch, toggle, flow-control
///
/// Streams in both inputs, in arrival order: each value goes out on `if_true` or `if_false`,
/// paired with the oldest streamed condition not yet used (else the latest one, else the
/// `condition` property). Conditions are Python truthiness (`0`, `""`, `[]`, `null` are
/// false). When no value streams in, the `value` property is routed once. `null` values are
/// not emitted, as in NodeTool.
#[node(namespace = "nodetool.control", streaming_input)]
pub struct If {
    /// The condition to evaluate
    #[input(default = false)]
    pub condition: bool,
    /// The value to pass to the next node
    #[input(default = Value::Array(Vec::new()))]
    pub value: Value,
}

impl Run for If {
    type Item = IfOutputs;

    async fn run(
        &mut self,
        _ctx: &ProcessingContext,
        inputs: &mut NodeInputs,
        mut out: Emitter<'_, IfOutputs>,
    ) -> Result<()> {
        let mut current = self.condition;
        let mut conditions = VecDeque::new();
        let mut routed_any = false;
        while let Some((handle, item)) = inputs.recv_any().await {
            match handle {
                "condition" => {
                    current = py_truthy(&item);
                    conditions.push_back(current);
                }
                "value" => {
                    let condition = conditions.pop_front().unwrap_or(current);
                    routed_any = true;
                    route(&mut out, condition, item).await?;
                }
                _ => {}
            }
        }
        if !routed_any {
            route(&mut out, current, std::mem::take(&mut self.value)).await?;
        }
        Ok(())
    }
}

/// Emits `value` on `if_true` or `if_false` (nothing for `null`).
async fn route(out: &mut Emitter<'_, IfOutputs>, condition: bool, value: Value) -> Result<()> {
    if !value.is_null() {
        let slot = if condition { "if_true" } else { "if_false" };
        out.emit_to(slot, value).await?;
    }
    Ok(())
}

/// The outputs of [`ForEach`]: each item and its index.
#[derive(Outputs)]
pub struct ForEachItem {
    /// The item.
    pub output: Value,
    /// Its position in the list.
    pub index: i64,
}

/// Iterate over list and emit each element individually with its index.
/// iterator, loop, list, sequence
#[node(namespace = "nodetool.control", title = "For Each", streaming_output)]
pub struct ForEach {
    /// The list of items to iterate over.
    #[input(default)]
    pub input_list: Vec<Value>,
}

impl GenProcess for ForEach {
    type Item = ForEachItem;

    async fn gen_process(
        &self,
        _ctx: &ProcessingContext,
        mut out: Emitter<'_, ForEachItem>,
    ) -> Result<()> {
        for (i, item) in self.input_list.iter().enumerate() {
            out.emit(ForEachItem {
                output: item.clone(),
                index: i64::try_from(i)?,
            })
            .await?;
        }
        Ok(())
    }
}

/// Accumulate all stream items into a single list.
/// collector, aggregate, list, stream
///
/// Emits the list once, when every stream into `input_item` has ended (`[]` when nothing is
/// connected).
#[node(namespace = "nodetool.control", streaming_input)]
pub struct Collect {
    /// The input item to collect.
    #[input(default = Value::Array(Vec::new()))]
    pub input_item: Value,
}

impl Run for Collect {
    type Item = Vec<Value>;

    async fn run(
        &mut self,
        _ctx: &ProcessingContext,
        inputs: &mut NodeInputs,
        mut out: Emitter<'_, Vec<Value>>,
    ) -> Result<()> {
        let mut items = Vec::new();
        while let Some(item) = inputs.recv("input_item").await? {
            items.push(item);
        }
        out.emit(items).await?;
        Ok(())
    }
}

/// Pass value through unchanged to simplify workflow visual layout.
/// reroute, passthrough, organize, tidy, flow, connection, redirect
///
/// Every item streamed into `input_value` goes out unchanged, in order; with nothing
/// connected it emits nothing.
#[node(namespace = "nodetool.control", streaming_input)]
pub struct Reroute {
    /// Value to pass through unchanged
    #[input(default = Value::Array(Vec::new()))]
    pub input_value: Value,
}

impl Run for Reroute {
    type Item = Value;

    async fn run(
        &mut self,
        _ctx: &ProcessingContext,
        inputs: &mut NodeInputs,
        mut out: Emitter<'_, Value>,
    ) -> Result<()> {
        while let Some(item) = inputs.recv("input_value").await? {
            out.emit(item).await?;
        }
        Ok(())
    }
}
