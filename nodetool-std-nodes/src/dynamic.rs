//! Dynamic nodes: types whose properties a graph adds (NodeTool's `is_dynamic`), written
//! against the [`Node`] trait directly since `#[node]` declares fixed properties.

use nodetool::metadata::{NodeMetadata, OutputSlot, TypeMetadata};
use nodetool::workflows::{
    BoxFuture, ExecutionMode, Node, NodeDescriptor, NodeError, NodeFlags, NodeOutputs, NodeRole,
    ProcessingContext,
};
use serde_json::{Map, Value};

/// Creates a dictionary from dynamic properties: each property the graph adds to the node
/// becomes a key, its value (set in the graph or fed by an edge) the value, in order.
/// dictionary, create, dynamic
#[derive(Debug, Default)]
pub struct MakeDictionary {
    names: Vec<String>,
    values: Map<String, Value>,
}

fn make_dictionary_metadata() -> NodeMetadata {
    NodeMetadata {
        title: "Make Dictionary".to_owned(),
        description: "Creates a simple dictionary with up to three key-value pairs.\n\
                      dictionary, create, simple"
            .to_owned(),
        namespace: "nodetool.dictionary".to_owned(),
        node_type: MAKE_DICTIONARY.node_type.to_owned(),
        layout: "small".to_owned(),
        properties: Vec::new(),
        outputs: vec![OutputSlot {
            type_metadata: TypeMetadata::new("dict"),
            name: "output".to_owned(),
            stream: false,
        }],
        the_model_info: Map::new(),
        recommended_models: Vec::new(),
        basic_fields: Vec::new(),
        is_dynamic: true,
        is_streaming_output: false,
        expose_as_tool: false,
        supports_dynamic_outputs: false,
    }
}

static MAKE_DICTIONARY: NodeDescriptor = NodeDescriptor {
    node_type: "nodetool.dictionary.MakeDictionary",
    mode: ExecutionMode::Buffered,
    role: NodeRole::Regular,
    flags: NodeFlags {
        cacheable: true,
        requires_gpu: false,
        expose_as_tool: false,
    },
    metadata: make_dictionary_metadata,
    create: || Box::<MakeDictionary>::default(),
};

nodetool::__private::inventory::submit! {
    NodeDescriptor { ..MAKE_DICTIONARY }
}

impl Node for MakeDictionary {
    fn descriptor(&self) -> &'static NodeDescriptor {
        &MAKE_DICTIONARY
    }

    fn set_input_names(&mut self, names: &[String]) {
        self.names = names.to_vec();
        // Keys keep the graph's order even when set later by edges.
        self.values = names.iter().map(|n| (n.clone(), Value::Null)).collect();
    }

    fn set_input(&mut self, index: usize, value: Value) -> Result<(), NodeError> {
        let name = self
            .names
            .get(index)
            .ok_or_else(|| NodeError::failed(format!("no dynamic property with index {index}")))?;
        self.values.insert(name.clone(), value);
        Ok(())
    }

    fn get_input(&self, index: usize) -> Option<Value> {
        self.values.get(self.names.get(index)?).cloned()
    }

    fn process<'a>(
        &'a mut self,
        _ctx: &'a ProcessingContext,
        outputs: &'a mut NodeOutputs,
    ) -> BoxFuture<'a, Result<(), NodeError>> {
        Box::pin(async move {
            outputs
                .send_named("output", Value::Object(self.values.clone()))
                .await
        })
    }
}
