//! Schemathesis (PyPI) against the server's own OpenAPI document: generated requests for every
//! operation; no 5xx, only documented status codes and content types, responses that match
//! their schemas, and no request accepted without a valid token. Runs the real binary
//! (`nodetool serve`, static-token auth) in a temporary HOME. Needs `st` on PATH: `.ci/run`
//! installs it and sets `NODETOOL_TEST_SCHEMATHESIS=1`; without it the test says it skips.

mod process;

use process::Process;
use std::process::Command;

#[test]
fn the_openapi_document_matches_what_the_server_does() {
    let required = std::env::var_os("NODETOOL_TEST_SCHEMATHESIS").is_some();
    let available = Command::new("st")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        assert!(
            !required,
            "NODETOOL_TEST_SCHEMATHESIS is set but `st` (schemathesis) is not on PATH"
        );
        eprintln!("skipped: schemathesis (`st`) is not installed (pip install schemathesis)");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    // The process helper drains the server's stderr: its request logs would fill an unread
    // pipe and stall the server.
    let mut server = Process::spawn({
        let mut command = Command::new(env!("CARGO_BIN_EXE_nodetool"));
        command
            .args(["serve", "--port", "0"])
            .env_clear()
            .env("HOME", home.path())
            .env("ENV", "development")
            .env("AUTH_PROVIDER", "static")
            .env("WORKER_AUTH_TOKEN", "schemathesis-token")
            .env("SECRETS_MASTER_KEY", "schemathesis-master-key");
        command
    });
    let addr = server.address("serving on ");
    // Run where schemathesis may keep its cache: not in the checkout.
    let out = Command::new("st")
        .current_dir(home.path())
        .args([
            "run",
            &format!("http://{addr}/openapi.json"),
            "-H",
            "Authorization: Bearer schemathesis-token",
            "--phases",
            "coverage,fuzzing",
            "--max-examples",
            "25",
            "--exclude-path",
            "/ws",
            // These embed texts through the collection's provider, which the fuzzer's
            // collections name at random and which this machine does not run: their 502 is
            // the upstream's failure, not the server's (tests/api_server.rs covers them).
            "--exclude-path",
            "/api/collections/{name}/index",
            "--exclude-path",
            "/api/collections/{name}/query",
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,ignored_auth",
            "--no-color",
            "--request-timeout",
            "30",
        ])
        .output()
        .unwrap();
    server.stop();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
