//! `layerscope diff OLD NEW`: render a [`Comparison`] (text, json, md,
//! html), and read a saved JSON report back as one side of it.

pub mod html;
pub mod json;
pub mod md;
pub mod text;

use std::io::{self, Write};

use layerscope_core::diff::{
    Comparison, DirDelta, FileDiff, PackageSource, Side, SideCache, SideFinding, SideLayer,
    SidePackage,
};
use layerscope_core::units::human;

use crate::Report;

/// `diff --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Md,
    Html,
}

impl Format {
    /// Every `diff --format` name, in the order `--help` lists them.
    pub const NAMES: &'static [&'static str] = &["text", "json", "md", "html"];
    /// Other spellings accepted: (alias, name).
    pub const ALIASES: &'static [(&'static str, &'static str)] = &[("markdown", "md")];
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "md" | "markdown" => Ok(Format::Md),
            "html" => Ok(Format::Html),
            other => Err(format!(
                "unknown diff format {other:?} ({})",
                Format::NAMES.join(", ")
            )),
        }
    }
}

/// Write the comparison in `format`.
pub fn write<W: Write + ?Sized>(c: &Comparison, format: Format, w: &mut W) -> io::Result<()> {
    match format {
        Format::Text => text::write(c, w),
        Format::Json => json::write(c, w),
        Format::Md => md::write(c, w),
        Format::Html => html::write(c, w),
    }
}

/// One side of a comparison from a saved JSON report (`report --format
/// json` or `check --format json`): totals, layers, caches, findings and
/// installed packages (`packages[]` without `removed_by`); no file list (a
/// report does not carry one), so the comparison has no `files` section.
pub fn side_from_report(r: &Report) -> Side {
    Side {
        reference: r.image.reference.clone(),
        source: "report".into(),
        totals: r.totals.clone(),
        layers: r
            .layers
            .iter()
            .map(|l| SideLayer {
                diff_id: l.diff_id.clone(),
                created_by: l.created_by.clone(),
                size_bytes: l.size_bytes,
            })
            .collect(),
        cache: r
            .cache
            .iter()
            .map(|c| SideCache {
                rule: c.rule.clone(),
                bytes: c.live_bytes + c.hidden_bytes,
            })
            .collect(),
        findings: r
            .findings
            .iter()
            .map(|f| SideFinding {
                rule: f.rule.clone(),
                severity: f.severity.clone(),
                layer: f.layer,
                bytes: f.bytes,
                message: f.message.clone(),
            })
            .collect(),
        files: None,
        packages: None,
    }
    .with_packages(r)
}

impl PackageSource for Report {
    fn packages(&self) -> Vec<SidePackage> {
        self.packages
            .iter()
            .filter(|p| p.removed_by.is_none())
            .map(|p| SidePackage {
                manager: p.manager.clone(),
                name: p.name.clone(),
                version: p.version.clone(),
                bytes: p.live_bytes,
            })
            .collect()
    }
}

/// Whether `bytes` (the start of a file) look like a JSON document rather
/// than an image: an image is a tar (or gzip) whose first byte is never `{`.
pub fn looks_like_json(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{')
}

/// A signed size: `+1.20 kB`, `-300 B`, `0 B`.
pub fn signed_human(d: i64) -> String {
    match d.cmp(&0) {
        std::cmp::Ordering::Greater => format!("+{}", human(d.unsigned_abs())),
        std::cmp::Ordering::Less => format!("-{}", human(d.unsigned_abs())),
        std::cmp::Ordering::Equal => "0 B".into(),
    }
}

/// A signed percentage of `old`: ` (+12.3%)`, or nothing when `old` is 0.
pub fn signed_pct(d: i64, old: u64) -> String {
    if old == 0 {
        String::new()
    } else {
        format!(" ({:+.1}%)", d as f64 * 100.0 / old as f64)
    }
}

/// The efficiency change in percentage points: `+11.1 pts`.
pub fn pts(d: f64) -> String {
    format!("{:+.1} pts", d * 100.0)
}

/// How a side is named in headlines: its reference, else where it came from.
pub fn side_name(s: &Side, fallback: &str) -> String {
    s.reference.clone().unwrap_or_else(|| fallback.to_string())
}

/// The directories of the tree of deltas worth showing: depth-first, at
/// most `depth` levels below the root and `width` children each, skipping
/// zero deltas. (`depth`, `node`)
pub fn dir_rows(root: &DirDelta, depth: usize, width: usize) -> Vec<(usize, &DirDelta)> {
    fn walk<'a>(
        n: &'a DirDelta,
        d: usize,
        depth: usize,
        width: usize,
        out: &mut Vec<(usize, &'a DirDelta)>,
    ) {
        out.push((d, n));
        if d < depth {
            for c in n.children.iter().filter(|c| c.files > 0).take(width) {
                walk(c, d + 1, depth, width, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, 0, depth, width, &mut out);
    out
}

/// `28 added (+54.0 kB), 1 removed (-11 B), …, 1 mode/owner`: the counts and
/// sums of the file lists, as every format's Files line says them (numbers
/// only: nothing to escape).
pub fn files_summary(f: &FileDiff) -> String {
    format!(
        "{} added ({}), {} removed ({}), {} grown ({}), {} shrunk ({}), {} changed ({}), {} mode/owner",
        f.added.len(),
        signed_human(f.added_bytes as i64),
        f.removed.len(),
        signed_human(-(f.removed_bytes as i64)),
        f.grown.len(),
        signed_human(f.grown_bytes as i64),
        f.shrunk.len(),
        signed_human(-(f.shrunk_bytes as i64)),
        f.changed.len(),
        human(f.changed_bytes),
        f.metadata.len()
    )
}

/// `1 file`, `2 files`.
pub fn files(n: u64) -> String {
    if n == 1 {
        "1 file".into()
    } else {
        format!("{n} files")
    }
}

/// The largest changes of every list (directories left out), largest absolute delta first, with
/// the list's name: at most `n`.
pub fn largest(
    c: &Comparison,
    n: usize,
) -> Vec<(&'static str, &layerscope_core::diff::FileChange)> {
    let Some(f) = &c.files else {
        return Vec::new();
    };
    let mut all: Vec<(&'static str, &layerscope_core::diff::FileChange)> = f
        .added
        .iter()
        .map(|x| ("added", x))
        .chain(f.removed.iter().map(|x| ("removed", x)))
        .chain(f.grown.iter().map(|x| ("grown", x)))
        .chain(f.shrunk.iter().map(|x| ("shrunk", x)))
        .chain(f.changed.iter().map(|x| ("changed", x)))
        .filter(|(_, x)| !x.is_dir())
        .collect();
    all.sort_by(|x, y| {
        y.1.delta()
            .unsigned_abs()
            .cmp(&x.1.delta().unsigned_abs())
            .then_with(|| x.1.path.cmp(&y.1.path))
    });
    all.truncate(n);
    all
}

/// `Packages: 1 new, 0 removed, 0 upgraded`.
pub fn packages_line(p: &layerscope_core::diff::PackageDiff) -> String {
    format!(
        "Packages: {} new, {} removed, {} upgraded",
        p.new.len(),
        p.removed.len(),
        p.upgraded.len()
    )
}

/// The package rows the text, Markdown and HTML diffs list: (change,
/// `manager/name`, version or `old -> new`, live-bytes delta), new first,
/// then removed, then upgraded, each sorted by manager and name.
pub fn package_rows(
    p: &layerscope_core::diff::PackageDiff,
) -> Vec<(&'static str, String, String, i64)> {
    let delta = |m: &str, n: &str| {
        p.by_package
            .iter()
            .find(|d| d.manager == m && d.name == n)
            .map_or(0, |d| d.delta())
    };
    let mut rows = Vec::new();
    for (what, list) in [("new", &p.new), ("removed", &p.removed)] {
        for x in list {
            rows.push((
                what,
                format!("{}/{}", x.manager, x.name),
                x.version.clone(),
                delta(&x.manager, &x.name),
            ));
        }
    }
    for u in &p.upgraded {
        rows.push((
            "upgraded",
            format!("{}/{}", u.manager, u.name),
            format!("{} -> {}", u.old_version, u.new_version),
            delta(&u.manager, &u.name),
        ));
    }
    rows
}
