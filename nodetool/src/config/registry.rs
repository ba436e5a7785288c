//! [`SettingsRegistry`]: every setting declared with [`register_setting!`](crate::register_setting),
//! collected at link time.

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// One declared setting (what `register_setting!` submits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingDescriptor {
    /// The package that declares it (`nodetool` for the built-ins).
    pub package: &'static str,
    /// The environment variable (and `settings.yaml` key) that holds it.
    pub env_var: &'static str,
    /// The group it is listed under.
    pub group: &'static str,
    /// What it is for.
    pub description: &'static str,
    /// Whether its value is a secret: never shown, resolved from the environment first.
    pub is_secret: bool,
    /// The values it may take, when it is an enumeration (empty otherwise).
    pub choices: &'static [&'static str],
}

inventory::collect!(SettingDescriptor);

/// A setting and whether the environment gives it a value (the value itself is not kept:
/// listings never show secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingStatus {
    /// The setting.
    pub descriptor: &'static SettingDescriptor,
    /// Whether some layer of the environment gives it a non-empty value.
    pub configured: bool,
}

/// Every declared setting, by environment variable.
///
/// ```
/// use nodetool::config::SettingsRegistry;
/// let registry = SettingsRegistry::global();
/// let key = registry.get("OPENAI_API_KEY").unwrap();
/// assert!(key.is_secret);
/// assert!(registry.duplicates().is_empty());
/// ```
#[derive(Debug, Default)]
pub struct SettingsRegistry {
    by_var: BTreeMap<&'static str, &'static SettingDescriptor>,
    duplicates: Vec<(&'static SettingDescriptor, &'static SettingDescriptor)>,
}

impl SettingsRegistry {
    /// The registry of every `register_setting!` linked into this program.
    pub fn global() -> &'static SettingsRegistry {
        static GLOBAL: OnceLock<SettingsRegistry> = OnceLock::new();
        GLOBAL.get_or_init(|| Self::from_descriptors(inventory::iter::<SettingDescriptor>))
    }

    /// A registry of `descriptors`; a second declaration of a variable is kept aside in
    /// [`Self::duplicates`] (the first one wins).
    pub fn from_descriptors(
        descriptors: impl IntoIterator<Item = &'static SettingDescriptor>,
    ) -> Self {
        let mut registry = Self::default();
        for d in descriptors {
            match registry.by_var.get(d.env_var) {
                Some(first) => registry.duplicates.push((first, d)),
                None => {
                    registry.by_var.insert(d.env_var, d);
                }
            }
        }
        registry
    }

    /// The setting held by `env_var`.
    pub fn get(&self, env_var: &str) -> Option<&'static SettingDescriptor> {
        self.by_var.get(env_var).copied()
    }

    /// Whether `env_var` is a declared secret.
    pub fn is_secret(&self, env_var: &str) -> bool {
        self.get(env_var).is_some_and(|d| d.is_secret)
    }

    /// Every setting, by environment variable.
    pub fn iter(&self) -> impl Iterator<Item = &'static SettingDescriptor> + '_ {
        self.by_var.values().copied()
    }

    /// Variables declared twice: (the declaration kept, the one ignored).
    pub fn duplicates(&self) -> &[(&'static SettingDescriptor, &'static SettingDescriptor)] {
        &self.duplicates
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static A: SettingDescriptor = SettingDescriptor {
        package: "a",
        env_var: "X_KEY",
        group: "G",
        description: "first",
        is_secret: true,
        choices: &[],
    };
    static B: SettingDescriptor = SettingDescriptor {
        package: "b",
        env_var: "X_KEY",
        group: "G",
        description: "second",
        is_secret: false,
        choices: &[],
    };

    #[test]
    fn a_second_declaration_is_reported_and_the_first_kept() {
        let registry = SettingsRegistry::from_descriptors([&A, &B]);
        assert_eq!(registry.get("X_KEY").map(|d| d.package), Some("a"));
        assert_eq!(registry.duplicates().len(), 1);
        assert_eq!(registry.duplicates()[0].1.package, "b");
    }

    #[test]
    fn the_builtins_have_no_duplicates_and_cover_every_group() {
        let registry = SettingsRegistry::global();
        assert!(
            registry.duplicates().is_empty(),
            "{:?}",
            registry.duplicates()
        );
        for (var, group) in [
            ("OPENAI_API_KEY", "OpenAI"),
            ("POSTGRES_HOST", "Database"),
            ("S3_ENDPOINT_URL", "Storage"),
            ("CHROMA_URL", "Vector Database"),
            ("FONT_PATH", "Folders"),
            ("WORKER_AUTH_TOKEN", "Deployment"),
            ("LOG_LEVEL", "Logging"),
        ] {
            assert_eq!(registry.get(var).map(|d| d.group), Some(group), "{var}");
        }
    }
}
