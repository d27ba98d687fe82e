//! `view(&Model, &mut Frame)`: draws the model, computing only the rows on
//! screen. Every string from the image goes through `escape`.

use std::borrow::Cow;

use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Gauge, Padding, Paragraph, Wrap};
use ratatui::Frame;

use super::model::{Explorer, Model, Pane, Progress, State};
use super::tree::{flag, Mode, Row, Sort};
use super::waste::WasteItem;
use layerscope_core::analysis::{build_step, shorten, Analysis};
use layerscope_core::config::human;
use layerscope_core::escape::{for_terminal, str_for_terminal};
use layerscope_core::layer::EntryKind;
use layerscope_core::overlay::Cause;

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

fn esc(s: &str) -> Cow<'_, str> {
    str_for_terminal(s)
}

fn sz(b: u64) -> String {
    human(b)
}

fn dash_or(b: u64) -> String {
    if b == 0 {
        "-".into()
    } else {
        human(b)
    }
}

fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        "0.0%".into()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

const ADDED: Color = Color::Green;
const MODIFIED: Color = Color::Yellow;
const REMOVED: Color = Color::Red;
const GHOST: Color = Color::DarkGray;
const CACHE: Color = Color::Magenta;
const DIR: Color = Color::Blue;

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
        State::Loading(p) => loading(m, p, f, area),
        State::Failed(e) => failed(m, e, f, area),
        State::Ready(e) => {
            let areas = super::view::layout(area, e.a.layers.len());
            layers_pane(e, f, areas.layers);
            tree_pane(e, f, areas.tree);
            waste_pane(e, f, areas.waste);
            details_pane(e, f, areas.details);
            status_bar(m, e, f, areas.status);
            if m.help {
                help(f, area);
            }
        }
    }
}

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

fn loading(m: &Model, p: &Progress, f: &mut Frame, area: Rect) {
    // Room for the layers read so far, newest last.
    let rows = p.layers.len().min(area.height.saturating_sub(10) as usize) as u16;
    let r = centered(area, 72, 8 + rows);
    let block = Block::bordered()
        .title(" layerscope ")
        .padding(Padding::horizontal(1));
    let inner = block.inner(r);
    f.render_widget(block, r);
    let [title, gauge, layers, _] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Length(2 + rows),
        Constraint::Min(0),
    ])
    .areas(inner);
    f.render_widget(
        Paragraph::new(format!("Reading {} …", esc(&m.title))),
        title,
    );
    let (ratio, label) = match p.total_bytes {
        Some(t) if t > 0 => (
            (p.bytes as f64 / t as f64).clamp(0.0, 1.0),
            format!("{} of {}", sz(p.bytes), sz(t)),
        ),
        _ => (0.0, format!("{} read", sz(p.bytes))),
    };
    f.render_widget(
        Gauge::default()
            .ratio(ratio)
            .label(label)
            .gauge_style(Style::default().fg(Color::Cyan)),
        gauge,
    );
    let layer_line = match p.layers_total {
        Some(t) => format!("layers read: {} of {}", p.layers_done, t),
        None => format!("layers read: {}", p.layers_done),
    };
    let mut lines = vec![Line::raw(""), Line::raw(layer_line)];
    let skip = p.layers.len() - rows as usize;
    for l in &p.layers[skip..] {
        lines.push(Line::raw(format!(
            "  {:>10}  {:>8} entries  {}",
            sz(l.size_bytes),
            l.entries,
            esc(&l.label)
        )));
    }
    f.render_widget(Paragraph::new(lines), layers);
}

fn failed(m: &Model, e: &str, f: &mut Frame, area: Rect) {
    let r = centered(area, 72, 8);
    let block = Block::bordered()
        .title(" layerscope ")
        .padding(Padding::horizontal(1))
        .border_style(Style::default().fg(Color::Red));
    f.render_widget(
        Paragraph::new(vec![
            Line::raw(format!("Could not read {}:", esc(&m.title))),
            Line::styled(esc(e).into_owned(), Style::default().fg(Color::Red)),
            Line::raw(""),
            Line::raw("Press q to quit."),
        ])
        .wrap(Wrap { trim: false })
        .block(block),
        r,
    );
}

fn pane_block(title: String, focused: bool) -> Block<'static> {
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
fn cursor(selected: bool, focused: bool) -> (Span<'static>, Style) {
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

fn layers_pane(e: &Explorer, f: &mut Frame, area: Rect) {
    let focused = e.focus == Pane::Layers;
    let block = pane_block(
        format!("Layers {}/{}", e.layer() + 1, e.a.layers.len()),
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
        let (cur, style) = cursor(i == e.layers.sel, focused);
        let step = l.created_by.as_deref().map(build_step).unwrap_or_default();
        let mut spans = vec![
            cur,
            Span::raw(format!("{:>3} {:>9} ", l.index, sz(l.size_bytes))),
            Span::styled(
                format!("{:>9} ", dash_or(l.hidden_bytes_added)),
                if l.hidden_bytes_added > 0 {
                    Style::default().fg(REMOVED)
                } else {
                    Style::default()
                },
            ),
            Span::styled(
                format!("{:>9} ", dash_or(l.hides_bytes)),
                if l.hides_bytes > 0 {
                    Style::default().fg(MODIFIED)
                } else {
                    Style::default()
                },
            ),
            Span::styled(
                format!("{:>9}  ", dash_or(l.cache_bytes)),
                if l.cache_bytes > 0 {
                    Style::default().fg(CACHE)
                } else {
                    Style::default()
                },
            ),
            Span::raw(esc(&shorten(&step, step_w)).into_owned()),
        ];
        if i == e.layers.sel {
            for s in &mut spans {
                s.style = s.style.patch(style);
            }
        }
        lines.push(Line::from(spans));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

fn tree_title(e: &Explorer) -> String {
    let mut t = format!(
        "Tree: {} L{} · by {}",
        match e.tree.mode {
            Mode::Aggregate => "all up to",
            Mode::LayerOnly => "changes of",
        },
        e.layer() + 1,
        match e.sort {
            Sort::Size => "size",
            Sort::Name => "name",
        },
    );
    if e.filter != super::tree::Filter::All {
        t.push_str(" · only ");
        t.push_str(e.filter.label());
    }
    t
}

/// The marker letter and colour of a row.
fn marker(e: &Explorer, r: Row) -> (char, Style) {
    let (own, _) = e.tree.row_flags(r.node, r.ghost);
    if r.ghost {
        if own & flag::REMOVED != 0 {
            ('D', Style::default().fg(REMOVED))
        } else if own & flag::OVERWRITTEN != 0 {
            ('~', Style::default().fg(REMOVED))
        } else {
            ('H', Style::default().fg(GHOST))
        }
    } else if own & flag::ADDED != 0 {
        ('A', Style::default().fg(ADDED))
    } else if own & flag::MODIFIED != 0 {
        ('M', Style::default().fg(MODIFIED))
    } else {
        (' ', Style::default())
    }
}

fn tree_line(e: &Explorer, r: Row, selected: bool, focused: bool) -> Line<'static> {
    let a = &e.a;
    let o = &a.overlay;
    let v = e.tree.version(r);
    let ver = v.map(|v| o.version(v));
    let entry = ver.and_then(|ver| Some(a.image.entry(ver.layer, ver.entry?)));
    let is_dir = ver.is_some_and(|v| v.kind == EntryKind::Dir) || e.tree.has_kids(r.node, r.ghost);
    let (mark, mstyle) = marker(e, r);
    let (cur, sel_style) = cursor(selected, focused);
    let size = e.tree.size(o, r.node, r.ghost);
    let base = if r.ghost {
        Style::default().fg(GHOST).add_modifier(Modifier::ITALIC)
    } else if is_dir {
        Style::default().fg(DIR).add_modifier(Modifier::BOLD)
    } else {
        Style::default()
    };
    let icon = if e.tree.has_kids(r.node, r.ghost) {
        let bit = if r.ghost {
            super::tree::EXPANDED_GHOST
        } else {
            super::tree::EXPANDED_LIVE
        };
        if e.expanded[r.node.index()] & bit != 0 {
            "▾ "
        } else {
            "▸ "
        }
    } else {
        "  "
    };
    let mut name = for_terminal(o.name(r.node)).into_owned();
    if is_dir {
        name.push('/');
    }
    let mut spans = vec![
        cur,
        Span::styled(mark.to_string(), mstyle),
        Span::styled(
            format!(" {:>9} ", sz(size)),
            if r.ghost {
                Style::default().fg(GHOST)
            } else {
                Style::default()
            },
        ),
        Span::raw("  ".repeat(r.depth as usize)),
        Span::raw(icon),
        Span::styled(name, base),
    ];
    if let Some(en) = entry {
        if matches!(en.kind, EntryKind::Symlink | EntryKind::Hardlink) {
            if let Some(t) = &en.link {
                spans.push(Span::styled(
                    format!(" → {}", for_terminal(t)),
                    Style::default().fg(Color::Cyan),
                ));
            }
        }
    }
    if let Some(ver) = ver {
        if let Some(inode) = ver.inode {
            let ino = o.inode(inode);
            if let Some(rule) = a.classes[inode.index()].rule {
                spans.push(Span::styled(
                    format!(" [{}]", esc(&a.rules.rules[rule as usize].name)),
                    Style::default().fg(CACHE),
                ));
            }
            match (r.ghost, ino.gone) {
                (true, Some(g)) => spans.push(Span::styled(
                    format!(" L{}→L{} {}", ino.layer + 1, g.layer + 1, g.cause.as_str()),
                    Style::default().fg(GHOST),
                )),
                (false, Some(g)) if g.layer > e.layer() && ino.size > 0 => {
                    spans.push(Span::styled(
                        format!(" (hidden by L{})", g.layer + 1),
                        Style::default().fg(MODIFIED),
                    ))
                }
                _ => {}
            }
        }
    }
    if !r.ghost && is_dir {
        let hidden = e.tree.figs[r.node.index()].ghost_size;
        if hidden > 0 {
            spans.push(Span::styled(
                format!(" +{} hidden", sz(hidden)),
                Style::default().fg(REMOVED).add_modifier(Modifier::DIM),
            ));
        }
    }
    if selected {
        for s in &mut spans {
            s.style = s.style.patch(sel_style);
        }
    }
    Line::from(spans)
}

fn tree_pane(e: &Explorer, f: &mut Frame, area: Rect) {
    let focused = e.focus == Pane::Tree;
    let block = pane_block(tree_title(e), focused);
    let inner = block.inner(area);
    f.render_widget(block, area);
    if e.rows.is_empty() {
        let why = if e.filter == super::tree::Filter::All {
            "(empty)".to_string()
        } else {
            format!("(nothing matches the filter: {})", e.filter.label())
        };
        f.render_widget(Paragraph::new(why), inner);
        return;
    }
    // Only the rows on screen are formatted.
    let lines: Vec<Line> = e
        .rows
        .iter()
        .enumerate()
        .skip(e.tree_list.off)
        .take(inner.height as usize)
        .map(|(i, &r)| tree_line(e, r, i == e.tree_list.sel, focused))
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

/// Keep the end of a path, which names the file: `…/lists/a_Packages`.
fn tail(s: &str, max: usize) -> String {
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

fn waste_line(a: &Analysis, item: WasteItem, width: usize) -> Line<'static> {
    match item {
        WasteItem::Header(s) => {
            let total = match s {
                super::waste::Section::Hidden => {
                    format!("{} in {} files", sz(a.totals.wasted_bytes), a.hidden.len())
                }
                super::waste::Section::Cache => format!(
                    "{} ({} live)",
                    sz(a.totals.cache_live_bytes + a.totals.cache_hidden_bytes),
                    sz(a.totals.cache_live_bytes)
                ),
                super::waste::Section::Duplicates => sz(a.totals.duplicate_bytes),
                super::waste::Section::Findings => format!("{}", a.findings.len()),
            };
            Line::styled(
                format!("{}: {}", s.title(), total),
                Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            )
        }
        WasteItem::Hidden(i) => {
            let h = &a.hidden[i];
            let blame = format!("L{}→L{}", h.added_by, h.hidden_by);
            let room = width.saturating_sub(10 + blame.chars().count() + 1);
            Line::from(vec![
                Span::styled(format!("{:>9} ", sz(h.bytes)), Style::default().fg(REMOVED)),
                Span::styled(blame, Style::default().fg(GHOST)),
                Span::raw(format!(" {}", tail(&esc(&h.path), room))),
            ])
        }
        WasteItem::Cache(i) => {
            let c = &a.cache[i];
            Line::from(vec![
                Span::styled(
                    format!("{:>9} ", sz(c.live_bytes + c.hidden_bytes)),
                    Style::default().fg(CACHE),
                ),
                Span::styled(esc(&c.rule).into_owned(), Style::default().fg(CACHE)),
                Span::raw(match (c.live_bytes, c.hidden_bytes) {
                    (_, 0) => " live".to_string(),
                    (0, _) => " hidden".to_string(),
                    (l, _) => format!(" {} live", sz(l)),
                }),
            ])
        }
        WasteItem::Duplicate(i) => {
            let d = &a.duplicates[i];
            let head = format!("{:>9} ×{} ", sz(d.wasted_bytes), d.paths.len());
            let room = width.saturating_sub(head.chars().count() + 1);
            Line::from(vec![
                Span::styled(head, Style::default().fg(MODIFIED)),
                Span::raw(tail(&esc(d.paths.first().map_or("", |p| p)), room)),
            ])
        }
        WasteItem::Finding(i) => {
            let fd = &a.findings[i];
            let sev = match fd.severity {
                layerscope_core::analysis::Severity::Warning => {
                    Span::styled("! ", Style::default().fg(REMOVED))
                }
                layerscope_core::analysis::Severity::Info => {
                    Span::styled("i ", Style::default().fg(Color::Cyan))
                }
            };
            Line::from(vec![
                Span::raw(format!("{:>9} ", dash_or(fd.bytes))),
                sev,
                Span::raw(esc(&shorten(&fd.message, width)).into_owned()),
            ])
        }
    }
}

fn waste_pane(e: &Explorer, f: &mut Frame, area: Rect) {
    let focused = e.focus == Pane::Waste;
    let block = pane_block("Waste (Enter: show in tree)".into(), focused);
    let inner = block.inner(area);
    f.render_widget(block, area);
    if e.waste.is_empty() {
        f.render_widget(Paragraph::new("No waste found."), inner);
        return;
    }
    // Room after the cursor column.
    let width = inner.width.saturating_sub(1) as usize;
    let lines: Vec<Line> = e
        .waste
        .iter()
        .enumerate()
        .skip(e.waste_list.off)
        .take(inner.height as usize)
        .map(|(i, &item)| {
            let sel = i == e.waste_list.sel;
            let (cur, style) = cursor(sel, focused);
            let mut l = waste_line(&e.a, item, width);
            if sel {
                for s in &mut l.spans {
                    s.style = s.style.patch(style);
                }
            }
            l.spans.insert(0, cur);
            l
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

/// `drwxr-xr-x`, with setuid/setgid/sticky.
pub fn mode_string(kind: EntryKind, mode: u32) -> String {
    let t = match kind {
        EntryKind::Dir => 'd',
        EntryKind::Symlink => 'l',
        EntryKind::CharDevice => 'c',
        EntryKind::BlockDevice => 'b',
        EntryKind::Fifo => 'p',
        _ => '-',
    };
    let mut s = String::with_capacity(10);
    s.push(t);
    let bits = [
        (0o400, 'r'),
        (0o200, 'w'),
        (0o100, 'x'),
        (0o040, 'r'),
        (0o020, 'w'),
        (0o010, 'x'),
        (0o004, 'r'),
        (0o002, 'w'),
        (0o001, 'x'),
    ];
    for (i, (bit, c)) in bits.iter().enumerate() {
        let on = mode & bit != 0;
        let special = match i {
            2 => mode & 0o4000 != 0,
            5 => mode & 0o2000 != 0,
            8 => mode & 0o1000 != 0,
            _ => false,
        };
        let ch = match (special, on) {
            (true, true) => {
                if i == 8 {
                    't'
                } else {
                    's'
                }
            }
            (true, false) => {
                if i == 8 {
                    'T'
                } else {
                    'S'
                }
            }
            (false, true) => *c,
            (false, false) => '-',
        };
        s.push(ch);
    }
    s
}

fn step_of(a: &Analysis, layer1: usize, max: usize) -> String {
    match a.step(layer1) {
        Some(s) if !s.is_empty() => format!(" ({})", esc(&shorten(&s, max))),
        _ => String::new(),
    }
}

fn node_details(e: &Explorer) -> Vec<Line<'static>> {
    let a = &e.a;
    let o = &a.overlay;
    let Some(r) = e.selected_row() else {
        return vec![Line::raw("Nothing selected.")];
    };
    let v = e.tree.version(r);
    let path = layerscope_core::layer::display_path(&o.path(r.node));
    let mut first = vec![Span::styled(
        for_terminal(path.as_bytes()).into_owned(),
        Style::default().add_modifier(Modifier::BOLD),
    )];
    let mut lines = Vec::new();
    if let Some(v) = v {
        let ver = o.version(v);
        let size = e.tree.size(o, r.node, r.ghost);
        first.push(Span::raw(format!(
            "  {} {}",
            ver.kind.as_str(),
            if r.ghost {
                format!("{} hidden", sz(size))
            } else {
                sz(size)
            }
        )));
        if let Some(entry) = ver.entry {
            let en = a.image.entry(ver.layer, entry);
            first.push(Span::raw(format!(
                "  {}  {}:{}",
                mode_string(en.kind, en.mode),
                en.uid,
                en.gid
            )));
            if let Some(t) = &en.link {
                first.push(Span::raw(format!("  → {}", for_terminal(t))));
            }
        } else {
            first.push(Span::raw("  (implied directory)"));
        }
        lines.push(Line::from(first));
        // Blame of hidden bytes first: it is what the user came for.
        if let Some(inode) = ver.inode {
            let ino = o.inode(inode);
            if let Some(g) = ino.gone {
                lines.push(Line::styled(
                    format!(
                        "{} {} by L{}{}, added by L{}{}",
                        sz(ino.size),
                        match g.cause {
                            Cause::Overwritten => "overwritten",
                            _ => "removed",
                        },
                        g.layer + 1,
                        step_of(a, g.layer as usize + 1, 40),
                        ino.layer + 1,
                        step_of(a, ino.layer as usize + 1, 40),
                    ),
                    Style::default().fg(REMOVED),
                ));
            }
        }
    } else {
        lines.push(Line::from(first));
    }
    // Which layers touched it, oldest first.
    let mut hist: Vec<_> = o.history(r.node).collect();
    hist.reverse();
    let mut spans = vec![Span::raw("layers: ")];
    for (i, h) in hist.iter().enumerate() {
        let hv = o.version(*h);
        if i > 0 {
            spans.push(Span::raw(", "));
        }
        let what = if let Some(inode) = hv.inode {
            format!("{} {}", hv.kind.as_str(), sz(o.inode(inode).size))
        } else if hv.entry.is_none() {
            "dir (implied)".to_string()
        } else {
            hv.kind.as_str().to_string()
        };
        let mut s = format!("L{} {}", hv.layer + 1, what);
        if let Some(g) = hv.gone {
            if g.cause != Cause::Merged {
                s.push_str(&format!(" ({} L{})", g.cause.as_str(), g.layer + 1));
            }
        }
        spans.push(Span::raw(s));
    }
    lines.push(Line::from(spans));
    if let Some(v) = v {
        let ver = o.version(v);
        if let Some(inode) = ver.inode {
            let mut s = String::new();
            // The content hash is the carrying entry's.
            if let Some(h) = a.carrier(inode).hash {
                s.push_str(&format!("xxh3 {}", h.to_hex()));
            }
            if let Some(rule) = a.classes[inode.index()].rule {
                let rule = &a.rules.rules[rule as usize];
                s.push_str(&format!(
                    "  cache: {}: {}",
                    esc(&rule.name),
                    esc(&rule.remedy)
                ));
            }
            if !s.is_empty() {
                lines.push(Line::raw(s));
            }
        }
    }
    lines
}

fn layer_details(e: &Explorer) -> Vec<Line<'static>> {
    let a = &e.a;
    let Some(l) = a.layers.get(e.layers.sel) else {
        return vec![];
    };
    let step = l.created_by.as_deref().map(build_step).unwrap_or_default();
    vec![
        Line::from(vec![
            Span::styled(
                format!("Layer {}: ", l.index),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::raw(esc(&shorten(&step, 400)).into_owned()),
        ]),
        Line::raw(format!(
            "size {} (stored {}, compression {}), content {}, {} entries; adds {} that is hidden later, hides {} of lower layers; cache {}",
            sz(l.size_bytes),
            sz(l.stored_bytes),
            l.compression,
            sz(l.content_bytes),
            l.entries,
            sz(l.hidden_bytes_added),
            sz(l.hides_bytes),
            sz(l.cache_bytes)
        )),
        Line::raw(format!("digest {}  diff_id {}", esc(&l.digest), esc(&l.diff_id))),
    ]
}

fn waste_details(e: &Explorer) -> Vec<Line<'static>> {
    let a = &e.a;
    let Some(&item) = e.waste.get(e.waste_list.sel) else {
        return vec![];
    };
    let bold = Style::default().add_modifier(Modifier::BOLD);
    match item {
        WasteItem::Header(_) => vec![],
        WasteItem::Hidden(i) => {
            let h = &a.hidden[i];
            vec![
                Line::styled(esc(&h.path).into_owned(), bold),
                Line::raw(format!(
                    "{} {} by L{}{}; added by L{}{}{}",
                    sz(h.bytes),
                    h.cause.as_str(),
                    h.hidden_by,
                    step_of(a, h.hidden_by, 50),
                    h.added_by,
                    step_of(a, h.added_by, 50),
                    match &h.cache_rule {
                        Some(r) => format!("; cache: {}", esc(r)),
                        None => String::new(),
                    }
                )),
                Line::raw(if h.churn {
                    "package-database churn: rewritten by every install".to_string()
                } else {
                    "shipped in every pull, never visible in a container. Enter: show in tree"
                        .to_string()
                }),
            ]
        }
        WasteItem::Cache(i) => {
            let c = &a.cache[i];
            vec![
                Line::styled(
                    format!(
                        "cache {}: {} live (recoverable), {} hidden, {} files",
                        esc(&c.rule),
                        sz(c.live_bytes),
                        sz(c.hidden_bytes),
                        c.files
                    ),
                    bold,
                ),
                Line::raw(format!("remedy: {}", esc(&c.remedy))),
            ]
        }
        WasteItem::Duplicate(i) => {
            let d = &a.duplicates[i];
            vec![
                Line::styled(
                    format!(
                        "{} copies of {} each: {} wasted",
                        d.paths.len(),
                        sz(d.bytes_each),
                        sz(d.wasted_bytes)
                    ),
                    bold,
                ),
                Line::raw(esc(&d.paths.join("  ")).into_owned()),
            ]
        }
        WasteItem::Finding(i) => {
            let fd = &a.findings[i];
            vec![
                Line::styled(
                    format!("[{}] {}", fd.severity.as_str(), esc(&fd.message)),
                    bold,
                ),
                Line::raw(format!("remedy: {}", esc(&fd.remedy))),
            ]
        }
    }
}

fn details_pane(e: &Explorer, f: &mut Frame, area: Rect) {
    let lines = match e.focus {
        Pane::Tree => node_details(e),
        Pane::Layers => layer_details(e),
        Pane::Waste => waste_details(e),
    };
    let block = Block::default().borders(Borders::TOP).title(" Details ");
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}

fn status_bar(m: &Model, e: &Explorer, f: &mut Frame, area: Rect) {
    let t = &e.a.totals;
    let top = Line::from(vec![
        Span::styled(
            // The end of a long name says the most: `…/basic:latest`.
            format!(
                " {} ",
                tail(&esc(&m.title), (area.width as usize / 5).max(12))
            ),
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD),
        ),
        Span::raw(format!(" size {} ", sz(t.size_bytes))),
        Span::styled(
            format!(
                "wasted {} {} ",
                sz(t.wasted_bytes),
                pct(t.wasted_bytes, t.content_bytes)
            ),
            Style::default().fg(REMOVED),
        ),
        Span::raw(format!(
            "{} {:.1}% ",
            if area.width >= 100 {
                "efficiency"
            } else {
                "eff"
            },
            t.efficiency * 100.0
        )),
        Span::styled(
            format!("recoverable {} ", sz(t.recoverable_bytes)),
            Style::default().fg(MODIFIED),
        ),
    ]);
    let bottom = if e.search.editing || !e.search.query.is_empty() && m.message.is_none() {
        let count = match &e.search.matches {
            Some(ms) if ms.is_empty() => " (no match)".to_string(),
            Some(ms) => format!(" ({}/{})", e.search.current + 1, ms.len()),
            None => String::new(),
        };
        let hint = if e.search.editing {
            "  Enter: done  Esc: stop"
        } else {
            "  n/N: next/previous"
        };
        Line::from(vec![
            Span::styled(
                format!("/{}", esc(&e.search.query)),
                Style::default().fg(Color::Cyan),
            ),
            Span::raw(if e.search.editing { "█" } else { "" }),
            Span::raw(count),
            Span::styled(hint, Style::default().fg(GHOST)),
        ])
    } else if let Some(msg) = &m.message {
        Line::styled(format!(" {}", esc(msg)), Style::default().fg(MODIFIED))
    } else {
        Line::styled(
            " Tab pane  ↑↓ move  ⏎ open  / search  f filter  s sort  a changes  [ ] layer  ? help  q quit",
            Style::default().fg(GHOST),
        )
    };
    f.render_widget(Paragraph::new(vec![top, bottom]), area);
}

const HELP: &[(&str, &str)] = &[
    ("↑ ↓  j k", "move in the focused pane"),
    ("PgUp PgDn  g G", "page, first, last"),
    ("Tab  Shift-Tab", "next / previous pane"),
    (
        "Enter  Space",
        "open/close a directory; in Waste: show it in the tree",
    ),
    (
        "l →   h ←",
        "open (step in) / close (step out to the parent)",
    ),
    ("[  ]", "previous / next layer from any pane"),
    ("/  n  N", "search paths, next / previous match"),
    (
        "f",
        "show: all, only hidden, cache, added, modified, removed",
    ),
    ("s", "sort by bytes shipped (live + hidden) / by name"),
    ("a", "all files up to the layer / only the layer's changes"),
    ("c  e", "collapse / expand everything"),
    ("?", "this help"),
    ("q  Esc  Ctrl-C", "quit"),
    ("", ""),
    ("A M D", "added / modified / removed by the selected layer"),
    (
        "H  ~",
        "ghost: hidden bytes, still shipped (~ overwritten here)",
    ),
    ("[pip]", "file under a cache rule"),
    ("L2→L4", "added by layer 2, hidden by layer 4"),
];

fn help(f: &mut Frame, area: Rect) {
    let r = centered(area, 76, HELP.len() as u16 + 2);
    f.render_widget(Clear, r);
    let lines: Vec<Line> = HELP
        .iter()
        .map(|(k, d)| {
            Line::from(vec![
                Span::styled(format!(" {k:<16}"), Style::default().fg(Color::Cyan)),
                Span::raw(*d),
            ])
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" Keys (any key closes) ")),
        r,
    );
}
