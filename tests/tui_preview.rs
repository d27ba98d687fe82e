//! Progressive loading in the explorer: a preview of layers 1 to k while
//! the rest are read (`Msg::Preview`), then the final analysis (`Loaded`)
//! in its place with the view kept. Images built in code; every size below
//! is the tars' own, added up by hand.

use crate::support::tui_image::{image, sel, LayerTar};

use layerscope_core::analysis::{Analysis, CacheRules};
use layerscope_tui::{update, view, Model, Msg, Progress};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use ratatui::Terminal;

/// ```text
/// L1: app/ a.txt 100, b.bin 3000; etc/ conf 20
/// L2: app/c.log 500; app/a.txt 150 (overwrites L1's 100)
/// L3: rm app/b.bin; app/d 7; srv/x 4000
/// ```
fn layers() -> Vec<layerscope_core::layer::Changeset> {
    vec![
        LayerTar::new()
            .dir("app")
            .file("app/a.txt", 100, 1)
            .file("app/b.bin", 3000, 2)
            .dir("etc")
            .file("etc/conf", 20, 3)
            .scan(),
        LayerTar::new()
            .file("app/c.log", 500, 4)
            .file("app/a.txt", 150, 5)
            .scan(),
        LayerTar::new()
            .whiteout("app/b.bin")
            .file("app/d", 7, 6)
            .file("srv/x", 4000, 7)
            .scan(),
    ]
}

const STEPS: [&str; 3] = ["COPY base /", "RUN make", "RUN cleanup"];

/// The analysis of layers 1 to `k` as the explorer makes it, for a
/// preview (on its preview thread) and for the whole image (on its loader
/// thread): `Analysis::without_dive`.
fn analysis(k: usize) -> Box<Analysis> {
    let img = image(layers().into_iter().zip(STEPS).take(k).collect());
    Box::new(Analysis::without_dive(img, CacheRules::builtin()))
}

fn screen(m: &Model) -> Vec<String> {
    let (w, h) = m.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view(m, f)).unwrap();
    let buf = t.backend().buffer();
    (0..h)
        .map(|y| {
            let line: String = (0..w).map(|x| buf[(x, y)].symbol()).collect();
            line.trim_end().to_string()
        })
        .collect()
}

/// The tree pane's rows, as drawn (the pane is 60 columns wide here).
fn tree_rows(lines: &[String]) -> Vec<String> {
    let top = lines.iter().position(|l| l.contains("[Tree:")).unwrap();
    lines[top + 1..]
        .iter()
        .take_while(|l| l.starts_with('│'))
        .map(|l| {
            l.chars()
                .skip(1)
                .take(57)
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .take_while(|r| !r.is_empty())
        .collect()
}

fn keys(m: &mut Model, keys: &str) {
    for c in keys.chars() {
        update(m, Msg::char(c));
    }
}

fn progress(done: usize, bytes: u64) -> Progress {
    Progress {
        total_bytes: Some(1000),
        bytes,
        layers_done: done,
        layers_total: Some(3),
        layers: Vec::new(),
    }
}

#[test]
fn the_preview_shows_the_prefix_then_the_final_analysis_keeps_the_view() {
    let mut m = Model::new("img.tar", (100, 30));
    update(&mut m, Msg::Progress(progress(2, 400)));
    update(&mut m, Msg::Preview(analysis(2), 3));
    let pv = m.preview.clone().expect("a preview");
    assert_eq!((pv.layers, pv.total, pv.progress), (2, 3, progress(2, 400)));
    // The reading goes on: progress reaches the banner.
    update(&mut m, Msg::Progress(progress(2, 500)));
    let s = screen(&m);
    // Layers 1-2 only: app/ = b.bin 3000 + c.log 500 + a.txt 150 (L2's;
    // L1's 100 hidden under it), etc/ = conf 20. Opened where the waste is.
    assert_eq!(
        tree_rows(&s),
        [
            "     3.65 kB ▾ app/ +100 B hidden",
            "     3.00 kB     b.bin",
            " A     500 B     c.log",
            " M     150 B     a.txt",
            ">~     100 B     a.txt L1→L2 overwritten",
            "        20 B ▸ etc/",
        ]
    );
    assert!(s[0].starts_with("┌ Layers 2/2 "), "{}", s[0]);
    // Tar sizes: L1 7_680 (5 headers, 3 padded contents, 1_024 end), L2
    // 3_072; wasted 100 of 3_770 content bytes.
    assert_eq!(
        s[28],
        " PREVIEW 2/3  test:latest  size 10.8 kB wasted 100 B 2.7% efficiency 97.3% recoverable 100 B"
    );
    assert_eq!(
        s[29],
        " reading layer 3 of 3 (50%): showing layers 1-2; figures are provisional, duplicates incomplete"
    );

    // Browse: open etc/, then up to c.log.
    keys(&mut m, "G");
    update(&mut m, Msg::key(KeyCode::Enter));
    keys(&mut m, "kkk");
    assert_eq!(sel(&m), "/app/c.log");

    update(&mut m, Msg::Loaded(analysis(3)));
    assert_eq!(m.preview, None);
    let s = screen(&m);
    // All three layers, the top one shown (it was the preview's top); the
    // cursor on /app/c.log, etc/ still open. app/ = 500 + 150 + 7.
    assert_eq!(sel(&m), "/app/c.log");
    assert_eq!(
        tree_rows(&s),
        [
            " A   4.00 kB ▸ srv/",
            "       657 B ▾ app/ +3.10 kB hidden",
            " D   3.00 kB     b.bin L1→L3 removed",
            ">      500 B     c.log",
            "       150 B     a.txt",
            " H     100 B     a.txt L1→L2 overwritten",
            " A       7 B     d",
            "        20 B ▾ etc/",
            "        20 B     conf",
        ]
    );
    assert!(s[0].starts_with("┌ Layers 3/3 "), "{}", s[0]);
    assert_eq!(
        s[28],
        " test:latest  size 17.9 kB wasted 3.10 kB 39.9% efficiency 60.1% recoverable 3.10 kB"
    );
    assert!(!s
        .iter()
        .any(|l| l.contains("PREVIEW") || l.contains("provisional")));

    // A preview that comes late changes nothing.
    update(&mut m, Msg::Preview(analysis(2), 3));
    assert_eq!(m.preview, None);
    assert_eq!(m.explorer().unwrap().a.layers.len(), 3);
}

#[test]
fn a_lower_layer_stays_selected_and_a_longer_preview_replaces_a_shorter_one() {
    let mut m = Model::new("img.tar", (100, 30));
    update(&mut m, Msg::Preview(analysis(1), 3));
    let s = screen(&m);
    // Layer 1 alone: nothing hidden yet, app/ = 100 + 3000, all added (A)
    // by layer 1.
    assert_eq!(
        tree_rows(&s),
        [">A   3.10 kB ▸ app/", " A      20 B ▸ etc/"]
    );
    // No progress came yet: no share of bytes read.
    assert_eq!(
        s[29],
        " reading layer 2 of 3: showing layer 1; figures are provisional, duplicates incomplete"
    );
    keys(&mut m, "j");
    update(&mut m, Msg::key(KeyCode::Enter));
    update(&mut m, Msg::Preview(analysis(2), 3));
    assert_eq!(m.preview.as_ref().map(|p| p.layers), Some(2));
    // The top layer stays the top one: now layer 2; etc/ open, selected.
    let e = m.explorer().unwrap();
    assert_eq!(e.layer().number(), 2);
    assert_eq!(sel(&m), "/etc");
    // Go down to layer 1 and stay there when the rest arrives.
    keys(&mut m, "[");
    assert_eq!(m.explorer().unwrap().layer().number(), 1);
    update(&mut m, Msg::Loaded(analysis(3)));
    let e = m.explorer().unwrap();
    assert_eq!((e.a.layers.len(), e.layer().number()), (3, 1));
    assert_eq!(sel(&m), "/etc");
    assert_eq!(
        tree_rows(&screen(&m)),
        [
            " A   3.10 kB ▸ app/",
            ">A      20 B ▾ etc/",
            " A      20 B     conf",
        ]
    );
}
