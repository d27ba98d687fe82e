//! The waste pane's items: one list of what to fix, biggest first in each
//! section, each item knowing where it lives in the tree.

use layerscope_core::analysis::Analysis;
use layerscope_core::overlay::{InodeId, NodeId};
use layerscope_core::LayerIndex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Hidden,
    Cache,
    Duplicates,
    Findings,
}

impl Section {
    pub fn title(self) -> &'static str {
        match self {
            Section::Hidden => "Hidden",
            Section::Cache => "Cache",
            Section::Duplicates => "Duplicates",
            Section::Findings => "Findings",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WasteItem {
    /// A section title (not selectable).
    Header(Section),
    /// `Analysis::hidden[i]`.
    Hidden(usize),
    /// `Analysis::cache[i]`.
    Cache(usize),
    /// `Analysis::duplicates[i]`.
    Duplicate(usize),
    /// `Analysis::findings[i]`.
    Finding(usize),
}

impl WasteItem {
    pub fn is_header(self) -> bool {
        matches!(self, WasteItem::Header(_))
    }
}

pub fn items(a: &Analysis) -> Vec<WasteItem> {
    let mut out = Vec::new();
    if !a.hidden.is_empty() {
        out.push(WasteItem::Header(Section::Hidden));
        out.extend((0..a.hidden.len()).map(WasteItem::Hidden));
    }
    if !a.cache.is_empty() {
        out.push(WasteItem::Header(Section::Cache));
        out.extend((0..a.cache.len()).map(WasteItem::Cache));
    }
    if !a.duplicates.is_empty() {
        out.push(WasteItem::Header(Section::Duplicates));
        out.extend((0..a.duplicates.len()).map(WasteItem::Duplicate));
    }
    if !a.findings.is_empty() {
        out.push(WasteItem::Header(Section::Findings));
        out.extend((0..a.findings.len()).map(WasteItem::Finding));
    }
    out
}

/// Where an item lives: (node, layer that added it, prefer the
/// ghost row). `None` node for items without a path (findings).
pub struct Target {
    pub node: Option<NodeId>,
    pub layer: Option<LayerIndex>,
}

pub fn target(a: &Analysis, item: WasteItem) -> Option<Target> {
    let o = &a.overlay;
    let inode_target = |ino: InodeId| {
        let i = o.inode(ino);
        Target {
            node: Some(i.node),
            layer: Some(i.layer),
        }
    };
    match item {
        WasteItem::Header(_) => None,
        WasteItem::Hidden(i) => Some(inode_target(a.hidden[i].inode)),
        WasteItem::Cache(i) => {
            // The biggest file under the rule.
            let rule = a.rules.index_of(&a.cache[i].rule)?;
            let best = a
                .classes
                .iter()
                .enumerate()
                .filter(|(_, c)| c.rule == Some(rule as u16))
                .max_by_key(|(id, _)| (o.inodes[*id].size, std::cmp::Reverse(*id)))?;
            Some(inode_target(InodeId::new(best.0)))
        }
        WasteItem::Duplicate(i) => a.duplicates[i].inodes.first().map(|&ino| inode_target(ino)),
        WasteItem::Finding(i) => Some(Target {
            node: None,
            layer: a.findings[i].layer,
        }),
    }
}
