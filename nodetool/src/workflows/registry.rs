//! [`NodeRegistry`]: every node type linked into the program, by type name.

use super::error::NodeError;
use super::graph::GraphNode;
use super::node::{Node, NodeAlias, NodeDescriptor};
use crate::metadata::NodeMetadata;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

/// A registered node type: its descriptor and its metadata (built once).
#[derive(Debug)]
pub struct RegisteredNode {
    /// How to create and drive it.
    pub descriptor: &'static NodeDescriptor,
    /// What a UI knows of it.
    pub metadata: NodeMetadata,
}

/// Node types by type name.
///
/// [`NodeRegistry::global`] holds every type declared with `#[node]` anywhere in the program
/// (collected at link time); [`NodeRegistry::new`] starts an empty one for tests or sandboxes.
///
/// ```
/// use nodetool::workflows::NodeRegistry;
/// let registry = NodeRegistry::global();
/// assert!(registry.get("no.such.Node").is_none());
/// ```
#[derive(Debug, Default)]
pub struct NodeRegistry {
    by_type: HashMap<&'static str, RegisteredNode>,
}

impl NodeRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The registry of every `#[node]` type linked into this program.
    pub fn global() -> &'static NodeRegistry {
        static GLOBAL: OnceLock<NodeRegistry> = OnceLock::new();
        GLOBAL.get_or_init(|| {
            let mut registry = NodeRegistry::new();
            for descriptor in inventory::iter::<NodeDescriptor> {
                if !registry.register(descriptor) {
                    tracing::warn!(
                        node_type = descriptor.node_type,
                        "node type registered twice; keeping the first"
                    );
                }
            }
            for alias in inventory::iter::<NodeAlias> {
                if !registry.register_alias(alias) {
                    tracing::warn!(
                        node_type = alias.node_type,
                        target = alias.target,
                        "node alias names a missing type or a taken name; ignored"
                    );
                }
            }
            registry
        })
    }

    /// Adds `alias` for its registered target; `false` if the target is missing or the name
    /// is taken.
    pub fn register_alias(&mut self, alias: &NodeAlias) -> bool {
        if self.by_type.contains_key(alias.node_type) {
            return false;
        }
        let Some(target) = self.by_type.get(alias.target) else {
            return false;
        };
        let mut metadata = target.metadata.clone();
        metadata.node_type = alias.node_type.to_owned();
        metadata.namespace = alias
            .node_type
            .rsplit_once('.')
            .map_or("", |(namespace, _)| namespace)
            .to_owned();
        if let Some(adjust) = alias.adjust {
            adjust(&mut metadata);
        }
        let descriptor = target.descriptor;
        self.by_type.insert(
            alias.node_type,
            RegisteredNode {
                descriptor,
                metadata,
            },
        );
        true
    }

    /// Adds a node type; returns `false` (and keeps the existing one) if the name is taken.
    pub fn register(&mut self, descriptor: &'static NodeDescriptor) -> bool {
        if self.by_type.contains_key(descriptor.node_type) {
            return false;
        }
        self.by_type.insert(
            descriptor.node_type,
            RegisteredNode {
                descriptor,
                metadata: (descriptor.metadata)(),
            },
        );
        true
    }

    /// What to do about an unregistered `node_type`, when the cause is likely a missing
    /// crate: NodeTool's standard types (under `nodetool.` and `lib.`) come from
    /// `nodetool-std-nodes`, and when not one of them is registered, that crate is not linked
    /// in. Empty otherwise.
    ///
    /// ```
    /// use nodetool::workflows::NodeRegistry;
    /// let empty = NodeRegistry::new();
    /// assert!(empty.unknown_type_hint("lib.math.Add").contains("nodetool_std_nodes::link()"));
    /// assert_eq!(empty.unknown_type_hint("my.own.Node"), "");
    /// ```
    pub fn unknown_type_hint(&self, node_type: &str) -> &'static str {
        let standard = |t: &str| t.starts_with("nodetool.") || t.starts_with("lib.");
        if standard(node_type) && !self.by_type.keys().any(|t| standard(t)) {
            ": NodeTool's standard node types are in the nodetool-std-nodes crate; add it to \
             your dependencies and call `nodetool_std_nodes::link()` once before loading graphs"
        } else {
            ""
        }
    }

    /// The node type named `node_type`.
    pub fn get(&self, node_type: &str) -> Option<&RegisteredNode> {
        self.by_type.get(node_type)
    }

    /// Every registered type's metadata, sorted by type name.
    pub fn metadata(&self) -> Vec<&NodeMetadata> {
        let mut all: Vec<&NodeMetadata> = self.by_type.values().map(|r| &r.metadata).collect();
        all.sort_by(|a, b| a.node_type.cmp(&b.node_type));
        all
    }

    /// Every registered type's metadata as one JSON array, as `GET /api/nodes/metadata` serves it.
    pub fn metadata_json(&self) -> Value {
        serde_json::to_value(self.metadata()).unwrap_or(Value::Null)
    }

    /// The number of registered types.
    pub fn len(&self) -> usize {
        self.by_type.len()
    }

    /// Whether no type is registered.
    pub fn is_empty(&self) -> bool {
        self.by_type.is_empty()
    }

    /// Creates a node instance for a graph node, with its `data` assigned.
    ///
    /// Unknown properties are ignored and empty values (`null`, `[]`, `{}`) keep the default,
    /// as NodeTool does.
    pub fn create(&self, node: &GraphNode) -> Result<Box<dyn Node>, CreateNodeError> {
        let registered = self
            .get(&node.node_type)
            .ok_or_else(|| CreateNodeError::UnknownType {
                node_type: node.node_type.clone(),
                hint: self.unknown_type_hint(&node.node_type),
            })?;
        let mut instance = (registered.descriptor.create)();
        for (index, property) in registered.metadata.properties.iter().enumerate() {
            if let Some(value) = node.data.get(&property.name).filter(|v| !is_empty(v)) {
                instance.set_input(index, value.clone()).map_err(|source| {
                    CreateNodeError::InvalidProperty {
                        property: property.name.clone(),
                        source,
                    }
                })?;
            }
        }
        Ok(instance)
    }
}

/// NodeTool skips these values when assigning properties: the default stays.
pub(crate) fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// A graph node that could not be turned into a node instance.
#[derive(Debug, thiserror::Error)]
pub enum CreateNodeError {
    /// No node type of that name is registered.
    #[error("unknown node type `{node_type}`{hint}")]
    UnknownType {
        /// The type name.
        node_type: String,
        /// What to do about it, when a crate is likely missing (else empty).
        hint: &'static str,
    },
    /// A property value does not fit the property's type.
    #[error("property `{property}`: {source}")]
    InvalidProperty {
        /// The property.
        property: String,
        /// What is wrong.
        source: NodeError,
    },
}
