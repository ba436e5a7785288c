//! What a `/v1` model id names: a provider's model (`provider:model`, or a bare model of the
//! default provider), one of the caller's chat-shaped workflows (`workflow:<name or id>`), or
//! an agent (`agent:<provider>:<model>`).

use super::error::OaiError;
use crate::api::AppState;
use crate::chat::{self, ChatProvider};
use crate::config::Environment;
use crate::models::{Secret, Workflow};
use crate::workflows::{Graph, NodeRegistry, NodeRole};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// The keys a caller's own secrets may supply (when the server's settings do not).
const USER_KEYS: &[&str] = &[
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "GEMINI_API_KEY",
    "SERPAPI_API_KEY",
    "BRAVE_API_KEY",
];

/// The server's settings, with the caller's secrets filling in provider keys it lacks.
pub(crate) async fn environment_for(
    state: &AppState,
    user: &str,
) -> Result<Arc<Environment>, OaiError> {
    let base = match &state.job_environment().environment {
        Some(env) => Arc::clone(env),
        None => Arc::new(
            Environment::load()
                .map_err(|e| OaiError::internal("reading the settings failed", e))?,
        ),
    };
    let Ok(crypto) = state.crypto() else {
        return Ok(base);
    };
    let secrets = Secret::list_for_user(state.db(), user)
        .await
        .map_err(|e| OaiError::internal("reading the caller's secrets failed", e))?;
    let mine: Vec<(String, String)> = secrets
        .iter()
        .filter(|s| USER_KEYS.contains(&s.key.as_str()))
        .filter_map(|s| s.decrypted(crypto).ok().map(|v| (s.key.clone(), v)))
        .collect();
    if mine.is_empty() {
        return Ok(base);
    }
    Ok(Arc::new(base.with_fallbacks(mine)))
}

/// How a chat-shaped workflow takes the user's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InputKind {
    /// A `StringInput`: the text.
    Text,
    /// A `MessageInput`: a NodeTool message.
    Message,
}

/// A workflow a chat client can talk to: one text or message input, a text output.
#[derive(Debug, Clone)]
pub(crate) struct ChatWorkflow {
    pub(crate) workflow: Workflow,
    pub(crate) input: String,
    pub(crate) kind: InputKind,
    pub(crate) output: String,
}

/// The chat interface of `graph`: its one text or message input and a text output.
pub(crate) fn chat_interface(graph: &Graph) -> Option<(String, InputKind, String)> {
    let registry = NodeRegistry::global();
    let mut inputs = graph.nodes.iter().filter(|n| {
        registry
            .get(&n.node_type)
            .is_some_and(|r| r.descriptor.role == NodeRole::Input)
    });
    let input = inputs.next()?;
    if inputs.next().is_some() {
        return None;
    }
    let kind = match input.node_type.as_str() {
        "nodetool.input.StringInput" => InputKind::Text,
        "nodetool.input.MessageInput" => InputKind::Message,
        _ => return None,
    };
    let input_name = input.data.get("name")?.as_str()?.to_owned();
    // An output node fed by a text output.
    let output = graph.nodes.iter().find_map(|n| {
        let role = registry.get(&n.node_type)?.descriptor.role;
        if role != NodeRole::Output {
            return None;
        }
        let edge = graph.edges.iter().find(|e| e.target == n.id)?;
        let source = graph.nodes.iter().find(|s| s.id == edge.source)?;
        let slot = registry
            .get(&source.node_type)?
            .metadata
            .outputs
            .iter()
            .find(|o| o.name == edge.source_handle)?;
        (slot.type_metadata.name == "str")
            .then(|| n.data.get("name")?.as_str().map(str::to_owned))?
    })?;
    Some((input_name, kind, output))
}

/// The caller's chat-shaped workflows, with the id each is listed under.
pub(crate) async fn chat_workflows(
    state: &AppState,
    user: &str,
) -> Result<Vec<(String, ChatWorkflow)>, OaiError> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let (page, next) = Workflow::list(state.db(), user, 500, cursor.as_deref())
            .await
            .map_err(|e| OaiError::internal("listing workflows failed", e))?;
        all.extend(page);
        match next {
            Some(next) if all.len() < 5_000 => cursor = Some(next),
            _ => break,
        }
    }
    let chat: Vec<ChatWorkflow> = all
        .into_iter()
        .filter_map(|workflow| {
            let (input, kind, output) = chat_interface(&workflow.graph)?;
            Some(ChatWorkflow {
                workflow,
                input,
                kind,
                output,
            })
        })
        .collect();
    // Listed by name where the name is unique among them, else by id.
    Ok(chat
        .iter()
        .map(|c| {
            let name = c.workflow.name.trim();
            let unique = !name.is_empty()
                && chat
                    .iter()
                    .filter(|o| o.workflow.name.trim() == name)
                    .count()
                    == 1;
            let id = if unique {
                name.to_owned()
            } else {
                c.workflow.id.clone()
            };
            (format!("workflow:{id}"), c.clone())
        })
        .collect())
}

/// What a request's model names.
pub(crate) enum Target {
    /// A provider's model.
    Provider {
        provider: Arc<dyn ChatProvider>,
        model: String,
    },
    /// A chat-shaped workflow (boxed: it carries the whole workflow).
    Workflow(Box<ChatWorkflow>),
    /// An agent with a provider's model.
    #[cfg(feature = "agents")]
    Agent {
        provider: Arc<dyn ChatProvider>,
        model: String,
    },
}

fn provider(name: &str, env: &Environment) -> Result<Arc<dyn ChatProvider>, OaiError> {
    chat::provider_from_environment(name, env)
        .map(Arc::from)
        .map_err(OaiError::from)
}

/// `provider:model` split, when `provider` is one the server knows.
fn split_provider(id: &str) -> Option<(&str, &str)> {
    let (provider, model) = id.split_once(':')?;
    (chat::PROVIDERS.contains(&provider) && !model.is_empty()).then_some((provider, model))
}

/// The default provider and its default model (`NODETOOL_CHAT_MODEL` where set).
fn default_provider(env: &Environment) -> Option<(&'static str, String)> {
    let provider = *chat::configured_providers(env).first()?;
    let model = env
        .get("NODETOOL_CHAT_MODEL")
        .filter(|m| !m.is_empty())
        .map_or_else(|| chat::default_model(provider).to_owned(), str::to_owned);
    Some((provider, model))
}

/// What `id` names for `user`; unknown: 404.
pub(crate) async fn resolve(
    state: &AppState,
    user: &str,
    env: &Environment,
    id: &str,
) -> Result<Target, OaiError> {
    if let Some(name) = id.strip_prefix("workflow:") {
        let listed = chat_workflows(state, user).await?;
        return listed
            .into_iter()
            .find(|(listed_id, c)| listed_id == id || c.workflow.id == name)
            .map(|(_, c)| Target::Workflow(Box::new(c)))
            .ok_or_else(|| OaiError::model_not_found(id));
    }
    if let Some(rest) = id.strip_prefix("agent:") {
        #[cfg(feature = "agents")]
        {
            let (p, model) = match split_provider(rest) {
                Some((p, m)) => (p.to_owned(), m.to_owned()),
                None => match default_provider(env) {
                    Some((p, m)) if rest.is_empty() || rest == "default" => (p.to_owned(), m),
                    _ => return Err(OaiError::model_not_found(id)),
                },
            };
            return Ok(Target::Agent {
                provider: provider(&p, env)?,
                model,
            });
        }
        #[cfg(not(feature = "agents"))]
        {
            let _ = rest;
            return Err(OaiError::model_not_found(id));
        }
    }
    if let Some((p, model)) = split_provider(id) {
        return Ok(Target::Provider {
            provider: provider(p, env)?,
            model: model.to_owned(),
        });
    }
    match default_provider(env) {
        Some((p, _)) => Ok(Target::Provider {
            provider: provider(p, env)?,
            model: id.to_owned(),
        }),
        None => Err(OaiError::model_not_found(id)),
    }
}

fn entry(id: &str, owned_by: &str) -> Value {
    json!({"id": id, "object": "model", "created": 0, "owned_by": owned_by})
}

/// Every model `user` can use: the configured providers' (`provider:model`, and bare names
/// for the default provider's), the caller's chat-shaped workflows, and the default agent.
pub(crate) async fn list(
    state: &AppState,
    user: &str,
    env: &Environment,
) -> Result<Vec<Value>, OaiError> {
    let mut models = Vec::new();
    let providers = chat::configured_providers(env);
    let listings = futures_util::future::join_all(providers.iter().map(|name| async move {
        let Ok(p) = chat::provider_from_environment(name, env) else {
            return (*name, Vec::new());
        };
        let cancel = crate::chat::CancellationToken::new();
        match tokio::time::timeout(Duration::from_secs(10), p.list_models(&cancel)).await {
            Ok(Ok(models)) => (*name, models),
            Ok(Err(error)) => {
                tracing::warn!(provider = name, %error, "listing a provider's models failed");
                (*name, Vec::new())
            }
            Err(_) => {
                tracing::warn!(provider = name, "listing a provider's models timed out");
                (*name, Vec::new())
            }
        }
    }))
    .await;
    for (i, (name, found)) in listings.iter().enumerate() {
        for m in found {
            models.push(entry(&format!("{name}:{}", m.id), name));
            if i == 0 {
                models.push(entry(&m.id, name));
            }
        }
    }
    for (id, _) in chat_workflows(state, user).await? {
        models.push(entry(&id, "workflow"));
    }
    #[cfg(feature = "agents")]
    if let Some((p, m)) = default_provider(env) {
        models.push(entry(&format!("agent:{p}:{m}"), "agent"));
    }
    Ok(models)
}
