//! The `nodetool` command (see `nodetool_cli`).

fn main() -> std::process::ExitCode {
    nodetool_cli::main()
}
