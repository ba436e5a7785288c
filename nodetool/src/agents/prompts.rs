//! The texts agents send to models.

use super::tool::ToolSet;
use serde_json::Value;
use std::fmt::Write;

/// The planner's system prompt.
pub(crate) fn planner_system(max_subtasks: usize) -> String {
    format!(
        "You are a planner. You turn an objective into a plan of subtasks that other model calls \
carry out with tools, and you submit it by calling the `create_task` tool exactly once.

Rules:
- Each subtask has a unique snake_case `id` and `content`: clear, self-contained instructions \
(the model running it sees only its content, the results of its input tasks and the tools).
- `input_tasks` lists the ids of the subtasks whose results a subtask needs. They must exist \
and form no cycle. Subtasks that do not depend on each other run at the same time.
- `output_schema` is a JSON Schema of a subtask's result; prefer small objects.
- The last subtask produces the final result of the whole objective and lists as input tasks \
the subtasks whose results it combines.
- Use as few subtasks as the objective needs (1 to {max_subtasks}). Do not plan work no tool \
or model can do."
    )
}

/// The planner's request: the objective, the tools, the result's schema.
pub(crate) fn planner_user(
    objective: &str,
    tools: &ToolSet,
    output_schema: Option<&Value>,
) -> String {
    let mut text = format!("Objective:\n{objective}\n\nTools the subtasks can use:\n");
    if tools.is_empty() {
        text.push_str("- none (subtasks can only think and write)\n");
    }
    for tool in tools.iter() {
        let _ = writeln!(
            text,
            "- {}: {}",
            tool.name(),
            first_line(tool.description())
        );
    }
    if let Some(schema) = output_schema {
        let _ = write!(
            text,
            "\nThe final result (the last subtask's) must follow this JSON Schema:\n{schema}\n"
        );
    }
    text.push_str("\nCall create_task with the plan.");
    text
}

/// What the planner hears when its plan was refused.
pub(crate) fn plan_refused(errors: &[String]) -> String {
    let mut text = String::from("The plan was refused:\n");
    for e in errors {
        let _ = writeln!(text, "- {e}");
    }
    text.push_str("Fix these problems and call create_task again with the whole corrected plan.");
    text
}

/// What the planner hears when it answered without calling `create_task`.
pub(crate) const PLAN_MISSING: &str =
    "You did not call the create_task tool. Call create_task with the plan; a text reply is not a plan.";

/// A subtask's system prompt.
pub(crate) fn subtask_system(schema: Option<&Value>, finish_tool: &str) -> String {
    let mut text = String::from(
        "You carry out one subtask of a larger plan, end to end, without asking the user \
anything. Use the tools when they help; a tool that fails tells you why, so adjust and go on.\n",
    );
    match schema {
        Some(schema) => {
            let _ = write!(
                text,
                "When you have the result, call `{finish_tool}` with {{\"result\": <result>}}. \
The result must follow this JSON Schema:\n{schema}\nA text reply does not finish the subtask; \
only `{finish_tool}` does."
            );
        }
        None => {
            let _ = write!(
                text,
                "When you are done, reply with the result as text (or call `{finish_tool}` with \
{{\"result\": <result>}})."
            );
        }
    }
    text
}

/// A subtask's first user message: its instructions and its input tasks' results.
pub(crate) fn subtask_user(content: &str, inputs: &[(String, Value)]) -> String {
    let mut text = String::from(content);
    for (id, result) in inputs {
        let pretty = serde_json::to_string_pretty(result).unwrap_or_else(|_| result.to_string());
        let _ = write!(
            text,
            "\n\nResult of subtask `{id}`:\n```json\n{pretty}\n```"
        );
    }
    text.push_str("\n\nCarry out the subtask with these instructions");
    if !inputs.is_empty() {
        text.push_str(" and the results above");
    }
    text.push('.');
    text
}

/// What a subtask hears after a text reply when it must finish with the tool.
pub(crate) fn finish_reminder(finish_tool: &str) -> String {
    format!(
        "Call `{finish_tool}` with your result (following the schema) when you are done; a text \
reply does not finish the subtask."
    )
}

/// What a subtask hears when it reached a limit.
pub(crate) fn conclude(limit: &str, finish_tool: &str, structured: bool) -> String {
    if structured {
        format!(
            "You have reached {limit}. Do not call any other tool: call `{finish_tool}` now with \
your best result."
        )
    } else {
        format!(
            "You have reached {limit}. Do not call any other tool: reply now with your final \
answer (or call `{finish_tool}` with it)."
        )
    }
}

fn first_line(text: &str) -> &str {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}
