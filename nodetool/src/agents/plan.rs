//! Reading and checking a plan: the arguments of `create_task` become a [`Task`] only when
//! every subtask has a unique id and instructions, every input task exists, the subtasks form
//! no cycle, every output schema is a JSON Schema and every tool named exists.

use super::schema::ResultSchema;
use super::tool::ToolSet;
use crate::metadata::Task;
use serde_json::{json, Value};
use std::collections::HashMap;

/// The name of the planner's tool.
pub const CREATE_TASK: &str = "create_task";

/// The parameters of `create_task`: NodeTool's Task shape, with `output_schema` as an object.
pub(crate) fn create_task_parameters(max_subtasks: usize) -> Value {
    json!({
        "type": "object",
        "properties": {
            "title": {"type": "string", "description": "A short title for the plan."},
            "subtasks": {
                "type": "array",
                "minItems": 1,
                "maxItems": max_subtasks,
                "description": "The subtasks. The last one produces the final result.",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string", "description": "Unique snake_case id."},
                        "content": {"type": "string", "description": "Self-contained instructions for this subtask."},
                        "input_tasks": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "Ids of the subtasks whose results this one needs (they run first)."
                        },
                        "output_schema": {
                            "type": "object",
                            "description": "A JSON Schema of this subtask's result."
                        },
                        "max_tool_calls": {
                            "type": "integer",
                            "minimum": 1,
                            "description": "How many tool calls this subtask may make."
                        },
                        "tools": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "The tools this subtask may use (omit for all)."
                        }
                    },
                    "required": ["id", "content"]
                }
            }
        },
        "required": ["title", "subtasks"]
    })
}

/// The plan in `args`, or every problem with it (each naming the subtask it is about).
pub(crate) fn read_plan(
    args: &Value,
    tools: &ToolSet,
    max_subtasks: usize,
) -> Result<Task, Vec<String>> {
    let task: Task = serde_json::from_value(args.clone()).map_err(|e| {
        vec![format!(
            "the arguments do not match {CREATE_TASK}'s parameters: {e}"
        )]
    })?;
    let mut errors = Vec::new();
    if task.subtasks.is_empty() {
        errors.push("the plan has no subtasks".to_owned());
    }
    if task.subtasks.len() > max_subtasks {
        errors.push(format!(
            "the plan has {} subtasks; at most {max_subtasks} are allowed",
            task.subtasks.len()
        ));
    }
    let mut first_index: HashMap<&str, usize> = HashMap::new();
    for (i, sub) in task.subtasks.iter().enumerate() {
        let n = i + 1;
        if sub.id.trim().is_empty() {
            errors.push(format!("subtask {n} has no id"));
        } else if let Some(first) = first_index.insert(&sub.id, n) {
            first_index.insert(&sub.id, first);
            errors.push(format!(
                "subtask id `{}` is used twice (subtasks {first} and {n})",
                sub.id
            ));
        }
        if sub.content.trim().is_empty() {
            errors.push(format!(
                "subtask `{}` has no content (instructions)",
                sub.id
            ));
        }
        if let Err(e) = ResultSchema::from_text(&sub.output_schema) {
            errors.push(format!(
                "subtask `{}`: output_schema is not a valid JSON Schema: {e}",
                sub.id
            ));
        }
        for tool in &sub.tools {
            if tools.get(tool).is_none() {
                errors.push(format!(
                    "subtask `{}`: unknown tool `{tool}` (tools: {})",
                    sub.id,
                    list(tools.names())
                ));
            }
        }
    }
    let ids: Vec<&str> = task.subtasks.iter().map(|s| s.id.as_str()).collect();
    for sub in &task.subtasks {
        for input in &sub.input_tasks {
            if input == &sub.id {
                errors.push(format!(
                    "subtask `{}` lists itself as an input task",
                    sub.id
                ));
            } else if !ids.contains(&input.as_str()) {
                errors.push(format!(
                    "subtask `{}`: input task `{input}` does not exist (subtask ids: {})",
                    sub.id,
                    list(ids.iter().copied())
                ));
            }
        }
    }
    if let Some(cycle) = find_cycle(&task) {
        errors.push(format!(
            "the input tasks form a cycle: {}",
            cycle.join(" → ")
        ));
    }
    if errors.is_empty() {
        Ok(task)
    } else {
        Err(errors)
    }
}

fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// A cycle of input tasks, as the ids along it (the first repeated at the end).
fn find_cycle(task: &Task) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let index: HashMap<&str, usize> = task
        .subtasks
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut marks = vec![Mark::New; task.subtasks.len()];
    let mut path: Vec<usize> = Vec::new();

    fn visit(
        i: usize,
        task: &Task,
        index: &HashMap<&str, usize>,
        marks: &mut [Mark],
        path: &mut Vec<usize>,
    ) -> Option<Vec<String>> {
        marks[i] = Mark::OnPath;
        path.push(i);
        for input in &task.subtasks[i].input_tasks {
            let Some(&j) = index.get(input.as_str()) else {
                continue;
            };
            if j == i {
                continue; // reported as self-reference
            }
            match marks[j] {
                Mark::OnPath => {
                    let start = path.iter().position(|&p| p == j).unwrap_or(0);
                    let mut cycle: Vec<String> = path[start..]
                        .iter()
                        .map(|&p| task.subtasks[p].id.clone())
                        .collect();
                    cycle.push(task.subtasks[j].id.clone());
                    return Some(cycle);
                }
                Mark::New => {
                    if let Some(cycle) = visit(j, task, index, marks, path) {
                        return Some(cycle);
                    }
                }
                Mark::Done => {}
            }
        }
        path.pop();
        marks[i] = Mark::Done;
        None
    }

    (0..task.subtasks.len()).find_map(|i| {
        if marks[i] == Mark::New {
            visit(i, task, &index, &mut marks, &mut path)
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(subtasks: Value) -> Result<Task, Vec<String>> {
        read_plan(
            &json!({"title": "t", "subtasks": subtasks}),
            &ToolSet::new(),
            10,
        )
    }

    #[test]
    fn a_good_plan_reads() {
        let task = plan(json!([
            {"id": "a", "content": "A"},
            {"id": "b", "content": "B", "output_schema": {"type": "number"}},
            {"id": "c", "content": "C", "input_tasks": ["a", "b"]}
        ]))
        .unwrap();
        assert_eq!(task.subtasks.len(), 3);
        assert_eq!(task.subtasks[1].output_schema, r#"{"type":"number"}"#);
    }

    #[test]
    fn every_problem_is_named() {
        let errors = plan(json!([
            {"id": "a", "content": "A", "input_tasks": ["zzz"]},
            {"id": "a", "content": ""},
            {"id": "", "content": "x", "output_schema": {"type": "strin"}, "tools": ["nope"]}
        ]))
        .unwrap_err();
        let all = errors.join("\n");
        assert!(all.contains("input task `zzz` does not exist"), "{all}");
        assert!(
            all.contains("subtask id `a` is used twice (subtasks 1 and 2)"),
            "{all}"
        );
        assert!(all.contains("subtask `a` has no content"), "{all}");
        assert!(all.contains("subtask 3 has no id"), "{all}");
        assert!(
            all.contains("output_schema is not a valid JSON Schema"),
            "{all}"
        );
        assert!(all.contains("unknown tool `nope`"), "{all}");
    }

    #[test]
    fn cycles_are_named_by_their_ids() {
        let errors = plan(json!([
            {"id": "a", "content": "A", "input_tasks": ["c"]},
            {"id": "b", "content": "B", "input_tasks": ["a"]},
            {"id": "c", "content": "C", "input_tasks": ["b"]}
        ]))
        .unwrap_err();
        assert_eq!(errors, vec!["the input tasks form a cycle: a → c → b → a"]);
        let errors = plan(json!([{"id": "a", "content": "A", "input_tasks": ["a"]}])).unwrap_err();
        assert_eq!(errors, vec!["subtask `a` lists itself as an input task"]);
    }

    #[test]
    fn wrong_shapes_and_sizes_are_refused() {
        let errors = read_plan(&json!({"subtasks": "x"}), &ToolSet::new(), 10).unwrap_err();
        assert!(errors[0].contains("do not match create_task's parameters"));
        assert!(plan(json!([])).unwrap_err()[0].contains("no subtasks"));
        let many: Vec<Value> = (0..11)
            .map(|i| json!({"id": format!("s{i}"), "content": "x"}))
            .collect();
        assert!(plan(json!(many)).unwrap_err()[0].contains("at most 10"));
    }
}
