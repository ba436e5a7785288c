use nodetool::prelude::*;
use nodetool_std_nodes::text;

fn main() {
    let _wf = workflow! {
        a = text::ToUppercase { text: "x" };
        a controls a;
        a controls nowhere;
        out = Output { name: "out", value: a.output };
        a controls out;
    };
}
