use nodetool::prelude::*;

/// A node whose impl block lacks `#[node]`.
#[node(namespace = "demo")]
pub struct Shout {
    #[input(default = "")]
    pub text: String,
}

impl Shout {
    async fn process(&self, _ctx: &ProcessingContext) -> Result<String> {
        Ok(self.text.to_uppercase())
    }
}

fn main() {
    let _wf = workflow! {
        shout = Shout { text: "hi" };
        Output { name: "out", value: shout.output };
    };
}
