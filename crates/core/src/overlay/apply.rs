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

use super::{Cause, Gone, Inode, Node, Note, NoteKind, Overlay, Version, NONE};
use crate::layer::{Changeset, Entry, EntryKind};

impl Overlay {
    /// Apply the next layer (bottom first).
    pub fn apply(&mut self, cs: &Changeset) {
        let layer = self.layers;
        self.layers += 1;
        if self.nodes[0].current == NONE {
            // The root directory exists from the first layer on.
            self.push_version(0, layer, NONE, EntryKind::Dir, NONE);
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
                        if node != 0 {
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
        for (i, e) in cs.entries.iter().enumerate() {
            let i = u32::try_from(i).expect("fewer than 2^32 entries per layer");
            if e.path.split(|&b| b == b'/').any(|c| c == b"..") {
                self.note(NoteKind::DotDot, layer, &e.path);
            }
            match e.kind {
                EntryKind::Other => {}
                EntryKind::Whiteout => {
                    // The marker's directory exists in this layer.
                    self.ensure_parents(&e.path, layer);
                }
                EntryKind::OpaqueWhiteout => {
                    let node = self.ensure_parents_and_node(&e.path, layer);
                    self.make_dir(node, layer, NONE);
                }
                EntryKind::Dir => {
                    let node = self.ensure_parents_and_node(&e.path, layer);
                    self.make_dir(node, layer, i);
                }
                _ if e.path.is_empty() => self.note(NoteKind::EmptyName, layer, &e.path),
                _ => {
                    if whiteouts.contains(&e.path[..]) {
                        self.note(NoteKind::WhiteoutAndEntry, layer, &e.path);
                    }
                    let node = self.ensure_parents_and_node(&e.path, layer);
                    self.put_non_dir(node, layer, i, e);
                }
            }
        }
    }

    fn is_dir_now(&self, node: u32) -> bool {
        let cur = self.nodes[node as usize].current;
        cur != NONE && self.versions[cur as usize].kind == EntryKind::Dir
    }

    /// The child node `name` of `parent`, created if this path is new.
    fn child_or_create(&mut self, parent: u32, name: &[u8]) -> u32 {
        let sym = self.names.intern(name);
        if let Some(&n) = self.edges.get(&(parent, sym)) {
            return n;
        }
        let id = u32::try_from(self.nodes.len()).expect("fewer than 2^32 paths");
        let next_sibling = self.nodes[parent as usize].first_child;
        self.nodes.push(Node {
            name: sym,
            parent,
            first_child: NONE,
            next_sibling,
            current: NONE,
            last: NONE,
            live_children: 0,
        });
        self.nodes[parent as usize].first_child = id;
        self.edges.insert((parent, sym), id);
        id
    }

    /// Make every ancestor of `path` a directory (implied parents) and
    /// return the node of `path` itself (created if new).
    fn ensure_parents_and_node(&mut self, path: &[u8], layer: u32) -> u32 {
        if path.is_empty() {
            return 0;
        }
        let mut node = 0;
        let mut comps = path.split(|&b| b == b'/').peekable();
        while let Some(comp) = comps.next() {
            node = self.child_or_create(node, comp);
            if comps.peek().is_some() && !self.is_dir_now(node) {
                self.make_dir(node, layer, NONE);
            }
        }
        node
    }

    fn ensure_parents(&mut self, path: &[u8], layer: u32) {
        if let Some(slash) = path.iter().rposition(|&b| b == b'/') {
            let parent = self.ensure_parents_and_node(&path[..slash], layer);
            if !self.is_dir_now(parent) {
                self.make_dir(parent, layer, NONE);
            }
        }
    }

    /// Put a directory at `node`: over a directory it merges; over anything
    /// else the old thing is removed (a directory took its place).
    /// `entry` is NONE for an implied directory, which never supersedes an
    /// existing directory's metadata.
    fn make_dir(&mut self, node: u32, layer: u32, entry: u32) {
        let cur = self.nodes[node as usize].current;
        if cur != NONE {
            if self.versions[cur as usize].kind == EntryKind::Dir {
                if entry == NONE {
                    return;
                }
                self.end_version(cur, layer, Cause::Merged);
            } else {
                self.end_version(cur, layer, Cause::Removed);
            }
        }
        self.push_version(node, layer, entry, EntryKind::Dir, NONE);
    }

    /// Put a regular file, hardlink, symlink or special file at `node`.
    fn put_non_dir(&mut self, node: u32, layer: u32, entry: u32, e: &Entry) {
        // Resolve the inode first: a hardlink may name the very path it
        // replaces, and the new name must count before the old one goes.
        let inode = match e.kind {
            EntryKind::File => {
                let id = u32::try_from(self.inodes.len()).expect("fewer than 2^32 inodes");
                self.inodes.push(Inode {
                    layer,
                    entry,
                    node,
                    size: e.size,
                    live_names: 0,
                    gone: None,
                });
                id
            }
            EntryKind::Hardlink => self.resolve_hardlink(e, layer),
            _ => NONE,
        };
        let new = self.push_version(node, layer, entry, e.kind, inode);
        let cur = self.versions[new as usize].prev;
        if cur != NONE && self.versions[cur as usize].gone.is_none() {
            if self.versions[cur as usize].kind == EntryKind::Dir {
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
    fn resolve_hardlink(&mut self, e: &Entry, layer: u32) -> u32 {
        let target = e.link.as_deref().unwrap_or(b"");
        let found = self
            .lookup(target)
            .map(|n| self.nodes[n as usize].current)
            .filter(|&v| v != NONE);
        match found {
            Some(v) => {
                let (ver_layer, inode) = {
                    let ver = &self.versions[v as usize];
                    (ver.layer, ver.inode)
                };
                if ver_layer != layer && inode != NONE {
                    self.note(NoteKind::HardlinkToLowerLayer, layer, &e.path);
                }
                inode
            }
            None => {
                self.note(NoteKind::HardlinkMissingTarget, layer, &e.path);
                NONE
            }
        }
    }

    /// Append a new visible version at `node`.
    fn push_version(
        &mut self,
        node: u32,
        layer: u32,
        entry: u32,
        kind: EntryKind,
        inode: u32,
    ) -> u32 {
        let id = u32::try_from(self.versions.len()).expect("fewer than 2^32 versions");
        let prev = self.nodes[node as usize].last;
        self.versions.push(Version {
            node,
            layer,
            entry,
            kind,
            inode,
            gone: None,
            prev,
        });
        let n = &mut self.nodes[node as usize];
        n.last = id;
        let was_gone = n.current == NONE;
        n.current = id;
        let parent = n.parent;
        if was_gone && parent != NONE {
            self.nodes[parent as usize].live_children += 1;
        }
        if inode != NONE {
            let ino = &mut self.inodes[inode as usize];
            ino.live_names += 1;
            ino.gone = None;
        }
        id
    }

    /// End a visible version; when it was its inode's last visible name, the
    /// inode is hidden by this event.
    fn end_version(&mut self, v: u32, layer: u32, cause: Cause) {
        let ver = &mut self.versions[v as usize];
        debug_assert!(ver.gone.is_none());
        ver.gone = Some(Gone { layer, cause });
        let (node, inode) = (ver.node, ver.inode);
        if self.nodes[node as usize].current == v {
            self.nodes[node as usize].current = NONE;
            let parent = self.nodes[node as usize].parent;
            if parent != NONE {
                self.nodes[parent as usize].live_children -= 1;
            }
        }
        if inode != NONE {
            let ino = &mut self.inodes[inode as usize];
            ino.live_names -= 1;
            if ino.live_names == 0 {
                ino.gone = Some(Gone { layer, cause });
            }
        }
    }

    /// The children of `node` visible now. Cheap when there are none: a
    /// directory emptied once is not walked again (an image can fill a
    /// directory once and replace it thousands of times).
    fn live_children(&self, node: u32) -> Vec<u32> {
        if self.nodes[node as usize].live_children == 0 {
            return Vec::new();
        }
        self.children(node)
            .filter(|&c| self.nodes[c as usize].current != NONE)
            .collect()
    }

    /// Remove a node and its whole subtree (children first).
    fn remove_node(&mut self, node: u32, layer: u32, cause: Cause) {
        let mut stack = vec![node];
        let mut order = Vec::new();
        while let Some(n) = stack.pop() {
            if self.nodes[n as usize].current == NONE {
                continue;
            }
            order.push(n);
            stack.extend(self.live_children(n));
        }
        for n in order.into_iter().rev() {
            let cur = self.nodes[n as usize].current;
            self.end_version(cur, layer, cause);
        }
    }

    fn note(&mut self, kind: NoteKind, layer: u32, path: &[u8]) {
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
