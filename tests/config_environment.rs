//! `nodetool::config::Environment`: every layer and its precedence, environment detection,
//! secrets resolving the environment first, malformed files, quoting, typed access, redaction.

use nodetool::config::{ConfigError, Environment, SettingsRegistry, Source, StorageKind};
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// An environment from `dir`'s `.env` files and `settings.yaml`/`secrets.yaml`, with
/// `process` as the process environment.
fn env_in(dir: &Path, process: &[(&str, &str)]) -> Result<Environment, ConfigError> {
    Environment::builder()
        .process_env(process.iter().copied())
        .dotenv_dir(Some(dir))
        .settings_file(Some(&dir.join("settings.yaml")))
        .secrets_file(Some(&dir.join("secrets.yaml")))
        .data_dir(&dir.join("data"))
        .build()
}

#[test]
fn each_layer_overrides_the_ones_before_it_in_the_documented_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        ".env",
        "A=dotenv\nB=dotenv\nC=dotenv\nD=dotenv\nE=dotenv\n",
    );
    write(
        d,
        ".env.development",
        "B=env_file\nC=env_file\nD=env_file\nE=env_file\n",
    );
    write(d, ".env.development.local", "C=local\nD=local\nE=local\n");
    write(d, "settings.yaml", "E: settings\nLOG_LEVEL: WARNING\n");
    let env = env_in(d, &[("D", "process"), ("E", "process")]).unwrap();
    assert_eq!(env.name(), "development");
    let expect = [
        ("A", "dotenv", Source::DotEnv(d.join(".env"))),
        ("B", "env_file", Source::DotEnv(d.join(".env.development"))),
        (
            "C",
            "local",
            Source::DotEnv(d.join(".env.development.local")),
        ),
        ("D", "process", Source::Process),
        (
            "E",
            "settings",
            Source::SettingsFile(d.join("settings.yaml")),
        ),
        (
            "LOG_LEVEL",
            "WARNING",
            Source::SettingsFile(d.join("settings.yaml")),
        ),
        ("AWS_REGION", "us-east-1", Source::Default),
    ];
    for (key, value, source) in expect {
        assert_eq!(env.get(key), Some(value), "{key}");
        assert_eq!(env.source(key), Some(&source), "{key}");
    }
    let db_path = env.get("DB_PATH").unwrap();
    assert_eq!(Path::new(db_path), d.join("data").join("nodetool.sqlite3"));
}

#[test]
fn secrets_resolve_the_environment_first() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, ".env", "ANTHROPIC_API_KEY=from-dotenv\n");
    write(
        d,
        "settings.yaml",
        "OPENAI_API_KEY: from-settings\nANTHROPIC_API_KEY: from-settings\nGEMINI_API_KEY: from-settings\n",
    );
    write(
        d,
        "secrets.yaml",
        "HF_TOKEN: from-secrets\nOPENAI_API_KEY: from-secrets\n",
    );
    let env = env_in(d, &[("OPENAI_API_KEY", "from-process")]).unwrap();
    assert_eq!(env.get("OPENAI_API_KEY"), Some("from-process"));
    assert_eq!(env.get("ANTHROPIC_API_KEY"), Some("from-dotenv"));
    assert_eq!(env.get("GEMINI_API_KEY"), Some("from-settings"));
    assert_eq!(env.get("HF_TOKEN"), Some("from-secrets"));
    assert_eq!(
        env.source("HF_TOKEN"),
        Some(&Source::SecretsFile(d.join("secrets.yaml")))
    );
}

#[test]
fn null_and_empty_settings_do_not_override() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "settings.yaml", "A: ''\nB: null\nC: 7\nD: true\n");
    let env = env_in(d, &[("A", "process"), ("B", "process")]).unwrap();
    assert_eq!(env.get("A"), Some("process"));
    assert_eq!(env.get("B"), Some("process"));
    assert_eq!(env.get("C"), Some("7"));
    assert_eq!(env.get("D"), Some("true"));
}

#[test]
fn detects_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, ".env", "FROM_DOTENV=1\n");
    write(d, ".env.production", "PROD=1\n");
    let name = |process: &[(&str, &str)]| env_in(d, process).unwrap().name().to_owned();
    assert_eq!(name(&[]), "development");
    assert_eq!(name(&[("ENV", "production")]), "production");
    assert_eq!(name(&[("NODETOOL_ENV", "staging")]), "staging");
    assert_eq!(
        name(&[("ENV", "production"), ("NODETOOL_ENV", "staging")]),
        "production"
    );
    assert_eq!(name(&[("PYTEST_CURRENT_TEST", "t")]), "test");
    assert_eq!(name(&[("NEXTEST_RUN_ID", "x")]), "test");
    let prod = env_in(d, &[("ENV", "production")]).unwrap();
    assert!(prod.is_production());
    assert_eq!(prod.get("PROD"), Some("1"));
    // The test environment reads no .env file and keeps its database in the temp folder.
    let test = env_in(d, &[("NEXTEST_RUN_ID", "x")]).unwrap();
    assert!(test.is_test());
    assert_eq!(test.get("FROM_DOTENV"), None);
    assert_eq!(test.source("DB_PATH"), Some(&Source::Test));
    assert!(Path::new(test.get("DB_PATH").unwrap()).starts_with(std::env::temp_dir()));
    assert_eq!(test.storage_kind(), StorageKind::Memory);
    assert_eq!(prod.storage_kind(), StorageKind::Local);
    let s3 = env_in(
        d,
        &[
            ("ENV", "production"),
            ("S3_ENDPOINT_URL", "http://127.0.0.1:9000"),
        ],
    );
    assert_eq!(s3.unwrap().storage_kind(), StorageKind::S3);
}

#[test]
fn dotenv_quoting_unicode_and_comments() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        ".env",
        "# a comment\nQUOTED=\"two words # not a comment\"\nSINGLE='x=y'\nUNICODE=\"ünïcødé ✓\"\nBARE=ünï\nexport EXPORTED=yes\n",
    );
    let env = env_in(d, &[]).unwrap();
    assert_eq!(env.get("QUOTED"), Some("two words # not a comment"));
    assert_eq!(env.get("SINGLE"), Some("x=y"));
    assert_eq!(env.get("UNICODE"), Some("ünïcødé ✓"));
    assert_eq!(env.get("BARE"), Some("ünï"));
    assert_eq!(env.get("EXPORTED"), Some("yes"));
}

#[test]
fn malformed_files_are_errors_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, ".env", "GOOD=1\nthis is not an assignment\n");
    let error = env_in(d, &[]).unwrap_err().to_string();
    assert!(error.contains(".env: line 2"), "{error}");
    std::fs::remove_file(d.join(".env")).unwrap();
    write(d, "settings.yaml", "A: 1\nB: [unclosed\n");
    let error = env_in(d, &[]).unwrap_err().to_string();
    assert!(error.contains("settings.yaml"), "{error}");
    assert!(error.contains("line 2"), "{error}");
}

#[test]
fn typed_access_names_key_and_layer_but_never_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let env = env_in(
        dir.path(),
        &[("PORT", " 8080 "), ("OPENAI_API_KEY", "sk-very-secret")],
    )
    .unwrap();
    assert_eq!(env.get_parsed::<u16>("PORT").unwrap(), Some(8080));
    assert_eq!(env.get_parsed::<u16>("UNSET").unwrap(), None);
    let error = env
        .get_parsed::<u16>("OPENAI_API_KEY")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("OPENAI_API_KEY") && error.contains("process environment"),
        "{error}"
    );
    assert!(!error.contains("sk-very-secret"), "{error}");
    assert!(matches!(
        env.require("UNSET"),
        Err(ConfigError::Missing { .. })
    ));
    assert_eq!(env.get_or("UNSET", "x"), "x");
}

#[test]
fn debug_output_never_shows_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let env = env_in(
        dir.path(),
        &[
            ("OPENAI_API_KEY", "sk-very-secret"),
            ("MY_PRIVATE_TOKEN", "tok-secret"),
            ("LOG_LEVEL", "DEBUG"),
        ],
    )
    .unwrap();
    let debug = format!("{env:?}");
    assert!(
        !debug.contains("sk-very-secret") && !debug.contains("tok-secret"),
        "{debug}"
    );
    assert!(
        debug.contains("<redacted>") && debug.contains("\"DEBUG\""),
        "{debug}"
    );
}

#[test]
fn listing_says_what_is_configured_without_values() {
    let dir = tempfile::tempdir().unwrap();
    let env = env_in(dir.path(), &[("OPENAI_API_KEY", "sk-x")]).unwrap();
    let groups = SettingsRegistry::global().listing(&env);
    let openai = &groups["OpenAI"];
    assert!(openai
        .iter()
        .any(|s| s.descriptor.env_var == "OPENAI_API_KEY" && s.configured));
    let anthropic = &groups["Anthropic"];
    assert!(anthropic.iter().all(|s| !s.configured));
}

#[test]
fn an_environment_is_read_from_many_threads_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let env = std::sync::Arc::new(env_in(dir.path(), &[("X", "1")]).unwrap());
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let env = std::sync::Arc::clone(&env);
            std::thread::spawn(move || (0..1000).all(|_| env.get("X") == Some("1")))
        })
        .collect();
    assert!(handles.into_iter().all(|h| h.join().unwrap()));
}
