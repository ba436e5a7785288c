//! `nodetool.input`: a workflow's parameters. Each input node's `value` is set from the run
//! parameter named by its `name`.
//!
//! The runner runs input nodes, so each one emits its `value` (also an empty reference or
//! message, which NodeTool's runner does not push). `RealtimeAudioInput` (audio chunks streamed
//! in while the run goes on) is in [`crate::realtime`] (feature `realtime`); not here:
//! `HuggingFaceModelInput`.

use nodetool::metadata::{
    ASRModel, AudioRef, ColorRef, DataframeRef, DocumentRef, EmbeddingModel, FolderRef, ImageModel,
    ImageRef, LanguageModel, Message, Model3DRef, TTSModel, VideoModel, VideoRef,
};
use nodetool::prelude::*;
use serde_json::Value;

/// An input node with NodeTool's `name`, `value` and `description` properties: the run's
/// parameter `name` sets `value`, which goes out unchanged.
macro_rules! input_node {
    ($(#[$meta:meta])* struct $name:ident: $ty:ty { $(#[$field:meta])* }) => {
        $(#[$meta])*
        pub struct $name {
            /// The parameter name for the workflow.
            #[input(default = "")]
            pub name: String,
            $(#[$field])*
            pub value: $ty,
            /// The description of the input for the workflow.
            #[input(default = "")]
            pub description: String,
        }

        #[node]
        impl $name {
            async fn process(&self, _ctx: &ProcessingContext) -> Result<$ty> {
                Ok(self.value.clone())
            }
        }
    };
}

/// Accepts a string value as a parameter for workflows.
/// input, parameter, string, text, label, name, value
///
/// `max_length` (in characters) cuts the value when it is not 0.
#[node(namespace = "nodetool.input", role = "input")]
pub struct StringInput {
    /// The parameter name for the workflow.
    #[input(default = "")]
    pub name: String,
    /// The value.
    #[input(default = "")]
    pub value: String,
    /// The description of the input for the workflow.
    #[input(default = "")]
    pub description: String,
    /// Maximum number of characters allowed. Use 0 for unlimited.
    #[input(default = 0, min = 0, max = 100000, title = "Max length")]
    pub max_length: i64,
    /// Controls whether the UI should render the input as single-line or multiline.
    #[input(default = "single_line", title = "Line mode")]
    pub line_mode: String,
}

impl Process for StringInput {
    type Output = String;

    async fn process(&self, _ctx: &ProcessingContext) -> Result<String> {
        let limit = usize::try_from(self.max_length).unwrap_or(0);
        Ok(match self.value.char_indices().nth(limit) {
            Some((cut, _)) if limit > 0 => self.value[..cut].to_owned(),
            _ => self.value.clone(),
        })
    }
}

/// Accepts an integer (whole number) as a parameter for workflows, typically constrained by a minimum and maximum value.  This input is used for discrete numeric values like counts, indices, or iteration limits.
/// input, parameter, integer, number, count, index, whole_number
#[node(namespace = "nodetool.input", role = "input")]
pub struct IntegerInput {
    /// The parameter name for the workflow.
    #[input(default = "")]
    pub name: String,
    /// The value.
    #[input(default = 0)]
    pub value: i64,
    /// The description of the input for the workflow.
    #[input(default = "")]
    pub description: String,
    /// The smallest value a UI offers.
    #[input(default = 0)]
    pub min: i64,
    /// The largest value a UI offers.
    #[input(default = 99999)]
    pub max: i64,
}

impl Process for IntegerInput {
    type Output = i64;

    async fn process(&self, _ctx: &ProcessingContext) -> Result<i64> {
        Ok(self.value)
    }
}

/// Accepts a floating-point number as a parameter for workflows, typically constrained by a minimum and maximum value.  This input allows for precise numeric settings, such as adjustments, scores, or any value requiring decimal precision.
/// input, parameter, float, number, decimal, range
#[node(namespace = "nodetool.input", role = "input")]
pub struct FloatInput {
    /// The parameter name for the workflow.
    #[input(default = "")]
    pub name: String,
    /// The value.
    #[input(default = 0.0)]
    pub value: f64,
    /// The description of the input for the workflow.
    #[input(default = "")]
    pub description: String,
    /// The smallest value a UI offers.
    #[input(default = 0.0)]
    pub min: f64,
    /// The largest value a UI offers.
    #[input(default = 99999.0)]
    pub max: f64,
}

impl Process for FloatInput {
    type Output = f64;

    async fn process(&self, _ctx: &ProcessingContext) -> Result<f64> {
        Ok(self.value)
    }
}

/// Accepts a boolean (true/false) value as a parameter for workflows.  This input is used for binary choices, enabling or disabling features, or controlling conditional logic paths.
/// input, parameter, boolean, bool, toggle, switch, flag
#[node(namespace = "nodetool.input", role = "input")]
pub struct BooleanInput {
    /// The parameter name for the workflow.
    #[input(default = "")]
    pub name: String,
    /// The value.
    #[input(default = false)]
    pub value: bool,
    /// The description of the input for the workflow.
    #[input(default = "")]
    pub description: String,
}

impl Process for BooleanInput {
    type Output = bool;

    async fn process(&self, _ctx: &ProcessingContext) -> Result<bool> {
        Ok(self.value)
    }
}

input_node! {
    /// Accepts a list of strings as a parameter for workflows.
    /// input, parameter, string, text, label, name, value
    #[node(namespace = "nodetool.input", role = "input")]
    struct StringListInput: Vec<String> {
        /// The list of strings to use as input.
        #[input(default)]
    }
}

input_node! {
    /// Accepts a folder path as a parameter for workflows.
    /// input, parameter, folder, path, folderpath, local_folder, filesystem
    ///
    /// The path is passed on as text; nodes that use it resolve it (in the workspace).
    #[node(namespace = "nodetool.input", role = "input")]
    struct FolderPathInput: String {
        /// The folder path to use as input.
        #[input(default = "")]
    }
}

input_node! {
    /// Accepts a color value as a parameter for workflows.
    /// input, parameter, color, color_picker, color_input
    #[node(namespace = "nodetool.input", role = "input")]
    struct ColorInput: ColorRef {
        /// The color to use as input.
        #[input(default)]
    }
}

input_node! {
    /// Accepts a language model as a parameter for workflows.
    /// input, parameter, model, language, model_name
    #[node(namespace = "nodetool.input", role = "input")]
    struct LanguageModelInput: LanguageModel {
        /// The language model to use as input.
        #[input(default)]
    }
}

input_node! {
    /// Accepts an image generation model as a parameter for workflows.
    /// input, parameter, model, image, generation
    #[node(namespace = "nodetool.input", role = "input")]
    struct ImageModelInput: ImageModel {
        /// The image generation model to use as input.
        #[input(default)]
    }
}

input_node! {
    /// Accepts a video generation model as a parameter for workflows.
    /// input, parameter, model, video, generation
    #[node(namespace = "nodetool.input", role = "input")]
    struct VideoModelInput: VideoModel {
        /// The video generation model to use as input.
        #[input(default)]
    }
}

input_node! {
    /// Accepts a text-to-speech model as a parameter for workflows.
    /// input, parameter, model, tts, speech, voice
    #[node(namespace = "nodetool.input", title = "TTSModel Input", role = "input")]
    struct TTSModelInput: TTSModel {
        /// The text-to-speech model to use as input.
        #[input(default)]
    }
}

input_node! {
    /// Accepts an automatic speech recognition model as a parameter for workflows.
    /// input, parameter, model, asr, transcription, speech
    #[node(namespace = "nodetool.input", title = "ASRModel Input", role = "input")]
    struct ASRModelInput: ASRModel {
        /// The speech recognition model to use as input.
        #[input(default)]
    }
}

input_node! {
    /// Accepts an embedding model as a parameter for workflows.
    /// input, parameter, model, embedding, vector
    #[node(namespace = "nodetool.input", role = "input")]
    struct EmbeddingModelInput: EmbeddingModel {
        /// The embedding model to use as input.
        #[input(default)]
    }
}

input_node! {
    /// Accepts a reference to a dataframe asset for workflows.
    /// input, parameter, dataframe, table, data
    #[node(namespace = "nodetool.input", role = "input")]
    struct DataframeInput: DataframeRef {
        /// The dataframe to use as input.
        #[input(default)]
    }
}

input_node! {
    /// Accepts a reference to a document asset for workflows, specified by a 'DocumentRef'.  A 'DocumentRef' points to a structured document (e.g., PDF, DOCX, TXT) which can be processed or analyzed. This node is used when the workflow needs to operate on a document as a whole entity, potentially including its structure and metadata, rather than just raw text.
    /// input, parameter, document, file, asset, reference
    #[node(namespace = "nodetool.input", role = "input")]
    struct DocumentInput: DocumentRef {
        /// The document to use as input.
        #[input(default)]
    }
}

input_node! {
    /// Accepts a reference to an image asset for workflows, specified by an 'ImageRef'.  An 'ImageRef' points to image data that can be used for display, analysis, or processing by vision models.
    /// input, parameter, image, picture, graphic, visual, asset
    #[node(namespace = "nodetool.input", role = "input")]
    struct ImageInput: ImageRef {
        /// The image to use as input.
        #[input(default)]
    }
}

input_node! {
    /// Accepts a reference to a video asset for workflows, specified by a 'VideoRef'.  A 'VideoRef' points to video data that can be used for playback, analysis, frame extraction, or processing by video-capable models.
    /// input, parameter, video, movie, clip, visual, asset
    #[node(namespace = "nodetool.input", role = "input")]
    struct VideoInput: VideoRef {
        /// The video to use as input.
        #[input(default)]
    }
}

input_node! {
    /// Accepts a reference to an audio asset for workflows, specified by an 'AudioRef'.  An 'AudioRef' points to audio data that can be used for playback, transcription, analysis, or processing by audio-capable models.
    /// input, parameter, audio, sound, voice, speech, asset
    #[node(namespace = "nodetool.input", role = "input")]
    struct AudioInput: AudioRef {
        /// The audio to use as input.
        #[input(default)]
    }
}

input_node! {
    /// Accepts a reference to a 3D model asset for workflows, specified by a 'Model3DRef'.
    /// input, parameter, 3d, model, mesh, obj, glb, stl, ply, asset
    ///
    /// A 'Model3DRef' points to 3D model data that can be used for visualization, processing,
    /// or conversion by 3D-capable nodes.
    #[node(namespace = "nodetool.input", title = "Model 3D Input", role = "input")]
    struct Model3DInput: Model3DRef {
        /// The 3D model to use as input.
        #[input(default)]
    }
}

input_node! {
    /// Accepts an asset folder as a parameter for workflows.
    /// input, parameter, folder, path, folderpath, local_folder, filesystem
    #[node(namespace = "nodetool.input", role = "input")]
    struct AssetFolderInput: FolderRef {
        /// The folder to use as input.
        #[input(default)]
    }
}

input_node! {
    /// Accepts a local filesystem path (to a file or directory) as input for workflows.
    /// input, parameter, path, filepath, directory, local_file, filesystem
    ///
    /// The path is passed on as text; nodes that use it resolve it (in the workspace).
    #[node(namespace = "nodetool.input", role = "input")]
    struct FilePathInput: String {
        /// The path to use as input.
        #[input(default = "")]
    }
}

input_node! {
    /// Accepts a chat message object for workflows.
    /// input, parameter, message, chat, conversation
    #[node(namespace = "nodetool.input", role = "input")]
    struct MessageInput: Message {
        /// The message object containing role, content, and metadata.
        #[input(default)]
    }
}

input_node! {
    /// Accepts a list of chat message objects for workflows.
    /// input, parameter, messages, chat, conversation, history
    #[node(namespace = "nodetool.input", role = "input")]
    struct MessageListInput: Vec<Message> {
        /// The list of message objects representing chat history.
        #[input(default)]
    }
}

/// Accepts a selection from a predefined set of options as a parameter for workflows.
/// input, parameter, select, enum, dropdown, choice, options
///
/// The value is passed on as it is, not checked against `options` (as in NodeTool).
#[node(namespace = "nodetool.input", role = "input")]
pub struct SelectInput {
    /// The parameter name for the workflow.
    #[input(default = "")]
    pub name: String,
    /// The currently selected value.
    #[input(default = "")]
    pub value: String,
    /// The description of the input for the workflow.
    #[input(default = "")]
    pub description: String,
    /// The list of available options to choose from.
    #[input(default)]
    pub options: Vec<String>,
    /// The enum type name this select corresponds to (for type matching).
    #[input(default = "")]
    pub enum_type_name: String,
}

impl Process for SelectInput {
    type Output = String;

    async fn process(&self, _ctx: &ProcessingContext) -> Result<String> {
        Ok(self.value.clone())
    }
}

/// The outputs of [`DocumentFileInput`].
#[derive(Outputs)]
pub struct DocumentFileOutputs {
    /// The file as a document reference (a `file://` URI inside the workspace).
    pub document: DocumentRef,
    /// The path as given.
    pub path: String,
}

/// Accepts a local file path pointing to a document and converts it into a 'DocumentRef'.
/// input, parameter, document, file, path, local_file, load
///
/// The path is relative to the run's workspace (absolute paths, `..` and `~` are refused);
/// the document's URI is its `file://` URL. The file need not exist yet. An empty path gives
/// an empty document. (NodeTool's node has no `process`: its runner pushes the path on
/// `document`.)
#[node(namespace = "nodetool.input", role = "input")]
pub struct DocumentFileInput {
    /// The parameter name for the workflow.
    #[input(default = "")]
    pub name: String,
    /// The path to the document file.
    #[input(default = "")]
    pub value: String,
    /// The description of the input for the workflow.
    #[input(default = "")]
    pub description: String,
}

impl Process for DocumentFileInput {
    type Output = DocumentFileOutputs;

    async fn process(&self, ctx: &ProcessingContext) -> Result<DocumentFileOutputs> {
        let path = self.value.clone();
        if path.is_empty() {
            return Ok(DocumentFileOutputs {
                document: DocumentRef::default(),
                path,
            });
        }
        if path.starts_with('~') {
            return Err(format!(
                "value: `{path}` starts with `~`: there is no home folder here, paths are \
                 relative to the workspace"
            )
            .into());
        }
        let workspace = ctx.workspace().ok_or("value: this run has no workspace")?;
        let full = workspace
            .resolve(&path)
            .map_err(|e| format!("value: {e}"))?;
        let text = full
            .to_str()
            .ok_or_else(|| format!("value: the path of `{path}` is not UTF-8"))?;
        Ok(DocumentFileOutputs {
            document: DocumentRef::from_uri(file_uri(text)),
            path,
        })
    }
}

/// The `file://` URL of the absolute POSIX path `path` (bytes outside the unreserved set and
/// `/` percent-encoded).
pub(crate) fn file_uri(path: &str) -> String {
    let mut out = String::from("file://");
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(char::from(byte))
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// The outputs of [`MessageDeconstructor`].
#[derive(Outputs)]
pub struct MessageParts {
    /// The message's id.
    pub id: Option<String>,
    /// The thread it belongs to.
    pub thread_id: Option<String>,
    /// Its role.
    pub role: String,
    /// Its text: the string content, or the last text item.
    pub text: String,
    /// The last image item.
    pub image: Option<ImageRef>,
    /// The last audio item.
    pub audio: Option<AudioRef>,
    /// The model that wrote it, when the message names a provider and a model.
    pub model: Option<LanguageModel>,
}

/// NodeTool's `Provider` values, which a message's `provider` must be one of.
const PROVIDERS: [&str; 36] = [
    "aime",
    "openai",
    "openrouter",
    "anthropic",
    "minimax",
    "replicate",
    "ollama",
    "lmstudio",
    "kie",
    "comfy_local",
    "comfy_runpod",
    "local",
    "llama_cpp",
    "gemini",
    "vllm",
    "empty",
    "mlx",
    "fal_ai",
    "huggingface",
    "huggingface_cohere",
    "huggingface_fal_ai",
    "huggingface_featherless_ai",
    "huggingface_fireworks_ai",
    "huggingface_groq",
    "huggingface_cerebras",
    "huggingface_hf_inference",
    "huggingface_hyperbolic",
    "huggingface_nebius",
    "huggingface_novita",
    "huggingface_nscale",
    "huggingface_openai",
    "huggingface_replicate",
    "huggingface_sambanova",
    "huggingface_scaleway",
    "huggingface_together",
    "huggingface_zai",
];

/// Deconstructs a chat message object into its individual fields.
/// extract, decompose, message, fields, chat
///
/// A string content is the text; in a list of content items the last `text`, `image_url`
/// and `audio` items win (video and document items are ignored); an object content gives
/// nothing. `model` is set when the message has both a provider (one of NodeTool's
/// providers) and a model.
#[node(namespace = "nodetool.input")]
pub struct MessageDeconstructor {
    /// The message object to deconstruct.
    #[input(default)]
    pub value: Message,
}

impl Process for MessageDeconstructor {
    type Output = MessageParts;

    async fn process(&self, _ctx: &ProcessingContext) -> Result<MessageParts> {
        let msg = &self.value;
        let mut parts = MessageParts {
            id: msg.id.clone(),
            thread_id: msg.thread_id.clone(),
            role: msg.role.clone(),
            text: String::new(),
            image: None,
            audio: None,
            model: None,
        };
        match &msg.content {
            Some(Value::String(text)) => parts.text = text.clone(),
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let field = |key: &str| {
                        item.get(key)
                            .cloned()
                            .ok_or_else(|| format!("value: content item {i} has no `{key}`"))
                    };
                    match item.get("type").and_then(Value::as_str) {
                        Some("text") => match field("text")? {
                            Value::String(t) => parts.text = t,
                            other => {
                                return Err(format!(
                                    "value: content item {i}: `text` must be a string, got {other}"
                                )
                                .into())
                            }
                        },
                        Some("image_url") => {
                            parts.image =
                                Some(ImageRef::from_value(field("image")?).map_err(|e| {
                                    format!("value: content item {i}: `image`: {e}")
                                })?)
                        }
                        Some("audio") => {
                            parts.audio =
                                Some(AudioRef::from_value(field("audio")?).map_err(|e| {
                                    format!("value: content item {i}: `audio`: {e}")
                                })?)
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        if let (Some(provider), Some(model)) = (&msg.provider, &msg.model) {
            if !provider.is_empty() && !model.is_empty() {
                if !PROVIDERS.contains(&provider.as_str()) {
                    return Err(format!("value: '{provider}' is not a valid Provider").into());
                }
                parts.model = Some(LanguageModel {
                    provider: provider.clone(),
                    id: model.clone(),
                    name: String::new(),
                });
            }
        }
        Ok(parts)
    }
}
