//! The outer archive reader, one pass: any bytes as stdin would deliver
//! them (tar, gzipped tar, garbage), then the analysis and both reports.
//! The first byte picks options, the rest is the input.
#![no_main]

use layerscope_core::analysis::{Analysis, CacheRules};
use layerscope_core::source::{self, OpenOptions};
use libfuzzer_sys::fuzz_target;

/// Compiling the rules' globs costs more than most inputs: once.
fn rules() -> CacheRules {
    static RULES: std::sync::OnceLock<CacheRules> = std::sync::OnceLock::new();
    RULES.get_or_init(CacheRules::builtin).clone()
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, bytes)) = data.split_first() else {
        return;
    };
    let opts = OpenOptions {
        // Most mutated inputs cannot match a sha256: without verification
        // they reach the analysis.
        verify: flags & 1 == 1,
        ..OpenOptions::default()
    };
    let Ok(image) = source::open_reader(bytes, "fuzz", &opts) else {
        return;
    };
    let a = Analysis::new(image, rules());
    render(&a);
});

/// With `--features render`, the text and JSON reports of what was analysed.
#[cfg(feature = "render")]
fn render(a: &Analysis) {
    use layerscope_report::{self as report, Format};
    let mut out = Vec::new();
    report::write(a, Format::Text, &mut out).expect("text report");
    report::write(a, Format::Json, &mut out).expect("json report");
}

#[cfg(not(feature = "render"))]
fn render(_: &Analysis) {}
