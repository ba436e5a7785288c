//! Procedural macros of `nodetool`. Use them through `nodetool` (`nodetool::node`,
//! `nodetool::Outputs`), which documents them.
//!
//! This crate only parses and calls into plain modules: `parse` reads the user's item into a
//! model, `codegen` turns the model into code, `diagnostics` collects every error with a
//! span on the offending token.

use proc_macro::TokenStream;

mod codegen;
mod diagnostics;
mod parse;
mod setting;
mod static_impl;
mod tool;
mod workflow;

/// Declares a node type from a struct (or an async fn). See `nodetool::node`.
#[proc_macro_attribute]
pub fn node(attr: TokenStream, item: TokenStream) -> TokenStream {
    codegen::expand_node(attr.into(), item.into()).into()
}

/// Declares a struct whose fields are a node's named outputs. See `nodetool::Outputs`.
#[proc_macro_derive(Outputs)]
pub fn derive_outputs(item: TokenStream) -> TokenStream {
    codegen::expand_outputs(item.into()).into()
}

/// A workflow written in Rust, checked at compile time. See `nodetool::workflow`.
#[proc_macro]
pub fn workflow(input: TokenStream) -> TokenStream {
    workflow::expand(input.into()).into()
}

/// Declares a setting for the settings registry. See `nodetool::register_setting`.
#[proc_macro]
pub fn register_setting(input: TokenStream) -> TokenStream {
    setting::expand(input.into()).into()
}

/// Turns an async fn into an agent tool. See `nodetool::tool`.
#[proc_macro_attribute]
pub fn tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    tool::expand(attr.into(), item.into()).into()
}
