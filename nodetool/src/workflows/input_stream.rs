//! [`InputStreams`]: values a client streams into a running job's streaming input nodes
//! (NodeTool's `stream_input` and `end_input_stream` WebSocket commands).
//!
//! A streaming input node (an input node whose output streams, such as
//! `nodetool.input.RealtimeAudioInput`) takes its stream from the run's context with
//! [`ProcessingContext::input_stream`](super::ProcessingContext::input_stream) and emits each
//! value as it comes, until the client ends the stream.

use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// How many streamed values wait for their input node before a push is refused.
pub const INPUT_STREAM_BUFFER: usize = 1024;

/// Why a streamed value or end of stream was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputStreamError {
    /// The graph has no streaming input node of that name.
    #[error("the workflow has no streaming input `{name}` (its streaming inputs: {available})")]
    UnknownInput {
        /// The name given.
        name: String,
        /// The streaming inputs the graph has (`none` when it has none).
        available: String,
    },
    /// The input node has no output of that name.
    #[error("input `{name}` has no output `{handle}` (its outputs: {outputs})")]
    UnknownHandle {
        /// The input.
        name: String,
        /// The handle given.
        handle: String,
        /// The node's outputs.
        outputs: String,
    },
    /// The stream was ended already, or its node has finished.
    #[error("the stream of input `{name}` has ended")]
    Ended {
        /// The input.
        name: String,
    },
    /// The node has not taken the values pushed so far.
    #[error("input `{name}` has {INPUT_STREAM_BUFFER} values waiting; send more once the run has taken them")]
    Full {
        /// The input.
        name: String,
    },
}

#[derive(Debug)]
struct Slot {
    outputs: Arc<[String]>,
    sender: Option<mpsc::Sender<Value>>,
    receiver: Option<mpsc::Receiver<Value>>,
}

/// The streams of one run's streaming input nodes, by input name: the job side pushes and
/// ends them, each input node takes its own. Cheap to clone (clones share the streams).
///
/// ```
/// use nodetool::workflows::InputStreams;
/// use serde_json::json;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let streams = InputStreams::new([("audio".to_owned(), vec!["chunk".to_owned()])]);
/// streams.push("audio", Some("chunk"), json!({"type": "chunk", "content": "AAAA"}))?;
/// streams.finish("audio", None)?;
/// let mut stream = streams.take("audio").expect("taken once");
/// assert_eq!(stream.next().await.unwrap()["content"], "AAAA");
/// assert!(stream.next().await.is_none());
/// assert!(streams.push("other", None, json!(1)).is_err());
/// # Ok::<(), nodetool::workflows::InputStreamError>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, Default)]
pub struct InputStreams {
    slots: Arc<Mutex<HashMap<String, Slot>>>,
}

impl InputStreams {
    /// Streams for the given inputs: each name with its node's output names.
    pub fn new(inputs: impl IntoIterator<Item = (String, Vec<String>)>) -> Self {
        let slots = inputs
            .into_iter()
            .map(|(name, outputs)| {
                let (sender, receiver) = mpsc::channel(INPUT_STREAM_BUFFER);
                let slot = Slot {
                    outputs: outputs.into(),
                    sender: Some(sender),
                    receiver: Some(receiver),
                };
                (name, slot)
            })
            .collect();
        Self {
            slots: Arc::new(Mutex::new(slots)),
        }
    }

    /// Streams for the streaming input nodes of `plan`.
    pub fn for_plan(plan: &super::WorkflowPlan) -> Self {
        Self::new(
            plan.streaming_inputs()
                .map(|(name, outputs)| (name.to_owned(), outputs.to_vec())),
        )
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot>> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on input `name`'s slot, after checking `handle` (when given) is one of its
    /// node's outputs.
    fn with_slot<T>(
        &self,
        name: &str,
        handle: Option<&str>,
        f: impl FnOnce(&mut Slot) -> Result<T, InputStreamError>,
    ) -> Result<T, InputStreamError> {
        let mut slots = self.lock();
        let Some(slot) = slots.get_mut(name) else {
            let mut available: Vec<&str> = slots.keys().map(String::as_str).collect();
            available.sort_unstable();
            return Err(InputStreamError::UnknownInput {
                name: name.to_owned(),
                available: if available.is_empty() {
                    "none".to_owned()
                } else {
                    available.join(", ")
                },
            });
        };
        if let Some(handle) = handle.filter(|h| !h.is_empty()) {
            if !slot.outputs.iter().any(|o| o == handle) {
                return Err(InputStreamError::UnknownHandle {
                    name: name.to_owned(),
                    handle: handle.to_owned(),
                    outputs: slot.outputs.join(", "),
                });
            }
        }
        f(slot)
    }

    /// Streams `value` into input `name` (on its node's output `handle`, when given). Never
    /// waits: a full or ended stream is an error.
    pub fn push(
        &self,
        name: &str,
        handle: Option<&str>,
        value: Value,
    ) -> Result<(), InputStreamError> {
        self.with_slot(name, handle, |slot| {
            let ended = || InputStreamError::Ended {
                name: name.to_owned(),
            };
            let sender = slot.sender.as_ref().ok_or_else(ended)?;
            sender.try_send(value).map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => InputStreamError::Full {
                    name: name.to_owned(),
                },
                mpsc::error::TrySendError::Closed(_) => ended(),
            })
        })
    }

    /// Ends input `name`'s stream: its node emits what is waiting, then finishes.
    pub fn finish(&self, name: &str, handle: Option<&str>) -> Result<(), InputStreamError> {
        self.with_slot(name, handle, |slot| match slot.sender.take() {
            Some(_) => Ok(()),
            None => Err(InputStreamError::Ended {
                name: name.to_owned(),
            }),
        })
    }

    /// Ends every stream (the run is over).
    pub fn finish_all(&self) {
        for slot in self.lock().values_mut() {
            slot.sender = None;
        }
    }

    /// Input `name`'s stream, for its node; `None` when there is no such input or it was taken.
    pub fn take(&self, name: &str) -> Option<InputStream> {
        let receiver = self.lock().get_mut(name)?.receiver.take()?;
        Some(InputStream { receiver })
    }
}

/// The values streamed into one input, in the order they were pushed.
#[derive(Debug)]
pub struct InputStream {
    receiver: mpsc::Receiver<Value>,
}

impl InputStream {
    /// The next value; `None` once the stream has ended and every value was taken.
    pub async fn next(&mut self) -> Option<Value> {
        self.receiver.recv().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn streams() -> InputStreams {
        InputStreams::new([
            ("audio".to_owned(), vec!["chunk".to_owned()]),
            ("mic".to_owned(), vec!["chunk".to_owned()]),
        ])
    }

    #[tokio::test]
    async fn values_come_in_order_then_the_end() {
        let s = streams();
        for i in 0..3 {
            s.push("audio", None, json!(i)).unwrap();
        }
        let mut stream = s.take("audio").unwrap();
        assert_eq!(stream.next().await, Some(json!(0)));
        s.push("audio", Some("chunk"), json!(3)).unwrap();
        s.finish("audio", Some("chunk")).unwrap();
        let mut rest = Vec::new();
        while let Some(v) = stream.next().await {
            rest.push(v);
        }
        assert_eq!(rest, vec![json!(1), json!(2), json!(3)]);
        assert!(s.take("audio").is_none(), "a stream is taken once");
    }

    #[test]
    fn bad_names_handles_and_ended_streams_are_refused() {
        let s = streams();
        let unknown = s.push("video", None, json!(1)).unwrap_err();
        assert_eq!(
            unknown.to_string(),
            "the workflow has no streaming input `video` (its streaming inputs: audio, mic)"
        );
        let handle = s.push("audio", Some("output"), json!(1)).unwrap_err();
        assert_eq!(
            handle.to_string(),
            "input `audio` has no output `output` (its outputs: chunk)"
        );
        s.finish("audio", None).unwrap();
        assert!(matches!(
            s.push("audio", None, json!(1)),
            Err(InputStreamError::Ended { .. })
        ));
        assert!(matches!(
            s.finish("audio", None),
            Err(InputStreamError::Ended { .. })
        ));
        let none = InputStreams::default().finish("x", None).unwrap_err();
        assert!(none.to_string().ends_with("(its streaming inputs: none)"));
    }

    #[test]
    fn a_full_stream_refuses_without_waiting() {
        let s = streams();
        for i in 0..INPUT_STREAM_BUFFER {
            s.push("mic", None, json!(i)).unwrap();
        }
        assert_eq!(
            s.push("mic", None, json!("one more")),
            Err(InputStreamError::Full { name: "mic".into() })
        );
    }

    #[test]
    fn a_stream_whose_node_finished_is_ended() {
        let s = streams();
        drop(s.take("mic"));
        assert!(matches!(
            s.push("mic", None, json!(1)),
            Err(InputStreamError::Ended { .. })
        ));
    }
}
