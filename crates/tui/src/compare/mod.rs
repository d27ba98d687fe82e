//! The compare view (`layerscope diff OLD NEW` on a terminal): NEW's tree
//! (with OLD's removed paths in place) and each node's delta, a filter to
//! the changed paths only, and Enter for a path's facts in both images.
//!
//! The same Elm structure as the explorer: one [`CompareModel`], one
//! [`CompareMsg`], [`compare_update`] (all behaviour, tested without a
//! terminal) and [`view::compare_view`]. Every figure comes from the
//! [`Comparison`]: the statuses and deltas of paths from its file lists,
//! the deltas of directories from its tree of deltas.

pub mod view;

use std::collections::HashMap;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use layerscope_core::analysis::build_step;
use layerscope_core::diff::{Comparison, DirDelta, FileFact, FileKind, Side};
use layerscope_core::layer::display_path;
use layerscope_core::LayerIndex;

/// How a path changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Same,
    Added,
    Removed,
    Grown,
    Shrunk,
    Changed,
    /// Mode or owner only.
    Meta,
}

impl Change {
    /// The marker letter shown before the name.
    pub fn marker(self) -> char {
        match self {
            Change::Same => ' ',
            Change::Added => 'A',
            Change::Removed => 'D',
            Change::Grown => '+',
            Change::Shrunk => '-',
            Change::Changed => 'M',
            Change::Meta => 'P',
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Change::Same => "unchanged",
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Grown => "grown",
            Change::Shrunk => "shrunk",
            Change::Changed => "changed",
            Change::Meta => "mode/owner",
        }
    }
}

/// One path of the compare tree.
#[derive(Debug, Clone)]
pub struct CNode {
    pub name: String,
    /// Display path (`/` for the root).
    pub path: String,
    pub depth: usize,
    pub children: Vec<usize>,
    pub old: Option<FileFact>,
    pub new: Option<FileFact>,
    pub change: Change,
    /// The path's own delta, or for a directory the sum below it.
    pub delta: i64,
    /// Something at or below this path changed.
    pub changed: bool,
}

impl CNode {
    pub fn is_dir(&self) -> bool {
        self.new
            .as_ref()
            .or(self.old.as_ref())
            .is_none_or(|f| f.kind == FileKind::Dir)
    }
}

/// The compare view's state.
#[derive(Debug, Clone)]
pub struct CompareModel {
    pub title: String,
    pub size: (u16, u16),
    pub nodes: Vec<CNode>,
    pub expanded: Vec<bool>,
    /// Show only the paths that changed (and their directories).
    pub changed_only: bool,
    /// Index into [`CompareModel::rows`].
    pub cursor: usize,
    pub scroll: usize,
    /// The details of the selected path are open.
    pub details: bool,
    pub quit: bool,
    /// The headline: size and wasted deltas, from the comparison.
    pub headline: String,
    old_steps: Vec<Option<String>>,
    new_steps: Vec<Option<String>>,
    /// Whether the comparison had file lists (a saved report has none).
    pub has_files: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompareMsg {
    Key(KeyEvent),
    Resize(u16, u16),
}

impl CompareMsg {
    pub fn key(code: KeyCode) -> CompareMsg {
        CompareMsg::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }
    pub fn char(c: char) -> CompareMsg {
        CompareMsg::key(KeyCode::Char(c))
    }
}

fn steps(s: &Side) -> Vec<Option<String>> {
    s.layers
        .iter()
        .map(|l| l.created_by.as_deref().map(build_step))
        .collect()
}

fn dir_deltas(d: &DirDelta, out: &mut HashMap<String, (i64, u64)>) {
    out.insert(d.path.clone(), (d.delta_bytes, d.files));
    for c in &d.children {
        dir_deltas(c, out);
    }
}

impl CompareModel {
    pub fn new(c: &Comparison, size: (u16, u16)) -> CompareModel {
        let mut nodes = vec![CNode {
            name: "/".into(),
            path: "/".into(),
            depth: 0,
            children: Vec::new(),
            old: None,
            new: None,
            change: Change::Same,
            delta: 0,
            changed: false,
        }];
        let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
        index.insert(Vec::new(), 0);
        // NEW's paths first, then OLD's that NEW lacks: the lists are sorted,
        // so every parent comes before its children.
        let empty = Vec::new();
        let new_files = c.new.files.as_ref().unwrap_or(&empty);
        let old_files = c.old.files.as_ref().unwrap_or(&empty);
        for (side_new, list) in [(true, new_files), (false, old_files)] {
            for f in list {
                let id = match index.get(&f.path) {
                    Some(&id) => id,
                    None => {
                        let (parent_path, name) = match f.path.iter().rposition(|&b| b == b'/') {
                            Some(i) => (&f.path[..i], &f.path[i + 1..]),
                            None => (&f.path[..0], &f.path[..]),
                        };
                        let Some(&parent) = index.get(parent_path) else {
                            continue;
                        };
                        let id = nodes.len();
                        nodes.push(CNode {
                            name: String::from_utf8_lossy(name).into_owned(),
                            path: display_path(&f.path),
                            depth: nodes[parent].depth + 1,
                            children: Vec::new(),
                            old: None,
                            new: None,
                            change: Change::Same,
                            delta: 0,
                            changed: false,
                        });
                        nodes[parent].children.push(id);
                        index.insert(f.path.clone(), id);
                        id
                    }
                };
                if side_new {
                    nodes[id].new = Some(f.clone());
                } else {
                    nodes[id].old = Some(f.clone());
                }
            }
        }
        // Children by name (OLD's removed paths were appended last).
        let names: Vec<String> = nodes.iter().map(|n| n.name.clone()).collect();
        for n in &mut nodes {
            n.children.sort_by(|&a, &b| names[a].cmp(&names[b]));
        }
        let by_path: HashMap<String, usize> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.path.clone(), i))
            .collect();
        if let Some(f) = &c.files {
            for (change, list) in [
                (Change::Added, &f.added),
                (Change::Removed, &f.removed),
                (Change::Grown, &f.grown),
                (Change::Shrunk, &f.shrunk),
                (Change::Changed, &f.changed),
            ] {
                for x in list {
                    if let Some(&i) = by_path.get(&x.path) {
                        nodes[i].change = change;
                        nodes[i].delta = x.delta();
                        nodes[i].changed = true;
                    }
                }
            }
            for m in &f.metadata {
                if let Some(&i) = by_path.get(&m.path) {
                    if nodes[i].change == Change::Same {
                        nodes[i].change = Change::Meta;
                    }
                    nodes[i].changed = true;
                }
            }
            let mut dirs = HashMap::new();
            dir_deltas(&f.by_directory, &mut dirs);
            for n in &mut nodes {
                if let Some(&(d, files)) = dirs.get(&n.path) {
                    if n.is_dir() {
                        n.delta = d;
                    }
                    n.changed |= files > 0;
                }
            }
            // A directory holding only changed directories or metadata
            // changes is marked changed too.
            for i in (0..nodes.len()).rev() {
                if nodes[i].changed {
                    let mut p = parent_of(&nodes, &by_path, i);
                    while let Some(j) = p {
                        if nodes[j].changed {
                            break;
                        }
                        nodes[j].changed = true;
                        p = parent_of(&nodes, &by_path, j);
                    }
                }
            }
        }
        let mut expanded = vec![false; nodes.len()];
        expanded[0] = true;
        let d = &c.delta;
        let headline = format!(
            "size {}  live {}  wasted {}  efficiency {:+.1} pts",
            signed(d.size_bytes),
            signed(d.live_bytes),
            signed(d.wasted_bytes),
            d.efficiency * 100.0
        );
        let name = |s: &Side, f: &str| s.reference.clone().unwrap_or_else(|| f.to_string());
        CompareModel {
            title: format!("{} → {}", name(&c.old, "OLD"), name(&c.new, "NEW")),
            size,
            nodes,
            expanded,
            changed_only: false,
            cursor: 0,
            scroll: 0,
            details: false,
            quit: false,
            headline,
            old_steps: steps(&c.old),
            new_steps: steps(&c.new),
            has_files: c.files.is_some(),
        }
    }

    /// The visible rows (node ids), depth-first, the root's children at
    /// the top.
    pub fn rows(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack: Vec<usize> = self.nodes[0].children.iter().rev().copied().collect();
        while let Some(i) = stack.pop() {
            let n = &self.nodes[i];
            if self.changed_only && !n.changed {
                continue;
            }
            out.push(i);
            if self.expanded[i] {
                stack.extend(n.children.iter().rev());
            }
        }
        out
    }

    /// The selected node.
    pub fn selected(&self) -> Option<usize> {
        self.rows().get(self.cursor).copied()
    }

    /// The build step of a layer of OLD (`old`) or NEW.
    pub fn step(&self, old: bool, layer: LayerIndex) -> Option<&str> {
        let s = if old {
            &self.old_steps
        } else {
            &self.new_steps
        };
        s.get(layer.index())?.as_deref()
    }

    /// Rows the tree pane shows (the screen minus header, status, borders).
    pub fn page(&self) -> usize {
        usize::from(self.size.1.saturating_sub(4)).max(1)
    }

    fn clamp(&mut self) {
        let n = self.rows().len();
        self.cursor = self.cursor.min(n.saturating_sub(1));
        let page = self.page();
        if self.cursor < self.scroll {
            self.scroll = self.cursor;
        } else if self.cursor >= self.scroll + page {
            self.scroll = self.cursor + 1 - page;
        }
    }
}

fn parent_of(nodes: &[CNode], by_path: &HashMap<String, usize>, i: usize) -> Option<usize> {
    let p = &nodes[i].path;
    if p == "/" {
        return None;
    }
    let cut = p.rfind('/')?;
    let parent = if cut == 0 { "/" } else { &p[..cut] };
    by_path.get(parent).copied()
}

/// A signed size: `+1.20 kB`, `-300 B`, `0 B`.
pub fn signed(d: i64) -> String {
    use layerscope_core::units::human;
    match d.cmp(&0) {
        std::cmp::Ordering::Greater => format!("+{}", human(d.unsigned_abs())),
        std::cmp::Ordering::Less => format!("-{}", human(d.unsigned_abs())),
        std::cmp::Ordering::Equal => "0 B".into(),
    }
}

/// All behaviour of the compare view.
pub fn compare_update(m: &mut CompareModel, msg: CompareMsg) {
    match msg {
        CompareMsg::Resize(w, h) => m.size = (w, h),
        CompareMsg::Key(k) => {
            if k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c') {
                m.quit = true;
                return;
            }
            if m.details {
                // The details close on Enter, Esc or q; other keys are ignored.
                if matches!(k.code, KeyCode::Enter | KeyCode::Esc | KeyCode::Char('q')) {
                    m.details = false;
                }
                return;
            }
            match k.code {
                KeyCode::Char('q') | KeyCode::Esc => m.quit = true,
                KeyCode::Down | KeyCode::Char('j') => m.cursor += 1,
                KeyCode::Up | KeyCode::Char('k') => m.cursor = m.cursor.saturating_sub(1),
                KeyCode::PageDown => m.cursor += m.page(),
                KeyCode::PageUp => m.cursor = m.cursor.saturating_sub(m.page()),
                KeyCode::Home | KeyCode::Char('g') => m.cursor = 0,
                KeyCode::End | KeyCode::Char('G') => m.cursor = usize::MAX / 2,
                KeyCode::Right | KeyCode::Char('l') => {
                    if let Some(i) = m.selected() {
                        if !m.nodes[i].children.is_empty() {
                            m.expanded[i] = true;
                        }
                    }
                }
                KeyCode::Left | KeyCode::Char('h') => {
                    if let Some(i) = m.selected() {
                        if m.expanded[i] && !m.nodes[i].children.is_empty() {
                            m.expanded[i] = false;
                        } else {
                            // to the parent
                            let depth = m.nodes[i].depth;
                            let rows = m.rows();
                            if let Some(p) = rows[..m.cursor]
                                .iter()
                                .rposition(|&r| m.nodes[r].depth < depth)
                            {
                                m.cursor = p;
                            }
                        }
                    }
                }
                KeyCode::Char(' ') => {
                    if let Some(i) = m.selected() {
                        if !m.nodes[i].children.is_empty() {
                            m.expanded[i] = !m.expanded[i];
                        }
                    }
                }
                KeyCode::Char('c') => {
                    let keep = m.selected();
                    m.changed_only = !m.changed_only;
                    // Stay on the same node when it is still shown.
                    m.cursor = keep
                        .and_then(|k| m.rows().iter().position(|&r| r == k))
                        .unwrap_or(0);
                }
                KeyCode::Char('e') => {
                    // Expand every changed directory.
                    for i in 0..m.nodes.len() {
                        if m.nodes[i].changed && !m.nodes[i].children.is_empty() {
                            m.expanded[i] = true;
                        }
                    }
                }
                KeyCode::Enter => m.details = m.selected().is_some(),
                _ => {}
            }
        }
    }
    m.clamp();
}

#[cfg(test)]
mod tests;
