use nodetool::prelude::*;
use nodetool_std_nodes::text;

fn main() {
    let _wf = workflow! {
        upper = text::ToUppercase { text: "a" };
        Output { name: "out" };
    };
}
