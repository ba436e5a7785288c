//! [`StaticWorkflow`]: what `workflow!` makes — a typed executor plus the graph it came from.

use super::context::ProcessingContext;
use super::graph::Graph;
use super::plan::ValidationErrors;
use super::runner::{RunError, WorkflowRunner};
use super::static_exec::{RunState, WorkflowInfo};
use serde_json::{Map, Value};
use std::fmt;
use std::future::Future;
use std::sync::Arc;

/// A workflow compiled by `workflow!`: run it with typed results, or export its graph.
///
/// Each run is one future: nodes fire with typed values and no JSON on the data path. Literal
/// inputs were evaluated once, when the workflow was made.
pub struct StaticWorkflow<T, F> {
    templates: Arc<T>,
    info: Arc<WorkflowInfo>,
    graph: fn(&T) -> Graph,
    run: F,
}

impl<T, F, Fut, R> StaticWorkflow<T, F>
where
    F: Fn(Arc<T>, RunState) -> Fut,
    Fut: Future<Output = Result<R, RunError>>,
{
    #[doc(hidden)]
    pub fn new(templates: T, info: WorkflowInfo, graph: fn(&T) -> Graph, run: F) -> Self {
        Self {
            templates: Arc::new(templates),
            info: Arc::new(info),
            graph,
            run,
        }
    }

    /// Runs the workflow once; the result has one field per `Output`, holding the last value
    /// it received.
    ///
    /// Posts the same messages as [`WorkflowRunner`](super::WorkflowRunner) when the context
    /// has a listener; stops at cancellation with [`RunError::Cancelled`]; a failing node
    /// stops only what depends on it, then the run fails with [`RunError::NodeFailed`].
    pub fn run(&self, ctx: &ProcessingContext) -> Fut {
        self.run_with_params(ctx, Map::new())
    }

    /// Runs the workflow with `params`: each sets the `value` of the input node whose `name`
    /// it has (an unknown name is [`RunError::UnknownParam`]).
    pub fn run_with_params(&self, ctx: &ProcessingContext, params: Map<String, Value>) -> Fut {
        let state = RunState::new(ctx, Arc::clone(&self.info), params);
        (self.run)(Arc::clone(&self.templates), state)
    }

    /// [`run_with_params`](Self::run_with_params), handing every message of the run to
    /// `on_message` as it comes (in order, on this task): progress without a channel or task
    /// of one's own.
    pub async fn run_with(
        &self,
        ctx: &ProcessingContext,
        params: Map<String, Value>,
        on_message: impl FnMut(super::messages::ProcessingMessage),
    ) -> Result<R, RunError> {
        super::listen::run_listening(
            ctx,
            |listened| self.run_with_params(&listened, params),
            on_message,
        )
        .await
    }

    /// The workflow as a NodeTool graph: the dynamic runner runs it with the same results.
    pub fn to_graph(&self) -> Graph {
        (self.graph)(&self.templates)
    }

    /// The dynamic runner for the exported graph (validated against the registry): the same
    /// workflow, run from its NodeTool JSON.
    pub fn to_runner(&self) -> Result<WorkflowRunner, ValidationErrors> {
        WorkflowRunner::from_graph(&self.to_graph())
    }

    /// The workflow as a Mermaid flowchart (see [`Graph::to_mermaid`]).
    pub fn to_mermaid(&self) -> String {
        self.to_graph().to_mermaid()
    }

    /// The node ids, in the order they were written.
    pub fn node_ids(&self) -> impl Iterator<Item = &'static str> {
        self.info.nodes().iter().map(|n| n.id)
    }
}

impl<T, F> fmt::Debug for StaticWorkflow<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticWorkflow")
            .field("nodes", &self.info.nodes())
            .finish_non_exhaustive()
    }
}
