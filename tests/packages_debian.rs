//! Package attribution on a real Debian image (issue 14), checked against an
//! independent route: testdata/packages/Dockerfile is built by buildah
//! (`bud --layers --isolation chroot`, overlay storage in a temp dir) from an
//! `mmdebstrap --variant=minbase bookworm` rootfs: gcc and binutils without
//! recommends (a compiler left in), wget with its recommends, `file` purged in
//! a later RUN, tzdata upgraded from bookworm-security, python3-pip and a pip
//! install of the six wheel next to Debian's python3-six, a hand-made npm
//! package. The final filesystem is mounted by buildah (the kernel's overlayfs
//! over buildah's layers) and testdata/packages/expected.py computes every
//! package's version, live bytes, files, hidden bytes and group, the total
//! live bytes owned by packages and the toolchain group's live bytes with
//! dpkg-query, the `.list` files stat'ed in that filesystem, RECORD read with
//! Python's csv, and the layer tars read with tarfile. `layerscope report
//! --format json` must give each figure exactly.
//!
//! Needs root, network (deb.debian.org; PyPI when the wheel is not cached),
//! buildah, mmdebstrap, python3 (with pip) and dpkg-query. The rootfs tarball
//! and the wheel are cached in `$LAYERSCOPE_CI_CACHE` (default
//! `${XDG_CACHE_HOME:-~/.cache}/layerscope-ci`)`/debian-packages`; the image
//! itself is built every run (measured here with other builds running:
//! 2.3 min with a warm cache, 4 min cold). Without root, a tool or the network it prints a note and returns,
//! except under CI (`CI=true`, as .ci/run is run), where that is a failure.

use std::collections::BTreeMap;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

const SIX_WHEEL: &str = "six-1.16.0-py2.py3-none-any.whl";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cache_dir() -> PathBuf {
    let base = if let Some(d) = std::env::var_os("LAYERSCOPE_CI_CACHE") {
        PathBuf::from(d)
    } else if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
        PathBuf::from(d).join("layerscope-ci")
    } else {
        PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/root".into()))
            .join(".cache/layerscope-ci")
    };
    base.join("debian-packages")
}

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Why the test cannot run here, if it cannot.
fn missing() -> Option<String> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !root {
        return Some("not root (buildah's chroot builds need it)".into());
    }
    let tools: Vec<&str> = ["buildah", "mmdebstrap", "python3", "dpkg-query", "timeout"]
        .into_iter()
        .filter(|t| !have(t))
        .collect();
    if !tools.is_empty() {
        return Some(format!("{} not installed", tools.join(", ")));
    }
    let reachable = ("deb.debian.org", 80)
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .is_some_and(|a| TcpStream::connect_timeout(&a, Duration::from_secs(10)).is_ok());
    if !reachable {
        return Some("no network (deb.debian.org:80 unreachable)".into());
    }
    None
}

/// `prog args` under `timeout` (a hung mirror or build fails the test, it
/// does not hang the suite); asserts success, naming the step.
fn run(step: &str, secs: u64, prog: &str, args: &[&str]) -> Output {
    let o = Command::new("timeout")
        .args(["-k", "10", &secs.to_string(), prog])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{step}: {prog}: {e}"));
    assert!(
        o.status.success(),
        "{step}: {prog} {args:?} failed ({}; 124 = timed out after {secs} s):\n{}\n{}",
        o.status,
        tail(&o.stdout),
        tail(&o.stderr)
    );
    o
}

fn tail(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// The cached mmdebstrap rootfs and six wheel, fetched when absent (each
/// written beside its final name and renamed, so concurrent runs never see
/// half a file).
fn inputs(cache: &Path) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(cache.join("wheels")).unwrap();
    let rootfs = cache.join("rootfs.tar");
    if !rootfs.exists() {
        let tmp = cache.join(format!("rootfs.tar.{}.tmp", std::process::id()));
        run(
            "mmdebstrap",
            900,
            "mmdebstrap",
            &[
                "--variant=minbase",
                "--format=tar",
                "bookworm",
                tmp.to_str().unwrap(),
                "http://deb.debian.org/debian",
            ],
        );
        std::fs::rename(&tmp, &rootfs).unwrap();
    }
    let wheel = cache.join("wheels").join(SIX_WHEEL);
    if !wheel.exists() {
        let tmp = cache.join(format!("wheels.{}.tmp", std::process::id()));
        run(
            "pip download",
            300,
            "python3",
            &[
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "six==1.16.0",
                "-d",
                tmp.to_str().unwrap(),
            ],
        );
        std::fs::rename(tmp.join(SIX_WHEEL), &wheel).unwrap();
        let _ = std::fs::remove_dir_all(&tmp);
    }
    (rootfs, wheel)
}

/// buildah with overlay storage in a temp dir; unmounts and removes its
/// containers when dropped (also on a failed assertion).
struct Store {
    root: PathBuf,
    run: PathBuf,
}

impl Store {
    fn args<'a>(&'a self, rest: &[&'a str]) -> Vec<&'a str> {
        let mut a = vec![
            "--root",
            self.root.to_str().unwrap(),
            "--runroot",
            self.run.to_str().unwrap(),
            "--storage-driver",
            "overlay",
        ];
        a.extend_from_slice(rest);
        a
    }

    fn ok(&self, step: &str, secs: u64, rest: &[&str]) -> String {
        let o = run(step, secs, "buildah", &self.args(rest));
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        for rest in [&["umount", "-a"][..], &["rm", "-a"], &["rmi", "-a", "-f"]] {
            let _ = Command::new("buildah").args(self.args(rest)).output();
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}

fn num(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or_else(|| panic!("{key} in {v}"))
}

#[test]
fn debian_image_figures_match_dpkg_query() {
    if let Some(why) = missing() {
        assert!(
            !under_ci(),
            "CI=true: the Debian packages test must run, but: {why} (.ci/run installs buildah, mmdebstrap, dpkg)"
        );
        eprintln!("note: {why}; the Debian packages test (real bookworm image) is skipped");
        return;
    }
    let t0 = Instant::now();
    let cache = cache_dir();
    let (rootfs, wheel) = inputs(&cache);
    let t_inputs = t0.elapsed();

    let tmp = tempfile::tempdir().unwrap();
    let ctx = tmp.path().join("ctx");
    std::fs::create_dir_all(ctx.join("wheels")).unwrap();
    let here = repo().join("testdata/packages");
    std::fs::copy(here.join("Dockerfile"), ctx.join("Dockerfile")).unwrap();
    if std::fs::hard_link(&rootfs, ctx.join("rootfs.tar")).is_err() {
        std::fs::copy(&rootfs, ctx.join("rootfs.tar")).unwrap();
    }
    std::fs::copy(&wheel, ctx.join("wheels").join(SIX_WHEEL)).unwrap();
    copy_dir(&here.join("node_modules"), &ctx.join("node_modules"));

    let t = Instant::now();
    let store = Store {
        root: tmp.path().join("root"),
        run: tmp.path().join("run"),
    };
    let iid = tmp.path().join("iid");
    store.ok(
        "buildah bud",
        900,
        &[
            "bud",
            "--layers",
            "--isolation",
            "chroot",
            "--iidfile",
            iid.to_str().unwrap(),
            "-f",
            ctx.join("Dockerfile").to_str().unwrap(),
            ctx.to_str().unwrap(),
        ],
    );
    let id = std::fs::read_to_string(&iid).unwrap().trim().to_string();
    let archive = tmp.path().join("packages.tar");
    store.ok(
        "buildah push",
        600,
        &[
            "push",
            "-q",
            &id,
            &format!(
                "docker-archive:{}:layerscope-packages:latest",
                archive.display()
            ),
        ],
    );
    let t_build = t.elapsed();

    // The independent figures, over the final filesystem as buildah mounts it.
    let t = Instant::now();
    let ctr = store.ok("buildah from", 120, &["from", &id]);
    let mnt = store.ok("buildah mount", 120, &["mount", &ctr]);
    let expected_json = tmp.path().join("expected.json");
    run(
        "expected.py",
        600,
        "python3",
        &[
            here.join("expected.py").to_str().unwrap(),
            archive.to_str().unwrap(),
            &mnt,
            expected_json.to_str().unwrap(),
        ],
    );
    store.ok("buildah umount", 120, &["umount", &ctr]);
    let t_expected = t.elapsed();
    let mut exp: BTreeMap<String, Value> =
        serde_json::from_slice(&std::fs::read(&expected_json).unwrap()).unwrap();

    let t = Instant::now();
    let o = crate::support::bin()
        .args(["report", "--format", "json"])
        .arg(&archive)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "report: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let t_report = t.elapsed();
    let ours: Value = serde_json::from_slice(&o.stdout).unwrap();

    let mut diffs = Vec::new();
    let total = exp.remove("total package_live_bytes").unwrap();
    let tool_bytes = exp.remove("total toolchain_bytes").unwrap();
    if ours["totals"]["package_live_bytes"] != total {
        diffs.push(format!(
            "totals.package_live_bytes {} expected {total}",
            ours["totals"]["package_live_bytes"]
        ));
    }
    let mut by_key: BTreeMap<String, &Value> = BTreeMap::new();
    for p in ours["packages"].as_array().unwrap() {
        let m = p["manager"].as_str().unwrap();
        let mut k = format!("{m} {}", p["name"].as_str().unwrap());
        if m != "dpkg" {
            k = format!("{k} {}", p["location"].as_str().unwrap());
        }
        by_key.insert(k, p);
    }
    for (k, e) in &exp {
        let Some(p) = by_key.get(k) else {
            diffs.push(format!("missing {k}: expected {e}"));
            continue;
        };
        let got = (
            if e["version"].is_null() {
                Value::Null
            } else {
                p["version"].clone()
            },
            num(p, "live_bytes"),
            num(p, "files"),
            num(p, "hidden_bytes"),
            p["group"].clone(),
        );
        let want = (
            e["version"].clone(),
            num(e, "live_bytes"),
            num(e, "files"),
            e["hidden_bytes"].as_u64().unwrap_or(0),
            e["group"].clone(),
        );
        if got != want {
            diffs.push(format!(
                "{k}: (version, live, files, hidden, group) {got:?} expected {want:?}"
            ));
        }
    }
    for (k, p) in &by_key {
        if !exp.contains_key(k) && p["removed_by"].is_null() {
            diffs.push(format!("extra package {k}"));
        }
    }
    // The compiler left in: one toolchain finding, its bytes the toolchain
    // group's live inodes (each once), made by the first RUN (layer 2, the
    // rootfs ADD being layer 1) that installed gcc.
    let tool: Vec<&Value> = ours["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "toolchain-in-image")
        .collect();
    assert_eq!(tool.len(), 1, "{}", ours["findings"]);
    if tool[0]["bytes"] != tool_bytes {
        diffs.push(format!(
            "toolchain-in-image bytes {} expected {tool_bytes}",
            tool[0]["bytes"]
        ));
    }
    if tool[0]["layer"] != 2 {
        diffs.push(format!(
            "toolchain-in-image layer {} expected 2",
            tool[0]["layer"]
        ));
    }
    assert!(
        diffs.is_empty(),
        "{} of {} packages compared differ:\n{}",
        diffs.len(),
        exp.len(),
        diffs.join("\n")
    );
    // What the image must exercise, so the comparison above means something.
    for k in [
        "dpkg gcc-12",
        "dpkg cpp-12",
        "dpkg binutils",
        "dpkg tzdata",
        "dpkg wget",
    ] {
        assert!(num(&exp[k], "live_bytes") > 0, "{k} not live: {}", exp[k]);
    }
    for k in ["dpkg file", "dpkg libmagic1"] {
        assert!(
            exp[k]["hidden_bytes"].as_u64().unwrap_or(0) > 0 && !by_key[k]["removed_by"].is_null(),
            "{k} purged in a later RUN: {}",
            exp[k]
        );
    }
    assert!(exp["dpkg tzdata"]["hidden_bytes"].as_u64().unwrap_or(0) > 0);
    eprintln!(
        "packages_debian: {} packages, package_live_bytes {total}, toolchain {tool_bytes}: 0 differences; \
         inputs {:.0} s, build+push {:.0} s, expected.py {:.0} s, report {:.0} s",
        exp.len(),
        t_inputs.as_secs_f64(),
        t_build.as_secs_f64(),
        t_expected.as_secs_f64(),
        t_report.as_secs_f64()
    );
}
