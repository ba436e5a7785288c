//! `docs/nodes.md` is what `nodetool nodes docs` prints for this build's node types.

use std::process::Command;

#[test]
fn the_node_reference_is_current() {
    let out = Command::new(env!("CARGO_BIN_EXE_nodetool"))
        .args(["nodes", "docs"])
        .output()
        .expect("the nodetool binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let generated = String::from_utf8(out.stdout).expect("UTF-8");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/nodes.md");
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        generated == checked_in,
        "docs/nodes.md is out of date: run `cargo run -q --bin nodetool -- nodes docs > docs/nodes.md`"
    );
    for node_type in [
        "lib.math.Add",
        "nodetool.text.Concat",
        "nodetool.output.Output",
    ] {
        assert!(
            generated.contains(&format!("(`{node_type}`)")),
            "{node_type} is listed"
        );
    }
}
