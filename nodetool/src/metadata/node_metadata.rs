//! [`NodeMetadata`]: what a NodeTool UI needs to know about a node type.

use super::TypeMetadata;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One input property of a node type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Property {
    /// The property's name, which is also its input handle.
    pub name: String,
    /// Its type.
    #[serde(rename = "type")]
    pub type_metadata: TypeMetadata,
    /// The value used when the graph gives none.
    #[serde(default)]
    pub default: Option<Value>,
    /// A human title (defaults to the name in title case).
    #[serde(default)]
    pub title: Option<String>,
    /// A short description, from the field's doc comment.
    #[serde(default)]
    pub description: Option<String>,
    /// The smallest value a number may take.
    #[serde(default)]
    pub min: Option<f64>,
    /// The largest value a number may take.
    #[serde(default)]
    pub max: Option<f64>,
    /// Extra JSON-schema keywords.
    #[serde(default)]
    pub json_schema_extra: Option<Value>,
    /// Whether a graph must give this property a value or an edge.
    #[serde(default)]
    pub required: bool,
}

impl Property {
    /// The property's JSON Schema: its type's ([`TypeMetadata::json_schema`]) with its
    /// description, default and bounds.
    pub fn json_schema(&self) -> Value {
        let mut schema = self.type_metadata.json_schema();
        if let Value::Object(map) = &mut schema {
            if let Some(description) = self.description.as_deref().filter(|d| !d.is_empty()) {
                map.insert("description".into(), Value::String(description.to_owned()));
            }
            if let Some(default) = self.default.as_ref().filter(|d| !d.is_null()) {
                map.insert("default".into(), default.clone());
            }
            if let Some(min) = self.min {
                map.insert("minimum".into(), min.into());
            }
            if let Some(max) = self.max {
                map.insert("maximum".into(), max.into());
            }
        }
        schema
    }
}

/// One output of a node type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputSlot {
    /// Its type.
    #[serde(rename = "type")]
    pub type_metadata: TypeMetadata,
    /// The output's name, which is also its handle (`output` for a single output).
    pub name: String,
    /// Whether the node emits many items on it.
    #[serde(default)]
    pub stream: bool,
}

/// Everything a NodeTool UI or the runner knows about a node type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeMetadata {
    /// Human title, e.g. `Concat`.
    pub title: String,
    /// What the node does, from its doc comment.
    pub description: String,
    /// The namespace, e.g. `nodetool.text`.
    pub namespace: String,
    /// The full type name, `namespace.Name`.
    pub node_type: String,
    /// The UI layout (`default`).
    #[serde(default = "default_layout")]
    pub layout: String,
    /// Input properties, in declaration order.
    pub properties: Vec<Property>,
    /// Outputs, in declaration order.
    pub outputs: Vec<OutputSlot>,
    /// Model information (unused by most nodes).
    #[serde(default)]
    pub the_model_info: serde_json::Map<String, Value>,
    /// Models recommended for this node.
    #[serde(default)]
    pub recommended_models: Vec<Value>,
    /// The properties a UI shows when the node is collapsed.
    #[serde(default)]
    pub basic_fields: Vec<String>,
    /// Whether the node accepts properties beyond the declared ones.
    #[serde(default)]
    pub is_dynamic: bool,
    /// Whether the node emits many items per run.
    #[serde(default)]
    pub is_streaming_output: bool,
    /// Whether agents may call the node as a tool.
    #[serde(default)]
    pub expose_as_tool: bool,
    /// Whether the node may declare outputs at run time.
    #[serde(default)]
    pub supports_dynamic_outputs: bool,
}

fn default_layout() -> String {
    "default".to_owned()
}

impl NodeMetadata {
    /// The property named `name`.
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// The output named `name`.
    pub fn output(&self, name: &str) -> Option<&OutputSlot> {
        self.outputs.iter().find(|o| o.name == name)
    }
}

/// Turns `snake_case` or `CamelCase` into `Title Case`, as NodeTool titles node classes and
/// properties; an acronym stays one word.
///
/// ```
/// use nodetool::metadata::title_case;
/// assert_eq!(title_case("max_tokens"), "Max Tokens");
/// assert_eq!(title_case("WordCount"), "Word Count");
/// assert_eq!(title_case("HTTPGet"), "HTTP Get");
/// ```
pub fn title_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
        let word_start = match prev {
            None | Some('_') => true,
            Some(p) => {
                c.is_uppercase() && (p.is_lowercase() || (p.is_uppercase() && next_is_lower))
            }
        };
        if word_start && !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
        if word_start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_case_splits_words() {
        assert_eq!(title_case("a"), "A");
        assert_eq!(title_case("text_input_value"), "Text Input Value");
        assert_eq!(title_case("HTTPGet"), "HTTP Get");
        assert_eq!(title_case("Add"), "Add");
        assert_eq!(title_case("splitLines"), "Split Lines");
    }

    #[test]
    fn metadata_round_trips_through_json() {
        let meta = NodeMetadata {
            title: "Add".into(),
            description: "Adds two numbers.".into(),
            namespace: "lib.math".into(),
            node_type: "lib.math.Add".into(),
            layout: "default".into(),
            properties: vec![Property {
                name: "a".into(),
                type_metadata: TypeMetadata::new("float"),
                default: Some(0.0.into()),
                title: Some("A".into()),
                description: None,
                min: None,
                max: None,
                json_schema_extra: None,
                required: false,
            }],
            outputs: vec![OutputSlot {
                type_metadata: TypeMetadata::new("float"),
                name: "output".into(),
                stream: false,
            }],
            the_model_info: Default::default(),
            recommended_models: vec![],
            basic_fields: vec!["a".into()],
            is_dynamic: false,
            is_streaming_output: false,
            expose_as_tool: false,
            supports_dynamic_outputs: false,
        };
        let json = serde_json::to_value(&meta).unwrap();
        assert_eq!(json["properties"][0]["type"]["type"], "float");
        assert_eq!(json["outputs"][0]["name"], "output");
        let back: NodeMetadata = serde_json::from_value(json).unwrap();
        assert_eq!(back, meta);
        assert!(back.property("a").is_some());
        assert!(back.output("missing").is_none());
    }
}
