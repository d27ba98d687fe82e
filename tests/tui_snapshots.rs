//! Whole-screen snapshots of the explorer on ratatui's TestBackend, at
//! 80x24 (the smallest comfortable size) and 160x48. Styles are not in the
//! text: the marker letters (A M D H ~) and the `>` cursor carry the
//! meaning on a terminal without colour too.

use crate::support::tui_image;

use layerscope_core::analysis::{Analysis, CacheRules};
use layerscope_tui::{update, view, Model, Msg};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use ratatui::Terminal;
use tui_image::{image, LayerTar};

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

fn model(w: u16, h: u16) -> Model {
    Model::loaded("arg", (w, h), tui_image::analysis())
}

fn keys(m: &mut Model, keys: &str) {
    for c in keys.chars() {
        update(m, Msg::char(c));
    }
}

#[test]
fn main_80x24() {
    insta::assert_snapshot!("tui_main_80x24", screen(&model(80, 24)));
}

#[test]
fn main_160x48() {
    insta::assert_snapshot!("tui_main_160x48", screen(&model(160, 48)));
}

#[test]
fn help_80x24() {
    let mut m = model(80, 24);
    keys(&mut m, "?");
    insta::assert_snapshot!("tui_help_80x24", screen(&m));
}

#[test]
fn layer_only_80x24() {
    // Layer 4's own changes: what it removed (D), overwrote (~), added (A)
    // and modified (M).
    let mut m = model(80, 24);
    keys(&mut m, "ae");
    insta::assert_snapshot!("tui_layer4_changes_80x24", screen(&m));
}

#[test]
fn hidden_filter_160x48() {
    let mut m = model(160, 48);
    keys(&mut m, "f");
    insta::assert_snapshot!("tui_filter_hidden_160x48", screen(&m));
}

#[test]
fn waste_pane_160x48() {
    // The waste pane focused on the cache rule: the details say the remedy.
    let mut m = model(160, 48);
    update(&mut m, Msg::key(KeyCode::Tab));
    keys(&mut m, "jjjjjjj");
    insta::assert_snapshot!("tui_waste_cache_160x48", screen(&m));
}

#[test]
fn jumped_from_waste_80x24() {
    let mut m = model(80, 24);
    update(&mut m, Msg::key(KeyCode::Tab));
    keys(&mut m, "j");
    update(&mut m, Msg::key(KeyCode::Enter));
    insta::assert_snapshot!("tui_jump_80x24", screen(&m));
}

#[test]
fn search_80x24() {
    let mut m = model(80, 24);
    keys(&mut m, "c/status");
    insta::assert_snapshot!("tui_search_80x24", screen(&m));
}

#[test]
fn loading_80x24() {
    let mut m = Model::new("images/app.tar", (80, 24));
    update(
        &mut m,
        Msg::Progress(layerscope_tui::Progress {
            total_bytes: Some(120_000_000),
            bytes: 45_000_000,
            layers_done: 3,
            layers_total: Some(12),
            layers: vec![
                layerscope_tui::LoadedLayer {
                    label: "layer 2 (sha256:9f86d081884c…)".into(),
                    size_bytes: 31_000_000,
                    entries: 1_204,
                },
                layerscope_tui::LoadedLayer {
                    label: "layer 1 (sha256:\x1b[31m…)".into(),
                    size_bytes: 80_500_000,
                    entries: 5_310,
                },
            ],
        }),
    );
    insta::assert_snapshot!("tui_loading_80x24", screen(&m));
}

#[test]
fn type_change_and_hardlink_80x24() {
    // As of layer 2: the file a replaced the directory a (whose files are
    // ghosts under the ghost directory), h1 was removed but its bytes live
    // on in h2, `same` was overwritten in its own layer.
    let mut m = Model::loaded("edge", (80, 24), tui_image::edge_cases());
    keys(&mut m, "[eg");
    insta::assert_snapshot!("tui_edge_layer2_80x24", screen(&m));
}

#[test]
fn too_small_says_so() {
    let m = model(50, 12);
    let s = screen(&m);
    assert!(s.contains("Terminal too small (50x12)"), "{s}");
    assert!(!s.contains("Layers"));
}

/// Names and build steps come from the image: escape sequences in them are
/// shown escaped, never sent to the terminal.
#[test]
fn control_characters_render_escaped() {
    let mut m = model(80, 24);
    keys(&mut m, "cG"); // the evil name is the smallest top-level row
    let s = screen(&m);
    assert!(s.contains(r"evil\x1b[31mname"), "{s}");
    assert!(
        s.contains(r"/evil\x1b[31mname"),
        "the details line too: {s}"
    );
    assert!(!s.contains('\x1b'));

    let l1 = LayerTar::new()
        .file("ok", 10, 1)
        .file("a\x07b\x1b]0;pwned\x07", 5, 2)
        .scan();
    let img = image(vec![(l1, "/bin/sh -c echo \x1b[2J\x1b]0;title\x07 done")]);
    let mut m = Model::loaded(
        "x\x1b[1mtitle",
        (80, 24),
        Analysis::new(img, CacheRules::builtin()),
    );
    keys(&mut m, "G");
    let s = screen(&m);
    for cell in s.chars() {
        assert!(
            !cell.is_control() || cell == '\n',
            "raw control {cell:?} in\n{s}"
        );
    }
    assert!(s.contains(r"a\x07b\x1b]0;pwned\x07"), "{s}");
    assert!(s.contains(r"RUN echo \x1b[2J\x1b]0;title"), "{s}");
}

#[test]
fn a_long_image_name_keeps_its_end_and_the_totals_fit() {
    let mut a = tui_image::analysis();
    a.image.info.reference =
        Some("registry.example.com/team/project/service-name:2024.11.24-abcdef".into());
    let m = Model::loaded("arg", (80, 24), a);
    let s = screen(&m);
    let status = s.lines().nth(22).unwrap();
    assert!(status.starts_with(" …"), "{status}");
    assert!(status.contains("-abcdef  size 52.7 kB"), "{status}");
    assert!(
        status.contains("wasted 13.5 kB 45.0% eff 55.0%"),
        "{status}"
    );
}
