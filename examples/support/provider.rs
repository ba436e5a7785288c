//! The chat provider the chat and agent examples use: the first one configured, else a local
//! llama.cpp server (one already on 127.0.0.1:8765, or one started with
//! `scripts/llm_peer/start_server.sh`: a tiny local model whose words are random, but every
//! part of the path is real).

use anyhow::{bail, Context};
use nodetool::config::Environment;

/// The provider, model id, and why they were chosen.
pub async fn choose() -> anyhow::Result<(String, String, String)> {
    let env = Environment::load().context("reading the settings")?;
    let set = |k: &str| env.get(k).is_some_and(|v| !v.trim().is_empty());
    let model = |default: &str| env.get("NODETOOL_CHAT_MODEL").unwrap_or(default).to_owned();
    for (key, provider, default) in [
        ("OPENAI_API_KEY", "openai", "gpt-4o-mini"),
        ("ANTHROPIC_API_KEY", "anthropic", "claude-3-5-haiku-latest"),
        ("GEMINI_API_KEY", "gemini", "gemini-2.0-flash"),
        ("OLLAMA_API_URL", "ollama", "llama3.2"),
    ] {
        if set(key) {
            return Ok((provider.into(), model(default), format!("{key} is set")));
        }
    }
    let url = match env.get("LLAMA_CPP_URL").filter(|u| !u.is_empty()) {
        Some(url) => url.to_owned(),
        None => local_server().await?,
    };
    std::env::set_var("LLAMA_CPP_URL", &url);
    let reason = format!("no API key is configured; using the local llama.cpp server at {url}");
    Ok(("llama_cpp".into(), model("tiny-llama"), reason))
}

/// A running local model server: the one on 127.0.0.1:8765, or a new one.
async fn local_server() -> anyhow::Result<String> {
    let url = "http://127.0.0.1:8765/v1";
    if reqwest::get(format!("{url}/models"))
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        return Ok(url.to_owned());
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scripts/llm_peer/start_server.sh"
    );
    eprintln!("starting a local model server ({script}) …");
    let out = std::process::Command::new("bash")
        .arg(script)
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("running start_server.sh")?;
    if !out.status.success() {
        bail!(
            "no chat provider: set OPENAI_API_KEY (or ANTHROPIC_API_KEY, GEMINI_API_KEY, \
             OLLAMA_API_URL), or install the local server with scripts/llm_peer/install.sh"
        );
    }
    Ok(String::from_utf8(out.stdout)?.trim().to_owned())
}
