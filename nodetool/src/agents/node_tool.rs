//! Nodes and workflows as tools: [`NodeTool`] runs one registered node type with the call's
//! arguments as its properties; [`WorkflowTool`] runs a graph with them as its parameters.

use super::tool::{args_object, Tool, ToolError};
use crate::workflows::{
    BoxFuture, Graph, GraphEdge, GraphNode, NodeRegistry, NodeRole, ProcessingContext, RunError,
    RunResult, WorkflowRunner,
};
use serde_json::{json, Map, Value};

/// The name a node type goes by as a tool: its type with `_` for `.` (providers allow only
/// `[A-Za-z0-9_-]`), at most 64 characters.
///
/// ```
/// assert_eq!(nodetool::agents::node_tool_name("lib.math.Add"), "lib_math_Add");
/// ```
pub fn node_tool_name(node_type: &str) -> String {
    node_type.replace('.', "_").chars().take(64).collect()
}

/// A registered node type as a tool: its properties are the parameters, its outputs the
/// result (the value of its single output, or an object of every output).
#[derive(Debug, Clone)]
pub struct NodeTool {
    node_type: String,
    name: String,
    description: String,
    parameters: Value,
    outputs: Vec<String>,
    defaults: Map<String, Value>,
}

impl NodeTool {
    /// The tool for node type `node_type` from the global registry.
    pub fn new(node_type: &str) -> Result<Self, ToolError> {
        Self::from_registry(NodeRegistry::global(), node_type)
    }

    /// The tool for the node type called `name` (its type, or its tool name) among those
    /// marked `expose_as_tool` in the global registry: what LLM nodes and the agent node
    /// offer a model.
    pub fn exposed(name: &str) -> Result<Self, ToolError> {
        let registry = NodeRegistry::global();
        let found = registry
            .get(name)
            .map(|n| n.metadata.node_type.clone())
            .or_else(|| {
                registry
                    .metadata()
                    .into_iter()
                    .find(|m| node_tool_name(&m.node_type) == name)
                    .map(|m| m.node_type.clone())
            })
            .filter(|t| {
                registry
                    .get(t)
                    .is_some_and(|n| n.descriptor.flags.expose_as_tool)
            })
            .ok_or_else(|| ToolError::failed(format!("no node `{name}` is exposed as a tool")))?;
        Self::from_registry(registry, &found)
    }

    fn from_registry(registry: &NodeRegistry, node_type: &str) -> Result<Self, ToolError> {
        let node = registry
            .get(node_type)
            .ok_or_else(|| ToolError::failed(format!("unknown node type `{node_type}`")))?;
        let m = &node.metadata;
        let properties: Map<String, Value> = m
            .properties
            .iter()
            .filter(|p| !p.name.starts_with('_'))
            .map(|p| (p.name.clone(), p.json_schema()))
            .collect();
        let required: Vec<&str> = m
            .properties
            .iter()
            .filter(|p| p.required)
            .map(|p| p.name.as_str())
            .collect();
        let description = m
            .description
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map_or_else(|| format!("Runs the {} node.", m.title), str::to_owned);
        Ok(Self {
            node_type: m.node_type.clone(),
            name: node_tool_name(&m.node_type),
            description,
            parameters: json!({"type": "object", "properties": properties, "required": required}),
            outputs: m.outputs.iter().map(|o| o.name.clone()).collect(),
            defaults: Map::new(),
        })
    }

    /// The same tool under another name (a graph node's title, say).
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The same tool with `properties` set before the call's arguments (which win): a graph
    /// node's own values.
    pub fn with_properties(mut self, properties: Map<String, Value>) -> Self {
        self.defaults = properties;
        self
    }

    /// The node type it runs.
    pub fn node_type(&self) -> &str {
        &self.node_type
    }

    /// A graph of the node with `args` as its data and an output node per output.
    fn graph(&self, args: Value) -> Result<Graph, ToolError> {
        let mut data = self.defaults.clone();
        data.extend(args_object(&self.name, args)?);
        let mut graph = Graph::default();
        graph
            .nodes
            .push(GraphNode::new("tool", &self.node_type, data));
        for output in &self.outputs {
            let id = format!("out_{output}");
            let mut data = Map::new();
            data.insert("name".into(), Value::String(output.clone()));
            graph
                .nodes
                .push(GraphNode::new(&id, "nodetool.output.Output", data));
            graph
                .edges
                .push(GraphEdge::new("tool", output, id, "value"));
        }
        Ok(graph)
    }
}

impl Tool for NodeTool {
    fn name(&self) -> &str {
        &self.name
    }

    fn description(&self) -> &str {
        &self.description
    }

    fn parameters(&self) -> Value {
        self.parameters.clone()
    }

    fn call<'a>(
        &'a self,
        ctx: &'a ProcessingContext,
        args: Value,
    ) -> BoxFuture<'a, Result<Value, ToolError>> {
        Box::pin(async move {
            let runner = WorkflowRunner::from_graph(&self.graph(args)?).map_err(|errors| {
                ToolError::InvalidArguments {
                    tool: self.name.clone(),
                    message: errors.to_string(),
                }
            })?;
            let result = run_nested(ctx, &runner, Map::new(), &self.name).await?;
            let mut values: Map<String, Value> = self
                .outputs
                .iter()
                .filter_map(|o| Some((o.clone(), result.get(o)?.clone())))
                .collect();
            Ok(match (values.len(), values.remove("output")) {
                (1, Some(only)) => only,
                (_, Some(output)) => {
                    values.insert("output".into(), output);
                    Value::Object(values)
                }
                _ => Value::Object(values),
            })
        })
    }

    fn user_message(&self, args: &Value) -> String {
        format!("Running {} with {args}", self.node_type)
    }
}

/// A workflow as a tool: its input nodes are the parameters (by their `name`), its output
/// nodes the result (an object by output name).
#[derive(Debug, Clone)]
pub struct WorkflowTool {
    name: String,
    description: String,
    parameters: Value,
    runner: WorkflowRunner,
}

impl WorkflowTool {
    /// The tool `name` running `graph` (validated now, against the global registry).
    pub fn new(
        name: impl Into<String>,
        description: impl Into<String>,
        graph: &Graph,
    ) -> Result<Self, ToolError> {
        let runner = WorkflowRunner::from_graph(graph)
            .map_err(|e| ToolError::failed(format!("the workflow is not valid: {e}")))?;
        Ok(Self {
            name: name.into(),
            description: description.into(),
            parameters: workflow_parameters(graph),
            runner,
        })
    }
}

/// The parameters of a workflow: one per input node, by its `name`, typed by its `value`
/// property and described by its `description`; inputs without a value are required.
pub fn workflow_parameters(graph: &Graph) -> Value {
    let registry = NodeRegistry::global();
    let mut properties = Map::new();
    let mut required = Vec::new();
    for node in &graph.nodes {
        let Some(registered) = registry.get(&node.node_type) else {
            continue;
        };
        if registered.descriptor.role != NodeRole::Input {
            continue;
        }
        let Some(name) = node.data.get("name").and_then(Value::as_str) else {
            continue;
        };
        let mut schema = registered
            .metadata
            .property("value")
            .map_or_else(|| json!({}), |p| p.type_metadata.json_schema());
        if let Value::Object(map) = &mut schema {
            if let Some(d) = node.data.get("description").and_then(Value::as_str) {
                if !d.is_empty() {
                    map.insert("description".into(), json!(d));
                }
            }
            match node.data.get("value") {
                Some(v) if !is_unset(v) => {
                    map.insert("default".into(), v.clone());
                }
                _ => required.push(name.to_owned()),
            }
        }
        properties.insert(name.to_owned(), schema);
    }
    json!({"type": "object", "properties": properties, "required": required})
}

fn is_unset(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Object(o) => o.get("uri").is_some_and(|u| u == ""),
        _ => false,
    }
}

impl Tool for WorkflowTool {
    fn name(&self) -> &str {
        &self.name
    }

    fn description(&self) -> &str {
        &self.description
    }

    fn parameters(&self) -> Value {
        self.parameters.clone()
    }

    fn call<'a>(
        &'a self,
        ctx: &'a ProcessingContext,
        args: Value,
    ) -> BoxFuture<'a, Result<Value, ToolError>> {
        Box::pin(async move {
            let params = args_object(&self.name, args)?;
            Ok(run_nested(ctx, &self.runner, params, &self.name)
                .await?
                .to_json())
        })
    }
}

/// Runs `runner` as a nested job of `ctx` (same user, workspace, settings and cancellation;
/// its messages stay its own), its failures as tool errors.
pub(crate) async fn run_nested(
    ctx: &ProcessingContext,
    runner: &WorkflowRunner,
    params: Map<String, Value>,
    tool: &str,
) -> Result<RunResult, ToolError> {
    let nested = ctx.with_listener(None);
    runner.run(&nested, params).await.map_err(|e| match e {
        RunError::Cancelled => ToolError::Cancelled,
        RunError::NodeFailed { error, .. } => ToolError::failed(error),
        RunError::UnknownParam { .. } | RunError::InvalidParam { .. } => {
            ToolError::InvalidArguments {
                tool: tool.to_owned(),
                message: e.to_string(),
            }
        }
        other => ToolError::failed(other),
    })
}
