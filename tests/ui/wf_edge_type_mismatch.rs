use nodetool::prelude::*;
use nodetool_std_nodes::{constant, text};

fn main() {
    let _wf = workflow! {
        n = constant::Integer { value: 3 };
        upper = text::ToUppercase { text: n.output };
        Output { name: "upper", value: upper.output };
    };
}
