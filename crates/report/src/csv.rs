//! `report --format csv [--csv-table layers|hidden|cache|duplicates|findings]`:
//! one table, header row first, RFC 4180 quoting, CRLF line ends.
//!
//! Names are data, so they are kept, except that control characters become
//! `\xNN` (no raw ESC reaches whoever `cat`s the file; the backslash is
//! doubled so the form stays unambiguous) and a text cell that a
//! spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first)
//! gets a leading `'`.

use std::io::{self, Write};

use layerscope_core::analysis::Analysis;
use layerscope_core::escape::str_for_terminal;

/// Which table to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvTable {
    #[default]
    Layers,
    Hidden,
    Cache,
    Duplicates,
    Findings,
    Packages,
}

impl CsvTable {
    /// Every `--csv-table` name, in the order `--help` lists them.
    pub const NAMES: &'static [&'static str] = &[
        "layers",
        "hidden",
        "cache",
        "duplicates",
        "findings",
        "packages",
    ];

    /// The table's name in [`CsvTable::NAMES`].
    pub fn as_str(self) -> &'static str {
        match self {
            CsvTable::Layers => "layers",
            CsvTable::Hidden => "hidden",
            CsvTable::Cache => "cache",
            CsvTable::Duplicates => "duplicates",
            CsvTable::Findings => "findings",
            CsvTable::Packages => "packages",
        }
    }
}

impl std::str::FromStr for CsvTable {
    type Err = String;
    fn from_str(s: &str) -> Result<CsvTable, String> {
        match s {
            "layers" => Ok(CsvTable::Layers),
            "hidden" => Ok(CsvTable::Hidden),
            "cache" => Ok(CsvTable::Cache),
            "duplicates" => Ok(CsvTable::Duplicates),
            "findings" => Ok(CsvTable::Findings),
            "packages" => Ok(CsvTable::Packages),
            other => Err(format!(
                "unknown CSV table {other:?} ({})",
                CsvTable::NAMES.join(", ")
            )),
        }
    }
}

/// One cell.
enum Cell<'a> {
    Text(&'a str),
    Num(u64),
    Empty,
}

/// A text cell as it is written: escaped, formula-guarded, quoted.
fn field(s: &str) -> String {
    let s = str_for_terminal(s);
    let guarded = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.into_owned()
    };
    if guarded.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

fn row<W: Write + ?Sized>(w: &mut W, cells: &[Cell]) -> io::Result<()> {
    let line: Vec<String> = cells
        .iter()
        .map(|c| match c {
            Cell::Text(s) => field(s),
            Cell::Num(n) => n.to_string(),
            Cell::Empty => String::new(),
        })
        .collect();
    write!(w, "{}\r\n", line.join(","))
}

fn header<W: Write + ?Sized>(w: &mut W, names: &[&str]) -> io::Result<()> {
    write!(w, "{}\r\n", names.join(","))
}

fn opt(s: &Option<String>) -> Cell<'_> {
    s.as_deref().map(Cell::Text).unwrap_or(Cell::Empty)
}

pub fn write<W: Write + ?Sized>(a: &Analysis, table: CsvTable, w: &mut W) -> io::Result<()> {
    match table {
        CsvTable::Layers => layers(a, w),
        CsvTable::Hidden => hidden(a, w),
        CsvTable::Cache => cache(a, w),
        CsvTable::Duplicates => duplicates(a, w),
        CsvTable::Packages => packages(a, w),
        CsvTable::Findings => findings(a, w),
    }
}

fn layers<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    use Cell::*;
    header(
        w,
        &[
            "index",
            "digest",
            "diff_id",
            "created_by",
            "size_bytes",
            "stored_bytes",
            "content_bytes",
            "entries",
            "hidden_bytes_added",
            "hides_bytes",
            "cache_bytes",
        ],
    )?;
    for l in &a.layers {
        row(
            w,
            &[
                Num(l.index.number() as u64),
                Text(&l.digest),
                Text(&l.diff_id),
                opt(&l.created_by),
                Num(l.size_bytes),
                Num(l.stored_bytes),
                Num(l.content_bytes),
                Num(l.entries),
                Num(l.hidden_bytes_added),
                Num(l.hides_bytes),
                Num(l.cache_bytes),
            ],
        )?;
    }
    Ok(())
}

fn hidden<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    use Cell::*;
    header(
        w,
        &[
            "path",
            "bytes",
            "cause",
            "added_by",
            "hidden_by",
            "churn",
            "cache_rule",
        ],
    )?;
    for h in &a.hidden {
        row(
            w,
            &[
                Text(&h.path),
                Num(h.bytes),
                Text(h.cause.as_str()),
                Num(h.added_by.number() as u64),
                Num(h.hidden_by.number() as u64),
                Text(if h.churn { "true" } else { "false" }),
                opt(&h.cache_rule),
            ],
        )?;
    }
    Ok(())
}

fn cache<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    use Cell::*;
    header(
        w,
        &["rule", "live_bytes", "hidden_bytes", "files", "remedy"],
    )?;
    for c in &a.cache {
        row(
            w,
            &[
                Text(&c.rule),
                Num(c.live_bytes),
                Num(c.hidden_bytes),
                Num(c.files),
                Text(&c.remedy),
            ],
        )?;
    }
    Ok(())
}

fn duplicates<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    use Cell::*;
    // One row per path; `group` ties the copies together.
    header(
        w,
        &["group", "bytes_each", "copies", "wasted_bytes", "path"],
    )?;
    for (i, d) in a.duplicates.iter().enumerate() {
        for p in &d.paths {
            row(
                w,
                &[
                    Num(i as u64 + 1),
                    Num(d.bytes_each),
                    Num(d.paths.len() as u64),
                    Num(d.wasted_bytes),
                    Text(p),
                ],
            )?;
        }
    }
    Ok(())
}

/// `packages`: one row per package, largest first (docs/packages.md).
fn packages<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    use Cell::*;
    header(
        w,
        &[
            "manager",
            "name",
            "version",
            "location",
            "live_bytes",
            "hidden_bytes",
            "files",
            "installed_by",
            "removed_by",
            "group",
        ],
    )?;
    for p in &a.packages.list {
        let layer = |l: Option<layerscope_core::LayerIndex>| match l {
            Some(l) => Num(l.number() as u64),
            None => Empty,
        };
        row(
            w,
            &[
                Text(p.manager.as_str()),
                Text(&p.name),
                Text(&p.version),
                Text(&p.location),
                Num(p.live_bytes),
                Num(p.hidden_bytes),
                Num(p.files),
                layer(p.installed_by),
                layer(p.removed_by),
                p.group.as_deref().map_or(Empty, Text),
            ],
        )?;
    }
    Ok(())
}

fn findings<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    use Cell::*;
    header(
        w,
        &["rule", "severity", "layer", "bytes", "message", "remedy"],
    )?;
    for f in &a.findings {
        row(
            w,
            &[
                Text(&f.rule),
                Text(f.severity.as_str()),
                f.layer.map(|l| Num(l.number() as u64)).unwrap_or(Empty),
                Num(f.bytes),
                Text(&f.message),
                Text(&f.remedy),
            ],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn field_quoting_escaping_and_formula_guard() {
        // RFC 4180: quote fields with , " CR LF; double the quotes.
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        // Control characters are kept as data, escaped: no raw ESC or newline.
        assert_eq!(field("a\x1b[31mb\nc"), r"a\x1b[31mb\x0ac");
        // Formula injection.
        assert_eq!(field("=1+1"), "'=1+1");
        assert_eq!(field("+1"), "'+1");
        assert_eq!(field("-1"), "'-1");
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(field("=a,b"), "\"'=a,b\"");
        assert_eq!(field("/a=b"), "/a=b");
    }
}
