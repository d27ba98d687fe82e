//! `layerscope report`: render one `Analysis` into a writer.

pub mod json;
mod safe_json;
pub mod text;

use std::io::{self, Write};

use crate::analysis::Analysis;

pub use json::Report;

/// `report --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            other => Err(format!("unknown report format {other:?} (text, json)")),
        }
    }
}

/// Write the JSON report (pretty, newline-terminated).
pub fn write_json<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    // C1 controls and bidi overrides as \u escapes too: see `safe_json`.
    safe_json::to_writer_pretty(&mut *w, &Report::from_analysis(a))?;
    writeln!(w)
}

pub fn write<W: Write + ?Sized>(a: &Analysis, format: Format, w: &mut W) -> io::Result<()> {
    match format {
        Format::Text => text::write(a, w),
        Format::Json => write_json(a, w),
    }
}
