//! The waste pane: what to fix, by section (hidden bytes, cache, duplicates,
//! findings), biggest first.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::style::{cursor, dash_or, esc, highlight, pane_block, sz, tail};
use super::style::{CACHE, GHOST, MODIFIED, REMOVED};
use crate::model::{Explorer, Pane};
use crate::waste::{Section, WasteItem};
use layerscope_core::analysis::{shorten, Analysis, Severity};

pub fn draw(e: &Explorer, f: &mut Frame, area: Rect) {
    let focused = e.focus == Pane::Waste;
    let block = pane_block("Waste (Enter: show in tree)".into(), focused);
    let inner = block.inner(area);
    f.render_widget(block, area);
    if e.waste.is_empty() {
        f.render_widget(Paragraph::new("No waste found."), inner);
        return;
    }
    // Room after the cursor column.
    let width = inner.width.saturating_sub(1) as usize;
    let lines: Vec<Line> = e
        .waste
        .iter()
        .enumerate()
        .skip(e.waste_list.off)
        .take(inner.height as usize)
        .map(|(i, &item)| {
            let sel = i == e.waste_list.sel;
            let (cur, style) = cursor(sel, focused);
            let mut l = waste_line(&e.a, item, width);
            if sel {
                highlight(&mut l.spans, style);
            }
            l.spans.insert(0, cur);
            l
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

fn waste_line(a: &Analysis, item: WasteItem, width: usize) -> Line<'static> {
    match item {
        WasteItem::Header(s) => header_line(a, s),
        WasteItem::Hidden(i) => {
            let h = &a.hidden[i];
            let blame = format!("L{}→L{}", h.added_by, h.hidden_by);
            let room = width.saturating_sub(10 + blame.chars().count() + 1);
            Line::from(vec![
                Span::styled(format!("{:>9} ", sz(h.bytes)), Style::default().fg(REMOVED)),
                Span::styled(blame, Style::default().fg(GHOST)),
                Span::raw(format!(" {}", tail(&esc(&h.path), room))),
            ])
        }
        WasteItem::Cache(i) => {
            let c = &a.cache[i];
            Line::from(vec![
                Span::styled(
                    format!("{:>9} ", sz(c.live_bytes + c.hidden_bytes)),
                    Style::default().fg(CACHE),
                ),
                Span::styled(esc(&c.rule).into_owned(), Style::default().fg(CACHE)),
                Span::raw(match (c.live_bytes, c.hidden_bytes) {
                    (_, 0) => " live".to_string(),
                    (0, _) => " hidden".to_string(),
                    (l, _) => format!(" {} live", sz(l)),
                }),
            ])
        }
        WasteItem::Duplicate(i) => {
            let d = &a.duplicates[i];
            let head = format!("{:>9} ×{} ", sz(d.wasted_bytes), d.paths.len());
            let room = width.saturating_sub(head.chars().count() + 1);
            Line::from(vec![
                Span::styled(head, Style::default().fg(MODIFIED)),
                Span::raw(tail(&esc(d.paths.first().map_or("", |p| p)), room)),
            ])
        }
        WasteItem::Finding(i) => {
            let fd = &a.findings[i];
            let sev = match fd.severity {
                Severity::Warning => Span::styled("! ", Style::default().fg(REMOVED)),
                Severity::Info => Span::styled("i ", Style::default().fg(Color::Cyan)),
            };
            Line::from(vec![
                Span::raw(format!("{:>9} ", dash_or(fd.bytes))),
                sev,
                Span::raw(esc(&shorten(&fd.message, width)).into_owned()),
            ])
        }
    }
}

/// A section's title and total.
fn header_line(a: &Analysis, s: Section) -> Line<'static> {
    let total = match s {
        Section::Hidden => format!("{} in {} files", sz(a.totals.wasted_bytes), a.hidden.len()),
        Section::Cache => format!(
            "{} ({} live)",
            sz(a.totals.cache_live_bytes + a.totals.cache_hidden_bytes),
            sz(a.totals.cache_live_bytes)
        ),
        Section::Duplicates => sz(a.totals.duplicate_bytes),
        Section::Findings => format!("{}", a.findings.len()),
    };
    Line::styled(
        format!("{}: {}", s.title(), total),
        Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
    )
}
