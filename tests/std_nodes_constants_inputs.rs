//! `nodetool.constant`, `nodetool.input`, `nodetool.output` and the streaming and CSV nodes of
//! `nodetool.dictionary` through the runner: real values, NodeTool's shapes and defaults,
//! run parameters, streams, files in a temporary workspace, and wrong types naming their
//! property.

mod node_harness;
use node_harness::{err, ok, run_graph, run_node, run_node_in, run_output};

use nodetool::prelude::*;
use nodetool::workflows::{NodeRegistry, RunError};
use nodetool::workspace::Workspace;
use serde_json::{json, Map, Value};

const C: &str = "nodetool.constant.";
const I: &str = "nodetool.input.";
const D: &str = "nodetool.dictionary.";

fn empty_ref(kind: &str) -> Value {
    json!({"type": kind, "uri": "", "asset_id": null, "data": null})
}

fn message_default() -> Value {
    json!({"type": "message", "id": null, "workflow_id": null, "graph": null,
           "thread_id": null, "tools": null, "tool_call_id": null, "role": "", "name": null,
           "content": null, "tool_calls": null, "collections": null, "input_files": null,
           "created_at": null, "provider": null, "model": null, "agent_mode": null,
           "help_mode": null, "agent_execution_id": null, "execution_event_type": null,
           "workflow_target": null})
}

/// A context with a fresh temporary workspace.
fn workspace() -> (tempfile::TempDir, ProcessingContext) {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::new(dir.path().join("ws")).unwrap();
    let ctx = ProcessingContext::builder().workspace(ws).build();
    (dir, ctx)
}

/// Runs `graph` with the run parameters `params`.
async fn run_with(graph: Value, params: Value, ctx: &ProcessingContext) -> Result<Value, String> {
    nodetool_std_nodes::link();
    let graph = Graph::from_json_str(&graph.to_string()).map_err(|e| e.to_string())?;
    let runner = WorkflowRunner::from_graph(&graph).map_err(|e| e.to_string())?;
    let params: Map<String, Value> = params.as_object().cloned().unwrap_or_default();
    match runner.run(ctx, params).await {
        Ok(result) => Ok(result.to_json()),
        Err(RunError::NodeFailed { error, .. }) => Err(error.to_string()),
        Err(other) => Err(other.to_string()),
    }
}

/// An input node named `p` (with `data`) feeding an output `out` from `handle`; the run's
/// `out` value with the parameter `param`, if any.
async fn input_in(
    node_type: &str,
    mut data: Value,
    param: Option<Value>,
    handle: &str,
    ctx: &ProcessingContext,
) -> Result<Value, String> {
    data["name"] = json!("p");
    let graph = json!({
        "nodes": [
            {"id": "i", "type": format!("{I}{node_type}"), "data": data},
            {"id": "o", "type": "nodetool.output.Output", "data": {"name": "out"}}
        ],
        "edges": [{"source": "i", "sourceHandle": handle, "target": "o", "targetHandle": "value"}]
    });
    let params = param.map_or(json!({}), |v| json!({ "p": v }));
    let result = run_with(graph, params, ctx).await?;
    Ok(result["out"].clone())
}

async fn input(node_type: &str, data: Value, param: Option<Value>) -> Result<Value, String> {
    input_in(
        node_type,
        data,
        param,
        "output",
        &ProcessingContext::default(),
    )
    .await
}

/// Streams `items` (a list) into the `value` of a filter `node_type` with `data` and collects
/// what comes out; `controls` are `(handle, value)` streamed in from a node whose output is
/// `any` (so that the graph's type check lets any value through).
async fn filter(
    node_type: &str,
    data: Value,
    items: Value,
    controls: &[(&str, Value)],
) -> Result<Value, String> {
    let mut nodes = vec![
        json!({"id": "src", "type": "nodetool.control.ForEach", "data": {"input_list": items}}),
        json!({"id": "f", "type": format!("{D}{node_type}"), "data": data}),
        json!({"id": "c", "type": "nodetool.control.Collect", "data": {}}),
        json!({"id": "o", "type": "nodetool.output.Output", "data": {"name": "out"}}),
    ];
    let mut edges = vec![];
    for (i, (handle, value)) in controls.iter().enumerate() {
        let id = format!("k{i}");
        nodes.push(json!({"id": id, "type": "nodetool.dictionary.GetValue",
                          "data": {"dictionary": {"x": value}, "key": "x"}}));
        edges.push(
            json!({"source": id, "sourceHandle": "output", "target": "f",
                          "targetHandle": handle}),
        );
    }
    edges.extend([
        json!({"source": "src", "sourceHandle": "output", "target": "f", "targetHandle": "value"}),
        json!({"source": "f", "sourceHandle": "output", "target": "c", "targetHandle": "input_item"}),
        json!({"source": "c", "sourceHandle": "output", "target": "o", "targetHandle": "value"}),
    ]);
    let result = run_graph(
        json!({"nodes": nodes, "edges": edges}),
        &ProcessingContext::default(),
    )
    .await?;
    Ok(result.get("out").cloned().unwrap_or(Value::Null))
}

fn assert_names_property(error: &str, property: &str) {
    assert!(
        error.contains(&format!("`{property}`")) || error.starts_with(property),
        "the error should name `{property}`: {error}"
    );
}

// ---------------------------------------------------------------------------------------
// Metadata.

#[test]
fn new_nodes_have_nodetool_titles_descriptions_and_tool_flags() {
    nodetool_std_nodes::link();
    let registry = NodeRegistry::global();
    // (node type, title, first line of the description, tags, exposed as a tool)
    let table: &[(&str, &str, &str, &str, bool)] = &[
        ("nodetool.constant.Audio", "Audio", "Represents an audio file constant in the workflow.", "audio, file, mp3, wav", true),
        ("nodetool.constant.DataFrame", "Data Frame", "Represents a fixed DataFrame constant in the workflow.", "table, data, dataframe, pandas", true),
        ("nodetool.constant.Document", "Document", "Represents a document constant in the workflow.", "document, pdf, word, docx", true),
        ("nodetool.constant.Image", "Image", "Represents an image file constant in the workflow.", "picture, photo, image", true),
        ("nodetool.constant.ImageSize", "Image Size", "Represents an image dimensions constant in the workflow.", "resolution, width, height, size, preset", true),
        ("nodetool.constant.ImageList", "Image List", "Represents a list of image file constants in the workflow.", "pictures, photos, images, collection", true),
        ("nodetool.constant.VideoList", "Video List", "Represents a list of video file constants in the workflow.", "videos, movies, clips, collection", true),
        ("nodetool.constant.AudioList", "Audio List", "Represents a list of audio file constants in the workflow.", "audios, sounds, audio files, collection", true),
        ("nodetool.constant.TextList", "Text List", "Represents a list of text strings in the workflow.", "texts, strings, text collection", true),
        ("nodetool.constant.Select", "Select", "Represents a selection from a predefined set of options in the workflow.", "select, enum, dropdown, choice, options", false),
        ("nodetool.constant.Video", "Video", "Represents a video file constant in the workflow.", "video, movie, mp4, file", true),
        ("nodetool.constant.Model3D", "Model 3D", "Represents a 3D model constant in the workflow.", "3d, model, mesh, glb, obj, stl", true),
        ("nodetool.constant.Date", "Date", "Make a date object from year, month, day.", "date, make, create", false),
        ("nodetool.constant.DateTime", "Date Time", "Make a datetime object from year, month, day, hour, minute, second.", "datetime, make, create", true),
        ("nodetool.constant.JSON", "JSON", "Represents a JSON constant in the workflow.", "json, object, dictionary", true),
        ("nodetool.constant.LanguageModelConstant", "Language Model Constant", "Represents a language model constant in the workflow.", "llm, language, model, ai, chat, gpt", true),
        ("nodetool.constant.ImageModelConstant", "Image Model Constant", "Represents an image generation model constant in the workflow.", "image, model, ai, generation, diffusion", true),
        ("nodetool.constant.VideoModelConstant", "Video Model Constant", "Represents a video generation model constant in the workflow.", "video, model, ai, generation", true),
        ("nodetool.constant.TTSModelConstant", "TTSModel Constant", "Represents a text-to-speech model constant in the workflow.", "tts, speech, voice, model, audio", true),
        ("nodetool.constant.ASRModelConstant", "ASRModel Constant", "Represents an automatic speech recognition model constant in the workflow.", "asr, speech, recognition, transcription, model", true),
        ("nodetool.constant.EmbeddingModelConstant", "Embedding Model Constant", "Represents an embedding model constant in the workflow.", "embedding, model, vector, semantic", true),
        ("nodetool.constant.String", "String", "Represents a string constant in the workflow.", "text, string, characters", false),
        ("nodetool.constant.Integer", "Integer", "Represents an integer constant in the workflow.", "number, integer, whole", false),
        ("nodetool.constant.Float", "Float", "Represents a floating-point number constant in the workflow.", "number, decimal, float", false),
        ("nodetool.constant.Bool", "Bool", "Represents a boolean constant in the workflow.", "boolean, logic, flag", true),
        ("nodetool.constant.List", "List", "Represents a list constant in the workflow.", "array, sequence, collection", false),
        ("nodetool.constant.Dict", "Dict", "Represents a dictionary constant in the workflow.", "dictionary, key-value, mapping", true),
        ("nodetool.input.StringInput", "String Input", "Accepts a string value as a parameter for workflows.", "input, parameter, string, text, label, name, value", false),
        ("nodetool.input.IntegerInput", "Integer Input", "Accepts an integer (whole number) as a parameter for workflows, typically constrained by a minimum and maximum value.  This input is used for discrete numeric values like counts, indices, or iteration limits.", "input, parameter, integer, number, count, index, whole_number", false),
        ("nodetool.input.FloatInput", "Float Input", "Accepts a floating-point number as a parameter for workflows, typically constrained by a minimum and maximum value.  This input allows for precise numeric settings, such as adjustments, scores, or any value requiring decimal precision.", "input, parameter, float, number, decimal, range", false),
        ("nodetool.input.BooleanInput", "Boolean Input", "Accepts a boolean (true/false) value as a parameter for workflows.  This input is used for binary choices, enabling or disabling features, or controlling conditional logic paths.", "input, parameter, boolean, bool, toggle, switch, flag", false),
        ("nodetool.input.SelectInput", "Select Input", "Accepts a selection from a predefined set of options as a parameter for workflows.", "input, parameter, select, enum, dropdown, choice, options", false),
        ("nodetool.input.StringListInput", "String List Input", "Accepts a list of strings as a parameter for workflows.", "input, parameter, string, text, label, name, value", false),
        ("nodetool.input.FolderPathInput", "Folder Path Input", "Accepts a folder path as a parameter for workflows.", "input, parameter, folder, path, folderpath, local_folder, filesystem", false),
        ("nodetool.input.ColorInput", "Color Input", "Accepts a color value as a parameter for workflows.", "input, parameter, color, color_picker, color_input", false),
        ("nodetool.input.LanguageModelInput", "Language Model Input", "Accepts a language model as a parameter for workflows.", "input, parameter, model, language, model_name", false),
        ("nodetool.input.ImageModelInput", "Image Model Input", "Accepts an image generation model as a parameter for workflows.", "input, parameter, model, image, generation", false),
        ("nodetool.input.VideoModelInput", "Video Model Input", "Accepts a video generation model as a parameter for workflows.", "input, parameter, model, video, generation", false),
        ("nodetool.input.TTSModelInput", "TTSModel Input", "Accepts a text-to-speech model as a parameter for workflows.", "input, parameter, model, tts, speech, voice", false),
        ("nodetool.input.ASRModelInput", "ASRModel Input", "Accepts an automatic speech recognition model as a parameter for workflows.", "input, parameter, model, asr, transcription, speech", false),
        ("nodetool.input.EmbeddingModelInput", "Embedding Model Input", "Accepts an embedding model as a parameter for workflows.", "input, parameter, model, embedding, vector", false),
        ("nodetool.input.DataframeInput", "Dataframe Input", "Accepts a reference to a dataframe asset for workflows.", "input, parameter, dataframe, table, data", false),
        ("nodetool.input.DocumentInput", "Document Input", "Accepts a reference to a document asset for workflows, specified by a 'DocumentRef'.  A 'DocumentRef' points to a structured document (e.g., PDF, DOCX, TXT) which can be processed or analyzed. This node is used when the workflow needs to operate on a document as a whole entity, potentially including its structure and metadata, rather than just raw text.", "input, parameter, document, file, asset, reference", false),
        ("nodetool.input.ImageInput", "Image Input", "Accepts a reference to an image asset for workflows, specified by an 'ImageRef'.  An 'ImageRef' points to image data that can be used for display, analysis, or processing by vision models.", "input, parameter, image, picture, graphic, visual, asset", false),
        ("nodetool.input.VideoInput", "Video Input", "Accepts a reference to a video asset for workflows, specified by a 'VideoRef'.  A 'VideoRef' points to video data that can be used for playback, analysis, frame extraction, or processing by video-capable models.", "input, parameter, video, movie, clip, visual, asset", false),
        ("nodetool.input.AudioInput", "Audio Input", "Accepts a reference to an audio asset for workflows, specified by an 'AudioRef'.  An 'AudioRef' points to audio data that can be used for playback, transcription, analysis, or processing by audio-capable models.", "input, parameter, audio, sound, voice, speech, asset", false),
        ("nodetool.input.Model3DInput", "Model 3D Input", "Accepts a reference to a 3D model asset for workflows, specified by a 'Model3DRef'.", "input, parameter, 3d, model, mesh, obj, glb, stl, ply, asset", false),
        ("nodetool.input.AssetFolderInput", "Asset Folder Input", "Accepts an asset folder as a parameter for workflows.", "input, parameter, folder, path, folderpath, local_folder, filesystem", false),
        ("nodetool.input.FilePathInput", "File Path Input", "Accepts a local filesystem path (to a file or directory) as input for workflows.", "input, parameter, path, filepath, directory, local_file, filesystem", false),
        ("nodetool.input.DocumentFileInput", "Document File Input", "Accepts a local file path pointing to a document and converts it into a 'DocumentRef'.", "input, parameter, document, file, path, local_file, load", false),
        ("nodetool.input.MessageInput", "Message Input", "Accepts a chat message object for workflows.", "input, parameter, message, chat, conversation", false),
        ("nodetool.input.MessageListInput", "Message List Input", "Accepts a list of chat message objects for workflows.", "input, parameter, messages, chat, conversation, history", false),
        ("nodetool.input.MessageDeconstructor", "Message Deconstructor", "Deconstructs a chat message object into its individual fields.", "extract, decompose, message, fields, chat", false),
        ("nodetool.output.Output", "Output", "Generic output node for any type.", "output, result, sink, return", false),
        ("nodetool.dictionary.LoadCSVFile", "Load CSVFile", "Read a CSV file from disk.", "files, csv, read, input, load, file", false),
        ("nodetool.dictionary.SaveCSVFile", "Save CSVFile", "Write a list of dictionaries to a CSV file.", "files, csv, write, output, save, file", false),
        ("nodetool.dictionary.FilterDictByValue", "Filter Dict By Value", "Filters a stream of dictionaries based on their values using various criteria.", "filter, dictionary, values, stream", false),
        ("nodetool.dictionary.FilterDictByRange", "Filter Dict By Range", "Filters a stream of dictionaries based on a numeric range for a specified key.", "filter, dictionary, range, between, stream", false),
        ("nodetool.dictionary.FilterDictByNumber", "Filter Dict By Number", "Filters a stream of dictionaries based on numeric values for a specified key.", "filter, dictionary, numbers, numeric, stream", false),
        ("nodetool.dictionary.FilterDictRegex", "Filter Dict Regex", "Filters a stream of dictionaries using regular expressions on specified keys.", "filter, regex, dictionary, pattern, stream", false),
        ("nodetool.input.RealtimeAudioInput", "Realtime Audio Input", "Accepts streaming audio data for workflows.", "input, parameter, audio, sound, voice, speech, asset", false),
    ];
    let mut problems = Vec::new();
    for &(node_type, title, first, tags, tool) in table {
        let Some(found) = registry.get(node_type) else {
            problems.push(format!("{node_type}: not registered"));
            continue;
        };
        let m = &found.metadata;
        let mut lines = m.description.lines();
        let got = (
            m.title.as_str(),
            lines.next().unwrap_or_default(),
            lines.next().unwrap_or_default(),
            m.expose_as_tool,
        );
        if got != (title, first, tags, tool) {
            problems.push(format!("{node_type}: {got:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    for left_out in [
        "nodetool.input.HuggingFaceModelInput",
        "nodetool.dictionary.FilterDictByQuery",
    ] {
        assert!(registry.get(left_out).is_none(), "{left_out}");
    }
}

#[test]
fn properties_defaults_and_outputs_are_nodetools() {
    nodetool_std_nodes::link();
    let registry = NodeRegistry::global();
    let meta = |t: &str| registry.get(t).unwrap().metadata.clone();
    let default = |t: &str, p: &str| meta(t).property(p).unwrap().default.clone().unwrap();
    assert_eq!(
        default("nodetool.constant.Audio", "value"),
        empty_ref("audio")
    );
    assert_eq!(
        default("nodetool.constant.JSON", "value"),
        empty_ref("json")
    );
    assert_eq!(
        default("nodetool.constant.Model3D", "value"),
        empty_ref("model_3d")
    );
    assert_eq!(
        default("nodetool.input.AssetFolderInput", "value"),
        empty_ref("folder")
    );
    assert_eq!(
        default("nodetool.constant.ImageSize", "value"),
        json!({"type": "image_size", "width": 1024, "height": 1024})
    );
    assert_eq!(
        default("nodetool.constant.TTSModelConstant", "value"),
        json!({"type": "tts_model", "provider": "empty", "id": "", "name": "",
               "voices": [], "selected_voice": ""})
    );
    assert_eq!(
        default("nodetool.input.EmbeddingModelInput", "value"),
        json!({"type": "embedding_model", "provider": "empty", "id": "", "name": "",
               "dimensions": 0})
    );
    assert_eq!(
        default("nodetool.input.ColorInput", "value"),
        json!({"type": "color", "value": null})
    );
    assert_eq!(
        default("nodetool.input.MessageInput", "value"),
        message_default()
    );
    assert_eq!(
        default("nodetool.constant.DateTime", "tzinfo"),
        json!("UTC")
    );
    assert_eq!(
        default("nodetool.dictionary.FilterDictByRange", "inclusive"),
        json!(true)
    );
    let image_size = meta("nodetool.constant.ImageSize");
    assert_eq!(
        image_size.outputs[0].type_metadata.to_string(),
        "tuple[image_size, int, int]"
    );
    let date = meta("nodetool.constant.Date");
    let month = date.property("month").unwrap();
    assert_eq!((month.min, month.max), (Some(1.0), Some(12.0)));
    assert_eq!(
        meta("nodetool.constant.DataFrame").properties[0]
            .title
            .as_deref(),
        Some("DataFrame")
    );
    let deconstructor = meta("nodetool.input.MessageDeconstructor");
    let outputs: Vec<(String, String)> = deconstructor
        .outputs
        .iter()
        .map(|o| (o.name.clone(), o.type_metadata.name.clone()))
        .collect();
    let expected = [
        ("id", "str"),
        ("thread_id", "str"),
        ("role", "str"),
        ("text", "str"),
        ("image", "image"),
        ("audio", "audio"),
        ("model", "language_model"),
    ];
    assert_eq!(outputs, expected.map(|(a, b)| (a.to_owned(), b.to_owned())));
    assert!(meta("nodetool.dictionary.SaveCSVFile").outputs.is_empty());
    let by_value = meta("nodetool.dictionary.FilterDictByValue");
    let filter_type = &by_value.property("filter_type").unwrap().type_metadata;
    assert_eq!(filter_type.values.as_ref().unwrap().len(), 8);
    assert_eq!(
        filter_type.type_name.as_deref(),
        Some("nodetool.nodes.nodetool.dictionary.FilterDictByValue.FilterType")
    );
    let input = meta("nodetool.input.StringInput");
    assert_eq!(
        input
            .property("description")
            .unwrap()
            .description
            .as_deref(),
        Some("The description of the input for the workflow.")
    );
    let output = meta("nodetool.output.Output");
    assert_eq!(
        output.property("value").unwrap().description.as_deref(),
        Some("The value of the output.")
    );
}

// ---------------------------------------------------------------------------------------
// Constants.

#[tokio::test]
async fn asset_constants_pass_their_references_through() {
    for (node, kind) in [
        ("Audio", "audio"),
        ("Image", "image"),
        ("Video", "video"),
        ("Document", "document"),
        ("JSON", "json"),
    ] {
        let r = json!({"type": kind, "uri": "file:///w/a", "asset_id": "id1", "data": null});
        assert_eq!(
            ok(&format!("{C}{node}"), json!({"value": r})).await,
            r,
            "{node}"
        );
        assert_eq!(
            ok(&format!("{C}{node}"), json!({})).await,
            empty_ref(kind),
            "{node}"
        );
        let e = err(
            &format!("{C}{node}"),
            json!({"value": {"type": "text", "uri": ""}}),
        )
        .await;
        assert_names_property(&e, "value");
        assert!(e.contains("`text`"), "{e}");
    }
    let table = json!({"type": "dataframe", "uri": "", "asset_id": null,
                       "data": [[1, "a"]], "metadata": null,
                       "columns": [{"name": "n", "data_type": "int", "description": ""},
                                   {"name": "s", "data_type": "string", "description": ""}]});
    assert_eq!(
        ok(&format!("{C}DataFrame"), json!({"value": table})).await,
        table
    );
    let e = err(
        &format!("{C}DataFrame"),
        json!({"value": {"type": "dataframe", "data": 3}}),
    )
    .await;
    assert_names_property(&e, "value");
}

#[tokio::test]
async fn list_constants_check_every_item() {
    let images = json!([{"type": "image", "uri": "a.png", "asset_id": null, "data": null},
                        {"type": "image", "uri": "", "asset_id": "x", "data": null}]);
    assert_eq!(
        ok(&format!("{C}ImageList"), json!({"value": images})).await,
        images
    );
    assert_eq!(ok(&format!("{C}VideoList"), json!({})).await, json!([]));
    let audio = json!([{"type": "audio", "uri": "s.mp3", "asset_id": null, "data": null}]);
    assert_eq!(
        ok(&format!("{C}AudioList"), json!({"value": audio})).await,
        audio
    );
    let e = err(&format!("{C}AudioList"), json!({"value": images})).await;
    assert_names_property(&e, "value");
    assert!(e.contains("index 0"), "{e}");
    assert_eq!(
        ok(&format!("{C}TextList"), json!({"value": ["a", "ü", ""]})).await,
        json!(["a", "ü", ""])
    );
    let e = err(&format!("{C}TextList"), json!({"value": ["a", 2]})).await;
    assert!(e.contains("index 1"), "{e}");
}

#[tokio::test]
async fn select_and_model_constants() {
    // Not checked against the options, as in NodeTool.
    assert_eq!(
        ok(
            &format!("{C}Select"),
            json!({"value": "z", "options": ["a", "b"]})
        )
        .await,
        json!("z")
    );
    assert_eq!(ok(&format!("{C}Select"), json!({})).await, json!(""));
    let e = err(&format!("{C}Select"), json!({"options": "a,b"})).await;
    assert_names_property(&e, "options");

    let lm = json!({"type": "language_model", "provider": "ollama", "id": "llama3.2", "name": "L"});
    assert_eq!(
        ok(&format!("{C}LanguageModelConstant"), json!({"value": lm})).await,
        lm
    );
    // A newer core's fields are dropped: the 0.6.3 shape comes out.
    let newer = json!({"type": "image_model", "provider": "fal_ai", "id": "flux", "name": "",
                       "path": null, "supported_tasks": ["text_to_image"]});
    assert_eq!(
        ok(&format!("{C}ImageModelConstant"), json!({"value": newer})).await,
        json!({"type": "image_model", "provider": "fal_ai", "id": "flux", "name": ""})
    );
    assert_eq!(
        ok(&format!("{C}VideoModelConstant"), json!({})).await,
        json!({"type": "video_model", "provider": "empty", "id": "", "name": ""})
    );
    let tts = json!({"type": "tts_model", "provider": "openai", "id": "tts-1", "name": "TTS",
                     "voices": ["alloy", "echo"], "selected_voice": "echo"});
    assert_eq!(
        ok(&format!("{C}TTSModelConstant"), json!({"value": tts})).await,
        tts
    );
    assert_eq!(
        ok(
            &format!("{C}ASRModelConstant"),
            json!({"value": {"provider": "openai", "id": "whisper-1"}})
        )
        .await,
        json!({"type": "asr_model", "provider": "openai", "id": "whisper-1", "name": ""})
    );
    let emb = json!({"type": "embedding_model", "provider": "ollama", "id": "nomic",
                     "name": "", "dimensions": 768});
    assert_eq!(
        ok(&format!("{C}EmbeddingModelConstant"), json!({"value": emb})).await,
        emb
    );
    let e = err(
        &format!("{C}TTSModelConstant"),
        json!({"value": {"voices": "alloy"}}),
    )
    .await;
    assert_names_property(&e, "value");
    assert!(e.contains("`voices`"), "{e}");
    let e = err(
        &format!("{C}EmbeddingModelConstant"),
        json!({"value": {"type": "asr_model"}}),
    )
    .await;
    assert_names_property(&e, "value");
}

#[tokio::test]
async fn date_constant_is_checked_like_python() {
    let date = |y: i64, m: i64, d: i64| json!({"year": y, "month": m, "day": d});
    assert_eq!(
        ok(&format!("{C}Date"), json!({})).await,
        json!({"type": "date", "year": 1900, "month": 1, "day": 1})
    );
    assert_eq!(
        ok(&format!("{C}Date"), date(2024, 2, 29)).await,
        json!({"type": "date", "year": 2024, "month": 2, "day": 29})
    );
    ok(&format!("{C}Date"), date(2000, 2, 29)).await;
    ok(&format!("{C}Date"), date(9999, 12, 31)).await;
    let e = err(&format!("{C}Date"), date(1900, 2, 29)).await;
    assert!(e.starts_with("day is out of range for month"), "{e}");
    let e = err(&format!("{C}Date"), date(2023, 4, 31)).await;
    assert!(e.contains("day 31"), "{e}");
    let e = err(&format!("{C}Date"), date(2023, 13, 1)).await;
    assert!(e.starts_with("month must be in 1..12"), "{e}");
    let e = err(&format!("{C}Date"), date(10000, 1, 1)).await;
    assert!(e.starts_with("year 10000 is out of range"), "{e}");
    let e = err(&format!("{C}Date"), date(-5, 0, 0)).await;
    assert!(e.starts_with("year -5"), "{e}");
    let e = err(&format!("{C}Date"), json!({"day": "1"})).await;
    assert_names_property(&e, "day");
}

#[tokio::test]
async fn datetime_constant_scales_milliseconds_and_minutes() {
    assert_eq!(
        ok(&format!("{C}DateTime"), json!({})).await,
        json!({"type": "datetime", "year": 1900, "month": 1, "day": 1, "hour": 0,
               "minute": 0, "second": 0, "microsecond": 0, "tzinfo": "UTC", "utc_offset": 0.0})
    );
    let v = ok(
        &format!("{C}DateTime"),
        json!({"year": 2024, "month": 2, "day": 31, "hour": 23, "minute": 59, "second": 58,
               "millisecond": 250, "tzinfo": "CET", "utc_offset": 60}),
    )
    .await;
    // Not checked: 31 February is kept, as in NodeTool.
    assert_eq!(v["day"], 31);
    assert_eq!(v["microsecond"], 250_000);
    assert_eq!(v["utc_offset"], 3600.0);
    assert_eq!(v["tzinfo"], "CET");
    let v = ok(&format!("{C}DateTime"), json!({"utc_offset": -330})).await;
    assert_eq!(v["utc_offset"], -19800.0);
    let e = err(&format!("{C}DateTime"), json!({"millisecond": i64::MAX})).await;
    assert_names_property(&e, "millisecond");
    let e = err(&format!("{C}DateTime"), json!({"tzinfo": 1})).await;
    assert_names_property(&e, "tzinfo");
}

#[tokio::test]
async fn image_size_is_a_tuple_of_the_size_and_its_sides() {
    assert_eq!(
        ok(
            &format!("{C}ImageSize"),
            json!({"value": {"type": "image_size", "width": 640, "height": 480}})
        )
        .await,
        json!([{"type": "image_size", "width": 640, "height": 480}, 640, 480])
    );
    assert_eq!(
        ok(&format!("{C}ImageSize"), json!({})).await,
        json!([{"type": "image_size", "width": 1024, "height": 1024}, 1024, 1024])
    );
    let e = err(&format!("{C}ImageSize"), json!({"value": {"width": "640"}})).await;
    assert_names_property(&e, "value");
    assert!(e.contains("`width`"), "{e}");
}

#[tokio::test]
async fn model_3d_finds_its_format_in_the_uri() {
    let model = |uri: &str, format: Value| {
        let mut v = json!({"type": "model_3d", "uri": uri, "asset_id": null, "data": null});
        if !format.is_null() {
            v["format"] = format;
        }
        json!({"value": v})
    };
    let run = |data: Value| async move { ok(&format!("{C}Model3D"), data).await };
    assert_eq!(
        run(model("https://h/m/Chair.GLB?sig=a.b", Value::Null)).await["format"],
        "glb"
    );
    assert_eq!(
        run(model("file:///w/a.tar.gz", Value::Null)).await["format"],
        "gz"
    );
    // The extension of the whole URI, as Python's splitext sees it.
    assert_eq!(
        run(model("http://h.com", Value::Null)).await["format"],
        "com"
    );
    assert!(run(model("http://h/a.b/c", Value::Null))
        .await
        .get("format")
        .is_none());
    assert!(run(model("file:///w/.hidden", Value::Null))
        .await
        .get("format")
        .is_none());
    // A format already set is kept.
    assert_eq!(run(model("x.obj", json!("stl"))).await["format"], "stl");
    assert_eq!(run(json!({})).await, empty_ref("model_3d"));
    let e = err(&format!("{C}Model3D"), model("a.glb", json!(3))).await;
    assert_names_property(&e, "value");
}

#[tokio::test]
async fn scalar_constants_keep_working() {
    assert_eq!(
        ok(&format!("{C}String"), json!({"value": "hé"})).await,
        json!("hé")
    );
    assert_eq!(
        ok(&format!("{C}Dict"), json!({"value": {"a": 1}})).await,
        json!({"a": 1})
    );
    let e = err(&format!("{C}Integer"), json!({"value": "7"})).await;
    assert_names_property(&e, "value");
}

// ---------------------------------------------------------------------------------------
// Inputs.

#[tokio::test]
async fn inputs_take_their_parameter_or_their_value() {
    let cases: Vec<(&str, Value, Value)> = vec![
        ("SelectInput", json!("b"), json!("")),
        ("StringListInput", json!(["x", "y"]), json!([])),
        ("FolderPathInput", json!("data/in"), json!("")),
        ("FilePathInput", json!("data/a.txt"), json!("")),
        (
            "ColorInput",
            json!({"type": "color", "value": "#00ff00"}),
            json!({"type": "color", "value": null}),
        ),
        (
            "LanguageModelInput",
            json!({"type": "language_model", "provider": "openai", "id": "gpt-4o", "name": "GPT"}),
            json!({"type": "language_model", "provider": "empty", "id": "", "name": ""}),
        ),
        (
            "ImageModelInput",
            json!({"type": "image_model", "provider": "replicate", "id": "sdxl", "name": ""}),
            json!({"type": "image_model", "provider": "empty", "id": "", "name": ""}),
        ),
        (
            "VideoModelInput",
            json!({"type": "video_model", "provider": "kie", "id": "veo", "name": ""}),
            json!({"type": "video_model", "provider": "empty", "id": "", "name": ""}),
        ),
        (
            "TTSModelInput",
            json!({"type": "tts_model", "provider": "openai", "id": "tts-1", "name": "", "voices": ["a"], "selected_voice": "a"}),
            json!({"type": "tts_model", "provider": "empty", "id": "", "name": "", "voices": [], "selected_voice": ""}),
        ),
        (
            "ASRModelInput",
            json!({"type": "asr_model", "provider": "openai", "id": "whisper-1", "name": ""}),
            json!({"type": "asr_model", "provider": "empty", "id": "", "name": ""}),
        ),
        (
            "EmbeddingModelInput",
            json!({"type": "embedding_model", "provider": "openai", "id": "e3", "name": "", "dimensions": 3072}),
            json!({"type": "embedding_model", "provider": "empty", "id": "", "name": "", "dimensions": 0}),
        ),
        (
            "DocumentInput",
            json!({"type": "document", "uri": "file:///w/a.pdf", "asset_id": null, "data": null}),
            empty_ref("document"),
        ),
        (
            "ImageInput",
            json!({"type": "image", "uri": "", "asset_id": "img", "data": null}),
            empty_ref("image"),
        ),
        (
            "VideoInput",
            json!({"type": "video", "uri": "v.mp4", "asset_id": null, "data": null}),
            empty_ref("video"),
        ),
        (
            "AudioInput",
            json!({"type": "audio", "uri": "", "asset_id": null, "data": "UklGRg=="}),
            empty_ref("audio"),
        ),
        (
            "Model3DInput",
            json!({"type": "model_3d", "uri": "m.glb", "asset_id": null, "data": null, "format": "glb"}),
            empty_ref("model_3d"),
        ),
        (
            "AssetFolderInput",
            json!({"type": "folder", "uri": "", "asset_id": "f1", "data": null}),
            empty_ref("folder"),
        ),
        ("MessageListInput", json!([]), json!([])),
    ];
    for (node, param, default) in cases {
        assert_eq!(
            input(node, json!({}), Some(param.clone())).await.unwrap(),
            param,
            "{node}"
        );
        assert_eq!(
            input(node, json!({}), None).await.unwrap(),
            default,
            "{node}"
        );
    }
    // A value in the graph is used when no parameter is given.
    assert_eq!(
        input(
            "SelectInput",
            json!({"value": "a", "options": ["a", "b"]}),
            None
        )
        .await
        .unwrap(),
        json!("a")
    );
    let df = json!({"type": "dataframe", "uri": "", "asset_id": null, "data": [[1]],
                    "metadata": null, "columns": null});
    assert_eq!(
        input("DataframeInput", json!({}), Some(df.clone()))
            .await
            .unwrap(),
        df
    );
}

#[tokio::test]
async fn input_parameters_of_the_wrong_type_are_refused() {
    for (node, bad) in [
        ("SelectInput", json!(3)),
        ("StringListInput", json!(["a", 1])),
        ("ColorInput", json!({"type": "color", "value": 1})),
        ("LanguageModelInput", json!({"type": "image_model"})),
        ("TTSModelInput", json!({"voices": [1]})),
        ("ImageInput", json!({"type": "audio", "uri": ""})),
        ("Model3DInput", json!("m.glb")),
        ("AssetFolderInput", json!({"type": "image"})),
        ("MessageInput", json!({"role": 1})),
        ("MessageListInput", json!([{"role": "user"}, "hi"])),
    ] {
        let e = input(node, json!({}), Some(bad)).await.unwrap_err();
        assert!(
            e.contains("`p`"),
            "{node}: the error should name the parameter: {e}"
        );
    }
}

#[tokio::test]
async fn message_inputs_keep_every_field() {
    let msg = json!({"type": "message", "role": "user", "content": [{"type": "text", "text": "hi"}],
                     "thread_id": "t1", "created_at": "2024-01-01T00:00:00", "custom": 1});
    let out = input("MessageInput", json!({}), Some(msg)).await.unwrap();
    let mut expected = message_default();
    expected["role"] = json!("user");
    expected["content"] = json!([{"type": "text", "text": "hi"}]);
    expected["thread_id"] = json!("t1");
    expected["created_at"] = json!("2024-01-01T00:00:00");
    expected["custom"] = json!(1);
    assert_eq!(out, expected);
    assert_eq!(
        input("MessageInput", json!({}), None).await.unwrap(),
        message_default()
    );
    let list = input(
        "MessageListInput",
        json!({}),
        Some(json!([{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}])),
    )
    .await
    .unwrap();
    assert_eq!(list[1]["content"], "b");
    assert_eq!(list[1]["type"], "message");
}

#[tokio::test]
async fn document_file_input_makes_a_workspace_file_reference() {
    let (_dir, ctx) = workspace();
    let root = ctx.workspace().unwrap().root().to_str().unwrap().to_owned();
    let doc = input_in(
        "DocumentFileInput",
        json!({}),
        Some(json!("docs/my report.pdf")),
        "document",
        &ctx,
    )
    .await
    .unwrap();
    assert_eq!(doc["type"], "document");
    assert_eq!(doc["uri"], format!("file://{root}/docs/my%20report.pdf"));
    let path = input_in(
        "DocumentFileInput",
        json!({}),
        Some(json!("docs/a.txt")),
        "path",
        &ctx,
    )
    .await
    .unwrap();
    assert_eq!(path, json!("docs/a.txt"));
    // The reference reads the file through the workspace.
    ctx.workspace()
        .unwrap()
        .write("docs/a.txt", b"hello")
        .unwrap();
    let doc = input_in(
        "DocumentFileInput",
        json!({}),
        Some(json!("docs/a.txt")),
        "document",
        &ctx,
    )
    .await
    .unwrap();
    let r = nodetool::metadata::AssetRef::from_value(doc).unwrap();
    assert_eq!(&ctx.asset_bytes(&r).await.unwrap()[..], b"hello");
    // Empty: an empty document.
    let doc = input_in("DocumentFileInput", json!({}), None, "document", &ctx)
        .await
        .unwrap();
    assert_eq!(doc, empty_ref("document"));
    for bad in ["/etc/passwd", "../x.pdf", "~/x.pdf"] {
        let e = input_in(
            "DocumentFileInput",
            json!({}),
            Some(json!(bad)),
            "document",
            &ctx,
        )
        .await
        .unwrap_err();
        assert!(e.starts_with("value: "), "{bad}: {e}");
    }
    let e = input_in(
        "DocumentFileInput",
        json!({}),
        Some(json!("a.pdf")),
        "document",
        &ProcessingContext::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(e, "value: this run has no workspace");
}

#[tokio::test]
async fn string_input_truncates_and_other_inputs_keep_working() {
    assert_eq!(
        input(
            "StringInput",
            json!({"max_length": 2}),
            Some(json!("héllo"))
        )
        .await
        .unwrap(),
        json!("hé")
    );
    assert_eq!(
        input("IntegerInput", json!({}), Some(json!(5)))
            .await
            .unwrap(),
        json!(5)
    );
}

#[tokio::test]
async fn message_deconstructor_splits_a_message() {
    let node = "nodetool.input.MessageDeconstructor";
    let parts = |msg: Value| {
        let node = node.to_owned();
        async move {
            let ctx = ProcessingContext::default();
            let mut out = Map::new();
            for handle in ["id", "thread_id", "role", "text", "image", "audio", "model"] {
                let v = run_output(&node, json!({"value": msg.clone()}), handle, &ctx).await?;
                out.insert(handle.to_owned(), v);
            }
            Ok::<Value, String>(Value::Object(out))
        }
    };
    let img = json!({"type": "image", "uri": "a.png", "asset_id": null, "data": null});
    let aud = json!({"type": "audio", "uri": "b.wav", "asset_id": null, "data": null});
    let got = parts(json!({"id": "m1", "thread_id": "t", "role": "user",
        "content": [{"type": "text", "text": "first"}, {"type": "image_url", "image": img},
                    {"type": "audio", "audio": aud}, {"type": "text", "text": "last"},
                    {"type": "video", "video": {"type": "video", "uri": "v"}}],
        "provider": "openai", "model": "gpt-4o"}))
    .await
    .unwrap();
    assert_eq!(
        got,
        json!({"id": "m1", "thread_id": "t", "role": "user", "text": "last", "image": img,
               "audio": aud,
               "model": {"type": "language_model", "provider": "openai", "id": "gpt-4o", "name": ""}})
    );
    let got = parts(json!({"role": "assistant", "content": "plain", "model": "m"}))
        .await
        .unwrap();
    assert_eq!(got["text"], "plain");
    assert_eq!(got["model"], Value::Null, "no provider, no model");
    assert_eq!(got["id"], Value::Null);
    let got = parts(json!({"content": {"text": "ignored"}}))
        .await
        .unwrap();
    assert_eq!(got["text"], "");
    assert_eq!(got["role"], "");
    let fail = |value: Value| async move {
        run_output(
            node,
            json!({"value": value}),
            "role",
            &ProcessingContext::default(),
        )
        .await
        .unwrap_err()
    };
    let e = fail(json!({"provider": "nope", "model": "m", "content": "x"})).await;
    assert_eq!(e, "value: 'nope' is not a valid Provider");
    let e = fail(json!({"content": [{"type": "image_url", "image": {"type": "audio"}}]})).await;
    assert!(e.starts_with("value: content item 0"), "{e}");
    let e = fail(json!({"content": [{"type": "text", "text": 5}]})).await;
    assert!(e.starts_with("value: content item 0"), "{e}");
    let e = fail(json!("hello")).await;
    assert_names_property(&e, "value");
}

#[tokio::test]
async fn output_returns_its_value_when_nothing_arrives() {
    let result = run_graph(
        json!({"nodes": [{"id": "o", "type": "nodetool.output.Output",
                          "data": {"name": "x", "value": [1, 2]}}], "edges": []}),
        &ProcessingContext::default(),
    )
    .await
    .unwrap();
    assert_eq!(result.get("x"), Some(&json!([1, 2])));
}

// ---------------------------------------------------------------------------------------
// Dictionaries.

#[tokio::test]
async fn reduce_dictionaries_with_the_key_as_the_value() {
    let rows = json!([{"id": "x", "v": 1}, {"id": "y", "v": 2}]);
    assert_eq!(
        ok(
            &format!("{D}ReduceDictionaries"),
            json!({"dictionaries": rows, "key_field": "id", "value_field": "id"})
        )
        .await,
        json!({"x": "x", "y": "y"})
    );
    let e = err(
        &format!("{D}ReduceDictionaries"),
        json!({"dictionaries": rows, "key_field": "id", "value_field": "w"}),
    )
    .await;
    assert_eq!(e, "Value field 'w' not found in dictionary");
}

#[tokio::test]
async fn filter_dict_by_value() {
    let items = json!([
        {"k": "apple pie", "n": 1},
        {"k": "banana", "n": 2},
        {"k": ["a", "b", "c"], "n": 3},
        {"k": true, "n": 4},
        {"k": null, "n": 5},
        {"k": 1.0, "n": 6},
        {"other": "apple", "n": 7},
        "not a dict",
        {"k": {"x": 1}, "n": 8},
        {"k": "ünï", "n": 9}
    ]);
    let ns = |v: Value| -> Vec<i64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|d| d["n"].as_i64().unwrap())
            .collect()
    };
    let run = |filter_type: &str, criteria: &str| {
        let data = json!({"key": "k", "filter_type": filter_type, "criteria": criteria});
        let items = items.clone();
        async move { ns(filter("FilterDictByValue", data, items, &[]).await.unwrap()) }
    };
    assert_eq!(run("contains", "an").await, [2]);
    assert_eq!(run("contains", "'b'").await, [3], "str() of a list");
    assert_eq!(run("contains", "").await, [1, 2, 3, 4, 5, 6, 8, 9]);
    assert_eq!(run("starts_with", "app").await, [1]);
    assert_eq!(run("ends_with", "ue").await, [4], "str(True)");
    assert_eq!(run("equals", "None").await, [5]);
    assert_eq!(run("equals", "1.0").await, [6]);
    assert_eq!(run("equals", "{'x': 1}").await, [8]);
    assert_eq!(run("type_is", "list").await, [3]);
    assert_eq!(run("type_is", "bool").await, [4]);
    assert_eq!(run("type_is", "NoneType").await, [5]);
    assert_eq!(run("type_is", "float").await, [6]);
    assert_eq!(run("type_is", "dict").await, [8]);
    assert_eq!(run("length_greater", " 5 ").await, [1, 2]);
    assert_eq!(run("length_less", "3").await, [8], "a dict has a length");
    assert_eq!(
        run("exact_length", "3").await,
        [3, 9],
        "characters, not bytes"
    );
    assert_eq!(
        run("exact_length", "3.0").await,
        Vec::<i64>::new(),
        "int('3.0') fails"
    );
    assert_eq!(run("length_greater", "").await, Vec::<i64>::new());
    // Nothing streamed in: nothing comes out.
    let none = filter("FilterDictByValue", json!({"key": "k"}), json!([]), &[])
        .await
        .unwrap();
    assert_eq!(none, json!([]));
    // A key streamed in applies to the dictionaries after it: the key reaches the filter
    // before the dictionary made from it.
    let graph = json!({
        "nodes": [
            {"id": "key", "type": "nodetool.constant.String", "data": {"value": "k"}},
            {"id": "zip", "type": "nodetool.dictionary.Zip", "data": {"values": ["apple"]}},
            {"id": "f", "type": format!("{D}FilterDictByValue"),
             "data": {"key": "nope", "criteria": "apple"}},
            {"id": "c", "type": "nodetool.control.Collect", "data": {}},
            {"id": "o", "type": "nodetool.output.Output", "data": {"name": "out"}}
        ],
        "edges": [
            {"source": "key", "sourceHandle": "output", "target": "f", "targetHandle": "key"},
            {"source": "key", "sourceHandle": "output", "target": "zip", "targetHandle": "keys"},
            {"source": "zip", "sourceHandle": "output", "target": "f", "targetHandle": "value"},
            {"source": "f", "sourceHandle": "output", "target": "c", "targetHandle": "input_item"},
            {"source": "c", "sourceHandle": "output", "target": "o", "targetHandle": "value"}
        ]
    });
    let result = run_graph(graph, &ProcessingContext::default())
        .await
        .unwrap();
    assert_eq!(result.get("out"), Some(&json!([{"k": "apple"}])));
    let e = filter(
        "FilterDictByValue",
        json!({}),
        json!([{"k": 1}]),
        &[("key", json!(3))],
    )
    .await
    .unwrap_err();
    assert!(e.starts_with("key: expected str"), "{e}");
    let e = filter(
        "FilterDictByValue",
        json!({"filter_type": "bigger"}),
        json!([]),
        &[],
    )
    .await
    .unwrap_err();
    assert_names_property(&e, "filter_type");
}

#[tokio::test]
async fn filter_dict_by_range_and_number() {
    let items = json!([
        {"v": -2}, {"v": 0}, {"v": 1.5}, {"v": 3}, {"v": 5}, {"v": true}, {"v": "4"},
        {"v": 2.0}, {"v": null}, {"w": 1}
    ]);
    let vs = |v: Value| -> Vec<Value> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|d| d["v"].clone())
            .collect()
    };
    let range = |min: f64, max: f64, inclusive: bool| {
        let data = json!({"key": "v", "min_value": min, "max_value": max, "inclusive": inclusive});
        let items = items.clone();
        async move { vs(filter("FilterDictByRange", data, items, &[]).await.unwrap()) }
    };
    assert_eq!(
        range(0.0, 3.0, true).await,
        [json!(0), json!(1.5), json!(3), json!(true), json!(2.0)]
    );
    assert_eq!(
        range(0.0, 3.0, false).await,
        [json!(1.5), json!(true), json!(2.0)]
    );
    assert_eq!(range(5.0, 0.0, true).await, Vec::<Value>::new());
    // The defaults: 0 <= v <= 0.
    assert_eq!(
        vs(
            filter("FilterDictByRange", json!({"key": "v"}), items.clone(), &[])
                .await
                .unwrap()
        ),
        [json!(0)]
    );
    let e = filter(
        "FilterDictByRange",
        json!({"key": "v"}),
        json!([]),
        &[("min_value", json!("1"))],
    )
    .await
    .unwrap_err();
    assert!(e.starts_with("min_value: expected float"), "{e}");

    let number = |filter_type: &str, compare: f64| {
        let data = json!({"key": "v", "filter_type": filter_type, "compare_value": compare});
        let items = items.clone();
        async move {
            vs(filter("FilterDictByNumber", data, items, &[])
                .await
                .unwrap())
        }
    };
    assert_eq!(
        number("greater_than", 1.5).await,
        [json!(3), json!(5), json!(2.0)]
    );
    assert_eq!(number("less_than", 1.0).await, [json!(-2), json!(0)]);
    assert_eq!(number("equal_to", 1.0).await, [json!(true)]);
    assert_eq!(number("equal_to", 2.0).await, [json!(2.0)]);
    assert_eq!(
        number("even", 0.0).await,
        [json!(-2), json!(0)],
        "2.0 is a float"
    );
    assert_eq!(number("odd", 0.0).await, [json!(3), json!(5), json!(true)]);
    assert_eq!(
        number("positive", 0.0).await,
        [json!(1.5), json!(3), json!(5), json!(true), json!(2.0)]
    );
    assert_eq!(number("negative", 0.0).await, [json!(-2)]);
    let e = filter(
        "FilterDictByNumber",
        json!({"compare_value": "x"}),
        json!([]),
        &[],
    )
    .await
    .unwrap_err();
    assert_names_property(&e, "compare_value");
}

#[tokio::test]
async fn filter_dict_regex() {
    let items = json!([
        {"email": "ann@example.com"}, {"email": "bob at example"}, {"email": 42},
        {"email": "x@y.org trailing"}, {"name": "no email"}
    ]);
    let run = |pattern: &str, full: bool| {
        let data = json!({"key": "email", "pattern": pattern, "full_match": full});
        let items = items.clone();
        async move { filter("FilterDictRegex", data, items, &[]).await.unwrap() }
    };
    let emails = |v: Value| -> Vec<Value> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|d| d["email"].clone())
            .collect()
    };
    assert_eq!(
        emails(run(r"\w+@\w+\.\w+", false).await),
        [json!("ann@example.com"), json!("x@y.org trailing")]
    );
    assert_eq!(
        emails(run(r"\w+@\w+\.\w+", true).await),
        [json!("ann@example.com")]
    );
    assert_eq!(
        emails(run(r"^\d+$", false).await),
        [json!(42)],
        "str() of a number"
    );
    assert_eq!(
        emails(run("", false).await).len(),
        4,
        "an empty pattern matches all"
    );
    assert_eq!(emails(run("", true).await), Vec::<Value>::new());
    // Python syntax: a named group and \Z.
    assert_eq!(
        emails(run(r"(?P<u>\w+)@example\.com\Z", false).await).len(),
        1
    );
    // An invalid pattern skips everything, as in NodeTool.
    assert_eq!(run("(unclosed", false).await, json!([]));
    let e = filter(
        "FilterDictRegex",
        json!({"full_match": "yes"}),
        json!([]),
        &[],
    )
    .await
    .unwrap_err();
    assert_names_property(&e, "full_match");
}

// ---------------------------------------------------------------------------------------
// CSV files.

#[tokio::test]
async fn load_csv_file_reads_like_python() {
    let (_dir, ctx) = workspace();
    let ws = ctx.workspace().unwrap();
    ws.write(
        "data/people.csv",
        "name,city,note\r\n\"Doe, Jane\",Zürich,\"said \"\"hi\"\"\nthen left\"\r\n\r\nBob,Paris\r\nEve,Rome,x,extra1,extra2\n".as_bytes(),
    )
    .unwrap();
    let rows = run_node_in(
        &format!("{D}LoadCSVFile"),
        json!({"path": "data/people.csv"}),
        &ctx,
    )
    .await
    .unwrap();
    assert_eq!(
        rows,
        json!([
            {"name": "Doe, Jane", "city": "Zürich", "note": "said \"hi\"\nthen left"},
            {"name": "Bob", "city": "Paris", "note": null},
            {"name": "Eve", "city": "Rome", "note": "x", "null": ["extra1", "extra2"]}
        ])
    );
    ws.write("empty.csv", b"").unwrap();
    ws.write("header.csv", b"a,b\n").unwrap();
    for path in ["empty.csv", "header.csv"] {
        assert_eq!(
            run_node_in(&format!("{D}LoadCSVFile"), json!({"path": path}), &ctx)
                .await
                .unwrap(),
            json!([])
        );
    }
    ws.write("latin.csv", b"a\n\xe9\n").unwrap();
    let cases = [
        ("", "path cannot be empty"),
        ("missing.csv", "path: file not found: `missing.csv`"),
        ("data", "path: file not found: `data`"),
        ("/etc/passwd", "path: `/etc/passwd` is absolute"),
        ("~/a.csv", "path: `~/a.csv` starts with `~`"),
        ("../a.csv", "path: `../a.csv` is outside the workspace"),
        ("latin.csv", "path: `latin.csv` is not UTF-8"),
    ];
    for (path, expected) in cases {
        let e = run_node_in(&format!("{D}LoadCSVFile"), json!({"path": path}), &ctx)
            .await
            .unwrap_err();
        assert!(e.starts_with(expected), "{path}: {e}");
    }
    let e = run_node(&format!("{D}LoadCSVFile"), json!({"path": "a.csv"}))
        .await
        .unwrap_err();
    assert_eq!(e, "path: this run has no workspace");
}

#[tokio::test]
async fn save_csv_file_writes_like_python_and_reads_back() {
    let (_dir, ctx) = workspace();
    let ws = ctx.workspace().unwrap();
    ws.create_dir("out", true).unwrap();
    let data = json!([
        {"name": "Doe, Jane", "n": 1, "ok": true},
        {"name": "multi\nline \"q\"", "n": 2.5, "ok": null},
        {"n": 3}
    ]);
    let save = |data: Value, folder: &str, filename: &str| {
        let data = json!({"data": data, "folder": folder, "filename": filename});
        let ctx = ctx.clone();
        async move {
            run_graph(
                json!({"nodes": [{"id": "s", "type": format!("{D}SaveCSVFile"), "data": data}],
                       "edges": []}),
                &ctx,
            )
            .await
            .map(|_| ())
        }
    };
    save(data.clone(), "out", "people.csv").await.unwrap();
    assert_eq!(
        String::from_utf8(ws.read("out/people.csv").unwrap()).unwrap(),
        "name,n,ok\r\n\"Doe, Jane\",1,True\r\n\"multi\nline \"\"q\"\"\",2.5,\r\n,3,\r\n"
    );
    let back = run_node_in(
        &format!("{D}LoadCSVFile"),
        json!({"path": "out/people.csv"}),
        &ctx,
    )
    .await
    .unwrap();
    assert_eq!(
        back[0],
        json!({"name": "Doe, Jane", "n": "1", "ok": "True"})
    );
    assert_eq!(back[1]["name"], "multi\nline \"q\"");
    // strftime codes in the file name (UTC), and the workspace root as ".".
    save(json!([{"a": 1}]), ".", "log_%Y.csv").await.unwrap();
    let year = chrono_year();
    assert!(ws.exists(&format!("log_{year}.csv")).unwrap());
    let cases = [
        (json!([]), "out", "a.csv", "'data' field cannot be empty"),
        (data.clone(), "", "a.csv", "folder cannot be empty"),
        (data.clone(), "out", "", "filename cannot be empty"),
        (
            data.clone(),
            "nope",
            "a.csv",
            "folder: Folder does not exist: `nope`",
        ),
        (data.clone(), "/tmp", "a.csv", "folder: `/tmp` is absolute"),
        (data.clone(), "~", "a.csv", "folder: `~` starts with `~`"),
        (
            data.clone(),
            "out",
            "../a.csv",
            "filename: `out/../a.csv` is outside the workspace",
        ),
        (
            data.clone(),
            "out",
            "/a.csv",
            "filename: `/a.csv` is absolute",
        ),
        (
            json!([{"a": 1}, {"a": 2, "b": 3}]),
            "out",
            "x.csv",
            "data: row 1: dict contains fields not in fieldnames: 'b'",
        ),
    ];
    for (data, folder, filename, expected) in cases {
        let e = save(data, folder, filename).await.unwrap_err();
        assert!(e.starts_with(expected), "{folder}/{filename}: {e}");
    }
    assert!(!ws.exists("out/x.csv").unwrap(), "nothing written on error");
    let e = save(json!([1]), "out", "a.csv").await.unwrap_err();
    assert_names_property(&e, "data");
    let e = run_graph(
        json!({"nodes": [{"id": "s", "type": format!("{D}SaveCSVFile"),
                          "data": {"data": [{"a": 1}], "folder": "out", "filename": "a.csv"}}],
               "edges": []}),
        &ProcessingContext::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(e, "folder: this run has no workspace");
}

/// The current UTC year.
fn chrono_year() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // Days since 1970 → civil year (Howard Hinnant's algorithm).
    let days = (secs / 86_400) as i64 + 719_468;
    let era = days.div_euclid(146_097);
    let doe = days - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    yoe + era * 400 + i64::from(month <= 2)
}
