//! Configuration as NodeTool has it: the [`Environment`] (built-in defaults, `.env` files,
//! the process environment, `settings.yaml`, in NodeTool's documented order), the
//! [`SettingsRegistry`] every [`register_setting!`](crate::register_setting) declaration joins,
//! and NodeTool's `settings.yaml` / `secrets.yaml` [files].
//!
//! Layers, each importing only those below it: `error` (sources, errors) and `registry` (the
//! declared settings) at the bottom, `files` above them, `environment` on top.

mod builtin;
pub mod environment;
mod error;
pub mod files;
pub mod registry;

pub use environment::{
    ConfigError, Environment, EnvironmentBuilder, Source, StorageKind, DEFAULT_ENV,
};
pub use registry::{SettingDescriptor, SettingStatus, SettingsRegistry};
