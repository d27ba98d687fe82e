//! `check --format sarif` (SARIF 2.1.0, for GitHub code scanning) and
//! `check --format codeclimate` (GitLab's code-quality report): the
//! findings and the failed budget rules, each located on the Dockerfile
//! line to change when `--dockerfile` was given. Names from the image are
//! escaped for the terminal (no control characters) before they are put in
//! JSON, which serde escapes in turn.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::{CheckResult, Status};
use layerscope_core::analysis::{Analysis, Finding, Severity};
use layerscope_core::escape::str_for_terminal as esc;
use layerscope_core::LayerIndex;

/// (rule id, short description, help): every finding rule, the Dockerfile
/// mismatch, and the budget rules' family.
const RULES: &[(&str, &str, &str)] = &[
    ("removed-later", "Files deleted in a later layer than the one that created them",
     "Deleting in a later RUN hides the files but their bytes stay in the earlier layer. Delete them in the same RUN that creates them (`layerscope fix` moves the cleanup), or build in a separate stage and COPY only what the image needs."),
    ("overwritten-later", "Files written again by a later layer",
     "Every version of a file ships. Make the change in the same RUN that creates the file, or produce the final file in a build stage and COPY it."),
    ("duplicate-tar-entry", "A layer writes the same path more than once",
     "Only the last copy is seen; the others ship for nothing. Rebuild the layer with a tool that writes each path once."),
    ("cache-left-in-image", "Package-manager or tool cache left in the image",
     "Caches (pip, apt lists and archives, npm, yarn, apk, …) are not needed at run time. Use the tool's no-cache flag or clean in the same RUN, or a `RUN --mount=type=cache` (`layerscope fix` applies the remedy)."),
    ("duplicate-files", "Identical files shipped more than once",
     "Keep one copy (hardlink or symlink the others), and don't COPY the same content twice."),
    ("dotdot-path", "Layer paths with a `..` component",
     "No standard builder writes `..` into layer paths: rebuild the image."),
    ("whiteout-and-entry", "A whiteout beside an entry for the same path",
     "Runtimes disagree on the result: rebuild the layer."),
    ("hardlink-to-lower-layer", "Hardlinks to files of lower layers",
     "A hardlink must name an earlier entry of the same layer: rebuild the layer."),
    ("hardlink-missing-target", "Hardlinks to missing files",
     "A hardlink must name an earlier entry of the same layer: rebuild the layer."),
    ("empty-name", "Entries with an empty name",
     "Rebuild the layer with a standard tool."),
    ("dockerfile-mismatch", "The image was not built from the given Dockerfile",
     "layerscope aligns the image's history with the Dockerfile's final stage and found a step that does not match: give the Dockerfile the image was built from, or rebuild the image."),
];

const BUDGET_HELP: &str = "A size budget of .layerscope.toml or the check flags is exceeded (interface.md, \"The budget file\"). The offenders listed are where the bytes are; `layerscope report` shows every figure.";

fn rule_text(id: &str) -> (String, String) {
    match RULES.iter().find(|r| r.0 == id) {
        Some(r) => (r.1.to_string(), r.2.to_string()),
        None if id.starts_with("budget/") => (
            format!("Budget {} exceeded", &id[7..]),
            BUDGET_HELP.to_string(),
        ),
        None => (id.to_string(), String::new()),
    }
}

/// Where a result points: (path, first line, last line).
type Loc = Option<(String, u32, u32)>;

fn layer_loc(a: &Analysis, layer: Option<LayerIndex>) -> Loc {
    let r = a.dockerfile_line(layer?)?;
    Some((r.path, r.line, r.end_line))
}

/// A finding's place: its line, else (with a Dockerfile) the final FROM.
fn finding_loc(a: &Analysis, f: &Finding) -> Loc {
    let d = a.dockerfile.as_ref()?;
    if let Some(line) = d.finding_line(f) {
        let end = layer_loc(a, f.layer).map_or(line, |l| l.2.max(line));
        return Some((d.path.clone(), line, end));
    }
    let from = &d.file.instructions[d.file.final_from()];
    Some((d.path.clone(), from.line, from.end_line))
}

/// A failed rule's place: its first offender with a line.
fn check_loc(a: &Analysis, r: &CheckResult) -> Loc {
    let d = a.dockerfile.as_ref()?;
    r.offenders
        .iter()
        .find_map(|o| layer_loc(a, o.layer))
        .or_else(|| {
            let from = &d.file.instructions[d.file.final_from()];
            Some((d.path.clone(), from.line, from.end_line))
        })
}

/// A stable fingerprint (FNV-1a 64, hex): what the result is about, not
/// its byte counts, so it survives a rebuild that changes the sizes.
fn fingerprint(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0)) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    format!("{h:016x}")
}

/// Everything reported, in one list: (rule id, level, message, loc, what
/// it is about, bytes, layer).
struct Item {
    rule: String,
    level: &'static str,
    message: String,
    loc: Loc,
    about: String,
    bytes: u64,
    layer: Option<LayerIndex>,
}

fn items(a: &Analysis, results: &[CheckResult]) -> Vec<Item> {
    let mut out = Vec::new();
    for r in results.iter().filter(|r| r.status == Status::Fail) {
        let mut msg = r.message.clone();
        for o in &r.offenders {
            msg.push_str(&format!("; {}", o.what));
        }
        out.push(Item {
            rule: format!("budget/{}", r.rule),
            level: "error",
            message: esc(&msg).into_owned(),
            loc: check_loc(a, r),
            about: r.rule.clone(),
            bytes: 0,
            layer: r.offenders.iter().find_map(|o| o.layer),
        });
    }
    for f in &a.findings {
        out.push(Item {
            rule: f.rule.clone(),
            level: match f.severity {
                Severity::Warning => "warning",
                Severity::Info => "note",
            },
            message: esc(&format!("{} Remedy: {}", f.message, f.remedy)).into_owned(),
            loc: finding_loc(a, f),
            about: format!(
                "{}|{}",
                f.remedy,
                f.layer.and_then(|l| a.dockerfile_line(l)).map_or_else(
                    || f.layer.map_or(String::new(), |l| l.to_string()),
                    |r| r.instruction
                )
            ),
            bytes: f.bytes,
            layer: f.layer,
        });
    }
    out
}

/// `check --format sarif`.
pub fn write_sarif<W: Write + ?Sized>(
    a: &Analysis,
    results: &[CheckResult],
    w: &mut W,
) -> io::Result<()> {
    let items = items(a, results);
    let mut ids: Vec<String> = Vec::new();
    for i in &items {
        if !ids.contains(&i.rule) {
            ids.push(i.rule.clone());
        }
    }
    let rules: Vec<Value> = ids
        .iter()
        .map(|id| {
            let (short, help) = rule_text(id);
            let level = items
                .iter()
                .find(|i| &i.rule == id)
                .map_or("warning", |i| i.level);
            json!({
                "id": id,
                // SARIF §3.49.7: a readable name that differs from the id.
                "name": rule_name(id),
                "shortDescription": { "text": short },
                "fullDescription": { "text": help },
                "help": { "text": help },
                "helpUri": "https://github.com/layerscope/layerscope/blob/main/docs/dockerfile.md",
                "defaultConfiguration": { "level": level },
            })
        })
        .collect();
    let res: Vec<Value> = items
        .iter()
        .map(|i| {
            let mut r = json!({
                "ruleId": i.rule,
                "ruleIndex": ids.iter().position(|x| x == &i.rule).unwrap_or(0),
                "level": i.level,
                "message": { "text": i.message },
                "partialFingerprints": {
                    "layerscope/v1": fingerprint(&[&i.rule, &i.about, i.loc.as_ref().map_or("", |l| l.0.as_str())])
                },
                "properties": {
                    "bytes": i.bytes,
                    "layer": i.layer.map(|l| l.number()),
                },
            });
            if let Some((path, line, end)) = &i.loc {
                r["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(path) },
                        "region": { "startLine": line, "endLine": end },
                    }
                }]);
            }
            r
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "layerscope",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/layerscope/layerscope",
                "rules": rules,
            }},
            "results": res,
            "invocations": [{ "executionSuccessful": true }],
        }],
    });
    serde_json::to_writer_pretty(&mut *w, &log)?;
    writeln!(w)
}

/// A rule's readable name (SARIF §3.49.7: not the id itself):
/// `budget/max_wasted` → `BudgetMaxWasted`, `cache-left-in-image` →
/// `CacheLeftInImage`.
fn rule_name(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The Dockerfile's path as a URI: a relative path as a relative
/// reference (`./` dropped), an absolute one as a `file://` URI (a relative
/// reference must not begin with `/`: SARIF 2.1.0 §3.10.3, rule SARIF1004
/// of Microsoft's validator); each segment percent-encoded where it must be.
fn uri(path: &str) -> String {
    let p = path.trim_start_matches("./");
    let mut out = String::new();
    if p.starts_with('/') {
        out.push_str("file://");
    }
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `check --format codeclimate`: GitLab's code-quality JSON array.
pub fn write_codeclimate<W: Write + ?Sized>(
    a: &Analysis,
    results: &[CheckResult],
    w: &mut W,
) -> io::Result<()> {
    let list: Vec<Value> = items(a, results)
        .into_iter()
        .map(|i| {
            let (path, line) = match &i.loc {
                Some((p, l, _)) => (p.trim_start_matches("./").to_string(), *l),
                None => ("Dockerfile".to_string(), 1),
            };
            json!({
                "description": i.message,
                "check_name": i.rule,
                "fingerprint": fingerprint(&[&i.rule, &i.about, &path]),
                "severity": match i.level {
                    "error" => "major",
                    "warning" => "minor",
                    _ => "info",
                },
                "location": { "path": path, "lines": { "begin": line } },
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *w, &list)?;
    writeln!(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_and_fingerprints() {
        assert_eq!(uri("./docker/Dockerfile"), "docker/Dockerfile");
        assert_eq!(uri("a b/Dockerfile#1"), "a%20b/Dockerfile%231");
        assert_eq!(uri("/src/app/Dockerfile"), "file:///src/app/Dockerfile");
        assert_eq!(rule_name("budget/max_wasted"), "BudgetMaxWasted");
        assert_eq!(rule_name("cache-left-in-image"), "CacheLeftInImage");
        assert_eq!(fingerprint(&["a", "b"]), fingerprint(&["a", "b"]));
        assert_ne!(fingerprint(&["ab", ""]), fingerprint(&["a", "b"]));
        // FNV-1a 64 of "" is its offset basis.
        assert_eq!(fingerprint(&[]), "cbf29ce484222325");
    }
}
