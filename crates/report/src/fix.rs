//! `layerscope fix`'s outputs: the unified diff with a comment on each hunk,
//! and the JSON (`predicted_saving_bytes`, `edits[]`, `dockerfile`). The
//! plan and its figures are the core's (`layerscope_core::dockerfile::plan`).

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use layerscope_core::dockerfile::{unified_diff, FixPlan};
use layerscope_core::units::human;

/// `fix --format json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FixJson {
    /// Content bytes the patched build is predicted to no longer write (what
    /// `totals.content_bytes` of the rebuilt image loses).
    pub predicted_saving_bytes: u64,
    /// The remedies applied, by line of the original file.
    pub edits: Vec<FixEditJson>,
    /// The patched Dockerfile's text.
    pub dockerfile: String,
}

/// `edits[]`: one remedy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FixEditJson {
    /// The first line (1-based, original file) of the instruction changed.
    pub line: u32,
    /// Its last line.
    pub end_line: u32,
    /// Content bytes this remedy saves.
    pub bytes: u64,
    /// The finding it answers: removed-later, apt-lists, pip, npm, yarn,
    /// apk, tmp, build-toolchain or recommended-only.
    pub finding: String,
    /// What was changed, in words.
    pub description: String,
}

impl FixJson {
    pub fn from_plan(p: &FixPlan) -> FixJson {
        FixJson {
            predicted_saving_bytes: p.predicted_saving_bytes,
            edits: p
                .edits
                .iter()
                .map(|e| FixEditJson {
                    line: e.line,
                    end_line: e.end_line,
                    bytes: e.bytes,
                    finding: e.finding.clone(),
                    description: e.description.clone(),
                })
                .collect(),
            dockerfile: p.patched.clone(),
        }
    }
}

/// `fix --format json`.
pub fn write_json(p: &FixPlan, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &FixJson::from_plan(p))?;
    writeln!(w)
}

/// The diff: a preamble with the total (ignored by `patch` and `git
/// apply`), then the hunks, each `@@` line followed by the bytes and the
/// findings of the edits it holds. Nothing at all when there is nothing
/// to change.
pub fn write_diff(path: &str, original: &str, p: &FixPlan, w: &mut dyn Write) -> io::Result<()> {
    let comment = |first: u32, last: u32| {
        let here: Vec<_> = p
            .edits
            .iter()
            .filter(|e| e.line <= last && e.end_line >= first)
            .collect();
        if here.is_empty() {
            return String::new();
        }
        let bytes: u64 = here.iter().map(|e| e.bytes).sum();
        let mut f: Vec<&str> = here.iter().map(|e| e.finding.as_str()).collect();
        f.dedup();
        format!("saves {} ({bytes} B): {}", human(bytes), f.join(", "))
    };
    // `a/NAME` as git writes it: relative to where `patch -p1` runs; an
    // absolute path loses its `/` (git's own `diff --no-index /x /y` does
    // the same), never `a//abs`.
    let name = path.trim_start_matches("./").trim_start_matches('/');
    let diff = unified_diff(name, original, &p.patched, 1, &comment);
    if diff.is_empty() {
        return Ok(());
    }
    writeln!(
        w,
        "layerscope fix: {} edit{}, predicted saving {} ({} B of content)",
        p.edits.len(),
        if p.edits.len() == 1 { "" } else { "s" },
        human(p.predicted_saving_bytes),
        p.predicted_saving_bytes
    )?;
    for e in &p.edits {
        writeln!(
            w,
            "  line {}: {} ({}): {}",
            e.line,
            human(e.bytes),
            e.finding,
            layerscope_core::escape::str_for_terminal(&e.description)
        )?;
    }
    w.write_all(diff.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_name_the_file_as_git_does() {
        let plan = FixPlan {
            edits: Vec::new(),
            predicted_saving_bytes: 0,
            patched: "FROM x\nRUN b\n".into(),
        };
        let header = |path: &str| {
            let mut out = Vec::new();
            write_diff(path, "FROM x\nRUN a\n", &plan, &mut out).unwrap();
            let out = String::from_utf8(out).unwrap();
            out.lines()
                .filter(|l| l.starts_with("--- ") || l.starts_with("+++ "))
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            header("./Dockerfile"),
            ["--- a/Dockerfile", "+++ b/Dockerfile"]
        );
        assert_eq!(
            header("/src/app/Dockerfile"),
            ["--- a/src/app/Dockerfile", "+++ b/src/app/Dockerfile"]
        );
    }
}
