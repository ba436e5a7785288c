//! `lib.mail.GmailSearch` and `AddLabel` against an IMAP server stand-in (Gmail itself is out
//! of reach here; `imap_stand_in`), checking the commands it received.

mod imap_stand_in;
mod node_harness;

use imap_stand_in::{imap_stand_in, PASSWORD, USER};
use node_harness::{ctx_with_settings, run_graph};
use serde_json::{json, Value};

fn settings(url: &str, password: &str) -> nodetool::prelude::ProcessingContext {
    ctx_with_settings(&[
        ("GMAIL_IMAP_URL", url),
        ("GOOGLE_MAIL_USER", USER),
        ("GOOGLE_APP_PASSWORD", password),
    ])
}

/// GmailSearch with `data`, each output collected.
async fn search(url: &str, data: Value) -> Result<(Vec<Value>, Vec<Value>), String> {
    let graph = json!({"nodes": [
        {"id": "s", "type": "lib.mail.GmailSearch", "data": data},
        {"id": "ce", "type": "nodetool.control.Collect", "data": {}},
        {"id": "ci", "type": "nodetool.control.Collect", "data": {}},
        {"id": "emails", "type": "nodetool.output.Output", "data": {"name": "emails"}},
        {"id": "ids", "type": "nodetool.output.Output", "data": {"name": "ids"}}],
      "edges": [
        {"source": "s", "sourceHandle": "email", "target": "ce", "targetHandle": "input_item"},
        {"source": "s", "sourceHandle": "message_id", "target": "ci", "targetHandle": "input_item"},
        {"source": "ce", "sourceHandle": "output", "target": "emails", "targetHandle": "value"},
        {"source": "ci", "sourceHandle": "output", "target": "ids", "targetHandle": "value"}]});
    let result = run_graph(graph, &settings(url, PASSWORD)).await?;
    let list = |name: &str| {
        result
            .get(name)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    Ok((list("emails"), list("ids")))
}

#[tokio::test]
async fn search_sends_nodetools_query_and_yields_the_newest_first() {
    let (url, log) = imap_stand_in().await;
    let (emails, ids) = search(
        &url,
        json!({"from_address": " news@example.com ", "subject": "digest", "keywords": "work, urgent",
               "date_filter": "SINCE_ONE_WEEK", "folder": "[Gmail]/Sent Mail", "max_results": 2}),
    )
    .await
    .unwrap();
    assert_eq!(ids, [json!("3"), json!("2")]);
    assert_eq!(emails[0]["subject"], "Café plans");
    assert_eq!(emails[0]["sender"], "Carol <carol@example.com>");
    assert_eq!(
        emails[0]["body"].as_str().unwrap().trim(),
        "The third message."
    );
    assert_eq!(emails[0]["date"]["type"], "datetime");
    assert_eq!(emails[0]["date"]["utc_offset"], 7200.0);
    assert_eq!(emails[1]["id"], "2");

    let commands = log.lock().unwrap().clone();
    let command = |name: &str| {
        commands
            .iter()
            .find(|c| c.split(' ').nth(1) == Some(name))
            .cloned()
            .unwrap_or_else(|| panic!("no {name} in {commands:?}"))
    };
    assert!(
        command("SELECT").ends_with("SELECT \"[Gmail]/Sent Mail\""),
        "{commands:?}"
    );
    let since = (chrono::Local::now() - chrono::Duration::weeks(1))
        .format("%d-%b-%Y")
        .to_string();
    let query = command("SEARCH");
    assert!(
        query.ends_with(&format!(
            "SEARCH FROM \"news@example.com\" SUBJECT \"digest\" SINCE \"{since}\" KEYWORD \"work\" KEYWORD \"urgent\""
        )),
        "{query}"
    );
    assert!(
        commands.iter().any(|c| c.ends_with("FETCH 3 (RFC822)")),
        "{commands:?}"
    );
    assert!(
        !commands.iter().any(|c| c.contains("FETCH 1 ")),
        "max_results 2: {commands:?}"
    );
}

#[tokio::test]
async fn labels_are_stored_with_gmail_extension() {
    let (url, log) = imap_stand_in().await;
    let ctx = settings(&url, PASSWORD);
    let done = node_harness::run_node_in(
        "lib.mail.AddLabel",
        json!({"message_id": "2", "label": "Newsletters/Tech"}),
        &ctx,
    )
    .await
    .unwrap();
    assert_eq!(done, json!(true));
    let commands = log.lock().unwrap().clone();
    assert!(
        commands.iter().any(|c| c.ends_with("SELECT \"INBOX\"")),
        "{commands:?}"
    );
    assert!(
        commands
            .iter()
            .any(|c| c.ends_with("STORE 2 +X-GM-LABELS (\"Newsletters/Tech\")")),
        "{commands:?}"
    );

    let error = node_harness::run_node_in("lib.mail.AddLabel", json!({"message_id": "2"}), &ctx)
        .await
        .unwrap_err();
    assert!(error.contains("label: Label is required"), "{error}");
    let error = node_harness::run_node_in(
        "lib.mail.AddLabel",
        json!({"message_id": "2 3", "label": "x"}),
        &ctx,
    )
    .await
    .unwrap_err();
    assert!(error.contains("message_id"), "{error}");
}

#[tokio::test]
async fn credentials_are_required_and_a_refusal_is_named_without_the_password() {
    let (url, _) = imap_stand_in().await;
    let label_error = |ctx: nodetool::prelude::ProcessingContext| async move {
        node_harness::run_node_in(
            "lib.mail.AddLabel",
            json!({"message_id": "1", "label": "x"}),
            &ctx,
        )
        .await
        .unwrap_err()
    };
    let error = label_error(ctx_with_settings(&[("GMAIL_IMAP_URL", &url)])).await;
    assert!(error.contains("GOOGLE_MAIL_USER is not set"), "{error}");

    let wrong = "wrong-secret-password";
    let error = label_error(settings(&url, wrong)).await;
    assert!(
        error.contains("refused the login of ada@example.com"),
        "{error}"
    );
    assert!(!error.contains(wrong), "the password leaked: {error}");

    let error = label_error(settings("imap://127.0.0.1:1", PASSWORD)).await;
    assert!(
        error.contains("cannot reach the mail server 127.0.0.1:1"),
        "{error}"
    );
}
