use nodetool::prelude::*;

/// A node whose author forgot `process`.
#[node(namespace = "demo")]
pub struct Forgot {
    #[input(default = 1)]
    pub a: i64,
}

fn main() {}
