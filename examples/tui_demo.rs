//! Run the explorer on an image built in code (no image file needed):
//! `cargo run --example tui_demo` in a terminal. The loader sleeps a moment
//! and reports fake progress so the loading screen can be seen too.

/// The TUI tests' image, shared with them (not the whole test support).
#[allow(dead_code)]
#[path = "../tests/support"]
mod support {
    pub mod layers;
    pub mod tui_image;
}

use support::tui_image as tui_fixture;

use std::time::Duration;

fn main() {
    let delay: u64 = std::env::var("DEMO_DELAY_MS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    let r = layerscope_tui::run("demo:latest".into(), move |progress| {
        progress.total(Some(4_000_000));
        for i in 1..=4 {
            std::thread::sleep(Duration::from_millis(delay / 4));
            progress.advance(1_000_000);
            progress.layer_done(i, Some(4));
        }
        Ok(tui_fixture::analysis())
    });
    if let Err(e) = r {
        eprintln!("tui_demo: {e}");
        std::process::exit(2);
    }
}
