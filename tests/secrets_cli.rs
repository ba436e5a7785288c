//! `nodetool secrets …` as a user runs it: a real process, the database at `DB_PATH` in a
//! temporary folder, the master key from `SECRETS_MASTER_KEY`.

use std::path::Path;
use std::process::{Command, Output};

fn nodetool(dir: &Path, args: &[&str], master_key: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nodetool"));
    command
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("HOME", dir)
        .env("ENV", "development")
        .env("DB_PATH", dir.join("db").join("nodetool.sqlite3"));
    if let Some(key) = master_key {
        command.env("SECRETS_MASTER_KEY", key);
    }
    command.output().expect("the nodetool binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn set_get_list_delete_per_user() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = Some("cli-master");
    let out = nodetool(
        d,
        &[
            "secrets",
            "set",
            "OPENAI_API_KEY",
            "sk-cli",
            "--description",
            "main",
        ],
        key,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = nodetool(d, &["secrets", "get", "OPENAI_API_KEY"], key);
    assert_eq!(text(&out.stdout), "sk-cli\n");
    let out = nodetool(d, &["secrets", "list"], key);
    assert_eq!(text(&out.stdout), "OPENAI_API_KEY\tmain\n");
    assert!(!text(&out.stdout).contains("sk-cli"));

    // Another user sees nothing and cannot delete it.
    let out = nodetool(d, &["secrets", "--user", "2", "get", "OPENAI_API_KEY"], key);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no secret `OPENAI_API_KEY` for user `2`"));
    let out = nodetool(
        d,
        &["secrets", "delete", "OPENAI_API_KEY", "--user", "2"],
        key,
    );
    assert_eq!(out.status.code(), Some(1));

    // The wrong master key is a clear error, never the value.
    let out = nodetool(d, &["secrets", "get", "OPENAI_API_KEY"], Some("another"));
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("OPENAI_API_KEY") && !stderr.contains("sk-cli"),
        "{stderr}"
    );

    let out = nodetool(d, &["secrets", "delete", "OPENAI_API_KEY"], key);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = nodetool(d, &["secrets", "get", "OPENAI_API_KEY"], key);
    assert_eq!(out.status.code(), Some(1));
}

/// Without SECRETS_MASTER_KEY the key comes from the keychain (generated and stored on first
/// use); where there is no usable keychain, the error says how to set one.
#[test]
fn without_a_master_key_the_keychain_is_used_or_the_error_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_nodetool"));
    let service = format!("nodetool-rs-cli-test-{}", uuid::Uuid::new_v4());
    command
        .args(["secrets", "list"])
        .current_dir(dir.path())
        .env_clear()
        .env("HOME", dir.path())
        .env("ENV", "development")
        .env("DB_PATH", dir.path().join("nodetool.sqlite3"))
        .env("NODETOOL_KEYCHAIN_SERVICE", &service);
    let out = command.output().unwrap();
    // Linux has no keychain that survives a reboot: there the error is certain.
    assert!(!cfg!(target_os = "linux") || !out.status.success());
    if out.status.success() {
        // A key was generated and stored (a new database lists nothing): remove the test's
        // keychain entry.
        assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
        let _ = nodetool::security::MasterKeyManager::with_keychain_entry(
            &service,
            "secrets_master_key",
        )
        .delete_from_keychain();
    } else {
        let stderr = text(&out.stderr);
        assert!(stderr.contains("set SECRETS_MASTER_KEY"), "{stderr}");
    }
}

#[test]
fn master_key_generate_prints_a_fernet_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = nodetool(dir.path(), &["secrets", "master-key", "generate"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let key = text(&out.stdout);
    assert_eq!(key.trim().len(), 44, "{key}");
}

/// Against moto's Secrets Manager (`NODETOOL_TEST_MOTO_URL`, started by `.ci/run`).
#[test]
fn master_key_store_retrieve_delete_in_aws() {
    let Ok(url) = std::env::var("NODETOOL_TEST_MOTO_URL") else {
        eprintln!("skipped: NODETOOL_TEST_MOTO_URL is not set");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let name = format!("nodetool-cli-test/{}", uuid::Uuid::new_v4());
    let aws = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_nodetool"));
        command
            .args(args)
            .current_dir(dir.path())
            .env_clear()
            .env("HOME", dir.path())
            .env("AWS_ENDPOINT_URL", &url)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test");
        command.output().unwrap()
    };
    let out = aws(&["secrets", "master-key", "store", &name, "the-master-key"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = aws(&["secrets", "master-key", "retrieve", &name]);
    assert_eq!(text(&out.stdout), "the-master-key\n");
    let out = aws(&["secrets", "master-key", "delete", &name]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = aws(&["secrets", "master-key", "retrieve", &name]);
    assert_eq!(out.status.code(), Some(1));
}
