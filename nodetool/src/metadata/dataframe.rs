//! [`DataframeRef`]: NodeTool's table type (`dataframe`) with its [`ColumnDef`]s.

use super::{describe, NodeValue, TypeMetadata, ValueError};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};
use std::borrow::Cow;

/// The data type of a [`ColumnDef`].
const COLUMN_TYPES: [&str; 5] = ["int", "float", "datetime", "string", "object"];

/// A column of a [`DataframeRef`]: NodeTool's `ColumnDef`.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDef {
    /// The column's name.
    pub name: String,
    /// Its type: `int`, `float`, `datetime`, `string` or `object`.
    pub data_type: String,
    /// What it holds.
    pub description: String,
}

impl ColumnDef {
    pub(crate) fn from_value(value: Value, index: usize) -> Result<ColumnDef, ValueError> {
        let expected = |what: &str| format!("dataframe (column {index} {what})");
        let Value::Object(mut map) = value else {
            return Err(ValueError::mismatch(expected("an object"), &value));
        };
        let mut text = |key: &str, default: Option<&str>| match map.remove(key) {
            Some(Value::String(s)) => Ok(s),
            None => default.map(str::to_owned).ok_or_else(|| {
                ValueError::mismatch(expected(&format!("with `{key}`")), &Value::Null)
            }),
            Some(other) => Err(ValueError::mismatch(
                expected(&format!("`{key}` a string")),
                &other,
            )),
        };
        let name = text("name", None)?;
        let data_type = text("data_type", None)?;
        let description = text("description", Some(""))?;
        if !COLUMN_TYPES.contains(&data_type.as_str()) {
            return Err(ValueError {
                expected: expected(&format!("`data_type` one of {}", COLUMN_TYPES.join(", "))),
                got: describe(&Value::String(data_type)),
            });
        }
        Ok(ColumnDef {
            name,
            data_type,
            description,
        })
    }

    pub(crate) fn into_value(self) -> Value {
        json!({"name": self.name, "data_type": self.data_type, "description": self.description})
    }
}

/// A table: NodeTool's `DataframeRef` (type `dataframe`), an asset reference with inline
/// rows and column definitions.
///
/// JSON: `{"type": "dataframe", "uri": "", "asset_id": null, "data": [[…]], "metadata": null,
/// "columns": [{"name": "a", "data_type": "string", "description": ""}]}`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataframeRef {
    /// Where the table is stored (or empty).
    pub uri: String,
    /// The asset holding the table.
    pub asset_id: Option<String>,
    /// The rows, inline.
    pub data: Option<Vec<Vec<Value>>>,
    /// Extra information.
    pub metadata: Option<Map<String, Value>>,
    /// The columns.
    pub columns: Option<Vec<ColumnDef>>,
}

impl JsonSchema for DataframeRef {
    fn schema_name() -> Cow<'static, str> {
        "DataframeRef".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "type": "object",
            "properties": {
                "type": {"const": "dataframe"},
                "uri": {"type": "string"},
                "asset_id": {"type": ["string", "null"]},
                "data": {"type": ["array", "null"], "items": {"type": "array"}},
                "metadata": {"type": ["object", "null"]},
                "columns": {"type": ["array", "null"], "items": {"type": "object"}}
            }
        })
    }
}

impl NodeValue for DataframeRef {
    fn type_metadata() -> TypeMetadata {
        TypeMetadata::new("dataframe")
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        const K: &str = "dataframe";
        let Value::Object(mut map) = value else {
            return Err(ValueError::mismatch(K, &value));
        };
        let mut take = |key: &str| map.remove(key).filter(|v| !v.is_null());
        let field_error = |key: &str, what: &str, got: &Value| {
            ValueError::mismatch(format!("{K} (its `{key}` {what})"), got)
        };
        match take("type") {
            None => {}
            Some(Value::String(t)) if t == K => {}
            Some(other) => return Err(field_error("type", "\"dataframe\"", &other)),
        }
        let uri = match take("uri") {
            None => String::new(),
            Some(Value::String(s)) => s,
            Some(other) => return Err(field_error("uri", "a string", &other)),
        };
        let asset_id = match take("asset_id") {
            None => None,
            Some(Value::String(s)) => Some(s),
            Some(other) => return Err(field_error("asset_id", "a string or null", &other)),
        };
        let data = match take("data") {
            None => None,
            Some(Value::Array(rows)) => Some(
                rows.into_iter()
                    .map(|row| match row {
                        Value::Array(cells) => Ok(cells),
                        other => Err(field_error("data", "a list of rows", &other)),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            Some(other) => return Err(field_error("data", "a list of rows", &other)),
        };
        let metadata = match take("metadata") {
            None => None,
            Some(Value::Object(m)) => Some(m),
            Some(other) => return Err(field_error("metadata", "a dict or null", &other)),
        };
        let columns = match take("columns") {
            None => None,
            Some(Value::Array(cols)) => Some(
                cols.into_iter()
                    .enumerate()
                    .map(|(i, c)| ColumnDef::from_value(c, i))
                    .collect::<Result<_, _>>()?,
            ),
            Some(other) => return Err(field_error("columns", "a list or null", &other)),
        };
        Ok(DataframeRef {
            uri,
            asset_id,
            data,
            metadata,
            columns,
        })
    }
    fn into_value(self) -> Value {
        let mut map = Map::new();
        map.insert("type".into(), "dataframe".into());
        map.insert("uri".into(), self.uri.into());
        map.insert("asset_id".into(), self.asset_id.into());
        map.insert(
            "data".into(),
            self.data.map_or(Value::Null, |rows| {
                Value::Array(rows.into_iter().map(Value::Array).collect())
            }),
        );
        map.insert(
            "metadata".into(),
            self.metadata.map_or(Value::Null, Value::Object),
        );
        map.insert(
            "columns".into(),
            self.columns.map_or(Value::Null, |cols| {
                Value::Array(cols.into_iter().map(ColumnDef::into_value).collect())
            }),
        );
        Value::Object(map)
    }
}

/// The columns of a table to make: NodeTool's `RecordType` (type `record_type`).
///
/// ```
/// use nodetool::metadata::{NodeValue, RecordType};
/// let r = RecordType::from_value(serde_json::json!({"type": "record_type",
///     "columns": [{"name": "city", "data_type": "string"}]})).unwrap();
/// assert_eq!(r.columns[0].name, "city");
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecordType {
    /// The columns, in order.
    pub columns: Vec<ColumnDef>,
}

impl JsonSchema for RecordType {
    fn schema_name() -> Cow<'static, str> {
        "RecordType".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({"type": "object", "properties": {
            "type": {"const": "record_type"}, "columns": {"type": "array"}}})
    }
}

impl NodeValue for RecordType {
    fn type_metadata() -> TypeMetadata {
        TypeMetadata::new("record_type")
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        const K: &str = "record_type";
        let Value::Object(mut map) = value else {
            return Err(ValueError::mismatch(K, &value));
        };
        match map.remove("type") {
            None | Some(Value::Null) => {}
            Some(Value::String(t)) if t == K => {}
            Some(other) => return Err(ValueError::mismatch("record_type (its `type`)", &other)),
        }
        let columns = match map.remove("columns") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(cols)) => cols
                .into_iter()
                .enumerate()
                .map(|(i, c)| ColumnDef::from_value(c, i))
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(ValueError::mismatch(
                    "record_type (its `columns` a list)",
                    &other,
                ))
            }
        };
        Ok(RecordType { columns })
    }
    fn into_value(self) -> Value {
        json!({"type": "record_type",
               "columns": self.columns.into_iter().map(ColumnDef::into_value).collect::<Vec<_>>()})
    }
}
