use nodetool::prelude::*;
use nodetool_std_nodes::text;

fn main() {
    let _wf = workflow! {
        upper = text::ToUppercase { text: "a" };
        upper = text::ToLowercase { text: "B" };
        Output { name: "out", value: upper.output };
    };
}
