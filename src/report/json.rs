//! The JSON report (interface.md, "The JSON report"). These structs are the
//! contract: `check --baseline` reads them back, so they deserialize too.

use serde::{Deserialize, Serialize};

use crate::analysis::Analysis;

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
}

/// `totals` is the analysis's own struct, serialised as it is.
pub type TotalsJson = crate::analysis::Totals;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LayerJson {
    pub index: usize,
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
    pub added_by: usize,
    pub hidden_by: usize,
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
    pub layer: Option<usize>,
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
        Report {
            schema_version: SCHEMA_VERSION,
            image: ImageJson {
                reference: a.image.info.reference.clone(),
                format: a.image.info.format.as_str().to_string(),
                platform: a.image.info.platform.clone(),
                config_digest: a.image.info.config_digest.clone(),
                gzipped: a.image.info.gzipped,
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
            hidden: a
                .hidden
                .iter()
                .map(|h| HiddenJson {
                    path: h.path.clone(),
                    bytes: h.bytes,
                    cause: h.cause.as_str().to_string(),
                    added_by: h.added_by,
                    hidden_by: h.hidden_by,
                    churn: h.churn,
                    cache_rule: h.cache_rule.clone(),
                })
                .collect(),
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
