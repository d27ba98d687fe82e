//! The explorer's latency per keystroke on a real image: each key goes
//! through `update` and a full `view` on a ratatui `TestBackend` (the same
//! two calls the runtime makes per key), and the slowest of each kind is
//! printed, after the time to load.
//!
//! cargo run --release --example tui_latency -- IMAGE [COLUMNS ROWS]
use std::time::{Duration, Instant};

use layerscope_core::analysis::{Analysis, CacheRules};
use layerscope_core::source::{self, Input, OpenOptions};
use layerscope_tui::{update, view, Model, Msg};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use ratatui::Terminal;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = args.get(1).expect("IMAGE");
    let w: u16 = args.get(2).map_or(160, |s| s.parse().expect("COLUMNS"));
    let h: u16 = args.get(3).map_or(48, |s| s.parse().expect("ROWS"));
    let t0 = Instant::now();
    let opts = OpenOptions::default();
    let img = source::open(&Input::from_arg(arg), &opts).expect("open");
    let t_scan = t0.elapsed();
    let n_layers = img.layers.len();

    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    let t = Instant::now();
    let a = Analysis::new(img, CacheRules::builtin());
    let t_analysis = t.elapsed();
    let t = Instant::now();
    let mut m = Model::new(arg.clone(), (w, h));
    update(&mut m, Msg::Loaded(Box::new(a)));
    term.draw(|f| view(&m, f)).expect("draw");
    let t_loaded = t.elapsed();
    println!(
        "scan {:.2}s, analysis {:.2}s ({n_layers} layers), explorer built and drawn {:.0} ms",
        t_scan.as_secs_f64(),
        t_analysis.as_secs_f64(),
        ms(t_loaded)
    );

    let mut worst: Vec<(&str, Duration, usize)> = Vec::new();
    let mut key = |m: &mut Model, kind: &'static str, msg: Msg| {
        let t = Instant::now();
        update(m, msg);
        term.draw(|f| view(m, f)).expect("draw");
        let d = t.elapsed();
        match worst.iter_mut().find(|w| w.0 == kind) {
            Some(w) => {
                w.1 = w.1.max(d);
                w.2 += 1;
            }
            None => worst.push((kind, d, 1)),
        }
    };
    let k = |c: char| Msg::char(c);
    // Moves down the tree, opening every directory met.
    for _ in 0..60 {
        key(&mut m, "move (j/k)", k('j'));
        key(&mut m, "open/close (Enter)", Msg::key(KeyCode::Enter));
    }
    for _ in 0..20 {
        key(&mut m, "move (j/k)", k('k'));
        key(&mut m, "page (PgDn/PgUp)", Msg::key(KeyCode::PageDown));
    }
    key(&mut m, "page (PgDn/PgUp)", Msg::key(KeyCode::PageUp));
    key(&mut m, "first/last (g/G)", k('G'));
    key(&mut m, "first/last (g/G)", k('g'));
    // Search: each keystroke of a query, then next/previous matches.
    for q in ["mod1", "py", "pkg3/", "zzz"] {
        key(&mut m, "search: /", k('/'));
        for c in q.chars() {
            key(&mut m, "search step (a key of the query)", k(c));
        }
        // Take the last key back and type it again.
        key(&mut m, "search: Backspace", Msg::key(KeyCode::Backspace));
        let last = q.chars().last().expect("a query");
        key(&mut m, "search step (a key of the query)", k(last));
        key(
            &mut m,
            "search step (a key of the query)",
            Msg::key(KeyCode::Enter),
        );
        for _ in 0..5 {
            key(&mut m, "next/previous match (n/N)", k('n'));
        }
        key(&mut m, "next/previous match (n/N)", k('N'));
    }
    // Layer switches, each way.
    for _ in 0..n_layers {
        key(&mut m, "layer switch ([/])", k('['));
    }
    for _ in 0..n_layers {
        key(&mut m, "layer switch ([/])", k(']'));
    }
    // Filters, the whole cycle, twice (at the top layer and the bottom one).
    for _ in 0..6 {
        key(&mut m, "filter (f)", k('f'));
    }
    key(&mut m, "layer switch ([/])", k('g'));
    for _ in 0..6 {
        key(&mut m, "filter (f)", k('f'));
    }
    key(&mut m, "sort (s)", k('s'));
    key(&mut m, "sort (s)", k('s'));
    key(&mut m, "changes only (a)", k('a'));
    key(&mut m, "changes only (a)", k('a'));
    key(&mut m, "pane (Tab)", Msg::key(KeyCode::Tab));
    key(&mut m, "pane (Tab)", Msg::key(KeyCode::Tab));
    key(&mut m, "pane (Tab)", Msg::key(KeyCode::Tab));
    for (kind, d, n) in worst {
        println!("{:<36} slowest {:7.1} ms of {n}", kind, ms(d));
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
