//! Path normalisation (waste-model.md, "Entries and bytes").

use std::borrow::Cow;

/// Normalise a tar path: strip leading `./` and `/`, collapse `//`, drop `.`
/// components and a trailing `/`. `..` is kept as an ordinary name and never
/// resolved (it is flagged as a finding by the analysis).
pub fn normalize(raw: &[u8]) -> Cow<'_, [u8]> {
    if is_normal(raw) {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    for comp in raw.split(|&b| b == b'/') {
        if comp.is_empty() || comp == b"." {
            continue;
        }
        if !out.is_empty() {
            out.push(b'/');
        }
        out.extend_from_slice(comp);
    }
    Cow::Owned(out)
}

fn is_normal(raw: &[u8]) -> bool {
    raw.split(|&b| b == b'/')
        .all(|c| !c.is_empty() && c != b".")
        || raw.is_empty()
}

/// The absolute display form of a normalised path: `/` + path, non-UTF-8
/// bytes replaced (for display only; identity is always the raw bytes).
pub fn display_path(path: &[u8]) -> String {
    let mut s = String::with_capacity(path.len() + 1);
    s.push('/');
    s.push_str(&String::from_utf8_lossy(path));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        String::from_utf8(normalize(s.as_bytes()).into_owned()).unwrap()
    }

    #[test]
    fn normalises_prefixes_and_slashes() {
        assert_eq!(n("./usr/bin/"), "usr/bin");
        assert_eq!(n("/etc//passwd"), "etc/passwd");
        assert_eq!(n("./"), "");
        assert_eq!(n("."), "");
        assert_eq!(n("a/./b"), "a/b");
        assert_eq!(n("usr/lib"), "usr/lib");
        assert_eq!(n(""), "");
    }

    #[test]
    fn keeps_dotdot_as_a_name() {
        assert_eq!(n("../etc/passwd"), "../etc/passwd");
        assert_eq!(n("a/../b"), "a/../b");
    }

    #[test]
    fn keeps_non_utf8_bytes() {
        assert_eq!(normalize(b"./caf\xe9/").as_ref(), b"caf\xe9");
    }

    #[test]
    fn display_is_absolute() {
        assert_eq!(display_path(b"usr/bin"), "/usr/bin");
        assert_eq!(display_path(b""), "/");
    }
}
