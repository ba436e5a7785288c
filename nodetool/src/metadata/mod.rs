//! Type and node metadata in NodeTool's JSON shapes.
//!
//! ```
//! use nodetool::metadata::{NodeValue, TypeMetadata};
//! assert_eq!(String::type_metadata(), TypeMetadata::new("str"));
//! ```

mod asset_ref;
mod color;
mod dataframe;
mod image_size;
mod language_model;
mod message;
mod model_refs;
mod more_refs;
mod node_metadata;
mod number;
mod task;
mod tool_name;
mod type_metadata;
mod value;

pub use asset_ref::{
    empty_ref, AssetRef, AudioRef, DocumentRef, FolderRef, ImageRef, JSONRef, TextRef, VideoRef,
};
pub use color::ColorRef;
pub use dataframe::{ColumnDef, DataframeRef, RecordType};
pub use image_size::ImageSize;
pub use language_model::LanguageModel;
pub use message::Message;
pub use model_refs::{ASRModel, EmbeddingModel, ImageModel, TTSModel, VideoModel};
pub use more_refs::Model3DRef;
pub use node_metadata::{title_case, NodeMetadata, OutputSlot, Property};
pub use number::Number;
pub use task::{LogEntry, SubTask, Task};
pub use tool_name::ToolName;
pub use type_metadata::TypeMetadata;
pub use value::{describe, NodeValue, Nothing, ValueError};
