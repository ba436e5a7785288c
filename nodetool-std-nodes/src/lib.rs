//! The standard node library of nodetool, with NodeTool's type names and property names, so
//! that graphs saved by NodeTool run unchanged.
//!
//! Every node registers itself when this crate is linked. Call [`link`] once (e.g. at the
//! start of `main`) so the linker keeps the crate even if no item of it is named:
//!
//! ```
//! nodetool_std_nodes::link();
//! assert!(nodetool::workflows::NodeRegistry::global().get("lib.math.Add").is_some());
//! ```

#[cfg(feature = "chat")]
pub mod agents;
#[cfg(feature = "chat")]
pub mod agents_claude;
#[cfg(feature = "chat")]
pub mod agents_research;
#[cfg(feature = "assets")]
pub mod assets;
pub mod base64;
pub mod boolean;
pub mod compare;
pub mod constant;
pub mod control;
pub mod data;
pub mod date;
pub mod dictionary;
pub mod dictionary_io;
#[cfg(feature = "documents")]
pub mod document;
pub mod dynamic;
mod enums;
#[cfg(feature = "http")]
pub mod fal;
#[cfg(feature = "assets")]
pub mod fonts;
#[cfg(feature = "chat")]
pub mod generators;
#[cfg(feature = "assets")]
pub mod grid;
pub mod hashlib;
#[cfg(feature = "http")]
pub mod http;
#[cfg(all(feature = "http", feature = "assets"))]
pub mod huggingface;
#[cfg(feature = "assets")]
pub mod image_files;
pub mod input;
pub mod json;
#[cfg(all(feature = "http", feature = "assets"))]
pub mod kie;
pub mod list;
#[cfg(feature = "chat")]
pub mod llms;
#[cfg(feature = "mail")]
pub mod mail;
pub mod markdown;
pub mod math;
#[cfg(all(feature = "chat", feature = "assets"))]
pub mod media;
pub mod meta_node;
pub mod nodetool_metadata;
pub mod os;
pub mod output;
#[cfg(feature = "pdf")]
pub mod pdf;
#[cfg(feature = "assets")]
pub mod pillow;
#[cfg(feature = "assets")]
pub mod pillow_color;
#[cfg(feature = "assets")]
pub mod pillow_draw;
pub mod pyfmt;
pub mod pyre;
pub mod python;
#[cfg(feature = "realtime")]
pub mod realtime;
#[cfg(feature = "http")]
pub mod rss;
#[cfg(feature = "http")]
pub mod search;
#[cfg(feature = "sqlite")]
pub mod sqlite;
pub mod text;
pub mod text_format;
pub mod text_io;
pub mod text_more;
pub mod text_regex;
#[cfg(feature = "chat")]
pub mod tools;
pub mod uuid;
#[cfg(feature = "collections")]
pub mod vector_chroma;
#[cfg(feature = "video")]
pub mod video;
pub mod workspace;

/// Makes sure the linker keeps this crate's node registrations.
pub fn link() {}
