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
mod files;
pub mod html_text;
mod web;
mod workflow;

pub use calculator::{evaluate, Calculator};
pub use files::{ListDirectory, ReadFile, WriteFile};
pub use web::{BraveSearch, GoogleSearch, HttpGet};
pub use workflow::RunWorkflow;

use nodetool::agents::{NodeTool, Tool, ToolError, ToolSet};
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

/// The built-in tool `name`.
pub fn builtin(name: &str) -> Option<Arc<dyn Tool>> {
    Some(match name {
        "read_file" => Arc::new(ReadFile),
        "write_file" => Arc::new(WriteFile),
        "list_directory" => Arc::new(ListDirectory),
        "calculator" => Arc::new(Calculator),
        "http_get" => Arc::new(HttpGet),
        "run_workflow" => Arc::new(RunWorkflow),
        "google_search" => Arc::new(GoogleSearch),
        "brave_search" => Arc::new(BraveSearch),
        _ => return None,
    })
}

/// The tool `name`: a built-in one, else a node exposed as a tool (by type or tool name).
pub fn resolve(name: &str) -> Result<Arc<dyn Tool>, ToolError> {
    if let Some(tool) = builtin(name) {
        return Ok(tool);
    }
    NodeTool::exposed(name)
        .map(|t| Arc::new(t) as Arc<dyn Tool>)
        .map_err(|_| {
            ToolError::failed(format!(
                "unknown tool `{name}` (built-in tools: {}; or a node exposed as a tool)",
                BUILTIN.join(", ")
            ))
        })
}

/// The tools named in `names`; the first unknown name is an error.
pub fn resolve_all<S: AsRef<str>>(names: &[S]) -> Result<ToolSet, ToolError> {
    names
        .iter()
        .map(|n| n.as_ref().trim())
        .filter(|n| !n.is_empty())
        .map(resolve)
        .collect()
}
