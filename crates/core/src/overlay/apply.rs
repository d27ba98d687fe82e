//! Applying one layer's changeset (OCI image-spec layer.md; waste-model.md
//! "Applying layers").
//!
//! Two phases per layer. Whiteouts only affect *lower* layers, and an opaque
//! whiteout removes lower children of its directory while the same layer's
//! entries under it stay; wherever the marker stands in the tar. So phase 1
//! applies every whiteout against the state the lower layers left; phase 2
//! applies the layer's other entries in tar order (the last entry for a path
//! wins). Paths are taken lexically: symlinks in lower layers are never
//! followed, as no path is ever resolved against a real filesystem.

use rustc_hash::FxHashSet;

use super::{
    Cause, EntryId, Gone, Inode, InodeId, Node, NodeId, Note, NoteKind, Overlay, Version, VersionId,
};
use crate::layer::{Changeset, Entry, EntryKind};
use crate::LayerIndex;

impl Overlay {
    /// Apply the next layer (bottom first).
    pub fn apply(&mut self, cs: &Changeset) {
        let layer = LayerIndex::new(self.layers);
        self.layers += 1;
        if self.node(NodeId::ROOT).current.is_none() {
            // The root directory exists from the first layer on.
            self.push_version(NodeId::ROOT, layer, None, EntryKind::Dir, None);
        }

        // Phase 1: whiteouts, against the lower layers' state.
        let mut whiteouts: FxHashSet<&[u8]> = FxHashSet::default();
        let mut opaque: FxHashSet<&[u8]> = FxHashSet::default();
        for e in &cs.entries {
            match e.kind {
                // A repeated marker changes nothing more, and walking a big
                // directory again for each copy would make a tiny layer cost
                // markers x children.
                EntryKind::Whiteout if !whiteouts.insert(&e.path) => {}
                EntryKind::OpaqueWhiteout if !opaque.insert(&e.path) => {}
                EntryKind::Whiteout => {
                    if let Some(node) = self.lookup(&e.path) {
                        if node != NodeId::ROOT {
                            self.remove_node(node, layer, Cause::Removed);
                        }
                    }
                }
                EntryKind::OpaqueWhiteout => {
                    if let Some(node) = self.lookup(&e.path) {
                        if self.is_dir_now(node) {
                            let kids = self.live_children(node);
                            for kid in kids {
                                self.remove_node(kid, layer, Cause::Removed);
                            }
                        }
                    }
                }
                _ => {}
            }
        }

        // Phase 2: everything else, in tar order.
        let mut last = LastPath::default();
        for (i, e) in cs.entries.iter().enumerate() {
            let i = EntryId::new(i);
            if e.path.split(|&b| b == b'/').any(|c| c == b"..") {
                self.note(NoteKind::DotDot, layer, &e.path);
            }
            match e.kind {
                EntryKind::Other => {}
                EntryKind::Whiteout => {
                    // The marker's directory exists in this layer.
                    self.ensure_parents(&e.path, layer, &mut last);
                }
                EntryKind::OpaqueWhiteout => {
                    let node = self.ensure_parents_and_node(&e.path, layer, &mut last);
                    self.make_dir(node, layer, None);
                }
                EntryKind::Dir => {
                    let node = self.ensure_parents_and_node(&e.path, layer, &mut last);
                    self.make_dir(node, layer, Some(i));
                }
                _ if e.path.is_empty() => self.note(NoteKind::EmptyName, layer, &e.path),
                _ => {
                    if whiteouts.contains(&e.path[..]) {
                        self.note(NoteKind::WhiteoutAndEntry, layer, &e.path);
                    }
                    let node = self.ensure_parents_and_node(&e.path, layer, &mut last);
                    self.put_non_dir(node, layer, i, e);
                }
            }
        }
    }

    fn is_dir_now(&self, node: NodeId) -> bool {
        self.node(node)
            .current
            .is_some_and(|cur| self.version(cur).kind == EntryKind::Dir)
    }

    fn node_mut(&mut self, id: NodeId) -> &mut Node {
        &mut self.nodes[id.index()]
    }

    fn version_mut(&mut self, id: VersionId) -> &mut Version {
        &mut self.versions[id.index()]
    }

    fn inode_mut(&mut self, id: InodeId) -> &mut Inode {
        &mut self.inodes[id.index()]
    }

    /// The child node `name` of `parent`, created if this path is new.
    fn child_or_create(&mut self, parent: NodeId, name: &[u8]) -> NodeId {
        let sym = self.names.intern(name);
        if let Some(n) = self.edge(parent, sym) {
            return n;
        }
        let id = NodeId::new(self.nodes.len());
        let next_sibling = self.node(parent).first_child;
        self.nodes.push(Node {
            name: sym,
            parent: Some(parent),
            first_child: None,
            next_sibling,
            current: None,
            last: None,
            live_children: 0,
        });
        self.node_mut(parent).first_child = Some(id);
        let nodes = &self.nodes;
        self.edges
            .insert_unique(super::edge_hash(parent, sym), id, |&c| {
                let n = &nodes[c.index()];
                super::edge_hash(n.parent.unwrap_or(NodeId::ROOT), n.name)
            });
        id
    }

    /// Make every ancestor of `path` a directory (implied parents) and
    /// return the node of `path` itself (created if new).
    ///
    /// `last` holds the nodes of the previous path's components: a path
    /// names the same node for as long as the overlay lives (nodes and
    /// edges are only ever added), so the components this path shares with
    /// the previous one (tar entries come grouped by directory) are not
    /// looked up again. Each ancestor is still checked to be a directory
    /// now: an entry in between may have replaced one.
    fn ensure_parents_and_node(
        &mut self,
        path: &[u8],
        layer: LayerIndex,
        last: &mut LastPath,
    ) -> NodeId {
        let mut node = NodeId::ROOT;
        if path.is_empty() {
            return node;
        }
        let mut k = 0;
        let mut start = 0;
        let mut same = true;
        let mut comps = path.split(|&b| b == b'/').peekable();
        while let Some(comp) = comps.next() {
            let end = start + comp.len();
            same =
                same && last.ends.get(k) == Some(&end) && last.path.get(start..end) == Some(comp);
            if same {
                node = last.nodes[k];
            } else {
                node = self.child_or_create(node, comp);
                last.ends.truncate(k);
                last.nodes.truncate(k);
                last.ends.push(end);
                last.nodes.push(node);
            }
            if comps.peek().is_some() && !self.is_dir_now(node) {
                self.make_dir(node, layer, None);
            }
            k += 1;
            start = end + 1;
        }
        if !same || last.ends.len() != k {
            last.ends.truncate(k);
            last.nodes.truncate(k);
            last.path.clear();
            last.path.extend_from_slice(path);
        }
        node
    }

    fn ensure_parents(&mut self, path: &[u8], layer: LayerIndex, last: &mut LastPath) {
        if let Some(slash) = path.iter().rposition(|&b| b == b'/') {
            let parent = self.ensure_parents_and_node(&path[..slash], layer, last);
            if !self.is_dir_now(parent) {
                self.make_dir(parent, layer, None);
            }
        }
    }

    /// Put a directory at `node`: over a directory it merges; over anything
    /// else the old thing is removed (a directory took its place).
    /// `entry` is `None` for an implied directory, which never supersedes an
    /// existing directory's metadata.
    fn make_dir(&mut self, node: NodeId, layer: LayerIndex, entry: Option<EntryId>) {
        if let Some(cur) = self.node(node).current {
            if self.version(cur).kind == EntryKind::Dir {
                if entry.is_none() {
                    return;
                }
                self.end_version(cur, layer, Cause::Merged);
            } else {
                self.end_version(cur, layer, Cause::Removed);
            }
        }
        self.push_version(node, layer, entry, EntryKind::Dir, None);
    }

    /// Put a regular file, hardlink, symlink or special file at `node`.
    fn put_non_dir(&mut self, node: NodeId, layer: LayerIndex, entry: EntryId, e: &Entry) {
        // Resolve the inode first: a hardlink may name the very path it
        // replaces, and the new name must count before the old one goes.
        let inode = match e.kind {
            EntryKind::File => {
                let id = InodeId::new(self.inodes.len());
                self.inodes.push(Inode {
                    layer,
                    entry,
                    node,
                    size: e.size,
                    live_names: 0,
                    gone: None,
                });
                Some(id)
            }
            EntryKind::Hardlink => self.resolve_hardlink(e, layer),
            _ => None,
        };
        let new = self.push_version(node, layer, Some(entry), e.kind, inode);
        let cur = self.version(new).prev;
        if let Some(cur) = cur.filter(|&cur| self.version(cur).gone.is_none()) {
            if self.version(cur).kind == EntryKind::Dir {
                // A non-directory replaces a directory: the whole subtree goes.
                let kids = self.live_children(node);
                for kid in kids {
                    self.remove_node(kid, layer, Cause::Removed);
                }
                self.end_version(cur, layer, Cause::Removed);
            } else {
                let cause = match e.kind {
                    EntryKind::File | EntryKind::Hardlink => Cause::Overwritten,
                    _ => Cause::Removed,
                };
                self.end_version(cur, layer, cause);
            }
        }
    }

    /// A hardlink names an earlier entry of the same layer (waste-model.md):
    /// it shares that entry's inode.
    fn resolve_hardlink(&mut self, e: &Entry, layer: LayerIndex) -> Option<InodeId> {
        let target = e.link().unwrap_or(b"");
        let found = self.lookup(target).and_then(|n| self.node(n).current);
        match found {
            Some(v) => {
                let (ver_layer, inode) = {
                    let ver = self.version(v);
                    (ver.layer, ver.inode)
                };
                if ver_layer != layer && inode.is_some() {
                    self.note(NoteKind::HardlinkToLowerLayer, layer, &e.path);
                }
                inode
            }
            None => {
                self.note(NoteKind::HardlinkMissingTarget, layer, &e.path);
                None
            }
        }
    }

    /// Append a new visible version at `node`.
    fn push_version(
        &mut self,
        node: NodeId,
        layer: LayerIndex,
        entry: Option<EntryId>,
        kind: EntryKind,
        inode: Option<InodeId>,
    ) -> VersionId {
        let id = VersionId::new(self.versions.len());
        let prev = self.node(node).last;
        self.versions.push(Version {
            node,
            layer,
            entry,
            kind,
            inode,
            gone: None,
            prev,
        });
        let n = self.node_mut(node);
        n.last = Some(id);
        let was_gone = n.current.is_none();
        n.current = Some(id);
        if let Some(parent) = n.parent.filter(|_| was_gone) {
            self.node_mut(parent).live_children += 1;
        }
        if let Some(inode) = inode {
            let ino = self.inode_mut(inode);
            ino.live_names += 1;
            ino.gone = None;
        }
        id
    }

    /// End a visible version; when it was its inode's last visible name, the
    /// inode is hidden by this event.
    fn end_version(&mut self, v: VersionId, layer: LayerIndex, cause: Cause) {
        let ver = self.version_mut(v);
        debug_assert!(ver.gone.is_none());
        ver.gone = Some(Gone { layer, cause });
        let (node, inode) = (ver.node, ver.inode);
        if self.node(node).current == Some(v) {
            self.node_mut(node).current = None;
            if let Some(parent) = self.node(node).parent {
                self.node_mut(parent).live_children -= 1;
            }
        }
        if let Some(inode) = inode {
            let ino = self.inode_mut(inode);
            ino.live_names -= 1;
            if ino.live_names == 0 {
                ino.gone = Some(Gone { layer, cause });
            }
        }
    }

    /// The children of `node` visible now. Cheap when there are none: a
    /// directory emptied once is not walked again (an image can fill a
    /// directory once and replace it thousands of times).
    fn live_children(&self, node: NodeId) -> Vec<NodeId> {
        if self.node(node).live_children == 0 {
            return Vec::new();
        }
        self.children(node)
            .filter(|&c| self.node(c).current.is_some())
            .collect()
    }

    /// Remove a node and its whole subtree (children first).
    fn remove_node(&mut self, node: NodeId, layer: LayerIndex, cause: Cause) {
        let mut stack = vec![node];
        let mut order = Vec::new();
        while let Some(n) = stack.pop() {
            if let Some(cur) = self.node(n).current {
                order.push(cur);
                stack.extend(self.live_children(n));
            }
        }
        for cur in order.into_iter().rev() {
            self.end_version(cur, layer, cause);
        }
    }

    fn note(&mut self, kind: NoteKind, layer: LayerIndex, path: &[u8]) {
        // Notes are pushed layer by layer: only the current layer's, at the
        // end, can match (searching all would cost entries x layers).
        if let Some(n) = self
            .notes
            .iter_mut()
            .rev()
            .take_while(|n| n.layer == layer)
            .find(|n| n.kind == kind)
        {
            n.count += 1;
            return;
        }
        self.notes.push(Note {
            kind,
            layer,
            count: 1,
            example: path.into(),
        });
    }
}

/// The previous path [`Overlay::ensure_parents_and_node`] resolved: its
/// bytes, and per component its end in them and its node.
#[derive(Default)]
struct LastPath {
    path: Vec<u8>,
    ends: Vec<usize>,
    nodes: Vec<NodeId>,
}
