//! `workflow!`: typed runs, parameters, streaming, fan-out/fan-in, failures, cancellation,
//! messages, and the same results from the dynamic runner on the exported graph.

use nodetool::prelude::*;
use nodetool::workflows::{RunError, WorkflowRunner};
use nodetool_std_nodes::{constant, control, list, math, text};
use serde_json::json;

/// Counts words.
#[node(namespace = "test.wf")]
pub async fn word_count(#[input(default = "")] text: String) -> i64 {
    text.split_whitespace().count() as i64
}

#[tokio::test]
async fn runs_a_chain_with_typed_results() {
    let wf = workflow! {
        words = constant::String { value: "hello static world" };
        upper = text::ToUppercase { text: words.output };
        count = WordCount { text: upper.output };
        Output { name: "shout", value: upper.output };
        Output { name: "words", value: count.output };
    };
    let result = wf.run(&ProcessingContext::default()).await.unwrap();
    assert_eq!(result.shout, "HELLO STATIC WORLD");
    assert_eq!(result.words, 3);
    let dynamic = WorkflowRunner::from_graph(&wf.to_graph())
        .unwrap()
        .run(&ProcessingContext::default(), Default::default())
        .await
        .unwrap();
    assert_eq!(dynamic.to_json(), result.to_json());
}
