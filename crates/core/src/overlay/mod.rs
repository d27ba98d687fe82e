//! Apply layer changesets in order, with OCI semantics, and know for every
//! file version whether it is live in the final filesystem, and if not, why
//! and since when (waste-model.md, "Applying layers" and "Live and hidden").
//!
//! The model is an arena: one [`Node`] per distinct path ever seen (path
//! components interned once), and one [`Version`] each time something is
//! put at a path. A version is visible from its layer until the layer that
//! ends it ([`Gone`]), so the filesystem *as of any layer* can be read back
//! from the same arena (the TUI's layer view) without replaying anything.
//! Regular files are [`Inode`]s: the names one layer hardlinks together share
//! one inode, whose bytes count once.

mod apply;
mod id;
mod interner;

pub use id::{EntryId, InodeId, NodeId, VersionId};
pub use interner::{Interner, Sym};

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use crate::layer::EntryKind;
use crate::LayerIndex;

/// Why a version stopped being visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cause {
    /// A whiteout (plain, opaque, or of an ancestor), or a type change: a
    /// directory, symlink or other non-regular entry took the path or an
    /// ancestor's place.
    Removed,
    /// A regular file or hardlink was put at the same path later (in a later
    /// layer, or later in the same layer).
    Overwritten,
    /// A directory re-declared by a later directory entry: the two merge,
    /// nothing is lost (only the metadata is superseded).
    Merged,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Removed => "removed",
            Cause::Overwritten => "overwritten",
            Cause::Merged => "merged",
        }
    }
}

/// The end of a version's (or inode's) visibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gone {
    /// The layer that ended it.
    pub layer: LayerIndex,
    pub cause: Cause,
}

/// One distinct path.
#[derive(Debug, Clone)]
pub struct Node {
    pub name: Sym,
    /// `None` for the root only.
    pub parent: Option<NodeId>,
    first_child: Option<NodeId>,
    next_sibling: Option<NodeId>,
    /// The visible version now (after the layers applied so far).
    pub current: Option<VersionId>,
    /// The newest version ever put here (older ones via `Version::prev`);
    /// `None` only for the root before the first layer.
    pub last: Option<VersionId>,
    /// How many children have a visible version now: removing a subtree
    /// skips a directory whose children are all gone already, instead of
    /// walking every child it ever had.
    live_children: u32,
}

/// Something put at a path by a layer.
#[derive(Debug, Clone)]
pub struct Version {
    pub node: NodeId,
    /// The layer that put it.
    pub layer: LayerIndex,
    /// The entry in the layer's changeset; `None` for a parent directory
    /// the layer implies without an entry of its own.
    pub entry: Option<EntryId>,
    pub kind: EntryKind,
    /// The inode for regular files and hardlinks to them.
    pub inode: Option<InodeId>,
    pub gone: Option<Gone>,
    /// The previous version at the same path.
    pub prev: Option<VersionId>,
}

impl Version {
    /// Visible in the filesystem as of (after) layer `k`.
    pub fn visible_at(&self, k: LayerIndex) -> bool {
        self.layer <= k && self.gone.is_none_or(|g| g.layer > k)
    }
}

/// A regular file's content as stored in one layer: bytes counted once
/// however many names link to it.
#[derive(Debug, Clone)]
pub struct Inode {
    /// The layer that added it.
    pub layer: LayerIndex,
    /// The regular-file entry that carries the bytes.
    pub entry: EntryId,
    /// The node of that entry.
    pub node: NodeId,
    pub size: u64,
    /// How many of its names are visible now. (Its content hash is its
    /// entry's: `Changeset::entries[entry].hash`.)
    pub live_names: u32,
    /// Set when its last visible name went: that event's layer and cause.
    pub gone: Option<Gone>,
}

impl Inode {
    pub fn is_live(&self) -> bool {
        self.live_names > 0
    }
}

/// Odd-but-valid things seen while applying layers: each becomes a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NoteKind {
    /// A path with a `..` component (kept as a name, never resolved).
    DotDot,
    /// A whiteout and an entry for the same path in one layer: the entry
    /// stays (the spec's reading), Docker's unpacker would delete it.
    WhiteoutAndEntry,
    /// A hardlink whose target is not an earlier entry of the same layer but
    /// a file of a lower layer (linked to that file).
    HardlinkToLowerLayer,
    /// A hardlink whose target does not exist at all.
    HardlinkMissingTarget,
    /// An entry with an empty name that is not a directory (ignored).
    EmptyName,
}

/// All notes of one kind in one layer: a count and the first path.
#[derive(Debug, Clone)]
pub struct Note {
    pub kind: NoteKind,
    pub layer: LayerIndex,
    pub count: u64,
    pub example: Box<[u8]>,
}

/// The applied layers.
#[derive(Debug)]
pub struct Overlay {
    pub names: Interner,
    pub nodes: Vec<Node>,
    pub versions: Vec<Version>,
    pub inodes: Vec<Inode>,
    pub notes: Vec<Note>,
    /// `(parent, name) -> child`, holding only the child's id (4 bytes a
    /// slot): the key is read back from the child's node.
    edges: HashTable<NodeId>,
    layers: u32,
}

/// The hash of an edge `(parent, name)`.
fn edge_hash(parent: NodeId, name: Sym) -> u64 {
    FxBuildHasher.hash_one((parent, name))
}

impl Default for Overlay {
    fn default() -> Self {
        Overlay::new()
    }
}

impl Overlay {
    /// An empty filesystem: just the root directory (node 0).
    pub fn new() -> Overlay {
        let mut names = Interner::default();
        let root_name = names.intern(b"");
        Overlay {
            names,
            nodes: vec![Node {
                name: root_name,
                parent: None,
                first_child: None,
                next_sibling: None,
                current: None,
                last: None,
                live_children: 0,
            }],
            versions: Vec::new(),
            inodes: Vec::new(),
            notes: Vec::new(),
            edges: HashTable::new(),
            layers: 0,
        }
    }

    /// Apply every changeset in order (bottom layer first).
    pub fn build<'a>(changesets: impl IntoIterator<Item = &'a crate::layer::Changeset>) -> Overlay {
        let changesets: Vec<&crate::layer::Changeset> = changesets.into_iter().collect();
        let mut o = Overlay::new();
        // Size the arenas once: doubling growth would leave up to half of
        // each one unused at the peak.
        let entries: usize = changesets.iter().map(|c| c.entries.len()).sum();
        let files = changesets
            .iter()
            .flat_map(|c| &c.entries)
            .filter(|e| e.kind == EntryKind::File)
            .count();
        o.reserve(entries, files);
        for cs in changesets {
            o.apply(cs);
        }
        o
    }

    /// Make room for `entries` more entries, `files` of them regular files.
    pub fn reserve(&mut self, entries: usize, files: usize) {
        self.nodes.reserve(entries);
        self.versions.reserve(entries);
        self.inodes.reserve(files);
        let nodes = &self.nodes;
        self.edges.reserve(entries, |&c| {
            let n = &nodes[c.index()];
            edge_hash(n.parent.unwrap_or(NodeId::ROOT), n.name)
        });
    }

    /// Number of layers applied so far.
    pub fn layer_count(&self) -> u32 {
        self.layers
    }

    /// The node `id` names.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    /// The version `id` names.
    pub fn version(&self, id: VersionId) -> &Version {
        &self.versions[id.index()]
    }

    /// The inode `id` names.
    pub fn inode(&self, id: InodeId) -> &Inode {
        &self.inodes[id.index()]
    }

    /// Every inode with its id, in creation order.
    pub fn inode_ids(&self) -> impl Iterator<Item = (InodeId, &Inode)> {
        self.inodes
            .iter()
            .enumerate()
            .map(|(i, ino)| (InodeId::new(i), ino))
    }

    /// Every version with its id, in creation order.
    pub fn version_ids(&self) -> impl Iterator<Item = (VersionId, &Version)> {
        self.versions
            .iter()
            .enumerate()
            .map(|(i, v)| (VersionId::new(i), v))
    }

    /// The child of `node` called `name`, if that path was ever seen.
    pub fn child(&self, node: NodeId, name: &[u8]) -> Option<NodeId> {
        let sym = self.names.get(name)?;
        self.edge(node, sym)
    }

    /// The child of `node` whose name is the interned `sym` (no name
    /// lookup: callers that resolve many paths intern their names once).
    pub fn child_sym(&self, node: NodeId, sym: Sym) -> Option<NodeId> {
        self.edge(node, sym)
    }

    /// The child of `parent` whose name is `sym`.
    fn edge(&self, parent: NodeId, sym: Sym) -> Option<NodeId> {
        self.edges
            .find(edge_hash(parent, sym), |&c| {
                let n = self.node(c);
                n.parent == Some(parent) && n.name == sym
            })
            .copied()
    }

    /// The node of a normalised path, if it was ever seen.
    pub fn lookup(&self, path: &[u8]) -> Option<NodeId> {
        let mut node = NodeId::ROOT;
        if path.is_empty() {
            return Some(node);
        }
        for comp in path.split(|&b| b == b'/') {
            node = self.child(node, comp)?;
        }
        Some(node)
    }

    /// Children of a node (every child ever seen, visible or not), in
    /// insertion order.
    pub fn children(&self, node: NodeId) -> Children<'_> {
        Children {
            overlay: self,
            next: self.node(node).first_child,
        }
    }

    /// The normalised path of a node (no leading `/`; root is empty).
    pub fn path(&self, node: NodeId) -> Vec<u8> {
        let mut comps = Vec::new();
        let mut n = Some(node);
        while let Some(id) = n.filter(|&id| id != NodeId::ROOT) {
            comps.push(self.names.resolve(self.node(id).name));
            n = self.node(id).parent;
        }
        let mut out = Vec::new();
        for (i, c) in comps.iter().rev().enumerate() {
            if i > 0 {
                out.push(b'/');
            }
            out.extend_from_slice(c);
        }
        out
    }

    /// Name of a node (its last path component).
    pub fn name(&self, node: NodeId) -> &[u8] {
        self.names.resolve(self.node(node).name)
    }

    /// Versions put at a node, newest first.
    pub fn history(&self, node: NodeId) -> History<'_> {
        History {
            overlay: self,
            next: self.node(node).last,
        }
    }

    /// The version visible at `node` as of layer `k`.
    pub fn visible_version_at(&self, node: NodeId, k: LayerIndex) -> Option<VersionId> {
        self.history(node).find(|&v| self.version(v).visible_at(k))
    }
}

/// Iterator over a node's children.
pub struct Children<'a> {
    overlay: &'a Overlay,
    next: Option<NodeId>,
}

impl Iterator for Children<'_> {
    type Item = NodeId;
    fn next(&mut self) -> Option<NodeId> {
        let n = self.next?;
        self.next = self.overlay.node(n).next_sibling;
        Some(n)
    }
}

/// Iterator over a node's versions, newest first.
pub struct History<'a> {
    overlay: &'a Overlay,
    next: Option<VersionId>,
}

impl Iterator for History<'_> {
    type Item = VersionId;
    fn next(&mut self) -> Option<VersionId> {
        let v = self.next?;
        self.next = self.overlay.version(v).prev;
        Some(v)
    }
}

// The arena's footprint is part of the design (docs/architecture.md,
// "Memory"; docs/performance.md): typed ids must not grow it.
const _: () = assert!(std::mem::size_of::<Node>() == 28);
const _: () = assert!(std::mem::size_of::<Version>() == 32);
const _: () = assert!(std::mem::size_of::<Inode>() == 32);
