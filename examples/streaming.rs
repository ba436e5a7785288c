//! Streaming with `workflow!`: a source emits numbers one by one; each flows through two
//! transforms as soon as it is emitted (backpressure: the source waits while downstream is
//! busy) and a collector gathers the stream into one list when it ends.
//!
//! Run: `cargo run --example streaming`

use nodetool::prelude::*;
use nodetool_std_nodes::{control, list};
use serde_json::{Map, Value};

/// Squares a number.
#[node(namespace = "example.math")]
pub async fn square(#[input(default = 0)] x: i64) -> i64 {
    x * x
}

/// Adds one.
#[node(namespace = "example.math")]
pub async fn increment(#[input(default = 0)] x: i64) -> i64 {
    x + 1
}

/// Runs the streaming workflow, then the dynamic runner on its exported graph.
async fn run() -> anyhow::Result<(Value, Value)> {
    let wf = workflow! {
        numbers = list::GenerateSequence { start: 1, stop: 6 };
        squared = Square { x: numbers.output };
        plus_one = Increment { x: squared.output };
        collected = control::Collect { input_item: plus_one.output };
        Output { name: "values", value: collected.output };
    };
    let result = wf.run(&ProcessingContext::default()).await?;
    println!("values: {:?}", result.values); // Vec<Value>: [2, 5, 10, 17, 26]

    nodetool_std_nodes::link();
    let dynamic = wf
        .to_runner()?
        .run(&ProcessingContext::default(), Map::new())
        .await?;
    Ok((result.to_json(), dynamic.to_json()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (typed, dynamic) = run().await?;
    anyhow::ensure!(typed == dynamic, "the dynamic runner disagrees: {dynamic}");
    println!("{typed}");
    Ok(())
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn the_dynamic_runner_gives_the_same_result() {
        let (typed, dynamic) = super::run().await.unwrap();
        assert_eq!(typed["values"], serde_json::json!([2, 5, 10, 17, 26]));
        assert_eq!(typed, dynamic);
    }
}
