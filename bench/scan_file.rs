//! Times the layer pass over one blob file (for profiling the pass alone).
//! cargo run --release --example scan_file -- FILE
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("FILE");
    let f = std::fs::File::open(&path).expect("open");
    let t = Instant::now();
    let cs = layerscope_core::layer::scan(f, &layerscope_core::layer::ScanOptions::default())
        .expect("scan");
    let s = t.elapsed().as_secs_f64();
    println!(
        "{path}: {} entries, {} stored bytes, {} tar bytes, {:.3}s, {:.0} MB/s stored, {:.0} MB/s tar",
        cs.entries.len(),
        cs.stored_bytes,
        cs.size_bytes,
        s,
        cs.stored_bytes as f64 / s / 1e6,
        cs.size_bytes as f64 / s / 1e6
    );
}
