//! Reads `#[node(...)]` items into a [`NodeModel`], collecting every error with its span.

use crate::diagnostics::Diagnostics;
use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Fields, Ident, ItemFn, ItemStruct, Lit, LitStr, Type};

/// How the runner drives the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Buffered,
    StreamingOutput,
    StreamingInput,
}

/// What part the node plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Regular,
    Input,
    Output,
    Preview,
}

/// The options of `#[node(...)]`.
#[derive(Debug)]
pub(crate) struct NodeOptions {
    pub(crate) namespace: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) title: Option<String>,
    pub(crate) layout: Option<String>,
    pub(crate) mode: Mode,
    pub(crate) role: Role,
    pub(crate) cacheable: bool,
    pub(crate) requires_gpu: bool,
    pub(crate) expose_as_tool: bool,
}

/// A field's default value.
#[derive(Debug)]
pub(crate) enum DefaultValue {
    /// Required (unless the type is an `Option`).
    None,
    /// `#[input(default)]`: `Default::default()`.
    Trait,
    /// `#[input(default = EXPR)]`.
    Expr(Expr),
}

/// One input of the node.
#[derive(Debug)]
pub(crate) struct FieldModel {
    pub(crate) ident: Ident,
    pub(crate) ty: Type,
    pub(crate) doc: Option<String>,
    pub(crate) default: DefaultValue,
    pub(crate) title: Option<String>,
    pub(crate) min: Option<f64>,
    pub(crate) max: Option<f64>,
}

impl FieldModel {
    /// Whether the field's type is `Option<..>` (an implicit `None` default).
    pub(crate) fn is_option(&self) -> bool {
        match &self.ty {
            Type::Path(p) => {
                p.qself.is_none() && p.path.segments.last().is_some_and(|s| s.ident == "Option")
            }
            _ => false,
        }
    }
}

/// A node declaration, parsed.
#[derive(Debug)]
pub(crate) struct NodeModel {
    pub(crate) ident: Ident,
    pub(crate) options: NodeOptions,
    pub(crate) namespace: String,
    pub(crate) description: String,
    pub(crate) fields: Vec<FieldModel>,
}

/// Parses the options of `#[node(...)]`.
pub(crate) fn parse_options(attr: TokenStream, diags: &mut Diagnostics) -> NodeOptions {
    let mut options = NodeOptions {
        namespace: None,
        name: None,
        title: None,
        layout: None,
        mode: Mode::Buffered,
        role: Role::Regular,
        cacheable: false,
        requires_gpu: false,
        expose_as_tool: false,
    };
    let mut mode_span: Option<Span> = None;
    let parser = syn::meta::parser(|meta| {
        let key = meta
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        let span = meta.path.span();
        let mut set_mode = |mode: Mode, options: &mut NodeOptions| {
            if mode_span.is_some() {
                diags.error(
                    span,
                    "a node is either `streaming_output` or `streaming_input`, not both",
                );
            }
            mode_span = Some(span);
            options.mode = mode;
        };
        match key.as_str() {
            "namespace" => options.namespace = Some(string_value(&meta)?),
            "name" => options.name = Some(string_value(&meta)?),
            "title" => options.title = Some(string_value(&meta)?),
            "layout" => options.layout = Some(string_value(&meta)?),
            "role" => {
                let lit: LitStr = meta.value()?.parse()?;
                options.role = match lit.value().as_str() {
                    "input" => Role::Input,
                    "output" => Role::Output,
                    "preview" => Role::Preview,
                    other => {
                        diags.error(lit.span(), format!("unknown role `{other}`: expected \"input\", \"output\" or \"preview\""));
                        Role::Regular
                    }
                };
            }
            "streaming_output" => set_mode(Mode::StreamingOutput, &mut options),
            "streaming_input" => set_mode(Mode::StreamingInput, &mut options),
            "cacheable" => options.cacheable = true,
            "requires_gpu" => options.requires_gpu = true,
            "expose_as_tool" => options.expose_as_tool = true,
            _ => {
                if meta.input.peek(syn::Token![=]) {
                    let _: Expr = meta.value()?.parse()?;
                }
                diags.error(
                span,
                format!(
                    "unknown `#[node]` option `{}`: expected one of namespace, name, title, layout, role, \
                     streaming_output, streaming_input, cacheable, requires_gpu, expose_as_tool",
                    path_text(&meta.path)
                ),
            )
            }
        }
        Ok(())
    });
    if let Err(e) = syn::parse::Parser::parse2(parser, attr) {
        diags.push(e);
    }
    options
}

fn path_text(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

fn string_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<String> {
    let lit: LitStr = meta.value()?.parse()?;
    Ok(lit.value())
}

/// The text of `///` doc comments, trimmed and joined by newlines.
pub(crate) fn doc_text(attrs: &[Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => Some(s.value().trim().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let text = lines.join("\n").trim().to_owned();
    (!text.is_empty()).then_some(text)
}

/// Parses the `#[input(...)]` attributes of one field and removes them.
pub(crate) fn parse_field(
    ident: Ident,
    ty: Type,
    attrs: &mut Vec<Attribute>,
    diags: &mut Diagnostics,
) -> FieldModel {
    let mut field = FieldModel {
        ident,
        ty,
        doc: doc_text(attrs),
        default: DefaultValue::None,
        title: None,
        min: None,
        max: None,
    };
    for attr in attrs.iter().filter(|a| a.path().is_ident("input")) {
        let result = attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            match key.as_str() {
                "default" => {
                    field.default = if meta.input.peek(syn::Token![=]) {
                        DefaultValue::Expr(meta.value()?.parse()?)
                    } else {
                        DefaultValue::Trait
                    };
                }
                "title" => field.title = Some(string_value(&meta)?),
                "min" => field.min = Some(number_value(&meta)?),
                "max" => field.max = Some(number_value(&meta)?),
                _ => {
                    if meta.input.peek(syn::Token![=]) {
                        let _: Expr = meta.value()?.parse()?;
                    }
                    diags.error(
                        meta.path.span(),
                        format!(
                            "unknown `#[input]` option `{}`: expected one of default, title, min, max",
                            path_text(&meta.path)
                        ),
                    )
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            diags.push(e);
        }
    }
    attrs.retain(|a| !a.path().is_ident("input"));
    field
}

fn number_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<f64> {
    let expr: Expr = meta.value()?.parse()?;
    let (negative, inner) = match &expr {
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => (true, &*u.expr),
        other => (false, other),
    };
    let value = match inner {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => i.base10_parse::<f64>()?,
        Expr::Lit(ExprLit {
            lit: Lit::Float(f), ..
        }) => f.base10_parse::<f64>()?,
        other => {
            return Err(syn::Error::new(
                other.span(),
                "expected a number, e.g. `min = 0` or `max = 1.5`",
            ))
        }
    };
    Ok(if negative { -value } else { value })
}

/// Parses a `#[node]` struct, stripping the `#[input]` attributes from `item`.
pub(crate) fn parse_struct(
    options: NodeOptions,
    item: &mut ItemStruct,
    diags: &mut Diagnostics,
) -> Option<NodeModel> {
    if !item.generics.params.is_empty() {
        diags.error(
            item.generics.span(),
            "a node struct cannot be generic: the registry needs one concrete type per node type",
        );
    }
    let fields = match &mut item.fields {
        Fields::Named(named) => named
            .named
            .iter_mut()
            .filter_map(|f| {
                let ident = f.ident.clone()?;
                Some(parse_field(ident, f.ty.clone(), &mut f.attrs, diags))
            })
            .collect(),
        Fields::Unit => Vec::new(),
        Fields::Unnamed(unnamed) => {
            diags.error(
                unnamed.span(),
                "a node's inputs need names: use a struct with named fields",
            );
            return None;
        }
    };
    finish(options, item.ident.clone(), &item.attrs, fields, diags)
}

fn finish(
    options: NodeOptions,
    ident: Ident,
    attrs: &[Attribute],
    fields: Vec<FieldModel>,
    diags: &mut Diagnostics,
) -> Option<NodeModel> {
    let namespace = match &options.namespace {
        Some(ns) if ns.is_empty() || ns.split('.').any(str::is_empty) => {
            diags.error(
                ident.span(),
                format!(
                    "invalid namespace `{ns}`: use dot-separated names, e.g. \"nodetool.text\""
                ),
            );
            return None;
        }
        Some(ns) => ns.clone(),
        None => {
            diags.error(
                ident.span(),
                "missing namespace: write `#[node(namespace = \"...\")]`, e.g. `#[node(namespace = \"nodetool.text\")]`",
            );
            return None;
        }
    };
    Some(NodeModel {
        description: doc_text(attrs).unwrap_or_default(),
        ident,
        options,
        namespace,
        fields,
    })
}

/// A `#[node]` async fn: its parameters become inputs.
pub(crate) struct FnNode {
    pub(crate) model: NodeModel,
    /// Whether the first parameter is the processing context.
    pub(crate) takes_ctx: bool,
    /// Whether the fn returns a `Result`.
    pub(crate) returns_result: bool,
    /// The output type (the `Ok` type for a `Result`).
    pub(crate) output: Type,
    /// Whether the fn is async.
    pub(crate) is_async: bool,
}

/// Parses a `#[node]` fn, stripping the `#[input]` attributes from its parameters.
pub(crate) fn parse_fn(
    options: NodeOptions,
    item: &mut ItemFn,
    diags: &mut Diagnostics,
) -> Option<FnNode> {
    if options.mode != Mode::Buffered {
        diags.error(item.sig.ident.span(), "streaming nodes need the struct form: write a struct with `#[node]` and a `gen_process` or `run` method");
    }
    if !item.sig.generics.params.is_empty() {
        diags.error(item.sig.generics.span(), "a node fn cannot be generic");
    }
    let mut takes_ctx = false;
    let mut fields = Vec::new();
    for (i, input) in item.sig.inputs.iter_mut().enumerate() {
        match input {
            syn::FnArg::Receiver(r) => {
                diags.error(r.span(), "a node fn is a free function: remove `self`")
            }
            syn::FnArg::Typed(pt) => {
                if i == 0 && matches!(&*pt.ty, Type::Reference(_)) {
                    takes_ctx = true;
                    continue;
                }
                let syn::Pat::Ident(pat) = &*pt.pat else {
                    diags.error(
                        pt.pat.span(),
                        "a node input needs a plain name, e.g. `a: f64`",
                    );
                    continue;
                };
                fields.push(parse_field(
                    pat.ident.clone(),
                    (*pt.ty).clone(),
                    &mut pt.attrs,
                    diags,
                ));
                // A parameter's doc comment is its input's description; Rust allows none there.
                pt.attrs.retain(|a| !a.path().is_ident("doc"));
            }
        }
    }
    let (output, returns_result) = match &item.sig.output {
        syn::ReturnType::Default => (syn::parse_quote!(()), false),
        syn::ReturnType::Type(_, ty) => match result_ok_type(ty) {
            Some(ok) => (ok, true),
            None => ((**ty).clone(), false),
        },
    };
    let struct_name = options
        .name
        .clone()
        .unwrap_or_else(|| pascal_case(&item.sig.ident.to_string()));
    let ident = Ident::new(&struct_name, item.sig.ident.span());
    let is_async = item.sig.asyncness.is_some();
    let model = finish(options, ident, &item.attrs, fields, diags)?;
    Some(FnNode {
        model,
        takes_ctx,
        returns_result,
        output,
        is_async,
    })
}

/// The `T` of `Result<T>` / `Result<T, E>` (by the last path segment's name).
fn result_ok_type(ty: &Type) -> Option<Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    })
}

/// `word_count` → `WordCount`.
pub(crate) fn pascal_case(name: &str) -> String {
    name.split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn options(attr: TokenStream) -> (NodeOptions, Vec<String>) {
        let mut d = Diagnostics::default();
        let o = parse_options(attr, &mut d);
        (o, d.messages())
    }

    #[test]
    fn reads_every_option() {
        let (o, errors) = options(quote!(
            namespace = "a.b",
            title = "T",
            streaming_output,
            cacheable,
            requires_gpu,
            expose_as_tool,
            role = "output",
            layout = "small"
        ));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(o.namespace.as_deref(), Some("a.b"));
        assert_eq!(o.mode, Mode::StreamingOutput);
        assert_eq!(o.role, Role::Output);
        assert!(o.cacheable && o.requires_gpu && o.expose_as_tool);
        assert_eq!(o.layout.as_deref(), Some("small"));
    }

    #[test]
    fn reports_unknown_options_and_both_streaming_modes() {
        let (_, errors) = options(quote!(
            namespace = "a",
            colour = "red",
            streaming_output,
            streaming_input
        ));
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].starts_with("unknown `#[node]` option `colour`"));
        assert!(errors[1].contains("not both"));
    }

    #[test]
    fn reads_fields_with_defaults_docs_and_bounds() {
        let mut item: ItemStruct = syn::parse2(quote! {
            /// Adds.
            pub struct Add {
                /// First.
                #[input(default = 1.5, min = -2, max = 10, title = "A value")]
                pub a: f64,
                pub b: Option<f64>,
                #[input(default)]
                pub c: String,
            }
        })
        .unwrap();
        let mut d = Diagnostics::default();
        let (o, _) = options(quote!(namespace = "lib.math"));
        let model = parse_struct(o, &mut item, &mut d).unwrap();
        assert!(d.is_empty());
        assert_eq!(model.description, "Adds.");
        let a = &model.fields[0];
        assert_eq!(a.doc.as_deref(), Some("First."));
        assert_eq!((a.min, a.max), (Some(-2.0), Some(10.0)));
        assert!(matches!(a.default, DefaultValue::Expr(_)));
        assert!(model.fields[1].is_option());
        assert!(matches!(model.fields[2].default, DefaultValue::Trait));
        // The #[input] attributes are gone from the emitted struct.
        assert!(quote!(#item).to_string().find("input").is_none());
    }

    #[test]
    fn requires_a_namespace() {
        let mut item: ItemStruct = syn::parse2(quote!(
            struct X;
        ))
        .unwrap();
        let mut d = Diagnostics::default();
        let (o, _) = options(quote!());
        assert!(parse_struct(o, &mut item, &mut d).is_none());
        assert!(d.messages()[0].starts_with("missing namespace"));
    }

    #[test]
    fn reads_fn_nodes() {
        let mut item: ItemFn = syn::parse2(quote! {
            /// Counts words.
            async fn word_count(ctx: &ProcessingContext, text: String) -> Result<usize> { todo!() }
        })
        .unwrap();
        let mut d = Diagnostics::default();
        let (o, _) = options(quote!(namespace = "t"));
        let f = parse_fn(o, &mut item, &mut d).unwrap();
        assert!(f.takes_ctx && f.returns_result && f.is_async);
        assert_eq!(f.model.ident.to_string(), "WordCount");
        assert_eq!(f.model.fields.len(), 1);
        let out = &f.output;
        assert_eq!(quote!(#out).to_string(), "usize");
    }

    #[test]
    fn pascal_cases_names() {
        assert_eq!(pascal_case("word_count"), "WordCount");
        assert_eq!(pascal_case("add"), "Add");
    }
}
