//! The TUI's reads through the overlay's `u32` links (`NONE` = absent) for
//! drawing and details. Core is moving these ids to newtypes; keeping the
//! lookups here means that change touches these few functions, not every
//! pane. (`tree.rs`, `waste.rs` and `model.rs` hold node ids as plain
//! values too; those follow whatever type core gives them.)

use layerscope_core::analysis::{Analysis, CacheRule};
use layerscope_core::layer::Entry;
use layerscope_core::overlay::{Inode, Overlay, Version, NONE};

/// The version a link names, if any.
pub fn version(o: &Overlay, v: u32) -> Option<&Version> {
    (v != NONE).then(|| &o.versions[v as usize])
}

/// The tar entry of a version; `None` for a directory a layer only implies.
pub fn entry<'a>(a: &'a Analysis, ver: &Version) -> Option<&'a Entry> {
    (ver.entry != NONE)
        .then(|| &a.image.layers[ver.layer as usize].changeset.entries[ver.entry as usize])
}

/// The content of a regular file or hardlink version.
pub fn inode<'a>(o: &'a Overlay, ver: &Version) -> Option<&'a Inode> {
    (ver.inode != NONE).then(|| &o.inodes[ver.inode as usize])
}

/// The entry that carries an inode's bytes (and so its content hash).
pub fn carrier<'a>(a: &'a Analysis, ino: &Inode) -> &'a Entry {
    &a.image.layers[ino.layer as usize].changeset.entries[ino.entry as usize]
}

/// The cache rule a version's content falls under.
pub fn cache_rule<'a>(a: &'a Analysis, ver: &Version) -> Option<&'a CacheRule> {
    if ver.inode == NONE {
        return None;
    }
    let rule = a.classes[ver.inode as usize].rule?;
    Some(&a.rules.rules[rule as usize])
}

/// A 0-based layer index as the screen numbers layers (L1 is the base).
pub fn layer_number(layer: u32) -> u32 {
    layer + 1
}
