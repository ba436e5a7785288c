//! `nodetool collections`: create, index files, query, list and delete, as a user would from
//! a shell, against the embedded store in a temporary `CHROMA_PATH` and the scripted
//! OpenAI-compatible server's embeddings ([characters, 1, 2, 3]: length decides nearness).

mod cli_harness;
mod scripted_llm;

use cli_harness::{nodetool, text};

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

#[tokio::test]
async fn documents_are_cut_by_headings_sentences_and_html_blocks() {
    let (llm, _) = scripted_llm::serve(|_| async { scripted_llm::Reply::text("-") }).await;
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().to_owned();
    std::fs::write(
        dir.join("guide.md"),
        "# Guide\nWelcome.\n## Install\nRun make.\n```sh\n# not a heading\n```\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("page.html"),
        "<!DOCTYPE html><html><body><h1>Page</h1><p>First. Second!</p><script>x()</script></body></html>",
    )
    .unwrap();
    let output = tokio::task::spawn_blocking(move || {
        let chroma = dir.join("chroma");
        let env = [
            ("CHROMA_PATH", chroma.to_str().unwrap()),
            ("OPENAI_BASE_URL", llm.as_str()),
            ("OPENAI_API_KEY", "sk-scripted"),
        ];
        let run = |args: &[&str]| nodetool(&dir, args, &env);
        let created = run(&[
            "collections",
            "create",
            "docs",
            "--provider",
            "openai",
            "--model",
            "m",
        ]);
        assert!(created.status.success(), "{}", text(&created.stderr));
        let md = run(&[
            "collections",
            "index",
            "docs",
            "guide.md",
            "--split",
            "markdown",
        ]);
        assert_eq!(
            text(&md.stdout).trim(),
            "indexed 2 pieces into docs",
            "{}",
            text(&md.stderr)
        );
        let html = run(&[
            "collections",
            "index",
            "docs",
            "page.html",
            "--split",
            "sentences",
            "--chunk-size",
            "8",
        ]);
        assert_eq!(
            text(&html.stdout).trim(),
            "indexed 3 pieces into docs",
            "{}",
            text(&html.stderr)
        );
        let bad = run(&[
            "collections",
            "index",
            "docs",
            "guide.md",
            "--chunk-size",
            "10",
            "--overlap",
            "10",
        ]);
        assert!(
            text(&bad.stderr).contains("--overlap below it"),
            "{}",
            text(&bad.stderr)
        );
        run(&[
            "collections",
            "query",
            "docs",
            "anything",
            "-n",
            "10",
            "--json",
        ])
    })
    .await
    .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let hits: Vec<serde_json::Value> = text(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let by_id = |id: &str| {
        hits.iter()
            .find(|h| h["id"] == id)
            .unwrap_or_else(|| panic!("no record {id} in {hits:?}"))
    };
    let install = by_id("guide.md#1");
    assert_eq!(
        install["document"],
        "Run make.\n```sh\n# not a heading\n```"
    );
    assert_eq!(install["metadata"]["section"], "Guide > Install");
    assert_eq!(by_id("guide.md#0")["metadata"]["section"], "Guide");
    let texts: Vec<&str> = (0..3)
        .map(|i| {
            by_id(&format!("page.html#{i}"))["document"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(texts, ["Page", "First.", "Second!"]);
}
