//! # nodetool
//!
//! Build and run AI workflows as node graphs. Nodes are plain Rust structs declared with
//! [`#[node]`](macro@node) that implement [`Process`](prelude::Process); graphs load from and save to NodeTool's
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
//! impl Process for Shout {
//!     type Output = String;
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

// Lets the macros' `::nodetool::…` paths work inside this crate too.
extern crate self as nodetool;

#[cfg(feature = "agents")]
pub mod agents;
#[cfg(feature = "chat")]
pub mod chat;
#[cfg(feature = "collections")]
pub mod collections;
#[cfg(feature = "config")]
pub mod config;
#[cfg(feature = "http")]
pub mod http;
pub mod metadata;
#[cfg(feature = "models")]
pub mod models;
#[cfg(feature = "security")]
pub mod security;
pub mod workflows;
pub mod workspace;

pub use nodetool_macros::{node, register_setting, Outputs};

/// Turns an async fn into an agent tool ([`agents::Tool`]): a unit struct named after the fn
/// in PascalCase, the tool named after the fn (or `#[tool(name = "…")]`), described by the
/// fn's doc comment, its parameters' JSON Schema derived from their types (schemars) and
/// described by their doc comments. An optional first parameter `&ProcessingContext` gets
/// the run's context; a `Result` error becomes the call's error (the model sees it).
///
/// ```
/// use nodetool::agents::Tool;
/// use nodetool::tool;
///
/// /// Adds two numbers.
/// #[tool]
/// async fn add(
///     /// The first number.
///     a: f64,
///     /// The second number.
///     b: Option<f64>,
/// ) -> f64 {
///     a + b.unwrap_or(0.0)
/// }
///
/// assert_eq!(Add.name(), "add");
/// assert_eq!(Add.parameters()["required"], serde_json::json!(["a"]));
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let ctx = nodetool::workflows::ProcessingContext::default();
/// assert_eq!(Add.call(&ctx, serde_json::json!({"a": 2, "b": 3})).await, Ok(serde_json::json!(5.0)));
/// # });
/// ```
#[cfg(feature = "agents")]
pub use nodetool_macros::tool;

/// A workflow written in Rust: a graph the compiler checks, compiled into a typed executor.
///
/// Each statement is a node: `name = NodeType { input: value, … };`. An input takes a Rust
/// value (anything that converts into the input's type, evaluated once when the workflow is
/// made), an edge `node.output` (or `node.outputs.name` for a node with several outputs), or
/// a list of edges `[a.output, b.output]` whose items are gathered into a list input (a single
/// streaming edge gathers its whole stream: `[source.output]`). `Output { name: "x", value:
/// node.output }` makes `x` a field of the result. Unset inputs keep their defaults.
///
/// ```
/// use nodetool::prelude::*;
///
/// /// Upper-cases a text.
/// #[node(namespace = "doc.wf")]
/// pub async fn upper(#[input(default = "")] text: String) -> String {
///     text.to_uppercase()
/// }
///
/// /// Counts words.
/// #[node(namespace = "doc.wf")]
/// pub async fn word_count(#[input(default = "")] text: String) -> i64 {
///     text.split_whitespace().count() as i64
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let wf = workflow! {
///     shout = Upper { text: "hello static world" };
///     count = WordCount { text: shout.output };
///     Output { name: "words", value: count.output };
///     Output { name: "shout", value: shout.output };
/// };
/// let result = wf.run(&ProcessingContext::default()).await?;
/// assert_eq!(result.words, 3);
/// assert_eq!(result.shout, "HELLO STATIC WORLD");
/// // The same graph as NodeTool JSON, and as a Mermaid chart.
/// assert_eq!(wf.to_graph().nodes.len(), 4);
/// assert!(wf.to_mermaid().starts_with("flowchart LR"));
/// # Ok::<(), nodetool::workflows::RunError>(())
/// # }).unwrap();
/// ```
///
/// The compiler checks the graph: an edge whose type does not fit its input (see
/// [`EdgeInto`](workflows::EdgeInto) for the conversions NodeTool makes), an unknown node,
/// input or output, a required input with no value and no edge, a name defined twice, an
/// output name used twice and a cycle are compile errors pointing at the offending token.
///
/// A run ([`StaticWorkflow::run`](workflows::StaticWorkflow::run)) is one future: no task
/// and no channel per node, no JSON between nodes. A node fires once each of its edge-fed
/// inputs has a value, and again on every later value (NodeTool's `on_any`); what it emits
/// goes straight into the nodes downstream, several of them concurrently. Streaming edges
/// stream with backpressure; streaming-input nodes read an inbox. The message stream,
/// failures (a failed node stops what depends on it, then the run fails), panics and
/// cancellation behave as in [`WorkflowRunner`](workflows::WorkflowRunner).
///
/// Node names become node ids; a node written without a name gets `type_index`. Struct
/// nodes need `#[node]` on their `impl` block too. `Emitter::emit_to` (one output alone) is
/// for the dynamic runner only.
pub use nodetool_macros::workflow;

/// `Result` with a boxed error: what node code returns (`?` works on any error type).
pub type Result<T, E = workflows::BoxError> = std::result::Result<T, E>;

/// What a node author needs, in one import.
pub mod prelude {
    pub use crate::metadata::NodeValue;
    pub use crate::workflows::{
        ControlEvent, Emitter, GenProcess, Graph, NodeError, NodeInputs, NodeRegistry, Process,
        ProcessingContext, Run, RunResult, WorkflowRunner,
    };
    pub use crate::{node, workflow, Outputs, Result};
}

#[doc(hidden)]
pub mod __private;
#[cfg(feature = "server")]
pub mod api;
#[cfg(feature = "server")]
pub mod jobs;
#[cfg(feature = "storage")]
pub mod storage;
#[cfg(feature = "telemetry")]
pub mod telemetry;
