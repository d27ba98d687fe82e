//! dive-compatible figures, checked against what the real dive printed.
mod dive_support;

use std::path::PathBuf;

use dive_support::{cases, docker_archive, layer_tar};
use layerscope::dive;
use layerscope::layer::{scan, Changeset, ScanOptions};

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures-dive")
}

fn changesets(layers: &[Vec<dive_support::E>]) -> Vec<Changeset> {
    layers
        .iter()
        .map(|l| scan(&layer_tar(l)[..], &ScanOptions::default()).expect("scan"))
        .collect()
}

/// The committed archives are exactly what the cases build, so the outputs
/// recorded from dive on those files hold for these tests.
/// `DIVE_FIXTURES_WRITE=1 cargo test --test dive_figures fixtures` rewrites them.
#[test]
fn fixtures_match_the_cases() {
    let write = std::env::var_os("DIVE_FIXTURES_WRITE").is_some();
    for case in cases() {
        let path = fixtures_dir().join(format!("{}.tar", case.name));
        let built = docker_archive(&case);
        if write {
            std::fs::write(&path, &built).unwrap();
            continue;
        }
        let committed = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run with DIVE_FIXTURES_WRITE=1)", path.display()));
        assert!(committed == built, "{} differs from its case", path.display());
    }
}
