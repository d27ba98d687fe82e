//! The figures of waste-model.md on images built in code; every expected
//! number is worked out by hand in the comments.

use crate::support::layers;

use layers::{image, LayerTar};
use layerscope_core::analysis::{Analysis, CacheRules, Severity};
use layerscope_core::overlay::Cause;

use layers::antipatterns;

#[test]
fn antipattern_totals() {
    let a = antipatterns();
    let t = &a.totals;
    assert_eq!(t.layers, 4);
    // 1000 + (5000+300) + (2000+3000+400+50+100) + (120+400)
    assert_eq!(t.content_bytes, 12_370);
    assert_eq!(t.removed_bytes, 5_350); // 5000 + 300 + 50
    assert_eq!(t.overwritten_bytes, 100); // the old dpkg status
    assert_eq!(t.wasted_bytes, 5_450);
    assert_eq!(t.live_bytes, 6_920); // 1000+2000+3000+400+120+400
    assert_eq!(t.efficiency, 6_920.0 / 12_370.0);
    assert_eq!(t.cache_live_bytes, 5_000); // pip
    assert_eq!(t.cache_hidden_bytes, 5_350); // apt lists 5300 + tmp 50
    assert_eq!(t.duplicate_bytes, 400);
    assert_eq!(t.recoverable_bytes, 5_450 + 5_000 + 400);
    assert_eq!(t.churn_bytes, 100);
    // Entries: L1 2, L2 5, L3 5, L4 7.
    assert_eq!(t.entries, 19);
}

#[test]
fn lean_analysis_has_the_same_figures() {
    // The sequential, one-dive-tree-at-a-time route of big images: the
    // totals worked out in `antipattern_totals`, and the same report.
    let lean = Analysis::lean(layers::antipatterns_image(), CacheRules::builtin());
    let t = &lean.totals;
    assert_eq!(
        (
            t.content_bytes,
            t.wasted_bytes,
            t.live_bytes,
            t.duplicate_bytes
        ),
        (12_370, 5_450, 6_920, 400)
    );
    assert_eq!(t.recoverable_bytes, 5_450 + 5_000 + 400);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    layerscope_report::write_json(&antipatterns(), &mut a).unwrap();
    layerscope_report::write_json(&lean, &mut b).unwrap();
    assert_eq!(String::from_utf8(a).unwrap(), String::from_utf8(b).unwrap());
}

#[test]
fn antipattern_layers_and_blame() {
    let a = antipatterns();
    let added: Vec<u64> = a.layers.iter().map(|l| l.hidden_bytes_added).collect();
    let hides: Vec<u64> = a.layers.iter().map(|l| l.hides_bytes).collect();
    let cache: Vec<u64> = a.layers.iter().map(|l| l.cache_bytes).collect();
    assert_eq!(added, vec![0, 5_300, 150, 0]);
    assert_eq!(hides, vec![0, 0, 0, 5_450]);
    assert_eq!(cache, vec![0, 5_300, 5_050, 0]);
    let hidden: Vec<(&str, u64, Cause, usize, usize, bool)> = a
        .hidden
        .iter()
        .map(|h| {
            (
                h.path.as_str(),
                h.bytes,
                h.cause,
                h.added_by.number(),
                h.hidden_by.number(),
                h.churn,
            )
        })
        .collect();
    assert_eq!(
        hidden,
        vec![
            (
                "/var/lib/apt/lists/a_Packages",
                5000,
                Cause::Removed,
                2,
                4,
                false
            ),
            (
                "/var/lib/apt/lists/b_Release",
                300,
                Cause::Removed,
                2,
                4,
                false
            ),
            ("/var/lib/dpkg/status", 100, Cause::Overwritten, 3, 4, true),
            ("/tmp/build.log", 50, Cause::Removed, 3, 4, false),
        ]
    );
}

#[test]
fn antipattern_cache_and_duplicates() {
    let a = antipatterns();
    let cache: Vec<(&str, u64, u64, u64)> = a
        .cache
        .iter()
        .map(|c| (c.rule.as_str(), c.live_bytes, c.hidden_bytes, c.files))
        .collect();
    assert_eq!(
        cache,
        vec![
            ("apt-lists", 0, 5300, 2),
            ("pip", 5000, 0, 2),
            ("tmp", 0, 50, 1)
        ]
    );
    assert!(a.cache[1].remedy.contains("--no-cache-dir"));
    assert_eq!(a.duplicates.len(), 1);
    assert_eq!(a.duplicates[0].bytes_each, 400);
    assert_eq!(a.duplicates[0].wasted_bytes, 400);
    assert_eq!(
        a.duplicates[0].paths,
        vec!["/usr/lib/py/copy.py", "/usr/lib/py/mod.py"]
    );
}

#[test]
fn antipattern_findings_name_the_steps() {
    let a = antipatterns();
    let f: Vec<(&str, Severity, Option<usize>, u64)> = a
        .findings
        .iter()
        .map(|f| {
            (
                f.rule.as_str(),
                f.severity,
                f.layer.map(|l| l.number()),
                f.bytes,
            )
        })
        .collect();
    // 1% of 12370 content bytes is 123.7: 50 bytes is only info.
    assert_eq!(
        f,
        vec![
            ("removed-later", Severity::Warning, Some(2), 5300),
            ("cache-left-in-image", Severity::Warning, Some(3), 5000),
            ("duplicate-files", Severity::Warning, None, 400),
            ("removed-later", Severity::Info, Some(3), 50),
        ]
    );
    assert_eq!(
        a.findings[0].message,
        "layer 4 (`RUN rm -rf /var/lib/apt/lists/* /tmp/*`) removes 5.30 kB added by layer 2 (`RUN apt-get update`) (apt-lists cache, 2 files, e.g. /var/lib/apt/lists/a_Packages): deleting in a later layer saves nothing"
    );
    assert!(a.findings[0]
        .remedy
        .starts_with("run `apt-get update && apt-get install"));
    assert_eq!(
        a.findings[1].message,
        "pip cache 5.00 kB live (2 files), added by layer 3 (`RUN pip install requests`)"
    );
}

/// The same content following the remedies: cleanup in the same RUN, no
/// cache written: nothing hidden, no cache, no findings.
#[test]
fn remedies_show_no_waste_and_no_findings() {
    let l1 = LayerTar::new().dir("bin").file("bin/sh", 1000, 1).scan();
    let l2 = LayerTar::new()
        .dir("var/lib/apt/lists")
        .dir("var/lib/apt/lists/partial")
        .file("usr/lib/py/mod.py", 400, 6)
        .dpkg_status("var/lib/dpkg/status", 120)
        .scan();
    let a = Analysis::new(
        image(vec![
            (l1, "ADD base"),
            (l2, "RUN apt-get update && … && rm -rf /var/lib/apt/lists/*"),
        ]),
        CacheRules::builtin(),
    );
    assert_eq!(a.totals.wasted_bytes, 0);
    assert_eq!(a.totals.recoverable_bytes, 0);
    assert_eq!(a.totals.efficiency, 1.0);
    assert!(a.cache.is_empty());
    assert!(a.findings.is_empty(), "{:?}", a.findings);
}

#[test]
fn live_cache_file_that_is_also_a_duplicate_counts_once() {
    // tmp/a and keep/b identical (500 each); tmp/a is live cache.
    let l1 = LayerTar::new()
        .file("tmp/a", 500, 3)
        .file("keep/b", 500, 3)
        .scan();
    let a = Analysis::new(image(vec![(l1, "RUN x")]), CacheRules::builtin());
    assert_eq!(a.totals.duplicate_bytes, 500);
    assert_eq!(a.totals.cache_live_bytes, 500);
    // Recover the cache file and the duplication is gone too: 500, not 1000.
    assert_eq!(a.totals.recoverable_bytes, 500);
}

#[test]
fn empty_image_is_fully_efficient() {
    let a = Analysis::new(image(vec![]), CacheRules::builtin());
    assert_eq!(a.totals.efficiency, 1.0);
    assert_eq!(a.totals.layers, 0);
    assert!(a.findings.is_empty());
}

#[test]
fn duplicates_are_grouped_by_the_whole_hash_and_the_size() {
    // The hashes are set by hand: `a` and `b` share one; `c`, `d` and `e`
    // another that agrees with it on its first 8 bytes (where the
    // analysis sorts first); `d` differs from `c` and `e` in size. The
    // groups are (size, hash): {a, b} and {c, e}, each wasting one copy of
    // 100 bytes; `d` is alone.
    use layerscope_core::layer::ContentHash;
    let mut cs = LayerTar::new()
        .file("a", 100, 1)
        .file("b", 100, 2)
        .file("c", 100, 3)
        .file("d", 200, 4)
        .file("e", 100, 5)
        .scan();
    let one = ContentHash([[1u8; 8], [2; 8]].concat().try_into().unwrap());
    let two = ContentHash([[1u8; 8], [3; 8]].concat().try_into().unwrap());
    for e in &mut cs.entries {
        e.hash = Some(match &*e.path {
            b"c" | b"d" | b"e" => two,
            _ => one,
        });
    }
    let a = Analysis::new(image(vec![(cs, "COPY . /")]), CacheRules::builtin());
    let groups: Vec<(u64, Vec<&str>)> = a
        .duplicates
        .iter()
        .map(|g| (g.wasted_bytes, g.paths.iter().map(|p| p.as_str()).collect()))
        .collect();
    assert_eq!(
        groups,
        vec![(100, vec!["/a", "/b"]), (100, vec!["/c", "/e"])]
    );
    assert_eq!(a.totals.duplicate_bytes, 200);
}

#[test]
fn a_big_image_is_classified_in_ranges_with_the_same_figures() {
    // 40,000 files and more: on two cores the inodes are classified in two
    // ranges on two threads (the split is at the 20,000th inode or so).
    // Every figure below is worked out from how the layers are written,
    // and covers both ranges: the hidden files sit across all of layer 1,
    // apt's cache in its middle and at its end, and `/x` is hidden twice
    // with equal bytes (once in each range: ties keep inode order).
    //   layer 1: `x` (7 bytes); `app/d{i/200}/f{i}` for i < 40,000, of
    //            1 + i % 7 bytes, with `var/cache/apt/a{j}.deb` (10 bytes,
    //            j < 30) after file 19,999 and `var/cache/apt/b{j}.deb` (10
    //            bytes, j < 30) at the end;
    //   layer 2: `x` again (7 bytes), every 1000th file rewritten (f0,
    //            f1000, … 20 bytes), every 1000th + 500 deleted, and a{j}
    //            and b{j} for j < 10 deleted;
    //   layer 3: `x` again (7 bytes).
    let size = |i: usize| 1 + i % 7;
    let file = |i: usize| format!("app/d{}/f{i}", i / 200);
    let mut l1 = LayerTar::new().file("x", 7, 1);
    for i in 0..40_000 {
        l1 = l1.file(&file(i), size(i), (i % 251) as u8);
        if i == 19_999 {
            for j in 0..30 {
                l1 = l1.file(&format!("var/cache/apt/a{j}.deb"), 10, j as u8);
            }
        }
    }
    for j in 0..30 {
        l1 = l1.file(&format!("var/cache/apt/b{j}.deb"), 10, j as u8);
    }
    let mut l2 = LayerTar::new().file("x", 7, 2);
    for i in (0..40_000).step_by(1000) {
        l2 = l2.file(&file(i), 20, 3).whiteout(&file(i + 500));
    }
    for j in 0..10 {
        l2 = l2
            .whiteout(&format!("var/cache/apt/a{j}.deb"))
            .whiteout(&format!("var/cache/apt/b{j}.deb"));
    }
    let l3 = LayerTar::new().file("x", 7, 3);
    let a = Analysis::new(
        image(vec![
            (l1.scan(), "COPY app /app"),
            (l2.scan(), "RUN update"),
            (l3.scan(), "COPY x /x"),
        ]),
        CacheRules::builtin(),
    );
    let rewritten: u64 = (0..40_000).step_by(1000).map(|i| size(i) as u64).sum();
    let deleted: u64 = (500..40_000).step_by(1000).map(|i| size(i) as u64).sum();
    let all: u64 = (0..40_000).map(|i| size(i) as u64).sum();
    let t = &a.totals;
    // Overwritten: the 40 rewritten files and `x` twice; removed: the 40
    // deleted files and 20 cache files.
    assert_eq!(t.overwritten_bytes, rewritten + 14);
    assert_eq!(t.removed_bytes, deleted + 200);
    assert_eq!(t.wasted_bytes, rewritten + 14 + deleted + 200);
    assert_eq!(
        t.live_bytes,
        all - rewritten - deleted + 40 * 20 + 40 * 10 + 7
    );
    assert_eq!((t.cache_live_bytes, t.cache_hidden_bytes), (400, 200));
    let added: Vec<u64> = a.layers.iter().map(|l| l.hidden_bytes_added).collect();
    let hides: Vec<u64> = a.layers.iter().map(|l| l.hides_bytes).collect();
    let cache: Vec<u64> = a.layers.iter().map(|l| l.cache_bytes).collect();
    assert_eq!(added, vec![rewritten + deleted + 200 + 7, 7, 0]);
    assert_eq!(hides, vec![0, rewritten + deleted + 200 + 7, 7]);
    assert_eq!(cache, vec![600, 0, 0]);
    assert_eq!(a.cache.len(), 1);
    assert_eq!(
        (a.cache[0].rule.as_str(), a.cache[0].files),
        ("apt-archives", 60)
    );
    // Largest first, then by path (byte order); the two `/x` in inode
    // order (layer 1's, then layer 2's).
    let mut expected: Vec<(u64, String, usize)> = (0..40_000)
        .step_by(500)
        .map(|i| (size(i) as u64, format!("/{}", file(i)), 1))
        .chain((0..10).flat_map(|j| {
            [
                (10, format!("/var/cache/apt/a{j}.deb"), 1),
                (10, format!("/var/cache/apt/b{j}.deb"), 1),
            ]
        }))
        .chain([(7, "/x".to_string(), 1), (7, "/x".to_string(), 2)])
        .collect();
    expected.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let hidden: Vec<(u64, String, usize)> = a
        .hidden
        .iter()
        .map(|h| (h.bytes, h.path.clone(), h.added_by.number()))
        .collect();
    assert_eq!(hidden.len(), 80 + 20 + 2);
    assert_eq!(hidden, expected);
    // Each inode's class in its slot: the cache files, and nothing else.
    let cached = a.classes.iter().filter(|c| c.rule.is_some()).count();
    assert_eq!(cached, 60);
}
