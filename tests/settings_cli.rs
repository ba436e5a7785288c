//! `nodetool settings …` as a user runs it: a real process, with HOME and the working
//! directory in a temporary folder.

mod cli_harness;

use cli_harness::{nodetool, text};

#[test]
fn set_then_get_reads_back_with_its_source() {
    let home = tempfile::tempdir().unwrap();
    let out = nodetool(home.path(), &["settings", "set", "LOG_LEVEL", "DEBUG"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let settings = home.path().join(".config/nodetool/settings.yaml");
    assert!(std::fs::read_to_string(&settings)
        .unwrap()
        .contains("LOG_LEVEL"));

    let out = nodetool(home.path(), &["settings", "get", "LOG_LEVEL"], &[]);
    assert_eq!(text(&out.stdout), "DEBUG\n");
    let out = nodetool(
        home.path(),
        &["settings", "get", "LOG_LEVEL", "--source"],
        &[],
    );
    assert_eq!(
        text(&out.stdout),
        format!("DEBUG\nsource: {}\n", settings.display())
    );
    let out = nodetool(
        home.path(),
        &["settings", "get", "AWS_REGION", "--source"],
        &[],
    );
    assert_eq!(text(&out.stdout), "us-east-1\nsource: default\n");
}

#[test]
fn get_of_an_unset_name_fails_with_a_message() {
    let home = tempfile::tempdir().unwrap();
    let out = nodetool(home.path(), &["settings", "get", "NOT_A_THING"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("`NOT_A_THING` is not set"));
}

#[test]
fn secrets_go_to_the_encrypted_store_and_are_never_listed() {
    let home = tempfile::tempdir().unwrap();
    let master = [("SECRETS_MASTER_KEY", "settings-cli-master")];
    let out = nodetool(
        home.path(),
        &["settings", "set", "OPENAI_API_KEY", "sk-secret-1"],
        &master,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("encrypted"));
    // Not in any YAML file: in the database, encrypted, for user 1.
    let config = home.path().join(".config/nodetool");
    for file in ["settings.yaml", "secrets.yaml"] {
        let content = std::fs::read_to_string(config.join(file)).unwrap_or_default();
        assert!(!content.contains("sk-secret-1"), "{file}: {content}");
    }
    let out = nodetool(home.path(), &["secrets", "get", "OPENAI_API_KEY"], &master);
    assert_eq!(text(&out.stdout), "sk-secret-1\n");

    let out = nodetool(
        home.path(),
        &["settings", "list", "--json"],
        &[("OPENAI_API_KEY", "sk-env")],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("sk-secret-1") && !stdout.contains("sk-env"));
    let items: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let openai = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["env_var"] == "OPENAI_API_KEY")
        .unwrap();
    assert_eq!(openai["configured"], true);
    assert_eq!(openai["is_secret"], true);
    assert_eq!(openai["group"], "OpenAI");
    assert!(openai["description"].as_str().unwrap().contains("OpenAI"));
}

#[test]
fn list_filters_by_group_and_reports_an_unknown_group() {
    let home = tempfile::tempdir().unwrap();
    let out = nodetool(
        home.path(),
        &["settings", "list", "--group", "database"],
        &[("POSTGRES_HOST", "db")],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("Database\n"), "{stdout}");
    assert!(
        stdout.contains("POSTGRES_HOST") && stdout.contains("configured"),
        "{stdout}"
    );
    assert!(!stdout.contains("OPENAI_API_KEY"), "{stdout}");
    let out = nodetool(home.path(), &["settings", "list", "--group", "nope"], &[]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("no group `nope`"));
}

#[test]
fn a_malformed_settings_file_is_reported_and_left_alone() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".config/nodetool");
    std::fs::create_dir_all(&dir).unwrap();
    let settings = dir.join("settings.yaml");
    std::fs::write(&settings, "A: [unclosed\n").unwrap();
    let out = nodetool(home.path(), &["settings", "set", "LOG_LEVEL", "INFO"], &[]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("settings.yaml") && stderr.contains("line 1"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&settings).unwrap(),
        "A: [unclosed\n"
    );
}
