use nodetool::prelude::*;
use nodetool_std_nodes::text;

fn main() {
    let _wf = workflow! {
        upper = text::ToUppercase { txt: "a" };
        Output { name: "upper", value: upper.output };
    };
}
