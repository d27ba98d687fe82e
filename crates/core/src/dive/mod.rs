//! dive's own figures, reproduced exactly, quirks included.
//!
//! Users coming from [dive](https://github.com/wagoodman/dive) keep
//! `.dive-ci` thresholds tuned to dive's numbers: `efficiency`,
//! `wastedBytes` and `userWastedPercent`. dive's model differs from ours in
//! many ways (see `docs/dive-compat.md` for the full list, with the dive
//! source location of each), so these figures are computed by a separate,
//! pure function over the same layer changesets, and are always labelled as
//! dive's. They are *not* layerscope's answer to "how much is wasted".
//!
//! Reproduced version: dive 0.13.1 (`--source docker-archive`). Checked
//! against the real binary by `tests/dive_figures.rs` (recorded outputs) and
//! `tests/dive_compare.sh` (any archive).
//!
//! # The model in short
//!
//! * Each layer becomes a tree of every tar entry path (`AddPath`), parents
//!   created implicitly with an empty payload, whiteout files kept as nodes
//!   named `.wh.NAME`, opaque whiteouts (`.wh..wh..opq`) dropped.
//! * Every *leaf* of every layer tree is one "discovery" of its path, sized
//!   by its tar size field; a whiteout leaf is a discovery of the path it
//!   removes, sized by what it removes in the stack of the layers below —
//!   but only when that is a directory (a removed file counts 0).
//! * Per path: `cumulative` = sum of the sizes, `min` = smallest size.
//!   `efficiency = Σ min / Σ cumulative` over all paths (1 when the sum is
//!   0); `wastedBytes = Σ cumulative` over paths discovered at least twice
//!   (every copy, the smallest one included).
//! * Layer size = sum of the tar size fields of its entries;
//!   `userWastedPercent = wastedBytes / (size of all layers but the first)`.

mod ahead;
mod tree;

pub use ahead::DiveAhead;

use std::hash::BuildHasher;

use crate::layer::{Changeset, Entry, EntryKind};
use crate::LayerIndex;
use tree::{dive_path_into, go_clean_components, go_clean_into, is_whiteout_name, Info, Tree};

/// The three figures dive prints in CI mode, plus the sizes behind them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiveFigures {
    /// dive's efficiency score as a ratio (dive prints it ×100 with two
    /// decimals). Can fall below 0: see
    /// [`report`], quirk "failed whiteouts count -1".
    pub efficiency: f64,
    /// dive's `wastedBytes`.
    pub wasted_bytes: u64,
    /// dive's `userWastedPercent`, 0-100 like its CI output:
    /// `wasted_bytes / user_size_bytes * 100`. With no user bytes (a
    /// one-layer image) this is NaN (0/0) or +∞, as in dive; dive's CI
    /// prints `0 %` whenever `wasted_bytes` is 0.
    pub user_wasted_percent: f64,
    /// The same as a ratio, exactly as dive compares it with the
    /// `highestUserWastedPercent` threshold (which is a 0-1 ratio too).
    pub user_wasted_ratio: f64,
    /// Sum of dive's layer sizes.
    pub size_bytes: u64,
    /// Sum of dive's layer sizes, the first layer excluded.
    pub user_size_bytes: u64,
}

/// A path that dive lists as inefficient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiveInefficiency {
    /// dive's path (`/a/b`), raw bytes.
    pub path: Box<[u8]>,
    /// How many times dive discovered the path (its "Count" column).
    pub count: usize,
    /// dive's `CumulativeSize` (its "Wasted Space" column).
    pub cumulative_size: u64,
}

/// A layer visit that dive cut short: a whiteout leaf whose path is not in
/// the stack of the layers below makes dive's visitor fail, and the rest of
/// that layer's leaves are never counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiveAbort {
    pub layer: LayerIndex,
    /// The whiteout's dive path (the path it names).
    pub path: Box<[u8]>,
}

/// Everything the dive-compatible pass computes.
#[derive(Debug, Clone, PartialEq)]
pub struct DiveReport {
    pub figures: DiveFigures,
    /// In dive's CI/JSON order: largest cumulative size first.
    pub inefficient: Vec<DiveInefficiency>,
    /// dive's size of each layer.
    pub layer_sizes: Vec<u64>,
    /// Layer visits dive would cut short, in order.
    pub aborts: Vec<DiveAbort>,
    /// Set when dive would refuse the image outright (it does not analyse
    /// it at all); the figures are then what the trees give when that entry
    /// is skipped, and no dive number exists to match.
    pub refusal: Option<String>,
}

impl DiveReport {
    /// No figures (all zero) and no paths: for an analysis that does not
    /// compute dive's ([`crate::analysis::Analysis::without_dive`]).
    pub fn empty() -> DiveReport {
        DiveReport {
            figures: DiveFigures {
                efficiency: 0.0,
                wasted_bytes: 0,
                user_wasted_percent: 0.0,
                user_wasted_ratio: 0.0,
                size_bytes: 0,
                user_size_bytes: 0,
            },
            inefficient: Vec::new(),
            layer_sizes: Vec::new(),
            aborts: Vec::new(),
            refusal: None,
        }
    }
}

/// dive's figures for an image whose layers are `layers`, bottom first.
pub fn figures<C: std::borrow::Borrow<Changeset> + Sync>(layers: &[C]) -> DiveFigures {
    report(layers).figures
}

/// dive's figures, inefficient paths and the anomalies met on the way.
///
/// Quirks reproduced (each documented in `docs/dive-compat.md`):
/// * whiteout of a file counts 0 bytes; of a directory, the sizes of every
///   node under it in the stacked lower tree (dirs, links and whiteout
///   nodes of the first layer included);
/// * a whiteout of a path missing below aborts the rest of that layer's
///   visit, and its path counts `-1` towards Σ min unless something else
///   discovers it;
/// * opaque whiteouts are ignored (but create their directory node);
/// * the stack used for sizing whiteouts of layer *n* is layer 0 stacked
///   on a copy of itself, then layers 1..n-1; the first layer's own
///   whiteout nodes stay in it;
/// * directories that a layer only implies (no entry of their own) have an
///   empty payload there, and stacking that layer makes them non-dirs;
/// * a file replacing a directory keeps the directory's children;
/// * sizes are tar size fields of every entry kind, and layer sizes sum
///   them over all entries (whiteouts and directories included).
pub fn report<C: std::borrow::Borrow<Changeset> + Sync>(layers: &[C]) -> DiveReport {
    report_with(layers, true)
}

/// [`report`], building each layer's tree only once the previous one is
/// visited (`prefetch: false`): one tree fewer in memory at a time, at the
/// cost of the second thread. The figures are the same.
pub fn report_lean<C: std::borrow::Borrow<Changeset> + Sync>(layers: &[C]) -> DiveReport {
    report_with(layers, false)
}

fn report_with<C: std::borrow::Borrow<Changeset> + Sync>(
    layers: &[C],
    prefetch: bool,
) -> DiveReport {
    efficiency_pass(layers, prefetch).into_report()
}

/// The tar name dive saw, rebuilt from a normalised entry: whiteouts carry
/// the path they remove, dive keeps the `.wh.` file itself. Any other entry
/// is named by its path as it is.
fn raw_name(e: &Entry) -> std::borrow::Cow<'_, [u8]> {
    std::borrow::Cow::Owned(match e.kind {
        EntryKind::Whiteout => {
            let (dir, base) = match e.path.iter().rposition(|&b| b == b'/') {
                Some(i) => (&e.path[..i + 1], &e.path[i + 1..]),
                None => (&e.path[..0], &e.path[..]),
            };
            [dir, tree::WHITEOUT_PREFIX, base].concat()
        }
        EntryKind::OpaqueWhiteout => {
            let mut v = e.path.to_vec();
            if !v.is_empty() {
                v.push(b'/');
            }
            v.extend_from_slice(b".wh..wh..opq");
            v
        }
        _ => return std::borrow::Cow::Borrowed(&e.path),
    })
}

/// Go's `tar.Header.FileInfo().IsDir()`: the typeflag says directory, or
/// the mode field's file-type bits say `S_IFDIR`.
fn go_is_dir(e: &Entry) -> bool {
    e.typeflag == b'5' || (e.mode & !0o7777) == 0o040000
}

/// dive's per-layer tree and layer size (`image_archive.go`,
/// `processLayerTar` / `getFileList`).
fn layer_tree(layer: &Changeset, idx: LayerIndex, refusal: &mut Option<String>) -> (Tree, u64) {
    let mut tree = Tree::new();
    let mut size = 0u64;
    let mut names: Vec<&[u8]> = Vec::new();
    for e in &layer.entries {
        if e.typeflag == b'g' {
            // Go's tar reader hands PAX global headers to dive, which fails
            // the whole image on them.
            refusal.get_or_insert_with(|| {
                // Counted from 0 here, as this message always has.
                format!("layer {}: PAX global header (dive 0.13.1: \"unexptected tar file: (XGlobalHeader)\")", idx.get())
            });
            continue;
        }
        // One buffer of names for the whole layer (a path's names borrow
        // the entry); a whiteout's rebuilt name needs its own.
        let raw = raw_name(e);
        let owned;
        let comps: &[&[u8]] = match &raw {
            std::borrow::Cow::Borrowed(path) => {
                go_clean_into(path, &mut names);
                &names
            }
            std::borrow::Cow::Owned(name) => {
                owned = go_clean_components(name);
                &owned
            }
        };
        if comps.is_empty() {
            // `path.Clean(name) == "."`: skipped before it is sized.
            continue;
        }
        size = size.wrapping_add(e.header_size());
        tree.add_path(
            comps,
            Info {
                size: e.header_size() as i64,
                is_dir: go_is_dir(e),
            },
        );
    }
    tree.sort();
    (tree, size)
}

struct PathData {
    /// End of the path in `PathTable::bytes` (start: the previous end).
    end: u64,
    cumulative: i64,
    /// -1 until a size is discovered (dive's `minDiscoveredSize`).
    min: i64,
    nodes: u32,
}

/// Every leaf path the pass met, each stored once in one byte arena (a
/// million paths would otherwise be a million allocations).
#[derive(Default)]
struct PathTable {
    bytes: Vec<u8>,
    items: Vec<PathData>,
    index: hashbrown::HashTable<u32>,
}

impl PathTable {
    fn path(&self, i: usize) -> &[u8] {
        let start = if i == 0 {
            0
        } else {
            self.items[i - 1].end as usize
        };
        &self.bytes[start..self.items[i].end as usize]
    }

    /// The slot of `path`, created (min -1) if new.
    fn slot(&mut self, path: &[u8]) -> usize {
        let hasher = rustc_hash::FxBuildHasher;
        let hash = hasher.hash_one(path);
        let (bytes, items) = (&self.bytes, &self.items);
        let span = |i: usize| {
            let start = if i == 0 { 0 } else { items[i - 1].end as usize };
            &bytes[start..items[i].end as usize]
        };
        if let Some(&i) = self.index.find(hash, |&i| span(i as usize) == path) {
            return i as usize;
        }
        self.bytes.extend_from_slice(path);
        self.items.push(PathData {
            end: self.bytes.len() as u64,
            cumulative: 0,
            min: -1,
            nodes: 0,
        });
        let slot = self.items.len() - 1;
        let (bytes, items) = (&self.bytes, &self.items);
        let span = |i: usize| {
            let start = if i == 0 { 0 } else { items[i - 1].end as usize };
            &bytes[start..items[i].end as usize]
        };
        self.index
            .insert_unique(hash, slot as u32, |&i| hasher.hash_one(span(i as usize)));
        slot
    }
}

/// dive's efficiency pass, fed one layer at a time, bottom first: what
/// [`report_lean`] runs over a whole image, and what a reader runs while
/// the later layers are still being read ([`DiveAhead`]).
pub struct Pass {
    paths: PathTable,
    matches: Vec<usize>,
    aborts: Vec<DiveAbort>,
    layer_sizes: Vec<u64>,
    refusal: Option<String>,
    /// `StackTreeRange(trees, 0, n-1)`: a copy of the first tree with the
    /// layers pushed so far stacked on it, kept while a later layer may
    /// need it.
    stacked: Option<Tree>,
    /// How many tar entries each pushed layer had, to tell whether a pass
    /// run ahead saw the image it is finished with.
    entries: Vec<usize>,
}

impl Default for Pass {
    fn default() -> Pass {
        Pass::new()
    }
}

impl Pass {
    /// A pass that has seen no layer yet.
    pub fn new() -> Pass {
        Pass {
            paths: PathTable::default(),
            matches: Vec::new(),
            aborts: Vec::new(),
            layer_sizes: Vec::new(),
            refusal: None,
            stacked: None,
            entries: Vec::new(),
        }
    }

    /// How many layers were pushed.
    pub fn layers(&self) -> usize {
        self.layer_sizes.len()
    }

    /// Whether the layers pushed so far are the first ones of `layers`
    /// (as many, with as many entries each).
    pub fn is_prefix_of<C: std::borrow::Borrow<Changeset>>(&self, layers: &[C]) -> bool {
        self.entries.len() <= layers.len()
            && self
                .entries
                .iter()
                .zip(layers)
                .all(|(&n, l)| n == l.borrow().entries.len())
    }

    /// Visit the next layer. `stack`: whether a later layer may need this
    /// one stacked below it (one that may hold a whiteout). Pass `true`
    /// while the later layers are unknown: the figures are the same either
    /// way, only the time and memory of stacking differ.
    pub fn push(&mut self, layer: &Changeset, stack: bool) {
        let mut refusal = None;
        let idx = LayerIndex::from_index(self.layers());
        let (tree, size) = layer_tree(layer, idx, &mut refusal);
        self.push_tree(layer.entries.len(), tree, size, refusal, stack);
    }

    /// Push the layers of `layers` (the whole image, bottom first) that come
    /// after those already pushed. The later layers are known here, so a
    /// layer is stacked only when one above it may hold a whiteout.
    pub fn push_rest<C: std::borrow::Borrow<Changeset>>(&mut self, layers: &[C]) {
        let rest = &layers[self.layers().min(layers.len())..];
        let whiteouts: Vec<bool> = rest.iter().map(|l| may_whiteout(l.borrow())).collect();
        for (k, l) in rest.iter().enumerate() {
            self.push(l.borrow(), whiteouts[k + 1..].iter().any(|&w| w));
        }
    }

    fn push_tree(
        &mut self,
        entries: usize,
        tree: Tree,
        size: u64,
        refusal: Option<String>,
        stack: bool,
    ) {
        let idx = LayerIndex::from_index(self.layers());
        self.entries.push(entries);
        self.layer_sizes.push(size);
        if self.refusal.is_none() {
            self.refusal = refusal;
        }
        let mut stacked = self.stacked.take();
        visit_layer(self, &tree, idx, &mut stacked);
        if stack {
            let below = stacked.get_or_insert_with(|| tree.clone());
            below.stack(&tree);
        }
        self.stacked = stacked;
    }

    /// dive's figures over the layers pushed.
    pub fn into_report(self) -> DiveReport {
        let Pass {
            paths,
            matches,
            aborts,
            layer_sizes,
            refusal,
            ..
        } = self;
        let mut min_sum: i64 = 0;
        let mut cumulative_sum: i64 = 0;
        for p in &paths.items {
            min_sum = min_sum.wrapping_add(p.min);
            cumulative_sum = cumulative_sum.wrapping_add(p.cumulative);
        }
        let efficiency = if cumulative_sum == 0 {
            1.0
        } else {
            min_sum as f64 / cumulative_sum as f64
        };

        // dive sorts its matches by cumulative size (sort.Sort: for up to 12
        // items an insertion sort, so stable) and lists them in reverse.
        let mut inefficient: Vec<DiveInefficiency> = matches
            .iter()
            .map(|&i| DiveInefficiency {
                path: paths.path(i).into(),
                count: paths.items[i].nodes as usize,
                cumulative_size: paths.items[i].cumulative as u64,
            })
            .collect();
        inefficient.sort_by_key(|m| m.cumulative_size);
        inefficient.reverse();
        let wasted_bytes = inefficient
            .iter()
            .fold(0u64, |acc, m| acc.wrapping_add(m.cumulative_size));

        let size_bytes = layer_sizes.iter().fold(0u64, |a, &s| a.wrapping_add(s));
        let user_size_bytes = layer_sizes
            .iter()
            .skip(1)
            .fold(0u64, |a, &s| a.wrapping_add(s));
        let user_wasted_ratio = wasted_bytes as f64 / user_size_bytes as f64;
        DiveReport {
            figures: DiveFigures {
                efficiency,
                wasted_bytes,
                user_wasted_percent: user_wasted_ratio * 100.0,
                user_wasted_ratio,
                size_bytes,
                user_size_bytes,
            },
            inefficient,
            layer_sizes,
            aborts,
            refusal,
        }
    }
}

/// Whether a layer may hold a `.wh.` node in dive's tree (a superset:
/// whiteouts, AUFS metadata, any `.wh.` in a path).
fn may_whiteout(cs: &Changeset) -> bool {
    cs.entries.iter().any(|e| {
        matches!(
            e.kind,
            EntryKind::Whiteout | EntryKind::OpaqueWhiteout | EntryKind::Other
        ) || e
            .path
            .windows(WHITEOUT_NAME.len())
            .any(|w| w == WHITEOUT_NAME)
    })
}

const WHITEOUT_NAME: &[u8] = b".wh.";

/// dive's `filetree.Efficiency`, over trees built one layer at a time.
///
/// Memory: dive keeps every layer's tree; here a layer's tree is built
/// (with `prefetch`, on a second thread while the previous one is visited),
/// visited, stacked onto the running `StackTreeRange` copy if a later
/// whiteout can need it, and dropped. Stacking eagerly gives the same copy
/// dive builds on demand: at a whiteout of layer n it holds layer 0, then
/// layers 0..n-1, stacked.
fn efficiency_pass<C: std::borrow::Borrow<Changeset> + Sync>(layers: &[C], prefetch: bool) -> Pass {
    let mut pass = Pass::new();
    // Size the path table once: every leaf path comes from an entry (at most
    // one path per entry, at most its length + 1 bytes); doubling growth
    // would leave up to half of it unused at the peak.
    let (count, bytes) = layers.iter().fold((0usize, 0usize), |(n, b), l| {
        let cs = l.borrow();
        (
            n + cs.entries.len(),
            b + cs.entries.iter().map(|e| e.path.len() + 1).sum::<usize>(),
        )
    });
    pass.paths.items.reserve(count);
    pass.paths.bytes.reserve(bytes);
    pass.paths.index.reserve(count, |_| 0);
    if !prefetch {
        pass.push_rest(layers);
        return pass;
    }
    let whiteouts: Vec<bool> = layers.iter().map(|l| may_whiteout(l.borrow())).collect();
    let build = |idx: usize| {
        let mut refusal = None;
        let (tree, size) = layer_tree(
            layers[idx].borrow(),
            LayerIndex::from_index(idx),
            &mut refusal,
        );
        (tree, size, refusal)
    };
    std::thread::scope(|s| {
        let mut next = (!layers.is_empty()).then(|| s.spawn(move || build(0)));
        for idx in 0..layers.len() {
            let (tree, size, refusal) = match next.take() {
                Some(t) => t.join().expect("dive tree thread"),
                None => build(idx),
            };
            if idx + 1 < layers.len() {
                next = Some(s.spawn(move || build(idx + 1)));
            }
            let stack = whiteouts[idx + 1..].iter().any(|&w| w);
            let entries = layers[idx].borrow().entries.len();
            pass.push_tree(entries, tree, size, refusal, stack);
        }
    });
    pass
}

/// dive's efficiency visitor over one layer's tree.
fn visit_layer(pass: &mut Pass, tree: &Tree, idx: LayerIndex, stacked: &mut Option<Tree>) {
    let Pass {
        paths,
        matches,
        aborts,
        ..
    } = pass;
    let mut buf = Vec::new();
    tree.visit_child_first(|id, names| {
        if !tree.is_leaf(id) {
            return true;
        }
        dive_path_into(names, &mut buf);
        let path = &buf[..];
        // The path's record exists from here on, even if the visit
        // fails below (then its min stays -1).
        let slot = paths.slot(path);
        let size = if is_whiteout_name(tree.name(id)) {
            // Only layer 0 can get here with nothing stacked yet (every
            // layer that may hold a whiteout has all lower layers
            // stacked): its own whiteouts are sized against a copy of
            // itself, as dive's StackTreeRange(0, -1) gives.
            debug_assert!(stacked.is_some() || idx == LayerIndex::BOTTOM);
            let below = stacked.get_or_insert_with(|| tree.clone());
            match below.get_path(path) {
                None => {
                    aborts.push(DiveAbort {
                        layer: idx,
                        path: path.into(),
                    });
                    return false;
                }
                Some(n) if below.info(n).is_dir => below.subtree_size(n),
                Some(_) => 0,
            }
        } else {
            tree.info(id).size
        };
        let data = &mut paths.items[slot];
        data.cumulative = data.cumulative.wrapping_add(size);
        if data.min < 0 || size < data.min {
            data.min = size;
        }
        data.nodes += 1;
        if data.nodes == 2 {
            matches.push(slot);
        }
        true
    });
}

/// go-humanize's `Bytes` (SI units), as dive prints sizes.
pub fn humanize_bytes(n: u64) -> String {
    const UNITS: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    if n < 10 {
        return format!("{n} B");
    }
    let f = n as f64;
    let e = (f.ln() / 1000f64.ln()).floor();
    let unit = UNITS[(e as usize).min(UNITS.len() - 1)];
    let val = (f / 1000f64.powf(e) * 10.0 + 0.5).floor() / 10.0;
    if val < 10.0 {
        format!("{val:.1} {unit}")
    } else {
        format!("{val:.0} {unit}")
    }
}

impl DiveFigures {
    /// The three figure lines dive 0.13.1 prints in CI mode
    /// (`runtime/run.go`), without the two leading spaces:
    /// `efficiency: %2.4f %%` (×100), `wastedBytes: %d bytes (%s)` with
    /// go-humanize's SI size, `userWastedPercent: %2.4f %%` (×100; `NaN` or
    /// `+Inf` when the image has no user bytes).
    pub fn ci_lines(&self) -> [String; 3] {
        [
            format!("efficiency: {} %", go_fixed(self.efficiency * 100.0, 4)),
            format!(
                "wastedBytes: {} bytes ({})",
                self.wasted_bytes,
                humanize_bytes(self.wasted_bytes)
            ),
            format!(
                "userWastedPercent: {} %",
                go_fixed(self.user_wasted_ratio * 100.0, 4)
            ),
        ]
    }
}

/// Go's `%.Nf`, including its spelling of non-finite values. (Rust and Go
/// both round exact decimal ties to even.)
fn go_fixed(x: f64, decimals: usize) -> String {
    if x.is_nan() {
        "NaN".to_string()
    } else if x.is_infinite() {
        if x > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else {
        format!("{x:.decimals$}")
    }
}

/// dive's CI thresholds (`.dive-ci` `rules:`, or the `--lowestEfficiency`,
/// `--highestWastedBytes`, `--highestUserWastedPercent` flags); `None` is
/// a disabled rule. Note that `highestUserWastedPercent` is a 0-1 *ratio*,
/// although dive prints the figure ×100.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiveThresholds {
    pub lowest_efficiency: Option<f64>,
    pub highest_wasted_bytes: Option<u64>,
    pub highest_user_wasted_ratio: Option<f64>,
}

impl Default for DiveThresholds {
    /// dive 0.13.1's defaults: 0.9, disabled, 0.1.
    fn default() -> Self {
        DiveThresholds {
            lowest_efficiency: Some(0.9),
            highest_wasted_bytes: None,
            highest_user_wasted_ratio: Some(0.1),
        }
    }
}

impl DiveFigures {
    /// The rules dive would fail, by their `.dive-ci` names, with dive's
    /// comparisons: `threshold > efficiency`, `wasted > threshold`,
    /// `threshold < ratio` (so a NaN ratio, a one-layer image with nothing
    /// wasted, passes, and +∞ fails).
    pub fn ci_failures(&self, t: &DiveThresholds) -> Vec<&'static str> {
        let mut failed = Vec::new();
        if t.lowest_efficiency.is_some_and(|min| min > self.efficiency) {
            failed.push("lowestEfficiency");
        }
        if t.highest_wasted_bytes
            .is_some_and(|max| self.wasted_bytes > max)
        {
            failed.push("highestWastedBytes");
        }
        if t.highest_user_wasted_ratio
            .is_some_and(|max| max < self.user_wasted_ratio)
        {
            failed.push("highestUserWastedPercent");
        }
        failed
    }
}
