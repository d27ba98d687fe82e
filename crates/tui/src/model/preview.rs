//! Progressive loading: the explorer over layers 1 to k while the rest of
//! the image is still being read (`Msg::Preview`), then the final analysis
//! (`Msg::Loaded`) put in its place with the view kept: the cursor's path,
//! the open directories, the layer (the top one stays the top one), the
//! mode, sort, filter, focus and search query.

use layerscope_core::analysis::Analysis;
use layerscope_core::overlay::NodeId;
use layerscope_core::LayerIndex;

use super::{update, Explorer, Model, Msg, Progress, State};
use crate::tree::Filter;

/// What a preview shows: layers 1 to `layers` of `total`, every one read.
/// Its figures are provisional: the layers above are missing, and layers
/// read by seeking (plain ones in a local file) get the content hashes of
/// their duplicate candidates only once every layer is read, so their
/// duplicates are missing (those of decompressed layers, hashed as they
/// stream, are there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewOf {
    pub layers: usize,
    pub total: usize,
    /// The loader's progress since (the reading goes on).
    pub progress: Progress,
}

impl PreviewOf {
    /// The banner of the status bar.
    pub fn banner(&self) -> String {
        let showing = if self.layers == 1 {
            "layer 1".to_string()
        } else {
            format!("layers 1-{}", self.layers)
        };
        let read = match self.progress.total_bytes {
            Some(t) if t > 0 => format!(
                " ({}%)",
                (self.progress.bytes.saturating_mul(100) / t).min(100)
            ),
            _ => String::new(),
        };
        format!(
            "reading layer {} of {}{read}: showing {showing}; figures are provisional, duplicates incomplete",
            self.layers + 1,
            self.total
        )
    }
}

/// A preview arrives: the first one replaces the loading screen, a later
/// (longer) one the previous preview. After the final analysis it is
/// ignored.
pub(super) fn on_preview(m: &mut Model, a: Box<Analysis>, total: usize) {
    let layers = a.layers.len();
    let progress = match (&m.state, &m.preview) {
        (State::Loading(p), _) => p.clone(),
        (State::Ready(_), Some(pv)) => pv.progress.clone(),
        // The final analysis is there.
        (State::Ready(_), None) => return,
    };
    replace(m, a);
    m.preview = Some(PreviewOf {
        layers,
        total,
        progress,
    });
}

/// The final analysis replaces the preview.
pub(super) fn on_final(m: &mut Model, a: Box<Analysis>) {
    replace(m, a);
    m.preview = None;
}

/// Load `a` as `Msg::Loaded` does, then carry the previous explorer's view
/// over, if there was one.
fn replace(m: &mut Model, a: Box<Analysis>) {
    let old = std::mem::replace(&mut m.state, State::Loading(Progress::default()));
    m.preview = None;
    update(m, Msg::Loaded(a));
    if let (State::Ready(old), State::Ready(new)) = (old, &mut m.state) {
        new.carry_over(&old);
        drop_elsewhere(old);
    }
}

/// Free a replaced explorer (its analysis can hold a million entries) on
/// a thread of its own, not in the frame; inline if no thread starts.
fn drop_elsewhere(old: Box<Explorer>) {
    let _ = std::thread::Builder::new()
        .name("layerscope-drop".into())
        .spawn(move || drop(old));
}

impl Explorer {
    /// Show what `old` showed, as far as this analysis has it. Paths are
    /// matched by name (node ids of two overlays are unrelated).
    fn carry_over(&mut self, old: &Explorer) {
        let old_top = old.a.layers.len().saturating_sub(1);
        let top = self.a.layers.len().saturating_sub(1);
        // The top layer stays the top one (the whole image); another layer
        // stays itself.
        let k = if old.layer().index() >= old_top {
            LayerIndex::from_index(top)
        } else {
            old.layer().min(LayerIndex::from_index(top))
        };
        self.sort = old.sort;
        // A package filter names a package of the old analysis.
        if old.filter != Filter::Package {
            self.filter = old.filter;
        }
        self.focus = old.focus;
        self.layers.sel = k.index();
        if (k, old.tree.mode) != (self.tree.k, self.tree.mode) {
            self.recompute_tree(k, old.tree.mode);
        }
        self.expanded = self.map_expanded(old, &old.expanded);
        self.saved_expanded = old
            .saved_expanded
            .as_ref()
            .map(|e| self.map_expanded(old, e));
        self.invalidate();
        self.search.query = old.search.query.clone();
        self.search.editing = old.search.editing;
        self.rebuild();
        let cursor = old.selected_row().and_then(|r| {
            let node = self.a.overlay.lookup(&old.a.overlay.path(r.node))?;
            Some((node, r.ghost))
        });
        if let Some((node, ghost)) = cursor {
            if self.select_node(node, ghost) {
                // The cursor stays on the same screen row.
                let above = old.tree_list.sel.saturating_sub(old.tree_list.off);
                self.tree_list.off = self.tree_list.sel.saturating_sub(above);
                self.center = false;
            }
        } else {
            self.tree_list.sel = 0;
        }
    }

    /// `old`'s expansion bits on this overlay's nodes of the same paths:
    /// walked from the root through open rows only (what is under a closed
    /// row cannot show).
    fn map_expanded(&self, old: &Explorer, bits: &[u8]) -> Vec<u8> {
        let (o_old, o_new) = (&old.a.overlay, &self.a.overlay);
        let mut out = vec![0u8; o_new.nodes.len()];
        let mut stack = vec![(NodeId::ROOT, NodeId::ROOT)];
        while let Some((a, b)) = stack.pop() {
            let set = bits.get(a.index()).copied().unwrap_or(0);
            if a != NodeId::ROOT {
                if set == 0 {
                    continue;
                }
                out[b.index()] = set;
            }
            for c in o_old.children(a) {
                if let Some(d) = o_new.child(b, o_old.name(c)) {
                    stack.push((c, d));
                }
            }
        }
        out
    }
}
