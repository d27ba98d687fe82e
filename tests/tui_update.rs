//! The explorer's behaviour through `update()` alone, no terminal: an image
//! built in code (tests/tui_fixture) with hidden, cache, duplicate, removed
//! and overwritten bytes.

use crate::support::tui_image::{self, sel};

use layerscope_core::layer::display_path;
use layerscope_core::layer::EntryKind;
use layerscope_core::overlay::Cause;
use layerscope_core::LayerIndex;
use layerscope_tui::node_details::{details_of, EntryMeta, NodeDetails, Touch};
use layerscope_tui::tree::{flag, Filter, Mode, Sort, Tree};
use layerscope_tui::waste::WasteItem;
use layerscope_tui::{update, Model, Msg, Pane, State};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};

fn model() -> Model {
    Model::loaded("arg", (80, 24), tui_image::analysis())
}

fn keys(m: &mut Model, keys: &str) {
    for c in keys.chars() {
        update(m, Msg::char(c));
    }
}

fn key(m: &mut Model, code: KeyCode) {
    update(m, Msg::key(code));
}

/// Every row as `/path` or `~/path`.
fn rows(m: &Model) -> Vec<String> {
    let e = m.explorer().unwrap();
    e.rows
        .iter()
        .map(|r| {
            let p = display_path(&e.a.overlay.path(r.node));
            if r.ghost {
                format!("~{p}")
            } else {
                p
            }
        })
        .collect()
}

/// Rows that hold no rows (files, empty directories).
fn leaves(m: &Model) -> Vec<String> {
    let e = m.explorer().unwrap();
    let all = rows(m);
    e.rows
        .iter()
        .zip(all)
        .filter(|(r, _)| !e.tree.has_kids(r.node, r.ghost))
        .map(|(_, p)| p)
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn opens_on_the_final_filesystem_at_the_biggest_hidden_file() {
    let m = model();
    assert_eq!(m.title, "test:latest");
    let e = m.explorer().unwrap();
    assert_eq!(e.layer().get(), 3);
    assert_eq!(e.tree.mode, Mode::Aggregate);
    assert_eq!(e.focus, Pane::Tree);
    assert_eq!(sel(&m), "~/opt/model/weights.bin");
    // The waste pane starts on its first item, not on a header.
    assert_eq!(e.waste[e.waste_list.sel], WasteItem::Hidden(0));
}

#[test]
fn moves_pages_and_ends() {
    let mut m = model();
    keys(&mut m, "g");
    // By bytes shipped: /var (4.12 kB live + 5.40 kB hidden) first.
    assert_eq!(sel(&m), "/var");
    keys(&mut m, "j");
    assert_eq!(sel(&m), "/var/lib");
    key(&mut m, KeyCode::Down);
    assert_eq!(sel(&m), "/var/lib/apt");
    keys(&mut m, "k");
    key(&mut m, KeyCode::Up);
    key(&mut m, KeyCode::Up);
    assert_eq!(sel(&m), "/var", "stays on the first row");
    keys(&mut m, "G");
    let n = m.explorer().unwrap().rows.len();
    assert_eq!(m.explorer().unwrap().tree_list.sel, n - 1);
    keys(&mut m, "g");
    key(&mut m, KeyCode::PageDown);
    let page = m.areas().list_rows(m.areas().tree);
    assert_eq!(m.explorer().unwrap().tree_list.sel, page.min(n - 1));
    key(&mut m, KeyCode::PageUp);
    assert_eq!(m.explorer().unwrap().tree_list.sel, 0);
    // The selected row stays on screen.
    keys(&mut m, "G");
    let e = m.explorer().unwrap();
    assert!(e.tree_list.sel >= e.tree_list.off && e.tree_list.sel < e.tree_list.off + page);
}

#[test]
fn expands_and_collapses() {
    let mut m = model();
    keys(&mut m, "g");
    let before = rows(&m).len();
    keys(&mut m, "h"); // close /var
    assert_eq!(sel(&m), "/var");
    assert!(rows(&m).len() < before);
    assert!(!rows(&m).iter().any(|r| r.starts_with("/var/")));
    keys(&mut m, "l"); // open it again
    assert_eq!(rows(&m).len(), before);
    keys(&mut m, "l"); // step in
    assert_eq!(sel(&m), "/var/lib");
    keys(&mut m, "hh"); // close /var/lib, then step out to /var
    assert_eq!(sel(&m), "/var");
    key(&mut m, KeyCode::Enter); // toggle closed
    assert!(!rows(&m).iter().any(|r| r.starts_with("/var/")));
    key(&mut m, KeyCode::Char(' ')); // toggle open
    assert!(rows(&m).iter().any(|r| r == "/var/lib"));

    keys(&mut m, "c");
    assert_eq!(
        sorted(rows(&m)),
        sorted(
            [
                "/bin",
                "/etc",
                "/evil\u{1b}[31mname",
                "/opt",
                "/root",
                "/tmp",
                "/usr",
                "/var"
            ]
            .map(String::from)
            .to_vec()
        )
    );
    keys(&mut m, "e");
    let all = rows(&m);
    for p in [
        "/root/.cache/pip/wheels/y.whl",
        "~/opt/model/config.json",
        "/var/lib/dpkg/status",
        "~/var/lib/dpkg/status",
        "/bin/ls",
        "~/tmp/build.log",
    ] {
        assert!(all.iter().any(|r| r == p), "{p} in {all:?}");
    }
}

#[test]
fn sorts_by_size_or_name() {
    let mut m = model();
    keys(&mut m, "c");
    assert_eq!(
        rows(&m),
        [
            "/var",
            "/opt",
            "/root",
            "/usr",
            "/bin",
            "/etc",
            "/tmp",
            "/evil\u{1b}[31mname"
        ]
    );
    keys(&mut m, "s");
    assert_eq!(m.explorer().unwrap().sort, Sort::Name);
    assert_eq!(
        rows(&m),
        [
            "/bin",
            "/etc",
            "/evil\u{1b}[31mname",
            "/opt",
            "/root",
            "/tmp",
            "/usr",
            "/var"
        ]
    );
}

#[test]
fn searches_incrementally_with_next_and_previous() {
    let mut m = model();
    keys(&mut m, "c/dp");
    assert!(m.explorer().unwrap().search.editing);
    assert_eq!(
        sel(&m),
        "/var/lib/dpkg",
        "jumps while typing, opening the way"
    );
    keys(&mut m, "kg");
    key(&mut m, KeyCode::Enter);
    assert!(!m.explorer().unwrap().search.editing);
    assert_eq!(m.explorer().unwrap().search.query, "dpkg");
    keys(&mut m, "n");
    assert_eq!(sel(&m), "/var/lib/dpkg/status");
    keys(&mut m, "n");
    assert_eq!(
        sel(&m),
        "~/var/lib/dpkg/status",
        "the overwritten version too"
    );
    keys(&mut m, "n");
    assert_eq!(sel(&m), "/var/lib/dpkg", "wraps");
    keys(&mut m, "N");
    assert_eq!(sel(&m), "~/var/lib/dpkg/status");
    // Case-insensitive, on the whole path, into collapsed directories.
    keys(&mut m, "c/PIP/WHEELS/");
    key(&mut m, KeyCode::Esc);
    assert!(!m.quit, "Esc ends the search, not the program");
    assert_eq!(sel(&m), "/root/.cache/pip/wheels/y.whl");
    keys(&mut m, "/zzz");
    assert!(m.message.as_deref().unwrap().contains("no match"));
    key(&mut m, KeyCode::Backspace);
    assert_eq!(m.explorer().unwrap().search.query, "zz");
}

#[test]
fn filters_cycle_and_restore() {
    let mut m = model();
    let initial = rows(&m);
    let a_hidden: Vec<String> = {
        let e = m.explorer().unwrap();
        e.a.hidden.iter().map(|h| format!("~{}", h.path)).collect()
    };

    keys(&mut m, "f");
    assert_eq!(m.explorer().unwrap().filter, Filter::Hidden);
    assert_eq!(
        sorted(leaves(&m)),
        sorted(a_hidden),
        "every hidden file, nothing else"
    );

    keys(&mut m, "f");
    assert_eq!(m.explorer().unwrap().filter, Filter::Cache);
    {
        let e = m.explorer().unwrap();
        for r in &e.rows {
            if !e.tree.has_kids(r.node, r.ghost) {
                let v = e.tree.version(*r);
                let ino = e.a.overlay.version(v.unwrap()).inode.unwrap();
                assert!(e.a.classes[ino.index()].rule.is_some());
            }
        }
    }
    assert!(leaves(&m).contains(&"/var/cache/apt/archives/curl.deb".to_string()));
    assert!(leaves(&m).contains(&"~/var/lib/apt/lists/a_Packages".to_string()));

    keys(&mut m, "f");
    assert_eq!(leaves(&m), ["/usr/lib/py/copy.py"], "added by layer 4");
    keys(&mut m, "f");
    assert_eq!(leaves(&m), ["/var/lib/dpkg/status"], "modified by layer 4");
    keys(&mut m, "f");
    assert_eq!(m.explorer().unwrap().filter, Filter::Removed);
    assert_eq!(
        sorted(leaves(&m)),
        sorted(
            [
                "~/opt/model/config.json",
                "~/opt/model/weights.bin",
                "~/tmp/build.log",
                "~/var/lib/apt/lists/a_Packages",
                "~/var/lib/apt/lists/b_Release",
                "~/var/lib/apt/lists/lock",
                "~/var/lib/apt/lists/partial",
            ]
            .map(String::from)
            .to_vec()
        )
    );
    keys(&mut m, "f");
    assert_eq!(m.explorer().unwrap().filter, Filter::All);
    assert_eq!(rows(&m), initial, "the expansion from before the filter");
}

#[test]
fn switches_layers_and_shows_one_layers_changes() {
    let mut m = model();
    keys(&mut m, "]");
    assert_eq!(
        m.explorer().unwrap().layer().get(),
        3,
        "already on the top layer"
    );
    keys(&mut m, "[");
    assert_eq!(m.explorer().unwrap().layer().get(), 2);
    // From the layers pane: j/k move the layer.
    key(&mut m, KeyCode::BackTab);
    assert_eq!(m.explorer().unwrap().focus, Pane::Layers);
    keys(&mut m, "k");
    assert_eq!(m.explorer().unwrap().layer().get(), 1);
    keys(&mut m, "j");
    assert_eq!(m.explorer().unwrap().layer().get(), 2);

    // Layer 3 alone: exactly its files, all added.
    keys(&mut m, "ae");
    assert_eq!(m.explorer().unwrap().tree.mode, Mode::LayerOnly);
    assert_eq!(
        sorted(leaves(&m)),
        sorted(
            [
                "/opt/model/config.json",
                "/opt/model/weights.bin",
                "/root/.cache/pip/http/x",
                "/root/.cache/pip/wheels/y.whl",
                "/tmp/build.log",
                "/usr/lib/py/mod.py",
                "/var/lib/dpkg/status",
            ]
            .map(String::from)
            .to_vec()
        )
    );
    // Layer 4 alone: what it removed and overwrote shows as ghosts.
    keys(&mut m, "j");
    let l = leaves(&m);
    assert!(l.contains(&"~/var/lib/dpkg/status".to_string()));
    assert!(l.contains(&"/var/lib/dpkg/status".to_string()));
    assert!(l.contains(&"~/var/lib/apt/lists/lock".to_string()));
    assert!(
        !l.iter().any(|p| p.starts_with("/bin")),
        "nothing of layer 1"
    );
    // Back to everything up to layer 4.
    keys(&mut m, "a");
    assert!(rows(&m).iter().any(|p| p == "/bin/sh"));
}

#[test]
fn enter_in_the_waste_pane_jumps_to_the_layer_that_added_it() {
    let mut m = model();
    key(&mut m, KeyCode::Tab);
    assert_eq!(m.explorer().unwrap().focus, Pane::Waste);
    keys(&mut m, "j");
    assert_eq!(
        m.explorer().unwrap().waste[m.explorer().unwrap().waste_list.sel],
        WasteItem::Hidden(1)
    );
    key(&mut m, KeyCode::Enter);
    let e = m.explorer().unwrap();
    assert_eq!(e.focus, Pane::Tree);
    assert_eq!(e.layer().get(), 1, "layer 2 added it");
    assert_eq!(sel(&m), "/var/lib/apt/lists/a_Packages");
    let r = e.selected_row().unwrap();
    assert_eq!(e.tree.row_flags(r.node, false).0 & flag::ADDED, flag::ADDED);

    // A cache rule: its biggest file. A filter that would hide it is lifted.
    keys(&mut m, "ffff"); // modified only
    assert_eq!(m.explorer().unwrap().filter, Filter::Modified);
    key(&mut m, KeyCode::Tab);
    while !matches!(
        m.explorer().unwrap().waste[m.explorer().unwrap().waste_list.sel],
        WasteItem::Cache(_)
    ) {
        keys(&mut m, "j");
    }
    let e = m.explorer().unwrap();
    assert_eq!(e.a.cache[0].rule, "apt-lists");
    key(&mut m, KeyCode::Enter);
    assert_eq!(m.explorer().unwrap().filter, Filter::All);
    assert_eq!(sel(&m), "/var/lib/apt/lists/a_Packages");

    // Headers are skipped: k never lands on one.
    key(&mut m, KeyCode::Tab);
    assert_eq!(m.explorer().unwrap().focus, Pane::Waste);
    for _ in 0..40 {
        keys(&mut m, "k");
        let e = m.explorer().unwrap();
        assert!(!e.waste[e.waste_list.sel].is_header());
    }
}

#[test]
fn per_layer_figures_match_the_analysis() {
    let a = tui_image::analysis();
    let n = a.layers.len();
    let top = Tree::compute(&a, LayerIndex::from_index(n - 1), Mode::Aggregate);
    assert_eq!(top.figs[0].live_size, a.totals.live_bytes);
    assert_eq!(top.figs[0].ghost_size, a.totals.wasted_bytes);
    for k in LayerIndex::all(n) {
        let only = Tree::compute(&a, k, Mode::LayerOnly);
        let hidden_here: u64 = a
            .overlay
            .inodes
            .iter()
            .filter(|i| i.gone.is_some_and(|g| g.layer == k))
            .map(|i| i.size)
            .sum();
        assert_eq!(only.figs[0].ghost_size, hidden_here, "layer {k}");
        let added_live_at_k: u64 = a
            .overlay
            .inodes
            .iter()
            .filter(|i| i.layer == k && i.gone.is_none_or(|g| g.layer > k))
            .map(|i| i.size)
            .sum();
        assert_eq!(only.figs[0].live_size, added_live_at_k, "layer {k}");
    }
}

#[test]
fn quits_on_q_esc_and_ctrl_c() {
    let mut m = model();
    keys(&mut m, "q");
    assert!(m.quit);
    let mut m = model();
    key(&mut m, KeyCode::Esc);
    assert!(m.quit);
    // Ctrl-C quits even while typing a search.
    let mut m = model();
    keys(&mut m, "/ab");
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert!(m.quit);
}

#[test]
fn help_overlay_swallows_the_next_key() {
    let mut m = model();
    keys(&mut m, "g?");
    assert!(m.help);
    keys(&mut m, "j");
    assert!(!m.help);
    assert_eq!(sel(&m), "/var", "the key only closed the help");
}

#[test]
fn loading_progress_then_loaded_or_quit() {
    let mut m = Model::new("img.tar", (80, 24));
    let p = layerscope_tui::Progress {
        total_bytes: Some(100),
        bytes: 40,
        layers_done: 1,
        layers_total: Some(4),
        layers: vec![],
    };
    update(&mut m, Msg::Progress(p.clone()));
    assert!(matches!(&m.state, State::Loading(q) if *q == p));
    keys(&mut m, "jj/x"); // keys while loading do nothing
    assert!(!m.quit);
    update(&mut m, Msg::Loaded(Box::new(tui_image::analysis())));
    assert!(m.explorer().is_some());

    // q quits while loading (a load error ends `run`, which returns it).
    let mut m = Model::new("img.tar", (80, 24));
    keys(&mut m, "q");
    assert!(m.quit);
}

#[test]
fn mouse_wheel_scrolls_the_pane_under_it() {
    let mut m = model();
    keys(&mut m, "eg");
    let areas = m.areas();
    let wheel = |kind, area: ratatui::layout::Rect| {
        Msg::Mouse(MouseEvent {
            kind,
            column: area.x + 2,
            row: area.y + 2,
            modifiers: KeyModifiers::NONE,
        })
    };
    update(&mut m, wheel(MouseEventKind::ScrollDown, areas.tree));
    assert_eq!(m.explorer().unwrap().tree_list.sel, 3);
    let w0 = m.explorer().unwrap().waste_list.sel;
    update(&mut m, wheel(MouseEventKind::ScrollDown, areas.waste));
    assert!(m.explorer().unwrap().waste_list.sel > w0);
    assert_eq!(
        m.explorer().unwrap().focus,
        Pane::Tree,
        "the wheel does not move focus"
    );
    update(&mut m, wheel(MouseEventKind::ScrollDown, areas.layers));
    assert_eq!(m.explorer().unwrap().layer().get(), 3);
    update(&mut m, wheel(MouseEventKind::ScrollUp, areas.layers));
    assert_eq!(m.explorer().unwrap().layer().get(), 0);
}

#[test]
fn resizing_keeps_the_selection_on_screen() {
    let mut m = model();
    keys(&mut m, "eG");
    update(&mut m, Msg::Resize(60, 16));
    let e = m.explorer().unwrap();
    let h = m.areas().list_rows(m.areas().tree);
    assert!(e.tree_list.sel < e.tree_list.off + h);
}

#[test]
fn typing_then_deleting_searches_like_typing_the_short_query() {
    // (What the counted search finds, against a scan of every row, is
    // tui_fast_paths::search_automaton_counts_what_a_scan_of_every_row_finds.)
    let a = tui_image::analysis();
    let o = &a.overlay;
    // Typing then deleting gives the same as typing the short query.
    let t = Tree::compute(&a, LayerIndex::new(3), Mode::Aggregate);
    let order = t.flatten(o, None, Sort::Size, Filter::All);
    let want = t.search(o, &order, b"pip");
    let mut m = model();
    keys(&mut m, "/pipx");
    update(&mut m, Msg::key(KeyCode::Backspace));
    let e = m.explorer().unwrap();
    assert_eq!(e.search.matches.as_ref().unwrap().total, want.len());
    let sel = e.selected_row().unwrap();
    assert!(want.contains(&(sel.node, sel.ghost)));
}

fn edge_cases() -> layerscope_core::analysis::Analysis {
    tui_image::edge_cases()
}

#[test]
fn root_figures_at_every_layer_match_the_inodes() {
    for a in [tui_image::analysis(), edge_cases()] {
        let o = &a.overlay;
        for k in LayerIndex::all(a.layers.len()) {
            let t = Tree::compute(&a, k, Mode::Aggregate);
            let hidden: u64 = o
                .inodes
                .iter()
                .filter(|i| i.layer <= k && i.gone.is_some_and(|g| g.layer <= k))
                .map(|i| i.size)
                .sum();
            let mut live = vec![false; o.inodes.len()];
            for v in &o.versions {
                if let Some(inode) = v.inode.filter(|_| v.visible_at(k)) {
                    live[inode.index()] = true;
                }
            }
            let live: u64 = o
                .inodes
                .iter()
                .zip(&live)
                .filter(|(_, l)| **l)
                .map(|(i, _)| i.size)
                .sum();
            assert_eq!(t.figs[0].ghost_size, hidden, "hidden as of layer {k}");
            assert_eq!(t.figs[0].live_size, live, "live as of layer {k}");
        }
    }
}

#[test]
fn edge_cases_show_ghosts_where_the_bytes_were() {
    let mut m = Model::loaded("edge", (100, 30), edge_cases());
    keys(&mut m, "e");
    let all = rows(&m);
    for p in [
        "/a", "~/a", "~/a/x", "~/a/y", "/b", "~/d/k", "/d/new", "/same", "~/same", "~/h1",
    ] {
        assert!(all.contains(&p.to_string()), "{p} in {all:?}");
    }
    // Under the live directory a, its old files; the old file a has no kids.
    let a_live = all.iter().position(|p| p == "/a").unwrap();
    assert!(all[a_live + 1].starts_with("~/a/"), "{all:?}");
    keys(&mut m, "f");
    let hidden: Vec<String> = m
        .explorer()
        .unwrap()
        .a
        .hidden
        .iter()
        .map(|h| format!("~{}", h.path))
        .collect();
    assert_eq!(sorted(leaves(&m)), sorted(hidden));

    // As of layer 2 the file a is live and the old directory is a ghost
    // holding x and y.
    keys(&mut m, "fffff"); // back to all
    assert_eq!(m.explorer().unwrap().filter, Filter::All);
    keys(&mut m, "[e");
    let all = rows(&m);
    let ghost_a = all.iter().position(|p| p == "~/a").unwrap();
    assert_eq!(all[ghost_a + 1], "~/a/y", "the bigger first");
    assert!(all.contains(&"/a".to_string()));
    assert!(
        all.contains(&"~/h1".to_string()),
        "h1 removed here (D), bytes live on in h2"
    );
    let e = m.explorer().unwrap();
    let h1 = e.a.overlay.lookup(b"h1").unwrap();
    assert_eq!(e.tree.size(&e.a.overlay, h1, true), 0);
    assert_eq!(e.tree.row_flags(h1, true).0 & flag::REMOVED, flag::REMOVED);
}

/// The details of the row `/path` (`~/path`: its ghost row), every row open.
fn details(m: &Model, want: &str) -> NodeDetails {
    let e = m.explorer().unwrap();
    let i = rows(m)
        .iter()
        .position(|p| p == want)
        .unwrap_or_else(|| panic!("no row {want}"));
    details_of(e, e.rows[i])
}

/// A touch as the screen numbers layers (L1 is the bottom).
fn touch(layer: usize, kind: EntryKind, bytes: Option<u64>, gone: Option<(Cause, usize)>) -> Touch {
    Touch {
        layer: LayerIndex::from_number(layer),
        kind,
        bytes,
        implied: false,
        gone: gone.map(|(cause, n)| (cause, LayerIndex::from_number(n))),
    }
}

/// A file of the fixture: mode 0644, owner 0:0 (LayerTar's headers).
fn file_meta() -> Option<EntryMeta> {
    Some(EntryMeta {
        kind: EntryKind::File,
        mode: 0o644,
        uid: 0,
        gid: 0,
        link: None,
    })
}

#[test]
fn node_details_of_a_removed_file() {
    // opt/model/weights.bin: 8000 bytes added by L3, whose directory L4's
    // whiteout of opt/model removed.
    let mut m = model();
    keys(&mut m, "e");
    let d = details(&m, "~/opt/model/weights.bin");
    assert_eq!(d.path, "/opt/model/weights.bin");
    let s = d.shown.expect("a version");
    assert_eq!((s.kind, s.size, s.ghost), (EntryKind::File, 8000, true));
    assert_eq!(s.entry, file_meta());
    let h = s.hidden.expect("hidden bytes");
    assert_eq!(
        (h.bytes, h.cause, h.by.number(), h.added_by.number()),
        (8000, Cause::Removed, 4, 3)
    );
    assert!(h
        .by_step
        .unwrap()
        .starts_with("RUN rm -rf /var/lib/apt/lists/*"));
    assert!(h
        .added_step
        .unwrap()
        .starts_with("RUN pip install requests"));
    assert_eq!(s.cache, None);
    let hash = s.hash.expect("a content hash");
    assert!(hash.len() == 32 && hash.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(
        d.history,
        [touch(
            3,
            EntryKind::File,
            Some(8000),
            Some((Cause::Removed, 4))
        )]
    );
}

#[test]
fn node_details_of_an_overwritten_file_and_its_successor() {
    // var/lib/dpkg/status: 100 bytes in L3, rewritten with 120 by L4.
    let mut m = model();
    keys(&mut m, "e");
    let live = details(&m, "/var/lib/dpkg/status");
    let s = live.shown.clone().unwrap();
    assert_eq!((s.size, s.ghost, s.hidden), (120, false, None));
    let history = [
        touch(3, EntryKind::File, Some(100), Some((Cause::Overwritten, 4))),
        touch(4, EntryKind::File, Some(120), None),
    ];
    assert_eq!(live.history, history);

    let ghost = details(&m, "~/var/lib/dpkg/status");
    let s = ghost.shown.unwrap();
    assert_eq!((s.size, s.ghost), (100, true));
    let h = s.hidden.unwrap();
    assert_eq!(
        (h.bytes, h.cause, h.by.number(), h.added_by.number()),
        (100, Cause::Overwritten, 4, 3)
    );
    assert_eq!(ghost.history, history, "one path, one history");
}

#[test]
fn node_details_of_cache_symlink_duplicate_and_implied_directory() {
    let mut m = model();
    keys(&mut m, "e");
    // A live pip cache file (2000 bytes from L3).
    let s = details(&m, "/root/.cache/pip/http/x").shown.unwrap();
    assert_eq!((s.size, s.hidden.is_none()), (2000, true));
    let c = s.cache.unwrap();
    assert_eq!(c.rule, "pip");
    assert!(c.remedy.contains("--no-cache-dir"), "{}", c.remedy);

    // The symlink bin/ls -> busybox: no content, so no size or hash.
    let d = details(&m, "/bin/ls");
    let s = d.shown.unwrap();
    assert_eq!((s.kind, s.size, s.hash), (EntryKind::Symlink, 0, None));
    assert_eq!(s.entry.unwrap().link.as_deref(), Some(&b"busybox"[..]));
    assert_eq!(d.history, [touch(1, EntryKind::Symlink, None, None)]);

    // copy.py (L4) is a byte-for-byte copy of mod.py (L3): one hash.
    let copy = details(&m, "/usr/lib/py/copy.py").shown.unwrap();
    let orig = details(&m, "/usr/lib/py/mod.py").shown.unwrap();
    assert_eq!((copy.size, orig.size), (400, 400));
    assert_eq!(copy.hash, orig.hash);
    assert_ne!(copy.hash, details(&m, "/etc/passwd").shown.unwrap().hash);

    // usr has no entry: L1 implies it (usr/lib/libc.so); it holds 3000 +
    // 400 + 400 bytes as of L4.
    let d = details(&m, "/usr");
    let s = d.shown.unwrap();
    assert_eq!(
        (s.kind, s.size, s.entry, s.hash),
        (EntryKind::Dir, 3800, None, None)
    );
    assert_eq!(d.history[0].layer.number(), 1);
    assert!(d.history[0].implied);
}

#[test]
fn the_details_pane_shows_the_selected_row() {
    let m = model();
    let e = m.explorer().unwrap();
    let d = layerscope_tui::node_details(e).unwrap();
    assert_eq!(d.path, "/opt/model/weights.bin", "the start selection");
}
