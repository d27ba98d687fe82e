//! `view(&Model, &mut Frame)`: draws the model, one file per pane, each
//! formatting only the rows on screen. Every string from the image goes
//! through `style::esc` (or `for_terminal`).

mod details;
mod help;
mod layers;
mod loading;
mod packages_pane;
mod status;
mod style;
mod tree_pane;
mod waste_pane;

pub use details::mode_string;

use ratatui::layout::Alignment;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::layout::{layout, MIN_HEIGHT, MIN_WIDTH};
use crate::model::{Model, State};

pub fn view(m: &Model, f: &mut Frame) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "Terminal too small ({}x{}): layerscope needs at least {}x{}. Enlarge it, or press q to quit.",
            area.width, area.height, MIN_WIDTH, MIN_HEIGHT
        );
        f.render_widget(
            Paragraph::new(msg)
                .wrap(Wrap { trim: true })
                .alignment(Alignment::Center),
            area,
        );
        return;
    }
    match &m.state {
        State::Loading(p) => loading::draw(m, p, f, area),
        State::Ready(e) => {
            let areas = layout(area, e.a.layers.len());
            layers::draw(e, f, areas.layers);
            tree_pane::draw(e, f, areas.tree);
            // The Packages pane takes the Waste pane's place while focused.
            if e.focus == crate::model::Pane::Packages {
                packages_pane::draw(e, f, areas.waste);
            } else {
                waste_pane::draw(e, f, areas.waste);
            }
            details::draw(e, f, areas.details);
            status::draw(m, e, f, areas.status);
            if m.help {
                help::draw(f, area);
            }
        }
    }
}
