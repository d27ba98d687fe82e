//! The config file (`.layerscope.toml`, interface.md "The budget file"):
//! budgets for `check`, and user cache rules for the analysis.

mod growth;
mod size;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

/// Kept here for older callers: sizes for people live in [`crate::units`].
pub use crate::units::human;
pub use growth::MaxGrowth;
pub use size::{parse_size, Size};

use crate::error::{Error, Result};

/// The whole file. Unknown keys are errors, so a typo never silently turns
/// a budget off.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[budget]`: the limits `check` applies.
    #[serde(default)]
    pub budget: Budget,
    /// User cache rules: new ones are added; one with a built-in rule's
    /// name replaces it; `enabled = false` disables a rule.
    #[serde(default)]
    pub rules: Vec<RuleConfig>,
    /// `[packages]`: package groups and the package findings' settings.
    #[serde(default)]
    pub packages: PackagesConfig,
}

/// `[packages]` (docs/packages.md).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PackagesConfig {
    /// `[packages.groups]`: group name to globs of package names. A built-in
    /// group's name (`toolchain`, `docs`, `locales`) replaces its globs (an
    /// empty list disables it); other names add groups.
    #[serde(default)]
    pub groups: BTreeMap<String, Vec<String>>,
    /// Live bytes of docs, man pages and locales above which the
    /// `docs-in-image` finding is made (default 1MB).
    pub docs_threshold: Option<Size>,
}

/// `[budget]`: only the keys given are checked.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// Largest image: totals.size_bytes.
    pub max_size: Option<Size>,
    /// Most wasted bytes: totals.wasted_bytes.
    pub max_wasted: Option<Size>,
    /// Most wasted_bytes / content_bytes * 100.
    pub max_wasted_percent: Option<f64>,
    /// Least totals.efficiency (live_bytes / content_bytes, 0 to 1).
    pub min_efficiency: Option<f64>,
    /// Largest single layer (uncompressed).
    pub max_layer_size: Option<Size>,
    /// Most layers.
    pub max_layers: Option<u64>,
    /// The first N layers are the base image: their bytes are not charged.
    pub ignore_base_layers: Option<u64>,
    /// Globs of paths whose bytes are not charged.
    #[serde(default)]
    pub ignore_paths: Vec<String>,
    /// Leave package-manager metadata churn out of the waste budgets.
    pub ignore_churn: Option<bool>,
    /// `[budget.cache]`: per rule name (live + hidden bytes); `"*"` is the
    /// default for every other rule.
    #[serde(default)]
    pub cache: BTreeMap<String, Size>,
    /// With `check --baseline OLD`: how much totals.size_bytes may grow
    /// (`"5%"` of OLD's size, or a size). Without a baseline it is not
    /// checked.
    pub max_growth: Option<MaxGrowth>,
    /// With `check --baseline OLD`: how much totals.wasted_bytes may grow.
    pub max_new_waste: Option<Size>,
    /// With `check --baseline OLD`: most packages the image may have that
    /// OLD lacks (matched by manager and name).
    pub max_new_packages: Option<u64>,
    /// `[budget.packages]`: per package name or glob (`"gcc-*" = 0`), the
    /// most live bytes a matching package may have; `max_toolchain` is the
    /// most live bytes of the toolchain group.
    #[serde(default)]
    pub packages: PackageBudget,
}

/// `[budget.packages]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PackageBudget {
    /// Most live bytes of the packages in the `toolchain` group together.
    pub max_toolchain: Option<Size>,
    /// Most bytes `strip --strip-unneeded` would remove from the live ELF
    /// files (the report's `totals.strippable_bytes`).
    pub max_unstripped: Option<Size>,
    /// Package name or glob → most live bytes of each matching package.
    #[serde(flatten)]
    pub limits: BTreeMap<String, Size>,
}

impl PackageBudget {
    pub fn is_empty(&self) -> bool {
        self.max_toolchain.is_none() && self.max_unstripped.is_none() && self.limits.is_empty()
    }
}

impl Budget {
    /// True when no budget key at all is set.
    pub fn is_empty(&self) -> bool {
        self.max_size.is_none()
            && self.max_wasted.is_none()
            && self.max_wasted_percent.is_none()
            && self.min_efficiency.is_none()
            && self.max_layer_size.is_none()
            && self.max_layers.is_none()
            && self.cache.is_empty()
            && self.packages.is_empty()
    }
}

/// `[[rules]]`: a cache rule, same shape as the built-in ones.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// The rule's name, as `cache[].rule` and `[budget.cache]` spell it.
    pub name: String,
    /// Globs of the paths the rule covers (`/root/.cache/pip/**`).
    #[serde(default)]
    pub paths: Vec<String>,
    /// Globs excluded from the rule.
    #[serde(default)]
    pub except: Vec<String>,
    /// What to do about the bytes, shown with the rule's findings.
    pub remedy: Option<String>,
    /// `false` disables the rule (a built-in one when the name is one).
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// Largest config file read (a config is a few hundred bytes).
const MAX_CONFIG: u64 = 1 << 20;

impl Config {
    pub fn parse(text: &str, file: &str) -> Result<Config> {
        toml::from_str(text)
            .map_err(|e| Error::metadata(file, e.message().to_string() + &location(text, e.span())))
    }

    pub fn load(path: &Path) -> Result<Config> {
        let name = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| Error::io(&name, e))?;
        if meta.len() > MAX_CONFIG {
            return Err(Error::metadata(&name, "config file larger than 1 MiB"));
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(&name, e))?;
        Config::parse(&text, &name)
    }
}

fn location(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    match span {
        Some(r) => {
            let line = text[..r.start.min(text.len())].matches('\n').count() + 1;
            format!(" (line {line})")
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_interface_example() {
        let c = Config::parse(
            r#"
[budget]
max_size = "1.2GB"
max_wasted = "20MB"
max_wasted_percent = 5.0
min_efficiency = 0.95
max_layer_size = "500MB"
max_layers = 40
ignore_base_layers = 1
ignore_paths = ["/usr/share/doc/**"]

[budget.cache]
pip = 0
apt-lists = "0B"
"*" = "5MB"

[[rules]]
name = "bundler"
paths = ["/usr/local/bundle/cache/**"]
remedy = "run `bundle clean --force` in the same RUN"
"#,
            "t.toml",
        )
        .unwrap();
        assert_eq!(c.budget.max_size, Some(Size(1_200_000_000)));
        assert_eq!(c.budget.max_wasted, Some(Size(20_000_000)));
        assert_eq!(c.budget.max_layer_size, Some(Size(500_000_000)));
        assert_eq!(c.budget.max_layers, Some(40));
        assert_eq!(c.budget.ignore_base_layers, Some(1));
        assert_eq!(c.budget.cache["pip"], Size(0));
        assert_eq!(c.budget.cache["apt-lists"], Size(0));
        assert_eq!(c.budget.cache["*"], Size(5_000_000));
        assert_eq!(c.rules[0].name, "bundler");
        assert!(c.rules[0].enabled);
    }

    #[test]
    fn package_budgets_and_groups() {
        let c = Config::parse(
            r#"
[budget.packages]
max_toolchain = "10MB"
max_unstripped = "1kB"
"gcc-*" = 0
"python3*" = "40MB"

[packages]
docs_threshold = "2MB"
[packages.groups]
toolchain = ["gcc*", "!gcc-*-base"]
python = ["python3*"]
"#,
            "t.toml",
        )
        .unwrap();
        let p = &c.budget.packages;
        assert_eq!(p.max_toolchain, Some(Size(10_000_000)));
        assert_eq!(p.max_unstripped, Some(Size(1_000)));
        assert_eq!(p.limits.len(), 2);
        assert_eq!(p.limits["gcc-*"], Size(0));
        assert_eq!(p.limits["python3*"], Size(40_000_000));
        assert!(!c.budget.is_empty());
        assert_eq!(c.packages.docs_threshold, Some(Size(2_000_000)));
        assert_eq!(c.packages.groups["python"], ["python3*"]);
        let e = Config::parse("[packages]\ngroupz = {}\n", "x.toml").unwrap_err();
        assert!(e.to_string().contains("unknown field `groupz`"), "{e}");
    }

    #[test]
    fn typos_are_errors_with_a_line() {
        let e = Config::parse("[budget]\nmax_wastd = \"1MB\"\n", "x.toml").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("x.toml: unknown field `max_wastd`"),
            "{msg}"
        );
        assert!(msg.ends_with("(line 2)"), "{msg}");
    }
}
