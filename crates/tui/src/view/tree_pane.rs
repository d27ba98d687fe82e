//! The tree pane: the filesystem as of the selected layer (or only its
//! changes), live rows and the ghost rows of hidden bytes, formatting only
//! the rows on screen.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::style::{cursor, esc, highlight, pane_block, sz, ADDED, CACHE, DIR, GHOST};
use super::style::{MODIFIED, REMOVED};
use crate::ids;
use crate::model::{Explorer, Pane};
use crate::tree::{flag, Filter, Mode, Row, Sort, EXPANDED_GHOST, EXPANDED_LIVE};
use layerscope_core::escape::for_terminal;
use layerscope_core::layer::EntryKind;
use layerscope_core::overlay::Version;

pub fn draw(e: &Explorer, f: &mut Frame, area: Rect) {
    let focused = e.focus == Pane::Tree;
    let block = pane_block(title(e), focused);
    let inner = block.inner(area);
    f.render_widget(block, area);
    if e.rows.is_empty() {
        let why = if e.filter == Filter::All {
            "(empty)".to_string()
        } else {
            format!("(nothing matches the filter: {})", e.filter.label())
        };
        f.render_widget(Paragraph::new(why), inner);
        return;
    }
    // Only the rows on screen are formatted.
    let lines: Vec<Line> = e
        .rows
        .iter()
        .enumerate()
        .skip(e.tree_list.off)
        .take(inner.height as usize)
        .map(|(i, &r)| tree_line(e, r, i == e.tree_list.sel, focused))
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

fn title(e: &Explorer) -> String {
    let mut t = format!(
        "Tree: {} L{} · by {}",
        match e.tree.mode {
            Mode::Aggregate => "all up to",
            Mode::LayerOnly => "changes of",
        },
        e.layer(),
        match e.sort {
            Sort::Size => "size",
            Sort::Name => "name",
        },
    );
    if e.filter != Filter::All {
        t.push_str(" · only ");
        t.push_str(e.filter.label());
        if let (Filter::Package, Some(p)) =
            (e.filter, e.package.and_then(|i| e.a.packages.list.get(i)))
        {
            t.push(' ');
            t.push_str(&esc(&p.name));
        }
    }
    t
}

/// The marker letter and colour of a row.
fn marker(e: &Explorer, r: Row) -> (char, Style) {
    let (own, _) = e.tree.row_flags(r.node, r.ghost);
    if r.ghost {
        if own & flag::REMOVED != 0 {
            ('D', Style::default().fg(REMOVED))
        } else if own & flag::OVERWRITTEN != 0 {
            ('~', Style::default().fg(REMOVED))
        } else {
            ('H', Style::default().fg(GHOST))
        }
    } else if own & flag::ADDED != 0 {
        ('A', Style::default().fg(ADDED))
    } else if own & flag::MODIFIED != 0 {
        ('M', Style::default().fg(MODIFIED))
    } else {
        (' ', Style::default())
    }
}

/// `▾ ` / `▸ ` for a row with rows under it, else blank.
fn icon(e: &Explorer, r: Row) -> &'static str {
    if !e.tree.has_kids(r.node, r.ghost) {
        return "  ";
    }
    let bit = if r.ghost {
        EXPANDED_GHOST
    } else {
        EXPANDED_LIVE
    };
    if e.expanded[r.node.index()] & bit != 0 {
        "▾ "
    } else {
        "▸ "
    }
}

fn tree_line(e: &Explorer, r: Row, selected: bool, focused: bool) -> Line<'static> {
    let o = &e.a.overlay;
    let ver = ids::version(o, e.tree.version(r));
    let is_dir = ver.is_some_and(|v| v.kind == EntryKind::Dir) || e.tree.has_kids(r.node, r.ghost);
    let (mark, mstyle) = marker(e, r);
    let (cur, sel_style) = cursor(selected, focused);
    let size = e.tree.size(o, r.node, r.ghost);
    let base = if r.ghost {
        Style::default().fg(GHOST).add_modifier(Modifier::ITALIC)
    } else if is_dir {
        Style::default().fg(DIR).add_modifier(Modifier::BOLD)
    } else {
        Style::default()
    };
    let mut name = for_terminal(o.name(r.node)).into_owned();
    if is_dir {
        name.push('/');
    }
    let mut spans = vec![
        cur,
        Span::styled(mark.to_string(), mstyle),
        Span::styled(
            format!(" {:>9} ", sz(size)),
            if r.ghost {
                Style::default().fg(GHOST)
            } else {
                Style::default()
            },
        ),
        Span::raw("  ".repeat(r.depth as usize)),
        Span::raw(icon(e, r)),
        Span::styled(name, base),
    ];
    if let Some(ver) = ver {
        spans.extend(version_notes(e, r, ver));
    }
    if !r.ghost && is_dir {
        let hidden = e.tree.figs[r.node.index()].ghost_size;
        if hidden > 0 {
            spans.push(Span::styled(
                format!(" +{} hidden", sz(hidden)),
                Style::default().fg(REMOVED).add_modifier(Modifier::DIM),
            ));
        }
    }
    if selected {
        highlight(&mut spans, sel_style);
    }
    Line::from(spans)
}

/// After the name: a link's target, the cache rule, and who hid the bytes
/// (on a ghost row) or will hide them (on a live row of an earlier layer).
fn version_notes(e: &Explorer, r: Row, ver: &Version) -> Vec<Span<'static>> {
    let a = &e.a;
    let mut spans = Vec::new();
    if let Some(en) = ids::entry(a, ver) {
        if matches!(en.kind, EntryKind::Symlink | EntryKind::Hardlink) {
            if let Some(t) = en.link() {
                spans.push(Span::styled(
                    format!(" → {}", for_terminal(t)),
                    Style::default().fg(Color::Cyan),
                ));
            }
        }
    }
    let Some(ino) = ids::inode(&a.overlay, ver) else {
        return spans;
    };
    if let Some(rule) = ids::cache_rule(a, ver) {
        spans.push(Span::styled(
            format!(" [{}]", esc(&rule.name)),
            Style::default().fg(CACHE),
        ));
    }
    match (r.ghost, ino.gone) {
        (true, Some(g)) => spans.push(Span::styled(
            format!(" L{}→L{} {}", ino.layer, g.layer, g.cause.as_str()),
            Style::default().fg(GHOST),
        )),
        (false, Some(g)) if g.layer > e.layer() && ino.size > 0 => spans.push(Span::styled(
            format!(" (hidden by L{})", g.layer),
            Style::default().fg(MODIFIED),
        )),
        _ => {}
    }
    spans
}
