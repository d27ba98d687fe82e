//! `diff --format md`: ready to post as a PR comment: one headline line, a
//! short table of the figures before and after, and the details collapsed
//! in `<details>` blocks. Every name from the images goes through
//! [`crate::md::escape`].

use std::io::{self, Write};

use layerscope_core::analysis::shorten;
use layerscope_core::diff::Comparison;
use layerscope_core::units::{human, ratio_pct};

use super::{
    dir_rows, largest, package_rows, packages_line, pts, side_name, signed_human, signed_pct,
};
use crate::md::escape;

/// How many rows of the long lists are shown.
const TOP: usize = 20;

pub fn write<W: Write + ?Sized>(c: &Comparison, w: &mut W) -> io::Result<()> {
    let (o, n) = (&c.old.totals, &c.new.totals);
    let d = &c.delta;
    writeln!(
        w,
        "### layerscope diff: {} → {}: **{}**{}, wasted {}",
        escape(&side_name(&c.old, "OLD")),
        escape(&side_name(&c.new, "NEW")),
        signed_human(d.size_bytes),
        signed_pct(d.size_bytes, o.size_bytes),
        signed_human(d.wasted_bytes)
    )?;
    writeln!(w)?;
    writeln!(w, "| | OLD | NEW | change |")?;
    writeln!(w, "|---|---:|---:|---:|")?;
    for (label, a, b, x) in [
        ("size", o.size_bytes, n.size_bytes, d.size_bytes),
        ("live", o.live_bytes, n.live_bytes, d.live_bytes),
        ("wasted", o.wasted_bytes, n.wasted_bytes, d.wasted_bytes),
        (
            "recoverable",
            o.recoverable_bytes,
            n.recoverable_bytes,
            d.recoverable_bytes,
        ),
    ] {
        writeln!(
            w,
            "| {label} | {} | {} | {} |",
            human(a),
            human(b),
            signed_human(x)
        )?;
    }
    writeln!(
        w,
        "| efficiency | {} | {} | {} |",
        ratio_pct(o.efficiency),
        ratio_pct(n.efficiency),
        pts(d.efficiency)
    )?;
    writeln!(w)?;
    let l = &c.layers;
    write!(
        w,
        "Layers: {} shared, {} only in OLD, {} only in NEW; first difference: layer {}",
        l.shared, l.only_old, l.only_new, l.first_difference
    )?;
    if let Some(s) = &l.new_step {
        write!(w, " ({})", escape(&shorten(s, 80)))?;
    }
    writeln!(w, ".")?;
    if let Some(f) = &c.files {
        writeln!(w)?;
        writeln!(w, "Files: {}.", super::files_summary(f))?;
        let changes = largest(c, TOP);
        if !changes.is_empty() {
            details(w, &format!("Largest changes ({} shown)", changes.len()))?;
            writeln!(w, "| change | path | old | new | Δ |")?;
            writeln!(w, "|---|---|---:|---:|---:|")?;
            for (what, x) in changes {
                writeln!(
                    w,
                    "| {what} | {} | {} | {} | {} |",
                    escape(&x.path),
                    human(x.old_bytes),
                    human(x.new_bytes),
                    signed_human(x.delta())
                )?;
            }
            end(w)?;
            details(w, "By directory")?;
            writeln!(w, "| directory | Δ | files |")?;
            writeln!(w, "|---|---:|---:|")?;
            for (depth, dd) in dir_rows(&f.by_directory, 3, 5) {
                writeln!(
                    w,
                    "| {}{} | {} | {} |",
                    "&nbsp;&nbsp;".repeat(depth),
                    escape(&dd.path),
                    signed_human(dd.delta_bytes),
                    dd.files
                )?;
            }
            end(w)?;
            details(w, "By build step")?;
            writeln!(w, "| build step | Δ | files |")?;
            writeln!(w, "|---|---:|---:|")?;
            for g in f.by_step.iter().take(TOP) {
                writeln!(
                    w,
                    "| {} | {} | {} |",
                    escape(&shorten(&g.name, 80)),
                    signed_human(g.delta_bytes),
                    g.files
                )?;
            }
            end(w)?;
        }
    } else {
        writeln!(w)?;
        writeln!(w, "Files: not compared (a saved report lists no files).")?;
    }
    if !c.cache.is_empty() {
        details(w, "By cache rule")?;
        writeln!(w, "| rule | OLD | NEW | Δ |")?;
        writeln!(w, "|---|---:|---:|---:|")?;
        for x in &c.cache {
            writeln!(
                w,
                "| {} | {} | {} | {} |",
                escape(&x.rule),
                human(x.old_bytes),
                human(x.new_bytes),
                signed_human(x.new_bytes as i64 - x.old_bytes as i64)
            )?;
        }
        end(w)?;
    }
    let fd = &c.findings;
    if !fd.new.is_empty() || !fd.fixed.is_empty() {
        details(
            w,
            &format!("Findings: {} new, {} fixed", fd.new.len(), fd.fixed.len()),
        )?;
        writeln!(w, "| | bytes | finding |")?;
        writeln!(w, "|---|---:|---|")?;
        for (what, list) in [("new", &fd.new), ("fixed", &fd.fixed)] {
            for f in list {
                writeln!(
                    w,
                    "| {what} | {} | {} |",
                    human(f.bytes),
                    escape(&f.message)
                )?;
            }
        }
        end(w)?;
    }
    if let Some(p) = &c.packages {
        let rows = package_rows(p);
        if rows.is_empty() {
            writeln!(w)?;
            writeln!(w, "{}", packages_line(p))?;
        } else {
            details(w, &packages_line(p))?;
            writeln!(w, "| | package | version | Δ |")?;
            writeln!(w, "|---|---|---|---:|")?;
            for (what, name, version, d) in rows.into_iter().take(TOP) {
                writeln!(
                    w,
                    "| {what} | {} | {} | {} |",
                    escape(&name),
                    escape(&version),
                    signed_human(d)
                )?;
            }
            end(w)?;
        }
    }
    Ok(())
}

/// Open a collapsed block; the blank lines let the Markdown inside render.
fn details<W: Write + ?Sized>(w: &mut W, summary: &str) -> io::Result<()> {
    writeln!(w)?;
    writeln!(w, "<details><summary>{summary}</summary>")?;
    writeln!(w)
}

fn end<W: Write + ?Sized>(w: &mut W) -> io::Result<()> {
    writeln!(w)?;
    writeln!(w, "</details>")
}
