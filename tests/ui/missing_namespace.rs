use nodetool::prelude::*;

#[node]
pub struct A {
    #[input(default = 1)]
    pub a: i64,
}

fn main() {}
