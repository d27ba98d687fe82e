//! Concrete advice derived from the bytes and the build steps. Every advice
//! finding has bytes behind it; the integrity findings (odd but valid
//! images: `..` names, whiteout and entry together, stray hardlinks) are
//! warnings about the image itself, asked for by the spec.

use std::collections::BTreeMap;

use super::{shorten, Analysis};
use crate::layer::display_path;
use crate::overlay::{Cause, Note, NoteKind};
use crate::units::human;
use crate::LayerIndex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Stable identifier of the kind of finding.
    pub rule: String,
    pub severity: Severity,
    /// The layer whose build step to change, where there is one.
    pub layer: Option<LayerIndex>,
    pub bytes: u64,
    pub message: String,
    pub remedy: String,
}

/// How a layer is named in messages: `layer 3 (RUN apt-get update)`.
fn layer_name(a: &Analysis, index: LayerIndex) -> String {
    match a.step(index) {
        Some(s) if !s.is_empty() => format!("layer {index} (`{}`)", shorten(&s, 60)),
        _ => format!("layer {index}"),
    }
}

fn severity(a: &Analysis, bytes: u64) -> Severity {
    if bytes >= 1_000_000 || (a.totals.content_bytes > 0 && bytes * 100 >= a.totals.content_bytes) {
        Severity::Warning
    } else {
        Severity::Info
    }
}

#[derive(Default)]
struct Group {
    bytes: u64,
    files: u64,
    by_rule: BTreeMap<String, u64>,
    biggest: Option<(u64, String)>,
}

/// One kind of finding: everything of that kind in the analysis.
type Kind = fn(&Analysis) -> Vec<Finding>;

/// Every kind of finding, in the order they are derived (the final order
/// is [`derive`]'s sort).
const KINDS: &[Kind] = &[
    hidden_groups,
    cache_left_in_image,
    duplicate_files,
    integrity_notes,
    packages,
    unstripped_elf,
];

pub(super) fn derive(a: &Analysis) -> Vec<Finding> {
    let mut out: Vec<Finding> = KINDS.iter().flat_map(|kind| kind(a)).collect();
    out.sort_by(|x, y| {
        y.severity
            .cmp(&x.severity)
            .then(y.bytes.cmp(&x.bytes))
            .then_with(|| x.rule.cmp(&y.rule))
            .then(x.layer.cmp(&y.layer))
    });
    out
}

/// `removed-later`, `overwritten-later`, `duplicate-tar-entry`: hidden
/// bytes, one finding per (added_by, hidden_by, cause); churn is left out:
/// no Dockerfile change avoids it.
fn hidden_groups(a: &Analysis) -> Vec<Finding> {
    let mut groups: BTreeMap<(LayerIndex, LayerIndex, Cause), Group> = BTreeMap::new();
    for h in a.hidden.iter().filter(|h| !h.churn) {
        let g = groups
            .entry((h.added_by, h.hidden_by, h.cause))
            .or_default();
        g.bytes += h.bytes;
        g.files += 1;
        if let Some(r) = &h.cache_rule {
            *g.by_rule.entry(r.clone()).or_default() += h.bytes;
        }
        if g.biggest.as_ref().is_none_or(|b| h.bytes > b.0) {
            g.biggest = Some((h.bytes, h.path.clone()));
        }
    }
    groups
        .into_iter()
        .map(|((added, hid, cause), g)| hidden_group(a, added, hid, cause, g))
        .collect()
}

/// The finding for one group of hidden files.
fn hidden_group(
    a: &Analysis,
    added: LayerIndex,
    hid: LayerIndex,
    cause: Cause,
    g: Group,
) -> Finding {
    let dominant = g
        .by_rule
        .iter()
        .max_by_key(|(_, b)| **b)
        .filter(|(_, b)| **b * 2 >= g.bytes)
        .map(|(r, _)| r.clone());
    let files = if g.files == 1 {
        "1 file".to_string()
    } else {
        format!("{} files", g.files)
    };
    let biggest = g.biggest.map(|b| b.1).unwrap_or_default();
    let what = match &dominant {
        Some(rule) => format!("{rule} cache, {files}"),
        None => files,
    };
    let (rule, message, remedy) = if added == hid {
        (
            "duplicate-tar-entry",
            format!(
                "{} writes the same paths more than once; {} of earlier copies ship but are never seen ({what}, e.g. {biggest})",
                layer_name(a, added),
                human(g.bytes)
            ),
            "rebuild the layer with a tool that writes each path once".to_string(),
        )
    } else if cause == Cause::Overwritten {
        (
            "overwritten-later",
            format!(
                "{} overwrites {} added by {} ({what}, e.g. {biggest})",
                layer_name(a, hid),
                human(g.bytes),
                layer_name(a, added)
            ),
            "write each file once: make the change in the same RUN that creates the file, or produce the final file in a build stage and COPY it".to_string(),
        )
    } else {
        let rule_remedy = dominant
            .as_ref()
            .and_then(|r| a.rules.rules.iter().find(|x| &x.name == r))
            .map(|r| r.remedy.clone());
        (
            "removed-later",
            format!(
                "{} removes {} added by {} ({what}, e.g. {biggest}): deleting in a later layer saves nothing",
                layer_name(a, hid),
                human(g.bytes),
                layer_name(a, added)
            ),
            match rule_remedy {
                Some(r) => format!("{r}; the cleanup must be in the same RUN as layer {added}"),
                None => format!(
                    "delete the files in the same RUN that creates them (layer {added}), or build in a separate stage and COPY only what the image needs"
                ),
            },
        )
    };
    Finding {
        rule: rule.to_string(),
        severity: severity(a, g.bytes),
        layer: Some(added),
        bytes: g.bytes,
        message,
        remedy,
    }
}

/// `cache-left-in-image`: live cache bytes, one finding per (rule, layer
/// that added them).
fn cache_left_in_image(a: &Analysis) -> Vec<Finding> {
    let mut live: BTreeMap<(u16, LayerIndex), (u64, u64)> = BTreeMap::new();
    for (ino, class) in a.overlay.inodes.iter().zip(&a.classes) {
        if let (Some(r), true) = (class.rule, ino.is_live()) {
            if ino.size > 0 {
                let e = live.entry((r, ino.layer)).or_default();
                e.0 += ino.size;
                e.1 += 1;
            }
        }
    }
    live.into_iter()
        .map(|((r, layer), (bytes, files))| {
            let rule = &a.rules.rules[r as usize];
            Finding {
                rule: "cache-left-in-image".to_string(),
                severity: severity(a, bytes),
                layer: Some(layer),
                bytes,
                message: format!(
                    "{} cache {} live ({files} file{}), added by {}",
                    rule.name,
                    human(bytes),
                    if files == 1 { "" } else { "s" },
                    layer_name(a, layer)
                ),
                remedy: rule.remedy.clone(),
            }
        })
        .collect()
}

/// `duplicate-files`: identical files shipped more than once.
fn duplicate_files(a: &Analysis) -> Vec<Finding> {
    if a.totals.duplicate_bytes == 0 {
        return Vec::new();
    }
    let top = &a.duplicates[0];
    vec![Finding {
        rule: "duplicate-files".to_string(),
        severity: severity(a, a.totals.duplicate_bytes),
        layer: None,
        bytes: a.totals.duplicate_bytes,
        message: format!(
            "{} in {} group{} of identical files; largest: {} ({} each)",
            human(a.totals.duplicate_bytes),
            a.duplicates.len(),
            if a.duplicates.len() == 1 { "" } else { "s" },
            top.paths.join(", "),
            human(top.bytes_each)
        ),
        remedy:
            "keep one copy (hardlink or symlink the others), and don't COPY the same content twice"
                .to_string(),
    }]
}

/// The integrity warnings: odd but valid images, one finding per note of
/// the overlay.
fn integrity_notes(a: &Analysis) -> Vec<Finding> {
    a.overlay.notes.iter().map(integrity_note).collect()
}

fn integrity_note(note: &Note) -> Finding {
    let index = note.layer;
    let example = display_path(&note.example);
    let (rule, message, remedy) = match note.kind {
        NoteKind::DotDot => (
            "dotdot-path",
            format!("layer {index} has {} entr{} with a `..` component, e.g. {example}: kept as a name, never resolved", note.count, plural_y(note.count)),
            "rebuild the image: no standard builder writes `..` into layer paths",
        ),
        NoteKind::WhiteoutAndEntry => (
            "whiteout-and-entry",
            format!("layer {index} both whites out and writes {} path{}, e.g. {example}: counted as kept (OCI), but Docker's unpacker deletes it", note.count, plural_s(note.count)),
            "rebuild the layer: a whiteout must not stand beside an entry for the same path",
        ),
        NoteKind::HardlinkToLowerLayer => (
            "hardlink-to-lower-layer",
            format!("layer {index} has {} hardlink{} to files of lower layers, e.g. {example}", note.count, plural_s(note.count)),
            "rebuild the layer: a hardlink must name an earlier entry of the same layer",
        ),
        NoteKind::HardlinkMissingTarget => (
            "hardlink-missing-target",
            format!("layer {index} has {} hardlink{} to missing files, e.g. {example}", note.count, plural_s(note.count)),
            "rebuild the layer: a hardlink must name an earlier entry of the same layer",
        ),
        NoteKind::EmptyName => (
            "empty-name",
            format!("layer {index} has {} non-directory entr{} with an empty name (ignored)", note.count, plural_y(note.count)),
            "rebuild the layer with a standard tool",
        ),
    };
    Finding {
        rule: rule.to_string(),
        severity: Severity::Warning,
        layer: Some(index),
        bytes: 0,
        message,
        remedy: remedy.to_string(),
    }
}

fn plural_s(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn plural_y(n: u64) -> &'static str {
    if n == 1 {
        "y"
    } else {
        "ies"
    }
}

/// An rpm-based image: the final databases list rpm packages and no dpkg
/// ones (remedies then say `dnf`, not `apt-get`/dpkg).
fn rpm_image(a: &Analysis) -> bool {
    use crate::packages::Manager;
    let live = || a.packages.list.iter().filter(|p| p.removed_by.is_none());
    live().any(|p| p.manager == Manager::Rpm) && !live().any(|p| p.manager == Manager::Dpkg)
}

/// The package findings (docs/packages.md): toolchain left in, packages
/// only recommended, docs and locales, development artifacts, the same
/// Python distribution twice, packages removed in a later RUN, and
/// unreadable package databases.
fn packages(a: &Analysis) -> Vec<Finding> {
    let mut out = Vec::new();
    let list = &a.packages.list;
    // Live bytes of a set of packages, each inode once; the layer that
    // installed the largest.
    let union = |ps: &[&crate::packages::Package]| -> u64 {
        let mut inodes: Vec<_> = ps.iter().flat_map(|p| p.inodes.iter().copied()).collect();
        inodes.sort_unstable();
        inodes.dedup();
        inodes.iter().map(|&i| a.overlay.inode(i).size).sum()
    };
    let names = |ps: &[&crate::packages::Package]| -> String {
        let mut s: Vec<String> = ps
            .iter()
            .take(5)
            .map(|p| format!("{} ({})", p.name, human(p.live_bytes)))
            .collect();
        if ps.len() > 5 {
            s.push(format!("and {} more", ps.len() - 5));
        }
        s.join(", ")
    };

    let tools: Vec<_> = list
        .iter()
        .filter(|p| p.group.as_deref() == Some("toolchain") && p.live_bytes > 0)
        .collect();
    if !tools.is_empty() {
        let bytes = union(&tools);
        let layer = tools[0].installed_by;
        let install: Vec<&str> = tools
            .iter()
            .filter(|p| p.manager == crate::packages::Manager::Dpkg && !p.auto_installed)
            .map(|p| p.name.as_str())
            .collect();
        out.push(Finding {
            rule: "toolchain-in-image".to_string(),
            severity: severity(a, bytes),
            layer,
            bytes,
            message: format!(
                "build toolchain in the final image: {} package{}, {} live, installed by {}: {}",
                tools.len(),
                plural_s(tools.len() as u64),
                human(bytes),
                layer.map_or("the base".to_string(), |l| layer_name(a, l)),
                names(&tools)
            ),
            remedy: if rpm_image(a) {
                let install: Vec<&str> = tools.iter().map(|p| p.name.as_str()).collect();
                format!(
                    "use a multi-stage build: build in one stage, COPY only the artifacts into a slim final stage:\n\
                     FROM fedora AS build\n\
                     RUN dnf install -y {} && dnf clean all\n\
                     COPY . /src\n\
                     RUN make -C /src && make -C /src install DESTDIR=/out\n\
                     FROM fedora-minimal\n\
                     COPY --from=build /out/ /",
                    install.join(" ")
                )
            } else {
                format!(
                    "use a multi-stage build: build in one stage, COPY only the artifacts into a slim final stage:\n\
                     FROM debian:bookworm AS build\n\
                     RUN apt-get update && apt-get install -y --no-install-recommends {} && rm -rf /var/lib/apt/lists/*\n\
                     COPY . /src\n\
                     RUN make -C /src && make -C /src install DESTDIR=/out\n\
                     FROM debian:bookworm-slim\n\
                     COPY --from=build /out/ /",
                    if install.is_empty() { "build-essential".to_string() } else { install.join(" ") }
                )
            },
        });
    }

    let recommended: Vec<_> = list
        .iter()
        .filter(|p| p.recommended_only && p.live_bytes > 0)
        .collect();
    if !recommended.is_empty() {
        let bytes = union(&recommended);
        let layer = recommended[0].installed_by;
        out.push(Finding {
            rule: "recommended-only-packages".to_string(),
            severity: severity(a, bytes),
            layer,
            bytes,
            message: format!(
                "{} package{} ({} live) installed only because another recommends {}: {}",
                recommended.len(),
                plural_s(recommended.len() as u64),
                human(bytes),
                if recommended.len() == 1 { "it" } else { "them" },
                names(&recommended)
            ),
            remedy: "apt-get install -y --no-install-recommends PACKAGES (or set APT::Install-Recommends \"false\"; in /etc/apt/apt.conf.d/)".to_string(),
        });
    }

    out.extend(path_findings(a));

    // The same Python distribution twice.
    let mut by_project: BTreeMap<String, Vec<&crate::packages::Package>> = BTreeMap::new();
    for p in list
        .iter()
        .filter(|p| p.manager == crate::packages::Manager::Python && p.removed_by.is_none())
    {
        by_project
            .entry(crate::packages::normalize_project(&p.name))
            .or_default()
            .push(p);
    }
    for (project, copies) in &by_project {
        let distro_dirs: Vec<&(String, String, String)> = a
            .packages
            .distro_python
            .iter()
            .filter(|(n, _, _)| n == project)
            .collect();
        // A RECORD the distro package itself ships is that install, not a
        // second one.
        let copies: Vec<_> = copies
            .iter()
            .copied()
            .filter(|p| {
                let dir = format!("{}/{}-{}.dist-info", p.location, p.name, p.version);
                !distro_dirs.iter().any(|d| d.2 == dir)
            })
            .collect();
        if copies.is_empty() {
            continue;
        }
        let mut distro: Vec<&str> = distro_dirs.iter().map(|d| d.1.as_str()).collect();
        distro.dedup();
        if copies.len() + distro.len() < 2 {
            continue;
        }
        // What keeping one saves: every pip copy but the largest when pip
        // installed it twice; every pip copy next to a distro package.
        let mut sizes: Vec<u64> = copies.iter().map(|p| p.live_bytes).collect();
        sizes.sort_unstable();
        let bytes: u64 = if distro.is_empty() {
            sizes[..sizes.len() - 1].iter().sum()
        } else {
            sizes.iter().sum()
        };
        let mut wheres: Vec<String> = copies
            .iter()
            .map(|p| format!("{} in {} ({})", p.version, p.location, human(p.live_bytes)))
            .collect();
        wheres.extend(distro.iter().map(|d| format!("the distro package {d}")));
        out.push(Finding {
            rule: "python-installed-twice".to_string(),
            severity: severity(a, bytes),
            layer: copies.iter().filter_map(|p| p.installed_by).max(),
            bytes,
            message: format!(
                "Python distribution {project} is installed {} times: {}",
                copies.len() + distro.len(),
                wheres.join("; ")
            ),
            remedy: if distro.is_empty() {
                "keep one: install into one environment (one site-packages)".to_string()
            } else {
                format!(
                    "keep one: either the distro package ({}) or the pip install, not both",
                    distro.join(", ")
                )
            },
        });
    }

    // Installed in one RUN, removed in a later one: the bytes still ship.
    let mut removed: BTreeMap<(LayerIndex, LayerIndex), Vec<&crate::packages::Package>> =
        BTreeMap::new();
    for p in list.iter().filter(|p| p.hidden_bytes > 0) {
        if let (Some(i), Some(r)) = (p.installed_by, p.removed_by) {
            if r > i {
                removed.entry((i, r)).or_default().push(p);
            }
        }
    }
    for ((inst, rem), ps) in removed {
        let bytes: u64 = ps.iter().map(|p| p.hidden_bytes).sum();
        let mut named: Vec<String> = ps
            .iter()
            .take(5)
            .map(|p| format!("{} ({})", p.name, human(p.hidden_bytes)))
            .collect();
        if ps.len() > 5 {
            named.push(format!("and {} more", ps.len() - 5));
        }
        out.push(Finding {
            rule: "package-removed-later".to_string(),
            severity: severity(a, bytes),
            layer: Some(inst),
            bytes,
            message: format!(
                "{} removes {} package{} installed by {}; their {} still ship: {}",
                layer_name(a, rem),
                ps.len(),
                plural_s(ps.len() as u64),
                layer_name(a, inst),
                human(bytes),
                named.join(", ")
            ),
            remedy: format!(
                "install, use and purge in the same RUN (layer {inst}): {}, or use a build stage",
                if ps
                    .iter()
                    .all(|p| p.manager == crate::packages::Manager::Rpm)
                {
                    "dnf install -y P && … && dnf remove -y P"
                } else {
                    "apt-get install -y P && … && apt-get purge -y --auto-remove P"
                }
            ),
        });
    }

    for p in &a.packages.problems {
        out.push(Finding {
            rule: "package-database-unreadable".to_string(),
            severity: Severity::Warning,
            layer: Some(p.layer),
            bytes: 0,
            message: format!("layer {}: {}: {}", p.layer, p.path, p.message),
            remedy: "the package figures leave this database out; check the file in the image"
                .to_string(),
        });
    }
    out
}

/// Where a live path falls among the path findings.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PathKind {
    Docs,
    Headers,
    StaticLibs,
    PythonTests,
    BuildToolBytecode,
}

/// The common part of the markers of a Python site directory
/// (`/site-packages/`, `/dist-packages/`), searched once per live path,
/// its searcher built once ([`path_findings`]): a window-by-window search
/// for each marker cost ~870 instructions a path on the Debian image, 2% of
/// its analysis (docs/performance.md, packages round 11).
struct SiteMarkers(memchr::memmem::Finder<'static>);

impl SiteMarkers {
    fn new() -> SiteMarkers {
        SiteMarkers(memchr::memmem::Finder::new(b"-packages/"))
    }

    /// Where the first `/site-packages/` starts in `p`, else the first
    /// `/dist-packages/`.
    fn find(&self, p: &[u8]) -> Option<usize> {
        let mut dist = None;
        for at in self.0.find_iter(p) {
            match at.checked_sub(5).map(|s| (s, &p[s..at])) {
                Some((s, b"/site")) => return Some(s),
                Some((s, b"/dist")) => {
                    dist.get_or_insert(s);
                }
                _ => {}
            }
        }
        dist
    }
}

fn path_kind(p: &[u8], markers: &SiteMarkers) -> Option<PathKind> {
    const DOCS: &[&[u8]] = &[
        b"usr/share/doc/",
        b"usr/share/man/",
        b"usr/share/info/",
        b"usr/share/locale/",
        b"usr/share/i18n/",
        b"usr/lib/locale/",
    ];
    if DOCS.iter().any(|d| p.starts_with(d)) {
        return Some(PathKind::Docs);
    }
    if p.starts_with(b"usr/include/") || p.starts_with(b"usr/local/include/") {
        return Some(PathKind::Headers);
    }
    if p.ends_with(b".a") && p.starts_with(b"usr/") {
        return Some(PathKind::StaticLibs);
    }
    // Both markers have the same length.
    let site = markers.find(p)?;
    let rest = &p[site + b"/site-packages/".len()..];
    let comps: Vec<&[u8]> = rest.split(|&b| b == b'/').collect();
    if comps.len() > 1
        && comps[..comps.len() - 1]
            .iter()
            .any(|c| *c == b"tests" || *c == b"test")
    {
        return Some(PathKind::PythonTests);
    }
    const TOOLS: &[&[u8]] = &[
        b"pip",
        b"setuptools",
        b"wheel",
        b"pkg_resources",
        b"_distutils_hack",
    ];
    if TOOLS.contains(&comps[0]) && comps.contains(&&b"__pycache__"[..]) {
        return Some(PathKind::BuildToolBytecode);
    }
    None
}

/// `docs-in-image` (over the configured threshold) and
/// `dev-artifacts-in-image`: live bytes by path, with the layer that added
/// most of them.
fn path_findings(a: &Analysis) -> Vec<Finding> {
    let mut by: BTreeMap<PathKind, (u64, u64, BTreeMap<LayerIndex, u64>)> = BTreeMap::new();
    let markers = SiteMarkers::new();
    for ino in a
        .overlay
        .inodes
        .iter()
        .filter(|i| i.is_live() && i.size > 0)
    {
        let e = a.image.entry(ino.layer, ino.entry);
        if let Some(k) = path_kind(&e.path, &markers) {
            let g = by.entry(k).or_default();
            g.0 += ino.size;
            g.1 += 1;
            *g.2.entry(ino.layer).or_default() += ino.size;
        }
    }
    let top = |layers: &BTreeMap<LayerIndex, u64>| {
        layers
            .iter()
            .max_by_key(|(l, b)| (**b, std::cmp::Reverse(**l)))
            .map(|(l, _)| *l)
    };
    let mut out = Vec::new();
    if let Some((bytes, files, layers)) = by.get(&PathKind::Docs) {
        if *bytes > a.rules.packages.docs_threshold {
            let layer = top(layers);
            out.push(Finding {
                rule: "docs-in-image".to_string(),
                severity: severity(a, *bytes),
                layer,
                bytes: *bytes,
                message: format!(
                    "{} of docs, man pages and locales live ({files} files; most added by {})",
                    human(*bytes),
                    layer.map_or("?".to_string(), |l| layer_name(a, l))
                ),
                remedy: if rpm_image(a) {
                    "install without docs and with one locale (or start from a -minimal base image):\n\
                     RUN echo '%_install_langs C.utf8' > /etc/rpm/macros.image-language-conf && dnf install -y --setopt=tsflags=nodocs PACKAGES && dnf clean all"
                } else {
                    "before installing packages, tell dpkg to skip them (or start from a -slim base image):\n\
                     RUN for d in doc man info locale; do echo \"path-exclude=/usr/share/$d/*\"; done > /etc/dpkg/dpkg.cfg.d/01-nodoc && echo 'path-include=/usr/share/doc/*/copyright' >> /etc/dpkg/dpkg.cfg.d/01-nodoc"
                }
                .to_string(),
            });
        }
    }
    let dev: Vec<(PathKind, &str, u64, u64)> = [
        (PathKind::Headers, "headers"),
        (PathKind::StaticLibs, "static libraries (*.a)"),
        (PathKind::PythonTests, "Python test suites"),
        (
            PathKind::BuildToolBytecode,
            "__pycache__ of pip/setuptools/wheel",
        ),
    ]
    .iter()
    .filter_map(|(k, what)| by.get(k).map(|g| (*k, *what, g.0, g.1)))
    .collect();
    if !dev.is_empty() {
        let bytes: u64 = dev.iter().map(|d| d.2).sum();
        let mut layers: BTreeMap<LayerIndex, u64> = BTreeMap::new();
        for d in &dev {
            for (l, b) in &by[&d.0].2 {
                *layers.entry(*l).or_default() += b;
            }
        }
        let layer = top(&layers);
        out.push(Finding {
            rule: "dev-artifacts-in-image".to_string(),
            severity: severity(a, bytes),
            layer,
            bytes,
            message: format!(
                "{} of development artifacts live: {}",
                human(bytes),
                dev.iter()
                    .map(|d| format!("{} {} ({} files)", d.1, human(d.2), d.3))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            remedy: "build in one stage and COPY only the run-time files into the final one; leave out *-dev packages, and delete tests/ and __pycache__ of build tools in the RUN that installs them".to_string(),
        });
    }
    out
}

/// How many paths a remedy names before "and N more".
const REMEDY_PATHS: usize = 8;

/// `unstripped-elf`: live ELF executables and shared libraries with symbol
/// tables or debug info, one finding per layer that added them; the bytes
/// are what `strip --strip-unneeded` would remove (docs/packages.md).
fn unstripped_elf(a: &Analysis) -> Vec<Finding> {
    use super::unstripped::{by_layer, shell_word};
    let mut out = Vec::new();
    for (layer, files) in by_layer(&a.unstripped) {
        let bytes: u64 = files.iter().filter_map(|f| f.strippable).sum();
        let known: Vec<_> = files.iter().filter(|f| f.strippable.is_some()).collect();
        let unknown = files.len() - known.len();
        // Bytes per package (`-` for files no package lists).
        let mut by_pkg: BTreeMap<Option<u32>, u64> = BTreeMap::new();
        for f in &known {
            *by_pkg.entry(f.package).or_default() += f.strippable.unwrap_or(0);
        }
        let mut pkgs: Vec<(Option<u32>, u64)> = by_pkg.into_iter().collect();
        pkgs.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
        let pkg_name = |i: Option<u32>| {
            i.and_then(|i| a.packages.list.get(i as usize))
                .map(|p| p.name.clone())
        };
        let mut parts: Vec<String> = known
            .iter()
            .take(3)
            .map(|f| format!("{} ({})", f.path, human(f.strippable.unwrap_or(0))))
            .collect();
        if known.len() > 3 {
            parts.push(format!("and {} more", known.len() - 3));
        }
        let mut message = if known.is_empty() {
            String::new()
        } else {
            format!(
                "{} unstripped ELF file{} live, {} of symbols and debug info that `strip --strip-unneeded` removes, added by {}: {}",
                known.len(),
                plural_s(known.len() as u64),
                human(bytes),
                layer_name(a, layer),
                parts.join(", ")
            )
        };
        if pkgs.iter().any(|p| p.0.is_some()) {
            let named: Vec<String> = pkgs
                .iter()
                .take(5)
                .map(|(i, b)| {
                    format!(
                        "{} {}",
                        pkg_name(*i).unwrap_or_else(|| "no package".to_string()),
                        human(*b)
                    )
                })
                .collect();
            message.push_str(&format!("; by package: {}", named.join(", ")));
        }
        if unknown > 0 {
            let sep = if message.is_empty() {
                format!("{}: ", layer_name(a, layer))
            } else {
                "; ".to_string()
            };
            message.push_str(&format!(
                "{sep}{unknown} ELF file{} whose strippable bytes are unknown (section headers unreadable, or, read from a stream, not in the file's last 64 KiB; or relocations that keep symbols), e.g. {}",
                plural_s(unknown as u64),
                files[known.len()].path
            ));
        }
        // Debug files (-dbg/-dbgsym packages) are left out; other files
        // are stripped in the step that makes them.
        type Files<'f> = Vec<&'f super::UnstrippedFile>;
        let (debug, plain): (Files<'_>, Files<'_>) = known
            .iter()
            .copied()
            .partition(|f| f.path.starts_with("/usr/lib/debug/"));
        let mut remedy = Vec::new();
        if !plain.is_empty() {
            let mut words: Vec<String> = plain
                .iter()
                .take(REMEDY_PATHS)
                .map(|f| shell_word(&f.path))
                .collect();
            if plain.len() > REMEDY_PATHS {
                words.push(format!(
                    "# and {} more (report: unstripped[])",
                    plain.len() - REMEDY_PATHS
                ));
            }
            let step = a.step(layer).unwrap_or_default();
            let copied = step.starts_with("COPY") || step.starts_with("ADD");
            remedy.push(if copied {
                format!(
                    "strip the files before layer {layer} copies them (in the build stage, or the build context), not in a later layer: `strip --strip-unneeded {}`",
                    words.join(" ")
                )
            } else {
                format!(
                    "strip in the step that makes the files (layer {layer}), not in a later one: end that RUN with `&& strip --strip-unneeded {}`",
                    words.join(" ")
                )
            });
        }
        if !debug.is_empty() {
            let mut dbg: Vec<String> = debug.iter().filter_map(|f| pkg_name(f.package)).collect();
            dbg.sort();
            dbg.dedup();
            remedy.push(if dbg.is_empty() {
                "leave the debug files under /usr/lib/debug out of the final image".to_string()
            } else {
                format!(
                    "leave the debug symbol packages out of the final image: don't install {} (or `apt-get purge -y {}` in the RUN that installs them)",
                    dbg.join(" "),
                    dbg.join(" ")
                )
            });
        }
        if remedy.is_empty() {
            remedy.push("check these files with `readelf -S -W FILE`".to_string());
        }
        out.push(Finding {
            rule: "unstripped-elf".to_string(),
            severity: if bytes == 0 {
                Severity::Info
            } else {
                severity(a, bytes)
            },
            layer: Some(layer),
            bytes,
            message,
            remedy: remedy.join("; "),
        });
    }
    out
}
