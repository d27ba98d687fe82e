//! Times each phase of an analysis: open+scan, overlay, figures, dive, render.
//! cargo run --release --example phases -- IMAGE
use std::time::Instant;

use layerscope_core::analysis::{Analysis, CacheRules};
use layerscope_core::overlay::Overlay;
use layerscope_core::source::{self, Input, OpenOptions};

fn rss_mb() -> String {
    format!(
        "{:.0} MiB (peak {:.0} MiB)",
        status_mib("VmRSS:"),
        status_mib("VmHWM:")
    )
}

fn status_mib(key: &str) -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

fn main() {
    println!(
        "sizes: Entry {} B, Node {} B, Version {} B, Inode {} B",
        std::mem::size_of::<layerscope_core::layer::Entry>(),
        std::mem::size_of::<layerscope_core::overlay::Node>(),
        std::mem::size_of::<layerscope_core::overlay::Version>(),
        std::mem::size_of::<layerscope_core::overlay::Inode>()
    );
    let arg = std::env::args().nth(1).expect("IMAGE");
    let t = Instant::now();
    let opts = OpenOptions {
        verify: true,
        ..Default::default()
    };
    let img = source::open(&Input::from_arg(&arg), &opts).expect("open");
    let t_open = t.elapsed();
    println!("rss after scan: {}", rss_mb());
    let t = Instant::now();
    let overlay = Overlay::build(img.layers.iter().map(|l| &l.changeset));
    let t_overlay = t.elapsed();
    println!("rss after overlay: {}", rss_mb());
    let t = Instant::now();
    let cs: Vec<_> = img.layers.iter().map(|l| &l.changeset).collect();
    let dive = layerscope_core::dive::report(&cs);
    let t_dive = t.elapsed();
    println!("rss after dive (before drop): {}", rss_mb());
    drop(dive);
    let t = Instant::now();
    let a = Analysis::with_overlay(img, overlay, CacheRules::builtin());
    let t_analysis = t.elapsed();
    println!("rss after analysis: {}", rss_mb());
    // The packages step alone (issue 14: at most 10% of the analysis):
    // reading every layer's databases and attributing the inodes.
    let t = Instant::now();
    let pk = layerscope_core::packages::Packages::build(&a.image, &a.overlay, &a.rules.packages);
    let t_packages = t.elapsed();
    let total = t_open + t_overlay + t_analysis;
    // The analysis includes one packages step; without it, it would take
    // `total - t_packages`. Issue 14's target: with/without at most 1.10.
    let without = total.as_secs_f64() - t_packages.as_secs_f64();
    println!(
        "packages {:.3}s = {:.1}% of open+scan+overlay+analysis {:.3}s; with packages {:.2}x the analysis without ({:.3}s) ({} packages, {} database files kept, {} bytes)",
        t_packages.as_secs_f64(),
        100.0 * t_packages.as_secs_f64() / total.as_secs_f64(),
        total.as_secs_f64(),
        total.as_secs_f64() / without,
        without,
        pk.list.len(),
        a.image.layers.iter().map(|l| l.changeset.captured.len()).sum::<usize>(),
        a.image
            .layers
            .iter()
            .flat_map(|l| &l.changeset.captured)
            .map(|c| c.content.as_ref().map_or(0, |b| b.len()))
            .sum::<usize>()
    );
    let t = Instant::now();
    let mut out = Vec::new();
    layerscope_report::write_json(&a, &mut out).unwrap();
    let t_json = t.elapsed();
    println!(
        "open+scan {:.3}s  overlay {:.3}s  dive {:.3}s  analysis(incl dive) {:.3}s  json {:.3}s  ({} entries, {} nodes, {} versions, {} inodes)",
        t_open.as_secs_f64(),
        t_overlay.as_secs_f64(),
        t_dive.as_secs_f64(),
        t_analysis.as_secs_f64(),
        t_json.as_secs_f64(),
        a.totals.entries,
        a.overlay.nodes.len(),
        a.overlay.versions.len(),
        a.overlay.inodes.len()
    );
}
