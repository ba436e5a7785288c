//! What `#[tool]`'s expansion calls. Not a public API.

use super::tool::ToolError;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// One parameter of a `#[tool]` fn.
pub struct ToolParam {
    /// Its name.
    pub name: &'static str,
    /// Its doc comment.
    pub description: &'static str,
    /// Whether it is not an `Option`.
    pub required: bool,
    /// Its type's schema.
    pub schema: fn(&mut SchemaGenerator) -> Schema,
}

/// The schema of `T` (a reference into the generator's definitions for named types).
pub fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// The parameters' object schema, with the definitions they refer to.
pub fn parameters(params: &[ToolParam]) -> Value {
    let mut generator = SchemaGenerator::default();
    let mut properties = Map::new();
    let mut required = Vec::new();
    for p in params {
        let mut schema = (p.schema)(&mut generator).to_value();
        if !p.description.is_empty() {
            if let Value::Object(map) = &mut schema {
                map.insert("description".into(), json!(p.description));
            }
        }
        properties.insert(p.name.to_owned(), schema);
        if p.required {
            required.push(p.name);
        }
    }
    let mut out = json!({"type": "object", "properties": properties, "required": required});
    let defs = generator.take_definitions(true);
    if !defs.is_empty() {
        out["$defs"] = Value::Object(defs);
    }
    out
}

/// A call's arguments, taken one by one.
#[derive(Debug)]
pub struct Args {
    tool: &'static str,
    map: Map<String, Value>,
}

impl Args {
    /// The arguments of a call of `tool` (an object, or nothing).
    pub fn new(tool: &'static str, args: Value) -> Result<Self, ToolError> {
        Ok(Self {
            tool,
            map: super::tool::args_object(tool, args)?,
        })
    }

    /// Argument `name` as a `T` (a missing one is `null`: fine for an `Option`).
    pub fn take<T: DeserializeOwned>(&mut self, name: &str) -> Result<T, ToolError> {
        let value = self.map.remove(name);
        let missing = value.is_none();
        serde_json::from_value(value.unwrap_or(Value::Null)).map_err(|e| {
            ToolError::InvalidArguments {
                tool: self.tool.to_owned(),
                message: if missing {
                    format!("`{name}` is missing")
                } else {
                    format!("`{name}`: {e}")
                },
            }
        })
    }
}

/// A tool's return value as JSON.
pub fn output<T: Serialize>(tool: &str, value: T) -> Result<Value, ToolError> {
    serde_json::to_value(value)
        .map_err(|e| ToolError::failed(format!("`{tool}` returned a value JSON cannot hold: {e}")))
}
