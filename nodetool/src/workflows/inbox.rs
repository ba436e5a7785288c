//! [`NodeInbox`]: a node's input buffers, one bounded FIFO per input handle.
//!
//! Producers block while a handle's buffer is full (backpressure). Each handle counts its open
//! sources (one per inbound edge); once every source of a handle is done and its buffer is
//! empty, the handle has ended. Items keep a global arrival order, so [`NodeInbox::recv_any`]
//! yields them exactly as they came, across handles.

use serde_json::Value;
use std::collections::VecDeque;
use std::pin::pin;
use std::sync::{Mutex, MutexGuard, OnceLock};
use tokio::sync::Notify;

/// The inbox was closed by its consumer: the item was not delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the receiving node has finished")]
pub struct InboxClosed;

/// Why [`NodeInbox::try_put`] did not deliver.
enum TryPut {
    Closed,
    Full(Value),
}

/// The input buffers of one node.
#[derive(Debug)]
pub struct NodeInbox {
    state: Mutex<State>,
    item_ready: Notify,
    /// Per handle: producers waiting for room, woken one per freed slot (FIFO), so a full
    /// handle with many producers (a wide fan-in) costs one wake-up per item, not one per
    /// waiting producer. Made when a producer first has to wait (most inboxes never fill).
    space_ready: OnceLock<Box<[Notify]>>,
    handle_count: usize,
    capacity: usize,
}

#[derive(Debug)]
struct State {
    handles: Vec<HandleQueue>,
    next_seq: u64,
    consumer_waiting: bool,
    closed: bool,
}

#[derive(Debug)]
struct HandleQueue {
    items: VecDeque<(u64, Value)>,
    open_sources: usize,
    /// Producers waiting for room that no freed slot has woken yet.
    waiting: usize,
}

impl HandleQueue {
    fn has_ended(&self) -> bool {
        self.items.is_empty() && self.open_sources == 0
    }
}

impl NodeInbox {
    /// An inbox whose handle `i` has `sources[i]` upstream edges; each buffer holds at most
    /// `capacity` items (at least 1).
    pub fn new(sources: &[usize], capacity: usize) -> Self {
        Self::with_sources(sources.iter().copied(), capacity)
    }

    /// [`NodeInbox::new`] from the handles' source counts as they come.
    pub(crate) fn with_sources(sources: impl IntoIterator<Item = usize>, capacity: usize) -> Self {
        let handles: Vec<HandleQueue> = sources
            .into_iter()
            .map(|open_sources| HandleQueue {
                items: VecDeque::new(),
                open_sources,
                waiting: 0,
            })
            .collect();
        Self {
            handle_count: handles.len(),
            state: Mutex::new(State {
                handles,
                next_seq: 0,
                consumer_waiting: false,
                closed: false,
            }),
            item_ready: Notify::new(),
            space_ready: OnceLock::new(),
            capacity: capacity.max(1),
        }
    }

    /// The notifiers of producers waiting for room, one per handle.
    fn space_ready(&self) -> &[Notify] {
        self.space_ready
            .get_or_init(|| (0..self.handle_count).map(|_| Notify::new()).collect())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock leaves the queues consistent (every mutation is a
        // single push/pop), so a poisoned lock is still safe to use.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Delivers `value` to `handle`, waiting while its buffer is full.
    pub async fn put(&self, handle: usize, value: Value) -> Result<(), InboxClosed> {
        match self.try_put(handle, value) {
            Ok(()) => Ok(()),
            Err(TryPut::Closed) => Err(InboxClosed),
            // Boxed: the waiting path would otherwise sit in every sending node's future.
            Err(TryPut::Full(value)) => Box::pin(self.put_waiting(handle, value)).await,
        }
    }

    fn try_put(&self, handle: usize, value: Value) -> Result<(), TryPut> {
        let state = self.lock();
        if state.closed {
            return Err(TryPut::Closed);
        }
        if state.handles[handle].items.len() >= self.capacity {
            return Err(TryPut::Full(value));
        }
        self.push(state, handle, value);
        Ok(())
    }

    async fn put_waiting(&self, handle: usize, value: Value) -> Result<(), InboxClosed> {
        loop {
            let mut notified = pin!(self.space_ready()[handle].notified());
            {
                let mut state = self.lock();
                if state.closed {
                    return Err(InboxClosed);
                }
                if state.handles[handle].items.len() < self.capacity {
                    self.push(state, handle, value);
                    return Ok(());
                }
                notified.as_mut().enable();
                state.handles[handle].waiting += 1;
            }
            notified.await;
        }
    }

    /// Appends `value` to `handle` (which has room) and wakes the consumer if it waits.
    fn push(&self, mut state: MutexGuard<'_, State>, handle: usize, value: Value) {
        let seq = state.next_seq;
        state.next_seq += 1;
        state.handles[handle].items.push_back((seq, value));
        let wake = std::mem::take(&mut state.consumer_waiting);
        drop(state);
        if wake {
            self.item_ready.notify_one();
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

    /// Whether `handle` may still deliver items (buffered, or a source still open; a closed
    /// inbox delivers nothing).
    pub fn is_open(&self, handle: usize) -> bool {
        let state = self.lock();
        !state.closed && state.handles.get(handle).is_some_and(|q| !q.has_ended())
    }

    /// Whether any handle may still deliver items.
    pub fn any_open(&self) -> bool {
        let state = self.lock();
        !state.closed && state.handles.iter().any(|q| !q.has_ended())
    }

    /// Whether the consumer has closed the inbox.
    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// The next item on any handle, in arrival order; `None` once every handle has ended.
    pub async fn recv_any(&self) -> Option<(usize, Value)> {
        self.recv_any_of(|_| true).await
    }

    /// The next item, in arrival order, on a handle `wanted` accepts; `None` once every such
    /// handle has ended. Items on other handles stay buffered (their producers keep waiting).
    pub async fn recv_any_of(&self, wanted: impl Fn(usize) -> bool) -> Option<(usize, Value)> {
        self.recv_where(
            |state| earliest(state, &wanted),
            |state| {
                state
                    .handles
                    .iter()
                    .enumerate()
                    .all(|(i, q)| !wanted(i) || q.has_ended())
            },
        )
        .await
    }

    /// The next item on `handle`; `None` once that handle has ended.
    pub async fn recv(&self, handle: usize) -> Option<Value> {
        self.recv_where(
            |state| (!state.handles[handle].items.is_empty()).then_some(handle),
            |state| state.handles[handle].has_ended(),
        )
        .await
        .map(|(_, v)| v)
    }

    /// Takes the next item of `handle` if one is buffered now.
    pub fn try_recv(&self, handle: usize) -> Option<Value> {
        let mut state = self.lock();
        self.pop(&mut state, handle)
    }

    /// Takes the earliest buffered item on any handle, without waiting.
    pub fn try_recv_any(&self) -> Option<(usize, Value)> {
        let mut state = self.lock();
        let handle = earliest(&state, |_| true)?;
        self.pop(&mut state, handle).map(|v| (handle, v))
    }

    async fn recv_where(
        &self,
        pick: impl Fn(&State) -> Option<usize>,
        ended: impl Fn(&State) -> bool,
    ) -> Option<(usize, Value)> {
        loop {
            {
                let mut state = self.lock();
                if let Some(handle) = pick(&state) {
                    return self.pop(&mut state, handle).map(|v| (handle, v));
                }
                if state.closed || ended(&state) {
                    return None;
                }
                state.consumer_waiting = true;
            }
            self.item_ready.notified().await;
        }
    }

    fn pop(&self, state: &mut MutexGuard<'_, State>, handle: usize) -> Option<Value> {
        let queue = &mut state.handles[handle];
        let (_, value) = queue.items.pop_front()?;
        // One slot freed: one waiting producer may fill it (a woken producer that went away
        // hands its wake-up to the next one).
        if queue.waiting > 0 {
            queue.waiting -= 1;
            // A producer waits: it made the notifiers before it counted itself.
            if let Some(space_ready) = self.space_ready.get() {
                space_ready[handle].notify_one();
            }
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
        if let Some(space_ready) = self.space_ready.get() {
            space_ready.iter().for_each(Notify::notify_waiters);
        }
        self.item_ready.notify_one();
    }
}

/// The handle, among those `wanted` accepts, whose front item arrived first.
fn earliest(state: &State, wanted: impl Fn(usize) -> bool) -> Option<usize> {
    state
        .handles
        .iter()
        .enumerate()
        .filter(|(i, _)| wanted(*i))
        .filter_map(|(i, q)| q.items.front().map(|(seq, _)| (*seq, i)))
        .min()
        .map(|(_, i)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Arc;
    use std::time::Duration;

    async fn guard<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::time::timeout(Duration::from_secs(5), f)
            .await
            .expect("inbox hung")
    }

    #[tokio::test]
    async fn inbox_001_003_one_handle_is_fifo_and_ends_after_its_source() {
        let inbox = NodeInbox::new(&[1], 8);
        for i in 0..5 {
            inbox.put(0, json!(i)).await.unwrap();
        }
        inbox.source_done(0);
        let mut got = Vec::new();
        while let Some(v) = guard(inbox.recv(0)).await {
            got.push(v);
        }
        assert_eq!(got, (0..5).map(|i| json!(i)).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn inbox_002_004_recv_any_keeps_arrival_order_and_ends_with_every_handle() {
        let inbox = NodeInbox::new(&[1, 1, 1], 8);
        for (h, v) in [(0, "a1"), (1, "b1"), (0, "a2"), (2, "c1")] {
            inbox.put(h, json!(v)).await.unwrap();
        }
        (0..3).for_each(|h| inbox.source_done(h));
        let mut got = Vec::new();
        while let Some((h, v)) = guard(inbox.recv_any()).await {
            got.push((h, v));
        }
        assert_eq!(
            got,
            vec![
                (0, json!("a1")),
                (1, json!("b1")),
                (0, json!("a2")),
                (2, json!("c1"))
            ]
        );
    }

    #[tokio::test]
    async fn inbox_006_020_a_handle_with_two_sources_ends_after_both() {
        let inbox = Arc::new(NodeInbox::new(&[2], 8));
        inbox.source_done(0);
        assert!(inbox.is_open(0));
        inbox.source_done(0);
        inbox.source_done(0); // never below zero
        assert!(!inbox.is_open(0));
        assert_eq!(guard(inbox.recv_any()).await, None);
    }

    #[tokio::test]
    async fn inbox_005_an_ended_handle_does_not_wait_for_the_others() {
        let inbox = NodeInbox::new(&[1, 1], 8);
        inbox.source_done(0);
        assert_eq!(guard(inbox.recv(0)).await, None);
        assert!(inbox.any_open());
    }

    #[tokio::test]
    async fn inbox_010_011_013_a_full_handle_blocks_its_producer_until_a_pop() {
        let inbox = Arc::new(NodeInbox::new(&[1, 1], 2));
        inbox.put(0, json!(1)).await.unwrap();
        inbox.put(0, json!(2)).await.unwrap();
        let producer = {
            let inbox = Arc::clone(&inbox);
            tokio::spawn(async move { inbox.put(0, json!(3)).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!producer.is_finished(), "the third put must wait for space");
        // Another handle is not blocked by the full one.
        guard(inbox.put(1, json!("b"))).await.unwrap();
        assert_eq!(inbox.try_recv(0), Some(json!(1)));
        guard(producer).await.unwrap().unwrap();
        assert_eq!(inbox.try_recv(0), Some(json!(2)));
        assert_eq!(inbox.try_recv(0), Some(json!(3)));
        assert_eq!(inbox.try_recv(0), None);
    }

    #[tokio::test]
    async fn inbox_016_019_closing_wakes_the_consumer_and_refuses_puts() {
        let inbox = Arc::new(NodeInbox::new(&[1], 1));
        let consumer = {
            let inbox = Arc::clone(&inbox);
            tokio::spawn(async move { inbox.recv_any().await })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        inbox.close();
        assert_eq!(guard(consumer).await.unwrap(), None);
        assert_eq!(inbox.put(0, json!(1)).await, Err(InboxClosed));
    }

    #[tokio::test]
    async fn inbox_016_closing_releases_a_blocked_producer() {
        let inbox = Arc::new(NodeInbox::new(&[1], 1));
        inbox.put(0, json!(1)).await.unwrap();
        let producer = {
            let inbox = Arc::clone(&inbox);
            tokio::spawn(async move { inbox.put(0, json!(2)).await })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        inbox.close();
        assert_eq!(guard(producer).await.unwrap(), Err(InboxClosed));
    }

    #[tokio::test]
    async fn inbox_015_an_inbox_without_handles_ends_at_once() {
        let inbox = NodeInbox::new(&[], 4);
        assert_eq!(guard(inbox.recv_any()).await, None);
    }
    #[tokio::test]
    async fn inbox_007_009_a_late_producer_keeps_the_handle_open_and_buffers_drain_first() {
        let inbox = Arc::new(NodeInbox::new(&[2], 8));
        inbox.put(0, json!("a")).await.unwrap();
        inbox.source_done(0); // producer A is done early
        let producer_b = {
            let inbox = Arc::clone(&inbox);
            tokio::spawn(async move {
                for i in 0..3 {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    inbox.put(0, json!(i)).await.unwrap();
                }
                inbox.source_done(0);
            })
        };
        let mut got = Vec::new();
        while let Some(v) = guard(inbox.recv(0)).await {
            got.push(v);
        }
        guard(producer_b).await.unwrap();
        assert_eq!(got, vec![json!("a"), json!(0), json!(1), json!(2)]);
    }

    #[tokio::test]
    async fn inbox_008_recv_any_ends_only_when_every_handle_has_ended() {
        let inbox = Arc::new(NodeInbox::new(&[1, 1, 1], 8));
        inbox.source_done(0);
        inbox.source_done(1);
        let consumer = {
            let inbox = Arc::clone(&inbox);
            tokio::spawn(async move { inbox.recv_any().await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!consumer.is_finished(), "handle 2 is still open");
        inbox.source_done(2);
        assert_eq!(guard(consumer).await.unwrap(), None);
    }

    #[tokio::test]
    async fn inbox_012_two_blocked_producers_both_deliver() {
        let inbox = Arc::new(NodeInbox::new(&[2], 1));
        inbox.put(0, json!(0)).await.unwrap();
        let producers: Vec<_> = (1..=2)
            .map(|i| {
                let inbox = Arc::clone(&inbox);
                tokio::spawn(async move { inbox.put(0, json!(i)).await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(producers.iter().all(|p| !p.is_finished()));
        let mut got = vec![guard(inbox.recv(0)).await.unwrap()];
        got.push(guard(inbox.recv(0)).await.unwrap());
        got.push(guard(inbox.recv(0)).await.unwrap());
        for p in producers {
            guard(p).await.unwrap().unwrap();
        }
        got.sort_by_key(|v| v.as_i64());
        assert_eq!(got, vec![json!(0), json!(1), json!(2)]);
    }

    #[tokio::test]
    async fn inbox_014_an_unbounded_inbox_never_blocks() {
        let inbox = NodeInbox::new(&[1], usize::MAX);
        for i in 0..10_000 {
            guard(inbox.put(0, json!(i))).await.unwrap();
        }
        assert_eq!(inbox.try_recv(0), Some(json!(0)));
    }

    #[tokio::test]
    async fn inbox_017_018_try_recv_any_takes_what_is_there_without_waiting() {
        let inbox = NodeInbox::new(&[1, 1], 4);
        assert_eq!(inbox.try_recv_any(), None);
        inbox.put(1, json!("b")).await.unwrap();
        inbox.put(0, json!("a")).await.unwrap();
        assert_eq!(inbox.try_recv_any(), Some((1, json!("b"))));
        assert_eq!(inbox.try_recv_any(), Some((0, json!("a"))));
        assert_eq!(inbox.try_recv_any(), None);
    }

    #[tokio::test]
    async fn recv_any_of_leaves_other_handles_buffered() {
        let inbox = NodeInbox::new(&[1, 1], 4);
        inbox.put(0, json!("a")).await.unwrap();
        inbox.put(1, json!("b")).await.unwrap();
        inbox.source_done(1);
        assert_eq!(
            guard(inbox.recv_any_of(|h| h == 1)).await,
            Some((1, json!("b")))
        );
        assert_eq!(guard(inbox.recv_any_of(|h| h == 1)).await, None);
        assert!(inbox.is_open(0));
        assert_eq!(inbox.try_recv(0), Some(json!("a")));
    }

    #[tokio::test]
    async fn many_producers_on_a_full_handle_all_deliver_one_wake_up_per_slot() {
        // 500 producers share one handle of capacity 2; the consumer drains slowly. Every
        // item arrives, and producers woken for a freed slot never strand the others.
        let inbox = Arc::new(NodeInbox::new(&[500], 2));
        let mut producers = Vec::new();
        for i in 0..500 {
            let inbox = Arc::clone(&inbox);
            producers.push(tokio::spawn(async move {
                inbox.put(0, json!(i)).await.unwrap();
                inbox.source_done(0);
            }));
        }
        let mut got = Vec::new();
        while let Some(v) = guard(inbox.recv(0)).await {
            got.push(v.as_i64().unwrap());
            if got.len() % 50 == 0 {
                tokio::task::yield_now().await;
            }
        }
        got.sort_unstable();
        assert_eq!(got, (0..500).collect::<Vec<_>>());
        for p in producers {
            p.await.unwrap();
        }
    }

    #[tokio::test]
    async fn a_waiting_producer_that_goes_away_passes_its_wake_up_on() {
        let inbox = Arc::new(NodeInbox::new(&[2], 1));
        inbox.put(0, json!(0)).await.unwrap();
        // Two producers wait for the one slot; the first is dropped while waiting.
        let first = tokio::spawn({
            let inbox = Arc::clone(&inbox);
            async move { inbox.put(0, json!(1)).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        let second = tokio::spawn({
            let inbox = Arc::clone(&inbox);
            async move { inbox.put(0, json!(2)).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        first.abort();
        let _ = first.await;
        assert_eq!(guard(inbox.recv(0)).await, Some(json!(0)));
        guard(second).await.unwrap().unwrap();
        assert_eq!(guard(inbox.recv(0)).await, Some(json!(2)));
    }
}
