//! The bottom layer of `workflows`: why a node did not complete ([`NodeError`]). The node,
//! I/O and runner modules import it; it imports none of them.

use crate::metadata::ValueError;

/// Any error a node's own code returns.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why a node did not complete.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// A value on an input could not be converted to the input's type.
    #[error("input `{handle}`: {source}")]
    InvalidInput {
        /// The input handle.
        handle: String,
        /// What was wrong with the value.
        source: ValueError,
    },
    /// A required input had neither a value nor an edge that delivered one.
    #[error("required input `{handle}` has no value")]
    MissingInput {
        /// The input handle.
        handle: String,
    },
    /// A control event overrides a property the node does not have, or with a value that
    /// does not fit it.
    #[error("control event: property `{property}`: {reason}")]
    ControlProperty {
        /// The property the event names.
        property: String,
        /// What is wrong.
        reason: String,
    },
    /// Something that is not a control event arrived on a control edge.
    #[error("malformed control event: {0}")]
    MalformedControlEvent(String),
    /// The node's own code failed.
    #[error("{0}")]
    Failed(BoxError),
    /// The run was cancelled.
    #[error("cancelled")]
    Cancelled,
}

impl NodeError {
    /// Wraps an error returned by a node's own code (a [`NodeError`] that travelled through
    /// the node's `?` comes back out as itself).
    pub fn failed(error: impl Into<BoxError>) -> Self {
        match error.into().downcast::<NodeError>() {
            Ok(inner) => *inner,
            Err(other) => NodeError::Failed(other),
        }
    }
}
