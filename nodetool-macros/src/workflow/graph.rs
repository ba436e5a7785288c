//! Resolves a parsed `workflow!` into nodes and edges, and checks what needs no types: names
//! defined twice, unknown nodes, output names used twice, cycles.

use super::model::{
    classify, is_output_path, string_literal, Body, ControlStatement, EdgeRef, Value,
};
use crate::diagnostics::Diagnostics;
use proc_macro2::Span;
use std::collections::HashMap;
use syn::spanned::Spanned;
use syn::{Expr, Ident, Path};

/// A node of the workflow.
pub(crate) struct Node {
    /// Its id in graph JSON and messages: the binding, or `type_index` when unnamed.
    pub(crate) id: String,
    /// The node type.
    pub(crate) path: Path,
    /// For an `Output`: the result field and the output's name.
    pub(crate) output: Option<(Ident, String)>,
    /// Inputs given as Rust values.
    pub(crate) literals: Vec<(Ident, Expr)>,
    /// Inputs fed by edges, in the order written.
    pub(crate) handles: Vec<Handle>,
    /// Every input named in the statement (for the required-input check).
    pub(crate) given: Vec<String>,
}

/// An input fed by edges.
pub(crate) struct Handle {
    /// The input.
    pub(crate) field: Ident,
    /// Whether its items are gathered into a list.
    pub(crate) gather: bool,
}

/// An edge: `source.output` into `target.field`.
pub(crate) struct Edge {
    pub(crate) source: usize,
    pub(crate) output: Ident,
    pub(crate) target: usize,
    pub(crate) field: Ident,
    /// The position of `field` among the target's edge-fed inputs.
    pub(crate) handle: u32,
    pub(crate) gather: bool,
    /// The user's edge expression.
    pub(crate) span: Span,
}

impl Edge {
    /// The id NodeTool gives an edge without one: `source:handle->target:handle`.
    pub(crate) fn id(&self, nodes: &[Node]) -> String {
        format!(
            "{}:{}->{}:{}",
            nodes[self.source].id, self.output, nodes[self.target].id, self.field
        )
    }
}

/// A control edge: `source` runs `target` once per run event it sends.
pub(crate) struct ControlEdge {
    pub(crate) source: usize,
    pub(crate) target: usize,
}

impl ControlEdge {
    /// The id NodeTool gives an edge without one.
    pub(crate) fn id(&self, nodes: &[Node]) -> String {
        format!(
            "{}:__control__->{}:__control__",
            nodes[self.source].id, nodes[self.target].id
        )
    }
}

/// The checked workflow.
pub(crate) struct Workflow {
    pub(crate) nodes: Vec<Node>,
    pub(crate) edges: Vec<Edge>,
    /// Control edges, in the order written.
    pub(crate) controls: Vec<ControlEdge>,
    /// Nodes in an order where every edge goes forward.
    pub(crate) order: Vec<usize>,
}

impl Workflow {
    /// The distinct nodes `node` feeds.
    pub(crate) fn downstream(&self, node: usize) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for e in self.edges.iter().filter(|e| e.source == node) {
            if !out.contains(&e.target) {
                out.push(e.target);
            }
        }
        out
    }

    /// The indices of the edges leaving `node`.
    pub(crate) fn edges_from(&self, node: usize) -> Vec<usize> {
        (0..self.edges.len())
            .filter(|&k| self.edges[k].source == node)
            .collect()
    }

    /// How many distinct nodes feed `node`.
    pub(crate) fn upstream_count(&self, node: usize) -> usize {
        let mut seen: Vec<usize> = Vec::new();
        for e in self.edges.iter().filter(|e| e.target == node) {
            if !seen.contains(&e.source) {
                seen.push(e.source);
            }
        }
        seen.len()
    }
}

/// Resolves names and edges; every problem goes to `diags`.
pub(crate) fn resolve(mut body: Body, diags: &mut Diagnostics) -> Option<Workflow> {
    let control_statements = std::mem::take(&mut body.controls);
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for (i, st) in body.statements.iter().enumerate() {
        if let Some(name) = &st.name {
            if by_name.insert(name.to_string(), i).is_some() {
                diags.error(
                    name.span(),
                    format!("`{name}` already names a node above: give this node another name"),
                );
            }
        }
    }
    let is_node = |id: &Ident| by_name.contains_key(&id.to_string());
    let mut nodes = Vec::with_capacity(body.statements.len());
    let mut pending_edges: Vec<(EdgeRef, usize, Ident, bool)> = Vec::new();
    let mut output_names: HashMap<String, ()> = HashMap::new();
    for (i, st) in body.statements.into_iter().enumerate() {
        let type_name = st
            .path
            .segments
            .last()
            .map_or(String::new(), |s| s.ident.to_string());
        let id = match &st.name {
            Some(n) => n.to_string(),
            None => {
                let mut id = format!("{}_{i}", type_name.to_lowercase());
                while by_name.contains_key(&id) {
                    id.push('_');
                }
                id
            }
        };
        let mut node = Node {
            id,
            output: None,
            literals: Vec::new(),
            handles: Vec::new(),
            given: Vec::new(),
            path: st.path,
        };
        let output_stmt = is_output_path(&node.path);
        for (field, expr) in st.fields {
            if node.given.contains(&field.to_string()) {
                diags.error(field.span(), format!("input `{field}` is given twice"));
                continue;
            }
            node.given.push(field.to_string());
            if output_stmt && field == "name" {
                match string_literal(&expr) {
                    Some(name) => match syn::parse_str::<Ident>(&name) {
                        Ok(_) if output_names.insert(name.clone(), ()).is_none() => {
                            node.output = Some((Ident::new(&name, expr.span()), name));
                        }
                        Ok(_) => diags.error(
                            expr.span(),
                            format!("output `{name}` is used twice: each Output needs its own name"),
                        ),
                        Err(_) => diags.error(
                            expr.span(),
                            format!("output name `{name}` is not a Rust identifier: it becomes a field of the result"),
                        ),
                    },
                    None => diags.error(
                        expr.span(),
                        "an Output's `name` is a string literal: it becomes a field of the result",
                    ),
                }
                continue;
            }
            let value = match classify(&expr, &is_node) {
                Ok(v) => v,
                Err(e) => {
                    diags.push(e);
                    continue;
                }
            };
            if output_stmt && field == "value" && !matches!(value, Value::Edge(_)) {
                diags.error(
                    expr.span(),
                    "an Output's `value` is an edge (`node.output`): its values become the result",
                );
                continue;
            }
            match value {
                Value::Literal(expr) => {
                    if output_stmt {
                        continue;
                    }
                    node.literals.push((field, expr));
                }
                Value::Edge(edge) => {
                    node.handles.push(Handle {
                        field: field.clone(),
                        gather: false,
                    });
                    pending_edges.push((edge, i, field, false));
                }
                Value::Gather(edges) => {
                    node.handles.push(Handle {
                        field: field.clone(),
                        gather: true,
                    });
                    for edge in edges {
                        pending_edges.push((edge, i, field.clone(), true));
                    }
                }
            }
        }
        if output_stmt && node.output.is_none() && !node.given.iter().any(|g| g == "name") {
            diags.error(
                node.path.span(),
                "an Output needs a `name: \"…\"`: it becomes a field of the result",
            );
        }
        if output_stmt && !node.given.iter().any(|g| g == "value") {
            let name = node.output.as_ref().map_or("…", |(_, name)| name.as_str());
            diags.error(
                node.path.span(),
                format!(
                    "this Output has no `value`: write `value: node.output`, the edge whose \
                     values become the result's `{name}`"
                ),
            );
        }
        nodes.push(node);
    }
    let mut edges = Vec::with_capacity(pending_edges.len());
    for (edge, target, field, gather) in pending_edges {
        let Some(&source) = by_name.get(&edge.node.to_string()) else {
            let mut known: Vec<&str> = by_name.keys().map(String::as_str).collect();
            known.sort_unstable();
            diags.error(
                edge.node.span(),
                format!(
                    "unknown node `{}` (the nodes named here: {})",
                    edge.node,
                    known.join(", ")
                ),
            );
            continue;
        };
        if nodes[source].output.is_some() || is_output_path(&nodes[source].path) {
            diags.error(
                edge.node.span(),
                format!(
                    "`{}` is an Output: its values go to the result, not to other nodes",
                    edge.node
                ),
            );
            continue;
        }
        let handle = nodes[target]
            .handles
            .iter()
            .position(|h| h.field == field)
            .unwrap_or(0) as u32;
        edges.push(Edge {
            source,
            output: edge.output,
            target,
            field,
            handle,
            gather,
            span: edge.span,
        });
    }
    for node in &nodes {
        if node.handles.len() > 64 {
            diags.error(
                node.path.span(),
                "a node takes at most 64 inputs from edges",
            );
        }
    }
    let (controls, control_spans) = resolve_controls(&control_statements, &by_name, &nodes, diags)?;
    // Control edges alone first (their own message), then with the data edges: a controlled
    // node waits for its controllers, so a loop through either kind could never run.
    let control_links: Vec<Link> = controls
        .iter()
        .zip(&control_spans)
        .map(|(c, &span)| (c.source, c.target, span))
        .collect();
    if let Err(cycle) = topological_order(nodes.len(), &control_links) {
        report_cycle(cycle, &nodes, &control_links, "control edges", diags);
        return None;
    }
    let mut links: Vec<Link> = edges.iter().map(|e| (e.source, e.target, e.span)).collect();
    links.extend(control_links);
    let order = match topological_order(nodes.len(), &links) {
        Ok(order) => order,
        Err(cycle) => {
            report_cycle(cycle, &nodes, &links, "a workflow's edges", diags);
            return None;
        }
    };
    Some(Workflow {
        nodes,
        edges,
        controls,
        order,
    })
}

/// `source → target`, and where the user wrote it.
type Link = (usize, usize, Span);

/// Resolves `a controls b;` statements: both names are nodes (not Outputs), never the same.
fn resolve_controls(
    statements: &[ControlStatement],
    by_name: &HashMap<String, usize>,
    nodes: &[Node],
    diags: &mut Diagnostics,
) -> Option<(Vec<ControlEdge>, Vec<Span>)> {
    let errors_before = diags.len();
    let mut controls = Vec::new();
    let mut spans = Vec::new();
    for st in statements {
        let find = |name: &Ident, diags: &mut Diagnostics| match by_name.get(&name.to_string()) {
            Some(&i) if is_output_path(&nodes[i].path) => {
                diags.error(
                    name.span(),
                    format!("`{name}` is an Output: it neither controls nor is controlled"),
                );
                None
            }
            Some(&i) => Some(i),
            None => {
                let mut known: Vec<&str> = by_name.keys().map(String::as_str).collect();
                known.sort_unstable();
                diags.error(
                    name.span(),
                    format!(
                        "unknown node `{name}` (the nodes named here: {})",
                        known.join(", ")
                    ),
                );
                None
            }
        };
        let (Some(source), Some(target)) =
            (find(&st.controller, diags), find(&st.controlled, diags))
        else {
            continue;
        };
        if source == target {
            diags.error(
                st.controlled.span(),
                format!("`{}` cannot control itself", st.controlled),
            );
            continue;
        }
        controls.push(ControlEdge { source, target });
        spans.push(st.keyword.span());
    }
    (diags.len() == errors_before).then_some((controls, spans))
}

/// Reports a cycle, starting at the node written first and pointing at the link that closes
/// the loop.
fn report_cycle(
    mut cycle: Vec<usize>,
    nodes: &[Node],
    links: &[Link],
    what: &str,
    diags: &mut Diagnostics,
) {
    if let Some(min) = cycle
        .iter()
        .enumerate()
        .min_by_key(|(_, n)| **n)
        .map(|(i, _)| i)
    {
        cycle.rotate_left(min);
    }
    let names: Vec<&str> = cycle.iter().map(|&i| nodes[i].id.as_str()).collect();
    let (first, last) = (cycle[0], cycle[cycle.len() - 1]);
    let span = links
        .iter()
        .find(|(s, t, _)| *s == last && *t == first)
        .map_or_else(Span::call_site, |(_, _, span)| *span);
    diags.error(
        span,
        format!(
            "these nodes form a cycle: {} → {}; {what} must not loop back",
            names.join(" → "),
            names[0]
        ),
    );
}

/// Kahn's algorithm; on a cycle, the nodes of one cycle in edge order.
fn topological_order(n: usize, links: &[Link]) -> Result<Vec<usize>, Vec<usize>> {
    let mut indegree = vec![0usize; n];
    for &(_, target, _) in links {
        indegree[target] += 1;
    }
    let mut ready: Vec<usize> = (0..n).rev().filter(|&i| indegree[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = ready.pop() {
        order.push(i);
        for &(_, target, _) in links.iter().filter(|(s, _, _)| *s == i) {
            indegree[target] -= 1;
            if indegree[target] == 0 {
                ready.push(target);
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    // Walk backwards along edges between unsorted nodes until a node repeats.
    let Some(start) = (0..n).find(|&i| indegree[i] > 0) else {
        return Err(Vec::new());
    };
    let mut path = vec![start];
    let mut current = start;
    loop {
        let Some(prev) = links
            .iter()
            .find(|(s, t, _)| *t == current && indegree[*s] > 0)
            .map(|(s, _, _)| *s)
        else {
            return Err(path);
        };
        if let Some(pos) = path.iter().position(|&p| p == prev) {
            let mut cycle: Vec<usize> = path[pos..].to_vec();
            cycle.reverse();
            return Err(cycle);
        }
        path.push(prev);
        current = prev;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn check(tokens: proc_macro2::TokenStream) -> (Option<Workflow>, Vec<String>) {
        let body: Body = syn::parse2(tokens).unwrap();
        let mut diags = Diagnostics::default();
        let wf = resolve(body, &mut diags);
        (wf, diags.messages())
    }

    #[test]
    fn orders_nodes_so_that_edges_go_forward() {
        let (wf, errors) = check(quote! {
            c = C { x: b.output };
            a = A { v: 1 };
            b = B { t: a.output, u: [a.output, a.outputs.other] };
            Output { name: "r", value: c.output };
        });
        assert!(errors.is_empty(), "{errors:?}");
        let wf = wf.unwrap();
        let pos = |i| wf.order.iter().position(|&o| o == i).unwrap();
        assert!(pos(1) < pos(2) && pos(2) < pos(0) && pos(0) < pos(3));
        assert_eq!(wf.edges.len(), 5);
        assert_eq!(wf.nodes[3].id, "output_3");
        assert_eq!(wf.nodes[2].handles.len(), 2);
        assert_eq!(wf.upstream_count(2), 1);
        assert_eq!(wf.downstream(1), vec![2]);
        assert_eq!(wf.edges[0].id(&wf.nodes), "b:output->c:x");
    }

    #[test]
    fn names_the_nodes_of_a_cycle() {
        let (wf, errors) = check(quote! {
            a = A { x: c.output };
            b = B { x: a.output };
            c = C { x: b.output };
        });
        assert!(wf.is_none());
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("cycle: "), "{errors:?}");
        for n in ["a", "b", "c"] {
            assert!(errors[0].contains(n), "{errors:?}");
        }
        let (_, errors) = check(quote!(a = A { x: a.output };));
        assert!(errors[0].contains("cycle: a → a"), "{errors:?}");
    }

    #[test]
    fn control_statements_become_control_edges() {
        let (wf, errors) = check(quote! {
            c = C {};
            t = T { x: 1 };
            u = T { x: 2 };
            c controls t;
            c controls u;
        });
        assert!(errors.is_empty(), "{errors:?}");
        let wf = wf.unwrap();
        let pairs: Vec<(usize, usize)> = wf.controls.iter().map(|c| (c.source, c.target)).collect();
        assert_eq!(pairs, vec![(0, 1), (0, 2)]);
        assert_eq!(wf.controls[0].id(&wf.nodes), "c:__control__->t:__control__");
        let pos = |i| wf.order.iter().position(|&o| o == i).unwrap();
        assert!(pos(0) < pos(1) && pos(0) < pos(2));
    }

    #[test]
    fn rejects_bad_control_statements() {
        let (wf, errors) = check(quote! {
            a = A {};
            a controls a;
            a controls nope;
            o = Output { name: "r", value: a.output };
            a controls o;
        });
        assert!(wf.is_none());
        let all = errors.join("\n");
        for expected in [
            "`a` cannot control itself",
            "unknown node `nope`",
            "`o` is an Output",
        ] {
            assert!(all.contains(expected), "missing {expected:?} in:\n{all}");
        }
        let (_, errors) = check(quote! {
            a = A {};
            b = B {};
            a controls b;
            b controls a;
        });
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].contains("cycle: a → b → a; control edges"),
            "{errors:?}"
        );
        let (_, errors) = check(quote! {
            a = A { x: b.output };
            b = B {};
            a controls b;
        });
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].contains("cycle: a → b → a; a workflow's edges"),
            "{errors:?}"
        );
    }

    #[test]
    fn an_output_without_a_value_is_named() {
        let (_, errors) = check(quote! {
            a = A {};
            Output { name: "out" };
        });
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].contains("this Output has no `value`: write `value: node.output`, the edge whose values become the result's `out`"),
            "{errors:?}"
        );
    }

    #[test]
    fn reports_duplicates_and_unknown_nodes() {
        let (_, errors) = check(quote! {
            a = A {};
            a = A {};
            b = B { x: zz.outputs.y, x: 2 };
            Output { name: "r", value: b.output };
            Output { name: "r", value: a.output };
            Output { name: "not ok", value: a.output };
            Output { name: "v", value: 3 };
            c = C { y: [a.output, 1] };
        });
        let all = errors.join("\n");
        for expected in [
            "`a` already names a node",
            "unknown node `zz`",
            "input `x` is given twice",
            "output `r` is used twice",
            "not a Rust identifier",
            "an Output's `value` is an edge",
            "a list of edges holds edges only",
        ] {
            assert!(all.contains(expected), "missing {expected:?} in:\n{all}");
        }
    }
}
