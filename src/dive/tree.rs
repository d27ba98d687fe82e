//! A model of dive's per-layer file tree, just detailed enough to give the
//! same answers as dive 0.13's `filetree` package for the efficiency pass.
//!
//! Nodes live in an arena; a node removed from the tree is only unlinked from
//! its parent's child map. Children are kept in a `BTreeMap` keyed by the raw
//! name bytes, which iterates in the same order as Go's `sort.Strings`
//! (bytewise), the order in which dive visits children.

use std::collections::BTreeMap;

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

#[derive(Debug, Clone)]
struct Node {
    name: Box<[u8]>,
    parent: usize,
    children: BTreeMap<Box<[u8]>, usize>,
    info: Info,
}

/// One dive `FileTree`. Node 0 is the root.
#[derive(Debug, Clone)]
pub(crate) struct Tree {
    nodes: Vec<Node>,
}

pub(crate) const ROOT: usize = 0;

type ChildIds<'a> = std::collections::btree_map::Values<'a, Box<[u8]>, usize>;

pub(crate) fn is_whiteout_name(name: &[u8]) -> bool {
    name.starts_with(WHITEOUT_PREFIX)
}

impl Tree {
    pub fn new() -> Tree {
        Tree {
            nodes: vec![Node {
                name: Box::default(),
                parent: ROOT,
                children: BTreeMap::new(),
                info: Info::default(),
            }],
        }
    }

    pub fn info(&self, id: usize) -> Info {
        self.nodes[id].info
    }

    pub fn name(&self, id: usize) -> &[u8] {
        &self.nodes[id].name
    }

    pub fn is_leaf(&self, id: usize) -> bool {
        self.nodes[id].children.is_empty()
    }

    /// dive's `FileTree.AddPath`: walk the components, creating missing
    /// intermediate nodes with an empty payload; a missing component whose
    /// name starts with `.wh..wh..` ends the walk silently (nothing more is
    /// added, no payload is set). The payload goes on the last component,
    /// replacing any earlier payload and keeping existing children.
    pub fn add_path(&mut self, comps: &[&[u8]], info: Info) {
        let mut node = ROOT;
        for (i, name) in comps.iter().enumerate() {
            node = match self.nodes[node].children.get(*name) {
                Some(&child) => child,
                None => {
                    if name.starts_with(DOUBLE_WHITEOUT_PREFIX) {
                        return;
                    }
                    let id = self.nodes.len();
                    self.nodes.push(Node {
                        name: (*name).into(),
                        parent: node,
                        children: BTreeMap::new(),
                        info: Info::default(),
                    });
                    self.nodes[node].children.insert((*name).into(), id);
                    id
                }
            };
            if i + 1 == comps.len() {
                self.nodes[node].info = info;
            }
        }
    }

    /// dive's `FileTree.GetNode`.
    pub fn get<'a, I: IntoIterator<Item = &'a [u8]>>(&self, comps: I) -> Option<usize> {
        let mut node = ROOT;
        for name in comps {
            node = *self.nodes[node].children.get(name)?;
        }
        Some(node)
    }

    /// dive's `FileNode.Remove` (the root is never asked for).
    fn unlink(&mut self, id: usize) {
        let parent = self.nodes[id].parent;
        let name = self.nodes[id].name.clone();
        self.nodes[parent].children.remove(&name);
    }

    /// Sum of the payload sizes of a node and everything under it (dive's
    /// `sizer` visitor over `VisitDepthChildFirst` with no evaluator).
    pub fn subtree_size(&self, id: usize) -> i64 {
        let mut total = 0i64;
        let mut stack = vec![id];
        while let Some(n) = stack.pop() {
            total = total.wrapping_add(self.nodes[n].info.size);
            stack.extend(self.nodes[n].children.values().copied());
        }
        total
    }

    /// Every node but the root, children before their parent, siblings in
    /// bytewise name order: dive's `VisitDepthChildFirst`. `f` gets the node
    /// and the names from the root down to it; returning `false` stops the
    /// walk (dive's visitor returning an error).
    pub fn visit_child_first<F: FnMut(usize, &[&[u8]]) -> bool>(&self, mut f: F) {
        // Iterative post-order: (node, iterator position over its children).
        let mut stack: Vec<(usize, ChildIds<'_>)> =
            vec![(ROOT, self.nodes[ROOT].children.values())];
        let mut names: Vec<&[u8]> = Vec::new();
        while let Some((node, iter)) = stack.last_mut() {
            let node = *node;
            match iter.next().copied() {
                Some(child) => {
                    names.push(&self.nodes[child].name);
                    stack.push((child, self.nodes[child].children.values()));
                }
                None => {
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
    }

    /// dive's `FileTree.Stack(upper)`: visit `upper` child-first; a node
    /// whose name starts with `.wh.` removes the node found at its dive path
    /// (a missing path is only logged by dive); any other node is added with
    /// `AddPath(node.Path(), payload)`, which `path.Clean`s the path first.
    pub fn stack(&mut self, upper: &Tree) {
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
    let mut raw = Vec::new();
    raw.push(b'/');
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            raw.push(b'/');
        }
        let name = if i + 1 == names.len() {
            name.strip_prefix(WHITEOUT_PREFIX).unwrap_or(name)
        } else {
            name
        };
        raw.extend_from_slice(name);
    }
    let mut out = Vec::with_capacity(raw.len());
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
    out
}

/// The names of Go's `path.Clean(path)`, as dive's `AddPath` splits them:
/// empty and `.` names dropped, `..` cancelling the name before it; a `..`
/// that cannot cancel anything is dropped at the root of a rooted path and
/// kept in a relative one.
pub(crate) fn go_clean_components(path: &[u8]) -> Vec<&[u8]> {
    let rooted = path.first() == Some(&b'/');
    let mut out: Vec<&[u8]> = Vec::new();
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
    out
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
