//! Property test: random sequences of small layers, checked against a
//! brute-force model that materialises each filesystem state naively as a
//! map of full paths (no arena, no two-phase trick: prefix scans).

use crate::support::layers;

use std::collections::BTreeMap;

use layers::LayerTar;
use layerscope_core::layer::Changeset;
use layerscope_core::overlay::{Cause, NodeId, Overlay};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    File(String, usize),
    Dir(String),
    Symlink(String),
    /// Hardlink to the n-th file written earlier in this layer, if any.
    Hardlink(String, usize),
    Whiteout(String),
    Opaque(String),
}

fn path() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(vec!["a", "b", "c"]), 1..4).prop_map(|v| v.join("/"))
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (path(), 1usize..50).prop_map(|(p, s)| Op::File(p, s)),
        1 => path().prop_map(Op::Dir),
        1 => path().prop_map(Op::Symlink),
        1 => (path(), 0usize..4).prop_map(|(p, n)| Op::Hardlink(p, n)),
        2 => path().prop_map(Op::Whiteout),
        1 => prop_oneof![Just(String::new()), path()].prop_map(Op::Opaque),
    ]
}

fn build_layer(ops: &[Op], seed: u8) -> Changeset {
    let mut t = LayerTar::new();
    let mut files: Vec<String> = Vec::new();
    for (k, op) in ops.iter().enumerate() {
        t = match op {
            Op::File(p, s) => {
                files.push(p.clone());
                t.file(p, *s, seed.wrapping_add(k as u8))
            }
            Op::Dir(p) => t.dir(p),
            Op::Symlink(p) => t.symlink(p, "target"),
            Op::Hardlink(p, n) => match files.get(*n) {
                Some(target) if target != p => t.hardlink(p, target),
                _ => t,
            },
            Op::Whiteout(p) => t.whiteout(p),
            Op::Opaque(p) => t.opaque(p),
        };
    }
    t.scan()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Dir,
    File(usize), // inode id
    Other,
}

/// Inode id -> (layer, entry, size); and the outcome of each inode.
struct Model {
    fs: BTreeMap<Vec<u8>, Kind>,
    inodes: Vec<(u32, u32, u64)>,
    gone: BTreeMap<usize, (u32, Cause)>,
}

impl Model {
    fn is_under(p: &[u8], dir: &[u8]) -> bool {
        if dir.is_empty() {
            return !p.is_empty();
        }
        p.len() > dir.len() && p.starts_with(dir) && p[dir.len()] == b'/'
    }

    /// Remove one path; if that was its inode's last path, record the cause.
    fn remove(&mut self, p: &[u8], layer: u32, cause: Cause) {
        if let Some(Kind::File(id)) = self.fs.remove(p) {
            if !self.fs.values().any(|k| *k == Kind::File(id)) {
                self.gone.insert(id, (layer, cause));
            }
        }
    }

    fn remove_tree(&mut self, p: &[u8], layer: u32) {
        let under: Vec<Vec<u8>> = self
            .fs
            .keys()
            .filter(|k| Self::is_under(k, p))
            .cloned()
            .collect();
        for k in under {
            self.remove(&k, layer, Cause::Removed);
        }
        if !p.is_empty() {
            self.remove(p, layer, Cause::Removed);
        }
    }

    fn mkdir_parents(&mut self, p: &[u8], layer: u32) {
        let comps: Vec<&[u8]> = p.split(|&b| b == b'/').collect();
        for n in 1..comps.len() {
            let anc = comps[..n].join(&b'/');
            match self.fs.get(&anc) {
                Some(Kind::Dir) => {}
                Some(_) => {
                    self.remove(&anc, layer, Cause::Removed);
                    self.fs.insert(anc, Kind::Dir);
                }
                None => {
                    self.fs.insert(anc, Kind::Dir);
                }
            }
        }
    }

    fn apply(&mut self, layer: u32, cs: &Changeset) {
        use layerscope_core::layer::EntryKind as E;
        // Whiteouts against the lower state: snapshot the lower paths first.
        let lower: Vec<Vec<u8>> = self.fs.keys().cloned().collect();
        for e in &cs.entries {
            match e.kind {
                E::Whiteout => self.remove_tree(&e.path, layer),
                E::OpaqueWhiteout
                    if e.path.is_empty() || self.fs.get(&e.path[..]) == Some(&Kind::Dir) =>
                {
                    for k in lower.iter().filter(|k| Self::is_under(k, &e.path)) {
                        if self.fs.contains_key(k) {
                            self.remove_tree(&k.clone(), layer);
                        }
                    }
                }
                _ => {}
            }
        }
        let mut this_layer: BTreeMap<Vec<u8>, usize> = BTreeMap::new();
        for (i, e) in cs.entries.iter().enumerate() {
            let p = e.path.to_vec();
            match e.kind {
                E::Whiteout => self.mkdir_parents(&p, layer),
                E::OpaqueWhiteout | E::Dir => {
                    if p.is_empty() {
                        continue;
                    }
                    self.mkdir_parents(&p, layer);
                    match self.fs.get(&p) {
                        Some(Kind::Dir) => {}
                        Some(_) => {
                            self.remove(&p, layer, Cause::Removed);
                            self.fs.insert(p, Kind::Dir);
                        }
                        None => {
                            self.fs.insert(p, Kind::Dir);
                        }
                    }
                }
                _ => {
                    self.mkdir_parents(&p, layer);
                    let new = match e.kind {
                        E::File => {
                            self.inodes.push((layer, i as u32, e.size));
                            this_layer.insert(p.clone(), self.inodes.len() - 1);
                            Kind::File(self.inodes.len() - 1)
                        }
                        E::Hardlink => {
                            let t = e.link().unwrap().to_vec();
                            match self.fs.get(&t) {
                                Some(Kind::File(id)) => Kind::File(*id),
                                Some(_) => Kind::Other,
                                None => Kind::Other,
                            }
                        }
                        _ => Kind::Other,
                    };
                    let regular = matches!(e.kind, E::File | E::Hardlink);
                    // Insert the new name first so a link to itself survives.
                    let old = self.fs.get(&p).copied();
                    match old {
                        Some(Kind::Dir) => {
                            self.remove_tree(&p, layer);
                            self.fs.insert(p, new);
                        }
                        Some(old) => {
                            self.fs.insert(p.clone(), new);
                            if let Kind::File(id) = old {
                                if !self.fs.values().any(|k| *k == Kind::File(id)) {
                                    let cause = if regular {
                                        Cause::Overwritten
                                    } else {
                                        Cause::Removed
                                    };
                                    self.gone.insert(id, (layer, cause));
                                }
                            }
                        }
                        None => {
                            self.fs.insert(p, new);
                        }
                    }
                    if let Kind::File(id) = new {
                        self.gone.remove(&id);
                    }
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn overlay_matches_the_naive_model(layers in prop::collection::vec(prop::collection::vec(op(), 0..7), 1..5)) {
        let changesets: Vec<Changeset> = layers
            .iter()
            .enumerate()
            .map(|(i, ops)| build_layer(ops, (i * 17) as u8))
            .collect();
        let mut m = Model { fs: BTreeMap::new(), inodes: Vec::new(), gone: BTreeMap::new() };
        for (i, cs) in changesets.iter().enumerate() {
            m.apply(i as u32, cs);
        }
        let o = Overlay::build(&changesets);
        prop_assert_eq!(o.inodes.len(), m.inodes.len());
        for (id, ino) in o.inodes.iter().enumerate() {
            prop_assert_eq!((ino.layer.get(), ino.entry.index() as u32, ino.size), m.inodes[id]);
            let expect = m.gone.get(&id).copied();
            let got = ino.gone.map(|g| (g.layer.get(), g.cause));
            prop_assert_eq!(got, expect, "inode {} ({:?})", id, String::from_utf8_lossy(&o.path(ino.node)));
        }
        // The final visible tree, path by path.
        let mut visible: BTreeMap<Vec<u8>, bool> = BTreeMap::new();
        for v in o.versions.iter().filter(|v| v.gone.is_none() && v.node != NodeId::ROOT) {
            visible.insert(o.path(v.node), v.kind == layerscope_core::layer::EntryKind::Dir);
        }
        let naive: BTreeMap<Vec<u8>, bool> = m.fs.iter().map(|(k, v)| (k.clone(), *v == Kind::Dir)).collect();
        prop_assert_eq!(visible, naive);
    }
}
