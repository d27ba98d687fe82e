//! Verification levels (issue 13, formats.md "What is verified"): what the
//! default still catches without hashing layer content, what `--verify` and
//! `--verify=full` add, and what `layers[].verified` says on each format.

use crate::support::archives;

use archives::*;
use layerscope_core::analysis::{Analysis, CacheRules};
use layerscope_core::source::{Image, OpenOptions, VerifyLayers};
use layerscope_core::Error;
use serde_json::json;

fn mode(m: VerifyLayers) -> OpenOptions {
    OpenOptions {
        verify: true,
        verify_layers: m,
        ..OpenOptions::default()
    }
}

fn verified(img: &Image) -> Vec<&'static str> {
    img.layers.iter().map(|l| l.verified.as_str()).collect()
}

/// Every route a file or stream takes: directory, tar file (seekable),
/// one-pass stream, gzipped one pass.
fn routes(a: &Archive, o: &OpenOptions) -> Vec<(&'static str, layerscope_core::Result<Image>)> {
    let t = a.tar();
    vec![
        ("dir", open_dir(a, o)),
        ("file", open_bytes(&t, o)),
        ("stream", open_stream(&t, o)),
        ("gzip stream", open_stream(&gzip(&t), o)),
    ]
}

fn labels(img: &TImage) -> Vec<String> {
    img.layers
        .iter()
        .enumerate()
        .map(|(i, l)| format!("layer {} ({})", i + 1, short(&l.digest())))
        .collect()
}

/// Where the first regular file's content starts in a plain tar, and its size.
fn first_file(tar: &[u8]) -> (usize, usize) {
    let mut ar = tar::Archive::new(tar);
    for e in ar.entries().unwrap() {
        let e = e.unwrap();
        if e.header().entry_type() == tar::EntryType::Regular && e.size() > 1 {
            return (e.raw_file_position() as usize, e.size() as usize);
        }
    }
    panic!("no regular file");
}

#[test]
fn verified_says_which_digests_each_mode_checks() {
    let img = sample_with([Comp::Gzip, Comp::None, Comp::Zstd], 61);
    let oci = oci_layout(&[(&img, None)]);
    let want = [
        (VerifyLayers::None, ["none", "none", "none"]),
        // An uncompressed blob's sha256 is also its diff_id: both checked.
        (VerifyLayers::Blob, ["blob", "both", "blob"]),
        (VerifyLayers::Full, ["both", "both", "both"]),
    ];
    for (m, v) in want {
        for (route, got) in routes(&oci, &mode(m)) {
            assert_eq!(verified(&got.unwrap()), v, "{m:?} {route}");
        }
    }
    // Docker 25+ save: blob-addressed members, like a layout.
    let c = containerd(&img, "a:1");
    for (m, v) in want {
        for (route, got) in routes(&c, &mode(m)) {
            assert_eq!(verified(&got.unwrap()), v, "docker25 {m:?} {route}");
        }
    }
    // Legacy `docker save`: members named by the config's diff_id only.
    let plain = sample_with([Comp::None; 3], 62);
    let l = legacy(&[(&plain, &["a:1"])], false);
    for (m, v) in [
        (VerifyLayers::None, ["none"; 3]),
        (VerifyLayers::Blob, ["diff_id"; 3]),
        (VerifyLayers::Full, ["diff_id"; 3]),
    ] {
        for (route, got) in routes(&l, &mode(m)) {
            let got = got.unwrap();
            assert_eq!(verified(&got), v, "legacy {m:?} {route}");
            // Computed or claimed, the diff_id is the tar's sha256 here.
            for (g, t) in got.layers.iter().zip(&plain.layers) {
                assert_eq!(g.changeset.diff_id, t.diff_id(), "{route}");
                assert_eq!(g.digest, t.diff_id(), "{route}");
            }
        }
    }
    // --no-verify: nothing, whatever --verify says.
    let off = OpenOptions {
        verify: false,
        verify_layers: VerifyLayers::Full,
        ..OpenOptions::default()
    };
    for (route, got) in routes(&oci, &off) {
        assert_eq!(verified(&got.unwrap()), ["none"; 3], "{route}");
    }
}

#[test]
fn a_valid_but_different_layer_is_caught_only_with_verify() {
    let img = sample_with([Comp::Gzip, Comp::None, Comp::Zstd], 63);
    let labels = labels(&img);

    // Layer 1: the same tar, gzipped with another mtime: valid, not the blob.
    let mut a = oci_layout(&[(&img, None)]);
    let mut other = gzip(&img.layers[0].tar);
    other[4] ^= 1;
    a.replace(&blob_name(&img.layers[0].stored), other.clone());
    // Layer 2 (plain): one content byte changed: a valid tar, not the blob.
    let mut changed = img.layers[1].tar.clone();
    let (at, _) = first_file(&changed);
    changed[at] ^= 0xff;
    let mut b = oci_layout(&[(&img, None)]);
    b.replace(&blob_name(&img.layers[1].stored), changed.clone());

    for (archive, layer, found) in [(&a, 0, &other), (&b, 1, &changed)] {
        for (route, got) in routes(archive, &mode(VerifyLayers::None)) {
            assert_eq!(verified(&got.expect(route)), ["none"; 3], "{route}");
        }
        for m in [VerifyLayers::Blob, VerifyLayers::Full] {
            for (route, got) in routes(archive, &mode(m)) {
                match got.expect_err(route) {
                    Error::DigestMismatch {
                        layer: l,
                        expected,
                        found: f,
                    } => {
                        assert_eq!(l, labels[layer], "{route}");
                        assert_eq!(expected, img.layers[layer].digest());
                        assert_eq!(f, sha256(found));
                    }
                    e => panic!("{route}: {e}"),
                }
            }
        }
    }
}

#[test]
fn a_compressed_layers_diff_id_is_checked_by_verify_full() {
    let img = sample_with([Comp::Gzip, Comp::None, Comp::Zstd], 64);
    let labels = labels(&img);
    let mut c = img.config_value();
    c["rootfs"]["diff_ids"][0] = json!(sha256(b"another tar"));
    let bad = img.with_config(c);
    let a = oci_layout(&[(&bad, None)]);
    for (route, got) in routes(&a, &mode(VerifyLayers::None)) {
        let got = got.expect(route);
        assert_eq!(verified(&got), ["none"; 3], "{route}");
        // Not computed: the config's claim is what the layer carries.
        assert_eq!(got.layers[0].changeset.diff_id, sha256(b"another tar"));
    }
    for (route, got) in routes(&a, &mode(VerifyLayers::Blob)) {
        assert_eq!(
            verified(&got.expect(route)),
            ["blob", "both", "blob"],
            "{route}"
        );
    }
    for (route, got) in routes(&a, &mode(VerifyLayers::Full)) {
        assert_eq!(
            got.expect_err(route).to_string(),
            format!(
                "{} diff_id: digest mismatch: expected {}, found {}",
                labels[0],
                sha256(b"another tar"),
                img.layers[0].diff_id()
            ),
            "{route}"
        );
    }
}

#[test]
fn the_default_still_catches_broken_layers_and_metadata() {
    let img = sample_with([Comp::Gzip, Comp::None, Comp::Zstd], 65);
    let labels = labels(&img);
    let default = mode(VerifyLayers::None);
    let errors = |a: &Archive| -> Vec<(&'static str, String)> {
        routes(a, &default)
            .into_iter()
            .map(|(r, got)| (r, got.expect_err(r).to_string()))
            .collect()
    };

    // A gzip layer whose CRC-32 is wrong (the last 8 bytes: CRC, length).
    let mut gz = img.layers[0].stored.clone();
    let n = gz.len();
    gz[n - 8] ^= 1;
    let mut a = oci_layout(&[(&img, None)]);
    a.replace(&blob_name(&img.layers[0].stored), gz);
    for (route, e) in errors(&a) {
        assert!(
            e == format!(
                "{}: decompressing: corrupt gzip stream does not have a matching checksum",
                labels[0]
            ),
            "{route}: {e}"
        );
    }

    // A plain layer whose first header's checksum no longer matches.
    let mut t = img.layers[1].tar.clone();
    t[0] ^= 1; // a byte of the first entry's name
    let mut a = oci_layout(&[(&img, None)]);
    a.replace(&blob_name(&img.layers[1].stored), t);
    for (route, e) in errors(&a) {
        assert!(
            e.starts_with(&format!("{}: tar entry 1: ", labels[1]))
                && e.contains("checksum mismatch"),
            "{route}: {e}"
        );
    }

    // A plain layer cut inside a file's content.
    let t = &img.layers[1].tar;
    let (at, size) = first_file(t);
    let cut = t[..at + 1].to_vec();
    let entry = {
        let mut ar = tar::Archive::new(&t[..]);
        ar.entries()
            .unwrap()
            .position(|e| e.unwrap().raw_file_position() as usize == at)
            .unwrap()
            + 1
    };
    assert!(size > 1);
    let mut a = oci_layout(&[(&img, None)]);
    a.replace(&blob_name(&img.layers[1].stored), cut);
    for (route, e) in errors(&a) {
        assert!(
            e.starts_with(&format!(
                "{}: tar entry {entry}: unexpected end of data (truncated?)",
                labels[1]
            )),
            "{route}: {e}"
        );
    }

    // Config and manifest blobs that are not what their digests name.
    let mut a = oci_layout(&[(&img, None)]);
    let mut cfg = img.config.clone();
    cfg.push(b' ');
    a.replace(&blob_name(&img.config), cfg.clone());
    for (route, e) in errors(&a) {
        assert_eq!(
            e,
            format!(
                "config {}: digest mismatch: expected {}, found {}",
                short(&img.config_digest()),
                img.config_digest(),
                sha256(&cfg)
            ),
            "{route}"
        );
    }
    let m = manifest_for(&img, false);
    let mut a = oci_layout(&[(&img, None)]);
    let mut m2 = m.clone();
    m2.push(b'\n');
    a.replace(&blob_name(&m), m2.clone());
    for (route, e) in errors(&a) {
        assert_eq!(
            e,
            format!(
                "manifest {}: digest mismatch: expected {}, found {}",
                short(&sha256(&m)),
                sha256(&m),
                sha256(&m2)
            ),
            "{route}"
        );
    }
}

#[test]
fn duplicates_stay_exact_when_only_size_collisions_are_hashed() {
    // Plain layers read by their headers (files over 64 KiB seeked past):
    // a, b equal (in two layers), c the same size with another first 4 KiB
    // (its head alone tells it apart), f the same size and head as a with
    // another last byte (read whole), d a size of its own, s small (hashed
    // as the headers go by).
    const N: usize = 100_000;
    let mut f = vec![1; N];
    f[N - 1] = 3;
    let l1 = TLayer::new(
        &[
            E::File("a", vec![1; N]),
            E::File("d", vec![1; N + 1]),
            E::File("s", vec![1; 10]),
            E::File("z", vec![]),
        ],
        Comp::None,
    );
    let l2 = TLayer::new(
        &[
            E::File("b", vec![1; N]),
            E::File("c", vec![2; N]),
            E::File("f", f),
        ],
        Comp::None,
    );
    let mut img = sample();
    img.layers = vec![l1, l2];
    img.created_by = vec![None, None];
    let config = config_json("linux", "amd64", None, &img.layers, json!([]));
    img.config = config;
    let a = oci_layout(&[(&img, None)]);
    for m in [VerifyLayers::None, VerifyLayers::Blob] {
        for (route, got) in routes(&a, &mode(m)) {
            let got = got.expect(route);
            let hashed: Vec<(String, bool)> = got
                .layers
                .iter()
                .flat_map(|l| &l.changeset.entries)
                .map(|e| {
                    (
                        String::from_utf8_lossy(&e.path).into_owned(),
                        e.hash.is_some(),
                    )
                })
                .collect();
            let an = Analysis::new(got, CacheRules::builtin());
            let groups: Vec<(Vec<String>, u64)> = an
                .duplicates
                .iter()
                .map(|g| (g.paths.clone(), g.wasted_bytes))
                .collect();
            assert_eq!(
                groups,
                [(vec!["/a".to_string(), "/b".to_string()], N as u64)],
                "{m:?} {route}"
            );
            assert_eq!(an.totals.duplicate_bytes, N as u64, "{m:?} {route}");
            if m == VerifyLayers::None && matches!(route, "dir" | "file") {
                // Read by offset: only the large files whose size and first
                // 4 KiB another file shares are hashed.
                assert_eq!(
                    hashed,
                    [
                        ("a".to_string(), true),
                        ("d".to_string(), false),
                        ("s".to_string(), true),
                        ("z".to_string(), true),
                        ("b".to_string(), true),
                        ("c".to_string(), false),
                        ("f".to_string(), true)
                    ],
                    "{route}"
                );
            }
        }
    }
}
