//! [`NodeInbox`]: a node's input buffers, one bounded FIFO per input handle.
//!
//! Producers block while a handle's buffer is full (backpressure). Each handle counts its open
//! sources (one per inbound edge); once every source of a handle is done and its buffer is
//! empty, the handle has ended. Items keep a global arrival order, so [`NodeInbox::recv_any`]
//! yields them exactly as they came, across handles.

use serde_json::Value;
use std::collections::VecDeque;
use std::pin::pin;
use std::sync::{Mutex, MutexGuard};
use tokio::sync::Notify;

/// The inbox was closed by its consumer: the item was not delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the receiving node has finished")]
pub struct InboxClosed;

/// The input buffers of one node.
#[derive(Debug)]
pub struct NodeInbox {
    state: Mutex<State>,
    item_ready: Notify,
    space_ready: Notify,
    capacity: usize,
}

#[derive(Debug)]
struct State {
    handles: Vec<HandleQueue>,
    next_seq: u64,
    consumer_waiting: bool,
    producers_waiting: bool,
    closed: bool,
}

#[derive(Debug)]
struct HandleQueue {
    items: VecDeque<(u64, Value)>,
    open_sources: usize,
}

impl NodeInbox {
    /// An inbox whose handle `i` has `sources[i]` upstream edges; each buffer holds at most
    /// `capacity` items (at least 1).
    pub fn new(sources: &[usize], capacity: usize) -> Self {
        Self {
            state: Mutex::new(State {
                handles: sources
                    .iter()
                    .map(|&open_sources| HandleQueue {
                        items: VecDeque::new(),
                        open_sources,
                    })
                    .collect(),
                next_seq: 0,
                consumer_waiting: false,
                producers_waiting: false,
                closed: false,
            }),
            item_ready: Notify::new(),
            space_ready: Notify::new(),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock leaves the queues consistent (every mutation is a
        // single push/pop), so a poisoned lock is still safe to use.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The number of input handles.
    pub fn handle_count(&self) -> usize {
        self.lock().handles.len()
    }

    /// Delivers `value` to `handle`, waiting while its buffer is full.
    pub async fn put(&self, handle: usize, value: Value) -> Result<(), InboxClosed> {
        let mut value = Some(value);
        loop {
            let mut notified = pin!(self.space_ready.notified());
            {
                let mut state = self.lock();
                if state.closed {
                    return Err(InboxClosed);
                }
                let seq = state.next_seq;
                let queue = &mut state.handles[handle];
                if queue.items.len() < self.capacity {
                    if let Some(v) = value.take() {
                        queue.items.push_back((seq, v));
                    }
                    state.next_seq += 1;
                    let wake = std::mem::take(&mut state.consumer_waiting);
                    drop(state);
                    if wake {
                        self.item_ready.notify_one();
                    }
                    return Ok(());
                }
                notified.as_mut().enable();
                state.producers_waiting = true;
            }
            notified.await;
        }
    }

    /// Marks one source of `handle` as done: no more items will come from it.
    pub fn source_done(&self, handle: usize) {
        let mut state = self.lock();
        let queue = &mut state.handles[handle];
        queue.open_sources = queue.open_sources.saturating_sub(1);
        let wake = std::mem::take(&mut state.consumer_waiting);
        drop(state);
        if wake {
            self.item_ready.notify_one();
        }
    }

    /// Whether `handle` may still deliver items (buffered, or a source still open).
    pub fn is_open(&self, handle: usize) -> bool {
        let state = self.lock();
        let q = &state.handles[handle];
        !q.items.is_empty() || q.open_sources > 0
    }

    /// Whether any handle may still deliver items.
    pub fn any_open(&self) -> bool {
        self.lock()
            .handles
            .iter()
            .any(|q| !q.items.is_empty() || q.open_sources > 0)
    }

    /// The next item on any handle, in arrival order; `None` once every handle has ended.
    pub async fn recv_any(&self) -> Option<(usize, Value)> {
        self.recv_where(|state| {
            state
                .handles
                .iter()
                .enumerate()
                .filter_map(|(i, q)| q.items.front().map(|(seq, _)| (*seq, i)))
                .min()
                .map(|(_, i)| i)
        })
        .await
    }

    /// The next item on `handle`; `None` once that handle has ended.
    pub async fn recv(&self, handle: usize) -> Option<Value> {
        self.recv_where(|state| (!state.handles[handle].items.is_empty()).then_some(handle))
            .await
            .map(|(_, v)| v)
    }

    /// Takes the next item of `handle` if one is buffered now.
    pub fn try_recv(&self, handle: usize) -> Option<Value> {
        let mut state = self.lock();
        self.pop(&mut state, handle)
    }

    async fn recv_where(&self, pick: impl Fn(&State) -> Option<usize>) -> Option<(usize, Value)> {
        loop {
            {
                let mut state = self.lock();
                if let Some(handle) = pick(&state) {
                    return self.pop(&mut state, handle).map(|v| (handle, v));
                }
                let all_ended = state
                    .handles
                    .iter()
                    .all(|q| q.items.is_empty() && q.open_sources == 0);
                if all_ended || state.closed {
                    return None;
                }
                // A single-handle wait also ends when that handle ends: re-check after waking.
                state.consumer_waiting = true;
            }
            self.item_ready.notified().await;
            let state = self.lock();
            if let Some(h) = (0..state.handles.len()).find(|&h| {
                let q = &state.handles[h];
                q.items.is_empty() && q.open_sources == 0 && pick(&state) == Some(h)
            }) {
                let _ = h;
            }
        }
    }

    fn pop(&self, state: &mut MutexGuard<'_, State>, handle: usize) -> Option<Value> {
        let queue = &mut state.handles[handle];
        let was_full = queue.items.len() >= self.capacity;
        let (_, value) = queue.items.pop_front()?;
        if was_full && std::mem::take(&mut state.producers_waiting) {
            self.space_ready.notify_waiters();
        }
        Some(value)
    }

    /// Closes the inbox: buffered items are dropped and producers get [`InboxClosed`].
    pub fn close(&self) {
        let mut state = self.lock();
        state.closed = true;
        for q in &mut state.handles {
            q.items.clear();
        }
        drop(state);
        self.space_ready.notify_waiters();
        self.item_ready.notify_one();
    }
}
