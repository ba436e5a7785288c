//! Exports a `workflow!` as NodeTool graph JSON (what the NodeTool UI loads and the dynamic
//! runner runs) and as a Mermaid flowchart. Any loaded graph draws the same way.
//!
//! Run: `cargo run --example export` (writes `target/export/workflow.json` and `.mmd`).

use nodetool::prelude::*;
use nodetool_std_nodes::{input, text};
use serde_json::{Map, Value};

/// Builds the workflow, writes its exports into `dir`, and runs both the typed workflow and
/// the written JSON (read back) on the dynamic runner.
async fn run(dir: &std::path::Path) -> anyhow::Result<(Value, Value)> {
    let wf = workflow! {
        name = input::StringInput { name: "name", value: "Ada" };
        greeting = text::Concat { a: "Hello, ", b: name.output };
        shout = text::ToUppercase { text: greeting.output };
        Output { name: "greeting", value: greeting.output };
        Output { name: "shout", value: shout.output };
    };
    std::fs::create_dir_all(dir)?;
    let json_path = dir.join("workflow.json");
    std::fs::write(
        &json_path,
        serde_json::to_string_pretty(&wf.to_graph().to_json())?,
    )?;
    std::fs::write(dir.join("workflow.mmd"), wf.to_mermaid())?;
    println!("{}", wf.to_mermaid());
    println!("wrote {} and workflow.mmd", json_path.display());

    let typed = wf.run(&ProcessingContext::default()).await?;
    nodetool_std_nodes::link();
    let graph = Graph::from_path(&json_path)?;
    let dynamic = WorkflowRunner::from_graph(&graph)?
        .run(&ProcessingContext::default(), Map::new())
        .await?;
    Ok((typed.to_json(), dynamic.to_json()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/export");
    let (typed, dynamic) = run(&dir).await?;
    anyhow::ensure!(typed == dynamic, "the dynamic runner disagrees: {dynamic}");
    println!("{typed}");
    Ok(())
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn the_written_json_runs_with_the_same_result() {
        let dir = std::env::temp_dir().join(format!("nodetool-export-{}", std::process::id()));
        let (typed, dynamic) = super::run(&dir).await.unwrap();
        assert_eq!(typed["shout"], "HELLO, ADA");
        assert_eq!(typed, dynamic);
        let chart = std::fs::read_to_string(dir.join("workflow.mmd")).unwrap();
        assert!(chart.contains("greeting"), "{chart}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
