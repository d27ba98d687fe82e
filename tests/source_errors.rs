//! Bad input: one typed error naming the file or layer and the cause, on
//! every route, never a panic.

use crate::support::archives;

use archives::*;
use layerscope_core::source::{self, Input};
use layerscope_core::Error;
use serde_json::{json, Value};

/// An OCI layout for `img` whose manifest is first passed through `edit`.
fn oci_edited(img: &TImage, edit: impl Fn(&mut Value)) -> (Archive, Vec<u8>) {
    let mut m: Value = serde_json::from_slice(&manifest_for(img, false)).unwrap();
    edit(&mut m);
    let m = serde_json::to_vec(&m).unwrap();
    let mut a = Archive::default();
    add_blobs(&mut a, img, &m);
    a.file("oci-layout", r#"{"imageLayoutVersion":"1.0.0"}"#);
    a.file(
        "index.json",
        serde_json::to_vec(
            &json!({"schemaVersion": 2, "manifests": [descriptor(OCI_MANIFEST, &m)]}),
        )
        .unwrap(),
    );
    (a, m)
}

/// The error on each route: OCI directory, tar file, one-pass stream,
/// gzipped one pass. They must all be the same variant and message (the
/// label aside).
fn errors_everywhere(a: &Archive, o: &source::OpenOptions) -> Vec<Error> {
    let t = a.tar();
    vec![
        open_dir(a, o).expect_err("dir"),
        open_bytes(&t, o).expect_err("file"),
        open_stream(&t, o).expect_err("stream"),
        open_stream(&gzip(&t), o).expect_err("gzip stream"),
    ]
}

fn layer_labels(img: &TImage) -> Vec<String> {
    img.layers
        .iter()
        .enumerate()
        .map(|(i, l)| format!("layer {} ({})", i + 1, short(&l.digest())))
        .collect()
}

#[test]
fn truncated_archive() {
    let img = sample();
    let t = legacy(&[(&img, &["a:1"])], false).tar();
    // Cut inside the data of the second layer.tar.
    let a = legacy(&[(&img, &["a:1"])], false);
    let (cut, boundary) = {
        let mut ar = tar::Archive::new(&t[..]);
        let mut n = 0;
        let mut pos = 0;
        let mut header = 0;
        for e in ar.entries().unwrap() {
            let e = e.unwrap();
            if e.path().unwrap().ends_with("layer.tar") {
                n += 1;
                if n == 2 {
                    pos = e.raw_file_position() + 100;
                    header = e.raw_header_position();
                    break;
                }
            }
        }
        (pos as usize, header as usize)
    };
    assert!(cut > 0 && a.members.len() > 3);
    let e = open_bytes(&t[..cut], &opts()).unwrap_err();
    match &e {
        Error::Io { source, .. } => assert!(
            source
                .to_string()
                .starts_with("archive is truncated: member "),
            "{e}"
        ),
        other => panic!("{other:?}"),
    }
    let e = open_stream(&t[..cut], &opts()).unwrap_err();
    match &e {
        Error::Io { what, source } => {
            assert_eq!(what, "<stdin>");
            assert!(
                source
                    .to_string()
                    .starts_with("archive is truncated: member "),
                "{e}"
            );
            let want = format!("has 100 of its {} bytes", img.layers[1].tar.len());
            assert!(source.to_string().ends_with(&want), "{e}");
        }
        other => panic!("{other:?}"),
    }
    // Cut inside a header block.
    let e = open_bytes(&t[..cut - 100 - 300], &opts()).unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e:?}");
    let e = open_stream(&t[..cut - 100 - 300], &opts()).unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e:?}");
    // Cut on a member boundary: the metadata is simply not there.
    for e in [
        open_bytes(&t[..boundary], &opts()).unwrap_err(),
        open_stream(&t[..boundary], &opts()).unwrap_err(),
    ] {
        assert!(matches!(e, Error::UnknownFormat { .. }), "{e:?}");
    }
    // Cut right after a header: the member has none of its bytes.
    let e = open_stream(&t[..cut - 100], &opts()).unwrap_err();
    assert!(
        e.to_string()
            .ends_with(&format!("has 0 of its {} bytes", img.layers[1].tar.len())),
        "{e}"
    );
}

#[test]
fn corrupt_and_truncated_outer_gzip() {
    let img = sample();
    let gz = gzip(&legacy(&[(&img, &["a:1"])], false).tar());
    let mut bad = gz.clone();
    let mid = bad.len() / 2;
    for b in &mut bad[mid..mid + 16] {
        *b ^= 0x55;
    }
    for e in [
        open_bytes(&bad, &opts()).unwrap_err(),
        open_stream(&bad, &opts()).unwrap_err(),
    ] {
        assert!(matches!(&e, Error::Io { .. }), "{e:?}");
    }
    let e = open_stream(&bad, &opts()).unwrap_err();
    assert!(e.to_string().starts_with("<stdin>: "), "{e}");
    let short = &gz[..gz.len() - 40];
    let e = open_stream(short, &opts()).unwrap_err();
    assert!(
        matches!(&e, Error::Io { what, .. } if what == "<stdin>"),
        "{e:?}"
    );
}

#[test]
fn corrupt_gzip_and_zstd_layers() {
    for comp in [Comp::Gzip, Comp::Zstd] {
        let base = sample_with([Comp::None, comp, Comp::None], 50);
        let mut layers = base.layers.clone();
        let n = layers[1].stored.len();
        if comp == Comp::Gzip {
            // Deflate data is checked (and then the CRC).
            for b in &mut layers[1].stored[n / 2..n / 2 + 8] {
                *b ^= 0xa5;
            }
        } else {
            // zstd frames carry no checksum by default: flipped bytes may
            // decode to other bytes (caught by the diff_id); a cut frame
            // is an error of the decoder itself.
            layers[1].stored.truncate(n / 2);
        }
        let img = TImage {
            layers,
            ..base.clone()
        };
        let label = layer_labels(&img)[1].clone();
        for e in errors_everywhere(&oci_layout(&[(&img, None)]), &opts()) {
            match &e {
                Error::Layer { layer, why } => {
                    assert_eq!(layer, &label, "{comp:?}");
                    assert!(!why.is_empty());
                }
                other => panic!("{comp:?}: {other:?}"),
            }
        }
    }
}

#[test]
fn missing_layer_config_and_manifest_blobs() {
    let img = sample_with([Comp::Gzip; 3], 51);
    let base = oci_layout(&[(&img, None)]);
    let layer2 = img.layers[1].digest();
    let mut a = base.clone();
    a.without(|n| n == blob_name(&img.layers[1].stored));
    for e in errors_everywhere(&a, &opts()) {
        assert!(
            matches!(&e, Error::MissingBlob { what, digest } if what == "layer 2" && *digest == layer2),
            "{e:?}"
        );
        assert_eq!(e.to_string(), format!("layer 2: missing blob {layer2}"));
    }
    let mut a = base.clone();
    a.without(|n| n == blob_name(&img.config));
    for e in errors_everywhere(&a, &opts()) {
        assert_eq!(
            e.to_string(),
            format!(
                "config {}: missing blob {}",
                short(&img.config_digest()),
                img.config_digest()
            )
        );
        assert!(matches!(e, Error::MissingBlob { .. }));
    }
    let m = sha256(&manifest_for(&img, false));
    let mut a = base.clone();
    a.without(|n| n == format!("blobs/sha256/{}", &m[7..]));
    for e in errors_everywhere(&a, &opts()) {
        assert_eq!(e.to_string(), format!("manifest: missing blob {m}"));
    }
    // Legacy: manifest.json names a member that is not there.
    let mut l = legacy(&[(&img, &["a:1"])], false);
    let member = l
        .members
        .iter()
        .filter(|(n, _)| n.ends_with("/layer.tar"))
        .nth(2)
        .unwrap()
        .0
        .clone();
    l.without(|n| n == member);
    for e in [
        open_bytes(&l.tar(), &opts()).unwrap_err(),
        open_stream(&l.tar(), &opts()).unwrap_err(),
    ] {
        assert_eq!(e.to_string(), format!("layer 3: missing blob {member}"));
    }
}

#[test]
fn missing_index_and_not_a_layout() {
    let mut a = Archive::default();
    a.file("oci-layout", r#"{"imageLayoutVersion":"1.0.0"}"#);
    for e in errors_everywhere(&a, &opts()) {
        assert!(
            matches!(&e, Error::Metadata { file, .. } if file == "index.json"),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            "index.json: not found (an OCI image layout needs index.json)"
        );
    }
    let mut a = Archive::default();
    a.file("hello.txt", "hi");
    let e = open_dir(&a, &opts()).unwrap_err();
    assert!(
        matches!(&e, Error::UnknownFormat { why, .. } if why == "a directory, but not an OCI image layout (no oci-layout, index.json or manifest.json)"),
        "{e:?}"
    );
    for e in [
        open_bytes(&a.tar(), &opts()).unwrap_err(),
        open_stream(&a.tar(), &opts()).unwrap_err(),
    ] {
        assert!(
            matches!(&e, Error::UnknownFormat { why, .. } if why.starts_with("a tar archive, but not an image")),
            "{e:?}"
        );
    }
    let e = open_bytes(&a.tar()[..1024], &opts()).unwrap_err();
    assert!(matches!(&e, Error::UnknownFormat { .. }), "{e:?}");
}

#[test]
fn empty_not_a_tar_and_nonexistent() {
    for e in [
        open_bytes(b"", &opts()).unwrap_err(),
        open_stream(b"", &opts()).unwrap_err(),
    ] {
        assert!(
            matches!(&e, Error::UnknownFormat { why, .. } if why == "empty input"),
            "{e:?}"
        );
    }
    let text = b"this is not an image at all\n".repeat(40);
    for e in [
        open_bytes(&text, &opts()).unwrap_err(),
        open_stream(&text, &opts()).unwrap_err(),
    ] {
        assert!(
            matches!(&e, Error::UnknownFormat { why, .. } if why == "not an image: neither a tar archive, a gzip or zstd compressed tar, nor an OCI layout directory"),
            "{e:?}"
        );
    }
    let e = open_stream(&gzip(&text), &opts()).unwrap_err();
    assert!(
        matches!(&e, Error::UnknownFormat { why, .. } if why == "gzip-compressed, but not a tar archive"),
        "{e:?}"
    );
    let e = open_stream(&gzip(b""), &opts()).unwrap_err();
    assert!(
        matches!(&e, Error::UnknownFormat { why, .. } if why == "a gzip stream with nothing in it"),
        "{e:?}"
    );
    for e in [
        open_bytes(&zstd(&text), &opts()).unwrap_err(),
        open_stream(&zstd(&text), &opts()).unwrap_err(),
    ] {
        assert!(
            matches!(&e, Error::UnknownFormat { why, .. } if why == "zstd-compressed, but not a tar archive"),
            "{e:?}"
        );
    }
    let e = open_stream(&zstd(b""), &opts()).unwrap_err();
    assert!(
        matches!(&e, Error::UnknownFormat { why, .. } if why == "a zstd stream with nothing in it"),
        "{e:?}"
    );
    let e = source::open(&Input::Path("/nonexistent/image.tar".into()), &opts()).unwrap_err();
    assert!(
        matches!(&e, Error::Io { what, .. } if what == "/nonexistent/image.tar"),
        "{e:?}"
    );
}

#[test]
fn malformed_json_and_missing_required_fields() {
    let img = sample();
    let mut a = oci_layout(&[(&img, None)]);
    a.replace("index.json", "{\"manifests\": [");
    for e in errors_everywhere(&a, &opts()) {
        assert_eq!(
            e.to_string(),
            "index.json: invalid JSON: EOF while parsing a list at line 1 column 15"
        );
        assert!(matches!(e, Error::Metadata { .. }));
    }
    a.replace("index.json", "not json");
    for e in errors_everywhere(&a, &opts()) {
        assert_eq!(
            e.to_string(),
            "index.json: invalid JSON: expected ident at line 1 column 2"
        );
    }
    a.replace("index.json", "{}");
    for e in errors_everywhere(&a, &opts()) {
        assert_eq!(
            e.to_string(),
            "index.json: invalid JSON: missing field `manifests` at line 1 column 2"
        );
    }
    let (a, m) = oci_edited(&img, |m| {
        m.as_object_mut().unwrap().remove("layers");
    });
    for e in errors_everywhere(&a, &opts()) {
        let msg = e.to_string();
        assert!(
            msg.starts_with(&format!(
                "manifest {}: invalid JSON: missing field `layers`",
                short(&sha256(&m))
            )),
            "{msg}"
        );
    }
    let mut l = legacy(&[(&img, &["a:1"])], false);
    l.replace("manifest.json", r#"[{"Config": "x.json"}]"#);
    for e in [
        open_bytes(&l.tar(), &opts()).unwrap_err(),
        open_stream(&l.tar(), &opts()).unwrap_err(),
    ] {
        assert_eq!(
            e.to_string(),
            "manifest.json: invalid JSON: missing field `Layers` at line 1 column 21"
        );
    }
    l.replace("manifest.json", "[]");
    let e = open_bytes(&l.tar(), &opts()).unwrap_err();
    assert_eq!(e.to_string(), "manifest.json: lists no images");
    // A config without rootfs.
    let bad = img.with_config(json!({"os": "linux", "architecture": "amd64"}));
    for e in errors_everywhere(&oci_layout(&[(&bad, None)]), &opts()) {
        assert_eq!(
            e.to_string(),
            format!(
                "config {}: invalid JSON: missing field `rootfs` at line 1 column 37",
                short(&bad.config_digest())
            )
        );
    }
    // oci-layout that is not JSON.
    let mut a = oci_layout(&[(&img, None)]);
    a.replace("oci-layout", "{\"imageLayoutVersion\": 2}");
    let e = open_dir(&a, &opts()).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("oci-layout: invalid JSON: invalid type: integer `2`"),
        "{e}"
    );
}

#[test]
fn manifest_paths_must_stay_in_the_archive() {
    let img = sample();
    for (bad, why) in [
        (
            "../outside/layer.tar",
            "path \"../outside/layer.tar\" contains `..` and could point outside the archive",
        ),
        (
            "/etc/passwd",
            "path \"/etc/passwd\" is absolute; archive paths must be relative",
        ),
    ] {
        let mut l = legacy(&[(&img, &["a:1"])], false);
        let mut m: Value = serde_json::from_slice(l.get("manifest.json")).unwrap();
        m[0]["Layers"][1] = json!(bad);
        l.replace("manifest.json", serde_json::to_vec(&m).unwrap());
        for e in [
            open_bytes(&l.tar(), &opts()).unwrap_err(),
            open_stream(&l.tar(), &opts()).unwrap_err(),
        ] {
            assert!(
                matches!(&e, Error::Metadata { file, why: w } if file == "manifest.json" && w == why),
                "{e:?}"
            );
        }
        let mut m: Value = serde_json::from_slice(l.get("manifest.json")).unwrap();
        m[0]["Layers"][1] = json!(format!("{}/layer.tar", hex(b"v1-0-1")));
        m[0]["Config"] = json!(bad);
        l.replace("manifest.json", serde_json::to_vec(&m).unwrap());
        let e = open_bytes(&l.tar(), &opts()).unwrap_err();
        assert!(
            matches!(&e, Error::Metadata { file, why: w } if file == "manifest.json" && w == why),
            "{e:?}"
        );
    }
    // A digest that would escape blobs/.
    let mut a = oci_layout(&[(&img, None)]);
    a.replace("index.json", r#"{"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:../../../etc/passwd"}]}"#);
    for e in errors_everywhere(&a, &opts()) {
        assert_eq!(
            e.to_string(),
            "index.json: invalid digest \"sha256:../../../etc/passwd\": malformed encoded part"
        );
    }
}

#[test]
fn unknown_and_mismatched_media_types() {
    let img = sample_with([Comp::Gzip, Comp::Zstd, Comp::None], 52);
    let labels = layer_labels(&img);
    let (a, _) = oci_edited(&img, |m| {
        m["layers"][0]["mediaType"] = json!("application/vnd.example.thing+json")
    });
    for e in errors_everywhere(&a, &opts()) {
        assert!(
            matches!(&e, Error::Layer { layer, .. } if *layer == labels[0]),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            format!(
                "{}: unknown media type \"application/vnd.example.thing+json\" (not a layer type)",
                labels[0]
            )
        );
    }
    // Unknown is an error even without verification: we could not read it.
    assert!(matches!(
        open_dir(&a, &no_verify()).unwrap_err(),
        Error::Layer { .. }
    ));

    let (a, _) = oci_edited(&img, |m| m["layers"][1]["mediaType"] = json!(OCI_GZIP));
    for e in errors_everywhere(&a, &opts()) {
        assert_eq!(
            e.to_string(),
            format!(
                "{}: media type {OCI_GZIP} says gzip-compressed, but the blob is zstd-compressed",
                labels[1]
            )
        );
    }
    let (a, _) = oci_edited(&img, |m| m["layers"][2]["mediaType"] = json!(DOCKER_GZIP));
    for e in errors_everywhere(&a, &opts()) {
        assert_eq!(
            e.to_string(),
            format!(
                "{}: media type {DOCKER_GZIP} says gzip-compressed, but the blob is uncompressed",
                labels[2]
            )
        );
    }
    // Not an image at all: an artifact's config.
    let (a, m) = oci_edited(&img, |m| {
        m["config"]["mediaType"] = json!("application/vnd.cncf.helm.config.v1+json")
    });
    let e = open_dir(&a, &opts()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "manifest {}: config media type application/vnd.cncf.helm.config.v1+json is not an image config (an artifact, not an image?)",
            short(&sha256(&m))
        )
    );
}

#[test]
fn dangling_and_looping_member_links() {
    let img = sample();
    let base = legacy(&[(&img, &["a:1"])], true);
    let link = format!("{}/layer.tar", hex(b"v1-0-1"));
    let target = format!("{}/layer.tar", hex(b"shared-0"));
    // The symlink's target is gone.
    let mut a = base.clone();
    a.without(|n| n == target);
    let label = format!("layer 2 ({link})");
    for e in [
        open_bytes(&a.tar(), &opts()).unwrap_err(),
        open_stream(&a.tar(), &opts()).unwrap_err(),
    ] {
        assert!(
            matches!(&e, Error::Layer { layer, .. } if *layer == label),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            format!(
                "{label}: member {link:?} is a link to {target:?}, which is not in the archive"
            )
        );
    }
    // A hardlink to nothing.
    let mut a = base.clone();
    a.without(|n| n == target || n == link);
    a.hardlink(&link, "no/such/member");
    let e = open_bytes(&a.tar(), &opts()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{label}: member {link:?} is a link to \"no/such/member\", which is not in the archive"
        )
    );
    // A loop.
    let mut a = base.clone();
    a.without(|n| n == link);
    a.symlink(&link, "loop-b")
        .symlink(&format!("{}/loop-b", hex(b"v1-0-1")), "layer.tar");
    for e in [
        open_bytes(&a.tar(), &opts()).unwrap_err(),
        open_stream(&a.tar(), &opts()).unwrap_err(),
    ] {
        assert_eq!(
            e.to_string(),
            format!("{label}: member {link:?}: more than 16 levels of links (a link loop?)")
        );
    }
    // Out of the archive.
    let mut a = base.clone();
    a.without(|n| n == link);
    a.symlink(&link, "../../etc/passwd");
    let e = open_bytes(&a.tar(), &opts()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{label}: member {link:?} is a symlink to \"../../etc/passwd\", outside the archive"
        )
    );
}

#[test]
fn digest_mismatches_and_no_verify() {
    let img = sample_with([Comp::Gzip, Comp::None, Comp::Zstd], 53);
    let labels = layer_labels(&img);

    // A layer blob whose bytes do not hash to its name.
    let mut a = oci_layout(&[(&img, None)]);
    let name = blob_name(&img.layers[0].stored);
    let mut other = gzip(&img.layers[0].tar);
    other[4] ^= 1; // gzip mtime byte: still a valid gzip of the same tar
    a.replace(&name, other.clone());
    for e in errors_everywhere(&a, &opts()) {
        match &e {
            Error::DigestMismatch {
                layer,
                expected,
                found,
            } => {
                assert_eq!(layer, &labels[0]);
                assert_eq!(expected, &img.layers[0].digest());
                assert_eq!(found, &sha256(&other));
            }
            other => panic!("{other:?}"),
        }
    }
    let got = open_dir(&a, &no_verify()).unwrap();
    assert_eq!(got.layers[0].changeset.diff_id, img.layers[0].diff_id());

    // diff_ids that do not match the layers.
    let mut c = img.config_value();
    c["rootfs"]["diff_ids"][1] = json!(sha256(b"something else"));
    let bad = img.with_config(c);
    let a = oci_layout(&[(&bad, None)]);
    for e in errors_everywhere(&a, &opts()) {
        assert_eq!(
            e.to_string(),
            format!(
                "{} diff_id: digest mismatch: expected {}, found {}",
                labels[1],
                sha256(b"something else"),
                img.layers[1].diff_id()
            )
        );
    }
    assert_eq!(open_dir(&a, &no_verify()).unwrap().layers.len(), 3);
    let mut l = legacy(&[(&bad, &["a:1"])], false);
    let e = open_stream(&l.tar(), &opts()).unwrap_err();
    let member = format!("{}/layer.tar", hex(b"v1-0-1"));
    assert_eq!(
        e.to_string(),
        format!(
            "layer 2 ({member}) diff_id: digest mismatch: expected {}, found {}",
            sha256(b"something else"),
            img.layers[1].diff_id()
        )
    );

    // Legacy config whose name is not its digest.
    let cfg_name = format!("{}.json", hex(&bad.config));
    let mut altered = bad.config.clone();
    altered.push(b'\n');
    l.replace(&cfg_name, altered.clone());
    let e = open_bytes(&l.tar(), &opts()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "config {cfg_name}: digest mismatch: expected {}, found {}",
            bad.config_digest(),
            sha256(&altered)
        )
    );

    // Count of diff_ids.
    let mut c = img.config_value();
    c["rootfs"]["diff_ids"].as_array_mut().unwrap().pop();
    let short_cfg = img.with_config(c);
    for e in errors_everywhere(&oci_layout(&[(&short_cfg, None)]), &opts()) {
        assert_eq!(
            e.to_string(),
            format!(
                "config {}: rootfs.diff_ids lists 2 layers, the manifest 3",
                short(&short_cfg.config_digest())
            )
        );
    }

    // Config and manifest blobs that do not hash to their names.
    let mut a = oci_layout(&[(&img, None)]);
    let mut cfg = img.config.clone();
    cfg.push(b' ');
    a.replace(&blob_name(&img.config), cfg.clone());
    for e in errors_everywhere(&a, &opts()) {
        assert_eq!(
            e.to_string(),
            format!(
                "config {}: digest mismatch: expected {}, found {}",
                short(&img.config_digest()),
                img.config_digest(),
                sha256(&cfg)
            )
        );
    }
    assert!(open_dir(&a, &no_verify()).is_ok());
    let m = manifest_for(&img, false);
    let mut a = oci_layout(&[(&img, None)]);
    let mut m2 = m.clone();
    m2.push(b'\n');
    a.replace(&blob_name(&m), m2.clone());
    for e in errors_everywhere(&a, &opts()) {
        assert_eq!(
            e.to_string(),
            format!(
                "manifest {}: digest mismatch: expected {}, found {}",
                short(&sha256(&m)),
                sha256(&m),
                sha256(&m2)
            )
        );
    }
}

#[test]
fn metadata_over_the_size_cap() {
    let img = sample();
    let mut l = legacy(&[(&img, &["a:1"])], false);
    let mut big = l.get("manifest.json").to_vec();
    big.extend(vec![b' '; 17 << 20]);
    l.replace("manifest.json", big.clone());
    let t = l.tar();
    let why = format!(
        "too large for a metadata file: {} bytes (limit 16 MiB)",
        big.len()
    );
    for e in [
        open_bytes(&t, &opts()).unwrap_err(),
        open_stream(&t, &opts()).unwrap_err(),
    ] {
        assert!(
            matches!(&e, Error::Metadata { file, why: w } if file == "manifest.json" && *w == why),
            "{e:?}"
        );
    }
}

#[test]
fn index_with_only_artifacts() {
    let mut a = Archive::default();
    let art = br#"{"schemaVersion":2}"#;
    a.file(&blob_name(art), art.to_vec());
    a.file(
        "index.json",
        serde_json::to_vec(&json!({"manifests": [{"mediaType": "application/vnd.oci.artifact.manifest.v1+json", "digest": sha256(art)}]})).unwrap(),
    );
    let e = open_dir(&a, &opts()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "index.json: lists no image manifests, only: application/vnd.oci.artifact.manifest.v1+json"
    );
}

#[test]
fn the_first_broken_layer_is_reported_whatever_the_thread_timing() {
    let base = sample_with([Comp::Gzip; 3], 54);
    let mut layers = base.layers.clone();
    for l in &mut layers[1..] {
        let n = l.stored.len();
        l.stored.truncate(n / 2);
    }
    let img = TImage {
        layers,
        ..base.clone()
    };
    let label = layer_labels(&img)[1].clone();
    for _ in 0..5 {
        for e in errors_everywhere(&oci_layout(&[(&img, None)]), &opts()) {
            assert!(
                matches!(&e, Error::Layer { layer, .. } if *layer == label),
                "{e:?}"
            );
        }
    }
}
