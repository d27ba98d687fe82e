//! The layers pane: one row per layer with its size, the bytes it adds that
//! a later layer hides, the bytes it hides, its cache bytes and build step.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::style::{cursor, dash_or, esc, highlight, pane_block, sz, CACHE, MODIFIED, REMOVED};
use crate::model::{Explorer, Pane};
use layerscope_core::analysis::{build_step, shorten, LayerFigures};

pub fn draw(e: &Explorer, f: &mut Frame, area: Rect) {
    let focused = e.focus == Pane::Layers;
    let block = pane_block(
        format!("Layers {}/{}", e.layer(), e.a.layers.len()),
        focused,
    );
    let inner = block.inner(area);
    f.render_widget(block, area);
    let step_w = (inner.width as usize).saturating_sub(47).max(8);
    let mut lines = vec![Line::styled(
        format!(
            " {:>3} {:>9} {:>9} {:>9} {:>9}  {}",
            "#", "size", "hidden+", "hides", "cache", "build step"
        ),
        Style::default().add_modifier(Modifier::BOLD),
    )];
    let rows = inner.height.saturating_sub(1) as usize;
    for (i, l) in e.a.layers.iter().enumerate().skip(e.layers.off).take(rows) {
        let selected = i == e.layers.sel;
        let (cur, style) = cursor(selected, focused);
        let mut spans = vec![cur];
        spans.extend(layer_spans(l, step_w));
        if selected {
            highlight(&mut spans, style);
        }
        lines.push(Line::from(spans));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// A layer's columns after the cursor; non-zero waste figures in colour.
fn layer_spans(l: &LayerFigures, step_w: usize) -> Vec<Span<'static>> {
    let step = l.created_by.as_deref().map(build_step).unwrap_or_default();
    let coloured = |b: u64, color: Color| {
        if b > 0 {
            Style::default().fg(color)
        } else {
            Style::default()
        }
    };
    vec![
        Span::raw(format!("{:>3} {:>9} ", l.index, sz(l.size_bytes))),
        Span::styled(
            format!("{:>9} ", dash_or(l.hidden_bytes_added)),
            coloured(l.hidden_bytes_added, REMOVED),
        ),
        Span::styled(
            format!("{:>9} ", dash_or(l.hides_bytes)),
            coloured(l.hides_bytes, MODIFIED),
        ),
        Span::styled(
            format!("{:>9}  ", dash_or(l.cache_bytes)),
            coloured(l.cache_bytes, CACHE),
        ),
        Span::raw(esc(&shorten(&step, step_w)).into_owned()),
    ]
}
