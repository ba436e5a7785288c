//! Configuration as NodeTool has it: the [`Environment`] (built-in defaults, `.env` files,
//! the process environment, `settings.yaml`, in NodeTool's documented order), the
//! [`SettingsRegistry`] every [`register_setting!`](crate::register_setting) declaration joins,
//! and NodeTool's `settings.yaml` / `secrets.yaml` [files](files).

mod builtin;
pub mod environment;
pub mod files;
pub mod registry;

pub use environment::{
    ConfigError, Environment, EnvironmentBuilder, Source, StorageKind, DEFAULT_ENV,
};
pub use registry::{SettingDescriptor, SettingStatus, SettingsRegistry};
