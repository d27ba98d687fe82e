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

use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::layer::Compression;

/// A descriptor digest parsed once (image-spec `descriptor.md` grammar,
/// see [`Digest`]); `file` names the metadata that gave it in the error.
pub(crate) fn parse_digest(digest: &str, file: &str) -> Result<Digest> {
    digest
        .parse()
        .map_err(|why| Error::metadata(file, format!("invalid digest {digest:?}: {why}")))
}

/// A descriptor digest checked, as the path `blobs/<alg>/<encoded>`: no
/// `/`, no `..`, nothing but the grammar's characters.
pub(crate) fn blob_path(digest: &str, file: &str) -> Result<String> {
    parse_digest(digest, file).map(|d| d.blob_path())
}

/// Check a small blob (manifest, index, config) against its digest.
/// `what` names it in the error ("config sha256:ab…").
pub(crate) fn check_blob(what: &str, expected: &Digest, bytes: &[u8]) -> Result<()> {
    // An algorithm we do not compute cannot be checked.
    let Some(alg) = expected.known_algorithm() else {
        return Ok(());
    };
    let found = alg.digest(bytes);
    if &found != expected {
        return Err(Error::DigestMismatch {
            layer: what.to_string(),
            expected: expected.to_string(),
            found: found.to_string(),
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
        assert!(blob_path(&format!("sha512:{}", "ab".repeat(64)), "f").is_ok());
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
