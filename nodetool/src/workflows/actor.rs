//! The actor that drives one node through a run: it gathers inputs by the node's sync mode,
//! fires the node, and ends its outgoing edges whatever happens.

use super::context::ProcessingContext;
use super::graph::SyncMode;
use super::inbox::NodeInbox;
use super::io::{NodeInputs, NodeOutputs};
use super::messages::{NodeUpdate, ProcessingMessage};
use super::node::{ExecutionMode, Node, NodeError};
use super::plan::PlannedNode;
use serde_json::{Map, Value};
use std::collections::VecDeque;
use std::sync::Arc;

/// One node's run: its instance, its inbox and its outputs.
pub(crate) struct NodeActor {
    pub(crate) plan: Arc<PlannedNode>,
    pub(crate) node: Box<dyn Node>,
    pub(crate) inbox: Arc<NodeInbox>,
    pub(crate) outputs: NodeOutputs,
    pub(crate) ctx: ProcessingContext,
}

/// Serialises `requires_gpu` nodes across the whole process.
pub(crate) static GPU_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

impl NodeActor {
    /// Runs the node to the end; downstream edges are ended and the inbox closed whatever the
    /// outcome, so neither neighbour can hang on this node.
    pub(crate) async fn run(mut self) -> Result<(), NodeError> {
        let result = self.drive().await;
        self.inbox.close();
        if let Err(error) = &result {
            if !matches!(error, NodeError::Cancelled) {
                self.post_status("error", Some(error.to_string()), None)
                    .await;
            }
        }
        self.outputs.close().await;
        result
    }

    async fn drive(&mut self) -> Result<(), NodeError> {
        if self.plan.descriptor.mode == ExecutionMode::StreamingInput {
            self.post_status("running", None, None).await;
            let mut inputs =
                NodeInputs::new(Arc::clone(&self.inbox), Arc::clone(&self.plan.input_names));
            let _gpu = self.gpu_guard().await;
            self.node
                .run(&self.ctx, &mut inputs, &mut self.outputs)
                .await?;
            self.post_completed().await;
            return Ok(());
        }
        let handles: Vec<usize> = (0..self.plan.inputs.len())
            .filter(|&i| self.plan.inputs[i].sources > 0)
            .collect();
        if handles.is_empty() {
            return self.fire(Vec::new()).await;
        }
        if handles.iter().any(|&h| self.plan.inputs[h].aggregate) {
            return self.run_aggregating(&handles).await;
        }
        match self.plan.sync_mode {
            SyncMode::OnAny => self.run_on_any(&handles).await,
            SyncMode::ZipAll => self.run_zip_all(&handles).await,
        }
    }

    /// `on_any`: fire once every handle has a value, then again on every arrival, with the
    /// latest value of each handle.
    async fn run_on_any(&mut self, handles: &[usize]) -> Result<(), NodeError> {
        let mut missing = handles.len();
        let mut seen = vec![false; self.plan.inputs.len()];
        let mut pending: Vec<(usize, Value)> = Vec::new();
        while let Some((h, value)) = self.inbox.recv_any().await {
            if !seen[h] {
                seen[h] = true;
                missing -= 1;
            }
            pending.push((h, value));
            if missing == 0 {
                self.fire(std::mem::take(&mut pending)).await?;
            }
        }
        Ok(())
    }

    /// `zip_all`: fire once per complete set, one item from each streaming handle; values of
    /// non-streaming handles are sticky. Unmatched items left at the end are dropped.
    async fn run_zip_all(&mut self, handles: &[usize]) -> Result<(), NodeError> {
        let plan = Arc::clone(&self.plan);
        let inputs = &plan.inputs;
        let mut buffers: Vec<VecDeque<Value>> = vec![VecDeque::new(); inputs.len()];
        let mut has_sticky = vec![false; inputs.len()];
        let all_sticky = handles.iter().all(|&h| !inputs[h].streaming);
        while let Some((h, value)) = self.inbox.recv_any().await {
            buffers[h].push_back(value);
            loop {
                let ready = handles
                    .iter()
                    .all(|&h| !buffers[h].is_empty() || (!inputs[h].streaming && has_sticky[h]))
                    && (!all_sticky || handles.iter().any(|&h| !buffers[h].is_empty()));
                if !ready {
                    break;
                }
                let mut batch = Vec::with_capacity(handles.len());
                for &h in handles {
                    if let Some(v) = buffers[h].pop_front() {
                        has_sticky[h] |= !inputs[h].streaming;
                        batch.push((h, v));
                    }
                    // A sticky handle with nothing new keeps the value already assigned.
                }
                self.fire(batch).await?;
            }
        }
        Ok(())
    }

    /// List inputs: gather every item of every handle until all end, then fire once; list
    /// handles get all their items (lists are spliced in), others their latest value.
    async fn run_aggregating(&mut self, handles: &[usize]) -> Result<(), NodeError> {
        let plan = Arc::clone(&self.plan);
        let inputs = &plan.inputs;
        let mut lists: Vec<Vec<Value>> = vec![Vec::new(); inputs.len()];
        let mut latest: Vec<Option<Value>> = vec![None; inputs.len()];
        while let Some((h, value)) = self.inbox.recv_any().await {
            if inputs[h].aggregate {
                match value {
                    Value::Array(items) => lists[h].extend(items),
                    item => lists[h].push(item),
                }
            } else {
                latest[h] = Some(value);
            }
        }
        let mut batch = Vec::new();
        for &h in handles {
            if inputs[h].aggregate {
                batch.push((h, Value::Array(std::mem::take(&mut lists[h]))));
            } else if let Some(v) = latest[h].take() {
                batch.push((h, v));
            }
        }
        self.fire(batch).await
    }

    /// Assigns `values` and runs the node once.
    async fn fire(&mut self, values: Vec<(usize, Value)>) -> Result<(), NodeError> {
        let properties = self.ctx.has_listener().then(|| {
            values
                .iter()
                .map(|(i, v)| (self.plan.input_names[*i].clone(), v.clone()))
                .collect::<Map<String, Value>>()
        });
        for (index, value) in values {
            self.node.set_input(index, value)?;
        }
        self.post(|a| {
            ProcessingMessage::NodeUpdate(NodeUpdate {
                properties,
                ..a.node_update("running", None, None)
            })
        })
        .await;
        let _gpu = self.gpu_guard().await;
        self.node.process(&self.ctx, &mut self.outputs).await?;
        self.post_completed().await;
        Ok(())
    }

    async fn gpu_guard(&self) -> Option<tokio::sync::MutexGuard<'static, ()>> {
        if self.plan.descriptor.flags.requires_gpu {
            Some(GPU_LOCK.lock().await)
        } else {
            None
        }
    }

    fn node_update(
        &self,
        status: &'static str,
        error: Option<String>,
        result: Option<Map<String, Value>>,
    ) -> NodeUpdate {
        NodeUpdate {
            node_id: Arc::clone(&self.plan.id),
            node_name: Arc::clone(&self.plan.title),
            node_type: Arc::clone(&self.plan.node_type),
            status: status.into(),
            error,
            result,
            properties: Some(Map::new()),
            workflow_id: self.ctx.workflow_id_opt(),
        }
    }

    async fn post(&self, build: impl FnOnce(&Self) -> ProcessingMessage) {
        self.ctx.post_with(|| build(self)).await;
    }

    /// `node_update` completed, with the last value of each output as its result.
    async fn post_completed(&self) {
        self.post(|a| {
            let result = a.outputs.last_values();
            ProcessingMessage::NodeUpdate(a.node_update("completed", None, Some(result)))
        })
        .await;
    }

    async fn post_status(
        &self,
        status: &'static str,
        error: Option<String>,
        result: Option<Map<String, Value>>,
    ) {
        self.post(|a| ProcessingMessage::NodeUpdate(a.node_update(status, error, result)))
            .await;
    }
}
