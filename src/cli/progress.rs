//! An indicatif progress bar on stderr, only when stderr is a terminal.

use std::io::IsTerminal;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use layerscope_core::source::ProgressSink;

pub struct Bar(ProgressBar);

impl Bar {
    /// A bar if stderr is a terminal, else None (nothing is printed).
    pub fn for_stderr() -> Option<Arc<Bar>> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        pb.set_style(
            ProgressStyle::with_template(
                "{spinner} reading {bytes}/{total_bytes} ({bytes_per_sec}) {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Some(Arc::new(Bar(pb)))
    }

    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl ProgressSink for Bar {
    fn total(&self, bytes: Option<u64>) {
        if let Some(b) = bytes {
            self.0.set_length(b);
            self.0.set_style(
                ProgressStyle::with_template(
                    "{bar:30} {bytes}/{total_bytes} ({bytes_per_sec}, {eta}) {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
        }
    }
    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }
    fn layer_done(&self, done: usize, total: Option<usize>) {
        match total {
            Some(t) => self.0.set_message(format!("layer {done}/{t}")),
            None => self.0.set_message(format!("{done} layers")),
        }
    }
}
