//! The typed firing `workflow!` uses (`nodetool::workflows::StaticNode`), made from the
//! node's behaviour trait (`Process`, `GenProcess` or `Run`), and `#[node]` on an `impl`
//! block (the older spelling): it reads the output type off `process`, `gen_process` or `run`
//! and implements the behaviour trait by calling them.

use crate::parse::Mode;
use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, ImplItem, ItemImpl, PathArguments, ReturnType, Type};

/// The behaviour trait of `mode` and its associated output type's name.
fn behaviour(mode: Mode) -> (TokenStream, TokenStream) {
    match mode {
        Mode::Buffered => (quote!(::nodetool::workflows::Process), quote!(Output)),
        Mode::StreamingOutput => (quote!(::nodetool::workflows::GenProcess), quote!(Item)),
        Mode::StreamingInput => (quote!(::nodetool::workflows::Run), quote!(Item)),
    }
}

/// `<#self_ty as Trait>::Output` (or `::Item`): what one firing of the node produces.
pub(crate) fn output_of(self_ty: &TokenStream, mode: Mode) -> Type {
    let (tr, assoc) = behaviour(mode);
    syn::parse_quote!(<#self_ty as #tr>::#assoc)
}

/// `impl Process for #self_ty` (or `GenProcess`, `Run`) calling the inherent method of the
/// same name, its error boxed.
pub(crate) fn behaviour_impl(item: &ItemImpl, firing: &Firing) -> TokenStream {
    let nt = quote!(::nodetool);
    let self_ty = &item.self_ty;
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let out = &firing.out;
    let (tr, assoc) = behaviour(firing.mode);
    let result = |t: TokenStream| quote!(impl ::core::future::Future<Output = #nt::Result<#t>> + ::core::marker::Send);
    let method = match firing.mode {
        Mode::Buffered => {
            let ret = result(quote!(#out));
            quote! {
                fn process(&self, ctx: &#nt::workflows::ProcessingContext) -> #ret {
                    async move { <#self_ty>::process(self, ctx).await.map_err(::core::convert::Into::into) }
                }
            }
        }
        Mode::StreamingOutput => {
            let ret = result(quote!(()));
            quote! {
                fn gen_process(
                    &self,
                    ctx: &#nt::workflows::ProcessingContext,
                    out: #nt::workflows::Emitter<'_, #out>,
                ) -> #ret {
                    async move { <#self_ty>::gen_process(self, ctx, out).await.map_err(::core::convert::Into::into) }
                }
            }
        }
        Mode::StreamingInput => {
            let ret = result(quote!(()));
            quote! {
                fn run(
                    &mut self,
                    ctx: &#nt::workflows::ProcessingContext,
                    inputs: &mut #nt::workflows::NodeInputs,
                    out: #nt::workflows::Emitter<'_, #out>,
                ) -> #ret {
                    async move { <#self_ty>::run(self, ctx, inputs, out).await.map_err(::core::convert::Into::into) }
                }
            }
        }
    };
    quote! {
        impl #impl_generics #tr for #self_ty #where_clause {
            type #assoc = #out;
            #method
        }
    }
}

/// What `workflow!` needs of a node's method: how it runs and what one firing produces.
pub(crate) struct Firing {
    pub(crate) mode: Mode,
    pub(crate) out: Type,
}

/// Finds the node method in `item` and reads its output type.
pub(crate) fn parse_impl(item: &ItemImpl) -> syn::Result<Firing> {
    let methods: Vec<_> = item
        .items
        .iter()
        .filter_map(|i| match i {
            ImplItem::Fn(f) => Some(f),
            _ => None,
        })
        .filter(|f| {
            matches!(
                f.sig.ident.to_string().as_str(),
                "process" | "gen_process" | "run"
            )
        })
        .collect();
    let method = match methods.as_slice() {
        [one] => *one,
        [] => {
            return Err(syn::Error::new(
                item.self_ty.span(),
                "`#[node]` on an impl block needs the node's `process`, `gen_process` or `run` method in it",
            ))
        }
        [_, second, ..] => {
            return Err(syn::Error::new(
                second.sig.ident.span(),
                "a node has one of `process`, `gen_process` or `run`, not several",
            ))
        }
    };
    let sig = &method.sig;
    match sig.ident.to_string().as_str() {
        "process" => {
            let ReturnType::Type(_, ty) = &sig.output else {
                return Err(syn::Error::new(
                    sig.ident.span(),
                    "`process` returns `Result<T>`: the node's output `T`",
                ));
            };
            let out = first_generic(ty).ok_or_else(|| {
                syn::Error::new(
                    ty.span(),
                    "`process` returns `Result<T>`: the node's output `T`",
                )
            })?;
            Ok(Firing {
                mode: Mode::Buffered,
                out,
            })
        }
        name => {
            let mode = if name == "run" {
                Mode::StreamingInput
            } else {
                Mode::StreamingOutput
            };
            let emitter = sig.inputs.iter().find_map(|arg| match arg {
                FnArg::Typed(t) if last_ident_is(&t.ty, "Emitter") => Some(&*t.ty),
                _ => None,
            });
            let out = emitter.and_then(emitter_item).ok_or_else(|| {
                syn::Error::new(
                    sig.ident.span(),
                    format!("`{name}` takes an `Emitter<'_, T>`: the node's output `T`"),
                )
            })?;
            Ok(Firing { mode, out })
        }
    }
}

fn last_ident_is(ty: &Type, name: &str) -> bool {
    match ty {
        Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == name),
        _ => false,
    }
}

/// `T` of `Result<T, ..>` (any path ending in a generic type).
fn first_generic(ty: &Type) -> Option<Type> {
    let Type::Path(p) = ty else { return None };
    let PathArguments::AngleBracketed(args) = &p.path.segments.last()?.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    })
}

/// `T` of `Emitter<'_, T>`.
fn emitter_item(ty: &Type) -> Option<Type> {
    first_generic(ty)
}

/// `impl StaticNode for #self_ty`, firing through the node's behaviour trait.
pub(crate) fn static_node_impl(self_ty: &TokenStream, mode: Mode) -> TokenStream {
    let nt = quote!(::nodetool);
    let out = &output_of(self_ty, mode);
    let result = quote!(::core::result::Result<(), #nt::workflows::NodeError>);
    let future = quote!(impl ::core::future::Future<Output = #result> + ::core::marker::Send);
    // `fn fire<S: OutputSink<Out>>(&mut self, ctx, sink: &mut S) -> impl Future + Send`.
    let fire_sig = quote! {
        fn fire<S: #nt::workflows::OutputSink<#out>>(
            &mut self,
            ctx: &#nt::workflows::ProcessingContext,
            sink: &mut S,
        ) -> #future
    };
    // The node's own `gen_process` or `run` future, its items left in `slot`, driven into
    // `sink`.
    let drive = |call: TokenStream| {
        quote! {
            async move {
                let slot = #nt::workflows::EmitSlot::default();
                let node = async {
                    #call.await.map_err(#nt::workflows::NodeError::failed)
                };
                slot.drive(node, sink).await
            }
        }
    };
    let emitter = quote!(#nt::workflows::Emitter::to_slot(&slot));
    let body = match mode {
        Mode::Buffered => quote! {
            #fire_sig {
                async move {
                    let out = <#self_ty as #nt::workflows::Process>::process(self, ctx).await.map_err(#nt::workflows::NodeError::failed)?;
                    #nt::workflows::OutputSink::send(sink, out).await
                }
            }
        },
        Mode::StreamingOutput => {
            let run = drive(
                quote!(<#self_ty as #nt::workflows::GenProcess>::gen_process(self, ctx, #emitter)),
            );
            quote!(#fire_sig { #run })
        }
        Mode::StreamingInput => {
            let run =
                drive(quote!(<#self_ty as #nt::workflows::Run>::run(self, ctx, inputs, #emitter)));
            quote! {
                #fire_sig {
                    let _ = (ctx, sink);
                    async {
                        ::core::result::Result::Err(#nt::workflows::NodeError::failed(
                            "a streaming-input node runs once over its inbox, never per set of inputs",
                        ))
                    }
                }

                fn run_inbox<S: #nt::workflows::OutputSink<#out>>(
                    &mut self,
                    ctx: &#nt::workflows::ProcessingContext,
                    inputs: &mut #nt::workflows::NodeInputs,
                    sink: &mut S,
                ) -> #future {
                    #run
                }
            }
        }
    };
    quote! {
        impl #nt::workflows::StaticNode for #self_ty {
            type Out = #out;
            #body
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn firing(item: TokenStream) -> syn::Result<Firing> {
        parse_impl(&syn::parse2(item).unwrap())
    }

    #[test]
    fn reads_the_output_of_each_kind_of_method() {
        let f = firing(
            quote!(impl A { async fn process(&self, ctx: &C) -> Result<String> { todo!() } }),
        )
        .unwrap();
        assert_eq!(f.mode, Mode::Buffered);
        let out = &f.out;
        assert_eq!(quote!(#out).to_string(), "String");
        let f = firing(quote!(impl A {
            fn helper(&self) {}
            async fn gen_process(&self, c: &C, out: Emitter<'_, Pair>) -> Result<()> { todo!() }
        }))
        .unwrap();
        assert_eq!(f.mode, Mode::StreamingOutput);
        let out = &f.out;
        assert_eq!(quote!(#out).to_string(), "Pair");
        let f = firing(quote!(impl A {
            async fn run(&mut self, c: &C, i: &mut NodeInputs, out: nodetool::workflows::Emitter<'_, Vec<i64>>) -> Result<()> { todo!() }
        }))
        .unwrap();
        assert_eq!(f.mode, Mode::StreamingInput);
        let out = &f.out;
        assert_eq!(quote!(#out).to_string(), "Vec < i64 >");
    }

    #[test]
    fn explains_what_is_missing() {
        let e = firing(quote!(impl A { fn other(&self) {} })).err().unwrap();
        assert!(e.to_string().contains("needs the node's `process`"), "{e}");
        let e = firing(
            quote!(impl A { async fn process(&self) -> String { todo!() } fn run(&self) {} }),
        )
        .err()
        .unwrap();
        assert!(e.to_string().contains("not several"), "{e}");
        let e =
            firing(quote!(impl A { async fn gen_process(&self, c: &C) -> Result<()> { todo!() } }))
                .err()
                .unwrap();
        assert!(e.to_string().contains("takes an `Emitter"), "{e}");
    }
}
