//! The dive-compatibility cases, built in code: each case is a list of
//! layers, each layer a list of tar entries. The same bytes are used by the
//! Rust tests (through `layer::scan`) and, wrapped in a legacy
//! `docker save` archive, by the real dive (`tests/fixtures-dive/`).

use sha2::{Digest, Sha256};

/// One tar entry of a test layer.
#[derive(Clone, Debug)]
pub enum E {
    Dir(&'static str),
    /// A regular file of `n` bytes (content derived from the path and `seed`).
    File(&'static str, usize),
    /// A regular file with the same content as any other `Same` of that size.
    Same(&'static str, usize),
    Symlink(&'static str, &'static str),
    Hardlink(&'static str, &'static str),
    /// An empty regular file: use for `.wh.` names.
    Empty(&'static str),
    /// A header written byte for byte: name (≤ 100 bytes, not checked by
    /// tar-rs), typeflag, mode, size field, and that many data bytes.
    Raw {
        name: &'static [u8],
        typeflag: u8,
        mode: u32,
        size: u64,
    },
}

pub struct Case {
    pub name: &'static str,
    pub what: &'static str,
    pub layers: Vec<Vec<E>>,
}

fn content(path: &str, n: usize, same: bool) -> Vec<u8> {
    let seed: u8 = if same {
        7
    } else {
        path.bytes()
            .fold(0u8, |a, b| a.wrapping_mul(31).wrapping_add(b))
    };
    (0..n).map(|i| seed.wrapping_add(i as u8)).collect()
}

fn header(kind: tar::EntryType, mode: u32) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(1_700_000_000);
    h.set_size(0);
    h
}

/// The layer tar of one list of entries.
pub fn layer_tar(entries: &[E]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        match e {
            E::Dir(p) => {
                let mut h = header(tar::EntryType::Directory, 0o755);
                b.append_data(&mut h, format!("{p}/"), &[][..]).unwrap();
            }
            E::File(p, n) | E::Same(p, n) => {
                let data = content(p, *n, matches!(e, E::Same(..)));
                let mut h = header(tar::EntryType::Regular, 0o644);
                h.set_size(*n as u64);
                b.append_data(&mut h, p, &data[..]).unwrap();
            }
            E::Empty(p) => {
                let mut h = header(tar::EntryType::Regular, 0o644);
                b.append_data(&mut h, p, &[][..]).unwrap();
            }
            E::Symlink(p, target) => {
                let mut h = header(tar::EntryType::Symlink, 0o777);
                b.append_link(&mut h, p, target).unwrap();
            }
            E::Hardlink(p, target) => {
                let mut h = header(tar::EntryType::Link, 0o644);
                b.append_link(&mut h, p, target).unwrap();
            }
            E::Raw {
                name,
                typeflag,
                mode,
                size,
            } => {
                let mut h = header(tar::EntryType::new(*typeflag), *mode);
                h.as_old_mut().name[..name.len()].copy_from_slice(name);
                h.set_size(*size);
                h.set_cksum();
                let data = vec![b'x'; *size as usize];
                b.append(&h, &data[..]).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// A legacy `docker save` archive: `manifest.json`, the config
/// `<sha>.json` (rootfs.diff_ids and one history entry per layer, plus an
/// empty-layer history entry first), and `<diffid>/layer.tar` per layer.
/// Identical layers are written once and referenced twice, as docker does.
pub fn docker_archive(case: &Case) -> Vec<u8> {
    let tars: Vec<Vec<u8>> = case.layers.iter().map(|l| layer_tar(l)).collect();
    let ids: Vec<String> = tars.iter().map(|t| sha256_hex(t)).collect();
    let mut history = vec![serde_json::json!({
        "created": "2024-01-01T00:00:00Z",
        "created_by": "/bin/sh -c #(nop)  LABEL case=".to_string() + case.name,
        "empty_layer": true
    })];
    for i in 0..tars.len() {
        history.push(serde_json::json!({
            "created": "2024-01-01T00:00:00Z",
            "created_by": format!("/bin/sh -c layer {i}"),
        }));
    }
    let config = serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {},
        "rootfs": {
            "type": "layers",
            "diff_ids": ids.iter().map(|i| format!("sha256:{i}")).collect::<Vec<_>>(),
        },
        "history": history,
    });
    let config = serde_json::to_vec(&config).unwrap();
    let config_name = format!("{}.json", sha256_hex(&config));
    let manifest = serde_json::json!([{
        "Config": config_name,
        "RepoTags": [format!("dive-case/{}:latest", case.name)],
        "Layers": ids.iter().map(|i| format!("{i}/layer.tar")).collect::<Vec<_>>(),
    }]);
    let manifest = serde_json::to_vec(&manifest).unwrap();

    let mut b = tar::Builder::new(Vec::new());
    let put = |b: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8]| {
        let mut h = header(tar::EntryType::Regular, 0o644);
        h.set_size(data.len() as u64);
        b.append_data(&mut h, name, data).unwrap();
    };
    let mut written = std::collections::HashSet::new();
    for (id, tar) in ids.iter().zip(&tars) {
        if written.insert(id.clone()) {
            let mut h = header(tar::EntryType::Directory, 0o755);
            b.append_data(&mut h, format!("{id}/"), &[][..]).unwrap();
            put(&mut b, &format!("{id}/layer.tar"), tar);
        }
    }
    put(&mut b, &config_name, &config);
    put(&mut b, "manifest.json", &manifest);
    b.into_inner().unwrap()
}

use E::*;

/// Every case. Layers are bottom first.
pub fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "file_whiteout",
            what: "a file removed by a whiteout in the next layer",
            layers: vec![
                vec![Dir("etc"), File("etc/a", 100), File("etc/b", 50)],
                vec![Dir("etc"), Empty("etc/.wh.a")],
            ],
        },
        Case {
            name: "dir_whiteout_deep",
            what: "a deep directory removed by one whiteout",
            layers: vec![
                vec![
                    Dir("opt"),
                    Dir("opt/x"),
                    Dir("opt/x/y"),
                    File("opt/x/y/f1", 300),
                    File("opt/x/f2", 200),
                    Symlink("opt/x/link", "f2"),
                    Dir("opt/x/empty"),
                    File("keep", 10),
                ],
                vec![Dir("opt"), Empty("opt/.wh.x"), File("opt/new", 7)],
            ],
        },
        Case {
            name: "opaque_whiteout",
            what: "an opaque whiteout over a directory with lower children",
            layers: vec![
                vec![Dir("d"), File("d/a", 100), File("d/b", 20)],
                vec![Dir("d"), Empty("d/.wh..wh..opq"), File("d/c", 5)],
                vec![Empty(".wh.d")],
            ],
        },
        Case {
            name: "overwritten_file",
            what: "the same path rewritten in three layers",
            layers: vec![
                vec![Dir("app"), File("app/bin", 1000)],
                vec![Dir("app"), File("app/bin", 1200)],
                vec![Dir("app"), File("app/bin", 1100)],
            ],
        },
        Case {
            name: "type_changes",
            what: "file to dir, dir to file, then the dir-turned-file whited out",
            layers: vec![
                vec![File("x", 100), Dir("y"), File("y/a", 40), File("y/b", 2)],
                vec![Dir("x"), File("x/inner", 30), File("y", 7)],
                vec![Empty(".wh.y"), Empty(".wh.x")],
            ],
        },
        Case {
            name: "duplicates",
            what: "identical content at the same and at other paths",
            layers: vec![
                vec![Dir("lib"), Same("lib/a.so", 500)],
                vec![Dir("lib"), Same("lib/a.so", 500), File("lib/b", 10)],
                vec![Dir("copy"), Same("copy/a.so", 500)],
            ],
        },
        Case {
            name: "hardlinks",
            what: "hardlinks within layers, rewritten in the next",
            layers: vec![
                vec![
                    Dir("bin"),
                    File("bin/tool", 400),
                    Hardlink("bin/tool2", "bin/tool"),
                    Hardlink("bin/tool3", "bin/tool"),
                ],
                vec![Dir("bin"), File("bin/tool2", 400), Hardlink("bin/tool", "bin/tool2")],
            ],
        },
        Case {
            name: "symlinks",
            what: "symlinks replaced and a directory symlink whited out",
            layers: vec![
                vec![
                    Dir("lib"),
                    File("lib/x", 10),
                    Symlink("lib64", "lib"),
                    Symlink("sh", "bash"),
                ],
                vec![Symlink("lib64", "usr/lib"), Empty(".wh.sh"), File("sh", 3)],
            ],
        },
        Case {
            name: "ghost_whiteout",
            what: "whiteouts of paths that never existed (layer visits cut short)",
            layers: vec![
                vec![Dir("a"), File("a/file", 100), Dir("z"), File("z/later", 50)],
                vec![
                    Dir("a"),
                    File("a/file", 10),
                    Dir("z"),
                    Empty("z/.wh.ghost"),
                    File("z/later", 60),
                    File("zz", 70),
                ],
                vec![File("a/file", 1), Empty(".wh.nothing")],
            ],
        },
        Case {
            name: "empty_layers",
            what: "empty layer tars between content layers",
            layers: vec![
                vec![File("a", 10)],
                vec![],
                vec![File("a", 10), File("b", 3)],
                vec![],
            ],
        },
        Case {
            name: "one_layer",
            what: "a single layer (no user bytes)",
            layers: vec![vec![Dir("d"), File("d/x", 10), File("y", 20)]],
        },
        Case {
            name: "one_layer_self_whiteout",
            what: "a single layer that whites out its own file (wasted, no user bytes)",
            layers: vec![vec![File("g", 10), Empty(".wh.g"), File("h", 5)]],
        },
        Case {
            name: "implicit_parents",
            what: "directories a layer only implies lose their dir-ness in the stack",
            layers: vec![
                vec![Dir("opt"), Dir("opt/app"), File("opt/app/x", 100)],
                vec![File("opt/app/y", 5)],
                vec![Dir("opt"), Empty("opt/.wh.app")],
            ],
        },
        Case {
            name: "first_layer_whiteouts",
            what: "whiteouts in the first layer: one found in the same layer, one not",
            layers: vec![
                vec![Dir("d"), File("d/f", 10), Empty(".wh.d"), Empty("d/.wh.nope"), File("e", 4)],
                vec![File("e", 4), Empty(".wh.d")],
            ],
        },
        Case {
            name: "aufs_metadata",
            what: "AUFS .wh..wh. metadata names",
            layers: vec![
                vec![Dir(".wh..wh.plnk"), File(".wh..wh.plnk/1.2", 5), File("a", 8)],
                vec![Empty(".wh..wh.aufs"), File("a", 9)],
            ],
        },
        Case {
            name: "odd_names",
            what: "dot-dot names, a root entry, a file with directory mode bits",
            layers: vec![
                vec![
                    Raw { name: b"./", typeflag: b'5', mode: 0o755, size: 0 },
                    Raw { name: b"./x/../y", typeflag: b'0', mode: 0o644, size: 11 },
                    Raw { name: b"mdir", typeflag: b'0', mode: 0o40755, size: 6 },
                    File("mdir2", 3),
                ],
                vec![
                    Raw { name: b"y", typeflag: b'0', mode: 0o644, size: 12 },
                    Empty(".wh.mdir"),
                    Empty(".wh.mdir2"),
                ],
            ],
        },
        Case {
            name: "sizes_of_everything",
            what: "whiteout files with content, counted in layer sizes",
            layers: vec![
                vec![Dir("d"), File("d/f", 10)],
                vec![Raw { name: b"d/.wh.f", typeflag: b'0', mode: 0o644, size: 9 }],
            ],
        },
        Case {
            name: "dir_whiteout_counted",
            what: "a deep directory whiteout counted as waste: the dir was a leaf in a middle layer",
            layers: vec![
                vec![
                    Dir("opt"),
                    Dir("opt/x"),
                    Dir("opt/x/y"),
                    File("opt/x/y/f1", 300),
                    File("opt/x/f2", 200),
                    Symlink("opt/x/link", "f2"),
                    Hardlink("opt/x/hl", "opt/x/f2"),
                ],
                vec![Dir("opt"), Dir("opt/x")],
                vec![Dir("opt"), Empty("opt/.wh.x")],
            ],
        },
        Case {
            name: "opaque_implicit_dir",
            what: "an opaque whiteout alone implies its dir (empty payload): its later whiteout weighs 0",
            layers: vec![
                vec![Dir("opt"), Dir("opt/app"), File("opt/app/x", 100)],
                vec![Empty("opt/app/.wh..wh..opq")],
                vec![Dir("opt"), Empty("opt/.wh.app")],
            ],
        },
        Case {
            name: "opaque_explicit_dir",
            what: "the same with the dir entry present: the later whiteout weighs the lower tree",
            layers: vec![
                vec![Dir("opt"), Dir("opt/app"), File("opt/app/x", 100)],
                vec![Dir("opt/app"), Empty("opt/app/.wh..wh..opq")],
                vec![Dir("opt"), Empty("opt/.wh.app")],
            ],
        },
        Case {
            name: "first_layer_whiteout_nodes",
            what: "a first-layer whiteout node stays in the stack and is sized with its dir",
            layers: vec![
                vec![
                    Dir("d"),
                    File("d/f", 10),
                    Raw { name: b"d/.wh.ghost", typeflag: b'0', mode: 0o644, size: 3 },
                ],
                vec![Dir("d")],
                vec![Empty(".wh.d")],
            ],
        },
        Case {
            name: "replace_dir",
            what: "a directory whited out and recreated in the same layer",
            layers: vec![
                vec![Dir("x"), File("x/a", 10), File("x/keep", 4)],
                vec![Empty(".wh.x"), Dir("x"), File("x/b", 5), File("x/keep", 4)],
            ],
        },
        Case {
            name: "pax_global_header",
            what: "a PAX global header in a layer: dive refuses the image",
            layers: vec![
                vec![File("a", 1)],
                vec![
                    Raw { name: b"pax_global_header", typeflag: b'g', mode: 0o644, size: 0 },
                    File("b", 2),
                ],
            ],
        },
    ]
}
