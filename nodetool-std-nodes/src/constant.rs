//! `nodetool.constant`: nodes that output the value they hold.
//!
//! Asset constants (`Audio`, `Image`, `Video`, the lists) pass their references through
//! unchanged: NodeTool swaps an `asset_id` for a fresh storage URL, here nodes read assets
//! by id ([`ProcessingContext::asset_bytes`]), so there is nothing to refresh.

use crate::date::{Date as DateValue, Datetime};
use crate::os::posix;
use nodetool::metadata::{
    ASRModel, AudioRef, DataframeRef, DocumentRef, EmbeddingModel, ImageModel, ImageRef,
    ImageSize as ImageSizeValue, JSONRef, LanguageModel, Model3DRef, TTSModel, TypeMetadata,
    ValueError, VideoModel, VideoRef,
};
use nodetool::prelude::*;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// A constant node: its `value` property goes out unchanged.
macro_rules! constant {
    ($(#[$meta:meta])* struct $name:ident: $ty:ty { $(#[$field:meta])* }) => {
        $(#[$meta])*
        pub struct $name {
            $(#[$field])*
            pub value: $ty,
        }

        #[node]
        impl $name {
            async fn process(&self, _ctx: &ProcessingContext) -> Result<$ty> {
                Ok(self.value.clone())
            }
        }
    };
}

constant! {
    /// Represents a string constant in the workflow.
    /// text, string, characters
    #[node(namespace = "nodetool.constant")]
    struct String: std::string::String {
        /// The value.
        #[input(default = "")]
    }
}

/// Represents an integer constant in the workflow.
/// number, integer, whole
#[node(namespace = "nodetool.constant")]
pub struct Integer {
    /// The value.
    #[input(default = 0)]
    pub value: i64,
}

impl Process for Integer {
    type Output = i64;

    async fn process(&self, _ctx: &ProcessingContext) -> Result<i64> {
        Ok(self.value)
    }
}

/// Represents a floating-point number constant in the workflow.
/// number, decimal, float
#[node(namespace = "nodetool.constant")]
pub struct Float {
    /// The value.
    #[input(default = 0.0)]
    pub value: f64,
}

impl Process for Float {
    type Output = f64;

    async fn process(&self, _ctx: &ProcessingContext) -> Result<f64> {
        Ok(self.value)
    }
}

/// Represents a boolean constant in the workflow.
/// boolean, logic, flag
#[node(namespace = "nodetool.constant", expose_as_tool)]
pub struct Bool {
    /// The value.
    #[input(default = false)]
    pub value: bool,
}

impl Process for Bool {
    type Output = bool;

    async fn process(&self, _ctx: &ProcessingContext) -> Result<bool> {
        Ok(self.value)
    }
}

constant! {
    /// Represents a list constant in the workflow.
    /// array, sequence, collection
    #[node(namespace = "nodetool.constant")]
    struct List: Vec<Value> {
        /// The value.
        #[input(default)]
    }
}

constant! {
    /// Represents a dictionary constant in the workflow.
    /// dictionary, key-value, mapping
    #[node(namespace = "nodetool.constant", expose_as_tool)]
    struct Dict: Map<std::string::String, Value> {
        /// The value.
        #[input(default)]
    }
}

// ---------------------------------------------------------------------------------------
// Assets.

constant! {
    /// Represents an audio file constant in the workflow.
    /// audio, file, mp3, wav
    #[node(namespace = "nodetool.constant", expose_as_tool)]
    struct Audio: AudioRef {
        /// The audio.
        #[input(default)]
    }
}

constant! {
    /// Represents a fixed DataFrame constant in the workflow.
    /// table, data, dataframe, pandas
    #[node(namespace = "nodetool.constant", expose_as_tool)]
    struct DataFrame: DataframeRef {
        /// The table.
        #[input(default, title = "DataFrame")]
    }
}

constant! {
    /// Represents a document constant in the workflow.
    /// document, pdf, word, docx
    #[node(namespace = "nodetool.constant", expose_as_tool)]
    struct Document: DocumentRef {
        /// The document.
        #[input(default, title = "Document")]
    }
}

constant! {
    /// Represents an image file constant in the workflow.
    /// picture, photo, image
    #[node(namespace = "nodetool.constant", expose_as_tool)]
    struct Image: ImageRef {
        /// The image.
        #[input(default)]
    }
}

constant! {
    /// Represents a video file constant in the workflow.
    /// video, movie, mp4, file
    #[node(namespace = "nodetool.constant", expose_as_tool)]
    struct Video: VideoRef {
        /// The video.
        #[input(default)]
    }
}

/// Represents a 3D model constant in the workflow.
/// 3d, model, mesh, glb, obj, stl
///
/// Without a `format`, the format is the extension of the URI's path (before any `?`),
/// lower case without the dot, as Python's `os.path.splitext` finds it. NodeTool first tries
/// the name of the asset in the database; here the URI is the only source.
#[node(namespace = "nodetool.constant", title = "Model 3D", expose_as_tool)]
pub struct Model3D {
    /// The 3D model.
    #[input(default)]
    pub value: Model3DRef,
}

impl Process for Model3D {
    type Output = Model3DRef;

    async fn process(&self, _ctx: &ProcessingContext) -> Result<Model3DRef> {
        let mut value = self.value.clone();
        if value.format.as_deref().is_none_or(str::is_empty) && !value.uri.is_empty() {
            let path = value.uri.split('?').next().unwrap_or_default();
            let (_, ext) = posix::splitext(path);
            let format = ext.to_lowercase().trim_start_matches('.').to_owned();
            if !format.is_empty() {
                value.format = Some(format);
            }
        }
        Ok(value)
    }
}

constant! {
    /// Represents a JSON constant in the workflow.
    /// json, object, dictionary
    #[node(namespace = "nodetool.constant", name = "JSON", expose_as_tool)]
    struct Json: JSONRef {
        /// The JSON data.
        #[input(default)]
    }
}

constant! {
    /// Represents a list of image file constants in the workflow.
    /// pictures, photos, images, collection
    #[node(namespace = "nodetool.constant", expose_as_tool)]
    struct ImageList: Vec<ImageRef> {
        /// List of image references
        #[input(default)]
    }
}

constant! {
    /// Represents a list of video file constants in the workflow.
    /// videos, movies, clips, collection
    #[node(namespace = "nodetool.constant", expose_as_tool)]
    struct VideoList: Vec<VideoRef> {
        /// List of video references
        #[input(default)]
    }
}

constant! {
    /// Represents a list of audio file constants in the workflow.
    /// audios, sounds, audio files, collection
    #[node(namespace = "nodetool.constant", expose_as_tool)]
    struct AudioList: Vec<AudioRef> {
        /// List of audio references
        #[input(default)]
    }
}

constant! {
    /// Represents a list of text strings in the workflow.
    /// texts, strings, text collection
    #[node(namespace = "nodetool.constant", expose_as_tool)]
    struct TextList: Vec<std::string::String> {
        /// List of text strings
        #[input(default)]
    }
}

// ---------------------------------------------------------------------------------------
// Choices, dates, sizes.

/// Represents a selection from a predefined set of options in the workflow.
/// select, enum, dropdown, choice, options
///
/// The value is passed on as it is, not checked against `options` (as in NodeTool).
#[node(namespace = "nodetool.constant")]
pub struct Select {
    /// The currently selected value.
    #[input(default = "")]
    pub value: std::string::String,
    /// The list of available options to choose from.
    #[input(default)]
    pub options: Vec<std::string::String>,
    /// The enum type name this select corresponds to (for type matching).
    #[input(default = "")]
    pub enum_type_name: std::string::String,
}

impl Process for Select {
    type Output = std::string::String;

    async fn process(&self, _ctx: &ProcessingContext) -> Result<std::string::String> {
        Ok(self.value.clone())
    }
}

/// The number of days in `month` of `year` (proleptic Gregorian).
fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Make a date object from year, month, day.
/// date, make, create
///
/// Checked as Python's `datetime.date`: the year 1..9999, the month 1..12, the day in the
/// month.
#[node(namespace = "nodetool.constant")]
pub struct Date {
    /// Year of the date
    #[input(default = 1900, min = 1, max = 9999)]
    pub year: i64,
    /// Month of the date
    #[input(default = 1, min = 1, max = 12)]
    pub month: i64,
    /// Day of the date
    #[input(default = 1, min = 1, max = 31)]
    pub day: i64,
}

impl Process for Date {
    type Output = DateValue;

    async fn process(&self, _ctx: &ProcessingContext) -> Result<DateValue> {
        let (year, month, day) = (self.year, self.month, self.day);
        if !(1..=9999).contains(&year) {
            return Err(format!("year {year} is out of range (1..9999)").into());
        }
        if !(1..=12).contains(&month) {
            return Err(format!("month must be in 1..12, got {month}").into());
        }
        if !(1..=days_in_month(year, month)).contains(&day) {
            return Err(
                format!("day is out of range for month: day {day} of {year}-{month:02}").into(),
            );
        }
        Ok(DateValue { year, month, day })
    }
}

/// Make a datetime object from year, month, day, hour, minute, second.
/// datetime, make, create
///
/// Not checked, as in NodeTool: 31 February is emitted as it is. `microsecond` is
/// `millisecond` × 1000 and `utc_offset` (minutes here) becomes seconds.
#[node(namespace = "nodetool.constant", expose_as_tool)]
pub struct DateTime {
    /// Year of the datetime
    #[input(default = 1900, min = 1, max = 9999)]
    pub year: i64,
    /// Month of the datetime
    #[input(default = 1, min = 1, max = 12)]
    pub month: i64,
    /// Day of the datetime
    #[input(default = 1, min = 1, max = 31)]
    pub day: i64,
    /// Hour of the datetime
    #[input(default = 0, min = 0, max = 23)]
    pub hour: i64,
    /// Minute of the datetime
    #[input(default = 0, min = 0, max = 59)]
    pub minute: i64,
    /// Second of the datetime
    #[input(default = 0, min = 0, max = 59)]
    pub second: i64,
    /// Millisecond of the datetime
    #[input(default = 0, min = 0, max = 999)]
    pub millisecond: i64,
    /// Timezone of the datetime
    #[input(default = "UTC")]
    pub tzinfo: std::string::String,
    /// UTC offset of the datetime in minutes
    #[input(default = 0, min = -720, max = 840)]
    pub utc_offset: i64,
}

impl Process for DateTime {
    type Output = Datetime;

    async fn process(&self, _ctx: &ProcessingContext) -> Result<Datetime> {
        let microsecond = self
            .millisecond
            .checked_mul(1000)
            .ok_or_else(|| format!("millisecond {} is out of range", self.millisecond))?;
        Ok(Datetime {
            year: self.year,
            month: self.month,
            day: self.day,
            hour: self.hour,
            minute: self.minute,
            second: self.second,
            microsecond,
            tzinfo: self.tzinfo.clone(),
            utc_offset: self.utc_offset as f64 * 60.0,
        })
    }
}

/// What [`ImageSize`] returns: the size, its width and its height (NodeTool's
/// `tuple[ImageSize, int, int]`, a JSON list of three).
#[derive(Debug, Clone, PartialEq)]
pub struct ImageSizeTuple(pub ImageSizeValue, pub i64, pub i64);

impl JsonSchema for ImageSizeTuple {
    fn schema_name() -> Cow<'static, str> {
        "ImageSizeTuple".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({"type": "array", "minItems": 3, "maxItems": 3,
            "prefixItems": [{"type": "object"}, {"type": "integer"}, {"type": "integer"}]})
    }
}

impl NodeValue for ImageSizeTuple {
    fn type_metadata() -> TypeMetadata {
        TypeMetadata {
            type_args: vec![
                ImageSizeValue::type_metadata(),
                i64::type_metadata(),
                i64::type_metadata(),
            ],
            ..TypeMetadata::new("tuple")
        }
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        let expected = "tuple[image_size, int, int]";
        match value {
            Value::Array(items) if items.len() == 3 => {
                let mut items = items.into_iter();
                let mut next = || items.next().unwrap_or(Value::Null);
                let at = |i: usize| {
                    move |e: ValueError| ValueError {
                        expected: format!("{expected} (item {i}: {})", e.expected),
                        got: e.got,
                    }
                };
                Ok(ImageSizeTuple(
                    ImageSizeValue::from_value(next()).map_err(at(0))?,
                    i64::from_value(next()).map_err(at(1))?,
                    i64::from_value(next()).map_err(at(2))?,
                ))
            }
            other => Err(ValueError::mismatch(expected, &other)),
        }
    }
    fn into_value(self) -> Value {
        Value::Array(vec![self.0.into_value(), self.1.into(), self.2.into()])
    }
}

/// Represents an image dimensions constant in the workflow.
/// resolution, width, height, size, preset
///
/// One output, `[size, width, height]`, as the stored NodeTool source's
/// `tuple[ImageSize, int, int]`.
#[node(namespace = "nodetool.constant", expose_as_tool)]
pub struct ImageSize {
    /// The image size.
    #[input(default)]
    pub value: ImageSizeValue,
}

impl Process for ImageSize {
    type Output = ImageSizeTuple;

    async fn process(&self, _ctx: &ProcessingContext) -> Result<ImageSizeTuple> {
        let size = self.value;
        Ok(ImageSizeTuple(size, size.width, size.height))
    }
}

// ---------------------------------------------------------------------------------------
// Model references: they carry the choice of a model and call none.

constant! {
    /// Represents a language model constant in the workflow.
    /// llm, language, model, ai, chat, gpt
    #[node(namespace = "nodetool.constant", expose_as_tool)]
    struct LanguageModelConstant: LanguageModel {
        /// The language model.
        #[input(default)]
    }
}

constant! {
    /// Represents an image generation model constant in the workflow.
    /// image, model, ai, generation, diffusion
    #[node(namespace = "nodetool.constant", expose_as_tool)]
    struct ImageModelConstant: ImageModel {
        /// The image generation model.
        #[input(default)]
    }
}

constant! {
    /// Represents a video generation model constant in the workflow.
    /// video, model, ai, generation
    #[node(namespace = "nodetool.constant", expose_as_tool)]
    struct VideoModelConstant: VideoModel {
        /// The video generation model.
        #[input(default)]
    }
}

/// Represents a text-to-speech model constant in the workflow.
/// tts, speech, voice, model, audio
#[node(
    namespace = "nodetool.constant",
    title = "TTSModel Constant",
    expose_as_tool
)]
pub struct TTSModelConstant {
    /// The text-to-speech model.
    #[input(default)]
    pub value: TTSModel,
}

impl Process for TTSModelConstant {
    type Output = TTSModel;

    async fn process(&self, _ctx: &ProcessingContext) -> Result<TTSModel> {
        Ok(self.value.clone())
    }
}

/// Represents an automatic speech recognition model constant in the workflow.
/// asr, speech, recognition, transcription, model
#[node(
    namespace = "nodetool.constant",
    title = "ASRModel Constant",
    expose_as_tool
)]
pub struct ASRModelConstant {
    /// The speech recognition model.
    #[input(default)]
    pub value: ASRModel,
}

impl Process for ASRModelConstant {
    type Output = ASRModel;

    async fn process(&self, _ctx: &ProcessingContext) -> Result<ASRModel> {
        Ok(self.value.clone())
    }
}

constant! {
    /// Represents an embedding model constant in the workflow.
    /// embedding, model, vector, semantic
    #[node(namespace = "nodetool.constant", expose_as_tool)]
    struct EmbeddingModelConstant: EmbeddingModel {
        /// The embedding model.
        #[input(default)]
    }
}
