//! `lib.sqlite`: tables in a SQLite file of the run's workspace, as NodeTool keeps them
//! (`<workspace>/<database_name>`; identifiers quoted, dicts and lists stored as JSON text and
//! read back as values).

use crate::meta_node;
use crate::meta_node::Props;
use nodetool::workflows::{NodeError, NodeOutputs, ProcessingContext};
use serde_json::{json, Map, Value};
use sqlx::sqlite::{SqliteConnectOptions, SqliteRow};
use sqlx::{Column, ConnectOptions, Row, SqliteConnection, TypeInfo, ValueRef};
use std::path::PathBuf;

/// `"name"` with inner quotes doubled.
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A NodeTool column type as SQLite's.
fn sqlite_type(data_type: &str) -> &'static str {
    match data_type {
        "int" => "INTEGER",
        "float" => "REAL",
        _ => "TEXT",
    }
}

/// The database file: `database_name` in the run's workspace.
fn database_path(ctx: &ProcessingContext, props: &Props) -> Result<PathBuf, NodeError> {
    let workspace = ctx.workspace().ok_or_else(|| {
        NodeError::failed("database_name: SQLite databases live in the workflow's workspace, and this run has none")
    })?;
    Ok(workspace.root().join(props.str("database_name")))
}

async fn connect(path: &PathBuf, create: bool) -> Result<SqliteConnection, NodeError> {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(create)
        .connect()
        .await
        .map_err(|e| NodeError::failed(format!("cannot open {}: {e}", path.display())))
}

/// The `(name, data_type)` columns of a `record_type` property.
fn columns(props: &Props, name: &str) -> Vec<(String, String)> {
    props.get(name)["columns"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default().to_owned(),
                c["data_type"].as_str().unwrap_or("string").to_owned(),
            )
        })
        .collect()
}

fn sql_error(what: &str) -> impl Fn(sqlx::Error) -> NodeError + '_ {
    move |e| NodeError::failed(format!("{what}: {e}"))
}

meta_node!(
    /// `lib.sqlite.CreateTable`: creates a table (unless it exists).
    CreateTable,
    "lib.sqlite.CreateTable",
    Buffered,
    cacheable = false,
    tool = true
);

impl CreateTable {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let path = database_path(ctx, props)?;
        let table = props.str("table_name");
        let mut db = connect(&path, true).await?;
        let exists: Option<(String,)> =
            sqlx::query_as("SELECT name FROM sqlite_master WHERE type='table' AND name=?")
                .bind(&table)
                .fetch_optional(&mut db)
                .await
                .map_err(sql_error("reading the tables"))?;
        if exists.is_none() {
            let defs: Vec<String> = columns(props, "columns")
                .iter()
                .enumerate()
                .map(|(i, (name, data_type))| {
                    if i == 0 && props.bool("add_primary_key") && data_type == "int" {
                        format!(
                            "{} INTEGER PRIMARY KEY AUTOINCREMENT",
                            quote_identifier(name)
                        )
                    } else {
                        format!("{} {}", quote_identifier(name), sqlite_type(data_type))
                    }
                })
                .collect();
            let sql = format!(
                "CREATE TABLE {}{} ({})",
                if props.bool("if_not_exists") {
                    "IF NOT EXISTS "
                } else {
                    ""
                },
                quote_identifier(&table),
                defs.join(", ")
            );
            sqlx::query(&sql)
                .execute(&mut db)
                .await
                .map_err(sql_error("creating the table"))?;
        }
        outputs
            .send_named("database_name", json!(props.str("database_name")))
            .await?;
        outputs.send_named("table_name", json!(table)).await?;
        outputs
            .send_named("columns", props.get("columns").clone())
            .await
    }
}

meta_node!(
    /// `lib.sqlite.Insert`: inserts one record.
    Insert,
    "lib.sqlite.Insert",
    Buffered,
    cacheable = false,
    tool = true
);

impl Insert {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let path = database_path(ctx, props)?;
        let data = props.get("data").as_object().cloned().unwrap_or_default();
        if data.is_empty() {
            return Err(NodeError::failed("data: nothing to insert"));
        }
        let names: Vec<String> = data.keys().map(|k| quote_identifier(k)).collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            quote_identifier(&props.str("table_name")),
            names.join(", "),
            vec!["?"; data.len()].join(", ")
        );
        let mut query = sqlx::query(&sql);
        for value in data.values() {
            query = match value {
                Value::Null => query.bind(None::<String>),
                Value::Bool(b) => query.bind(*b),
                Value::Number(n) if n.is_i64() => query.bind(n.as_i64()),
                Value::Number(n) => query.bind(n.as_f64()),
                Value::String(s) => query.bind(s.clone()),
                other => query.bind(crate::pyfmt::py_json_dumps(other, None)),
            };
        }
        let mut db = connect(&path, true).await?;
        let done = query
            .execute(&mut db)
            .await
            .map_err(sql_error("inserting"))?;
        let id = done.last_insert_rowid();
        outputs
            .send_named(
                "output",
                json!({"row_id": id, "rows_affected": done.rows_affected(),
                       "message": format!("Inserted record with ID {id}")}),
            )
            .await
    }
}

/// A row as an object; text that looks like JSON is read as JSON.
fn row_object(row: &SqliteRow) -> Map<String, Value> {
    let mut object = Map::new();
    for (i, column) in row.columns().iter().enumerate() {
        let raw = row.try_get_raw(i);
        let value = match raw {
            Ok(raw) if raw.is_null() => Value::Null,
            Ok(raw) => match raw.type_info().name() {
                "INTEGER" | "BOOLEAN" => row
                    .try_get::<i64, _>(i)
                    .map(Value::from)
                    .unwrap_or(Value::Null),
                "REAL" => row
                    .try_get::<f64, _>(i)
                    .map(Value::from)
                    .unwrap_or(Value::Null),
                "BLOB" => row
                    .try_get::<Vec<u8>, _>(i)
                    .map(|b| Value::String(String::from_utf8_lossy(&b).into_owned()))
                    .unwrap_or(Value::Null),
                _ => {
                    let text: String = row.try_get(i).unwrap_or_default();
                    let trimmed = text.trim();
                    if trimmed.starts_with('{') || trimmed.starts_with('[') {
                        serde_json::from_str(trimmed).unwrap_or(Value::String(text))
                    } else {
                        Value::String(text)
                    }
                }
            },
            Err(_) => Value::Null,
        };
        object.insert(column.name().to_owned(), value);
    }
    object
}

meta_node!(
    /// `lib.sqlite.Query`: rows of a table (`where` and `order_by` are SQL).
    Query,
    "lib.sqlite.Query",
    Buffered,
    cacheable = false,
    tool = true
);

impl Query {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let path = database_path(ctx, props)?;
        if !path.exists() {
            return outputs.send_named("output", json!([])).await;
        }
        let wanted = columns(props, "columns");
        let selected = if wanted.is_empty() {
            "*".to_owned()
        } else {
            wanted
                .iter()
                .map(|(n, _)| quote_identifier(n))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut sql = format!(
            "SELECT {selected} FROM {}",
            quote_identifier(&props.str("table_name"))
        );
        let filter = props.str("where");
        if !filter.is_empty() {
            sql.push_str(&format!(" WHERE {filter}"));
        }
        let order = props.str("order_by");
        if !order.is_empty() {
            sql.push_str(&format!(" ORDER BY {order}"));
        }
        let limit = props.int("limit")?;
        if limit > 0 {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        let mut db = connect(&path, false).await?;
        let rows = sqlx::query(&sql)
            .fetch_all(&mut db)
            .await
            .map_err(sql_error("querying"))?;
        let rows: Vec<Value> = rows.iter().map(|r| Value::Object(row_object(r))).collect();
        outputs.send_named("output", Value::Array(rows)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_identifier("a\"b"), "\"a\"\"b\"");
        assert_eq!(sqlite_type("float"), "REAL");
        assert_eq!(sqlite_type("datetime"), "TEXT");
    }
}
