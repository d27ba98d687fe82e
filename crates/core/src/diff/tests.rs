use super::*;

fn side(layers: &[&str], files: Vec<FileFact>) -> Side {
    Side {
        reference: None,
        source: "file".into(),
        totals: Totals::default(),
        layers: layers
            .iter()
            .map(|d| SideLayer {
                diff_id: d.to_string(),
                created_by: Some(format!("/bin/sh -c #(nop) step {d}")),
                size_bytes: 0,
            })
            .collect(),
        cache: Vec::new(),
        findings: Vec::new(),
        files: Some(files),
        packages: None,
    }
}

fn file(path: &str, bytes: u64, hash: u8, layer: u32) -> FileFact {
    FileFact {
        path: path.as_bytes().to_vec(),
        kind: FileKind::File,
        bytes,
        hash: Some(ContentHash([hash; 16])),
        meta: Some((0o644, 0, 0)),
        link: None,
        layer: LayerIndex::new(layer),
    }
}

#[test]
fn layers_shared_prefix_and_only() {
    let c = compare(
        side(&["a", "b", "c"], vec![]),
        side(&["a", "x", "c", "d"], vec![]),
    );
    assert_eq!(c.layers.shared, 2); // a, c
    assert_eq!(c.layers.only_old, 1); // b
    assert_eq!(c.layers.only_new, 2); // x, d
    assert_eq!(c.layers.first_difference, 2);
    assert_eq!(c.layers.old_step.as_deref(), Some("step b"));
    assert_eq!(c.layers.new_step.as_deref(), Some("step x"));
}

#[test]
fn file_lists_and_sums() {
    let mut moved = file("etc/m", 5, 1, 0);
    moved.meta = Some((0o600, 0, 0));
    let old = vec![
        file("a", 10, 1, 0),
        file("b", 20, 2, 0),
        file("c", 30, 3, 0),
        file("d", 40, 4, 0),
        file("etc/m", 5, 1, 0),
    ];
    let mut dir = file("d", 0, 0, 1);
    dir.kind = FileKind::Dir;
    dir.hash = None;
    let new = vec![
        file("a", 15, 1, 1),  // grown +5
        file("c", 30, 9, 1),  // changed content
        dir,                  // file -> dir: changed
        moved,                // mode only
        file("z/y", 7, 7, 1), // added
    ];
    let c = compare(side(&["l"], old), side(&["l", "n"], new));
    let f = c.files.unwrap();
    assert_eq!((f.added_bytes, f.removed_bytes), (7, 20));
    assert_eq!((f.grown_bytes, f.shrunk_bytes, f.changed_bytes), (5, 0, 30));
    assert_eq!(f.changed.len(), 2);
    assert_eq!(f.changed[0].path, "/d"); // |0 - 40| first
    assert_eq!(f.metadata.len(), 1);
    assert_eq!(f.metadata[0].old.0, 0o644);
    // 15+30+0+5+7 - (10+20+30+40+5)
    assert_eq!(f.net_bytes(), 57 - 105);
    assert_eq!(f.by_directory.delta_bytes, -48);
    let z = f
        .by_directory
        .children
        .iter()
        .find(|d| d.path == "/z")
        .unwrap();
    assert_eq!((z.delta_bytes, z.files), (7, 1));
}

#[test]
fn same_side_is_all_zeros() {
    let s = side(&["a"], vec![file("a", 1, 1, 0)]);
    let c = compare(s.clone(), s);
    let f = c.files.unwrap();
    assert_eq!(f.all().count(), 0);
    assert!(f.metadata.is_empty());
    assert_eq!(c.layers.first_difference, 2);
    assert_eq!(c.layers.only_new + c.layers.only_old, 0);
}

#[test]
fn findings_match_without_layer_numbers() {
    let f = |m: &str, b| SideFinding {
        rule: "r".into(),
        severity: "info".into(),
        layer: None,
        bytes: b,
        message: m.into(),
    };
    let mut old = side(&[], vec![]);
    old.findings = vec![
        f("layer 3 (`RUN a`) leaves /tmp", 5),
        f("gone", 9),
        f("logs 3.10 kB (3 files)", 3100),
    ];
    let mut new = side(&[], vec![]);
    new.findings = vec![
        f("layer 4 (`RUN |1 V=2 a`) leaves /tmp", 5),
        f("fresh", 2),
        f("logs 1.2 MB (12 files)", 1_200_000),
    ];
    let c = compare(old, new);
    assert_eq!(c.findings.new.len(), 1);
    assert_eq!(c.findings.new[0].message, "fresh");
    assert_eq!(c.findings.fixed.len(), 1);
    assert_eq!(c.findings.fixed[0].message, "gone");
}

fn pkg(manager: &str, name: &str, version: &str, bytes: u64) -> SidePackage {
    SidePackage {
        manager: manager.into(),
        name: name.into(),
        version: version.into(),
        bytes,
    }
}

#[test]
fn packages_new_removed_upgraded_by_bytes() {
    let old = vec![
        pkg("dpkg", "base", "1", 100),
        pkg("dpkg", "gone", "2", 30),
        pkg("dpkg", "libc", "2.36", 1000),
        pkg("python", "base", "1", 5),
    ];
    let new = vec![
        pkg("dpkg", "base", "1", 100),
        pkg("dpkg", "curl", "7.88", 400),
        pkg("dpkg", "libc", "2.37", 1010),
        // python/base is not dpkg/base: the same name under another manager
        pkg("python", "base", "1", 5),
        pkg("python", "base", "1", 7), // a second site directory: 12 bytes
    ];
    let mut a = side(&["a"], vec![]);
    a.packages = Some(old);
    let mut b = side(&["a"], vec![]);
    b.packages = Some(new);
    let p = compare(a, b).packages.unwrap();
    assert_eq!(p.new, vec![pkg("dpkg", "curl", "7.88", 400)]);
    assert_eq!(p.removed, vec![pkg("dpkg", "gone", "2", 30)]);
    assert_eq!(
        p.upgraded,
        vec![PackageUpgrade {
            manager: "dpkg".into(),
            name: "libc".into(),
            old_version: "2.36".into(),
            new_version: "2.37".into(),
        }]
    );
    let by: Vec<(&str, &str, u64, u64)> = p
        .by_package
        .iter()
        .map(|d| {
            (
                d.manager.as_str(),
                d.name.as_str(),
                d.old_bytes,
                d.new_bytes,
            )
        })
        .collect();
    assert_eq!(
        by,
        vec![
            ("dpkg", "curl", 0, 400),
            ("dpkg", "gone", 30, 0),
            ("dpkg", "libc", 1000, 1010),
            ("python", "base", 5, 12),
        ]
    );
}

#[test]
fn packages_need_both_sides() {
    let mut a = side(&["a"], vec![]);
    a.packages = Some(vec![pkg("dpkg", "x", "1", 1)]);
    assert_eq!(compare(a, side(&["a"], vec![])).packages, None);
}
