//! The one key-binding table: `update` dispatches through it, the help
//! overlay and the status-bar hint are drawn from it, so the three cannot
//! drift apart.
//!
//! Modes with their own keys are outside the table: typing a search query
//! (every character is text), and the help overlay (any key closes it).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::pane::Pane;

/// What a key does in the explorer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    NextPane,
    PrevPane,
    Up,
    Down,
    PageUp,
    PageDown,
    First,
    Last,
    PrevLayer,
    NextLayer,
    Search,
    NextMatch,
    PrevMatch,
    Filter,
    Sort,
    /// All files up to the layer / only the layer's changes.
    Changes,
    CollapseAll,
    ExpandAll,
    /// Tree: open or close the selected directory.
    Toggle,
    /// Tree: open, or step into an open directory.
    Open,
    /// Tree: close, or step out to the parent.
    Close,
    /// Layers: go to the tree of the selected layer.
    FocusTree,
    /// Waste: show the selected item in the tree.
    Jump,
    /// Show the Packages pane in the Waste pane's place (or back).
    Packages,
    /// Packages: show only the selected package's files in the tree.
    ShowPackage,
}

impl Action {
    /// Every action (the table test checks each has a key).
    pub const ALL: &'static [Action] = &[
        Action::Quit,
        Action::Help,
        Action::NextPane,
        Action::PrevPane,
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::First,
        Action::Last,
        Action::PrevLayer,
        Action::NextLayer,
        Action::Search,
        Action::NextMatch,
        Action::PrevMatch,
        Action::Filter,
        Action::Sort,
        Action::Changes,
        Action::CollapseAll,
        Action::ExpandAll,
        Action::Toggle,
        Action::Open,
        Action::Close,
        Action::FocusTree,
        Action::Jump,
        Action::Packages,
        Action::ShowPackage,
    ];
}

/// A key as bound: a key code whatever the modifiers (so `G` arrives with
/// Shift and still matches), or Ctrl with a letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Code(KeyCode),
    Ctrl(char),
}

impl Key {
    pub fn matches(self, k: KeyEvent) -> bool {
        match self {
            Key::Code(c) => k.code == c,
            Key::Ctrl(c) => {
                k.modifiers.contains(KeyModifiers::CONTROL)
                    && (k.code == KeyCode::Char(c)
                        || k.code == KeyCode::Char(c.to_ascii_uppercase()))
            }
        }
    }
}

/// In raw mode Ctrl-C is a key: it quits from every screen and mode.
pub const CTRL_C: Key = Key::Ctrl('c');

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [Key],
    /// The pane the binding works in; `None`: every pane.
    pub pane: Option<Pane>,
    pub action: Action,
    /// The help overlay's line (keys column, text) that this row starts;
    /// rows without one are described by the line before them (or, for
    /// the keys the help never listed, by none: see `UNLISTED`).
    pub help: Option<(&'static str, &'static str)>,
    /// The row's entry in the status-bar hint: (position, text).
    pub hint: Option<(u8, &'static str)>,
}

use Key::{Code, Ctrl};
use KeyCode::Char;

const fn b(keys: &'static [Key], action: Action) -> Binding {
    Binding {
        keys,
        pane: None,
        action,
        help: None,
        hint: None,
    }
}

const fn in_pane(mut b: Binding, pane: Pane) -> Binding {
    b.pane = Some(pane);
    b
}

const fn help(mut b: Binding, keys: &'static str, text: &'static str) -> Binding {
    b.help = Some((keys, text));
    b
}

const fn hint(mut b: Binding, pos: u8, text: &'static str) -> Binding {
    b.hint = Some((pos, text));
    b
}

const ENTER: &[Key] = &[Code(KeyCode::Enter), Code(Char(' '))];
const RIGHT: &[Key] = &[Code(Char('l')), Code(KeyCode::Right)];

/// The explorer's keys, in the help overlay's order. The first row that
/// matches the key (and the focused pane) wins.
pub const BINDINGS: &[Binding] = &[
    hint(
        help(
            b(&[Code(KeyCode::Up), Code(Char('k'))], Action::Up),
            "↑ ↓  j k",
            "move in the focused pane",
        ),
        1,
        "↑↓ move",
    ),
    b(&[Code(KeyCode::Down), Code(Char('j'))], Action::Down),
    help(
        b(&[Code(KeyCode::PageUp)], Action::PageUp),
        "PgUp PgDn  g G",
        "page, first, last",
    ),
    b(&[Code(KeyCode::PageDown)], Action::PageDown),
    b(&[Code(KeyCode::Home), Code(Char('g'))], Action::First),
    b(&[Code(KeyCode::End), Code(Char('G'))], Action::Last),
    hint(
        help(
            b(&[Code(KeyCode::Tab)], Action::NextPane),
            "Tab  Shift-Tab",
            "next / previous pane",
        ),
        0,
        "Tab pane",
    ),
    b(&[Code(KeyCode::BackTab)], Action::PrevPane),
    hint(
        help(
            in_pane(b(ENTER, Action::Toggle), Pane::Tree),
            "Enter  Space",
            "open/close a directory; in Waste: show it in the tree",
        ),
        2,
        "⏎ open",
    ),
    in_pane(b(ENTER, Action::Jump), Pane::Waste),
    in_pane(b(ENTER, Action::FocusTree), Pane::Layers),
    in_pane(b(ENTER, Action::ShowPackage), Pane::Packages),
    help(
        in_pane(b(RIGHT, Action::Open), Pane::Tree),
        "l →   h ←",
        "open (step in) / close (step out to the parent)",
    ),
    in_pane(
        b(&[Code(Char('h')), Code(KeyCode::Left)], Action::Close),
        Pane::Tree,
    ),
    in_pane(b(RIGHT, Action::Jump), Pane::Waste),
    in_pane(b(RIGHT, Action::FocusTree), Pane::Layers),
    in_pane(b(RIGHT, Action::ShowPackage), Pane::Packages),
    hint(
        help(
            b(&[Code(Char('['))], Action::PrevLayer),
            "[  ]",
            "previous / next layer from any pane",
        ),
        7,
        "[ ] layer",
    ),
    b(&[Code(Char(']'))], Action::NextLayer),
    hint(
        help(
            b(&[Code(Char('/'))], Action::Search),
            "/  n  N",
            "search paths, next / previous match",
        ),
        3,
        "/ search",
    ),
    b(&[Code(Char('n'))], Action::NextMatch),
    b(&[Code(Char('N'))], Action::PrevMatch),
    hint(
        help(
            b(&[Code(Char('f'))], Action::Filter),
            "f",
            "show: all, only hidden, cache, added, modified, removed",
        ),
        4,
        "f filter",
    ),
    hint(
        help(
            b(&[Code(Char('s'))], Action::Sort),
            "s",
            "sort by bytes shipped (live + hidden) / by name",
        ),
        5,
        "s sort",
    ),
    hint(
        help(
            b(&[Code(Char('a'))], Action::Changes),
            "a",
            "all files up to the layer / only the layer's changes",
        ),
        6,
        "a changes",
    ),
    help(
        b(&[Code(Char('p'))], Action::Packages),
        "p",
        "packages, most live bytes first; Enter: only its files",
    ),
    help(
        b(&[Code(Char('c'))], Action::CollapseAll),
        "c  e",
        "collapse / expand everything",
    ),
    b(&[Code(Char('e'))], Action::ExpandAll),
    hint(
        help(b(&[Code(Char('?'))], Action::Help), "?", "this help"),
        8,
        "? help",
    ),
    hint(
        help(
            b(
                &[Code(Char('q')), Code(KeyCode::Esc), Ctrl('c')],
                Action::Quit,
            ),
            "q  Esc  Ctrl-C",
            "quit",
        ),
        9,
        "q quit",
    ),
];

/// Keys bound in the table that no help line names (the help text
/// predates them; listing them would change the overlay).
pub const UNLISTED: &[&str] = &["Home", "End"];

/// The action of a key in a pane (`None` pane: only the keys that work in
/// every pane). A Ctrl binding is more specific than a bare key code (which
/// matches whatever the modifiers), so it is looked for first: Ctrl-C
/// quits, it does not collapse like `c`.
pub fn action(k: KeyEvent, pane: Option<Pane>) -> Option<Action> {
    let rows = || {
        BINDINGS
            .iter()
            .filter(move |b| b.pane.is_none() || b.pane == pane)
    };
    let ctrl = |key: &Key| matches!(key, Key::Ctrl(_));
    rows()
        .find(|b| b.keys.iter().any(|key| ctrl(key) && key.matches(k)))
        .or_else(|| rows().find(|b| b.keys.iter().any(|key| !ctrl(key) && key.matches(k))))
        .map(|b| b.action)
}

/// The help overlay's key lines: (keys, text), in table order.
pub fn help_lines() -> impl Iterator<Item = (&'static str, &'static str)> {
    BINDINGS.iter().filter_map(|b| b.help)
}

/// The status bar's hint: ` Tab pane  ↑↓ move  …  q quit`.
pub fn status_hint() -> String {
    let mut hints: Vec<(u8, &str)> = BINDINGS.iter().filter_map(|b| b.hint).collect();
    hints.sort_by_key(|&(pos, _)| pos);
    let texts: Vec<&str> = hints.into_iter().map(|(_, t)| t).collect();
    format!(" {}", texts.join("  "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PANES: [Pane; 4] = [Pane::Layers, Pane::Tree, Pane::Waste, Pane::Packages];

    fn event(k: Key) -> KeyEvent {
        match k {
            Key::Code(c) => KeyEvent::new(c, KeyModifiers::NONE),
            Key::Ctrl(c) => KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL),
        }
    }

    /// The key a help line's name stands for.
    fn named(name: &str) -> Key {
        let code = match name {
            "↑" => KeyCode::Up,
            "↓" => KeyCode::Down,
            "←" => KeyCode::Left,
            "→" => KeyCode::Right,
            "PgUp" => KeyCode::PageUp,
            "PgDn" => KeyCode::PageDown,
            "Home" => KeyCode::Home,
            "End" => KeyCode::End,
            "Tab" => KeyCode::Tab,
            "Shift-Tab" => KeyCode::BackTab,
            "Enter" => KeyCode::Enter,
            "Space" => KeyCode::Char(' '),
            "Esc" => KeyCode::Esc,
            "Ctrl-C" => return Key::Ctrl('c'),
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next().unwrap()),
            other => panic!("help names an unknown key {other:?}"),
        };
        Key::Code(code)
    }

    #[test]
    fn every_action_has_a_key_that_reaches_it() {
        for &want in Action::ALL {
            let reached = BINDINGS.iter().filter(|b| b.action == want).any(|b| {
                let panes: Vec<Option<Pane>> = match b.pane {
                    Some(p) => vec![Some(p)],
                    None => PANES.iter().map(|&p| Some(p)).collect(),
                };
                b.keys
                    .iter()
                    .any(|&k| panes.iter().any(|&p| action(event(k), p) == Some(want)))
            });
            assert!(reached, "no key reaches {want:?}");
        }
    }

    #[test]
    fn every_key_the_help_names_is_handled() {
        let names = help_lines()
            .flat_map(|(keys, _)| keys.split_whitespace())
            .chain(UNLISTED.iter().copied());
        for name in names {
            let k = event(named(name));
            let handled = PANES.iter().any(|&p| action(k, Some(p)).is_some());
            assert!(handled, "help names {name:?}, which does nothing");
        }
    }

    #[test]
    fn every_bound_key_is_in_the_help() {
        let named: Vec<Key> = help_lines()
            .flat_map(|(keys, _)| keys.split_whitespace())
            .chain(UNLISTED.iter().copied())
            .map(named)
            .collect();
        for b in BINDINGS {
            for k in b.keys {
                assert!(
                    named.contains(k),
                    "{k:?} ({:?}) is not in the help",
                    b.action
                );
            }
        }
    }

    #[test]
    fn ctrl_c_quits_where_c_collapses() {
        assert_eq!(action(event(CTRL_C), Some(Pane::Tree)), Some(Action::Quit));
        assert_eq!(
            action(event(Key::Code(KeyCode::Char('c'))), Some(Pane::Tree)),
            Some(Action::CollapseAll)
        );
    }

    #[test]
    fn hint_and_help_keep_their_text() {
        assert_eq!(
            status_hint(),
            " Tab pane  ↑↓ move  ⏎ open  / search  f filter  s sort  a changes  [ ] layer  ? help  q quit"
        );
        assert_eq!(help_lines().count(), 14);
    }
}
