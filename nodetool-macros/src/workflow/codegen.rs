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
    // A controlled node's controllers may set its required inputs: checked when it runs.
    let required = wf
        .nodes
        .iter()
        .enumerate()
        .filter(|(i, n)| n.output.is_none() && !wf.controls.iter().any(|c| c.target == *i))
        .map(|(_, n)| required_check(n));
    let templates = wf.nodes.iter().map(template);
    let infos = node_infos(wf);
    let edge_ids: Vec<String> = wf.edges.iter().map(|e| e.id(&wf.nodes)).collect();
    let graph_body = graph_body(wf, &edge_ids);
    let graph = quote!(|__nt_t| #graph_body);
    let run = if wf.controls.is_empty() {
        run_closure(wf)
    } else {
        dynamic_run_closure(wf, &graph_body)
    };
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
            let edges_out = wf.edges_from(i);
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

/// The graph, built from the templates `__nt_t`.
fn graph_body(wf: &Workflow, edge_ids: &[String]) -> TokenStream {
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
    let controls = wf.controls.iter().map(|c| {
        let id = c.id(&wf.nodes);
        let source = &wf.nodes[c.source].id;
        let target = &wf.nodes[c.target].id;
        quote!(#nt::__private::graph_control_edge(#id, #source, #target))
    });
    quote! {
        #nt::workflows::Graph {
            nodes: ::std::vec![#(#nodes),*],
            edges: ::std::vec![#(#edges,)* #(#controls),*],
        }
    }
}

/// `|templates, state| async move { … }` for a workflow with control edges: the exported
/// graph runs on the dynamic runner (controlled nodes take their properties from run events
/// as JSON), and the typed result is read back from its outputs.
fn dynamic_run_closure(wf: &Workflow, graph_body: &TokenStream) -> TokenStream {
    let nt = nt();
    let outputs = result_outputs(wf);
    let declare = result_struct(&outputs);
    let fields: Vec<&syn::Ident> = outputs.iter().map(|o| &o.field).collect();
    let vars: Vec<syn::Ident> = (0..outputs.len())
        .map(|i| format_ident!("__nt_out{}", i))
        .collect();
    let reads = outputs.iter().map(|o| {
        let (name, source_fields, output) = (&o.name, &o.source_fields, &o.output);
        quote! {
            #nt::__private::typed_output(
                &__nt_run,
                #name,
                #nt::__private::witness(|f: &#source_fields| &f.#output),
            )?
        }
    });
    quote! {
        move |__nt_templates, __nt_state| async move {
            #declare
            let __nt_t = &*__nt_templates;
            let __nt_run = __nt_state.run_graph(#graph_body).await?;
            #(let #vars = #reads;)*
            ::core::result::Result::Ok(WorkflowResult { #(#fields: #vars,)* })
        }
    }
}

fn cell(i: usize) -> syn::Ident {
    format_ident!("c{}", i)
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

/// `<<P as StaticNode>::Out as Outputs>::Fields`: a node's outputs by name.
fn fields_ty(node: &Node) -> TokenStream {
    let nt = nt();
    let ty = node_ty(node);
    quote!(<<#ty as #nt::workflows::StaticNode>::Out as #nt::workflows::Outputs>::Fields)
}

fn pending_ty(node: &Node) -> TokenStream {
    let nt = nt();
    let ty = node_ty(node);
    quote!(<#ty as #nt::__private::NodeFields>::Pending)
}

/// Whether the edges leaving `source` are a single one (which then takes the outputs by value).
fn single_out_edge(wf: &Workflow, source: usize) -> bool {
    wf.edges_from(source).len() == 1
}

/// `|templates, state| async move { … }`: one run.
///
/// The network is items, not closures: a struct `__NtNet` owning the run state and one cell
/// per node, and per node and edge an `async fn` taking `&__NtNet`. Each is borrow-checked on
/// its own, so compile time grows linearly with the graph.
fn run_closure(wf: &Workflow) -> TokenStream {
    let nt = nt();
    let net_fields = wf.nodes.iter().enumerate().map(|(i, node)| {
        let c = cell(i);
        if node.output.is_some() {
            quote!(#c: #nt::__private::OutputCell,)
        } else {
            let ty = node_ty(node);
            quote!(#c: #nt::__private::NodeCell<#ty>,)
        }
    });
    let cell_inits = wf.nodes.iter().enumerate().map(|(i, node)| {
        let c = cell(i);
        let index = syn::Index::from(i);
        match &node.output {
            Some((_, name)) => quote!(#c: #nt::__private::OutputCell::new(#i, #name),),
            None => {
                let ty = node_ty(node);
                let handles = node.handles.iter().map(|h| {
                    let field = h.field.to_string();
                    let gather = h.gather;
                    quote!(#nt::__private::HandleInfo { field: #field, gather: #gather })
                });
                quote_spanned! {node.path.span()=>
                    #c: #nt::__private::NodeCell::<#ty>::new(
                        &__nt_state, #i, ::core::clone::Clone::clone(&__nt_templates.#index), &[#(#handles),*],
                    )?,
                }
            }
        }
    });
    // In topological order, so that the expanded code reads from sources to outputs.
    let mut items = Vec::new();
    for &i in &wf.order {
        if wf.nodes[i].output.is_none() {
            items.push(sink_and_fire(wf, i));
        }
    }
    for (k, e) in wf.edges.iter().enumerate() {
        items.push(edge_fn(wf, k, e));
    }
    let finish_arms = wf
        .nodes
        .iter()
        .enumerate()
        .filter(|(i, n)| n.output.is_none() && wf.upstream_count(*i) > 0)
        .map(|(i, n)| {
            let (c, f) = (cell(i), fire(i));
            quote_spanned!(n.path.span()=> #i => net.#c.upstream_done(|p| #f(net, p)).await,)
        });
    let start_arms: Vec<TokenStream> = wf
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.output.is_none())
        .map(|(i, n)| {
            let (c, f, s) = (cell(i), fire(i), sink(i));
            let source = wf.upstream_count(i) == 0;
            quote_spanned! {n.path.span()=>
                #i => net.#c.start(&net.rt, #source, |p| #f(net, p), #s(net)).await,
            }
        })
        .collect();
    let needs_start_arms: Vec<TokenStream> = wf
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.output.is_none())
        .map(|(i, _)| {
            let c = cell(i);
            let source = wf.upstream_count(i) == 0;
            quote!(#i => net.#c.needs_start(#source),)
        })
        .collect();
    let node_count = wf.nodes.len();
    let join = quote! {
        #nt::__private::join_all(
            (0..#node_count)
                .filter(|&i| __nt_needs_start(__nt_net, i))
                .map(|i| __nt_start(__nt_net, i)),
        )
    };
    let result = result_value(wf);
    quote! {
        move |__nt_templates, __nt_state| async move {
            struct __NtNet {
                #(#net_fields)*
                rt: #nt::__private::RunState,
            }

            #(#items)*

            async fn __nt_finish(net: &__NtNet, node: usize) {
                let mut work = ::std::vec![node];
                while let ::core::option::Option::Some(u) = work.pop() {
                    net.rt.node_done(u).await;
                    for &d in net.rt.downstream(u) {
                        if net.rt.upstream_finished(d) {
                            let done = match d {
                                #(#finish_arms)*
                                _ => true,
                            };
                            if done {
                                work.push(d);
                            }
                        }
                    }
                }
            }

            // Boxed: the run's future stays small however many nodes the workflow has.
            fn __nt_needs_start(net: &__NtNet, node: usize) -> bool {
                match node {
                    #(#needs_start_arms)*
                    _ => false,
                }
            }

            async fn __nt_start(net: &__NtNet, node: usize) {
                let done = match node {
                    #(#start_arms)*
                    _ => false,
                };
                if done {
                    __nt_finish(net, node).await;
                }
            }

            let __nt_net: &__NtNet = &::std::boxed::Box::new(__NtNet {
                #(#cell_inits)*
                rt: __nt_state,
            });
            __nt_net.rt.check_params()?;
            __nt_net.rt.run(#join).await?;
            #result
        }
    }
}

/// The node's sink (its outputs go to the functions of its edges, concurrently when there are
/// several) and its `fire` function.
fn sink_and_fire(wf: &Workflow, i: usize) -> TokenStream {
    let nt = nt();
    let node = &wf.nodes[i];
    let ty = node_ty(node);
    let (c, f, s) = (cell(i), fire(i), sink(i));
    let pending = pending_ty(node);
    let out = quote!(<#ty as #nt::workflows::StaticNode>::Out);
    let out_edges = wf.edges_from(i);
    let send = match out_edges.as_slice() {
        [] => quote!(let _ = o;),
        [k] => {
            let ek = edge(*k);
            quote!(#ek(net, o).await;)
        }
        many => {
            let calls = many.iter().map(|k| {
                let ek = edge(*k);
                quote!(#ek(net, &o))
            });
            quote!(#nt::__private::tokio::join!(#(#calls),*);)
        }
    };
    quote_spanned! {node.path.span()=>
        fn #s(net: &__NtNet) -> impl #nt::workflows::OutputSink<#out> + '_ {
            #nt::__private::sink_for::<#ty, _, _>(move |o| async move {
                net.rt.check()?;
                #send
                ::core::result::Result::Ok(())
            })
        }

        // Boxed: a node's firing does not contain the next node's in its type, so long chains
        // neither nest types deeply nor slow the compiler down.
        fn #f(net: &__NtNet, p: #pending) -> #nt::__private::BoxedFiring<'_> {
            #nt::__private::boxed(async move {
                net.#c.fire(&net.rt, p, #s(net)).await
            })
        }
    }
}

/// The function of edge `k`: report it, then hand the value to the target.
fn edge_fn(wf: &Workflow, k: usize, e: &super::graph::Edge) -> TokenStream {
    let nt = nt();
    let source = &wf.nodes[e.source];
    let target = &wf.nodes[e.target];
    let (ek, c, f) = (edge(k), cell(e.target), fire(e.target));
    let fields = fields_ty(source);
    let output = &e.output;
    let field = &e.field;
    let value = syn::Ident::new("value", e.span);
    let (param, take) = if single_out_edge(wf, e.source) {
        (
            quote!(o: #fields),
            quote_spanned!(output.span()=> let #value = o.#output;),
        )
    } else {
        (
            quote!(o: &#fields),
            quote_spanned!(output.span()=> let #value = ::core::clone::Clone::clone(&o.#output);),
        )
    };
    let deliver = if target.output.is_some() {
        quote!(net.#c.push(&net.rt, #value).await;)
    } else {
        let handle = e.handle;
        let pending = pending_ty(target);
        if e.gather {
            let add = quote_spanned!(e.span=> #nt::__private::gather_into(&mut p.#field, #value));
            quote!(net.#c.gather(#handle, |p: &mut #pending| #add).await;)
        } else {
            let set = quote_spanned!(e.span=> #nt::__private::set_edge(&mut p.#field, #value));
            quote!(net.#c.push(#handle, |p: &mut #pending| #set, |p| #f(net, p)).await;)
        }
    };
    quote! {
        async fn #ek(net: &__NtNet, #param) {
            #take
            net.rt.edge_sent(#k).await;
            #deliver
        }
    }
}

/// One `Output` of the typed result.
struct ResultOutput {
    /// The result's field.
    field: syn::Ident,
    /// The output's name.
    name: String,
    /// The node's cell.
    cell: syn::Ident,
    /// The outputs-by-name type of the node feeding it, and the output it reads.
    source_fields: TokenStream,
    output: syn::Ident,
}

/// The outputs that receive an edge, in the order written.
fn result_outputs(wf: &Workflow) -> Vec<ResultOutput> {
    let mut outputs = Vec::new();
    for (i, node) in wf.nodes.iter().enumerate() {
        let Some((field, name)) = &node.output else {
            continue;
        };
        let Some(e) = wf.edges.iter().find(|e| e.target == i) else {
            continue;
        };
        outputs.push(ResultOutput {
            field: field.clone(),
            name: name.clone(),
            cell: cell(i),
            source_fields: fields_ty(&wf.nodes[e.source]),
            output: e.output.clone(),
        });
    }
    outputs
}

/// `struct WorkflowResult<T0, …>`: one field per output.
fn result_struct(outputs: &[ResultOutput]) -> TokenStream {
    let nt = nt();
    let generics: Vec<syn::Ident> = (0..outputs.len())
        .map(|i| format_ident!("T{}", i))
        .collect();
    let fields: Vec<&syn::Ident> = outputs.iter().map(|o| &o.field).collect();
    let names: Vec<&String> = outputs.iter().map(|o| &o.name).collect();
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
    }
}

/// The typed result: a struct with one field per `Output`, the last value it received.
fn result_value(wf: &Workflow) -> TokenStream {
    let nt = nt();
    let outputs = result_outputs(wf);
    let declare = result_struct(&outputs);
    let fields: Vec<&syn::Ident> = outputs.iter().map(|o| &o.field).collect();
    let names: Vec<&String> = outputs.iter().map(|o| &o.name).collect();
    let cells: Vec<&syn::Ident> = outputs.iter().map(|o| &o.cell).collect();
    let takes = outputs.iter().map(|o| {
        let (c, source_fields, output) = (&o.cell, &o.source_fields, &o.output);
        quote! {
            __nt_net.#c.take_last(#nt::__private::witness(|f: &#source_fields| &f.#output))
        }
    });
    let vars: Vec<syn::Ident> = (0..fields.len())
        .map(|i| format_ident!("__nt_out{}", i))
        .collect();
    let span = Span::call_site();
    quote_spanned! {span=>
        #declare

        // Every output's values (for `job_update`) before the result takes the last ones; the
        // run completes only once every output has a value.
        let __nt_outputs = __nt_net.rt.listening().then(|| {
            let mut map = #nt::__private::Map::new();
            #(map.insert(::std::string::String::from(#names), __nt_net.#cells.to_json());)*
            map
        });
        #(let #vars = #takes;)*
        let __nt_result = match (#(#vars,)*) {
            (#(::core::result::Result::Ok(#vars),)*) => ::core::result::Result::Ok(WorkflowResult { #(#fields: #vars,)* }),
            (#(#vars,)*) => ::core::result::Result::Err(
                [#(#vars.err()),*].into_iter().flatten().next()
                    .unwrap_or(#nt::workflows::RunError::Cancelled),
            ),
        };
        __nt_net.rt.finished(__nt_outputs, __nt_result.as_ref().err()).await;
        __nt_result
    }
}
