use nodetool::prelude::*;

#[node(namespace = "demo")]
pub struct Pair(i64, i64);

fn main() {}
