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
mod name_glob;
pub mod parse;
mod rpm;
mod short_names;

pub use groups::{PackageRules, BUILTIN_GROUPS};
pub use name_glob::NameGlobs;

use std::collections::hash_map::Entry;
use std::collections::BTreeSet;
use std::sync::Arc;

use rustc_hash::FxBuildHasher;

/// Fx-hashed: the keys are the image's own ids and names, hashed many
/// times per package.
type HashMap<K, V> = std::collections::HashMap<K, V, FxBuildHasher>;
type HashSet<K> = std::collections::HashSet<K, FxBuildHasher>;

use crate::layer::{display_path, ContentHash, EntryKind};
use crate::overlay::{InodeId, Interner, NodeId, Overlay, Sym, VersionId};
use crate::short_bytes;
use crate::source::Image;
use crate::LayerIndex;
use parse::{Parsed, PathList, Stanza};

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
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Packages {
    /// Largest first (live + hidden bytes), then manager and name.
    pub list: Vec<Package>,
    /// Per layer.
    pub layers: Vec<LayerPackages>,
    /// Live bytes of inodes owned by at least one package.
    pub live_bytes: u64,
    pub problems: Vec<DbProblem>,
    /// Per inode of the overlay: index into `list` of its first owner
    /// (empty when the image has no package database: no inode has one).
    pub owner: Vec<Option<u32>>,
    /// Python projects a dpkg package ships (`.dist-info`/`.egg-info` in its
    /// list): (normalised project, package name, absolute display path of
    /// the directory), to tell a pip install of the same project. Empty
    /// when the final databases hold no Python distribution: nothing to
    /// tell apart then.
    pub distro_python: Vec<(String, String, String)>,
}

/// (manager, name, location), borrowed from the parsed databases.
type Key<'a> = (Manager, &'a str, &'a [u8]);

/// Key order; two snapshots' keys often borrow the same bytes (a stanza
/// shared by two versions of the status file): equal without a look.
/// (Names compared without `memcmp`: `short_bytes`.)
fn key_cmp(a: &Key<'_>, b: &Key<'_>) -> std::cmp::Ordering {
    if a.0 == b.0 && std::ptr::eq(a.1, b.1) && std::ptr::eq(a.2, b.2) {
        return std::cmp::Ordering::Equal;
    }
    a.0.cmp(&b.0)
        .then_with(|| short_bytes::cmp(a.1.as_bytes(), b.1.as_bytes()))
        .then_with(|| short_bytes::cmp(a.2, b.2))
}

/// One package as a snapshot of the databases shows it.
struct View<'a> {
    version: &'a str,
    /// Its lists of paths.
    lists: Lists<'a>,
    /// npm: it owns its directory.
    owns_dir: bool,
    stanza: Option<&'a Stanza>,
}

/// One list of a package's paths: dpkg's as read (only dpkg's are read
/// back, by [`distro_python`]), and as [`Refs`] (those that can name a
/// node).
type List<'a> = (Option<&'a PathList>, Refs);

/// A package's lists: most have one (no allocation for it).
#[derive(Default)]
enum Lists<'a> {
    #[default]
    None,
    One(List<'a>),
    Many(Vec<List<'a>>),
}

impl<'a> Lists<'a> {
    fn push(&mut self, l: List<'a>) {
        *self = match std::mem::take(self) {
            Lists::None => Lists::One(l),
            Lists::One(a) => Lists::Many(vec![a, l]),
            Lists::Many(mut v) => {
                v.push(l);
                Lists::Many(v)
            }
        };
    }

    fn as_slice(&self) -> &[List<'a>] {
        match self {
            Lists::None => &[],
            Lists::One(l) => std::slice::from_ref(l),
            Lists::Many(v) => v,
        }
    }
}

struct Snapshot<'a> {
    /// Sorted by key, each key once.
    pkgs: Vec<(Key<'a>, View<'a>)>,
    auto: BTreeSet<&'a str>,
}

/// A database file version's content, parsed once; with its lists of
/// paths as [`Refs`] (one per list: a `.list`, RECORD, … has one, apk's
/// `installed` one per package).
enum Db<'a> {
    /// Its lists: a range of [`PathTable::lists`] (shared by the versions
    /// of a `.list` that hold the same bytes).
    Parsed(&'a Parsed, (u32, u32)),
    Bad,
}

/// A list of paths as runs of paths in one directory (an index into
/// [`PathTable`]) and their last names as the overlay interned them. Paths
/// whose last name no layer has are left out: they cannot name a node (nor
/// can an empty one). Listed paths come grouped by directory, so a
/// directory is resolved once per run, not once per path. Its runs and
/// names sit in the table's vectors, every list's together (no
/// allocation per list: pkgbench has 3,000 of them).
#[derive(Debug, Default, Clone, Copy)]
struct Refs {
    /// Where its names start in [`PathTable::names`].
    names: u32,
    /// Its runs: a range of [`PathTable::runs`].
    runs: (u32, u32),
}

/// Every directory of a listed path, once, with its parent directory (so
/// that each snapshot resolves a directory from its parent's resolution:
/// one edge lookup, no path string split or hashed per snapshot). Each
/// path is then one edge lookup from its directory's node.
#[derive(Default)]
struct PathTable {
    /// The directories' paths, each once, ids in order of first sight (one
    /// arena: a lookup compares bytes that sit together).
    dirs: Interner,
    /// Per directory: its parent's id and its last component (interned,
    /// `None` when no layer has that name: it resolves nowhere); `None`
    /// for the root (the empty path).
    up: Vec<Option<(u32, Option<Sym>)>>,
    /// Every list of every database file, by range ([`Db::Parsed`]).
    lists: Vec<Refs>,
    /// Every list's runs: (directory, end of its run in `names`).
    runs: Vec<(u32, u32)>,
    names: Vec<Sym>,
    /// The last names looked up, by their bytes.
    seen: short_names::ShortNames,
}

impl PathTable {
    /// Each run of a list: its directory and its names.
    fn runs(&self, list: Refs) -> impl Iterator<Item = (u32, &[Sym])> {
        let mut start = list.names as usize;
        self.runs[list.runs.0 as usize..list.runs.1 as usize]
            .iter()
            .map(move |&(dir, end)| {
                let names = &self.names[start..end as usize];
                start = end as usize;
                (dir, names)
            })
    }

    /// The lists of a database file ([`Db::Parsed`]).
    fn lists(&self, at: (u32, u32)) -> &[Refs] {
        &self.lists[at.0 as usize..at.1 as usize]
    }

    /// The id of a directory (normalised, no leading `/`), its parents
    /// added first.
    fn dir_id(&mut self, overlay: &Overlay, dir: &[u8]) -> u32 {
        if let Some(id) = self.dirs.get(dir) {
            return id;
        }
        // The parents first: ids follow `up`'s order.
        let up = (!dir.is_empty()).then(|| {
            let (parent, name) = capture::split_last(dir);
            (self.dir_id(overlay, parent), overlay.names.get(name))
        });
        let id = self.dirs.intern(dir);
        debug_assert_eq!(id as usize, self.up.len());
        self.up.push(up);
        id
    }

    fn refs<'p>(
        &mut self,
        overlay: &Overlay,
        paths: impl ExactSizeIterator<Item = &'p [u8]>,
    ) -> Refs {
        let count = |n: usize| u32::try_from(n).expect("fewer than 2^32 paths");
        let (names_from, runs_from) = (count(self.names.len()), count(self.runs.len()));
        self.names.reserve(paths.len());
        // Listed paths come grouped by directory: compare with the last
        // one before hashing.
        let mut last: Option<(&[u8], u32)> = None;
        for path in paths {
            let (dir, name) = capture::split_last(path);
            if name.is_empty() {
                continue;
            }
            let Some(name) = self.seen.get(&overlay.names, name) else {
                continue;
            };
            let dir = match last {
                Some((d, id)) if short_bytes::eq(d, dir) => id,
                _ => {
                    let id = self.dir_id(overlay, dir);
                    last = Some((dir, id));
                    id
                }
            };
            let end = count(self.names.len() + 1);
            match self.runs[runs_from as usize..].last_mut() {
                Some(run) if run.0 == dir => run.1 = end,
                _ => self.runs.push((dir, end)),
            }
            self.names.push(name);
        }
        Refs {
            names: names_from,
            runs: (runs_from, count(self.runs.len())),
        }
    }

    /// The path lists of a parsed database file, as [`Refs`] added to
    /// `lists`: their range there.
    fn of(&mut self, overlay: &Overlay, p: &Parsed) -> (u32, u32) {
        let from = self.lists.len();
        match p {
            Parsed::DpkgList(_, files) => {
                let r = self.refs(overlay, files.iter());
                self.lists.push(r);
            }
            Parsed::Apk(s) | Parsed::Rpm(s) => {
                for s in s {
                    let r = self.refs(overlay, s.files.iter().map(|p| &p[..]));
                    self.lists.push(r);
                }
            }
            Parsed::One(one) => {
                let r = self.refs(overlay, one.files.iter().map(|p| &p[..]));
                self.lists.push(r);
            }
            Parsed::DpkgStatus(_) | Parsed::AptAuto(_) => {}
        }
        (from as u32, self.lists.len() as u32)
    }
}

/// Every package database file the layer pass kept, parsed: the part of
/// the step that needs no overlay, so that the analysis can do it on a
/// second core while the overlay is built (docs/performance.md, packages
/// round 5). The readers parse some already, in the time a core waits for
/// the last layer to be read (round 6); each file is parsed once
/// ([`crate::layer::Captured::parse`]).
pub struct Databases {
    /// Whether any database file was kept (and the step is not skipped).
    kept: bool,
}

impl Databases {
    /// Parse what `image`'s layer pass kept and nobody parsed yet (nothing
    /// when `rules` skip the step).
    pub fn parse(image: &Image, rules: &PackageRules) -> Databases {
        let kept = !rules.skip
            && image
                .layers
                .iter()
                .any(|l| !l.changeset.captured.is_empty());
        if kept {
            parse_all(image);
        }
        Databases { kept }
    }

    /// Nothing to attribute: no database file kept, or the step skipped.
    pub fn is_empty(&self) -> bool {
        !self.kept
    }
}

impl Packages {
    /// Read every layer's databases and attribute the inodes.
    pub fn build(image: &Image, overlay: &Overlay, rules: &PackageRules) -> Packages {
        Packages::from_databases(image, overlay, rules, Databases::parse(image, rules))
    }

    /// [`Packages::build`] once [`Databases::parse`] has parsed the
    /// image's databases. The parsed contents stay with the layers' kept
    /// bytes (`layer::Captured`): `_parsed` only orders the two steps, and
    /// whatever is left unparsed (databases parsed under other rules) is
    /// parsed now.
    pub fn from_databases(
        image: &Image,
        overlay: &Overlay,
        rules: &PackageRules,
        _parsed: Databases,
    ) -> Packages {
        let n = image.layers.len();
        let mut out = Packages {
            layers: vec![LayerPackages::default(); n],
            ..Packages::default()
        };
        if rules.skip {
            return out;
        }
        // 1. Every captured version, parsed once.
        parse_all(image);
        // Sized once: pkgbench keeps 4,506 database files, and growing
        // the map rehashed it a dozen times (docs/performance.md, packages
        // round 14).
        let files: usize = image
            .layers
            .iter()
            .map(|l| l.changeset.captured.len())
            .sum();
        let mut dbs: HashMap<(usize, usize), Db<'_>> =
            HashMap::with_capacity_and_hasher(files, FxBuildHasher);
        let mut table = PathTable::default();
        let mut db_nodes: Vec<NodeId> = Vec::new();
        // The captured files sit in a few directories (dpkg's `info`
        // holds thousands): each directory is looked up once per run of
        // files in it, then each file is one edge from it.
        let mut dir_at: Option<(&[u8], Option<NodeId>)> = None;
        // dpkg `.list` bytes already turned into refs, by content hash:
        // the first file of each (hash, length) (another file of those
        // with other bytes gets its own refs).
        type ListSeen<'a> = (&'a [u8], (u32, u32));
        let mut lists_seen: HashMap<(ContentHash, usize), ListSeen<'_>> =
            HashMap::with_capacity_and_hasher(files, FxBuildHasher);
        for (li, layer) in image.layers.iter().enumerate() {
            for c in &layer.changeset.captured {
                let entry = &layer.changeset.entries[c.entry];
                let problem = |message: String| DbProblem {
                    layer: LayerIndex::from_index(li),
                    path: display_path(&entry.path),
                    message,
                };
                let db = match c.parsed() {
                    None => {
                        out.problems.push(problem(format!(
                            "{} bytes, over the {} bytes read from a package database: its packages are not counted",
                            entry.size,
                            capture::MAX_CAPTURE
                        )));
                        Db::Bad
                    }
                    Some(Ok(p)) => {
                        // An upgrade often rewrites a package's `.list`
                        // byte for byte (the same files): its paths are
                        // looked up once (the layer pass hashed the bytes;
                        // equal bytes are checked, not assumed).
                        let list = match (p, entry.hash, c.content.as_deref()) {
                            (Parsed::DpkgList(..), Some(h), Some(bytes)) => Some((h, bytes)),
                            _ => None,
                        };
                        let seen = list.and_then(|(h, bytes)| {
                            let &(b, refs) = lists_seen.get(&(h, bytes.len()))?;
                            (b == bytes).then_some(refs)
                        });
                        let refs = seen.unwrap_or_else(|| {
                            let refs = table.of(overlay, p);
                            if let Some((h, bytes)) = list {
                                lists_seen.entry((h, bytes.len())).or_insert((bytes, refs));
                            }
                            refs
                        });
                        Db::Parsed(p, refs)
                    }
                    Some(Err(e)) => {
                        out.problems.push(problem(e.clone()));
                        Db::Bad
                    }
                };
                if capture::RPM_SQLITE.contains(&&*entry.path) {
                    if let Some(m) = rpm_wal(overlay, &entry.path, LayerIndex::from_index(li)) {
                        out.problems.push(problem(m));
                    }
                }
                dbs.insert((li, c.entry), db);
                let (dir, name) = capture::split_last(&entry.path);
                let parent = match dir_at {
                    Some((d, node)) if short_bytes::eq(d, dir) => node,
                    _ => {
                        let node = overlay.lookup(dir);
                        dir_at = Some((dir, node));
                        node
                    }
                };
                if let Some(node) = parent.and_then(|p| overlay.child(p, name)) {
                    db_nodes.push(node);
                }
            }
        }
        rpm_other(overlay, n, &mut out.problems);
        if db_nodes.is_empty() {
            return out;
        }
        db_nodes.sort_unstable();
        db_nodes.dedup();
        // Only now: 8 bytes per inode, beside the classification's peak.
        out.owner = vec![None; overlay.inodes.len()];
        // 2. The layers that change what the databases say: per layer, the
        // database files whose visible version it changes (a version added
        // or hidden there).
        let mut changes: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (i, &node) in db_nodes.iter().enumerate() {
            for v in overlay.history(node) {
                let v = overlay.version(v);
                for l in std::iter::once(v.layer).chain(v.gone.map(|g| g.layer)) {
                    let c = &mut changes[l.index()];
                    if c.last() != Some(&(i as u32)) {
                        c.push(i as u32);
                    }
                }
            }
        }
        // dpkg's `.list` files by package name (the name is the file's).
        let mut lists: Vec<(&str, u32)> = Vec::new();
        for (i, &node) in db_nodes.iter().enumerate() {
            let name = overlay.history(node).find_map(|v| {
                let v = overlay.version(v);
                match dbs.get(&(v.layer.index(), v.entry?.index())) {
                    Some(Db::Parsed(Parsed::DpkgList(name, _), _)) => Some(name.as_str()),
                    _ => None,
                }
            });
            if let Some(name) = name {
                lists.push((name, i as u32));
            }
        }
        // By name: most names differ in their first 8 bytes, compared as
        // one number (a name's order is its bytes', and two names with
        // the same first 8 bytes are compared whole).
        let mut keyed: Vec<(u64, &str, u32)> = lists
            .iter()
            .map(|&(name, i)| (short_bytes::prefix(name.as_bytes()), name, i))
            .collect();
        keyed.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| short_bytes::cmp(a.1.as_bytes(), b.1.as_bytes()))
                .then(a.2.cmp(&b.2))
        });
        lists.clear();
        lists.extend(keyed.into_iter().map(|(_, name, i)| (name, i)));
        // 3. One snapshot per changing layer, each from the files the
        // previous one saw: only those the layer changes are looked at again.
        let mut snaps: Vec<Snapshot<'_>> = Vec::new();
        let mut snap_of: Vec<usize> = Vec::with_capacity(n);
        let mut cur: Vec<Option<&Db<'_>>> = vec![None; db_nodes.len()];
        for k in LayerIndex::all(n) {
            let c = &changes[k.index()];
            if snaps.is_empty() || !c.is_empty() {
                for &i in c {
                    cur[i as usize] = visible_db(overlay, &dbs, db_nodes[i as usize], k);
                }
                snaps.push(snapshot(overlay, &table, &cur, &db_nodes, &lists));
            }
            snap_of.push(snaps.len() - 1);
        }
        // 4. Events between consecutive layers; every package ever seen.
        // Consecutive snapshots are walked side by side in key order (no
        // lookups): a package the previous snapshot has keeps its id, only
        // the others are looked up. Ids are in order of first sight, then
        // renumbered in key order.
        type Seen<'a> = (Key<'a>, Option<LayerIndex>, Option<LayerIndex>, &'a str);
        let most = snaps.iter().map(|s| s.pkgs.len()).max().unwrap_or(0);
        let mut ids: HashMap<Key<'_>, u32> = HashMap::with_capacity_and_hasher(most, FxBuildHasher);
        let mut seen: Vec<Seen<'_>> = Vec::new();
        // Per snapshot: the id of each of its packages, in its order.
        let mut snap_ids: Vec<Vec<u32>> = vec![Vec::new(); snaps.len()];
        for k in 0..n {
            if k > 0 && snap_of[k] == snap_of[k - 1] {
                continue;
            }
            let cur = &snaps[snap_of[k]];
            let prev = (k > 0).then(|| (&snaps[snap_of[k - 1]].pkgs, &snap_ids[snap_of[k - 1]]));
            let li = LayerIndex::from_index(k);
            let lp = &mut out.layers[k];
            let mut cur_ids = Vec::with_capacity(cur.pkgs.len());
            // Both in key order: one merge (a key of the previous snapshot
            // passed over is one this snapshot removed).
            let mut j = 0;
            for (key, view) in &cur.pkgs {
                let mut before = None;
                if let Some((pp, pids)) = prev {
                    while let Some((k, v)) = pp.get(j) {
                        match key_cmp(k, key) {
                            std::cmp::Ordering::Less => {
                                lp.removed += 1;
                                seen[pids[j] as usize].2 = Some(li);
                                j += 1;
                            }
                            std::cmp::Ordering::Equal => {
                                before = Some((v, pids[j]));
                                j += 1;
                                break;
                            }
                            std::cmp::Ordering::Greater => break,
                        }
                    }
                }
                let id = match before {
                    Some((_, id)) => id,
                    None => *ids.entry(*key).or_insert_with(|| {
                        seen.push((*key, None, None, ""));
                        (seen.len() - 1) as u32
                    }),
                };
                let slot = &mut seen[id as usize];
                match before {
                    None => {
                        lp.installed += 1;
                        slot.1 = Some(li);
                        slot.2 = None;
                    }
                    Some((b, _)) if b.version != view.version => lp.upgraded += 1,
                    Some(_) => {}
                }
                slot.3 = view.version;
                cur_ids.push(id);
            }
            if let Some((pp, pids)) = prev {
                for &id in &pids[j.min(pp.len())..] {
                    lp.removed += 1;
                    seen[id as usize].2 = Some(li);
                }
            }
            snap_ids[snap_of[k]] = cur_ids;
        }
        let final_snap = &snaps[snap_of[n - 1]];
        // Key order: each id's index in the list.
        let mut order: Vec<u32> = (0..seen.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| seen[a as usize].0.cmp(&seen[b as usize].0));
        let mut rank = vec![0u32; seen.len()];
        for (i, &id) in order.iter().enumerate() {
            rank[id as usize] = i as u32;
        }
        for v in &mut snap_ids {
            for id in v {
                *id = rank[*id as usize];
            }
        }
        let final_ids = &snap_ids[snap_of[n - 1]];
        let mut pkgs: Vec<Package> = order
            .iter()
            .map(|&id| {
                let (key, installed_by, removed_by, version) = seen[id as usize];
                Package {
                    manager: key.0,
                    name: key.1.to_string(),
                    version: version.to_string(),
                    // dpkg's, apk's and rpm's: the root.
                    location: if key.2.is_empty() {
                        "/".to_string()
                    } else {
                        display_path(key.2)
                    },
                    live_bytes: 0,
                    hidden_bytes: 0,
                    files: 0,
                    installed_by,
                    removed_by,
                    group: rules.group_of(key.1).map(str::to_string),
                    auto_installed: false,
                    recommended_only: false,
                    inodes: Vec::new(),
                    strippable_bytes: 0,
                }
            })
            .collect();
        recommended_only(final_snap, final_ids, &mut pkgs);
        // Only the same project installed twice reads it: a pip install
        // must be in the image (pkgbench's 60,000 listed paths are not
        // looked at for nothing).
        if final_snap.pkgs.iter().any(|(k, _)| k.0 == Manager::Python) {
            out.distro_python = distro_python(final_snap);
        }

        // 5. Live inodes: the final databases. Each listed node's visible
        // version names its inode straight away (no map of owners per node:
        // only the hidden stage asks who owns a node).
        let last = LayerIndex::from_index(n - 1);
        let mut r = Resolver {
            image,
            overlay,
            k: last,
            dirs: HashMap::default(),
            since: std::cell::Cell::new(None),
        };
        let listed = Listed {
            snap: final_snap,
            ids: final_ids,
            table: &table,
            dirs: None,
        };
        // The final directories first: the hidden stage reuses them.
        let mut final_dirs = DirNodes::new(&table, None, true);
        listed.resolve_dirs(&r, &mut final_dirs);
        let settled = final_dirs.settled();
        let timeline = Timeline {
            snaps: &snaps,
            ids: &snap_ids,
            of: &snap_of,
        };
        let packages = pkgs.len();
        let hidden = || hidden_stage(image, overlay, &timeline, &table, &settled, packages);
        // 6. Hidden inodes, on a second thread when an earlier layer's
        // databases differ from the last (the only case with much to do):
        // the step is often the last of the analysis to end.
        let (live_bytes, hidden) = std::thread::scope(|s| {
            let beside = (snaps.len() > 1).then(|| s.spawn(hidden));
            let mut npm_dirs = HashMap::default();
            // Per inode, the owner it is shown with: of its live names, the
            // first (in version order) that some package lists; of that name's
            // packages, the first (key order): the least (version, package).
            let mut first: Vec<u64> = vec![u64::MAX; overlay.inodes.len()];
            // (package, inode), then each package's inodes in one allocation.
            let mut owned: Vec<(u32, InodeId)> = Vec::new();
            let mut own = |v: VersionId, inode: InodeId, p: u32| {
                owned.push((p, inode));
                let f = &mut first[inode.index()];
                *f = (*f).min((v.index() as u64) << 32 | u64::from(p));
            };
            listed.each(&mut r, &mut final_dirs, &mut npm_dirs, |node, p| {
                let Some(v) = overlay.node(node).current else {
                    return;
                };
                if let Some(inode) = overlay.version(v).inode {
                    own(v, inode, p);
                }
            });
            // npm: a package directory owns what is below it.
            let below = npm_below(overlay, &npm_dirs);
            if !below.is_empty() {
                for (i, v) in overlay.versions.iter().enumerate() {
                    let (Some(inode), Some(parent), None) =
                        (v.inode, overlay.node(v.node).parent, v.gone)
                    else {
                        continue;
                    };
                    let p = below[parent.index()];
                    if p != NO_PKG {
                        own(VersionId::new(i), inode, p);
                    }
                }
            }
            let mut count = vec![0usize; pkgs.len()];
            for &(p, _) in &owned {
                count[p as usize] += 1;
            }
            for (p, &c) in pkgs.iter_mut().zip(&count) {
                p.inodes = Vec::with_capacity(c);
            }
            for &(p, inode) in &owned {
                pkgs[p as usize].inodes.push(inode);
            }
            drop(owned);
            for p in &mut pkgs {
                p.inodes.sort_unstable();
                p.inodes.dedup();
                p.files = p.inodes.len() as u64;
                p.live_bytes = p.inodes.iter().map(|&i| overlay.inode(i).size).sum();
            }
            let mut live_bytes = 0;
            for ((owner, &f), ino) in out.owner.iter_mut().zip(&first).zip(&overlay.inodes) {
                if f != u64::MAX {
                    *owner = Some(f as u32);
                    live_bytes += ino.size;
                }
            }
            let hidden = match beside {
                Some(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
                None => hidden(),
            };
            (live_bytes, hidden)
        });
        out.live_bytes = live_bytes;
        for (p, bytes) in pkgs.iter_mut().zip(hidden.bytes) {
            p.hidden_bytes = bytes;
        }
        for (id, p) in hidden.owners {
            out.owner[id.index()] = Some(p);
        }

        // 7. Largest first, then by (manager, name, location); owners
        // follow the new order. `pkgs` is in key order already (manager,
        // name, scope) and the location is the scope as text: only
        // packages of one manager and name need their locations compared.
        // The sort compares compact keys, not the packages.
        let mut by_key: Vec<usize> = (0..pkgs.len()).collect();
        let mut from = 0;
        while from < pkgs.len() {
            let same = |p: &Package| p.manager == pkgs[from].manager && p.name == pkgs[from].name;
            let to = from + pkgs[from..].iter().take_while(|p| same(p)).count();
            if to - from > 1 {
                by_key[from..to].sort_by(|&a, &b| pkgs[a].location.cmp(&pkgs[b].location));
            }
            from = to;
        }
        let mut keys: Vec<(std::cmp::Reverse<u64>, u32)> = by_key
            .iter()
            .enumerate()
            .map(|(at, &p)| {
                let size = pkgs[p].live_bytes + pkgs[p].hidden_bytes;
                (std::cmp::Reverse(size), at as u32)
            })
            .collect();
        keys.sort_unstable();
        let order: Vec<usize> = keys.iter().map(|&(_, at)| by_key[at as usize]).collect();
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

/// Database bytes from which [`parse_all`] parses on several threads.
const PARALLEL_PARSE_BYTES: usize = 2 << 20;

/// Parse every captured file not parsed yet ([`crate::layer::Captured::parse`]),
/// on up to four threads when there is enough to parse
/// ([`PARALLEL_PARSE_BYTES`]): a Debian image rewrites its status file
/// (thousands of stanzas) in every RUN that installs something.
fn parse_all(image: &Image) {
    // Taken (and dropped at the end) even when nothing is left to parse:
    // the image would otherwise keep a copy of every stanza's text.
    let read = image.stanzas.take();
    let all = image.layers.iter().flat_map(|l| {
        l.changeset
            .captured
            .iter()
            .map(|c| (&l.changeset.entries[c.entry], c))
    });
    if !all.clone().any(|(_, c)| c.unparsed()) {
        return;
    }
    // dpkg `.list` files with the bytes of another (an upgrade that
    // rewrites a package's list as it was: on pkgbench a third of them)
    // share that one's paths instead of being read again: the layer pass
    // hashed every file, equal bytes are checked, not assumed. By (hash,
    // length): the lists parsed already (by the readers), then each first
    // of its bytes among the rest.
    type Bytes = (ContentHash, usize);
    type File<'a> = (&'a [u8], &'a crate::layer::Captured);
    let mut lists: HashMap<Bytes, File<'_>> = HashMap::default();
    let list_key = |e: &crate::layer::Entry, c: &crate::layer::Captured| {
        let len = c.content.as_deref()?.len();
        (parse::is_dpkg_list(&e.path)).then_some((e.hash?, len))
    };
    for (e, c) in all.clone() {
        if let (Some(key), Some(Ok(Parsed::DpkgList(..)))) = (list_key(e, c), c.parsed()) {
            lists.entry(key).or_insert((&e.path, c));
        }
    }
    // (path, the file, the file it has the bytes of).
    let mut copies: Vec<(&[u8], &crate::layer::Captured, File<'_>)> = Vec::new();
    let mut jobs: Vec<File<'_>> = Vec::new();
    for (e, c) in all.filter(|(_, c)| c.unparsed()) {
        if let Some(key) = list_key(e, c) {
            match lists.entry(key) {
                Entry::Occupied(first) if first.get().1.content == c.content => {
                    copies.push((&e.path, c, *first.get()));
                    continue;
                }
                // (Another file of that hash and length: read.)
                Entry::Occupied(_) => {}
                Entry::Vacant(v) => {
                    v.insert((&e.path, c));
                }
            }
        }
        jobs.push((&e.path, c));
    }
    parse_jobs(jobs, read);
    for (path, c, (first_path, first)) in copies {
        match first.parsed() {
            // The same path in another layer: the same name too.
            Some(Ok(Parsed::DpkgList(name, paths))) if path == first_path => {
                c.set_parsed(Ok(Parsed::DpkgList(name.clone(), Arc::clone(paths))))
            }
            Some(Ok(Parsed::DpkgList(_, paths))) => c.set_parsed(parse::shared_list(path, paths)),
            // Its name is not one (the bytes may be): read on its own.
            _ => {
                c.parse(path, &mut parse::StanzaMemo::default());
            }
        }
    }
}

/// Parse `jobs`, on several threads when they are large enough; `read`
/// holds the dpkg stanzas the readers parsed.
fn parse_jobs(jobs: Vec<(&[u8], &crate::layer::Captured)>, read: parse::StanzaMemo) {
    /// (path, the file).
    type Job<'a> = (&'a [u8], &'a crate::layer::Captured);
    if jobs.is_empty() {
        return;
    }
    // Each thread keeps the dpkg stanzas it read (parse::StanzaMemo); the
    // one that reads the status files starts from those the readers read.
    let run = |part: &[Job<'_>], mut memo: parse::StanzaMemo| {
        for &(path, c) in part {
            c.parse(path, &mut memo);
        }
    };
    let size = |j: &Job<'_>| j.1.content.as_deref().map_or(0, <[u8]>::len);
    let total: usize = jobs.iter().map(size).sum();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4);
    // Below 2 MiB (a Debian image's ~1 MB: ~2 ms of parsing) the threads
    // cost more than they save: the analysis parses beside the overlay
    // build (and in `Analysis::new` dive's pass) already
    // (docs/performance.md, packages rounds 4 and 5).
    if threads < 2 || total < PARALLEL_PARSE_BYTES {
        return run(&jobs, read);
    }
    // The dpkg status files on one thread, in layer order, sharing one
    // memo (each version repeats most of the previous one's stanzas); the
    // other files in consecutive runs of about equal bytes on the others.
    let (status, other): (Vec<Job<'_>>, Vec<Job<'_>>) =
        jobs.iter().partition(|j| parse::is_dpkg_status(j.0));
    let mut parts: Vec<&[Job<'_>]> = Vec::new();
    if !status.is_empty() {
        parts.push(&status);
    }
    let mut read = Some(read).filter(|_| !status.is_empty());
    let runs = threads - parts.len();
    let other_total: usize = other.iter().map(size).sum();
    let (mut start, mut acc, mut made) = (0, 0, 0);
    for (i, j) in other.iter().enumerate() {
        acc += size(j);
        if acc * runs >= other_total * (made + 1) && made + 1 < runs {
            parts.push(&other[start..=i]);
            made += 1;
            start = i + 1;
        }
    }
    parts.push(&other[start..]);
    std::thread::scope(|s| {
        let handles: Vec<_> = parts
            .into_iter()
            .filter(|part| !part.is_empty())
            .map(|part| {
                let memo = read.take().unwrap_or_default();
                s.spawn(move || run(part, memo))
            })
            .collect();
        for h in handles {
            h.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        }
    });
}

/// Parse the database files of one layer read while other layers are
/// still being read (a reader thread with nothing left to read), in
/// capture order, while `go_on` says so: what is parsed here is not parsed
/// after the read ([`Databases::parse`]). `memo` carries the dpkg stanzas
/// from one layer to the next.
pub fn parse_ahead(
    cs: &crate::layer::Changeset,
    memo: &mut parse::StanzaMemo,
    go_on: &dyn Fn() -> bool,
) {
    for c in &cs.captured {
        if !go_on() {
            return;
        }
        c.parse(&cs.entries[c.entry].path, memo);
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

/// The parsed version of database file `node` visible at layer `k`, if
/// any.
fn visible_db<'a>(
    overlay: &Overlay,
    dbs: &'a HashMap<(usize, usize), Db<'a>>,
    node: NodeId,
    k: LayerIndex,
) -> Option<&'a Db<'a>> {
    let v = overlay.version(overlay.visible_version_at(node, k)?);
    if v.kind != EntryKind::File {
        return None;
    }
    dbs.get(&(v.layer.index(), v.entry?.index()))
}

/// The databases as one layer sees them: `cur` holds the version of each
/// of `db_nodes` visible there; `lists`, dpkg's `.list` files (indexes
/// into both) by package name, sorted.
fn snapshot<'a>(
    overlay: &Overlay,
    table: &PathTable,
    cur: &[Option<&'a Db<'a>>],
    db_nodes: &[NodeId],
    lists: &[(&'a str, u32)],
) -> Snapshot<'a> {
    let mut stanzas: Vec<&'a Stanza> = Vec::new();
    let mut status_files = 0;
    let mut auto = BTreeSet::new();
    // The other managers' packages, collected, then sorted below.
    let mut pkgs: Vec<(Key<'a>, View<'a>)> = Vec::new();
    // rpm: (read last, the packages, their paths); the `/usr/lib/sysimage`
    // database is read last so that it wins when both paths are regular
    // files.
    let sysimage = overlay.lookup(capture::RPM_SQLITE[1]);
    type Rpm<'a, 't> = (bool, &'a [Stanza], &'t [Refs]);
    let mut rpm: Vec<Rpm<'a, '_>> = Vec::new();
    for (&db, &node) in cur.iter().zip(db_nodes) {
        let Some(&Db::Parsed(p, at)) = db else {
            continue;
        };
        let refs = table.lists(at);
        match p {
            Parsed::DpkgStatus(s) => {
                status_files += 1;
                stanzas.extend(s.iter().map(|s| &**s).filter(|s| s.installed));
            }
            // By name, below.
            Parsed::DpkgList(..) => {}
            Parsed::AptAuto(names) => auto.extend(names.iter().map(String::as_str)),
            Parsed::Rpm(s) => rpm.push((Some(node) == sysimage, s, refs)),
            Parsed::Apk(s) => {
                for (s, r) in s.iter().zip(refs.iter()) {
                    pkgs.push((
                        (Manager::Apk, s.name.as_str(), &[][..]),
                        View {
                            version: &s.version,
                            lists: Lists::One((None, *r)),
                            owns_dir: false,
                            stanza: Some(s),
                        },
                    ));
                }
            }
            Parsed::One(one) => {
                let manager = one.manager;
                pkgs.push((
                    (manager, one.name.as_str(), &one.scope[..]),
                    View {
                        version: &one.version,
                        lists: Lists::One((None, refs[0])),
                        owns_dir: manager == Manager::Npm,
                        stanza: None,
                    },
                ));
            }
        }
    }
    rpm.sort_by_key(|r| r.0);
    for (s, r) in rpm.into_iter().flat_map(|r| r.1.iter().zip(r.2)) {
        pkgs.push((
            (Manager::Rpm, s.name.as_str(), &[][..]),
            View {
                version: &s.version,
                lists: Lists::One((None, *r)),
                owns_dir: false,
                stanza: Some(s),
            },
        ));
    }
    // dpkg: the stanzas by name (stable: of a name listed twice the last
    // is kept) beside the `.list` files by name, walked together. Each
    // status file's stanzas come sorted (`parse::dpkg_status`): only
    // several files (`status.d`) need a sort.
    if status_files > 1 {
        stanzas.sort_by(|a, b| a.name.cmp(&b.name));
    }
    // dpkg's keys come first (`Manager::Dpkg` is the least), in order and
    // each once; the others are sorted below.
    let mut out: Vec<(Key<'a>, View<'a>)> = Vec::with_capacity(stanzas.len() + pkgs.len());
    let mut at = 0;
    for (j, s) in stanzas.iter().enumerate() {
        let name = s.name.as_bytes();
        if stanzas
            .get(j + 1)
            .is_some_and(|t| short_bytes::eq(t.name.as_bytes(), name))
        {
            continue;
        }
        while lists
            .get(at)
            .is_some_and(|&(l, _)| short_bytes::cmp(l.as_bytes(), name).is_lt())
        {
            at += 1;
        }
        let mut l = Lists::None;
        while let Some(&(_, i)) = lists
            .get(at)
            .filter(|&&(l, _)| short_bytes::eq(l.as_bytes(), name))
        {
            if let Some(&Db::Parsed(Parsed::DpkgList(_, files), at)) = cur[i as usize] {
                l.push((Some(files), table.lists(at)[0]));
            }
            at += 1;
        }
        out.push((
            (Manager::Dpkg, s.name.as_str(), &[][..]),
            View {
                version: &s.version,
                lists: l,
                owns_dir: false,
                stanza: Some(s),
            },
        ));
    }
    // The others sorted (stable) and each key once: the last of equal keys
    // wins, as inserting one by one into a map would.
    pkgs.sort_by(|a, b| a.0.cmp(&b.0));
    let mut last: Option<Key<'a>> = None;
    for (key, view) in pkgs {
        if last == Some(key) {
            out.pop();
        }
        last = Some(key);
        out.push((key, view));
    }
    Snapshot { pkgs: out, auto }
}

/// The snapshots: each one's packages' ids (in its order), and per layer
/// the snapshot that shows it.
#[derive(Clone, Copy)]
struct Timeline<'s, 'a> {
    snaps: &'s [Snapshot<'a>],
    ids: &'s [Vec<u32>],
    of: &'s [usize],
}

/// What the hidden stage found: per package (by id), the bytes of hidden
/// inodes it owned; per hidden inode owned, its first owner.
struct Hidden {
    bytes: Vec<u64>,
    owners: Vec<(InodeId, u32)>,
}

/// The hidden stage: each hidden inode is owned as the databases of the
/// layer that added it say. It reads the snapshots and writes only its
/// own [`Hidden`], so it can run beside the live stage.
fn hidden_stage(
    image: &Image,
    overlay: &Overlay,
    timeline: &Timeline<'_, '_>,
    table: &PathTable,
    settled: &Settled,
    packages: usize,
) -> Hidden {
    let Timeline {
        snaps,
        ids: snap_ids,
        of: snap_of,
    } = *timeline;
    let mut out = Hidden {
        bytes: vec![0; packages],
        owners: Vec::new(),
    };
    // Each hidden inode's names (the versions that added it), in
    // version order, grouped by inode.
    let mut names: Vec<(InodeId, NodeId)> = overlay
        .versions
        .iter()
        .filter_map(|v| {
            let i = v.inode?;
            let ino = overlay.inode(i);
            (!ino.is_live() && v.layer == ino.layer).then_some((i, v.node))
        })
        .collect();
    // Inodes are numbered as their first name is added, so only a
    // hardlink added after a later inode puts them out of order.
    if !names.is_sorted_by_key(|&(i, _)| i) {
        names.sort_by_key(|&(i, _)| i);
    }
    // Each snapshot is resolved as of the layer of its first hidden
    // inode (in inode order). Per snapshot, by index (no hashing per
    // hidden inode: pkgbench hides 30,000). Every hidden inode has a name
    // in `names` (its own entry's), so both come from it, not from a pass
    // over every inode.
    let mut first: Vec<Option<LayerIndex>> = vec![None; snaps.len()];
    // Per snapshot, its hidden inodes' names (indexes into `names`, so
    // grouped by inode as there).
    let mut mine: Vec<Vec<u32>> = vec![Vec::new(); snaps.len()];
    for (at, &(i, _)) in names.iter().enumerate() {
        let layer = overlay.inode(i).layer;
        let s = snap_of[layer.index()];
        first[s].get_or_insert(layer);
        mine[s].push(at as u32);
    }
    // The parent directories of one snapshot's hidden nodes (by node),
    // then the listed directories that resolve to one (by id): a listed
    // path names the child of its directory, so a path whose directory
    // resolves elsewhere can never name a hidden node (no need to look
    // its name up). A snapshot whose hidden files are all elsewhere (a
    // status file rewritten by the next RUN) needs no walk of its lists.
    let mut parents = vec![false; overlay.nodes.len()];
    let mut wanted: Vec<bool> = Vec::with_capacity(table.up.len());
    // Per node, the first of one snapshot's names there (by its place in
    // `mine[s]`), and per name the next one at the same node: a node is
    // the name of several hidden inodes when they share a snapshot.
    let mut head = vec![NO_PKG; overlay.nodes.len()];
    let mut next: Vec<u32> = Vec::new();
    // (name, package) for each package that lists the name.
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    // The owners of one hidden inode, over its names, each once.
    let mut owners: Vec<u32> = Vec::new();
    for (s, mine) in mine.iter().enumerate() {
        let Some(k) = first[s] else {
            continue;
        };
        next.clear();
        next.resize(mine.len(), NO_PKG);
        // In reverse: each node's chain in name order.
        for (j, &at) in mine.iter().enumerate().rev() {
            let node = names[at as usize].1.index();
            next[j] = head[node];
            head[node] = j as u32;
        }
        // Who lists each name, as of layer `k`: the listed paths are
        // walked once, each node a path names looked up in `head` (no map
        // of owners per node; docs/performance.md, packages round 13).
        let mut r = Resolver {
            image,
            overlay,
            k,
            dirs: HashMap::default(),
            since: std::cell::Cell::new(None),
        };
        // Each directory resolved once, from its parent's resolution (or
        // the last layer's, where it holds).
        let mut dirs_of = DirNodes::new(table, Some(settled), false);
        for &at in mine {
            if let Some(parent) = overlay.node(names[at as usize].1).parent {
                parents[parent.index()] = true;
            }
        }
        wanted.clear();
        wanted.extend((0..table.up.len() as u32).map(|d| {
            dirs_of
                .resolve(&r, table, d)
                .is_some_and(|n| parents[n.index()])
        }));
        for &at in mine {
            if let Some(parent) = overlay.node(names[at as usize].1).parent {
                parents[parent.index()] = false;
            }
        }
        let snap = &snaps[s];
        let mut npm_dirs = HashMap::default();
        pairs.clear();
        if wanted.contains(&true) || snap.pkgs.iter().any(|(_, v)| v.owns_dir) {
            let listed = Listed {
                snap,
                ids: &snap_ids[s],
                table,
                dirs: Some(&wanted),
            };
            listed.each(&mut r, &mut dirs_of, &mut npm_dirs, |node, p| {
                let mut j = head[node.index()];
                while j != NO_PKG {
                    pairs.push((j, p));
                    j = next[j as usize];
                }
            });
        }
        // npm: a package directory owns what is below it.
        let below = npm_below(overlay, &npm_dirs);
        for (j, &at) in mine.iter().enumerate() {
            let node = names[at as usize].1;
            head[node.index()] = NO_PKG;
            let p = overlay
                .node(node)
                .parent
                .and_then(|parent| below.get(parent.index()))
                .copied()
                .unwrap_or(NO_PKG);
            if p != NO_PKG {
                pairs.push((j as u32, p));
            }
        }
        // By name, each name's owners in order (a counting sort: stable).
        let mut start = vec![0u32; mine.len() + 1];
        for &(j, _) in &pairs {
            start[j as usize + 1] += 1;
        }
        for j in 1..start.len() {
            start[j] += start[j - 1];
        }
        let mut placed = vec![0u32; pairs.len()];
        let mut fill = start.clone();
        for &(j, p) in &pairs {
            let at = &mut fill[j as usize];
            placed[*at as usize] = p;
            *at += 1;
        }
        // Each hidden inode, in inode order, with its names.
        let mut j = 0;
        while j < mine.len() {
            let (id, from) = (names[mine[j] as usize].0, j);
            while j < mine.len() && names[mine[j] as usize].0 == id {
                j += 1;
            }
            owners.clear();
            // Of its names, the first that some package lists; of that
            // name's owners, the least.
            let mut owner = None;
            for name in from..j {
                let listed_by = &mut placed[start[name] as usize..start[name + 1] as usize];
                // The packages come in id order, so each name's owners
                // do too (one listing a path twice: side by side), but
                // npm's.
                if !listed_by.is_sorted() {
                    listed_by.sort_unstable();
                }
                if owner.is_none() {
                    owner = listed_by.first().copied();
                }
                owners.extend_from_slice(listed_by);
            }
            // A package that lists a path twice, or several names of one
            // inode (hardlinks): counted once.
            if j - from > 1 {
                owners.sort_unstable();
            }
            owners.dedup();
            let size = overlay.inode(id).size;
            for &p in &owners {
                out.bytes[p as usize] += size;
            }
            if let Some(p) = owner {
                out.owners.push((id, p));
            }
        }
    }
    out
}

/// Mark apt's auto-installed packages, and those of them only recommended.
fn recommended_only(snap: &Snapshot<'_>, ids: &[u32], pkgs: &mut [Package]) {
    let mut depended: HashSet<&str> = HashSet::default();
    let mut recommended: HashSet<&str> = HashSet::default();
    for (_, v) in snap.pkgs.iter().filter(|(k, _)| k.0 == Manager::Dpkg) {
        if let Some(s) = v.stanza {
            depended.extend(parse::depends(s));
            recommended.extend(s.recommends.iter().map(String::as_str));
        }
    }
    for ((key, v), &id) in snap.pkgs.iter().zip(ids) {
        if key.0 != Manager::Dpkg {
            continue;
        }
        let p = &mut pkgs[id as usize];
        p.auto_installed = snap.auto.contains(key.1);
        // What it provides (its own name first) is in its stanza: the one
        // this snapshot keeps for its name.
        p.recommended_only = p.auto_installed
            && v.stanza.is_some_and(|s| {
                !parse::provides(s).any(|n| depended.contains(n))
                    && parse::provides(s).any(|n| recommended.contains(n))
            });
    }
}

/// (project, dpkg package) for every `.dist-info`/`.egg-info` directory a
/// dpkg package lists under a site directory.
fn distro_python(snap: &Snapshot<'_>) -> Vec<(String, String, String)> {
    let mut out = BTreeSet::new();
    for (key, v) in snap.pkgs.iter().filter(|(k, _)| k.0 == Manager::Dpkg) {
        for path in v
            .lists
            .as_slice()
            .iter()
            .filter_map(|l| l.0)
            .flat_map(|f| f.iter())
        {
            // Nearly no path is one: the last byte (both suffixes end in
            // `o`), then the suffix, before any split.
            if path.last() != Some(&b'o')
                || !(path.ends_with(b".dist-info") || path.ends_with(b".egg-info"))
            {
                continue;
            }
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
                    key.1.to_string(),
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

/// No package (in [`npm_below`]'s answer), no name (in the hidden stage).
const NO_PKG: u32 = u32::MAX;

/// Per node, the npm package that owns its children: the nearest of the
/// node and its ancestors that is a package directory, unless a
/// `node_modules` directory comes first (a directory that is both counts as
/// the package's). Nodes come after their parents, so one pass.
fn npm_below(overlay: &Overlay, dirs: &HashMap<NodeId, usize>) -> Vec<u32> {
    if dirs.is_empty() {
        return Vec::new();
    }
    let node_modules = overlay.names.get(b"node_modules");
    let mut below = vec![NO_PKG; overlay.nodes.len()];
    for (&node, &p) in dirs {
        below[node.index()] = p as u32;
    }
    for (i, n) in overlay.nodes.iter().enumerate() {
        if below[i] != NO_PKG {
            // A package directory (set above: nodes are visited once).
            continue;
        }
        below[i] = match n.parent {
            _ if Some(n.name) == node_modules => NO_PKG,
            Some(parent) => below[parent.index()],
            None => NO_PKG,
        };
    }
    below
}

/// The listed paths of one snapshot, as of one layer.
struct Listed<'s, 'a> {
    snap: &'s Snapshot<'a>,
    /// The id of each of `snap`'s packages, in its order.
    ids: &'s [u32],
    table: &'s PathTable,
    /// Only the paths in these directories (by [`PathTable`] id), if
    /// given.
    dirs: Option<&'s [bool]>,
}

impl Listed<'_, '_> {
    /// Resolve every run's directory into `dirs_of` (`dirs` is not
    /// looked at: this is for the last layer's, which has none).
    fn resolve_dirs(&self, r: &Resolver<'_>, dirs_of: &mut DirNodes) {
        for (_, v) in &self.snap.pkgs {
            for (dir, _) in v.lists.as_slice().iter().flat_map(|l| self.table.runs(l.1)) {
                dirs_of.resolve(r, self.table, dir);
            }
        }
    }

    /// Each (node, package id) the lists name, to `f` (a path a package
    /// lists twice, twice), and the npm package directories into `dirs`.
    fn each(
        &self,
        r: &mut Resolver<'_>,
        dirs_of: &mut DirNodes,
        dirs: &mut HashMap<NodeId, usize>,
        mut f: impl FnMut(NodeId, u32),
    ) {
        let overlay = r.overlay;
        for ((key, v), &p) in self.snap.pkgs.iter().zip(self.ids) {
            if v.owns_dir {
                if let Some(node) = r.resolve(key.2) {
                    dirs.insert(node, p as usize);
                }
            }
            // A run's directory resolved once (`None`: no node of interest
            // there), then one edge lookup per name.
            for (dir, names) in v.lists.as_slice().iter().flat_map(|l| self.table.runs(l.1)) {
                if self.dirs.is_some_and(|ok| !ok[dir as usize]) {
                    continue;
                }
                let Some(parent) = dirs_of.resolve(r, self.table, dir) else {
                    continue;
                };
                for &name in names {
                    if let Some(node) = overlay.child_sym(parent, name) {
                        f(node, p);
                    }
                }
            }
        }
    }
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
    /// As of the last layer only: the first layer from which every node
    /// looked at since this was last reset has looked the same as it does
    /// now (`None`: some node looked different in the last layer itself,
    /// or was absent). See [`Settled`].
    since: std::cell::Cell<Option<LayerIndex>>,
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
        self.walk((NodeId::ROOT, 0), dir).map(|(node, _)| node)
    }

    /// From `start` (a node and the symlinks followed to reach it), the
    /// components of `rel`, each followed: the node reached and the
    /// symlinks followed in all. Resolving `a/b` is resolving `b` from the
    /// resolution of `a`, so a directory can start from its parent's.
    fn walk<'s>(&'s self, start: (NodeId, u32), rel: &'s [u8]) -> Option<(NodeId, u32)> {
        let mut stack: Vec<&'s [u8]> = rel
            .split(|&b| b == b'/')
            .rev()
            .filter(|c| !c.is_empty())
            .collect();
        let (mut node, mut hops) = start;
        while let Some(c) = stack.pop() {
            match c {
                b"." => continue,
                b".." => {
                    node = self.overlay.node(node).parent.unwrap_or(NodeId::ROOT);
                    continue;
                }
                _ => {}
            }
            let child = self.overlay.child(node, c)?;
            let v = self.visible(child)?;
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
                stack.extend(target.split(|&b| b == b'/').rev().filter(|c| !c.is_empty()));
            } else {
                node = child;
            }
        }
        Some((node, hops))
    }

    /// The version of `node` visible as of `k`; as of the last layer, what
    /// it shows is noted in `since` (absent: `None`, nothing to reuse).
    fn visible(&self, node: NodeId) -> Option<VersionId> {
        let v = self.overlay.visible_version_at(node, self.k);
        if let Some(since) = self.since.get() {
            self.since
                .set(v.map(|v| since.max(unchanged_since(self.image, self.overlay, v))));
        }
        v
    }

    /// One component from `start` (see [`Resolver::walk`]): an edge
    /// lookup, unless the child is a symlink to follow.
    fn step(&self, start: (NodeId, u32), name: Sym) -> Option<(NodeId, u32)> {
        let child = self.overlay.child_sym(start.0, name)?;
        let v = self.visible(child)?;
        let v = self.overlay.version(v);
        if v.kind == EntryKind::Symlink {
            return self.walk(start, self.overlay.names.resolve(name));
        }
        Some((child, start.1))
    }
}

/// The first layer from which the node of version `v` (visible as of the
/// last layer) has looked the same to a path walk in every layer: present
/// and not a symlink, or the same symlink. A directory re-added by a later
/// layer (tar lists parents again) is the same directory to a walk.
fn unchanged_since(image: &Image, overlay: &Overlay, v: VersionId) -> LayerIndex {
    let looks = |v: &crate::overlay::Version| {
        (v.kind == EntryKind::Symlink).then(|| v.entry.and_then(|e| image.entry(v.layer, e).link()))
    };
    let mut cur = overlay.version(v);
    let seen = looks(cur);
    while let Some(prev) = cur.prev.map(|p| overlay.version(p)) {
        // Visible up to the very layer `cur` came in, and looking alike.
        if prev.gone.map(|g| g.layer) != Some(cur.layer) || looks(prev) != seen {
            break;
        }
        cur = prev;
    }
    cur.layer
}

/// Where a directory resolves, if anywhere: its node and the symlinks
/// followed to reach it.
type Resolved = Option<(NodeId, u32)>;

/// Each [`PathTable`] directory resolved as of one layer, once, from its
/// parent's resolution.
struct DirNodes<'s> {
    /// Per directory: not yet resolved, or where it resolves (the node
    /// and the symlinks followed to reach it), if anywhere.
    memo: Vec<Option<Resolved>>,
    /// As of the last layer: per directory resolved, the first layer from
    /// which it resolves the same way (`None`: not known). Empty as of
    /// other layers.
    since: Vec<Option<LayerIndex>>,
    /// As of an earlier layer: the last layer's resolutions, reused where
    /// they hold.
    settled: Option<&'s Settled>,
}

/// The last layer's resolution of each directory, with the first layer
/// from which it holds: an earlier layer's snapshot reuses it when nothing
/// its walk looked at changed after that layer (most directories: only
/// the hidden stage resolves as of earlier layers, and it would walk the
/// same nodes again).
struct Settled {
    at: Vec<Option<(Resolved, LayerIndex)>>,
}

impl<'s> DirNodes<'s> {
    /// As of an earlier layer, reusing `settled` where it holds; as of the
    /// last one (`settled` is `None` and the resolver tracks `since`),
    /// noting where each resolution holds from.
    fn new(table: &PathTable, settled: Option<&'s Settled>, last: bool) -> DirNodes<'s> {
        DirNodes {
            memo: vec![None; table.up.len()],
            since: if last {
                vec![None; table.up.len()]
            } else {
                Vec::new()
            },
            settled,
        }
    }

    /// What an earlier layer may reuse (see [`Settled`]).
    fn settled(&self) -> Settled {
        Settled {
            at: self
                .memo
                .iter()
                .zip(&self.since)
                .map(|(m, s)| Some(((*m)?, (*s)?)))
                .collect(),
        }
    }

    fn resolve(&mut self, r: &Resolver<'_>, table: &PathTable, dir: u32) -> Option<NodeId> {
        self.resolve_hops(r, table, dir).map(|(node, _)| node)
    }

    fn resolve_hops(&mut self, r: &Resolver<'_>, table: &PathTable, dir: u32) -> Resolved {
        let d = dir as usize;
        if let Some(done) = self.memo[d] {
            return done;
        }
        if let Some(&(res, since)) = self.settled.and_then(|s| s.at[d].as_ref()) {
            if since <= r.k {
                self.memo[d] = Some(res);
                return res;
            }
        }
        let res = match table.up[d] {
            None => {
                if let Some(s) = self.since.get_mut(d) {
                    *s = Some(LayerIndex::from_index(0));
                }
                Some((NodeId::ROOT, 0))
            }
            Some((parent, name)) => {
                let from = self.resolve_hops(r, table, parent);
                let parent_since = self.since.get(parent as usize).copied().flatten();
                match (from, name) {
                    (Some(from), Some(name)) => {
                        r.since.set(parent_since);
                        let res = r.step(from, name);
                        if let Some(s) = self.since.get_mut(d) {
                            *s = r.since.get().filter(|_| res.is_some());
                        }
                        res
                    }
                    // A name no layer has: no such child (paths are
                    // normalised: no `.` or `..` components).
                    _ => None,
                }
            }
        };
        self.memo[d] = Some(res);
        res
    }
}
