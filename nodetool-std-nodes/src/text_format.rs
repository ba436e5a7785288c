//! `nodetool.text.FormatText`: a Jinja2 template over the node's dynamic properties, as
//! NodeTool renders it (MiniJinja, with Jinja2's filters and Python's way of printing values).

use crate::nodetool_metadata::nodetool_metadata;
use crate::pyfmt::py_repr;
use fancy_regex::Regex;
use nodetool::workflows::{
    BoxFuture, ExecutionMode, Node, NodeDescriptor, NodeError, NodeFlags, NodeOutputs, NodeRole,
    ProcessingContext,
};
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// Renders `template` with the node's dynamic properties (`{{ name }}`, `{NAME}`, loops,
/// filters); see [`render_format_text`].
#[derive(Debug, Default)]
pub struct FormatText {
    names: Vec<String>,
    template: String,
    values: Map<String, Value>,
}

static FORMAT_TEXT: NodeDescriptor = NodeDescriptor {
    node_type: "nodetool.text.FormatText",
    mode: ExecutionMode::Buffered,
    role: NodeRole::Regular,
    flags: NodeFlags {
        cacheable: true,
        requires_gpu: false,
        expose_as_tool: false,
    },
    metadata: || nodetool_metadata("nodetool.text.FormatText"),
    create: || Box::<FormatText>::default(),
};

nodetool::__private::inventory::submit! {
    NodeDescriptor { ..FORMAT_TEXT }
}

impl Node for FormatText {
    fn descriptor(&self) -> &'static NodeDescriptor {
        &FORMAT_TEXT
    }

    fn set_input_names(&mut self, names: &[String]) {
        self.names = names.to_vec();
    }

    fn set_input(&mut self, index: usize, value: Value) -> Result<(), NodeError> {
        let name = self
            .names
            .get(index)
            .ok_or_else(|| NodeError::failed(format!("no property with index {index}")))?;
        if index == 0 {
            self.template = match value {
                Value::String(s) => s,
                // NodeTool leaves the default in place for an empty value.
                Value::Null => String::new(),
                other => {
                    return Err(NodeError::failed(format!(
                        "template: expected a string, got {other}"
                    )))
                }
            };
        } else {
            self.values.insert(name.clone(), value);
        }
        Ok(())
    }

    fn get_input(&self, index: usize) -> Option<Value> {
        if index == 0 {
            return Some(Value::String(self.template.clone()));
        }
        self.values.get(self.names.get(index)?).cloned()
    }

    fn process<'a>(
        &'a mut self,
        _ctx: &'a ProcessingContext,
        outputs: &'a mut NodeOutputs,
    ) -> BoxFuture<'a, Result<(), NodeError>> {
        Box::pin(async move {
            // Dynamic properties the graph names but sets to nothing render as `None`.
            let mut values = Map::new();
            for name in self.names.iter().skip(1) {
                let value = self.values.get(name).cloned().unwrap_or(Value::Null);
                values.insert(name.clone(), value);
            }
            let text = render_format_text(&self.template, &values).map_err(NodeError::failed)?;
            outputs.send_named("output", Value::String(text)).await
        })
    }
}

fn single_brace() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?<!\{)\{([A-Za-z_]\w*)\}(?!\})").unwrap_or_else(|_| unreachable!())
    })
}

fn variable() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\{\{\s*([^|}]+)").unwrap_or_else(|_| unreachable!()))
}

/// The template environment: Jinja2's defaults (undefined names print nothing, one trailing
/// newline dropped), its filters (with `truncate` and Python's string methods), and values
/// printed as Python's `str()` prints them (`None`, `True`, `['a', 1]`).
fn environment() -> &'static minijinja::Environment<'static> {
    static ENV: OnceLock<minijinja::Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = minijinja::Environment::new();
        minijinja_contrib::add_to_environment(&mut env);
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_filter("truncate", truncate);
        env.set_formatter(|out, _state, value| {
            if value.is_undefined() {
                return Ok(());
            }
            if let Some(s) = value.as_str() {
                return out.write_str(s).map_err(minijinja::Error::from);
            }
            let json = serde_json::to_value(value).unwrap_or(Value::Null);
            out.write_str(&py_repr(&json))
                .map_err(minijinja::Error::from)
        });
        env
    })
}

/// Jinja2's `truncate(length=255, killwords=False, end='...', leeway=5)` (`leeway` by name
/// only): text no longer than `length + leeway` is kept; else it is cut to `length - len(end)`
/// characters (at the last space unless `killwords`) and `end` appended.
fn truncate(
    value: minijinja::Value,
    length: Option<usize>,
    killwords: Option<bool>,
    end: Option<String>,
    kwargs: minijinja::value::Kwargs,
) -> Result<String, minijinja::Error> {
    let text = value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned);
    let length = kwargs
        .get::<Option<usize>>("length")?
        .or(length)
        .unwrap_or(255);
    let killwords = kwargs
        .get::<Option<bool>>("killwords")?
        .or(killwords)
        .unwrap_or(false);
    let end = kwargs
        .get::<Option<String>>("end")?
        .or(end)
        .unwrap_or_else(|| "...".to_owned());
    let leeway = kwargs.get::<Option<usize>>("leeway")?.unwrap_or(5);
    kwargs.assert_all_used()?;
    let end_len = end.chars().count();
    if length < end_len {
        return Err(minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            format!("expected length >= {end_len}, got {length}"),
        ));
    }
    if text.chars().count() <= length + leeway {
        return Ok(text);
    }
    let cut: String = text.chars().take(length - end_len).collect();
    let kept = if killwords {
        cut.as_str()
    } else {
        cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head)
    };
    Ok(format!("{kept}{end}"))
}

/// NodeTool's FormatText: `{NAME}` is `{{ NAME }}`; names inside `{{ … }}` are lowercased
/// (with every other occurrence of that text, as NodeTool's plain text replace does) and so
/// are the properties; the template is then rendered as Jinja2.
///
/// ```
/// use nodetool_std_nodes::text_format::render_format_text;
/// let values = serde_json::json!({"Name": "Ada", "items": ["x", "y"]});
/// let text = render_format_text("Hi {NAME}: {{ items | join(', ') }}\n", values.as_object().unwrap());
/// assert_eq!(text.unwrap(), "Hi Ada: x, y");
/// ```
pub fn render_format_text(template: &str, values: &Map<String, Value>) -> Result<String, String> {
    let mut source = single_brace()
        .replace_all(template, "{{ $1 }}")
        .into_owned();
    let found: Vec<String> = variable()
        .captures_iter(&source)
        .filter_map(|c| Some(c.ok()?.get(1)?.as_str().to_owned()))
        .collect();
    for name in found {
        source = source.replace(&name, &name.to_lowercase());
    }
    let context: Map<String, Value> = values
        .iter()
        .map(|(k, v)| (k.to_lowercase(), v.clone()))
        .collect();
    environment()
        .render_str(&source, Value::Object(context))
        .map_err(|e| format!("Template error: {}", jinja_message(&e)))
}

/// The error's own message, without MiniJinja's location suffix.
fn jinja_message(error: &minijinja::Error) -> String {
    match error.detail() {
        Some(detail) => detail.to_owned(),
        None => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(template: &str, values: Value) -> String {
        render_format_text(template, values.as_object().unwrap())
            .unwrap_or_else(|e| panic!("{template}: {e}"))
    }

    #[test]
    fn renders_like_nodetool() {
        assert_eq!(
            render("Hello, {{ name }}!\n", json!({"name": "Bob"})),
            "Hello, Bob!"
        );
        assert_eq!(
            render("{{TOPIC}} / {Topic}", json!({"TOPIC": "rust"})),
            "rust / rust"
        );
        assert_eq!(
            render(
                "{{ a }} {{ b }} {{ c }} {{ d }}",
                json!({"a": null, "b": true, "c": [1, "x"], "d": 1.0})
            ),
            "None True [1, 'x'] 1.0"
        );
        assert_eq!(render("[{{ missing }}]", json!({})), "[]");
        assert_eq!(
            render(
                "{% for p in posts %}{{ loop.index }}. {{ p.title | upper }}\n{% endfor %}",
                json!({"posts": [{"title": "a"}, {"title": "b"}]})
            ),
            "1. A\n2. B\n"
        );
        assert_eq!(
            render(
                "{{ s | truncate(10) }}",
                json!({"s": "abcdefghijklmnopqrstuvwxyz"})
            ),
            "abcdefg..."
        );
        assert_eq!(
            render(
                "{{ s | truncate(5, True, '!') }}|{{ s | truncate(length=10, leeway=0) }}",
                json!({"s": "hello big world"})
            ),
            "hell!|hello..."
        );
        assert_eq!(render("{ \"json\": 1 }", json!({})), "{ \"json\": 1 }");
        assert_eq!(
            render(
                "- {{ players | join('\\n- ') }}",
                json!({"players": ["a", "b"]})
            ),
            "- a\n- b"
        );
        // NodeTool's lowercasing is a plain text replace.
        assert_eq!(render("Name {{ Name }}", json!({"name": "x"})), "name x");
    }

    #[test]
    fn broken_templates_say_so() {
        let err = render_format_text("{{ oops ", &Map::new()).unwrap_err();
        assert!(err.starts_with("Template error: "), "{err}");
    }
}
