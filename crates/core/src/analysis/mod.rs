//! One `Analysis` value that every front end renders: totals, per-layer
//! figures, hidden files with blame, cache attribution, duplicates and
//! findings (waste-model.md). Built from a scanned image and its overlay.

mod findings;
mod rules;
mod step;
mod unstripped;

pub use findings::{Finding, Severity};
pub use rules::{glob_set, CacheRule, CacheRules};
pub use step::{build_step, shorten};
pub use unstripped::{Unstripped, UnstrippedFile};

use crate::dive::{DiveAhead, DiveReport};
use crate::layer::display_path;
use crate::layer::Entry;
use crate::overlay::{Cause, InodeId, NodeId, Overlay};
use crate::packages::{Databases, Packages};
use crate::source::Image;
use crate::LayerIndex;

/// Image-wide figures (interface.md `totals`; serialised as they are).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Totals {
    /// Number of layers.
    pub layers: usize,
    /// Sum of the uncompressed layer tar lengths.
    pub size_bytes: u64,
    /// Sum of the layer blob sizes as stored (compressed or not).
    pub stored_bytes: u64,
    /// All regular-file bytes in all layers.
    pub content_bytes: u64,
    /// Regular-file bytes visible in the final filesystem.
    pub live_bytes: u64,
    /// Live bytes of inodes some package database lists (docs/packages.md).
    #[serde(default)]
    pub package_live_bytes: u64,
    /// live_bytes - package_live_bytes: the user's own files, downloads,
    /// caches.
    #[serde(default)]
    pub unowned_live_bytes: u64,
    /// removed_bytes + overwritten_bytes: bytes of hidden inodes.
    pub wasted_bytes: u64,
    /// Hidden bytes removed by a whiteout or a type change.
    pub removed_bytes: u64,
    /// Hidden bytes of files put again at the same path later.
    pub overwritten_bytes: u64,
    /// live_bytes / content_bytes (1.0 for an empty image).
    pub efficiency: f64,
    /// Live bytes under cache rules.
    pub cache_live_bytes: u64,
    /// Hidden bytes under cache rules.
    pub cache_hidden_bytes: u64,
    /// Live bytes wasted by duplicates: a group of k equal files wastes (k-1) x size.
    pub duplicate_bytes: u64,
    /// wasted + live cache + duplicates outside cache rules: what a rebuild could save.
    pub recoverable_bytes: u64,
    /// Tar entries in all layers.
    pub entries: u64,
    /// Hidden bytes that are package-manager metadata churn (part of
    /// wasted_bytes).
    #[serde(default)]
    pub churn_bytes: u64,
    /// Bytes `strip --strip-unneeded` would remove from the live ELF
    /// executables and shared libraries (symbol tables, debug info; each
    /// inode once; docs/packages.md, "Unstripped ELF files").
    #[serde(default)]
    pub strippable_bytes: u64,
    /// Live ELF files whose section headers could not be read (their
    /// strippable bytes are unknown, not in strippable_bytes).
    #[serde(default)]
    pub strippable_unknown_files: u64,
}

/// Per-layer figures (interface.md `layers[]`).
#[derive(Debug, Clone, PartialEq)]
pub struct LayerFigures {
    pub index: LayerIndex,
    pub digest: String,
    pub diff_id: String,
    pub created_by: Option<String>,
    pub media_type: Option<String>,
    pub compression: &'static str,
    /// Which of the layer's digests were checked against its bytes.
    pub verified: crate::source::Verified,
    pub size_bytes: u64,
    pub stored_bytes: u64,
    pub content_bytes: u64,
    pub entries: u64,
    /// Bytes this layer added that are hidden later (or by itself).
    pub hidden_bytes_added: u64,
    /// Bytes of lower layers this layer hides.
    pub hides_bytes: u64,
    /// Bytes this layer added under cache rules (live or hidden).
    pub cache_bytes: u64,
}

/// Bytes under one cache rule.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheUsage {
    pub rule: String,
    pub live_bytes: u64,
    pub hidden_bytes: u64,
    /// Regular-file inodes under the rule, live or hidden.
    pub files: u64,
    pub remedy: String,
}

/// A hidden regular-file inode with bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct HiddenFile {
    /// Absolute display path of the entry that carries the bytes.
    pub path: String,
    pub bytes: u64,
    pub cause: Cause,
    pub added_by: LayerIndex,
    pub hidden_by: LayerIndex,
    pub churn: bool,
    pub cache_rule: Option<String>,
    pub inode: InodeId,
}

/// Live files with equal content and different inodes.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateGroup {
    pub bytes_each: u64,
    /// (k - 1) x bytes_each.
    pub wasted_bytes: u64,
    pub paths: Vec<String>,
    pub inodes: Vec<InodeId>,
}

/// What each regular-file inode is, for the front ends (TUI tags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InodeClass {
    /// Index into `CacheRules::rules`, if under a cache rule.
    pub rule: Option<u16>,
    pub churn: bool,
}

/// The analysis of one image.
#[derive(Debug)]
pub struct Analysis {
    pub image: Image,
    pub overlay: Overlay,
    pub rules: CacheRules,
    pub totals: Totals,
    pub layers: Vec<LayerFigures>,
    pub cache: Vec<CacheUsage>,
    pub hidden: Vec<HiddenFile>,
    pub duplicates: Vec<DuplicateGroup>,
    pub findings: Vec<Finding>,
    /// Per inode of `overlay.inodes`.
    pub classes: Vec<InodeClass>,
    /// dive 0.13's own figures, reproduced with their quirks (never mixed
    /// with ours; see docs/dive-compat.md).
    pub dive: crate::dive::DiveReport,
    /// The Dockerfile given with `--dockerfile`, aligned with the layers.
    pub dockerfile: Option<crate::dockerfile::DockerfileInfo>,
    /// Every byte attributed to the package that installed it.
    pub packages: crate::packages::Packages,
    /// The live ELF files strip would shrink.
    pub unstripped: Unstripped,
}

/// Our own figures, before findings.
struct Figures {
    totals: Totals,
    layers: Vec<LayerFigures>,
    cache: Vec<CacheUsage>,
    hidden: Vec<HiddenFile>,
    duplicates: Vec<DuplicateGroup>,
    classes: Vec<InodeClass>,
    packages: crate::packages::Packages,
    unstripped: Unstripped,
}

impl Analysis {
    /// One line on what was verified of the layers' content, the same in
    /// every front end: `layer digests not verified: --verify` when no
    /// layer digest was checked against its bytes, else how many layers
    /// had which digests checked (docs/formats.md, "Verification").
    pub fn verification_line(&self) -> String {
        use crate::source::Verified;
        let n = self.layers.len();
        let count = |v: Verified| self.layers.iter().filter(|l| l.verified == v).count();
        let none = count(Verified::None);
        if none == n {
            return "layer digests not verified: --verify".to_string();
        }
        let parts: Vec<String> = [Verified::Blob, Verified::DiffId, Verified::Both]
            .into_iter()
            .filter_map(|v| match count(v) {
                0 => None,
                k => Some(format!("{} {k}", v.as_str())),
            })
            .collect();
        let mut line = format!(
            "layer digests verified: {} of {n} layer{} ({})",
            n - none,
            if n == 1 { "" } else { "s" },
            parts.join(", ")
        );
        if none > 0 {
            line.push_str(&format!(", {none} not"));
        }
        line
    }

    /// Apply the layers and compute every figure. dive's figures are
    /// computed on a second thread meanwhile: they share nothing with ours.
    pub fn new(image: Image, rules: CacheRules) -> Analysis {
        if entries(&image) >= SEQUENTIAL_DIVE_ENTRIES {
            return Analysis::lean(image, rules);
        }
        let (overlay, figures, dive) = std::thread::scope(|s| {
            let dive = s.spawn(|| dive_report(&image));
            let (overlay, databases) = overlay_and_databases(&image, &rules);
            let figures = figures(&image, &overlay, &rules, databases);
            (overlay, figures, dive.join().expect("dive thread"))
        });
        Analysis::assemble(image, overlay, rules, figures, dive)
    }

    /// The same analysis in less memory and more time (what [`Analysis::new`]
    /// does for big images): dive's figures first, one layer tree at a
    /// time, then the overlay and our figures, on this thread alone. dive's
    /// trees are freed before the overlay is built, so the two never sit in
    /// memory together.
    pub fn lean(image: Image, rules: CacheRules) -> Analysis {
        let changesets: Vec<&crate::layer::Changeset> =
            image.layers.iter().map(|l| &l.changeset).collect();
        let dive = crate::dive::report_lean(&changesets);
        drop(changesets);
        Analysis::after_dive(image, rules, dive)
    }

    /// [`Analysis::new`] for an image read with a [`DiveAhead`] sink in
    /// its progress: dive's pass, begun on the layers read while the later
    /// ones still were, is finished over the rest and its trees freed
    /// before the overlay is built. That is the memory of
    /// [`Analysis::lean`] (dive's trees and the overlay never together)
    /// without most of its time. When no layer was visited ahead (a
    /// stream, a one-layer image) this is [`Analysis::new`].
    pub fn with_dive_ahead(image: Image, rules: CacheRules, ahead: &DiveAhead) -> Analysis {
        let mut pass = ahead.take();
        let changesets: Vec<&crate::layer::Changeset> =
            image.layers.iter().map(|l| &l.changeset).collect();
        if pass.layers() == 0 || !pass.is_prefix_of(&changesets) {
            drop(changesets);
            return Analysis::new(image, rules);
        }
        pass.push_rest(&changesets);
        let dive = pass.into_report();
        drop(changesets);
        Analysis::after_dive(image, rules, dive)
    }

    /// The overlay and our figures, dive's being computed already.
    fn after_dive(image: Image, rules: CacheRules, dive: DiveReport) -> Analysis {
        let (overlay, databases) = overlay_and_databases(&image, &rules);
        let figures = figures(&image, &overlay, &rules, databases);
        Analysis::assemble(image, overlay, rules, figures, dive)
    }

    /// Our figures without dive's (left empty: zero, no paths): what the
    /// explorer computes, which never shows dive's figures, both of the
    /// layers read so far while the rest are read (`source::LayersPrefix`)
    /// and of the whole image. Sparing dive's trees leaves the CPU and
    /// memory to the rest (on 10^6 entries they are computed alone first).
    pub fn without_dive(image: Image, rules: CacheRules) -> Analysis {
        let (overlay, databases) = overlay_and_databases(&image, &rules);
        let figures = figures(&image, &overlay, &rules, databases);
        Analysis::assemble(
            image,
            overlay,
            rules,
            figures,
            crate::dive::DiveReport::empty(),
        )
    }

    /// Compute every figure from an overlay already built from `image`.
    pub fn with_overlay(image: Image, overlay: Overlay, rules: CacheRules) -> Analysis {
        let (figures, dive) = std::thread::scope(|s| {
            let dive = s.spawn(|| dive_report(&image));
            let databases = Databases::parse(&image, &rules.packages);
            let figures = figures(&image, &overlay, &rules, databases);
            (figures, dive.join().expect("dive thread"))
        });
        Analysis::assemble(image, overlay, rules, figures, dive)
    }

    fn assemble(
        image: Image,
        overlay: Overlay,
        rules: CacheRules,
        f: Figures,
        dive: crate::dive::DiveReport,
    ) -> Analysis {
        let mut a = Analysis {
            image,
            overlay,
            rules,
            totals: f.totals,
            layers: f.layers,
            cache: f.cache,
            hidden: f.hidden,
            duplicates: f.duplicates,
            findings: Vec::new(),
            classes: f.classes,
            dive,
            dockerfile: None,
            packages: f.packages,
            unstripped: f.unstripped,
        };
        a.findings = findings::derive(&a);
        a
    }

    /// The regular-file entry that carries an inode's bytes (and its
    /// content hash): the one its layer added first.
    pub fn carrier(&self, inode: InodeId) -> &Entry {
        let ino = self.overlay.inode(inode);
        self.image.entry(ino.layer, ino.entry)
    }

    /// Align the image with a Dockerfile (`--dockerfile`): parse `text`,
    /// map each layer to the final stage's instruction that made it, and
    /// add the `dockerfile-mismatch` finding when they disagree.
    pub fn attach_dockerfile(&mut self, path: &str, text: &str) -> crate::Result<()> {
        let info = crate::dockerfile::DockerfileInfo::new(
            path,
            text,
            &self.image.history,
            self.layers.len(),
        )?;
        if let Some(f) = info.mismatch_finding() {
            self.findings.insert(0, f);
        }
        self.dockerfile = Some(info);
        Ok(())
    }

    /// The Dockerfile line of a layer's instruction, when `--dockerfile`
    /// was given and the image matches it.
    pub fn dockerfile_line(&self, layer: LayerIndex) -> Option<crate::dockerfile::LineRef> {
        self.dockerfile.as_ref()?.layer_line(layer)
    }

    /// The build step as the reports show it: `Dockerfile:12 RUN …` when
    /// `--dockerfile` maps the layer to a line (the file's name, not its
    /// whole path), else the step alone.
    pub fn step_labeled(&self, layer: LayerIndex) -> String {
        let step = self.step(layer).unwrap_or_default();
        match self.dockerfile_line(layer) {
            Some(r) => {
                let name = r.path.rsplit('/').next().unwrap_or(&r.path).to_string();
                format!("{name}:{} {step}", r.line)
            }
            None => step,
        }
    }

    /// The package changes of every layer (all zero without databases).
    pub fn packages_per_layer(&self) -> Vec<crate::packages::LayerPackages> {
        let mut v = self.packages.layers.clone();
        v.resize(self.layers.len(), Default::default());
        v
    }

    /// The build step of a layer, Dockerfile-like, if known.
    pub fn step(&self, layer: LayerIndex) -> Option<String> {
        self.layers
            .get(layer.index())?
            .created_by
            .as_deref()
            .map(build_step)
    }
}

/// From this many tar entries on, dive's figures are computed before the
/// overlay is built rather than beside it: slower by dive's pass, but its
/// per-layer trees (~150 bytes an entry) and the overlay (~120) no longer
/// add up at the peak (docs/performance.md, "Memory").
pub const SEQUENTIAL_DIVE_ENTRIES: usize = 1 << 19;

fn entries(image: &Image) -> usize {
    image.layers.iter().map(|l| l.changeset.entries.len()).sum()
}

/// The overlay, and meanwhile on a second thread the package databases
/// parsed: they need only the layers' kept bytes (after the read the
/// overlay is built on one core; docs/performance.md, packages round 5).
fn overlay_and_databases(image: &Image, rules: &CacheRules) -> (Overlay, Databases) {
    if rules.packages.skip || !databases_to_parse(image) {
        // No thread (nor its allocator arena) for nothing.
        let overlay = Overlay::build(image.layers.iter().map(|l| &l.changeset));
        return (overlay, Databases::parse(image, &rules.packages));
    }
    std::thread::scope(|s| {
        let databases = s.spawn(|| Databases::parse(image, &rules.packages));
        let overlay = Overlay::build(image.layers.iter().map(|l| &l.changeset));
        let databases = databases
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (overlay, databases)
    })
}

/// Whether a package database file the layer pass kept is still to be
/// parsed (the readers parse some while they wait for the last layer).
fn databases_to_parse(image: &Image) -> bool {
    image
        .layers
        .iter()
        .any(|l| l.changeset.captured.iter().any(|c| c.unparsed()))
}

fn figures(image: &Image, overlay: &Overlay, rules: &CacheRules, databases: Databases) -> Figures {
    let n = image.layers.len();
    let layers: Vec<LayerFigures> = image
        .layers
        .iter()
        .map(|l| LayerFigures {
            index: l.index,
            digest: l.digest.clone(),
            diff_id: l.changeset.diff_id.clone(),
            created_by: l.created_by.clone(),
            media_type: l.media_type.clone(),
            compression: l.changeset.compression.as_str(),
            verified: l.verified,
            size_bytes: l.changeset.size_bytes,
            stored_bytes: l.changeset.stored_bytes,
            content_bytes: l.changeset.content_bytes(),
            entries: l.changeset.entries.len() as u64,
            hidden_bytes_added: 0,
            hides_bytes: 0,
            cache_bytes: 0,
        })
        .collect();

    let totals = Totals {
        layers: n,
        size_bytes: layers.iter().map(|l| l.size_bytes).sum(),
        stored_bytes: layers.iter().map(|l| l.stored_bytes).sum(),
        content_bytes: layers.iter().map(|l| l.content_bytes).sum(),
        entries: layers.iter().map(|l| l.entries).sum(),
        ..Totals::default()
    };

    // The duplicate groups and the packages need no cache rule: each on a
    // thread of its own while every inode is classified (on 200k files the
    // classes and the groups take 19 and 22 ms; on a 3,000-package image
    // the packages take 20-25 ms). Whichever core is free takes the next:
    // in `Analysis::new` dive's thread ends meanwhile.
    std::thread::scope(|s| {
        let duplicates = s.spawn(|| duplicates(image, overlay));
        let threaded = !databases.is_empty();
        let step = || Packages::from_databases(image, overlay, &rules.packages, databases);
        let (mut figures, mut packages) = if threaded {
            let packages = s.spawn(step);
            let figures = classified(image, overlay, rules, layers, totals);
            let packages = packages
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            (figures, packages)
        } else {
            (classified(image, overlay, rules, layers, totals), step())
        };
        let unstripped = unstripped::build(image, overlay, &mut packages);
        let t = &mut figures.totals;
        t.package_live_bytes = packages.live_bytes;
        t.unowned_live_bytes = t.live_bytes - packages.live_bytes;
        t.strippable_bytes = unstripped.bytes;
        t.strippable_unknown_files = unstripped.unknown;
        figures.unstripped = unstripped;
        figures.packages = packages;
        let duplicates = duplicates.join().expect("duplicates thread");
        figures.totals.duplicate_bytes = duplicates.iter().map(|d| d.wasted_bytes).sum();
        let dup_not_cache = duplicates_not_cache(&duplicates, &figures.classes);
        figures.duplicates = duplicates;
        // No byte twice: hidden bytes are all in wasted; live cache bytes
        // are live; a duplicate that is also live cache counts as cache.
        let t = &mut figures.totals;
        t.recoverable_bytes = t.wasted_bytes + t.cache_live_bytes + dup_not_cache;
        figures
    })
}

/// Inodes from which [`classified`] splits its pass over threads: below
/// this a thread costs more than it saves.
const PARALLEL_CLASSIFY_INODES: usize = 1 << 14;

/// What [`classify`] found over one range of inodes; [`classified`] adds
/// the ranges up.
#[derive(Default)]
struct Classified {
    /// Per cache rule: live bytes, hidden bytes, files.
    cache_by_rule: Vec<(u64, u64, u64)>,
    /// Per layer: `cache_bytes`, `hidden_bytes_added`, `hides_bytes`.
    layers: Vec<(u64, u64, u64)>,
    live: u64,
    overwritten: u64,
    removed: u64,
    churn: u64,
    /// Sorted: largest first, then by path.
    hidden: Vec<HiddenFile>,
}

/// Classify the inodes from `first` on, one per slot of `classes`: cache
/// rule and churn, their bytes summed, the hidden ones listed.
fn classify(
    image: &Image,
    overlay: &Overlay,
    rules: &CacheRules,
    first: usize,
    classes: &mut [InodeClass],
) -> Classified {
    let mut out = Classified {
        cache_by_rule: vec![(0, 0, 0); rules.rules.len()],
        layers: vec![(0, 0, 0); image.layers.len()],
        ..Classified::default()
    };
    let mut path_buf = Vec::new();
    let inodes = &overlay.inodes[first..first + classes.len()];
    for (i, (ino, class)) in inodes.iter().zip(classes.iter_mut()).enumerate() {
        path_buf.clear();
        path_buf.push(b'/');
        path_buf.extend_from_slice(&image.entry(ino.layer, ino.entry).path);
        let rule = rules.classify(&path_buf);
        let churn = ino.gone.is_some() && rules.is_churn(&path_buf);
        *class = InodeClass {
            rule: rule.map(|r| r as u16),
            churn,
        };
        if let Some(r) = rule {
            let c = &mut out.cache_by_rule[r];
            c.2 += 1;
            if ino.is_live() {
                c.0 += ino.size;
            } else {
                c.1 += ino.size;
            }
            out.layers[ino.layer.index()].0 += ino.size;
        }
        match ino.gone {
            None => out.live += ino.size,
            Some(g) => {
                match g.cause {
                    Cause::Overwritten => out.overwritten += ino.size,
                    _ => out.removed += ino.size,
                }
                if churn {
                    out.churn += ino.size;
                }
                out.layers[ino.layer.index()].1 += ino.size;
                if g.layer > ino.layer {
                    out.layers[g.layer.index()].2 += ino.size;
                }
                if ino.size > 0 {
                    out.hidden.push(HiddenFile {
                        path: display_path(&path_buf[1..]),
                        bytes: ino.size,
                        cause: g.cause,
                        added_by: ino.layer,
                        hidden_by: g.layer,
                        churn,
                        cache_rule: rule.map(|r| rules.rules[r].name.clone()),
                        inode: InodeId::new(first + i),
                    });
                }
            }
        }
    }
    out.hidden.sort_by(hidden_order);
    out
}

/// Hidden files: largest first, then by path.
fn hidden_order(a: &HiddenFile, b: &HiddenFile) -> std::cmp::Ordering {
    b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(&b.path))
}

/// [`figures`] but the duplicates and the packages: each inode classified
/// (cache rule, churn), hidden files, caches. On a big image the inodes are
/// classified in ranges on several threads: in one this pass was often the
/// last of the analysis to end, on one core while the other had nothing
/// left to do (docs/performance.md, packages round 10).
fn classified(
    image: &Image,
    overlay: &Overlay,
    rules: &CacheRules,
    mut layers: Vec<LayerFigures>,
    mut totals: Totals,
) -> Figures {
    let n = overlay.inodes.len();
    let threads = std::thread::available_parallelism()
        .map_or(1, |t| t.get())
        .min(4);
    let parts = threads.min(n / PARALLEL_CLASSIFY_INODES).max(1);
    let mut classes = vec![InodeClass::default(); n];
    let done: Vec<Classified> = if parts == 1 {
        vec![classify(image, overlay, rules, 0, &mut classes)]
    } else {
        // parts > 1: n is at least 2 x PARALLEL_CLASSIFY_INODES.
        let chunk = n.div_ceil(parts);
        std::thread::scope(|s| {
            let mut ranges = classes.chunks_mut(chunk).enumerate();
            let (_, head) = ranges.next().expect("one range at least");
            let rest: Vec<_> = ranges
                .map(|(k, part)| s.spawn(move || classify(image, overlay, rules, k * chunk, part)))
                .collect();
            let mut done = vec![classify(image, overlay, rules, 0, head)];
            for h in rest {
                done.push(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
            }
            done
        })
    };
    // The ranges' sums, in inode order; their hidden lists, each sorted,
    // in one: the stable sort merges the sorted runs, and ties keep inode
    // order as one sort over every inode would.
    let mut cache_by_rule: Vec<(u64, u64, u64)> = vec![(0, 0, 0); rules.rules.len()];
    let all_hidden: usize = done.iter().map(|d| d.hidden.len()).sum();
    let mut hidden: Vec<HiddenFile> = Vec::new();
    for d in done {
        for (sum, c) in cache_by_rule.iter_mut().zip(&d.cache_by_rule) {
            sum.0 += c.0;
            sum.1 += c.1;
            sum.2 += c.2;
        }
        for (l, &(cache, added, hides)) in layers.iter_mut().zip(&d.layers) {
            l.cache_bytes += cache;
            l.hidden_bytes_added += added;
            l.hides_bytes += hides;
        }
        totals.live_bytes += d.live;
        totals.overwritten_bytes += d.overwritten;
        totals.removed_bytes += d.removed;
        totals.churn_bytes += d.churn;
        if hidden.is_empty() {
            // The first list with a hidden file, grown once for the rest.
            hidden = d.hidden;
            hidden.reserve_exact(all_hidden - hidden.len());
        } else {
            hidden.extend(d.hidden);
        }
    }
    if parts > 1 {
        hidden.sort_by(hidden_order);
    }
    totals.wasted_bytes = totals.removed_bytes + totals.overwritten_bytes;
    totals.efficiency = if totals.content_bytes == 0 {
        1.0
    } else {
        totals.live_bytes as f64 / totals.content_bytes as f64
    };

    let cache: Vec<CacheUsage> = rules
        .rules
        .iter()
        .zip(&cache_by_rule)
        .filter(|(_, c)| c.0 + c.1 > 0)
        .map(|(r, c)| CacheUsage {
            rule: r.name.clone(),
            live_bytes: c.0,
            hidden_bytes: c.1,
            files: c.2,
            remedy: r.remedy.clone(),
        })
        .collect();
    let mut cache = cache;
    cache.sort_by(|a, b| {
        (b.live_bytes + b.hidden_bytes)
            .cmp(&(a.live_bytes + a.hidden_bytes))
            .then_with(|| a.rule.cmp(&b.rule))
    });
    totals.cache_live_bytes = cache.iter().map(|c| c.live_bytes).sum();
    totals.cache_hidden_bytes = cache.iter().map(|c| c.hidden_bytes).sum();

    Figures {
        // Built beside this ([`figures`]).
        packages: Packages::default(),
        unstripped: Unstripped::default(),
        totals,
        layers,
        cache,
        hidden,
        // Grouped beside this ([`figures`]).
        duplicates: Vec::new(),
        classes,
    }
}

fn dive_report(image: &Image) -> crate::dive::DiveReport {
    let changesets: Vec<&crate::layer::Changeset> =
        image.layers.iter().map(|l| &l.changeset).collect();
    crate::dive::report_lean(&changesets)
}

/// Group live regular files by content. It needs no cache rule: it runs
/// beside the classification of every inode ([`figures`]).
fn duplicates(image: &Image, overlay: &Overlay) -> Vec<DuplicateGroup> {
    // Sort (the hash's first 8 bytes, inode) pairs, 12 bytes per live file
    // with a hash (a pair with the whole hash took 20, a (size, hash,
    // inode) triple 32, a map of groups ~90), sized once: this runs at the
    // peak of the analysis (issue 13). A run of equal keys is split by the
    // whole hash and then by size, so the groups are those of (size, hash).
    let hash = |ino: &crate::overlay::Inode| {
        (ino.is_live() && ino.size > 0)
            .then(|| image.entry(ino.layer, ino.entry).hash)
            .flatten()
    };
    let candidates = overlay
        .inodes
        .iter()
        .filter(|ino| hash(ino).is_some())
        .count();
    let mut keyed: Vec<(u64, InodeId)> = Vec::with_capacity(candidates);
    keyed.extend(overlay.inode_ids().filter_map(|(id, ino)| {
        let h = hash(ino)?.0;
        Some((
            u64::from_be_bytes([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]]),
            id,
        ))
    }));
    keyed.sort_unstable();
    let mut sets: Vec<(u64, Vec<InodeId>)> = Vec::new();
    let mut run_inodes: Vec<([u8; 16], u64, InodeId)> = Vec::new();
    for run in keyed.chunk_by(|a, b| a.0 == b.0) {
        if run.len() < 2 {
            continue;
        }
        run_inodes.clear();
        run_inodes.extend(run.iter().filter_map(|k| {
            let ino = overlay.inode(k.1);
            Some((hash(ino)?.0, ino.size, k.1))
        }));
        run_inodes.sort_unstable();
        for same in run_inodes.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            if same.len() >= 2 {
                sets.push((same[0].1, same.iter().map(|k| k.2).collect()));
            }
        }
    }
    drop(keyed);
    // A live name of each inode in a group, preferring the entry that
    // carries it.
    let mut live_node: rustc_hash::FxHashMap<InodeId, Option<NodeId>> = sets
        .iter()
        .flat_map(|(_, inodes)| inodes.iter().map(|&i| (i, None)))
        .collect();
    if !live_node.is_empty() {
        for (v, inode) in overlay
            .versions
            .iter()
            .filter(|v| v.gone.is_none())
            .filter_map(|v| Some((v, v.inode?)))
        {
            if let Some(slot) = live_node.get_mut(&inode) {
                if slot.is_none() || v.node == overlay.inode(inode).node {
                    *slot = Some(v.node);
                }
            }
        }
    }
    let mut out = Vec::new();
    for (size, inodes) in sets {
        let k = inodes.len() as u64;
        let mut paths: Vec<(String, InodeId)> = inodes
            .iter()
            .map(|&i| {
                let node = live_node[&i].expect("a live inode has a live name");
                (display_path(&overlay.path(node)), i)
            })
            .collect();
        paths.sort();
        out.push(DuplicateGroup {
            bytes_each: size,
            wasted_bytes: (k - 1) * size,
            inodes: paths.iter().map(|p| p.1).collect(),
            paths: paths.into_iter().map(|p| p.0).collect(),
        });
    }
    out.sort_by(|a, b| {
        b.wasted_bytes
            .cmp(&a.wasted_bytes)
            .then_with(|| a.paths.cmp(&b.paths))
    });
    out
}

/// The bytes duplicates waste once live cache files are left out
/// (recoverable's share): per group, the copies beyond one that no cache
/// rule covers.
fn duplicates_not_cache(groups: &[DuplicateGroup], classes: &[InodeClass]) -> u64 {
    groups
        .iter()
        .map(|g| {
            let plain = g
                .inodes
                .iter()
                .filter(|&&i| classes[i.index()].rule.is_none())
                .count() as u64;
            plain.saturating_sub(1) * g.bytes_each
        })
        .sum()
}
