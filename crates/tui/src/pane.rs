//! The explorer's panes, in the order Tab visits them. Its own module: the
//! model (which pane has focus) and the key table (keys that act in one
//! pane) both name panes, and neither depends on the other for it.

/// A pane that can have the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Layers,
    Tree,
    Waste,
    /// Shown in the Waste pane's place while it has the focus (`p`).
    Packages,
}

impl Pane {
    pub(crate) fn next(self) -> Pane {
        match self {
            Pane::Layers => Pane::Tree,
            Pane::Tree => Pane::Waste,
            Pane::Waste => Pane::Layers,
            Pane::Packages => Pane::Layers,
        }
    }
    pub(crate) fn prev(self) -> Pane {
        match self {
            Pane::Layers => Pane::Waste,
            Pane::Tree => Pane::Layers,
            Pane::Waste => Pane::Tree,
            Pane::Packages => Pane::Tree,
        }
    }
}
