use nodetool::prelude::*;

#[node(namespace = "demo", role = "sink")]
pub struct A {
    #[input(default = 1)]
    pub a: i64,
}

fn main() {}
