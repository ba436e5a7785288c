use nodetool::prelude::*;

#[node(namespace = "demo", colour = "red")]
pub struct A {
    #[input(default = 1)]
    pub a: i64,
}

fn main() {}
