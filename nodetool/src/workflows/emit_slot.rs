//! Where typed outputs go in a `workflow!` ([`OutputSink`]) and how a streaming node hands
//! over each item ([`EmitSlot`]). Below both `io` (the `Emitter`) and `static_node`, which
//! import it.

use super::error::NodeError;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

/// Where a node's typed outputs go in a `workflow!`: the typed code of the nodes downstream.
pub trait OutputSink<O>: Send {
    /// Takes one item; waits while downstream is busy (backpressure).
    fn send(&mut self, item: O) -> impl Future<Output = Result<(), NodeError>> + Send;
}

/// Where a streaming node's [`Emitter`](super::Emitter) leaves each item in a `workflow!`:
/// the node pauses until the item has gone downstream.
#[derive(Debug)]
pub struct EmitSlot<O> {
    item: Mutex<Option<O>>,
}

impl<O> Default for EmitSlot<O> {
    fn default() -> Self {
        Self {
            item: Mutex::new(None),
        }
    }
}

impl<O> EmitSlot<O> {
    /// Leaves an item.
    pub(crate) fn put(&self, item: O) {
        *self.item.lock().unwrap_or_else(|p| p.into_inner()) = Some(item);
    }

    fn take(&self) -> Option<O> {
        self.item.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// Runs a streaming node's future `node` (which emits into this slot) and sends every
    /// item it emits to `sink`, one at a time, before the node goes on.
    pub async fn drive<S: OutputSink<O>>(
        &self,
        node: impl Future<Output = Result<(), NodeError>>,
        sink: &mut S,
    ) -> Result<(), NodeError> {
        enum Step<O> {
            Done(Result<(), NodeError>),
            Item(O),
        }
        let mut node = std::pin::pin!(node);
        loop {
            let step = std::future::poll_fn(|cx| match node.as_mut().poll(cx) {
                Poll::Ready(result) => Poll::Ready(Step::Done(result)),
                Poll::Pending => match self.take() {
                    Some(item) => Poll::Ready(Step::Item(item)),
                    None => Poll::Pending,
                },
            })
            .await;
            match step {
                Step::Done(result) => return result,
                Step::Item(item) => sink.send(item).await?,
            }
        }
    }
}

/// A future that is pending once, then ready: lets [`EmitSlot::drive`] take an item.
#[derive(Debug, Default)]
pub(crate) struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            Poll::Pending
        }
    }
}
