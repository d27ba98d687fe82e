//! Cache rules (waste-model.md, "Cache bytes") and package-manager churn.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

use crate::config::RuleConfig;
use crate::error::{Error, Result};

/// (name, paths, except, remedy) of the built-in rules.
const BUILT_IN: &[(&str, &[&str], &[&str], &str)] = &[
    (
        "pip",
        &["/root/.cache/pip/**", "/home/*/.cache/pip/**"],
        &[],
        "use `pip install --no-cache-dir`, or `RUN --mount=type=cache,target=/root/.cache/pip`",
    ),
    (
        "apt-lists",
        &["/var/lib/apt/lists/**"],
        &["/var/lib/apt/lists/lock"],
        "run `apt-get update && apt-get install … && rm -rf /var/lib/apt/lists/*` in one RUN",
    ),
    (
        "apt-archives",
        &["/var/cache/apt/**"],
        &[],
        "run `apt-get clean` in the same RUN as `apt-get install`, or `RUN --mount=type=cache,target=/var/cache/apt`",
    ),
    (
        "apk",
        &["/var/cache/apk/**"],
        &[],
        "use `apk add --no-cache`",
    ),
    (
        "dnf",
        &["/var/cache/dnf/**", "/var/cache/yum/**"],
        &[],
        "run `dnf clean all` (or `yum clean all`) in the same RUN as the install",
    ),
    (
        "npm",
        &["/root/.npm/**", "/home/*/.npm/**"],
        &[],
        "run `npm cache clean --force` in the same RUN, or `RUN --mount=type=cache,target=/root/.npm`",
    ),
    (
        "yarn",
        &[
            "/usr/local/share/.cache/yarn/**",
            "/root/.cache/yarn/**",
            "/home/*/.cache/yarn/**",
            "/root/.yarn/berry/cache/**",
        ],
        &[],
        "run `yarn cache clean` in the same RUN, or mount the cache with `RUN --mount=type=cache`",
    ),
    (
        "conda",
        &["/opt/conda/pkgs/**", "/root/.conda/pkgs/**"],
        &[],
        "run `conda clean -afy` in the same RUN as `conda install`",
    ),
    (
        "go",
        &[
            "/root/.cache/go-build/**",
            "/home/*/.cache/go-build/**",
            "/root/go/pkg/mod/**",
            "/go/pkg/mod/**",
        ],
        &[],
        "build in a separate stage and copy only the binary (multi-stage build), or `RUN --mount=type=cache,target=/root/.cache/go-build`",
    ),
    (
        "cargo",
        &[
            "/usr/local/cargo/registry/**",
            "/usr/local/cargo/git/**",
            "/root/.cargo/registry/**",
            "/root/.cargo/git/**",
            "/home/*/.cargo/registry/**",
        ],
        &[],
        "build in a separate stage and copy only the binary (multi-stage build), or `RUN --mount=type=cache,target=/usr/local/cargo/registry`",
    ),
    (
        "maven",
        &["/root/.m2/repository/**", "/home/*/.m2/repository/**"],
        &[],
        "build in a separate stage (multi-stage build), or `RUN --mount=type=cache,target=/root/.m2`",
    ),
    (
        "gradle",
        &[
            "/root/.gradle/caches/**",
            "/root/.gradle/wrapper/dists/**",
            "/home/*/.gradle/caches/**",
        ],
        &[],
        "build in a separate stage (multi-stage build), or `RUN --mount=type=cache,target=/root/.gradle`",
    ),
    (
        "model-cache",
        &[
            "/root/.cache/huggingface/**",
            "/home/*/.cache/huggingface/**",
            "/root/.cache/torch/**",
            "/home/*/.cache/torch/**",
            "/root/.torch/**",
            "/root/.keras/**",
        ],
        &[],
        "don't bake hub caches into the image: download models at run time into a volume, or COPY them to a fixed path from a build stage",
    ),
    (
        "tmp",
        &["/tmp/**", "/var/tmp/**"],
        &[],
        "remove temporary files in the same RUN that creates them, or use `RUN --mount=type=tmpfs,target=/tmp`",
    ),
    (
        "logs",
        &["/var/log/**"],
        &[],
        "remove or truncate logs in the same RUN that writes them (e.g. `rm -rf /var/log/*.log /var/log/apt`)",
    ),
];

/// Package-manager metadata rewritten by every install: the bytes are real
/// waste when overwritten, but no Dockerfile change avoids them.
const CHURN: &[&str] = &[
    "/var/lib/dpkg/status",
    "/var/lib/dpkg/status-old",
    "/var/lib/dpkg/available",
    "/var/lib/dpkg/available-old",
    "/var/lib/dpkg/info/**",
    "/var/lib/dpkg/triggers/**",
    "/var/lib/dpkg/diversions*",
    "/var/lib/dpkg/statoverride*",
    "/var/cache/debconf/*.dat",
    "/var/cache/debconf/*.dat-old",
    "/etc/ld.so.cache",
    "/var/cache/ldconfig/aux-cache",
    "/var/lib/apt/extended_states",
    "/lib/apk/db/**",
    "/usr/lib/apk/db/**",
    "/etc/apk/world",
    "/var/lib/rpm/**",
    "/usr/lib/sysimage/rpm/**",
    "/var/lib/dnf/**",
    "/var/lib/yum/**",
    "/etc/passwd",
    "/etc/passwd-",
    "/etc/group",
    "/etc/group-",
    "/etc/shadow",
    "/etc/shadow-",
    "/etc/gshadow",
    "/etc/gshadow-",
];

/// One cache rule, compiled.
#[derive(Debug, Clone)]
pub struct CacheRule {
    pub name: String,
    pub paths: Vec<String>,
    pub remedy: String,
    set: GlobSet,
    except: GlobSet,
}

/// The rules in force: user rules first (they win on overlap), then the
/// built-in ones that were not replaced or disabled.
#[derive(Debug, Clone)]
pub struct CacheRules {
    pub rules: Vec<CacheRule>,
    churn: GlobSet,
    /// Literal prefixes of every rule glob / churn glob: a path that starts
    /// with none of them matches nothing, and most paths of an image
    /// (`/usr/lib/…`) are rejected with a few byte compares instead of a
    /// glob match each.
    rule_prefixes: Vec<Vec<u8>>,
    churn_prefixes: Vec<Vec<u8>>,
    /// Package groups and the package findings' settings
    /// (`[packages]`, docs/packages.md).
    pub packages: crate::packages::PackageRules,
}

/// The part of a glob before its first metacharacter.
fn literal_prefix(glob: &str) -> Vec<u8> {
    let end = glob.find(['*', '?', '[', '{', '\\']).unwrap_or(glob.len());
    glob.as_bytes()[..end].to_vec()
}

fn prefixes<'a>(globs: impl IntoIterator<Item = &'a str>) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = globs.into_iter().map(literal_prefix).collect();
    v.sort();
    v.dedup();
    v
}

fn glob(pattern: &str, rule: &str) -> Result<Glob> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|e| {
            Error::metadata(
                "config",
                format!("rule {rule:?}: bad glob {pattern:?}: {e}"),
            )
        })
}

fn set(patterns: &[impl AsRef<str>], rule: &str) -> Result<GlobSet> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(glob(p.as_ref(), rule)?);
    }
    b.build()
        .map_err(|e| Error::metadata("config", format!("rule {rule:?}: {e}")))
}

/// Compile a list of globs (also used for `ignore_paths`).
pub fn glob_set(patterns: &[String], what: &str) -> Result<GlobSet> {
    set(patterns, what)
}

impl CacheRules {
    /// The built-in rules only.
    pub fn builtin() -> CacheRules {
        CacheRules::with_user_rules(&[]).expect("built-in rules compile")
    }

    pub fn with_user_rules(user: &[RuleConfig]) -> Result<CacheRules> {
        let mut rules = Vec::new();
        for u in user.iter().filter(|u| u.enabled) {
            if u.paths.is_empty() {
                return Err(Error::metadata(
                    "config",
                    format!("rule {:?} has no paths", u.name),
                ));
            }
            let builtin = BUILT_IN.iter().find(|b| b.0 == u.name);
            let remedy = u
                .remedy
                .clone()
                .or_else(|| builtin.map(|b| b.3.to_string()))
                .unwrap_or_else(|| "remove these files in the same RUN that creates them".into());
            rules.push(CacheRule {
                name: u.name.clone(),
                paths: u.paths.clone(),
                remedy,
                set: set(&u.paths, &u.name)?,
                except: set(&u.except, &u.name)?,
            });
        }
        for (name, paths, except, remedy) in BUILT_IN {
            if user.iter().any(|u| u.name == *name) {
                continue; // replaced or disabled
            }
            rules.push(CacheRule {
                name: name.to_string(),
                paths: paths.iter().map(|s| s.to_string()).collect(),
                remedy: remedy.to_string(),
                set: set(paths, name)?,
                except: set(except, name)?,
            });
        }
        let rule_prefixes = prefixes(
            rules
                .iter()
                .flat_map(|r| r.paths.iter().map(String::as_str)),
        );
        Ok(CacheRules {
            rules,
            churn: set(CHURN, "churn")?,
            rule_prefixes,
            churn_prefixes: prefixes(CHURN.iter().copied()),
            packages: crate::packages::PackageRules::default(),
        })
    }

    /// The same rules with the package groups and settings of the config's
    /// `[packages]`.
    pub fn with_packages(mut self, cfg: &crate::config::PackagesConfig) -> Result<CacheRules> {
        self.packages = crate::packages::PackageRules::new(&cfg.groups, cfg.docs_threshold)?;
        Ok(self)
    }

    /// The rule an absolute path falls under, if any (first match wins).
    pub fn classify(&self, abs_path: &[u8]) -> Option<usize> {
        if !self
            .rule_prefixes
            .iter()
            .any(|pre| abs_path.starts_with(pre))
        {
            return None;
        }
        let p = Path::new(OsStr::from_bytes(abs_path));
        self.rules
            .iter()
            .position(|r| r.set.is_match(p) && !r.except.is_match(p))
    }

    /// Whether an absolute path is package-manager metadata churn.
    pub fn is_churn(&self, abs_path: &[u8]) -> bool {
        if !self
            .churn_prefixes
            .iter()
            .any(|pre| abs_path.starts_with(pre))
        {
            return false;
        }
        self.churn.is_match(Path::new(OsStr::from_bytes(abs_path)))
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule_of(r: &CacheRules, p: &str) -> Option<String> {
        r.classify(p.as_bytes()).map(|i| r.rules[i].name.clone())
    }

    #[test]
    fn builtin_rules_match_their_paths() {
        let r = CacheRules::builtin();
        assert_eq!(
            rule_of(&r, "/root/.cache/pip/http-v2/a/b/c").as_deref(),
            Some("pip")
        );
        assert_eq!(
            rule_of(&r, "/home/app/.cache/pip/x.whl").as_deref(),
            Some("pip")
        );
        assert_eq!(rule_of(&r, "/home/a/b/.cache/pip/x").as_deref(), None);
        assert_eq!(
            rule_of(
                &r,
                "/var/lib/apt/lists/deb.debian.org_dists_bookworm_Release"
            )
            .as_deref(),
            Some("apt-lists")
        );
        assert_eq!(rule_of(&r, "/var/lib/apt/lists/lock").as_deref(), None);
        assert_eq!(
            rule_of(&r, "/var/lib/apt/lists/partial/x").as_deref(),
            Some("apt-lists")
        );
        assert_eq!(
            rule_of(&r, "/var/cache/apt/archives/x.deb").as_deref(),
            Some("apt-archives")
        );
        assert_eq!(rule_of(&r, "/tmp/x").as_deref(), Some("tmp"));
        assert_eq!(rule_of(&r, "/var/tmp/a/b").as_deref(), Some("tmp"));
        assert_eq!(rule_of(&r, "/var/log/dpkg.log").as_deref(), Some("logs"));
        assert_eq!(
            rule_of(&r, "/root/.cache/huggingface/hub/m").as_deref(),
            Some("model-cache")
        );
        assert_eq!(rule_of(&r, "/tmpfoo").as_deref(), None);
        assert_eq!(rule_of(&r, "/usr/bin/python3").as_deref(), None);
    }

    #[test]
    fn user_rules_add_replace_and_disable() {
        let user = vec![
            RuleConfig {
                name: "bundler".into(),
                paths: vec!["/usr/local/bundle/cache/**".into()],
                except: vec![],
                remedy: Some("bundle clean".into()),
                enabled: true,
            },
            RuleConfig {
                name: "tmp".into(),
                paths: vec![],
                except: vec![],
                remedy: None,
                enabled: false,
            },
            RuleConfig {
                name: "logs".into(),
                paths: vec!["/var/log/app/**".into()],
                except: vec![],
                remedy: None,
                enabled: true,
            },
        ];
        let r = CacheRules::with_user_rules(&user).unwrap();
        assert_eq!(
            rule_of(&r, "/usr/local/bundle/cache/x.gem").as_deref(),
            Some("bundler")
        );
        assert_eq!(rule_of(&r, "/tmp/x"), None);
        assert_eq!(rule_of(&r, "/var/log/app/a").as_deref(), Some("logs"));
        assert_eq!(rule_of(&r, "/var/log/syslog"), None);
        // A replaced rule keeps the built-in remedy when none is given.
        let logs = &r.rules[r.index_of("logs").unwrap()];
        assert!(logs.remedy.starts_with("remove or truncate logs"));
    }

    #[test]
    fn prefixes_stop_at_the_first_metacharacter() {
        assert_eq!(literal_prefix("/root/.cache/pip/**"), b"/root/.cache/pip/");
        assert_eq!(literal_prefix("/home/*/.npm/**"), b"/home/");
        assert_eq!(literal_prefix("/etc/ld.so.cache"), b"/etc/ld.so.cache");
        assert_eq!(
            literal_prefix("/var/lib/dpkg/diversions*"),
            b"/var/lib/dpkg/diversions"
        );
        assert_eq!(literal_prefix("**/cache/**"), b"");
    }

    #[test]
    fn churn_paths() {
        let r = CacheRules::builtin();
        assert!(r.is_churn(b"/var/lib/dpkg/status"));
        assert!(r.is_churn(b"/var/lib/dpkg/info/libc6:amd64.list"));
        assert!(r.is_churn(b"/var/cache/debconf/templates.dat"));
        assert!(r.is_churn(b"/etc/ld.so.cache"));
        assert!(!r.is_churn(b"/var/lib/dpkg/statusx/y"));
        assert!(!r.is_churn(b"/usr/lib/libc.so"));
    }
}
