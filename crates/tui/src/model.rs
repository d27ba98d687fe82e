//! The explorer's state (`Model`), its inputs (`Msg`) and `update`: all of
//! the behaviour, testable without a terminal.

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;

use super::keys::{self, Action};
use super::layout::{layout, Areas};
pub use super::pane::Pane;
pub use preview::PreviewOf;

mod preview;
use super::tree::{
    Filter, Mode, Row, SearchHits, SearchShape, Sort, Tree, EXPANDED_GHOST, EXPANDED_LIVE,
};
use super::waste::{self, WasteItem};
use layerscope_core::analysis::Analysis;
use layerscope_core::overlay::NodeId;
use layerscope_core::source::Origin;
use layerscope_core::LayerIndex;

/// How many rows a filter opens at most (breadth first).
pub const FILTER_ROWS: usize = 5_000;

/// Everything that can happen to the explorer.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// Loader progress (a snapshot; the runtime coalesces the sink's calls).
    Progress(Progress),
    Loaded(Box<Analysis>),
    /// The analysis of layers 1 to k (all read) of an image of `total`
    /// layers, while the rest are still being read: browsable, provisional
    /// (see [`PreviewOf`]). Ignored once `Loaded` has arrived.
    Preview(Box<Analysis>, usize),
}

impl Msg {
    /// A plain key press (tests, and the runtime's translation).
    pub fn key(code: KeyCode) -> Msg {
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }
    pub fn char(c: char) -> Msg {
        Msg::key(KeyCode::Char(c))
    }
}

/// How far the loader got.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    pub total_bytes: Option<u64>,
    pub bytes: u64,
    pub layers_done: usize,
    pub layers_total: Option<usize>,
    /// Layers read so far, in the order their passes finished.
    pub layers: Vec<LoadedLayer>,
}

/// A layer shown on the loading screen as soon as it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedLayer {
    pub label: String,
    pub size_bytes: u64,
    pub entries: usize,
}

/// A scrolled list: the selected index and the first index on screen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListState {
    pub sel: usize,
    pub off: usize,
}

impl ListState {
    /// Keep `sel` in `0..len` and on screen in a pane of `height` rows.
    fn fit(&mut self, len: usize, height: usize) {
        if len == 0 {
            *self = ListState::default();
            return;
        }
        self.sel = self.sel.min(len - 1);
        let h = height.max(1);
        if self.sel < self.off {
            self.off = self.sel;
        } else if self.sel >= self.off + h {
            self.off = self.sel + 1 - h;
        }
        self.off = self.off.min(len.saturating_sub(h));
    }
}

/// Incremental search on paths.
#[derive(Debug, Default)]
pub struct Search {
    /// Typing the query.
    pub editing: bool,
    pub query: String,
    /// The matching rows, counted per subtree (numbered and found in
    /// display order without listing them); None when stale (layer, mode,
    /// sort or filter changed).
    pub matches: Option<SearchHits>,
    /// The query `matches` are for.
    pub matched: String,
    /// The number of the current match (0-based, display order).
    pub current: usize,
    /// The tree's shape as the search reads it (gathered at the first
    /// search keystroke, kept until the tree or the filter changes).
    pub shape: Option<SearchShape>,
    /// The query before `matched` and its results (a Backspace goes back
    /// to them without a pass; a new key refills their buffers).
    pub previous: Option<(String, SearchHits)>,
    /// A query no path contains, if `matches` are its results (empty: none).
    pub nothing_from: String,
}

/// The explorer once the analysis is there.
pub struct Explorer {
    pub a: Box<Analysis>,
    pub tree: Tree,
    pub sort: Sort,
    pub filter: Filter,
    /// Expansion bits per node (EXPANDED_LIVE / EXPANDED_GHOST).
    pub expanded: Vec<u8>,
    /// The flattened rows: recomputed only on expand/collapse, sort,
    /// filter, mode or layer change.
    pub rows: Vec<Row>,
    pub focus: Pane,
    pub layers: ListState,
    pub tree_list: ListState,
    pub waste: Vec<WasteItem>,
    pub waste_list: ListState,
    /// The Packages pane's rows: indexes into `a.packages.list`, most live
    /// bytes first.
    pub packages: Vec<usize>,
    pub packages_list: ListState,
    /// The package whose files the tree's `Filter::Package` shows.
    pub package: Option<usize>,
    pub search: Search,
    /// Put the selected tree row mid-screen at the next fit (after a jump).
    center: bool,
    /// The expansion before a filter opened everything, restored on `all`.
    saved_expanded: Option<Vec<u8>>,
}

pub enum State {
    Loading(Progress),
    Ready(Box<Explorer>),
}

pub struct Model {
    /// What is being explored (the IMAGE argument), shown until the image's
    /// own name is known.
    pub title: String,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    pub state: State,
    pub help: bool,
    pub quit: bool,
    /// One-line note in the status bar (cleared by the next key).
    pub message: Option<String>,
    /// The explorer shows a preview (layers 1 to k of an image still being
    /// read), not the final analysis.
    pub preview: Option<PreviewOf>,
}

impl Model {
    pub fn new(title: impl Into<String>, size: (u16, u16)) -> Model {
        Model {
            title: title.into(),
            size,
            state: State::Loading(Progress::default()),
            help: false,
            quit: false,
            message: None,
            preview: None,
        }
    }

    /// A model with the analysis already loaded (tests, the demo).
    pub fn loaded(title: impl Into<String>, size: (u16, u16), a: Analysis) -> Model {
        let mut m = Model::new(title, size);
        update(&mut m, Msg::Loaded(Box::new(a)));
        m
    }

    pub fn explorer(&self) -> Option<&Explorer> {
        match &self.state {
            State::Ready(e) => Some(e),
            _ => None,
        }
    }

    pub fn explorer_mut(&mut self) -> Option<&mut Explorer> {
        match &mut self.state {
            State::Ready(e) => Some(e),
            _ => None,
        }
    }

    pub fn areas(&self) -> Areas {
        let n = self.explorer().map_or(0, |e| e.a.layers.len());
        layout(Rect::new(0, 0, self.size.0, self.size.1), n)
    }
}

impl Explorer {
    pub fn new(a: Box<Analysis>) -> Explorer {
        let top = LayerIndex::from_index(a.layers.len().saturating_sub(1));
        let tree = Tree::compute(&a, top, Mode::Aggregate);
        let mut e = Explorer {
            expanded: vec![0; a.overlay.nodes.len()],
            waste: waste::items(&a),
            packages: package_order(&a),
            a,
            tree,
            sort: Sort::Size,
            filter: Filter::All,
            rows: Vec::new(),
            focus: Pane::Tree,
            layers: ListState {
                sel: top.index(),
                off: 0,
            },
            tree_list: ListState::default(),
            waste_list: ListState::default(),
            packages_list: ListState::default(),
            package: None,
            search: Search::default(),
            saved_expanded: None,
            center: true,
        };
        // Open where the waste is: the paths of the biggest hidden files.
        let biggest: Vec<NodeId> =
            e.a.hidden
                .iter()
                .take(3)
                .map(|h| e.a.overlay.inode(h.inode).node)
                .collect();
        for &node in &biggest {
            e.tree.reveal(&e.a.overlay, &mut e.expanded, node, true);
        }
        e.rebuild();
        if let Some(&node) = biggest.first() {
            e.select_node(node, true);
        }
        e.waste_list.sel = e.next_selectable(0, 1).unwrap_or(0);
        e
    }

    /// The layer the tree shows.
    pub fn layer(&self) -> LayerIndex {
        self.tree.k
    }

    pub fn selected_row(&self) -> Option<Row> {
        self.rows.get(self.tree_list.sel).copied()
    }

    /// Recompute the flattened rows, keeping the selected row if it is
    /// still there.
    pub fn rebuild(&mut self) {
        let keep = self.selected_row();
        self.rows = self.tree.flatten(
            &self.a.overlay,
            Some(&self.expanded),
            self.sort,
            self.filter,
        );
        if let Some(r) = keep {
            if let Some(i) = self
                .find_row(r.node, r.ghost)
                .or_else(|| self.find_row(r.node, !r.ghost))
            {
                self.tree_list.sel = i;
            }
        }
    }

    fn find_row(&self, node: NodeId, ghost: bool) -> Option<usize> {
        self.rows
            .iter()
            .position(|r| r.node == node && r.ghost == ghost)
    }

    /// The tree as of layer `k`, the picked package's files flagged
    /// (recomputed in place: its buffers are reused).
    fn recompute_tree(&mut self, k: LayerIndex, mode: Mode) {
        let mut marked = Vec::new();
        if let Some(p) = self.package.and_then(|i| self.a.packages.list.get(i)) {
            marked = vec![false; self.a.overlay.inodes.len()];
            for ino in &p.inodes {
                if let Some(m) = marked.get_mut(ino.index()) {
                    *m = true;
                }
            }
        }
        self.tree.recompute(&self.a, k, mode, &marked);
    }

    /// Enter on a package: the tree shows only its files, focused.
    fn show_package(&mut self) -> Option<String> {
        let &i = self.packages.get(self.packages_list.sel)?;
        self.package = Some(i);
        self.recompute_tree(self.tree.k, self.tree.mode);
        self.set_filter(Filter::Package);
        self.focus = Pane::Tree;
        self.tree_list.sel = 0;
        self.center = true;
        let p = &self.a.packages.list[i];
        Some(format!(
            "filter: package {} {}",
            layerscope_core::escape::for_terminal(p.name.as_bytes()),
            layerscope_core::escape::for_terminal(p.version.as_bytes())
        ))
    }

    /// Show the filesystem as of another layer.
    pub fn set_layer(&mut self, k: LayerIndex) {
        let k = k.min(LayerIndex::from_index(
            self.a.layers.len().saturating_sub(1),
        ));
        self.layers.sel = k.index();
        if k != self.tree.k {
            self.recompute_tree(k, self.tree.mode);
            self.invalidate();
            self.rebuild();
        }
    }

    pub fn set_mode(&mut self, mode: Mode) {
        if mode != self.tree.mode {
            self.recompute_tree(self.tree.k, mode);
            self.invalidate();
            self.rebuild();
        }
    }

    fn toggle(&mut self, open: Option<bool>) {
        let Some(r) = self.selected_row() else { return };
        if !self.tree.has_kids(r.node, r.ghost) {
            return;
        }
        let bit = if r.ghost {
            EXPANDED_GHOST
        } else {
            EXPANDED_LIVE
        };
        let slot = &mut self.expanded[r.node.index()];
        let now = *slot & bit != 0;
        let want = open.unwrap_or(!now);
        if want != now {
            *slot ^= bit;
            self.rebuild();
        }
    }

    fn is_open(&self, r: Row) -> bool {
        let bit = if r.ghost {
            EXPANDED_GHOST
        } else {
            EXPANDED_LIVE
        };
        self.expanded[r.node.index()] & bit != 0
    }

    /// `l`: open, or step into an open directory.
    fn expand_or_enter(&mut self) {
        let Some(r) = self.selected_row() else { return };
        if !self.tree.has_kids(r.node, r.ghost) {
            return;
        }
        if self.is_open(r) {
            if self
                .rows
                .get(self.tree_list.sel + 1)
                .is_some_and(|n| n.depth > r.depth)
            {
                self.tree_list.sel += 1;
            }
        } else {
            self.toggle(Some(true));
        }
    }

    /// `h`: close, or step out to the parent row.
    fn collapse_or_leave(&mut self) {
        let Some(r) = self.selected_row() else { return };
        if self.tree.has_kids(r.node, r.ghost) && self.is_open(r) {
            self.toggle(Some(false));
            return;
        }
        if r.depth == 0 {
            return;
        }
        if let Some(i) = self.rows[..self.tree_list.sel]
            .iter()
            .rposition(|p| p.depth < r.depth)
        {
            self.tree_list.sel = i;
        }
    }

    fn set_all(&mut self, open: bool) {
        let v = if open {
            EXPANDED_LIVE | EXPANDED_GHOST
        } else {
            0
        };
        self.expanded.iter_mut().for_each(|b| *b = v);
        self.rebuild();
    }

    fn set_filter(&mut self, f: Filter) {
        self.filter = f;
        if f == Filter::All {
            if let Some(saved) = self.saved_expanded.take() {
                self.expanded = saved;
            }
        } else {
            // Show the matches: open the rows that hold some, level by
            // level, up to FILTER_ROWS rows (a filter of a big image can
            // match a million files; the rest opens on demand).
            if self.saved_expanded.is_none() {
                self.saved_expanded = Some(self.expanded.clone());
            }
            self.open_matches(f);
        }
        self.invalidate();
        self.rebuild();
    }

    /// Open the rows that pass `filter`, breadth first, until the tree
    /// shows about `FILTER_ROWS` rows.
    fn open_matches(&mut self, filter: Filter) {
        self.expanded.iter_mut().for_each(|b| *b = 0);
        let o = &self.a.overlay;
        let mut kids = Vec::new();
        self.tree
            .child_rows(o, NodeId::ROOT, false, self.sort, filter, &mut kids);
        let mut shown = kids.len();
        let mut level: Vec<(NodeId, bool)> = kids.clone();
        while !level.is_empty() && shown < FILTER_ROWS {
            let mut next = Vec::new();
            for &(node, ghost) in &level {
                if !self.tree.has_kids(node, ghost) {
                    continue;
                }
                self.tree
                    .child_rows(o, node, ghost, self.sort, filter, &mut kids);
                if kids.is_empty() {
                    continue;
                }
                self.expanded[node.index()] |= if ghost { EXPANDED_GHOST } else { EXPANDED_LIVE };
                shown += kids.len();
                next.extend_from_slice(&kids);
                if shown >= FILTER_ROWS {
                    break;
                }
            }
            level = next;
        }
    }

    /// Select a (node, prefer ghost) row, opening what is above it.
    fn select_node(&mut self, node: NodeId, ghost: bool) -> bool {
        let (ghost, opened) = self
            .tree
            .reveal(&self.a.overlay, &mut self.expanded, node, ghost);
        if opened {
            self.rebuild();
        }
        let found = self
            .find_row(node, ghost)
            .or_else(|| self.find_row(node, !ghost));
        if let Some(i) = found {
            self.tree_list.sel = i;
            self.center = true;
            true
        } else {
            false
        }
    }

    /// The tree's shape changed: search results and order are stale.
    fn invalidate(&mut self) {
        self.search.matches = None;
        self.search.shape = None;
        self.search.previous = None;
    }

    /// The matches of the current query: one pass over the nodes per
    /// query (no list of every row, whatever the tree's size).
    fn search_matches(&mut self) -> &SearchHits {
        let q = self.search.query.to_lowercase();
        let s = &mut self.search;
        let fresh = s.matches.is_some() && s.matched == q;
        if !fresh {
            let back = s.matches.is_some() && s.previous.as_ref().is_some_and(|p| p.0 == q);
            let nothing_longer = !s.nothing_from.is_empty()
                && q.starts_with(s.nothing_from.as_str())
                && s.matches.as_ref().is_some_and(|h| !h.any_hit());
            if back {
                // Backspace: the query before the last key, whose results
                // are kept; the current ones are kept in their place.
                let (pq, ph) = s.previous.take().expect("checked");
                let cur = s.matches.take().expect("checked");
                s.previous = Some((std::mem::take(&mut s.matched), cur));
                s.matches = Some(ph);
                s.matched = pq;
            } else if nothing_longer {
                // No path contains `nothing_from`: none contains a query
                // that starts with it (a longer one, or a shorter one
                // after a Backspace).
                s.matched = q;
            } else {
                let o = &self.a.overlay;
                let shape = s
                    .shape
                    .get_or_insert_with(|| self.tree.search_shape(o, self.filter));
                // The results before the current ones lend their buffers.
                let reuse = s.previous.take().map(|p| p.1);
                let hits = shape.hits(o, q.as_bytes(), reuse);
                if let Some(cur) = s.matches.take() {
                    s.previous = Some((std::mem::take(&mut s.matched), cur));
                }
                s.matches = Some(hits);
                s.matched = q;
            }
            if !nothing_longer {
                let any = s.matches.as_ref().is_some_and(|h| h.any_hit());
                s.nothing_from = if any {
                    String::new()
                } else {
                    s.matched.clone()
                };
            }
            s.current = 0;
        }
        self.search.matches.as_ref().expect("just set")
    }

    /// Go to the first match at or after the selected row (incremental),
    /// or the next / previous one.
    fn goto_match(&mut self, step: isize) -> Option<String> {
        let sel = self.selected_row();
        let total = self.search_matches().total;
        if total == 0 {
            return Some(format!("no match for {}", self.search.query));
        }
        let hits = self.search.matches.as_ref().expect("computed above");
        let o = &self.a.overlay;
        let cur = self.search.current.min(total - 1);
        let idx = if step == 0 {
            // The selected row's own number among matches, if it is one,
            // else the first match.
            sel.filter(|r| hits.is_hit(r.node))
                .map_or(0, |r| {
                    hits.rank(&self.tree, o, r.node, r.ghost, self.sort, self.filter)
                })
                .min(total - 1)
        } else {
            (cur as isize + step).rem_euclid(total as isize) as usize
        };
        let Some((node, ghost)) = hits.nth(&self.tree, o, idx, self.sort, self.filter) else {
            return Some(format!("no match for {}", self.search.query));
        };
        self.search.current = idx;
        self.select_node(node, ghost);
        None
    }

    /// Enter on a waste item: select the layer that added it, then the
    /// item in the tree.
    fn jump(&mut self) -> Option<String> {
        let item = *self.waste.get(self.waste_list.sel)?;
        let t = waste::target(&self.a, item)?;
        if let Some(k) = t.layer {
            self.set_layer(k);
        }
        let Some(node) = t.node else {
            self.focus = Pane::Layers;
            return None;
        };
        if !self.select_node(node, false) && self.filter != Filter::All {
            self.set_filter(Filter::All);
            self.select_node(node, false);
        }
        self.focus = Pane::Tree;
        None
    }

    fn next_selectable(&self, from: usize, dir: isize) -> Option<usize> {
        let mut i = from as isize;
        while i >= 0 && (i as usize) < self.waste.len() {
            if !self.waste[i as usize].is_header() {
                return Some(i as usize);
            }
            i += dir;
        }
        None
    }

    /// Move the focused list by `delta` (clamped).
    fn move_in(&mut self, pane: Pane, delta: isize) {
        match pane {
            Pane::Layers => {
                let n = self.a.layers.len();
                if n > 0 {
                    let k = clamp(self.layers.sel, delta, n);
                    self.set_layer(LayerIndex::from_index(k));
                }
            }
            Pane::Tree => {
                self.tree_list.sel = clamp(self.tree_list.sel, delta, self.rows.len());
            }
            Pane::Packages => {
                self.packages_list.sel = clamp(self.packages_list.sel, delta, self.packages.len());
            }
            Pane::Waste => {
                if self.waste.is_empty() {
                    return;
                }
                let to = clamp(self.waste_list.sel, delta, self.waste.len());
                let dir = if delta < 0 { -1 } else { 1 };
                self.waste_list.sel = self
                    .next_selectable(to, dir)
                    .or_else(|| self.next_selectable(to, -dir))
                    .unwrap_or(to);
            }
        }
    }

    fn fit(&mut self, areas: &Areas) {
        self.layers.fit(self.a.layers.len(), areas.layers_rows());
        let h = areas.list_rows(areas.tree);
        if std::mem::take(&mut self.center) {
            let sel = self.tree_list.sel;
            if sel < self.tree_list.off || sel >= self.tree_list.off + h {
                self.tree_list.off = sel.saturating_sub(h / 2);
            }
        }
        self.tree_list.fit(self.rows.len(), h);
        self.waste_list
            .fit(self.waste.len(), areas.list_rows(areas.waste));
        // The Packages pane takes the Waste pane's place, below its
        // column header.
        self.packages_list.fit(
            self.packages.len(),
            areas.list_rows(areas.waste).saturating_sub(1),
        );
    }
}

/// The Packages pane's order: most live bytes first, then the core's order
/// (live + hidden bytes, manager, name).
fn package_order(a: &Analysis) -> Vec<usize> {
    let mut order: Vec<usize> = (0..a.packages.list.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(a.packages.list[i].live_bytes), i));
    order
}

fn clamp(cur: usize, delta: isize, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    (cur as isize + delta).clamp(0, len as isize - 1) as usize
}

/// The one place the state changes.
pub fn update(m: &mut Model, msg: Msg) {
    match msg {
        Msg::Resize(w, h) => m.size = (w, h),
        Msg::Progress(p) => match (&mut m.state, &mut m.preview) {
            (State::Loading(cur), _) => *cur = p,
            (State::Ready(_), Some(pv)) => pv.progress = p,
            _ => {}
        },
        Msg::Preview(a, total) => preview::on_preview(m, a, total),
        Msg::Loaded(a) if m.preview.is_some() => preview::on_final(m, a),
        Msg::Loaded(a) => {
            if let Some(r) = &a.image.info.reference {
                m.title = r.clone();
            }
            // Files are what IMAGE names by default; any other source is
            // said where the name is shown.
            if !matches!(a.image.info.source, Origin::File | Origin::Stdin) {
                m.title = format!("{} (from {})", m.title, a.image.info.source.as_str());
            }
            m.state = State::Ready(Box::new(Explorer::new(a)));
        }
        Msg::Key(k) => on_key(m, k),
        Msg::Mouse(e) => on_mouse(m, e),
    }
    let areas = m.areas();
    if let Some(e) = m.explorer_mut() {
        e.fit(&areas);
    }
}

fn on_key(m: &mut Model, k: KeyEvent) {
    if k.kind != KeyEventKind::Press {
        return;
    }
    if keys::CTRL_C.matches(k) {
        m.quit = true;
        return;
    }
    m.message = None;
    if m.help {
        // Any key closes the help; q (what the user is most likely to try)
        // also quits.
        if matches!(k.code, KeyCode::Char('q')) {
            m.quit = true;
        }
        m.help = false;
        return;
    }
    let areas = m.areas();
    let Model {
        state,
        quit,
        help,
        message,
        ..
    } = m;
    let State::Ready(e) = state else {
        // While loading, only quitting works.
        if keys::action(k, None) == Some(Action::Quit) {
            *quit = true;
        }
        return;
    };
    if e.search.editing {
        *message = e.on_search_key(k);
        return;
    }
    let Some(action) = keys::action(k, Some(e.focus)) else {
        return;
    };
    match action {
        Action::Quit => *quit = true,
        Action::Help => *help = true,
        _ => *message = e.act(action, &areas),
    }
}

impl Explorer {
    /// A key while typing a search query: the query is text, so these keys
    /// are not in the key table. Returns the status-bar message.
    fn on_search_key(&mut self, k: KeyEvent) -> Option<String> {
        match k.code {
            KeyCode::Esc | KeyCode::Enter => self.search.editing = false,
            KeyCode::Backspace => {
                self.search.query.pop();
                if !self.search.query.is_empty() {
                    return self.goto_match(0);
                }
            }
            KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => {
                self.search.query.push(c);
                return self.goto_match(0);
            }
            _ => {}
        }
        None
    }

    /// Do what a key of the table says (all but quit and help, which are
    /// the model's). Returns the status-bar message.
    fn act(&mut self, action: Action, areas: &Areas) -> Option<String> {
        let focus = self.focus;
        let page = match focus {
            Pane::Layers => areas.layers_rows(),
            Pane::Tree => areas.list_rows(areas.tree),
            Pane::Waste => areas.list_rows(areas.waste),
            Pane::Packages => areas.list_rows(areas.waste).saturating_sub(1),
        }
        .max(1) as isize;
        match action {
            Action::Quit | Action::Help => {}
            Action::NextPane => self.focus = focus.next(),
            Action::PrevPane => self.focus = focus.prev(),
            Action::Up => self.move_in(focus, -1),
            Action::Down => self.move_in(focus, 1),
            Action::PageUp => self.move_in(focus, -page),
            Action::PageDown => self.move_in(focus, page),
            Action::First => self.move_in(focus, isize::MIN / 2),
            Action::Last => self.move_in(focus, isize::MAX / 2),
            Action::PrevLayer => self.move_in(Pane::Layers, -1),
            Action::NextLayer => self.move_in(Pane::Layers, 1),
            Action::Search => {
                self.focus = Pane::Tree;
                // A new query, the same tree: its shape stays, or is
                // gathered now (one pass over the nodes) rather than at the
                // query's first key.
                let shape = self
                    .search
                    .shape
                    .take()
                    .unwrap_or_else(|| self.tree.search_shape(&self.a.overlay, self.filter));
                self.search = Search {
                    editing: true,
                    shape: Some(shape),
                    ..Search::default()
                };
            }
            Action::NextMatch => return self.next_match(1),
            Action::PrevMatch => return self.next_match(-1),
            Action::Filter => {
                let f = self.filter.next();
                self.set_filter(f);
                return Some(format!("filter: {}", f.label()));
            }
            Action::Sort => {
                self.sort = match self.sort {
                    Sort::Size => Sort::Name,
                    Sort::Name => Sort::Size,
                };
                self.invalidate();
                self.rebuild();
            }
            Action::Changes => self.set_mode(match self.tree.mode {
                Mode::Aggregate => Mode::LayerOnly,
                Mode::LayerOnly => Mode::Aggregate,
            }),
            Action::CollapseAll => self.set_all(false),
            Action::ExpandAll => self.set_all(true),
            Action::Toggle => self.toggle(None),
            Action::Open => self.expand_or_enter(),
            Action::Close => self.collapse_or_leave(),
            Action::FocusTree => self.focus = Pane::Tree,
            Action::Jump => return self.jump(),
            Action::Packages => {
                self.focus = if focus == Pane::Packages {
                    Pane::Waste
                } else {
                    Pane::Packages
                };
                if self.packages.is_empty() && self.focus == Pane::Packages {
                    return Some("no packages: no package database in the image".into());
                }
            }
            Action::ShowPackage => return self.show_package(),
        }
        None
    }

    /// `n` / `N`: the next or previous match of the last search.
    fn next_match(&mut self, step: isize) -> Option<String> {
        if self.search.query.is_empty() {
            return Some("no search: press / to search paths".into());
        }
        self.focus = Pane::Tree;
        self.goto_match(step)
    }
}

fn on_mouse(m: &mut Model, ev: MouseEvent) {
    let areas = m.areas();
    let Some(e) = m.explorer_mut() else { return };
    let at = |r: Rect| {
        ev.column >= r.x && ev.column < r.x + r.width && ev.row >= r.y && ev.row < r.y + r.height
    };
    let pane = if at(areas.layers) {
        Pane::Layers
    } else if at(areas.tree) {
        Pane::Tree
    } else if at(areas.waste) {
        // The Packages pane is drawn there while it has the focus.
        if e.focus == Pane::Packages {
            Pane::Packages
        } else {
            Pane::Waste
        }
    } else {
        return;
    };
    match ev.kind {
        MouseEventKind::ScrollDown => e.move_in(pane, 3),
        MouseEventKind::ScrollUp => e.move_in(pane, -3),
        MouseEventKind::Down(MouseButton::Left) => {
            e.focus = pane;
            let (area, first, off) = match pane {
                Pane::Layers => (areas.layers, areas.layers.y + 2, e.layers.off),
                Pane::Tree => (areas.tree, areas.tree.y + 1, e.tree_list.off),
                Pane::Waste => (areas.waste, areas.waste.y + 1, e.waste_list.off),
                Pane::Packages => (areas.waste, areas.waste.y + 2, e.packages_list.off),
            };
            if ev.row >= first && ev.row + 1 < area.y + area.height {
                let target = off + (ev.row - first) as usize;
                let cur = match pane {
                    Pane::Layers => e.layers.sel,
                    Pane::Tree => e.tree_list.sel,
                    Pane::Waste => e.waste_list.sel,
                    Pane::Packages => e.packages_list.sel,
                };
                e.move_in(pane, target as isize - cur as isize);
            }
        }
        _ => {}
    }
}
