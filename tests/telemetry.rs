//! Logs and metrics as an operator sees them, from the real binary: the log level and format
//! settings (captured stderr), job ids on every line of a job (server and worker), stdout kept
//! clean, secrets never written, and `/metrics` parsed as Prometheus text with its counters
//! moving after runs.

mod nats_server;
mod process;
mod replay_server;

use process::Process;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};

const CHAIN: &str = "tests/fixtures/math_chain.json";

fn command(home: &Path, args: &[&str], vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nodetool"));
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_clear()
        .env("HOME", home)
        .env("ENV", "development")
        .envs(vars.iter().copied());
    command
}

fn run(args: &[&str], vars: &[(&str, &str)]) -> Output {
    let home = tempfile::tempdir().unwrap();
    command(home.path(), args, vars)
        .output()
        .expect("the nodetool binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every stderr line as JSON, failing on the first line that is not one object.
fn json_lines(stderr: &str) -> Vec<Value> {
    stderr
        .lines()
        .map(|line| {
            let value: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line:?}\n{stderr}"));
            assert!(value.is_object(), "{line}");
            value
        })
        .collect()
}

fn message(line: &Value) -> &str {
    line["fields"]["message"].as_str().unwrap_or_default()
}

#[test]
fn the_level_comes_from_nodetools_settings_and_run_logs_only_warnings_by_default() {
    let quiet = run(&["run", CHAIN, "--param", "x=12"], &[]);
    assert!(quiet.status.success(), "{}", text(&quiet.stderr));
    assert!(
        !text(&quiet.stderr).contains("job started"),
        "{}",
        text(&quiet.stderr)
    );

    let info = run(&["run", CHAIN, "--param", "x=12"], &[("LOG_LEVEL", "INFO")]);
    let stderr = text(&info.stderr);
    assert!(stderr.contains(" INFO "), "{stderr}");
    assert!(stderr.contains("job{job_id=\""), "{stderr}");
    assert!(stderr.contains("job completed"), "{stderr}");
    assert_eq!(text(&info.stdout), "root: 6.0\n");
    // Not a terminal: no colour codes.
    assert!(!stderr.contains('\u{1b}'), "{stderr}");

    let overridden = run(
        &["run", CHAIN, "--param", "x=12"],
        &[("LOG_LEVEL", "DEBUG"), ("NODETOOL_LOG_LEVEL", "ERROR")],
    );
    assert!(!text(&overridden.stderr).contains("job started"));

    let directives = run(
        &["run", CHAIN, "--param", "x=12"],
        &[("RUST_LOG", "warn,nodetool::workflows=info")],
    );
    assert!(text(&directives.stderr).contains("job started"));

    let bad = run(
        &["run", CHAIN, "--param", "x=12"],
        &[("NODETOOL_LOG_LEVEL", "LOUD")],
    );
    assert!(
        bad.status.success(),
        "a bad log level does not stop the command"
    );
    let stderr = text(&bad.stderr);
    assert!(
        stderr.contains("warning: NODETOOL_LOG_LEVEL: unknown log level `LOUD`"),
        "{stderr}"
    );
}

#[test]
fn json_logs_are_one_object_per_line_with_the_job_id_and_stdout_stays_clean() {
    let out = run(
        &["run", CHAIN, "--param", "x=3", "--json"],
        &[
            ("NODETOOL_LOG_FORMAT", "json"),
            ("LOG_LEVEL", "DEBUG"),
            ("NODETOOL_LOG_DATEFMT", "%Y"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "{\"root\":3.0}\n");
    let lines = json_lines(&text(&out.stderr));
    let job_lines: Vec<&Value> = lines
        .iter()
        .filter(|l| message(l).starts_with("job "))
        .filter(|l| l["target"] == "nodetool::workflows::runner")
        .collect();
    let messages: Vec<&str> = job_lines.iter().map(|l| message(l)).collect();
    assert_eq!(messages, ["job started", "job completed"], "{lines:#?}");
    let id = job_lines[0]["span"]["job_id"].as_str().unwrap();
    assert_eq!(id.len(), 32, "{id}");
    assert!(job_lines.iter().all(|l| l["span"]["job_id"] == id));
    // The date format is honoured.
    let year = lines[0]["timestamp"].as_str().unwrap();
    assert!(year.len() == 4 && year.starts_with("20"), "{year}");
    // Progress is in the log too, as events.
    assert!(lines
        .iter()
        .any(|l| l["target"] == "nodetool::progress"
            && message(l) == "sqrt (lib.math.Sqrt): completed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_used_in_a_run_never_appears_in_the_logs_or_errors() {
    const KEY: &str = "sk-proj-telemetry-Secret-0123456789abcdef";
    // OpenAI's 401 quotes the key it got; this one quotes it whole.
    let answer = |_: usize| replay_server::Canned {
        status: 401,
        content_type: "application/json",
        body: json!({"error": {"message": format!("Incorrect API key provided: {KEY}."),
            "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}})
        .to_string(),
        headers: Vec::new(),
    };
    let (base, replay) = replay_server::serve((0..4).map(answer).collect()).await;
    let dir = tempfile::tempdir().unwrap();
    let graph = json!({"nodes": [
        {"id": "llm", "type": "nodetool.llms.LLM", "data": {
            "model": {"type": "language_model", "provider": "openai", "id": "gpt-4o-mini"},
            "prompt": "hello"}},
        {"id": "out", "type": "nodetool.output.Output", "data": {"name": "text"}}],
        "edges": [{"source": "llm", "sourceHandle": "text", "target": "out", "targetHandle": "value"}]});
    let file = dir.path().join("llm.json");
    std::fs::write(&file, graph.to_string()).unwrap();
    let base_url = format!("{base}/v1");
    for format in ["json", "text"] {
        let file = file.to_str().unwrap().to_owned();
        let base_url = base_url.clone();
        let out = tokio::task::spawn_blocking(move || {
            run(
                &["run", &file],
                &[
                    ("OPENAI_API_KEY", KEY),
                    ("OPENAI_BASE_URL", &base_url),
                    ("NODETOOL_LOG_FORMAT", format),
                    ("LOG_LEVEL", "DEBUG"),
                ],
            )
        })
        .await
        .unwrap();
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(1), "{all}");
        assert!(!all.contains(KEY), "the key leaked ({format}):\n{all}");
        assert!(
            !all.contains("0123456789abcdef"),
            "part of the key leaked:\n{all}"
        );
        assert!(
            all.contains("Incorrect API key provided: [redacted]"),
            "{all}"
        );
        if format == "json" {
            let lines =
                json_lines(&text(&out.stderr)[..text(&out.stderr).rfind("error:").unwrap()]);
            assert!(
                lines.iter().any(|l| message(l) == "job failed"),
                "{lines:#?}"
            );
        }
    }
    // The key was used.
    let seen = replay_server::seen(&replay);
    assert!(!seen.is_empty());
    assert_eq!(
        seen[0].headers.get("authorization").unwrap(),
        &format!("Bearer {KEY}")
    );
}

type Exposition = openmetrics_parser::MetricsExposition<
    openmetrics_parser::OpenMetricsType,
    openmetrics_parser::OpenMetricsValue,
>;

/// `/metrics` from `addr`, parsed as OpenMetrics text (which checks the whole exposition:
/// types, names, label syntax, `# EOF`).
async fn scrape(addr: &str) -> Exposition {
    let response = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let body = response.text().await.unwrap();
    openmetrics_parser::openmetrics::parse_openmetrics(&body)
        .unwrap_or_else(|e| panic!("{e:?}: {body}"))
}

/// The sum of family `name`'s samples with all of `labels` (a histogram's count), 0 when
/// there are none.
fn sample(scrape: &Exposition, name: &str, labels: &[(&str, &str)]) -> f64 {
    use openmetrics_parser::OpenMetricsValue as V;
    let Some(family) = scrape.families.get(name) else {
        return 0.0;
    };
    family
        .iter_samples()
        .filter(|s| {
            let set = s.get_labelset().unwrap();
            labels
                .iter()
                .all(|(k, v)| set.get_label_value(k) == Some(*v))
        })
        .map(|s| match &s.value {
            V::Counter(c) => c.value.as_f64(),
            V::Gauge(v) | V::Unknown(v) => v.as_f64(),
            V::Histogram(h) => h.count.unwrap_or_default() as f64,
            other => panic!("{name}: unexpected {other:?}"),
        })
        .sum()
}

fn add_graph() -> Value {
    json!({"nodes": [
        {"id": "a", "type": "nodetool.constant.Integer", "data": {"value": 2}},
        {"id": "b", "type": "lib.math.Add", "data": {"b": 3}},
        {"id": "out", "type": "nodetool.output.Output", "data": {"name": "sum"}}],
        "edges": [
            {"source": "a", "sourceHandle": "output", "target": "b", "targetHandle": "a"},
            {"source": "b", "sourceHandle": "output", "target": "out", "targetHandle": "value"}]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_logs_each_request_and_job_and_its_metrics_move() {
    let home = tempfile::tempdir().unwrap();
    let mut server = Process::spawn(command(
        home.path(),
        &["serve", "--port", "0"],
        &[("NODETOOL_LOG_FORMAT", "json")],
    ));
    let addr = server.address("serving on ");
    let before = scrape(&addr).await;
    let client = reqwest::Client::new();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let job: Value = client
            .post(format!("http://{addr}/api/jobs/run?wait=true"))
            .json(&json!({"graph": add_graph()}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(job["status"], "completed", "{job}");
        ids.push(job["id"].as_str().unwrap().to_owned());
    }
    let missing = client
        .get(format!("http://{addr}/api/jobs/no-such-job"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let after = scrape(&addr).await;

    let moved = |name: &str, labels: &[(&str, &str)]| {
        sample(&after, name, labels) - sample(&before, name, labels)
    };
    assert_eq!(moved("nodetool_jobs", &[("status", "completed")]), 3.0);
    let run = [
        ("method", "POST"),
        ("route", "/api/jobs/run"),
        ("status", "200"),
    ];
    assert_eq!(moved("nodetool_http_requests", &run), 3.0);
    let not_found = [("route", "/api/jobs/{id}"), ("status", "404")];
    assert_eq!(moved("nodetool_http_requests", &not_found), 1.0);
    assert_eq!(moved("nodetool_job_duration_seconds", &[]), 3.0);
    assert_eq!(
        moved(
            "nodetool_node_duration_seconds",
            &[("node_type", "lib.math.Add")]
        ),
        3.0
    );
    assert_eq!(sample(&after, "nodetool_jobs_running", &[]), 0.0);

    // Every job's lines carry its id; each request is one access line with route and status.
    let log = server.log();
    for id in &ids {
        let of_job: Vec<&str> = log
            .iter()
            .filter(|l| {
                l["span"]["job_id"] == id.as_str()
                    || l["spans"]
                        .as_array()
                        .is_some_and(|s| s.iter().any(|s| s["job_id"] == id.as_str()))
            })
            .map(message)
            .collect();
        assert!(
            of_job.contains(&"job started") && of_job.contains(&"job completed"),
            "{id}: {of_job:?}"
        );
    }
    let answered: Vec<&Value> = log.iter().filter(|l| message(l) == "answered").collect();
    let runs = answered
        .iter()
        .filter(|l| l["span"]["route"] == "/api/jobs/run" && l["span"]["method"] == "POST")
        .count();
    assert_eq!(runs, 3, "{answered:#?}");
    assert!(answered
        .iter()
        .any(|l| l["span"]["route"] == "/api/jobs/{id}" && l["fields"]["status"] == 404));
    // Scrapes are logged below INFO.
    assert!(!answered.iter().any(|l| l["span"]["route"] == "/metrics"));
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_logs_its_jobs_and_serves_metrics_on_its_own_port() {
    let Some(nats) =
        nats_server::NatsServer::start("a_worker_logs_its_jobs_and_serves_metrics_on_its_own_port")
    else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("jobs.sqlite3");
    let db = db.to_str().unwrap();
    let nats_url = nats.url();
    let vars = [
        ("NATS_URL", nats_url.as_str()),
        ("DB_PATH", db),
        ("NODETOOL_LOG_FORMAT", "json"),
    ];
    let mut server = Process::spawn(command(home.path(), &["serve", "--port", "0"], &vars));
    let server_addr = server.address("serving on ");
    let mut worker = Process::spawn(command(
        home.path(),
        &[
            "worker",
            "--name",
            "w-metrics",
            "--metrics-port",
            "0",
            "--concurrency",
            "2",
        ],
        &vars,
    ));
    let metrics_addr = worker.address("metrics on ");
    worker.wait_for("pulling jobs");
    let health: Value = reqwest::get(format!("http://{metrics_addr}/health"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health, json!("OK"));

    let client = reqwest::Client::new();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let job: Value = client
            .post(format!("http://{server_addr}/api/jobs/run?wait=true"))
            .json(&json!({"graph": add_graph()}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(job["status"], "completed", "{job}");
        ids.push(job["id"].as_str().unwrap().to_owned());
    }
    let scraped = scrape(&metrics_addr).await;
    assert_eq!(
        sample(&scraped, "nodetool_jobs", &[("status", "completed")]),
        2.0
    );
    assert_eq!(
        sample(
            &scraped,
            "nodetool_node_duration_seconds",
            &[("node_type", "lib.math.Add")]
        ),
        2.0
    );
    assert!(scraped.families.contains_key("nodetool_queue_depth"));
    assert_eq!(sample(&scraped, "nodetool_job_redeliveries", &[]), 0.0);

    // The worker's lines of each job carry its id, under the delivery span.
    let log = worker.log();
    let mut by_job: HashMap<&str, Vec<&str>> = HashMap::new();
    for line in &log {
        if let Some(id) = line["span"]["job_id"].as_str() {
            by_job.entry(id).or_default().push(message(line));
        }
    }
    for id in &ids {
        let lines = by_job.get(id.as_str()).cloned().unwrap_or_default();
        assert!(
            lines.contains(&"job started") && lines.contains(&"job completed"),
            "{id}: {log:#?}"
        );
    }
    assert!(log
        .iter()
        .filter(|l| message(l) == "job started")
        .all(|l| l["spans"][0]["name"] == "delivery" && l["spans"][0]["worker"] == "w-metrics"));
    worker.stop();
    server.stop();
}
