//! Digests and media types: what the image claims, checked against the bytes.
//!
//! - Blobs addressed by digest (OCI `blobs/<alg>/<encoded>`) must hash to it
//!   (image-spec `descriptor.md`, "Digests"): layers through the layer
//!   pass's stored-bytes hash, manifests and configs here (they are small).
//! - Each layer's uncompressed stream must hash to the config's
//!   `rootfs.diff_ids` entry of the same index (image-spec `config.md`).
//! - A layer's media type must be a layer type and agree with the magic
//!   bytes of the blob (image-spec `layer.md`, `media-types.md`).
//!
//! Only sha256 is computed: it is the only algorithm registries and Docker
//! produce; other algorithms are accepted unverified.

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::layer::Compression;

/// `sha256:<hex>` of some bytes.
pub(crate) fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// A descriptor digest split and checked (image-spec `descriptor.md`
/// grammar: `algorithm ":" encoded`), so that it is safe to use as the path
/// `blobs/<alg>/<encoded>`: no `/`, no `..`, nothing but the grammar's
/// characters.
pub(crate) fn blob_path(digest: &str, file: &str) -> Result<String> {
    let bad = |why: &str| Error::metadata(file, format!("invalid digest {digest:?}: {why}"));
    let (alg, enc) = digest
        .split_once(':')
        .ok_or_else(|| bad("expected algorithm:hex"))?;
    let alg_ok = !alg.is_empty()
        && alg.split(['+', '.', '_', '-']).all(|c| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if !alg_ok {
        return Err(bad("malformed algorithm"));
    }
    if enc.is_empty()
        || !enc
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'_' | b'-'))
    {
        return Err(bad("malformed encoded part"));
    }
    if alg == "sha256"
        && (enc.len() != 64 || !enc.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
    {
        return Err(bad("sha256 needs 64 lowercase hex digits"));
    }
    Ok(format!("blobs/{alg}/{enc}"))
}

/// Check a small blob (manifest, index, config) against its digest.
/// `what` names it in the error ("config sha256:ab…").
pub(crate) fn check_blob(what: &str, expected: &str, bytes: &[u8]) -> Result<()> {
    if !expected.starts_with("sha256:") {
        return Ok(());
    }
    let found = sha256(bytes);
    if found != expected {
        return Err(Error::DigestMismatch {
            layer: what.to_string(),
            expected: expected.to_string(),
            found,
        });
    }
    Ok(())
}

/// Is this the media type of a layer, and which compression does it name?
/// `None`: not a layer type at all.
pub(crate) fn layer_compression(media_type: &str) -> Option<Compression> {
    // OCI: image-spec media-types.md (non-distributable types are deprecated
    // but still produced). Docker: distribution manifest-v2-2.md, plus the
    // uncompressed and zstd variants containerd defines
    // (images/mediatypes.go).
    Some(match media_type {
        "application/vnd.oci.image.layer.v1.tar"
        | "application/vnd.oci.image.layer.nondistributable.v1.tar"
        | "application/vnd.docker.image.rootfs.diff.tar"
        | "application/vnd.docker.image.rootfs.foreign.diff.tar" => Compression::None,
        "application/vnd.oci.image.layer.v1.tar+gzip"
        | "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
        | "application/vnd.docker.image.rootfs.diff.tar.gzip"
        | "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip" => Compression::Gzip,
        "application/vnd.oci.image.layer.v1.tar+zstd"
        | "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
        | "application/vnd.docker.image.rootfs.diff.tar.zstd" => Compression::Zstd,
        _ => return None,
    })
}

/// The media type must agree with the magic bytes the layer pass saw.
pub(crate) fn check_compression(label: &str, media_type: &str, found: Compression) -> Result<()> {
    match layer_compression(media_type) {
        Some(expected) if expected == found => Ok(()),
        Some(expected) => Err(Error::layer(
            label,
            format!(
                "media type {media_type} says {}, but the blob is {}",
                describe(expected),
                describe(found)
            ),
        )),
        None => Err(unknown_media_type(label, media_type)),
    }
}

pub(crate) fn unknown_media_type(label: &str, media_type: &str) -> Error {
    Error::layer(
        label,
        format!("unknown media type {media_type:?} (not a layer type)"),
    )
}

fn describe(c: Compression) -> &'static str {
    match c {
        Compression::None => "uncompressed",
        Compression::Gzip => "gzip-compressed",
        Compression::Zstd => "zstd-compressed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_paths_come_only_from_well_formed_digests() {
        let hex = "a".repeat(64);
        assert_eq!(
            blob_path(&format!("sha256:{hex}"), "f").unwrap(),
            format!("blobs/sha256/{hex}")
        );
        assert!(blob_path("sha256:../../etc/passwd", "f").is_err());
        assert!(blob_path("sha256:abc", "f").is_err());
        assert!(blob_path("nocolon", "f").is_err());
        assert!(blob_path("SHA256:abc", "f").is_err());
        assert!(blob_path("sha512:abc/def", "f").is_err());
        assert!(blob_path("sha512:abcdef", "f").is_ok());
    }

    #[test]
    fn media_types() {
        assert_eq!(
            layer_compression("application/vnd.docker.image.rootfs.diff.tar.gzip"),
            Some(Compression::Gzip)
        );
        assert_eq!(
            layer_compression("application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"),
            Some(Compression::Zstd)
        );
        assert_eq!(
            layer_compression("application/vnd.oci.image.config.v1+json"),
            None
        );
        let e = check_compression(
            "layer 1",
            "application/vnd.oci.image.layer.v1.tar+gzip",
            Compression::Zstd,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "layer 1: media type application/vnd.oci.image.layer.v1.tar+gzip says gzip-compressed, but the blob is zstd-compressed"
        );
    }
}
