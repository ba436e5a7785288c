//! Writes a checked [`Workflow`] as Rust: literal templates, the run's typed push network, the
//! graph export and the typed result.
//!
//! Per node, in reverse topological order: a sink (what each output does: call the closures
//! of its edges, concurrently when there are several), a `fire` closure (build the node from
//! its inputs, run it into its sink), and one closure per incoming edge (set the input, fire
//! when complete). Names are indexed (`__nt_fire_3`), so the user's names never clash.

use super::graph::{Node, Workflow};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

fn nt() -> TokenStream {
    quote!(::nodetool)
}

fn node_ty(node: &Node) -> TokenStream {
    let path = &node.path;
    quote!(#path)
}

/// The whole `workflow!` expression.
pub(crate) fn executor(wf: &Workflow) -> TokenStream {
    let nt = nt();
    let required = wf
        .nodes
        .iter()
        .filter(|n| n.output.is_none())
        .map(required_check);
    let templates = wf.nodes.iter().map(template);
    let infos = node_infos(wf);
    let edge_ids: Vec<String> = wf.edges.iter().map(|e| e.id(&wf.nodes)).collect();
    let graph = graph_fn(wf, &edge_ids);
    let run = run_closure(wf);
    quote! {{
        #(#required)*
        static __NT_NODES: &[#nt::__private::NodeInfo] = &[#(#infos),*];
        static __NT_EDGES: &[&str] = &[#(#edge_ids),*];
        #nt::workflows::StaticWorkflow::new(
            (#(#templates,)*),
            #nt::__private::WorkflowInfo::new(__NT_NODES, __NT_EDGES),
            #graph,
            #run,
        )
    }}
}

/// `const _: () = …;` failing to compile when a required input has no value and no edge.
fn required_check(node: &Node) -> TokenStream {
    let nt = nt();
    let ty = node_ty(node);
    let given = &node.given;
    quote_spanned! {node.path.span()=>
        const _: () = #nt::__private::require_static_node::<#ty>();
        const _: () = if let ::core::option::Option::Some(message) = #nt::__private::first_missing(
            <#ty as #nt::__private::NodeFields>::REQUIRED,
            &[#(#given),*],
        ) {
            ::core::panic!("{}", message)
        };
    }
}

/// The node's inputs with its literals and empty gathered lists.
fn template(node: &Node) -> TokenStream {
    let nt = nt();
    if node.output.is_some() {
        return quote!(());
    }
    let ty = node_ty(node);
    let literals = node.literals.iter().map(|(field, expr)| {
        quote_spanned! {expr.span()=>
            #nt::__private::set_literal(&mut __nt_p.#field, #expr);
        }
    });
    let gathers = node.handles.iter().filter(|h| h.gather).map(|h| {
        let field = &h.field;
        quote!(#nt::__private::gather_start(&mut __nt_p.#field);)
    });
    quote! {{
        let mut __nt_p = <#ty as #nt::__private::NodeFields>::pending();
        #(#literals)*
        #(#gathers)*
        __nt_p
    }}
}

/// The node's type name: an `Output` written bare is NodeTool's `nodetool.output.Output`
/// (no import needed); any other path names a `#[node]` type.
fn node_type_name(node: &Node) -> TokenStream {
    let nt = nt();
    if node.output.is_some() && node.path.get_ident().is_some() {
        return quote!("nodetool.output.Output");
    }
    let ty = node_ty(node);
    quote!(<#ty as #nt::workflows::NodeType>::NODE_TYPE)
}

fn node_infos(wf: &Workflow) -> Vec<TokenStream> {
    let nt = nt();
    wf.nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let id = &node.id;
            let node_type = node_type_name(node);
            let upstream = wf.upstream_count(i);
            let downstream = wf.downstream(i);
            let edges_out: Vec<usize> = wf
                .edges
                .iter()
                .enumerate()
                .filter(|(_, e)| e.source == i)
                .map(|(k, _)| k)
                .collect();
            quote! {
                #nt::__private::NodeInfo {
                    id: #id,
                    node_type: #node_type,
                    upstream: #upstream,
                    downstream: &[#(#downstream),*],
                    edges_out: &[#(#edges_out),*],
                }
            }
        })
        .collect()
}

/// `fn(&Templates) -> Graph`.
fn graph_fn(wf: &Workflow, edge_ids: &[String]) -> TokenStream {
    let nt = nt();
    let nodes = wf.nodes.iter().enumerate().map(|(i, node)| {
        let id = &node.id;
        let ty = node_ty(node);
        let index = syn::Index::from(i);
        match &node.output {
            Some((_, name)) => {
                let node_type = node_type_name(node);
                quote!(#nt::__private::output_graph_node(#id, #node_type, #name))
            }
            None => quote!(#nt::__private::graph_node::<#ty>(#id, &__nt_t.#index)),
        }
    });
    let edges = wf.edges.iter().zip(edge_ids).map(|(e, id)| {
        let source = &wf.nodes[e.source].id;
        let target = &wf.nodes[e.target].id;
        let output = e.output.to_string();
        let field = e.field.to_string();
        quote!(#nt::__private::graph_edge(#id, #source, #output, #target, #field))
    });
    quote! {
        |__nt_t| #nt::workflows::Graph {
            nodes: ::std::vec![#(#nodes),*],
            edges: ::std::vec![#(#edges),*],
        }
    }
}

fn cell(i: usize) -> syn::Ident {
    format_ident!("__nt_cell_{}", i)
}
fn fire(i: usize) -> syn::Ident {
    format_ident!("__nt_fire_{}", i)
}
fn sink(i: usize) -> syn::Ident {
    format_ident!("__nt_sink_{}", i)
}
fn edge(k: usize) -> syn::Ident {
    format_ident!("__nt_edge_{}", k)
}

/// `|templates, state| async move { … }`: one run.
fn run_closure(wf: &Workflow) -> TokenStream {
    let nt = nt();
    let rt = quote!(__nt_rt);
    let cells = wf.nodes.iter().enumerate().map(|(i, node)| {
        let c = cell(i);
        let index = syn::Index::from(i);
        match &node.output {
            Some((_, name)) => quote! {
                let #c = &#nt::__private::OutputCell::new(#i, #name);
            },
            None => {
                let ty = node_ty(node);
                let handles = node.handles.iter().map(|h| {
                    let field = h.field.to_string();
                    let gather = h.gather;
                    quote!(#nt::__private::HandleInfo { field: #field, gather: #gather })
                });
                quote_spanned! {node.path.span()=>
                    let #c = &#nt::__private::NodeCell::<#ty>::new(
                        #rt, #i, ::core::clone::Clone::clone(&__nt_templates.#index), &[#(#handles),*],
                    )?;
                }
            }
        }
    });
    let mut network = Vec::new();
    for &i in wf.order.iter().rev() {
        let node = &wf.nodes[i];
        if node.output.is_none() {
            network.push(sink_and_fire(wf, i));
        }
        for (k, e) in wf.edges.iter().enumerate().filter(|(_, e)| e.target == i) {
            network.push(edge_closure(wf, k, e));
        }
    }
    let finish_arms = wf
        .nodes
        .iter()
        .enumerate()
        .filter(|(i, n)| n.output.is_none() && wf.upstream_count(*i) > 0)
        .map(|(i, n)| {
            let (c, f) = (cell(i), fire(i));
            quote_spanned!(n.path.span()=> #i => #c.upstream_done(#f).await,)
        });
    let starts: Vec<TokenStream> = wf
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.output.is_none())
        .map(|(i, n)| {
            let (c, f, s) = (cell(i), fire(i), sink(i));
            let source = wf.upstream_count(i) == 0;
            quote_spanned! {n.path.span()=>
                async move {
                    if #c.start(#rt, #source, #f, #s()).await {
                        __nt_finish(#i).await;
                    }
                }
            }
        })
        .collect();
    let join = if starts.is_empty() {
        quote!(async {})
    } else {
        quote!(async { #nt::__private::tokio::join!(#(#starts),*); })
    };
    let outputs: Vec<(&syn::Ident, &String, syn::Ident)> = wf
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(i, n)| n.output.as_ref().map(|(f, name)| (f, name, cell(i))))
        .collect();
    let result = result_type(&outputs);
    quote! {
        move |__nt_templates, __nt_state| async move {
            let #rt = &__nt_state;
            #(#cells)*
            #rt.check_params()?;
            #(#network)*
            let __nt_finish = &move |__nt_node: usize| async move {
                let mut __nt_work = #nt::__private::Worklist::new(__nt_node);
                while let ::core::option::Option::Some(__nt_u) = __nt_work.pop() {
                    #rt.node_done(__nt_u).await;
                    for &__nt_d in #rt.downstream(__nt_u) {
                        if #rt.upstream_finished(__nt_d) {
                            let __nt_done = match __nt_d {
                                #(#finish_arms)*
                                _ => true,
                            };
                            if __nt_done {
                                __nt_work.push(__nt_d);
                            }
                        }
                    }
                }
            };
            #rt.run(#join).await?;
            #result
        }
    }
}

/// The node's sink and `fire` closure.
fn sink_and_fire(wf: &Workflow, i: usize) -> TokenStream {
    let nt = nt();
    let node = &wf.nodes[i];
    let ty = node_ty(node);
    let (c, f, s) = (cell(i), fire(i), sink(i));
    let out_edges: Vec<(usize, &super::graph::Edge)> = wf
        .edges
        .iter()
        .enumerate()
        .filter(|(_, e)| e.source == i)
        .collect();
    // One binding per output used; the last edge of each output takes the value, the others
    // a clone.
    let mut outputs: Vec<&syn::Ident> = Vec::new();
    for (_, e) in &out_edges {
        if !outputs.iter().any(|o| **o == e.output) {
            outputs.push(&e.output);
        }
    }
    let bindings = outputs.iter().enumerate().map(|(n, output)| {
        let v = format_ident!("__nt_v{}", n);
        quote_spanned!(output.span()=> let #v = __nt_o.#output;)
    });
    let calls: Vec<TokenStream> = out_edges
        .iter()
        .map(|(k, e)| {
            let n = outputs.iter().position(|o| **o == e.output).unwrap_or(0);
            let v = format_ident!("__nt_v{}", n);
            let last = out_edges
                .iter()
                .rev()
                .find(|(_, x)| x.output == e.output)
                .map(|(k, _)| *k);
            let ek = edge(*k);
            if last == Some(*k) {
                quote!(#ek(#v))
            } else {
                quote!(#ek(::core::clone::Clone::clone(&#v)))
            }
        })
        .collect();
    let send = match calls.len() {
        0 => quote!(let _ = __nt_o;),
        1 => {
            let call = &calls[0];
            quote!(#(#bindings)* #call.await;)
        }
        _ => quote!(#(#bindings)* #nt::__private::tokio::join!(#(#calls),*);),
    };
    quote_spanned! {node.path.span()=>
        let #s = &move || #nt::__private::sink_for::<#ty, _, _>(move |__nt_o| async move {
            __nt_rt.check()?;
            #send
            ::core::result::Result::Ok(())
        });
        let #f = &move |__nt_p: <#ty as #nt::__private::NodeFields>::Pending| async move {
            #c.fire(__nt_rt, __nt_p, #s()).await
        };
    }
}

/// The closure of edge `k`: report it, then hand the value to the target.
fn edge_closure(wf: &Workflow, k: usize, e: &super::graph::Edge) -> TokenStream {
    let nt = nt();
    let target = &wf.nodes[e.target];
    let (ek, c, f) = (edge(k), cell(e.target), fire(e.target));
    let field = &e.field;
    let value = syn::Ident::new("__nt_value", e.span);
    let deliver = if target.output.is_some() {
        quote!(#c.push(__nt_rt, #value).await;)
    } else {
        let ty = node_ty(target);
        let handle = e.handle;
        let pending = quote!(<#ty as #nt::__private::NodeFields>::Pending);
        if e.gather {
            let add =
                quote_spanned!(e.span=> #nt::__private::gather_into(&mut __nt_p.#field, #value));
            quote!(#c.gather(#handle, |__nt_p: &mut #pending| #add).await;)
        } else {
            let set = quote_spanned!(e.span=> #nt::__private::set_edge(&mut __nt_p.#field, #value));
            quote!(#c.push(#handle, |__nt_p: &mut #pending| #set, #f).await;)
        }
    };
    quote! {
        let #ek = &move |#value| async move {
            __nt_rt.edge_sent(#k).await;
            #deliver
        };
    }
}

/// The typed result: a struct with one field per `Output`.
fn result_type(outputs: &[(&syn::Ident, &String, syn::Ident)]) -> TokenStream {
    let nt = nt();
    let generics: Vec<syn::Ident> = (0..outputs.len())
        .map(|i| format_ident!("T{}", i))
        .collect();
    let fields: Vec<&syn::Ident> = outputs.iter().map(|(f, _, _)| *f).collect();
    let names: Vec<&String> = outputs.iter().map(|(_, n, _)| *n).collect();
    let cells: Vec<&syn::Ident> = outputs.iter().map(|(_, _, c)| c).collect();
    let field_docs = names
        .iter()
        .map(|n| format!("The last value output `{n}` received."));
    let span = Span::call_site();
    quote_spanned! {span=>
        /// What a run of this workflow produced: the last value each output received.
        #[derive(Debug, Clone, PartialEq)]
        pub struct WorkflowResult<#(#generics),*> {
            #(#[doc = #field_docs] pub #fields: #generics,)*
        }

        impl<#(#generics: #nt::metadata::NodeValue),*> WorkflowResult<#(#generics),*> {
            /// The result as JSON: one field per output (as `RunResult::to_json` gives it for
            /// outputs that received one value).
            #[allow(dead_code)]
            pub fn to_json(&self) -> #nt::__private::Value {
                let mut map = #nt::__private::Map::new();
                #(map.insert(::std::string::String::from(#names), #nt::metadata::NodeValue::into_value(::core::clone::Clone::clone(&self.#fields)));)*
                #nt::__private::Value::Object(map)
            }
        }

        __nt_rt.completed(|| {
            let mut map = #nt::__private::Map::new();
            #(map.insert(::std::string::String::from(#names), #cells.to_json());)*
            map
        }).await;
        ::core::result::Result::Ok(WorkflowResult { #(#fields: #cells.take_last()?,)* })
    }
}
