//! Blobs named by sha384 and sha512 digests (image-spec registers both):
//! verified like sha256 ones, never skipped (issue 12). Every expected
//! digest is computed here with `sha2` over the bytes the test wrote.

use crate::support::archives;

use archives::*;
use layerscope_core::Error;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha384, Sha512};

fn sha512(b: &[u8]) -> String {
    format!("sha512:{}", hex::encode(Sha512::digest(b)))
}

fn sha384(b: &[u8]) -> String {
    format!("sha384:{}", hex::encode(Sha384::digest(b)))
}

/// An OCI layout whose config and first layer are named by `name_of` (a
/// sha384 or sha512 digest), the blob stored as `bytes_of` gives it.
fn layout_named_by(
    img: &TImage,
    name_of: fn(&[u8]) -> String,
    bytes_of: impl Fn(&[u8]) -> Vec<u8>,
) -> Archive {
    let mut a = Archive::default();
    let mut layers = Vec::new();
    for (i, l) in img.layers.iter().enumerate() {
        let mut d = descriptor(l.oci_media_type(), &l.stored);
        if i == 0 {
            let digest = name_of(&l.stored);
            let (alg, hex) = digest.split_once(':').unwrap();
            a.file(&format!("blobs/{alg}/{hex}"), bytes_of(&l.stored));
            d["digest"] = json!(digest);
        } else {
            a.file(&blob_name(&l.stored), l.stored.clone());
        }
        layers.push(d);
    }
    let config = name_of(&img.config);
    let (alg, hex) = config.split_once(':').unwrap();
    a.file(&format!("blobs/{alg}/{hex}"), img.config.clone());
    let mut cd = descriptor(OCI_CONFIG, &img.config);
    cd["digest"] = json!(config);
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": cd, "layers": layers,
    }))
    .unwrap();
    a.file(&blob_name(&manifest), manifest.clone());
    a.file("oci-layout", r#"{"imageLayoutVersion":"1.0.0"}"#);
    let index = json!({"schemaVersion": 2, "manifests": [descriptor(OCI_MANIFEST, &manifest)]});
    a.file("index.json", serde_json::to_vec(&index).unwrap());
    a
}

#[test]
fn sha384_and_sha512_named_blobs_are_read_and_checked() {
    let img = sample_with([Comp::Gzip, Comp::None, Comp::Zstd], 21);
    for name_of in [sha384 as fn(&[u8]) -> String, sha512] {
        let a = layout_named_by(&img, name_of, |b| b.to_vec());
        let want: Vec<(String, u64, usize, u64)> = img
            .layers
            .iter()
            .map(|l| (l.diff_id(), l.tar.len() as u64, l.entries, l.content))
            .collect();
        // Honest bytes: read as a directory and as an oci-archive file.
        for got in [open_dir(&a, &opts()), open_bytes(&a.tar(), &opts())] {
            let got = got.unwrap();
            assert_eq!(fingerprint(&got), want);
            let layer0: Value = json!(name_of(&img.layers[0].stored));
            assert_eq!(json!(got.layers[0].digest), layer0);
            assert_eq!(got.layers[1].digest, img.layers[1].digest());
        }
    }
}

#[test]
fn a_sha512_named_layer_with_other_bytes_is_a_mismatch() {
    // A plain tar: changing a byte of its trailing zero blocks keeps it a
    // valid tar, so only the digest can tell.
    let img = sample_with([Comp::None, Comp::Gzip, Comp::Zstd], 22);
    let tamper = |b: &[u8]| {
        let mut v = b.to_vec();
        *v.last_mut().unwrap() ^= 0x01;
        v
    };
    let a = layout_named_by(&img, sha512, tamper);
    let expected = sha512(&img.layers[0].stored);
    let found = sha512(&tamper(&img.layers[0].stored));
    for e in [open_dir(&a, &opts()), open_bytes(&a.tar(), &opts())] {
        let e = e.unwrap_err();
        assert!(
            matches!(&e, Error::DigestMismatch { expected: x, found: f, .. }
                if x == &expected && f == &found),
            "{e:?}"
        );
    }
}

#[test]
fn a_sha384_named_config_with_other_bytes_is_a_mismatch() {
    let img = sample();
    let mut a = layout_named_by(&img, sha384, |b| b.to_vec());
    let config = sha384(&img.config);
    let (alg, hex) = config.split_once(':').unwrap();
    let mut other = img.config.clone();
    other.push(b' ');
    a.replace(&format!("blobs/{alg}/{hex}"), other.clone());
    let e = open_dir(&a, &opts()).unwrap_err();
    assert!(
        matches!(&e, Error::DigestMismatch { expected, found, .. }
            if expected == &config && found == &sha384(&other)),
        "{e:?}"
    );
}
