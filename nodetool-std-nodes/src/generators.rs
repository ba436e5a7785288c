//! `nodetool.generators` and `nodetool.agents.Summarizer`: model-backed nodes with NodeTool's
//! prompts and parsing. `ListGenerator` streams the items the model wraps in `<LIST_ITEM>`
//! tags, `DataGenerator` the rows of the markdown table it writes (then the dataframe),
//! `StructuredOutputGenerator` one JSON object whose keys are the node's dynamic outputs,
//! `ChartGenerator` a Plotly configuration, `Summarizer` a streamed summary.

use crate::llms::provider_for;
use crate::meta_node;
use crate::meta_node::Props;
use nodetool::chat::{ChatRequest, Chunk as ChatChunk, ContentPart, Message, Role};
use nodetool::metadata::{ImageRef, LanguageModel, OutputSlot};
use nodetool::workflows::{NodeError, NodeOutputs, ProcessingContext};
use serde_json::{json, Map, Value};

/// The node's `model` property.
fn model(props: &Props) -> Result<LanguageModel, NodeError> {
    props.typed("model")
}

/// `max_tokens` as the request wants it.
fn max_tokens(props: &Props) -> Result<Option<u32>, NodeError> {
    Ok(u32::try_from(props.int("max_tokens")?.max(1)).ok())
}

/// The whole streamed reply to `messages`.
async fn complete(
    ctx: &ProcessingContext,
    model: &LanguageModel,
    messages: Vec<Message>,
    max_tokens: Option<u32>,
    json_schema: Option<Value>,
) -> Result<String, NodeError> {
    let provider = provider_for(ctx, model).map_err(NodeError::failed)?;
    let request = ChatRequest {
        model: model.id.clone(),
        messages,
        max_tokens,
        json_schema,
        ..ChatRequest::default()
    };
    let mut stream = provider
        .generate_messages(&request, ctx.cancellation_token())
        .await
        .map_err(NodeError::failed)?;
    let mut text = String::new();
    while let Some(chunk) = futures_next(&mut stream).await {
        if let ChatChunk::Text(t) = chunk.map_err(NodeError::failed)? {
            text.push_str(&t);
        }
    }
    Ok(text)
}

/// The next item of a chat stream.
async fn futures_next(
    stream: &mut nodetool::chat::ChunkStream,
) -> Option<Result<ChatChunk, nodetool::chat::ChatError>> {
    stream.next().await
}

/// `prompt`, then `input_text` after a blank line when there is one (ListGenerator's user
/// message).
fn prompt_with_input(prompt: &str, input_text: &str) -> String {
    match (prompt.is_empty(), input_text.is_empty()) {
        (_, true) => prompt.to_owned(),
        (true, false) => input_text.to_owned(),
        (false, false) => format!("{prompt}\n\n{input_text}"),
    }
}

const LIST_SYSTEM_PROMPT: &str = "You are an assistant that generates lists.
            If the user asks for a specific number of items, generate that many.
            Wrap each item in <LIST_ITEM> tags. Content inside can span multiple lines.

            Example:
            User: Generate 3 movie titles
            Assistant: 
            <LIST_ITEM>The Dark Knight</LIST_ITEM>
            <LIST_ITEM>Inception</LIST_ITEM>
            <LIST_ITEM>The Matrix</LIST_ITEM>

            Example 2:
            User: Groceries
            Assistant:
            <LIST_ITEM>Milk
            Eggs</LIST_ITEM>
            <LIST_ITEM>Bread</LIST_ITEM>
            <LIST_ITEM>Butter</LIST_ITEM>
            ";

/// The items the model wrapped in `<LIST_ITEM>…</LIST_ITEM>`, each on one line with `**`
/// dropped, as NodeTool reads them.
pub fn list_items(text: &str) -> Vec<String> {
    const OPEN: &str = "<LIST_ITEM>";
    const CLOSE: &str = "</LIST_ITEM>";
    let mut items = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find(OPEN) {
        let start = open + OPEN.len();
        let Some(end) = rest.find(CLOSE) else { break };
        let item = if end >= start { &rest[start..end] } else { "" };
        let item = item.trim().replace("**", "");
        items.push(item.split_whitespace().collect::<Vec<_>>().join(" "));
        rest = &rest[end + CLOSE.len()..];
    }
    items
}

meta_node!(
    /// `nodetool.generators.ListGenerator`: a list from the model, item by item.
    ListGenerator,
    "nodetool.generators.ListGenerator",
    StreamingOutput,
    cacheable = false,
    tool = false
);

impl ListGenerator {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let model = model(props)?;
        let user = prompt_with_input(&props.str("prompt"), &props.str("input_text"));
        let messages = vec![Message::system(LIST_SYSTEM_PROMPT), Message::user(user)];
        let text = complete(ctx, &model, messages, max_tokens(props)?, None).await?;
        let items = list_items(&text);
        if items.is_empty() {
            return Err(NodeError::failed(
                "ListGenerator did not find any <LIST_ITEM> tags in the response. Ensure the output is wrapped in <LIST_ITEM>...</LIST_ITEM> tags.",
            ));
        }
        for (index, item) in items.into_iter().enumerate() {
            outputs.send_named("item", Value::String(item)).await?;
            outputs.send_named("index", json!(index)).await?;
        }
        Ok(())
    }
}

/// The columns of a `record_type` value: `(name, data_type)`.
fn record_columns(record_type: &Value) -> Vec<(String, String)> {
    record_type["columns"]
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

/// The rows of the markdown table in `text`, converted by the columns' types, as NodeTool
/// parses them (the first line is the header, the second skipped).
pub fn markdown_table_rows(text: &str, columns: &[(String, String)]) -> Vec<Map<String, Value>> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.len() < 3 {
        return Vec::new();
    }
    let cells = |line: &str| -> Vec<String> {
        line.trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_owned())
            .collect()
    };
    let headers: Vec<String> = cells(lines[0])
        .into_iter()
        .filter(|h| !h.is_empty())
        .collect();
    let mut rows = Vec::new();
    for line in &lines[2..] {
        if line.starts_with('-') {
            continue;
        }
        let values = cells(line);
        let count = values.len();
        let values: Vec<String> = values
            .into_iter()
            .filter(|v| !v.is_empty() || count == headers.len())
            .collect();
        if values.len() != headers.len() {
            continue;
        }
        let row = headers
            .iter()
            .zip(values)
            .map(|(header, value)| {
                let data_type = columns
                    .iter()
                    .find(|(name, _)| name == header)
                    .map(|(_, t)| t.to_lowercase());
                (header.clone(), convert_cell(&value, data_type.as_deref()))
            })
            .collect();
        rows.push(row);
    }
    rows
}

/// A table cell as a value of its column's type (the text when it does not convert).
fn convert_cell(value: &str, data_type: Option<&str>) -> Value {
    if value.is_empty() || matches!(value.to_lowercase().as_str(), "none" | "null" | "n/a") {
        return Value::Null;
    }
    let Some(data_type) = data_type else {
        return Value::String(value.to_owned());
    };
    if data_type.contains("int") {
        if let Ok(i) = value.parse::<i64>() {
            return json!(i);
        }
    } else if data_type.contains("float") || data_type.contains("number") {
        if let Ok(f) = value.parse::<f64>() {
            return json!(f);
        }
    } else if data_type.contains("bool") {
        return Value::Bool(matches!(
            value.to_lowercase().as_str(),
            "true" | "yes" | "1" | "on"
        ));
    }
    Value::String(value.to_owned())
}

meta_node!(
    /// `nodetool.generators.DataGenerator`: a table from the model, row by row, then whole.
    DataGenerator,
    "nodetool.generators.DataGenerator",
    StreamingOutput,
    cacheable = false,
    tool = false
);

impl DataGenerator {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let model = model(props)?;
        let record_type = props.get("columns").clone();
        let columns = record_columns(&record_type);
        let descriptions: Vec<String> = columns
            .iter()
            .map(|(name, data_type)| format!("- {name} ({data_type})"))
            .collect();
        let system = format!(
            "You are a data generation assistant. Generate data as a markdown table.

Your task:
1. Generate data that matches the specified columns and requirements
2. Output ONLY a markdown table with no additional text before or after
3. The table must have exactly these columns in order:
{}

Table format:
| Column 1 | Column 2 | Column 3 |
|----------|----------|----------|
| value1   | value2   | value3   |
| value4   | value5   | value6   |

Rules:
- Use | to separate columns
- First row is headers, second row is separator with dashes
- Each subsequent row is data
- Ensure data types match the column specifications
- For numbers, use numeric values without quotes
- For text, use plain text without excessive quotes
- Use \"None\" or leave empty for null values",
            descriptions.join("\n")
        );
        let user = format!("{}\n\n{}", props.str("prompt"), props.str("input_text"));
        let messages = vec![Message::system(system), Message::user(user)];
        let text = complete(ctx, &model, messages, max_tokens(props)?, None).await?;
        let rows = markdown_table_rows(&text, &columns);
        for (index, row) in rows.iter().enumerate() {
            outputs
                .send_named("record", Value::Object(row.clone()))
                .await?;
            outputs.send_named("index", json!(index)).await?;
        }
        let data: Vec<Value> = rows
            .iter()
            .map(|row| {
                Value::Array(
                    columns
                        .iter()
                        .map(|(name, _)| row.get(name).cloned().unwrap_or(Value::Null))
                        .collect(),
                )
            })
            .collect();
        let dataframe = json!({"type": "dataframe", "uri": "", "asset_id": null, "data": data,
            "metadata": null, "columns": record_type["columns"]});
        outputs.send_named("dataframe", dataframe).await
    }
}

/// NodeTool's JSON schema of a type (`TypeMetadata.get_json_schema`).
pub fn type_json_schema(type_json: &Value) -> Value {
    let args = type_json["type_args"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    match type_json["type"].as_str().unwrap_or("any") {
        "int" => json!({"type": "integer"}),
        "float" => json!({"type": "number"}),
        "bool" => json!({"type": "boolean"}),
        "str" | "text" => json!({"type": "string"}),
        "list" => match args.first() {
            Some(item) => json!({"type": "array", "items": type_json_schema(item)}),
            None => json!({"type": "array"}),
        },
        "dict" if args.is_empty() => json!({"type": "object"}),
        "dict" => {
            let properties: Map<String, Value> = args
                .iter()
                .enumerate()
                .map(|(i, a)| (format!("key_{i}"), type_json_schema(a)))
                .collect();
            json!({"type": "object", "properties": properties})
        }
        "enum" => json!({"type": "string", "enum": type_json["values"].clone()}),
        "union" => json!({"anyOf": args.iter().map(type_json_schema).collect::<Vec<_>>()}),
        kind @ ("image" | "audio" | "video") => json!({"type": "object", "properties": {
            "uri": {"type": "string", "format": "uri"}, "type": {"type": "string", "enum": [kind]}}}),
        _ => json!({}),
    }
}

/// The schema of an object with one required property per output.
pub fn outputs_schema(title: &str, outputs: &[OutputSlot]) -> Value {
    let properties: Map<String, Value> = outputs
        .iter()
        .map(|o| {
            let type_json = serde_json::to_value(&o.type_metadata).unwrap_or(Value::Null);
            (o.name.clone(), type_json_schema(&type_json))
        })
        .collect();
    json!({"type": "object", "title": title, "additionalProperties": false,
        "properties": properties,
        "required": outputs.iter().map(|o| o.name.clone()).collect::<Vec<_>>()})
}

/// The JSON object in a reply: a ```` ```json ```` block, else from the first `{` to the last
/// `}`.
pub fn json_object_in(text: &str) -> Option<Map<String, Value>> {
    let text = text.trim();
    let lower = text.to_lowercase();
    if let Some(start) = lower.find("```json") {
        let body = &text[start + 7..];
        if let Some(end) = body.find("```") {
            if let Ok(Value::Object(map)) = serde_json::from_str(body[..end].trim()) {
                return Some(map);
            }
        }
    }
    let start = text.find('{')?;
    let end = text.rfind('}')?;
    match serde_json::from_str(text.get(start..=end)?) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

meta_node!(
    /// `nodetool.generators.StructuredOutputGenerator`: one JSON object from the model whose
    /// keys are the node's dynamic outputs.
    StructuredOutputGenerator,
    "nodetool.generators.StructuredOutputGenerator",
    Buffered,
    cacheable = false,
    tool = false
);

impl StructuredOutputGenerator {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let model = model(props)?;
        if !model.is_set() {
            return Err(NodeError::failed("Select a model"));
        }
        let slots = props.dynamic_outputs();
        if slots.is_empty() {
            return Err(NodeError::failed(
                "Declare outputs for the fields you want to generate",
            ));
        }
        let schema = outputs_schema("Structured Output Specification", slots);
        let mut sections = vec![format!(
            "<JSON_SCHEMA>\n{}\n</JSON_SCHEMA>",
            crate::pyfmt::py_json_dumps(&schema, Some(2))
        )];
        let instructions = props.str("instructions");
        if !instructions.trim().is_empty() {
            sections.push(format!(
                "<INSTRUCTIONS>\n{}\n</INSTRUCTIONS>",
                instructions.trim()
            ));
        }
        let context = props.str("context");
        if !context.trim().is_empty() {
            sections.push(format!("<CONTEXT>\n{}\n</CONTEXT>", context.trim()));
        }
        let system = format!("{}\n{}\n", props.str("system_prompt"), sections.join("\n"));
        let user = Message {
            role: Role::User,
            content: vec![ContentPart::Text {
                text: "Generate a JSON object that satisfies all requirements.".to_owned(),
            }],
            ..Message::user("")
        };
        let text = complete(
            ctx,
            &model,
            vec![Message::system(system), user],
            max_tokens(props)?,
            None,
        )
        .await?;
        let object = json_object_in(&text).ok_or_else(|| {
            NodeError::failed("StructuredOutputGenerator did not return a dictionary")
        })?;
        emit_object(outputs, object, slots).await
    }
}

/// Each key of `object` on the output of its name; a key that is no output is an error.
pub(crate) async fn emit_object(
    outputs: &mut NodeOutputs,
    object: Map<String, Value>,
    slots: &[OutputSlot],
) -> Result<(), NodeError> {
    for (key, value) in object {
        if !slots.iter().any(|s| s.name == key) {
            return Err(NodeError::failed(format!(
                "the model's object has key `{key}`, which is not an output (outputs: {})",
                slots
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        outputs.send_named(&key, value).await?;
    }
    Ok(())
}

const CHART_SYSTEM_PROMPT: &str = "You are an expert data visualization assistant specializing in creating Plotly chart configurations.

Your task is to:
1. Analyze the data schema and user's request to determine the most appropriate visualization.
2. Generate a single, complete, ready-to-use JSON object that defines the Plotly chart. This JSON object must conform to the provided schema.
3. Choose chart types that best represent the relationships in the data.
4. Apply best practices for data visualization (e.g., appropriate colors, labels, legends) within the JSON structure.
5. Explain your chart choices and highlight insights the visualization reveals in a separate thought process (not part of the JSON output).

When creating the JSON chart configuration:
- Select appropriate visual encodings based on data types (categorical vs continuous).
- Use multiple traces when comparative analysis would be valuable.
- Set reasonable figure dimensions, margins, and formatting.
- Include helpful annotations or trendlines when they add value.
- Configure interactive elements effectively (tooltips, hover data).
- Consider color accessibility and choose colorblind-friendly palettes.

Always return a single JSON object as your primary output, conforming to the schema. Do not include any other text, explanations, or Python code outside of this JSON object.
";

/// The schema of the Plotly configuration the chart model must answer with.
fn plotly_schema() -> Value {
    let number_array = json!({"type": "array", "items": {"type": ["number", "string"]}});
    json!({
        "type": "object",
        "required": ["data"],
        "properties": {
            "data": {"type": "array", "items": {"type": "object", "required": ["type"], "properties": {
                "type": {"type": "string", "enum": ["scatter", "bar", "pie", "line", "histogram", "box", "violin", "heatmap"]},
                "x": number_array, "y": number_array,
                "mode": {"type": "string", "enum": ["lines", "markers", "lines+markers", "text", "none"]},
                "name": {"type": "string"},
                "marker": {"type": "object", "properties": {"color": {"type": "string"}, "size": {"type": "number"}, "opacity": {"type": "number"}}},
                "line": {"type": "object", "properties": {"color": {"type": "string"}, "width": {"type": "number"}, "dash": {"type": "string", "enum": ["solid", "dot", "dash", "longdash", "dashdot", "longdashdot"]}}},
                "text": {"type": ["string", "array"]},
                "hovertext": {"type": ["string", "array"]}
            }}},
            "layout": {"type": "object", "properties": {
                "title": {"type": ["string", "object"]},
                "xaxis": {"type": "object", "properties": {"title": {"type": ["string", "object"]}, "type": {"type": "string", "enum": ["linear", "log", "date", "category"]}}},
                "yaxis": {"type": "object", "properties": {"title": {"type": ["string", "object"]}, "type": {"type": "string", "enum": ["linear", "log", "date", "category"]}}},
                "showlegend": {"type": "boolean"},
                "height": {"type": "number"},
                "width": {"type": "number"}
            }},
            "config": {"type": "object", "properties": {"responsive": {"type": "boolean"}, "displayModeBar": {"type": "boolean"}, "scrollZoom": {"type": "boolean"}}}
        }
    })
}

meta_node!(
    /// `nodetool.generators.ChartGenerator`: a Plotly chart configuration for a dataframe.
    ChartGenerator,
    "nodetool.generators.ChartGenerator",
    Buffered,
    cacheable = false,
    tool = false
);

impl ChartGenerator {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let data = props.get("data");
        if data["columns"].is_null() {
            return Err(NodeError::failed("data: Define columns"));
        }
        let model = model(props)?;
        if !model.is_set() {
            return Err(NodeError::failed("Select a model"));
        }
        let rows = if data["data"].is_array() {
            data["data"].clone()
        } else {
            json!([])
        };
        let user = format!(
            "Available columns in the dataset:
{}

Input data:
{}

User request: {}

# Instructions
Please create a complete Plotly JSON configuration object that best visualizes this data according to the user's request and the provided schema.

Your response must be a single JSON object with 'data' and 'layout' properties, conforming to the following structure:
- The 'data' property should be an array of trace objects (e.g., scatter, bar, pie).
- The 'layout' property should define chart aesthetics like title, axis labels, and legend.

Focus on these chart types when defining traces in the JSON:
- \"scatter\": For relationships between variables
- \"line\": For trends over time or sequences
- \"bar\": For comparing categories
- \"histogram\": For distributions
- \"box\": For statistical summaries
- \"violin\": For probability distributions
- \"heatmap\": For correlation matrices
- \"pie\": For part-to-whole relationships

Remember to include axis labels, titles, and proper formatting within the JSON 'layout' object.
Ensure the generated JSON is valid and strictly adheres to the schema provided for the 'plotly_config' tool.
            ",
            crate::pyfmt::py_json_dumps(&data["columns"], Some(2)),
            crate::pyfmt::py_json_dumps(&rows, Some(2)),
            props.str("prompt")
        );
        let messages = vec![Message::system(CHART_SYSTEM_PROMPT), Message::user(user)];
        let text = complete(
            ctx,
            &model,
            messages,
            max_tokens(props)?,
            Some(plotly_schema()),
        )
        .await?;
        let config: Value = serde_json::from_str(text.trim()).map_err(|e| {
            NodeError::failed(format!("the model's chart configuration is not JSON: {e}"))
        })?;
        outputs
            .send_named("output", json!({"type": "plotly_config", "config": config}))
            .await
    }
}

/// A NodeTool `Chunk` value of text.
fn text_chunk(content: &str) -> Value {
    json!({"type": "chunk", "node_id": null, "thread_id": null, "workflow_id": null,
        "content_type": "text", "content": content, "content_metadata": {}, "done": false,
        "thinking": false})
}

/// The media parts of a user message: an image when one is given.
fn image_part(props: &Props) -> Result<Option<ContentPart>, NodeError> {
    let image: ImageRef = props.typed("image")?;
    if image.is_empty() {
        return Ok(None);
    }
    if !props.get("audio")["uri"]
        .as_str()
        .unwrap_or_default()
        .is_empty()
        || !props.get("audio")["data"].is_null()
    {
        return Err(NodeError::failed(
            "audio: audio input is not supported by these providers yet",
        ));
    }
    Ok(Some(ContentPart::Image {
        url: crate::llms::image_url(&image).map_err(NodeError::failed)?,
    }))
}

meta_node!(
    /// `nodetool.agents.Summarizer`: a summary streamed chunk by chunk, then whole.
    AgentSummarizer,
    "nodetool.agents.Summarizer",
    StreamingOutput,
    cacheable = false,
    tool = false
);

impl AgentSummarizer {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let model = model(props)?;
        if !model.is_set() {
            return Err(NodeError::failed("Select a model"));
        }
        let provider = provider_for(ctx, &model).map_err(NodeError::failed)?;
        let mut content = vec![ContentPart::Text {
            text: props.str("text"),
        }];
        content.extend(image_part(props)?);
        let user = Message {
            role: Role::User,
            content,
            ..Message::user("")
        };
        // NodeTool sends the system prompt as it is and no token limit (its default: 8192).
        let request = ChatRequest {
            model: model.id.clone(),
            messages: vec![Message::system(props.str("system_prompt")), user],
            max_tokens: Some(8192),
            ..ChatRequest::default()
        };
        let mut stream = provider
            .generate_messages(&request, ctx.cancellation_token())
            .await
            .map_err(NodeError::failed)?;
        let mut text = String::new();
        while let Some(chunk) = futures_next(&mut stream).await {
            if let ChatChunk::Text(t) = chunk.map_err(NodeError::failed)? {
                outputs.send_named("chunk", text_chunk(&t)).await?;
                text.push_str(&t);
            }
        }
        outputs.send_named("text", Value::String(text)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_items_are_read_as_nodetool_reads_them() {
        let text = "Here:\n<LIST_ITEM>The **Dark** Knight</LIST_ITEM>\n<LIST_ITEM>Milk\n  Eggs</LIST_ITEM><LIST_ITEM></LIST_ITEM> <LIST_ITEM>open";
        assert_eq!(list_items(text), ["The Dark Knight", "Milk Eggs", ""]);
        assert!(list_items("no tags").is_empty());
    }

    #[test]
    fn markdown_tables_become_typed_rows() {
        let columns = vec![
            ("name".to_owned(), "string".to_owned()),
            ("count".to_owned(), "int".to_owned()),
        ];
        let text = "| name | count |\n|---|---|\n| carrot | 3 |\n| kale | None |\n| bad | 1,000 |\n| short |\n";
        let rows = markdown_table_rows(text, &columns);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0]["count"], json!(3));
        assert_eq!(rows[1]["count"], Value::Null);
        assert_eq!(rows[2]["count"], json!("1,000"));
        assert!(markdown_table_rows("| a |\n|---|", &columns).is_empty());
    }

    #[test]
    fn json_objects_come_from_fences_or_braces() {
        assert_eq!(
            json_object_in("Sure:\n```JSON\n{\"a\": 1}\n```").unwrap()["a"],
            json!(1)
        );
        assert_eq!(json_object_in("x {\"b\": [1]} y").unwrap()["b"], json!([1]));
        assert!(json_object_in("[1, 2]").is_none());
    }

    #[test]
    fn schemas_follow_nodetool() {
        assert_eq!(
            type_json_schema(&json!({"type": "list", "type_args": [{"type": "dict"}]})),
            json!({"type": "array", "items": {"type": "object"}})
        );
        assert_eq!(
            type_json_schema(
                &json!({"type": "dict", "type_args": [{"type": "str"}, {"type": "any"}]})
            ),
            json!({"type": "object", "properties": {"key_0": {"type": "string"}, "key_1": {}}})
        );
    }
}
