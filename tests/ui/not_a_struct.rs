use nodetool::prelude::*;

#[node(namespace = "demo")]
pub enum Choice {
    A,
    B,
}

fn main() {}
