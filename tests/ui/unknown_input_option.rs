use nodetool::prelude::*;

#[node(namespace = "demo")]
pub struct A {
    #[input(deflt = 1)]
    pub a: i64,
}

fn main() {}
