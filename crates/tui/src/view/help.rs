//! The help overlay: the key table's help lines, then what the tree's
//! markers mean.

use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

use super::style::centered;
use crate::keys;

/// The marker legend under the keys (after a blank line).
const LEGEND: &[(&str, &str)] = &[
    ("", ""),
    ("A M D", "added / modified / removed by the selected layer"),
    (
        "H  ~",
        "ghost: hidden bytes, still shipped (~ overwritten here)",
    ),
    ("[pip]", "file under a cache rule"),
    ("L2→L4", "added by layer 2, hidden by layer 4"),
];

pub fn draw(f: &mut Frame, area: Rect) {
    let lines: Vec<Line> = keys::help_lines()
        .chain(LEGEND.iter().copied())
        .map(|(k, d)| {
            Line::from(vec![
                Span::styled(format!(" {k:<16}"), Style::default().fg(Color::Cyan)),
                Span::raw(d),
            ])
        })
        .collect();
    let r = centered(area, 76, lines.len() as u16 + 2);
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" Keys (any key closes) ")),
        r,
    );
}
