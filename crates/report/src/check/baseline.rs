//! `--baseline OLD.json --max-growth 5%|20MB`: compare the image with a
//! report saved from the main branch (`report --format json`, or the
//! output of `check --format json`, which is the same report plus
//! `checks[]`), and say which layers and cache rules grew.

use std::collections::BTreeMap;
use std::path::Path;

use super::{layer_label, CheckResult, Measure, Offender, Status};
use crate::json::SCHEMA_VERSION;
use crate::Report;
use layerscope_core::analysis::{build_step, shorten, Analysis};
use layerscope_core::diff::{compare, Comparison, Side};
use layerscope_core::error::{Error, Result};
use layerscope_core::units::human;

pub use layerscope_core::config::MaxGrowth;

/// `+20 MB` or `+5% = +1.20 MB` of a baseline of `old` bytes.
fn describe(max: MaxGrowth, old: u64) -> String {
    match max {
        MaxGrowth::Bytes(b) => format!("+{}", human(b)),
        MaxGrowth::Percent(p) => format!("+{p}% = +{}", human(max.allowed(old))),
    }
}

/// A baseline and the growth allowed against it.
#[derive(Debug, Clone)]
pub struct Growth {
    pub baseline: Report,
    pub max: MaxGrowth,
    /// Where the baseline came from, for messages.
    pub source: String,
}

/// Read a saved report (either kind of JSON output).
pub fn parse_baseline(text: &str, file: &str) -> Result<Report> {
    let r: Report = serde_json::from_str(text).map_err(|e| {
        Error::metadata(
            file,
            format!(
                "not a layerscope JSON report (report --format json or check --format json): {e}"
            ),
        )
    })?;
    if r.schema_version != SCHEMA_VERSION {
        return Err(Error::metadata(
            file,
            format!(
                "report schema_version {} is not {SCHEMA_VERSION}",
                r.schema_version
            ),
        ));
    }
    Ok(r)
}

pub fn load_baseline(path: &Path) -> Result<Report> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(&name, e))?;
    parse_baseline(&text, &name)
}

fn signed(new: u64, old: u64) -> i64 {
    (new as i128 - old as i128).clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

fn step_of(created_by: Option<&str>) -> String {
    created_by
        .map(|c| shorten(&build_step(c), 60))
        .unwrap_or_default()
}

/// The `max_growth` result: size growth against the baseline; on failure,
/// the layers (matched by index, then diff_id / build step) and cache
/// rules that grew, largest first.
pub fn evaluate(a: &Analysis, g: &Growth) -> CheckResult {
    let old = g.baseline.totals.size_bytes;
    let new = a.totals.size_bytes;
    let growth = signed(new, old);
    let allowed = g.max.allowed(old);
    let fail = growth > 0 && growth as u64 > allowed;

    // (growth, offender)
    let mut grew: Vec<(i64, Offender)> = Vec::new();
    let n = a.layers.len().max(g.baseline.layers.len());
    for i in 0..n {
        match (a.layers.get(i), g.baseline.layers.get(i)) {
            (Some(l), Some(o)) => {
                if l.diff_id == o.diff_id {
                    continue; // the same layer
                }
                let d = signed(l.size_bytes, o.size_bytes);
                if d <= 0 {
                    continue;
                }
                let same_step = l.created_by == o.created_by;
                let what = if same_step {
                    format!(
                        "{} grew {} -> {}",
                        layer_label(a, l.index),
                        human(o.size_bytes),
                        human(l.size_bytes)
                    )
                } else {
                    format!(
                        "{} grew {} -> {} (was `{}`)",
                        layer_label(a, l.index),
                        human(o.size_bytes),
                        human(l.size_bytes),
                        step_of(o.created_by.as_deref())
                    )
                };
                grew.push((
                    d,
                    Offender {
                        what,
                        bytes: d as u64,
                        layer: Some(l.index),
                        remedy: None,
                    },
                ));
            }
            (Some(l), None) => grew.push((
                l.size_bytes as i64,
                Offender {
                    what: format!(
                        "{} is new ({})",
                        layer_label(a, l.index),
                        human(l.size_bytes)
                    ),
                    bytes: l.size_bytes,
                    layer: Some(l.index),
                    remedy: None,
                },
            )),
            _ => {}
        }
    }
    let old_cache: BTreeMap<&str, u64> = g
        .baseline
        .cache
        .iter()
        .map(|c| (c.rule.as_str(), c.live_bytes + c.hidden_bytes))
        .collect();
    for c in &a.cache {
        let now = c.live_bytes + c.hidden_bytes;
        let before = old_cache.get(c.rule.as_str()).copied().unwrap_or(0);
        if now > before {
            grew.push((
                (now - before) as i64,
                Offender {
                    what: format!("{} cache grew {} -> {}", c.rule, human(before), human(now)),
                    bytes: now - before,
                    layer: None,
                    remedy: Some(c.remedy.clone()),
                },
            ));
        }
    }
    grew.sort_by_key(|x| std::cmp::Reverse(x.0));

    let pct = if old == 0 {
        String::new()
    } else {
        format!(", {:+.1}%", growth as f64 * 100.0 / old as f64)
    };
    let message = format!(
        "size {} -> {} ({}{pct}) against the baseline {}; allowed {}",
        human(old),
        human(new),
        Measure::Delta(growth).display(),
        g.source,
        describe(g.max, old)
    );
    CheckResult {
        rule: "max_growth".into(),
        status: if fail { Status::Fail } else { Status::Pass },
        value: Some(Measure::Delta(growth)),
        limit: Some(Measure::Bytes(allowed)),
        message,
        offenders: if fail {
            grew.into_iter().map(|x| x.1).collect()
        } else {
            Vec::new()
        },
    }
}

/// The comparison-based baseline rules (`--baseline OLD` with
/// `--max-new-waste`, `--max-new-packages`; `max_growth` also names the
/// files that grew most when OLD lists its files): OLD as a comparison side,
/// from an image or a saved report.
#[derive(Debug, Clone)]
pub struct Against {
    pub old: Side,
    /// Where OLD came from, for messages.
    pub source: String,
    /// `max_new_waste`: largest allowed growth of wasted_bytes.
    pub max_new_waste: Option<u64>,
    /// `max_new_packages`: most packages NEW may add (matched by manager
    /// and name; skipped when a side has no package data).
    pub max_new_packages: Option<u64>,
}

impl Against {
    /// Compare OLD with the analysed image.
    pub fn compare(&self, a: &Analysis) -> Comparison {
        compare(self.old.clone(), Side::from_analysis(a))
    }
}

/// The largest file changes that added bytes, as offenders (at most `n`).
pub fn growing_files(c: &Comparison, n: usize) -> Vec<Offender> {
    crate::diff::largest(c, usize::MAX)
        .into_iter()
        .filter(|(_, x)| x.delta() > 0)
        .take(n)
        .map(|(what, x)| Offender {
            what: format!(
                "{} {what} ({} -> {})",
                x.path,
                human(x.old_bytes),
                human(x.new_bytes)
            ),
            bytes: x.delta() as u64,
            layer: x.new_layer,
            remedy: None,
        })
        .collect()
}

/// `max_new_waste`: wasted_bytes of the image minus OLD's; on failure the
/// findings new since OLD and the caches that grew, largest first.
pub fn new_waste(c: &Comparison, limit: u64, source: &str) -> CheckResult {
    let d = c.delta.wasted_bytes;
    let fail = d > 0 && d as u64 > limit;
    let mut offenders: Vec<Offender> = c
        .findings
        .new
        .iter()
        .filter(|f| f.bytes > 0)
        .map(|f| Offender {
            what: f.message.clone(),
            bytes: f.bytes,
            layer: f.layer,
            remedy: None,
        })
        .collect();
    for x in &c.cache {
        if x.new_bytes > x.old_bytes {
            offenders.push(Offender {
                what: format!(
                    "{} cache grew {} -> {}",
                    x.rule,
                    human(x.old_bytes),
                    human(x.new_bytes)
                ),
                bytes: x.new_bytes - x.old_bytes,
                layer: None,
                remedy: None,
            });
        }
    }
    offenders.sort_by_key(|o| std::cmp::Reverse(o.bytes));
    CheckResult {
        rule: "max_new_waste".into(),
        status: if fail { Status::Fail } else { Status::Pass },
        value: Some(Measure::Delta(d)),
        limit: Some(Measure::Bytes(limit)),
        message: format!(
            "wasted {} -> {} ({}) against the baseline {source}; allowed +{}",
            human(c.old.totals.wasted_bytes),
            human(c.new.totals.wasted_bytes),
            Measure::Delta(d).display(),
            human(limit)
        ),
        offenders: if fail { offenders } else { Vec::new() },
    }
}

/// `max_new_packages`: packages in the image that OLD does not have;
/// skipped while either side has no package data.
pub fn new_packages(c: &Comparison, limit: u64, source: &str) -> CheckResult {
    let Some(p) = c.packages.as_ref().map(|p| &p.new) else {
        return CheckResult {
            rule: "max_new_packages".into(),
            status: Status::Skip,
            value: None,
            limit: Some(Measure::Count(limit)),
            message: "no package data for the image or the baseline: not checked".into(),
            offenders: Vec::new(),
        };
    };
    let n = p.len() as u64;
    let fail = n > limit;
    let mut message = format!("{n} new packages against the baseline {source}; allowed {limit}");
    if fail {
        const NAMED: usize = 10;
        let names: Vec<String> = p
            .iter()
            .take(NAMED)
            .map(|x| format!("{}/{}", x.manager, x.name))
            .collect();
        message.push_str(": ");
        message.push_str(&names.join(", "));
        if p.len() > NAMED {
            message.push_str(&format!(", and {} more", p.len() - NAMED));
        }
    }
    let mut offenders: Vec<Offender> = if fail {
        p.iter()
            .map(|x| Offender {
                what: format!("new package {}/{} {}", x.manager, x.name, x.version),
                bytes: x.bytes,
                layer: None,
                remedy: None,
            })
            .collect()
    } else {
        Vec::new()
    };
    offenders.sort_by_key(|o| std::cmp::Reverse(o.bytes));
    CheckResult {
        rule: "max_new_packages".into(),
        status: if fail { Status::Fail } else { Status::Pass },
        value: Some(Measure::Count(n)),
        limit: Some(Measure::Count(limit)),
        message,
        offenders,
    }
}
