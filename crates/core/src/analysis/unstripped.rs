//! Unstripped ELF files in the final filesystem: what `strip
//! --strip-unneeded` would remove from each live ELF executable and shared
//! library, per file, per package and per build step (docs/packages.md,
//! "Unstripped ELF files"). The per-file figures come from the layer pass
//! (`Changeset::elf`, see `layer::elf`); here they are read for the live
//! inodes only (hidden ones already count as hidden), each inode once
//! however many names it has.

use std::collections::{BTreeMap, HashMap};

use crate::layer::display_path;
use crate::overlay::{InodeId, Overlay};
use crate::packages::Packages;
use crate::source::Image;
use crate::LayerIndex;

/// One live ELF file strip would shrink (or whose headers could not be
/// read).
#[derive(Debug, Clone, PartialEq)]
pub struct UnstrippedFile {
    /// A live name of the inode (absolute display path).
    pub path: String,
    pub inode: InodeId,
    /// The file's content bytes.
    pub size: u64,
    /// The bytes strip would remove; `None`: unknown.
    pub strippable: Option<u64>,
    /// The layer that added it.
    pub layer: LayerIndex,
    /// Index into `Packages::list` of its first owner, if any.
    pub package: Option<u32>,
}

/// The live unstripped ELF files of an image.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Unstripped {
    /// Most strippable bytes first, unknown ones last, then by path.
    pub files: Vec<UnstrippedFile>,
    /// The sum of the known figures.
    pub bytes: u64,
    /// Files whose figure is unknown.
    pub unknown: u64,
}

/// Read the layer pass's figures for the live inodes; set each package's
/// `strippable_bytes`.
pub(super) fn build(image: &Image, overlay: &Overlay, packages: &mut Packages) -> Unstripped {
    let mut files = Vec::new();
    let mut at: HashMap<InodeId, usize> = HashMap::new();
    for (id, ino) in overlay.inode_ids().filter(|(_, i)| i.is_live()) {
        let cs = &image.layers[ino.layer.index()].changeset;
        if cs.elf.is_empty() {
            continue;
        }
        let Some(strippable) = cs.strippable(ino.entry.index()) else {
            continue;
        };
        at.insert(id, files.len());
        files.push(UnstrippedFile {
            path: String::new(),
            inode: id,
            size: ino.size,
            strippable,
            layer: ino.layer,
            package: packages.owner.get(id.index()).copied().flatten(),
        });
    }
    if files.is_empty() {
        return Unstripped::default();
    }
    // A live name, preferring the carrier's own node.
    let mut named = vec![false; files.len()];
    for v in overlay.versions.iter().filter(|v| v.gone.is_none()) {
        let Some(i) = v.inode.and_then(|i| at.get(&i).copied()) else {
            continue;
        };
        let carrier = overlay.inode(files[i].inode).node == v.node;
        if !named[i] || carrier {
            files[i].path = display_path(&overlay.path(v.node));
            named[i] = carrier;
        }
    }
    for p in &mut packages.list {
        p.strippable_bytes = p
            .inodes
            .iter()
            .filter_map(|i| at.get(i))
            .filter_map(|&i| files[i].strippable)
            .sum();
    }
    files.sort_by(|a, b| {
        b.strippable
            .is_some()
            .cmp(&a.strippable.is_some())
            .then(b.strippable.cmp(&a.strippable))
            .then_with(|| a.path.cmp(&b.path))
    });
    Unstripped {
        bytes: files.iter().filter_map(|f| f.strippable).sum(),
        unknown: files.iter().filter(|f| f.strippable.is_none()).count() as u64,
        files,
    }
}

/// The files of each layer that added some, in the order of `files`.
pub(super) fn by_layer(u: &Unstripped) -> BTreeMap<LayerIndex, Vec<&UnstrippedFile>> {
    let mut out: BTreeMap<LayerIndex, Vec<&UnstrippedFile>> = BTreeMap::new();
    for f in &u.files {
        out.entry(f.layer).or_default().push(f);
    }
    out
}

/// A path as one shell word: bare when it is made of safe characters,
/// else single-quoted (`'` written `'\''`).
pub(super) fn shell_word(s: &str) -> String {
    let safe = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+,:@%=".contains(&b));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn shell_words() {
        assert_eq!(shell_word("/usr/lib/libx.so.1"), "/usr/lib/libx.so.1");
        assert_eq!(shell_word("/a b"), "'/a b'");
        assert_eq!(shell_word("/it's"), "'/it'\\''s'");
        assert_eq!(shell_word("/$(rm -rf)"), "'/$(rm -rf)'");
        assert_eq!(shell_word(""), "''");
    }
}
