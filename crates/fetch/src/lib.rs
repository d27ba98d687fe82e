//! Opening an image by name (issue 12): what `IMAGE` names (a file, a
//! skopeo-style transport, or an image reference), and the sources that are
//! not files: the Docker and Podman daemons, through their own CLIs, streamed
//! into the core's one-pass reader.
//!
//! This crate is where layerscope talks to the outside world (processes
//! today, registries next); `layerscope-core` stays offline and never spawns
//! anything.
#![forbid(unsafe_code)]

pub mod daemon;
pub mod locate;
pub mod open;
pub mod plugin;
pub mod reference;
pub mod registry;

pub use daemon::Engine;
pub use locate::{locate, Locator, SourceKind};
pub use open::{open, Daemons};
pub use registry::RegistryOptions;
