//! Unstripped ELF files (docs/packages.md) on a real image: testdata/elf,
//! built by buildah from binaries gcc built with -g (testdata/images/elf/build.sh).
//! The expected figures come from binutils itself: testdata/images/elf/expected.py
//! strips a copy of every final ELF file with `strip --strip-unneeded` and
//! sums the sizes of the sections `readelf -S -W` no longer lists. The
//! figures must be the same through the seekable pass (a docker-archive
//! file), the streaming pass (stdin) and the verifying pass (`--verify`).

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::bin;

const ARCHIVE: &str = "testdata/elf/docker-archive.tar";

fn expected() -> Value {
    let out = Command::new("python3")
        .args(["testdata/images/elf/expected.py", ARCHIVE])
        .output()
        .expect("python3 (and binutils' strip, readelf)");
    assert!(
        out.status.success(),
        "expected.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn report(args: &[&str], stdin: Option<&[u8]>) -> Value {
    let mut c = bin();
    c.args(["report", "--format", "json"]).args(args);
    c.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    if let Some(b) = stdin {
        child.stdin.take().unwrap().write_all(b).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn strippable_bytes_equal_what_strip_removes_in_every_pass() {
    let want = expected();
    let files = want["files"].as_array().unwrap();
    // The image's cases: the unstripped executable (two names, one
    // inode), the library and its debug file; the stripped copy and the
    // removed tool are not among them.
    assert_eq!(files.len(), 3, "{want}");
    let archive = std::fs::read(ARCHIVE).unwrap();
    // The layer cache (read and written with --verify only): the second
    // run reads the side table back from the cache.
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().to_str().unwrap();
    let cached = ["--verify", "--cache-dir", cache_dir, ARCHIVE];
    let filled = report(&cached, None);
    let entries = std::fs::read_dir(cache.path()).unwrap().count();
    assert!(entries > 0, "the cache was written");
    for (how, r) in [
        ("file (seek)", report(&["--no-cache", ARCHIVE], None)),
        (
            "stdin (stream)",
            report(&["--no-cache", "-"], Some(&archive)),
        ),
        (
            "--verify",
            report(&["--no-cache", "--verify", ARCHIVE], None),
        ),
        ("--verify, cache written", filled),
        ("--verify, cache read", report(&cached, None)),
    ] {
        assert_eq!(r["totals"]["strippable_bytes"], want["total"], "{how}");
        assert_eq!(r["totals"]["strippable_unknown_files"], 0, "{how}");
        let got = r["unstripped"].as_array().unwrap();
        assert_eq!(got.len(), files.len(), "{how}: {got:?}");
        for (g, w) in got.iter().zip(files) {
            let paths: Vec<&str> = w["paths"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap())
                .collect();
            assert!(
                paths.contains(&g["path"].as_str().unwrap()),
                "{how}: {g} not one of {paths:?}"
            );
            assert_eq!(g["strippable_bytes"], w["strippable_bytes"], "{how}: {g}");
            assert_eq!(g["package"], w["package"], "{how}: {g}");
        }
        // Per package: its files' figures.
        for p in r["packages"].as_array().unwrap() {
            let sum: u64 = files
                .iter()
                .filter(|f| f["package"] == p["name"])
                .map(|f| f["strippable_bytes"].as_u64().unwrap())
                .sum();
            assert_eq!(p["strippable_bytes"], sum, "{how}: {}", p["name"]);
        }
        // One finding per build step that added them, with the bytes.
        let findings: Vec<&Value> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "unstripped-elf")
            .collect();
        let by_layer = |l: u64| -> u64 {
            got.iter()
                .filter(|f| f["added_by"] == l)
                .map(|f| f["strippable_bytes"].as_u64().unwrap())
                .sum()
        };
        assert_eq!(findings.len(), 2, "{how}");
        for f in &findings {
            let layer = f["layer"].as_u64().unwrap();
            assert_eq!(f["bytes"].as_u64().unwrap(), by_layer(layer), "{how}: {f}");
        }
        let user = findings.iter().find(|f| f["layer"] == 2).unwrap();
        assert!(
            user["remedy"]
                .as_str()
                .unwrap()
                .contains("strip --strip-unneeded /usr/local/bin/hello"),
            "{user}"
        );
        let base = findings.iter().find(|f| f["layer"] == 1).unwrap();
        assert!(
            base["remedy"]
                .as_str()
                .unwrap()
                .contains("don't install libtw1-dbgsym"),
            "{base}"
        );
    }
}

/// `[budget.packages] max_unstripped` and its flag `--max-unstripped`: the
/// value is the total strip removes (from expected.py), failing over the
/// limit with the files as offenders; the flag overrides the file.
#[test]
fn the_check_budget_on_strippable_bytes() {
    crate::support::budget::assert_limit_forms(
        std::path::Path::new(ARCHIVE),
        "packages.max_unstripped",
        expected()["total"].as_u64().unwrap(),
        |l| format!("--max-unstripped={l}"),
        |l| format!("[budget.packages]\nmax_unstripped = {l}\n"),
    );
}

/// The strip figures in text, md and html: each package's row carries its
/// strippable bytes (exact in html's `data-bytes`, 3 significant digits in
/// text and md), from binutils' answer.
#[test]
fn packages_tables_show_each_packages_strippable_bytes() {
    let want = expected();
    let per_package = |name: &str| -> u64 {
        want["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["package"] == name)
            .map(|f| f["strippable_bytes"].as_u64().unwrap())
            .sum()
    };
    // 3 significant digits in decimal units, written independently of the
    // reports' own formatter (only the sizes this image has: bytes, kB).
    let si = |b: u64| -> String {
        if b < 1000 {
            format!("{b} B")
        } else {
            format!("{:.2} kB", b as f64 / 1000.0)
        }
    };
    let render = |format: &str| -> String {
        let out = bin()
            .args(["report", "--format", format, ARCHIVE])
            .output()
            .unwrap();
        assert!(out.status.success(), "{format}");
        String::from_utf8(out.stdout).unwrap()
    };
    let (text, md, html) = (render("text"), render("md"), render("html"));
    assert!(text.contains("hidden  strippable   files"), "{text}");
    assert!(
        md.contains("| Live | Hidden | Strippable | Files |"),
        "{md}"
    );
    assert!(html.contains(r#"<th class="num">hidden</th><th class="num">strippable</th>"#));
    for name in ["libtw1", "libtw1-dbgsym"] {
        let bytes = per_package(name);
        assert_eq!(bytes, 1523, "expected.py's figure for {name}");
        let row = |doc: &str, key: &str| -> String {
            doc.lines()
                .find(|l| l.contains(key))
                .unwrap_or_else(|| panic!("no row {key} in\n{doc}"))
                .to_string()
        };
        let t = row(&text, &format!(" {name} 1.0-1"));
        let cols: Vec<&str> = t
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        assert_eq!(cols[2], si(bytes), "text row {t}");
        let m = row(&md, &format!("| {name} |"));
        let cols: Vec<&str> = m.split('|').map(str::trim).collect();
        assert_eq!(cols[3], si(bytes), "md row {m}");
        let h = row(&html, &format!("<td>{name}</td>"));
        let cells: Vec<&str> = h.split("data-bytes=\"").skip(1).collect();
        assert_eq!(
            cells[2].split('"').next().unwrap(),
            bytes.to_string(),
            "html row {h}"
        );
    }
}
