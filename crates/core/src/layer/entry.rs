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
///
/// 64 bytes: an image of 10^6 entries keeps them all (issue 13's budget is
/// 200 B per entry for everything), so the fields that are rare — a link
/// target, a tar size field that differs from `size` — live behind one
/// optional box ([`Rare`]) instead of 24 bytes in every entry.
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
    /// The raw tar typeflag byte (`b'0'`, `b'5'`, `b'g'`, ...), for
    /// compatibility figures that follow another tool's reading of it.
    pub typeflag: u8,
    pub mode: u32,
    /// Owner ids; tar allows more than 32 bits, no system uses them, so
    /// larger values are kept as `u32::MAX`.
    pub uid: u32,
    pub gid: u32,
    /// The link target and an odd tar size field, when there is one:
    /// build it with [`Entry::rare`], read it with [`Entry::link`] and
    /// [`Entry::header_size`].
    pub rare: Option<Box<Rare>>,
    /// Content hash of regular files.
    pub hash: Option<ContentHash>,
}

/// What few entries have (see [`Entry::rare`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rare {
    link: Option<Box<[u8]>>,
    header_size: Option<u64>,
}

const _: () = assert!(std::mem::size_of::<Entry>() == 64);

impl Entry {
    /// The `rare` field of an entry whose content size is `size`: `link`
    /// is the symlink target (raw, as written) or the hardlink target
    /// (normalised path of an earlier entry of the same layer);
    /// `header_size` is the tar size field as the reader saw it (PAX `size`
    /// applied), kept only where it differs from `size` (a regular file's
    /// never does; a directory or link with a size field does).
    pub fn rare(link: Option<Box<[u8]>>, header_size: u64, size: u64) -> Option<Box<Rare>> {
        let header_size = (header_size != size).then_some(header_size);
        (link.is_some() || header_size.is_some()).then(|| Box::new(Rare { link, header_size }))
    }

    /// Symlink target (raw, as written) or hardlink target (normalised path
    /// of an earlier entry of the same layer).
    pub fn link(&self) -> Option<&[u8]> {
        self.rare.as_ref()?.link.as_deref()
    }

    /// The tar size field as the reader saw it (PAX `size` applied), for
    /// every entry kind: dirs, links and whiteouts included. Only
    /// compatibility figures use it (dive sums and compares header sizes of
    /// all entries, `crate::dive`); the waste model uses `size`.
    pub fn header_size(&self) -> u64 {
        self.rare
            .as_ref()
            .and_then(|r| r.header_size)
            .unwrap_or(self.size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rare_fields_take_the_box() {
        // a regular file (header size = size) and a plain directory: no box
        assert_eq!(Entry::rare(None, 5000, 5000), None);
        assert_eq!(Entry::rare(None, 0, 0), None);
        let file = Entry {
            path: (*b"a").into(),
            kind: EntryKind::File,
            size: 5000,
            typeflag: b'0',
            mode: 0o644,
            uid: 0,
            gid: 0,
            rare: Entry::rare(None, 5000, 5000),
            hash: None,
        };
        assert_eq!((file.link(), file.header_size()), (None, 5000));
        // a directory whose tar size field says 4096: kept for dive's sums
        let dir = Entry {
            kind: EntryKind::Dir,
            size: 0,
            rare: Entry::rare(None, 4096, 0),
            ..file.clone()
        };
        assert_eq!((dir.link(), dir.header_size()), (None, 4096));
        let link = Entry {
            kind: EntryKind::Symlink,
            size: 0,
            rare: Entry::rare(Some((*b"../t").into()), 0, 0),
            ..file
        };
        assert_eq!((link.link(), link.header_size()), (Some(&b"../t"[..]), 0));
    }
}
