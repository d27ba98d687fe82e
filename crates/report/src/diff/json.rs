//! `diff --format json` (interface.md, "The diff JSON").

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use layerscope_core::analysis::Totals;
use layerscope_core::diff::{
    Comparison, DirDelta, FileChange, GroupDelta, Side, SideFinding, SidePackage,
};
use layerscope_core::LayerIndex;

/// The version of this format: 1.
pub const DIFF_SCHEMA_VERSION: u32 = 1;

/// How deep `files.by_directory` goes below `/`.
pub const TREE_DEPTH: usize = 4;

/// `diff --format json` (interface.md, "`layerscope diff OLD NEW`").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DiffJson {
    pub schema_version: u32,
    pub old: SideJson,
    pub new: SideJson,
    pub layers: LayersJson,
    /// `null` when OLD or NEW is a saved report (no file list).
    pub files: Option<FilesJson>,
    pub delta: DeltaJson,
    pub cache: Vec<CacheDeltaJson>,
    pub findings: FindingsJson,
    pub packages: PackagesJson,
}

/// `old`, `new`: one side of the comparison.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SideJson {
    pub reference: Option<String>,
    /// file, stdin, docker, podman, registry, or report (a saved JSON report).
    pub source: String,
    pub totals: Totals,
}

/// `layers`: how the two layer lists relate.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LayersJson {
    pub shared: usize,
    pub only_old: usize,
    pub only_new: usize,
    pub first_difference: usize,
    pub old_step: Option<String>,
    pub new_step: Option<String>,
}

/// One path that differs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FileJson {
    pub path: String,
    pub old_bytes: u64,
    pub new_bytes: u64,
    /// file, dir, symlink, special; null where absent.
    pub old_kind: Option<String>,
    pub new_kind: Option<String>,
    /// NEW's layer that put the path (OLD's for a removed path).
    pub layer: Option<LayerIndex>,
}

/// A mode or owner change.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MetaJson {
    pub path: String,
    pub kind: String,
    /// Permission bits, octal (`"0644"`).
    pub old_mode: String,
    pub new_mode: String,
    pub old_uid: u32,
    pub new_uid: u32,
    pub old_gid: u32,
    pub new_gid: u32,
}

/// A directory of the tree of deltas.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DirJson {
    pub path: String,
    pub delta_bytes: i64,
    pub files: u64,
    pub children: Vec<DirJson>,
}

/// The delta of one group of paths (a build step, a package).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GroupJson {
    pub name: String,
    pub delta_bytes: i64,
    pub files: u64,
}

/// `files`: the final filesystems compared.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FilesJson {
    pub added_bytes: u64,
    pub removed_bytes: u64,
    pub grown_bytes: u64,
    pub shrunk_bytes: u64,
    pub changed_bytes: u64,
    pub added: Vec<FileJson>,
    pub removed: Vec<FileJson>,
    pub grown: Vec<FileJson>,
    pub shrunk: Vec<FileJson>,
    pub changed: Vec<FileJson>,
    /// Mode or owner changes of paths of the same kind in both.
    pub metadata: Vec<MetaJson>,
    /// The tree of deltas, `TREE_DEPTH` levels below `/`.
    pub by_directory: DirJson,
    pub by_step: Vec<GroupJson>,
}

/// `delta`: NEW's totals minus OLD's.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeltaJson {
    pub size_bytes: i64,
    pub content_bytes: i64,
    pub live_bytes: i64,
    pub wasted_bytes: i64,
    pub recoverable_bytes: i64,
    pub efficiency: f64,
}

/// A cache rule's bytes (live + hidden) before and after.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CacheDeltaJson {
    pub rule: String,
    pub old_bytes: u64,
    pub new_bytes: u64,
    pub delta_bytes: i64,
}

/// A finding new in NEW or fixed since OLD.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FindingJson {
    pub rule: String,
    pub severity: String,
    pub layer: Option<LayerIndex>,
    pub bytes: u64,
    pub message: String,
}

/// `findings`: new in NEW, fixed since OLD.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FindingsJson {
    pub new: Vec<FindingJson>,
    pub fixed: Vec<FindingJson>,
}

/// `packages`: how the installed packages changed, matched by manager and
/// name. Each list is null when a side has no package data.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PackagesJson {
    /// Packages in NEW not in OLD, sorted by manager and name.
    pub new: Option<Vec<PackageRefJson>>,
    /// Packages in OLD not in NEW, sorted by manager and name.
    pub removed: Option<Vec<PackageRefJson>>,
    /// Packages in both whose version differs (downgrades included).
    pub upgraded: Option<Vec<PackageUpgradeJson>>,
    /// Packages whose live bytes differ, largest absolute change first.
    pub by_package: Option<Vec<PackageDeltaJson>>,
}

/// One package in `packages.new` / `packages.removed`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PackageRefJson {
    /// dpkg, apk, python, conda or npm.
    pub manager: String,
    pub name: String,
    pub version: String,
    /// Its live bytes on the side that has it.
    pub bytes: u64,
}

/// One package in `packages.upgraded`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PackageUpgradeJson {
    pub manager: String,
    pub name: String,
    pub old_version: String,
    pub new_version: String,
}

/// One package in `packages.by_package`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PackageDeltaJson {
    pub manager: String,
    pub name: String,
    /// Live bytes in OLD (0: absent).
    pub old_bytes: u64,
    /// Live bytes in NEW (0: absent).
    pub new_bytes: u64,
    pub delta_bytes: i64,
}

fn package_ref(p: &SidePackage) -> PackageRefJson {
    PackageRefJson {
        manager: p.manager.clone(),
        name: p.name.clone(),
        version: p.version.clone(),
        bytes: p.bytes,
    }
}

fn side(s: &Side) -> SideJson {
    SideJson {
        reference: s.reference.clone(),
        source: s.source.clone(),
        totals: s.totals.clone(),
    }
}

fn file(c: &FileChange) -> FileJson {
    FileJson {
        path: c.path.clone(),
        old_bytes: c.old_bytes,
        new_bytes: c.new_bytes,
        old_kind: c.old_kind.map(|k| k.as_str().to_string()),
        new_kind: c.new_kind.map(|k| k.as_str().to_string()),
        layer: c.new_layer.or(c.old_layer),
    }
}

fn dir(d: &DirDelta, depth: usize) -> DirJson {
    DirJson {
        path: d.path.clone(),
        delta_bytes: d.delta_bytes,
        files: d.files,
        children: if depth == 0 {
            Vec::new()
        } else {
            d.children.iter().map(|c| dir(c, depth - 1)).collect()
        },
    }
}

fn group(g: &GroupDelta) -> GroupJson {
    GroupJson {
        name: g.name.clone(),
        delta_bytes: g.delta_bytes,
        files: g.files,
    }
}

fn finding(f: &SideFinding) -> FindingJson {
    FindingJson {
        rule: f.rule.clone(),
        severity: f.severity.clone(),
        layer: f.layer,
        bytes: f.bytes,
        message: f.message.clone(),
    }
}

impl DiffJson {
    pub fn from_comparison(c: &Comparison) -> DiffJson {
        DiffJson {
            schema_version: DIFF_SCHEMA_VERSION,
            old: side(&c.old),
            new: side(&c.new),
            layers: LayersJson {
                shared: c.layers.shared,
                only_old: c.layers.only_old,
                only_new: c.layers.only_new,
                first_difference: c.layers.first_difference,
                old_step: c.layers.old_step.clone(),
                new_step: c.layers.new_step.clone(),
            },
            files: c.files.as_ref().map(|f| FilesJson {
                added_bytes: f.added_bytes,
                removed_bytes: f.removed_bytes,
                grown_bytes: f.grown_bytes,
                shrunk_bytes: f.shrunk_bytes,
                changed_bytes: f.changed_bytes,
                added: f.added.iter().map(file).collect(),
                removed: f.removed.iter().map(file).collect(),
                grown: f.grown.iter().map(file).collect(),
                shrunk: f.shrunk.iter().map(file).collect(),
                changed: f.changed.iter().map(file).collect(),
                metadata: f
                    .metadata
                    .iter()
                    .map(|m| MetaJson {
                        path: m.path.clone(),
                        kind: m.kind.as_str().to_string(),
                        old_mode: format!("{:04o}", m.old.0),
                        new_mode: format!("{:04o}", m.new.0),
                        old_uid: m.old.1,
                        new_uid: m.new.1,
                        old_gid: m.old.2,
                        new_gid: m.new.2,
                    })
                    .collect(),
                by_directory: dir(&f.by_directory, TREE_DEPTH),
                by_step: f.by_step.iter().map(group).collect(),
            }),
            delta: DeltaJson {
                size_bytes: c.delta.size_bytes,
                content_bytes: c.delta.content_bytes,
                live_bytes: c.delta.live_bytes,
                wasted_bytes: c.delta.wasted_bytes,
                recoverable_bytes: c.delta.recoverable_bytes,
                efficiency: c.delta.efficiency,
            },
            cache: c
                .cache
                .iter()
                .map(|x| CacheDeltaJson {
                    rule: x.rule.clone(),
                    old_bytes: x.old_bytes,
                    new_bytes: x.new_bytes,
                    delta_bytes: x.new_bytes as i64 - x.old_bytes as i64,
                })
                .collect(),
            findings: FindingsJson {
                new: c.findings.new.iter().map(finding).collect(),
                fixed: c.findings.fixed.iter().map(finding).collect(),
            },
            packages: PackagesJson {
                new: c
                    .packages
                    .as_ref()
                    .map(|p| p.new.iter().map(package_ref).collect()),
                removed: c
                    .packages
                    .as_ref()
                    .map(|p| p.removed.iter().map(package_ref).collect()),
                upgraded: c.packages.as_ref().map(|p| {
                    p.upgraded
                        .iter()
                        .map(|u| PackageUpgradeJson {
                            manager: u.manager.clone(),
                            name: u.name.clone(),
                            old_version: u.old_version.clone(),
                            new_version: u.new_version.clone(),
                        })
                        .collect()
                }),
                by_package: c.packages.as_ref().map(|p| {
                    p.by_package
                        .iter()
                        .map(|d| PackageDeltaJson {
                            manager: d.manager.clone(),
                            name: d.name.clone(),
                            old_bytes: d.old_bytes,
                            new_bytes: d.new_bytes,
                            delta_bytes: d.delta(),
                        })
                        .collect()
                }),
            },
        }
    }
}

/// Write the diff JSON (pretty, newline-terminated).
pub fn write<W: Write + ?Sized>(c: &Comparison, w: &mut W) -> io::Result<()> {
    crate::safe_json::to_writer_pretty(&mut *w, &DiffJson::from_comparison(c))?;
    writeln!(w)
}
