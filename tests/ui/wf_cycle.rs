use nodetool::prelude::*;
use nodetool_std_nodes::text;

fn main() {
    let _wf = workflow! {
        a = text::Concat { a: "x", b: c.output };
        b = text::ToUppercase { text: a.output };
        c = text::ToLowercase { text: b.output };
        Output { name: "out", value: c.output };
    };
}
