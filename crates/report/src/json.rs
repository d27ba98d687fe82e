//! The JSON report (interface.md, "The JSON report"). These structs are the
//! contract: `check --baseline` reads them back, so they deserialize too.

use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use layerscope_core::analysis::{Analysis, HiddenFile};
use layerscope_core::LayerIndex;

pub const SCHEMA_VERSION: u32 = 1;

/// The JSON report (`report --format json`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Report {
    /// The version of this format: 1.
    #[cfg_attr(feature = "schema", schemars(range(min = 1)))]
    pub schema_version: u32,
    /// The image as a whole.
    pub image: ImageJson,
    /// Image-wide figures.
    pub totals: TotalsJson,
    /// Every layer, bottom first.
    pub layers: Vec<LayerJson>,
    /// Bytes under each cache rule (rules with bytes only).
    pub cache: Vec<CacheJson>,
    /// Hidden regular-file inodes with bytes > 0, largest first.
    pub hidden: Vec<HiddenJson>,
    /// Groups of live files with equal content.
    pub duplicates: Vec<DuplicateJson>,
    /// What to change, with the bytes it would save.
    pub findings: Vec<FindingJson>,
    /// Every package any layer's databases list, largest first
    /// (docs/packages.md).
    #[serde(default)]
    pub packages: Vec<PackageJson>,
    /// Live ELF executables and shared libraries `strip --strip-unneeded`
    /// would shrink, or whose section headers could not be read; most
    /// strippable bytes first, unknown last (docs/packages.md).
    #[serde(default)]
    pub unstripped: Vec<UnstrippedJson>,
    /// dive's figures for the same image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dive: Option<DiveJson>,
}

/// `image`: facts about the image as a whole.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ImageJson {
    /// The image's name and tag where the input records one.
    pub reference: Option<String>,
    /// The kind of input the image was read from.
    #[cfg_attr(
        feature = "schema",
        schemars(schema_with = "crate::schema::image_format")
    )]
    pub format: String,
    /// The platform (`os/arch[/variant]`) where the image config says it.
    pub platform: Option<String>,
    /// The digest of the image config (`sha256:…`).
    pub config_digest: Option<String>,
    /// The archive was gzipped as a whole.
    #[serde(default)]
    pub gzipped: bool,
    /// Where the image was read from: file, stdin, docker, podman or
    /// registry (absent in reports written before it was added).
    #[serde(default)]
    #[cfg_attr(
        feature = "schema",
        schemars(schema_with = "crate::schema::image_source")
    )]
    pub source: Option<String>,
}

/// `totals` is the analysis's own struct, serialised as it is.
pub type TotalsJson = layerscope_core::analysis::Totals;

/// `layers[]`: one layer's figures.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LayerJson {
    /// The layer, 1-based: the bottom layer is 1.
    pub index: LayerIndex,
    /// The digest of the layer blob as stored.
    pub digest: String,
    /// The digest of the uncompressed layer tar.
    pub diff_id: String,
    /// The build step that made the layer, from the image history.
    pub created_by: Option<String>,
    /// The uncompressed tar's length.
    pub size_bytes: u64,
    /// The blob's size as stored.
    pub stored_bytes: u64,
    /// The regular-file bytes in the layer.
    pub content_bytes: u64,
    /// The layer's tar entries.
    pub entries: u64,
    /// Bytes this layer added that are hidden later (or by itself).
    pub hidden_bytes_added: u64,
    /// Bytes of lower layers this layer hides.
    pub hides_bytes: u64,
    /// Bytes this layer added under cache rules (live or hidden).
    #[serde(default)]
    pub cache_bytes: u64,
    /// The layer's media type where the manifest gives one.
    #[serde(default)]
    pub media_type: Option<String>,
    /// How the blob is compressed: none, gzip or zstd.
    #[serde(default)]
    pub compression: String,
    /// With `--dockerfile`: the instruction that made the layer (the final
    /// stage's FROM for base-image layers), null where no line made it or
    /// the image does not match the file. Absent without `--dockerfile`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<Option<DockerfileLineJson>>,
    /// Which of the layer's digests were checked against its bytes in this
    /// run: none (the default for files and stdin), blob (the stored blob
    /// against its descriptor digest), diff_id (the uncompressed tar
    /// against the config's diff_id), or both.
    #[serde(default = "not_verified")]
    #[cfg_attr(
        feature = "schema",
        schemars(schema_with = "crate::schema::layer_verified")
    )]
    pub verified: String,
    /// Packages this layer's databases list that the layer below's did not.
    #[serde(default)]
    pub packages_installed: u64,
    /// Packages the layer below's databases list that this layer's do not.
    #[serde(default)]
    pub packages_removed: u64,
    /// Packages listed by both with a different version.
    #[serde(default)]
    pub packages_upgraded: u64,
}

fn not_verified() -> String {
    "none".to_string()
}

/// `layers[].dockerfile`: where in the Dockerfile a layer was made.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DockerfileLineJson {
    /// The Dockerfile as given to `--dockerfile`.
    pub path: String,
    /// The instruction's first line (1-based).
    pub line: u32,
    /// Its last line (continuations and heredocs included).
    pub end_line: u32,
    /// The instruction on one line, flags left out (`RUN apt-get update`).
    pub instruction: String,
}

/// `packages[]`: one package and its bytes (docs/packages.md).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PackageJson {
    /// dpkg, apk, python, conda, npm or rpm.
    pub manager: String,
    pub name: String,
    /// The version in the final databases (a removed package: its last).
    pub version: String,
    /// Where it is installed: `/` (dpkg, apk, rpm), the site directory
    /// (python), the prefix (conda), the package directory (npm).
    pub location: String,
    /// Bytes of live regular-file inodes the final databases list for it.
    pub live_bytes: u64,
    /// Bytes of hidden inodes it owned in the databases of the layer that
    /// added them.
    pub hidden_bytes: u64,
    /// Live regular-file inodes it owns.
    pub files: u64,
    /// The layer whose databases first list it (1-based).
    pub installed_by: Option<LayerIndex>,
    /// The layer whose databases no longer list it.
    pub removed_by: Option<LayerIndex>,
    /// Its group (toolchain, docs, locales, or a configured one).
    pub group: Option<String>,
    /// apt marked it automatically installed.
    #[serde(default)]
    pub auto_installed: bool,
    /// Auto-installed, recommended by an installed package, depended on by
    /// none.
    #[serde(default)]
    pub recommended_only: bool,
    /// Bytes `strip --strip-unneeded` would remove from its live ELF files.
    #[serde(default)]
    pub strippable_bytes: u64,
}

/// `unstripped[]`: one live ELF file with symbols or debug info.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UnstrippedJson {
    /// A live path of the file (one per inode: hardlinks once).
    pub path: String,
    /// The file's content bytes.
    pub size_bytes: u64,
    /// The sum of `sh_size` of the sections `strip --strip-unneeded`
    /// removes; null when the section headers could not be read.
    pub strippable_bytes: Option<u64>,
    /// The layer that added the file (1-based).
    pub added_by: LayerIndex,
    /// The package the final databases list it for, if any.
    pub package: Option<String>,
}

impl From<&layerscope_core::packages::Package> for PackageJson {
    fn from(p: &layerscope_core::packages::Package) -> PackageJson {
        PackageJson {
            manager: p.manager.as_str().to_string(),
            name: p.name.clone(),
            version: p.version.clone(),
            location: p.location.clone(),
            live_bytes: p.live_bytes,
            hidden_bytes: p.hidden_bytes,
            files: p.files,
            installed_by: p.installed_by,
            removed_by: p.removed_by,
            group: p.group.clone(),
            auto_installed: p.auto_installed,
            recommended_only: p.recommended_only,
            strippable_bytes: p.strippable_bytes,
        }
    }
}

/// `cache[]`: the bytes under one cache rule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CacheJson {
    /// The rule's name (`pip`, `apt-lists`, a `[[rules]]` name).
    pub rule: String,
    /// Bytes under the rule still visible in the final filesystem.
    pub live_bytes: u64,
    /// Bytes under the rule hidden by a later layer.
    pub hidden_bytes: u64,
    /// Files under the rule.
    pub files: u64,
    /// What to do about them.
    pub remedy: String,
}

/// `hidden[]`: a file whose bytes are in the image but not visible.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HiddenJson {
    /// The absolute path.
    pub path: String,
    /// The file's bytes.
    pub bytes: u64,
    /// removed (a whiteout or a type change) or overwritten (a file put at
    /// the same path later).
    #[cfg_attr(
        feature = "schema",
        schemars(schema_with = "crate::schema::hidden_cause")
    )]
    pub cause: String,
    /// The layer that added the file.
    pub added_by: LayerIndex,
    /// The layer that hid it.
    pub hidden_by: LayerIndex,
    /// Package-manager metadata rewritten by every install.
    #[serde(default)]
    pub churn: bool,
    /// The cache rule the path falls under, if any.
    #[serde(default)]
    pub cache_rule: Option<String>,
}

/// `duplicates[]`: live files with equal content.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DuplicateJson {
    /// The size of each copy.
    pub bytes_each: u64,
    /// (copies - 1) x bytes_each.
    pub wasted_bytes: u64,
    /// The absolute paths of the copies.
    pub paths: Vec<String>,
}

/// `findings[]`: something to change, and what it would save.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FindingJson {
    /// Stable identifier of the kind of finding.
    pub rule: String,
    /// How much it matters.
    #[cfg_attr(feature = "schema", schemars(schema_with = "crate::schema::severity"))]
    pub severity: String,
    /// The layer whose build step to change, where there is one.
    pub layer: Option<LayerIndex>,
    /// The bytes involved.
    pub bytes: u64,
    /// What was found.
    pub message: String,
    /// What to do about it.
    pub remedy: String,
    /// With `--dockerfile`: the line to change (null where none); absent
    /// without `--dockerfile`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dockerfile_line: Option<Option<u32>>,
}

/// dive's figures. dive's userWastedPercent is NaN for a one-layer image
/// (0/0) and +Inf when the upper layers are empty; JSON has neither, so a
/// non-finite value is written as `null`, as is everything when dive would
/// refuse the image (`refusal` says why).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DiveJson {
    /// dive's image efficiency score (0 to 1).
    pub efficiency: Option<f64>,
    /// dive's wasted bytes.
    pub wasted_bytes: Option<u64>,
    /// dive's wasted bytes as a percentage of the bytes of every layer but
    /// the first (can exceed 100: every copy counts).
    pub user_wasted_percent: Option<f64>,
    /// Why dive would refuse the image, when it would.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

impl Report {
    pub fn from_analysis(a: &Analysis) -> Report {
        let mut r = Report::without_hidden(a);
        r.hidden = a.hidden.iter().map(HiddenJson::from).collect();
        r
    }

    /// Everything but `hidden`, which [`ReportView`] writes straight from
    /// the analysis: an image of 10^6 hidden files would otherwise hold
    /// every path twice while the report is written.
    fn without_hidden(a: &Analysis) -> Report {
        Report {
            schema_version: SCHEMA_VERSION,
            image: ImageJson {
                reference: a.image.info.reference.clone(),
                format: a.image.info.format.as_str().to_string(),
                platform: a.image.info.platform.clone(),
                config_digest: a.image.info.config_digest.as_ref().map(|d| d.to_string()),
                gzipped: a.image.info.gzipped,
                source: Some(a.image.info.source.as_str().to_string()),
            },
            totals: a.totals.clone(),
            layers: a
                .layers
                .iter()
                .zip(&a.packages_per_layer())
                .map(|(l, p)| LayerJson {
                    index: l.index,
                    digest: l.digest.clone(),
                    diff_id: l.diff_id.clone(),
                    created_by: l.created_by.clone(),
                    size_bytes: l.size_bytes,
                    stored_bytes: l.stored_bytes,
                    content_bytes: l.content_bytes,
                    entries: l.entries,
                    hidden_bytes_added: l.hidden_bytes_added,
                    hides_bytes: l.hides_bytes,
                    cache_bytes: l.cache_bytes,
                    media_type: l.media_type.clone(),
                    compression: l.compression.to_string(),
                    dockerfile: a.dockerfile.as_ref().map(|_| {
                        a.dockerfile_line(l.index).map(|r| DockerfileLineJson {
                            path: r.path,
                            line: r.line,
                            end_line: r.end_line,
                            instruction: r.instruction,
                        })
                    }),
                    verified: l.verified.as_str().to_string(),
                    packages_installed: p.installed,
                    packages_removed: p.removed,
                    packages_upgraded: p.upgraded,
                })
                .collect(),
            cache: a
                .cache
                .iter()
                .map(|c| CacheJson {
                    rule: c.rule.clone(),
                    live_bytes: c.live_bytes,
                    hidden_bytes: c.hidden_bytes,
                    files: c.files,
                    remedy: c.remedy.clone(),
                })
                .collect(),
            hidden: Vec::new(),
            duplicates: a
                .duplicates
                .iter()
                .map(|d| DuplicateJson {
                    bytes_each: d.bytes_each,
                    wasted_bytes: d.wasted_bytes,
                    paths: d.paths.clone(),
                })
                .collect(),
            findings: a
                .findings
                .iter()
                .map(|f| FindingJson {
                    rule: f.rule.clone(),
                    severity: f.severity.as_str().to_string(),
                    layer: f.layer,
                    bytes: f.bytes,
                    message: f.message.clone(),
                    remedy: f.remedy.clone(),
                    dockerfile_line: a.dockerfile.as_ref().map(|d| d.finding_line(f)),
                })
                .collect(),
            packages: a.packages.list.iter().map(PackageJson::from).collect(),
            unstripped: a
                .unstripped
                .files
                .iter()
                .map(|f| UnstrippedJson {
                    path: f.path.clone(),
                    size_bytes: f.size,
                    strippable_bytes: f.strippable,
                    added_by: f.layer,
                    package: f
                        .package
                        .and_then(|i| a.packages.list.get(i as usize))
                        .map(|p| p.name.clone()),
                })
                .collect(),
            dive: Some(match &a.dive.refusal {
                Some(why) => DiveJson {
                    efficiency: None,
                    wasted_bytes: None,
                    user_wasted_percent: None,
                    refusal: Some(why.clone()),
                },
                None => DiveJson {
                    efficiency: finite(a.dive.figures.efficiency),
                    wasted_bytes: Some(a.dive.figures.wasted_bytes),
                    user_wasted_percent: finite(a.dive.figures.user_wasted_percent),
                    refusal: None,
                },
            }),
        }
    }
}

impl From<&HiddenFile> for HiddenJson {
    fn from(h: &HiddenFile) -> HiddenJson {
        HiddenJson {
            path: h.path.clone(),
            bytes: h.bytes,
            cause: h.cause.as_str().to_string(),
            added_by: h.added_by,
            hidden_by: h.hidden_by,
            churn: h.churn,
            cache_rule: h.cache_rule.clone(),
        }
    }
}

/// The report as [`Report`] serialises it, key for key, with `hidden`
/// borrowed from the analysis instead of copied.
pub(crate) struct ReportView<'a> {
    report: Report,
    hidden: &'a [HiddenFile],
}

impl<'a> ReportView<'a> {
    pub(crate) fn new(a: &'a Analysis) -> ReportView<'a> {
        ReportView {
            report: Report::without_hidden(a),
            hidden: &a.hidden,
        }
    }
}

/// One `hidden[]` item, borrowed; the same keys in the same order as
/// [`HiddenJson`].
#[derive(Serialize)]
struct HiddenRef<'a> {
    path: &'a str,
    bytes: u64,
    cause: &'static str,
    added_by: LayerIndex,
    hidden_by: LayerIndex,
    churn: bool,
    cache_rule: Option<&'a str>,
}

struct HiddenSeq<'a>(&'a [HiddenFile]);

impl Serialize for HiddenSeq<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|h| HiddenRef {
            path: &h.path,
            bytes: h.bytes,
            cause: h.cause.as_str(),
            added_by: h.added_by,
            hidden_by: h.hidden_by,
            churn: h.churn,
            cache_rule: h.cache_rule.as_deref(),
        }))
    }
}

impl Serialize for ReportView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = &self.report;
        let mut m = s.serialize_struct("Report", 11)?;
        m.serialize_field("schema_version", &r.schema_version)?;
        m.serialize_field("image", &r.image)?;
        m.serialize_field("totals", &r.totals)?;
        m.serialize_field("layers", &r.layers)?;
        m.serialize_field("cache", &r.cache)?;
        m.serialize_field("hidden", &HiddenSeq(self.hidden))?;
        m.serialize_field("duplicates", &r.duplicates)?;
        m.serialize_field("findings", &r.findings)?;
        m.serialize_field("packages", &r.packages)?;
        m.serialize_field("unstripped", &r.unstripped)?;
        match &r.dive {
            Some(d) => m.serialize_field("dive", d)?,
            None => m.skip_field("dive")?,
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use layerscope_core::analysis::CacheRules;
    use layerscope_core::source::{self, Input, OpenOptions};

    /// The borrowed view writes the very bytes the owned report does, on
    /// an image with hidden files under cache rules and churn.
    #[test]
    fn view_serialises_like_the_report() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/antipatterns/docker-archive.tar"
        );
        let image = source::open(&Input::from_arg(path), &OpenOptions::default()).unwrap();
        let a = Analysis::new(image, CacheRules::builtin());
        assert!(a.hidden.iter().any(|h| h.cache_rule.is_some()));
        assert!(a.hidden.iter().any(|h| h.churn));
        let owned = serde_json::to_string_pretty(&Report::from_analysis(&a)).unwrap();
        let view = serde_json::to_string_pretty(&ReportView::new(&a)).unwrap();
        assert_eq!(view, owned);
    }
}
