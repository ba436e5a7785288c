//! Graphs, nodes and the runner: NodeTool's `nodetool.workflows`.
//!
//! Layers, each module importing only those below it: types (`error`, `messages`, `graph`,
//! `control`, `cache`, `inbox`, `emit_slot`) at the bottom; `context`, then `io`, `node`,
//! `behaviour`, `static_node`, `registry`, `plan`, `fusion` above them; the executors (`actor`, `runner`,
//! `static_exec`, `static_workflow`, `listen`) on top.
//!
//! Load a NodeTool graph, validate it against the registered node types, and run it:
//!
//! ```
//! use nodetool::workflows::{Graph, ProcessingContext, WorkflowRunner};
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let graph = Graph::from_json_str(r#"{"nodes": [], "edges": []}"#)?;
//! let runner = WorkflowRunner::from_graph(&graph)?;
//! let result = runner.run(&ProcessingContext::default(), Default::default()).await?;
//! println!("{}", result.to_json());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

mod actor;
mod behaviour;
mod cache;
mod context;
mod control;
mod emit_slot;
mod error;
mod fusion;
mod graph;
mod inbox;
mod input_stream;
mod io;
mod listen;
mod mermaid;
pub mod messages;
mod node;
mod plan;
mod registry;
mod runner;
#[doc(hidden)]
pub mod static_exec;
mod static_node;
mod static_workflow;
mod unwind;

pub use behaviour::{GenProcess, Process, Run};
pub use cache::{CachedOutputs, NodeCache};
pub use context::{MessageSender, ProcessingContext, ProcessingContextBuilder};
pub use control::{ControlEvent, CONTROL_HANDLE, LEGACY_CONTROL_OUTPUT};
pub use emit_slot::{EmitSlot, OutputSink};
pub use graph::{
    EdgeType, Graph, GraphEdge, GraphNode, GraphParseError, SyncMode, WorkflowDocument,
};
pub use inbox::{InboxClosed, NodeInbox};
pub use input_stream::{InputStream, InputStreamError, InputStreams, INPUT_STREAM_BUFFER};
pub use io::{Emitter, NodeInputs, NodeOutputs, OutputValues, Outputs, SingleOutput};
pub use node::{
    BoxError, BoxFuture, ControlledNode, ExecutionMode, Node, NodeAlias, NodeDescriptor, NodeError,
    NodeFlags, NodeRole, NodeType,
};
pub use plan::{UnknownParam, ValidationError, ValidationErrors, WorkflowPlan, COMMENT_NODE_TYPE};
pub use registry::{CreateNodeError, NodeRegistry, RegisteredNode};
pub use runner::{RunError, RunResult, WorkflowRunner, DEFAULT_BUFFER_LIMIT};
pub use static_node::{EdgeInto, StaticNode};
pub use static_workflow::StaticWorkflow;
pub use tokio_util::sync::CancellationToken;
