//! Drawing the compare view: header, tree with deltas, status line, and the
//! details of the selected path in both images. Names from the images go
//! through `str_for_terminal`.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use layerscope_core::analysis::shorten;
use layerscope_core::diff::FileFact;
use layerscope_core::escape::str_for_terminal;
use layerscope_core::units::human;

use super::{signed, CompareModel};

fn esc(s: &str) -> String {
    str_for_terminal(s).into_owned()
}

pub fn compare_view(m: &CompareModel, f: &mut Frame) {
    let area = f.area();
    let [head, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    f.render_widget(
        Paragraph::new(format!("{}   {}", esc(&m.title), m.headline))
            .style(Style::default().add_modifier(Modifier::BOLD)),
        head,
    );
    tree(m, f, body);
    let filter = if m.changed_only { "on" } else { "off" };
    f.render_widget(
        Paragraph::new(format!(
            "↑↓ move  ←→ fold  e expand changed  c changed only [{filter}]  Enter details  q quit"
        )),
        status,
    );
    if m.details {
        details(m, f, area);
    }
}

fn tree(m: &CompareModel, f: &mut Frame, area: Rect) {
    let title = if m.has_files {
        " NEW's tree (A added, D removed, + grown, - shrunk, M changed, P mode/owner) "
    } else {
        " no file lists: a saved report was compared "
    };
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let rows = m.rows();
    let width = usize::from(inner.width);
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(m.scroll)
        .take(usize::from(inner.height))
        .map(|(row, &i)| {
            let n = &m.nodes[i];
            let fold = if n.children.is_empty() {
                ' '
            } else if m.expanded[i] {
                '▾'
            } else {
                '▸'
            };
            let cur = if row == m.cursor { '>' } else { ' ' };
            let dir = if n.is_dir() { "/" } else { "" };
            let left = format!(
                "{cur}{} {}{fold} {}{dir}",
                n.change.marker(),
                "  ".repeat(n.depth.saturating_sub(1)),
                esc(&n.name)
            );
            let right = if n.delta != 0 || n.changed {
                signed(n.delta)
            } else {
                String::new()
            };
            let room = width.saturating_sub(right.chars().count() + 1);
            let left: String = if left.chars().count() > room {
                let mut l: String = left.chars().take(room.saturating_sub(1)).collect();
                l.push('…');
                l
            } else {
                left
            };
            let pad = width.saturating_sub(left.chars().count() + right.chars().count());
            let line = Line::from(format!("{left}{}{right}", " ".repeat(pad)));
            if row == m.cursor {
                line.style(Style::default().add_modifier(Modifier::REVERSED))
            } else {
                line
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

fn fact_lines(m: &CompareModel, old: bool, fact: Option<&FileFact>) -> Vec<String> {
    let which = if old { "OLD" } else { "NEW" };
    let Some(x) = fact else {
        return vec![format!("{which}: absent")];
    };
    let mut out = vec![format!(
        "{which}: {} {}",
        x.kind.as_str(),
        if x.kind == layerscope_core::diff::FileKind::File {
            human(x.bytes)
        } else {
            String::new()
        }
    )];
    if let Some((mode, uid, gid)) = x.meta {
        out.push(format!("  mode {mode:04o}  owner {uid}:{gid}"));
    }
    if let Some(l) = &x.link {
        out.push(format!("  → {}", esc(&String::from_utf8_lossy(l))));
    }
    if let Some(h) = x.hash {
        out.push(format!("  content {}", &h.to_hex()[..16]));
    }
    let step = m
        .step(old, x.layer)
        .map(|s| format!(" ({})", esc(&shorten(s, 50))))
        .unwrap_or_default();
    out.push(format!("  layer {}{step}", x.layer));
    out
}

fn details(m: &CompareModel, f: &mut Frame, area: Rect) {
    let Some(i) = m.selected() else { return };
    let n = &m.nodes[i];
    let mut lines = vec![
        esc(&n.path),
        format!("{}  {}", n.change.as_str(), signed(n.delta)),
        String::new(),
    ];
    lines.extend(fact_lines(m, true, n.old.as_ref()));
    lines.push(String::new());
    lines.extend(fact_lines(m, false, n.new.as_ref()));
    let w = area.width.saturating_sub(8).min(90);
    let h = (lines.len() as u16 + 2).min(area.height);
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines.into_iter().map(Line::from).collect::<Vec<_>>()).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" details (Enter/Esc to close) "),
        ),
        r,
    );
}
