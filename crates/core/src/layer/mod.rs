//! One layer = one tar changeset, read in a single streaming pass.
//!
//! `scan` decompresses (gzip, zstd or plain, by magic bytes), counts and
//! hashes the uncompressed stream (its sha256 is the diff_id), walks the tar
//! entries and records each entry's metadata and a content hash. Nothing is
//! extracted and no file content is held in memory, except the package
//! databases (`Changeset::captured`, see `crate::packages`).

mod elf;
mod entry;
mod forward;
mod guard;
mod path;
mod scan;
mod seek;

pub use elf::{ElfFile, Strip};
pub use entry::{ContentHash, Entry, EntryKind, Rare};
pub(crate) use guard::HeaderGuard;
pub use path::{display_path, normalize};
pub use scan::{scan, Compression, ScanError, ScanOptions};
pub(crate) use seek::{hash_ranges, head_hashes, is_plain, scan_seek, ContentOffsets, HEAD_BYTES};

use std::sync::OnceLock;

use crate::packages::parse::{Parsed, StanzaMemo};

/// Everything the layer pass learned about one layer.
#[derive(Debug, Clone, Default)]
pub struct Changeset {
    /// Length of the uncompressed tar stream, padding included.
    pub size_bytes: u64,
    /// Length of the blob as stored (compressed or not).
    pub stored_bytes: u64,
    /// `sha256:<hex>` of the uncompressed stream. The layer pass leaves it
    /// empty when it was not asked to hash the stream; an image's layer
    /// then carries the config's (unchecked) diff_id, and `Layer::verified`
    /// says which digests were checked.
    pub diff_id: String,
    /// `sha256:<hex>` of the stored blob, when it was computed (always for
    /// plain blobs, where it equals the diff_id; for compressed blobs only
    /// when asked for).
    pub blob_digest: Option<String>,
    pub compression: Compression,
    /// Tar entries in stream order (PAX/GNU extension headers are not entries).
    pub entries: Vec<Entry>,
    /// The content of the package database files among the entries
    /// (`packages::capture::wants_content`), in entry order.
    pub captured: Vec<Captured>,
    /// The ELF executables and shared libraries among the regular-file
    /// entries that `strip --strip-unneeded` would shrink (or whose section
    /// headers could not be read), in entry order: a side table, so other
    /// entries cost nothing (`elf`).
    pub elf: Vec<ElfFile>,
}

/// A package database file's content, kept by the layer pass.
#[derive(Debug, Clone)]
pub struct Captured {
    /// Index into `Changeset::entries`.
    pub entry: usize,
    /// The bytes; `None` when the file is larger than
    /// `packages::capture::MAX_CAPTURE` (a finding, never read).
    pub content: Option<Box<[u8]>>,
    /// What the bytes say, parsed once, by whichever thread gets there
    /// first: a reader left idle while the others still read
    /// (`source::parallel`), else the analysis (`packages::Databases`).
    parsed: OnceLock<Result<Parsed, String>>,
}

impl Captured {
    pub fn new(entry: usize, content: Option<Box<[u8]>>) -> Captured {
        Captured {
            entry,
            content,
            parsed: OnceLock::new(),
        }
    }

    /// The parsed content, if it was parsed already (never for a file
    /// over the bound).
    pub fn parsed(&self) -> Option<&Result<Parsed, String>> {
        self.parsed.get()
    }

    /// Take `parsed` as what the bytes say, unless they were parsed
    /// already: for bytes equal to a file's parsed before (its result,
    /// shared).
    pub fn set_parsed(&self, parsed: Result<Parsed, String>) {
        let _ = self.parsed.set(parsed);
    }

    /// Bytes kept and not parsed yet.
    pub fn unparsed(&self) -> bool {
        self.content.is_some() && self.parsed.get().is_none()
    }

    /// The parsed content of this file, found at `path` (normalised),
    /// parsed now unless it was already; `None` for a file over the bound.
    pub fn parse(&self, path: &[u8], memo: &mut StanzaMemo) -> Option<&Result<Parsed, String>> {
        let bytes = self.content.as_deref()?;
        Some(
            self.parsed
                .get_or_init(|| crate::packages::parse::parse_with(path, bytes, memo)),
        )
    }
}

/// Two captures are equal when they hold the same bytes of the same entry,
/// parsed or not (the parse follows from the bytes).
impl PartialEq for Captured {
    fn eq(&self, other: &Captured) -> bool {
        self.entry == other.entry && self.content == other.content
    }
}

impl Eq for Captured {}

impl Changeset {
    /// Sum of the content bytes of the regular-file entries.
    pub fn content_bytes(&self) -> u64 {
        self.entries.iter().map(|e| e.size).sum()
    }

    /// What the layer pass recorded of entry `entry` if it is an ELF file
    /// with something to strip: `Some(None)` when unknown.
    pub fn strippable(&self, entry: usize) -> Option<Option<u64>> {
        let i = self.elf.binary_search_by_key(&entry, |e| e.entry).ok()?;
        Some(self.elf[i].strippable)
    }
}
