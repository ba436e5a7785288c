//! # nodetool
//!
//! Build and run AI workflows as node graphs. Nodes are plain Rust structs with an async
//! `process`, declared with [`#[node]`](macro@node); graphs load from and save to NodeTool's
//! JSON, and run on a fast async runner with NodeTool's semantics and message stream.
//!
//! ```
//! use nodetool::prelude::*;
//!
//! /// Shouts a text.
//! #[node(namespace = "example.text")]
//! pub struct Shout {
//!     /// The text.
//!     #[input(default = "")]
//!     pub text: String,
//! }
//!
//! #[node]
//! impl Shout {
//!     async fn process(&self, _ctx: &ProcessingContext) -> Result<String> {
//!         Ok(self.text.to_uppercase() + "!")
//!     }
//! }
//!
//! let meta = NodeRegistry::global().get("example.text.Shout").unwrap();
//! assert_eq!(meta.metadata.outputs[0].name, "output");
//! ```
//!
//! Modules mirror NodeTool's: [`workflows`] (graph, nodes, runner, messages) and [`metadata`]
//! (type and node metadata).

pub mod metadata;
pub mod workflows;

pub use nodetool_macros::{node, Outputs};

pub use nodetool_macros::workflow;

/// `Result` with a boxed error: what node code returns (`?` works on any error type).
pub type Result<T, E = workflows::BoxError> = std::result::Result<T, E>;

/// What a node author needs, in one import.
pub mod prelude {
    pub use crate::metadata::NodeValue;
    pub use crate::workflows::{
        Emitter, Graph, NodeError, NodeInputs, NodeRegistry, ProcessingContext, RunResult,
        WorkflowRunner,
    };
    pub use crate::{node, workflow, Outputs, Result};
}

#[doc(hidden)]
pub mod __private;
