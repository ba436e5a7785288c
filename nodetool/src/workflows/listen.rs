//! Runs that report their messages to a closure: [`WorkflowRunner::run_with`] and
//! [`StaticWorkflow::run_with`](super::StaticWorkflow::run_with) give each message to the
//! caller, in order, on the caller's task, with no channel or task to set up.

use super::context::ProcessingContext;
use super::messages::ProcessingMessage;
use std::future::Future;
use tokio::sync::mpsc;

/// How many messages may wait for the closure before the run waits for it.
const BACKLOG: usize = 256;

/// Runs `run` (given a context whose messages come here) while handing each message to
/// `on_message`; returns `run`'s result once every message it posted has been handed over.
pub(crate) async fn run_listening<R, Fut>(
    ctx: &ProcessingContext,
    run: impl FnOnce(ProcessingContext) -> Fut,
    mut on_message: impl FnMut(ProcessingMessage),
) -> R
where
    Fut: Future<Output = R>,
{
    let (tx, mut rx) = mpsc::channel(BACKLOG);
    let running = run(ctx.with_listener(Some(tx)));
    tokio::pin!(running);
    loop {
        tokio::select! {
            // Messages first: a full backlog would otherwise hold the run up.
            biased;
            message = rx.recv() => match message {
                Some(message) => on_message(message),
                // Every sender is gone: the run posts nothing more.
                None => return running.await,
            },
            result = &mut running => {
                while let Ok(message) = rx.try_recv() {
                    on_message(message);
                }
                return result;
            }
        }
    }
}
