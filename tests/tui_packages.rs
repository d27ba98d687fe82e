//! The Packages pane (`p`): on an image built in code with a dpkg status
//! and `.list` files. Every figure is worked out by hand from the files:
//!
//! ```text
//! L1: usr/bin/tool 1000 (a), usr/lib/libshared.so 300 (a and b),
//!     usr/lib/b.dat 2000 (b), usr/share/rec.txt 50 (rec),
//!     data/user.bin 700 (no package); status: a 1.0, b 1, rec 0.1
//! L2: usr/lib/b.dat 250 (b upgraded to 2: the old 2000 are hidden)
//! ```
//!
//! a: live 1000 + 300 = 1300 in 2 files, hidden 0;
//! b: live 300 + 250 = 550 in 2 files, hidden 2000;
//! rec: live 50 in 1 file, hidden 0.
//! By live bytes: a, b, rec (the core's own order, live + hidden, puts b
//! first: 2550 > 1300).

use crate::support::layers::{image, LayerTar};
use layerscope_core::analysis::{Analysis, CacheRules};
use layerscope_core::layer::display_path;
use layerscope_tui::node_details::details_of;
use layerscope_tui::tree::Filter;
use layerscope_tui::{update, view, Model, Msg, Pane};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use ratatui::Terminal;

const STATUS: &str = "Package: a\nStatus: install ok installed\nVersion: 1.0\n\nPackage: b\nStatus: install ok installed\nVersion: 1\n\nPackage: rec\nStatus: install ok installed\nVersion: 0.1\n";

fn analysis() -> Analysis {
    let mut l1 = LayerTar::new()
        .file("usr/bin/tool", 1000, 1)
        .file("usr/lib/libshared.so", 300, 2)
        .file("usr/lib/b.dat", 2000, 3)
        .file("usr/share/rec.txt", 50, 4)
        .file("data/user.bin", 700, 5);
    l1.file_bytes("var/lib/dpkg/status", STATUS.as_bytes());
    l1.file_bytes(
        "var/lib/dpkg/info/a.list",
        b"/usr\n/usr/bin\n/usr/bin/tool\n/usr/lib/libshared.so\n",
    );
    l1.file_bytes(
        "var/lib/dpkg/info/b.list",
        b"/usr/lib/libshared.so\n/usr/lib/b.dat\n",
    );
    l1.file_bytes("var/lib/dpkg/info/rec.list", b"/usr/share/rec.txt\n");
    let mut l2 = LayerTar::new().file("usr/lib/b.dat", 250, 7);
    l2.file_bytes(
        "var/lib/dpkg/status",
        STATUS.replace("Version: 1\n", "Version: 2\n").as_bytes(),
    );
    let img = image(vec![
        (l1.scan(), "/bin/sh -c apt-get install a rec"),
        (l2.scan(), "/bin/sh -c apt-get upgrade b"),
    ]);
    Analysis::new(img, CacheRules::builtin())
}

fn model(w: u16, h: u16) -> Model {
    Model::loaded("arg", (w, h), analysis())
}

fn press(m: &mut Model, keys: &str) {
    for c in keys.chars() {
        update(m, Msg::char(c));
    }
}

/// The Packages pane's rows as (name, version, live, hidden, files).
fn pane_rows(m: &Model) -> Vec<(String, String, u64, u64, u64)> {
    let e = m.explorer().unwrap();
    e.packages
        .iter()
        .map(|&i| {
            let p = &e.a.packages.list[i];
            (
                p.name.clone(),
                p.version.clone(),
                p.live_bytes,
                p.hidden_bytes,
                p.files,
            )
        })
        .collect()
}

/// Every tree row as `/path` (`~/path` for a ghost row).
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

fn row_packages(m: &Model, want: &str) -> Vec<String> {
    let e = m.explorer().unwrap();
    let i = rows(m)
        .iter()
        .position(|p| p == want)
        .unwrap_or_else(|| panic!("no row {want}"));
    details_of(e, e.rows[i]).packages
}

fn s(v: &str) -> String {
    v.to_string()
}

#[test]
fn lists_packages_by_live_bytes() {
    let mut m = model(80, 24);
    press(&mut m, "p");
    let e = m.explorer().unwrap();
    assert_eq!(e.focus, Pane::Packages);
    assert_eq!(
        pane_rows(&m),
        vec![
            (s("a"), s("1.0"), 1300, 0, 2),
            (s("b"), s("2"), 550, 2000, 2),
            (s("rec"), s("0.1"), 50, 0, 1),
        ]
    );
    // `p` again: back to the waste pane.
    press(&mut m, "p");
    assert_eq!(m.explorer().unwrap().focus, Pane::Waste);
}

#[test]
fn moves_and_scrolls_in_the_packages_pane() {
    let mut m = model(80, 24);
    press(&mut m, "pj");
    assert_eq!(m.explorer().unwrap().packages_list.sel, 1);
    press(&mut m, "G");
    assert_eq!(m.explorer().unwrap().packages_list.sel, 2);
    press(&mut m, "jj");
    assert_eq!(m.explorer().unwrap().packages_list.sel, 2);
    press(&mut m, "g");
    assert_eq!(m.explorer().unwrap().packages_list.sel, 0);
}

#[test]
fn enter_shows_only_the_packages_files_in_the_tree() {
    let mut m = model(80, 24);
    press(&mut m, "p");
    update(&mut m, Msg::key(KeyCode::Enter));
    let e = m.explorer().unwrap();
    assert_eq!(e.focus, Pane::Tree);
    assert_eq!(e.filter, Filter::Package);
    assert_eq!(m.message.as_deref(), Some("filter: package a 1.0"));
    // a's two files and the directories above them; /usr/lib (2550
    // shipped: b.dat's 250 + 2000 hidden, libshared's 300) before
    // /usr/bin (1000).
    assert_eq!(
        rows(&m),
        vec![
            "/usr",
            "/usr/lib",
            "/usr/lib/libshared.so",
            "/usr/bin",
            "/usr/bin/tool"
        ]
    );
    // b (second by live bytes): its live files (libshared 300 before the
    // new b.dat 250), not the hidden b.dat (the filter shows live rows).
    press(&mut m, "pj");
    update(&mut m, Msg::key(KeyCode::Enter));
    assert_eq!(
        rows(&m),
        vec![
            "/usr",
            "/usr/lib",
            "/usr/lib/libshared.so",
            "/usr/lib/b.dat"
        ]
    );
    // `f` leaves the package filter for all files.
    press(&mut m, "f");
    assert_eq!(m.explorer().unwrap().filter, Filter::All);
    assert!(rows(&m).contains(&s("/data")));
}

#[test]
fn details_name_the_owning_packages() {
    let mut m = model(80, 24);
    press(&mut m, "e");
    // Two owners, the core's order (b 2550 before a 1300).
    assert_eq!(
        row_packages(&m, "/usr/lib/libshared.so"),
        vec![s("b 2 (dpkg)"), s("a 1.0 (dpkg)")]
    );
    assert_eq!(row_packages(&m, "/usr/bin/tool"), vec![s("a 1.0 (dpkg)")]);
    assert_eq!(
        row_packages(&m, "/usr/share/rec.txt"),
        vec![s("rec 0.1 (dpkg)")]
    );
    assert!(row_packages(&m, "/data/user.bin").is_empty());
    // The hidden b.dat was b's as of the layer that added it.
    assert_eq!(row_packages(&m, "~/usr/lib/b.dat"), vec![s("b 2 (dpkg)")]);
}

fn screen(m: &Model) -> String {
    let (w, h) = m.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view(m, f)).unwrap();
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        for x in 0..w {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[test]
fn packages_pane_80x24() {
    let mut m = model(80, 24);
    press(&mut m, "p");
    insta::assert_snapshot!("tui_packages_80x24", screen(&m));
}

#[test]
fn package_filter_and_details_120x30() {
    let mut m = model(120, 30);
    press(&mut m, "p");
    update(&mut m, Msg::key(KeyCode::Enter));
    // Down to /usr/lib/libshared.so.
    press(&mut m, "jj");
    insta::assert_snapshot!("tui_packages_filter_120x30", screen(&m));
}
