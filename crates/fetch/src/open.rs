//! Open what a [`Locator`] names, and say where it came from.

use std::fmt;

use layerscope_core::source::{self, Image, Input, OpenOptions};
use layerscope_core::{Error, Result};

use crate::daemon::{Client, Engine, Presence};
use crate::locate::Locator;
use crate::registry::{self, RegistryOptions};

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

/// Open the image `loc` names; `reg` says how to reach registries.
pub fn open(
    loc: &Locator,
    daemons: &Daemons,
    opts: &OpenOptions,
    reg: &RegistryOptions,
) -> Result<(Image, Origin)> {
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
        Locator::Registry { reference } => {
            let img = registry::open(reference, &reference.whole(), opts, reg)?;
            Ok((img, Origin::Registry))
        }
        Locator::Name { given, reference } => {
            let mut tried = Vec::new();
            for engine in [Engine::Docker, Engine::Podman] {
                let client = daemons.client(engine);
                match client.lookup(given) {
                    Presence::Present => return from_daemon(client, given, given, opts),
                    Presence::Absent => tried.push(format!("{engine}: no such image")),
                    Presence::Unreachable(why) => tried.push(format!("{engine}: {why}")),
                }
            }
            // Neither daemon has it: its registry. If that fails too, say
            // what each source answered.
            match registry::open(reference, given, opts, reg) {
                Ok(img) => Ok((img, Origin::Registry)),
                Err(e) => {
                    let cause = e.to_string();
                    let cause = cause
                        .strip_prefix(given.as_str())
                        .map_or(cause.as_str(), |c| c.trim_start_matches(": "));
                    Err(Error::Usage(format!(
                        "{given}: not a file; {}; registry: {cause}",
                        tried.join("; ")
                    )))
                }
            }
        }
    }
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
