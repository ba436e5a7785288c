//! `nodetool.constant`: nodes that output the value they hold.

use nodetool::prelude::*;
use serde_json::{Map, Value};

/// Outputs a constant string.
/// text, string, constant
#[node(namespace = "nodetool.constant")]
pub struct String {
    /// The value.
    #[input(default = "")]
    pub value: std::string::String,
}

#[node]
impl String {
    async fn process(&self, _ctx: &ProcessingContext) -> Result<std::string::String> {
        Ok(self.value.clone())
    }
}

/// Outputs a constant integer.
/// integer, number, constant
#[node(namespace = "nodetool.constant")]
pub struct Integer {
    /// The value.
    #[input(default = 0)]
    pub value: i64,
}

#[node]
impl Integer {
    async fn process(&self, _ctx: &ProcessingContext) -> Result<i64> {
        Ok(self.value)
    }
}

/// Outputs a constant float.
/// float, number, constant
#[node(namespace = "nodetool.constant")]
pub struct Float {
    /// The value.
    #[input(default = 0.0)]
    pub value: f64,
}

#[node]
impl Float {
    async fn process(&self, _ctx: &ProcessingContext) -> Result<f64> {
        Ok(self.value)
    }
}

/// Outputs a constant boolean.
/// boolean, constant
#[node(namespace = "nodetool.constant", expose_as_tool)]
pub struct Bool {
    /// The value.
    #[input(default = false)]
    pub value: bool,
}

#[node]
impl Bool {
    async fn process(&self, _ctx: &ProcessingContext) -> Result<bool> {
        Ok(self.value)
    }
}

/// Outputs a constant list.
/// list, array, constant
#[node(namespace = "nodetool.constant")]
pub struct List {
    /// The value.
    #[input(default)]
    pub value: Vec<Value>,
}

#[node]
impl List {
    async fn process(&self, _ctx: &ProcessingContext) -> Result<Vec<Value>> {
        Ok(self.value.clone())
    }
}

/// Outputs a constant dictionary.
/// dict, object, constant
#[node(namespace = "nodetool.constant", expose_as_tool)]
pub struct Dict {
    /// The value.
    #[input(default)]
    pub value: Map<std::string::String, Value>,
}

#[node]
impl Dict {
    async fn process(&self, _ctx: &ProcessingContext) -> Result<Map<std::string::String, Value>> {
        Ok(self.value.clone())
    }
}
