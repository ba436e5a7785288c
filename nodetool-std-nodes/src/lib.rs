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
#[cfg(feature = "assets")]
pub mod assets;
pub mod base64;
pub mod boolean;
pub mod compare;
pub mod constant;
pub mod control;
pub mod date;
pub mod dictionary;
pub mod dynamic;
mod enums;
pub mod hashlib;
#[cfg(feature = "http")]
pub mod http;
pub mod input;
pub mod json;
pub mod list;
#[cfg(feature = "chat")]
pub mod llms;
pub mod markdown;
pub mod math;
pub mod os;
pub mod output;
pub mod pyre;
pub mod python;
pub mod text;
pub mod text_io;
pub mod text_more;
pub mod text_regex;
#[cfg(feature = "chat")]
pub mod tools;
pub mod uuid;
pub mod workspace;

/// Makes sure the linker keeps this crate's node registrations.
pub fn link() {}
