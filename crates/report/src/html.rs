//! `report --format html`: one self-contained page (inline CSS and SVG, no
//! script, no network: a Content-Security-Policy says so to the browser).
//!
//! It leads with what to do: the summary cards, then the top fixes (the
//! analysis's findings, largest saving first), then a contents list of the
//! sections below, each with its own anchor. Nothing is said twice: the
//! remedies are in the fixes (the cache table has the figures only), and
//! the findings section holds those not already among the top fixes.
//! Every string from the image goes through [`for_html`], in text, in
//! attributes and in SVG `<title>` tooltips; control characters are first
//! shown as `\xNN`, as on the terminal.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::{layer_splits, LayerSplit};
use layerscope_core::analysis::{shorten, Analysis, Finding};
use layerscope_core::escape::{for_html, str_for_terminal};
use layerscope_core::units::{human, pct, ratio_pct};

/// How many rows of the long lists are shown.
const TOP: usize = 50;

/// How many findings the "Top fixes" block shows.
const TOP_FIXES: usize = 5;

/// Escaped for HTML text and double-quoted attributes.
pub fn h(s: &str) -> String {
    for_html(&str_for_terminal(s)).into_owned()
}

/// A message or remedy as HTML: its `code spans` as `<code>`, every part
/// escaped with [`h`]. Backticks that do not pair up are shown as they are.
pub fn rich(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len() % 2 == 0 {
        return h(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 1 {
            out.push_str("<code>");
            out.push_str(&h(part));
            out.push_str("</code>");
        } else {
            out.push_str(&h(part));
        }
    }
    out
}

const STYLE: &str = r#"
:root { --live: #3b82f6; --cache: #f59e0b; --hidden: #dc2626; --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0; padding: 24px 32px; max-width: 1200px; }
h1 { font-size: 22px; margin: 0 0 4px; word-break: break-all; }
h2 { font-size: 17px; margin: 28px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.sub { color: var(--muted); margin-bottom: 16px; }
.figures { display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; }
.fig { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.fig .label { display: block; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.fig .value { display: block; font-size: 20px; font-weight: 600; }
.fig .note { display: block; color: var(--muted); font-size: 12px; }
.fig.bad .value { color: var(--hidden); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; width: 1%; }
td.path { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; word-break: break-all; }
code, .step { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; }
.legend span { display: inline-block; margin-right: 16px; }
.sw { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
.finding { margin: 8px 0; padding: 8px 12px; border-left: 4px solid var(--cache); background: #fffbeb; }
.finding.info { border-left-color: var(--live); background: #eff6ff; }
.finding .fix { color: #065f46; }
.sev { font-weight: 600; text-transform: uppercase; font-size: 11px; margin-right: 6px; }
svg text { font: 12px system-ui, sans-serif; fill: var(--ink); }
svg text.step { font: 11.5px ui-monospace, Menlo, monospace; fill: var(--muted); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
code { background: #f3f4f6; border-radius: 3px; padding: 0 3px; word-break: break-all; }
.fixes ol { margin: 0; padding: 0; list-style: none; counter-reset: fix; }
.fixes li { counter-increment: fix; display: grid; grid-template-columns: 2em 7em 1fr; gap: 0 10px; padding: 8px 0; border-bottom: 1px solid var(--line); }
.fixes li::before { content: counter(fix) "."; color: var(--muted); font-weight: 600; }
.fixes .saves { font-weight: 700; color: var(--hidden); font-variant-numeric: tabular-nums; }
.fixes .saves small { display: block; font-weight: 400; color: var(--muted); font-size: 11px; }
.fixes .fix { color: #065f46; margin-top: 2px; }
nav.contents { margin: 20px 0 0; padding: 8px 12px; background: #f9fafb; border: 1px solid var(--line); border-radius: 6px; }
nav.contents ol { margin: 0; padding: 0; list-style: none; display: flex; flex-wrap: wrap; gap: 4px 18px; }
a { color: #1d4ed8; text-decoration: none; }
a:hover { text-decoration: underline; }
h2 a.anchor { color: var(--line); margin-left: 6px; font-weight: 400; }
h2:hover a.anchor { color: var(--muted); }
td .of { color: var(--muted); font-size: 12px; white-space: nowrap; }
tr:target { background: #fef9c3; }
"#;

fn figure<W: Write + ?Sized>(
    w: &mut W,
    id: &str,
    label: &str,
    bytes: u64,
    note: &str,
    bad: bool,
) -> io::Result<()> {
    writeln!(
        w,
        r#"<div class="fig{}" id="fig-{id}" data-bytes="{bytes}"><span class="label">{label}</span><span class="value">{}</span><span class="note">{}</span></div>"#,
        if bad { " bad" } else { "" },
        human(bytes),
        h(note)
    )
}

/// The per-layer stacked bars: live, live cache and hidden bytes.
fn chart<W: Write + ?Sized>(a: &Analysis, splits: &[LayerSplit], w: &mut W) -> io::Result<()> {
    const ROW: usize = 30;
    const LABEL: f64 = 330.0;
    const WIDTH: f64 = 1100.0;
    const BAR: f64 = WIDTH - LABEL - 90.0;
    let max = splits
        .iter()
        .map(|s| s.live + s.cache + s.hidden)
        .max()
        .unwrap_or(0)
        .max(1);
    let height = ROW * splits.len().max(1) + 10;
    writeln!(
        w,
        r#"<svg id="layer-chart" role="img" aria-label="Content bytes per layer: live, cache and hidden" xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {WIDTH} {height}">"#
    )?;
    for (i, (l, s)) in a.layers.iter().zip(splits).enumerate() {
        let y = (i * ROW) as f64 + 5.0;
        let step = a.step_labeled(l.index);
        writeln!(w, r#"<g class="layer" data-layer="{}">"#, l.index)?;
        writeln!(
            w,
            r#"<title>layer {}: live {}, cache {}, hidden {} — {}</title>"#,
            l.index,
            human(s.live),
            human(s.cache),
            human(s.hidden),
            h(&step)
        )?;
        writeln!(
            w,
            r#"<text x="0" y="{:.0}">{}</text><text class="step" x="28" y="{:.0}">{}</text>"#,
            y + 15.0,
            l.index,
            y + 15.0,
            h(&shorten(&step, 44))
        )?;
        let mut x = LABEL;
        for (kind, bytes) in [("live", s.live), ("cache", s.cache), ("hidden", s.hidden)] {
            if bytes == 0 {
                continue;
            }
            let bw = (bytes as f64 / max as f64 * BAR).max(1.0);
            writeln!(
                w,
                r#"<rect class="{kind}" x="{x:.1}" y="{:.0}" width="{bw:.1}" height="20" rx="2" fill="var(--{kind})" data-bytes="{bytes}"><title>layer {}: {kind} {}</title></rect>"#,
                y + 1.0,
                l.index,
                human(bytes)
            )?;
            x += bw;
        }
        writeln!(
            w,
            r#"<text x="{:.1}" y="{:.0}">{}</text>"#,
            x + 6.0,
            y + 15.0,
            human(s.live + s.cache + s.hidden)
        )?;
        writeln!(w, "</g>")?;
    }
    writeln!(w, "</svg>")
}

pub fn write<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    head(a, w)?;
    figures(a, w)?;
    let (top, rest) = ranked_findings(a);
    fixes(&top, w)?;
    contents(a, &rest, w)?;
    layers(a, w)?;
    cache(a, w)?;
    hidden(a, w)?;
    duplicates(a, w)?;
    packages(a, w)?;
    findings(&rest, w)?;
    footer(w)
}

/// The findings, largest saving first (the analysis's own figures; ties
/// keep the analysis's order): the top fixes (with bytes to save), and the
/// rest.
fn ranked_findings(a: &Analysis) -> (Vec<&Finding>, Vec<&Finding>) {
    let mut all: Vec<&Finding> = a.findings.iter().collect();
    all.sort_by_key(|f| std::cmp::Reverse(f.bytes));
    let n = all
        .iter()
        .take(TOP_FIXES)
        .take_while(|f| f.bytes > 0)
        .count();
    let rest = all.split_off(n);
    (all, rest)
}

/// A section's heading with its anchor.
fn heading<W: Write + ?Sized>(w: &mut W, id: &str, title: &str) -> io::Result<()> {
    writeln!(
        w,
        r##"<h2>{title} <a class="anchor" href="#{id}" aria-label="link to this section">#</a></h2>"##
    )
}

/// "Top fixes": what to change first, largest saving first.
fn fixes<W: Write + ?Sized>(top: &[&Finding], w: &mut W) -> io::Result<()> {
    writeln!(w, r#"<section id="top-fixes" class="fixes">"#)?;
    heading(w, "top-fixes", "Top fixes")?;
    if top.is_empty() {
        writeln!(
            w,
            "<p>Nothing to fix: no hidden bytes, left-over caches or duplicates.</p>"
        )?;
    } else {
        writeln!(w, "<ol>")?;
        for f in top {
            writeln!(
                w,
                r#"<li class="fix-item {}" data-rule="{}" data-bytes="{}"><span class="saves">{}<small>to save</small></span><div><div class="what">{}</div><div class="fix">→ {}</div></div></li>"#,
                f.severity.as_str(),
                h(&f.rule),
                f.bytes,
                human(f.bytes),
                rich(&f.message),
                rich(&f.remedy)
            )?;
        }
        writeln!(w, "</ol>")?;
    }
    writeln!(w, "</section>")
}

/// The contents list: one link per section present.
fn contents<W: Write + ?Sized>(a: &Analysis, rest: &[&Finding], w: &mut W) -> io::Result<()> {
    let mut items = vec![
        ("top-fixes", "Top fixes".to_string()),
        ("sec-layers", format!("Layers ({})", a.layers.len())),
    ];
    if !a.cache.is_empty() {
        items.push(("sec-cache", format!("Cache ({} rules)", a.cache.len())));
    }
    if !a.hidden.is_empty() {
        items.push(("sec-hidden", format!("Hidden files ({})", a.hidden.len())));
    }
    if !a.duplicates.is_empty() {
        items.push((
            "sec-duplicates",
            format!(
                "Duplicates ({} group{})",
                a.duplicates.len(),
                if a.duplicates.len() == 1 { "" } else { "s" }
            ),
        ));
    }
    if !a.packages.list.is_empty() {
        items.push((
            "sec-packages",
            format!("Packages ({})", a.packages.list.len()),
        ));
    }
    if !rest.is_empty() {
        items.push(("sec-findings", format!("More findings ({})", rest.len())));
    }
    writeln!(
        w,
        r#"<nav class="contents" id="contents" aria-label="Contents"><ol>"#
    )?;
    for (id, label) in items {
        writeln!(w, r##"<li><a href="#{id}">{label}</a></li>"##)?;
    }
    writeln!(w, "</ol></nav>")
}

/// (layer number, bytes), lowest layer first.
type LayerBytes = Vec<(usize, u64)>;

/// Per layer, the bytes of each other layer it hides (`hides`) or that hide
/// its own (`hidden_by`), from the analysis's hidden files: (layer, bytes),
/// lowest layer first.
fn hidden_links(a: &Analysis) -> (Vec<LayerBytes>, Vec<LayerBytes>) {
    let n = a.layers.len();
    let mut hides = vec![BTreeMap::new(); n];
    let mut hidden_by = vec![BTreeMap::new(); n];
    for x in &a.hidden {
        let (added, hider) = (x.added_by.index(), x.hidden_by.index());
        if added < n && hider < n {
            *hides[hider].entry(x.added_by.number()).or_insert(0u64) += x.bytes;
            *hidden_by[added].entry(x.hidden_by.number()).or_insert(0u64) += x.bytes;
        }
    }
    let flat =
        |v: Vec<BTreeMap<usize, u64>>| v.into_iter().map(|m| m.into_iter().collect()).collect();
    (flat(hides), flat(hidden_by))
}

/// `of layer 2: 65.0 kB, layer 6: 14.8 kB`, each layer a link to its row.
fn layer_list(word: &str, list: &[(usize, u64)]) -> String {
    if list.is_empty() {
        return String::new();
    }
    let items: Vec<String> = list
        .iter()
        .map(|(l, b)| format!(r##"<a href="#layer-{l}">layer {l}</a>: {}"##, human(*b)))
        .collect();
    format!(r#"<div class="of">{word} {}</div>"#, items.join(", "))
}

/// Packages, largest first (docs/packages.md).
fn packages<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    if a.packages.list.is_empty() {
        return Ok(());
    }
    writeln!(w, r#"<section id="sec-packages">"#)?;
    heading(w, "sec-packages", "Packages")?;
    writeln!(
        w,
        "<p>{} live in packages, {} owned by none.</p>",
        human(a.totals.package_live_bytes),
        human(a.totals.unowned_live_bytes)
    )?;
    writeln!(
        w,
        r#"<table id="packages"><thead><tr><th class="num">live</th><th class="num">hidden</th><th class="num">strippable</th><th class="num">files</th><th>manager</th><th>package</th><th>version</th><th>layers</th><th>group</th></tr></thead><tbody>"#
    )?;
    for p in a.packages.list.iter().take(TOP) {
        writeln!(
            w,
            r#"<tr><td class="num" data-bytes="{}">{}</td><td class="num" data-bytes="{}">{}</td><td class="num" data-bytes="{}">{}</td><td class="num">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            p.live_bytes,
            human(p.live_bytes),
            p.hidden_bytes,
            human(p.hidden_bytes),
            p.strippable_bytes,
            human(p.strippable_bytes),
            p.files,
            p.manager.as_str(),
            h(&p.name),
            h(&p.version),
            match (p.installed_by, p.removed_by) {
                (Some(i), Some(r)) => format!("{i}–{r}"),
                (Some(i), None) => i.to_string(),
                _ => String::new(),
            },
            h(p.group.as_deref().unwrap_or(""))
        )?;
    }
    writeln!(w, "</tbody></table>")?;
    writeln!(w, "</section>")
}

/// The page head, the image's name and what it is.
fn head<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    let info = &a.image.info;
    let name = info.reference.as_deref().unwrap_or("(unnamed image)");
    writeln!(w, "<!DOCTYPE html>")?;
    writeln!(w, r#"<html lang="en"><head><meta charset="utf-8">"#)?;
    writeln!(
        w,
        r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">"#
    )?;
    writeln!(
        w,
        r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#
    )?;
    writeln!(w, "<title>layerscope: {}</title>", h(name))?;
    writeln!(w, "<style>{STYLE}</style></head><body>")?;
    writeln!(w, "<h1>{}</h1>", h(name))?;
    let mut facts = vec![crate::format_and_source(info)];
    if let Some(p) = &info.platform {
        facts.push(h(p));
    }
    if info.gzipped {
        facts.push("gzipped".into());
    }
    if let Some(d) = &info.config_digest {
        facts.push(format!("config {}", h(d.as_str())));
    }
    writeln!(w, r#"<div class="sub">{}</div>"#, facts.join(" · "))?;
    writeln!(w, r#"<div class="sub">{}</div>"#, h(&a.verification_line()))?;
    Ok(())
}

/// The four headline figures.
fn figures<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    let t = &a.totals;
    writeln!(w, r#"<section class="figures">"#)?;
    figure(
        w,
        "size",
        "size",
        t.size_bytes,
        &format!("{} layers, {} stored", t.layers, human(t.stored_bytes)),
        false,
    )?;
    figure(
        w,
        "live",
        "live",
        t.live_bytes,
        &format!(
            "efficiency {} of {} content",
            ratio_pct(t.efficiency),
            human(t.content_bytes)
        ),
        false,
    )?;
    figure(
        w,
        "wasted",
        "wasted (hidden)",
        t.wasted_bytes,
        &format!(
            "{} of content: removed {}, overwritten {}",
            pct(t.wasted_bytes, t.content_bytes),
            human(t.removed_bytes),
            human(t.overwritten_bytes)
        ),
        t.wasted_bytes > 0,
    )?;
    figure(
        w,
        "recoverable",
        "recoverable",
        t.recoverable_bytes,
        &format!(
            "wasted + live cache {} + duplicates {}",
            human(t.cache_live_bytes),
            human(t.duplicate_bytes)
        ),
        t.recoverable_bytes > 0,
    )?;
    writeln!(w, "</section>")?;
    Ok(())
}

/// The layer chart and table.
fn layers<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    writeln!(w, r#"<section id="sec-layers">"#)?;
    heading(w, "sec-layers", "Layers")?;
    writeln!(
        w,
        r#"<div class="legend"><span><i class="sw" style="background:var(--live)"></i>live</span><span><i class="sw" style="background:var(--cache)"></i>live cache</span><span><i class="sw" style="background:var(--hidden)"></i>hidden (shipped, never seen)</span></div>"#
    )?;
    let splits = layer_splits(a);
    let (hides, hidden_by) = hidden_links(a);
    chart(a, &splits, w)?;
    writeln!(
        w,
        r#"<table id="layers"><thead><tr><th class="num">#</th><th class="num">size</th><th class="num">content</th><th class="num">live</th><th class="num">cache</th><th class="num">hidden</th><th class="num">hides</th><th>step</th></tr></thead><tbody>"#
    )?;
    for (i, (l, s)) in a.layers.iter().zip(&splits).enumerate() {
        writeln!(
            w,
            r#"<tr id="layer-{}" data-layer="{}"><td class="num">{}</td><td class="num" data-bytes="{}">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num hidden-cell">{}{}</td><td class="num hides-cell" data-bytes="{}">{}{}</td><td class="step" title="{}">{}</td></tr>"#,
            l.index,
            l.index,
            l.index,
            l.size_bytes,
            human(l.size_bytes),
            human(l.content_bytes),
            human(s.live),
            human(s.cache),
            human(s.hidden),
            layer_list("by", &hidden_by[i]),
            l.hides_bytes,
            human(l.hides_bytes),
            layer_list("of", &hides[i]),
            h(l.created_by.as_deref().unwrap_or("")),
            h(&shorten(&a.step_labeled(l.index), 90))
        )?;
    }
    writeln!(w, "</tbody></table>")?;
    writeln!(w, "</section>")
}

fn cache<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    if a.cache.is_empty() {
        return Ok(());
    }
    writeln!(w, r#"<section id="sec-cache">"#)?;
    heading(w, "sec-cache", "Cache")?;
    writeln!(
        w,
        "<p>Bytes under each cache rule; their remedies are in the fixes.</p>"
    )?;
    writeln!(
        w,
        r#"<table id="cache"><thead><tr><th>rule</th><th class="num">live</th><th class="num">hidden</th><th class="num">files</th></tr></thead><tbody>"#
    )?;
    for c in &a.cache {
        writeln!(
            w,
            r#"<tr><td>{}</td><td class="num" data-bytes="{}">{}</td><td class="num" data-bytes="{}">{}</td><td class="num">{}</td></tr>"#,
            h(&c.rule),
            c.live_bytes,
            human(c.live_bytes),
            c.hidden_bytes,
            human(c.hidden_bytes),
            c.files
        )?;
    }
    writeln!(w, "</tbody></table>")?;
    writeln!(w, "</section>")
}

fn hidden<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    if a.hidden.is_empty() {
        return Ok(());
    }
    writeln!(w, r#"<section id="sec-hidden">"#)?;
    heading(
        w,
        "sec-hidden",
        "Hidden files <small>(shipped in every pull, never seen in a container)</small>",
    )?;
    writeln!(
        w,
        r#"<table id="hidden"><thead><tr><th class="num">bytes</th><th>cause</th><th class="num">added by</th><th class="num">hidden by</th><th>path</th></tr></thead><tbody>"#
    )?;
    for x in a.hidden.iter().take(TOP) {
        writeln!(
            w,
            r##"<tr><td class="num" data-bytes="{}">{}</td><td>{}{}</td><td class="num"><a href="#layer-{}">{}</a></td><td class="num"><a href="#layer-{}">{}</a></td><td class="path">{}</td></tr>"##,
            x.bytes,
            human(x.bytes),
            x.cause.as_str(),
            if x.churn { " (churn)" } else { "" },
            x.added_by,
            x.added_by,
            x.hidden_by,
            x.hidden_by,
            h(&x.path)
        )?;
    }
    writeln!(w, "</tbody></table>")?;
    if a.hidden.len() > TOP {
        writeln!(
            w,
            "<p>… and {} more (see <code>--format json</code>).</p>",
            a.hidden.len() - TOP
        )?;
    }
    writeln!(w, "</section>")
}

fn duplicates<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    if a.duplicates.is_empty() {
        return Ok(());
    }
    writeln!(w, r#"<section id="sec-duplicates">"#)?;
    heading(w, "sec-duplicates", "Duplicates")?;
    writeln!(
        w,
        r#"<table id="duplicates"><thead><tr><th class="num">wasted</th><th class="num">copies</th><th class="num">each</th><th>paths</th></tr></thead><tbody>"#
    )?;
    for d in a.duplicates.iter().take(TOP) {
        let paths: Vec<String> = d.paths.iter().map(|p| h(p)).collect();
        writeln!(
            w,
            r#"<tr><td class="num" data-bytes="{}">{}</td><td class="num">{}</td><td class="num">{}</td><td class="path">{}</td></tr>"#,
            d.wasted_bytes,
            human(d.wasted_bytes),
            d.paths.len(),
            human(d.bytes_each),
            paths.join("<br>")
        )?;
    }
    writeln!(w, "</tbody></table>")?;
    writeln!(w, "</section>")
}

/// The findings not among the top fixes, largest first.
fn findings<W: Write + ?Sized>(rest: &[&Finding], w: &mut W) -> io::Result<()> {
    if rest.is_empty() {
        return Ok(());
    }
    writeln!(w, r#"<section id="sec-findings">"#)?;
    heading(w, "sec-findings", "More findings")?;
    writeln!(w, r#"<div id="findings">"#)?;
    for f in rest {
        writeln!(
            w,
            r#"<div class="finding {}" data-rule="{}" data-bytes="{}"><span class="sev">{}</span>{}<div class="fix">→ {}</div></div>"#,
            f.severity.as_str(),
            h(&f.rule),
            f.bytes,
            f.severity.as_str(),
            rich(&f.message),
            rich(&f.remedy)
        )?;
    }
    writeln!(w, "</div>")?;
    writeln!(w, "</section>")
}

fn footer<W: Write + ?Sized>(w: &mut W) -> io::Result<()> {
    writeln!(
        w,
        "<footer>layerscope {} · exact bytes from the layer tars, nothing estimated</footer>",
        env!("CARGO_PKG_VERSION")
    )?;
    writeln!(w, "</body></html>")
}

#[cfg(test)]
mod tests {
    use super::rich;

    #[test]
    fn code_spans_become_code_and_everything_is_escaped() {
        assert_eq!(
            rich("use `pip install --no-cache-dir`, or `a && b`"),
            "use <code>pip install --no-cache-dir</code>, or <code>a &amp;&amp; b</code>"
        );
        assert_eq!(
            rich("layer 2 (`RUN rm '<script>'`) removes"),
            "layer 2 (<code>RUN rm &#39;&lt;script&gt;&#39;</code>) removes"
        );
        // Unpaired backticks stay text; control characters are shown.
        assert_eq!(rich("a `b <i>"), "a `b &lt;i&gt;");
        assert_eq!(rich("`\x1b[31m`"), "<code>\\x1b[31m</code>");
        assert_eq!(rich("no spans"), "no spans");
    }
}
