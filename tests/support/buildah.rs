//! buildah with its storage in a temp dir (vfs driver, chroot isolation):
//! shared by the tests that build real images.

use std::path::PathBuf;
use std::process::{Command, Output};

pub struct Buildah {
    pub root: PathBuf,
    pub runroot: PathBuf,
}

impl Buildah {
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("buildah")
            .arg("--root")
            .arg(&self.root)
            .arg("--runroot")
            .arg(&self.runroot)
            .args(["--storage-driver", "vfs"])
            .args(args)
            .env("BUILDAH_ISOLATION", "chroot")
            .output()
            .unwrap()
    }

    /// `run`, asserting success; stdout trimmed.
    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "buildah {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }
}
