//! The Dockerfile side of the analysis (docs/dockerfile.md): a parser that
//! keeps line spans and raw text (`parse`), the alignment of an image's
//! history with the final stage (`map`), and the planning of `fix`'s edits
//! from the analysis's own figures (`fix`, `diff`). Pure: given text, never
//! reads a file.

mod diff;
mod fix;
mod map;
mod parse;
mod shell;

pub use diff::unified_diff;
pub use fix::{plan, FixEdit, FixPlan};
pub use map::{history_step, map_layers, LayerLine, Mapping, Mismatch};
pub use parse::{Dockerfile, Heredoc, Instruction, Stage};

use crate::analysis::{Finding, Severity};
use crate::LayerIndex;

/// A Dockerfile given with `--dockerfile`, aligned with the image.
#[derive(Debug, Clone)]
pub struct DockerfileInfo {
    /// The path as the user gave it.
    pub path: String,
    pub file: Dockerfile,
    pub mapping: Mapping,
}

/// The line of the Dockerfile a layer or finding points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRef {
    pub path: String,
    pub line: u32,
    pub end_line: u32,
    /// The instruction, keyword and arguments (flags left out), on one line.
    pub instruction: String,
}

impl DockerfileInfo {
    /// Parse `text` and align it with `history` for `layer_count` layers.
    pub fn new(
        path: &str,
        text: &str,
        history: &[crate::source::HistoryEntry],
        layer_count: usize,
    ) -> crate::Result<DockerfileInfo> {
        let file = Dockerfile::parse(text, path)?;
        let mapping = map_layers(&file, history, layer_count);
        Ok(DockerfileInfo {
            path: path.to_string(),
            file,
            mapping,
        })
    }

    /// The instruction that made `layer` (the final FROM for base layers).
    pub fn layer_line(&self, layer: LayerIndex) -> Option<LineRef> {
        let l = self.mapping.layers.get(layer.index())?.as_ref()?;
        let ins = &self.file.instructions[l.instruction];
        Some(LineRef {
            path: self.path.clone(),
            line: ins.line,
            end_line: ins.end_line,
            instruction: map::norm(&format!("{} {}", ins.keyword, ins.args)),
        })
    }

    /// The line to change for a finding: its layer's instruction, or the
    /// line a mismatch is about.
    pub fn finding_line(&self, f: &Finding) -> Option<u32> {
        if f.rule == MISMATCH_RULE {
            return self.mapping.mismatch.as_ref().and_then(|m| m.line);
        }
        self.layer_line(f.layer?).map(|r| r.line)
    }

    /// The `dockerfile-mismatch` finding, when the image was not built
    /// from this file.
    pub fn mismatch_finding(&self) -> Option<Finding> {
        let m = self.mapping.mismatch.as_ref()?;
        Some(Finding {
            rule: MISMATCH_RULE.into(),
            severity: Severity::Warning,
            layer: m.layer.map(LayerIndex::from_number),
            bytes: 0,
            message: format!(
                "the image was not built from {}: {}; no layer is mapped to a line",
                self.path, m.why
            ),
            remedy: format!(
                "give the Dockerfile the image was built from, or rebuild the image from {}",
                self.path
            ),
        })
    }
}

/// The rule name of the finding that says the image and file disagree.
pub const MISMATCH_RULE: &str = "dockerfile-mismatch";
