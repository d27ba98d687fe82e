//! layerscope: exactly where the bytes of a container image go.
//!
//! The data path, top-down (see `docs/architecture.md`):
//!
//! ```text
//! source   which layout is this? -> ordered layers + config + history
//! layer    one streaming pass per layer -> Changeset { entries, size, diff_id }
//! overlay  apply changesets in order (whiteouts, hardlinks) -> inodes live/hidden
//! analysis Analysis { totals, layers, hidden, cache, duplicates, findings, dive }
//! ```
//!
//! The core modules never print, never exit and know nothing of the CLI; the
//! front ends (`report`, `check`, `tui`) render an `Analysis` into a writer.
#![forbid(unsafe_code)]

pub mod analysis;
pub mod config;
pub mod diff;
pub mod digest;
pub mod dive;
pub mod dockerfile;
pub mod error;
pub mod escape;
pub mod layer;
pub mod layer_index;
pub mod overlay;
pub mod packages;
mod short_bytes;
pub mod source;
pub mod units;

pub use digest::Digest;
pub use error::{Error, Result};
pub use layer_index::LayerIndex;
