//! Type and node metadata in NodeTool's JSON shapes.
//!
//! ```
//! use nodetool::metadata::{NodeValue, TypeMetadata};
//! assert_eq!(String::type_metadata(), TypeMetadata::new("str"));
//! ```

mod asset_ref;
mod dataframe;
mod language_model;
mod node_metadata;
mod number;
mod type_metadata;
mod value;

pub use asset_ref::{empty_ref, AssetRef, AudioRef, DocumentRef, ImageRef, TextRef, VideoRef};
pub use dataframe::{ColumnDef, DataframeRef, RecordType};
pub use language_model::LanguageModel;
pub use node_metadata::{title_case, NodeMetadata, OutputSlot, Property};
pub use number::Number;
pub use type_metadata::TypeMetadata;
pub use value::{describe, NodeValue, Nothing, ValueError};
