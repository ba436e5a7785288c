//! `nodetool collections`: create, index files, query, list and delete, as a user would from
//! a shell, against the embedded store in a temporary `CHROMA_PATH` and the scripted
//! OpenAI-compatible server's embeddings ([characters, 1, 2, 3]: length decides nearness).

mod scripted_llm;

use std::path::Path;
use std::process::{Command, Output};

fn nodetool(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
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
    command.output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn a_user_creates_indexes_queries_and_deletes_a_collection() {
    let (llm, _) = scripted_llm::serve(|_| async { scripted_llm::Reply::text("-") }).await;
    let home = tempfile::tempdir().unwrap();
    let chroma = home.path().join("chroma");
    let chroma = chroma.to_str().unwrap();
    let env = [
        ("CHROMA_PATH", chroma),
        ("OPENAI_BASE_URL", llm.as_str()),
        ("OPENAI_API_KEY", "sk-scripted"),
    ];
    std::fs::write(home.path().join("short.txt"), "tiny").unwrap();
    std::fs::write(
        home.path().join("long.md"),
        "# Notes\n\n".to_owned() + &"word ".repeat(60),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let home = home.path().to_owned();
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        async move {
            tokio::task::spawn_blocking(move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let env: Vec<(&str, &str)> =
                    env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                nodetool(&home, &args, &env)
            })
            .await
            .unwrap()
        }
    };
    let created = run(&[
        "collections",
        "create",
        "notes",
        "--provider",
        "openai",
        "--model",
        "text-embedding-3-small",
    ])
    .await;
    assert!(created.status.success(), "{}", text(&created.stderr));
    let again = run(&["collections", "create", "notes", "--model", "m"]).await;
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("collection `notes` exists already"),
        "{}",
        text(&again.stderr)
    );

    let indexed = run(&[
        "collections",
        "index",
        "notes",
        "short.txt",
        "long.md",
        "--chunk-size",
        "100",
        "--overlap",
        "10",
    ])
    .await;
    assert!(indexed.status.success(), "{}", text(&indexed.stderr));
    // 309 characters in pieces of at most 100 that overlap by 10: 4 pieces, and one for short.txt.
    assert_eq!(text(&indexed.stdout).trim(), "indexed 5 pieces into notes");

    let found = run(&["collections", "query", "notes", "tin", "-n", "1", "--json"]).await;
    assert!(found.status.success(), "{}", text(&found.stderr));
    let hit: serde_json::Value = serde_json::from_str(text(&found.stdout).trim()).unwrap();
    assert_eq!(hit["id"], "short.txt#0");
    assert_eq!(hit["document"], "tiny");
    assert_eq!(hit["metadata"]["source"], "short.txt");

    let listed = run(&["collections", "list"]).await;
    assert_eq!(
        text(&listed.stdout).trim(),
        "notes\t5 records\t4 dimensions\topenai:text-embedding-3-small"
    );
    let other = run(&["collections", "--user", "2", "list"]).await;
    assert_eq!(text(&other.stdout).trim(), "", "user 2 has none");
    assert!(run(&["collections", "delete", "notes"])
        .await
        .status
        .success());
    let gone = run(&["collections", "query", "notes", "x"]).await;
    assert!(
        text(&gone.stderr).contains("collection `notes` does not exist"),
        "{}",
        text(&gone.stderr)
    );
}
