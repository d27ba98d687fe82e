//! What every pane draws with: colours, size formatting, the pane frame and
//! the cursor column. Every string from the image goes through `esc`.

use std::borrow::Cow;

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::Block;

use layerscope_core::analysis::{shorten, Analysis};
use layerscope_core::escape::str_for_terminal;
use layerscope_core::units::human;
use layerscope_core::LayerIndex;

pub const ADDED: Color = Color::Green;
pub const MODIFIED: Color = Color::Yellow;
pub const REMOVED: Color = Color::Red;
pub const GHOST: Color = Color::DarkGray;
pub const CACHE: Color = Color::Magenta;
pub const DIR: Color = Color::Blue;

pub fn esc(s: &str) -> Cow<'_, str> {
    str_for_terminal(s)
}

pub fn sz(b: u64) -> String {
    human(b)
}

pub fn dash_or(b: u64) -> String {
    if b == 0 {
        "-".into()
    } else {
        human(b)
    }
}

pub use layerscope_core::units::pct;

/// Keep the end of a path, which names the file: `…/lists/a_Packages`.
pub fn tail(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let skip = n - max.saturating_sub(1);
    let kept: String = s.chars().skip(skip).collect();
    // Start at a component when one fits: `…/lists/a_Packages`.
    match kept.find('/') {
        Some(i) => format!("…{}", &kept[i..]),
        None => format!("…{kept}"),
    }
}

/// ` (RUN …)`: a layer's build step, shortened, or nothing.
pub fn step_of(a: &Analysis, layer: LayerIndex, max: usize) -> String {
    step_suffix(a.step(layer).as_deref(), max)
}

/// ` (RUN …)` for a known step, or nothing.
pub fn step_suffix(step: Option<&str>, max: usize) -> String {
    match step {
        Some(s) if !s.is_empty() => format!(" ({})", esc(&shorten(s, max))),
        _ => String::new(),
    }
}

pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

pub fn pane_block(title: String, focused: bool) -> Block<'static> {
    let style = if focused {
        Style::default()
            .fg(Color::Cyan)
            .add_modifier(Modifier::BOLD)
    } else {
        Style::default()
    };
    let title = if focused {
        format!("[{title}]")
    } else {
        format!(" {title} ")
    };
    Block::bordered().title(title).border_style(style)
}

/// The cursor column and the selected-row style.
pub fn cursor(selected: bool, focused: bool) -> (Span<'static>, Style) {
    match (selected, focused) {
        (true, true) => (
            Span::raw(">"),
            Style::default().add_modifier(Modifier::REVERSED),
        ),
        (true, false) => (
            Span::raw(">"),
            Style::default().add_modifier(Modifier::BOLD),
        ),
        _ => (Span::raw(" "), Style::default()),
    }
}

/// Patch the selected row's spans with the cursor style.
pub fn highlight(spans: &mut [Span<'static>], style: Style) {
    for s in spans {
        s.style = s.style.patch(style);
    }
}
