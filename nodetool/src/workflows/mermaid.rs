//! [`Graph::to_mermaid`]: a graph drawn as a Mermaid flowchart.

use super::graph::{EdgeType, Graph};
use std::fmt::Write;

impl Graph {
    /// The graph as a Mermaid flowchart (left to right): one box per node, labelled with its
    /// id and type, one arrow per edge, labelled `output → input`; control edges are dotted
    /// and labelled `controls`.
    ///
    /// ```
    /// use nodetool::workflows::Graph;
    /// let graph = Graph::from_json_str(r#"{
    ///   "nodes": [{"id": "a", "type": "nodetool.constant.Integer"},
    ///             {"id": "b", "type": "nodetool.output.Output"}],
    ///   "edges": [{"source": "a", "sourceHandle": "output", "target": "b", "targetHandle": "value"}]
    /// }"#).unwrap();
    /// let chart = graph.to_mermaid();
    /// assert!(chart.starts_with("flowchart LR"));
    /// assert!(chart.contains(r#"n0 -->|"output → value"| n1"#));
    /// ```
    pub fn to_mermaid(&self) -> String {
        let mut out = String::from("flowchart LR\n");
        for (i, node) in self.nodes.iter().enumerate() {
            let short_type = node.node_type.rsplit('.').next().unwrap_or(&node.node_type);
            let _ = writeln!(
                out,
                "    n{i}[\"{}<br/><small>{}</small>\"]",
                escape(&node.id),
                escape(short_type)
            );
        }
        for edge in &self.edges {
            let index = |id: &str| self.nodes.iter().position(|n| n.id == id);
            let (Some(s), Some(t)) = (index(&edge.source), index(&edge.target)) else {
                continue;
            };
            let _ = match edge.edge_type {
                EdgeType::Control => writeln!(out, "    n{s} -.->|\"controls\"| n{t}"),
                EdgeType::Data => writeln!(
                    out,
                    "    n{s} -->|\"{} → {}\"| n{t}",
                    escape(&edge.source_handle),
                    escape(&edge.target_handle)
                ),
            };
        }
        out
    }
}

/// Mermaid labels are quoted: quotes and angle brackets become HTML entities.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflows::{GraphEdge, GraphNode};

    #[test]
    fn draws_nodes_edges_and_escapes_labels() {
        let mut control = GraphEdge::new("a\"<x>", "out", "b", "__control__");
        control.edge_type = EdgeType::Control;
        let graph = Graph {
            nodes: vec![
                GraphNode::new("a\"<x>", "ns.A", Default::default()),
                GraphNode::new("b", "B", Default::default()),
            ],
            edges: vec![
                GraphEdge::new("a\"<x>", "output", "b", "text"),
                GraphEdge::new("missing", "output", "b", "text"),
                control,
            ],
        };
        let chart = graph.to_mermaid();
        assert!(
            chart.contains("n0[\"a&quot;&lt;x&gt;<br/><small>A</small>\"]"),
            "{chart}"
        );
        assert!(chart.contains("n1[\"b<br/><small>B</small>\"]"), "{chart}");
        assert!(chart.contains("n0 -->|\"output → text\"| n1"), "{chart}");
        assert_eq!(chart.matches("-->").count(), 1, "{chart}");
        assert!(chart.contains("n0 -.->|\"controls\"| n1"), "{chart}");
        assert!(!chart.contains("missing"), "{chart}");
    }
}
