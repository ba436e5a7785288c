use nodetool::prelude::*;
use nodetool_std_nodes::text;

fn main() {
    let _wf = workflow! {
        words = text::Concat { a: "a", b: "b" };
        upper = text::ToUppercase { text: wrods.outputs.output };
        Output { name: "upper", value: upper.output };
    };
}
