//! The OpenAPI 3.1 document of the server's routes (served at `/openapi.json`).

use serde_json::{json, Map, Value};

fn detail_error(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

fn json_response(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn body(schema: Value) -> Value {
    json!({"required": true, "content": {"application/json": {"schema": schema}}})
}

fn path_param(name: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": {"type": "string", "minLength": 1}})
}

fn query_param(name: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "schema": schema})
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn operation(summary: &str, parameters: Vec<Value>, request: Option<Value>, ok: Value) -> Value {
    let mut op = Map::new();
    op.insert("summary".into(), json!(summary));
    if !parameters.is_empty() {
        op.insert("parameters".into(), Value::Array(parameters));
    }
    if let Some(request) = request {
        op.insert("requestBody".into(), request);
    }
    let mut responses = json!({
        "200": ok,
        "400": detail_error("a malformed query string or JSON body"),
        "401": detail_error("missing or invalid bearer token"),
        "404": detail_error("not found, or not the caller's"),
        "422": detail_error("the request's content cannot be used"),
        "500": detail_error("the server failed (or, for runs, a node failed)"),
        "503": detail_error("the server is shutting down, or secrets have no master key"),
    });
    if op.contains_key("requestBody") {
        responses["413"] = detail_error("the body is larger than the server accepts");
        responses["415"] = detail_error("the body is not `application/json`");
    }
    op.insert("responses".into(), responses);
    Value::Object(op)
}

/// The `/api/collections` paths (feature `collections`).
fn collection_paths() -> Map<String, Value> {
    let documents = json!({"type": "array", "items": {"type": "object", "required": ["id", "text"],
        "additionalProperties": false,
        "properties": {"id": {"type": "string"}, "text": {"type": "string"}, "metadata": {"type": "object"}}}});
    let paths = json!({
            "/api/collections": {
                "get": operation("The caller's vector collections", vec![], None,
                    json_response("collections", json!({"type": "object", "properties": {"collections": {"type": "array", "items": reference("Collection")}}}))),
                "post": with_status(operation("Create a collection", vec![],
                    Some(body(json!({"type": "object", "required": ["name"], "additionalProperties": false, "properties": {
                        "name": {"type": "string"}, "metadata": {"type": "object"},
                        "embedding_provider": {"type": "string"}, "embedding_model": {"type": "string"}}}))),
                    json_response("the collection", reference("Collection"))), "409", "the name is taken")
            },
            "/api/collections/{name}": {
                "get": operation("One collection", vec![path_param("name")], None, json_response("the collection", reference("Collection"))),
                "delete": operation("Delete a collection and its records", vec![path_param("name")], None, json_response("done", json!({"type": "object"})))
            },
            "/api/collections/{name}/index": {
                "post": with_status(operation("Embed texts with the collection's model and store them (same id: replaced)", vec![path_param("name")],
                    Some(body(json!({"type": "object", "required": ["documents"], "additionalProperties": false, "properties": {
                        "documents": documents}}))),
                    json_response("how many", json!({"type": "object", "properties": {"indexed": {"type": "integer"}}}))), "502", "the embedding provider failed")
            },
            "/api/collections/{name}/query": {
                "post": with_status(operation("The records nearest a text or vector, with Chroma's where and where_document filters", vec![path_param("name")],
                    Some(body(json!({"type": "object", "additionalProperties": false, "properties": {
                        "text": {"type": "string"}, "embedding": {"type": "array", "items": {"type": "number"}},
                        "n_results": {"type": "integer", "minimum": 0}, "where": {"type": "object"}, "where_document": {"type": "object"}}}))),
                    json_response("nearest first", json!({"type": "object", "properties": {
                        "ids": {"type": "array"}, "documents": {"type": "array"}, "metadatas": {"type": "array"}, "distances": {"type": "array"}}}))),
                    "502", "the embedding provider failed")
            }
    });
    match paths {
        Value::Object(map) if cfg!(feature = "collections") => map,
        _ => Map::new(),
    }
}

/// `op` with one more documented response.
fn with_status(mut op: Value, status: &str, description: &str) -> Value {
    op["responses"][status] = detail_error(description);
    op
}

/// The document.
pub fn openapi_document() -> Value {
    let workflow = reference("Workflow");
    let job = reference("Job");
    let mut document = json!({
        "openapi": "3.1.0",
        "info": {"title": "nodetool", "version": env!("CARGO_PKG_VERSION")},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}},
                "Graph": {"type": "object", "properties": {
                    "nodes": {"type": "array", "items": {"type": "object", "required": ["id", "type"], "properties": {
                        "id": {"type": "string"}, "type": {"type": "string"}, "data": {"type": "object"},
                        "parent_id": {"type": ["string", "null"]}, "sync_mode": {"enum": ["on_any", "zip_all"]}}}},
                    "edges": {"type": "array", "items": {"type": "object", "required": ["source", "sourceHandle", "target", "targetHandle"], "properties": {
                        "id": {"type": ["string", "null"]}, "source": {"type": "string"}, "sourceHandle": {"type": "string"},
                        "target": {"type": "string"}, "targetHandle": {"type": "string"},
                        "edge_type": {"enum": ["data", "control"]}}}}}},
                "WorkflowRequest": {"type": "object", "required": ["name"], "properties": {
                    "name": {"type": "string"}, "access": {"enum": ["private", "public"]},
                    "description": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}},
                    "graph": reference("Graph")}},
                "Workflow": {"type": "object", "required": ["id", "access", "created_at", "updated_at", "name", "description", "graph"],
                    "properties": {"id": {"type": "string"}, "access": {"type": "string"},
                    "created_at": {"type": "string"}, "updated_at": {"type": "string"},
                    "name": {"type": "string"}, "description": {"type": "string"},
                    "tags": {"type": "array", "items": {"type": "string"}}, "graph": reference("Graph")}},
                "RunJobRequest": {"type": "object", "properties": {
                    "workflow_id": {"type": "string"}, "graph": reference("Graph"),
                    "params": {"type": "object"}}},
                "Job": {"type": "object", "required": ["id", "status", "workflow_id"], "properties": {
                    "id": {"type": "string"}, "user_id": {"type": "string"}, "job_type": {"type": "string"},
                    "status": {"enum": ["running", "completed", "failed", "cancelled"]},
                    "workflow_id": {"type": "string"}, "started_at": {"type": ["string", "null"]},
                    "finished_at": {"type": ["string", "null"]}, "error": {"type": ["string", "null"]},
                    "params": {"type": "object"}, "result": {}}},
                "Asset": {"type": "object", "required": ["id", "user_id", "name", "content_type"], "properties": {
                    "id": {"type": "string"}, "user_id": {"type": "string"}, "parent_id": {"type": ["string", "null"]},
                    "name": {"type": "string"}, "content_type": {"type": "string"}, "size": {"type": ["integer", "null"]},
                    "metadata": {"type": "object"}, "created_at": {"type": "string"}, "updated_at": {"type": "string"}}},
                "Secret": {"type": "object", "required": ["key", "is_configured"], "properties": {
                    "key": {"type": "string"}, "description": {"type": ["string", "null"]},
                    "is_configured": {"type": "boolean"}, "value": {"type": "string"}}},
                "Collection": {"type": "object", "required": ["name", "metadata", "count"], "properties": {
                    "name": {"type": "string"}, "metadata": {"type": "object"}, "count": {"type": "integer"},
                    "dimension": {"type": ["integer", "null"]}}}
            }
        },
        "security": [{"bearer": []}],
        "paths": {
            "/health": {"get": {"summary": "Liveness", "security": [],
                "responses": {"200": json_response("always \"OK\"", json!({"type": "string"}))}}},
            "/api/nodes/metadata": {"get": operation("Every registered node type's metadata", vec![], None,
                json_response("node metadata", json!({"type": "array", "items": {"type": "object"}})))},
            "/api/workflows": {
                "get": operation("The caller's workflows", vec![query_param("cursor", json!({"type": "string"})), query_param("limit", json!({"type": "integer", "minimum": 1, "maximum": 500}))], None,
                    json_response("a page", json!({"type": "object", "properties": {"next": {"type": "string"}, "workflows": {"type": "array", "items": workflow}}}))),
                "post": operation("Save a workflow", vec![], Some(body(reference("WorkflowRequest"))), json_response("the workflow", workflow.clone()))
            },
            "/api/workflows/{id}": {
                "get": operation("One workflow", vec![path_param("id")], None, json_response("the workflow", workflow.clone())),
                "put": operation("Replace a workflow", vec![path_param("id")], Some(body(reference("WorkflowRequest"))), json_response("the workflow", workflow.clone())),
                "delete": operation("Delete a workflow", vec![path_param("id")], None, json_response("null", json!({"type": "null"})))
            },
            "/api/workflows/{id}/run": {
                "post": operation("Run a workflow and wait for its outputs", vec![path_param("id")],
                    Some(body(json!({"type": "object", "properties": {"params": {"type": "object"}}}))),
                    json_response("output name → value", json!({"type": "object"})))
            },
            "/api/jobs": {"get": operation("The caller's jobs, newest first",
                vec![query_param("workflow_id", json!({"type": "string"})), query_param("limit", json!({"type": "integer", "minimum": 1, "maximum": 500})), query_param("start_key", json!({"type": "string"}))], None,
                json_response("a page", json!({"type": "object", "properties": {"jobs": {"type": "array", "items": job}, "next_start_key": {"type": ["string", "null"]}}})))},
            "/api/jobs/run": {"post": operation("Start a job (wait=true: return it once ended)",
                vec![query_param("wait", json!({"type": "boolean"}))], Some(body(reference("RunJobRequest"))), json_response("the job", job.clone()))},
            "/api/jobs/running/all": {"get": operation("The caller's running jobs", vec![], None, json_response("running jobs", json!({"type": "array", "items": {"type": "object"}})))},
            "/api/jobs/{id}": {"get": operation("One job", vec![path_param("id")], None, json_response("the job", job.clone()))},
            "/api/jobs/{id}/cancel": {"post": operation("Cancel a running job", vec![path_param("id")], None, json_response("what happened", json!({"type": "object"})))},
            "/api/settings": {"get": operation("The registered settings (no values)", vec![], None,
                json_response("settings", json!({"type": "object", "properties": {"settings": {"type": "array", "items": {"type": "object", "properties": {"env_var": {"type": "string"}, "group": {"type": "string"}, "description": {"type": "string"}, "is_secret": {"type": "boolean"}}}}}})))},
            "/api/settings/secrets": {"get": operation("Declared and stored secrets (no values)", vec![], None,
                json_response("secrets", json!({"type": "object", "properties": {"secrets": {"type": "array", "items": reference("Secret")}}})))},
            "/api/settings/secrets/{key}": {
                "get": operation("One secret (decrypt=true adds its value)", vec![path_param("key"), query_param("decrypt", json!({"type": "boolean"}))], None, json_response("the secret", reference("Secret"))),
                "put": operation("Store a secret", vec![path_param("key")], Some(body(json!({"type": "object", "required": ["value"], "properties": {"value": {"type": "string"}, "description": {"type": ["string", "null"]}}}))), json_response("the secret", reference("Secret"))),
                "delete": operation("Delete a secret", vec![path_param("key")], None, json_response("done", json!({"type": "object"})))
            },
            "/api/assets": {
                "get": operation("The caller's assets", vec![query_param("parent_id", json!({"type": "string"}))], None,
                    json_response("assets", json!({"type": "object", "properties": {"assets": {"type": "array", "items": reference("Asset")}}}))),
                "post": operation("Upload an asset: the body, streamed (its Content-Type is the asset's)",
                    vec![json!({"name": "name", "in": "query", "required": true, "schema": {"type": "string", "minLength": 1}})],
                    Some(json!({"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}})),
                    json_response("the asset", reference("Asset")))
            },
            "/api/assets/{id}": {
                "get": operation("One asset's record", vec![path_param("id")], None, json_response("the asset", reference("Asset"))),
                "delete": operation("Delete an asset", vec![path_param("id")], None, json_response("done", json!({"type": "object"})))
            },
            "/api/assets/{id}/data": {
                "get": operation("An asset's bytes, streamed", vec![path_param("id")], None,
                    json!({"description": "the bytes, with the asset's content type", "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}))
            },
            "/ws": {"get": {"summary": "WebSocket: run_job, reconnect_job, cancel_job, get_status, stream_input, end_input_stream, set_mode; streams job messages (token: bearer or ?api_key=)", "security": [],
                "responses": {"101": {"description": "switching protocols"}, "400": {"description": "not a WebSocket upgrade"}, "403": detail_error("a page from another origin, without a token")}}}
        }
    });
    if let Some(paths) = document["paths"].as_object_mut() {
        paths.extend(collection_paths());
    }
    document
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_operation_has_a_summary_and_responses() {
        let doc = super::openapi_document();
        let paths = doc["paths"].as_object().unwrap();
        assert!(paths.len() >= 12);
        for (path, item) in paths {
            for (method, op) in item.as_object().unwrap() {
                assert!(op["summary"].is_string(), "{method} {path}");
                assert!(op["responses"].is_object(), "{method} {path}");
            }
        }
    }
}
