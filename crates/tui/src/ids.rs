//! The TUI's reads through the overlay's typed links for drawing and
//! details: one place that knows how a version leads to its tar entry, its
//! inode and its cache rule.

use layerscope_core::analysis::{Analysis, CacheRule};
use layerscope_core::layer::Entry;
use layerscope_core::overlay::{Inode, Overlay, Version, VersionId};

/// The version a link names, if any.
pub fn version(o: &Overlay, v: Option<VersionId>) -> Option<&Version> {
    v.map(|v| o.version(v))
}

/// The tar entry of a version; `None` for a directory a layer only implies.
pub fn entry<'a>(a: &'a Analysis, ver: &Version) -> Option<&'a Entry> {
    ver.entry.map(|e| a.image.entry(ver.layer, e))
}

/// The content of a regular file or hardlink version.
pub fn inode<'a>(o: &'a Overlay, ver: &Version) -> Option<&'a Inode> {
    ver.inode.map(|i| o.inode(i))
}

/// The entry that carries an inode's bytes (and so its content hash).
pub fn carrier<'a>(a: &'a Analysis, ino: &Inode) -> &'a Entry {
    a.image.entry(ino.layer, ino.entry)
}

/// The cache rule a version's content falls under.
pub fn cache_rule<'a>(a: &'a Analysis, ver: &Version) -> Option<&'a CacheRule> {
    let rule = a.classes[ver.inode?.index()].rule?;
    Some(&a.rules.rules[rule as usize])
}
