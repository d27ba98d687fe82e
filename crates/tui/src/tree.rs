//! The file tree as of one layer, for the explorer: per-node figures built in
//! one pass over the overlay's versions, and the flattened list of rows that
//! the tree pane shows. Nothing here knows about terminals; the overlay knows
//! nothing about this view state.
//!
//! A node can show as two rows: a *live* row (the version visible as of the
//! layer) and a *ghost* row (what was there and is gone: hidden bytes that
//! are still shipped, or what this very layer removed). A directory that is
//! gone but holds ghosts shows as a ghost directory.

use layerscope_core::analysis::Analysis;
use layerscope_core::layer::EntryKind;
use layerscope_core::overlay::{Cause, Overlay, Version, NONE};

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
}

/// What one node is as of the selected layer and mode.
#[derive(Debug, Clone, Copy)]
pub struct NodeFig {
    /// The version shown by the live row, or NONE (no live row).
    pub live: u32,
    /// The version shown by the ghost row (the newest that ended), or NONE.
    pub ghost: u32,
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
    /// The visible version (before deciding whether it makes a row).
    vis: u32,
}

impl Default for NodeFig {
    fn default() -> Self {
        NodeFig {
            live: NONE,
            ghost: NONE,
            ghost_row: false,
            live_size: 0,
            ghost_size: 0,
            ghost_own: 0,
            own_live: 0,
            own_ghost: 0,
            kids_live: 0,
            kids_ghost: 0,
            vis: NONE,
        }
    }
}

/// One row of the tree pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub node: u32,
    pub depth: u16,
    pub ghost: bool,
}

/// Expansion bits per node (view state, kept across layers).
pub const EXPANDED_LIVE: u8 = 1;
pub const EXPANDED_GHOST: u8 = 2;

/// Every node's figures as of one layer (0-based `k`) in one mode.
pub struct Tree {
    pub k: u32,
    pub mode: Mode,
    pub figs: Vec<NodeFig>,
}

/// Was anything visible at `node` just before layer `k` (for A vs M)?
fn existed_before(o: &Overlay, v: u32, k: u32) -> bool {
    if k == 0 {
        return false;
    }
    let mut p = o.versions[v as usize].prev;
    while p != NONE {
        let pv = &o.versions[p as usize];
        if pv.visible_at(k - 1) {
            return true;
        }
        p = pv.prev;
    }
    false
}

/// Each node's own figures as of layer `k`: its visible version, its ghost
/// version, their flags and bytes (the first pass of `Tree::compute`).
fn own_figures(a: &Analysis, k: u32, agg: bool) -> Vec<NodeFig> {
    let o = &a.overlay;
    let mut figs = vec![NodeFig::default(); o.nodes.len()];
    let mut seen = vec![false; o.inodes.len()];
    for (id, ver) in o.versions.iter().enumerate() {
        if ver.layer > k {
            continue;
        }
        let v = id as u32;
        let f = &mut figs[ver.node as usize];
        let cache = ver.inode != NONE && a.classes[ver.inode as usize].rule.is_some();
        if ver.visible_at(k) {
            f.vis = v;
            if ver.layer == k {
                f.own_live |= if existed_before(o, v, k) {
                    flag::MODIFIED
                } else {
                    flag::ADDED
                };
            }
            if cache {
                f.own_live |= flag::CACHE;
            }
            if ver.inode != NONE && (agg || ver.layer == k) && !seen[ver.inode as usize] {
                seen[ver.inode as usize] = true;
                f.live_size += o.inodes[ver.inode as usize].size;
            }
            continue;
        }
        let Some(g) = ver.gone else { continue };
        if g.layer > k || g.cause == Cause::Merged || (!agg && g.layer != k) {
            continue;
        }
        let bytes = hidden_bytes(o, ver, k, agg);
        if bytes > 0 || g.layer == k {
            f.ghost = v;
            f.ghost_row = true;
            f.ghost_own += bytes;
            if bytes > 0 {
                f.own_ghost |= flag::HIDDEN;
            }
            if g.layer == k {
                f.own_ghost |= match g.cause {
                    Cause::Overwritten => flag::OVERWRITTEN,
                    _ => flag::REMOVED,
                };
            }
            if cache {
                f.own_ghost |= flag::CACHE;
            }
        }
    }
    figs
}

/// The bytes a gone version's ghost row shows as of layer `k`: its content,
/// if this version carries the inode and the inode's last name is gone by
/// then (in Aggregate mode), or went in `k` itself (LayerOnly).
fn hidden_bytes(o: &Overlay, ver: &Version, k: u32, agg: bool) -> u64 {
    if ver.inode == NONE {
        return 0;
    }
    let ino = &o.inodes[ver.inode as usize];
    let carries = ino.node == ver.node && ino.layer == ver.layer && ino.entry == ver.entry;
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
fn roll_up(o: &Overlay, k: u32, agg: bool, figs: &mut [NodeFig]) {
    // Bottom-up: a child's id is always greater than its parent's.
    for n in (0..o.nodes.len()).rev() {
        let mut f = figs[n];
        let live_row = f.vis != NONE
            && (n == 0
                || agg
                || o.versions[f.vis as usize].layer == k
                || f.kids_live & flag::ROW != 0);
        let live_dir = live_row && o.versions[f.vis as usize].kind == EntryKind::Dir;
        if live_row {
            f.live = f.vis;
            f.own_live |= flag::ROW;
        } else {
            f.live = NONE;
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
                .history(n as u32)
                .find(|&v| {
                    let ver = &o.versions[v as usize];
                    ver.layer <= k && ver.gone.is_some_and(|g| g.layer <= k)
                })
                .unwrap_or(o.nodes[n].last);
        }
        if f.ghost_row {
            f.own_ghost |= flag::ROW;
        }
        f.ghost_size += f.ghost_own;
        figs[n] = f;
        let parent = o.nodes[n].parent;
        if parent != NONE {
            let p = &mut figs[parent as usize];
            p.kids_live |= f.own_live | f.own_ghost | f.kids_live | f.kids_ghost;
            p.kids_ghost |= f.own_ghost | f.kids_ghost;
            p.live_size += f.live_size;
            p.ghost_size += f.ghost_size;
        }
    }
}

impl Tree {
    /// One pass over the versions, one bottom-up pass over the nodes:
    /// O(versions + nodes), done once per (layer, mode).
    pub fn compute(a: &Analysis, k: u32, mode: Mode) -> Tree {
        let agg = mode == Mode::Aggregate;
        let mut figs = own_figures(a, k, agg);
        roll_up(&a.overlay, k, agg, &mut figs);
        Tree { k, mode, figs }
    }

    /// Is the live row of `node` a directory.
    pub fn live_is_dir(&self, o: &Overlay, node: u32) -> bool {
        let v = self.figs[node as usize].live;
        v != NONE && o.versions[v as usize].kind == EntryKind::Dir
    }

    /// The version a row shows.
    pub fn version(&self, row: Row) -> u32 {
        let f = &self.figs[row.node as usize];
        if row.ghost {
            f.ghost
        } else {
            f.live
        }
    }

    /// The bytes a row shows: live bytes, or hidden bytes for a ghost.
    pub fn size(&self, o: &Overlay, node: u32, ghost: bool) -> u64 {
        let f = &self.figs[node as usize];
        if !ghost {
            f.live_size
        } else if self.live_is_dir(o, node) {
            f.ghost_own
        } else {
            f.ghost_size
        }
    }

    /// The bytes a row costs in the image: live and hidden (the size sort).
    pub fn shipped(&self, o: &Overlay, node: u32, ghost: bool) -> u64 {
        let f = &self.figs[node as usize];
        if !ghost && self.live_is_dir(o, node) {
            f.live_size + f.ghost_size
        } else {
            self.size(o, node, ghost)
        }
    }

    /// A row's own flags and those of the rows it holds.
    pub fn row_flags(&self, node: u32, ghost: bool) -> (u8, u8) {
        let f = &self.figs[node as usize];
        if ghost {
            (f.own_ghost, f.kids_ghost)
        } else {
            (f.own_live, f.kids_live)
        }
    }

    /// Does a row hold rows (can it expand).
    pub fn has_kids(&self, node: u32, ghost: bool) -> bool {
        self.row_flags(node, ghost).1 & flag::ROW != 0
    }

    fn passes(&self, node: u32, ghost: bool, filter: Filter) -> bool {
        let m = filter.mask();
        let (own, kids) = self.row_flags(node, ghost);
        m == 0 || (own | kids) & m != 0
    }

    /// The rows directly under a row (root: `node` 0, live), sorted.
    pub fn child_rows(
        &self,
        o: &Overlay,
        node: u32,
        ghost: bool,
        sort: Sort,
        filter: Filter,
        out: &mut Vec<(u32, bool)>,
    ) {
        out.clear();
        if !self.has_kids(node, ghost) {
            return;
        }
        for c in o.children(node) {
            let f = &self.figs[c as usize];
            if !ghost && f.live != NONE && self.passes(c, false, filter) {
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
        self.child_rows(o, 0, false, sort, filter, &mut kids);
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
            if expanded.is_none_or(|x| x[r.node as usize] & bit != 0) {
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
    pub fn search(&self, o: &Overlay, order: &[Row], needle: &[u8]) -> Vec<(u32, bool)> {
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

    /// Keep only the matches whose path contains `needle` (a longer query
    /// than the one they matched: typing narrows, no rescan).
    pub fn refine(&self, o: &Overlay, matches: &[(u32, bool)], needle: &[u8]) -> Vec<(u32, bool)> {
        matches
            .iter()
            .copied()
            .filter(|&(n, _)| {
                let mut p = o.path(n);
                p.make_ascii_lowercase();
                p.insert(0, b'/');
                contains(&p, needle)
            })
            .collect()
    }

    /// Open every row above `node` so that it is on screen; returns which
    /// of its rows can show (`ghost`, if it must be the ghost row) and
    /// whether anything had to be opened.
    pub fn reveal(
        &self,
        o: &Overlay,
        expanded: &mut [u8],
        node: u32,
        want_ghost: bool,
    ) -> (bool, bool) {
        let mut chain = Vec::new();
        let mut n = o.nodes[node as usize].parent;
        while n != NONE && n != 0 {
            chain.push(n);
            n = o.nodes[n as usize].parent;
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
            changed |= expanded[a as usize] & bit == 0;
            expanded[a as usize] |= bit;
        }
        let f = &self.figs[node as usize];
        (
            ghost_side || f.live == NONE || (want_ghost && f.ghost_row),
            changed,
        )
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.len() <= hay.len() && hay.windows(needle.len()).any(|w| w == needle)
}
