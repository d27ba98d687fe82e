//! The explorer's whole-tree keystrokes on their fast paths (issue 13): the
//! layer switch's node-by-node figures on threads against the one-pass
//! reference over the versions, and the search's automaton over the tree's
//! shape against a scan of every row's path; images built in code.

use crate::support::layers::{image, LayerTar};
use crate::support::tui_image;

use layerscope_core::analysis::{Analysis, CacheRules};
use layerscope_core::LayerIndex;
use layerscope_tui::tree::{Filter, Mode, Sort, Tree};
use layerscope_tui::{update, Model, Msg};
use ratatui::crossterm::event::KeyCode;

/// Hardlinks within a layer and to a lower layer's file, then each name
/// removed in turn.
fn hardlinks() -> Analysis {
    let l1 = LayerTar::new()
        .dir("a")
        .file("a/h1", 300, 1)
        .dir("b")
        .hardlink("b/h2", "a/h1")
        .file("c/x", 10, 2)
        .scan();
    let l2 = LayerTar::new()
        .whiteout("a/h1")
        .hardlink("d/h3", "b/h2")
        .scan();
    let l3 = LayerTar::new().whiteout("b/h2").whiteout("d/h3").scan();
    Analysis::new(
        image(vec![(l1, "ADD base"), (l2, "RUN link"), (l3, "RUN rm")]),
        CacheRules::builtin(),
    )
}

/// Names where a match crosses a `/`, repeats itself, or differs in case;
/// a path longer than a byte automaton's needle can be.
fn names() -> Analysis {
    let long = format!("long/{}/{}/f", "a".repeat(150), "b".repeat(150));
    let l1 = LayerTar::new()
        .file("abab/ab/aab", 5, 1)
        .file("x/AbA/b", 6, 2)
        .file("x/aba/bab/ab", 7, 3)
        .file("q/a/a/a", 8, 4)
        .file(&long, 9, 5)
        .file("ab", 10, 6)
        .file("b/a", 11, 7)
        .scan();
    let l2 = LayerTar::new()
        .whiteout("x/aba")
        .file("q/a/a/b", 12, 8)
        .file("ABAB/Ab/AaB", 13, 9)
        .scan();
    Analysis::new(
        image(vec![(l1, "ADD base"), (l2, "RUN change")]),
        CacheRules::builtin(),
    )
}

fn node(a: &Analysis, path: &str) -> layerscope_core::overlay::NodeId {
    a.overlay.lookup(path.as_bytes()).expect(path)
}

#[test]
fn hardlinked_bytes_count_at_the_first_visible_name() {
    // Worked by hand: h1, h2 and h3 are one 300-byte inode; c/x is 10.
    let a = hardlinks();
    let at = |k: usize, mode| Tree::compute(&a, LayerIndex::from_index(k), mode);
    let live = |t: &Tree, p: &str| t.figs[node(&a, p).index()].live_size;
    let ghost = |t: &Tree, p: &str| t.figs[node(&a, p).index()].ghost_size;
    // Layer 1: a/h1 comes first.
    let t = at(0, Mode::Aggregate);
    assert_eq!((live(&t, "a"), live(&t, "b"), live(&t, "")), (300, 0, 310));
    // Layer 2: a/h1 gone, b/h2 (layer 1) before d/h3 (layer 2).
    let t = at(1, Mode::Aggregate);
    assert_eq!((live(&t, "b"), live(&t, "d"), live(&t, "")), (300, 0, 310));
    assert_eq!(ghost(&t, ""), 0, "the inode is still live");
    // What layer 2 put: d/h3 is its first name of the inode.
    let t = at(1, Mode::LayerOnly);
    assert_eq!((live(&t, "d"), live(&t, "")), (300, 300));
    // Layer 3: every name gone, the bytes hidden where a/h1 put them.
    let t = at(2, Mode::Aggregate);
    assert_eq!(
        (live(&t, ""), ghost(&t, "a"), ghost(&t, "")),
        (10, 300, 300)
    );
    assert_eq!((ghost(&t, "b"), ghost(&t, "d")), (0, 0));
}

#[test]
fn layer_figures_node_by_node_match_the_pass_over_versions() {
    for a in [
        tui_image::analysis(),
        tui_image::edge_cases(),
        hardlinks(),
        names(),
    ] {
        let o = &a.overlay;
        // Every other inode marked (the Packages pane's filter).
        let marked: Vec<bool> = (0..o.inodes.len()).map(|i| i % 2 == 0).collect();
        let steps: Vec<(usize, Mode)> = (0..a.layers.len())
            .rev()
            .chain(0..a.layers.len())
            .flat_map(|k| [(k, Mode::Aggregate), (k, Mode::LayerOnly)])
            .collect();
        for threads in [1, 2, 3, 4] {
            for marks in [&[][..], &marked[..]] {
                // One tree recomputed in place from step to step, as the
                // explorer does.
                let mut t = Tree::compute(&a, LayerIndex::from_index(0), Mode::Aggregate);
                for &(k, mode) in &steps {
                    let k = LayerIndex::from_index(k);
                    t.recompute_on(&a, k, mode, marks, threads);
                    let want = Tree::compute_reference(&a, k, mode, marks);
                    assert_eq!((t.k, t.mode), (k, mode));
                    assert_eq!(t.figs.len(), want.figs.len());
                    for (n, (got, want)) in t.figs.iter().zip(&want.figs).enumerate() {
                        assert_eq!(
                            got,
                            want,
                            "node {} layer {k} {mode:?} {threads} threads, marked {}",
                            String::from_utf8_lossy(
                                &o.path(layerscope_core::overlay::NodeId::new(n))
                            ),
                            !marks.is_empty()
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn search_automaton_counts_what_a_scan_of_every_row_finds() {
    let long_needle = format!("/long/{}/{}/f", "a".repeat(150), "b".repeat(150));
    let mid_needle = format!("{}/{}", "a".repeat(120), "b".repeat(100));
    for a in [names(), tui_image::analysis(), tui_image::edge_cases()] {
        let o = &a.overlay;
        for k in 0..a.layers.len() {
            for mode in [Mode::Aggregate, Mode::LayerOnly] {
                let t = Tree::compute(&a, LayerIndex::from_index(k), mode);
                for (sort, filter) in [
                    (Sort::Size, Filter::All),
                    (Sort::Name, Filter::All),
                    (Sort::Name, Filter::Hidden),
                    (Sort::Size, Filter::Removed),
                    (Sort::Name, Filter::Added),
                ] {
                    let order = t.flatten(o, None, sort, filter);
                    let shape = t.search_shape(o, filter);
                    let mut prev = None;
                    for q in [
                        "a",
                        "ab",
                        "aab",
                        "ab/a",
                        "/a",
                        "b/",
                        "abab",
                        "bab/ab",
                        "a/a/a",
                        "a/a/b",
                        "aba/b",
                        "/ab",
                        "zz",
                        "/",
                        "h",
                        "x",
                        mid_needle.as_str(),
                        long_needle.as_str(),
                        "ab",
                        // The sample image's own paths.
                        "ap",
                        "/var",
                        "/var/lib/d",
                        "s",
                        "status",
                        "pip/",
                    ] {
                        let want = t.search(o, &order, q.as_bytes());
                        // The buffers of the previous query's results are
                        // reused, as the explorer does.
                        let hits = shape.hits(o, q.as_bytes(), prev.take());
                        let kmp = t.search_hits_kmp(o, q.as_bytes(), filter);
                        let ctx = format!("layer {k} {mode:?} {sort:?} {filter:?} {q:?}");
                        assert_eq!(hits.total, want.len(), "{ctx}");
                        assert_eq!(kmp.total, want.len(), "{ctx}");
                        for (i, &(node, ghost)) in want.iter().enumerate() {
                            assert_eq!(
                                hits.nth(&t, o, i, sort, filter),
                                Some((node, ghost)),
                                "{ctx} #{i}"
                            );
                            assert_eq!(
                                hits.rank(&t, o, node, ghost, sort, filter),
                                i,
                                "{ctx} #{i}"
                            );
                        }
                        for r in &order {
                            assert_eq!(hits.is_hit(r.node), kmp.is_hit(r.node), "{ctx}");
                        }
                        prev = Some(hits);
                    }
                }
            }
        }
    }
    // The long needle is there (the KMP fallback finds it), and so is the
    // one just under 255 bytes.
    let a = names();
    let t = Tree::compute(&a, LayerIndex::from_index(1), Mode::Aggregate);
    assert_eq!(
        t.search_hits(&a.overlay, long_needle.as_bytes(), Filter::All)
            .total,
        1
    );
    assert_eq!(
        t.search_hits(&a.overlay, mid_needle.as_bytes(), Filter::All)
            .total,
        2
    );
}

#[test]
fn typing_deleting_and_switching_give_what_a_fresh_search_gives() {
    let mut m = Model::loaded("names", (100, 30), names());
    // The rows matching `q` in the explorer's tree, by a scan of every row.
    let fresh = |m: &Model, q: &str| {
        let e = m.explorer().unwrap();
        let order = e.tree.flatten(&e.a.overlay, None, e.sort, e.filter);
        e.tree
            .search(&e.a.overlay, &order, q.to_lowercase().as_bytes())
    };
    let check = |m: &Model, q: &str, ctx: &str| {
        let want = fresh(m, q);
        let e = m.explorer().unwrap();
        assert_eq!(e.search.query, q, "{ctx}");
        let got = e.search.matches.as_ref().map_or(0, |h| h.total);
        assert_eq!(got, want.len(), "{ctx}: {q:?}");
        if !want.is_empty() {
            let r = e.selected_row().unwrap();
            assert!(want.contains(&(r.node, r.ghost)), "{ctx}: {q:?}");
        }
    };
    update(&mut m, Msg::char('/'));
    let mut q = String::new();
    // Backspaces after one key and after several, keys after a query that
    // matches nothing, the same query typed again.
    for step in [
        "a", "b", "-", "B", "/", "-", "-", "-", "/", "A", "a", "z", "z", "-", "-", "-", "b", "-",
        "-", "b", "-", "-", "/", "A",
    ] {
        if step == "-" {
            update(&mut m, Msg::key(KeyCode::Backspace));
            q.pop();
        } else {
            let c = step.chars().next().unwrap();
            update(&mut m, Msg::char(c));
            q.push(c);
        }
        if !q.is_empty() {
            check(&m, &q, &format!("after {step}"));
        }
    }
    // The query is "/A"; leave the query, then change the tree under it.
    assert_eq!(q, "/A");
    update(&mut m, Msg::key(KeyCode::Enter));
    for (key, ctx) in [
        ('[', "layer below"),
        ('a', "changes only"),
        ('f', "filter"),
        (']', "layer above"),
    ] {
        update(&mut m, Msg::char(key));
        update(&mut m, Msg::char('n'));
        check(&m, "/A", ctx);
    }
}
