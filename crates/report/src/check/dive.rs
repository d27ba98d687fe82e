//! dive's CI rules (`.dive-ci`), so users can migrate their thresholds as
//! they are. Semantics follow dive's documented behaviour:
//!
//! ```yaml
//! rules:
//!   lowestEfficiency: 0.95          # ratio 0-1: fail if efficiency < it
//!   highestWastedBytes: 20MB        # size: fail if wasted bytes > it
//!   highestUserWastedPercent: 0.20  # ratio 0-1 (0.2 = 20%): fail if above
//! ```
//!
//! A rule whose value is `disabled`, `off`, `false` or empty is skipped; a
//! rule the file leaves out takes dive's default (`lowestEfficiency: 0.9`,
//! `highestWastedBytes: disabled`, `highestUserWastedPercent: 0.1`).
//! Sizes are read like dive reads them (decimal `kB`/`MB`/`GB`, binary
//! `KiB`/`MiB`/`GiB`, bare bytes, case-insensitive, `,` separators). The
//! newer kebab-case keys (`lowest-efficiency-threshold`,
//! `highest-wasted-bytes`, `highest-user-wasted-percent`) are accepted too.
//! An invalid value is an error, never a silent pass.

use std::path::Path;

use serde_norway::Value;

use super::{CheckResult, Measure, Status};
use layerscope_core::analysis::Analysis;
use layerscope_core::error::{Error, Result};

/// The dive-compatible figures the rules apply to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiveValues {
    /// 0-1.
    pub efficiency: f64,
    pub wasted_bytes: u64,
    /// 0-100, like interface.md's `dive.user_wasted_percent`.
    pub user_wasted_percent: f64,
}

/// The dive figures of an analysis, when they can be computed.
/// None when dive itself would refuse the image (`Analysis::dive.refusal`).
pub fn dive_values(a: &Analysis) -> Option<DiveValues> {
    if a.dive.refusal.is_some() {
        return None;
    }
    let f = &a.dive.figures;
    Some(DiveValues {
        efficiency: f.efficiency,
        wasted_bytes: f.wasted_bytes,
        user_wasted_percent: f.user_wasted_percent,
    })
}

/// dive's three rules; `None` = disabled.
#[derive(Debug, Clone, PartialEq)]
pub struct DiveCi {
    pub lowest_efficiency: Option<f64>,
    pub highest_wasted_bytes: Option<u64>,
    /// A ratio, 0-1 (dive's unit), not a percentage.
    pub highest_user_wasted_percent: Option<f64>,
}

impl Default for DiveCi {
    /// dive's defaults.
    fn default() -> Self {
        DiveCi {
            lowest_efficiency: Some(0.9),
            highest_wasted_bytes: None,
            highest_user_wasted_percent: Some(0.1),
        }
    }
}

const KEYS: [(&str, &str); 3] = [
    ("lowestEfficiency", "lowest-efficiency-threshold"),
    ("highestWastedBytes", "highest-wasted-bytes"),
    ("highestUserWastedPercent", "highest-user-wasted-percent"),
];

fn is_disabled(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "" | "disabled" | "off" | "false"
    )
}

/// A YAML scalar as the string dive's config loader would see.
fn scalar(v: &Value, key: &str, file: &str) -> Result<Option<String>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        _ => Err(Error::metadata(
            file,
            format!("rules.{key}: expected a value, not a list or mapping"),
        )),
    }
}

fn ratio(v: &str, key: &str, file: &str) -> Result<f64> {
    let f: f64 = v.trim().parse().map_err(|_| {
        Error::metadata(
            file,
            format!("invalid {key} value {v:?}: expected a ratio between 0 and 1, or \"disabled\""),
        )
    })?;
    if !(0.0..=1.0).contains(&f) {
        return Err(Error::metadata(
            file,
            format!("{key} value {v:?} is outside the allowed range 0-1 (0.1 means 10%)"),
        ));
    }
    Ok(f)
}

/// Bytes as dive reads them: a number (`,` allowed) then an optional unit:
/// `B`, `kB`/`k`, `MB`/`M`, ... (10^n) or `KiB`/`Ki`, `MiB`/`Mi`, ... (2^n),
/// case-insensitive; fractions are allowed and rounded down.
fn parse_dive_bytes(s: &str) -> std::result::Result<u64, String> {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(s.len());
    let num: String = s[..end].chars().filter(|&c| c != ',').collect();
    let f: f64 = num
        .parse()
        .map_err(|_| format!("invalid size {s:?}: expected a number and a unit like 20MB"))?;
    let unit = s[end..].trim().to_ascii_lowercase();
    let m: f64 = match unit.as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "p" | "pb" => 1e15,
        "e" | "eb" => 1e18,
        "ki" | "kib" => 1024.0,
        "mi" | "mib" => 1024f64.powi(2),
        "gi" | "gib" => 1024f64.powi(3),
        "ti" | "tib" => 1024f64.powi(4),
        "pi" | "pib" => 1024f64.powi(5),
        "ei" | "eib" => 1024f64.powi(6),
        _ => return Err(format!("invalid size {s:?}: unknown unit {unit:?}")),
    };
    let v = f * m;
    if v >= u64::MAX as f64 {
        return Err(format!("size {s:?} is too large"));
    }
    Ok(v as u64)
}

impl DiveCi {
    /// Read a `.dive-ci` file's text.
    pub fn parse(text: &str, file: &str) -> Result<DiveCi> {
        let doc: Value = serde_norway::from_str(text)
            .map_err(|e| Error::metadata(file, format!("not valid YAML: {e}")))?;
        let mut ci = DiveCi::default();
        let top = match &doc {
            Value::Null => return Ok(ci),
            Value::Mapping(m) => m,
            _ => return Err(Error::metadata(file, "expected a mapping with `rules:`")),
        };
        // Values given in `rules:` (camelCase or kebab-case) or at the top
        // level (kebab-case, dive's newer form).
        let mut given: [Option<String>; 3] = [None, None, None];
        if let Some(rules) = top.get("rules") {
            match rules {
                Value::Null => {}
                Value::Mapping(m) => {
                    for (k, v) in m {
                        let k = k.as_str().unwrap_or_default();
                        let i = KEYS
                            .iter()
                            .position(|(camel, kebab)| k == *camel || k == *kebab)
                            .ok_or_else(|| {
                                Error::metadata(
                                    file,
                                    format!(
                                        "unknown rule {k:?} (lowestEfficiency, highestWastedBytes, highestUserWastedPercent)"
                                    ),
                                )
                            })?;
                        if let Some(s) = scalar(v, KEYS[i].0, file)? {
                            given[i] = Some(s);
                        }
                    }
                }
                _ => return Err(Error::metadata(file, "`rules:` must be a mapping")),
            }
        }
        for (i, (_, kebab)) in KEYS.iter().enumerate() {
            if let Some(v) = top.get(*kebab) {
                if let Some(s) = scalar(v, KEYS[i].0, file)? {
                    given[i] = Some(s);
                }
            }
        }
        if let Some(v) = &given[0] {
            ci.lowest_efficiency = if is_disabled(v) {
                None
            } else {
                Some(ratio(v, KEYS[0].0, file)?)
            };
        }
        if let Some(v) = &given[1] {
            ci.highest_wasted_bytes = if is_disabled(v) {
                None
            } else {
                Some(parse_dive_bytes(v).map_err(|e| {
                    Error::metadata(file, format!("invalid {} value: {e}", KEYS[1].0))
                })?)
            };
        }
        if let Some(v) = &given[2] {
            ci.highest_user_wasted_percent = if is_disabled(v) {
                None
            } else {
                Some(ratio(v, KEYS[2].0, file)?)
            };
        }
        Ok(ci)
    }

    pub fn load(path: &Path) -> Result<DiveCi> {
        let name = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| Error::io(&name, e))?;
        if meta.len() > 1 << 20 {
            return Err(Error::metadata(&name, "file larger than 1 MiB"));
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(&name, e))?;
        DiveCi::parse(&text, &name)
    }
}

fn skip(rule: &str, limit: Option<Measure>, message: &str) -> CheckResult {
    CheckResult {
        rule: format!("dive.{rule}"),
        status: Status::Skip,
        value: None,
        limit,
        message: message.to_string(),
        offenders: Vec::new(),
    }
}

fn judged(rule: &str, fail: bool, value: Measure, limit: Measure, message: String) -> CheckResult {
    CheckResult {
        rule: format!("dive.{rule}"),
        status: if fail { Status::Fail } else { Status::Pass },
        value: Some(value),
        limit: Some(limit),
        message,
        offenders: Vec::new(),
    }
}

/// Apply the rules to the dive figures (`None`: unavailable, every rule is
/// skipped and says so).
pub fn evaluate(ci: &DiveCi, values: Option<&DiveValues>) -> Vec<CheckResult> {
    const UNAVAILABLE: &str =
        "dive would refuse this image, so it has no dive figures: rule not evaluated";
    let mut out = Vec::new();

    let key = KEYS[0].0;
    out.push(match (ci.lowest_efficiency, values) {
        (None, _) => skip(key, None, "rule disabled"),
        (Some(t), None) => skip(key, Some(Measure::Ratio(t)), UNAVAILABLE),
        (Some(t), Some(v)) => judged(
            key,
            t > v.efficiency,
            Measure::Ratio(v.efficiency),
            Measure::Ratio(t),
            format!(
                "dive's image efficiency {:.2}% (lowest allowed {:.2}%)",
                v.efficiency * 100.0,
                t * 100.0
            ),
        ),
    });

    let key = KEYS[1].0;
    out.push(match (ci.highest_wasted_bytes, values) {
        (None, _) => skip(key, None, "rule disabled"),
        (Some(t), None) => skip(key, Some(Measure::Bytes(t)), UNAVAILABLE),
        (Some(t), Some(v)) => judged(
            key,
            v.wasted_bytes > t,
            Measure::Bytes(v.wasted_bytes),
            Measure::Bytes(t),
            format!(
                "dive's wasted bytes {} (highest allowed {t})",
                v.wasted_bytes
            ),
        ),
    });

    let key = KEYS[2].0;
    out.push(match (ci.highest_user_wasted_percent, values) {
        (None, _) => skip(key, None, "rule disabled"),
        (Some(t), None) => skip(key, Some(Measure::Percent(t * 100.0)), UNAVAILABLE),
        (Some(t), Some(v)) => judged(
            key,
            v.user_wasted_percent / 100.0 > t,
            Measure::Percent(v.user_wasted_percent),
            Measure::Percent(t * 100.0),
            format!(
                "dive's wasted bytes relative to the bytes user layers added: {:.2}% (highest allowed {:.2}%)",
                v.user_wasted_percent,
                t * 100.0
            ),
        ),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::parse_dive_bytes;

    #[test]
    fn sizes_are_read_like_dive_reads_them() {
        assert_eq!(parse_dive_bytes("20MB"), Ok(20_000_000));
        assert_eq!(parse_dive_bytes("20 mb"), Ok(20_000_000));
        assert_eq!(parse_dive_bytes("20M"), Ok(20_000_000));
        assert_eq!(parse_dive_bytes("20MiB"), Ok(20_971_520));
        assert_eq!(parse_dive_bytes("20Mi"), Ok(20_971_520));
        assert_eq!(parse_dive_bytes("1.5kB"), Ok(1_500));
        assert_eq!(parse_dive_bytes("1,000,000"), Ok(1_000_000));
        assert_eq!(parse_dive_bytes("42"), Ok(42));
        assert_eq!(parse_dive_bytes("42 B"), Ok(42));
        assert_eq!(parse_dive_bytes("1GB"), Ok(1_000_000_000));
        assert!(parse_dive_bytes("MB").is_err());
        assert!(parse_dive_bytes("12XB").is_err());
        assert!(parse_dive_bytes("-5MB").is_err());
    }
}
