//! Turns a parsed [`NodeModel`] into the node's runtime adapter, metadata and registration.

use crate::diagnostics::Diagnostics;
use crate::parse::{self, DefaultValue, FieldModel, FnNode, Mode, NodeModel, Role};
use crate::static_impl;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Item, ItemFn, ItemStruct};

/// `#[node]` on a struct or an fn.
pub(crate) fn expand_node(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut diags = Diagnostics::default();
    let options = parse::parse_options(attr.clone(), &mut diags);
    let parsed: syn::Result<Item> = syn::parse2(item.clone());
    let expanded = match parsed {
        Ok(Item::Struct(mut s)) => {
            let model = parse::parse_struct(options, &mut s, &mut diags);
            match model {
                Some(model) if diags.is_empty() => {
                    let node_impl = node_impl(&model);
                    Ok(quote!(#s #node_impl))
                }
                _ => Err(quote!(#s)),
            }
        }
        Ok(Item::Fn(mut f)) => {
            let node = parse::parse_fn(options, &mut f, &mut diags);
            match node {
                Some(node) if diags.is_empty() => Ok(fn_node(&f, &node)),
                _ => Err(quote!(#f)),
            }
        }
        Ok(Item::Impl(i)) => {
            if !attr.is_empty() {
                diags.error(
                    attr.span(),
                    "options go on the struct's `#[node(...)]`; the impl block takes a bare `#[node]`",
                );
            }
            match static_impl::parse_impl(&i) {
                Ok(firing) if diags.is_empty() => {
                    let behaviour = static_impl::behaviour_impl(&i, &firing);
                    Ok(quote!(#i #behaviour))
                }
                Ok(_) => Err(quote!(#i)),
                Err(e) => {
                    diags.push(e);
                    Err(quote!(#i))
                }
            }
        }
        Ok(other) => {
            diags.error(other.span(), "`#[node]` goes on a struct (its fields are the inputs) or an async fn (its parameters are)");
            Err(item)
        }
        Err(e) => {
            diags.push(e);
            Err(item)
        }
    };
    match expanded {
        Ok(tokens) => tokens,
        // Keep the user's item so that the errors are the only errors.
        Err(original) => {
            let errors = diags.into_compile_errors();
            quote!(#original #errors)
        }
    }
}

fn fn_node(f: &ItemFn, node: &FnNode) -> TokenStream {
    let model = &node.model;
    let ident = &model.ident;
    let vis = &f.vis;
    let fn_ident = &f.sig.ident;
    let output = &node.output;
    let field_defs = model.fields.iter().map(|field| {
        let (name, ty) = (&field.ident, &field.ty);
        let doc = field
            .doc
            .clone()
            .unwrap_or_else(|| format!("Input `{name}`."));
        quote!(#[doc = #doc] pub #name: #ty)
    });
    let args = model.fields.iter().map(|field| {
        let name = &field.ident;
        quote_spanned!(field.ty.span()=> ::core::clone::Clone::clone(&self.#name))
    });
    let ctx_arg = node.takes_ctx.then(|| quote!(ctx,));
    let call = if node.is_async {
        quote!(#fn_ident(#ctx_arg #(#args),*).await)
    } else {
        quote!(#fn_ident(#ctx_arg #(#args),*))
    };
    let body = if node.returns_result {
        quote!(#call.map_err(::core::convert::Into::into))
    } else {
        quote!(::core::result::Result::Ok(#call))
    };
    let doc = (!model.description.is_empty()).then(|| {
        let d = &model.description;
        quote!(#[doc = #d])
    });
    let node_impl = node_impl(model);
    quote! {
        #f

        #doc
        #[derive(Debug, Clone)]
        #vis struct #ident { #(#field_defs),* }

        impl ::nodetool::workflows::Process for #ident {
            type Output = #output;
            fn process(&self, ctx: &::nodetool::workflows::ProcessingContext)
                -> impl ::core::future::Future<Output = ::nodetool::Result<#output>> + ::core::marker::Send
            {
                async move {
                    let _ = ctx;
                    #body
                }
            }
        }

        impl #ident {
            /// Runs the node's function on the node's inputs.
            pub async fn process(&self, ctx: &::nodetool::workflows::ProcessingContext)
                -> ::core::result::Result<#output, ::nodetool::workflows::BoxError>
            {
                <Self as ::nodetool::workflows::Process>::process(self, ctx).await
            }
        }

        #node_impl
    }
}

fn default_tokens(field: &FieldModel) -> Option<TokenStream> {
    let ty = &field.ty;
    match &field.default {
        DefaultValue::Expr(e) => Some(quote!(<#ty as ::core::convert::From<_>>::from(#e))),
        DefaultValue::Trait => Some(quote!(<#ty as ::core::default::Default>::default())),
        DefaultValue::None if field.is_option() => Some(quote!(::core::option::Option::None)),
        DefaultValue::None => None,
    }
}

/// The adapter, metadata and registration of a node struct.
pub(crate) fn node_impl(model: &NodeModel) -> TokenStream {
    let ident = &model.ident;
    let opts = &model.options;
    let class_name = opts.name.clone().unwrap_or_else(|| ident.to_string());
    let node_type = format!("{}.{}", model.namespace, class_name);
    let namespace = &model.namespace;
    let nt = quote!(::nodetool);
    let title = match &opts.title {
        Some(t) => quote!(::std::string::String::from(#t)),
        None => quote!(#nt::metadata::title_case(#class_name)),
    };
    let description = &model.description;
    let layout = opts.layout.clone().unwrap_or_else(|| "default".to_owned());

    let slots: Vec<_> = model.fields.iter().map(|f| f.ident.clone()).collect();
    let pending_ident = format_ident!("{}Inputs", ident);
    let required: Vec<_> = model
        .fields
        .iter()
        .filter(|f| default_tokens(f).is_none())
        .map(|f| {
            let name = f.ident.to_string();
            let message = format!(
                "`{ident}` needs its input `{name}`: give it a value (`{name}: ...`) or an edge (`{name}: node.output`)"
            );
            quote!((#name, #message))
        })
        .collect();
    let tys: Vec<_> = model.fields.iter().map(|f| &f.ty).collect();
    let names: Vec<_> = model.fields.iter().map(|f| &f.ident).collect();
    let name_strs: Vec<String> = names.iter().map(ToString::to_string).collect();
    let indices: Vec<usize> = (0..model.fields.len()).collect();
    let inits = model.fields.iter().map(|f| match default_tokens(f) {
        Some(d) => quote!(::core::option::Option::Some(#d)),
        None => quote!(::core::option::Option::None),
    });

    let properties = model.fields.iter().map(|f| {
        let ty = &f.ty;
        let name = f.ident.to_string();
        let title = match &f.title {
            Some(t) => quote!(::std::string::String::from(#t)),
            None => quote!(#nt::metadata::title_case(#name)),
        };
        let doc = opt_str(f.doc.as_deref());
        let default = match default_tokens(f) {
            Some(d) => quote!(::core::option::Option::Some(<#ty as #nt::metadata::NodeValue>::into_value(#d))),
            None => quote!(::core::option::Option::None),
        };
        let min = opt_f64(f.min);
        let max = opt_f64(f.max);
        let required = default_tokens(f).is_none();
        quote! {
            #nt::metadata::Property {
                name: ::std::string::String::from(#name),
                type_metadata: <#ty as #nt::metadata::NodeValue>::type_metadata(),
                default: #default,
                title: ::core::option::Option::Some(#title),
                description: #doc,
                min: #min,
                max: #max,
                json_schema_extra: ::core::option::Option::None,
                required: #required,
            }
        }
    });

    let (mode, slots_expr, is_streaming_output) = match opts.mode {
        Mode::Buffered => (
            quote!(Buffered),
            quote_spanned!(ident.span()=> #nt::__private::slots_of_process(<#ident as #nt::workflows::Process>::process)),
            false,
        ),
        Mode::StreamingOutput => (
            quote!(StreamingOutput),
            quote_spanned!(ident.span()=> #nt::__private::slots_of_gen_process(<#ident as #nt::workflows::GenProcess>::gen_process)),
            true,
        ),
        Mode::StreamingInput => (
            quote!(StreamingInput),
            quote_spanned!(ident.span()=> #nt::__private::slots_of_run(<#ident as #nt::workflows::Run>::run)),
            false,
        ),
    };
    let role = match opts.role {
        Role::Regular => quote!(Regular),
        Role::Input => quote!(Input),
        Role::Output => quote!(Output),
        Role::Preview => quote!(Preview),
    };
    let basic_fields: Vec<String> = match opts.role {
        Role::Input | Role::Output => vec!["name".into(), "value".into()],
        _ => name_strs.clone(),
    };
    let (cacheable, requires_gpu, expose_as_tool) =
        (opts.cacheable, opts.requires_gpu, opts.expose_as_tool);

    let behaviour = match opts.mode {
        Mode::Buffered => quote! {
            fn __process_dyn<'a>(
                node: &'a mut Self,
                ctx: &'a #nt::workflows::ProcessingContext,
                outputs: &'a mut #nt::workflows::NodeOutputs,
            ) -> #nt::workflows::BoxFuture<'a, ::core::result::Result<(), #nt::workflows::NodeError>> {
                ::std::boxed::Box::pin(async move {
                    let out = <#ident as #nt::workflows::Process>::process(node, ctx).await.map_err(#nt::workflows::NodeError::failed)?;
                    outputs.send_all(#nt::workflows::Outputs::into_values(out)).await
                })
            }
        },
        Mode::StreamingOutput => quote! {
            fn __process_dyn<'a>(
                node: &'a mut Self,
                ctx: &'a #nt::workflows::ProcessingContext,
                outputs: &'a mut #nt::workflows::NodeOutputs,
            ) -> #nt::workflows::BoxFuture<'a, ::core::result::Result<(), #nt::workflows::NodeError>> {
                ::std::boxed::Box::pin(async move {
                    <#ident as #nt::workflows::GenProcess>::gen_process(node, ctx, #nt::workflows::Emitter::new(outputs))
                        .await
                        .map_err(#nt::workflows::NodeError::failed)
                })
            }
        },
        Mode::StreamingInput => quote! {
            fn __process_dyn<'a>(
                node: &'a mut Self,
                ctx: &'a #nt::workflows::ProcessingContext,
                outputs: &'a mut #nt::workflows::NodeOutputs,
            ) -> #nt::workflows::BoxFuture<'a, ::core::result::Result<(), #nt::workflows::NodeError>> {
                let _ = (node, ctx, outputs);
                ::std::boxed::Box::pin(async {
                    ::core::result::Result::Err(#nt::workflows::NodeError::failed(
                        "a streaming-input node runs once over its inbox, never per set of inputs",
                    ))
                })
            }

            fn __run_dyn<'a>(
                node: &'a mut Self,
                ctx: &'a #nt::workflows::ProcessingContext,
                inputs: &'a mut #nt::workflows::NodeInputs,
                outputs: &'a mut #nt::workflows::NodeOutputs,
            ) -> #nt::workflows::BoxFuture<'a, ::core::result::Result<(), #nt::workflows::NodeError>> {
                ::std::boxed::Box::pin(async move {
                    <#ident as #nt::workflows::Run>::run(node, ctx, inputs, #nt::workflows::Emitter::new(outputs))
                        .await
                        .map_err(#nt::workflows::NodeError::failed)
                })
            }
        },
    };
    let static_node =
        static_impl::static_node_impl(&quote_spanned!(ident.span()=> #ident), opts.mode);

    quote! {
        #static_node

        const _: () = {
            const __DESCRIPTOR: #nt::workflows::NodeDescriptor = #nt::workflows::NodeDescriptor {
                node_type: #node_type,
                mode: #nt::workflows::ExecutionMode::#mode,
                role: #nt::workflows::NodeRole::#role,
                flags: #nt::workflows::NodeFlags {
                    cacheable: #cacheable,
                    requires_gpu: #requires_gpu,
                    expose_as_tool: #expose_as_tool,
                },
                metadata: __metadata,
                create: __create,
            };
            static __STATIC_DESCRIPTOR: #nt::workflows::NodeDescriptor = __DESCRIPTOR;

            #nt::__private::inventory::submit! { __DESCRIPTOR }

            fn __metadata() -> #nt::metadata::NodeMetadata {
                #nt::metadata::NodeMetadata {
                    title: #title,
                    description: ::std::string::String::from(#description),
                    namespace: ::std::string::String::from(#namespace),
                    node_type: ::std::string::String::from(#node_type),
                    layout: ::std::string::String::from(#layout),
                    properties: ::std::vec![#(#properties),*],
                    outputs: #slots_expr,
                    the_model_info: ::core::default::Default::default(),
                    recommended_models: ::std::vec::Vec::new(),
                    basic_fields: ::std::vec![#(::std::string::String::from(#basic_fields)),*],
                    is_dynamic: false,
                    is_streaming_output: #is_streaming_output,
                    expose_as_tool: #expose_as_tool,
                    supports_dynamic_outputs: false,
                }
            }

            fn __create() -> ::std::boxed::Box<dyn #nt::workflows::Node> {
                ::std::boxed::Box::new(#nt::__private::Adapter::<#ident>::new())
            }

            impl #nt::workflows::NodeType for #ident {
                const NODE_TYPE: &'static str = #node_type;
                fn descriptor() -> &'static #nt::workflows::NodeDescriptor {
                    &__STATIC_DESCRIPTOR
                }
            }

            /// The node's inputs while they are being filled in (`workflow!` templates).
            #[doc(hidden)]
            #[derive(Clone)]
            #[allow(non_camel_case_types)]
            pub struct #pending_ident {
                #(pub #slots: ::core::option::Option<#tys>,)*
            }

            impl #nt::__private::NodeFields for #ident {
                type Pending = #pending_ident;
                const INPUT_NAMES: &'static [&'static str] = &[#(#name_strs),*];
                const REQUIRED: &'static [(&'static str, &'static str)] = &[#(#required),*];

                fn pending() -> #pending_ident {
                    #pending_ident { #(#slots: #inits,)* }
                }

                #[allow(unused_variables)]
                fn get(pending: &#pending_ident, index: usize) -> ::core::option::Option<#nt::__private::Value> {
                    match index {
                        #(#indices => pending.#slots.clone().map(#nt::metadata::NodeValue::into_value),)*
                        _ => ::core::option::Option::None,
                    }
                }

                #[allow(unused_variables)]
                fn current(
                    node: ::core::option::Option<&Self>,
                    pending: &#pending_ident,
                    index: usize,
                ) -> ::core::option::Option<#nt::__private::Value> {
                    match (node, index) {
                        #((::core::option::Option::Some(n), #indices) => ::core::option::Option::Some(#nt::__private::value_of(&n.#names)),)*
                        (::core::option::Option::None, index) => Self::get(pending, index),
                        _ => ::core::option::Option::None,
                    }
                }

                #[allow(unused_variables)]
                fn clear(
                    node: &mut ::core::option::Option<Self>,
                    pending: &mut #pending_ident,
                    index: usize,
                ) {
                    // Back to pending inputs (every field is an input), then unset one.
                    if let ::core::option::Option::Some(n) = node.take() {
                        *pending = #pending_ident { #(#slots: ::core::option::Option::Some(n.#names),)* };
                    }
                    match index {
                        #(#indices => pending.#slots = ::core::option::Option::None,)*
                        _ => {}
                    }
                }

                fn build(pending: &mut #pending_ident) -> ::core::result::Result<Self, #nt::workflows::NodeError> {
                    #(
                        if pending.#slots.is_none() {
                            return ::core::result::Result::Err(#nt::workflows::NodeError::MissingInput {
                                handle: ::std::string::String::from(#name_strs),
                            });
                        }
                    )*
                    #[allow(unreachable_patterns)]
                    match (#(pending.#slots.take(),)*) {
                        (#(::core::option::Option::Some(#names),)*) => ::core::result::Result::Ok(Self { #(#names,)* }),
                        _ => ::core::result::Result::Err(#nt::workflows::NodeError::failed("an input vanished while the node was built")),
                    }
                }

                #[allow(unused_variables, unreachable_code)]
                fn set(
                    node: ::core::option::Option<&mut Self>,
                    pending: &mut #pending_ident,
                    index: usize,
                    value: #nt::__private::Value,
                ) -> ::core::result::Result<(), #nt::workflows::NodeError> {
                    match index {
                        #(
                            #indices => {
                                let v = <#tys as #nt::metadata::NodeValue>::from_value(value).map_err(|source| {
                                    #nt::workflows::NodeError::InvalidInput {
                                        handle: ::std::string::String::from(#name_strs),
                                        source,
                                    }
                                })?;
                                match node {
                                    ::core::option::Option::Some(n) => n.#names = v,
                                    ::core::option::Option::None => pending.#slots = ::core::option::Option::Some(v),
                                }
                            }
                        )*
                        _ => return ::core::result::Result::Err(#nt::workflows::NodeError::failed(
                            ::std::format!("{} has no input with index {}", #node_type, index),
                        )),
                    }
                    ::core::result::Result::Ok(())
                }
            }

            impl #nt::__private::NodeBehaviour for #ident {
                #behaviour
            }
        };
    }
}

fn opt_str(s: Option<&str>) -> TokenStream {
    match s {
        Some(s) => quote!(::core::option::Option::Some(::std::string::String::from(#s))),
        None => quote!(::core::option::Option::None),
    }
}

fn opt_f64(v: Option<f64>) -> TokenStream {
    match v {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}

/// `#[derive(Outputs)]` on a struct with named fields.
pub(crate) fn expand_outputs(item: TokenStream) -> TokenStream {
    let s: ItemStruct = match syn::parse2(item) {
        Ok(s) => s,
        Err(e) => return e.to_compile_error(),
    };
    let syn::Fields::Named(fields) = &s.fields else {
        return syn::Error::new(
            s.ident.span(),
            "`#[derive(Outputs)]` needs named fields: each field is one output",
        )
        .to_compile_error();
    };
    let ident = &s.ident;
    let nt = quote!(::nodetool);
    let names: Vec<_> = fields
        .named
        .iter()
        .filter_map(|f| f.ident.clone())
        .collect();
    let name_strs: Vec<String> = names.iter().map(ToString::to_string).collect();
    let tys: Vec<_> = fields.named.iter().map(|f| &f.ty).collect();
    let indices: Vec<usize> = (0..names.len()).collect();
    quote! {
        impl #nt::workflows::Outputs for #ident {
            type Fields = Self;
            fn into_fields(self) -> Self {
                self
            }
            fn slots() -> ::std::vec::Vec<#nt::metadata::OutputSlot> {
                ::std::vec![#(
                    #nt::metadata::OutputSlot {
                        type_metadata: <#tys as #nt::metadata::NodeValue>::type_metadata(),
                        name: ::std::string::String::from(#name_strs),
                        stream: false,
                    }
                ),*]
            }
            fn into_values(self) -> #nt::workflows::OutputValues {
                #nt::workflows::OutputValues::Many(::std::vec![#(
                    (#indices, <#tys as #nt::metadata::NodeValue>::into_value(self.#names))
                ),*])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_a_struct_node_with_registration_and_metadata() {
        let out = expand_node(
            quote!(namespace = "t.text"),
            quote! {
                /// Upper-cases.
                pub struct Upper { #[input(default = "")] pub text: String }
            },
        )
        .to_string();
        assert!(out.contains("\"t.text.Upper\""), "{out}");
        assert!(out.contains("inventory :: submit !"), "{out}");
        assert!(out.contains("slots_of_process"), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn reports_errors_instead_of_code() {
        let out = expand_node(
            quote!(namespace = "x", bogus),
            quote!(
                pub struct A {
                    pub a: i64,
                }
            ),
        )
        .to_string();
        assert!(out.contains("compile_error"), "{out}");
        assert!(!out.contains("inventory"), "{out}");
        let out = expand_node(
            quote!(namespace = "x"),
            quote!(
                pub enum E {
                    A,
                }
            ),
        )
        .to_string();
        assert!(out.contains("goes on a struct"), "{out}");
    }

    #[test]
    fn derives_outputs() {
        let out = expand_outputs(quote!(
            struct DivMod {
                quotient: i64,
                remainder: i64,
            }
        ))
        .to_string();
        assert!(
            out.contains("\"quotient\"") && out.contains("\"remainder\""),
            "{out}"
        );
        let out = expand_outputs(quote!(
            struct T(i64);
        ))
        .to_string();
        assert!(out.contains("needs named fields"), "{out}");
    }
}
