//! A small workflow written with `workflow!`: a text parameter is upper-cased, exclaimed and
//! its words counted; the result is typed. The same graph, exported as NodeTool JSON, runs on
//! the dynamic runner with the same result.
//!
//! Run: `cargo run --example hello` (or `cargo run --example hello -- "your own text"`).

use nodetool::prelude::*;
use nodetool::workflows::messages::ProcessingMessage;
use nodetool_std_nodes::{input, text};
use serde_json::{Map, Value};

/// Counts the words of a text.
/// text, words, count
#[node(namespace = "example.text")]
pub struct WordCount {
    /// The text to count.
    #[input(default = "")]
    pub text: String,
}

impl Process for WordCount {
    type Output = i64;
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

/// Runs the workflow on `input` (printing its messages), then the dynamic runner on the
/// exported graph: both results, as JSON.
async fn run(input: &str) -> anyhow::Result<(Value, Value)> {
    let wf = workflow! {
        text = input::StringInput { name: "text", value: "hello world" };
        upper = text::ToUppercase { text: text.output };
        loud = Exclaim { text: upper.output, times: 3 };
        count = WordCount { text: text.output };
        Output { name: "shout", value: loud.output };
        Output { name: "words", value: count.output };
    };

    let mut params = Map::new();
    params.insert("text".into(), Value::String(input.to_owned()));
    let ctx = ProcessingContext::default();
    // Every message of the run, as it comes.
    let result = wf
        .run_with(&ctx, params.clone(), |message| match message {
            ProcessingMessage::JobUpdate(u) => eprintln!("job      {}", u.status),
            ProcessingMessage::NodeUpdate(u) => {
                eprintln!("node     {:<10} {}", u.node_id, u.status)
            }
            ProcessingMessage::OutputUpdate(u) => {
                eprintln!("output   {:<10} {}", u.output_name, u.value)
            }
            _ => {}
        })
        .await?;
    println!("shout: {}", result.shout); // a String
    println!("words: {}", result.words); // an i64

    nodetool_std_nodes::link();
    let dynamic = wf
        .to_runner()?
        .run(&ProcessingContext::default(), params)
        .await?;
    Ok((result.to_json(), dynamic.to_json()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let input = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "hello world from nodetool".to_owned());
    let (typed, dynamic) = run(&input).await?;
    println!("{}", serde_json::to_string_pretty(&typed)?);
    anyhow::ensure!(typed == dynamic, "the dynamic runner disagrees: {dynamic}");
    Ok(())
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn the_dynamic_runner_gives_the_same_result() {
        let (typed, dynamic) = super::run("one two three").await.unwrap();
        assert_eq!(typed["shout"], "ONE TWO THREE!!!");
        assert_eq!(typed["words"], 3);
        assert_eq!(typed, dynamic);
    }
}
