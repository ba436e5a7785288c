use nodetool::prelude::*;
use nodetool_std_nodes::text;

fn only_control() {
    let _wf = workflow! {
        a = text::ToUppercase { text: "x" };
        b = text::ToLowercase { text: "y" };
        a controls b;
        b controls a;
    };
}

fn through_data() {
    let _wf = workflow! {
        a = text::ToUppercase { text: b.output };
        b = text::ToLowercase { text: "y" };
        a controls b;
    };
}

fn main() {
    only_control();
    through_data();
}
