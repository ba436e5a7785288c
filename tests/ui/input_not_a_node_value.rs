use nodetool::prelude::*;

pub struct Opaque;

#[node(namespace = "demo")]
pub async fn take(value: Opaque) -> i64 {
    let _ = value;
    1
}

fn main() {}
