//! Each whiteout / replacement rule of waste-model.md, on tars built in code.
//! Expected figures are worked out by hand in each test.

use crate::support::layers;

use layers::LayerTar;
use layerscope_core::layer::Changeset;
use layerscope_core::overlay::{Cause, NoteKind, Overlay};
use layerscope_core::LayerIndex;

/// (path, bytes, cause, added_by, hidden_by) of every hidden inode, layers
/// by number, sorted by path.
fn hidden(layers: &[Changeset]) -> Vec<(String, u64, Cause, u32, u32)> {
    let o = Overlay::build(layers);
    let mut out: Vec<_> = o
        .inodes
        .iter()
        .filter_map(|i| {
            let g = i.gone?;
            let path = &layers[i.layer.index()].entries[i.entry.index()].path;
            Some((
                String::from_utf8_lossy(path).into_owned(),
                i.size,
                g.cause,
                i.layer.number() as u32,
                g.layer.number() as u32,
            ))
        })
        .collect();
    out.sort();
    out
}

/// Paths visible in the final filesystem that are regular files, with size.
fn live_files(layers: &[Changeset]) -> Vec<(String, u64)> {
    let o = Overlay::build(layers);
    let mut out: Vec<_> = o
        .versions
        .iter()
        .filter(|v| v.gone.is_none())
        .filter_map(|v| {
            Some((
                String::from_utf8_lossy(&o.path(v.node)).into_owned(),
                o.inode(v.inode?).size,
            ))
        })
        .collect();
    out.sort();
    out
}

use Cause::{Overwritten, Removed};

fn h(p: &str, b: u64, c: Cause, a: u32, by: u32) -> (String, u64, Cause, u32, u32) {
    (p.to_string(), b, c, a, by)
}

#[test]
fn file_whiteout_hides_the_file() {
    let l1 = LayerTar::new()
        .dir("etc")
        .file("etc/a", 100, 1)
        .file("etc/b", 7, 2)
        .scan();
    let l2 = LayerTar::new().whiteout("etc/a").scan();
    assert_eq!(
        hidden(&[l1.clone(), l2.clone()]),
        vec![h("etc/a", 100, Removed, 1, 2)]
    );
    assert_eq!(live_files(&[l1, l2]), vec![("etc/b".into(), 7)]);
}

#[test]
fn directory_whiteout_hides_a_deep_tree() {
    let l1 = LayerTar::new()
        .file("d/x", 10, 1)
        .file("d/e/y", 20, 2)
        .file("d/e/f/g/z", 30, 3)
        .file("keep", 5, 4)
        .scan();
    let l2 = LayerTar::new().whiteout("d").scan();
    assert_eq!(
        hidden(&[l1.clone(), l2.clone()]),
        vec![
            h("d/e/f/g/z", 30, Removed, 1, 2),
            h("d/e/y", 20, Removed, 1, 2),
            h("d/x", 10, Removed, 1, 2),
        ]
    );
    assert_eq!(live_files(&[l1, l2]), vec![("keep".into(), 5)]);
}

#[test]
fn opaque_whiteout_keeps_same_layer_children_wherever_the_marker_stands() {
    let l1 = LayerTar::new()
        .file("d/old1", 11, 1)
        .file("d/sub/old2", 22, 2)
        .scan();
    // Marker after the new child in tar order: the new child still stays.
    let l2 = LayerTar::new().file("d/new", 33, 3).opaque("d").scan();
    assert_eq!(
        hidden(&[l1.clone(), l2.clone()]),
        vec![
            h("d/old1", 11, Removed, 1, 2),
            h("d/sub/old2", 22, Removed, 1, 2)
        ]
    );
    assert_eq!(live_files(&[l1, l2]), vec![("d/new".into(), 33)]);
}

#[test]
fn opaque_whiteout_at_the_root() {
    let l1 = LayerTar::new().file("a", 1, 1).file("b/c", 2, 2).scan();
    let l2 = LayerTar::new().opaque("").file("z", 3, 3).scan();
    assert_eq!(
        hidden(&[l1.clone(), l2.clone()]),
        vec![h("a", 1, Removed, 1, 2), h("b/c", 2, Removed, 1, 2)]
    );
    assert_eq!(live_files(&[l1, l2]), vec![("z".into(), 3)]);
}

#[test]
fn file_over_directory_removes_the_subtree() {
    let l1 = LayerTar::new()
        .file("p/q", 40, 1)
        .file("p/r/s", 50, 2)
        .scan();
    let l2 = LayerTar::new().file("p", 60, 3).scan();
    assert_eq!(
        hidden(&[l1.clone(), l2.clone()]),
        vec![h("p/q", 40, Removed, 1, 2), h("p/r/s", 50, Removed, 1, 2)]
    );
    assert_eq!(live_files(&[l1, l2]), vec![("p".into(), 60)]);
}

/// Within one layer, a path's ancestor replaced by a file and then implied
/// again by a later entry below it: each later entry still turns its
/// ancestors back into directories (the overlay reuses the nodes of the
/// previous entry's path, never the check that they are directories now).
#[test]
fn ancestors_replaced_and_implied_again_in_one_layer() {
    let l1 = LayerTar::new()
        .file("p/r/s", 50, 1)
        // The directory p gives way to a file: s goes.
        .file("p", 60, 2)
        // p/r/t implies the directories p and p/r again: the file p goes.
        .file("p/r/t", 70, 3)
        // A prefix of the previous path, now a file: t goes.
        .file("p/r", 80, 4)
        // Implied again below it: the file p/r goes.
        .file("p/r/u", 90, 5)
        .scan();
    assert_eq!(
        hidden(std::slice::from_ref(&l1)),
        vec![
            h("p", 60, Removed, 1, 1),
            h("p/r", 80, Removed, 1, 1),
            h("p/r/s", 50, Removed, 1, 1),
            h("p/r/t", 70, Removed, 1, 1),
        ]
    );
    assert_eq!(live_files(&[l1]), vec![("p/r/u".into(), 90)]);
}

#[test]
fn directory_over_file_removes_the_file() {
    let l1 = LayerTar::new().file("p", 60, 1).scan();
    let l2 = LayerTar::new().dir("p").file("p/q", 4, 2).scan();
    assert_eq!(
        hidden(&[l1.clone(), l2.clone()]),
        vec![h("p", 60, Removed, 1, 2)]
    );
    assert_eq!(live_files(&[l1, l2]), vec![("p/q".into(), 4)]);
}

#[test]
fn implied_parent_over_file_removes_the_file() {
    // No directory entry for "p" in layer 2: the entry p/q implies it.
    let l1 = LayerTar::new().file("p", 60, 1).scan();
    let l2 = LayerTar::new().file("p/q", 4, 2).scan();
    assert_eq!(
        hidden(&[l1.clone(), l2.clone()]),
        vec![h("p", 60, Removed, 1, 2)]
    );
    assert_eq!(live_files(&[l1, l2]), vec![("p/q".into(), 4)]);
}

#[test]
fn symlink_over_directory_removes_the_subtree() {
    let l1 = LayerTar::new()
        .file("lib/a.so", 70, 1)
        .file("lib/x/b.so", 80, 2)
        .scan();
    let l2 = LayerTar::new().symlink("lib", "usr/lib").scan();
    assert_eq!(
        hidden(&[l1.clone(), l2.clone()]),
        vec![
            h("lib/a.so", 70, Removed, 1, 2),
            h("lib/x/b.so", 80, Removed, 1, 2)
        ]
    );
    assert_eq!(live_files(&[l1, l2]), vec![]);
}

#[test]
fn symlink_over_file_is_a_removal() {
    let l1 = LayerTar::new().file("bin/sh", 90, 1).scan();
    let l2 = LayerTar::new().symlink("bin/sh", "busybox").scan();
    assert_eq!(hidden(&[l1, l2]), vec![h("bin/sh", 90, Removed, 1, 2)]);
}

#[test]
fn regular_file_over_file_is_an_overwrite() {
    let l1 = LayerTar::new().file("etc/conf", 100, 1).scan();
    let l2 = LayerTar::new().file("etc/conf", 120, 2).scan();
    assert_eq!(
        hidden(&[l1.clone(), l2.clone()]),
        vec![h("etc/conf", 100, Overwritten, 1, 2)]
    );
    assert_eq!(live_files(&[l1, l2]), vec![("etc/conf".into(), 120)]);
}

#[test]
fn overwriting_one_hardlink_name_hides_nothing() {
    let l1 = LayerTar::new().file("a", 500, 1).hardlink("b", "a").scan();
    let l2 = LayerTar::new().file("a", 10, 2).scan();
    assert_eq!(hidden(&[l1.clone(), l2.clone()]), vec![]);
    assert_eq!(
        live_files(&[l1, l2]),
        vec![("a".into(), 10), ("b".into(), 500)]
    );
}

#[test]
fn whiting_out_every_hardlink_name_hides_the_bytes_once() {
    let l1 = LayerTar::new()
        .file("a", 500, 1)
        .hardlink("b", "a")
        .hardlink("c/d", "a")
        .scan();
    let l2 = LayerTar::new().whiteout("a").whiteout("c").scan();
    // Still visible through "b".
    assert_eq!(hidden(&[l1.clone(), l2.clone()]), vec![]);
    let l3 = LayerTar::new().file("b", 1, 3).scan();
    // The last name went by an overwrite in layer 3; 500 bytes, once.
    assert_eq!(
        hidden(&[l1.clone(), l2.clone(), l3.clone()]),
        vec![h("a", 500, Overwritten, 1, 3)]
    );
    let o = Overlay::build([&l1, &l2, &l3]);
    let hidden_bytes: u64 = o
        .inodes
        .iter()
        .filter(|i| !i.is_live())
        .map(|i| i.size)
        .sum();
    assert_eq!(hidden_bytes, 500);
}

#[test]
fn re_adding_a_path_after_a_whiteout_is_a_new_live_file() {
    let l1 = LayerTar::new().file("f", 30, 1).scan();
    let l2 = LayerTar::new().whiteout("f").scan();
    let l3 = LayerTar::new().file("f", 31, 2).scan();
    assert_eq!(
        hidden(&[l1.clone(), l2.clone(), l3.clone()]),
        vec![h("f", 30, Removed, 1, 2)]
    );
    assert_eq!(live_files(&[l1, l2, l3]), vec![("f".into(), 31)]);
}

#[test]
fn whiteout_of_something_that_never_existed_hides_nothing() {
    let l1 = LayerTar::new().file("a", 3, 1).scan();
    let l2 = LayerTar::new()
        .whiteout("ghost")
        .whiteout("nodir/ghost")
        .scan();
    assert_eq!(hidden(&[l1.clone(), l2.clone()]), vec![]);
    assert_eq!(live_files(&[l1, l2]), vec![("a".into(), 3)]);
}

#[test]
fn dot_slash_prefixed_and_duplicate_entries_last_one_wins() {
    let l1 = LayerTar::new()
        .dir("./")
        .file("./etc/x", 10, 1)
        .file("etc/x", 20, 2)
        .raw_file(b"/etc//x", &layers::content(30, 3))
        .scan();
    assert_eq!(
        hidden(std::slice::from_ref(&l1)),
        vec![
            h("etc/x", 10, Overwritten, 1, 1),
            h("etc/x", 20, Overwritten, 1, 1)
        ]
    );
    assert_eq!(live_files(&[l1]), vec![("etc/x".into(), 30)]);
}

#[test]
fn whiteout_and_entry_in_one_layer_keeps_the_entry_and_notes_it() {
    let l1 = LayerTar::new().file("f", 8, 1).scan();
    let l2 = LayerTar::new().file("f", 9, 2).whiteout("f").scan();
    assert_eq!(
        hidden(&[l1.clone(), l2.clone()]),
        vec![h("f", 8, Removed, 1, 2)]
    );
    assert_eq!(live_files(&[l1.clone(), l2.clone()]), vec![("f".into(), 9)]);
    let o = Overlay::build([&l1, &l2]);
    assert_eq!(o.notes.len(), 1);
    assert_eq!(o.notes[0].kind, NoteKind::WhiteoutAndEntry);
    assert_eq!(o.notes[0].layer, LayerIndex::new(1));
}

#[test]
fn dotdot_is_a_name_and_a_note() {
    let l1 = LayerTar::new().file("a/x", 1, 1).scan();
    let l2 = LayerTar::new().raw_file(b"a/../x", b"hi").scan();
    assert_eq!(&*l2.entries[0].path, b"a/../x");
    // Never resolved: a/x stays live, "a/../x" is its own file.
    assert_eq!(
        live_files(&[l1.clone(), l2.clone()]),
        vec![("a/../x".into(), 2), ("a/x".into(), 1)]
    );
    let o = Overlay::build([&l1, &l2]);
    assert_eq!(o.notes[0].kind, NoteKind::DotDot);
}

#[test]
fn hardlink_to_a_missing_target_carries_no_bytes() {
    let l1 = LayerTar::new().hardlink("b", "nowhere").scan();
    let o = Overlay::build([&l1]);
    assert_eq!(o.inodes.len(), 0);
    assert_eq!(o.notes[0].kind, NoteKind::HardlinkMissingTarget);
}

#[test]
fn state_as_of_each_layer_is_readable_back() {
    let l1 = LayerTar::new().file("f", 1, 1).scan();
    let l2 = LayerTar::new().whiteout("f").scan();
    let o = Overlay::build([&l1, &l2]);
    let node = o.lookup(b"f").unwrap();
    assert!(o.visible_version_at(node, LayerIndex::new(0)).is_some());
    assert!(o.visible_version_at(node, LayerIndex::new(1)).is_none());
}
