//! The status bar: the image's totals, then the search line, a message, or
//! the key hint.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::style::{esc, pct, sz, tail, GHOST, MODIFIED, REMOVED};
use crate::keys;
use crate::model::{Explorer, Model};

pub fn draw(m: &Model, e: &Explorer, f: &mut Frame, area: Rect) {
    let bottom = if e.search.editing || !e.search.query.is_empty() && m.message.is_none() {
        search_line(e)
    } else if let Some(msg) = &m.message {
        Line::styled(format!(" {}", esc(msg)), Style::default().fg(MODIFIED))
    } else if let Some(pv) = &m.preview {
        // A preview says so until the final analysis replaces it.
        Line::styled(
            format!(" {}", pv.banner()),
            Style::default()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
        )
    } else {
        Line::styled(keys::status_hint(), Style::default().fg(GHOST))
    };
    f.render_widget(Paragraph::new(vec![totals_line(m, e, area), bottom]), area);
}

/// The image's name and totals, the name shortened first.
fn totals_line(m: &Model, e: &Explorer, area: Rect) -> Line<'static> {
    let t = &e.a.totals;
    let mut spans = Vec::new();
    if let Some(pv) = &m.preview {
        spans.push(Span::styled(
            format!(" PREVIEW {}/{} ", pv.layers, pv.total),
            Style::default()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
        ));
    }
    spans.extend([
        Span::styled(
            // The end of a long name says the most: `…/basic:latest`.
            format!(
                " {} ",
                tail(&esc(&m.title), (area.width as usize / 5).max(12))
            ),
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD),
        ),
        Span::raw(format!(" size {} ", sz(t.size_bytes))),
        Span::styled(
            format!(
                "wasted {} {} ",
                sz(t.wasted_bytes),
                pct(t.wasted_bytes, t.content_bytes)
            ),
            Style::default().fg(REMOVED),
        ),
        Span::raw(format!(
            "{} {:.1}% ",
            if area.width >= 100 {
                "efficiency"
            } else {
                "eff"
            },
            t.efficiency * 100.0
        )),
        Span::styled(
            format!("recoverable {} ", sz(t.recoverable_bytes)),
            Style::default().fg(MODIFIED),
        ),
    ]);
    Line::from(spans)
}

/// `/query█ (2/5)` and the keys of the search mode (typed text, so not in
/// the key table).
fn search_line(e: &Explorer) -> Line<'static> {
    let count = match &e.search.matches {
        Some(ms) if ms.total == 0 => " (no match)".to_string(),
        Some(ms) => format!(" ({}/{})", e.search.current + 1, ms.total),
        None => String::new(),
    };
    let hint = if e.search.editing {
        "  Enter: done  Esc: stop"
    } else {
        "  n/N: next/previous"
    };
    Line::from(vec![
        Span::styled(
            format!("/{}", esc(&e.search.query)),
            Style::default().fg(Color::Cyan),
        ),
        Span::raw(if e.search.editing { "█" } else { "" }),
        Span::raw(count),
        Span::styled(hint, Style::default().fg(GHOST)),
    ])
}
