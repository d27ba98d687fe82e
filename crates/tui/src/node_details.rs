//! What the details pane says about the selected tree row, as plain data:
//! built from the model without drawing (so it is testable on its own), and
//! rendered by `view::details`.

use crate::ids;
use crate::model::Explorer;
use crate::tree::Row;
use layerscope_core::layer::{display_path, EntryKind};
use layerscope_core::overlay::{Cause, InodeId, Version};
use layerscope_core::packages::Package;
use layerscope_core::LayerIndex;

/// The selected row's path, what is there, why its bytes are hidden, and
/// every layer that touched the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeDetails {
    /// `/usr/lib/libc.so` (not yet escaped for the terminal).
    pub path: String,
    /// The version the row shows; `None` for a path with nothing at it.
    pub shown: Option<Shown>,
    /// Every layer that put something at the path, oldest first.
    pub history: Vec<Touch>,
    /// The packages that own the shown content: `NAME VERSION (manager)`,
    /// largest package first (not yet escaped for the terminal).
    pub packages: Vec<String>,
}

/// The version a row shows (the live one, or the hidden one on a ghost row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub kind: EntryKind,
    /// The row's bytes (for a directory, everything under it).
    pub size: u64,
    /// A ghost row: `size` is hidden bytes, still shipped.
    pub ghost: bool,
    /// The tar entry's metadata; `None` for a directory a layer implies
    /// without an entry of its own.
    pub entry: Option<EntryMeta>,
    /// Why the content is no longer visible, once its last name went.
    pub hidden: Option<Hiding>,
    /// XXH3-128 of the content (hex), for regular files and hardlinks.
    pub hash: Option<String>,
    /// The cache rule the content falls under.
    pub cache: Option<CacheNote>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryMeta {
    pub kind: EntryKind,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// A symlink's target or a hardlink's (raw bytes, as in the tar).
    pub link: Option<Vec<u8>>,
}

/// Hidden content: how many bytes, what hid them and which layers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hiding {
    pub bytes: u64,
    pub cause: Cause,
    /// The layer that hid them.
    pub by: LayerIndex,
    pub by_step: Option<String>,
    /// The layer that added them.
    pub added_by: LayerIndex,
    pub added_step: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheNote {
    pub rule: String,
    pub remedy: String,
}

/// One layer's version at the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Touch {
    pub layer: LayerIndex,
    pub kind: EntryKind,
    /// The content's bytes, for regular files and hardlinks.
    pub bytes: Option<u64>,
    /// A directory the layer implies without an entry of its own.
    pub implied: bool,
    /// What ended this version and in which layer.
    pub gone: Option<(Cause, LayerIndex)>,
}

/// The details of the selected tree row, if there is one.
pub fn node_details(e: &Explorer) -> Option<NodeDetails> {
    let r = e.selected_row()?;
    Some(details_of(e, r))
}

/// The details of any row of the tree.
pub fn details_of(e: &Explorer, r: Row) -> NodeDetails {
    let o = &e.a.overlay;
    let shown = ids::version(o, e.tree.version(r)).map(|ver| shown(e, r, ver));
    // `history` walks newest first.
    let mut history: Vec<Touch> = o
        .history(r.node)
        .map(|h| o.version(h))
        .map(|ver| touch(e, ver))
        .collect();
    history.reverse();
    let packages = ids::version(o, e.tree.version(r))
        .and_then(|ver| ver.inode)
        .map(|ino| owners(e, ino))
        .unwrap_or_default();
    NodeDetails {
        packages,
        path: display_path(&o.path(r.node)),
        shown,
        history,
    }
}

/// Every package that lists an inode: the live ones from each package's
/// sorted inode list, else (a hidden inode) the core's first owner.
fn owners(e: &Explorer, ino: InodeId) -> Vec<String> {
    let pk = &e.a.packages;
    let label = |p: &Package| format!("{} {} ({})", p.name, p.version, p.manager.as_str());
    let mut out: Vec<String> = pk
        .list
        .iter()
        .filter(|p| p.inodes.binary_search(&ino).is_ok())
        .map(label)
        .collect();
    if out.is_empty() {
        out.extend(pk.owner_of(ino).map(label));
    }
    out
}

fn shown(e: &Explorer, r: Row, ver: &Version) -> Shown {
    let a = &e.a;
    let ino = ids::inode(&a.overlay, ver);
    Shown {
        kind: ver.kind,
        size: e.tree.size(&a.overlay, r.node, r.ghost),
        ghost: r.ghost,
        entry: ids::entry(a, ver).map(|en| EntryMeta {
            kind: en.kind,
            mode: en.mode,
            uid: en.uid,
            gid: en.gid,
            link: en.link().map(|l| l.to_vec()),
        }),
        hidden: ino.and_then(|ino| {
            let g = ino.gone?;
            Some(Hiding {
                bytes: ino.size,
                cause: g.cause,
                by: g.layer,
                by_step: a.step(g.layer),
                added_by: ino.layer,
                added_step: a.step(ino.layer),
            })
        }),
        // The content hash is the carrying entry's.
        hash: ino.and_then(|ino| ids::carrier(a, ino).hash.map(|h| h.to_hex())),
        cache: ids::cache_rule(a, ver).map(|rule| CacheNote {
            rule: rule.name.clone(),
            remedy: rule.remedy.clone(),
        }),
    }
}

fn touch(e: &Explorer, ver: &Version) -> Touch {
    Touch {
        layer: ver.layer,
        kind: ver.kind,
        bytes: ids::inode(&e.a.overlay, ver).map(|ino| ino.size),
        implied: ids::entry(&e.a, ver).is_none(),
        gone: ver.gone.map(|g| (g.cause, g.layer)),
    }
}
