//! Control events: what a controller node sends along control edges to run the nodes it
//! controls, as NodeTool's `nodetool.workflows.control_events` has them.
//!
//! A control edge (`edge_type: "control"`, target handle `__control__`) makes its target a
//! *controlled* node: it runs once per round of [`ControlEvent::Run`]s — the next event of
//! each of its controllers, merged in control-edge order (one controller: once per event) —
//! with the events' properties applied for that execution only and restored afterwards.
//!
//! ```
//! use nodetool::workflows::ControlEvent;
//! use serde_json::json;
//!
//! let event = ControlEvent::run([("threshold", json!(0.8))]);
//! assert_eq!(event.to_value(), json!({"event_type": "run", "properties": {"threshold": 0.8}}));
//! assert_eq!(ControlEvent::stop().to_value(), json!({"event_type": "stop"}));
//! ```

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The handle every control edge goes into (controllers' edges conventionally leave from a
/// handle of the same name).
pub const CONTROL_HANDLE: &str = "__control__";

/// NodeTool's legacy controller output: a plain object of properties, sent as a run event.
pub const LEGACY_CONTROL_OUTPUT: &str = "__control_output__";

/// An event a controller sends to the nodes it controls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event_type", rename_all = "snake_case")]
pub enum ControlEvent {
    /// Run the controlled node once, with `properties` overriding its own for that run.
    Run {
        /// Property name → value, applied for this execution only.
        #[serde(default)]
        properties: Map<String, Value>,
    },
    /// Stop the controlled node: it runs no more events and finishes.
    Stop,
}

impl ControlEvent {
    /// A run event with the given property overrides.
    pub fn run<K: Into<String>>(properties: impl IntoIterator<Item = (K, Value)>) -> Self {
        ControlEvent::Run {
            properties: properties.into_iter().map(|(k, v)| (k.into(), v)).collect(),
        }
    }

    /// A stop event.
    pub fn stop() -> Self {
        ControlEvent::Stop
    }

    /// The event as NodeTool's JSON.
    pub fn to_value(&self) -> Value {
        match self {
            ControlEvent::Run { properties } => serde_json::json!({
                "event_type": "run",
                "properties": properties,
            }),
            ControlEvent::Stop => serde_json::json!({"event_type": "stop"}),
        }
    }
}

/// What arrived on a control handle.
#[derive(Debug, PartialEq)]
pub(crate) enum Received {
    /// A run or stop event.
    Event(ControlEvent),
    /// An event of a type this version does not know (ignored, as NodeTool does).
    Unknown(String),
}

/// Reads a control handle's item: an event object, or a legacy plain object of properties
/// (a run event). Anything else is an error saying what arrived.
pub(crate) fn parse_received(value: Value) -> Result<Received, String> {
    let Value::Object(mut object) = value else {
        return Err(format!(
            "expected a control event object, got {}",
            kind_of(&value)
        ));
    };
    match object.get("event_type") {
        None => Ok(Received::Event(ControlEvent::Run { properties: object })),
        Some(Value::String(kind)) if kind == "run" => match object.remove("properties") {
            None | Some(Value::Null) => Ok(Received::Event(ControlEvent::Run {
                properties: Map::new(),
            })),
            Some(Value::Object(properties)) => {
                Ok(Received::Event(ControlEvent::Run { properties }))
            }
            Some(other) => Err(format!(
                "a run event's `properties` must be an object, got {}",
                kind_of(&other)
            )),
        },
        Some(Value::String(kind)) if kind == "stop" => Ok(Received::Event(ControlEvent::Stop)),
        Some(Value::String(kind)) => Ok(Received::Unknown(kind.clone())),
        Some(other) => Err(format!(
            "a control event's `event_type` must be a string, got {}",
            kind_of(other)
        )),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Overrides merged in control-edge order: a later controller's value for a property wins.
pub(crate) fn merge_overrides(events: Vec<Map<String, Value>>) -> Map<String, Value> {
    events.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_round_trip_through_nodetool_json() {
        for event in [
            ControlEvent::run([("a", json!(1))]),
            ControlEvent::run(Vec::<(String, Value)>::new()),
            ControlEvent::stop(),
        ] {
            let back: ControlEvent = serde_json::from_value(event.to_value()).unwrap();
            assert_eq!(back, event);
            assert_eq!(
                parse_received(event.to_value()).unwrap(),
                Received::Event(event)
            );
        }
    }

    #[test]
    fn legacy_objects_are_run_events_and_unknown_kinds_are_kept_aside() {
        assert_eq!(
            parse_received(json!({"threshold": 0.7})).unwrap(),
            Received::Event(ControlEvent::run([("threshold", json!(0.7))]))
        );
        assert_eq!(
            parse_received(json!({"event_type": "pause"})).unwrap(),
            Received::Unknown("pause".into())
        );
        assert_eq!(
            parse_received(json!({"event_type": "run"})).unwrap(),
            Received::Event(ControlEvent::run(Vec::<(String, Value)>::new()))
        );
    }

    #[test]
    fn malformed_items_say_what_arrived() {
        let err = parse_received(json!(3)).unwrap_err();
        assert!(err.contains("got a number"), "{err}");
        let err = parse_received(json!({"event_type": "run", "properties": [1]})).unwrap_err();
        assert!(
            err.contains("`properties` must be an object, got a list"),
            "{err}"
        );
        let err = parse_received(json!({"event_type": 1})).unwrap_err();
        assert!(err.contains("must be a string"), "{err}");
    }

    #[test]
    fn later_controllers_override_earlier_ones() {
        let a = json!({"x": 1, "y": 1});
        let b = json!({"y": 2});
        let merged = merge_overrides(vec![
            a.as_object().unwrap().clone(),
            b.as_object().unwrap().clone(),
        ]);
        assert_eq!(Value::Object(merged), json!({"x": 1, "y": 2}));
    }
}
