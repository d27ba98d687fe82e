//! A set of package-name globs, matched the way `globset` matches them,
//! faster for the common kind: a glob of literal text and `*` (every
//! built-in group's) is matched by its literal parts, and only the globs of
//! that kind whose literal prefix starts with the name's first byte are
//! tried. The others (`?`, `[…]`, `{…}`, `\`, `**`) go to `globset`.
//!
//! Why: every package of every snapshot gets a group, and a `GlobSet` of
//! the toolchain group's 60 globs took ~3,500 instructions a name (a third
//! of the packages step on 3,000 packages; docs/performance.md, packages
//! round 8).

use globset::{GlobBuilder, GlobMatcher};

use crate::short_bytes;

/// Globs over package names (`*` matches any text: names hold no `/`).
#[derive(Debug, Clone, Default)]
pub struct NameGlobs {
    /// Star globs with a literal prefix, by its first byte (sorted by it).
    by_first: Vec<(u8, StarGlob)>,
    /// Star globs that start with `*` (or are empty).
    any: Vec<StarGlob>,
    /// Every other glob, as `globset` compiled it.
    other: Vec<GlobMatcher>,
}

/// A glob of literal text and single `*`s: its text split at each `*`.
#[derive(Debug, Clone)]
struct StarGlob {
    parts: Vec<Box<[u8]>>,
}

impl StarGlob {
    /// `Some` when `glob` is literal text and `*`s only (no `**`, which
    /// `globset` reads as a path wildcard).
    fn new(glob: &str) -> Option<StarGlob> {
        let special = |c: char| matches!(c, '?' | '[' | ']' | '{' | '}' | '\\');
        if glob.contains(special) || glob.contains("**") {
            return None;
        }
        Some(StarGlob {
            parts: glob.split('*').map(|p| p.as_bytes().into()).collect(),
        })
    }

    fn first_byte(&self) -> Option<u8> {
        self.parts[0].first().copied()
    }

    /// The name is the first part, then the middle parts in order, then
    /// the last part, with anything between them. Taking each middle part
    /// at its leftmost place leaves the most room for the rest, so that
    /// place is the one to try.
    fn matches(&self, name: &[u8]) -> bool {
        let (first, rest) = self.parts.split_first().expect("split gives a part");
        let Some((last, middle)) = rest.split_last() else {
            return short_bytes::eq(name, first);
        };
        if name.len() < first.len() + last.len()
            || !short_bytes::starts_with(name, first)
            || !short_bytes::ends_with(name, last)
        {
            return false;
        }
        let mut between = &name[first.len()..name.len() - last.len()];
        for part in middle {
            match memchr::memmem::find(between, part) {
                Some(at) => between = &between[at + part.len()..],
                None => return false,
            }
        }
        true
    }
}

impl NameGlobs {
    /// Compile `globs`; the error is `globset`'s, with the glob it names.
    pub fn new<'g>(
        globs: impl IntoIterator<Item = &'g str>,
    ) -> Result<NameGlobs, (&'g str, globset::Error)> {
        let mut out = NameGlobs::default();
        for g in globs {
            // Every glob is compiled: a bad one is refused the same way
            // whichever way it is matched.
            let compiled = GlobBuilder::new(g).build().map_err(|e| (g, e))?;
            match StarGlob::new(g) {
                Some(s) => match s.first_byte() {
                    Some(b) => out.by_first.push((b, s)),
                    None => out.any.push(s),
                },
                None => out.other.push(compiled.compile_matcher()),
            }
        }
        out.by_first.sort_by_key(|(b, _)| *b);
        Ok(out)
    }

    /// Whether any glob matches `name`.
    pub fn is_match(&self, name: &str) -> bool {
        let bytes = name.as_bytes();
        let first = bytes.first().copied();
        let from = self.by_first.partition_point(|(b, _)| Some(*b) < first);
        self.by_first[from..]
            .iter()
            .take_while(|(b, _)| Some(*b) == first)
            .any(|(_, s)| s.matches(bytes))
            || self.any.iter().any(|s| s.matches(bytes))
            || self.other.iter().any(|m| m.is_match(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use globset::GlobSetBuilder;

    /// The oracle: `globset`'s own set of the same globs.
    fn globset(globs: &[&str]) -> globset::GlobSet {
        let mut b = GlobSetBuilder::new();
        for g in globs {
            b.add(GlobBuilder::new(g).build().unwrap());
        }
        b.build().unwrap()
    }

    const NAMES: &[&str] = &[
        "",
        "a",
        "gcc",
        "gcc-12",
        "gcc-12-base",
        "g++",
        "g++-12",
        "libgcc-12-dev",
        "libgcc-s1",
        "libstdc++-12-dev",
        "libc6-dev",
        "libc6",
        "linux-libc-dev",
        "dev",
        "-dev",
        "x-dev-dev",
        "python3-dev",
        "python3.11-dev",
        "man-db",
        "manpages-dev",
        "manpages",
        "locales-all",
        "firefox-l10n-de",
        "firefox-l10n",
        "l10n",
        "glibc-langpack-en",
        "glibc-all-langpacks",
        "kernel-headers",
        "libisl23",
        "libctf-nobfd0",
        "aab",
        "ab",
        "abab",
        "abcab",
        "a*b",
        "a?b",
        "ünïcödé-dev",
        "pkg1234",
    ];

    #[test]
    fn matches_as_globset_does() {
        let mut sets: Vec<Vec<&str>> = crate::packages::BUILTIN_GROUPS
            .iter()
            .map(|(_, g)| g.iter().map(|g| g.trim_start_matches('!')).collect())
            .collect();
        // Edge cases of the star matcher, and globs it leaves to globset.
        sets.push(vec!["a*b", "*ab*", "a*a*b", "*", "", "ab*ab", "a**b"]);
        sets.push(vec!["a?b", "lib[cs]*", "{gcc,cpp}-*", "a\\*b", "*-dev"]);
        for globs in &sets {
            let ours = NameGlobs::new(globs.iter().copied()).unwrap();
            let theirs = globset(globs);
            for g in globs {
                let one = NameGlobs::new([*g]).unwrap();
                let oracle = globset(&[g]);
                for name in NAMES {
                    assert_eq!(
                        one.is_match(name),
                        oracle.is_match(name),
                        "{g:?} on {name:?}"
                    );
                }
            }
            for name in NAMES {
                assert_eq!(
                    ours.is_match(name),
                    theirs.is_match(name),
                    "{globs:?} on {name:?}"
                );
            }
        }
    }

    #[test]
    fn star_globs_skip_globset_and_bad_ones_are_refused() {
        let g = NameGlobs::new(["gcc-*", "*-dev", "libgcc-*-dev", "a?b"]).unwrap();
        assert_eq!((g.by_first.len(), g.any.len(), g.other.len()), (2, 1, 1));
        assert!(g.is_match("libgcc-12-dev") && g.is_match("axb") && !g.is_match("libgcc-12"));
        let (bad, e) = NameGlobs::new(["ok-*", "["]).unwrap_err();
        assert_eq!(bad, "[");
        assert!(e.to_string().contains("unclosed character class"), "{e}");
    }
}
