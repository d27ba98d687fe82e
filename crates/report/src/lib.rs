#![forbid(unsafe_code)]
//! `layerscope report`: render one `Analysis` into a writer.

pub mod check;
pub mod csv;
pub mod diff;
pub mod fix;
pub mod html;
pub mod json;
pub mod md;
pub(crate) mod safe_json;
#[cfg(feature = "schema")]
pub mod schema;
pub mod text;

use std::io::{self, Write};

use layerscope_core::analysis::Analysis;

pub use csv::CsvTable;
pub use json::Report;

/// `report --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    /// One table (`--csv-table`, default layers).
    Csv(CsvTable),
    Md,
    Html,
}

impl Format {
    /// Every `report --format` name (interface.md), in the order `--help`
    /// lists them: the one list the CLI and [`FromStr`](std::str::FromStr)
    /// share.
    pub const NAMES: &'static [&'static str] = &["text", "json", "csv", "md", "html"];

    /// Other spellings accepted but not advertised: (alias, name).
    pub const ALIASES: &'static [(&'static str, &'static str)] = &[("markdown", "md")];

    /// The format's name in [`Format::NAMES`].
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Csv(_) => "csv",
            Format::Md => "md",
            Format::Html => "html",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv(CsvTable::Layers)),
            "md" | "markdown" => Ok(Format::Md),
            "html" => Ok(Format::Html),
            other => Err(format!(
                "unknown report format {other:?} ({})",
                Format::NAMES.join(", ")
            )),
        }
    }
}

/// A layer's content bytes split three ways, for the charts: live outside
/// any cache rule, live under a cache rule, and hidden (removed or
/// overwritten later, cache or not). The three add up to the layer's
/// content bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LayerSplit {
    pub live: u64,
    pub cache: u64,
    pub hidden: u64,
}

/// [`LayerSplit`] of every layer, bottom first.
pub fn layer_splits(a: &Analysis) -> Vec<LayerSplit> {
    let mut out = vec![LayerSplit::default(); a.layers.len()];
    for (ino, class) in a.overlay.inodes.iter().zip(&a.classes) {
        let s = &mut out[ino.layer.index()];
        if !ino.is_live() {
            s.hidden += ino.size;
        } else if class.rule.is_some() {
            s.cache += ino.size;
        } else {
            s.live += ino.size;
        }
    }
    out
}

/// Write the JSON report (pretty, newline-terminated).
pub fn write_json<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    // C1 controls and bidi overrides as \u escapes too: see `safe_json`.
    safe_json::to_writer_pretty(&mut *w, &json::ReportView::new(a))?;
    writeln!(w)
}

pub fn write<W: Write + ?Sized>(a: &Analysis, format: Format, w: &mut W) -> io::Result<()> {
    write_styled(a, format, false, w)
}

/// [`write()`], with ANSI colour in the text report's headline figures when
/// `color` (the other formats are never coloured).
pub fn write_styled<W: Write + ?Sized>(
    a: &Analysis,
    format: Format,
    color: bool,
    w: &mut W,
) -> io::Result<()> {
    match format {
        Format::Text if color => text::write_colored(a, w),
        Format::Text => text::write(a, w),
        Format::Json => write_json(a, w),
        Format::Csv(table) => csv::write(a, table, w),
        Format::Md => md::write(a, w),
        Format::Html => html::write(a, w),
    }
}

/// "docker-archive from file": the layout and where it was read from, as
/// every report's headline says them; a registry is both ("registry").
pub(crate) fn format_and_source(info: &layerscope_core::source::ImageInfo) -> String {
    let (format, source) = (info.format.as_str(), info.source.as_str());
    if format == source {
        format.to_string()
    } else {
        format!("{format} from {source}")
    }
}

/// `s` wrapped in the ANSI SGR sequence `sgr` (e.g. `"1;31"`) when `on`,
/// else `s` unchanged: colour off is byte-identical to no colour at all.
pub(crate) fn paint(s: &str, sgr: &str, on: bool) -> String {
    if on {
        format!("\x1b[{sgr}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod format_and_source_tests {
    use layerscope_core::source::{Format, ImageInfo, Origin};

    fn info(format: Format, source: Origin) -> ImageInfo {
        ImageInfo {
            reference: None,
            format,
            gzipped: false,
            platform: None,
            config_digest: None,
            source,
        }
    }

    #[test]
    fn the_layout_and_where_it_came_from() {
        let say = |f, o| super::format_and_source(&info(f, o));
        assert_eq!(
            say(Format::DockerArchive, Origin::Docker),
            "docker-archive from docker"
        );
        assert_eq!(
            say(Format::OciArchive, Origin::Stdin),
            "oci-archive from stdin"
        );
        assert_eq!(say(Format::Registry, Origin::Registry), "registry");
    }
}
