//! Where the files of an image live: an OCI layout directory, a tar indexed
//! by offset, or the members buffered from a one-pass stream.
//!
//! The metadata readers (`docker_archive`, `oci`, `config`) only see the
//! [`Store`] trait, so one resolver serves every input; only the layer passes
//! differ (parallel by offset for seekable inputs, inline for streams).

use std::io::Read;
use std::path::PathBuf;

use crate::error::{Error, Result};

/// Largest metadata file (manifest, index, config) we are willing to hold in
/// memory. Real ones are kilobytes; a 1 GB "manifest" is an error, not an OOM.
/// Stores outside the core (a registry) hold metadata under the same cap.
pub const META_CAP: u64 = 16 << 20;

/// Metadata files needed to resolve an image, whatever the input.
///
/// Paths are those of an OCI image layout (`oci-layout`, `index.json`,
/// `blobs/<alg>/<hex>`) or of a `docker save` (`manifest.json`, members it
/// names). A store outside the core (`layerscope-fetch`'s registry) serves
/// an OCI layout this way and opens it with [`super::open_store`].
pub trait Store {
    /// The input's name, for messages.
    fn input(&self) -> &str;
    /// An OCI layout directory (as opposed to an archive).
    fn is_dir(&self) -> bool {
        false
    }
    /// Is there a regular file at `path` (links followed)? A dangling link
    /// counts as absent here; reading it reports why.
    fn contains(&self, path: &str) -> bool;
    /// The bytes of a small metadata file, `None` when it is absent. `file`
    /// names it in errors (too large, dangling link, unreadable).
    fn read_meta(&self, path: &str, file: &str) -> Result<Option<Vec<u8>>>;
}

/// A layer blob located in a seekable store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    /// The canonical name (links resolved): layers that share a blob share a
    /// key and are scanned once.
    pub key: String,
    /// Byte offset of the data in the archive (0 for a directory's file).
    pub offset: u64,
    /// Stored (compressed) bytes; the progress total is their sum.
    pub size: u64,
}

/// A store whose blobs can be read independently and concurrently, each
/// thread with its own file handle (or connection).
pub trait BlobStore: Store + Sync {
    /// Find the blob at `path`; `None` when absent. `what` names the layer in
    /// errors (dangling or looping links, not a regular file).
    fn locate(&self, path: &str, what: &str) -> Result<Option<Blob>>;
    /// A fresh reader over exactly the blob's bytes.
    fn open(&self, blob: &Blob) -> Result<Box<dyn Read + '_>>;
    /// The local file that holds the blob's bytes at `blob.offset`, if
    /// there is one: a pass that hashes nothing can then seek past file
    /// contents. `None` (the default): only [`BlobStore::open`] reads it.
    fn local_file(&self, _blob: &Blob) -> Option<PathBuf> {
        None
    }
}

/// Check a member path taken from a manifest (`manifest.json` `Config`,
/// `Layers`): it must stay inside the archive. Returns the normalised path.
pub(crate) fn member_path(raw: &str, file: &str) -> Result<String> {
    if raw.starts_with('/') {
        return Err(Error::metadata(
            file,
            format!("path {raw:?} is absolute; archive paths must be relative"),
        ));
    }
    let norm = normalize_str(raw);
    if norm.split('/').any(|c| c == "..") {
        return Err(Error::metadata(
            file,
            format!("path {raw:?} contains `..` and could point outside the archive"),
        ));
    }
    if norm.is_empty() {
        return Err(Error::metadata(file, format!("path {raw:?} is empty")));
    }
    Ok(norm)
}

/// The layer pass's normalisation for member names (strip `./` and `/`,
/// collapse `//`), on UTF-8 text: names referenced from JSON are UTF-8.
pub(crate) fn normalize_str(raw: &str) -> String {
    raw.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// `sha256:0123456789ab…`: short enough for a one-line message, long enough
/// to find the blob.
pub(crate) fn short_digest(digest: &str) -> String {
    match digest.split_once(':') {
        // By chars, not bytes: the digest text comes from the input.
        Some((alg, hex)) if hex.chars().count() > 12 => {
            format!("{alg}:{}…", hex.chars().take(12).collect::<String>())
        }
        _ => digest.to_string(),
    }
}

/// Human form of a metadata size limit.
pub(crate) fn too_large(file: &str, size: u64) -> Error {
    Error::metadata(
        file,
        format!(
            "too large for a metadata file: {size} bytes (limit {} MiB)",
            META_CAP >> 20
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_paths_stay_inside() {
        assert_eq!(
            member_path("./a//b/layer.tar", "m").unwrap(),
            "a/b/layer.tar"
        );
        assert!(member_path("/etc/passwd", "m").is_err());
        assert!(member_path("a/../../x", "m").is_err());
        assert!(member_path("./", "m").is_err());
    }

    #[test]
    fn short_digests() {
        assert_eq!(
            short_digest("sha256:0123456789abcdef0123"),
            "sha256:0123456789ab…"
        );
        assert_eq!(short_digest("abc"), "abc");
    }
}
