//! A small workflow of `#[node]` nodes: a text parameter is upper-cased and its words counted.
//!
//! Run: `cargo run --example hello` (or `cargo run --example hello -- "your own text"`).

use nodetool::prelude::*;
use nodetool::workflows::messages::ProcessingMessage;
use nodetool::workflows::{GraphEdge, GraphNode};
use serde_json::{json, Map, Value};

/// Counts the words of a text.
/// text, words, count
#[node(namespace = "example.text")]
pub struct WordCount {
    /// The text to count.
    #[input(default = "")]
    pub text: String,
}

impl WordCount {
    async fn process(&self, _ctx: &ProcessingContext) -> Result<i64> {
        Ok(i64::try_from(self.text.split_whitespace().count())?)
    }
}

/// Adds an exclamation mark, `times` times.
#[node(namespace = "example.text")]
pub async fn exclaim(
    #[input(default = "")] text: String,
    #[input(default = 1, min = 0, max = 10)] times: i64,
) -> String {
    format!("{text}{}", "!".repeat(usize::try_from(times).unwrap_or(0)))
}

fn node(id: &str, node_type: &str, data: Value) -> GraphNode {
    let data: Map<String, Value> = data.as_object().cloned().unwrap_or_default();
    GraphNode::new(id, node_type, data)
}

fn edge(source: &str, target: &str, handle: &str) -> GraphEdge {
    GraphEdge::new(source, "output", target, handle)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    nodetool_std_nodes::link();
    let text = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "hello world from nodetool".to_owned());

    let graph = Graph {
        nodes: vec![
            node(
                "text",
                "nodetool.input.StringInput",
                json!({"name": "text"}),
            ),
            node("upper", "nodetool.text.ToUppercase", json!({})),
            node("loud", "example.text.Exclaim", json!({"times": 3})),
            node("count", "example.text.WordCount", json!({})),
            node(
                "out_text",
                "nodetool.output.Output",
                json!({"name": "shout"}),
            ),
            node(
                "out_count",
                "nodetool.output.Output",
                json!({"name": "words"}),
            ),
        ],
        edges: vec![
            edge("text", "upper", "text"),
            edge("upper", "loud", "text"),
            edge("loud", "out_text", "value"),
            edge("text", "count", "text"),
            edge("count", "out_count", "value"),
        ],
    };

    let (tx, mut rx) = tokio::sync::mpsc::channel(256);
    let progress = tokio::spawn(async move {
        while let Some(message) = rx.recv().await {
            match message {
                ProcessingMessage::JobUpdate(u) => eprintln!("job      {}", u.status),
                ProcessingMessage::NodeUpdate(u) => {
                    eprintln!("node     {:<10} {}", u.node_id, u.status)
                }
                ProcessingMessage::OutputUpdate(u) => {
                    eprintln!("output   {:<10} {}", u.output_name, u.value)
                }
                _ => {}
            }
        }
    });

    let ctx = ProcessingContext::builder().messages(tx).build();
    let runner = WorkflowRunner::from_graph(&graph)?;
    let mut params = Map::new();
    params.insert("text".into(), Value::String(text));
    let result = runner.run(&ctx, params).await?;
    drop(ctx);
    progress.await?;

    println!("{}", serde_json::to_string_pretty(&result.to_json())?);
    Ok(())
}
