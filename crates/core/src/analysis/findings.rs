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
