use super::*;
use layerscope_core::analysis::Totals;
use layerscope_core::diff::{compare, SideLayer};
use layerscope_core::layer::ContentHash;

fn fact(path: &str, kind: FileKind, bytes: u64, hash: u8) -> FileFact {
    FileFact {
        path: path.as_bytes().to_vec(),
        kind,
        bytes,
        hash: (kind == FileKind::File).then_some(ContentHash([hash; 16])),
        meta: Some((0o644, 0, 0)),
        link: None,
        layer: LayerIndex::new(0),
    }
}

fn side(files: Vec<FileFact>) -> Side {
    Side {
        reference: None,
        source: "file".into(),
        totals: Totals::default(),
        layers: vec![SideLayer {
            diff_id: "a".into(),
            created_by: Some("/bin/sh -c #(nop) COPY . /".into()),
            size_bytes: 0,
        }],
        cache: Vec::new(),
        findings: Vec::new(),
        files: Some(files),
        packages: None,
    }
}

/// OLD: /a/x (10), /a/y (5), /b/z (3); NEW: /a/x (30), /b/z (3), /c (7).
fn model() -> CompareModel {
    use FileKind::*;
    let old = side(vec![
        fact("a", Dir, 0, 0),
        fact("a/x", File, 10, 1),
        fact("a/y", File, 5, 2),
        fact("b", Dir, 0, 0),
        fact("b/z", File, 3, 3),
    ]);
    let new = side(vec![
        fact("a", Dir, 0, 0),
        fact("a/x", File, 30, 4),
        fact("b", Dir, 0, 0),
        fact("b/z", File, 3, 3),
        fact("c", File, 7, 5),
    ]);
    CompareModel::new(&compare(old, new), (80, 24))
}

fn names(m: &CompareModel) -> Vec<String> {
    m.rows()
        .iter()
        .map(|&i| {
            let n = &m.nodes[i];
            format!("{}{} {}", n.change.marker(), n.path, n.delta)
        })
        .collect()
}

#[test]
fn the_tree_carries_the_deltas_and_removed_paths() {
    let mut m = model();
    assert_eq!(names(&m), vec![" /a 15", " /b 0", "A/c 7"]);
    compare_update(&mut m, CompareMsg::char('l')); // expand /a
    assert_eq!(
        names(&m),
        vec![" /a 15", "+/a/x 20", "D/a/y -5", " /b 0", "A/c 7"]
    );
}

#[test]
fn changed_only_hides_unchanged_paths_and_keeps_the_cursor() {
    let mut m = model();
    compare_update(&mut m, CompareMsg::char('e')); // expand every changed dir
    compare_update(&mut m, CompareMsg::key(KeyCode::End));
    assert_eq!(m.nodes[m.selected().unwrap()].path, "/c");
    compare_update(&mut m, CompareMsg::char('c'));
    assert_eq!(names(&m), vec![" /a 15", "+/a/x 20", "D/a/y -5", "A/c 7"]);
    assert_eq!(m.nodes[m.selected().unwrap()].path, "/c");
    compare_update(&mut m, CompareMsg::char('c'));
    assert!(!m.changed_only);
}

#[test]
fn enter_opens_the_details_of_both_sides_and_esc_closes_them() {
    let mut m = model();
    compare_update(&mut m, CompareMsg::char('l'));
    compare_update(&mut m, CompareMsg::char('j'));
    compare_update(&mut m, CompareMsg::key(KeyCode::Enter));
    assert!(m.details);
    let n = &m.nodes[m.selected().unwrap()];
    assert_eq!(n.old.as_ref().unwrap().bytes, 10);
    assert_eq!(n.new.as_ref().unwrap().bytes, 30);
    compare_update(&mut m, CompareMsg::char('j')); // ignored while open
    assert_eq!(m.nodes[m.selected().unwrap()].path, "/a/x");
    compare_update(&mut m, CompareMsg::key(KeyCode::Esc));
    assert!(!m.details && !m.quit);
    compare_update(&mut m, CompareMsg::char('h')); // to the parent
    assert_eq!(m.nodes[m.selected().unwrap()].path, "/a");
    compare_update(&mut m, CompareMsg::char('q'));
    assert!(m.quit);
}
