//! What `IMAGE` names, decided before anything is opened (issue 12):
//!
//! 1. `-`: standard input; an existing file or directory: that, as before.
//! 2. An explicit transport, spelled as skopeo spells it: `docker://REF`
//!    (a registry), `docker-daemon:REF`, `podman:REF` (alias
//!    `containers-storage:REF`), `docker-archive:PATH[:REF]`,
//!    `oci:DIR[:REF]`, `oci-archive:PATH[:REF]`. Like skopeo, the path ends
//!    at the first `:` after the transport.
//! 3. Otherwise an image reference (`python:3.12-slim`, normalised as Docker
//!    does: `docker.io/library/python:3.12-slim`), looked up in the local
//!    daemons first, then in its registry.
//!
//! `--source file|docker|podman|registry` (dive's flag) forces one kind.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use layerscope_core::Error;

use crate::daemon::Engine;
use crate::reference::ImageRef as Reference;

/// `--source`: where to look `IMAGE` up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    File,
    Docker,
    Podman,
    Registry,
}

impl SourceKind {
    /// Every value `--source` takes, in the order the help lists them.
    pub const ALL: [SourceKind; 4] = [
        SourceKind::File,
        SourceKind::Docker,
        SourceKind::Podman,
        SourceKind::Registry,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::File => "file",
            SourceKind::Docker => "docker",
            SourceKind::Podman => "podman",
            SourceKind::Registry => "registry",
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SourceKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        SourceKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown source {s:?} (file, docker, podman or registry)"))
    }
}

/// Where an image is, once `IMAGE` is understood.
#[derive(Debug, Clone, PartialEq)]
pub enum Locator {
    /// A file or an OCI layout directory; `image` is the reference a
    /// transport named after the path (`oci:DIR:TAG`), passed on as `--image`.
    Path {
        path: PathBuf,
        image: Option<String>,
    },
    /// Standard input.
    Stdin,
    /// One daemon's image store; `reference` is passed as the user wrote it,
    /// so that each daemon resolves short names its own way (Podman's
    /// `localhost/NAME` for images it built).
    Daemon { engine: Engine, reference: String },
    /// A registry, by normalised reference.
    Registry { reference: Reference },
    /// A bare reference: the daemons first (Docker, then Podman), then the
    /// registry.
    Name { given: String, reference: Reference },
}

impl fmt::Display for Locator {
    /// The image as the user can type it again, transport included.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Locator::Path { path, .. } => write!(f, "{}", path.display()),
            Locator::Stdin => f.write_str("<stdin>"),
            Locator::Daemon { engine, reference } => {
                write!(f, "{}:{reference}", engine.transport())
            }
            Locator::Registry { reference } => write!(f, "docker://{reference}"),
            Locator::Name { given, .. } => f.write_str(given),
        }
    }
}

/// The transports, longest prefix first where one is a prefix of another.
const TRANSPORTS: [&str; 7] = [
    "docker://",
    "docker-daemon:",
    "docker-archive:",
    "containers-storage:",
    "podman:",
    "oci-archive:",
    "oci:",
];

/// Understand `IMAGE` (see the module doc for the order).
pub fn locate(arg: &str, forced: Option<SourceKind>) -> Result<Locator, Error> {
    if arg.is_empty() {
        return Err(Error::Usage("IMAGE is empty".into()));
    }
    if arg == "-" {
        return match forced {
            None | Some(SourceKind::File) => Ok(Locator::Stdin),
            Some(k) => Err(conflict(arg, k)),
        };
    }
    if forced == Some(SourceKind::File) {
        return Ok(plain_path(arg, None));
    }
    // An existing path wins over any other reading of the same string.
    if forced.is_none() && Path::new(arg).exists() {
        return Ok(plain_path(arg, None));
    }
    if let Some(t) = TRANSPORTS.iter().find(|t| arg.starts_with(*t)) {
        return transport(arg, t, &arg[t.len()..], forced);
    }
    if forced.is_none() && looks_like_a_path(arg) {
        // `image.tar` is also a valid reference; a typo in a file name
        // should say so, not go looking in registries.
        return Ok(plain_path(arg, None));
    }
    let reference = parse_reference(arg)?;
    Ok(match forced {
        None => Locator::Name {
            given: arg.to_string(),
            reference,
        },
        Some(SourceKind::Docker) => Locator::Daemon {
            engine: Engine::Docker,
            reference: arg.to_string(),
        },
        Some(SourceKind::Podman) => Locator::Daemon {
            engine: Engine::Podman,
            reference: arg.to_string(),
        },
        Some(SourceKind::Registry) => Locator::Registry { reference },
        Some(SourceKind::File) => unreachable!("handled above"),
    })
}

/// Parse and normalise an image reference as Docker does.
pub fn parse_reference(s: &str) -> Result<Reference, Error> {
    Reference::parse(s).map_err(|e| {
        Error::Usage(format!(
            "{s}: no such file or directory, and not an image reference ({e})"
        ))
    })
}

fn transport(arg: &str, t: &str, rest: &str, forced: Option<SourceKind>) -> Result<Locator, Error> {
    let kind = match t {
        "docker://" => SourceKind::Registry,
        "docker-daemon:" => SourceKind::Docker,
        "podman:" | "containers-storage:" => SourceKind::Podman,
        _ => SourceKind::File,
    };
    if let Some(f) = forced {
        if f != kind {
            return Err(conflict(arg, f));
        }
    }
    if rest.is_empty() {
        return Err(Error::Usage(format!(
            "{arg}: nothing after the transport {t:?}"
        )));
    }
    Ok(match kind {
        SourceKind::Registry => Locator::Registry {
            reference: parse_reference(rest)?,
        },
        SourceKind::Docker | SourceKind::Podman => {
            let engine = if kind == SourceKind::Docker {
                Engine::Docker
            } else {
                Engine::Podman
            };
            // Validate the name here so a typo fails before a daemon is asked.
            parse_reference(rest)?;
            Locator::Daemon {
                engine,
                reference: rest.to_string(),
            }
        }
        SourceKind::File => {
            // skopeo: `PATH[:REF]`, split at the first colon.
            let (path, image) = match rest.split_once(':') {
                Some((p, r)) if !r.is_empty() => (p, Some(r.to_string())),
                Some((p, _)) => (p, None),
                None => (rest, None),
            };
            plain_path(path, image)
        }
    })
}

fn plain_path(p: &str, image: Option<String>) -> Locator {
    Locator::Path {
        path: PathBuf::from(p),
        image,
    }
}

/// Strings that name files, never images: absolute or explicitly relative
/// paths, and the archive suffixes `docker save`, `podman save` and
/// `skopeo copy` write.
fn looks_like_a_path(s: &str) -> bool {
    const SUFFIXES: [&str; 6] = [".tar", ".tar.gz", ".tgz", ".tar.zst", ".gz", ".zst"];
    s.starts_with('/')
        || s.starts_with("./")
        || s.starts_with("../")
        || s.starts_with('~')
        || SUFFIXES.iter().any(|x| s.ends_with(x))
}

fn conflict(arg: &str, forced: SourceKind) -> Error {
    Error::Usage(format!(
        "{arg}: --source {forced} contradicts what IMAGE names"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &str, image: Option<&str>) -> Locator {
        Locator::Path {
            path: PathBuf::from(p),
            image: image.map(str::to_string),
        }
    }

    #[test]
    fn stdin_and_existing_paths_come_first() {
        assert_eq!(locate("-", None).unwrap(), Locator::Stdin);
        let dir = std::env::temp_dir();
        let d = dir.to_str().unwrap();
        assert_eq!(locate(d, None).unwrap(), path(d, None));
        // Forced to a daemon, an existing path is read as a reference.
        assert!(matches!(
            locate("-", Some(SourceKind::Docker)),
            Err(Error::Usage(_))
        ));
    }

    #[test]
    fn transports_as_skopeo_spells_them() {
        assert_eq!(
            locate("oci:/x/layout:v1", None).unwrap(),
            path("/x/layout", Some("v1"))
        );
        assert_eq!(
            locate("oci:/x/layout", None).unwrap(),
            path("/x/layout", None)
        );
        assert_eq!(
            locate("oci-archive:img.tar:app:1", None).unwrap(),
            path("img.tar", Some("app:1"))
        );
        assert_eq!(
            locate("docker-archive:a.tar", None).unwrap(),
            path("a.tar", None)
        );
        assert_eq!(
            locate("docker-daemon:python:3.12-slim", None).unwrap(),
            Locator::Daemon {
                engine: Engine::Docker,
                reference: "python:3.12-slim".into()
            }
        );
        for t in ["podman:", "containers-storage:"] {
            assert_eq!(
                locate(&format!("{t}localhost/app"), None).unwrap(),
                Locator::Daemon {
                    engine: Engine::Podman,
                    reference: "localhost/app".into()
                }
            );
        }
        let Locator::Registry { reference } =
            locate("docker://127.0.0.1:5000/test/basic:latest", None).unwrap()
        else {
            panic!("not a registry locator")
        };
        assert_eq!(reference.registry(), "127.0.0.1:5000");
        assert_eq!(reference.repository(), "test/basic");
        assert_eq!(reference.tag(), Some("latest"));
    }

    #[test]
    fn bare_names_are_normalised_like_docker() {
        let Locator::Name { given, reference } = locate("python", None).unwrap() else {
            panic!("not a name")
        };
        assert_eq!(given, "python");
        assert_eq!(reference.whole(), "docker.io/library/python:latest");
        let digest = format!("sha256:{}", "ab".repeat(32));
        let Locator::Name { reference, .. } =
            locate(&format!("ghcr.io/o/r@{digest}"), None).unwrap()
        else {
            panic!("not a name")
        };
        assert_eq!(reference.digest(), Some(digest.as_str()));
        assert_eq!(reference.tag(), None);
    }

    #[test]
    fn forced_sources() {
        assert_eq!(
            locate("app", Some(SourceKind::Podman)).unwrap(),
            Locator::Daemon {
                engine: Engine::Podman,
                reference: "app".into()
            }
        );
        assert!(matches!(
            locate("app", Some(SourceKind::Registry)).unwrap(),
            Locator::Registry { .. }
        ));
        assert_eq!(
            locate("no/such/file", Some(SourceKind::File)).unwrap(),
            path("no/such/file", None)
        );
        let e = locate("oci:/x", Some(SourceKind::Docker)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "oci:/x: --source docker contradicts what IMAGE names"
        );
    }

    #[test]
    fn file_names_that_are_also_references_stay_files() {
        for p in ["image.tar", "img.tar.gz", "./app", "/nope/x", "a.tgz"] {
            assert_eq!(locate(p, None).unwrap(), path(p, None), "{p}");
        }
    }

    #[test]
    fn neither_file_nor_reference_is_one_line() {
        let e = locate("Bad::Name", None).unwrap_err().to_string();
        assert!(
            e.starts_with("Bad::Name: no such file or directory, and not an image reference ("),
            "{e}"
        );
        assert_eq!(
            locate("docker-daemon:", None).unwrap_err().to_string(),
            "docker-daemon:: nothing after the transport \"docker-daemon:\""
        );
    }

    #[test]
    fn source_names_round_trip() {
        for k in SourceKind::ALL {
            assert_eq!(k.as_str().parse::<SourceKind>().unwrap(), k);
        }
        assert!("dockerd".parse::<SourceKind>().is_err());
    }
}
