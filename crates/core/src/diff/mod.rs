//! Compare two images (`layerscope diff OLD NEW`, `check --baseline`):
//! which layers they share, which files of the final filesystems were
//! added, removed, grew, shrank or changed, and how the waste figures
//! moved. Pure: the figures of both sides come in as [`Side`]s (built from
//! an [`Analysis`], or by the report crate from a saved JSON report), the
//! [`Comparison`] goes out; nothing is printed or opened here.
//!
//! Bytes of a file are the live content bytes of the final filesystem with a
//! hardlinked inode counted once: on its first live name in path order
//! (byte order); its other names count 0 bytes.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::analysis::{build_step, Analysis, Totals};
use crate::layer::{ContentHash, EntryKind};
use crate::overlay::{InodeId, NodeId};
use crate::LayerIndex;

/// The kind of a path in a final filesystem, as the comparison sees it: a
/// hardlink is a regular file (one more name of an inode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    File,
    Dir,
    Symlink,
    /// Devices and FIFOs.
    Special,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::File => "file",
            FileKind::Dir => "dir",
            FileKind::Symlink => "symlink",
            FileKind::Special => "special",
        }
    }

    fn of(kind: EntryKind) -> Option<FileKind> {
        Some(match kind {
            EntryKind::File | EntryKind::Hardlink => FileKind::File,
            EntryKind::Dir => FileKind::Dir,
            EntryKind::Symlink => FileKind::Symlink,
            EntryKind::CharDevice | EntryKind::BlockDevice | EntryKind::Fifo => FileKind::Special,
            EntryKind::Whiteout | EntryKind::OpaqueWhiteout | EntryKind::Other => return None,
        })
    }
}

/// One live path of a final filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFact {
    /// Normalised path (no leading `/`), raw bytes.
    pub path: Vec<u8>,
    pub kind: FileKind,
    /// Content bytes, a hardlinked inode once (see the module doc).
    pub bytes: u64,
    /// Content hash of a regular file.
    pub hash: Option<ContentHash>,
    /// Mode and owner where an entry declared the path (an implicit parent
    /// directory has none).
    pub meta: Option<(u32, u32, u32)>,
    /// Symlink target.
    pub link: Option<Vec<u8>>,
    /// The layer that put the live version.
    pub layer: LayerIndex,
}

/// One layer as the comparison needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SideLayer {
    pub diff_id: String,
    pub created_by: Option<String>,
    pub size_bytes: u64,
}

/// One cache rule's bytes (live + hidden).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SideCache {
    pub rule: String,
    pub bytes: u64,
}

/// One finding as the comparison needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SideFinding {
    pub rule: String,
    pub severity: String,
    pub layer: Option<LayerIndex>,
    pub bytes: u64,
    pub message: String,
}

/// Everything the comparison needs of one image.
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    pub reference: Option<String>,
    /// Where the image was read from (`file`, `stdin`, `docker`, …), or
    /// `report` for a saved JSON report.
    pub source: String,
    pub totals: Totals,
    pub layers: Vec<SideLayer>,
    pub cache: Vec<SideCache>,
    pub findings: Vec<SideFinding>,
    /// The final filesystem sorted by path; `None` when the side is a saved
    /// report (which does not list files).
    pub files: Option<Vec<FileFact>>,
    /// The installed packages (in the final databases), sorted by manager
    /// and name; `None` when the side has no package data.
    pub packages: Option<Vec<SidePackage>>,
}

/// One installed package as the comparison needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SidePackage {
    /// dpkg, apk, python, conda or npm.
    pub manager: String,
    pub name: String,
    pub version: String,
    /// Its live bytes (content bytes of the live inodes it owns).
    pub bytes: u64,
}

/// Where a side's package list comes from (the analysis, or a saved
/// report's `packages[]`). [`Side::with_packages`] takes its answer.
pub trait PackageSource {
    /// The installed packages (not the removed ones), in any order.
    fn packages(&self) -> Vec<SidePackage>;
}

impl PackageSource for Analysis {
    fn packages(&self) -> Vec<SidePackage> {
        self.packages
            .list
            .iter()
            .filter(|p| p.removed_by.is_none())
            .map(|p| SidePackage {
                manager: p.manager.as_str().to_string(),
                name: p.name.clone(),
                version: p.version.clone(),
                bytes: p.live_bytes,
            })
            .collect()
    }
}

impl Side {
    /// The side of an analysed image: its figures and final filesystem.
    pub fn from_analysis(a: &Analysis) -> Side {
        Side {
            reference: a.image.info.reference.clone(),
            source: a.image.info.source.as_str().to_string(),
            totals: a.totals.clone(),
            layers: a
                .layers
                .iter()
                .map(|l| SideLayer {
                    diff_id: l.diff_id.clone(),
                    created_by: l.created_by.clone(),
                    size_bytes: l.size_bytes,
                })
                .collect(),
            cache: a
                .cache
                .iter()
                .map(|c| SideCache {
                    rule: c.rule.clone(),
                    bytes: c.live_bytes + c.hidden_bytes,
                })
                .collect(),
            findings: a
                .findings
                .iter()
                .map(|f| SideFinding {
                    rule: f.rule.clone(),
                    severity: f.severity.as_str().to_string(),
                    layer: f.layer,
                    bytes: f.bytes,
                    message: f.message.clone(),
                })
                .collect(),
            files: Some(final_files(a)),
            packages: None,
        }
        .with_packages(a)
    }

    /// Attach the package list, sorted by manager, name and version.
    pub fn with_packages(mut self, p: &dyn PackageSource) -> Side {
        let mut v = p.packages();
        v.sort_by(|x, y| (&x.manager, &x.name, &x.version).cmp(&(&y.manager, &y.name, &y.version)));
        self.packages = Some(v);
        self
    }

    fn step(&self, layer: LayerIndex) -> Option<String> {
        self.layers
            .get(layer.index())?
            .created_by
            .as_deref()
            .map(build_step)
    }
}

/// The live paths of the final filesystem, sorted by path, each inode's
/// bytes on its first name.
pub fn final_files(a: &Analysis) -> Vec<FileFact> {
    let ov = &a.overlay;
    let mut out: Vec<(FileFact, Option<InodeId>)> = Vec::new();
    // Depth-first from the root, building paths as we go.
    let root = NodeId::ROOT;
    let mut stack: Vec<(NodeId, Vec<u8>)> = vec![(root, Vec::new())];
    while let Some((node, path)) = stack.pop() {
        for child in ov.children(node) {
            let n = ov.node(child);
            let Some(vid) = n.current else { continue };
            let v = ov.version(vid);
            let Some(kind) = FileKind::of(v.kind) else {
                continue;
            };
            let mut p = path.clone();
            if !p.is_empty() {
                p.push(b'/');
            }
            p.extend_from_slice(ov.name(child));
            let entry = v.entry.map(|e| a.image.entry(v.layer, e));
            let (bytes, hash) = match v.inode {
                Some(ino) => {
                    let carrier = a.carrier(ino);
                    (ov.inode(ino).size, carrier.hash)
                }
                None => (0, None),
            };
            let fact = FileFact {
                path: p.clone(),
                kind,
                bytes,
                hash,
                meta: entry.map(|e| (e.mode & 0o7777, e.uid, e.gid)),
                link: match kind {
                    FileKind::Symlink => entry.and_then(|e| e.link().map(<[u8]>::to_vec)),
                    _ => None,
                },
                layer: v.layer,
            };
            out.push((fact, v.inode));
            if kind == FileKind::Dir {
                stack.push((child, p));
            }
        }
    }
    out.sort_by(|x, y| x.0.path.cmp(&y.0.path));
    let mut seen: HashSet<InodeId> = HashSet::new();
    out.into_iter()
        .map(|(mut f, ino)| {
            if let Some(ino) = ino {
                if !seen.insert(ino) {
                    f.bytes = 0;
                }
            }
            f
        })
        .collect()
}

/// How the two layer lists relate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LayerDiff {
    /// NEW's layers whose diff_id is also one of OLD's.
    pub shared: usize,
    /// OLD's layers whose diff_id is none of NEW's.
    pub only_old: usize,
    /// NEW's layers whose diff_id is none of OLD's.
    pub only_new: usize,
    /// One more than the length of the common prefix of diff_ids (1-based;
    /// `layers + 1` when the lists are equal).
    pub first_difference: usize,
    /// The build steps of that layer in OLD and in NEW, where it exists.
    pub old_step: Option<String>,
    pub new_step: Option<String>,
}

/// One path that differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Display path (`/usr/bin/x`, lossy UTF-8: escape before printing).
    pub path: String,
    pub old_bytes: u64,
    pub new_bytes: u64,
    pub old_kind: Option<FileKind>,
    pub new_kind: Option<FileKind>,
    /// The layer of NEW that put the live version (None if removed).
    pub new_layer: Option<LayerIndex>,
    /// The layer of OLD that put the live version (None if added).
    pub old_layer: Option<LayerIndex>,
}

impl FileChange {
    /// `new_bytes - old_bytes`.
    pub fn delta(&self) -> i64 {
        signed(self.new_bytes, self.old_bytes)
    }

    /// A directory on each side where present: no bytes of its own, left
    /// out of the groupings (the tree, the build steps).
    pub fn is_dir(&self) -> bool {
        [self.old_kind, self.new_kind]
            .iter()
            .all(|k| matches!(k, None | Some(FileKind::Dir)))
    }
}

/// A mode or owner change of a path of the same kind in both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaChange {
    pub path: String,
    pub kind: FileKind,
    /// (mode, uid, gid)
    pub old: (u32, u32, u32),
    pub new: (u32, u32, u32),
}

/// A directory of the tree of deltas.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DirDelta {
    /// Display path (`/` for the root).
    pub path: String,
    /// Sum of the deltas of the changed paths under it.
    pub delta_bytes: i64,
    /// Changed paths under it (directories left out).
    pub files: u64,
    /// Largest absolute delta first, then by path.
    pub children: Vec<DirDelta>,
}

/// The bytes of one group (a build step, a cache rule, a package).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDelta {
    pub name: String,
    pub delta_bytes: i64,
    pub files: u64,
}

/// The file lists of the comparison.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileDiff {
    pub added_bytes: u64,
    pub removed_bytes: u64,
    /// Sum of the growths.
    pub grown_bytes: u64,
    /// Sum of the shrinkages.
    pub shrunk_bytes: u64,
    /// Sum of the new sizes of the changed paths.
    pub changed_bytes: u64,
    /// Each list largest first (then by path).
    pub added: Vec<FileChange>,
    pub removed: Vec<FileChange>,
    pub grown: Vec<FileChange>,
    pub shrunk: Vec<FileChange>,
    /// Another kind, or a regular file of equal bytes and other content,
    /// or a symlink to another target.
    pub changed: Vec<FileChange>,
    pub metadata: Vec<MetaChange>,
    /// The tree of deltas (root first).
    pub by_directory: DirDelta,
    /// By the build step that made the change (NEW's layer; OLD's for a
    /// removed path), largest absolute delta first.
    pub by_step: Vec<GroupDelta>,
}

impl FileDiff {
    /// Every change, in list order.
    pub fn all(&self) -> impl Iterator<Item = &FileChange> {
        self.added
            .iter()
            .chain(&self.removed)
            .chain(&self.grown)
            .chain(&self.shrunk)
            .chain(&self.changed)
    }

    /// The net live delta: what the lists add up to.
    pub fn net_bytes(&self) -> i64 {
        self.all().map(FileChange::delta).sum()
    }
}

/// The totals that moved, NEW minus OLD.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Delta {
    pub size_bytes: i64,
    pub content_bytes: i64,
    pub live_bytes: i64,
    pub wasted_bytes: i64,
    pub recoverable_bytes: i64,
    pub efficiency: f64,
}

/// Findings in NEW not in OLD and the other way round. Two findings are the
/// same when their rule and message are, once layer numbers and build steps
/// are left out of the message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FindingsDiff {
    pub new: Vec<SideFinding>,
    pub fixed: Vec<SideFinding>,
}

/// A cache rule's bytes before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheDelta {
    pub rule: String,
    pub old_bytes: u64,
    pub new_bytes: u64,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub old: Side,
    pub new: Side,
    pub layers: LayerDiff,
    /// `None` when a side carries no file list (a saved report).
    pub files: Option<FileDiff>,
    pub delta: Delta,
    /// By cache rule (live + hidden), rules with bytes on either side, largest
    /// absolute change first.
    pub cache: Vec<CacheDelta>,
    pub findings: FindingsDiff,
    /// How the installed packages changed; `None` without package data on
    /// both sides.
    pub packages: Option<PackageDiff>,
}

/// A package whose version differs between OLD and NEW.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageUpgrade {
    pub manager: String,
    pub name: String,
    pub old_version: String,
    pub new_version: String,
}

/// The live bytes of one package on each side (0 where it is absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageDelta {
    pub manager: String,
    pub name: String,
    pub old_bytes: u64,
    pub new_bytes: u64,
}

impl PackageDelta {
    pub fn delta(&self) -> i64 {
        signed(self.new_bytes, self.old_bytes)
    }
}

/// How the installed packages changed, packages matched by manager and
/// name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PackageDiff {
    /// In NEW, not in OLD; sorted by manager and name.
    pub new: Vec<SidePackage>,
    /// In OLD, not in NEW; sorted by manager and name.
    pub removed: Vec<SidePackage>,
    /// In both with another version; sorted by manager and name. (Only the
    /// version differs: "upgraded" includes downgrades.)
    pub upgraded: Vec<PackageUpgrade>,
    /// Every package whose live bytes differ, largest absolute change
    /// first, then manager and name.
    pub by_package: Vec<PackageDelta>,
}

/// Compare two package lists, matched by (manager, name); a name listed
/// more than once on a side (e.g. two Python site directories) counts its
/// bytes summed and its first version.
pub fn package_diff(old: &[SidePackage], new: &[SidePackage]) -> PackageDiff {
    type Key<'a> = (&'a str, &'a str);
    fn index(v: &[SidePackage]) -> BTreeMap<Key<'_>, (&SidePackage, u64)> {
        let mut m: BTreeMap<Key<'_>, (&SidePackage, u64)> = BTreeMap::new();
        for p in v {
            m.entry((p.manager.as_str(), p.name.as_str()))
                .or_insert((p, 0))
                .1 += p.bytes;
        }
        m
    }
    let (o, n) = (index(old), index(new));
    let mut d = PackageDiff::default();
    let keys: BTreeSet<Key<'_>> = o.keys().chain(n.keys()).copied().collect();
    for k in keys {
        let (ob, nb) = (o.get(&k), n.get(&k));
        match (ob, nb) {
            (None, Some((p, _))) => d.new.push((*p).clone()),
            (Some((p, _)), None) => d.removed.push((*p).clone()),
            (Some((a, _)), Some((b, _))) if a.version != b.version => {
                d.upgraded.push(PackageUpgrade {
                    manager: k.0.to_string(),
                    name: k.1.to_string(),
                    old_version: a.version.clone(),
                    new_version: b.version.clone(),
                })
            }
            _ => {}
        }
        let old_bytes = ob.map_or(0, |x| x.1);
        let new_bytes = nb.map_or(0, |x| x.1);
        if old_bytes != new_bytes {
            d.by_package.push(PackageDelta {
                manager: k.0.to_string(),
                name: k.1.to_string(),
                old_bytes,
                new_bytes,
            });
        }
    }
    d.by_package.sort_by(|x, y| {
        y.delta()
            .unsigned_abs()
            .cmp(&x.delta().unsigned_abs())
            .then_with(|| (&x.manager, &x.name).cmp(&(&y.manager, &y.name)))
    });
    d
}

fn signed(new: u64, old: u64) -> i64 {
    (new as i128 - old as i128).clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// Compare OLD with NEW.
pub fn compare(old: Side, new: Side) -> Comparison {
    let layers = layer_diff(&old, &new);
    let files = match (&old.files, &new.files) {
        (Some(o), Some(n)) => Some(file_diff(&old, o, &new, n)),
        _ => None,
    };
    let (o, n) = (&old.totals, &new.totals);
    let delta = Delta {
        size_bytes: signed(n.size_bytes, o.size_bytes),
        content_bytes: signed(n.content_bytes, o.content_bytes),
        live_bytes: signed(n.live_bytes, o.live_bytes),
        wasted_bytes: signed(n.wasted_bytes, o.wasted_bytes),
        recoverable_bytes: signed(n.recoverable_bytes, o.recoverable_bytes),
        efficiency: n.efficiency - o.efficiency,
    };
    let cache = cache_diff(&old, &new);
    let findings = findings_diff(&old, &new);
    let packages = match (&old.packages, &new.packages) {
        (Some(o), Some(n)) => Some(package_diff(o, n)),
        _ => None,
    };
    Comparison {
        old,
        new,
        layers,
        files,
        delta,
        cache,
        findings,
        packages,
    }
}

fn layer_diff(old: &Side, new: &Side) -> LayerDiff {
    let old_ids: HashSet<&str> = old.layers.iter().map(|l| l.diff_id.as_str()).collect();
    let new_ids: HashSet<&str> = new.layers.iter().map(|l| l.diff_id.as_str()).collect();
    let shared = new
        .layers
        .iter()
        .filter(|l| old_ids.contains(l.diff_id.as_str()))
        .count();
    let only_old = old
        .layers
        .iter()
        .filter(|l| !new_ids.contains(l.diff_id.as_str()))
        .count();
    let prefix = old
        .layers
        .iter()
        .zip(&new.layers)
        .take_while(|(a, b)| a.diff_id == b.diff_id)
        .count();
    let at = LayerIndex::from_index(prefix);
    LayerDiff {
        shared,
        only_old,
        only_new: new.layers.len() - shared,
        first_difference: prefix + 1,
        old_step: old.step(at),
        new_step: new.step(at),
    }
}

fn change(path: &[u8], o: Option<&FileFact>, n: Option<&FileFact>) -> FileChange {
    FileChange {
        path: crate::layer::display_path(path),
        old_bytes: o.map_or(0, |f| f.bytes),
        new_bytes: n.map_or(0, |f| f.bytes),
        old_kind: o.map(|f| f.kind),
        new_kind: n.map(|f| f.kind),
        old_layer: o.map(|f| f.layer),
        new_layer: n.map(|f| f.layer),
    }
}

fn file_diff(old: &Side, o: &[FileFact], new: &Side, n: &[FileFact]) -> FileDiff {
    let mut d = FileDiff::default();
    let (mut i, mut j) = (0, 0);
    while i < o.len() || j < n.len() {
        let ord = match (o.get(i), n.get(j)) {
            (Some(a), Some(b)) => a.path.cmp(&b.path),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match ord {
            std::cmp::Ordering::Less => {
                d.removed.push(change(&o[i].path, Some(&o[i]), None));
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                d.added.push(change(&n[j].path, None, Some(&n[j])));
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                let (a, b) = (&o[i], &n[j]);
                let c = change(&a.path, Some(a), Some(b));
                if a.kind != b.kind {
                    d.changed.push(c);
                } else if b.bytes > a.bytes {
                    d.grown.push(c);
                } else if b.bytes < a.bytes {
                    d.shrunk.push(c);
                } else if (a.kind == FileKind::File && a.hash != b.hash)
                    || (a.kind == FileKind::Symlink && a.link != b.link)
                {
                    d.changed.push(c);
                }
                if a.kind == b.kind {
                    if let (Some(m0), Some(m1)) = (a.meta, b.meta) {
                        if m0 != m1 {
                            d.metadata.push(MetaChange {
                                path: crate::layer::display_path(&a.path),
                                kind: a.kind,
                                old: m0,
                                new: m1,
                            });
                        }
                    }
                }
                i += 1;
                j += 1;
            }
        }
    }
    d.added_bytes = d.added.iter().map(|c| c.new_bytes).sum();
    d.removed_bytes = d.removed.iter().map(|c| c.old_bytes).sum();
    d.grown_bytes = d.grown.iter().map(|c| c.new_bytes - c.old_bytes).sum();
    d.shrunk_bytes = d.shrunk.iter().map(|c| c.old_bytes - c.new_bytes).sum();
    d.changed_bytes = d.changed.iter().map(|c| c.new_bytes).sum();
    for list in [
        &mut d.added,
        &mut d.removed,
        &mut d.grown,
        &mut d.shrunk,
        &mut d.changed,
    ] {
        list.sort_by(|x, y| {
            y.delta()
                .unsigned_abs()
                .cmp(&x.delta().unsigned_abs())
                .then_with(|| x.path.cmp(&y.path))
        });
    }
    d.by_directory = dir_tree(&d);
    d.by_step = by_step(old, new, &d);
    d
}

/// The tree of deltas: every changed path adds its delta to each of its
/// ancestor directories.
fn dir_tree(d: &FileDiff) -> DirDelta {
    // path of a directory -> (delta, files)
    let mut dirs: BTreeMap<String, (i64, u64)> = BTreeMap::new();
    for c in d.all().filter(|c| !c.is_dir()) {
        let delta = c.delta();
        let mut p = c.path.as_str();
        while let Some(cut) = p.rfind('/') {
            p = &p[..cut];
            let key = if p.is_empty() { "/" } else { p };
            let e = dirs.entry(key.to_string()).or_default();
            e.0 += delta;
            e.1 += 1;
        }
    }
    fn build(path: &str, dirs: &BTreeMap<String, (i64, u64)>) -> DirDelta {
        let (delta_bytes, files) = dirs.get(path).copied().unwrap_or_default();
        let prefix = if path == "/" {
            "/".to_string()
        } else {
            format!("{path}/")
        };
        let mut children: Vec<DirDelta> = dirs
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(k, _)| !k[prefix.len()..].contains('/') && k.len() > prefix.len())
            .map(|(k, _)| build(k, dirs))
            .collect();
        children.sort_by(|x, y| {
            y.delta_bytes
                .unsigned_abs()
                .cmp(&x.delta_bytes.unsigned_abs())
                .then_with(|| x.path.cmp(&y.path))
        });
        DirDelta {
            path: path.to_string(),
            delta_bytes,
            files,
            children,
        }
    }
    if dirs.is_empty() {
        return DirDelta {
            path: "/".into(),
            ..DirDelta::default()
        };
    }
    build("/", &dirs)
}

fn group_sort(map: BTreeMap<String, (i64, u64)>) -> Vec<GroupDelta> {
    let mut v: Vec<GroupDelta> = map
        .into_iter()
        .map(|(name, (delta_bytes, files))| GroupDelta {
            name,
            delta_bytes,
            files,
        })
        .collect();
    v.sort_by(|x, y| {
        y.delta_bytes
            .unsigned_abs()
            .cmp(&x.delta_bytes.unsigned_abs())
            .then_with(|| x.name.cmp(&y.name))
    });
    v
}

fn step_name(side: &Side, which: &str, layer: LayerIndex) -> String {
    match side.step(layer) {
        Some(s) if !s.is_empty() => s,
        _ => format!("layer {layer} of {which}"),
    }
}

fn by_step(old: &Side, new: &Side, d: &FileDiff) -> Vec<GroupDelta> {
    let mut map: BTreeMap<String, (i64, u64)> = BTreeMap::new();
    for c in d.all().filter(|c| !c.is_dir()) {
        let name = match (c.new_layer, c.old_layer) {
            (Some(l), _) => step_name(new, "NEW", l),
            (None, Some(l)) => step_name(old, "OLD", l),
            (None, None) => continue,
        };
        let e = map.entry(name).or_default();
        e.0 += c.delta();
        e.1 += 1;
    }
    group_sort(map)
}

/// Group the changed paths by an attribution of paths (packages, once
/// package attribution lands): `of_old`/`of_new` name the group of a path
/// on each side; paths without one are left out.
pub fn by_group(
    d: &FileDiff,
    of_old: &dyn Fn(&str) -> Option<String>,
    of_new: &dyn Fn(&str) -> Option<String>,
) -> Vec<GroupDelta> {
    let mut map: BTreeMap<String, (i64, u64)> = BTreeMap::new();
    for c in d.all() {
        let g = if c.new_kind.is_some() {
            of_new(&c.path)
        } else {
            of_old(&c.path)
        };
        if let Some(g) = g {
            let e = map.entry(g).or_default();
            e.0 += c.delta();
            e.1 += 1;
        }
    }
    group_sort(map)
}

fn cache_diff(old: &Side, new: &Side) -> Vec<CacheDelta> {
    let mut map: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for c in &old.cache {
        map.entry(&c.rule).or_default().0 += c.bytes;
    }
    for c in &new.cache {
        map.entry(&c.rule).or_default().1 += c.bytes;
    }
    let mut v: Vec<CacheDelta> = map
        .into_iter()
        .filter(|(_, (o, n))| *o > 0 || *n > 0)
        .map(|(rule, (old_bytes, new_bytes))| CacheDelta {
            rule: rule.to_string(),
            old_bytes,
            new_bytes,
        })
        .collect();
    v.sort_by(|x, y| {
        let dx = signed(x.new_bytes, x.old_bytes).unsigned_abs();
        let dy = signed(y.new_bytes, y.old_bytes).unsigned_abs();
        dy.cmp(&dx).then_with(|| x.rule.cmp(&y.rule))
    });
    v
}

/// A finding's identity across images: its rule and its message without
/// the layer numbers, quoted build steps and figures (which move when
/// layers are added, their commands change or a cache grows).
pub fn finding_key(f: &SideFinding) -> (String, String) {
    let mut out = String::with_capacity(f.message.len());
    let mut rest = f.message.as_str();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("layer ") {
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0 {
                out.push_str("layer #");
                rest = &after[digits..];
                // ` (`step`)` right after the number
                if let Some(tail) = rest.strip_prefix(" (`") {
                    if let Some(end) = tail.find("`)") {
                        rest = &tail[end + 2..];
                    }
                }
                continue;
            }
        }
        if let Some(tail) = rest.strip_prefix('`') {
            if let Some(end) = tail.find('`') {
                out.push_str("`…`");
                rest = &tail[end + 1..];
                continue;
            }
        }
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            let n = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
                .unwrap_or(rest.len());
            rest = &rest[n..];
            for unit in [
                " B", " kB", " MB", " GB", " TB", " KiB", " MiB", " GiB", " TiB",
            ] {
                if let Some(t) = rest.strip_prefix(unit) {
                    if !t.starts_with(|c: char| c.is_alphanumeric()) {
                        rest = t;
                        break;
                    }
                }
            }
            out.push('#');
            continue;
        }
        let ch = rest.chars().next().expect("non-empty");
        out.push(ch);
        rest = &rest[ch.len_utf8()..];
    }
    (f.rule.clone(), out)
}

fn findings_diff(old: &Side, new: &Side) -> FindingsDiff {
    // A multiset: the same key twice on one side pairs twice.
    let mut count: HashMap<(String, String), i64> = HashMap::new();
    for f in &old.findings {
        *count.entry(finding_key(f)).or_default() += 1;
    }
    let mut d = FindingsDiff::default();
    for f in &new.findings {
        let c = count.entry(finding_key(f)).or_default();
        if *c > 0 {
            *c -= 1;
        } else {
            d.new.push(f.clone());
        }
    }
    let mut left: HashMap<(String, String), i64> = HashMap::new();
    for f in &new.findings {
        *left.entry(finding_key(f)).or_default() += 1;
    }
    for f in &old.findings {
        let c = left.entry(finding_key(f)).or_default();
        if *c > 0 {
            *c -= 1;
        } else {
            d.fixed.push(f.clone());
        }
    }
    d.new.sort_by_key(|f| std::cmp::Reverse(f.bytes));
    d.fixed.sort_by_key(|f| std::cmp::Reverse(f.bytes));
    d
}

#[cfg(test)]
mod tests;
