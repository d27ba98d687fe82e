//! Choosing one image of several (`--image`) and one platform of an index
//! (`--platform`).

use std::fmt;

use crate::error::{Error, Result};

/// One image an archive offers.
#[derive(Debug, Clone)]
pub(crate) struct Candidate<T> {
    /// Names as the archive records them (RepoTags, `io.containerd.image.name`,
    /// `org.opencontainers.image.ref.name`), best first.
    pub names: Vec<String>,
    /// Digests that also identify it (manifest or config), `sha256:<hex>`.
    pub ids: Vec<String>,
    pub item: T,
}

impl<T> Candidate<T> {
    fn label(&self) -> String {
        match (self.names.first(), self.ids.first()) {
            (Some(n), _) => n.clone(),
            (None, Some(id)) => id.clone(),
            (None, None) => "(unnamed)".to_string(),
        }
    }
}

/// Pick the candidate the user asked for, or the only one. Returns it and
/// the name to report it by (the matched name, else its first name).
pub(crate) fn choose<T>(
    mut cands: Vec<Candidate<T>>,
    wanted: Option<&str>,
    input: &str,
) -> Result<(Candidate<T>, Option<String>)> {
    let list = |c: &[Candidate<T>]| c.iter().map(|c| c.label()).collect::<Vec<_>>().join(", ");
    match wanted {
        Some(w) => {
            let hits: Vec<usize> = (0..cands.len())
                .filter(|&i| matches_candidate(&cands[i], w))
                .collect();
            match hits.as_slice() {
                [i] => {
                    let c = cands.swap_remove(*i);
                    let name = c
                        .names
                        .iter()
                        .find(|n| same_reference(n, w))
                        .or(c.names.first())
                        .cloned();
                    Ok((c, name))
                }
                [] => Err(Error::Usage(format!(
                    "{input}: no image named {w:?}; the archive holds: {}",
                    list(&cands)
                ))),
                _ => Err(Error::Usage(format!(
                    "{input}: {w:?} matches several images: {}",
                    hits.iter()
                        .map(|&i| cands[i].label())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))),
            }
        }
        None if cands.len() == 1 => {
            let c = cands.swap_remove(0);
            let name = c.names.first().cloned();
            Ok((c, name))
        }
        None => Err(Error::Usage(format!(
            "{input} holds {} images; pick one with --image: {}",
            cands.len(),
            list(&cands)
        ))),
    }
}

fn matches_candidate<T>(c: &Candidate<T>, wanted: &str) -> bool {
    c.names.iter().any(|n| same_reference(n, wanted))
        || c.ids.iter().any(|id| same_digest(id, wanted))
}

/// `alpine`, `alpine:latest`, `library/alpine` and
/// `docker.io/library/alpine:latest` all name the same image (the Docker
/// reference normalisation, distribution/reference `ParseNormalizedNamed`).
pub(crate) fn same_reference(a: &str, b: &str) -> bool {
    a == b || normalize_reference(a) == normalize_reference(b)
}

fn normalize_reference(r: &str) -> String {
    let mut s = r.trim();
    for prefix in ["docker.io/", "index.docker.io/", "registry-1.docker.io/"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest;
            break;
        }
    }
    if let Some(rest) = s.strip_prefix("library/") {
        s = rest;
    }
    let last = s.rsplit('/').next().unwrap_or(s);
    if s.contains('@') || last.contains(':') {
        s.to_string()
    } else {
        format!("{s}:latest")
    }
}

/// A digest given in full (`sha256:<hex>` or `<hex>`) or as a prefix of at
/// least 12 hex digits, as `docker images` prints image IDs.
fn same_digest(id: &str, wanted: &str) -> bool {
    let hex = id.split_once(':').map_or(id, |(_, h)| h);
    let w = wanted.strip_prefix("sha256:").unwrap_or(wanted);
    id == wanted || (w.len() >= 12 && hex.starts_with(w))
}

/// `os/arch[/variant]`, with the architecture names Go uses (GOARCH), as
/// image-spec `image-index.md` requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Platform {
    pub os: String,
    pub arch: String,
    pub variant: Option<String>,
}

impl Platform {
    pub fn new(os: &str, arch: &str, variant: Option<&str>) -> Platform {
        Platform {
            os: os.to_string(),
            arch: arch.to_string(),
            variant: variant.filter(|v| !v.is_empty()).map(str::to_string),
        }
    }

    /// Parse `--platform os/arch[/variant]`.
    pub fn parse(s: &str) -> Result<Platform> {
        let parts: Vec<&str> = s.split('/').collect();
        match parts.as_slice() {
            [os, arch] if !os.is_empty() && !arch.is_empty() => Ok(Platform::new(os, arch, None)),
            [os, arch, v] if !os.is_empty() && !arch.is_empty() && !v.is_empty() => {
                Ok(Platform::new(os, arch, Some(v)))
            }
            _ => Err(Error::Usage(format!(
                "--platform {s:?}: expected os/arch or os/arch/variant, e.g. linux/amd64 or linux/arm/v7"
            ))),
        }
    }

    /// Does this (available) platform satisfy `wanted`? Architecture aliases
    /// are folded (`x86_64` = `amd64`, `aarch64` = `arm64`), `arm64` without
    /// a variant is `arm64/v8`, and a wanted platform without a variant
    /// accepts any variant. An available platform that does not record its
    /// variant (many configs omit it) accepts any wanted variant.
    pub fn satisfies(&self, wanted: &Platform) -> bool {
        if self.os != wanted.os || canonical_arch(&self.arch) != canonical_arch(&wanted.arch) {
            return false;
        }
        let default_variant = |p: &Platform| match (&p.variant, canonical_arch(&p.arch)) {
            (Some(v), _) => Some(v.clone()),
            (None, "arm64") => Some("v8".to_string()),
            (None, _) => None,
        };
        match (default_variant(self), &wanted.variant) {
            (_, None) | (None, _) => true,
            (Some(have), Some(_)) => Some(have) == default_variant(wanted),
        }
    }

    /// The platform layerscope runs on, as an image platform. The OS is
    /// always `linux`: on macOS and Windows, Docker runs Linux images in a VM.
    pub fn host() -> Platform {
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "x86" => "386",
            "aarch64" => "arm64",
            "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
            "loongarch64" => "loong64",
            other => other,
        };
        Platform::new("linux", arch, None)
    }
}

fn canonical_arch(arch: &str) -> &str {
    match arch {
        "x86_64" | "x86-64" => "amd64",
        "aarch64" => "arm64",
        "i386" | "i686" => "386",
        other => other,
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.arch)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_normalise_like_docker() {
        assert!(same_reference("alpine", "docker.io/library/alpine:latest"));
        assert!(same_reference(
            "alpine:3.19",
            "docker.io/library/alpine:3.19"
        ));
        assert!(same_reference("library/alpine", "alpine:latest"));
        assert!(same_reference("ghcr.io/o/app", "ghcr.io/o/app:latest"));
        assert!(!same_reference("alpine:3.19", "alpine"));
        assert!(!same_reference("busybox", "alpine"));
        assert!(same_reference(
            "localhost:5000/app",
            "localhost:5000/app:latest"
        ));
    }

    #[test]
    fn digests_match_in_full_or_by_prefix() {
        let id = "sha256:0123456789abcdef0123";
        assert!(same_digest(id, id));
        assert!(same_digest(id, "0123456789ab"));
        assert!(same_digest(id, "sha256:0123456789abcd"));
        assert!(!same_digest(id, "0123"));
    }

    #[test]
    fn platforms_parse_and_match() {
        let p = |s| Platform::parse(s).unwrap();
        assert!(p("linux/arm64/v8").satisfies(&p("linux/arm64")));
        assert!(p("linux/arm64").satisfies(&p("linux/arm64/v8")));
        assert!(p("linux/x86_64").satisfies(&p("linux/amd64")));
        assert!(!p("linux/arm/v6").satisfies(&p("linux/arm/v7")));
        assert!(p("linux/arm").satisfies(&p("linux/arm/v7")));
        assert!(!p("linux/amd64").satisfies(&p("windows/amd64")));
        assert!(Platform::parse("linux").is_err());
        assert!(Platform::parse("linux//v7").is_err());
        assert_eq!(p("linux/arm/v7").to_string(), "linux/arm/v7");
    }
}
