//! `nodetool`: the command line of nodetool (Rust), as a library whose [`main`] the
//! `nodetool` binary calls.
//!
//! `nodetool settings list [--group G] [--json]`, `nodetool settings get NAME [--source]`,
//! `nodetool settings set NAME VALUE`, `nodetool secrets list|get|set|delete [--user U]`,
//! `nodetool run FILE [--param N=V]... [--json]`, `nodetool validate FILE`,
//! `nodetool export FILE [--mermaid|--json]`, `nodetool nodes list|show TYPE`,
//! `nodetool serve [--port P] [--host H]`.
//! Errors go to stderr with a non-zero exit code.

mod agent_command;
mod collections_command;
mod graph_commands;
mod worker_command;

use anyhow::Context;
use clap::{Parser, Subcommand};
use nodetool::config::{files, Environment, SettingsRegistry};
use nodetool::models::{Database, Secret};
use nodetool::security::{Fernet, MasterKeyManager, SecretCrypto, SecretsManager};
use serde_json::{json, Value};
use std::io::Write;
use std::process::ExitCode;

/// nodetool: build and run AI workflows as node graphs.
#[derive(Debug, Parser)]
#[command(name = "nodetool", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Settings: list them, read one, write one to settings.yaml.
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// A user's encrypted secrets in the database (`DB_PATH`, or PostgreSQL when configured),
    /// under the master key `SECRETS_MASTER_KEY`.
    Secrets {
        /// Whose secrets (NodeTool's development user is `1`).
        #[arg(long, global = true, default_value = "1")]
        user: String,
        #[command(subcommand)]
        command: SecretsCommand,
    },
    /// A user's vector collections in the store `CHROMA_PATH` names.
    Collections {
        /// Whose collections (NodeTool's development user is `1`).
        #[arg(long, global = true, default_value = "1")]
        user: String,
        #[command(subcommand)]
        command: collections_command::CollectionsCommand,
    },
    /// Run a graph file (a bare graph or a saved workflow), showing each node's progress on
    /// stderr, then print its outputs.
    Run {
        /// The graph file (NodeTool JSON).
        file: std::path::PathBuf,
        /// A parameter for an input node: NAME=VALUE (VALUE is JSON when it parses, else a
        /// string). Repeatable.
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// Print the outputs as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Check a graph file against the registered node types; print every problem.
    Validate {
        /// The graph file.
        file: std::path::PathBuf,
    },
    /// Print a graph file as a Mermaid flowchart (or as normalised JSON).
    Export {
        /// The graph file.
        file: std::path::PathBuf,
        /// A Mermaid flowchart (the default).
        #[arg(long, conflicts_with = "json")]
        mermaid: bool,
        /// The graph as NodeTool JSON.
        #[arg(long)]
        json: bool,
    },
    /// The node types this build knows.
    #[command(subcommand)]
    Nodes(NodesCommand),
    /// Reach an objective with an agent: a model plans subtasks and carries them out with the
    /// tools; events go to stderr (NDJSON on stdout with --json), the result to stdout.
    Agent {
        /// What to achieve.
        objective: String,
        /// The chat provider: openai, anthropic, gemini, ollama, llama_cpp, vllm, lmstudio
        /// (default: the first configured).
        #[arg(long)]
        provider: Option<String>,
        /// The model id (default: NODETOOL_CHAT_MODEL, else the provider's small model).
        #[arg(long)]
        model: Option<String>,
        /// Tools, comma-separated: read_file, write_file, list_directory, calculator,
        /// http_get, run_workflow, google_search, brave_search, or nodes exposed as tools.
        #[arg(long, value_delimiter = ',')]
        tools: Vec<String>,
        /// The folder the file tools work in and results are kept in (default: a new
        /// folder in the temporary directory).
        #[arg(long)]
        workspace: Option<std::path::PathBuf>,
        /// No planning: the objective is one subtask.
        #[arg(long)]
        no_plan: bool,
        /// Events as NDJSON on stdout, then a `result` line.
        #[arg(long)]
        json: bool,
    },
    /// Serve the HTTP/WebSocket API (NodeTool's routes) until Ctrl-C or SIGTERM; running jobs
    /// are then cancelled and recorded as such.
    Serve {
        /// The port.
        #[arg(long, default_value_t = 7777)]
        port: u16,
        /// The address to bind (only this machine by default).
        #[arg(long, default_value = "127.0.0.1")]
        host: std::net::IpAddr,
        /// With NATS_URL set, also run a worker in this process (jobs are queued either way).
        #[arg(long)]
        worker: bool,
    },
    /// Run jobs from the NATS queue (NATS_URL) with the same runner, assets, cache and
    /// secrets as the server, until SIGTERM or Ctrl-C (running jobs then get the grace period
    /// to finish; the rest go back to the queue).
    Worker {
        /// How many jobs at once (default: the number of CPUs).
        #[arg(long)]
        concurrency: Option<usize>,
        /// The name in job records (default: host name and process id).
        #[arg(long)]
        name: Option<String>,
        /// Seconds running jobs get to finish at shutdown before they are handed back.
        #[arg(long, default_value_t = 30)]
        grace: u64,
        /// Serve Prometheus metrics (`/metrics`) and `/health` on this port.
        #[arg(long)]
        metrics_port: Option<u16>,
        /// The address the metrics port binds.
        #[arg(long, default_value = "127.0.0.1", requires = "metrics_port")]
        metrics_host: std::net::IpAddr,
    },
}

#[derive(Debug, Subcommand)]
enum NodesCommand {
    /// Every node type, with the first line of its description.
    List {
        /// Only this namespace (and the ones below it), e.g. `lib.math`.
        #[arg(long)]
        namespace: Option<String>,
        /// Their full metadata as JSON (NodeTool's `/api/nodes/metadata` shape).
        #[arg(long)]
        json: bool,
    },
    /// Every node type as a Markdown reference (`docs/nodes.md`).
    Docs,
    /// One node type's inputs and outputs.
    Show {
        /// The node type, e.g. `lib.math.Add`.
        node_type: String,
        /// Its metadata as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum SecretsCommand {
    /// The user's secret keys (values are never listed).
    List,
    /// The decrypted value of one secret, alone on stdout (exit code 1 when there is none).
    Get {
        /// The key, e.g. `OPENAI_API_KEY`.
        key: String,
    },
    /// Stores (or replaces) a secret, encrypted.
    Set {
        /// The key.
        key: String,
        /// The value.
        value: String,
        /// What it is for.
        #[arg(long)]
        description: Option<String>,
    },
    /// Deletes a secret (exit code 1 when there was none).
    Delete {
        /// The key.
        key: String,
    },
    /// The master key in AWS Secrets Manager (`AWS_REGION`, `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_ENDPOINT_URL` for a compatible server).
    #[command(subcommand, name = "master-key")]
    MasterKey(MasterKeyCommand),
}

#[derive(Debug, Subcommand)]
enum MasterKeyCommand {
    /// Prints a new master key (32 random bytes, URL-safe base64).
    Generate,
    /// Stores a master key in AWS Secrets Manager under NAME.
    Store {
        /// The secret's name (what AWS_SECRETS_MASTER_KEY_NAME will hold).
        name: String,
        /// The key.
        key: String,
    },
    /// Prints the master key stored under NAME (exit code 1 when there is none).
    Retrieve {
        /// The secret's name.
        name: String,
    },
    /// Deletes the master key stored under NAME, at once.
    Delete {
        /// The secret's name.
        name: String,
    },
}

#[derive(Debug, Subcommand)]
enum SettingsCommand {
    /// Every declared setting by group, and whether it is configured (values are not shown).
    List {
        /// Only this group (case-insensitive).
        #[arg(long)]
        group: Option<String>,
        /// A JSON array of {env_var, group, package, description, is_secret, configured}.
        #[arg(long)]
        json: bool,
    },
    /// The value of one setting, alone on stdout (exit code 1 when it is not set).
    Get {
        /// The variable, e.g. `LOG_LEVEL`.
        name: String,
        /// Also print the layer the value comes from, on a second line.
        #[arg(long)]
        source: bool,
    },
    /// Writes a setting to settings.yaml; a secret goes to the encrypted secret store (user
    /// `1`), as `nodetool secrets set` does.
    Set {
        /// The variable, e.g. `LOG_LEVEL`.
        name: String,
        /// Its value.
        value: String,
    },
}

/// Parses the process's arguments and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let _telemetry = telemetry(&cli.command);
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", nodetool::telemetry::redact(&report(&error)));
            ExitCode::FAILURE
        }
    }
}

/// Whether logs are JSON lines: then stderr carries nothing else (progress becomes events).
static JSON_LOGS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether stderr is for JSON log lines only.
pub(crate) fn json_logs() -> bool {
    JSON_LOGS.load(std::sync::atomic::Ordering::Relaxed)
}

/// Installs the log subscriber (stderr): `serve` and `worker` log at INFO, the other commands
/// only warnings, unless a level is configured (`NODETOOL_LOG_LEVEL`, `LOG_LEVEL`, `RUST_LOG`).
/// A bad log setting is reported and leaves warnings on; the guard flushes span export.
fn telemetry(command: &Command) -> Option<nodetool::telemetry::TelemetryGuard> {
    use nodetool::telemetry::{LogFormat, LogSettings};
    // A configuration that cannot be read is the command's error to report.
    let env = Environment::load().ok()?;
    let default_level = match command {
        Command::Serve { .. } | Command::Worker { .. } => "INFO",
        _ => "WARNING",
    };
    let settings = LogSettings::from_env_or(&env, default_level).unwrap_or_else(|error| {
        eprintln!("nodetool: warning: {error}; logging warnings only");
        LogSettings {
            filter: "warn".to_owned(),
            format: LogFormat::Text,
            color: false,
            date_format: None,
        }
    });
    JSON_LOGS.store(
        settings.format == LogFormat::Json,
        std::sync::atomic::Ordering::Relaxed,
    );
    match nodetool::telemetry::install(&env, &settings) {
        Ok(guard) => Some(guard),
        Err(error) => {
            eprintln!("nodetool: warning: logs are off: {error}");
            None
        }
    }
}

/// The error and its causes on one line, each said once (many errors repeat their cause in
/// their own message).
fn report(error: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
    }
    out
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Settings(command) => settings(command),
        Command::Secrets { user, command } => runtime()?.block_on(secrets(&user, command)),
        Command::Collections { user, command } => {
            multi_thread_runtime()?.block_on(collections_command::collections(&user, command))
        }
        Command::Run { file, params, json } => {
            multi_thread_runtime()?.block_on(graph_commands::run(&file, &params, json))
        }
        Command::Validate { file } => graph_commands::validate(&file),
        Command::Export { file, json, .. } => graph_commands::export(&file, json),
        Command::Nodes(NodesCommand::List { namespace, json }) => {
            graph_commands::nodes_list(namespace.as_deref(), json)
        }
        Command::Nodes(NodesCommand::Docs) => graph_commands::nodes_docs(),
        Command::Nodes(NodesCommand::Show { node_type, json }) => {
            graph_commands::nodes_show(&node_type, json)
        }
        Command::Agent {
            objective,
            provider,
            model,
            tools,
            workspace,
            no_plan,
            json,
        } => multi_thread_runtime()?.block_on(agent_command::agent(agent_command::AgentArgs {
            objective,
            provider,
            model,
            tools,
            workspace,
            no_plan,
            json,
        })),
        Command::Serve { port, host, worker } => {
            multi_thread_runtime()?.block_on(serve(std::net::SocketAddr::new(host, port), worker))
        }
        Command::Worker {
            concurrency,
            name,
            grace,
            metrics_port,
            metrics_host,
        } => multi_thread_runtime()?.block_on(worker_command::worker(worker_command::WorkerArgs {
            concurrency,
            name,
            grace,
            metrics: metrics_port.map(|port| std::net::SocketAddr::new(metrics_host, port)),
        })),
    }
}

async fn serve(addr: std::net::SocketAddr, with_worker: bool) -> anyhow::Result<ExitCode> {
    nodetool_std_nodes::link();
    let env = Environment::load().context("loading the configuration")?;
    let state = nodetool::api::AppState::from_env(&env).await?;
    let worker_stop = nodetool::workflows::CancellationToken::new();
    let mut worker_done = None;
    if with_worker {
        let worker = worker_command::connect(&env, None, None).await?;
        eprintln!("nodetool: worker {} in this process", worker.name());
        let stop = worker_stop.clone();
        worker_done = Some(tokio::spawn(async move {
            worker.run(stop, std::time::Duration::from_secs(30)).await
        }));
    }
    if !addr.ip().is_loopback() && !state.auth().requires_token() {
        eprintln!(
            "nodetool: warning: serving {addr} without authentication: anyone who can reach it \
             can run workflows and read secrets (set AUTH_PROVIDER=static or supabase)"
        );
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    let local = listener.local_addr().context("reading the bound address")?;
    // Installed before the address is announced: a SIGTERM right after must stop us cleanly.
    let shutdown = shutdown_signal()?;
    eprintln!("nodetool: serving on http://{local} (WebSocket: ws://{local}/ws)");
    nodetool::api::serve(listener, state, shutdown).await?;
    worker_stop.cancel();
    if let Some(done) = worker_done {
        done.await.context("the worker stopped abnormally")??;
    }
    eprintln!("nodetool: stopped");
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C, or SIGTERM on Unix; the handlers are installed when this returns.
pub(crate) fn shutdown_signal(
) -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("listening for SIGTERM")?;
    let ctrl_c = tokio::signal::ctrl_c();
    Ok(async move {
        #[cfg(unix)]
        let term = async move {
            term.recv().await;
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            result = ctrl_c => {
                if result.is_err() {
                    std::future::pending::<()>().await;
                }
            }
            _ = term => {}
        }
    })
}

fn multi_thread_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

async fn master_key(env: &Environment, command: MasterKeyCommand) -> anyhow::Result<ExitCode> {
    if let MasterKeyCommand::Generate = command {
        println!("{}", Fernet::generate_key()?);
        return Ok(ExitCode::SUCCESS);
    }
    let aws = SecretsManager::from_env(env)?;
    match command {
        MasterKeyCommand::Generate => {}
        MasterKeyCommand::Store { name, key } => {
            aws.create_secret(&name, &key).await?;
            eprintln!("stored the master key as `{name}`");
        }
        MasterKeyCommand::Retrieve { name } => match aws.get_secret_value(&name).await? {
            Some(key) => println!("{key}"),
            None => {
                eprintln!("no secret `{name}` in AWS Secrets Manager");
                return Ok(ExitCode::from(1));
            }
        },
        MasterKeyCommand::Delete { name } => {
            aws.delete_secret(&name).await?;
            eprintln!("deleted `{name}`");
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn secrets(user: &str, command: SecretsCommand) -> anyhow::Result<ExitCode> {
    let env = Environment::load().context("loading the configuration")?;
    let command = match command {
        SecretsCommand::MasterKey(command) => return master_key(&env, command).await,
        other => other,
    };
    let master_key = MasterKeyManager::from_env(&env).get(&env).await?;
    let crypto = SecretCrypto::new(master_key.expose());
    let db = Database::from_env(&env)
        .await
        .context("opening the database")?;
    match command {
        SecretsCommand::List => {
            for secret in Secret::list_for_user(&db, user).await? {
                match &secret.description {
                    Some(d) => println!("{}\t{d}", secret.key),
                    None => println!("{}", secret.key),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        SecretsCommand::Get { key } => match Secret::find(&db, user, &key).await? {
            Some(secret) => {
                println!("{}", secret.decrypted(&crypto)?);
                Ok(ExitCode::SUCCESS)
            }
            None => {
                eprintln!("no secret `{key}` for user `{user}`");
                Ok(ExitCode::from(1))
            }
        },
        SecretsCommand::Set {
            key,
            value,
            description,
        } => {
            Secret::upsert(&db, &crypto, user, &key, &value, description.as_deref()).await?;
            eprintln!("stored `{key}` for user `{user}`");
            Ok(ExitCode::SUCCESS)
        }
        SecretsCommand::Delete { key } => {
            if Secret::delete(&db, user, &key).await? {
                eprintln!("deleted `{key}` for user `{user}`");
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("no secret `{key}` for user `{user}`");
                Ok(ExitCode::from(1))
            }
        }
        SecretsCommand::MasterKey(_) => Ok(ExitCode::SUCCESS),
    }
}

fn settings(command: SettingsCommand) -> anyhow::Result<ExitCode> {
    let registry = SettingsRegistry::global();
    match command {
        SettingsCommand::List { group, json } => {
            let env = Environment::load().context("loading the configuration")?;
            for (kept, ignored) in registry.duplicates() {
                eprintln!(
                    "warning: `{}` is declared twice (by `{}` and by `{}`); the first declaration is listed",
                    kept.env_var, kept.package, ignored.package
                );
            }
            let wanted = |g: &str| group.as_deref().is_none_or(|w| w.eq_ignore_ascii_case(g));
            let listing = registry.listing(&env);
            let groups: Vec<_> = listing.iter().filter(|(g, _)| wanted(g)).collect();
            if groups.is_empty() {
                if let Some(group) = &group {
                    let known: Vec<&str> = listing.keys().copied().collect();
                    anyhow::bail!("no group `{group}` (groups: {})", known.join(", "));
                }
            }
            let mut out = std::io::stdout().lock();
            if json {
                let items: Vec<Value> = groups
                    .iter()
                    .flat_map(|(_, settings)| settings.iter())
                    .map(|s| {
                        json!({
                            "env_var": s.descriptor.env_var,
                            "group": s.descriptor.group,
                            "package": s.descriptor.package,
                            "description": s.descriptor.description,
                            "is_secret": s.descriptor.is_secret,
                            "configured": s.configured,
                        })
                    })
                    .collect();
                writeln!(out, "{}", serde_json::to_string_pretty(&items)?)?;
            } else {
                for (group, settings) in groups {
                    writeln!(out, "{group}")?;
                    for s in settings {
                        let state = if s.configured {
                            "configured"
                        } else {
                            "not set"
                        };
                        let secret = if s.descriptor.is_secret {
                            " (secret)"
                        } else {
                            ""
                        };
                        writeln!(
                            out,
                            "  {:<28} {:<10}{secret}  {}",
                            s.descriptor.env_var, state, s.descriptor.description
                        )?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        SettingsCommand::Get { name, source } => {
            let env = Environment::load().context("loading the configuration")?;
            match env.get(&name) {
                Some(value) => {
                    println!("{value}");
                    if source {
                        if let Some(layer) = env.source(&name) {
                            println!("source: {layer}");
                        }
                    }
                    Ok(ExitCode::SUCCESS)
                }
                None => {
                    eprintln!("`{name}` is not set (not in the environment, a .env file or settings.yaml)");
                    Ok(ExitCode::from(1))
                }
            }
        }
        SettingsCommand::Set { name, value } => {
            let secret = registry.is_secret(&name);
            if registry.get(&name).is_none() {
                eprintln!("note: `{name}` is not a declared setting; writing it anyway");
            }
            if secret {
                // Secrets go to the encrypted store, for NodeTool's development user.
                eprintln!("`{name}` is a secret: storing it encrypted for user `1` (see `nodetool secrets`)");
                return runtime()?.block_on(secrets(
                    "1",
                    SecretsCommand::Set {
                        key: name,
                        value,
                        description: None,
                    },
                ));
            }
            let path = files::settings_path();
            files::set_value(&path, &name, Value::String(value), false)
                .with_context(|| format!("setting `{name}`"))?;
            eprintln!("wrote `{name}` to {}", path.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}
