//! `diff --format text` (the default): the headline figures before → after,
//! the layers, the file sums, the tree of deltas, the build steps, the
//! caches, the largest changes and the findings. Names from the images are
//! escaped for the terminal.

use std::io::{self, Write};

use layerscope_core::analysis::shorten;
use layerscope_core::diff::Comparison;
use layerscope_core::escape::str_for_terminal;
use layerscope_core::units::{human, ratio_pct};

use super::{
    dir_rows, files, largest, package_rows, packages_line, pts, side_name, signed_human, signed_pct,
};

/// How many rows of the long lists are shown.
const TOP: usize = 20;

fn t(s: &str) -> String {
    str_for_terminal(s).into_owned()
}

pub fn write<W: Write + ?Sized>(c: &Comparison, w: &mut W) -> io::Result<()> {
    let (o, n) = (&c.old.totals, &c.new.totals);
    writeln!(
        w,
        "layerscope diff: {} -> {}",
        t(&side_name(&c.old, "OLD")),
        t(&side_name(&c.new, "NEW"))
    )?;
    writeln!(w)?;
    let row = |w: &mut W, label: &str, a: u64, b: u64, d: i64| {
        writeln!(
            w,
            "  {label:<12}{:>10} -> {:>10}   {}{}",
            human(a),
            human(b),
            signed_human(d),
            signed_pct(d, a)
        )
    };
    row(w, "size", o.size_bytes, n.size_bytes, c.delta.size_bytes)?;
    row(
        w,
        "content",
        o.content_bytes,
        n.content_bytes,
        c.delta.content_bytes,
    )?;
    row(w, "live", o.live_bytes, n.live_bytes, c.delta.live_bytes)?;
    row(
        w,
        "wasted",
        o.wasted_bytes,
        n.wasted_bytes,
        c.delta.wasted_bytes,
    )?;
    row(
        w,
        "recoverable",
        o.recoverable_bytes,
        n.recoverable_bytes,
        c.delta.recoverable_bytes,
    )?;
    writeln!(
        w,
        "  {:<12}{:>10} -> {:>10}   {}",
        "efficiency",
        ratio_pct(o.efficiency),
        ratio_pct(n.efficiency),
        pts(c.delta.efficiency)
    )?;
    writeln!(w)?;
    let l = &c.layers;
    writeln!(
        w,
        "Layers: {} shared, {} only in OLD, {} only in NEW; first difference: layer {}",
        l.shared, l.only_old, l.only_new, l.first_difference
    )?;
    if let Some(s) = &l.old_step {
        writeln!(w, "  OLD: {}", t(&shorten(s, 100)))?;
    }
    if let Some(s) = &l.new_step {
        writeln!(w, "  NEW: {}", t(&shorten(s, 100)))?;
    }
    writeln!(w)?;
    match &c.files {
        None => writeln!(
            w,
            "Files: not compared (a saved report lists no files; give the image instead)"
        )?,
        Some(f) => {
            writeln!(w, "Files: {}", super::files_summary(f))?;
            if f.all().next().is_some() {
                writeln!(w)?;
                writeln!(w, "By directory:")?;
                for (depth, d) in dir_rows(&f.by_directory, 3, 5) {
                    writeln!(
                        w,
                        "  {:>10}  {}{} ({})",
                        signed_human(d.delta_bytes),
                        "  ".repeat(depth),
                        t(&d.path),
                        files(d.files)
                    )?;
                }
                writeln!(w)?;
                writeln!(w, "By build step:")?;
                for g in f.by_step.iter().take(TOP) {
                    writeln!(
                        w,
                        "  {:>10}  {} ({})",
                        signed_human(g.delta_bytes),
                        t(&shorten(&g.name, 80)),
                        files(g.files)
                    )?;
                }
                writeln!(w)?;
                writeln!(w, "Largest changes:")?;
                for (what, x) in largest(c, TOP) {
                    writeln!(
                        w,
                        "  {:>10}  {what:<8} {}",
                        signed_human(x.delta()),
                        t(&x.path)
                    )?;
                }
            }
            if !f.metadata.is_empty() {
                writeln!(w)?;
                writeln!(w, "Mode/owner changes:")?;
                for m in f.metadata.iter().take(TOP) {
                    writeln!(
                        w,
                        "  {:04o} {}:{} -> {:04o} {}:{}  {}",
                        m.old.0,
                        m.old.1,
                        m.old.2,
                        m.new.0,
                        m.new.1,
                        m.new.2,
                        t(&m.path)
                    )?;
                }
            }
        }
    }
    if !c.cache.is_empty() {
        writeln!(w)?;
        writeln!(w, "By cache rule (live + hidden):")?;
        for x in &c.cache {
            writeln!(
                w,
                "  {:<14}{:>10} -> {:>10}   {}",
                t(&x.rule),
                human(x.old_bytes),
                human(x.new_bytes),
                signed_human(x.new_bytes as i64 - x.old_bytes as i64)
            )?;
        }
    }
    writeln!(w)?;
    writeln!(
        w,
        "Findings: {} new, {} fixed",
        c.findings.new.len(),
        c.findings.fixed.len()
    )?;
    for f in &c.findings.new {
        writeln!(w, "  new   {:>10}  {}", human(f.bytes), t(&f.message))?;
    }
    for f in &c.findings.fixed {
        writeln!(w, "  fixed {:>10}  {}", human(f.bytes), t(&f.message))?;
    }
    if let Some(p) = &c.packages {
        writeln!(w)?;
        writeln!(w, "{}", packages_line(p))?;
        for (what, name, version, d) in package_rows(p).into_iter().take(TOP) {
            writeln!(
                w,
                "  {what:<8} {:>10}  {} {}",
                signed_human(d),
                t(&name),
                t(&version)
            )?;
        }
    }
    Ok(())
}
