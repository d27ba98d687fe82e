//! Where each pane goes for a screen size. Both `update` (page sizes, mouse
//! hits, scrolling) and `view` (drawing) need it, so it lives apart from
//! both: the model uses the layout, the views use the model, and nothing
//! here knows either.

use ratatui::layout::{Constraint, Layout, Rect};

/// Below this the screen says so instead of drawing a garbled layout.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

/// Where each pane goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub layers: Rect,
    pub tree: Rect,
    pub waste: Rect,
    pub details: Rect,
    pub status: Rect,
}

impl Areas {
    /// Rows of layers on screen (borders and the header line excluded).
    pub fn layers_rows(&self) -> usize {
        self.layers.height.saturating_sub(3) as usize
    }
    /// Rows of a bordered list on screen.
    pub fn list_rows(&self, r: Rect) -> usize {
        r.height.saturating_sub(2) as usize
    }
}

/// The layout for a screen: layers on top, the tree and the waste side by
/// side, the details, then the status bar.
pub fn layout(area: Rect, nlayers: usize) -> Areas {
    let h = area.height;
    let details_h = if h >= 36 { 7 } else { 4 };
    let layers_h = (nlayers as u16 + 3).min((h * 3 / 10).max(6));
    let [layers, middle, details, status] = Layout::vertical([
        Constraint::Length(layers_h),
        Constraint::Min(5),
        Constraint::Length(details_h),
        Constraint::Length(2),
    ])
    .areas(area);
    let [tree, waste] =
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(middle);
    Areas {
        layers,
        tree,
        waste,
        details,
        status,
    }
}
