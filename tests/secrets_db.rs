//! The Secret model on both databases: SQLite always; PostgreSQL when
//! `NODETOOL_TEST_POSTGRES_URL` is set (CI sets it), skipped with a message otherwise. Each
//! test uses fresh user ids, so runs never see each other's rows.

use nodetool::config::Environment;
use nodetool::models::{
    get_secret, get_secret_required, has_secret, rotate_master_key, Database, Secret, SecretError,
};
use nodetool::security::SecretCrypto;

fn user() -> String {
    format!("user-{}", uuid::Uuid::new_v4())
}

/// Runs `suite` on SQLite (a temp file) and, when configured, on PostgreSQL.
async fn on_both<F, Fut>(suite: F)
where
    F: Fn(Database) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Database::sqlite(&dir.path().join("sub").join("nodetool.sqlite3"))
        .await
        .expect("SQLite opens");
    suite(sqlite).await;
    match std::env::var("NODETOOL_TEST_POSTGRES_URL") {
        Ok(url) => suite(Database::connect(&url).await.expect("PostgreSQL answers")).await,
        Err(_) => eprintln!("skipped on PostgreSQL: NODETOOL_TEST_POSTGRES_URL is not set"),
    }
}

fn env_without_secrets() -> Environment {
    Environment::builder()
        .process_env([("ENV", "test")])
        .settings_file(None)
        .secrets_file(None)
        .dotenv_dir(None)
        .build()
        .unwrap()
}

#[tokio::test]
async fn stores_reads_lists_replaces_and_deletes() {
    on_both(|db| async move {
        let crypto = SecretCrypto::new("master");
        let alice = user();
        let first = Secret::upsert(
            &db,
            &crypto,
            &alice,
            "OPENAI_API_KEY",
            "sk-1",
            Some("main key"),
        )
        .await
        .unwrap();
        assert_ne!(first.encrypted_value, "sk-1");
        let found = Secret::find(&db, &alice, "OPENAI_API_KEY")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.decrypted(&crypto).unwrap(), "sk-1");
        assert_eq!(found.description.as_deref(), Some("main key"));

        let second = Secret::upsert(&db, &crypto, &alice, "OPENAI_API_KEY", "sk-2", None)
            .await
            .unwrap();
        assert_eq!(second.id, first.id, "an upsert keeps the row");
        assert_eq!(second.created_at, first.created_at);
        assert_eq!(second.decrypted(&crypto).unwrap(), "sk-2");
        Secret::upsert(&db, &crypto, &alice, "ANTHROPIC_API_KEY", "ak", None)
            .await
            .unwrap();
        let keys: Vec<String> = Secret::list_for_user(&db, &alice)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.key)
            .collect();
        assert_eq!(keys, ["ANTHROPIC_API_KEY", "OPENAI_API_KEY"]);
        assert!(Secret::delete(&db, &alice, "OPENAI_API_KEY").await.unwrap());
        assert!(!Secret::delete(&db, &alice, "OPENAI_API_KEY").await.unwrap());
        assert!(Secret::find(&db, &alice, "OPENAI_API_KEY")
            .await
            .unwrap()
            .is_none());
    })
    .await;
}

#[tokio::test]
async fn a_user_never_reaches_another_users_secret() {
    on_both(|db| async move {
        let crypto = SecretCrypto::new("master");
        let (alice, bob) = (user(), user());
        Secret::upsert(&db, &crypto, &alice, "K", "alice-value", None)
            .await
            .unwrap();
        assert!(Secret::find(&db, &bob, "K").await.unwrap().is_none());
        assert!(Secret::list_for_user(&db, &bob).await.unwrap().is_empty());
        assert!(!Secret::delete(&db, &bob, "K").await.unwrap());
        Secret::upsert(&db, &crypto, &bob, "K", "bob-value", None)
            .await
            .unwrap();
        let alices = Secret::find(&db, &alice, "K").await.unwrap().unwrap();
        assert_eq!(alices.decrypted(&crypto).unwrap(), "alice-value");
        // Bob's key cannot open Alice's token even if he got hold of it.
        let stolen = Secret {
            user_id: bob.clone(),
            ..alices
        };
        assert!(matches!(
            stolen.decrypted(&crypto),
            Err(SecretError::Crypto { .. })
        ));
    })
    .await;
}

#[tokio::test]
async fn concurrent_upserts_leave_one_row() {
    on_both(|db| async move {
        let crypto = std::sync::Arc::new(SecretCrypto::new("master"));
        let alice = user();
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let (db, crypto, alice) = (db.clone(), crypto.clone(), alice.clone());
                tokio::spawn(async move {
                    Secret::upsert(&db, &crypto, &alice, "K", &format!("v{i}"), None).await
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let all = Secret::list_for_user(&db, &alice).await.unwrap();
        assert_eq!(all.len(), 1);
        let value = all[0].decrypted(&crypto).unwrap();
        assert!(value.starts_with('v'), "{value}");
    })
    .await;
}

#[tokio::test]
async fn helpers_read_the_environment_first_then_the_database() {
    on_both(|db| async move {
        let crypto = SecretCrypto::new("master");
        let alice = user();
        let env = Environment::builder()
            .process_env([("ENV", "test"), ("FROM_ENV_KEY", "env-value")])
            .settings_file(None)
            .secrets_file(None)
            .dotenv_dir(None)
            .build()
            .unwrap();
        Secret::upsert(&db, &crypto, &alice, "FROM_ENV_KEY", "db-value", None)
            .await
            .unwrap();
        Secret::upsert(&db, &crypto, &alice, "DB_ONLY_KEY", "db-only", None)
            .await
            .unwrap();
        let get = |k: &'static str| get_secret(&env, &db, &crypto, k, &alice);
        assert_eq!(
            get("FROM_ENV_KEY").await.unwrap().as_deref(),
            Some("env-value")
        );
        assert_eq!(
            get("DB_ONLY_KEY").await.unwrap().as_deref(),
            Some("db-only")
        );
        assert_eq!(get("NOWHERE_KEY").await.unwrap(), None);
        let error =
            get_secret_required(&env_without_secrets(), &db, &crypto, "NOWHERE_KEY", &alice)
                .await
                .unwrap_err()
                .to_string();
        assert!(error.contains("NOWHERE_KEY"), "{error}");
        assert!(has_secret(&env, &db, "DB_ONLY_KEY", &alice).await.unwrap());
        assert!(!has_secret(&env, &db, "NOWHERE_KEY", &alice).await.unwrap());
    })
    .await;
}

#[tokio::test]
async fn a_token_made_by_python_nodetool_reads_from_the_table() {
    on_both(|db| async move {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("fixtures/python_secret_vectors.json")).unwrap();
        let v = &doc["vectors"][0];
        let user_id = format!("{}-{}", v["user_id"].as_str().unwrap(), uuid::Uuid::new_v4());
        // Python derives the key from the user id, so a Python token is bound to its user:
        // store it under the user it was made for, in a fresh database row.
        let crypto = SecretCrypto::new(v["master_key"].as_str().unwrap());
        let token = v["token"].as_str().unwrap();
        sqlx::query(
            "INSERT INTO nodetool_secrets (id, user_id, key, encrypted_value, description, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, NULL, '2025-01-01T00:00:00', '2025-01-01T00:00:00')",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(&user_id)
        .bind("PY_KEY")
        .bind(token)
        .execute(db.pool())
        .await
        .unwrap();
        let row = Secret::find(&db, &user_id, "PY_KEY").await.unwrap().unwrap();
        // The token was made for user "1"; decrypting it as `user_id` must fail cleanly, and as
        // "1" must give the plaintext.
        assert!(row.decrypted(&crypto).is_err());
        let as_python_user = Secret {
            user_id: v["user_id"].as_str().unwrap().to_owned(),
            ..row
        };
        assert_eq!(
            as_python_user.decrypted(&crypto).unwrap(),
            v["plaintext"].as_str().unwrap()
        );
    })
    .await;
}

#[tokio::test]
async fn no_value_reaches_debug_output_or_errors() {
    on_both(|db| async move {
        let crypto = SecretCrypto::new("master-key-text");
        let alice = user();
        let s = Secret::upsert(&db, &crypto, &alice, "K", "plaintext-value", None)
            .await
            .unwrap();
        let debug = format!("{s:?} {crypto:?} {db:?}");
        for leaked in [
            "plaintext-value",
            s.encrypted_value.as_str(),
            "master-key-text",
        ] {
            assert!(!debug.contains(leaked), "{debug}");
        }
        let wrong = SecretCrypto::new("other");
        let error = s.decrypted(&wrong).unwrap_err().to_string();
        assert!(
            !error.contains("plaintext-value") && !error.contains(&s.encrypted_value),
            "{error}"
        );
    })
    .await;
}

/// Rotation touches every user's secrets, so it runs on a database of its own: a fresh SQLite
/// file, and on PostgreSQL a fresh schema (dropped afterwards).
#[tokio::test]
async fn rotating_the_master_key_re_encrypts_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    rotation_suite(
        Database::sqlite(&dir.path().join("rotate.sqlite3"))
            .await
            .unwrap(),
    )
    .await;
    let Ok(url) = std::env::var("NODETOOL_TEST_POSTGRES_URL") else {
        eprintln!("skipped on PostgreSQL: NODETOOL_TEST_POSTGRES_URL is not set");
        return;
    };
    let schema = format!("nt_rotate_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(&url).await.unwrap();
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(admin.pool())
        .await
        .unwrap();
    let separator = if url.contains('?') { '&' } else { '?' };
    let scoped = format!("{url}{separator}options=-c%20search_path%3D{schema}");
    rotation_suite(Database::connect(&scoped).await.unwrap()).await;
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(admin.pool())
        .await
        .unwrap();
}

async fn rotation_suite(db: Database) {
    let old = SecretCrypto::new("old-master");
    let new = SecretCrypto::new("new-master");
    let (alice, bob) = (user(), user());
    Secret::upsert(&db, &old, &alice, "A", "alice-a", None)
        .await
        .unwrap();
    Secret::upsert(&db, &old, &bob, "B", "bob-b", None)
        .await
        .unwrap();
    assert_eq!(rotate_master_key(&db, &old, &new).await.unwrap(), 2);
    let a = Secret::find(&db, &alice, "A").await.unwrap().unwrap();
    assert_eq!(a.decrypted(&new).unwrap(), "alice-a");
    assert!(a.decrypted(&old).is_err());

    // A secret the "old" key cannot open stops the rotation before anything changes.
    Secret::upsert(&db, &SecretCrypto::new("stray"), &bob, "STRAY", "x", None)
        .await
        .unwrap();
    let before = Secret::list_for_user(&db, &bob).await.unwrap();
    let error = rotate_master_key(&db, &new, &SecretCrypto::new("newer"))
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("STRAY"), "{error}");
    assert_eq!(Secret::list_for_user(&db, &bob).await.unwrap(), before);
    let a_again = Secret::find(&db, &alice, "A").await.unwrap().unwrap();
    assert_eq!(a_again.decrypted(&new).unwrap(), "alice-a");
}

/// Every log event formatted as text, captured by a minimal subscriber.
mod captured_logs {
    use std::fmt::Write;
    use std::sync::{Arc, Mutex};
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    #[derive(Clone, Default)]
    pub struct Logs(pub Arc<Mutex<Vec<String>>>);

    struct Line(String);
    impl Visit for Line {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            let _ = write!(self.0, " {}={:?}", field.name(), value);
        }
    }

    impl Subscriber for Logs {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            let mut line = Line(String::new());
            event.record(&mut line);
            self.0.lock().unwrap().push(line.0);
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }
}

#[tokio::test(flavor = "current_thread")]
async fn no_secret_value_reaches_a_log_line() {
    let logs = captured_logs::Logs::default();
    let _guard = tracing::subscriber::set_default(logs.clone());
    let dir = tempfile::tempdir().unwrap();
    let db = Database::sqlite(&dir.path().join("logs.sqlite3"))
        .await
        .unwrap();
    let crypto = SecretCrypto::new("log-master-key");
    let alice = user();
    let s = Secret::upsert(&db, &crypto, &alice, "LOGGED_KEY", "log-plaintext", None)
        .await
        .unwrap();
    assert_eq!(s.decrypted(&crypto).unwrap(), "log-plaintext");
    assert!(Secret::delete(&db, &alice, "LOGGED_KEY").await.unwrap());
    let lines = logs.0.lock().unwrap().clone();
    assert!(
        lines.iter().any(|l| l.contains("LOGGED_KEY")),
        "the operations are logged: {lines:?}"
    );
    for line in &lines {
        for secret in [
            "log-plaintext",
            s.encrypted_value.as_str(),
            "log-master-key",
        ] {
            assert!(!line.contains(secret), "a log line leaks a secret: {line}");
        }
    }
}
