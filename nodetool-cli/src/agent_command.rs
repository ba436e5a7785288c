//! `nodetool agent OBJECTIVE`: plans and runs an agent with the configured chat provider,
//! printing its events (lines on stderr, or NDJSON on stdout with `--json`) and its result.

use anyhow::{bail, Context};
use nodetool::agents::{Agent, AgentLimits};
use nodetool::config::Environment;
use nodetool::metadata::LanguageModel;
use nodetool::workflows::messages::{ProcessingMessage, TaskUpdateEvent};
use nodetool::workflows::ProcessingContext;
use nodetool::workspace::Workspace;
use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// What `nodetool agent` was asked.
#[derive(Debug)]
pub struct AgentArgs {
    pub objective: String,
    pub provider: Option<String>,
    pub model: Option<String>,
    pub tools: Vec<String>,
    pub workspace: Option<PathBuf>,
    pub no_plan: bool,
    pub json: bool,
}

/// The provider to use: the one asked for, else the first configured one.
fn choose_provider(env: &Environment, asked: Option<&str>) -> anyhow::Result<String> {
    if let Some(p) = asked {
        return Ok(p.to_owned());
    }
    match nodetool::chat::configured_providers(env).first() {
        Some(provider) => Ok((*provider).to_owned()),
        None => bail!(
            "no chat provider is configured: set OPENAI_API_KEY, ANTHROPIC_API_KEY, \
             GEMINI_API_KEY, OLLAMA_API_URL or LLAMA_CPP_URL (settings, secrets, .env or the \
             environment), or pass --provider"
        ),
    }
}

/// Runs the agent.
pub async fn agent(args: AgentArgs) -> anyhow::Result<ExitCode> {
    nodetool_std_nodes::link();
    let env = Arc::new(Environment::load().context("loading the configuration")?);
    let provider_name = choose_provider(&env, args.provider.as_deref())?;
    let model_id = args
        .model
        .clone()
        .or_else(|| env.get("NODETOOL_CHAT_MODEL").map(str::to_owned))
        .unwrap_or_else(|| nodetool::chat::default_model(&provider_name).to_owned());
    let model = LanguageModel {
        provider: provider_name.clone(),
        id: model_id.clone(),
        name: model_id.clone(),
    };
    let workspace_dir = match &args.workspace {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!("nodetool-agent-{}", uuid_like())),
    };
    let workspace = Workspace::new(&workspace_dir)
        .with_context(|| format!("opening the workspace {}", workspace_dir.display()))?;
    eprintln!(
        "agent: {provider_name}:{model_id}, workspace {}",
        workspace.root().display()
    );
    let ctx = ProcessingContext::builder()
        .environment(Arc::clone(&env))
        .workspace(workspace)
        .build();
    let provider =
        nodetool_std_nodes::llms::provider_for(&ctx, &model).map_err(|e| anyhow::anyhow!("{e}"))?;
    let tools = nodetool_std_nodes::tools::resolve_all(&args.tools)?;
    let limits = AgentLimits::from_env(&env)?;
    let mut agent = Agent::new(args.objective.clone(), Arc::from(provider), model_id)
        .tools(tools.iter().cloned())
        .limits(limits);
    if args.no_plan {
        agent = agent.without_planning();
    }
    let cancel = ctx.cancellation_token().clone();
    let mut run = agent.execute(&ctx);
    let mut printer = Printer {
        json: args.json,
        in_text: false,
    };
    loop {
        tokio::select! {
            event = run.next_event() => match event {
                Some(event) => printer.event(&event)?,
                None => break,
            },
            _ = tokio::signal::ctrl_c() => {
                cancel.cancel();
                eprintln!("\nagent: cancelled");
            }
        }
    }
    printer.end_text();
    match run.result().await {
        Ok(result) => {
            let mut out = std::io::stdout().lock();
            if args.json {
                writeln!(out, "{}", json!({"type": "result", "result": result}))?;
            } else {
                match &result {
                    Value::String(text) => writeln!(out, "{text}")?,
                    other => writeln!(out, "{}", serde_json::to_string_pretty(other)?)?,
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            if args.json {
                println!("{}", json!({"type": "error", "error": error.to_string()}));
            }
            Err(anyhow::Error::new(error).context("the agent failed"))
        }
    }
}

/// A short random name for a fresh workspace.
fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{:x}-{}", nanos, std::process::id())
}

/// Prints events: NDJSON on stdout, or short lines on stderr (streamed text as it comes).
struct Printer {
    json: bool,
    in_text: bool,
}

impl Printer {
    fn event(&mut self, event: &ProcessingMessage) -> anyhow::Result<()> {
        if self.json {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", serde_json::to_string(event)?)?;
            return Ok(());
        }
        let mut err = std::io::stderr().lock();
        match event {
            ProcessingMessage::Chunk(chunk) => {
                if !chunk.content.is_empty() {
                    write!(err, "{}", chunk.content)?;
                    self.in_text = true;
                }
                return Ok(());
            }
            _ => self.end_text(),
        }
        match event {
            ProcessingMessage::PlanningUpdate(p) => writeln!(
                err,
                "planning: {} {}{}",
                p.phase,
                p.status,
                p.content
                    .as_deref()
                    .map(|c| format!(": {c}"))
                    .unwrap_or_default()
            )?,
            ProcessingMessage::TaskUpdate(u) => {
                let sub = u.subtask.as_ref().map(|s| s.id.as_str()).unwrap_or("");
                match u.event {
                    TaskUpdateEvent::TaskCreated => {
                        writeln!(
                            err,
                            "task: {} ({} subtasks)",
                            u.task.title,
                            u.task.subtasks.len()
                        )?;
                        for s in &u.task.subtasks {
                            let inputs = if s.input_tasks.is_empty() {
                                String::new()
                            } else {
                                format!(" ← {}", s.input_tasks.join(", "))
                            };
                            writeln!(err, "  - {}{inputs}: {}", s.id, first_line(&s.content))?;
                        }
                    }
                    TaskUpdateEvent::SubtaskStarted => writeln!(err, "▶ {sub}")?,
                    TaskUpdateEvent::SubtaskCompleted => writeln!(err, "✓ {sub}")?,
                    TaskUpdateEvent::SubtaskFailed => writeln!(err, "✗ {sub}")?,
                    TaskUpdateEvent::EnteredConclusionStage => {
                        writeln!(err, "… {sub}: limit reached, concluding")?
                    }
                    TaskUpdateEvent::TaskCompleted => writeln!(err, "task completed")?,
                }
            }
            ProcessingMessage::ToolCallUpdate(t) => {
                writeln!(err, "  → {} {}", t.name, truncate(&t.args.to_string(), 200))?
            }
            ProcessingMessage::SubtaskResult(r) => {
                if let Some(error) = &r.error {
                    writeln!(err, "  {}: {error}", r.subtask.id)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn end_text(&mut self) {
        if self.in_text {
            eprintln!();
            self.in_text = false;
        }
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(max).collect::<String>())
    }
}
