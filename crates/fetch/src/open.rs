//! Open what a [`Locator`] names, and say where it came from.

use std::fmt;

use layerscope_core::source::{self, Image, Input, OpenOptions};
use layerscope_core::{Error, Result};

use crate::daemon::{Client, Engine, Presence};
use crate::locate::Locator;

/// Where the image was read from; every front end shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    File,
    Stdin,
    Daemon(Engine),
    Registry,
}

impl Origin {
    /// The name in JSON (`image.source`) and `--source`'s spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::File => "file",
            Origin::Stdin => "stdin",
            Origin::Daemon(e) => e.name(),
            Origin::Registry => "registry",
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The daemon clients to ask, in order (Docker, then Podman).
#[derive(Debug, Clone)]
pub struct Daemons {
    pub docker: Client,
    pub podman: Client,
}

impl Default for Daemons {
    fn default() -> Self {
        Daemons {
            docker: Client::docker(None, Vec::new()),
            podman: Client::podman(),
        }
    }
}

impl Daemons {
    fn client(&self, engine: Engine) -> &Client {
        match engine {
            Engine::Docker => &self.docker,
            Engine::Podman => &self.podman,
        }
    }
}

/// Open the image `loc` names.
pub fn open(loc: &Locator, daemons: &Daemons, opts: &OpenOptions) -> Result<(Image, Origin)> {
    match loc {
        Locator::Path { path, image } => {
            let mut opts = opts.clone();
            if image.is_some() {
                opts.image.clone_from(image);
            }
            let img = source::open(&Input::Path(path.clone()), &opts)?;
            Ok((img, Origin::File))
        }
        Locator::Stdin => Ok((source::open(&Input::Stdin, opts)?, Origin::Stdin)),
        Locator::Daemon { engine, reference } => {
            let client = daemons.client(*engine);
            match client.lookup(reference) {
                Presence::Present => from_daemon(client, reference, &loc.to_string(), opts),
                Presence::Absent => Err(Error::Usage(format!("{loc}: no such image in {engine}"))),
                Presence::Unreachable(why) => Err(Error::Usage(format!(
                    "{loc}: {engine} did not answer: {why}"
                ))),
            }
        }
        Locator::Registry { .. } => Err(not_yet(&loc.to_string())),
        Locator::Name { given, .. } => {
            let mut tried = Vec::new();
            for engine in [Engine::Docker, Engine::Podman] {
                let client = daemons.client(engine);
                match client.lookup(given) {
                    Presence::Present => return from_daemon(client, given, given, opts),
                    Presence::Absent => tried.push(format!("{engine}: no such image")),
                    Presence::Unreachable(why) => tried.push(format!("{engine}: {why}")),
                }
            }
            Err(Error::Usage(format!(
                "{given}: not a file; {}; {}",
                tried.join("; "),
                REGISTRY_LATER
            )))
        }
    }
}

/// Until the registry client lands (issue 12), say how to get the image
/// another way rather than fail with a bare "not found".
const REGISTRY_LATER: &str = "pulling from a registry is not supported yet: \
     `skopeo copy docker://REF oci-archive:image.tar` then `layerscope image.tar`";

fn not_yet(label: &str) -> Error {
    Error::Usage(format!("{label}: {REGISTRY_LATER}"))
}

fn from_daemon(
    client: &Client,
    reference: &str,
    label: &str,
    opts: &OpenOptions,
) -> Result<(Image, Origin)> {
    let stream = client
        .save(reference, opts.platform.as_deref())
        .map_err(|e| Error::io(label, e))?;
    let img = source::open_reader(stream, label, opts)?;
    Ok((img, Origin::Daemon(client.engine)))
}
