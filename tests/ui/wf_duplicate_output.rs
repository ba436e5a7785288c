use nodetool::prelude::*;
use nodetool_std_nodes::text;

fn main() {
    let _wf = workflow! {
        upper = text::ToUppercase { text: "a" };
        lower = text::ToLowercase { text: "B" };
        Output { name: "text", value: upper.output };
        Output { name: "text", value: lower.output };
    };
}
