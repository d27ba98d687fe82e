//! Package attribution (docs/packages.md) on layers built in code: every
//! figure below is worked out by hand from the files each layer writes.

use crate::support::layers::{image, LayerTar};
use layerscope_core::analysis::{Analysis, CacheRules};
use layerscope_core::overlay::Overlay;
use layerscope_core::packages::{Databases, Manager, Package, Packages};
use layerscope_core::source::Image;
use layerscope_core::LayerIndex;

const STATUS_1: &str = "Package: a\nStatus: install ok installed\nVersion: 1.0\nDepends: b (>= 1)\nRecommends: rec\n\nPackage: b\nStatus: install ok installed\nVersion: 1\n\nPackage: rec\nStatus: install ok installed\nVersion: 0.1\n";
const STATUS_2: &str = "Package: a\nStatus: install ok installed\nVersion: 1.0\nDepends: b (>= 1)\nRecommends: rec\n\nPackage: b\nStatus: install ok installed\nVersion: 2\n\nPackage: rec\nStatus: install ok installed\nVersion: 0.1\n\nPackage: c\nStatus: install ok installed\nVersion: 3\n";
const RECORD: &str = "six.py,sha256=x,80\nsix-1.16.0.dist-info/RECORD,,\n";
const X_JSON: &str = r#"{"name":"x","version":"1.2.3"}"#;
const Y_JSON: &str = r#"{"name":"y","version":"0.0.1"}"#;

fn analysis() -> Analysis {
    Analysis::new(three_layers(), CacheRules::builtin())
}

fn three_layers() -> Image {
    let mut l1 = LayerTar::new()
        .dir("usr")
        .dir("usr/bin")
        .symlink("bin", "usr/bin")
        .file("usr/bin/tool", 1000, 1)
        .hardlink("usr/bin/tool2", "usr/bin/tool")
        .file("usr/lib/libshared.so", 300, 2)
        .file("usr/lib/b.dat", 200, 3)
        .file("usr/share/rec.txt", 50, 4)
        .file("data/user.bin", 700, 5);
    l1.file_bytes("var/lib/dpkg/status", STATUS_1.as_bytes());
    // a lists /bin/tool through the usrmerge symlink, and both names of
    // one inode.
    l1.file_bytes(
        "var/lib/dpkg/info/a.list",
        b"/usr\n/bin/tool\n/usr/bin/tool2\n/usr/lib/libshared.so\n",
    );
    l1.file_bytes(
        "var/lib/dpkg/info/b:amd64.list",
        b"/usr/lib/libshared.so\n/usr/lib/b.dat\n",
    );
    l1.file_bytes("var/lib/dpkg/info/rec.list", b"/usr/share/rec.txt\n");
    l1.file_bytes(
        "var/lib/apt/extended_states",
        b"Package: rec\nArchitecture: amd64\nAuto-Installed: 1\n\nPackage: b\nArchitecture: amd64\nAuto-Installed: 1\n",
    );
    // Layer 2: c installed, b upgraded (its b.dat rewritten).
    let mut l2 = LayerTar::new()
        .file("opt/c.bin", 400, 6)
        .file("usr/lib/b.dat", 250, 7);
    l2.file_bytes(
        "var/lib/dpkg/status",
        STATUS_1.replace("Version: 1\n", "Version: 2\n").as_bytes(),
    );
    l2.file_bytes("var/lib/dpkg/status", STATUS_2.as_bytes());
    l2.file_bytes("var/lib/dpkg/info/c.list", b"/opt\n/opt/c.bin\n");
    // Layer 3: c purged; a pip install, npm packages, a broken conda db.
    let mut l3 = LayerTar::new()
        .whiteout("opt/c.bin")
        .whiteout("var/lib/dpkg/info/c.list")
        .file("usr/local/lib/python3.11/site-packages/six.py", 80, 8)
        .file("app/node_modules/x/index.js", 30, 9)
        .file("app/node_modules/x/node_modules/y/y.js", 20, 10)
        .file("app/node_modules/.bin/x", 5, 11);
    l3.file_bytes(
        "var/lib/dpkg/status",
        STATUS_1.replace("Version: 1\n", "Version: 2\n").as_bytes(),
    );
    l3.file_bytes(
        "usr/local/lib/python3.11/site-packages/six-1.16.0.dist-info/RECORD",
        RECORD.as_bytes(),
    );
    l3.file_bytes("app/node_modules/x/package.json", X_JSON.as_bytes());
    l3.file_bytes(
        "app/node_modules/x/node_modules/y/package.json",
        Y_JSON.as_bytes(),
    );
    l3.file_bytes("opt/conda/conda-meta/bad-1-0.json", b"{");
    image(vec![
        (l1.scan(), "/bin/sh -c apt-get install a"),
        (l2.scan(), "/bin/sh -c apt-get install c"),
        (l3.scan(), "/bin/sh -c apt-get purge c && pip install six"),
    ])
}

fn find<'a>(a: &'a Analysis, manager: Manager, name: &str) -> &'a Package {
    a.packages
        .list
        .iter()
        .find(|p| p.manager == manager && p.name == name)
        .unwrap_or_else(|| panic!("no package {name}"))
}

fn l(n: usize) -> Option<LayerIndex> {
    Some(LayerIndex::from_number(n))
}

#[test]
fn live_hidden_and_layers_by_hand() {
    let a = analysis();
    let p = find(&a, Manager::Dpkg, "a");
    // tool (1000, listed under two names and through /bin, once) + the
    // shared library (300, also b's: it counts for each).
    assert_eq!((p.live_bytes, p.files, p.hidden_bytes), (1300, 2, 0));
    assert_eq!(
        (p.version.as_str(), p.installed_by, p.removed_by),
        ("1.0", l(1), None)
    );
    let b = find(&a, Manager::Dpkg, "b");
    // shared 300 + the upgrade's b.dat 250 live; the old b.dat (200) was
    // b's in layer 1's databases.
    assert_eq!((b.live_bytes, b.files, b.hidden_bytes), (550, 2, 200));
    assert_eq!(b.version, "2");
    assert!(b.auto_installed && !b.recommended_only, "a depends on b");
    let rec = find(&a, Manager::Dpkg, "rec");
    assert_eq!(rec.live_bytes, 50);
    assert!(rec.auto_installed && rec.recommended_only);
    let c = find(&a, Manager::Dpkg, "c");
    assert_eq!((c.live_bytes, c.hidden_bytes), (0, 400));
    assert_eq!((c.installed_by, c.removed_by), (l(2), l(3)));
    let six = find(&a, Manager::Python, "six");
    assert_eq!(six.live_bytes, 80 + RECORD.len() as u64);
    assert_eq!(six.location, "/usr/local/lib/python3.11/site-packages");
    // x owns its directory but not node_modules/ below it (y's, and .bin).
    let x = find(&a, Manager::Npm, "x");
    assert_eq!(
        (x.live_bytes, x.files, x.version.as_str()),
        (30 + X_JSON.len() as u64, 2, "1.2.3")
    );
    let y = find(&a, Manager::Npm, "y");
    assert_eq!(y.live_bytes, 20 + Y_JSON.len() as u64);

    let owned = 1000 + 300 + 250 + 50 + six.live_bytes + x.live_bytes + y.live_bytes;
    assert_eq!(a.totals.package_live_bytes, owned);
    assert_eq!(a.totals.unowned_live_bytes, a.totals.live_bytes - owned);
    // Unowned: data/user.bin, app/node_modules/.bin/x, the databases
    // themselves, the broken conda file.
    assert_eq!(
        a.totals.unowned_live_bytes,
        700 + 5
            + STATUS_1.replace("Version: 1\n", "Version: 2\n").len() as u64
            + b"/usr\n/bin/tool\n/usr/bin/tool2\n/usr/lib/libshared.so\n".len() as u64
            + b"/usr/lib/libshared.so\n/usr/lib/b.dat\n".len() as u64
            + b"/usr/share/rec.txt\n".len() as u64
            + b"Package: rec\nArchitecture: amd64\nAuto-Installed: 1\n\nPackage: b\nArchitecture: amd64\nAuto-Installed: 1\n".len() as u64
            + 1
    );

    let per: Vec<(u64, u64, u64)> = a
        .packages_per_layer()
        .iter()
        .map(|p| (p.installed, p.removed, p.upgraded))
        .collect();
    assert_eq!(per, [(3, 0, 0), (1, 0, 1), (3, 1, 0)]);
    // Largest first.
    let sizes: Vec<u64> = a
        .packages
        .list
        .iter()
        .map(|p| p.live_bytes + p.hidden_bytes)
        .collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
    assert_eq!(a.packages.list[0].name, "a");
}

/// The databases are parsed beside the overlay and the step runs beside
/// the other figures (docs/performance.md, packages round 5): every way an
/// analysis is made gives the packages worked out by hand above, and
/// databases parsed for other rules are not used.
#[test]
fn every_analysis_path_gives_the_same_packages() {
    let expected = analysis().packages;
    assert_eq!(find_in(&expected, "b").hidden_bytes, 200);
    let rules = CacheRules::builtin();
    for (how, a) in [
        ("lean", Analysis::lean(three_layers(), rules.clone())),
        (
            "without_dive",
            Analysis::without_dive(three_layers(), rules.clone()),
        ),
        ("with_overlay", {
            let img = three_layers();
            let overlay = Overlay::build(img.layers.iter().map(|l| &l.changeset));
            Analysis::with_overlay(img, overlay, rules.clone())
        }),
    ] {
        assert_eq!(a.packages, expected, "{how}");
        assert_eq!(a.totals.package_live_bytes, expected.live_bytes, "{how}");
    }
    let img = three_layers();
    let overlay = Overlay::build(img.layers.iter().map(|l| &l.changeset));
    let mut skip = rules.packages.clone();
    skip.skip = true;
    // Parsed under `skip`: nothing was parsed, so the step parses again.
    let stale = Databases::parse(&img, &skip);
    assert_eq!(
        Packages::from_databases(&img, &overlay, &rules.packages, stale),
        expected
    );
    assert_eq!(Packages::build(&img, &overlay, &rules.packages), expected);
    // And `skip` itself gives no package at all.
    let none = Packages::from_databases(
        &img,
        &overlay,
        &skip,
        Databases::parse(&img, &rules.packages),
    );
    assert!(none.list.is_empty() && none.live_bytes == 0);
}

fn find_in<'a>(p: &'a Packages, name: &str) -> &'a Package {
    p.list
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no package {name}"))
}

#[test]
fn findings_name_bytes_and_steps() {
    let a = analysis();
    let removed = a
        .findings
        .iter()
        .find(|f| f.rule == "package-removed-later")
        .unwrap();
    assert_eq!((removed.bytes, removed.layer), (400, l(2)));
    assert!(removed.message.contains("c (400 B)"), "{}", removed.message);
    let rec = a
        .findings
        .iter()
        .find(|f| f.rule == "recommended-only-packages")
        .unwrap();
    assert_eq!((rec.bytes, rec.layer), (50, l(1)));
    assert!(rec.remedy.contains("--no-install-recommends"));
    let bad = a
        .findings
        .iter()
        .find(|f| f.rule == "package-database-unreadable")
        .unwrap();
    assert_eq!(bad.layer, l(3));
    assert!(
        bad.message
            .starts_with("layer 3: /opt/conda/conda-meta/bad-1-0.json: not JSON"),
        "{}",
        bad.message
    );
    assert!(!a.findings.iter().any(|f| f.rule == "toolchain-in-image"));
}

#[test]
fn toolchain_and_dev_artifacts() {
    let mut l1 = LayerTar::new()
        .file("usr/bin/x86_64-linux-gnu-gcc-12", 5000, 1)
        .file("usr/include/stdio.h", 700, 2)
        .file("usr/lib/libfoo.a", 900, 3);
    l1.file_bytes(
        "var/lib/dpkg/status",
        b"Package: gcc-12\nStatus: install ok installed\nVersion: 12.2\n\nPackage: libc6-dev\nStatus: install ok installed\nVersion: 2.36\n",
    );
    l1.file_bytes(
        "var/lib/dpkg/info/gcc-12.list",
        b"/usr/bin/x86_64-linux-gnu-gcc-12\n",
    );
    l1.file_bytes(
        "var/lib/dpkg/info/libc6-dev:amd64.list",
        b"/usr/include/stdio.h\n/usr/lib/libfoo.a\n",
    );
    let a = Analysis::new(
        image(vec![(l1.scan(), "/bin/sh -c apt-get install gcc-12")]),
        CacheRules::builtin(),
    );
    let t = a
        .findings
        .iter()
        .find(|f| f.rule == "toolchain-in-image")
        .unwrap();
    assert_eq!(t.bytes, 5000 + 700 + 900);
    assert!(t.remedy.contains("COPY --from=build"));
    assert!(
        t.remedy
            .contains("install -y --no-install-recommends gcc-12 libc6-dev"),
        "{}",
        t.remedy
    );
    let d = a
        .findings
        .iter()
        .find(|f| f.rule == "dev-artifacts-in-image")
        .unwrap();
    assert_eq!(d.bytes, 700 + 900);
    assert_eq!(
        find(&a, Manager::Dpkg, "libc6-dev").group.as_deref(),
        Some("toolchain")
    );
}

/// Python test suites and the bytecode of pip & co. are found by their
/// site directory: the first `/site-packages/` in a path, else the first
/// `/dist-packages/`; the figures below are the files' sizes added by hand.
#[test]
fn python_dev_artifacts_by_site_directory() {
    let l1 = LayerTar::new()
        // A test suite (a `tests` directory below a site directory).
        .file("usr/lib/python3/dist-packages/foo/tests/test_a.py", 100, 1)
        .file("usr/lib/python3/dist-packages/tests/conftest.py", 40, 2)
        // pip's bytecode.
        .file(
            "usr/local/lib/python3.11/site-packages/pip/_internal/__pycache__/x.pyc",
            200,
            3,
        )
        // Both markers, dist first: the site directory is the
        // `site-packages` one, so this is pip's bytecode (it would be
        // nothing under `dist-packages`: `a` is no tool, and no `tests`).
        .file(
            "opt/x/dist-packages/a/site-packages/pip/__pycache__/z.pyc",
            30,
            4,
        )
        // Not: a `tests.py` file, no directory; no `/` before the marker;
        // `-packages` not followed by `/`; `__pycache__` of a package that
        // is not a build tool.
        .file("usr/local/lib/python3.11/site-packages/tests.py", 50, 5)
        .file("site-packages/tests/x.py", 60, 6)
        .file("opt/app/dist-packages-old/x/tests/y.py", 70, 7)
        .file(
            "usr/lib/python3/dist-packages/six/__pycache__/six.pyc",
            80,
            8,
        );
    let a = Analysis::new(
        image(vec![(l1.scan(), "/bin/sh -c pip install x")]),
        CacheRules::builtin(),
    );
    let d = a
        .findings
        .iter()
        .find(|f| f.rule == "dev-artifacts-in-image")
        .unwrap();
    assert_eq!(d.bytes, 100 + 40 + 200 + 30);
    assert!(
        d.message.ends_with(
            "live: Python test suites 140 B (2 files), __pycache__ of pip/setuptools/wheel 230 B (2 files)"
        ),
        "{}",
        d.message
    );
}

/// The databases reach the analysis through the layer cache too.
#[test]
fn captured_databases_survive_the_cache_codec() {
    let mut l1 = LayerTar::new();
    l1.file_bytes("var/lib/dpkg/status", STATUS_1.as_bytes());
    let cs = l1.scan();
    assert_eq!(cs.captured.len(), 1);
    assert_eq!(cs.captured[0].content.as_deref(), Some(STATUS_1.as_bytes()));
}

/// What a reader parses while it waits for another (`packages::parse_ahead`)
/// is what the step would have parsed: the same packages, and one memo
/// carries a stanza unchanged from one layer's status file to the next.
#[test]
fn databases_parsed_ahead_give_the_same_packages() {
    use layerscope_core::packages::parse::{Parsed, StanzaMemo};
    let expected = analysis().packages;
    let img = three_layers();
    // A reader told to stop at once parses nothing.
    let mut memo = StanzaMemo::default();
    layerscope_core::packages::parse_ahead(&img.layers[1].changeset, &mut memo, &|| false);
    assert!(img.layers[1]
        .changeset
        .captured
        .iter()
        .all(|c| c.parsed().is_none()));
    // Layers 2 and 3 parsed ahead, in order, with one memo; layer 1 is
    // left to the step.
    for l in &img.layers[1..] {
        layerscope_core::packages::parse_ahead(&l.changeset, &mut memo, &|| true);
        assert!(l.changeset.captured.iter().all(|c| c.parsed().is_some()));
    }
    assert!(img.layers[0]
        .changeset
        .captured
        .iter()
        .all(|c| c.parsed().is_none()));
    // Stanza `a` (version 1.0) is the same in layer 2's last status file
    // and in layer 3's: read once.
    let stanza_a = |layer: usize| {
        let cs = &img.layers[layer].changeset;
        let c = cs
            .captured
            .iter()
            .rev()
            .find(|c| &*cs.entries[c.entry].path == b"var/lib/dpkg/status")
            .unwrap();
        match c.parsed() {
            Some(Ok(Parsed::DpkgStatus(s))) => s.iter().find(|s| s.name == "a").unwrap().clone(),
            other => panic!("{other:?}"),
        }
    };
    assert!(std::sync::Arc::ptr_eq(&stanza_a(1), &stanza_a(2)));
    let got = Analysis::new(img, CacheRules::builtin());
    assert_eq!(got.packages, expected);
}

/// A package in both `status` and `status.d` (two writers of one name): the
/// stanza read last is kept, with the package's `.list`.
#[test]
fn a_package_listed_twice_keeps_its_files() {
    let mut l1 = LayerTar::new()
        .file("usr/bin/a", 120, 1)
        .file("usr/bin/b", 30, 2);
    l1.file_bytes(
        "var/lib/dpkg/status",
        b"Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\nStatus: install ok installed\nVersion: 1\n",
    );
    l1.file_bytes("var/lib/dpkg/status.d/a", b"Package: a\nVersion: 2\n");
    l1.file_bytes("var/lib/dpkg/info/a.list", b"/usr/bin/a\n");
    l1.file_bytes("var/lib/dpkg/info/b.list", b"/usr/bin/b\n");
    let a = Analysis::new(
        image(vec![(l1.scan(), "/bin/sh -c apt-get install a b")]),
        CacheRules::builtin(),
    );
    let got: Vec<(&str, &str, u64, u64)> = a
        .packages
        .list
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str(), p.live_bytes, p.files))
        .collect();
    assert_eq!(got, vec![("a", "2", 120, 1), ("b", "1", 30, 1)]);
}

/// A hidden inode with two names (a hardlink) counts once for a package
/// that lists both, and once for each other package that lists one.
#[test]
fn a_hidden_hardlinked_inode_counts_once_per_package() {
    let mut l1 = LayerTar::new()
        .file("usr/bin/x", 500, 1)
        .hardlink("usr/bin/y", "usr/bin/x");
    l1.file_bytes(
        "var/lib/dpkg/status",
        b"Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\nStatus: install ok installed\nVersion: 1\n",
    );
    l1.file_bytes("var/lib/dpkg/info/a.list", b"/usr/bin/x\n/usr/bin/y\n");
    l1.file_bytes("var/lib/dpkg/info/b.list", b"/usr/bin/y\n");
    let l2 = LayerTar::new().whiteout("usr/bin/x").whiteout("usr/bin/y");
    let a = Analysis::new(
        image(vec![
            (l1.scan(), "/bin/sh -c apt-get install a b"),
            (l2.scan(), "/bin/sh -c rm /usr/bin/x /usr/bin/y"),
        ]),
        CacheRules::builtin(),
    );
    let got: Vec<(&str, u64, u64)> = a
        .packages
        .list
        .iter()
        .map(|p| (p.name.as_str(), p.live_bytes, p.hidden_bytes))
        .collect();
    assert_eq!(got, vec![("a", 0, 500), ("b", 0, 500)]);
}

/// An upgrade rewrites a package's files and its `.list` byte for byte:
/// the new files are live, the old ones hidden, both the package's.
/// Two packages whose `.list` files hold the same bytes (their paths are
/// looked up once and shared): each owns what its list names, and a list
/// rewritten later names what it names then.
#[test]
fn packages_with_byte_identical_lists() {
    const SHARED: &[u8] = b"/etc\n/etc/shared.conf\n";
    let status = b"Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\nStatus: install ok installed\nVersion: 1\n";
    let mut l1 = LayerTar::new()
        .file("etc/shared.conf", 50, 1)
        .file("usr/bin/b", 20, 2);
    l1.file_bytes("var/lib/dpkg/status", status);
    l1.file_bytes("var/lib/dpkg/info/a.list", SHARED);
    l1.file_bytes("var/lib/dpkg/info/b.list", SHARED);
    let mut l2 = LayerTar::new();
    l2.file_bytes("var/lib/dpkg/info/b.list", b"/usr\n/usr/bin\n/usr/bin/b\n");
    let figures = |layers: Vec<(layerscope_core::layer::Changeset, &str)>| {
        let a = Analysis::new(image(layers), CacheRules::builtin());
        let got: Vec<(String, u64, u64)> = a
            .packages
            .list
            .iter()
            .map(|p| (p.name.clone(), p.live_bytes, p.files))
            .collect();
        (got, a.totals.package_live_bytes)
    };
    let l1 = l1.scan();
    // Both own the 50-byte file; the image's packages own it once.
    let one = figures(vec![(l1.clone(), "/bin/sh -c apt-get install a b")]);
    assert_eq!(one, (vec![("a".into(), 50, 1), ("b".into(), 50, 1)], 50));
    // b's list rewritten: b owns usr/bin/b (20) now, a still the 50 bytes.
    let two = figures(vec![
        (l1, "/bin/sh -c apt-get install a b"),
        (l2.scan(), "/bin/sh -c dpkg --reinstall b"),
    ]);
    assert_eq!(two, (vec![("a".into(), 50, 1), ("b".into(), 20, 1)], 70));
}

#[test]
fn an_upgrade_that_rewrites_its_list_unchanged() {
    const LIST: &[u8] = b"/usr\n/usr/bin\n/usr/bin/x\n/usr/bin/y\n";
    let status = |v: &str| format!("Package: a\nStatus: install ok installed\nVersion: {v}\n");
    let mut l1 = LayerTar::new()
        .file("usr/bin/x", 100, 1)
        .file("usr/bin/y", 10, 2);
    l1.file_bytes("var/lib/dpkg/status", status("1").as_bytes());
    l1.file_bytes("var/lib/dpkg/info/a.list", LIST);
    let mut l2 = LayerTar::new().file("usr/bin/x", 300, 3);
    l2.file_bytes("var/lib/dpkg/status", status("2").as_bytes());
    l2.file_bytes("var/lib/dpkg/info/a.list", LIST);
    let a = Analysis::new(
        image(vec![
            (l1.scan(), "/bin/sh -c apt-get install a"),
            (l2.scan(), "/bin/sh -c apt-get upgrade"),
        ]),
        CacheRules::builtin(),
    );
    let p = &a.packages.list;
    assert_eq!(p.len(), 1);
    // Live: x (300) and y (10); hidden: layer 1's x (100).
    assert_eq!(
        (
            p[0].version.as_str(),
            p[0].live_bytes,
            p[0].files,
            p[0].hidden_bytes
        ),
        ("2", 310, 2, 100)
    );
    assert_eq!(a.packages.layers[1].upgraded, 1);
}

/// The hidden stage resolves a path as of the layer that added the hidden
/// file, and reuses the last layer's resolution only where nothing on the
/// way changed since: here `/bin` is a directory in layer 1 and a symlink
/// to `usr/bin` from layer 2 on, so `/bin/tool` names two different files.
#[test]
fn a_directory_that_becomes_a_symlink() {
    const LIST: &[u8] = b"/bin/tool\n/usr/lib/t.so\n";
    let status = |v: &str| format!("Package: t\nStatus: install ok installed\nVersion: {v}\n");
    let mut l1 = LayerTar::new()
        .dir("bin")
        .file("bin/tool", 100, 1)
        .file("usr/lib/t.so", 40, 2);
    l1.file_bytes("var/lib/dpkg/status", status("1").as_bytes());
    l1.file_bytes("var/lib/dpkg/info/t.list", LIST);
    // Layer 2: /bin replaced by the usrmerge symlink (its tool hidden), the
    // tool now in usr/bin; usr/lib listed again (as tar writes parents),
    // t.so untouched.
    let mut l2 = LayerTar::new()
        .dir("usr")
        .dir("usr/lib")
        .symlink("bin", "usr/bin")
        .file("usr/bin/tool", 300, 3);
    l2.file_bytes("var/lib/dpkg/status", status("2").as_bytes());
    l2.file_bytes("var/lib/dpkg/info/t.list", LIST);
    let a = Analysis::new(
        image(vec![
            (l1.scan(), "/bin/sh -c apt-get install t"),
            (l2.scan(), "/bin/sh -c apt-get upgrade t"),
        ]),
        CacheRules::builtin(),
    );
    let p = &a.packages.list;
    assert_eq!(p.len(), 1);
    // Live: usr/bin/tool (300, through the symlink) and t.so (40); hidden:
    // layer 1's bin/tool (100), listed as /bin/tool when /bin was a
    // directory.
    assert_eq!(
        (p[0].live_bytes, p[0].files, p[0].hidden_bytes),
        (340, 2, 100)
    );
}

/// The dpkg stanzas the readers parsed while later layers were still read
/// (`Image::stanzas`) are reused by the analysis' parse: the same stanza,
/// not a second reading of it, and handed over once.
#[test]
fn stanzas_read_ahead_are_reused() {
    use layerscope_core::packages::parse::{parse_with, Parsed, ReadStanzas, StanzaMemo};
    use layerscope_core::packages::PackageRules;
    const STATUS: &[u8] = b"Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\nStatus: install ok installed\nVersion: 2\n";
    let mut l1 = LayerTar::new();
    l1.file_bytes("var/lib/dpkg/status", STATUS);
    let mut img = image(vec![(l1.scan(), "/bin/sh -c apt-get install a b")]);
    let mut memo = StanzaMemo::default();
    let Ok(Parsed::DpkgStatus(ahead)) = parse_with(b"var/lib/dpkg/status", STATUS, &mut memo)
    else {
        panic!("the status file parses")
    };
    img.stanzas = ReadStanzas::new(memo);
    let _ = Databases::parse(&img, &PackageRules::default());
    let c = &img.layers[0].changeset.captured[0];
    let Some(Ok(Parsed::DpkgStatus(parsed))) = c.parsed() else {
        panic!("the status file was parsed")
    };
    assert_eq!(parsed.len(), 2);
    for (p, a) in parsed.iter().zip(&ahead) {
        assert!(std::sync::Arc::ptr_eq(p, a), "{} read again", p.name);
    }
    assert!(img.stanzas.take().is_empty(), "taken by the parse");
}

/// dpkg `.list` files with the bytes of another are not read again: they
/// share its paths (`Databases::parse`), and each reads as it would alone
/// (`parse::parse`, file by file): its own package name, and a name that
/// is not one or bytes that are not a list give the same error.
#[test]
fn lists_of_equal_bytes_share_their_paths() {
    use layerscope_core::packages::parse::{parse, Parsed};
    const LIST: &[u8] = b"/usr\n/usr/bin\n/usr/bin/x\n";
    const BAD: &[u8] = b"usr/bin/x\n";
    let mut l1 = LayerTar::new().file("usr/bin/x", 10, 1);
    l1.file_bytes("var/lib/dpkg/info/a.list", LIST);
    l1.file_bytes("var/lib/dpkg/info/b:amd64.list", LIST);
    l1.file_bytes("var/lib/dpkg/info/bad.list", BAD);
    let mut l2 = LayerTar::new().raw_file(b"var/lib/dpkg/info/\xff.list", LIST);
    l2.file_bytes("var/lib/dpkg/info/a.list", LIST);
    l2.file_bytes("var/lib/dpkg/info/bad.list", BAD);
    let img = image(vec![
        (l1.scan(), "/bin/sh -c apt-get install a b"),
        (l2.scan(), "/bin/sh -c apt-get upgrade"),
    ]);
    let _ = Databases::parse(&img, &CacheRules::builtin().packages);
    let mut shared = Vec::new();
    let mut read = 0;
    for l in &img.layers {
        let cs = &l.changeset;
        for c in &cs.captured {
            let path = &cs.entries[c.entry].path;
            let bytes = c.content.as_deref().unwrap();
            let got = c.parsed().expect("parsed");
            assert_eq!(
                got,
                &parse(path, bytes),
                "{}",
                String::from_utf8_lossy(path)
            );
            read += 1;
            if let Ok(Parsed::DpkgList(name, paths)) = got {
                shared.push((name.clone(), std::sync::Arc::clone(paths)));
            }
        }
    }
    assert_eq!(read, 6);
    // a, b, a again: one list of paths.
    let names: Vec<&str> = shared.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["a", "b", "a"]);
    assert!(shared
        .iter()
        .all(|(_, p)| std::sync::Arc::ptr_eq(p, &shared[0].1)));
}

/// Files rewritten in a layer that changes no database are hidden under
/// the databases of the layer that added them: two hidden files at one
/// path in one snapshot both count for the package that lists the path,
/// and npm's hidden files for the package whose directory holds them.
#[test]
fn hidden_files_at_one_path_and_below_an_npm_package() {
    let status = |v: &str| format!("Package: a\nStatus: install ok installed\nVersion: {v}\n");
    let mut l1 =
        LayerTar::new()
            .file("usr/bin/x", 100, 1)
            .file("app/node_modules/x/index.js", 30, 2);
    l1.file_bytes("var/lib/dpkg/status", status("1").as_bytes());
    l1.file_bytes("var/lib/dpkg/info/a.list", b"/usr/bin/x\n");
    l1.file_bytes("app/node_modules/x/package.json", X_JSON.as_bytes());
    let l2 = LayerTar::new()
        .file("usr/bin/x", 200, 3)
        .file("app/node_modules/x/index.js", 40, 4);
    let mut l3 =
        LayerTar::new()
            .file("usr/bin/x", 300, 5)
            .file("app/node_modules/x/index.js", 50, 6);
    l3.file_bytes("var/lib/dpkg/status", status("2").as_bytes());
    let a = Analysis::new(
        image(vec![
            (l1.scan(), "/bin/sh -c apt-get install a && npm install x"),
            (l2.scan(), "/bin/sh -c make"),
            (l3.scan(), "/bin/sh -c apt-get upgrade && make"),
        ]),
        CacheRules::builtin(),
    );
    let a_pkg = find(&a, Manager::Dpkg, "a");
    // Live: layer 3's x; hidden: layer 1's (100) and layer 2's (200).
    assert_eq!((a_pkg.live_bytes, a_pkg.hidden_bytes), (300, 300));
    assert_eq!(a.packages.layers[2].upgraded, 1);
    let x = find(&a, Manager::Npm, "x");
    // Live: index.js (50) and package.json; hidden: 30 + 40.
    assert_eq!(
        (x.live_bytes, x.hidden_bytes),
        (50 + X_JSON.len() as u64, 70)
    );
}
