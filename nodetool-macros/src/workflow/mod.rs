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
    let workflow = graph::resolve(body, &mut diags);
    match workflow {
        Some(wf) if diags.is_empty() => codegen::executor(&wf),
        _ => {
            let errors = diags.into_compile_errors();
            // An expression of any type, so that the only errors are ours.
            quote::quote!({ #errors ::core::panic!() })
        }
    }
}
