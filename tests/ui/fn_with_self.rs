use nodetool::prelude::*;

#[node(namespace = "demo", streaming_output)]
pub async fn twice(#[input(default = 1)] a: i64) -> i64 {
    a * 2
}

fn main() {}
