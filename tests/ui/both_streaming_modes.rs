use nodetool::prelude::*;

#[node(namespace = "demo", streaming_output, streaming_input)]
pub struct A {
    #[input(default = 1)]
    pub a: i64,
}

fn main() {}
