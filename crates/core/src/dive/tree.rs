//! A model of dive's per-layer file tree, just detailed enough to give the
//! same answers as dive 0.13's `filetree` package for the efficiency pass.
//!
//! Nodes live in an arena; a node removed from the tree is only unlinked from
//! its parent. Children are visited sorted by their raw name bytes: the
//! order of Go's `sort.Strings`, in which dive visits children. (The arena
//! with interned names takes ~80 bytes a node where a `BTreeMap` of boxed
//! names per node took ~150: dive builds one tree per layer plus a stacked
//! copy, so this is most of its memory.)

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use crate::overlay::{Interner, Sym};

/// dive's prefix of whiteout node names (`file_tree.go`, `whiteoutPrefix`).
pub(crate) const WHITEOUT_PREFIX: &[u8] = b".wh.";
/// Names with this prefix are never added to a dive tree (`AddPath` and
/// `FileNode.AddChild` refuse them): in practice `.wh..wh..opq`.
pub(crate) const DOUBLE_WHITEOUT_PREFIX: &[u8] = b".wh..wh..";

/// The part of dive's `FileInfo` that the figures read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Info {
    /// `header.FileInfo().Size()`: the tar size field, whatever the kind.
    pub size: i64,
    /// `header.FileInfo().IsDir()`. Nodes that dive creates implicitly (a
    /// parent directory with no entry of its own in that layer) carry an
    /// empty `FileInfo`, so `is_dir` is false for them.
    pub is_dir: bool,
}

/// A node of the arena. Children form a linked list (no allocation per
/// node); a node unlinked from its parent stays in the arena, marked dead.
#[derive(Debug, Clone)]
struct Node {
    name: Sym,
    parent: u32,
    first_child: u32,
    next_sibling: u32,
    /// Children still linked (so `is_leaf` is O(1)).
    live_children: u32,
    /// The payload, flattened (`Info` inline would pad the node to 40
    /// bytes; this way it takes 32).
    size: i64,
    is_dir: bool,
    linked: bool,
}

const NIL: u32 = u32::MAX;

/// One dive `FileTree`. Node 0 is the root. Names are interned per tree;
/// a child is found through one `(parent, name) -> child` map. Children are
/// visited in bytewise name order (Go's `sort.Strings`, dive's order): they
/// are sorted when visited, not kept sorted.
#[derive(Debug, Clone)]
pub(crate) struct Tree {
    nodes: Vec<Node>,
    names: Interner,
    /// `(parent, name) -> child`, holding only the child's id: the key is
    /// read back from the child's node.
    edges: HashTable<u32>,
    /// Every node's children are linked in name order ([`Tree::sort`]):
    /// a walk then takes them as they are. Cleared by a new node.
    sorted: bool,
}

fn edge_hash(parent: u32, name: Sym) -> u64 {
    FxBuildHasher.hash_one((parent, name))
}

pub(crate) const ROOT: usize = 0;

// dive keeps a tree per layer: its node size is most of this pass's memory.
const _: () = assert!(std::mem::size_of::<Node>() == 32);

pub(crate) fn is_whiteout_name(name: &[u8]) -> bool {
    name.starts_with(WHITEOUT_PREFIX)
}

impl Tree {
    pub fn new() -> Tree {
        let mut names = Interner::default();
        let root = names.intern(b"");
        Tree {
            nodes: vec![Node {
                name: root,
                parent: NIL,
                first_child: NIL,
                next_sibling: NIL,
                live_children: 0,
                size: 0,
                is_dir: false,
                linked: true,
            }],
            names,
            edges: HashTable::new(),
            sorted: true,
        }
    }

    pub fn info(&self, id: usize) -> Info {
        let n = &self.nodes[id];
        Info {
            size: n.size,
            is_dir: n.is_dir,
        }
    }

    pub fn name(&self, id: usize) -> &[u8] {
        self.names.resolve(self.nodes[id].name)
    }

    pub fn is_leaf(&self, id: usize) -> bool {
        self.nodes[id].live_children == 0
    }

    fn child(&self, node: usize, name: &[u8]) -> Option<usize> {
        self.child_sym(node, self.names.get(name)?)
    }

    fn child_sym(&self, node: usize, sym: Sym) -> Option<usize> {
        let parent = node as u32;
        self.edges
            .find(edge_hash(parent, sym), |&c| {
                let n = &self.nodes[c as usize];
                n.parent == parent && n.name == sym
            })
            .map(|&c| c as usize)
    }

    /// A new linked child `sym` of `node`, with an empty payload.
    fn new_child(&mut self, node: usize, sym: Sym) -> usize {
        let id = u32::try_from(self.nodes.len()).expect("fewer than 2^32 nodes");
        self.sorted = false;
        let parent = &mut self.nodes[node];
        let next_sibling = parent.first_child;
        parent.first_child = id;
        parent.live_children += 1;
        self.nodes.push(Node {
            name: sym,
            parent: node as u32,
            first_child: NIL,
            next_sibling,
            live_children: 0,
            size: 0,
            is_dir: false,
            linked: true,
        });
        let nodes = &self.nodes;
        self.edges
            .insert_unique(edge_hash(node as u32, sym), id, |&c| {
                let n = &nodes[c as usize];
                edge_hash(n.parent, n.name)
            });
        id as usize
    }

    /// Linked children of a node, in bytewise name order.
    fn sorted_children(&self, node: usize) -> Vec<u32> {
        let mut kids = Vec::with_capacity(self.nodes[node].live_children as usize);
        let mut c = self.nodes[node].first_child;
        while c != NIL {
            if self.nodes[c as usize].linked {
                kids.push(c);
            }
            c = self.nodes[c as usize].next_sibling;
        }
        if !self.sorted {
            self.sort_by_name(&mut kids);
        }
        kids
    }

    fn sort_by_name(&self, kids: &mut [u32]) {
        kids.sort_unstable_by(|&a, &b| {
            self.names
                .resolve(self.nodes[a as usize].name)
                .cmp(self.names.resolve(self.nodes[b as usize].name))
        });
    }

    /// Link every node's children in name order, once: a layer's tree is
    /// walked twice (visited, then stacked), and sorting children was the
    /// largest part of dive's pass (sorting takes about as long as both
    /// walks).
    pub fn sort(&mut self) {
        if self.sorted {
            return;
        }
        let mut kids = Vec::new();
        for node in 0..self.nodes.len() {
            if self.nodes[node].live_children < 2 {
                continue;
            }
            kids.clear();
            let mut c = self.nodes[node].first_child;
            while c != NIL {
                if self.nodes[c as usize].linked {
                    kids.push(c);
                }
                c = self.nodes[c as usize].next_sibling;
            }
            self.sort_by_name(&mut kids);
            // Unlinked children drop out of the list: every walk skips them.
            self.nodes[node].first_child = kids[0];
            for w in kids.windows(2) {
                self.nodes[w[0] as usize].next_sibling = w[1];
            }
            self.nodes[kids[kids.len() - 1] as usize].next_sibling = NIL;
        }
        self.sorted = true;
    }

    /// dive's `FileTree.AddPath`: walk the components, creating missing
    /// intermediate nodes with an empty payload; a missing component whose
    /// name starts with `.wh..wh..` ends the walk silently (nothing more is
    /// added, no payload is set). The payload goes on the last component,
    /// replacing any earlier payload and keeping existing children.
    pub fn add_path(&mut self, comps: &[&[u8]], info: Info) {
        let mut node = ROOT;
        for (i, name) in comps.iter().enumerate() {
            node = match self.child(node, name) {
                Some(child) => child,
                None => {
                    if name.starts_with(DOUBLE_WHITEOUT_PREFIX) {
                        return;
                    }
                    let sym = self.names.intern(name);
                    self.new_child(node, sym)
                }
            };
            if i + 1 == comps.len() {
                let n = &mut self.nodes[node];
                n.size = info.size;
                n.is_dir = info.is_dir;
            }
        }
    }

    /// dive's `FileTree.GetNode`.
    pub fn get<'a, I: IntoIterator<Item = &'a [u8]>>(&self, comps: I) -> Option<usize> {
        let mut node = ROOT;
        for name in comps {
            node = self.child(node, name)?;
        }
        Some(node)
    }

    /// dive's `FileNode.Remove` (the root is never asked for).
    fn unlink(&mut self, id: usize) {
        let (parent, name) = (self.nodes[id].parent, self.nodes[id].name);
        self.nodes[id].linked = false;
        self.nodes[parent as usize].live_children -= 1;
        let nodes = &self.nodes;
        if let Ok(e) = self.edges.find_entry(edge_hash(parent, name), |&c| {
            let n = &nodes[c as usize];
            n.parent == parent && n.name == name
        }) {
            e.remove();
        }
    }

    /// Sum of the payload sizes of a node and everything under it (dive's
    /// `sizer` visitor over `VisitDepthChildFirst` with no evaluator).
    pub fn subtree_size(&self, id: usize) -> i64 {
        let mut total = 0i64;
        let mut stack = vec![id as u32];
        while let Some(n) = stack.pop() {
            let node = &self.nodes[n as usize];
            total = total.wrapping_add(node.size);
            let mut c = node.first_child;
            while c != NIL {
                if self.nodes[c as usize].linked {
                    stack.push(c);
                }
                c = self.nodes[c as usize].next_sibling;
            }
        }
        total
    }

    /// Every node but the root, children before their parent, siblings in
    /// bytewise name order: dive's `VisitDepthChildFirst`. `f` gets the node
    /// and the names from the root down to it; returning `false` stops the
    /// walk (dive's visitor returning an error).
    pub fn visit_child_first<F: FnMut(usize, &[&[u8]]) -> bool>(&self, mut f: F) {
        // Iterative post-order: (node, its sorted children, next position).
        let mut stack: Vec<(usize, Vec<u32>, usize)> = vec![(ROOT, self.sorted_children(ROOT), 0)];
        let mut names: Vec<&[u8]> = Vec::new();
        while let Some((node, kids, pos)) = stack.last_mut() {
            let node = *node;
            if *pos < kids.len() {
                let child = kids[*pos] as usize;
                *pos += 1;
                names.push(self.name(child));
                let grandkids = self.sorted_children(child);
                stack.push((child, grandkids, 0));
            } else {
                stack.pop();
                if node != ROOT {
                    if !f(node, &names) {
                        return;
                    }
                    names.pop();
                }
            }
        }
    }

    /// dive's `FileTree.Stack(upper)`: visit `upper` child-first; a node
    /// whose name starts with `.wh.` removes the node found at its dive path
    /// (a missing path is only logged by dive); any other node is added with
    /// `AddPath(node.Path(), payload)`, which `path.Clean`s the path first.
    pub fn stack(&mut self, upper: &Tree) {
        if upper.names_are_plain() {
            self.stack_along(upper);
        } else {
            self.stack_by_paths(upper);
        }
    }

    /// Whether [`Tree::stack`] may walk `self` beside this tree: every name
    /// (the root's aside) is one that `path.Clean` keeps as it is and that
    /// `AddPath` accepts (not `.`, `..`, empty, nor `.wh..wh..`-prefixed),
    /// and every whiteout names a child that `GetNode` looks up literally
    /// (what follows `.wh.` is not empty). Then the path of a node, cleaned
    /// or split, is the names from the root down to it, so the node of
    /// `self` at that path is its parent's node's child of that name.
    fn names_are_plain(&self) -> bool {
        (0..self.names.len()).all(|sym| {
            let name = self.names.resolve(sym as Sym);
            if sym as Sym == self.nodes[ROOT].name {
                return true;
            }
            let plain = |n: &[u8]| !matches!(n, b"" | b"." | b"..");
            plain(name)
                && !name.starts_with(DOUBLE_WHITEOUT_PREFIX)
                && (!is_whiteout_name(name) || !name[WHITEOUT_PREFIX.len()..].is_empty())
        })
    }

    /// [`Tree::stack`] for trees of plain names: one walk of `upper`
    /// child-first (the order dive stacks in), keeping beside each node on
    /// the walk's stack the node of `self` at the same path, found or
    /// created once (`AddPath` creates a missing parent only when a node
    /// under it is added; a whiteout only looks up). A whiteout unlinks a
    /// sibling of the node being visited, never a node on the walk's
    /// stack, so what the stack holds stays linked. The result is the
    /// same tree as [`Tree::stack_by_paths`] (tested), without a path
    /// built, cleaned and walked from the root per node.
    fn stack_along(&mut self, upper: &Tree) {
        const UNSET: u32 = u32::MAX;
        // upper's name -> self's name, filled as names are met.
        let mut syms = vec![UNSET; upper.names.len()];
        // The walk: (upper node, its sorted children, next position); at
        // the same depth in `here`, the node of `self` at its path (UNSET
        // until needed).
        let mut walk: Vec<(usize, Vec<u32>, usize)> = vec![(ROOT, upper.sorted_children(ROOT), 0)];
        let mut here: Vec<u32> = vec![ROOT as u32];
        while let Some((node, kids, pos)) = walk.last_mut() {
            if *pos < kids.len() {
                let child = kids[*pos] as usize;
                *pos += 1;
                walk.push((child, upper.sorted_children(child), 0));
                here.push(UNSET);
                continue;
            }
            let node = *node;
            if node == ROOT {
                break;
            }
            let depth = walk.len() - 1;
            let name = upper.name(node);
            if is_whiteout_name(name) {
                let target = &name[WHITEOUT_PREFIX.len()..];
                if let Some(parent) =
                    self.along(upper, &walk, &mut here, &mut syms, depth - 1, false)
                {
                    if let Some(n) = self.child(parent, target) {
                        self.unlink(n);
                    }
                }
            } else {
                let at = self
                    .along(upper, &walk, &mut here, &mut syms, depth, true)
                    .expect("created");
                let info = upper.info(node);
                let n = &mut self.nodes[at];
                n.size = info.size;
                n.is_dir = info.is_dir;
            }
            walk.pop();
            here.pop();
        }
    }

    /// The node of `self` at the path of `walk[depth]`: found, or with
    /// `create` made (with its missing parents, empty payloads) when it
    /// does not exist; `None` only when it does not and `create` is off.
    fn along(
        &mut self,
        upper: &Tree,
        walk: &[(usize, Vec<u32>, usize)],
        here: &mut [u32],
        syms: &mut [u32],
        depth: usize,
        create: bool,
    ) -> Option<usize> {
        if here[depth] != u32::MAX {
            return Some(here[depth] as usize);
        }
        let parent = self.along(upper, walk, here, syms, depth - 1, create)?;
        let up = upper.nodes[walk[depth].0].name as usize;
        let sym = match syms[up] {
            u32::MAX => {
                let name = upper.names.resolve(up as Sym);
                let s = if create {
                    self.names.intern(name)
                } else {
                    self.names.get(name)?
                };
                syms[up] = s;
                s
            }
            s => s,
        };
        let n = match self.child_sym(parent, sym) {
            Some(n) => n,
            None if create => self.new_child(parent, sym),
            None => return None,
        };
        here[depth] = n as u32;
        Some(n)
    }

    /// [`Tree::stack`] as dive words it, for any names: each node's path
    /// built, cleaned and walked from the root.
    fn stack_by_paths(&mut self, upper: &Tree) {
        upper.visit_child_first(|id, names| {
            let path = dive_path(names);
            if is_whiteout_name(upper.name(id)) {
                if let Some(n) = self.get_path(&path) {
                    self.unlink(n);
                }
            } else {
                let clean = go_clean_components(&path);
                self.add_path(&clean, upper.info(id));
            }
            true
        });
    }

    /// dive's `FileTree.GetNode(path)`: trim `/`, split on `/`, skip empty
    /// names, and look each name up literally (no cleaning).
    pub fn get_path(&self, path: &[u8]) -> Option<usize> {
        self.get(path.split(|&b| b == b'/').filter(|c| !c.is_empty()))
    }
}

/// dive's `FileNode.Path()` for a node reached through `names`: `/` + the
/// names joined with `/`, the node's own name with one leading `.wh.` cut
/// (so a whiteout node answers to the path it removes), then one
/// left-to-right pass replacing `//` with `/` (Go's `strings.Replace`).
pub(crate) fn dive_path(names: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    dive_path_into(names, &mut out);
    out
}

/// [`dive_path`] written into `out` (cleared first): the efficiency pass
/// builds one per leaf, so it reuses one buffer.
pub(crate) fn dive_path_into(names: &[&[u8]], out: &mut Vec<u8>) {
    out.clear();
    out.push(b'/');
    let mut empty = false;
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        let name = if i + 1 == names.len() {
            name.strip_prefix(WHITEOUT_PREFIX).unwrap_or(name)
        } else {
            name
        };
        empty |= name.is_empty();
        out.extend_from_slice(name);
    }
    // Only an empty name (a whiteout named `.wh.`) can make a `//`.
    if !empty {
        return;
    }
    let raw = std::mem::take(out);
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'/' && raw.get(i + 1) == Some(&b'/') {
            out.push(b'/');
            i += 2;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
}

/// The names of Go's `path.Clean(path)`, as dive's `AddPath` splits them:
/// empty and `.` names dropped, `..` cancelling the name before it; a `..`
/// that cannot cancel anything is dropped at the root of a rooted path and
/// kept in a relative one.
pub(crate) fn go_clean_components(path: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    go_clean_into(path, &mut out);
    out
}

/// [`go_clean_components`] into `out` (cleared first), so that a caller
/// splitting many paths reuses one buffer.
pub(crate) fn go_clean_into<'a>(path: &'a [u8], out: &mut Vec<&'a [u8]>) {
    out.clear();
    let rooted = path.first() == Some(&b'/');
    for comp in path.split(|&b| b == b'/') {
        match comp {
            b"" | b"." => {}
            b".." => match out.last() {
                Some(&last) if last != b".." => {
                    out.pop();
                }
                _ if rooted => {}
                _ => out.push(comp),
            },
            _ => out.push(comp),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(size: i64, is_dir: bool) -> Info {
        Info { size, is_dir }
    }

    fn leaves(t: &Tree) -> Vec<String> {
        let mut out = Vec::new();
        t.visit_child_first(|id, names| {
            if t.is_leaf(id) {
                let p: Vec<String> = names
                    .iter()
                    .map(|n| String::from_utf8_lossy(n).into_owned())
                    .collect();
                out.push(p.join("/"));
            }
            true
        });
        out
    }

    #[test]
    fn add_path_creates_empty_parents_and_refuses_double_whiteouts() {
        let mut t = Tree::new();
        t.add_path(&[b"a", b"b", b"f"], info(5, false));
        let a = t.get([&b"a"[..]]).unwrap();
        assert_eq!(t.info(a), Info::default());
        t.add_path(&[b"c", b".wh..wh..opq"], info(0, false));
        assert!(t.get([&b"c"[..]]).is_some());
        assert!(t.get([&b"c"[..], &b".wh..wh..opq"[..]]).is_none());
        // The payload replaces, the children stay.
        t.add_path(&[b"a"], info(0, true));
        assert!(t.info(a).is_dir);
        assert_eq!(leaves(&t), vec!["a/b/f", "c"]);
    }

    #[test]
    fn visit_is_child_first_in_bytewise_order() {
        let mut t = Tree::new();
        for p in [&[&b"b"[..], &b"x"[..]][..], &[b"a"], &[b".wh.z"], &[b"B"]] {
            t.add_path(p, info(1, false));
        }
        let mut order = Vec::new();
        t.visit_child_first(|_, names| {
            order.push(
                names
                    .iter()
                    .map(|n| String::from_utf8_lossy(n))
                    .collect::<Vec<_>>()
                    .join("/"),
            );
            true
        });
        assert_eq!(order, vec![".wh.z", "B", "a", "b/x", "b"]);
        assert_eq!(t.subtree_size(ROOT), 4, "the implicit parent b weighs 0");
    }

    /// Every node with its path and payload, in visiting order: two trees
    /// with the same dump give dive the same answers.
    fn dump(t: &Tree) -> Vec<(Vec<u8>, i64, bool)> {
        let mut out = Vec::new();
        t.visit_child_first(|id, names| {
            out.push((names.join(&b'/'), t.info(id).size, t.info(id).is_dir));
            true
        });
        out
    }

    /// `stack` along the trees gives the tree dive's path-by-path stacking
    /// gives, on random trees: names that sort before and after `.wh.`,
    /// whiteouts of files, of directories, of missing paths, whiteout-named
    /// directories with children, payloads replaced, parents implicit;
    /// trees with `..` or an empty whiteout take the path-by-path way.
    #[test]
    fn stacking_along_equals_stacking_by_paths() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let names: [&[u8]; 9] = [
            b"a", b"b", b"-c", b"d", b".wh.a", b".wh.-c", b".wh.d", b".wh.zz", b"e",
        ];
        let random_tree = |next: &mut dyn FnMut(u64) -> u64| {
            let mut t = Tree::new();
            for _ in 0..next(12) + 1 {
                let depth = next(3) as usize + 1;
                let comps: Vec<&[u8]> = (0..depth)
                    .map(|_| names[next(names.len() as u64) as usize])
                    .collect();
                t.add_path(&comps, info(next(50) as i64, next(2) == 0));
            }
            t
        };
        for round in 0..3000 {
            let mut lower = random_tree(&mut next);
            let upper = random_tree(&mut next);
            if round % 2 == 0 {
                // A stacked copy, as the pass keeps one.
                let again = random_tree(&mut next);
                lower.stack_by_paths(&again);
            }
            assert!(upper.names_are_plain());
            let mut by_paths = lower.clone();
            by_paths.stack_by_paths(&upper);
            let mut along = lower.clone();
            along.stack_along(&upper);
            assert_eq!(dump(&along), dump(&by_paths), "round {round}");
            // Stacking onto the result again (as dive stacks layer after
            // layer) agrees too.
            by_paths.stack_by_paths(&upper);
            along.stack_along(&upper);
            assert_eq!(dump(&along), dump(&by_paths), "round {round}, twice");
        }
        // Names the walk cannot follow send `stack` the other way.
        for odd in [&[&b".."[..], b"x"][..], &[b".wh."], &[b"a", b".wh."]] {
            let mut t = Tree::new();
            t.add_path(odd, info(1, false));
            assert!(!t.names_are_plain(), "{odd:?}");
        }
    }

    #[test]
    fn stack_removes_and_adds() {
        let mut lower = Tree::new();
        lower.add_path(&[b"d"], info(0, true));
        lower.add_path(&[b"d", b"f"], info(3, false));
        lower.add_path(&[b"g"], info(4, false));
        let mut upper = Tree::new();
        upper.add_path(&[b".wh.d"], info(0, false));
        upper.add_path(&[b".wh.missing"], info(0, false));
        upper.add_path(&[b"g"], info(7, false));
        lower.stack(&upper);
        assert!(lower.get([&b"d"[..]]).is_none());
        assert_eq!(lower.info(lower.get([&b"g"[..]]).unwrap()).size, 7);
        assert_eq!(leaves(&lower), vec!["g"]);
    }
}
