//! Fan-out and fan-in with `workflow!`: one value feeds three branches that run
//! concurrently; their results meet again in a sum and in a gathered list.
//!
//! Run: `cargo run --example fan_out`

use nodetool::prelude::*;
use nodetool_std_nodes::{constant, math};
use serde_json::{Map, Value};
use std::time::Duration;

/// Waits a moment (a stand-in for real work), then multiplies.
#[node(namespace = "example.math")]
pub async fn slow_times(#[input(default = 0)] x: i64, #[input(default = 1)] factor: i64) -> i64 {
    tokio::time::sleep(Duration::from_millis(100)).await;
    x * factor
}

/// Sums a list of numbers.
#[node(namespace = "example.math")]
pub async fn total(#[input(default)] values: Vec<f64>) -> f64 {
    values.iter().sum()
}

/// Runs the fan-out workflow, then the dynamic runner on its exported graph.
async fn run() -> anyhow::Result<(Value, Value)> {
    let wf = workflow! {
        x = constant::Integer { value: 7 };
        double = SlowTimes { x: x.output, factor: 2 };
        triple = SlowTimes { x: x.output, factor: 3 };
        tenfold = SlowTimes { x: x.output, factor: 10 };
        pair = math::Add { a: double.output, b: triple.output };
        all = Total { values: [double.output, triple.output, tenfold.output] };
        Output { name: "pair", value: pair.output };
        Output { name: "all", value: all.output };
    };
    let started = std::time::Instant::now();
    let result = wf.run(&ProcessingContext::default()).await?;
    // Three 100 ms branches run concurrently: about 100 ms in all, not 300.
    println!(
        "pair = {}, all = {} in {:?}",
        result.pair.as_f64(),
        result.all,
        started.elapsed()
    );

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
        assert_eq!(typed["pair"], 35.0);
        assert_eq!(typed["all"], 105.0);
        assert_eq!(typed, dynamic);
    }
}
