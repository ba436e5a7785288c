//! Running the `nodetool` binary as a user would from a shell: a clean environment with
//! `HOME` (and the working folder) at `home`, in development mode, plus the given variables.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `nodetool ARGS` in `home` with only `env` set besides `HOME` and `ENV`.
pub fn nodetool(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nodetool"));
    command
        .args(args)
        .current_dir(home)
        .env_clear()
        .env("HOME", home)
        .env("ENV", "development");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("the nodetool binary runs")
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
