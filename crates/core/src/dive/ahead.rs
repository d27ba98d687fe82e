//! dive's pass run while the image is still being read.
//!
//! Issue 13 asks for a peak RSS at most a quarter of dive's. That needs
//! dive's per-layer trees and our overlay never in memory together, which
//! [`crate::analysis::Analysis::new`] gets on big images by running dive's
//! pass first, on one thread, after the read: its whole time then adds to
//! the wall time (0.1 s on a 200k-entry image). The readers of seekable
//! inputs already hand out the in-order prefix of the layers read
//! ([`ProgressSink::layers_prefix`]); this sink visits each new layer of it
//! on the reader thread that completed it, between two layer passes. When
//! the read ends, only the layers after the last prefix are left to visit.

use std::sync::{Arc, Mutex};

use super::Pass;
use crate::source::{LayersPrefix, ProgressSink, ScannedLayer};

/// A progress sink that runs dive's pass over the layers read so far, in
/// order, and passes everything on to `inner` (a progress bar).
///
/// Give it to the reader (`OpenOptions::progress`), then the image and this
/// sink to [`crate::analysis::Analysis::with_dive_ahead`].
pub struct DiveAhead {
    inner: Option<Arc<dyn ProgressSink>>,
    pass: Mutex<Pass>,
}

impl DiveAhead {
    pub fn new(inner: Option<Arc<dyn ProgressSink>>) -> DiveAhead {
        DiveAhead {
            inner,
            pass: Mutex::new(Pass::new()),
        }
    }

    /// How many layers the pass has visited so far.
    pub fn layers_visited(&self) -> usize {
        self.pass.lock().map_or(0, |p| p.layers())
    }

    /// The pass over the layers visited so far (none if the reader never
    /// offered a prefix: a stream, or a one-layer image); the sink starts
    /// again from none.
    pub fn take(&self) -> Pass {
        match self.pass.lock() {
            Ok(mut p) => std::mem::take(&mut *p),
            // A visit panicked: whatever it left is not trusted.
            Err(_) => Pass::new(),
        }
    }
}

impl ProgressSink for DiveAhead {
    fn total(&self, bytes: Option<u64>) {
        if let Some(p) = &self.inner {
            p.total(bytes)
        }
    }

    fn advance(&self, bytes: u64) {
        if let Some(p) = &self.inner {
            p.advance(bytes)
        }
    }

    fn layer_done(&self, done: usize, total: Option<usize>) {
        if let Some(p) = &self.inner {
            p.layer_done(done, total)
        }
    }

    fn layer_scanned(&self, layer: &ScannedLayer<'_>) {
        if let Some(p) = &self.inner {
            p.layer_scanned(layer)
        }
    }

    fn wants_prefix(&self) -> bool {
        true
    }

    fn layers_prefix(&self, prefix: &LayersPrefix<'_>) {
        if let Ok(mut pass) = self.pass.lock() {
            // Prefixes arrive in order and only grow; the later layers are
            // not known yet, so every layer is stacked (same figures).
            for i in pass.layers()..prefix.len() {
                pass.push(prefix.changeset(i), true);
            }
        }
        if let Some(p) = self.inner.as_ref().filter(|p| p.wants_prefix()) {
            p.layers_prefix(prefix)
        }
    }
}
