//! What a struct node computes, as ordinary traits: [`Process`] (one output per set of
//! inputs), [`GenProcess`] (a stream of outputs) and [`Run`] (a node that reads its inbox
//! itself). A struct with `#[node]` implements the one its mode needs; no attribute goes on
//! the impl.
//!
//! ```
//! use nodetool::prelude::*;
//!
//! /// Counts the words of a text.
//! #[node(namespace = "doc.behaviour")]
//! pub struct WordCount {
//!     /// The text.
//!     #[input(default = "")]
//!     pub text: String,
//! }
//!
//! impl Process for WordCount {
//!     type Output = i64;
//!     async fn process(&self, _ctx: &ProcessingContext) -> Result<i64> {
//!         Ok(i64::try_from(self.text.split_whitespace().count())?)
//!     }
//! }
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let wf = workflow! {
//!     count = WordCount { text: "one two three" };
//!     Output { name: "words", value: count.output };
//! };
//! assert_eq!(wf.run(&ProcessingContext::default()).await.unwrap().words, 3);
//! # });
//! ```

use super::context::ProcessingContext;
use super::io::{Emitter, NodeInputs, Outputs};
use std::future::Future;

/// A buffered struct node (the default mode): one output per set of inputs.
#[diagnostic::on_unimplemented(
    message = "the node `{Self}` does not say what it computes",
    label = "add `impl Process for {Self} {{ type Output = …; async fn process(&self, ctx: &ProcessingContext) -> Result<Self::Output> {{ … }} }}`"
)]
pub trait Process: Send + Sync + Sized {
    /// What one run produces: a node value, or an `#[derive(Outputs)]` struct for several
    /// named outputs.
    type Output: Outputs;

    /// Computes the output from the node's fields (its inputs).
    fn process(
        &self,
        ctx: &ProcessingContext,
    ) -> impl Future<Output = crate::Result<Self::Output>> + Send;
}

/// A streaming-output struct node (`#[node(streaming_output)]`): emits items as it goes.
#[diagnostic::on_unimplemented(
    message = "the streaming node `{Self}` does not say what it emits",
    label = "add `impl GenProcess for {Self} {{ type Item = …; async fn gen_process(&self, ctx: &ProcessingContext, out: Emitter<'_, Self::Item>) -> Result<()> {{ … }} }}`"
)]
pub trait GenProcess: Send + Sync + Sized {
    /// What each emission carries.
    type Item: Outputs;

    /// Emits the node's items into `out`.
    fn gen_process(
        &self,
        ctx: &ProcessingContext,
        out: Emitter<'_, Self::Item>,
    ) -> impl Future<Output = crate::Result<()>> + Send;
}

/// A streaming-input struct node (`#[node(streaming_input)]`): reads its inbox itself.
#[diagnostic::on_unimplemented(
    message = "the streaming-input node `{Self}` does not say how it runs",
    label = "add `impl Run for {Self} {{ type Item = …; async fn run(&mut self, ctx: &ProcessingContext, inputs: &mut NodeInputs, out: Emitter<'_, Self::Item>) -> Result<()> {{ … }} }}`"
)]
pub trait Run: Send + Sized {
    /// What each emission carries.
    type Item: Outputs;

    /// Reads `inputs` until they end, emitting into `out`.
    fn run(
        &mut self,
        ctx: &ProcessingContext,
        inputs: &mut NodeInputs,
        out: Emitter<'_, Self::Item>,
    ) -> impl Future<Output = crate::Result<()>> + Send;
}
