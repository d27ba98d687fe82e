//! Image references as Docker reads them: `python` is
//! `docker.io/library/python:latest` (distribution/reference's grammar and
//! `ParseNormalizedNamed`; `../shared/notes/image-sources.md`, "Docker Hub
//! names").
//!
//! Why not `oci_spec::distribution::Reference`, which does the same: it
//! compiles a large regular expression on first use, 0.1-0.3 s of start-up
//! on every `layerscope NAME` (measured here: 284 ms on a loaded machine),
//! longer than analysing a small image. This parser walks the grammar by
//! hand; the tests check it against oci-spec's on a corpus of valid and
//! invalid references, so the two cannot drift apart unseen.

use std::fmt;

use layerscope_core::Digest;

/// The registry of names without one.
const DOCKER_HUB: &str = "docker.io";

/// A normalised image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    registry: String,
    repository: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl ImageRef {
    /// Parse and normalise `s`. A reference with neither tag nor digest
    /// gets the tag `latest`.
    pub fn parse(s: &str) -> Result<ImageRef, String> {
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => {
                let parsed: Digest = d.parse().map_err(|e| format!("invalid digest: {e}"))?;
                (r, Some(parsed.to_string()))
            }
            None => (s, None),
        };
        // The tag follows the last ':' after the last '/' (a port's ':'
        // comes before a '/').
        let slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[slash..].rfind(':') {
            Some(i) => (&rest[..slash + i], Some(&rest[slash + i + 1..])),
            None => (rest, None),
        };
        if let Some(t) = tag {
            if !valid_tag(t) {
                return Err(format!("invalid tag {t:?}"));
            }
        }
        if name.is_empty() {
            return Err("invalid reference format: no name".into());
        }
        if name.len() > 255 {
            return Err("repository name must not be more than 255 characters".into());
        }
        let (registry, remote) = split_domain(name);
        if let Some(domain) = registry {
            if !valid_domain(domain) {
                return Err(format!("invalid registry {domain:?}"));
            }
        }
        // The grammar reads the first of several components as a possible
        // domain (uppercase allowed) even when it is not taken as one.
        let mut comps = remote.split('/');
        let first = comps.next().unwrap_or_default();
        let first_ok = valid_path_component(first)
            || (registry.is_none() && remote.contains('/') && valid_domain_component(first));
        if !first_ok || !comps.all(valid_path_component) {
            return Err("invalid reference format (repository names are lowercase)".into());
        }
        let registry = match registry {
            None | Some("index.docker.io") => DOCKER_HUB,
            Some(d) => d,
        };
        let repository = if registry == DOCKER_HUB && !remote.contains('/') {
            format!("library/{remote}")
        } else {
            remote.to_string()
        };
        let tag = match (tag, &digest) {
            (Some(t), _) => Some(t.to_string()),
            (None, None) => Some("latest".to_string()),
            (None, Some(_)) => None,
        };
        Ok(ImageRef {
            registry: registry.to_string(),
            repository,
            tag,
            digest,
        })
    }

    /// `docker.io`, `ghcr.io`, `127.0.0.1:5000`.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// `library/python`.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    /// The whole normalised reference,
    /// `docker.io/library/python:3.12@sha256:…`.
    pub fn whole(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// The first component is a registry if it has a `.` or a `:` or is
/// `localhost` (distribution/reference; oci-spec reads an uppercase first
/// component as a repository, and so do we).
fn split_domain(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
            (Some(first), rest)
        }
        _ => (None, name),
    }
}

/// `[\w][\w.-]{0,127}`.
fn valid_tag(t: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    !t.is_empty()
        && t.len() <= 128
        && t.bytes().next().is_some_and(word)
        && t.bytes().all(|b| word(b) || b == b'.' || b == b'-')
}

/// `host[:port]`, the host dot-separated components of
/// `[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?` (no IPv6 literal: oci-spec's
/// grammar has none either).
fn valid_domain(d: &str) -> bool {
    let (host, port) = match d.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (d, None),
    };
    if let Some(p) = port {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    host.split('.').all(valid_domain_component)
}

/// `[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?`.
fn valid_domain_component(c: &str) -> bool {
    let b = c.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|&x| x.is_ascii_alphanumeric() || x == b'-')
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
fn valid_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        // A separator: `.`, `_`, `__`, or a run of `-`.
        let start = i;
        match b[i] {
            b'.' => i += 1,
            b'_' => {
                i += 1;
                if i < b.len() && b[i] == b'_' {
                    i += 1;
                }
            }
            b'-' => {
                while i < b.len() && b[i] == b'-' {
                    i += 1;
                }
            }
            _ => return false,
        }
        if i == start || i >= b.len() || !alnum(b[i]) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    /// References real users type, and edge cases of each rule.
    fn corpus() -> Vec<String> {
        let mut v: Vec<String> = [
            "python",
            "python:3.12-slim",
            "library/python",
            "docker.io/python",
            "index.docker.io/library/python:3",
            "ubuntu:latest",
            "myuser/app",
            "myuser/app:v1.0.0",
            "ghcr.io/owner/repo",
            "ghcr.io/owner/group/repo:tag_1",
            "localhost/app",
            "localhost:5000/app:dev",
            "127.0.0.1:5000/test/basic:latest",
            "registry.example.com:443/a/b/c",
            "[::1]:5000/app",
            "Registry.Example.com/app",
            "UPPER/app",
            "a/b__c",
            "a/b---c",
            "a/b.c",
            "a/b_c",
            "quay.io/a-b/c.d_e",
            "x:tag.with-dots_and_underscores",
            "bad::x",
            "Bad::Name",
            "app/",
            "/app",
            "app:",
            "app:-tag",
            "a/B",
            "a//b",
            "a/b.",
            "a/.b",
            "a/b___c",
            "a/b_-c",
            "-host.com/app",
            "host-.com/app",
            "host:port/app",
            "",
            ":tag",
            "@sha256:abc",
            "app@sha256:abc",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.push(format!("app@{DIGEST}"));
        v.push(format!("ghcr.io/o/r:t@{DIGEST}"));
        v.push(format!("localhost:5000/x@{DIGEST}"));
        v.push(format!("a:{}", "t".repeat(128)));
        v.push(format!("a:{}", "t".repeat(129)));
        v.push(format!("x/{}", "a".repeat(254)));
        v
    }

    /// oci-spec's `Reference` (distribution/reference's grammar) is the
    /// independent oracle: same verdict, same normalised parts.
    #[test]
    fn agrees_with_oci_spec() {
        for s in corpus() {
            let ours = ImageRef::parse(&s);
            let theirs = oci_spec::distribution::Reference::from_str(&s);
            match (&ours, &theirs) {
                (Ok(o), Ok(t)) => {
                    assert_eq!(o.registry(), t.registry(), "{s}: registry");
                    assert_eq!(o.repository(), t.repository(), "{s}: repository");
                    assert_eq!(o.tag(), t.tag(), "{s}: tag");
                    assert_eq!(o.digest(), t.digest(), "{s}: digest");
                    assert_eq!(o.whole(), t.whole(), "{s}: whole");
                }
                (Err(_), Err(_)) => {}
                _ => panic!("{s:?}: ours {ours:?}, oci-spec {theirs:?}"),
            }
        }
    }

    #[test]
    fn docker_hub_names() {
        let r = ImageRef::parse("python").unwrap();
        assert_eq!(r.whole(), "docker.io/library/python:latest");
        let r = ImageRef::parse(&format!("ghcr.io/o/r@{DIGEST}")).unwrap();
        assert_eq!((r.tag(), r.digest()), (None, Some(DIGEST)));
    }
}
