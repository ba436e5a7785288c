//! `nodetool run | validate | export | nodes`: graph files and node types from the shell.

use anyhow::Context;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use nodetool::workflows::messages::ProcessingMessage;
use nodetool::workflows::{Graph, NodeRegistry, ProcessingContext, WorkflowRunner};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

/// Reads `NAME=VALUE` parameters: a VALUE that parses as JSON is JSON, else a string.
pub fn parse_params(params: &[String]) -> anyhow::Result<Map<String, Value>> {
    let mut map = Map::new();
    for param in params {
        let (name, value) = param
            .split_once('=')
            .with_context(|| format!("--param `{param}` needs the form NAME=VALUE"))?;
        if name.is_empty() {
            anyhow::bail!("--param `{param}` needs a name before `=`");
        }
        let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
        map.insert(name.to_owned(), value);
    }
    Ok(map)
}

fn load(file: &Path) -> anyhow::Result<(Graph, WorkflowRunner)> {
    nodetool_std_nodes::link();
    let graph = Graph::from_path(file)?;
    let runner = WorkflowRunner::from_graph(&graph)
        .with_context(|| format!("{} is not a valid workflow", file.display()))?;
    Ok((graph, runner))
}

/// `nodetool validate FILE`: every problem, or a one-line summary.
pub fn validate(file: &Path) -> anyhow::Result<ExitCode> {
    let (graph, runner) = load(file)?;
    let params: Vec<&str> = runner.plan().param_names().collect();
    println!(
        "{}: valid ({} nodes, {} edges; parameters: {})",
        file.display(),
        graph.nodes.len(),
        graph.edges.len(),
        if params.is_empty() {
            "none".to_owned()
        } else {
            params.join(", ")
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// `nodetool export FILE [--json]`: the graph as a Mermaid chart (or normalised JSON).
pub fn export(file: &Path, json: bool) -> anyhow::Result<ExitCode> {
    nodetool_std_nodes::link();
    let graph = Graph::from_path(file)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&graph)?);
    } else {
        print!("{}", graph.to_mermaid());
    }
    Ok(ExitCode::SUCCESS)
}

/// `nodetool nodes list [--namespace NS] [--json]`.
pub fn nodes_list(namespace: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
    nodetool_std_nodes::link();
    let all = NodeRegistry::global().metadata();
    let chosen: Vec<_> = all
        .into_iter()
        .filter(|m| {
            namespace
                .is_none_or(|ns| m.namespace == ns || m.namespace.starts_with(&format!("{ns}.")))
        })
        .collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&chosen)?);
        return Ok(ExitCode::SUCCESS);
    }
    let width = chosen.iter().map(|m| m.node_type.len()).max().unwrap_or(0);
    for m in &chosen {
        let summary = m.description.lines().next().unwrap_or_default();
        println!("{:width$}  {summary}", m.node_type);
    }
    Ok(ExitCode::SUCCESS)
}

/// `nodetool nodes show TYPE [--json]`: a node type's inputs and outputs.
pub fn nodes_show(node_type: &str, json: bool) -> anyhow::Result<ExitCode> {
    nodetool_std_nodes::link();
    let registry = NodeRegistry::global();
    let Some(found) = registry.get(node_type) else {
        // The closest names (Jaro–Winkler on the lower-cased type), best first.
        let wanted = node_type.to_lowercase();
        let mut scored: Vec<(f64, &str)> = registry
            .metadata()
            .into_iter()
            .map(|m| {
                let full = m.node_type.to_lowercase();
                // A type named without its namespace's start matches best.
                let score = if full.ends_with(&format!(".{wanted}")) {
                    2.0
                } else {
                    strsim::jaro_winkler(&wanted, &full)
                };
                (score, m.node_type.as_str())
            })
            .filter(|(score, _)| *score > 0.85)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        let close: Vec<&str> = scored.into_iter().take(3).map(|(_, t)| t).collect();
        anyhow::bail!(
            "no node type `{node_type}`{}",
            if close.is_empty() {
                " (`nodetool nodes list` shows them all)".to_owned()
            } else {
                format!(" (did you mean: {}?)", close.join(", "))
            }
        );
    };
    let m = &found.metadata;
    if json {
        println!("{}", serde_json::to_string_pretty(m)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} — {}", m.node_type, m.title);
    if !m.description.is_empty() {
        println!("{}", m.description);
    }
    println!("inputs:");
    for p in &m.properties {
        let default = match &p.default {
            Some(d) if !d.is_null() => format!(" = {d}"),
            _ => String::new(),
        };
        println!("  {}: {}{default}", p.name, p.type_metadata);
    }
    println!("outputs:");
    for o in &m.outputs {
        println!(
            "  {}: {}{}",
            o.name,
            o.type_metadata,
            if o.stream { " (stream)" } else { "" }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `nodetool run FILE [--param N=V]... [--json]`: runs the graph with a progress line per node
/// on stderr (bars on a terminal), then prints the outputs on stdout.
pub async fn run(file: &Path, params: &[String], json: bool) -> anyhow::Result<ExitCode> {
    let params = parse_params(params)?;
    let (graph, runner) = load(file)?;
    let mut progress = Progress::new(&graph, runner.plan().node_ids().collect());
    let mut ctx = ProcessingContext::builder();
    // Settings are read once here; a broken configuration is reported by the nodes that need
    // a setting (they load it themselves), not by graphs that need none.
    if let Ok(environment) = nodetool::config::Environment::load() {
        ctx = ctx.environment(std::sync::Arc::new(environment));
    }
    let result = runner
        .run_with(&ctx.build(), params, |message| progress.update(&message))
        .await;
    progress.finish();
    let result = result.with_context(|| format!("running {}", file.display()))?;
    if json {
        println!("{}", result.to_json());
    } else {
        for (name, value) in result.to_json().as_object().into_iter().flatten() {
            println!("{name}: {value}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A progress line on stderr, or an INFO event when stderr carries JSON logs.
fn line(text: std::fmt::Arguments<'_>) {
    if crate::json_logs() {
        tracing::info!(target: "nodetool::progress", "{text}");
    } else {
        eprintln!("{text}");
    }
}

/// One line (or bar) per node.
struct Progress {
    bars: Option<(MultiProgress, HashMap<String, ProgressBar>)>,
    types: HashMap<String, String>,
}

impl Progress {
    fn new(graph: &Graph, ids: Vec<&str>) -> Self {
        let types: HashMap<String, String> = graph
            .nodes
            .iter()
            .map(|n| (n.id.clone(), n.node_type.clone()))
            .collect();
        if !std::io::stderr().is_terminal() || crate::json_logs() {
            return Self { bars: None, types };
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{spinner} {prefix:.bold} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bars = ids
            .into_iter()
            .map(|id| {
                let bar = multi.add(ProgressBar::new_spinner().with_style(style.clone()));
                bar.set_prefix(id.to_owned());
                bar.set_message("waiting");
                (id.to_owned(), bar)
            })
            .collect();
        Self {
            bars: Some((multi, bars)),
            types,
        }
    }

    fn update(&mut self, message: &ProcessingMessage) {
        match message {
            ProcessingMessage::NodeUpdate(u) => {
                let text = match &u.error {
                    Some(e) => format!("{}: {}", u.status, nodetool::telemetry::redact(e)),
                    None => u.status.to_string(),
                };
                match self.bars.as_ref().and_then(|(_, b)| b.get(&*u.node_id)) {
                    Some(bar) => match u.status.as_ref() {
                        "completed" => bar.finish_with_message("✓ completed"),
                        "error" => bar.abandon_with_message(format!("✗ {text}")),
                        _ => {
                            bar.enable_steady_tick(std::time::Duration::from_millis(120));
                            bar.set_message(text);
                        }
                    },
                    None if u.status != "running" => {
                        let ty = self.types.get(&*u.node_id).map_or("", String::as_str);
                        line(format_args!("{} ({ty}): {text}", u.node_id));
                    }
                    None => {}
                }
            }
            ProcessingMessage::NodeProgress(p) => {
                match self.bars.as_ref().and_then(|(_, b)| b.get(&*p.node_id)) {
                    Some(bar) => bar.set_message(format!("{}/{}", p.progress, p.total)),
                    None => line(format_args!("{}: {}/{}", p.node_id, p.progress, p.total)),
                }
            }
            ProcessingMessage::LogUpdate(l) => match &self.bars {
                Some((multi, _)) => {
                    let _ = multi.println(format!("{}: {}", l.node_id, l.content));
                }
                None => line(format_args!("{}: {}", l.node_id, l.content)),
            },
            ProcessingMessage::JobUpdate(u) if self.bars.is_none() => match &u.error {
                Some(e) => line(format_args!(
                    "job {}: {}",
                    u.status,
                    nodetool::telemetry::redact(e)
                )),
                None => line(format_args!("job {}", u.status)),
            },
            _ => {}
        }
    }

    fn finish(self) {
        if let Some((_, bars)) = self.bars {
            for bar in bars.values().filter(|b| !b.is_finished()) {
                bar.abandon();
            }
        }
    }
}

/// `nodetool nodes docs`: every node type as a Markdown reference (what `docs/nodes.md` holds).
pub fn nodes_docs() -> anyhow::Result<ExitCode> {
    nodetool_std_nodes::link();
    print!("{}", nodes_markdown(&NodeRegistry::global().metadata()));
    Ok(ExitCode::SUCCESS)
}

/// The Markdown reference of `nodes`: grouped by namespace, each with its inputs and outputs.
pub fn nodes_markdown(nodes: &[&nodetool::metadata::NodeMetadata]) -> String {
    use std::fmt::Write;
    let cell = |text: &str| text.replace('|', "\\|").replace('\n', " ");
    let mut out = String::from(
        "# Node reference\n\nGenerated by `cargo run -q --bin nodetool -- nodes docs > docs/nodes.md`; \
         a test fails when it is out of date.\n",
    );
    let mut namespace = "";
    for m in nodes {
        if m.namespace != namespace {
            namespace = &m.namespace;
            let _ = write!(out, "\n## `{namespace}`\n");
        }
        let _ = write!(out, "\n### {} (`{}`)\n\n", m.title, m.node_type);
        let mut lines = m.description.lines();
        if let Some(first) = lines.next() {
            let _ = writeln!(out, "{first}\n");
        }
        let tags: Vec<&str> = lines.filter(|l| !l.trim().is_empty()).collect();
        if !tags.is_empty() {
            let _ = writeln!(out, "Tags: {}\n", tags.join(" "));
        }
        if m.is_streaming_output {
            let _ = writeln!(out, "Streams its outputs.\n");
        }
        if !m.properties.is_empty() {
            out.push_str("| input | type | default | description |\n|---|---|---|---|\n");
            for p in &m.properties {
                let default = match &p.default {
                    Some(d) if !d.is_null() => format!("`{}`", cell(&d.to_string())),
                    _ => String::new(),
                };
                let _ = writeln!(
                    out,
                    "| `{}` | `{}` | {default} | {} |",
                    p.name,
                    cell(&p.type_metadata.to_string()),
                    cell(p.description.as_deref().unwrap_or_default())
                );
            }
            out.push('\n');
        }
        if !m.outputs.is_empty() {
            out.push_str("| output | type |\n|---|---|\n");
            for o in &m.outputs {
                let _ = writeln!(
                    out,
                    "| `{}` | `{}` |",
                    o.name,
                    cell(&o.type_metadata.to_string())
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_are_json_when_they_parse_else_strings() {
        let map = parse_params(&["n=3".into(), "s=hello world".into(), "l=[1,2]".into()]).unwrap();
        assert_eq!(
            Value::Object(map),
            serde_json::json!({"n": 3, "s": "hello world", "l": [1, 2]})
        );
        let err = parse_params(&["novalue".into()]).unwrap_err().to_string();
        assert!(err.contains("NAME=VALUE"), "{err}");
        assert!(parse_params(&["=1".into()]).is_err());
    }
}
