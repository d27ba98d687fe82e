//! Every byte attributed to the package that installed it (docs/packages.md).
//!
//! The layer pass keeps the content of package database files
//! ([`capture`]); here each layer's view of the databases is read back from
//! the overlay (the version of each database file visible as of that layer),
//! so installs, removals and upgrades are known per layer, and
//!
//! * a live regular-file inode belongs to every package the **final**
//!   databases list it for (paths resolved through the image's own
//!   symlinks, e.g. `/bin` → `usr/bin`);
//! * a hidden inode belongs to the packages the databases **as of the layer
//!   that added it** list it for.
//!
//! Pure: no printing, no I/O.

pub mod capture;
mod groups;
pub mod parse;
mod rpm;

pub use groups::{PackageRules, BUILTIN_GROUPS};

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::layer::{display_path, EntryKind};
use crate::overlay::{InodeId, NodeId, Overlay};
use crate::source::Image;
use crate::LayerIndex;
use parse::{Parsed, Stanza};

/// Which package manager's database lists a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Manager {
    Dpkg,
    Apk,
    Python,
    Conda,
    Npm,
    Rpm,
}

impl Manager {
    pub fn as_str(self) -> &'static str {
        match self {
            Manager::Dpkg => "dpkg",
            Manager::Apk => "apk",
            Manager::Python => "python",
            Manager::Conda => "conda",
            Manager::Npm => "npm",
            Manager::Rpm => "rpm",
        }
    }
}

/// One package ever installed in the image (in the final databases, or in
/// an earlier layer's and removed since).
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    pub manager: Manager,
    pub name: String,
    /// The version in the final databases; for a removed package, its last
    /// version.
    pub version: String,
    /// Where it is installed (Python: the site directory, conda: the
    /// prefix, npm: the package directory; `/` for dpkg and apk).
    pub location: String,
    /// Content bytes of the live regular-file inodes the final databases
    /// list for it (each inode once).
    pub live_bytes: u64,
    /// Bytes of hidden inodes it owned in the databases of the layer that
    /// added them.
    pub hidden_bytes: u64,
    /// Number of those live inodes.
    pub files: u64,
    /// The layer whose databases first list it (after its last absence).
    pub installed_by: Option<LayerIndex>,
    /// The layer whose databases no longer list it (it is not in the
    /// final databases).
    pub removed_by: Option<LayerIndex>,
    /// The configured group its name matches (toolchain, docs, locales, …).
    pub group: Option<String>,
    /// apt marked it automatically installed (extended_states).
    pub auto_installed: bool,
    /// Auto-installed, no installed package depends on it (Depends,
    /// Pre-Depends, or a name it provides), and one recommends it.
    pub recommended_only: bool,
    /// Its live inodes, sorted (front ends list its files from these).
    pub inodes: Vec<InodeId>,
    /// Bytes `strip --strip-unneeded` would remove from its live ELF files
    /// (set by the analysis: `analysis::Unstripped`).
    pub strippable_bytes: u64,
}

/// Package changes a layer made to the databases.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerPackages {
    pub installed: u64,
    pub removed: u64,
    pub upgraded: u64,
}

/// A database file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbProblem {
    pub layer: LayerIndex,
    /// Absolute display path.
    pub path: String,
    pub message: String,
}

/// The package figures of an image.
#[derive(Debug, Clone, Default)]
pub struct Packages {
    /// Largest first (live + hidden bytes), then manager and name.
    pub list: Vec<Package>,
    /// Per layer.
    pub layers: Vec<LayerPackages>,
    /// Live bytes of inodes owned by at least one package.
    pub live_bytes: u64,
    pub problems: Vec<DbProblem>,
    /// Per inode of the overlay: index into `list` of its first owner.
    pub owner: Vec<Option<u32>>,
    /// Python projects a dpkg package ships (`.dist-info`/`.egg-info` in its
    /// list): (normalised project, package name, absolute display path of
    /// the directory), to tell a pip install of the same project.
    pub distro_python: Vec<(String, String, String)>,
}

type Key = (Manager, String, Box<[u8]>);

/// One package as a snapshot of the databases shows it.
struct View<'a> {
    version: &'a str,
    files: Vec<&'a [Box<[u8]>]>,
    /// npm: it owns its directory.
    owns_dir: bool,
    stanza: Option<&'a Stanza>,
}

struct Snapshot<'a> {
    pkgs: BTreeMap<Key, View<'a>>,
    auto: BTreeSet<&'a str>,
}

/// A database file version's content, parsed once.
enum Db {
    Parsed(Parsed),
    Bad,
}

impl Packages {
    /// Read every layer's databases and attribute the inodes.
    pub fn build(image: &Image, overlay: &Overlay, rules: &PackageRules) -> Packages {
        let n = image.layers.len();
        let mut out = Packages {
            layers: vec![LayerPackages::default(); n],
            owner: vec![None; overlay.inodes.len()],
            ..Packages::default()
        };
        // 1. Parse every captured version once.
        let mut dbs: HashMap<(usize, usize), Db> = HashMap::new();
        let mut db_nodes: BTreeSet<NodeId> = BTreeSet::new();
        for (li, layer) in image.layers.iter().enumerate() {
            for c in &layer.changeset.captured {
                let entry = &layer.changeset.entries[c.entry];
                let problem = |message: String| DbProblem {
                    layer: LayerIndex::from_index(li),
                    path: display_path(&entry.path),
                    message,
                };
                let db = match &c.content {
                    None => {
                        out.problems.push(problem(format!(
                            "{} bytes, over the {} bytes read from a package database: its packages are not counted",
                            entry.size,
                            capture::MAX_CAPTURE
                        )));
                        Db::Bad
                    }
                    Some(bytes) => match parse::parse(&entry.path, bytes) {
                        Ok(p) => Db::Parsed(p),
                        Err(e) => {
                            out.problems.push(problem(e));
                            Db::Bad
                        }
                    },
                };
                if capture::RPM_SQLITE.contains(&&*entry.path) {
                    if let Some(m) = rpm_wal(overlay, &entry.path, LayerIndex::from_index(li)) {
                        out.problems.push(problem(m));
                    }
                }
                dbs.insert((li, c.entry), db);
                if let Some(node) = overlay.lookup(&entry.path) {
                    db_nodes.insert(node);
                }
            }
        }
        rpm_other(overlay, n, &mut out.problems);
        if db_nodes.is_empty() {
            return out;
        }
        // 2. The layers that change what the databases say.
        let mut changed = vec![false; n];
        for &node in &db_nodes {
            for v in overlay.history(node) {
                let v = overlay.version(v);
                changed[v.layer.index()] = true;
                if let Some(g) = v.gone {
                    changed[g.layer.index()] = true;
                }
            }
        }
        // 3. One snapshot per changing layer.
        let mut snaps: Vec<Snapshot<'_>> = Vec::new();
        let mut snap_of: Vec<usize> = Vec::with_capacity(n);
        for k in LayerIndex::all(n) {
            if snaps.is_empty() || changed[k.index()] {
                snaps.push(snapshot(overlay, &dbs, &db_nodes, k));
            }
            snap_of.push(snaps.len() - 1);
        }
        // 4. Events between consecutive layers; every package ever seen.
        let mut all: BTreeMap<&Key, (Option<LayerIndex>, Option<LayerIndex>, String)> =
            BTreeMap::new();
        for k in 0..n {
            let cur = &snaps[snap_of[k]];
            let prev = (k > 0).then(|| &snaps[snap_of[k - 1]]);
            if k > 0 && snap_of[k] == snap_of[k - 1] {
                continue;
            }
            let li = LayerIndex::from_index(k);
            let lp = &mut out.layers[k];
            for (key, view) in &cur.pkgs {
                let before = prev.and_then(|p| p.pkgs.get(key));
                let slot = all.entry(key).or_insert((None, None, String::new()));
                match before {
                    None => {
                        lp.installed += 1;
                        slot.0 = Some(li);
                        slot.1 = None;
                    }
                    Some(b) if b.version != view.version => lp.upgraded += 1,
                    Some(_) => {}
                }
                slot.2 = view.version.to_string();
            }
            if let Some(p) = prev {
                for key in p.pkgs.keys().filter(|k| !cur.pkgs.contains_key(*k)) {
                    lp.removed += 1;
                    if let Some(slot) = all.get_mut(key) {
                        slot.1 = Some(li);
                    }
                }
            }
        }
        let final_snap = &snaps[snap_of[n - 1]];
        let keys: Vec<&Key> = all.keys().copied().collect();
        let index: HashMap<&Key, usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
        let mut pkgs: Vec<Package> = keys
            .iter()
            .map(|key| {
                let (installed_by, removed_by, version) = all[key].clone();
                Package {
                    manager: key.0,
                    name: key.1.clone(),
                    version,
                    location: display_path(&key.2),
                    live_bytes: 0,
                    hidden_bytes: 0,
                    files: 0,
                    installed_by,
                    removed_by,
                    group: rules.group_of(&key.1).map(str::to_string),
                    auto_installed: false,
                    recommended_only: false,
                    inodes: Vec::new(),
                    strippable_bytes: 0,
                }
            })
            .collect();
        recommended_only(final_snap, &index, &mut pkgs);
        out.distro_python = distro_python(final_snap);

        // 5. Live inodes: the final databases.
        let last = LayerIndex::from_index(n - 1);
        let owners = owner_map(image, overlay, final_snap, &index, last, None);
        let mut owned = vec![false; overlay.inodes.len()];
        for v in overlay.versions.iter().filter(|v| v.gone.is_none()) {
            let Some(inode) = v.inode else { continue };
            for p in owners.of(overlay, v.node) {
                pkgs[p].inodes.push(inode);
                owned[inode.index()] = true;
                if out.owner[inode.index()].is_none() {
                    out.owner[inode.index()] = Some(p as u32);
                }
            }
        }
        for p in &mut pkgs {
            p.inodes.sort_unstable();
            p.inodes.dedup();
            p.files = p.inodes.len() as u64;
            p.live_bytes = p.inodes.iter().map(|&i| overlay.inode(i).size).sum();
        }
        out.live_bytes = overlay
            .inode_ids()
            .filter(|(id, ino)| ino.is_live() && owned[id.index()])
            .map(|(_, ino)| ino.size)
            .sum();

        // 6. Hidden inodes: the databases of the layer that added them.
        let mut names: HashMap<InodeId, Vec<NodeId>> = HashMap::new();
        for v in &overlay.versions {
            if let Some(i) = v.inode {
                let ino = overlay.inode(i);
                if !ino.is_live() && v.layer == ino.layer {
                    names.entry(i).or_default().push(v.node);
                }
            }
        }
        // Only the hidden nodes' own names are looked up in each snapshot's
        // lists: `Resolver::resolve` finds a path's node by its last
        // component, so a listed path with another last name can never
        // resolve to a hidden node, and resolving it (every listed path,
        // once per snapshot) was most of this step's time (docs/packages.md).
        // Each snapshot is resolved as of the layer of its first hidden
        // inode, in inode order, as before.
        let mut wanted: HashMap<usize, (LayerIndex, HashSet<&[u8]>)> = HashMap::new();
        for (id, ino) in overlay.inode_ids().filter(|(_, i)| !i.is_live()) {
            let s = snap_of[ino.layer.index()];
            let w = wanted
                .entry(s)
                .or_insert_with(|| (ino.layer, HashSet::new()));
            for &node in names.get(&id).map(Vec::as_slice).unwrap_or(&[]) {
                w.1.insert(overlay.name(node));
            }
        }
        let mut maps: HashMap<usize, Owners> = HashMap::new();
        let mut hidden: Vec<(usize, InodeId)> = Vec::new();
        for (id, ino) in overlay.inode_ids().filter(|(_, i)| !i.is_live()) {
            let s = snap_of[ino.layer.index()];
            let map = maps.entry(s).or_insert_with(|| {
                let (k, only) = &wanted[&s];
                owner_map(image, overlay, &snaps[s], &index, *k, Some(only))
            });
            for &node in names.get(&id).map(Vec::as_slice).unwrap_or(&[]) {
                for p in map.of(overlay, node) {
                    hidden.push((p, id));
                    if out.owner[id.index()].is_none() {
                        out.owner[id.index()] = Some(p as u32);
                    }
                }
            }
        }
        hidden.sort_unstable();
        hidden.dedup();
        for (p, id) in hidden {
            pkgs[p].hidden_bytes += overlay.inode(id).size;
        }

        // 7. Largest first; owners follow the new order.
        let mut order: Vec<usize> = (0..pkgs.len()).collect();
        order.sort_by(|&a, &b| {
            let (x, y) = (&pkgs[a], &pkgs[b]);
            (y.live_bytes + y.hidden_bytes)
                .cmp(&(x.live_bytes + x.hidden_bytes))
                .then(x.manager.cmp(&y.manager))
                .then_with(|| x.name.cmp(&y.name))
                .then_with(|| x.location.cmp(&y.location))
        });
        let mut rank = vec![0u32; pkgs.len()];
        for (new, &old) in order.iter().enumerate() {
            rank[old] = new as u32;
        }
        for o in out.owner.iter_mut().flatten() {
            *o = rank[*o as usize];
        }
        let mut slots: Vec<Option<Package>> = pkgs.into_iter().map(Some).collect();
        out.list = order
            .iter()
            .map(|&i| slots[i].take().expect("each once"))
            .collect();
        out
    }

    /// The package that owns an inode first (largest first), if any.
    pub fn owner_of(&self, inode: InodeId) -> Option<&Package> {
        let i = (*self.owner.get(inode.index())?)?;
        self.list.get(i as usize)
    }
}

/// A non-empty `rpmdb.sqlite-wal` next to `path` as of layer `k`: the
/// changes rpm made since the last checkpoint are in it, and only the main
/// file is read.
fn rpm_wal(overlay: &Overlay, path: &[u8], k: LayerIndex) -> Option<String> {
    let wal = [path, b"-wal"].concat();
    let v = overlay.visible_version_at(overlay.lookup(&wal)?, k)?;
    let v = overlay.version(v);
    let size = overlay.inode(v.inode?).size;
    (v.kind == EntryKind::File && size > 0).then(|| {
        format!(
            "its write-ahead log {} holds {size} bytes not checkpointed: only the main file is read, packages changed since may be missing",
            display_path(&wal)
        )
    })
}

/// rpm databases in the final filesystem in a format not read: Berkeley
/// DB `Packages` (rpm < 4.16) and SUSE's ndb `Packages.db`.
fn rpm_other(overlay: &Overlay, n: usize, problems: &mut Vec<DbProblem>) {
    if n == 0 {
        return;
    }
    let last = LayerIndex::from_index(n - 1);
    for path in capture::RPM_OTHER {
        let Some(v) = overlay
            .lookup(path)
            .and_then(|node| overlay.visible_version_at(node, last))
        else {
            continue;
        };
        let v = overlay.version(v);
        if v.kind != EntryKind::File {
            continue;
        }
        let format = if path.ends_with(b".db") {
            "an ndb"
        } else {
            "a Berkeley DB"
        };
        problems.push(DbProblem {
            layer: v.layer,
            path: display_path(path),
            message: format!(
                "{format} rpm database: not read (only rpmdb.sqlite is, rpm >= 4.16): its packages are not counted"
            ),
        });
    }
}

/// The databases as of layer `k`.
fn snapshot<'a>(
    overlay: &Overlay,
    dbs: &'a HashMap<(usize, usize), Db>,
    db_nodes: &BTreeSet<NodeId>,
    k: LayerIndex,
) -> Snapshot<'a> {
    let mut stanzas: Vec<&'a Stanza> = Vec::new();
    let mut lists: HashMap<&'a str, Vec<&'a [Box<[u8]>]>> = HashMap::new();
    let mut auto = BTreeSet::new();
    let mut pkgs: BTreeMap<Key, View<'a>> = BTreeMap::new();
    // rpm: (read last, the packages); the `/usr/lib/sysimage` database is
    // read last so that it wins when both paths are regular files.
    let sysimage = overlay.lookup(capture::RPM_SQLITE[1]);
    let mut rpm: Vec<(bool, &'a [Stanza])> = Vec::new();
    for &node in db_nodes {
        let Some(v) = overlay.visible_version_at(node, k) else {
            continue;
        };
        let v = overlay.version(v);
        let Some(e) = v.entry else { continue };
        if v.kind != EntryKind::File {
            continue;
        }
        let Some(Db::Parsed(p)) = dbs.get(&(v.layer.index(), e.index())) else {
            continue;
        };
        match p {
            Parsed::DpkgStatus(s) => stanzas.extend(s.iter().filter(|s| s.installed)),
            Parsed::DpkgList(name, files) => {
                lists.entry(name.as_str()).or_default().push(files);
            }
            Parsed::AptAuto(names) => auto.extend(names.iter().map(String::as_str)),
            Parsed::Rpm(s) => rpm.push((Some(node) == sysimage, s)),
            Parsed::Apk(s) => {
                for s in s {
                    pkgs.insert(
                        (Manager::Apk, s.name.clone(), Box::default()),
                        View {
                            version: &s.version,
                            files: vec![&s.files],
                            owns_dir: false,
                            stanza: Some(s),
                        },
                    );
                }
            }
            Parsed::One(one) => {
                let manager = one.manager;
                pkgs.insert(
                    (manager, one.name.clone(), one.scope.clone()),
                    View {
                        version: &one.version,
                        files: vec![&one.files],
                        owns_dir: manager == Manager::Npm,
                        stanza: None,
                    },
                );
            }
        }
    }
    rpm.sort_by_key(|r| r.0);
    for s in rpm.into_iter().flat_map(|r| r.1) {
        pkgs.insert(
            (Manager::Rpm, s.name.clone(), Box::default()),
            View {
                version: &s.version,
                files: vec![&s.files],
                owns_dir: false,
                stanza: Some(s),
            },
        );
    }
    for s in stanzas {
        pkgs.insert(
            (Manager::Dpkg, s.name.clone(), Box::default()),
            View {
                version: &s.version,
                files: lists.remove(s.name.as_str()).unwrap_or_default(),
                owns_dir: false,
                stanza: Some(s),
            },
        );
    }
    Snapshot { pkgs, auto }
}

/// Mark apt's auto-installed packages, and those of them only recommended.
fn recommended_only(snap: &Snapshot<'_>, index: &HashMap<&Key, usize>, pkgs: &mut [Package]) {
    let mut depended: BTreeSet<&str> = BTreeSet::new();
    let mut recommended: BTreeSet<&str> = BTreeSet::new();
    let mut provides: HashMap<&str, Vec<&str>> = HashMap::new();
    for (key, v) in snap.pkgs.iter().filter(|(k, _)| k.0 == Manager::Dpkg) {
        if let Some(s) = v.stanza {
            depended.extend(parse::depends(s));
            recommended.extend(s.recommends.iter().map(String::as_str));
            provides.insert(key.1.as_str(), parse::provides(s).collect());
        }
    }
    for (key, _) in snap.pkgs.iter().filter(|(k, _)| k.0 == Manager::Dpkg) {
        let name = key.1.as_str();
        let p = &mut pkgs[index[key]];
        p.auto_installed = snap.auto.contains(name);
        let names = provides.get(name).cloned().unwrap_or_default();
        p.recommended_only = p.auto_installed
            && !names.iter().any(|n| depended.contains(n))
            && names.iter().any(|n| recommended.contains(n));
    }
}

/// (project, dpkg package) for every `.dist-info`/`.egg-info` directory a
/// dpkg package lists under a site directory.
fn distro_python(snap: &Snapshot<'_>) -> Vec<(String, String, String)> {
    let mut out = BTreeSet::new();
    for (key, v) in snap.pkgs.iter().filter(|(k, _)| k.0 == Manager::Dpkg) {
        for path in v.files.iter().flat_map(|f| f.iter()) {
            let (dir, name) = capture::split_last(path);
            if !capture::is_site_dir(dir) {
                continue;
            }
            let Ok(name) = std::str::from_utf8(name) else {
                continue;
            };
            if let Some(stem) = name
                .strip_suffix(".dist-info")
                .or_else(|| name.strip_suffix(".egg-info"))
            {
                let project = stem.split('-').next().unwrap_or_default();
                out.insert((
                    normalize_project(project),
                    key.1.clone(),
                    display_path(path),
                ));
            }
        }
    }
    out.into_iter().collect()
}

/// PEP 503 normalisation: lower case, runs of `-_.` become `-`.
pub fn normalize_project(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Who owns which node, as of one layer.
struct Owners {
    by_node: HashMap<NodeId, Vec<usize>>,
    /// npm package directories: they own everything below them but nested
    /// `node_modules`.
    dirs: HashMap<NodeId, usize>,
}

impl Owners {
    fn of(&self, overlay: &Overlay, node: NodeId) -> Vec<usize> {
        let mut out = self.by_node.get(&node).cloned().unwrap_or_default();
        if !self.dirs.is_empty() {
            let mut n = overlay.node(node).parent;
            while let Some(id) = n {
                if let Some(&p) = self.dirs.get(&id) {
                    out.push(p);
                    break;
                }
                if overlay.name(id) == b"node_modules" {
                    break;
                }
                n = overlay.node(id).parent;
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

fn owner_map(
    image: &Image,
    overlay: &Overlay,
    snap: &Snapshot<'_>,
    index: &HashMap<&Key, usize>,
    k: LayerIndex,
    only: Option<&HashSet<&[u8]>>,
) -> Owners {
    let mut r = Resolver {
        image,
        overlay,
        k,
        dirs: HashMap::new(),
    };
    let mut by_node: HashMap<NodeId, Vec<usize>> = HashMap::new();
    let mut dirs = HashMap::new();
    for (key, v) in &snap.pkgs {
        let p = index[key];
        if v.owns_dir {
            if let Some(node) = r.resolve(&key.2) {
                dirs.insert(node, p);
            }
        }
        for path in v.files.iter().flat_map(|f| f.iter()) {
            if only.is_some_and(|only| !only.contains(capture::split_last(path).1)) {
                continue;
            }
            if let Some(node) = r.resolve(path) {
                by_node.entry(node).or_default().push(p);
            }
        }
    }
    Owners { by_node, dirs }
}

/// Resolves database paths to overlay nodes as of one layer, following the
/// image's symlinks in directory components (never the last one), like
/// `lstat` in the unpacked filesystem would.
struct Resolver<'a> {
    image: &'a Image,
    overlay: &'a Overlay,
    k: LayerIndex,
    /// Resolved directories, by path.
    dirs: HashMap<Box<[u8]>, Option<NodeId>>,
}

/// Symlinks followed in one path at most (Linux's limit).
const MAX_HOPS: u32 = 40;

impl Resolver<'_> {
    fn resolve(&mut self, path: &[u8]) -> Option<NodeId> {
        let (dir, name) = capture::split_last(path);
        if name.is_empty() {
            return None;
        }
        let parent = match self.dirs.get(dir) {
            Some(d) => *d,
            None => {
                let d = self.resolve_dir(dir);
                self.dirs.insert(dir.into(), d);
                d
            }
        };
        self.overlay.child(parent?, name)
    }

    /// A directory path, every component followed.
    fn resolve_dir(&self, dir: &[u8]) -> Option<NodeId> {
        let mut stack: Vec<Vec<u8>> = dir
            .split(|&b| b == b'/')
            .rev()
            .filter(|c| !c.is_empty())
            .map(<[u8]>::to_vec)
            .collect();
        let mut node = NodeId::ROOT;
        let mut hops = 0;
        while let Some(c) = stack.pop() {
            match c.as_slice() {
                b"." => continue,
                b".." => {
                    node = self.overlay.node(node).parent.unwrap_or(NodeId::ROOT);
                    continue;
                }
                _ => {}
            }
            let child = self.overlay.child(node, &c)?;
            let v = self.overlay.visible_version_at(child, self.k)?;
            let v = self.overlay.version(v);
            if v.kind == EntryKind::Symlink {
                hops += 1;
                if hops > MAX_HOPS {
                    return None;
                }
                let target = self.image.entry(v.layer, v.entry?).link()?;
                if target.first() == Some(&b'/') {
                    node = NodeId::ROOT;
                }
                stack.extend(
                    target
                        .split(|&b| b == b'/')
                        .rev()
                        .filter(|c| !c.is_empty())
                        .map(<[u8]>::to_vec),
                );
            } else {
                node = child;
            }
        }
        Some(node)
    }
}
