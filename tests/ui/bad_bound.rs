use nodetool::prelude::*;

#[node(namespace = "demo")]
pub struct A {
    #[input(default = 1, min = "zero")]
    pub a: i64,
}

fn main() {}
