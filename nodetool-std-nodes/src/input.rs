//! `nodetool.input`: a workflow's parameters. Each input node's `value` is set from the run
//! parameter named by its `name`.

use nodetool::prelude::*;

/// A text parameter of the workflow.
/// input, parameter, string, text
#[node(namespace = "nodetool.input", role = "input")]
pub struct StringInput {
    /// The parameter name for the workflow.
    #[input(default = "")]
    pub name: String,
    /// The value.
    #[input(default = "")]
    pub value: String,
    /// What the parameter is for.
    #[input(default = "")]
    pub description: String,
    /// The longest value kept (0: no limit).
    #[input(default = 0, min = 0, max = 100000, title = "Max length")]
    pub max_length: i64,
    /// `single_line` or `multiline` (a UI hint).
    #[input(default = "single_line", title = "Line mode")]
    pub line_mode: String,
}

#[node]
impl StringInput {
    async fn process(&self, _ctx: &ProcessingContext) -> Result<String> {
        let limit = usize::try_from(self.max_length).unwrap_or(0);
        Ok(match self.value.char_indices().nth(limit) {
            Some((cut, _)) if limit > 0 => self.value[..cut].to_owned(),
            _ => self.value.clone(),
        })
    }
}

/// An integer parameter of the workflow.
/// input, parameter, integer, number
#[node(namespace = "nodetool.input", role = "input")]
pub struct IntegerInput {
    /// The parameter name for the workflow.
    #[input(default = "")]
    pub name: String,
    /// The value.
    #[input(default = 0)]
    pub value: i64,
    /// What the parameter is for.
    #[input(default = "")]
    pub description: String,
    /// The smallest value a UI offers.
    #[input(default = 0)]
    pub min: i64,
    /// The largest value a UI offers.
    #[input(default = 100)]
    pub max: i64,
}

#[node]
impl IntegerInput {
    async fn process(&self, _ctx: &ProcessingContext) -> Result<i64> {
        Ok(self.value)
    }
}

/// A float parameter of the workflow.
/// input, parameter, float, number
#[node(namespace = "nodetool.input", role = "input")]
pub struct FloatInput {
    /// The parameter name for the workflow.
    #[input(default = "")]
    pub name: String,
    /// The value.
    #[input(default = 0.0)]
    pub value: f64,
    /// What the parameter is for.
    #[input(default = "")]
    pub description: String,
    /// The smallest value a UI offers.
    #[input(default = 0.0)]
    pub min: f64,
    /// The largest value a UI offers.
    #[input(default = 100.0)]
    pub max: f64,
}

#[node]
impl FloatInput {
    async fn process(&self, _ctx: &ProcessingContext) -> Result<f64> {
        Ok(self.value)
    }
}

/// A boolean parameter of the workflow.
/// input, parameter, boolean
#[node(namespace = "nodetool.input", role = "input")]
pub struct BooleanInput {
    /// The parameter name for the workflow.
    #[input(default = "")]
    pub name: String,
    /// The value.
    #[input(default = false)]
    pub value: bool,
    /// What the parameter is for.
    #[input(default = "")]
    pub description: String,
}

#[node]
impl BooleanInput {
    async fn process(&self, _ctx: &ProcessingContext) -> Result<bool> {
        Ok(self.value)
    }
}
