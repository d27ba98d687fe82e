//! The file tree as of one layer, for the explorer: per-node figures built in
//! one pass over the nodes and their versions (most of them simple leaves
//! read from a compact summary gathered once),
//! the flattened list of rows that the tree pane shows, and the path search
//! counted per subtree. Nothing here knows about terminals; the overlay
//! knows nothing about this view state.
//!
//! A node can show as two rows: a *live* row (the version visible as of the
//! layer) and a *ghost* row (what was there and is gone: hidden bytes that
//! are still shipped, or what this very layer removed). A directory that is
//! gone but holds ghosts shows as a ghost directory.

use layerscope_core::analysis::Analysis;
use layerscope_core::layer::EntryKind;
use layerscope_core::overlay::{Cause, Gone, InodeId, NodeId, Overlay, Version, VersionId};
use layerscope_core::LayerIndex;

/// The whole filesystem up to the layer, or only what the layer changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Aggregate,
    LayerOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Size,
    Name,
}

/// What the tree shows (cycled with `f`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    All,
    Hidden,
    Cache,
    Added,
    Modified,
    Removed,
    /// The files of the package picked in the Packages pane (not in the
    /// `f` cycle: Enter on a package sets it).
    Package,
}

impl Filter {
    pub fn next(self) -> Filter {
        match self {
            Filter::All => Filter::Hidden,
            Filter::Hidden => Filter::Cache,
            Filter::Cache => Filter::Added,
            Filter::Added => Filter::Modified,
            Filter::Modified => Filter::Removed,
            Filter::Removed => Filter::All,
            Filter::Package => Filter::All,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Filter::All => "all",
            Filter::Hidden => "hidden",
            Filter::Cache => "cache",
            Filter::Added => "added",
            Filter::Modified => "modified",
            Filter::Removed => "removed",
            Filter::Package => "package",
        }
    }

    fn mask(self) -> u8 {
        match self {
            Filter::All => 0,
            Filter::Hidden => flag::HIDDEN,
            Filter::Cache => flag::CACHE,
            Filter::Added => flag::ADDED,
            Filter::Modified => flag::MODIFIED,
            Filter::Removed => flag::REMOVED,
            Filter::Package => flag::PACKAGE,
        }
    }
}

/// Row flags (a row's own, or any row below it).
pub mod flag {
    /// Added by the selected layer (nothing was there before).
    pub const ADDED: u8 = 1;
    /// Put by the selected layer over something that was there.
    pub const MODIFIED: u8 = 2;
    /// Removed by the selected layer (a whiteout or a type change).
    pub const REMOVED: u8 = 4;
    /// Overwritten by the selected layer (the old bytes are hidden).
    pub const OVERWRITTEN: u8 = 8;
    /// Carries hidden bytes (shipped, never seen).
    pub const HIDDEN: u8 = 16;
    /// A file under a cache rule.
    pub const CACHE: u8 = 32;
    /// A row exists.
    pub const ROW: u8 = 64;
    /// A live file of the package picked in the Packages pane.
    pub const PACKAGE: u8 = 128;
}

/// What one node is as of the selected layer and mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeFig {
    /// The version shown by the live row (`None`: no live row).
    pub live: Option<VersionId>,
    /// The version shown by the ghost row (the newest that ended).
    pub ghost: Option<VersionId>,
    /// Is there a ghost row.
    pub ghost_row: bool,
    /// Live bytes at and below this node (each inode once).
    pub live_size: u64,
    /// Hidden bytes at and below this node.
    pub ghost_size: u64,
    /// Hidden bytes of this node's own ended versions.
    pub ghost_own: u64,
    pub own_live: u8,
    pub own_ghost: u8,
    /// Flags of every row below the live row / the ghost row.
    pub kids_live: u8,
    pub kids_ghost: u8,
}

/// One row of the tree pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub node: NodeId,
    pub depth: u16,
    pub ghost: bool,
}

/// Expansion bits per node (view state, kept across layers).
pub const EXPANDED_LIVE: u8 = 1;
pub const EXPANDED_GHOST: u8 = 2;

/// Every node's figures as of one layer (`k`) in one mode.
pub struct Tree {
    pub k: LayerIndex,
    pub mode: Mode,
    pub figs: Vec<NodeFig>,
    /// The analysis's hardlinked inodes (kept for the next layer's tree).
    links: Links,
}

/// What a tree keeps of the analysis from one layer to the next, gathered
/// once: the hardlinked inodes, and the simple leaves in 24 bytes each.
#[derive(Debug, Default, Clone)]
struct Links {
    /// The inodes more than one version names (hardlinks), each with those
    /// versions, as `(inode, version)`, sorted: a live inode's bytes count
    /// once, at the first of its visible versions in id order. Every other
    /// inode has one version, which counts.
    multi: Vec<(InodeId, VersionId)>,
    /// Per node: what its figures need if it is a simple leaf
    /// ([`Leaf`]), read instead of its node, version, inode and class
    /// (~95 bytes in four arrays).
    leaves: Vec<Leaf>,
    /// The analysis they were gathered from: where its versions lie and
    /// its number of nodes, versions and inodes (a tree recomputed for
    /// another analysis gathers them again).
    of: (usize, usize, usize, usize),
}

/// A node with no children and one version (most of an image's files),
/// if every layer it names is below 255; its inode, if any, has no other
/// name and is carried by this version.
#[derive(Debug, Default, Clone, Copy)]
struct Leaf {
    size: u64,
    version: u32,
    /// The inode's index (for the Packages pane's marks).
    inode: u32,
    parent: u32,
    layer: u8,
    /// The layer that ended the version (`NO_LAYER`: none).
    gone: u8,
    /// The layer that ended the inode (`NO_LAYER`: none, or no inode).
    inode_gone: u8,
    /// `leaf::*` bits.
    bits: u8,
}

// The sizes the docs quote (docs/performance.md, issue 13).
const _: () = assert!(std::mem::size_of::<Leaf>() == 24);
const _: () = assert!(std::mem::size_of::<NodeFig>() == 40);

mod leaf {
    pub const SIMPLE: u8 = 1;
    pub const CACHE: u8 = 2;
    pub const INODE: u8 = 4;
    /// The version's end: overwritten (else removed, or merged).
    pub const OVERWRITTEN: u8 = 8;
    pub const MERGED: u8 = 16;
    pub const NO_LAYER: u8 = u8::MAX;
}

impl Links {
    /// One pass over the versions, one over the nodes.
    fn gather(a: &Analysis) -> Links {
        let o = &a.overlay;
        let mut names = vec![0u8; o.inodes.len()];
        for ver in &o.versions {
            if let Some(i) = ver.inode {
                let c = &mut names[i.index()];
                *c = c.saturating_add(1);
            }
        }
        let mut multi = Vec::new();
        if names.iter().any(|&c| c > 1) {
            for (v, ver) in o.version_ids() {
                if let Some(i) = ver.inode.filter(|i| names[i.index()] > 1) {
                    multi.push((i, v));
                }
            }
        }
        multi.sort_unstable();
        let small = |l: LayerIndex| {
            u8::try_from(l.index())
                .ok()
                .filter(|&l| l != leaf::NO_LAYER)
        };
        let leaves = (0..o.nodes.len())
            .map(|n| {
                let node = &o.nodes[n];
                let simple = || -> Option<Leaf> {
                    let parent = node.parent?;
                    let v = node.last?;
                    let ver = o.version(v);
                    if ver.prev.is_some() || o.children(NodeId::new(n)).next().is_some() {
                        return None;
                    }
                    let mut l = Leaf {
                        version: v.index() as u32,
                        parent: parent.index() as u32,
                        layer: small(ver.layer)?,
                        gone: leaf::NO_LAYER,
                        inode_gone: leaf::NO_LAYER,
                        bits: leaf::SIMPLE,
                        ..Leaf::default()
                    };
                    if let Some(g) = ver.gone {
                        l.gone = small(g.layer)?;
                        l.bits |= match g.cause {
                            Cause::Overwritten => leaf::OVERWRITTEN,
                            Cause::Merged => leaf::MERGED,
                            Cause::Removed => 0,
                        };
                    }
                    if let Some(i) = ver.inode {
                        let ino = o.inode(i);
                        let carries = ino.node == NodeId::new(n)
                            && ino.layer == ver.layer
                            && Some(ino.entry) == ver.entry;
                        if names[i.index()] != 1 || !carries {
                            return None;
                        }
                        l.bits |= leaf::INODE;
                        l.inode = i.index() as u32;
                        l.size = ino.size;
                        if let Some(g) = ino.gone {
                            l.inode_gone = small(g.layer)?;
                        }
                        if a.classes[i.index()].rule.is_some() {
                            l.bits |= leaf::CACHE;
                        }
                    }
                    Some(l)
                };
                simple().unwrap_or_default()
            })
            .collect();
        Links {
            multi,
            leaves,
            of: Links::of(o),
        }
    }

    fn of(o: &Overlay) -> (usize, usize, usize, usize) {
        (
            o.versions.as_ptr() as usize,
            o.nodes.len(),
            o.versions.len(),
            o.inodes.len(),
        )
    }

    fn fits(&self, o: &Overlay) -> bool {
        self.of == Links::of(o)
    }

    /// Do the bytes of `i` count at its visible version `v` (as of `k`)?
    fn counts(&self, o: &Overlay, i: InodeId, v: VersionId, k: LayerIndex, agg: bool) -> bool {
        if self.multi.is_empty() {
            return true;
        }
        let from = self.multi.partition_point(|&(x, _)| x < i);
        let mut vs = self.multi[from..]
            .iter()
            .take_while(|&&(x, _)| x == i)
            .map(|&(_, u)| u)
            .peekable();
        if vs.peek().is_none() {
            return true;
        }
        vs.find(|&u| {
            let ver = o.version(u);
            ver.visible_at(k) && (agg || ver.layer == k)
        }) == Some(v)
    }
}

/// Was anything visible at `node` just before layer `k` (for A vs M)?
fn existed_before(o: &Overlay, v: VersionId, k: LayerIndex) -> bool {
    let Some(below) = k.below() else {
        return false;
    };
    let mut p = o.version(v).prev;
    while let Some(id) = p {
        let pv = o.version(id);
        if pv.visible_at(below) {
            return true;
        }
        p = pv.prev;
    }
    false
}

/// The flags a version visible at layer `k` gives its node's live row:
/// added or modified by layer `k`, a cache rule's, the marked package's.
fn live_flags(
    o: &Overlay,
    v: VersionId,
    ver: &Version,
    k: LayerIndex,
    cache: bool,
    marked: &[bool],
) -> u8 {
    let mut bits = 0;
    if ver.layer == k {
        bits |= if existed_before(o, v, k) {
            flag::MODIFIED
        } else {
            flag::ADDED
        };
    }
    if cache {
        bits |= flag::CACHE;
    }
    if ver
        .inode
        .is_some_and(|i| marked.get(i.index()).copied().unwrap_or(false))
    {
        bits |= flag::PACKAGE;
    }
    bits
}

/// Whether a version gives its node a ghost row as of layer `k` (gone by
/// `k`, not merged; in layer-only mode gone in `k` itself; hiding bytes
/// or gone in `k`): how it went and the bytes it hides.
fn ghost_of(o: &Overlay, ver: &Version, k: LayerIndex, agg: bool) -> Option<(Gone, u64)> {
    let g = ver.gone?;
    if g.layer > k || g.cause == Cause::Merged || (!agg && g.layer != k) {
        return None;
    }
    let bytes = hidden_bytes(o, ver, k, agg);
    (bytes > 0 || g.layer == k).then_some((g, bytes))
}

/// The flags a version gone by layer `k` gives its node's ghost row:
/// bytes hidden, overwritten or removed by layer `k`, a cache rule's.
fn ghost_flags(g: Gone, bytes: u64, k: LayerIndex, cache: bool) -> u8 {
    let mut bits = 0;
    if bytes > 0 {
        bits |= flag::HIDDEN;
    }
    if g.layer == k {
        bits |= match g.cause {
            Cause::Overwritten => flag::OVERWRITTEN,
            _ => flag::REMOVED,
        };
    }
    if cache {
        bits |= flag::CACHE;
    }
    bits
}

/// Each node's own figures as of layer `k`: its visible version, its ghost
/// version, their flags and bytes, in one pass over the versions (the
/// first pass of `Tree::compute_reference`).
fn own_figures(
    a: &Analysis,
    k: LayerIndex,
    agg: bool,
    marked: &[bool],
    mut figs: Vec<NodeFig>,
) -> Vec<NodeFig> {
    let o = &a.overlay;
    figs.clear();
    figs.resize(o.nodes.len(), NodeFig::default());
    let mut seen = vec![false; o.inodes.len()];
    for (v, ver) in o.version_ids() {
        if ver.layer > k {
            continue;
        }
        let f = &mut figs[ver.node.index()];
        let cache = ver
            .inode
            .is_some_and(|i| a.classes[i.index()].rule.is_some());
        if ver.visible_at(k) {
            // `live` holds the visible version until `roll_up` decides
            // whether it makes a row.
            f.live = Some(v);
            f.own_live |= live_flags(o, v, ver, k, cache, marked);
            if let Some(i) = ver
                .inode
                .filter(|i| (agg || ver.layer == k) && !seen[i.index()])
            {
                seen[i.index()] = true;
                f.live_size += o.inode(i).size;
            }
            continue;
        }
        if let Some((g, bytes)) = ghost_of(o, ver, k, agg) {
            f.ghost = Some(v);
            f.ghost_row = true;
            f.ghost_own += bytes;
            f.own_ghost |= ghost_flags(g, bytes, k, cache);
        }
    }
    figs
}

/// [`own_figures`] node by node, for the nodes from `first` on (`figs`):
/// each node's versions, newest first (a node's figures depend on its own
/// versions only, and a hardlinked inode's on [`Links`]), each figure
/// written once. Nodes are independent, so ranges of them can run on threads.
#[allow(clippy::too_many_arguments)]
fn own_figures_of_nodes(
    a: &Analysis,
    k: LayerIndex,
    agg: bool,
    marked: &[bool],
    links: &Links,
    first: usize,
    figs: &mut [NodeFig],
) -> Part {
    let o = &a.overlay;
    let mut part = Part::default();
    let mut run: Option<(u32, Up)> = None;
    let ki = k.index() as u8;
    let mut add = |p: u32, f: &NodeFig, part: &mut Part| {
        let up = Up::of(f);
        match &mut run {
            Some((q, acc)) if *q == p => acc.merge(up),
            _ => part.ups.extend(run.replace((p, up))),
        }
    };
    for (j, slot) in figs.iter_mut().enumerate() {
        let n = first + j;
        let l = links.leaves.get(n).copied().unwrap_or_default();
        if l.bits & leaf::SIMPLE != 0 && k.index() < leaf::NO_LAYER as usize {
            *slot = simple_leaf(&l, ki, agg, marked);
            add(l.parent, slot, &mut part);
            continue;
        }
        let mut f = NodeFig::default();
        let mut next = o.nodes[n].last;
        while let Some(v) = next {
            let ver = o.version(v);
            next = ver.prev;
            if ver.layer > k {
                continue;
            }
            let cache = ver
                .inode
                .is_some_and(|i| a.classes[i.index()].rule.is_some());
            if ver.visible_at(k) {
                // The newest visible version (`own_figures` keeps the last
                // in id order); `live` holds it until `roll_up`.
                if f.live.is_none() {
                    f.live = Some(v);
                }
                f.own_live |= live_flags(o, v, ver, k, cache, marked);
                if let Some(i) = ver.inode.filter(|_| agg || ver.layer == k) {
                    if links.counts(o, i, v, k, agg) {
                        f.live_size += o.inode(i).size;
                    }
                }
                continue;
            }
            if let Some((g, bytes)) = ghost_of(o, ver, k, agg) {
                if f.ghost.is_none() {
                    f.ghost = Some(v);
                }
                f.ghost_row = true;
                f.ghost_own += bytes;
                f.own_ghost |= ghost_flags(g, bytes, k, cache);
            }
        }
        let node = &o.nodes[n];
        match node.parent {
            // A leaf: nothing below it, its rows are decided here.
            Some(p) if o.children(NodeId::new(n)).next().is_none() => {
                finish(o, k, agg, n, &mut f);
                add(p.index() as u32, &f, &mut part);
            }
            _ => part.inner.push(n as u32),
        }
        *slot = f;
    }
    part.ups.extend(run);
    part
}

/// A simple leaf's finished figures as of layer `k` (its index): what
/// [`own_figures`] then [`finish`] make of one version with no children.
fn simple_leaf(l: &Leaf, k: u8, agg: bool, marked: &[bool]) -> NodeFig {
    let mut f = NodeFig::default();
    if l.layer > k {
        return f;
    }
    let cache = l.bits & leaf::CACHE != 0;
    let inode = l.bits & leaf::INODE != 0;
    if l.gone == leaf::NO_LAYER || l.gone > k {
        // Visible; a leaf's live row needs no rows below it.
        if agg || l.layer == k {
            f.live = Some(VersionId::new(l.version as usize));
            f.own_live = flag::ROW;
            if l.layer == k {
                // No earlier version: nothing was there.
                f.own_live |= flag::ADDED;
            }
            if cache {
                f.own_live |= flag::CACHE;
            }
            if inode && marked.get(l.inode as usize).copied().unwrap_or(false) {
                f.own_live |= flag::PACKAGE;
            }
            if inode {
                f.live_size = l.size;
            }
        }
        return f;
    }
    if l.bits & leaf::MERGED != 0 || (!agg && l.gone != k) {
        return f;
    }
    let bytes = if inode
        && l.inode_gone != leaf::NO_LAYER
        && l.inode_gone <= k
        && (agg || l.inode_gone == k)
    {
        l.size
    } else {
        0
    };
    if bytes > 0 || l.gone == k {
        f.ghost = Some(VersionId::new(l.version as usize));
        f.ghost_row = true;
        f.ghost_own = bytes;
        f.ghost_size = bytes;
        f.own_ghost = flag::ROW;
        if bytes > 0 {
            f.own_ghost |= flag::HIDDEN;
        }
        if l.gone == k {
            f.own_ghost |= if l.bits & leaf::OVERWRITTEN != 0 {
                flag::OVERWRITTEN
            } else {
                flag::REMOVED
            };
        }
        if cache {
            f.own_ghost |= flag::CACHE;
        }
    }
    f
}

/// Every node's figures: [`own_figures_of_nodes`] for ranges of nodes, a
/// thread each if `threads` > 1 (leaves are finished there), then the rest
/// of [`roll_up`] on this one: what the leaves add to their parents, and
/// the inner nodes bottom-up.
fn figures_parallel(
    a: &Analysis,
    k: LayerIndex,
    agg: bool,
    marked: &[bool],
    links: &Links,
    figs: &mut Vec<NodeFig>,
    threads: usize,
) {
    let o = &a.overlay;
    let n = o.nodes.len();
    if figs.len() != n {
        figs.clear();
        figs.resize(n, NodeFig::default());
    }
    let parts: Vec<Part> = if threads <= 1 {
        vec![own_figures_of_nodes(a, k, agg, marked, links, 0, figs)]
    } else {
        let chunk = n.div_ceil(threads);
        std::thread::scope(|sc| {
            let handles: Vec<_> = figs
                .chunks_mut(chunk)
                .enumerate()
                .map(|(i, part)| {
                    sc.spawn(move || {
                        own_figures_of_nodes(a, k, agg, marked, links, i * chunk, part)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a tree thread panicked"))
                .collect()
        })
    };
    for part in &parts {
        for &(p, up) in &part.ups {
            up.add_to(&mut figs[p as usize]);
        }
    }
    // Bottom-up over the inner nodes: a child's id is above its parent's.
    for &id in parts.iter().rev().flat_map(|p| p.inner.iter().rev()) {
        let id = id as usize;
        let mut f = figs[id];
        finish(o, k, agg, id, &mut f);
        figs[id] = f;
        if let Some(parent) = o.nodes[id].parent {
            Up::of(&f).add_to(&mut figs[parent.index()]);
        }
    }
}

/// The bytes a gone version's ghost row shows as of layer `k`: its content,
/// if this version carries the inode and the inode's last name is gone by
/// then (in Aggregate mode), or went in `k` itself (LayerOnly).
fn hidden_bytes(o: &Overlay, ver: &Version, k: LayerIndex, agg: bool) -> u64 {
    let Some(i) = ver.inode else { return 0 };
    let ino = o.inode(i);
    let carries = ino.node == ver.node && ino.layer == ver.layer && Some(ino.entry) == ver.entry;
    if carries
        && ino
            .gone
            .is_some_and(|ig| ig.layer <= k && (agg || ig.layer == k))
    {
        ino.size
    } else {
        0
    }
}

/// Which rows exist and what they hold, from the leaves up (the second
/// pass of `Tree::compute`).
fn roll_up(o: &Overlay, k: LayerIndex, agg: bool, figs: &mut [NodeFig]) {
    // Bottom-up: a child's id is always greater than its parent's.
    for n in (0..o.nodes.len()).rev() {
        let mut f = figs[n];
        finish(o, k, agg, n, &mut f);
        figs[n] = f;
        if let Some(parent) = o.nodes[n].parent {
            Up::of(&f).add_to(&mut figs[parent.index()]);
        }
    }
}

/// Decide the rows of node `n` once its own figures and what its children
/// add are in `f`.
fn finish(o: &Overlay, k: LayerIndex, agg: bool, n: usize, f: &mut NodeFig) {
    let vis = f.live.map(|v| o.version(v));
    let live_row =
        vis.is_some_and(|vis| n == 0 || agg || vis.layer == k || f.kids_live & flag::ROW != 0);
    let live_dir = live_row && vis.is_some_and(|vis| vis.kind == EntryKind::Dir);
    if live_row {
        f.own_live |= flag::ROW;
    } else {
        f.live = None;
        f.own_live = 0;
        f.live_size = 0;
    }
    // Ghosts below a live directory show under its live row; a live
    // file holds no rows (ghosts of a directory it replaced show
    // under its ghost row).
    if live_dir {
        f.kids_live |= f.kids_ghost;
        f.kids_ghost = 0;
    } else {
        f.kids_live = 0;
    }
    if !f.ghost_row && f.kids_ghost & flag::ROW != 0 {
        // A gone directory that holds ghosts.
        f.ghost_row = true;
        f.ghost = o
            .history(NodeId::new(n))
            .find(|&v| {
                let ver = o.version(v);
                ver.layer <= k && ver.gone.is_some_and(|g| g.layer <= k)
            })
            .or(o.nodes[n].last);
    }
    if f.ghost_row {
        f.own_ghost |= flag::ROW;
    }
    f.ghost_size += f.ghost_own;
}

/// What a finished node (or a run of siblings) adds to its parent.
#[derive(Debug, Clone, Copy, Default)]
struct Up {
    kids_live: u8,
    kids_ghost: u8,
    live_size: u64,
    ghost_size: u64,
}

impl Up {
    fn of(f: &NodeFig) -> Up {
        Up {
            kids_live: f.own_live | f.own_ghost | f.kids_live | f.kids_ghost,
            kids_ghost: f.own_ghost | f.kids_ghost,
            live_size: f.live_size,
            ghost_size: f.ghost_size,
        }
    }

    fn merge(&mut self, o: Up) {
        self.kids_live |= o.kids_live;
        self.kids_ghost |= o.kids_ghost;
        self.live_size += o.live_size;
        self.ghost_size += o.ghost_size;
    }

    fn add_to(self, p: &mut NodeFig) {
        p.kids_live |= self.kids_live;
        p.kids_ghost |= self.kids_ghost;
        p.live_size += self.live_size;
        p.ghost_size += self.ghost_size;
    }
}

/// What a range of nodes leaves to the serial pass: what its leaves add
/// to their parents (one record per run of siblings), and its other nodes
/// (in id order), whose rows wait for their children's.
#[derive(Default)]
struct Part {
    ups: Vec<(u32, Up)>,
    inner: Vec<u32>,
}

impl Tree {
    /// One pass over the nodes and their versions, one bottom-up pass over
    /// the inner nodes: O(versions + nodes), done once per (layer, mode).
    pub fn compute(a: &Analysis, k: LayerIndex, mode: Mode) -> Tree {
        Tree::compute_marked(a, k, mode, &[])
    }

    /// `compute`, flagging the live rows of the inodes `marked` (indexed by
    /// inode) with `flag::PACKAGE` (the Packages pane's filter).
    pub fn compute_marked(a: &Analysis, k: LayerIndex, mode: Mode, marked: &[bool]) -> Tree {
        Tree::compute_reusing(a, k, mode, marked, Vec::new())
    }

    /// `compute_marked` into the figures buffer of a tree no longer needed
    /// (`figs`, its content ignored): a tree of 10^6 nodes is ~40 MB, and
    /// faulting in fresh pages for it on every layer switch cost a fifth of
    /// the keystroke (issue 13: every keystroke under 50 ms).
    pub fn compute_reusing(
        a: &Analysis,
        k: LayerIndex,
        mode: Mode,
        marked: &[bool],
        figs: Vec<NodeFig>,
    ) -> Tree {
        let mut t = Tree {
            k,
            mode,
            figs,
            links: Links::gather(a),
        };
        t.recompute(a, k, mode, marked);
        t
    }

    /// This tree, as of layer `k` in `mode` (a layer switch): its figures
    /// buffer is refilled, and what it knows of the analysis's hardlinks
    /// is kept (gathered again if `a` is not the analysis it was computed
    /// for).
    ///
    /// On one thread: with the simple leaves read from their summary the
    /// pass is bound by memory, and on the shared 2-core machine two
    /// threads made the slowest switch of `bench/tui_latency.rs` worse
    /// (26-34 ms against 12-27 ms on one: a thread waits for a core).
    pub fn recompute(&mut self, a: &Analysis, k: LayerIndex, mode: Mode, marked: &[bool]) {
        self.recompute_on(a, k, mode, marked, 1);
    }

    /// [`Tree::recompute`] with the nodes split in `threads` ranges, each
    /// on its own thread (the tests check that any split gives the same
    /// figures).
    #[doc(hidden)]
    pub fn recompute_on(
        &mut self,
        a: &Analysis,
        k: LayerIndex,
        mode: Mode,
        marked: &[bool],
        threads: usize,
    ) {
        if !self.links.fits(&a.overlay) {
            self.links = Links::gather(a);
        }
        let agg = mode == Mode::Aggregate;
        figures_parallel(
            a,
            k,
            agg,
            marked,
            &self.links,
            &mut self.figs,
            threads.max(1),
        );
        self.k = k;
        self.mode = mode;
    }

    /// [`Tree::compute_marked`] the straightforward way: one pass over the
    /// versions in id order, on one thread (the reference of the tests).
    pub fn compute_reference(a: &Analysis, k: LayerIndex, mode: Mode, marked: &[bool]) -> Tree {
        let agg = mode == Mode::Aggregate;
        let mut figs = own_figures(a, k, agg, marked, Vec::new());
        roll_up(&a.overlay, k, agg, &mut figs);
        Tree {
            k,
            mode,
            figs,
            links: Links::default(),
        }
    }

    /// Is the live row of `node` a directory.
    pub fn live_is_dir(&self, o: &Overlay, node: NodeId) -> bool {
        self.figs[node.index()]
            .live
            .is_some_and(|v| o.version(v).kind == EntryKind::Dir)
    }

    /// The version a row shows.
    pub fn version(&self, row: Row) -> Option<VersionId> {
        let f = &self.figs[row.node.index()];
        if row.ghost {
            f.ghost
        } else {
            f.live
        }
    }

    /// The bytes a row shows: live bytes, or hidden bytes for a ghost.
    pub fn size(&self, o: &Overlay, node: NodeId, ghost: bool) -> u64 {
        let f = &self.figs[node.index()];
        if !ghost {
            f.live_size
        } else if self.live_is_dir(o, node) {
            f.ghost_own
        } else {
            f.ghost_size
        }
    }

    /// The bytes a row costs in the image: live and hidden (the size sort).
    pub fn shipped(&self, o: &Overlay, node: NodeId, ghost: bool) -> u64 {
        let f = &self.figs[node.index()];
        if !ghost && self.live_is_dir(o, node) {
            f.live_size + f.ghost_size
        } else {
            self.size(o, node, ghost)
        }
    }

    /// A row's own flags and those of the rows it holds.
    pub fn row_flags(&self, node: NodeId, ghost: bool) -> (u8, u8) {
        let f = &self.figs[node.index()];
        if ghost {
            (f.own_ghost, f.kids_ghost)
        } else {
            (f.own_live, f.kids_live)
        }
    }

    /// Does a row hold rows (can it expand).
    pub fn has_kids(&self, node: NodeId, ghost: bool) -> bool {
        self.row_flags(node, ghost).1 & flag::ROW != 0
    }

    fn passes(&self, node: NodeId, ghost: bool, filter: Filter) -> bool {
        let m = filter.mask();
        let (own, kids) = self.row_flags(node, ghost);
        m == 0 || (own | kids) & m != 0
    }

    /// The rows directly under a row (root: `node` 0, live), sorted.
    pub fn child_rows(
        &self,
        o: &Overlay,
        node: NodeId,
        ghost: bool,
        sort: Sort,
        filter: Filter,
        out: &mut Vec<(NodeId, bool)>,
    ) {
        out.clear();
        if !self.has_kids(node, ghost) {
            return;
        }
        for c in o.children(node) {
            let f = &self.figs[c.index()];
            if !ghost && f.live.is_some() && self.passes(c, false, filter) {
                out.push((c, false));
            }
            if f.ghost_row && self.passes(c, true, filter) {
                out.push((c, true));
            }
        }
        match sort {
            Sort::Size => out.sort_by(|x, y| {
                self.shipped(o, y.0, y.1)
                    .cmp(&self.shipped(o, x.0, x.1))
                    .then_with(|| o.name(x.0).cmp(o.name(y.0)))
                    .then(x.1.cmp(&y.1))
            }),
            Sort::Name => out.sort_by(|x, y| o.name(x.0).cmp(o.name(y.0)).then(x.1.cmp(&y.1))),
        }
    }

    /// The rows on screen if every expanded row is open (`None`: every row
    /// of the tree): a DFS that only descends into open rows, so
    /// O(rows + children of open rows).
    pub fn flatten(
        &self,
        o: &Overlay,
        expanded: Option<&[u8]>,
        sort: Sort,
        filter: Filter,
    ) -> Vec<Row> {
        let mut rows = Vec::new();
        let mut kids = Vec::new();
        let mut stack: Vec<Row> = Vec::new();
        self.child_rows(o, NodeId::ROOT, false, sort, filter, &mut kids);
        stack.extend(kids.iter().rev().map(|&(node, ghost)| Row {
            node,
            depth: 0,
            ghost,
        }));
        while let Some(r) = stack.pop() {
            rows.push(r);
            let bit = if r.ghost {
                EXPANDED_GHOST
            } else {
                EXPANDED_LIVE
            };
            if expanded.is_none_or(|x| x[r.node.index()] & bit != 0) {
                self.child_rows(o, r.node, r.ghost, sort, filter, &mut kids);
                stack.extend(kids.iter().rev().map(|&(node, ghost)| Row {
                    node,
                    depth: r.depth.saturating_add(1),
                    ghost,
                }));
            }
        }
        rows
    }

    /// The rows of `order` (every row, in display order, from
    /// `flatten(None)`) whose path contains `needle` (lowercase).
    pub fn search(&self, o: &Overlay, order: &[Row], needle: &[u8]) -> Vec<(NodeId, bool)> {
        let mut out = Vec::new();
        if needle.is_empty() {
            return out;
        }
        // The path so far, and where each depth's component ends.
        let mut path: Vec<u8> = Vec::new();
        let mut ends: Vec<usize> = Vec::new();
        for r in order {
            let d = r.depth as usize;
            ends.truncate(d);
            path.truncate(ends.last().copied().unwrap_or(0));
            path.push(b'/');
            path.extend(o.name(r.node).iter().map(|b| b.to_ascii_lowercase()));
            ends.push(path.len());
            if contains(&path, needle) {
                out.push((r.node, r.ghost));
            }
        }
        out
    }

    /// Which rows of the tree (as `flatten(None, sort, filter)` lists
    /// them) have a path containing `needle` (lowercase), counted per
    /// subtree: O(nodes + name bytes), with no list of rows. The matches
    /// are then numbered in display order ([`SearchHits::rank`]) and found
    /// by number ([`SearchHits::nth`]) walking only the rows above them.
    ///
    /// The explorer gathers the tree's shape once ([`Tree::search_shape`])
    /// and searches it on every keystroke ([`SearchShape::hits`]); this is
    /// the two in one call.
    pub fn search_hits(&self, o: &Overlay, needle: &[u8], filter: Filter) -> SearchHits {
        self.search_shape(o, filter).hits(o, needle, None)
    }

    /// What a search needs of this tree under `filter`, gathered in one
    /// pass over the nodes: each node's parent, name and row bits, 9 bytes
    /// a node in three arrays (the search then never reads the 40-odd
    /// bytes of a node's figures, nor the overlay's nodes).
    pub fn search_shape(&self, o: &Overlay, filter: Filter) -> SearchShape {
        let n = o.nodes.len();
        let mut parent = Vec::with_capacity(n);
        let mut name = Vec::with_capacity(n);
        let mut rows = Vec::with_capacity(n);
        for (id, node) in o.nodes.iter().enumerate() {
            let nid = NodeId::new(id);
            parent.push(node.parent.map_or(0, |p| p.index() as u32));
            name.push(node.name);
            let f = &self.figs[id];
            let mut r = 0;
            if f.live.is_some() && self.passes(nid, false, filter) {
                r |= shape::AS_LIVE;
            }
            if f.ghost_row && self.passes(nid, true, filter) {
                r |= shape::AS_GHOST;
            }
            if self.has_kids(nid, false) {
                r |= shape::KIDS_LIVE;
            }
            if self.has_kids(nid, true) {
                r |= shape::KIDS_GHOST;
            }
            rows.push(r);
        }
        SearchShape { parent, name, rows }
    }

    /// [`Tree::search_hits`] the straightforward way: Knuth-Morris-Pratt
    /// over every node's `/name`, then the counts (kept as the reference
    /// of the tests, and for needles of 255 bytes or more).
    pub fn search_hits_kmp(&self, o: &Overlay, needle: &[u8], filter: Filter) -> SearchHits {
        let n = o.nodes.len();
        let mut hit = vec![false; n];
        let mut acc_live = vec![0u32; n];
        let mut acc_ghost = vec![0u32; n];
        if needle.is_empty() {
            return SearchHits {
                hit: vec![0; n],
                live: acc_live,
                ghost: acc_ghost,
                total: 0,
                any: false,
            };
        }
        // Knuth-Morris-Pratt: each node's state is its parent's, fed `/`
        // and its lowercase name (a parent's id is below its children's).
        let fail = kmp_table(needle);
        let mut state = vec![0u32; n];
        for id in 1..n {
            let node = &o.nodes[id];
            let p = node.parent.map_or(0, |p| p.index());
            let (mut st, mut h) = (state[p] as usize, hit[p]);
            let name = o.names.resolve(node.name);
            for b in std::iter::once(b'/').chain(name.iter().map(u8::to_ascii_lowercase)) {
                while st > 0 && needle[st] != b {
                    st = fail[st - 1];
                }
                if needle[st] == b {
                    st += 1;
                }
                if st == needle.len() {
                    h = true;
                    st = fail[st - 1];
                }
            }
            state[id] = st as u32;
            hit[id] = h;
        }
        drop(state);
        // Bottom-up: each row's count is its own hit plus its child rows'.
        for id in (1..n).rev() {
            let node = NodeId::new(id);
            let own = hit[id] as u32;
            let live = own
                + if self.has_kids(node, false) {
                    acc_live[id]
                } else {
                    0
                };
            let ghost = own
                + if self.has_kids(node, true) {
                    acc_ghost[id]
                } else {
                    0
                };
            acc_live[id] = live;
            acc_ghost[id] = ghost;
            let f = &self.figs[id];
            let as_live = f.live.is_some() && self.passes(node, false, filter);
            let as_ghost = f.ghost_row && self.passes(node, true, filter);
            if let Some(p) = o.nodes[id].parent {
                let p = p.index();
                if as_live {
                    acc_live[p] += live;
                }
                if as_ghost {
                    acc_live[p] += ghost;
                    acc_ghost[p] += ghost;
                }
            }
        }
        let total = if self.has_kids(NodeId::ROOT, false) {
            acc_live[0] as usize
        } else {
            0
        };
        SearchHits {
            any: hit.contains(&true),
            hit: hit.into_iter().map(|h| if h { HIT } else { 0 }).collect(),
            live: acc_live,
            ghost: acc_ghost,
            total,
        }
    }

    /// The row above `(node, ghost)`: `None` for a row at the top.
    fn parent_row(&self, o: &Overlay, node: NodeId) -> Option<(NodeId, bool)> {
        let p = o.node(node).parent.filter(|&p| p != NodeId::ROOT)?;
        // A node's child rows are all under its live row, or all under its
        // ghost row (`roll_up`).
        Some((p, !self.has_kids(p, false)))
    }

    /// Open every row above `node` so that it is on screen; returns which
    /// of its rows can show (`ghost`, if it must be the ghost row) and
    /// whether anything had to be opened.
    pub fn reveal(
        &self,
        o: &Overlay,
        expanded: &mut [u8],
        node: NodeId,
        want_ghost: bool,
    ) -> (bool, bool) {
        let mut chain = Vec::new();
        let mut n = o.node(node).parent;
        while let Some(id) = n.filter(|&id| id != NodeId::ROOT) {
            chain.push(id);
            n = o.node(id).parent;
        }
        let mut ghost_side = false;
        let mut changed = false;
        for &a in chain.iter().rev() {
            let bit = if !ghost_side && self.live_is_dir(o, a) {
                EXPANDED_LIVE
            } else {
                ghost_side = true;
                EXPANDED_GHOST
            };
            changed |= expanded[a.index()] & bit == 0;
            expanded[a.index()] |= bit;
        }
        let f = &self.figs[node.index()];
        (
            ghost_side || f.live.is_none() || (want_ghost && f.ghost_row),
            changed,
        )
    }
}

/// A node's row bits in a [`SearchShape`].
mod shape {
    /// It shows as a live row that passes the filter.
    pub const AS_LIVE: u8 = 1;
    /// It shows as a ghost row that passes the filter.
    pub const AS_GHOST: u8 = 2;
    /// Its live row holds rows.
    pub const KIDS_LIVE: u8 = 4;
    /// Its ghost row holds rows.
    pub const KIDS_GHOST: u8 = 8;
}

/// A node's search state that says its path contains the query (any other
/// value is the automaton's state after its path).
const HIT: u8 = u8::MAX;

/// The tree's shape as the search reads it ([`Tree::search_shape`]): valid
/// for one tree and one filter, whatever the query.
pub struct SearchShape {
    /// Per node: its parent's index (the root: 0).
    parent: Vec<u32>,
    /// Per node: its interned name.
    name: Vec<layerscope_core::overlay::Sym>,
    /// Per node: `shape::*` bits.
    rows: Vec<u8>,
}

impl std::fmt::Debug for SearchShape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchShape")
            .field("nodes", &self.parent.len())
            .finish()
    }
}

/// Knuth-Morris-Pratt as a table: `t[s * 256 + b]` is the state after byte
/// `b` (ASCII-lowercased first) in state `s` (how much of the needle ends
/// the text so far); reaching the needle's length is [`HIT`], which stays.
/// Needles of fewer than 255 bytes.
fn dfa(needle: &[u8]) -> Vec<u8> {
    let m = needle.len();
    debug_assert!(m > 0 && m < HIT as usize);
    let mut raw = vec![0u8; m * 256];
    raw[needle[0] as usize] = 1;
    let mut x = 0usize;
    for j in 1..m {
        let (done, rest) = raw.split_at_mut(j * 256);
        rest[..256].copy_from_slice(&done[x * 256..x * 256 + 256]);
        rest[needle[j] as usize] = (j + 1) as u8;
        x = done[x * 256 + needle[j] as usize] as usize;
    }
    let mut t = vec![0u8; m * 256];
    for s in 0..m {
        for b in 0..256 {
            let next = raw[s * 256 + (b as u8).to_ascii_lowercase() as usize];
            t[s * 256 + b] = if next as usize == m { HIT } else { next };
        }
    }
    t
}

/// Feed `/` then `name` to the automaton from state `st`; stop at a hit.
fn feed(t: &[u8], mut st: u8, name: &[u8]) -> u8 {
    st = t[st as usize * 256 + b'/' as usize];
    for &b in name {
        if st == HIT {
            break;
        }
        st = t[st as usize * 256 + b as usize];
    }
    st
}

impl SearchShape {
    /// The rows whose path contains `needle` (lowercase), counted per
    /// subtree ([`Tree::search_hits`]). `reuse`: results no longer needed,
    /// whose buffers are refilled rather than allocated afresh.
    ///
    /// One pass down the nodes in id order (a parent before its children):
    /// a node under a matching one matches; under a parent whose automaton
    /// state is 0, its state is its name's own (`/name` fed from state 0,
    /// computed once per distinct name); otherwise `/name` is fed from the
    /// parent's state only until the state no longer reaches back past the
    /// `/` (from there on it is the name's own). Then one pass up that
    /// skips every node with nothing counted.
    pub fn hits(&self, o: &Overlay, needle: &[u8], reuse: Option<SearchHits>) -> SearchHits {
        let n = self.parent.len();
        let (mut hit, live, ghost) = match reuse {
            Some(r) => (r.hit, r.live, r.ghost),
            None => (Vec::new(), Vec::new(), Vec::new()),
        };
        hit.clear();
        hit.resize(n, 0);
        if needle.is_empty() || n == 0 {
            let (live, ghost, _) = self.count(&hit, live, ghost, false);
            return SearchHits {
                hit,
                live,
                ghost,
                total: 0,
                any: false,
            };
        }
        let any = if needle.len() < HIT as usize {
            self.states_dfa(o, needle, &mut hit)
        } else {
            self.states_kmp(o, needle, &mut hit)
        };
        let (live, ghost, total) = self.count(&hit, live, ghost, any);
        SearchHits {
            hit,
            live,
            ghost,
            total,
            any,
        }
    }

    /// Every node's state (or [`HIT`]) into `st`; whether any node hits.
    fn states_dfa(&self, o: &Overlay, needle: &[u8], st: &mut [u8]) -> bool {
        let t = dfa(needle);
        // Each distinct name's own state: `/name` fed from state 0.
        let own: Vec<u8> = (0..o.names.len())
            .map(|sym| feed(&t, 0, o.names.resolve(sym as layerscope_core::overlay::Sym)))
            .collect();
        let mut any = false;
        st[0] = 0;
        for id in 1..st.len() {
            let ps = st[self.parent[id] as usize];
            let s = if ps == HIT {
                HIT
            } else if ps == 0 {
                own[self.name[id] as usize]
            } else {
                Self::cross(
                    &t,
                    ps,
                    o.names.resolve(self.name[id]),
                    own[self.name[id] as usize],
                )
            };
            any |= s == HIT;
            st[id] = s;
        }
        any
    }

    /// The state after `/name` from state `ps` (not 0, not a hit), knowing
    /// `own`, the state after `/name` from 0: once the state is no longer
    /// than what was fed of `/name`, the match in progress lies inside it,
    /// so the rest goes as from 0 (Knuth-Morris-Pratt's state is the
    /// longest prefix of the needle that ends the text).
    fn cross(t: &[u8], ps: u8, name: &[u8], own: u8) -> u8 {
        let mut s = t[ps as usize * 256 + b'/' as usize];
        let mut fed = 1usize;
        loop {
            if s == HIT {
                return HIT;
            }
            if s as usize <= fed {
                return own;
            }
            let Some(&b) = name.get(fed - 1) else {
                return s;
            };
            s = t[s as usize * 256 + b as usize];
            fed += 1;
        }
    }

    /// [`SearchShape::states_dfa`] for needles too long for a byte state:
    /// Knuth-Morris-Pratt with a `u32` state per node (any value but
    /// [`HIT`] in `st` then means "no hit").
    fn states_kmp(&self, o: &Overlay, needle: &[u8], st: &mut [u8]) -> bool {
        let fail = kmp_table(needle);
        let mut state = vec![0u32; st.len()];
        let mut any = false;
        for id in 1..st.len() {
            let p = self.parent[id] as usize;
            if st[p] == HIT {
                st[id] = HIT;
                continue;
            }
            let mut s = state[p] as usize;
            for b in std::iter::once(b'/').chain(
                o.names
                    .resolve(self.name[id])
                    .iter()
                    .map(u8::to_ascii_lowercase),
            ) {
                while s > 0 && needle[s] != b {
                    s = fail[s - 1];
                }
                if needle[s] == b {
                    s += 1;
                }
                if s == needle.len() {
                    st[id] = HIT;
                    any = true;
                    break;
                }
            }
            state[id] = s as u32;
        }
        any
    }

    /// Bottom-up: each row's count is its own hit plus its child rows'
    /// (`any`: some node hits; if none, every count is 0 and the pass is
    /// skipped). Returns the live and ghost counts and the total.
    fn count(
        &self,
        st: &[u8],
        mut live: Vec<u32>,
        mut ghost: Vec<u32>,
        any: bool,
    ) -> (Vec<u32>, Vec<u32>, usize) {
        let n = st.len();
        live.clear();
        live.resize(n, 0);
        ghost.clear();
        ghost.resize(n, 0);
        if !any {
            return (live, ghost, 0);
        }
        for id in (1..n).rev() {
            let own = (st[id] == HIT) as u32;
            let (l, g) = (live[id], ghost[id]);
            if own == 0 && l == 0 && g == 0 {
                continue;
            }
            let r = self.rows[id];
            let l = own + if r & shape::KIDS_LIVE != 0 { l } else { 0 };
            let g = own + if r & shape::KIDS_GHOST != 0 { g } else { 0 };
            live[id] = l;
            ghost[id] = g;
            let p = self.parent[id] as usize;
            if r & shape::AS_LIVE != 0 {
                live[p] += l;
            }
            if r & shape::AS_GHOST != 0 {
                live[p] += g;
                ghost[p] += g;
            }
        }
        let total = if self.rows[0] & shape::KIDS_LIVE != 0 {
            live[0] as usize
        } else {
            0
        };
        (live, ghost, total)
    }
}

/// Search results counted per subtree ([`Tree::search_hits`]).
pub struct SearchHits {
    /// Per node: [`HIT`] if its path contains the query.
    hit: Vec<u8>,
    /// Per node: matching rows at and under its live row / its ghost row.
    live: Vec<u32>,
    ghost: Vec<u32>,
    /// Matching rows in the whole tree.
    pub total: usize,
    /// Does any node's path contain the query (rows or not).
    any: bool,
}

impl std::fmt::Debug for SearchHits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchHits")
            .field("total", &self.total)
            .finish()
    }
}

impl SearchHits {
    /// Does the path of `node` contain the query.
    pub fn is_hit(&self, node: NodeId) -> bool {
        self.hit[node.index()] == HIT
    }

    /// Does any node's path contain the query (if not, no node's path
    /// contains a longer query that starts with it).
    pub fn any_hit(&self) -> bool {
        self.any
    }

    fn count(&self, node: NodeId, ghost: bool) -> usize {
        if ghost {
            self.ghost[node.index()] as usize
        } else {
            self.live[node.index()] as usize
        }
    }

    /// How many matching rows come before the row `(node, ghost)` in
    /// display order (its number among the matches, if it is one).
    #[allow(clippy::too_many_arguments)]
    pub fn rank(
        &self,
        tree: &Tree,
        o: &Overlay,
        node: NodeId,
        ghost: bool,
        sort: Sort,
        filter: Filter,
    ) -> usize {
        // The rows from the top down to this one.
        let mut chain = vec![(node, ghost)];
        let mut n = node;
        while let Some(r) = tree.parent_row(o, n) {
            chain.push(r);
            n = r.0;
        }
        chain.reverse();
        let mut before = 0;
        let mut parent = (NodeId::ROOT, false);
        let mut kids = Vec::new();
        for (i, &row) in chain.iter().enumerate() {
            tree.child_rows(o, parent.0, parent.1, sort, filter, &mut kids);
            for &k in &kids {
                if k == row {
                    break;
                }
                before += self.count(k.0, k.1);
            }
            if i + 1 < chain.len() && self.is_hit(row.0) {
                before += 1;
            }
            parent = row;
        }
        before
    }

    /// The `i`-th matching row in display order (0-based).
    pub fn nth(
        &self,
        tree: &Tree,
        o: &Overlay,
        mut i: usize,
        sort: Sort,
        filter: Filter,
    ) -> Option<(NodeId, bool)> {
        if i >= self.total {
            return None;
        }
        let mut parent = (NodeId::ROOT, false);
        let mut kids = Vec::new();
        'down: loop {
            tree.child_rows(o, parent.0, parent.1, sort, filter, &mut kids);
            for &k in &kids {
                let c = self.count(k.0, k.1);
                if i < c {
                    if self.is_hit(k.0) {
                        if i == 0 {
                            return Some(k);
                        }
                        i -= 1;
                    }
                    parent = k;
                    continue 'down;
                }
                i -= c;
            }
            return None;
        }
    }
}

/// KMP failure function: `t[i]` is the length of the longest proper
/// prefix of `needle[..=i]` that is also its suffix.
fn kmp_table(needle: &[u8]) -> Vec<usize> {
    let mut t = vec![0; needle.len()];
    let mut k = 0;
    for i in 1..needle.len() {
        while k > 0 && needle[i] != needle[k] {
            k = t[k - 1];
        }
        if needle[i] == needle[k] {
            k += 1;
        }
        t[i] = k;
    }
    t
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.len() <= hay.len() && hay.windows(needle.len()).any(|w| w == needle)
}
