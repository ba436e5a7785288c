//! Reads `workflow! { … }` into a [`Workflow`]: statements, their inputs, and the edges.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ExprStruct, Ident, Lit, Member, Path, Token};

/// One statement: `name = Path { field: value, … };`.
#[derive(Debug)]
pub(crate) struct Statement {
    /// The binding, if the node is named.
    pub(crate) name: Option<Ident>,
    /// The node type.
    pub(crate) path: Path,
    /// The inputs, as written.
    pub(crate) fields: Vec<(Ident, Expr)>,
}

/// `controller controls controlled;`: a control edge.
#[derive(Debug, Clone)]
pub(crate) struct ControlStatement {
    pub(crate) controller: Ident,
    /// The `controls` keyword (where a cycle through this edge is reported).
    pub(crate) keyword: Ident,
    pub(crate) controlled: Ident,
}

/// A whole `workflow!` body, as written.
#[derive(Debug)]
pub(crate) struct Body {
    pub(crate) statements: Vec<Statement>,
    pub(crate) controls: Vec<ControlStatement>,
}

/// Whether the input starts with `name controls name`.
fn peek_control(input: ParseStream) -> bool {
    let fork = input.fork();
    fork.parse::<Ident>().is_ok()
        && fork.parse::<Ident>().is_ok_and(|kw| kw == "controls")
        && fork.peek(Ident)
}

impl Parse for Body {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut statements = Vec::new();
        let mut controls = Vec::new();
        while !input.is_empty() {
            if peek_control(input) {
                controls.push(ControlStatement {
                    controller: input.parse()?,
                    keyword: input.parse()?,
                    controlled: input.parse()?,
                });
                if input.is_empty() {
                    break;
                }
                input.parse::<Token![;]>()?;
                continue;
            }
            let name = if input.peek(Ident) && input.peek2(Token![=]) {
                let name: Ident = input.parse()?;
                input.parse::<Token![=]>()?;
                Some(name)
            } else {
                None
            };
            let node: ExprStruct = input.parse().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "expected a node: `name = NodeType { input: value, … };`",
                )
            })?;
            if let Some(rest) = &node.rest {
                return Err(syn::Error::new(
                    rest.span(),
                    "`..` is not allowed in a workflow node: unset inputs keep their defaults",
                ));
            }
            let mut fields = Vec::new();
            for field in node.fields {
                match field.member {
                    Member::Named(ident) => fields.push((ident, field.expr)),
                    Member::Unnamed(i) => {
                        return Err(syn::Error::new(i.span(), "node inputs have names"))
                    }
                }
            }
            statements.push(Statement {
                name,
                path: node.path,
                fields,
            });
            if input.is_empty() {
                break;
            }
            input.parse::<Token![;]>()?;
        }
        Ok(Body {
            statements,
            controls,
        })
    }
}

/// A node's input value, classified.
#[derive(Debug)]
pub(crate) enum Value {
    /// A Rust expression, evaluated once when the workflow is made.
    Literal(Expr),
    /// An edge from another node's output.
    Edge(EdgeRef),
    /// Several edges whose items are gathered into one list.
    Gather(Vec<EdgeRef>),
}

/// `node.output` or `node.outputs.name`.
#[derive(Debug, Clone)]
pub(crate) struct EdgeRef {
    /// The source node's name.
    pub(crate) node: Ident,
    /// The output's name.
    pub(crate) output: Ident,
    /// The whole expression's span (where type errors point).
    pub(crate) span: Span,
}

/// Reads `expr` as an edge when it names a node: `node.output` (when `node` is one of
/// `nodes`) or `node.outputs.name` (always an edge).
pub(crate) fn as_edge(expr: &Expr, is_node: &dyn Fn(&Ident) -> bool) -> Option<EdgeRef> {
    let Expr::Field(field) = expr else {
        return None;
    };
    let Member::Named(member) = &field.member else {
        return None;
    };
    if let Some(node) = plain_ident(&field.base) {
        return is_node(node).then(|| EdgeRef {
            node: node.clone(),
            output: member.clone(),
            span: expr.span(),
        });
    }
    let Expr::Field(inner) = &*field.base else {
        return None;
    };
    let (Some(node), Member::Named(outputs)) = (plain_ident(&inner.base), &inner.member) else {
        return None;
    };
    (outputs == "outputs").then(|| EdgeRef {
        node: node.clone(),
        output: member.clone(),
        span: expr.span(),
    })
}

fn plain_ident(expr: &Expr) -> Option<&Ident> {
    match expr {
        Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => p.path.get_ident(),
        _ => None,
    }
}

/// Classifies an input's value: an edge, a gathered list of edges, or a literal.
pub(crate) fn classify(expr: &Expr, is_node: &dyn Fn(&Ident) -> bool) -> syn::Result<Value> {
    if let Some(edge) = as_edge(expr, is_node) {
        return Ok(Value::Edge(edge));
    }
    if let Expr::Array(array) = expr {
        let edges: Vec<Option<EdgeRef>> = array.elems.iter().map(|e| as_edge(e, is_node)).collect();
        if !edges.is_empty() && edges.iter().all(Option::is_some) {
            return Ok(Value::Gather(edges.into_iter().flatten().collect()));
        }
        if edges.iter().any(Option::is_some) {
            let literal = array
                .elems
                .iter()
                .zip(&edges)
                .find(|(_, e)| e.is_none())
                .map_or(array.span(), |(l, _)| l.span());
            return Err(syn::Error::new(
                literal,
                "a list of edges holds edges only: gather literal values with a constant node",
            ));
        }
    }
    Ok(Value::Literal(expr.clone()))
}

/// The string literal of an `Output`'s `name`.
pub(crate) fn string_literal(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(s.value()),
        _ => None,
    }
}

/// Whether the path names an `Output` node (its last segment).
pub(crate) fn is_output_path(path: &Path) -> bool {
    path.segments.last().is_some_and(|s| s.ident == "Output")
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn nodes(id: &Ident) -> bool {
        id == "a" || id == "b"
    }

    #[test]
    fn parses_named_and_unnamed_statements() {
        let body: Body = syn::parse2(quote! {
            a = x::A { v: 1 };
            b = B { t: a.output, u: a.outputs.second };
            Output { name: "r", value: b.output }
        })
        .unwrap();
        assert_eq!(body.statements.len(), 3);
        assert!(body.controls.is_empty());
        assert_eq!(body.statements[0].name.as_ref().unwrap(), "a");
        assert!(body.statements[2].name.is_none());
        assert!(is_output_path(&body.statements[2].path));
        assert_eq!(
            string_literal(&body.statements[2].fields[0].1).unwrap(),
            "r"
        );
    }

    #[test]
    fn parses_control_statements_between_nodes() {
        let body: Body = syn::parse2(quote! {
            a = A { v: 1 };
            a controls b;
            b = B { t: 2 };
            a controls c
        })
        .unwrap();
        assert_eq!(body.statements.len(), 2);
        let pairs: Vec<(String, String)> = body
            .controls
            .iter()
            .map(|c| (c.controller.to_string(), c.controlled.to_string()))
            .collect();
        assert_eq!(
            pairs,
            vec![("a".into(), "b".into()), ("a".into(), "c".into())]
        );
    }

    #[test]
    fn classifies_edges_lists_and_literals() {
        let e: Expr = syn::parse2(quote!(a.output)).unwrap();
        assert!(
            matches!(classify(&e, &nodes).unwrap(), Value::Edge(ref r) if r.output == "output")
        );
        let e: Expr = syn::parse2(quote!(a.outputs.index)).unwrap();
        assert!(matches!(classify(&e, &nodes).unwrap(), Value::Edge(ref r) if r.output == "index"));
        let e: Expr = syn::parse2(quote!(other.output)).unwrap();
        assert!(matches!(classify(&e, &nodes).unwrap(), Value::Literal(_)));
        let e: Expr = syn::parse2(quote!(zz.outputs.x)).unwrap();
        assert!(matches!(classify(&e, &nodes).unwrap(), Value::Edge(ref r) if r.node == "zz"));
        let e: Expr = syn::parse2(quote!([a.output, b.output])).unwrap();
        assert!(matches!(classify(&e, &nodes).unwrap(), Value::Gather(ref v) if v.len() == 2));
        let e: Expr = syn::parse2(quote!([1, 2])).unwrap();
        assert!(matches!(classify(&e, &nodes).unwrap(), Value::Literal(_)));
        let e: Expr = syn::parse2(quote!([a.output, 2])).unwrap();
        assert!(classify(&e, &nodes).is_err());
    }

    #[test]
    fn rejects_malformed_statements() {
        assert!(syn::parse2::<Body>(quote!(a = 5;)).is_err());
        assert!(syn::parse2::<Body>(quote!(a = A { x: 1 } b = B {})).is_err());
        assert!(syn::parse2::<Body>(quote!(a = A { x: 1, ..d };)).is_err());
    }
}
