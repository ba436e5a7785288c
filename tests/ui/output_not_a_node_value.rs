use nodetool::prelude::*;

pub struct Opaque;

/// Returns a type that is not a NodeValue.
#[node(namespace = "demo")]
pub struct Bad {
    #[input(default = 1)]
    pub a: i64,
}

impl Process for Bad {
    type Output = Opaque;
    async fn process(&self, _ctx: &ProcessingContext) -> Result<Opaque> {
        Ok(Opaque)
    }
}

fn main() {}
