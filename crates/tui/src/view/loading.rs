//! The loading screen: the image being read, a byte gauge, and the layers
//! read so far.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Gauge, Padding, Paragraph};
use ratatui::Frame;

use super::style::{centered, esc, sz};
use crate::model::{Model, Progress};

pub fn draw(m: &Model, p: &Progress, f: &mut Frame, area: Rect) {
    // Room for the layers read so far, newest last.
    let rows = p.layers.len().min(area.height.saturating_sub(10) as usize) as u16;
    let r = centered(area, 72, 8 + rows);
    let block = Block::bordered()
        .title(" layerscope ")
        .padding(Padding::horizontal(1));
    let inner = block.inner(r);
    f.render_widget(block, r);
    let [title, gauge, layers, _] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Length(2 + rows),
        Constraint::Min(0),
    ])
    .areas(inner);
    f.render_widget(
        Paragraph::new(format!("Reading {} …", esc(&m.title))),
        title,
    );
    f.render_widget(byte_gauge(p), gauge);
    f.render_widget(Paragraph::new(layer_lines(p, rows as usize)), layers);
}

fn byte_gauge(p: &Progress) -> Gauge<'static> {
    let (ratio, label) = match p.total_bytes {
        Some(t) if t > 0 => (
            (p.bytes as f64 / t as f64).clamp(0.0, 1.0),
            format!("{} of {}", sz(p.bytes), sz(t)),
        ),
        _ => (0.0, format!("{} read", sz(p.bytes))),
    };
    Gauge::default()
        .ratio(ratio)
        .label(label)
        .gauge_style(Style::default().fg(Color::Cyan))
}

/// The count, then the newest `rows` layers read.
fn layer_lines(p: &Progress, rows: usize) -> Vec<Line<'static>> {
    let layer_line = match p.layers_total {
        Some(t) => format!("layers read: {} of {}", p.layers_done, t),
        None => format!("layers read: {}", p.layers_done),
    };
    let mut lines = vec![Line::raw(""), Line::raw(layer_line)];
    let skip = p.layers.len() - rows;
    for l in &p.layers[skip..] {
        lines.push(Line::raw(format!(
            "  {:>10}  {:>8} entries  {}",
            sz(l.size_bytes),
            l.entries,
            esc(&l.label)
        )));
    }
    lines
}
