//! [`WorkflowPlan`]: a graph checked against the registry and laid out for the runner.

use super::graph::{EdgeType, Graph, SyncMode};
use super::node::{NodeDescriptor, NodeError, NodeRole};
use super::registry::{is_empty, CreateNodeError, NodeRegistry};
use crate::metadata::{NodeMetadata, TypeMetadata};
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Arc;

/// NodeTool's comment node: documentation on the canvas, never run.
pub const COMMENT_NODE_TYPE: &str = "nodetool.workflows.base_node.Comment";

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
    #[error("node `{node_id}`: unknown node type `{node_type}`")]
    UnknownNodeType {
        /// The node.
        node_id: String,
        /// The unknown type.
        node_type: String,
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
    /// The data edges form a cycle.
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
    /// Control edges are not supported by this runner yet.
    #[error("edge `{edge}`: control edges are not supported yet")]
    ControlEdge {
        /// The edge.
        edge: String,
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
#[derive(Debug, Clone)]
pub(crate) struct PlannedInput {
    /// How many edges feed it (0: its value comes from `data` or the default).
    pub(crate) sources: usize,
    /// Whether its items are gathered into one list before the node fires.
    pub(crate) aggregate: bool,
    /// Whether some edge into it carries a stream (downstream of a streaming node).
    pub(crate) streaming: bool,
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
    /// For input nodes: the parameter name.
    pub(crate) param_name: Option<String>,
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
}

impl WorkflowPlan {
    /// Checks `graph` against `registry`, reporting every problem at once.
    pub fn new(graph: &Graph, registry: &NodeRegistry) -> Result<Self, ValidationErrors> {
        Planner::new(graph, registry).plan()
    }

    /// Ids of the nodes that will run, in graph order.
    pub fn node_ids(&self) -> impl Iterator<Item = &str> {
        self.nodes.iter().map(|n| &*n.id)
    }

    /// The parameter names of the graph's input nodes.
    pub fn param_names(&self) -> impl Iterator<Item = &str> {
        self.nodes.iter().filter_map(|n| n.param_name.as_deref())
    }
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
        let graph = self.graph;
        // 1. Nodes: known types, unique ids. Comments are dropped.
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut nodes: Vec<(
            &'g super::graph::GraphNode,
            &'static NodeDescriptor,
            &'g NodeMetadata,
        )> = Vec::new();
        for node in graph
            .nodes
            .iter()
            .filter(|n| n.node_type != COMMENT_NODE_TYPE)
        {
            if index.contains_key(node.id.as_str()) {
                self.errors.push(ValidationError::DuplicateNodeId {
                    node_id: node.id.clone(),
                });
                continue;
            }
            match self.registry.get(&node.node_type) {
                Some(r) => {
                    index.insert(&node.id, nodes.len());
                    nodes.push((node, r.descriptor, &r.metadata));
                }
                None => self.errors.push(ValidationError::UnknownNodeType {
                    node_id: node.id.clone(),
                    node_type: node.node_type.clone(),
                }),
            }
        }
        let comment_ids: Vec<&str> = graph
            .nodes
            .iter()
            .filter(|n| n.node_type == COMMENT_NODE_TYPE)
            .map(|n| n.id.as_str())
            .collect();

        // 2. Edges: known nodes and handles, compatible types.
        let mut inputs: Vec<Vec<PlannedInput>> = nodes
            .iter()
            .map(|(_, _, m)| {
                vec![
                    PlannedInput {
                        sources: 0,
                        aggregate: false,
                        streaming: false
                    };
                    m.properties.len()
                ]
            })
            .collect();
        let mut routes: Vec<Vec<Vec<PlannedRoute>>> = nodes
            .iter()
            .map(|(_, _, m)| vec![Vec::new(); m.outputs.len()])
            .collect();
        let mut item_typed: Vec<Vec<bool>> = inputs.iter().map(|i| vec![false; i.len()]).collect();
        let mut adjacency: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
        for edge in &graph.edges {
            let label = edge.label();
            if edge.edge_type == EdgeType::Control {
                self.errors
                    .push(ValidationError::ControlEdge { edge: label });
                continue;
            }
            let mut endpoint = |id: &str| match index.get(id) {
                Some(&i) => Some(i),
                None => {
                    // Edges of unknown-typed nodes were already reported with the node.
                    let reported = graph.nodes.iter().any(|n| n.id == id);
                    if !reported || comment_ids.contains(&id) {
                        self.errors.push(ValidationError::UnknownEdgeNode {
                            edge: label.clone(),
                            node_id: id.to_owned(),
                        });
                    }
                    None
                }
            };
            let (Some(s), Some(t)) = (endpoint(&edge.source), endpoint(&edge.target)) else {
                continue;
            };
            let (snode, _, smeta) = nodes[s];
            let (tnode, _, tmeta) = nodes[t];
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
                continue;
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
                continue;
            };
            let source_type = &smeta.outputs[out_idx].type_metadata;
            let target_type = &tmeta.properties[in_idx].type_metadata;
            if !source_type.is_assignable_to(target_type) {
                self.errors.push(ValidationError::TypeMismatch {
                    edge: label.clone(),
                    source_id: snode.id.clone(),
                    source_handle: edge.source_handle.clone(),
                    source_type: source_type.to_string(),
                    target_id: tnode.id.clone(),
                    target_handle: edge.target_handle.clone(),
                    target_type: target_type.to_string(),
                });
                continue;
            }
            inputs[t][in_idx].sources += 1;
            item_typed[t][in_idx] |= feeds_items(source_type, target_type);
            adjacency[s].push(t);
            routes[s][out_idx].push(PlannedRoute {
                target: t,
                handle: in_idx,
                edge_id: Arc::from(edge.id.clone().unwrap_or_default()),
            });
        }

        // 3. Per input: list aggregation, several edges into a non-list, missing values.
        for (t, (node, _, meta)) in nodes.iter().enumerate() {
            for (i, prop) in meta.properties.iter().enumerate() {
                let input = &mut inputs[t][i];
                let is_list = prop.type_metadata.is_list();
                if input.sources > 1 && !is_list && !prop.type_metadata.is_any() {
                    self.errors.push(ValidationError::MultipleEdgesIntoNonList {
                        node_id: node.id.clone(),
                        handle: prop.name.clone(),
                        count: input.sources,
                    });
                }
                input.aggregate = is_list && (input.sources > 1 || item_typed[t][i]);
                let has_value = node.data.get(&prop.name).is_some_and(|v| !is_empty(v));
                if prop.required && input.sources == 0 && !has_value {
                    self.errors.push(ValidationError::MissingInput {
                        node_id: node.id.clone(),
                        node_type: node.node_type.clone(),
                        handle: prop.name.clone(),
                    });
                }
            }
        }

        // 4. Property values convert; input nodes are named uniquely.
        let mut param_names: HashMap<String, &str> = HashMap::new();
        for (node, descriptor, _) in &nodes {
            if let Err(e) = self.registry.create(node) {
                let message = match e {
                    CreateNodeError::InvalidProperty {
                        property,
                        source: NodeError::InvalidInput { source, .. },
                    } => format!("property `{property}`: {source}"),
                    other => other.to_string(),
                };
                self.errors.push(ValidationError::InvalidProperty {
                    node_id: node.id.clone(),
                    node_type: node.node_type.clone(),
                    message,
                });
            }
            if descriptor.role == NodeRole::Input {
                let name = node
                    .data
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if name.is_empty() {
                    self.errors.push(ValidationError::InvalidInputName {
                        node_id: node.id.clone(),
                        message: "an input node needs a non-empty `name`".into(),
                    });
                } else if let Some(other) = param_names.insert(name.to_owned(), &node.id) {
                    self.errors.push(ValidationError::InvalidInputName {
                        node_id: node.id.clone(),
                        message: format!("name `{name}` is also used by input node `{other}`"),
                    });
                }
            }
        }

        // 5. No cycles.
        if let Some(cycle) = find_cycle(&adjacency) {
            self.errors.push(ValidationError::Cycle {
                nodes: cycle.into_iter().map(|i| nodes[i].0.id.clone()).collect(),
            });
        }

        if !self.errors.is_empty() {
            return Err(ValidationErrors(self.errors));
        }

        // 6. Streams: every edge downstream of a streaming-output node carries a stream.
        let streaming_from = streaming_nodes(
            &nodes
                .iter()
                .map(|(_, d, m)| {
                    d.mode == super::node::ExecutionMode::StreamingOutput || m.is_streaming_output
                })
                .collect::<Vec<_>>(),
            &adjacency,
        );
        for (s, outs) in routes.iter().enumerate() {
            if streaming_from[s] {
                for r in outs.iter().flatten() {
                    inputs[r.target][r.handle].streaming = true;
                }
            }
        }

        let planned = nodes
            .iter()
            .zip(inputs)
            .zip(routes)
            .map(|(((node, descriptor, meta), inputs), routes)| {
                let data = meta
                    .properties
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| inputs[*i].sources == 0)
                    .filter_map(|(i, p)| {
                        node.data
                            .get(&p.name)
                            .filter(|v| !is_empty(v))
                            .map(|v| (i, v.clone()))
                    })
                    .collect();
                Arc::new(PlannedNode {
                    id: Arc::from(node.id.as_str()),
                    title: Arc::from(meta.title.as_str()),
                    node_type: Arc::from(node.node_type.as_str()),
                    descriptor,
                    sync_mode: node.sync_mode,
                    data,
                    inputs,
                    input_names: meta.properties.iter().map(|p| p.name.clone()).collect(),
                    output_names: meta.outputs.iter().map(|o| o.name.clone()).collect(),
                    routes,
                    param_name: (descriptor.role == NodeRole::Input).then(|| {
                        node.data
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned()
                    }),
                })
            })
            .collect();
        Ok(WorkflowPlan { nodes: planned })
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
