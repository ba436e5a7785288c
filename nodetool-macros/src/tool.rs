//! `#[tool]`: an async fn becomes an agent tool — a unit struct (the fn's name in PascalCase)
//! implementing `nodetool::agents::Tool`, named after the fn, described by its doc comment,
//! with a JSON Schema of its parameters (schemars) described by their doc comments.

use crate::diagnostics::Diagnostics;
use crate::parse::{doc_text, pascal_case};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::spanned::Spanned;
use syn::{Ident, ItemFn, LitStr, Type};

/// A `#[tool]` fn, read.
pub(crate) struct ToolFn {
    pub(crate) name: String,
    pub(crate) ident: Ident,
    pub(crate) struct_ident: Ident,
    pub(crate) description: String,
    pub(crate) takes_ctx: bool,
    pub(crate) returns_result: bool,
    pub(crate) params: Vec<ToolParam>,
}

/// One parameter of a tool.
pub(crate) struct ToolParam {
    pub(crate) ident: Ident,
    pub(crate) ty: Type,
    pub(crate) description: String,
    pub(crate) optional: bool,
}

/// Reads `#[tool(name = "…")]`.
pub(crate) fn parse_options(attr: TokenStream, diags: &mut Diagnostics) -> Option<String> {
    let mut name = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("name") {
            let lit: LitStr = meta.value()?.parse()?;
            if lit.value().is_empty()
                || !lit
                    .value()
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(syn::Error::new(
                    lit.span(),
                    "a tool name uses only letters, digits, `_` and `-`",
                ));
            }
            name = Some(lit.value());
            Ok(())
        } else {
            Err(meta.error("unknown `#[tool]` option: the only one is `name = \"…\"`"))
        }
    });
    if let Err(e) = syn::parse::Parser::parse2(parser, attr) {
        diags.push(e);
    }
    name
}

/// Reads the fn, stripping its parameters' doc comments (Rust allows none there).
pub(crate) fn parse_tool(
    name: Option<String>,
    item: &mut ItemFn,
    diags: &mut Diagnostics,
) -> Option<ToolFn> {
    if item.sig.asyncness.is_none() {
        diags.error(item.sig.fn_token.span(), "a `#[tool]` fn must be `async`");
    }
    if !item.sig.generics.params.is_empty() {
        diags.push(syn::Error::new_spanned(
            &item.sig.generics,
            "a `#[tool]` fn cannot be generic",
        ));
    }
    let description = doc_text(&item.attrs).unwrap_or_else(|| {
        diags.error(
            item.sig.ident.span(),
            "add a doc comment to this fn: it is the tool's description for the model",
        );
        String::new()
    });
    let mut takes_ctx = false;
    let mut params = Vec::new();
    for (i, input) in item.sig.inputs.iter_mut().enumerate() {
        match input {
            syn::FnArg::Receiver(r) => {
                diags.error(r.span(), "a `#[tool]` fn is a free function: remove `self`")
            }
            syn::FnArg::Typed(pt) => {
                if i == 0 && is_context(&pt.ty) {
                    takes_ctx = true;
                    continue;
                }
                let syn::Pat::Ident(pat) = &*pt.pat else {
                    diags.error(
                        pt.pat.span(),
                        "a tool parameter needs a plain name, e.g. `city: String`",
                    );
                    continue;
                };
                if matches!(&*pt.ty, Type::Reference(_)) {
                    diags.push(syn::Error::new_spanned(
                        &pt.ty,
                        "tool parameters are owned values read from JSON (only the first parameter may be `&ProcessingContext`)",
                    ));
                }
                params.push(ToolParam {
                    ident: pat.ident.clone(),
                    ty: (*pt.ty).clone(),
                    description: doc_text(&pt.attrs).unwrap_or_default(),
                    optional: is_option(&pt.ty),
                });
                pt.attrs.retain(|a| !a.path().is_ident("doc"));
            }
        }
    }
    let returns_result = match &item.sig.output {
        syn::ReturnType::Default => false,
        syn::ReturnType::Type(_, ty) => is_result(ty),
    };
    let fn_name = item.sig.ident.to_string();
    let fn_name = fn_name.strip_prefix("r#").unwrap_or(&fn_name).to_owned();
    Some(ToolFn {
        name: name.unwrap_or_else(|| fn_name.clone()),
        ident: item.sig.ident.clone(),
        struct_ident: Ident::new(&pascal_case(&fn_name), item.sig.ident.span()),
        description,
        takes_ctx,
        returns_result,
        params,
    })
}

fn last_segment_is(ty: &Type, name: &str) -> bool {
    matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == name))
}

/// `&ProcessingContext` (by the last segment of the referenced type's path).
fn is_context(ty: &Type) -> bool {
    matches!(ty, Type::Reference(r) if last_segment_is(&r.elem, "ProcessingContext"))
}

fn is_option(ty: &Type) -> bool {
    last_segment_is(ty, "Option")
}

fn is_result(ty: &Type) -> bool {
    last_segment_is(ty, "Result")
}

/// The fn as written (minus parameter docs) and the tool struct with its `Tool` impl.
pub(crate) fn codegen(item: &ItemFn, tool: &ToolFn) -> TokenStream {
    let vis = &item.vis;
    let ToolFn {
        name,
        ident,
        struct_ident,
        description,
        ..
    } = tool;
    let struct_doc = format!("The `{name}` tool (see [`{ident}`]): {description}");
    let param_specs = tool.params.iter().map(|p| {
        let key = p.ident.to_string();
        let key = key.strip_prefix("r#").unwrap_or(&key).to_owned();
        let desc = &p.description;
        let ty = &p.ty;
        let required = !p.optional;
        quote! {
            ::nodetool::agents::macro_support::ToolParam {
                name: #key,
                description: #desc,
                required: #required,
                schema: ::nodetool::agents::macro_support::schema_of::<#ty>,
            }
        }
    });
    let vars: Vec<Ident> = (0..tool.params.len())
        .map(|i| format_ident!("__arg{i}"))
        .collect();
    let takes = tool.params.iter().zip(&vars).map(|(p, var)| {
        let key = p.ident.to_string();
        let key = key.strip_prefix("r#").unwrap_or(&key).to_owned();
        let ty = &p.ty;
        quote! { let #var: #ty = __args.take(#key)?; }
    });
    let ctx_arg = tool.takes_ctx.then(|| quote! { __ctx, });
    let call = quote! { #ident(#ctx_arg #(#vars),*).await };
    let output = if tool.returns_result {
        quote! { #call.map_err(::nodetool::agents::ToolError::failed)? }
    } else {
        call
    };
    quote! {
        #item

        #[doc = #struct_doc]
        #[derive(Debug, Clone, Copy, Default)]
        #vis struct #struct_ident;

        impl ::nodetool::agents::Tool for #struct_ident {
            fn name(&self) -> &str {
                #name
            }

            fn description(&self) -> &str {
                #description
            }

            fn parameters(&self) -> ::nodetool::__private::Value {
                ::nodetool::agents::macro_support::parameters(&[#(#param_specs),*])
            }

            fn call<'__a>(
                &'__a self,
                __ctx: &'__a ::nodetool::workflows::ProcessingContext,
                __args: ::nodetool::__private::Value,
            ) -> ::nodetool::workflows::BoxFuture<
                '__a,
                ::std::result::Result<::nodetool::__private::Value, ::nodetool::agents::ToolError>,
            > {
                let _ = &__ctx;
                ::std::boxed::Box::pin(async move {
                    let mut __args = ::nodetool::agents::macro_support::Args::new(#name, __args)?;
                    #(#takes)*
                    let __out = #output;
                    ::nodetool::agents::macro_support::output(#name, __out)
                })
            }
        }
    }
}

/// The whole expansion, or every error found.
pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut diags = Diagnostics::default();
    let name = parse_options(attr, &mut diags);
    let mut item: ItemFn = match syn::parse2(item) {
        Ok(item) => item,
        Err(e) => {
            let e = syn::Error::new(e.span(), "`#[tool]` goes on an async fn");
            return e.to_compile_error();
        }
    };
    let tool = parse_tool(name, &mut item, &mut diags);
    match tool {
        Some(tool) if diags.is_empty() => codegen(&item, &tool),
        _ => {
            let errors = diags.into_compile_errors();
            quote! { #item #errors }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(attr: TokenStream, item: TokenStream) -> (Option<ToolFn>, Vec<String>, ItemFn) {
        let mut diags = Diagnostics::default();
        let name = parse_options(attr, &mut diags);
        let mut item: ItemFn = syn::parse2(item).unwrap();
        let tool = parse_tool(name, &mut item, &mut diags);
        (tool, diags.messages(), item)
    }

    #[test]
    fn reads_name_docs_parameters_and_context() {
        let (tool, errors, item) = read(
            quote! {},
            quote! {
                /// Weather for a city.
                async fn get_weather(
                    ctx: &ProcessingContext,
                    /// The city.
                    city: String,
                    days: Option<u32>,
                ) -> Result<String> { todo!() }
            },
        );
        assert!(errors.is_empty(), "{errors:?}");
        let tool = tool.unwrap();
        assert_eq!(tool.name, "get_weather");
        assert_eq!(tool.struct_ident, "GetWeather");
        assert_eq!(tool.description, "Weather for a city.");
        assert!(tool.takes_ctx && tool.returns_result);
        assert_eq!(tool.params.len(), 2);
        assert_eq!(tool.params[0].description, "The city.");
        assert!(!tool.params[0].optional && tool.params[1].optional);
        // Parameter docs are stripped (Rust allows none on parameters).
        let code = quote!(#item).to_string();
        assert!(!code.contains("The city"), "{code}");
    }

    #[test]
    fn reports_every_problem() {
        let (_, errors, _) = read(
            quote! { name = "bad name", color = "red" },
            quote! { fn sync_one<T>(&self, x: &str) -> i64 { 0 } },
        );
        let all = errors.join("\n");
        assert!(all.contains("only letters, digits"), "{all}");
        assert!(all.contains("must be `async`"), "{all}");
        assert!(all.contains("cannot be generic"), "{all}");
        assert!(all.contains("add a doc comment"), "{all}");
        assert!(all.contains("remove `self`"), "{all}");
        assert!(all.contains("owned values"), "{all}");
    }

    #[test]
    fn custom_names_are_kept() {
        let (tool, errors, _) = read(
            quote! { name = "add-numbers" },
            quote! { #[doc = "Adds."] async fn add(a: f64, b: f64) -> f64 { a + b } },
        );
        assert!(errors.is_empty(), "{errors:?}");
        let tool = tool.unwrap();
        assert_eq!(tool.name, "add-numbers");
        assert!(!tool.takes_ctx && !tool.returns_result);
    }
}
