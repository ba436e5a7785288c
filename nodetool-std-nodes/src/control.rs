//! `nodetool.control`: iterating over lists and collecting streams.

use nodetool::prelude::*;
use serde_json::Value;

/// The outputs of [`ForEach`]: each item and its index.
#[derive(Outputs)]
pub struct ForEachItem {
    /// The item.
    pub output: Value,
    /// Its position in the list.
    pub index: i64,
}

/// Emits every item of a list, one by one, with its index.
/// iterate, loop, for each, stream
#[node(namespace = "nodetool.control", title = "For Each", streaming_output)]
pub struct ForEach {
    /// The list to iterate over.
    #[input(default)]
    pub input_list: Vec<Value>,
}

#[node]
impl ForEach {
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

/// Collects every item that streams in into one list, emitted once the stream ends.
/// collect, gather, stream, list
#[node(namespace = "nodetool.control", streaming_input)]
pub struct Collect {
    /// Each streamed item.
    #[input(default = Value::Null)]
    pub input_item: Value,
}

#[node]
impl Collect {
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
