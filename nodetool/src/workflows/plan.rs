//! [`WorkflowPlan`]: a graph checked against the registry and laid out for the runner.

use super::control::CONTROL_HANDLE;
use super::error::NodeError;
use super::graph::{EdgeType, Graph, GraphEdge, GraphNode, SyncMode};
use super::node::{ControlledNode, ExecutionMode, Node, NodeDescriptor, NodeRole};
use super::registry::{is_empty, NodeRegistry};
use crate::metadata::{NodeMetadata, TypeMetadata};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::Arc;

/// NodeTool's comment node: documentation on the canvas, never run.
pub const COMMENT_NODE_TYPE: &str = "nodetool.workflows.base_node.Comment";

/// A run parameter that names no input node of the graph.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown parameter `{name}` (the graph's inputs: {available})")]
pub struct UnknownParam {
    /// The parameter.
    pub name: String,
    /// The input names the graph has (`none` when it has none).
    pub available: String,
}

/// One problem found in a graph, naming the node and handle it concerns.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValidationError {
    /// Two nodes share an id.
    #[error("node `{node_id}`: the id is used by more than one node")]
    DuplicateNodeId {
        /// The id.
        node_id: String,
    },
    /// No node type of that name is registered.
    #[error("node `{node_id}`: unknown node type `{node_type}`{hint}")]
    UnknownNodeType {
        /// The node.
        node_id: String,
        /// The unknown type.
        node_type: String,
        /// What to do about it, when a crate is likely missing (else empty): see
        /// [`NodeRegistry::unknown_type_hint`].
        hint: &'static str,
    },
    /// An edge names a node that is not in the graph.
    #[error("edge `{edge}`: no node with id `{node_id}`")]
    UnknownEdgeNode {
        /// The edge.
        edge: String,
        /// The missing node id.
        node_id: String,
    },
    /// An edge leaves from an output the node does not have.
    #[error("node `{node_id}` ({node_type}) has no output `{handle}` (outputs: {available})")]
    UnknownOutput {
        /// The node.
        node_id: String,
        /// Its type.
        node_type: String,
        /// The handle.
        handle: String,
        /// The outputs it has.
        available: String,
    },
    /// An edge goes into an input the node does not have.
    #[error("node `{node_id}` ({node_type}) has no input `{handle}` (inputs: {available})")]
    UnknownInput {
        /// The node.
        node_id: String,
        /// Its type.
        node_type: String,
        /// The handle.
        handle: String,
        /// The inputs it has.
        available: String,
    },
    /// An edge connects an output to an input of an incompatible type.
    #[error("edge `{edge}`: output `{source_id}.{source_handle}` ({source_type}) does not fit input `{target_id}.{target_handle}` ({target_type})")]
    TypeMismatch {
        /// The edge.
        edge: String,
        /// The source node.
        source_id: String,
        /// The source handle.
        source_handle: String,
        /// The source type.
        source_type: String,
        /// The target node.
        target_id: String,
        /// The target handle.
        target_handle: String,
        /// The target type.
        target_type: String,
    },
    /// Several edges go into an input that is not a list.
    #[error("node `{node_id}`: {count} edges go into input `{handle}`, which is not a list")]
    MultipleEdgesIntoNonList {
        /// The node.
        node_id: String,
        /// The handle.
        handle: String,
        /// How many edges.
        count: usize,
    },
    /// A property value in `data` does not fit the property's type.
    #[error("node `{node_id}` ({node_type}): {message}")]
    InvalidProperty {
        /// The node.
        node_id: String,
        /// Its type.
        node_type: String,
        /// What is wrong, naming the property.
        message: String,
    },
    /// A required input has neither a value nor an edge.
    #[error("node `{node_id}` ({node_type}): required input `{handle}` has no value and no edge")]
    MissingInput {
        /// The node.
        node_id: String,
        /// Its type.
        node_type: String,
        /// The handle.
        handle: String,
    },
    /// The edges form a cycle (a controlled node waits for its controllers, so control edges
    /// count too).
    #[error("the graph has a cycle: {}", .nodes.join(" -> "))]
    Cycle {
        /// The node ids on the cycle, the first repeated at the end.
        nodes: Vec<String>,
    },
    /// An input node has no name, or shares its name with another.
    #[error("input node `{node_id}`: {message}")]
    InvalidInputName {
        /// The node.
        node_id: String,
        /// What is wrong.
        message: String,
    },
    /// A control edge goes into a handle other than `__control__`.
    #[error("control edge `{edge}` must go into `__control__`, not `{handle}`")]
    ControlTargetHandle {
        /// The edge.
        edge: String,
        /// The handle it names.
        handle: String,
    },
    /// A node controls itself.
    #[error("node `{node_id}` controls itself (control edge `{edge}`)")]
    SelfControl {
        /// The node.
        node_id: String,
        /// The edge.
        edge: String,
    },
    /// Control edges form a cycle.
    #[error("control edges form a cycle: {}", .nodes.join(" -> "))]
    ControlCycle {
        /// The node ids on the cycle, the first repeated at the end.
        nodes: Vec<String>,
    },
}

/// Every problem found in a graph (never empty).
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationErrors(pub Vec<ValidationError>);

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "invalid graph ({n} problem{}):",
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.0 {
            write!(f, "\n  - {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// How one input handle of a planned node is fed.
#[derive(Debug, Clone, Default)]
pub(crate) struct PlannedInput {
    /// How many edges feed it (0: its value comes from `data` or the default).
    pub(crate) sources: usize,
    /// Whether its items are gathered into one list before the node fires.
    pub(crate) aggregate: bool,
    /// Whether some edge into it carries a stream (downstream of a streaming node).
    pub(crate) streaming: bool,
    /// Whether its items are lists themselves (`list[list[T]]`): gathered as they are, never
    /// spliced.
    pub(crate) nested: bool,
}

impl PlannedInput {
    /// Adds one arriving value to a gathered list: a list is spliced in (its items are the
    /// input's items), unless the input's items are lists themselves.
    pub(crate) fn gather(&self, items: &mut Vec<Value>, value: Value) {
        match value {
            Value::Array(values) if !self.nested => items.extend(values),
            item => items.push(item),
        }
    }
}

/// One edge leaving a planned node's output.
#[derive(Debug, Clone)]
pub(crate) struct PlannedRoute {
    pub(crate) target: usize,
    pub(crate) handle: usize,
    pub(crate) edge_id: Arc<str>,
}

/// A node of the plan.
#[derive(Debug, Clone)]
pub(crate) struct PlannedNode {
    pub(crate) id: Arc<str>,
    pub(crate) title: Arc<str>,
    pub(crate) node_type: Arc<str>,
    pub(crate) descriptor: &'static NodeDescriptor,
    pub(crate) sync_mode: SyncMode,
    /// Initial property values from `data` (handles without an edge, non-empty values).
    pub(crate) data: Vec<(usize, Value)>,
    pub(crate) inputs: Vec<PlannedInput>,
    pub(crate) input_names: Arc<[String]>,
    pub(crate) output_names: Arc<[String]>,
    pub(crate) routes: Vec<Vec<PlannedRoute>>,
    /// Per output: where its routes end when all outputs' routes are laid end to end.
    pub(crate) route_ends: Arc<[usize]>,
    /// The input handles some edge feeds, in order.
    pub(crate) fed_handles: Arc<[usize]>,
    /// The control edges leaving this node (each into its target's control handle).
    pub(crate) control_routes: Vec<PlannedRoute>,
    /// How many control edges come in: each has its own inbox handle after the inputs.
    pub(crate) control_inputs: usize,
    /// For input nodes: the parameter name.
    pub(crate) param_name: Option<String>,
    /// The outputs the graph declares for a node type that supports dynamic outputs.
    pub(crate) dynamic_outputs: Vec<crate::metadata::OutputSlot>,
    /// The nodes this node controls, described for it.
    pub(crate) controlled: Arc<[ControlledNode]>,
    /// The node type's duration histogram, looked up on the first execution.
    #[cfg(feature = "telemetry")]
    pub(crate) durations: std::sync::OnceLock<prometheus_client::metrics::histogram::Histogram>,
}

impl PlannedNode {
    /// A fresh instance with the plan's `data` assigned; on failure, the property and why.
    pub(crate) fn instantiate(&self) -> Result<Box<dyn Node>, (String, NodeError)> {
        let mut node = (self.descriptor.create)();
        node.set_input_names(&self.input_names);
        if !self.dynamic_outputs.is_empty() {
            node.set_dynamic_outputs(&self.dynamic_outputs);
        }
        if !self.controlled.is_empty() {
            node.set_controlled_nodes(&self.controlled);
        }
        for (index, value) in &self.data {
            node.set_input(*index, value.clone())
                .map_err(|error| (self.input_names[*index].clone(), error))?;
        }
        Ok(node)
    }

    /// Records one execution that began at `started` in the node type's duration histogram.
    #[cfg(feature = "telemetry")]
    pub(crate) fn record_duration(&self, started: std::time::Instant) {
        self.durations
            .get_or_init(|| crate::telemetry::metrics().node_histogram(&self.node_type))
            .observe(started.elapsed().as_secs_f64());
    }
}

/// A validated graph, ready to run any number of times.
///
/// ```
/// use nodetool::workflows::{Graph, NodeRegistry, WorkflowPlan};
/// let graph = Graph::from_json_str(r#"{"nodes": [{"id": "a", "type": "no.Such"}], "edges": []}"#).unwrap();
/// let err = WorkflowPlan::new(&graph, NodeRegistry::global()).unwrap_err();
/// assert!(err.to_string().contains("node `a`: unknown node type `no.Such`"));
/// ```
#[derive(Debug, Clone)]
pub struct WorkflowPlan {
    pub(crate) nodes: Vec<Arc<PlannedNode>>,
    /// The runner's chains (see [`WorkflowPlan::run_chains`]), by node index.
    pub(crate) chains: Vec<Box<[usize]>>,
    /// Per node: whether it runs after another node of its chain (its inbox is unbounded:
    /// it holds what one firing upstream sent until the node runs).
    pub(crate) follows: Vec<bool>,
    /// Per node: whether each edge into it carries at most one item (see
    /// `fusion::fed_once`).
    pub(crate) fed_once: Vec<bool>,
}

impl WorkflowPlan {
    /// Checks `graph` against `registry`, reporting every problem at once.
    pub fn new(graph: &Graph, registry: &NodeRegistry) -> Result<Self, ValidationErrors> {
        Planner::new(graph, registry).plan()
    }

    /// How the runner drives the nodes: each chain is one future whose nodes run one after
    /// another, in this order; different chains run concurrently. A node joins the chain of
    /// the node all its data comes from when both fire at most once (buffered, not controlled,
    /// nothing streaming or controlled upstream), so running them in turn loses nothing.
    ///
    /// ```
    /// use nodetool::workflows::{Graph, NodeRegistry, WorkflowPlan};
    /// let plan = WorkflowPlan::new(&Graph::default(), NodeRegistry::global()).unwrap();
    /// assert!(plan.run_chains().is_empty());
    /// ```
    pub fn run_chains(&self) -> Vec<Vec<&str>> {
        self.chains
            .iter()
            .map(|chain| chain.iter().map(|&i| &*self.nodes[i].id).collect())
            .collect()
    }

    /// Ids of the nodes that will run, in graph order.
    pub fn node_ids(&self) -> impl Iterator<Item = &str> {
        self.nodes.iter().map(|n| &*n.id)
    }

    /// Whether input `handle` of node `node_id` receives a stream (some edge into it comes
    /// from a streaming node or from downstream of one; control edges carry no streams).
    /// `None` when the node or handle does not exist.
    pub fn input_is_streaming(&self, node_id: &str, handle: &str) -> Option<bool> {
        self.input(node_id, handle).map(|i| i.streaming)
    }

    /// Whether input `handle` of node `node_id` gathers its items into one list before the
    /// node fires (a list input fed by several edges, or by single items).
    pub fn input_is_gathered(&self, node_id: &str, handle: &str) -> Option<bool> {
        self.input(node_id, handle).map(|i| i.aggregate)
    }

    fn input(&self, node_id: &str, handle: &str) -> Option<&PlannedInput> {
        let node = self.nodes.iter().find(|n| &*n.id == node_id)?;
        let index = node.input_names.iter().position(|n| n == handle)?;
        node.inputs.get(index)
    }

    /// Every parameter names an input node of the graph ([`UnknownParam`] otherwise; the
    /// runner reports it as `RunError::UnknownParam`).
    pub fn check_params(&self, params: &Map<String, Value>) -> Result<(), UnknownParam> {
        let available: Vec<&str> = self.param_names().collect();
        match params.keys().find(|k| !available.contains(&k.as_str())) {
            None => Ok(()),
            Some(name) => Err(UnknownParam {
                name: name.clone(),
                available: if available.is_empty() {
                    "none".into()
                } else {
                    available.join(", ")
                },
            }),
        }
    }

    /// The parameter names of the graph's input nodes.
    pub fn param_names(&self) -> impl Iterator<Item = &str> {
        self.nodes.iter().filter_map(|n| n.param_name.as_deref())
    }

    /// The graph's streaming input nodes (input nodes whose output streams, such as
    /// `RealtimeAudioInput`): each parameter name with the node's output names. A client
    /// streams values into them while the run goes on ([`InputStreams`](super::InputStreams)).
    pub fn streaming_inputs(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.nodes.iter().filter_map(|n| {
            let streams = n.descriptor.role == super::NodeRole::Input
                && n.descriptor.mode == super::ExecutionMode::StreamingOutput;
            n.param_name
                .as_deref()
                .filter(|_| streams)
                .map(|name| (name, &*n.output_names))
        })
    }
}

/// A graph node whose type is registered, with what the registry knows of it.
type KnownNode<'g> = (&'g GraphNode, &'static NodeDescriptor, &'g NodeMetadata);

/// The wiring found by checking the edges.
struct Wiring {
    inputs: Vec<Vec<PlannedInput>>,
    /// Per input: whether some edge feeds it single items of a list type.
    items_fed: Vec<Vec<bool>>,
    routes: Vec<Vec<Vec<PlannedRoute>>>,
    /// Per node: the nodes its data edges feed.
    adjacency: Vec<Vec<usize>>,
    /// Per node: its control edges.
    control_routes: Vec<Vec<PlannedRoute>>,
    /// Per node: how many control edges come in.
    control_inputs: Vec<usize>,
}

struct Planner<'g> {
    graph: &'g Graph,
    registry: &'g NodeRegistry,
    errors: Vec<ValidationError>,
}

impl<'g> Planner<'g> {
    fn new(graph: &'g Graph, registry: &'g NodeRegistry) -> Self {
        Self {
            graph,
            registry,
            errors: Vec::new(),
        }
    }

    fn plan(mut self) -> Result<WorkflowPlan, ValidationErrors> {
        let dynamic: Vec<Option<NodeMetadata>> = self
            .graph
            .nodes
            .iter()
            .map(|n| self.dynamic_metadata(n))
            .collect();
        let (nodes, index) = self.known_nodes(&dynamic);
        let mut wiring = self.wire(&nodes, &index);
        self.check_inputs(&nodes, &mut wiring);
        self.check_cycles(&nodes, &wiring);
        mark_streams(&nodes, &mut wiring);
        let planned: Vec<PlannedNode> = nodes
            .iter()
            .zip(wiring.inputs)
            .zip(wiring.routes)
            .zip(wiring.control_routes)
            .zip(wiring.control_inputs)
            .map(
                |((((node, inputs), routes), control_routes), control_inputs)| PlannedNode {
                    control_routes,
                    control_inputs,
                    ..planned_node(*node, inputs, routes)
                },
            )
            .collect();
        self.check_values_and_names(&planned);
        if !self.errors.is_empty() {
            return Err(ValidationErrors(self.errors));
        }
        let mut planned = planned;
        self.describe_controlled(&nodes, &mut planned);
        let nodes: Vec<Arc<PlannedNode>> = planned.into_iter().map(Arc::new).collect();
        let chains = super::fusion::run_chains(&nodes);
        let mut follows = vec![false; nodes.len()];
        for chain in &chains {
            chain.iter().skip(1).for_each(|&i| follows[i] = true);
        }
        let fed_once = super::fusion::fed_once(&nodes);
        Ok(WorkflowPlan {
            nodes,
            chains,
            follows,
            fed_once,
        })
    }

    /// Gives each controller the description of the nodes it controls.
    fn describe_controlled(&self, nodes: &[KnownNode<'_>], planned: &mut [PlannedNode]) {
        let described: Vec<Vec<ControlledNode>> = planned
            .iter()
            .map(|p| {
                p.control_routes
                    .iter()
                    .map(|route| {
                        let target = &planned[route.target];
                        let (graph_node, _, _) = nodes[route.target];
                        let title = graph_node.ui_properties["title"]
                            .as_str()
                            .filter(|t| !t.is_empty())
                            .map_or_else(|| target.title.to_string(), str::to_owned);
                        ControlledNode {
                            id: target.id.to_string(),
                            node_type: target.node_type.to_string(),
                            title,
                            properties: target
                                .data
                                .iter()
                                .map(|(i, v)| (target.input_names[*i].clone(), v.clone()))
                                .collect(),
                        }
                    })
                    .collect()
            })
            .collect();
        for (p, controlled) in planned.iter_mut().zip(described) {
            p.controlled = controlled.into();
        }
    }

    /// For a node of a dynamic type (`is_dynamic`, e.g. `MakeDictionary`): its type's metadata
    /// with one `any` property more for each dynamic property (its `dynamic_properties`, data
    /// keys the type does not declare, handles edges go into), in that order.
    fn dynamic_metadata(&self, node: &GraphNode) -> Option<NodeMetadata> {
        let meta = &self.registry.get(&node.node_type)?.metadata;
        let outputs = meta.supports_dynamic_outputs && !node.dynamic_outputs.is_empty();
        if !meta.is_dynamic && !outputs {
            return None;
        }
        let mut meta = meta.clone();
        if outputs {
            for (name, type_json) in &node.dynamic_outputs {
                if meta.output(name).is_none() {
                    meta.outputs.push(crate::metadata::OutputSlot {
                        type_metadata: serde_json::from_value(type_json.clone())
                            .unwrap_or_else(|_| TypeMetadata::any()),
                        name: name.clone(),
                        stream: meta.is_streaming_output,
                    });
                }
            }
        }
        if !meta.is_dynamic {
            return Some(meta);
        }
        let mut names: Vec<&str> = Vec::new();
        let into_node = self
            .graph
            .edges
            .iter()
            .filter(|e| e.target == node.id && e.target_handle != CONTROL_HANDLE)
            .map(|e| e.target_handle.as_str());
        for name in node
            .dynamic_properties
            .keys()
            .chain(node.data.keys())
            .map(String::as_str)
            .chain(into_node)
        {
            if meta.property(name).is_none() && !names.contains(&name) {
                names.push(name);
            }
        }
        meta.properties
            .extend(names.into_iter().map(|name| crate::metadata::Property {
                name: name.to_owned(),
                type_metadata: TypeMetadata::any(),
                default: None,
                title: None,
                description: None,
                min: None,
                max: None,
                json_schema_extra: None,
                required: false,
            }));
        Some(meta)
    }

    /// Nodes of registered types with unique ids (comments dropped), and their positions.
    fn known_nodes<'a>(
        &mut self,
        dynamic: &'a [Option<NodeMetadata>],
    ) -> (Vec<KnownNode<'a>>, HashMap<&'a str, usize>)
    where
        'g: 'a,
    {
        let mut index = HashMap::new();
        let mut nodes = Vec::new();
        for (node, dynamic) in self
            .graph
            .nodes
            .iter()
            .zip(dynamic)
            .filter(|(n, _)| n.node_type != COMMENT_NODE_TYPE)
        {
            if index.contains_key(node.id.as_str()) {
                self.errors.push(ValidationError::DuplicateNodeId {
                    node_id: node.id.clone(),
                });
                continue;
            }
            match self.registry.get(&node.node_type) {
                Some(r) => {
                    index.insert(node.id.as_str(), nodes.len());
                    nodes.push((node, r.descriptor, dynamic.as_ref().unwrap_or(&r.metadata)));
                }
                None => self.errors.push(ValidationError::UnknownNodeType {
                    node_id: node.id.clone(),
                    node_type: node.node_type.clone(),
                    hint: self.registry.unknown_type_hint(&node.node_type),
                }),
            }
        }
        (nodes, index)
    }

    /// Checks every edge (known nodes and handles, compatible types) and records the good ones.
    fn wire(&mut self, nodes: &[KnownNode<'_>], index: &HashMap<&str, usize>) -> Wiring {
        let mut wiring = Wiring {
            inputs: nodes
                .iter()
                .map(|(_, _, m)| vec![PlannedInput::default(); m.properties.len()])
                .collect(),
            items_fed: nodes
                .iter()
                .map(|(_, _, m)| vec![false; m.properties.len()])
                .collect(),
            routes: nodes
                .iter()
                .map(|(_, _, m)| vec![Vec::new(); m.outputs.len()])
                .collect(),
            adjacency: vec![Vec::new(); nodes.len()],
            control_routes: vec![Vec::new(); nodes.len()],
            control_inputs: vec![0; nodes.len()],
        };
        // Nodes of unknown types were reported already: their edges are not reported again.
        let unknown_typed: HashSet<&str> = self
            .graph
            .nodes
            .iter()
            .filter(|n| n.node_type != COMMENT_NODE_TYPE && !index.contains_key(n.id.as_str()))
            .map(|n| n.id.as_str())
            .collect();
        for edge in &self.graph.edges {
            let mut endpoint = |id: &str| {
                let found = index.get(id).copied();
                if found.is_none() && !unknown_typed.contains(id) {
                    self.errors.push(ValidationError::UnknownEdgeNode {
                        edge: edge.label(),
                        node_id: id.to_owned(),
                    });
                }
                found
            };
            let (Some(s), Some(t)) = (endpoint(&edge.source), endpoint(&edge.target)) else {
                continue;
            };
            if edge.edge_type == EdgeType::Control {
                self.wire_control(edge, s, t, nodes, &mut wiring);
                continue;
            }
            if let Some((out_idx, in_idx, item_typed)) = self.check_edge(edge, nodes[s], nodes[t]) {
                wiring.inputs[t][in_idx].sources += 1;
                wiring.items_fed[t][in_idx] |= item_typed;
                wiring.adjacency[s].push(t);
                wiring.routes[s][out_idx].push(PlannedRoute {
                    target: t,
                    handle: in_idx,
                    edge_id: Arc::from(edge.id.as_deref().unwrap_or_default()),
                });
            }
        }
        wiring
    }

    /// Records a control edge `s` → `t`: it goes into `__control__`, never from a node to
    /// itself; the source handle is not checked (NodeTool's controllers emit on `__control__`
    /// or `__control_output__`, neither of them a declared output).
    fn wire_control(
        &mut self,
        edge: &GraphEdge,
        s: usize,
        t: usize,
        nodes: &[KnownNode<'_>],
        wiring: &mut Wiring,
    ) {
        if edge.target_handle != CONTROL_HANDLE {
            self.errors.push(ValidationError::ControlTargetHandle {
                edge: edge.label(),
                handle: edge.target_handle.clone(),
            });
            return;
        }
        if s == t {
            self.errors.push(ValidationError::SelfControl {
                node_id: nodes[s].0.id.clone(),
                edge: edge.label(),
            });
            return;
        }
        let data_inputs = nodes[t].2.properties.len();
        wiring.control_routes[s].push(PlannedRoute {
            target: t,
            handle: data_inputs + wiring.control_inputs[t],
            edge_id: Arc::from(edge.id.as_deref().unwrap_or_default()),
        });
        wiring.control_inputs[t] += 1;
    }

    /// Control edges alone must not form a cycle; with data edges, neither.
    fn check_cycles(&mut self, nodes: &[KnownNode<'_>], wiring: &Wiring) {
        let ids = |cycle: Vec<usize>| cycle.into_iter().map(|i| nodes[i].0.id.clone()).collect();
        let control: Vec<Vec<usize>> = wiring
            .control_routes
            .iter()
            .map(|routes| routes.iter().map(|r| r.target).collect())
            .collect();
        if let Some(cycle) = find_cycle(&control) {
            self.errors
                .push(ValidationError::ControlCycle { nodes: ids(cycle) });
            return;
        }
        let mut all = wiring.adjacency.clone();
        for (from, targets) in all.iter_mut().zip(&control) {
            from.extend(targets);
        }
        if let Some(cycle) = find_cycle(&all) {
            self.errors
                .push(ValidationError::Cycle { nodes: ids(cycle) });
        }
    }

    /// The output and input indices of a well-formed edge, and whether it feeds single items
    /// into a list input.
    fn check_edge(
        &mut self,
        edge: &GraphEdge,
        (snode, _, smeta): KnownNode<'_>,
        (tnode, _, tmeta): KnownNode<'_>,
    ) -> Option<(usize, usize, bool)> {
        let Some(out_idx) = smeta
            .outputs
            .iter()
            .position(|o| o.name == edge.source_handle)
        else {
            self.errors.push(ValidationError::UnknownOutput {
                node_id: snode.id.clone(),
                node_type: snode.node_type.clone(),
                handle: edge.source_handle.clone(),
                available: names(smeta.outputs.iter().map(|o| o.name.as_str())),
            });
            return None;
        };
        let Some(in_idx) = tmeta
            .properties
            .iter()
            .position(|p| p.name == edge.target_handle)
        else {
            self.errors.push(ValidationError::UnknownInput {
                node_id: tnode.id.clone(),
                node_type: tnode.node_type.clone(),
                handle: edge.target_handle.clone(),
                available: names(tmeta.properties.iter().map(|p| p.name.as_str())),
            });
            return None;
        };
        let source_type = &smeta.outputs[out_idx].type_metadata;
        let target_type = &tmeta.properties[in_idx].type_metadata;
        if !source_type.is_assignable_to(target_type) {
            self.errors.push(ValidationError::TypeMismatch {
                edge: edge.label(),
                source_id: snode.id.clone(),
                source_handle: edge.source_handle.clone(),
                source_type: source_type.to_string(),
                target_id: tnode.id.clone(),
                target_handle: edge.target_handle.clone(),
                target_type: target_type.to_string(),
            });
            return None;
        }
        Some((out_idx, in_idx, feeds_items(source_type, target_type)))
    }

    /// Per input: several edges into a non-list, list aggregation, missing required values.
    fn check_inputs(&mut self, nodes: &[KnownNode<'_>], wiring: &mut Wiring) {
        let per_node = wiring
            .inputs
            .iter_mut()
            .zip(&wiring.items_fed)
            .zip(&wiring.control_inputs);
        for ((node, _, meta), ((inputs, items_fed), &controls)) in nodes.iter().zip(per_node) {
            for ((prop, input), &items_fed) in
                meta.properties.iter().zip(inputs.iter_mut()).zip(items_fed)
            {
                let is_list = prop.type_metadata.is_list();
                if input.sources > 1 && !is_list && !prop.type_metadata.is_any() {
                    self.errors.push(ValidationError::MultipleEdgesIntoNonList {
                        node_id: node.id.clone(),
                        handle: prop.name.clone(),
                        count: input.sources,
                    });
                }
                input.aggregate = is_list && (input.sources > 1 || items_fed);
                input.nested = prop
                    .type_metadata
                    .type_args
                    .first()
                    .is_some_and(|t| t.is_list());
                let has_value = node.data.get(&prop.name).is_some_and(|v| !is_empty(v));
                // A controlled node's controllers may set it: checked when it runs.
                if prop.required && input.sources == 0 && !has_value && controls == 0 {
                    self.errors.push(ValidationError::MissingInput {
                        node_id: node.id.clone(),
                        node_type: node.node_type.clone(),
                        handle: prop.name.clone(),
                    });
                }
            }
        }
    }

    /// Property values convert to their types; input nodes are named, uniquely.
    fn check_values_and_names(&mut self, planned: &[PlannedNode]) {
        let mut param_names: HashMap<&str, &str> = HashMap::new();
        for node in planned {
            if let Err((property, error)) = node.instantiate() {
                let message = match error {
                    NodeError::InvalidInput { source, .. } => {
                        format!("property `{property}`: {source}")
                    }
                    other => format!("property `{property}`: {other}"),
                };
                self.errors.push(ValidationError::InvalidProperty {
                    node_id: node.id.to_string(),
                    node_type: node.node_type.to_string(),
                    message,
                });
            }
            let Some(name) = node.param_name.as_deref() else {
                continue;
            };
            if name.is_empty() {
                self.errors.push(ValidationError::InvalidInputName {
                    node_id: node.id.to_string(),
                    message: "an input node needs a non-empty `name`".into(),
                });
            } else if let Some(other) = param_names.insert(name, &node.id) {
                self.errors.push(ValidationError::InvalidInputName {
                    node_id: node.id.to_string(),
                    message: format!("name `{name}` is also used by input node `{other}`"),
                });
            }
        }
    }
}

/// Marks every input fed from a streaming node or from anything downstream of one.
fn mark_streams(nodes: &[KnownNode<'_>], wiring: &mut Wiring) {
    let seeds: Vec<bool> = nodes
        .iter()
        .map(|(_, d, _)| d.mode == ExecutionMode::StreamingOutput)
        .collect();
    let streaming_from = streaming_nodes(&seeds, &wiring.adjacency);
    for (s, outs) in wiring.routes.iter().enumerate() {
        if streaming_from[s] {
            for r in outs.iter().flatten() {
                wiring.inputs[r.target][r.handle].streaming = true;
            }
        }
    }
}

/// Lays out one node for the runner: its `data` (handles without an edge, non-empty values),
/// its inputs and its routes.
fn planned_node(
    (node, descriptor, meta): KnownNode<'_>,
    inputs: Vec<PlannedInput>,
    routes: Vec<Vec<PlannedRoute>>,
) -> PlannedNode {
    let data = meta
        .properties
        .iter()
        .zip(&inputs)
        .enumerate()
        .filter(|(_, (_, input))| input.sources == 0)
        .filter_map(|(i, (p, _))| {
            node.data
                .get(&p.name)
                .or_else(|| node.dynamic_properties.get(&p.name))
                .filter(|v| !is_empty(v))
                .map(|v| (i, v.clone()))
        })
        .collect();
    let param_name = (descriptor.role == NodeRole::Input).then(|| {
        node.data
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    });
    let fed_handles = (0..inputs.len())
        .filter(|&i| inputs[i].sources > 0)
        .collect();
    PlannedNode {
        id: Arc::from(node.id.as_str()),
        title: Arc::from(meta.title.as_str()),
        node_type: Arc::from(node.node_type.as_str()),
        descriptor,
        sync_mode: node.sync_mode,
        data,
        inputs,
        input_names: meta.properties.iter().map(|p| p.name.clone()).collect(),
        output_names: meta.outputs.iter().map(|o| o.name.clone()).collect(),
        route_ends: routes
            .iter()
            .scan(0, |end, rs| {
                *end += rs.len();
                Some(*end)
            })
            .collect(),
        fed_handles,
        routes,
        control_routes: Vec::new(),
        control_inputs: 0,
        param_name,
        dynamic_outputs: meta
            .outputs
            .iter()
            .filter(|o| node.dynamic_outputs.contains_key(&o.name))
            .cloned()
            .collect(),
        controlled: Arc::from(Vec::new()),
        #[cfg(feature = "telemetry")]
        durations: std::sync::OnceLock::new(),
    }
}

/// Whether values of `source` reach a `list[T]` input as single items (to be gathered),
/// rather than as whole lists.
fn feeds_items(source: &TypeMetadata, target: &TypeMetadata) -> bool {
    target.is_list() && !source.is_list() && !source.is_any()
}

fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    let all: Vec<&str> = it.collect();
    if all.is_empty() {
        "none".to_owned()
    } else {
        all.join(", ")
    }
}

/// Nodes from which streams flow: streaming nodes and everything downstream of them.
fn streaming_nodes(seeds: &[bool], adjacency: &[Vec<usize>]) -> Vec<bool> {
    let mut streaming = seeds.to_vec();
    let mut queue: VecDeque<usize> = (0..seeds.len()).filter(|&i| seeds[i]).collect();
    while let Some(n) = queue.pop_front() {
        for &m in &adjacency[n] {
            if !streaming[m] {
                streaming[m] = true;
                queue.push_back(m);
            }
        }
    }
    streaming
}

/// A cycle in the graph, as node indices with the first repeated at the end.
fn find_cycle(adjacency: &[Vec<usize>]) -> Option<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let mut mark = vec![Mark::New; adjacency.len()];
    for root in 0..adjacency.len() {
        if mark[root] != Mark::New {
            continue;
        }
        // Iterative DFS: (node, next child position); `path` holds the active nodes.
        let mut stack = vec![(root, 0usize)];
        let mut path = vec![root];
        mark[root] = Mark::Active;
        while let Some(&mut (n, ref mut next)) = stack.last_mut() {
            if let Some(&m) = adjacency[n].get(*next) {
                *next += 1;
                match mark[m] {
                    Mark::Active => {
                        let start = path.iter().position(|&p| p == m).unwrap_or(0);
                        let mut cycle = path[start..].to_vec();
                        cycle.push(m);
                        return Some(cycle);
                    }
                    Mark::New => {
                        mark[m] = Mark::Active;
                        stack.push((m, 0));
                        path.push(m);
                    }
                    Mark::Done => {}
                }
            } else {
                mark[n] = Mark::Done;
                stack.pop();
                path.pop();
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cycles_and_names_them_in_order() {
        assert_eq!(find_cycle(&[vec![1], vec![2], vec![]]), None);
        assert_eq!(
            find_cycle(&[vec![1], vec![2], vec![1]]),
            Some(vec![1, 2, 1])
        );
        assert_eq!(find_cycle(&[vec![0]]), Some(vec![0, 0]));
    }

    #[test]
    fn streams_flow_downstream_only() {
        let adj = vec![vec![1], vec![2], vec![], vec![2]];
        assert_eq!(
            streaming_nodes(&[false, true, false, false], &adj),
            vec![false, true, true, false]
        );
    }
}
