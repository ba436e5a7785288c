use nodetool::prelude::*;

#[node(namespace = "demo")]
pub struct Wrap<T> {
    pub value: T,
}

fn main() {}
