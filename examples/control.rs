//! Control edges: a controller runs another node once per parameter set.
//!
//! `sweep` sends three run events, each setting `exponent`; `power` (fed `base = 2` by a data
//! edge) runs once per event with that exponent, and its exponent is restored after each run.
//! `sweep controls power;` is the control edge; NodeTool draws it as a dotted line.
//!
//! Run: `cargo run --example control`

use nodetool::prelude::*;
use nodetool::workflows::messages::ProcessingMessage;
use nodetool_std_nodes::{constant, control, math};
use serde_json::{json, Map, Value};

/// Sends one run event per parameter set (an object of property values), then how many it
/// sent.
#[node(namespace = "example.control", streaming_output)]
pub struct ParameterSweep {
    /// The parameter sets, one run of the controlled nodes each.
    #[input(default)]
    pub sets: Vec<Value>,
}

impl GenProcess for ParameterSweep {
    type Item = i64;
    async fn gen_process(&self, _ctx: &ProcessingContext, mut out: Emitter<'_, i64>) -> Result<()> {
        for set in &self.sets {
            let properties = set.as_object().cloned().ok_or_else(|| {
                NodeError::failed(format!("a parameter set is an object, got {set}"))
            })?;
            out.control(ControlEvent::Run { properties }).await?;
        }
        out.emit(self.sets.len() as i64).await?;
        Ok(())
    }
}

/// Runs the sweep, printing each run of `power` as it completes; returns the typed result as
/// JSON and the dynamic runner's result for the exported graph.
async fn run() -> anyhow::Result<(Value, Value)> {
    let wf = workflow! {
        base = constant::Integer { value: 2 };
        sweep = ParameterSweep {
            sets: vec![json!({"exponent": 2}), json!({"exponent": 3}), json!({"exponent": 10})],
        };
        power = math::Power { base: base.output };
        powers = control::Collect { input_item: power.output };
        sweep controls power;
        Output { name: "powers", value: powers.output };
        Output { name: "runs", value: sweep.output };
    };
    println!("{}", wf.to_mermaid());

    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let printer = tokio::spawn(async move {
        while let Some(message) = rx.recv().await {
            if let ProcessingMessage::NodeUpdate(update) = message {
                if &*update.node_id == "power" && update.status == "running" {
                    let set = update.properties.map(Value::Object).unwrap_or_default();
                    println!("power runs with {set}");
                }
            }
        }
    });
    let ctx = ProcessingContext::builder().messages(tx).build();
    let result = wf.run(&ctx).await?;
    drop(ctx);
    printer.await?;
    println!(
        "2^2, 2^3, 2^10 = {} ({} runs)",
        Value::from(result.powers.clone()),
        result.runs
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
    use serde_json::json;

    #[tokio::test]
    async fn the_sweep_runs_power_once_per_parameter_set() {
        let (typed, dynamic) = super::run().await.unwrap();
        assert_eq!(typed["powers"], json!([4.0, 8.0, 1024.0]));
        assert_eq!(typed["runs"], json!(3));
        assert_eq!(typed, dynamic);
    }
}
