//! Built-in agent tools, by NodeTool's names: `read_file`, `write_file`, `list_directory`
//! (inside the run's workspace only), `calculator` (a parser, no code runs), `http_get`
//! (public addresses only unless `NODETOOL_HTTP_ALLOW_PRIVATE` allows private ones, size and
//! time limits, HTML reduced to text), `run_workflow`, and the web searches `google_search`
//! (SerpAPI) and `brave_search` (Brave). [`resolve`] also finds nodes exposed as tools.
//!
//! ```
//! let calc = nodetool_std_nodes::tools::resolve("calculator").unwrap();
//! assert_eq!(calc.name(), "calculator");
//! assert!(nodetool_std_nodes::tools::resolve("no_such_tool").is_err());
//! ```

mod calculator;
#[cfg(feature = "collections")]
mod collection;
mod files;
pub mod html_text;
mod web;
mod workflow;

pub use calculator::{evaluate, Calculator};
#[cfg(feature = "collections")]
pub use collection::SearchCollection;
pub use files::{ListDirectory, ReadFile, WriteFile};
pub use web::{BraveSearch, GoogleSearch, HttpGet};
pub use workflow::RunWorkflow;

use nodetool::agents::{RegisteredTool, Tool, ToolError, ToolSet};
use std::sync::Arc;

/// The names of the built-in tools.
pub const BUILTIN: &[&str] = &[
    "read_file",
    "write_file",
    "list_directory",
    "calculator",
    "http_get",
    "run_workflow",
    "google_search",
    "brave_search",
];

macro_rules! register {
    ($($name:literal => $tool:expr),* $(,)?) => {
        $(nodetool::__private::inventory::submit! {
            RegisteredTool { name: $name, make: || Arc::new($tool) }
        })*
    };
}

register! {
    "read_file" => ReadFile,
    "write_file" => WriteFile,
    "list_directory" => ListDirectory,
    "calculator" => Calculator,
    "http_get" => HttpGet,
    // NodeTool's name for fetching a page.
    "browser" => HttpGet,
    "run_workflow" => RunWorkflow,
    "google_search" => GoogleSearch,
    "brave_search" => BraveSearch,
}

#[cfg(feature = "collections")]
register! {
    "search_collection" => SearchCollection,
}

/// The built-in tool `name`.
pub fn builtin(name: &str) -> Option<Arc<dyn Tool>> {
    nodetool::agents::registered_tool(name)
}

/// The tool `name`: a built-in one, else a node exposed as a tool (by type or tool name).
pub fn resolve(name: &str) -> Result<Arc<dyn Tool>, ToolError> {
    nodetool::agents::resolve_tool(name)
}

/// The tools named in `names`; the first unknown name is an error.
pub fn resolve_all<S: AsRef<str>>(names: &[S]) -> Result<ToolSet, ToolError> {
    nodetool::agents::resolve_tools(names)
}
