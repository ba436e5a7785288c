//! The actor that drives one node through a run: it gathers inputs by the node's sync mode,
//! fires the node, and ends its outgoing edges whatever happens.

use super::context::ProcessingContext;
use super::control::{merge_overrides, parse_received, ControlEvent, Received};
use super::error::NodeError;
use super::graph::SyncMode;
use super::inbox::NodeInbox;
use super::io::{NodeInputs, NodeOutputs};
use super::messages::{NodeUpdate, ProcessingMessage};
use super::node::{ExecutionMode, Node};
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

impl Drop for NodeActor {
    /// A node that panicked (or whose run was dropped) refuses further items, so no node
    /// upstream waits for room in its inbox.
    fn drop(&mut self) {
        self.inbox.close();
    }
}

/// When a node's execution began (only with telemetry and node timing on, for the duration
/// metric).
type Timer = Option<std::time::Instant>;

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
        if self.plan.control_inputs > 0 {
            // Boxed: a rare path that would otherwise enlarge every node's future.
            return Box::pin(self.run_controlled()).await;
        }
        if self.plan.descriptor.mode == ExecutionMode::StreamingInput {
            self.post_status("running", None, None).await;
            let mut inputs =
                NodeInputs::new(Arc::clone(&self.inbox), Arc::clone(&self.plan.input_names));
            let _gpu = self.gpu_guard().await;
            let started = self.start_timer();
            let result = self
                .node
                .run(&self.ctx, &mut inputs, &mut self.outputs)
                .await;
            self.stop_timer(started);
            result?;
            self.post_completed().await;
            return Ok(());
        }
        let plan = Arc::clone(&self.plan);
        let handles = &plan.fed_handles[..];
        match handles {
            [] => self.fire(std::iter::empty()).await,
            &[h] if !plan.inputs[h].aggregate => {
                // One handle: both sync modes fire once per arrival, with that value.
                while let Some(arrived) = self.inbox.recv_any().await {
                    self.fire(std::iter::once(arrived)).await?;
                }
                Ok(())
            }
            _ if handles.iter().any(|&h| plan.inputs[h].aggregate) => {
                self.run_aggregating(handles).await
            }
            _ => match plan.sync_mode {
                SyncMode::OnAny => self.run_on_any(handles).await,
                SyncMode::ZipAll => self.run_zip_all(handles).await,
            },
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
                inputs[h].gather(&mut lists[h], value);
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

    /// A controlled node: it runs once per round of control events — the next run event of
    /// each controller that has one, their overrides merged in control-edge order (later edges
    /// win) — and ends when every controller has ended with nothing left to run, or at once
    /// when one sends a stop event. Events are queued per controller as they arrive, so a
    /// controller never waits on this node. Data inputs are kept as properties: a round waits
    /// until every data handle has delivered its first value (list inputs: all their items) or
    /// ended; later values replace earlier ones. A streaming-input node reads its data itself:
    /// its first execution usually drains the streams, and later ones find them ended.
    async fn run_controlled(&mut self) -> Result<(), NodeError> {
        let plan = Arc::clone(&self.plan);
        let inputs = &plan.inputs;
        let first_control = inputs.len();
        let reads_data = plan.descriptor.mode != ExecutionMode::StreamingInput;
        let is_data = |h: usize| reads_data && h < first_control && inputs[h].sources > 0;
        let mut seen = vec![false; first_control];
        let mut lists: Vec<Option<Vec<Value>>> =
            inputs.iter().map(|i| i.aggregate.then(Vec::new)).collect();
        let mut queued: Vec<VecDeque<Map<String, Value>>> =
            vec![VecDeque::new(); plan.control_inputs];
        loop {
            let controllers_done = queued
                .iter()
                .enumerate()
                .all(|(k, q)| q.is_empty() && !self.inbox.is_open(first_control + k));
            if controllers_done {
                // No event will come: whatever data is still on its way is not needed.
                return Ok(());
            }
            if self.round_is_ready(&is_data, &mut seen, &mut lists, &queued)? {
                let round: Vec<Map<String, Value>> =
                    queued.iter_mut().filter_map(VecDeque::pop_front).collect();
                if !round.is_empty() {
                    self.fire_controlled(merge_overrides(round)).await?;
                }
                continue;
            }
            let wanted = |h: usize| is_data(h) || h >= first_control;
            match self.inbox.recv_any_of(wanted).await {
                None if self.inbox.is_closed() => {
                    return if self.ctx.is_cancelled() {
                        Err(NodeError::Cancelled)
                    } else {
                        Ok(())
                    };
                }
                None => {}
                Some((h, value)) if h >= first_control => match parse_received(value) {
                    Ok(Received::Event(ControlEvent::Run { properties })) => {
                        queued[h - first_control].push_back(properties);
                    }
                    Ok(Received::Event(ControlEvent::Stop)) => return Ok(()),
                    Ok(Received::Unknown(kind)) => tracing::warn!(
                        node_id = &*plan.id,
                        event_type = kind,
                        "ignoring a control event of unknown type"
                    ),
                    Err(reason) => return Err(NodeError::MalformedControlEvent(reason)),
                },
                Some((h, value)) => match &mut lists[h] {
                    Some(items) => inputs[h].gather(items, value),
                    None => {
                        self.node.set_input(h, value)?;
                        seen[h] = true;
                    }
                },
            }
        }
    }

    /// Whether a round of control events can run: every data handle has a value (list
    /// handles: have ended, and their lists are assigned now) and every controller has an
    /// event queued or has ended (and one has an event: checked by the caller first).
    fn round_is_ready(
        &mut self,
        is_data: &impl Fn(usize) -> bool,
        seen: &mut [bool],
        lists: &mut [Option<Vec<Value>>],
        queued: &[VecDeque<Map<String, Value>>],
    ) -> Result<bool, NodeError> {
        let mut ready = true;
        for h in (0..seen.len()).filter(|&h| is_data(h)) {
            let open = self.inbox.is_open(h);
            match &mut lists[h] {
                Some(_) if open => ready = false,
                Some(items) if !seen[h] => {
                    self.node
                        .set_input(h, Value::Array(std::mem::take(items)))?;
                    seen[h] = true;
                }
                Some(_) => {}
                None => ready &= seen[h] || !open,
            }
        }
        let first_control = seen.len();
        Ok(ready
            && queued
                .iter()
                .enumerate()
                .all(|(k, q)| !q.is_empty() || !self.inbox.is_open(first_control + k)))
    }

    /// One execution of a controlled node: `overrides` applied for it, then restored.
    async fn fire_controlled(&mut self, overrides: Map<String, Value>) -> Result<(), NodeError> {
        let mut saved = Vec::with_capacity(overrides.len());
        let mut applied = Ok(());
        for (name, value) in &overrides {
            match self.apply_override(name, value.clone()) {
                Ok(previous) => saved.push(previous),
                Err(error) => {
                    applied = Err(error);
                    break;
                }
            }
        }
        let result = match applied {
            Ok(()) => {
                let properties = self.ctx.has_listener().then(|| overrides.clone());
                self.execute(properties).await
            }
            Err(error) => Err(error),
        };
        // Restored whatever happened: the value held before, or no value.
        for (index, previous) in saved.into_iter().rev() {
            match previous {
                Some(previous) => {
                    if let Err(error) = self.node.set_input(index, previous) {
                        tracing::warn!(
                            node_id = &*self.plan.id,
                            property = &*self.plan.input_names[index],
                            %error,
                            "could not restore a property after a control event"
                        );
                    }
                }
                None => self.node.clear_input(index),
            }
        }
        result
    }

    /// Sets property `name` for one execution; returns its index and previous value.
    fn apply_override(
        &mut self,
        name: &str,
        value: Value,
    ) -> Result<(usize, Option<Value>), NodeError> {
        let names = &self.plan.input_names;
        let Some(index) = names.iter().position(|n| n == name) else {
            return Err(NodeError::ControlProperty {
                property: name.to_owned(),
                reason: format!(
                    "the node has no such property (properties: {})",
                    if names.is_empty() {
                        "none".to_owned()
                    } else {
                        names.join(", ")
                    }
                ),
            });
        };
        let previous = self.node.get_input(index);
        self.node
            .set_input(index, value)
            .map_err(|error| NodeError::ControlProperty {
                property: name.to_owned(),
                reason: match error {
                    NodeError::InvalidInput { source, .. } => source.to_string(),
                    other => other.to_string(),
                },
            })?;
        Ok((index, previous))
    }

    /// Assigns `values` and runs the node once (or sends its cached outputs).
    async fn fire(
        &mut self,
        values: impl IntoIterator<Item = (usize, Value)>,
    ) -> Result<(), NodeError> {
        // What the `running` update reports as assigned (only a listener is told).
        let mut properties = self.ctx.has_listener().then(Map::new);
        for (index, value) in values {
            if let Some(properties) = &mut properties {
                properties.insert(self.plan.input_names[index].clone(), value.clone());
            }
            self.node.set_input(index, value)?;
        }
        let cached = self
            .ctx
            .cache()
            .and_then(|cache| Some((Arc::clone(cache), self.cache_key()?)));
        match cached {
            None => self.execute(properties).await,
            // Boxed: the cache's path would otherwise double the size of every node's future.
            Some((cache, key)) => Box::pin(self.fire_cached(&cache, key, properties)).await,
        }
    }

    /// Sends the cached outputs of this firing, or runs the node and caches what it sends.
    async fn fire_cached(
        &mut self,
        cache: &super::cache::NodeCache,
        key: String,
        properties: Option<Map<String, Value>>,
    ) -> Result<(), NodeError> {
        if let Some(outputs) = cache.get(&key) {
            for (name, value) in outputs {
                self.outputs.send_named(&name, value).await?;
            }
            self.post_completed().await;
            return Ok(());
        }
        self.outputs.start_capture();
        let result = self.execute(properties).await;
        let sent = self.outputs.take_capture();
        // A cancelled run may have sent only part of its outputs.
        if result.is_ok() && !self.ctx.is_cancelled() {
            cache.put(key, sent);
        }
        result
    }

    /// The cache key of this firing: for a cacheable buffered node with a cache in the
    /// context and no streamed input (a stream's items are not a value to key on).
    fn cache_key(&self) -> Option<String> {
        let plan = &self.plan;
        // Control events are not outputs a cache could replay.
        let cacheable = plan.descriptor.flags.cacheable
            && plan.descriptor.mode == ExecutionMode::Buffered
            && plan.control_routes.is_empty()
            && plan.inputs.iter().all(|i| !i.streaming);
        if !cacheable {
            return None;
        }
        let mut properties = Map::new();
        for (index, name) in plan.input_names.iter().enumerate() {
            properties.insert(name.clone(), self.node.get_input(index)?);
        }
        // A file's contents can change under the same path: not a value to key on.
        if mentions_file_uri(&properties) {
            return None;
        }
        Some(super::cache::NodeCache::key(
            self.ctx.user_id(),
            &plan.node_type,
            properties,
        ))
    }

    /// Runs the node once with its current properties (`properties`: what the `running`
    /// update reports as just assigned).
    async fn execute(&mut self, properties: Option<Map<String, Value>>) -> Result<(), NodeError> {
        self.post(|a| {
            ProcessingMessage::NodeUpdate(NodeUpdate {
                properties,
                ..a.node_update("running", None, None)
            })
        })
        .await;
        let _gpu = self.gpu_guard().await;
        let started = self.start_timer();
        let result = if self.plan.descriptor.mode == ExecutionMode::StreamingInput {
            let mut inputs =
                NodeInputs::new(Arc::clone(&self.inbox), Arc::clone(&self.plan.input_names));
            self.node
                .run(&self.ctx, &mut inputs, &mut self.outputs)
                .await
        } else {
            self.node.process(&self.ctx, &mut self.outputs).await
        };
        self.stop_timer(started);
        result?;
        self.post_completed().await;
        Ok(())
    }

    /// When an execution starts (for the node duration metric; nothing without telemetry).
    #[inline]
    fn start_timer(&self) -> Timer {
        #[cfg(feature = "telemetry")]
        return crate::telemetry::metrics()
            .node_timing()
            .then(std::time::Instant::now);
        #[cfg(not(feature = "telemetry"))]
        None
    }

    /// Records the execution that began at `started`.
    #[inline]
    fn stop_timer(&self, started: Timer) {
        #[cfg(feature = "telemetry")]
        if let Some(started) = started {
            self.plan.record_duration(started);
        }
        #[cfg(not(feature = "telemetry"))]
        let _ = started;
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

/// Whether any string in the properties is a `file://` URI.
fn mentions_file_uri(properties: &Map<String, Value>) -> bool {
    fn walk(value: &Value) -> bool {
        match value {
            Value::String(s) => s.starts_with("file://"),
            Value::Array(items) => items.iter().any(walk),
            Value::Object(map) => map.values().any(walk),
            _ => false,
        }
    }
    properties.values().any(walk)
}
