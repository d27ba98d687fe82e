//! Package groups (toolchain, docs, locales, and the user's own), matched
//! on package names; defaults overridable in `.layerscope.toml`
//! (`[packages.groups]`). A glob starting with `!` excludes names.

use std::collections::BTreeMap;

use crate::config::Size;
use crate::error::{Error, Result};

use super::name_glob::NameGlobs;

/// The built-in groups, in matching order (the first match wins).
pub const BUILTIN_GROUPS: &[(&str, &[&str])] = &[
    (
        "toolchain",
        &[
            "gcc",
            "gcc-*",
            "g++",
            "g++-*",
            "cpp",
            "cpp-*",
            "clang",
            "clang-*",
            "llvm",
            "llvm-*",
            "lld",
            "lld-*",
            "binutils",
            "binutils-*",
            "libbinutils",
            "libctf*",
            "libgprofng*",
            "libsframe*",
            "make",
            "cmake",
            "cmake-data",
            "ninja-build",
            "build-essential",
            "dpkg-dev",
            "autoconf",
            "automake",
            "libtool",
            "pkg-config",
            "pkgconf",
            "rustc",
            "cargo",
            "golang",
            "golang-*",
            "libgcc-*-dev",
            "libstdc++-*-dev",
            "libc-dev-bin",
            "linux-libc-dev",
            "kernel-headers",
            "glibc-headers",
            "libcc1-*",
            "libisl*",
            "libmpc*",
            "libmpfr*",
            "libasan*",
            "liblsan*",
            "libtsan*",
            "libubsan*",
            "libhwasan*",
            "libitm*",
            "libquadmath*",
            "*-dev",
            "*-devel",
            "!gcc-*-base",
            "!cpp-*-base",
        ],
    ),
    (
        "docs",
        &[
            "*-doc",
            "*-docs",
            "man-db",
            "manpages",
            "manpages-*",
            "info",
            "install-info",
            "groff-base",
            "man-pages",
            "man-pages-*",
        ],
    ),
    (
        "locales",
        &[
            "locales",
            "locales-all",
            "*-l10n",
            "*-l10n-*",
            "language-pack-*",
            "glibc-locale*",
            "glibc-langpack-*",
            "glibc-all-langpacks",
            "langpacks-*",
        ],
    ),
];

/// Default threshold of the docs/man/locales finding (bytes).
pub const DOCS_THRESHOLD: u64 = 1_000_000;

/// The groups in force and the package findings' settings.
#[derive(Debug, Clone)]
pub struct PackageRules {
    /// (name, globs, compiled globs, compiled `!` exclusions), in matching
    /// order.
    pub groups: Vec<(String, Vec<String>, NameGlobs, NameGlobs)>,
    /// Live bytes of docs, man pages and locales above which a finding is
    /// made.
    pub docs_threshold: u64,
    /// Leave the packages step out (no database is read: no packages, no
    /// package figures). Only for measuring what the step costs
    /// (`bench/phases.rs`: the analysis with packages against without).
    #[doc(hidden)]
    pub skip: bool,
}

impl Default for PackageRules {
    fn default() -> Self {
        PackageRules::new(&BTreeMap::new(), None).expect("built-in groups compile")
    }
}

/// The globs of a group (`!GLOB` excludes) as (include, exclude) sets.
fn compile(name: &str, globs: &[String]) -> Result<(NameGlobs, NameGlobs)> {
    let set = |exclude: bool| {
        NameGlobs::new(
            globs
                .iter()
                .filter(|g| g.starts_with('!') == exclude)
                .map(|g| g.strip_prefix('!').unwrap_or(g)),
        )
        .map_err(|(g, e)| {
            Error::metadata(
                "config",
                format!("packages group {name:?}: bad glob {g:?}: {e}"),
            )
        })
    };
    Ok((set(false)?, set(true)?))
}

impl PackageRules {
    /// The built-in groups, each replaced by a user group of the same name
    /// (an empty list disables it); other user groups come after them.
    pub fn new(
        user: &BTreeMap<String, Vec<String>>,
        docs_threshold: Option<Size>,
    ) -> Result<PackageRules> {
        let mut groups = Vec::new();
        for (name, globs) in BUILTIN_GROUPS {
            let globs: Vec<String> = match user.get(*name) {
                Some(u) => u.clone(),
                None => globs.iter().map(|g| g.to_string()).collect(),
            };
            let (inc, exc) = compile(name, &globs)?;
            groups.push((name.to_string(), globs, inc, exc));
        }
        for (name, globs) in user {
            if BUILTIN_GROUPS.iter().any(|b| b.0 == name) {
                continue;
            }
            let (inc, exc) = compile(name, globs)?;
            groups.push((name.clone(), globs.clone(), inc, exc));
        }
        Ok(PackageRules {
            groups,
            docs_threshold: docs_threshold.map_or(DOCS_THRESHOLD, |s| s.0),
            skip: false,
        })
    }

    /// The first group whose globs match a package name.
    pub fn group_of(&self, name: &str) -> Option<&str> {
        self.groups
            .iter()
            .find(|(_, _, inc, exc)| inc.is_match(name) && !exc.is_match(name))
            .map(|(n, _, _, _)| n.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_groups_and_overrides() {
        let r = PackageRules::default();
        assert_eq!(r.group_of("gcc-12"), Some("toolchain"));
        assert_eq!(r.group_of("libc6-dev"), Some("toolchain"));
        assert_eq!(r.group_of("binutils-x86-64-linux-gnu"), Some("toolchain"));
        assert_eq!(r.group_of("manpages"), Some("docs"));
        assert_eq!(r.group_of("locales"), Some("locales"));
        assert_eq!(r.group_of("libc6"), None);
        // Fedora/RHEL names.
        assert_eq!(r.group_of("gcc-c++"), Some("toolchain"));
        assert_eq!(r.group_of("glibc-devel"), Some("toolchain"));
        assert_eq!(r.group_of("kernel-headers"), Some("toolchain"));
        assert_eq!(r.group_of("man-pages"), Some("docs"));
        assert_eq!(r.group_of("glibc-langpack-en"), Some("locales"));
        assert_eq!(r.group_of("glibc-all-langpacks"), Some("locales"));
        assert_eq!(r.group_of("glibc"), None);
        assert_eq!(
            r.group_of("gcc-12-base"),
            None,
            "a run-time package, excluded"
        );
        let mut user = BTreeMap::new();
        user.insert("toolchain".to_string(), vec![]);
        user.insert("python".to_string(), vec!["python3*".to_string()]);
        let r = PackageRules::new(&user, Some(Size(5))).unwrap();
        assert_eq!(r.group_of("gcc-12"), None);
        assert_eq!(r.group_of("python3.11-minimal"), Some("python"));
        assert_eq!(r.docs_threshold, 5);
        user.insert("bad".to_string(), vec!["[".to_string()]);
        let e = PackageRules::new(&user, None).unwrap_err().to_string();
        assert!(e.contains("packages group \"bad\": bad glob"), "{e}");
    }
}
