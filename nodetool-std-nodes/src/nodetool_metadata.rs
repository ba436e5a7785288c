//! NodeTool's own metadata for node types written against the [`Node`] trait directly
//! (dynamic properties or outputs, table-driven families): read from NodeTool's package
//! metadata (`metadata/nodetool_examples.json`, nodetool-base 0.6.3-rc.47 and its provider
//! packages), so their properties, defaults and outputs are NodeTool's by construction.
//!
//! [`Node`]: nodetool::workflows::Node

use nodetool::metadata::NodeMetadata;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The embedded metadata file.
const SOURCE: &str = include_str!("../metadata/nodetool_examples.json");

fn all() -> &'static HashMap<String, NodeMetadata> {
    static ALL: OnceLock<HashMap<String, NodeMetadata>> = OnceLock::new();
    ALL.get_or_init(|| {
        // The file is part of this crate; `every_entry_parses` checks it.
        let nodes = serde_json::from_str::<serde_json::Value>(SOURCE)
            .ok()
            .and_then(|mut v| serde_json::from_value::<Vec<NodeMetadata>>(v["nodes"].take()).ok())
            .unwrap_or_default();
        nodes
            .into_iter()
            .map(|m| (m.node_type.clone(), m))
            .collect()
    })
}

/// NodeTool's metadata of `node_type` (an empty description of it when the embedded file
/// lacks it, which the tests rule out for every type this crate registers).
pub fn nodetool_metadata(node_type: &str) -> NodeMetadata {
    all().get(node_type).cloned().unwrap_or_else(|| {
        let (namespace, name) = node_type.rsplit_once('.').unwrap_or(("", node_type));
        NodeMetadata {
            title: name.to_owned(),
            description: String::new(),
            namespace: namespace.to_owned(),
            node_type: node_type.to_owned(),
            layout: "default".to_owned(),
            properties: Vec::new(),
            outputs: Vec::new(),
            the_model_info: serde_json::Map::new(),
            recommended_models: Vec::new(),
            basic_fields: Vec::new(),
            is_dynamic: false,
            is_streaming_output: false,
            expose_as_tool: false,
            supports_dynamic_outputs: false,
        }
    })
}

/// Whether the embedded file describes `node_type`.
pub fn has_nodetool_metadata(node_type: &str) -> bool {
    all().contains_key(node_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_parses() {
        let raw: serde_json::Value = serde_json::from_str(SOURCE).unwrap();
        let count = raw["nodes"].as_array().unwrap().len();
        assert_eq!(all().len(), count);
        let m = nodetool_metadata("nodetool.text.FormatText");
        assert!(m.is_dynamic);
        assert_eq!(m.properties[0].name, "template");
    }
}
