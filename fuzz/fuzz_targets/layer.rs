//! The layer pass and everything after it: the input is split into layers
//! at `LAYER!!\n`; each is scanned (plain, gzip or zstd, by magic bytes),
//! the overlay is built, the analysis and both reports rendered.
#![no_main]

use layerscope_core::analysis::{Analysis, CacheRules};
use layerscope_core::layer::{self, ScanOptions};
use layerscope_core::LayerIndex;
use layerscope_core::source::{Format as ImageFormat, Image, ImageInfo, Layer};
use libfuzzer_sys::fuzz_target;

/// Compiling the rules' globs costs more than most inputs: once.
fn rules() -> CacheRules {
    static RULES: std::sync::OnceLock<CacheRules> = std::sync::OnceLock::new();
    RULES.get_or_init(CacheRules::builtin).clone()
}

const SEP: &[u8] = b"LAYER!!\n";

fuzz_target!(|data: &[u8]| {
    let mut parts = Vec::new();
    let mut rest = data;
    while let Some(i) = rest.windows(SEP.len()).position(|w| w == SEP) {
        parts.push(&rest[..i]);
        rest = &rest[i + SEP.len()..];
    }
    parts.push(rest);
    let opts = ScanOptions {
        blob_digest: true,
        blob_algorithm: None,
        diff_id: true,
        progress: None,
    };
    let mut layers = Vec::new();
    for (i, p) in parts.iter().enumerate().take(16) {
        let Ok(cs) = layer::scan(*p, &opts) else {
            return;
        };
        layers.push(Layer {
            index: LayerIndex::from_index(i),
            digest: cs.blob_digest.clone().unwrap_or_default(),
            media_type: None,
            created_by: Some(format!("RUN step {i}")),
            verified: Default::default(),
            changeset: cs,
        });
    }
    let image = Image {
        info: ImageInfo {
            reference: Some("fuzz".into()),
            format: ImageFormat::OciLayout,
            gzipped: false,
            platform: None,
            config_digest: None,
            source: Default::default(),
        },
        layers,
        history: Vec::new(),
        stanzas: Default::default(),
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
