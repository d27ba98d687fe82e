//! rpm's `rpmdb.sqlite` (docs/packages.md) on a real image:
//! `testdata/rpm/docker-archive.tar`, built by `testdata/images/rpm/build.sh`
//! with rpmbuild, `rpm --root` and umoci. The expected figures come from
//! rpm's own answers saved after each layer and the layer tars read by
//! Python's tarfile (`testdata/images/rpm/expected.py` → `EXPECTED.json`), never from
//! layerscope. The real database bytes are also reused in layers built in
//! code: another location (Fedora's), truncated, next to a write-ahead log.

use std::io::Read;
use std::path::PathBuf;

use crate::support::layers::{image, LayerTar};
use layerscope_core::analysis::{Analysis, CacheRules};
use layerscope_core::packages::Manager;
use serde_json::Value;

fn archive() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/rpm/docker-archive.tar")
}

fn expected() -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/images/rpm/EXPECTED.json");
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn report() -> Value {
    let out = crate::support::bin()
        .args(["report", "--format", "json"])
        .arg(archive())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn real_rpm_image_matches_rpm_and_tarfile() {
    let want = expected();
    let got = report();
    let pkgs = got["packages"].as_array().unwrap();
    let want_pkgs = want["packages"].as_array().unwrap();
    // Three packages: hello (upgraded), gone (erased in layer 2),
    // world-devel.
    assert_eq!(want_pkgs.len(), 3);
    assert_eq!(pkgs.len(), want_pkgs.len());
    // Same order (largest first) and the same figures.
    for (g, w) in pkgs.iter().zip(want_pkgs) {
        for key in [
            "name",
            "version",
            "live_bytes",
            "hidden_bytes",
            "files",
            "installed_by",
            "removed_by",
        ] {
            assert_eq!(g[key], w[key], "{} {key}", w["name"]);
        }
        assert_eq!(
            (g["manager"].as_str(), g["location"].as_str()),
            (Some("rpm"), Some("/"))
        );
    }
    // The hand check of EXPECTED.json itself (build.sh's packages):
    // hello 1.1: its 3500-byte binary, README "hello 1.1\n", NOTES (33 B,
    // hardlinked as NOTES.link: one inode), the %ghost log the program
    // wrote ("hello ran\n"); hidden: 1.0's binary, README and NOTES.
    assert_eq!(
        (
            &want_pkgs[0]["name"],
            &want_pkgs[0]["live_bytes"],
            &want_pkgs[0]["files"]
        ),
        (
            &Value::from("hello"),
            &Value::from(3500 + 10 + 33 + 10),
            &Value::from(4)
        )
    );
    assert_eq!(want_pkgs[0]["hidden_bytes"], 3000 + 10 + 33);
    assert_eq!(want_pkgs[2]["version"], "2:2.0-3");
    for key in ["live_bytes", "package_live_bytes", "unowned_live_bytes"] {
        assert_eq!(got["totals"][key], want["totals"][key], "totals.{key}");
    }
    let layers = got["layers"].as_array().unwrap();
    for (g, w) in layers.iter().zip(want["layers"].as_array().unwrap()) {
        for key in ["installed", "removed", "upgraded"] {
            assert_eq!(g[format!("packages_{key}")], w[key], "{key}");
        }
    }
    // gone: installed by layer 1, erased by layer 2, its bytes still ship.
    let findings = got["findings"].as_array().unwrap();
    let removed = findings
        .iter()
        .find(|f| f["rule"] == "package-removed-later")
        .unwrap();
    assert_eq!(removed["bytes"], want_pkgs[1]["hidden_bytes"]);
    assert_eq!(removed["layer"], 1);
    assert!(
        removed["remedy"]
            .as_str()
            .unwrap()
            .contains("dnf remove -y P"),
        "{removed}"
    );
    assert!(!findings
        .iter()
        .any(|f| f["rule"] == "package-database-unreadable"));
    // world-devel: a `*-devel` name, the toolchain group; the remedy
    // speaks dnf in an image without dpkg.
    assert_eq!(pkgs[2]["group"], "toolchain");
    let tool = findings
        .iter()
        .find(|f| f["rule"] == "toolchain-in-image")
        .unwrap();
    assert_eq!(
        (&tool["bytes"], &tool["layer"]),
        (&want_pkgs[2]["live_bytes"], &Value::from(2))
    );
    let remedy = tool["remedy"].as_str().unwrap();
    assert!(
        remedy.contains("FROM fedora AS build\nRUN dnf install -y world-devel && dnf clean all\n"),
        "{remedy}"
    );
}

/// The final `rpmdb.sqlite` of the committed image (layer 2's).
fn real_db() -> Vec<u8> {
    let mut outer = tar::Archive::new(std::fs::File::open(archive()).unwrap());
    let mut files = std::collections::HashMap::new();
    for e in outer.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mut b = Vec::new();
        e.read_to_end(&mut b).unwrap();
        files.insert(name, b);
    }
    let manifest: Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    let layer = manifest[0]["Layers"][1].as_str().unwrap();
    let mut inner = tar::Archive::new(&files[layer][..]);
    for e in inner.entries().unwrap() {
        let mut e = e.unwrap();
        if e.path().unwrap().to_str() == Some("var/lib/rpm/rpmdb.sqlite") {
            let mut b = Vec::new();
            e.read_to_end(&mut b).unwrap();
            return b;
        }
    }
    panic!("no rpmdb.sqlite in layer 2");
}

#[test]
fn fedora_location_through_the_var_lib_rpm_symlink() {
    // Fedora >= 36: the database lives in /usr/lib/sysimage/rpm and
    // /var/lib/rpm is a symlink to it; the tar holds the real path only.
    let db = real_db();
    let mut l = LayerTar::new()
        .dir("usr/lib/sysimage/rpm")
        .dir("var/lib")
        .symlink("var/lib/rpm", "../../usr/lib/sysimage/rpm")
        .file("usr/bin/hello", 3500, 1)
        .file("usr/bin/world-devel", 1200, 2)
        .file("usr/share/world-devel/README", 16, 3);
    l.file_bytes("usr/lib/sysimage/rpm/rpmdb.sqlite", &db);
    let a = Analysis::new(
        image(vec![(l.scan(), "dnf install")]),
        CacheRules::builtin(),
    );
    assert!(a.packages.problems.is_empty(), "{:?}", a.packages.problems);
    let got: Vec<(&str, &str, u64, u64)> = a
        .packages
        .list
        .iter()
        .map(|p| {
            assert_eq!(p.manager, Manager::Rpm);
            (p.name.as_str(), p.version.as_str(), p.live_bytes, p.files)
        })
        .collect();
    assert_eq!(
        got,
        [
            ("hello", "1.1-1", 3500, 1),
            ("world-devel", "2:2.0-3", 1216, 2)
        ]
    );
}

#[test]
fn broken_and_unsupported_rpm_databases_are_findings() {
    let db = real_db();
    // Truncated: the b-tree points at pages past the end.
    let mut l1 = LayerTar::new().file("usr/bin/hello", 3500, 1);
    l1.file_bytes("var/lib/rpm/rpmdb.sqlite", &db[..db.len() / 2]);
    // A write-ahead log rpm left unchecked; a Berkeley DB Packages file.
    let mut l2 = LayerTar::new().file("var/lib/rpm/rpmdb.sqlite-wal", 4152, 2);
    l2.file_bytes("var/lib/rpm/rpmdb.sqlite", &db);
    let l2 = l2.file("usr/lib/sysimage/rpm/Packages", 8192, 3);
    let a = Analysis::new(
        image(vec![(l1.scan(), "rpm -i"), (l2.scan(), "rpm -U")]),
        CacheRules::builtin(),
    );
    let msgs: Vec<String> = a
        .findings
        .iter()
        .filter(|f| f.rule == "package-database-unreadable")
        .map(|f| f.message.clone())
        .collect();
    assert_eq!(msgs.len(), 3, "{msgs:#?}");
    // The page size is the header's big-endian u16 at offset 16.
    let pages = db.len() / 2 / u16::from_be_bytes([db[16], db[17]]) as usize;
    assert!(
        msgs[0].starts_with("layer 1: /var/lib/rpm/rpmdb.sqlite: ")
            && msgs[0].ends_with(&format!(
                "is past the end of the file ({pages} pages): truncated?"
            )),
        "{}",
        msgs[0]
    );
    assert!(
        msgs[1].starts_with(
            "layer 2: /var/lib/rpm/rpmdb.sqlite: its write-ahead log /var/lib/rpm/rpmdb.sqlite-wal holds 4152 bytes"
        ),
        "{}",
        msgs[1]
    );
    assert_eq!(
        msgs[2],
        "layer 2: /usr/lib/sysimage/rpm/Packages: a Berkeley DB rpm database: not read (only rpmdb.sqlite is, rpm >= 4.16): its packages are not counted"
    );
    // Layer 2's intact database is still read.
    let names: Vec<&str> = a.packages.list.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["hello", "world-devel"]);
}

/// `check`'s package budgets on the real rpm image, as budget-file keys and
/// as flags (a flag overrides the file): `max_toolchain` is the toolchain
/// group's live bytes (world-devel alone here), a per-package limit the
/// live bytes of the largest matching package; limits from EXPECTED.json.
#[test]
fn package_budgets_as_keys_and_flags() {
    let want = expected();
    let live = |name: &str| -> u64 {
        want["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()["live_bytes"]
            .as_u64()
            .unwrap()
    };
    let (tool, hello) = (live("world-devel"), live("hello"));
    crate::support::budget::assert_limit_forms(
        &archive(),
        "packages.max_toolchain",
        tool,
        |l| format!("--max-toolchain={l}"),
        |l| format!("[budget.packages]\nmax_toolchain = {l}\n"),
    );
    crate::support::budget::assert_limit_forms(
        &archive(),
        "packages.hel*",
        hello,
        |l| format!("--max-package=hel*={l}"),
        |l| format!("[budget.packages]\n\"hel*\" = {l}\n"),
    );
}
