//! The packages pane (`p`, in the Waste pane's place): every package the
//! image's databases list, most live bytes first, with its version, live
//! and hidden bytes and number of live files.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::style::{cursor, esc, highlight, pane_block, sz, REMOVED};
use crate::model::{Explorer, Pane};
use layerscope_core::analysis::shorten;
use layerscope_core::packages::Package;

pub fn draw(e: &Explorer, f: &mut Frame, area: Rect) {
    let focused = e.focus == Pane::Packages;
    let title = format!(
        "Packages: {} (Enter: its files in the tree)",
        e.packages.len()
    );
    let block = pane_block(title, focused);
    let inner = block.inner(area);
    f.render_widget(block, area);
    if e.packages.is_empty() {
        f.render_widget(Paragraph::new("No package database found."), inner);
        return;
    }
    let width = inner.width.saturating_sub(1) as usize;
    let mut lines = vec![Line::styled(
        format!(" {:>9} {:>9} {:>6} package", "live", "hidden", "files"),
        Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
    )];
    lines.extend(
        e.packages
            .iter()
            .enumerate()
            .skip(e.packages_list.off)
            .take(inner.height.saturating_sub(1) as usize)
            .map(|(row, &i)| {
                let sel = row == e.packages_list.sel;
                let (cur, style) = cursor(sel, focused);
                let mut l = package_line(&e.a.packages.list[i], width);
                if sel {
                    highlight(&mut l.spans, style);
                }
                l.spans.insert(0, cur);
                l
            }),
    );
    f.render_widget(Paragraph::new(lines), inner);
}

/// `  12.0 kB      0 B      3 coreutils 9.1-1 (dpkg)`.
fn package_line(p: &Package, width: usize) -> Line<'static> {
    let head = format!("{:>9} ", sz(p.live_bytes));
    let hidden = format!("{:>9} ", sz(p.hidden_bytes));
    let files = format!("{:>6} ", p.files);
    let name = format!(
        "{} {} ({})",
        esc(&p.name),
        esc(&p.version),
        p.manager.as_str()
    );
    let room = width.saturating_sub(head.chars().count() + hidden.chars().count() + files.len());
    let hidden_style = if p.hidden_bytes > 0 {
        Style::default().fg(REMOVED)
    } else {
        Style::default()
    };
    Line::from(vec![
        Span::raw(head),
        Span::styled(hidden, hidden_style),
        Span::raw(files),
        Span::raw(shorten(&name, room)),
    ])
}
