//! NodeTool graph JSON: [`Graph`], [`GraphNode`], [`GraphEdge`], loaded and saved losslessly.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// How a node combines values arriving on several input handles.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncMode {
    /// Fire on every arrival, with the latest value of every other handle (the default).
    #[default]
    OnAny,
    /// Fire once per complete set: one item from every handle, in lockstep.
    ZipAll,
}

/// Whether an edge carries data or control events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeType {
    /// Values flow from an output to an input (the default).
    #[default]
    Data,
    /// Run events flow from a controller to a controlled node.
    Control,
}

/// A node of a graph, as NodeTool saves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphNode {
    /// Unique id within the graph.
    pub id: String,
    /// The group node this node belongs to, if any.
    #[serde(default)]
    pub parent_id: Option<String>,
    /// The node type, e.g. `lib.math.Add`.
    #[serde(rename = "type")]
    pub node_type: String,
    /// Property values.
    #[serde(default)]
    pub data: Map<String, Value>,
    /// UI state (position, size, …): kept as it is.
    #[serde(default)]
    pub ui_properties: Value,
    /// Properties added at run time to dynamic nodes.
    #[serde(default)]
    pub dynamic_properties: Map<String, Value>,
    /// Outputs added at run time to dynamic nodes.
    #[serde(default)]
    pub dynamic_outputs: Map<String, Value>,
    /// How inputs are combined.
    #[serde(default)]
    pub sync_mode: SyncMode,
    /// Fields this version does not know: kept so that saving loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl GraphNode {
    /// A node with the given id, type and property values.
    pub fn new(
        id: impl Into<String>,
        node_type: impl Into<String>,
        data: Map<String, Value>,
    ) -> Self {
        Self {
            id: id.into(),
            parent_id: None,
            node_type: node_type.into(),
            data,
            ui_properties: Value::Null,
            dynamic_properties: Map::new(),
            dynamic_outputs: Map::new(),
            sync_mode: SyncMode::OnAny,
            extra: Map::new(),
        }
    }
}

/// An edge of a graph, as NodeTool saves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphEdge {
    /// The edge's id, if it has one.
    #[serde(default)]
    pub id: Option<String>,
    /// The source node's id.
    pub source: String,
    /// The source node's output handle.
    #[serde(rename = "sourceHandle")]
    pub source_handle: String,
    /// The target node's id.
    pub target: String,
    /// The target node's input handle.
    #[serde(rename = "targetHandle")]
    pub target_handle: String,
    /// UI state: kept as it is.
    #[serde(default)]
    pub ui_properties: Option<Value>,
    /// Data or control.
    #[serde(default)]
    pub edge_type: EdgeType,
    /// Fields this version does not know: kept so that saving loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl GraphEdge {
    /// A data edge from `source.source_handle` to `target.target_handle`.
    pub fn new(
        source: impl Into<String>,
        source_handle: impl Into<String>,
        target: impl Into<String>,
        target_handle: impl Into<String>,
    ) -> Self {
        Self {
            id: None,
            source: source.into(),
            source_handle: source_handle.into(),
            target: target.into(),
            target_handle: target_handle.into(),
            ui_properties: None,
            edge_type: EdgeType::Data,
            extra: Map::new(),
        }
    }

    /// A control edge: `source` controls `target` (both handles `__control__`).
    pub fn control(source: impl Into<String>, target: impl Into<String>) -> Self {
        Self {
            edge_type: EdgeType::Control,
            ..Self::new(
                source,
                super::control::CONTROL_HANDLE,
                target,
                super::control::CONTROL_HANDLE,
            )
        }
    }

    /// The edge's id, or `source:handle->target:handle` when it has none.
    pub fn label(&self) -> String {
        match &self.id {
            Some(id) => id.clone(),
            None => format!(
                "{}:{}->{}:{}",
                self.source, self.source_handle, self.target, self.target_handle
            ),
        }
    }
}

/// A workflow graph: nodes and the edges between them.
///
/// ```
/// use nodetool::workflows::Graph;
/// let graph = Graph::from_json_str(r#"{
///   "nodes": [{"id": "1", "type": "nodetool.constant.Integer", "data": {"value": 2}}],
///   "edges": []
/// }"#).unwrap();
/// assert_eq!(graph.nodes[0].node_type, "nodetool.constant.Integer");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Graph {
    /// The nodes.
    #[serde(default)]
    pub nodes: Vec<GraphNode>,
    /// The edges.
    #[serde(default)]
    pub edges: Vec<GraphEdge>,
}

/// A saved workflow: a graph plus its name, description and other fields, kept as they are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowDocument {
    /// The graph.
    pub graph: Graph,
    /// Every other field (`id`, `name`, `description`, `tags`, …), kept as it is.
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}

/// A graph file that could not be read or parsed.
#[derive(Debug, thiserror::Error)]
pub enum GraphParseError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The text is not valid JSON, or not a graph.
    #[error("{origin}line {line}, column {column}: {message}{at}", origin = origin(.path), at = at_path(.json_path))]
    Json {
        /// The file, when the graph came from one.
        path: Option<PathBuf>,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// Where in the document, e.g. `nodes[2].data`.
        json_path: String,
        /// What is wrong.
        message: String,
    },
}

fn origin(path: &Option<PathBuf>) -> String {
    path.as_ref()
        .map(|p| format!("{}: ", p.display()))
        .unwrap_or_default()
}

fn at_path(path: &str) -> String {
    if path.is_empty() || path == "." {
        String::new()
    } else {
        format!(" (at {path})")
    }
}

impl Graph {
    /// Parses a bare graph (`{"nodes", "edges"}`) or a saved workflow (`{"graph": …}`).
    pub fn from_json_str(text: &str) -> Result<Self, GraphParseError> {
        Ok(WorkflowDocument::from_json_str(text)?.graph)
    }

    /// Reads and parses a graph file (bare graph or saved workflow).
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, GraphParseError> {
        Ok(WorkflowDocument::from_path(path)?.graph)
    }

    /// Serialises the graph as NodeTool JSON.
    pub fn to_json(&self) -> Value {
        to_json(self)
    }

    /// The node with this id.
    pub fn node(&self, id: &str) -> Option<&GraphNode> {
        self.nodes.iter().find(|n| n.id == id)
    }
}

impl WorkflowDocument {
    /// Parses a saved workflow, or a bare graph (which gets no other fields).
    pub fn from_json_str(text: &str) -> Result<Self, GraphParseError> {
        parse_document(text, None)
    }

    /// Reads and parses a workflow or graph file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, GraphParseError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| GraphParseError::Io {
            path: path.to_owned(),
            source,
        })?;
        parse_document(&text, Some(path))
    }
}

/// Either file shape, read in one pass: a saved workflow has `graph`, a bare graph has
/// `nodes` and `edges` at the top.
#[derive(Deserialize)]
struct GraphFile {
    #[serde(default)]
    graph: Option<Graph>,
    #[serde(default)]
    nodes: Option<Vec<GraphNode>>,
    #[serde(default)]
    edges: Option<Vec<GraphEdge>>,
    #[serde(flatten)]
    fields: Map<String, Value>,
}

fn parse_document(text: &str, path: Option<&Path>) -> Result<WorkflowDocument, GraphParseError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    let file: GraphFile = serde_path_to_error::deserialize(de).map_err(|e| {
        let json_path = e.path().to_string();
        let e = e.into_inner();
        GraphParseError::Json {
            path: path.map(Path::to_owned),
            line: e.line(),
            column: e.column(),
            json_path,
            message: strip_position(&e.to_string()),
        }
    })?;
    Ok(match file.graph {
        Some(graph) => {
            // A saved workflow keeps every other field, top-level `nodes`/`edges` included.
            let mut fields = file.fields;
            if let Some(nodes) = file.nodes {
                fields.insert("nodes".to_owned(), to_json(&nodes));
            }
            if let Some(edges) = file.edges {
                fields.insert("edges".to_owned(), to_json(&edges));
            }
            WorkflowDocument { graph, fields }
        }
        None => WorkflowDocument {
            graph: Graph {
                nodes: file.nodes.unwrap_or_default(),
                edges: file.edges.unwrap_or_default(),
            },
            fields: Map::new(),
        },
    })
}

/// Graph types always serialise (string keys, no failing `Serialize` impls).
fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// serde_json appends " at line L column C" to its messages; we report those separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAVED: &str = r#"{
        "id": "wf1", "name": "Test", "tags": ["a"],
        "graph": {
            "nodes": [
                {"id": "n1", "parent_id": null, "type": "x.A", "data": {"value": 1},
                 "ui_properties": {"position": {"x": 1, "y": 2}}, "sync_mode": "zip_all",
                 "future_field": [1, 2]}
            ],
            "edges": [
                {"id": "e1", "source": "n1", "sourceHandle": "output", "target": "n2",
                 "targetHandle": "a", "ui_properties": {"className": "int"}}
            ]
        }
    }"#;

    #[test]
    fn saved_workflow_round_trips_without_loss() {
        let doc = WorkflowDocument::from_json_str(SAVED).unwrap();
        assert_eq!(doc.fields["name"], "Test");
        assert_eq!(doc.graph.nodes[0].sync_mode, SyncMode::ZipAll);
        assert_eq!(doc.graph.edges[0].edge_type, EdgeType::Data);
        let saved = serde_json::to_value(&doc).unwrap();
        let original: Value = serde_json::from_str(SAVED).unwrap();
        assert_eq!(
            saved["graph"]["nodes"][0]["future_field"],
            original["graph"]["nodes"][0]["future_field"]
        );
        assert_eq!(
            saved["graph"]["nodes"][0]["ui_properties"],
            original["graph"]["nodes"][0]["ui_properties"]
        );
        assert_eq!(
            saved["graph"]["edges"][0]["ui_properties"],
            original["graph"]["edges"][0]["ui_properties"]
        );
        assert_eq!(saved["tags"], original["tags"]);
    }

    #[test]
    fn bare_graph_parses() {
        let g = Graph::from_json_str(r#"{"nodes": [], "edges": []}"#).unwrap();
        assert!(g.nodes.is_empty());
    }

    #[test]
    fn malformed_json_reports_line_and_column() {
        let err = Graph::from_json_str("{\n  \"nodes\": [\n    {\"id\": }\n]}").unwrap_err();
        match err {
            GraphParseError::Json { line, column, .. } => {
                assert_eq!((line, column), (3, 12));
            }
            other => panic!("unexpected error {other}"),
        }
    }

    #[test]
    fn wrong_shape_reports_the_json_path() {
        let err = Graph::from_json_str(r#"{"nodes": [{"id": "a", "type": 5}], "edges": []}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("nodes[0].type"), "{err}");
        assert!(err.starts_with("line 1, column"), "{err}");
    }

    #[test]
    fn missing_file_names_the_path() {
        let err = Graph::from_path("/no/such/graph.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("/no/such/graph.json"), "{err}");
    }

    #[test]
    fn edges_without_id_get_a_readable_label() {
        let e = GraphEdge::new("a", "output", "b", "x");
        assert_eq!(e.label(), "a:output->b:x");
    }
}
