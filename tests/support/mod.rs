//! Inputs built in code, shared by the test modules.

pub mod archives;
pub mod budget;
pub mod buildah;
pub mod dive_cases;
pub mod hostile;
pub mod images;
pub mod layers;
pub mod release;
pub mod tui_image;

/// The layer cache the binary under test uses (`XDG_CACHE_HOME`): under
/// the target directory, never the user's own cache. Shared by the tests,
/// so the suite runs with warm entries too (reports must not change); the
/// cache's own tests pass `--cache-dir` in a temp dir.
pub fn test_cache_home() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("xdg-cache")
}

/// The binary under test, with [`test_cache_home`].
pub fn bin() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_layerscope"));
    c.env("XDG_CACHE_HOME", test_cache_home());
    c
}
