//! Open what a [`Locator`] names, and say where it came from.

use layerscope_core::source::{self, Image, Input, OpenOptions, Origin};
use layerscope_core::{Error, Result};

use crate::daemon::{Client, Engine, Presence};
use crate::locate::Locator;
use crate::registry::{self, RegistryOptions};

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
) -> Result<Image> {
    match loc {
        Locator::Path { path, image } => {
            let mut opts = opts.clone();
            if image.is_some() {
                opts.image.clone_from(image);
            }
            source::open(&Input::Path(path.clone()), &opts)
        }
        Locator::Stdin => source::open(&Input::Stdin, opts),
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
        Locator::Registry { reference } => registry::open(reference, &reference.whole(), opts, reg),
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
                Ok(img) => Ok(img),
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

fn from_daemon(client: &Client, reference: &str, label: &str, opts: &OpenOptions) -> Result<Image> {
    let stream = client
        .save(reference, opts.platform.as_deref())
        .map_err(|e| Error::io(label, e))?;
    let mut img = source::open_reader(stream, label, opts)?;
    img.info.source = match client.engine {
        Engine::Docker => Origin::Docker,
        Engine::Podman => Origin::Podman,
    };
    Ok(img)
}
