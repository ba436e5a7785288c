use nodetool::prelude::*;

fn main() {
    let _wf = workflow! {
        words = Cnocat { a: "a" };
        Output { name: "words", value: words.output };
    };
}
