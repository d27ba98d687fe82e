//! The metadata resolver: `manifest.json`, `index.json`, nested indexes,
//! manifests, configs, `repositories`, image and platform selection.
//!
//! Input: files separated by `\xff\xfe`; in each, the name is up to the
//! first `\n`, the content is the rest (`fuzz/make_corpus.sh` writes the
//! testdata layouts in this form). The first byte picks options.
#![no_main]

use layerscope_core::source::{self, OpenOptions};
use libfuzzer_sys::fuzz_target;

fn split(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut rest = data;
    loop {
        let end = rest
            .windows(2)
            .position(|w| w == b"\xff\xfe")
            .unwrap_or(rest.len());
        let chunk = &rest[..end];
        let (name, body) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (&chunk[..i], &chunk[i + 1..]),
            None => (chunk, &[][..]),
        };
        files.push((String::from_utf8_lossy(name).into_owned(), body.to_vec()));
        if end + 2 > rest.len() {
            break;
        }
        rest = &rest[end + 2..];
    }
    files
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, bytes)) = data.split_first() else {
        return;
    };
    let opts = OpenOptions {
        verify: flags & 1 == 1,
        image: (flags & 2 == 2).then(|| "app".to_string()),
        platform: (flags & 4 == 4).then(|| "linux/arm64".to_string()),
        ..OpenOptions::default()
    };
    let _ = source::resolve_metadata(split(bytes), &opts);
});
