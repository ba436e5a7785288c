//! [`SubTaskRunner`]: one subtask in a conversation of its own — its instructions, its input
//! tasks' results and the tools — until the model calls `finish_subtask` with a result that
//! follows the subtask's schema (or, without a schema, answers in text).
//!
//! Limits (tool calls, model turns, tokens): when one is reached the model is asked once to
//! conclude, with only `finish_subtask` offered; if it does not, the subtask fails saying which
//! limit it reached.

use super::events::Events;
use super::prompts;
use super::schema::{finish_parameters, ResultSchema};
use super::tool::{ToolError, ToolSet};
use super::AgentLimits;
use crate::chat::{self, ChatError, ChatProvider, ChatRequest, Message, ToolCall};
use crate::metadata::SubTask;
use crate::workflows::messages::TaskUpdateEvent;
use crate::workflows::ProcessingContext;
use serde_json::{json, Value};

/// The tool a subtask finishes with.
pub const FINISH_SUBTASK: &str = "finish_subtask";

/// Why a subtask failed.
#[derive(Debug, thiserror::Error)]
pub enum SubTaskError {
    /// The model could not be asked.
    #[error(transparent)]
    Chat(#[from] ChatError),
    /// The run was cancelled.
    #[error("the run was cancelled")]
    Cancelled,
    /// A limit was reached and the model did not conclude with a valid result.
    #[error("reached {limit} without a valid result{}", .last_error.as_deref().map(|e| format!(" (last problem: {e})")).unwrap_or_default())]
    Limit {
        /// Which limit.
        limit: String,
        /// What was wrong with the last attempt to finish, if anything.
        last_error: Option<String>,
    },
    /// The subtask's output schema is not a JSON Schema.
    #[error("its output schema is not valid: {0}")]
    Schema(String),
}

/// What a finished subtask gives.
#[derive(Debug, Clone)]
pub(crate) struct Finished {
    pub(crate) result: Value,
    pub(crate) metadata: Option<Value>,
    /// The conversation, for the workspace log.
    pub(crate) transcript: Vec<Message>,
}

/// Runs subtasks of one agent.
pub(crate) struct SubTaskRunner<'a> {
    pub(crate) ctx: &'a ProcessingContext,
    pub(crate) provider: &'a dyn ChatProvider,
    pub(crate) model: &'a str,
    pub(crate) tools: &'a ToolSet,
    pub(crate) limits: &'a AgentLimits,
    pub(crate) events: &'a Events,
    pub(crate) system_prompt: Option<&'a str>,
}

/// Where a subtask's loop stands.
struct Progress {
    tool_calls: u32,
    turns: u32,
    tokens: u64,
    /// The limit reached, once the model has been asked to conclude.
    concluding: Option<String>,
    last_error: Option<String>,
}

/// What one reply of the model asked for.
enum Step {
    Continue,
    Done(Value, Option<Value>),
}

impl SubTaskRunner<'_> {
    /// Runs `subtask` with the results of its input tasks.
    pub(crate) async fn run(
        &self,
        subtask: &SubTask,
        inputs: &[(String, Value)],
    ) -> Result<Finished, SubTaskError> {
        let schema =
            ResultSchema::from_text(&subtask.output_schema).map_err(SubTaskError::Schema)?;
        let tools = self.tools.only(&subtask.tools);
        let max_tool_calls = match subtask.max_tool_calls {
            0 => self.limits.max_tool_calls,
            n => n.min(self.limits.max_tool_calls),
        };
        let finish = chat::Tool {
            name: FINISH_SUBTASK.to_owned(),
            description: "Finish the subtask with its result. Call it once, when the result is \
                          ready; the result must follow the subtask's output schema."
                .to_owned(),
            parameters: finish_parameters(schema.as_ref().map(|s| &s.schema)),
        };
        let mut system =
            prompts::subtask_system(schema.as_ref().map(|s| &s.schema), FINISH_SUBTASK);
        if let Some(custom) = self.system_prompt.filter(|s| !s.trim().is_empty()) {
            system = format!("{custom}\n\n{system}");
        }
        let mut history = vec![
            Message::system(system),
            Message::user(prompts::subtask_user(&subtask.content, inputs)),
        ];
        let mut all_tools = tools.definitions();
        all_tools.push(finish.clone());
        let mut progress = Progress {
            tool_calls: 0,
            turns: 0,
            tokens: 0,
            concluding: None,
            last_error: None,
        };
        loop {
            if self.ctx.is_cancelled() {
                return Err(SubTaskError::Cancelled);
            }
            if progress.concluding.is_none() {
                if let Some(limit) = self.limit_reached(&progress, max_tool_calls) {
                    history.push(Message::user(prompts::conclude(
                        &limit,
                        FINISH_SUBTASK,
                        schema.is_some(),
                    )));
                    progress.concluding = Some(limit);
                    self.events
                        .task_update(TaskUpdateEvent::EnteredConclusionStage, Some(&subtask.id))
                        .await;
                }
            }
            let concluding = progress.concluding.is_some();
            // The history moves into the request and back: no copy of it per turn.
            let mut request = ChatRequest {
                model: self.model.to_owned(),
                messages: std::mem::take(&mut history),
                tools: if concluding {
                    vec![finish.clone()]
                } else {
                    all_tools.clone()
                },
                max_tokens: self.limits.max_reply_tokens,
                force_tool: (concluding && schema.is_some()).then(|| FINISH_SUBTASK.to_owned()),
                ..ChatRequest::default()
            };
            let reply = self.ask(&request).await;
            history = std::mem::take(&mut request.messages);
            let reply = reply?;
            progress.turns += 1;
            progress.tokens += reply.tokens;
            history.push(Message {
                tool_calls: reply.calls.clone(),
                ..Message::assistant(reply.text.clone())
            });
            let step = if reply.calls.is_empty() {
                self.on_text(&reply.text, schema.as_ref(), &mut history, &mut progress)
            } else {
                self.on_calls(
                    reply.calls,
                    &tools,
                    schema.as_ref(),
                    max_tool_calls,
                    &mut history,
                    &mut progress,
                )
                .await?
            };
            if let Step::Done(result, metadata) = step {
                return Ok(Finished {
                    result,
                    metadata,
                    transcript: history,
                });
            }
            if concluding {
                // The one turn to conclude went by without a valid result.
                return Err(SubTaskError::Limit {
                    limit: progress.concluding.take().unwrap_or_default(),
                    last_error: progress.last_error.take(),
                });
            }
        }
    }

    /// The limit a subtask has reached, if any.
    fn limit_reached(&self, p: &Progress, max_tool_calls: u32) -> Option<String> {
        if p.tool_calls >= max_tool_calls {
            Some(format!("the limit of {max_tool_calls} tool calls"))
        } else if p.turns >= self.limits.max_iterations {
            Some(format!(
                "the limit of {} model turns",
                self.limits.max_iterations
            ))
        } else if p.tokens >= self.limits.max_tokens {
            Some(format!(
                "the token budget ({} tokens)",
                self.limits.max_tokens
            ))
        } else {
            None
        }
    }

    /// A reply without tool calls: the result when there is no schema, else a reminder.
    fn on_text(
        &self,
        text: &str,
        schema: Option<&ResultSchema>,
        history: &mut Vec<Message>,
        progress: &mut Progress,
    ) -> Step {
        if schema.is_none() && !text.trim().is_empty() {
            return Step::Done(Value::String(text.to_owned()), None);
        }
        progress.last_error = Some("the model replied in text instead of finishing".to_owned());
        history.push(Message::user(prompts::finish_reminder(FINISH_SUBTASK)));
        Step::Continue
    }

    /// A reply with tool calls: the other tools run concurrently, then `finish_subtask` is
    /// checked; every call gets a result message, in the order of the calls.
    async fn on_calls(
        &self,
        calls: Vec<ToolCall>,
        tools: &ToolSet,
        schema: Option<&ResultSchema>,
        max_tool_calls: u32,
        history: &mut Vec<Message>,
        progress: &mut Progress,
    ) -> Result<Step, SubTaskError> {
        let concluding = progress.concluding.is_some();
        let mut outcomes: Vec<Option<Value>> = vec![None; calls.len()];
        let mut pending = Vec::new();
        for (i, call) in calls.iter().enumerate() {
            if call.name == FINISH_SUBTASK {
                continue;
            }
            if concluding {
                outcomes[i] = Some(json!({"error": "no tools now: call finish_subtask"}));
            } else if progress.tool_calls >= max_tool_calls {
                outcomes[i] = Some(json!({
                    "error": format!("the limit of {max_tool_calls} tool calls is reached: call finish_subtask")
                }));
            } else {
                progress.tool_calls += 1;
                let message = tools.get(&call.name).map_or_else(
                    || format!("Calling {}", call.name),
                    |t| t.user_message(&call.arguments),
                );
                self.events
                    .tool_call(&call.name, &call.arguments, message)
                    .await;
                pending.push((i, call));
            }
        }
        let cancel = self.ctx.cancellation_token();
        let results =
            futures_util::future::join_all(pending.into_iter().map(|(i, call)| async move {
                let outcome = tokio::select! {
                    biased;
                    () = cancel.cancelled() => Err(ToolError::Cancelled),
                    r = tools.call(self.ctx, &call.name, call.arguments.clone()) => r,
                };
                (i, outcome)
            }))
            .await;
        for (i, outcome) in results {
            outcomes[i] = Some(match outcome {
                Ok(value) => value,
                Err(ToolError::Cancelled) => return Err(SubTaskError::Cancelled),
                Err(error) => error.to_json(),
            });
        }
        let mut done = None;
        for (i, call) in calls.iter().enumerate() {
            let result = match outcomes[i].take() {
                Some(result) => result,
                None => match check_finish(&call.arguments, schema) {
                    Ok((result, metadata)) => {
                        done = done.or(Some((result, metadata)));
                        json!({"status": "completed"})
                    }
                    Err(problem) => {
                        progress.last_error = Some(problem.clone());
                        json!({"error": problem})
                    }
                },
            };
            history.push(Message::tool_result(call, &result));
        }
        Ok(match done {
            Some((result, metadata)) => Step::Done(result, metadata),
            None => Step::Continue,
        })
    }

    /// Asks the model, streaming its text as `chunk` messages.
    async fn ask(&self, request: &ChatRequest) -> Result<Reply, SubTaskError> {
        let cancel = self.ctx.cancellation_token();
        let mut stream = self
            .provider
            .generate_messages(request, cancel)
            .await
            .map_err(cancelled_or)?;
        let mut reply = Reply::default();
        let mut usage = None;
        while let Some(chunk) = stream.next().await {
            match chunk.map_err(cancelled_or)? {
                chat::Chunk::Text(text) => {
                    reply.text.push_str(&text);
                    self.events.chunk(text, false).await;
                }
                chat::Chunk::ToolCall(call) => reply.calls.push(call),
                chat::Chunk::Usage(u) => usage = Some(u),
                chat::Chunk::Finish(_) => {}
            }
        }
        if !reply.text.is_empty() {
            self.events.chunk(String::new(), true).await;
        }
        reply.tokens = match usage {
            Some(u) => u.input_tokens + u.output_tokens,
            None => estimate_tokens(request, &reply),
        };
        Ok(reply)
    }
}

/// A model's reply.
#[derive(Default)]
struct Reply {
    text: String,
    calls: Vec<ToolCall>,
    tokens: u64,
}

fn cancelled_or(error: ChatError) -> SubTaskError {
    match error {
        ChatError::Cancelled => SubTaskError::Cancelled,
        other => SubTaskError::Chat(other),
    }
}

/// About four characters a token, when the provider reports no usage.
fn estimate_tokens(request: &ChatRequest, reply: &Reply) -> u64 {
    let chars: usize = request
        .messages
        .iter()
        .map(|m| {
            m.text().len()
                + m.tool_calls
                    .iter()
                    .map(|c| c.arguments.to_string().len())
                    .sum::<usize>()
        })
        .sum::<usize>()
        + reply.text.len()
        + reply
            .calls
            .iter()
            .map(|c| c.arguments.to_string().len())
            .sum::<usize>();
    (chars / 4) as u64 + 1
}

/// The result and metadata of a `finish_subtask` call, or what is wrong with it.
fn check_finish(
    args: &Value,
    schema: Option<&ResultSchema>,
) -> Result<(Value, Option<Value>), String> {
    let Some(result) = args.get("result") else {
        return Err("finish_subtask needs a `result` argument".to_owned());
    };
    if let Some(schema) = schema {
        schema
            .check(result)
            .map_err(|e| format!("the result does not follow the output schema: {e}"))?;
    }
    let metadata = args.get("metadata").filter(|m| !m.is_null()).cloned();
    Ok((result.clone(), metadata))
}
