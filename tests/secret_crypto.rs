//! `SecretCrypto` against Python NodeTool: its tokens decrypt here, ours decrypt in Python
//! (`cryptography`'s Fernet and `hashlib`'s PBKDF2, as NodeTool's `SecretCrypto` uses them;
//! skipped, saying so, when the `cryptography` package is not installed).

use nodetool::security::{CryptoError, SecretCrypto};
use serde_json::Value;
use std::process::Command;

fn vectors() -> Vec<Value> {
    let text = include_str!("fixtures/python_secret_vectors.json");
    let doc: Value = serde_json::from_str(text).unwrap();
    doc["vectors"].as_array().unwrap().clone()
}

#[test]
fn decrypts_every_token_python_nodetool_made() {
    let vectors = vectors();
    assert!(vectors.len() >= 3);
    for v in &vectors {
        let crypto = SecretCrypto::new(v["master_key"].as_str().unwrap());
        let user = v["user_id"].as_str().unwrap();
        let plain = crypto.decrypt(user, v["token"].as_str().unwrap()).unwrap();
        assert_eq!(plain, v["plaintext"].as_str().unwrap(), "user {user}");
    }
}

#[test]
fn a_wrong_master_key_user_or_altered_token_is_an_error_not_a_panic() {
    let v = &vectors()[0];
    let token = v["token"].as_str().unwrap();
    let user = v["user_id"].as_str().unwrap();
    let wrong_key = SecretCrypto::new("another master key");
    assert_eq!(
        wrong_key.decrypt(user, token),
        Err(CryptoError::InvalidToken)
    );
    let right = SecretCrypto::new(v["master_key"].as_str().unwrap());
    assert_eq!(
        right.decrypt("someone-else", token),
        Err(CryptoError::InvalidToken)
    );
    let mut altered = token.to_owned();
    altered.replace_range(20..21, if &token[20..21] == "A" { "B" } else { "A" });
    assert_eq!(
        right.decrypt(user, &altered),
        Err(CryptoError::InvalidToken)
    );
    assert_eq!(right.decrypt(user, ""), Err(CryptoError::InvalidToken));
    let debug = format!("{right:?} {:?}", right.decrypt(user, &altered));
    assert!(
        !debug.contains(v["master_key"].as_str().unwrap()),
        "{debug}"
    );
}

#[test]
fn python_decrypts_our_tokens() {
    let has_cryptography = Command::new("python3")
        .args(["-c", "import cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_cryptography {
        eprintln!("skipped: python3 with the `cryptography` package is not installed (pip install cryptography)");
        return;
    }
    let cases = [
        (
            "5cqDWTxajtv2mAGiHNki3YHgjgJy7TlZycS8yTS-dg0=",
            "1",
            "sk-rust-made",
        ),
        (
            "any text is a master key",
            "alice@example.com",
            "ünïcödé ✓\nline two",
        ),
        ("k", "user-42", ""),
    ];
    let mut items = Vec::new();
    for (master, user, plain) in cases {
        let token = SecretCrypto::new(master).encrypt(user, plain).unwrap();
        items.push(serde_json::json!({"master_key": master, "user_id": user, "token": token}));
    }
    let script = r#"
import base64, hashlib, json, sys
from cryptography.fernet import Fernet
out = []
for item in json.load(sys.stdin):
    raw = hashlib.pbkdf2_hmac("sha256", item["master_key"].encode(), item["user_id"].encode(), 100000, 32)
    out.append(Fernet(base64.urlsafe_b64encode(raw)).decrypt(item["token"].encode()).decode())
print(json.dumps(out))
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(serde_json::to_string(&items).unwrap().as_bytes())
            .unwrap();
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "Python could not decrypt: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plains: Vec<String> = serde_json::from_slice(&output.stdout).unwrap();
    let expected: Vec<&str> = cases.iter().map(|c| c.2).collect();
    assert_eq!(plains, expected);
}

#[test]
fn derived_keys_are_the_ones_python_derives() {
    // Python: base64.urlsafe_b64encode(hashlib.pbkdf2_hmac("sha256", b"k", b"u", 100000, 32))
    assert_eq!(
        SecretCrypto::derive_key("k", "u"),
        "v2VbSdp3B9FjELlQtnbgTHEDxYlq8j7Km930dZGzRk4="
    );
    assert_ne!(
        SecretCrypto::derive_key("k", "u"),
        SecretCrypto::derive_key("k", "v")
    );
}
