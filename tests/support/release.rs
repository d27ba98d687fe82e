//! A local stand-in for a GitHub release of the built binary, made by
//! .github/workflows/release.yml's own "Package" and "Checksums" steps, so
//! the install scripts (action.yml, the GitLab template, docs/ci.md) can
//! download it from a `file://` URL with curl, checksum included.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_norway::Value;

pub fn repo_file(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

pub fn yaml(p: &str) -> Value {
    let text = std::fs::read_to_string(repo_file(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{p} is not YAML: {e}"))
}

/// The crate version, which is the release tag without its `v`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The release target a runner on this machine downloads.
pub fn host_target() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" => "aarch64-unknown-linux-musl",
        _ => "x86_64-unknown-linux-musl",
    }
}

/// The `run:` text of release.yml's step `name` in job `job`.
pub fn workflow_step(job: &str, name: &str) -> String {
    let wf = yaml(".github/workflows/release.yml");
    wf["jobs"][job]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| s.get("name").and_then(Value::as_str) == Some(name))
        .and_then(|s| s.get("run"))
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("release.yml: no step {name:?} in job {job}"))
        .to_string()
}

/// Runs a step's shell as GitHub does (bash -e -o pipefail).
pub fn bash(script: &str, dir: &Path, env: &[(&str, &str)]) -> std::process::Output {
    let mut c = Command::new("bash");
    c.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .current_dir(dir);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

/// A release of the built binary for [`host_target`]: `url()` is what
/// `https://github.com/layerscope/layerscope/releases` is on GitHub, with
/// `download/vVERSION/{archive, SHA256SUMS}` under it.
pub struct Release {
    root: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    /// The archive's file name, as the Package step made it.
    pub archive: String,
}

impl Release {
    pub fn url(&self) -> String {
        format!("file://{}", self.root.join("releases").display())
    }

    pub fn download_dir(&self) -> PathBuf {
        self.root
            .join("releases/download")
            .join(format!("v{VERSION}"))
    }
}

/// The release the tests share (read-only): made once per test run, in
/// the target directory (replaced by the next run).
pub fn shared_release() -> &'static Release {
    static SHARED: std::sync::OnceLock<Release> = std::sync::OnceLock::new();
    SHARED.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("local-release");
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        make_release(root, None)
    })
}

/// A release of its own, for a test that alters it.
pub fn local_release() -> Release {
    let tmp = tempfile::tempdir().unwrap();
    make_release(tmp.path().to_path_buf(), Some(tmp))
}

fn make_release(root: PathBuf, tmp: Option<tempfile::TempDir>) -> Release {
    // The checkout after the Build step: target/TARGET/release/layerscope.
    let work = root.join("work");
    let built = work.join("target").join(host_target()).join("release");
    std::fs::create_dir_all(&built).unwrap();
    let bin = built.join("layerscope");
    std::fs::copy(env!("CARGO_BIN_EXE_layerscope"), &bin).unwrap();
    // Without the debug build's debug info (about what the release profile
    // leaves), so packing and unpacking stay quick.
    let _ = Command::new("strip").arg(&bin).status();
    std::fs::copy(repo_file("README.md"), work.join("README.md")).unwrap();
    let github_env = root.join("github_env");
    let tag = format!("v{VERSION}");
    let o = bash(
        &workflow_step("build", "Package"),
        &work,
        &[
            ("TARGET", host_target()),
            ("GITHUB_REF_NAME", &tag),
            ("GITHUB_ENV", github_env.to_str().unwrap()),
        ],
    );
    assert!(o.status.success(), "Package: {o:?}");
    let env = std::fs::read_to_string(&github_env).unwrap();
    let archive_path = env
        .lines()
        .find_map(|l| l.strip_prefix("ARCHIVE="))
        .expect("Package sets ARCHIVE for the upload step");
    let archive = Path::new(archive_path)
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();

    // The release job: the artifacts downloaded into dist/, then Checksums.
    let release = Release {
        root,
        _tmp: tmp,
        archive,
    };
    let dist = release.download_dir();
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::rename(work.join(archive_path), dist.join(&release.archive)).unwrap();
    let o = bash(&workflow_step("release", "Checksums"), &dist, &[]);
    assert!(o.status.success(), "Checksums: {o:?}");
    release
}
