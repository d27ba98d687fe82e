//! Publishing: every workspace crate carries the metadata crates.io shows,
//! and the release workflow's archives are where `cargo binstall` looks
//! (Cargo.toml's [package.metadata.binstall] templates, expanded here) and
//! hold the binary where its `bin-dir` says.

use std::collections::BTreeSet;
use std::process::Command;

use crate::support::release::{self, host_target, VERSION};

const REPO: &str = "https://github.com/layerscope/layerscope";

/// cargo-binstall's `{ var }` templates (no escapes used here).
fn expand(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find('}').expect("closed {") + i;
        let key = rest[i + 1..end].trim();
        let v = vars
            .iter()
            .find(|(k, _)| *k == key)
            .unwrap_or_else(|| panic!("template variable {key:?} not provided"));
        out.push_str(v.1);
        rest = &rest[end + 1..];
    }
    out + rest
}

fn metadata() -> serde_json::Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let o = Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--offline",
            "--format-version",
            "1",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn every_crate_is_ready_for_crates_io() {
    let m = metadata();
    let pkgs = m["packages"].as_array().unwrap();
    assert_eq!(pkgs.len(), 6, "the binary and five library crates");
    for p in pkgs {
        let name = p["name"].as_str().unwrap();
        assert_eq!(p["repository"], REPO, "{name}");
        assert!(p["homepage"].as_str().is_some(), "{name}: homepage");
        assert_eq!(p["license"], "MIT OR Apache-2.0", "{name}");
        assert!(p["description"].as_str().is_some_and(|d| !d.is_empty()));
        let readme = p["readme"].as_str().expect("readme");
        let dir = std::path::Path::new(p["manifest_path"].as_str().unwrap())
            .parent()
            .unwrap();
        assert!(dir.join(readme).is_file(), "{name}: {readme}");
        let kw = p["keywords"].as_array().unwrap();
        assert!((1..=5).contains(&kw.len()), "{name}: crates.io takes 5");
        let cats = p["categories"].as_array().unwrap();
        assert!((1..=5).contains(&cats.len()), "{name}: categories");
        // null: publishable anywhere (publish = false would be [])
        assert!(p["publish"].is_null(), "{name}: publish = {}", p["publish"]);
    }
}

#[test]
fn release_archives_are_where_binstall_looks() {
    let m = metadata();
    let root = m["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "layerscope")
        .unwrap();
    let bs = &root["metadata"]["binstall"];
    assert_eq!(bs["pkg-fmt"], "tgz");

    // The workflow builds the four targets the action knows.
    let wf = release::yaml(".github/workflows/release.yml");
    assert_eq!(wf["on"]["push"]["tags"][0].as_str(), Some("v*"));
    let targets: BTreeSet<String> = wf["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|e| e["target"].as_str().unwrap().to_string())
        .collect();
    let want: BTreeSet<String> = [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "aarch64-apple-darwin",
        "x86_64-apple-darwin",
    ]
    .map(String::from)
    .into();
    assert_eq!(targets, want);
    let action = std::fs::read_to_string(release::repo_file("action.yml")).unwrap();
    for t in &targets {
        assert!(
            action.contains(&format!("target={t} ;;")),
            "action.yml: {t}"
        );
    }

    // The Package step on this machine's target: its archive is the file
    // binstall's pkg-url names, and the binary is at bin-dir inside it.
    let rel = release::shared_release();
    let vars = [
        ("repo", REPO),
        ("name", "layerscope"),
        ("version", VERSION),
        ("target", host_target()),
        ("bin", "layerscope"),
        ("binary-ext", ""),
    ];
    let url = expand(bs["pkg-url"].as_str().unwrap(), &vars);
    assert_eq!(
        url,
        format!("{REPO}/releases/download/v{VERSION}/{}", rel.archive)
    );
    let bin_dir = expand(bs["bin-dir"].as_str().unwrap(), &vars);
    let dist = rel.download_dir();
    let list = Command::new("tar")
        .args(["-tzf", &rel.archive])
        .current_dir(&dist)
        .output()
        .unwrap();
    let list = String::from_utf8(list.stdout).unwrap();
    assert!(list.lines().any(|l| l == bin_dir), "{bin_dir} in {list}");

    // SHA256SUMS lists the archive, and verifies.
    let sums = std::fs::read_to_string(dist.join("SHA256SUMS")).unwrap();
    assert_eq!(sums.lines().count(), 1, "{sums}");
    assert!(sums.ends_with(&format!("  {}\n", rel.archive)), "{sums}");
    let ok = Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(&dist)
        .output()
        .unwrap();
    assert!(ok.status.success(), "{ok:?}");
}

#[test]
fn release_workflow_shape() {
    let wf = release::yaml(".github/workflows/release.yml");
    let release = &wf["jobs"]["release"];
    assert_eq!(release["needs"].as_str(), Some("build"));
    assert_eq!(
        release["permissions"]["contents"].as_str(),
        Some("write"),
        "gh release create needs it"
    );
    let publish = release::workflow_step("release", "Publish the release");
    assert!(publish.contains("gh release create"), "{publish}");
    assert!(publish.contains("SHA256SUMS"), "{publish}");
    // Every step that runs a shell says which (macOS and Linux alike).
    for job in ["build", "release"] {
        for s in wf["jobs"][job]["steps"].as_sequence().unwrap() {
            if s.get("run").is_some() {
                assert_eq!(s["shell"].as_str(), Some("bash"), "{s:?}");
            }
        }
    }
    // The tag check reads the same version cargo does.
    let check = release::workflow_step("build", "The tag is the crate version");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        release::repo_file("Cargo.toml"),
        dir.path().join("Cargo.toml"),
    )
    .unwrap();
    let good = format!("v{VERSION}");
    let o = release::bash(&check, dir.path(), &[("GITHUB_REF_NAME", &good)]);
    assert!(o.status.success(), "{o:?}");
    let o = release::bash(&check, dir.path(), &[("GITHUB_REF_NAME", "v9.9.9")]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("::error::tag v9.9.9"));
}
