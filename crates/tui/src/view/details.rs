//! The details pane: about the selected row of the focused pane. For the
//! tree it renders a [`NodeDetails`] (built without drawing in
//! `node_details.rs`); layers and waste items are shown from the analysis.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::style::{esc, step_of, step_suffix, sz, REMOVED};
use crate::model::{Explorer, Pane};
use crate::node_details::{node_details, Hiding, NodeDetails, Shown, Touch};
use crate::waste::WasteItem;
use layerscope_core::analysis::{shorten, Analysis, HiddenFile};
use layerscope_core::escape::for_terminal;
use layerscope_core::layer::EntryKind;
use layerscope_core::overlay::Cause;
use layerscope_core::source::Verified;

pub fn draw(e: &Explorer, f: &mut Frame, area: Rect) {
    let lines = match e.focus {
        Pane::Tree => match node_details(e) {
            Some(d) => node_lines(&d),
            None => vec![Line::raw("Nothing selected.")],
        },
        Pane::Layers => layer_lines(e),
        Pane::Waste => waste_lines(e),
        Pane::Packages => package_lines(e),
    };
    let block = Block::default().borders(Borders::TOP).title(" Details ");
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}

/// Path and metadata, then who hid the bytes (what the user came for),
/// the layers that touched the path, and the hash and cache rule.
fn node_lines(d: &NodeDetails) -> Vec<Line<'static>> {
    let mut first = vec![Span::styled(
        for_terminal(d.path.as_bytes()).into_owned(),
        Style::default().add_modifier(Modifier::BOLD),
    )];
    let mut lines = Vec::new();
    if let Some(s) = &d.shown {
        first.extend(shown_spans(s));
        lines.push(Line::from(first));
        if let Some(h) = &s.hidden {
            lines.push(hiding_line(h));
        }
    } else {
        lines.push(Line::from(first));
    }
    if !d.packages.is_empty() {
        let label = if d.packages.len() == 1 {
            "package"
        } else {
            "packages"
        };
        lines.push(Line::raw(format!(
            "{label}: {}",
            esc(&d.packages.join(", "))
        )));
    }
    lines.push(history_line(&d.history));
    if let Some(s) = &d.shown {
        let mut note = String::new();
        if let Some(h) = &s.hash {
            note.push_str(&format!("xxh3 {h}"));
        }
        if let Some(c) = &s.cache {
            note.push_str(&format!("  cache: {}: {}", esc(&c.rule), esc(&c.remedy)));
        }
        if !note.is_empty() {
            lines.push(Line::raw(note));
        }
    }
    lines
}

/// The selected package: where it is, when it came and went, its group.
fn package_lines(e: &Explorer) -> Vec<Line<'static>> {
    let Some(p) = e
        .packages
        .get(e.packages_list.sel)
        .and_then(|&i| e.a.packages.list.get(i))
    else {
        return vec![Line::raw("No package selected.")];
    };
    let mut first = format!(
        "{} {} ({})  {} live in {} files, {} hidden",
        esc(&p.name),
        esc(&p.version),
        p.manager.as_str(),
        sz(p.live_bytes),
        p.files,
        sz(p.hidden_bytes)
    );
    if let Some(g) = &p.group {
        first.push_str(&format!("  group: {}", esc(g)));
    }
    let mut second = format!("at {}", esc(&p.location));
    if let Some(l) = p.installed_by {
        second.push_str(&format!("  installed by L{l}"));
    }
    if let Some(l) = p.removed_by {
        second.push_str(&format!("  removed by L{l}"));
    }
    if p.auto_installed {
        second.push_str("  auto-installed");
    }
    vec![
        Line::styled(first, Style::default().add_modifier(Modifier::BOLD)),
        Line::raw(second),
    ]
}

/// `  file 5.0 kB  -rw-r--r--  0:0  → target` after the path.
fn shown_spans(s: &Shown) -> Vec<Span<'static>> {
    let mut spans = vec![Span::raw(format!(
        "  {} {}",
        s.kind.as_str(),
        if s.ghost {
            format!("{} hidden", sz(s.size))
        } else {
            sz(s.size)
        }
    ))];
    match &s.entry {
        Some(en) => {
            spans.push(Span::raw(format!(
                "  {}  {}:{}",
                mode_string(en.kind, en.mode),
                en.uid,
                en.gid
            )));
            if let Some(t) = &en.link {
                spans.push(Span::raw(format!("  → {}", for_terminal(t))));
            }
        }
        None => spans.push(Span::raw("  (implied directory)")),
    }
    spans
}

fn hiding_line(h: &Hiding) -> Line<'static> {
    Line::styled(
        format!(
            "{} {} by L{}{}, added by L{}{}",
            sz(h.bytes),
            match h.cause {
                Cause::Overwritten => "overwritten",
                _ => "removed",
            },
            h.by,
            step_suffix(h.by_step.as_deref(), 40),
            h.added_by,
            step_suffix(h.added_step.as_deref(), 40),
        ),
        Style::default().fg(REMOVED),
    )
}

/// `layers: L1 dir (implied), L3 file 5.0 kB (removed L4)`.
fn history_line(history: &[Touch]) -> Line<'static> {
    let mut spans = vec![Span::raw("layers: ")];
    for (i, t) in history.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(", "));
        }
        let what = match t.bytes {
            Some(b) => format!("{} {}", t.kind.as_str(), sz(b)),
            None if t.implied => "dir (implied)".to_string(),
            None => t.kind.as_str().to_string(),
        };
        let mut s = format!("L{} {}", t.layer, what);
        if let Some((cause, layer)) = t.gone {
            // A merge loses nothing: not worth a note.
            if cause != Cause::Merged {
                s.push_str(&format!(" ({} L{})", cause.as_str(), layer));
            }
        }
        spans.push(Span::raw(s));
    }
    Line::from(spans)
}

fn layer_lines(e: &Explorer) -> Vec<Line<'static>> {
    let Some(l) = e.a.layers.get(e.layers.sel) else {
        return vec![];
    };
    // `Dockerfile:LINE RUN …` with --dockerfile.
    let step = e.a.step_labeled(l.index);
    vec![
        Line::from(vec![
            Span::styled(
                format!("Layer {}: ", l.index),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::raw(esc(&shorten(&step, 400)).into_owned()),
        ]),
        Line::raw(format!(
            "size {} (stored {}, compression {}), content {}, {} entries; adds {} that is hidden later, hides {} of lower layers; cache {}",
            sz(l.size_bytes),
            sz(l.stored_bytes),
            l.compression,
            sz(l.content_bytes),
            l.entries,
            sz(l.hidden_bytes_added),
            sz(l.hides_bytes),
            sz(l.cache_bytes)
        )),
        Line::raw(format!("digest {}  diff_id {}", esc(&l.digest), esc(&l.diff_id))),
        Line::raw(match l.verified {
            Verified::None => "layer digests not verified: --verify".to_string(),
            v => format!("verified: {}", v.as_str()),
        }),
    ]
}

fn waste_lines(e: &Explorer) -> Vec<Line<'static>> {
    let a = &e.a;
    let Some(&item) = e.waste.get(e.waste_list.sel) else {
        return vec![];
    };
    let bold = Style::default().add_modifier(Modifier::BOLD);
    match item {
        WasteItem::Header(_) => vec![],
        WasteItem::Hidden(i) => hidden_lines(a, &a.hidden[i]),
        WasteItem::Cache(i) => {
            let c = &a.cache[i];
            vec![
                Line::styled(
                    format!(
                        "cache {}: {} live (recoverable), {} hidden, {} files",
                        esc(&c.rule),
                        sz(c.live_bytes),
                        sz(c.hidden_bytes),
                        c.files
                    ),
                    bold,
                ),
                Line::raw(format!("remedy: {}", esc(&c.remedy))),
            ]
        }
        WasteItem::Duplicate(i) => {
            let d = &a.duplicates[i];
            vec![
                Line::styled(
                    format!(
                        "{} copies of {} each: {} wasted",
                        d.paths.len(),
                        sz(d.bytes_each),
                        sz(d.wasted_bytes)
                    ),
                    bold,
                ),
                Line::raw(esc(&d.paths.join("  ")).into_owned()),
            ]
        }
        WasteItem::Finding(i) => {
            let fd = &a.findings[i];
            vec![
                Line::styled(
                    format!("[{}] {}", fd.severity.as_str(), esc(&fd.message)),
                    bold,
                ),
                Line::raw(format!("remedy: {}", esc(&fd.remedy))),
            ]
        }
    }
}

/// A hidden file: who hid it, who added it, and why it matters.
fn hidden_lines(a: &Analysis, h: &HiddenFile) -> Vec<Line<'static>> {
    let bold = Style::default().add_modifier(Modifier::BOLD);
    vec![
        Line::styled(esc(&h.path).into_owned(), bold),
        Line::raw(format!(
            "{} {} by L{}{}; added by L{}{}{}",
            sz(h.bytes),
            h.cause.as_str(),
            h.hidden_by,
            step_of(a, h.hidden_by, 50),
            h.added_by,
            step_of(a, h.added_by, 50),
            match &h.cache_rule {
                Some(r) => format!("; cache: {}", esc(r)),
                None => String::new(),
            }
        )),
        Line::raw(if h.churn {
            "package-database churn: rewritten by every install".to_string()
        } else {
            "shipped in every pull, never visible in a container. Enter: show in tree".to_string()
        }),
    ]
}

/// `drwxr-xr-x`, with setuid/setgid/sticky.
pub fn mode_string(kind: EntryKind, mode: u32) -> String {
    let t = match kind {
        EntryKind::Dir => 'd',
        EntryKind::Symlink => 'l',
        EntryKind::CharDevice => 'c',
        EntryKind::BlockDevice => 'b',
        EntryKind::Fifo => 'p',
        _ => '-',
    };
    let mut s = String::with_capacity(10);
    s.push(t);
    // (permission bit, its letter, the special bit shown in its place).
    let bits = [
        (0o400, 'r', 0),
        (0o200, 'w', 0),
        (0o100, 'x', 0o4000),
        (0o040, 'r', 0),
        (0o020, 'w', 0),
        (0o010, 'x', 0o2000),
        (0o004, 'r', 0),
        (0o002, 'w', 0),
        (0o001, 'x', 0o1000),
    ];
    for (bit, c, special) in bits {
        let on = mode & bit != 0;
        // Sticky shows as t/T, setuid and setgid as s/S.
        let letter = if special == 0o1000 { 't' } else { 's' };
        s.push(match (mode & special != 0, on) {
            (true, true) => letter,
            (true, false) => letter.to_ascii_uppercase(),
            (false, true) => c,
            (false, false) => '-',
        });
    }
    s
}
