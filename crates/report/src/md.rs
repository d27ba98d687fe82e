//! `report --format md`: the report as GitHub-flavoured Markdown, for a
//! README, a PR comment or `$GITHUB_STEP_SUMMARY`. Every name from the
//! image goes through [`escape`]: it can neither break the tables nor
//! smuggle in HTML, links or emphasis.

use std::io::{self, Write};

use layerscope_core::analysis::{shorten, Analysis};
use layerscope_core::escape::str_for_terminal;
use layerscope_core::units::{human, pct, ratio_pct};

/// How many rows of the long lists are shown.
const TOP: usize = 20;

/// Text for Markdown (inline, table cells included): control characters
/// become `\xNN` as on the terminal, and every character Markdown or
/// GitHub's HTML pass could act on is backslash-escaped (parentheses need
/// not be: with `[` and `]` escaped no link can form).
pub fn escape(s: &str) -> String {
    let s = str_for_terminal(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '~' | '&' | '$'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub fn write<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    title(a, w)?;
    figures(a, w)?;
    layers(a, w)?;
    cache(a, w)?;
    hidden(a, w)?;
    duplicates(a, w)?;
    packages(a, w)?;
    findings(a, w)
}

/// Packages, largest first (docs/packages.md).
fn packages<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    if a.packages.list.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    writeln!(w, "## Packages")?;
    writeln!(w)?;
    writeln!(
        w,
        "{} live in packages, {} owned by none.",
        human(a.totals.package_live_bytes),
        human(a.totals.unowned_live_bytes)
    )?;
    writeln!(w)?;
    writeln!(
        w,
        "| Live | Hidden | Strippable | Files | Manager | Package | Version | Layers | Group |"
    )?;
    writeln!(w, "|---:|---:|---:|---:|---|---|---|---|---|")?;
    for p in a.packages.list.iter().take(TOP) {
        writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            human(p.live_bytes),
            human(p.hidden_bytes),
            human(p.strippable_bytes),
            p.files,
            p.manager.as_str(),
            escape(&p.name),
            escape(&p.version),
            match (p.installed_by, p.removed_by) {
                (Some(i), Some(r)) => format!("{i}–{r}"),
                (Some(i), None) => i.to_string(),
                _ => String::new(),
            },
            escape(p.group.as_deref().unwrap_or(""))
        )?;
    }
    Ok(())
}

/// The image and what it is.
fn title<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    let info = &a.image.info;
    writeln!(
        w,
        "# layerscope: {}",
        escape(info.reference.as_deref().unwrap_or("(unnamed image)"))
    )?;
    writeln!(w)?;
    let mut facts = vec![crate::format_and_source(info)];
    if let Some(p) = &info.platform {
        facts.push(escape(p));
    }
    if info.gzipped {
        facts.push("gzipped".into());
    }
    writeln!(w, "{}", facts.join(", "))?;
    writeln!(w)?;
    writeln!(w, "{}", escape(&a.verification_line()))?;
    writeln!(w)?;
    Ok(())
}

/// The headline figures as a table.
fn figures<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    let t = &a.totals;
    writeln!(w, "| Figure | Bytes | |")?;
    writeln!(w, "|---|---:|---|")?;
    let rows: [(&str, u64, String); 7] = [
        (
            "size",
            t.size_bytes,
            format!("{} layers, {} stored", t.layers, human(t.stored_bytes)),
        ),
        ("content", t.content_bytes, format!("{} entries", t.entries)),
        (
            "live",
            t.live_bytes,
            format!("efficiency {}", ratio_pct(t.efficiency)),
        ),
        (
            "wasted",
            t.wasted_bytes,
            format!(
                "{} of content: removed {}, overwritten {}",
                pct(t.wasted_bytes, t.content_bytes),
                human(t.removed_bytes),
                human(t.overwritten_bytes)
            ),
        ),
        (
            "cache (live)",
            t.cache_live_bytes,
            format!("plus {} hidden", human(t.cache_hidden_bytes)),
        ),
        ("duplicates", t.duplicate_bytes, String::new()),
        (
            "recoverable",
            t.recoverable_bytes,
            "wasted + live cache + duplicates".into(),
        ),
    ];
    for (name, bytes, note) in rows {
        writeln!(w, "| {name} | {} | {} |", human(bytes), note)?;
    }
    Ok(())
}

fn layers<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    writeln!(w)?;
    writeln!(w, "## Layers")?;
    writeln!(w)?;
    writeln!(
        w,
        "| # | Size | Content | Hidden later | Hides | Cache | Step |"
    )?;
    writeln!(w, "|---:|---:|---:|---:|---:|---:|---|")?;
    for l in &a.layers {
        writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} |",
            l.index,
            human(l.size_bytes),
            human(l.content_bytes),
            human(l.hidden_bytes_added),
            human(l.hides_bytes),
            human(l.cache_bytes),
            escape(&shorten(&a.step_labeled(l.index), 80))
        )?;
    }
    Ok(())
}

fn cache<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    if a.cache.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    writeln!(w, "## Cache")?;
    writeln!(w)?;
    writeln!(w, "| Rule | Live | Hidden | Files | Remedy |")?;
    writeln!(w, "|---|---:|---:|---:|---|")?;
    for c in &a.cache {
        writeln!(
            w,
            "| {} | {} | {} | {} | {} |",
            escape(&c.rule),
            human(c.live_bytes),
            human(c.hidden_bytes),
            c.files,
            escape(&c.remedy)
        )?;
    }
    Ok(())
}

fn hidden<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    if a.hidden.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    writeln!(w, "## Top hidden files (shipped, never seen)")?;
    writeln!(w)?;
    writeln!(w, "| Bytes | Cause | Added by | Hidden by | Path |")?;
    writeln!(w, "|---:|---|---:|---:|---|")?;
    for h in a.hidden.iter().take(TOP) {
        writeln!(
            w,
            "| {} | {}{} | {} | {} | {} |",
            human(h.bytes),
            h.cause.as_str(),
            if h.churn { " (churn)" } else { "" },
            h.added_by,
            h.hidden_by,
            escape(&h.path)
        )?;
    }
    if a.hidden.len() > TOP {
        writeln!(w)?;
        writeln!(w, "… and {} more.", a.hidden.len() - TOP)?;
    }
    Ok(())
}

fn duplicates<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    if a.duplicates.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    writeln!(w, "## Duplicates")?;
    writeln!(w)?;
    writeln!(w, "| Wasted | Copies | Each | Paths |")?;
    writeln!(w, "|---:|---:|---:|---|")?;
    for d in a.duplicates.iter().take(TOP) {
        let paths: Vec<String> = d.paths.iter().map(|p| escape(p)).collect();
        writeln!(
            w,
            "| {} | {} | {} | {} |",
            human(d.wasted_bytes),
            d.paths.len(),
            human(d.bytes_each),
            paths.join("<br>")
        )?;
    }
    Ok(())
}

fn findings<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    writeln!(w)?;
    writeln!(w, "## Findings")?;
    writeln!(w)?;
    if a.findings.is_empty() {
        writeln!(w, "No findings.")?;
    }
    for f in &a.findings {
        writeln!(
            w,
            "- **{}** {} ({})",
            f.severity.as_str(),
            escape(&f.message),
            human(f.bytes)
        )?;
        writeln!(w, "  - fix: {}", escape(&f.remedy))?;
    }
    Ok(())
}
