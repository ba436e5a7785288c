use nodetool::prelude::*;

/// Greets someone; `who` has no default.
#[node(namespace = "demo")]
pub async fn greet(who: String, #[input(default = "hello")] greeting: String) -> String {
    format!("{greeting} {who}")
}

fn main() {
    let _wf = workflow! {
        hi = Greet { greeting: "hi" };
        Output { name: "text", value: hi.output };
    };
}
