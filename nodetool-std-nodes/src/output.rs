//! `nodetool.output.Output`, and the canvas helpers `Preview` and `Comment`.

use nodetool::prelude::*;
use serde_json::Value;

/// Generic output node for any type.
/// output, result, sink, return
///
/// Every value it receives joins the run's result under `name`; with none, its own `value`.
#[node(namespace = "nodetool.output", role = "output", streaming_input)]
pub struct Output {
    /// The parameter name for the workflow.
    #[input(default = "")]
    pub name: String,
    /// The value of the output.
    #[input(default = Value::Null)]
    pub value: Value,
    /// The description of the output for the workflow.
    #[input(default = "")]
    pub description: String,
}

impl Run for Output {
    type Item = Value;

    async fn run(
        &mut self,
        ctx: &ProcessingContext,
        inputs: &mut NodeInputs,
        mut out: Emitter<'_, Value>,
    ) -> Result<()> {
        let mut received = false;
        while let Some((_, value)) = inputs.recv_any().await {
            received = true;
            ctx.record_output(&self.name, value.clone()).await;
            out.emit(value).await?;
        }
        if !received {
            // Nothing came in: the node's own value is the result, as in NodeTool.
            ctx.record_output(&self.name, self.value.clone()).await;
            out.emit(self.value.clone()).await?;
        }
        Ok(())
    }
}

/// Shows every value it receives in the UI (`preview_update`).
/// preview, display
#[node(
    namespace = "nodetool.workflows.base_node",
    role = "preview",
    streaming_input
)]
pub struct Preview {
    /// The value to show.
    #[input(default = Value::Null)]
    pub value: Value,
    /// A label.
    #[input(default = "")]
    pub name: String,
}

impl Run for Preview {
    type Item = ();

    async fn run(
        &mut self,
        ctx: &ProcessingContext,
        inputs: &mut NodeInputs,
        _out: Emitter<'_, ()>,
    ) -> Result<()> {
        while let Some((_, value)) = inputs.recv_any().await {
            ctx.preview(value).await;
        }
        Ok(())
    }
}

/// A note on the canvas; never run.
/// comment, note
#[node(namespace = "nodetool.workflows.base_node")]
pub struct Comment {
    /// The note's headline.
    #[input(default = "")]
    pub headline: String,
    /// The note (rich-text JSON).
    #[input(default = Value::Null)]
    pub comment: Value,
    /// The note's colour.
    #[input(default = "#f0f0f0")]
    pub comment_color: String,
}

impl Process for Comment {
    type Output = ();

    async fn process(&self, _ctx: &ProcessingContext) -> Result<()> {
        Ok(())
    }
}
