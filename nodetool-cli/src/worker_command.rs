//! `nodetool worker`: runs jobs from the NATS queue (`NATS_URL`) until SIGTERM or Ctrl-C.

use anyhow::Context;
use nodetool::config::Environment;
use nodetool::jobs::{JobEnvironment, NatsSettings, Worker};
use nodetool::models::Database;
use nodetool::storage::{AssetStore, Storage};
use nodetool::workflows::{CancellationToken, NodeCache};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// What `nodetool worker` was asked.
#[derive(Debug)]
pub struct WorkerArgs {
    pub concurrency: Option<usize>,
    pub name: Option<String>,
    pub grace: u64,
    /// Where to serve `/metrics` and `/health`.
    pub metrics: Option<std::net::SocketAddr>,
}

/// The worker's name: the one given, else host name and process id.
fn worker_name(given: Option<String>) -> String {
    given.unwrap_or_else(|| {
        let host = std::fs::read_to_string("/etc/hostname")
            .ok()
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "worker".to_owned());
        format!("{host}-{}", std::process::id())
    })
}

/// Connects a worker with the environment's database, storage and settings.
pub async fn connect(
    env: &Environment,
    name: Option<String>,
    concurrency: Option<usize>,
) -> anyhow::Result<Arc<Worker>> {
    let settings = NatsSettings::from_env(env)?.context(
        "no job queue: set NATS_URL (a NATS server with JetStream, e.g. nats://127.0.0.1:4222)",
    )?;
    let db = Database::from_env(env)
        .await
        .context("opening the database")?;
    let storage = Storage::from_env(env).context("setting up asset storage")?;
    let job_env = JobEnvironment {
        assets: Some(Arc::new(AssetStore::new(db.clone(), storage))),
        cache: Some(Arc::new(NodeCache::new(nodetool::api::DEFAULT_CACHE_BYTES))),
        environment: Some(Arc::new(env.clone())),
    };
    let concurrency =
        concurrency.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let name = worker_name(name);
    let worker = Worker::connect(name, &settings, db, job_env, concurrency)
        .await
        .with_context(|| format!("connecting to NATS at {}", settings.url))?;
    Ok(worker)
}

/// Runs the worker until a signal.
pub async fn worker(args: WorkerArgs) -> anyhow::Result<ExitCode> {
    nodetool_std_nodes::link();
    let env = Environment::load().context("loading the configuration")?;
    let worker = connect(&env, args.name, args.concurrency).await?;
    let shutdown = super::shutdown_signal()?;
    let stop = CancellationToken::new();
    let stopper = stop.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopper.cancel();
    });
    if let Some(addr) = args.metrics {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding the metrics port {addr}"))?;
        let local = listener
            .local_addr()
            .context("reading the metrics address")?;
        let stopped = stop.clone();
        tokio::spawn(async move {
            let served = nodetool::api::serve_metrics(listener, stopped.cancelled_owned()).await;
            if let Err(error) = served {
                tracing::warn!(%error, "the metrics port stopped");
            }
        });
        eprintln!("nodetool: metrics on http://{local}/metrics");
    }
    eprintln!("nodetool: worker {} pulling jobs", worker.name());
    worker
        .run(stop, Duration::from_secs(args.grace))
        .await
        .context("running jobs")?;
    eprintln!("nodetool: worker {} stopped", worker.name());
    Ok(ExitCode::SUCCESS)
}
