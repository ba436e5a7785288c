//! `workflow! { … }`: a graph written in Rust, checked by the compiler, compiled into a typed
//! executor. [`model`] reads the syntax, [`graph`] resolves and checks names and edges,
//! [`codegen`] writes the executor.

mod codegen;
mod graph;
mod model;

use crate::diagnostics::Diagnostics;
use proc_macro2::TokenStream;

/// Expands a `workflow!` body.
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let body: model::Body = match syn::parse2(input) {
        Ok(body) => body,
        Err(e) => return e.to_compile_error(),
    };
    let mut diags = Diagnostics::default();
    // The node types, named again on error so that their imports still count as used.
    let paths: Vec<syn::Path> = body.statements.iter().map(|s| s.path.clone()).collect();
    let workflow = graph::resolve(body, &mut diags);
    match workflow {
        Some(wf) if diags.is_empty() => codegen::executor(&wf),
        _ => {
            let errors = diags.into_compile_errors();
            let uses = paths
                .iter()
                .filter(|p| p.get_ident().is_none_or(|i| i != "Output"));
            // An expression of any type, so that the only errors are ours.
            quote::quote!({
                #errors
                #(let _: ::core::option::Option<#uses> = ::core::option::Option::None;)*
                ::core::panic!()
            })
        }
    }
}
