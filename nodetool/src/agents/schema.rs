//! JSON Schema checks for plans and results (over the `jsonschema` crate).

use serde_json::{json, Map, Value};

/// How many validation errors one message lists.
const MAX_LISTED: usize = 5;

/// A compiled result schema.
pub(crate) struct ResultSchema {
    pub(crate) schema: Value,
    validator: jsonschema::Validator,
}

impl std::fmt::Debug for ResultSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultSchema")
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

impl ResultSchema {
    /// Compiles `schema`; an invalid schema is an error saying why.
    pub(crate) fn new(schema: Value) -> Result<Self, String> {
        if !schema.is_object() && !schema.is_boolean() {
            return Err(format!("a JSON Schema is an object, not `{schema}`"));
        }
        let validator = jsonschema::validator_for(&schema)
            .map_err(|e| format!("not a valid JSON Schema: {e}"))?;
        Ok(Self { schema, validator })
    }

    /// The schema written as JSON text (NodeTool's `output_schema`); empty text: none.
    pub(crate) fn from_text(text: &str) -> Result<Option<Self>, String> {
        if text.trim().is_empty() {
            return Ok(None);
        }
        let schema: Value =
            serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        Self::new(schema).map(Some)
    }

    /// Checks `value`: every problem (up to a few), each with where it is.
    pub(crate) fn check(&self, value: &Value) -> Result<(), String> {
        let problems: Vec<String> = self
            .validator
            .iter_errors(value)
            .take(MAX_LISTED)
            .map(|e| {
                let path = e.instance_path().to_string();
                if path.is_empty() {
                    e.to_string()
                } else {
                    format!("at `{path}`: {e}")
                }
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }
}

/// The parameters of `finish_subtask`: `result` (following `result_schema` when given) and
/// optional `metadata`. Definitions (`$defs`) of the result schema move to the root, where
/// their `$ref`s point.
pub(crate) fn finish_parameters(result_schema: Option<&Value>) -> Value {
    let mut defs = Map::new();
    let result = match result_schema {
        Some(Value::Object(schema)) => {
            let mut schema = schema.clone();
            for key in ["$defs", "definitions"] {
                if let Some(Value::Object(d)) = schema.remove(key) {
                    defs.extend(d);
                }
            }
            schema.remove("$schema");
            Value::Object(schema)
        }
        Some(other) => other.clone(),
        None => json!({"description": "The result: any JSON value (text for a written answer)."}),
    };
    let mut parameters = json!({
        "type": "object",
        "properties": {
            "result": result,
            "metadata": {
                "type": "object",
                "description": "Optional notes about the result: sources, caveats."
            }
        },
        "required": ["result"]
    });
    if !defs.is_empty() {
        parameters["$defs"] = Value::Object(defs);
    }
    parameters
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_values_and_names_where_they_fail() {
        let schema = ResultSchema::new(json!({
            "type": "object",
            "properties": {"n": {"type": "integer"}},
            "required": ["n"]
        }))
        .unwrap();
        assert!(schema.check(&json!({"n": 3})).is_ok());
        let err = schema.check(&json!({"n": "three"})).unwrap_err();
        assert!(err.contains("/n"), "{err}");
        assert!(schema.check(&json!({})).unwrap_err().contains("\"n\""));
    }

    #[test]
    fn refuses_schemas_that_are_not_schemas() {
        assert!(ResultSchema::new(json!({"type": "strin"})).is_err());
        assert!(ResultSchema::new(json!(3)).is_err());
        assert!(ResultSchema::from_text("{not json").is_err());
        assert!(ResultSchema::from_text("  ").unwrap().is_none());
    }

    #[test]
    fn finish_parameters_hoist_definitions() {
        let p = finish_parameters(Some(&json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {"a": {"$ref": "#/$defs/A"}},
            "$defs": {"A": {"type": "string"}}
        })));
        assert_eq!(p["$defs"]["A"]["type"], "string");
        assert!(p["properties"]["result"].get("$defs").is_none());
        assert!(p["properties"]["result"].get("$schema").is_none());
        let validator = jsonschema::validator_for(&p).unwrap();
        assert!(validator.is_valid(&json!({"result": {"a": "x"}})));
        assert!(!validator.is_valid(&json!({"result": {"a": 1}})));
    }
}
