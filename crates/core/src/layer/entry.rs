//! A tar entry as the waste model sees it.

/// What a tar entry is, with whiteouts already recognised
/// (OCI image-spec, layer.md, "Whiteouts").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    /// A hardlink to an earlier entry of the same layer (`Entry::link`).
    Hardlink,
    CharDevice,
    BlockDevice,
    Fifo,
    /// `D/.wh.NAME`: `Entry::path` is `D/NAME`, the path it removes.
    Whiteout,
    /// `D/.wh..wh..opq`: `Entry::path` is `D`, whose lower children go.
    OpaqueWhiteout,
    /// Anything else (AUFS `.wh..wh.*` metadata, unknown tar types): kept
    /// for the entry count, ignored by the overlay.
    Other,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::File => "file",
            EntryKind::Dir => "dir",
            EntryKind::Symlink => "symlink",
            EntryKind::Hardlink => "hardlink",
            EntryKind::CharDevice => "char",
            EntryKind::BlockDevice => "block",
            EntryKind::Fifo => "fifo",
            EntryKind::Whiteout => "whiteout",
            EntryKind::OpaqueWhiteout => "opaque-whiteout",
            EntryKind::Other => "other",
        }
    }
}

/// 128-bit XXH3 of a regular file's content: equal hashes are taken as equal
/// content by the duplicate analysis (see docs/waste-model.md for why not
/// sha256: it is the per-byte cost, and nothing here needs collision
/// resistance against an adversary: a forged collision can only mislabel a
/// duplicate, never hide bytes).
///
/// Stored as bytes (alignment 1), so `Option<ContentHash>` costs 17 bytes
/// per entry instead of the 32 a `u128` would take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContentHash(pub [u8; 16]);

impl From<u128> for ContentHash {
    fn from(h: u128) -> ContentHash {
        ContentHash(h.to_be_bytes())
    }
}

impl ContentHash {
    pub fn to_hex(self) -> String {
        hex::encode(self.0)
    }
}

/// One tar entry of a layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Normalised path (see [`crate::layer::normalize`]): no leading `/` or
    /// `./`, no `//`, no trailing `/`; the root directory is the empty path.
    /// Raw bytes: names that are not UTF-8 are kept losslessly.
    pub path: Box<[u8]>,
    pub kind: EntryKind,
    /// Content bytes: the header size for regular files, 0 for everything
    /// else (waste-model.md, "Entries and bytes").
    pub size: u64,
    /// The tar size field as the reader saw it (PAX `size` applied), for
    /// every entry kind: dirs, links and whiteouts included. Only
    /// compatibility figures use it (dive sums and compares header sizes of
    /// all entries, `crate::dive`); the waste model uses `size`.
    pub header_size: u64,
    /// The raw tar typeflag byte (`b'0'`, `b'5'`, `b'g'`, ...), for
    /// compatibility figures that follow another tool's reading of it.
    pub typeflag: u8,
    pub mode: u32,
    /// Owner ids; tar allows more than 32 bits, no system uses them, so
    /// larger values are kept as `u32::MAX`.
    pub uid: u32,
    pub gid: u32,
    /// Symlink target (raw, as written) or hardlink target (normalised path
    /// of an earlier entry of the same layer).
    pub link: Option<Box<[u8]>>,
    /// Content hash of regular files.
    pub hash: Option<ContentHash>,
}
