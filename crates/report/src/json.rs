//! The JSON report (interface.md, "The JSON report"). These structs are the
//! contract: `check --baseline` reads them back, so they deserialize too.

use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use layerscope_core::analysis::{Analysis, HiddenFile};
use layerscope_core::LayerIndex;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Report {
    pub schema_version: u32,
    pub image: ImageJson,
    pub totals: TotalsJson,
    pub layers: Vec<LayerJson>,
    pub cache: Vec<CacheJson>,
    pub hidden: Vec<HiddenJson>,
    pub duplicates: Vec<DuplicateJson>,
    pub findings: Vec<FindingJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dive: Option<DiveJson>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ImageJson {
    pub reference: Option<String>,
    pub format: String,
    pub platform: Option<String>,
    pub config_digest: Option<String>,
    /// The archive was gzipped as a whole.
    #[serde(default)]
    pub gzipped: bool,
    /// Where the image was read from: file, stdin, docker, podman or
    /// registry (absent in reports written before it was added).
    #[serde(default)]
    pub source: Option<String>,
}

/// `totals` is the analysis's own struct, serialised as it is.
pub type TotalsJson = layerscope_core::analysis::Totals;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LayerJson {
    pub index: LayerIndex,
    pub digest: String,
    pub diff_id: String,
    pub created_by: Option<String>,
    pub size_bytes: u64,
    pub stored_bytes: u64,
    pub content_bytes: u64,
    pub entries: u64,
    pub hidden_bytes_added: u64,
    pub hides_bytes: u64,
    #[serde(default)]
    pub cache_bytes: u64,
    #[serde(default)]
    pub media_type: Option<String>,
    #[serde(default)]
    pub compression: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CacheJson {
    pub rule: String,
    pub live_bytes: u64,
    pub hidden_bytes: u64,
    pub files: u64,
    pub remedy: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HiddenJson {
    pub path: String,
    pub bytes: u64,
    pub cause: String,
    pub added_by: LayerIndex,
    pub hidden_by: LayerIndex,
    #[serde(default)]
    pub churn: bool,
    #[serde(default)]
    pub cache_rule: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DuplicateJson {
    pub bytes_each: u64,
    pub wasted_bytes: u64,
    pub paths: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FindingJson {
    pub rule: String,
    pub severity: String,
    pub layer: Option<LayerIndex>,
    pub bytes: u64,
    pub message: String,
    pub remedy: String,
}

/// dive's figures. dive's userWastedPercent is NaN for a one-layer image
/// (0/0) and +Inf when the upper layers are empty; JSON has neither, so a
/// non-finite value is written as `null`, as is everything when dive would
/// refuse the image (`refusal` says why).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DiveJson {
    pub efficiency: Option<f64>,
    pub wasted_bytes: Option<u64>,
    pub user_wasted_percent: Option<f64>,
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
                .map(|l| LayerJson {
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
        let mut m = s.serialize_struct("Report", 9)?;
        m.serialize_field("schema_version", &r.schema_version)?;
        m.serialize_field("image", &r.image)?;
        m.serialize_field("totals", &r.totals)?;
        m.serialize_field("layers", &r.layers)?;
        m.serialize_field("cache", &r.cache)?;
        m.serialize_field("hidden", &HiddenSeq(self.hidden))?;
        m.serialize_field("duplicates", &r.duplicates)?;
        m.serialize_field("findings", &r.findings)?;
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
