//! `diff --format html`: one self-contained page (inline CSS, no script, no
//! network), like the report's. Every string from the images goes through
//! [`crate::html::h`].

use std::io::{self, Write};

use layerscope_core::analysis::shorten;
use layerscope_core::diff::Comparison;
use layerscope_core::units::{human, ratio_pct};

use super::{
    dir_rows, largest, package_rows, packages_line, pts, side_name, signed_human, signed_pct,
};
use crate::html::h;

/// How many rows of the long lists are shown.
const TOP: usize = 50;

const STYLE: &str = r#"
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2937; margin: 0; padding: 24px 32px; max-width: 1200px; }
h1 { font-size: 22px; margin: 0 0 4px; word-break: break-all; }
h2 { font-size: 17px; margin: 28px 0 10px; border-bottom: 1px solid #e5e7eb; padding-bottom: 4px; }
.sub { color: #6b7280; margin-bottom: 16px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
th { font-size: 12px; color: #6b7280; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; width: 1%; }
td.path { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; word-break: break-all; }
.up { color: #dc2626; } .down { color: #059669; }
footer { margin-top: 32px; color: #6b7280; font-size: 12px; }
"#;

fn cls(d: i64) -> &'static str {
    match d.cmp(&0) {
        std::cmp::Ordering::Greater => "num up",
        std::cmp::Ordering::Less => "num down",
        std::cmp::Ordering::Equal => "num",
    }
}

pub fn write<W: Write + ?Sized>(c: &Comparison, w: &mut W) -> io::Result<()> {
    let (o, n) = (&c.old.totals, &c.new.totals);
    let d = &c.delta;
    let (on, nn) = (side_name(&c.old, "OLD"), side_name(&c.new, "NEW"));
    writeln!(w, "<!DOCTYPE html>")?;
    writeln!(w, r#"<html lang="en"><head><meta charset="utf-8">"#)?;
    writeln!(
        w,
        r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">"#
    )?;
    writeln!(w, "<title>layerscope diff: {} → {}</title>", h(&on), h(&nn))?;
    writeln!(w, "<style>{STYLE}</style></head><body>")?;
    writeln!(w, "<h1>{} → {}</h1>", h(&on), h(&nn))?;
    writeln!(
        w,
        r#"<div class="sub">size {}{}, wasted {} · OLD from {}, NEW from {}</div>"#,
        signed_human(d.size_bytes),
        signed_pct(d.size_bytes, o.size_bytes),
        signed_human(d.wasted_bytes),
        h(&c.old.source),
        h(&c.new.source)
    )?;
    writeln!(w, "<h2>Figures</h2>")?;
    writeln!(
        w,
        r#"<table><tr><th></th><th class="num">OLD</th><th class="num">NEW</th><th class="num">change</th></tr>"#
    )?;
    for (label, a, b, x) in [
        ("size", o.size_bytes, n.size_bytes, d.size_bytes),
        ("content", o.content_bytes, n.content_bytes, d.content_bytes),
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
            r#"<tr><td>{label}</td><td class="num">{}</td><td class="num">{}</td><td class="{}">{}</td></tr>"#,
            human(a),
            human(b),
            cls(x),
            signed_human(x)
        )?;
    }
    writeln!(
        w,
        r#"<tr><td>efficiency</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr></table>"#,
        ratio_pct(o.efficiency),
        ratio_pct(n.efficiency),
        pts(d.efficiency)
    )?;
    let l = &c.layers;
    writeln!(w, "<h2>Layers</h2>")?;
    writeln!(
        w,
        "<p>{} shared, {} only in OLD, {} only in NEW; first difference: layer {}</p>",
        l.shared, l.only_old, l.only_new, l.first_difference
    )?;
    if l.old_step.is_some() || l.new_step.is_some() {
        writeln!(w, "<table>")?;
        for (which, s) in [("OLD", &l.old_step), ("NEW", &l.new_step)] {
            if let Some(s) = s {
                writeln!(
                    w,
                    r#"<tr><td>{which}</td><td class="path">{}</td></tr>"#,
                    h(&shorten(s, 200))
                )?;
            }
        }
        writeln!(w, "</table>")?;
    }
    writeln!(w, "<h2>Files</h2>")?;
    match &c.files {
        None => writeln!(w, "<p>Not compared: a saved report lists no files.</p>")?,
        Some(f) => {
            writeln!(w, "<p>{}</p>", super::files_summary(f))?;
            writeln!(
                w,
                r#"<table><tr><th>change</th><th>path</th><th class="num">old</th><th class="num">new</th><th class="num">Δ</th></tr>"#
            )?;
            for (what, x) in largest(c, TOP) {
                writeln!(
                    w,
                    r#"<tr><td>{what}</td><td class="path">{}</td><td class="num">{}</td><td class="num">{}</td><td class="{}">{}</td></tr>"#,
                    h(&x.path),
                    human(x.old_bytes),
                    human(x.new_bytes),
                    cls(x.delta()),
                    signed_human(x.delta())
                )?;
            }
            writeln!(w, "</table>")?;
            writeln!(w, "<h2>By directory</h2>")?;
            writeln!(
                w,
                r#"<table><tr><th>directory</th><th class="num">Δ</th><th class="num">files</th></tr>"#
            )?;
            for (depth, dd) in dir_rows(&f.by_directory, 3, 5) {
                writeln!(
                    w,
                    r#"<tr><td class="path" style="padding-left:{}px">{}</td><td class="{}">{}</td><td class="num">{}</td></tr>"#,
                    8 + 16 * depth,
                    h(&dd.path),
                    cls(dd.delta_bytes),
                    signed_human(dd.delta_bytes),
                    dd.files
                )?;
            }
            writeln!(w, "</table>")?;
            writeln!(w, "<h2>By build step</h2>")?;
            writeln!(
                w,
                r#"<table><tr><th>build step</th><th class="num">Δ</th><th class="num">files</th></tr>"#
            )?;
            for g in f.by_step.iter().take(TOP) {
                writeln!(
                    w,
                    r#"<tr><td class="path">{}</td><td class="{}">{}</td><td class="num">{}</td></tr>"#,
                    h(&shorten(&g.name, 120)),
                    cls(g.delta_bytes),
                    signed_human(g.delta_bytes),
                    g.files
                )?;
            }
            writeln!(w, "</table>")?;
        }
    }
    if !c.cache.is_empty() {
        writeln!(w, "<h2>By cache rule</h2>")?;
        writeln!(
            w,
            r#"<table><tr><th>rule</th><th class="num">OLD</th><th class="num">NEW</th><th class="num">Δ</th></tr>"#
        )?;
        for x in &c.cache {
            let dx = x.new_bytes as i64 - x.old_bytes as i64;
            writeln!(
                w,
                r#"<tr><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="{}">{}</td></tr>"#,
                h(&x.rule),
                human(x.old_bytes),
                human(x.new_bytes),
                cls(dx),
                signed_human(dx)
            )?;
        }
        writeln!(w, "</table>")?;
    }
    let fd = &c.findings;
    writeln!(
        w,
        "<h2>Findings: {} new, {} fixed</h2>",
        fd.new.len(),
        fd.fixed.len()
    )?;
    if !fd.new.is_empty() || !fd.fixed.is_empty() {
        writeln!(
            w,
            r#"<table><tr><th></th><th class="num">bytes</th><th>finding</th></tr>"#
        )?;
        for (what, list) in [("new", &fd.new), ("fixed", &fd.fixed)] {
            for f in list {
                writeln!(
                    w,
                    r#"<tr><td>{what}</td><td class="num">{}</td><td>{}</td></tr>"#,
                    human(f.bytes),
                    h(&f.message)
                )?;
            }
        }
        writeln!(w, "</table>")?;
    }
    if let Some(p) = &c.packages {
        writeln!(w, "<h2>{}</h2>", packages_line(p))?;
        let rows = package_rows(p);
        if !rows.is_empty() {
            writeln!(
                w,
                r#"<table><tr><th></th><th>package</th><th>version</th><th class="num">Δ</th></tr>"#
            )?;
            for (what, name, version, d) in rows.into_iter().take(TOP) {
                writeln!(
                    w,
                    r#"<tr><td>{what}</td><td class="path">{}</td><td>{}</td><td class="{}">{}</td></tr>"#,
                    h(&name),
                    h(&version),
                    cls(d),
                    signed_human(d)
                )?;
            }
            writeln!(w, "</table>")?;
        }
    }
    writeln!(
        w,
        "<footer>layerscope {} diff</footer></body></html>",
        env!("CARGO_PKG_VERSION")
    )
}
