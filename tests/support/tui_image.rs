//! An image built in code for the TUI tests and the demo: the classic
//! anti-patterns (apt lists removed in a later layer, pip cache kept, a
//! temporary file, package-db churn, a duplicate, a removed directory) and
//! a hostile file name.

pub use super::layers::{image, LayerTar};
use layerscope_core::analysis::{Analysis, CacheRules};

pub fn analysis() -> Analysis {
    let l1 = LayerTar::new()
        .dir("bin")
        .file("bin/sh", 1000, 1)
        .symlink("bin/ls", "busybox")
        .file("bin/busybox", 2500, 2)
        .dir("etc")
        .file("etc/passwd", 50, 3)
        .file("usr/lib/libc.so", 3000, 4)
        .file("evil\x1b[31mname", 10, 5)
        .scan();
    let l2 = LayerTar::new()
        .dir("var/lib/apt/lists")
        .file("var/lib/apt/lists/a_Packages", 5000, 6)
        .file("var/lib/apt/lists/b_Release", 300, 7)
        .file("var/lib/apt/lists/lock", 0, 0)
        .dir("var/lib/apt/lists/partial")
        .file("var/cache/apt/archives/curl.deb", 4000, 8)
        .scan();
    let l3 = LayerTar::new()
        .file("root/.cache/pip/http/x", 2000, 9)
        .file("root/.cache/pip/wheels/y.whl", 3000, 10)
        .file("usr/lib/py/mod.py", 400, 11)
        .file("tmp/build.log", 50, 12)
        .dpkg_status("var/lib/dpkg/status", 100)
        .file("opt/model/weights.bin", 8000, 14)
        .file("opt/model/config.json", 20, 15)
        .scan();
    let l4 = LayerTar::new()
        .whiteout("var/lib/apt/lists/a_Packages")
        .whiteout("var/lib/apt/lists/b_Release")
        .whiteout("var/lib/apt/lists/lock")
        .whiteout("var/lib/apt/lists/partial")
        .whiteout("tmp/build.log")
        .whiteout("opt/model")
        .dpkg_status("var/lib/dpkg/status", 120)
        .file("usr/lib/py/copy.py", 400, 11)
        .scan();
    let img = image(vec![
        (l1, "/bin/sh -c #(nop) ADD file:4b1e0ad6f8d9 in / "),
        (l2, "/bin/sh -c apt-get update && apt-get install -y curl"),
        (l3, "RUN /bin/sh -c pip install requests && python setup.py build # buildkit"),
        (
            l4,
            "/bin/sh -c rm -rf /var/lib/apt/lists/* /tmp/* /opt/model && cp /usr/lib/py/mod.py /usr/lib/py/copy.py",
        ),
    ]);
    Analysis::new(img, CacheRules::builtin())
}

/// Type changes, opaque whiteouts, a same-layer overwrite and a hardlink
/// that keeps bytes alive after one name goes.
pub fn edge_cases() -> layerscope_core::analysis::Analysis {
    let l1 = LayerTar::new()
        .dir("a")
        .file("a/x", 100, 1)
        .file("a/y", 200, 2)
        .file("b", 50, 3)
        .file("h1", 300, 4)
        .hardlink("h2", "h1")
        .dir("d")
        .file("d/k", 10, 5)
        .scan();
    let l2 = LayerTar::new()
        .file("a", 70, 6) // a file replaces the directory a
        .opaque("d")
        .file("d/new", 5, 7)
        .file("same", 40, 8)
        .file("same", 60, 9) // overwritten in its own layer
        .whiteout("h1") // h2 still names the bytes
        .scan();
    let l3 = LayerTar::new().whiteout("h2").dir("a").scan();
    layerscope_core::analysis::Analysis::new(
        image(vec![(l1, "ADD base"), (l2, "RUN change"), (l3, "RUN more")]),
        layerscope_core::analysis::CacheRules::builtin(),
    )
}

/// The explorer's selected row as `/path` (`~/path` for a ghost row).
pub fn sel(m: &layerscope_tui::Model) -> String {
    let e = m.explorer().unwrap();
    let r = e.selected_row().expect("a selected row");
    let p = layerscope_core::layer::display_path(&e.a.overlay.path(r.node));
    if r.ghost {
        format!("~{p}")
    } else {
        p
    }
}
