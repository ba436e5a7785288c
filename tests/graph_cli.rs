//! `nodetool run | validate | export | nodes | serve` as a user runs them: the real binary,
//! with HOME in a temporary folder.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const CHAIN: &str = "tests/fixtures/math_chain.json";
const BROKEN: &str = "tests/fixtures/broken.json";

fn command(home: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nodetool"));
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_clear()
        .env("HOME", home)
        .env("ENV", "development");
    command
}

fn nodetool(args: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    command(home.path(), args)
        .output()
        .expect("the nodetool binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn run_prints_outputs_and_reports_each_node() {
    let out = nodetool(&["run", CHAIN, "--param", "x=12"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "root: 6.0\n");
    let progress = text(&out.stderr);
    for line in ["sqrt (lib.math.Sqrt): completed", "job completed"] {
        assert!(progress.contains(line), "{progress}");
    }
    let out = nodetool(&["run", CHAIN, "--param", "x=3", "--json"]);
    assert_eq!(text(&out.stdout), "{\"root\":3.0}\n");
}

#[test]
fn run_fails_clearly_on_bad_params_and_files() {
    let out = nodetool(&["run", CHAIN, "--param", "nope=1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("unknown parameter `nope` (the graph's inputs: x)"),
        "{}",
        text(&out.stderr)
    );
    let out = nodetool(&["run", CHAIN, "--param", "x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("--param `x` needs the form NAME=VALUE"));
    let out = nodetool(&["run", "missing.json"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(
        err.matches("No such file").count(),
        1,
        "the cause is said once: {err}"
    );
}

#[test]
fn validate_names_every_problem() {
    let out = nodetool(&["validate", CHAIN]);
    assert!(out.status.success());
    assert_eq!(
        text(&out.stdout),
        format!("{CHAIN}: valid (6 nodes, 4 edges; parameters: x)\n")
    );
    let out = nodetool(&["validate", BROKEN]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    for problem in [
        "unknown node type `no.such.Node`",
        "has no input `y` (inputs: x)",
        "3 problems",
    ] {
        assert!(err.contains(problem), "{err}");
    }
}

#[test]
fn export_draws_mermaid_or_prints_json() {
    let out = nodetool(&["export", CHAIN, "--mermaid"]);
    assert!(out.status.success());
    let chart = text(&out.stdout);
    assert!(chart.starts_with("flowchart LR\n"), "{chart}");
    assert!(chart.contains("<small>Sqrt</small>"), "{chart}");
    let out = nodetool(&["export", CHAIN, "--json"]);
    let graph: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(graph["nodes"].as_array().unwrap().len(), 6);
}

#[test]
fn nodes_are_listed_and_shown() {
    let out = nodetool(&["nodes", "list", "--namespace", "lib.math"]);
    let list = text(&out.stdout);
    assert!(
        list.lines().any(|l| l.starts_with("lib.math.Add ")),
        "{list}"
    );
    assert!(!list.contains("nodetool.text"), "{list}");
    let out = nodetool(&["nodes", "show", "lib.math.Power"]);
    let shown = text(&out.stdout);
    assert!(
        shown.contains("base: union[int, float]") && shown.contains("outputs:"),
        "{shown}"
    );
    let out = nodetool(&["nodes", "show", "lib.math.Powr"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("did you mean"),
        "{}",
        text(&out.stderr)
    );
    let out = nodetool(&["nodes", "list", "--json"]);
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(all.as_array().unwrap().len() > 30);
}

#[test]
fn help_lists_every_command() {
    let out = nodetool(&["--help"]);
    let help = text(&out.stdout);
    for name in [
        "run", "validate", "export", "nodes", "serve", "settings", "secrets",
    ] {
        assert!(help.contains(&format!("  {name}")), "{help}");
    }
    let out = nodetool(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn serve_answers_then_stops_on_sigterm() {
    let home = tempfile::tempdir().unwrap();
    let mut child = command(home.path(), &["serve", "--port", "0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let addr = loop {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "serve exited early"
        );
        if let Some(rest) = line.split("serving on http://").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let health: serde_json::Value = rt.block_on(async {
        reqwest::get(format!("http://{addr}/health"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(health, serde_json::json!("OK"));
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "serve did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success());
}
