//! Images built in code for the check and report tests. Every figure the
//! tests assert is worked out by hand in the comments here.

use super::layers::{image, LayerTar};
use layerscope_core::analysis::{Analysis, CacheRules};

/// The classic anti-patterns: see `common::antipatterns`.
#[allow(unused_imports)] // not every test crate uses it
pub use super::layers::antipatterns;

/// A lean image that meets the default budget:
/// L1: bin/sh 1000; L2: app/main 2000, app/old 100;
/// L3: app/old 100 again (overwrites: 100 wasted).
/// content 3_200, live 3_100, wasted 100 (3.125%), efficiency 0.96875.
/// Tar lengths: L1 512+1024+1024 = 2_560; L2 (512+2048)+(512+512)+1024
/// = 4_608; L3 (512+512)+1024 = 2_048; size 9_216.
pub fn lean() -> Analysis {
    let l1 = LayerTar::new().file("bin/sh", 1000, 1).scan();
    let l2 = LayerTar::new()
        .file("app/main", 2000, 2)
        .file("app/old", 100, 3)
        .scan();
    let l3 = LayerTar::new().file("app/old", 100, 4).scan();
    let img = image(vec![
        (l1, "/bin/sh -c #(nop) ADD file:base in /"),
        (l2, "COPY app /app # buildkit"),
        (l3, "RUN /bin/sh -c touch /app/old # buildkit"),
    ]);
    Analysis::new(img, CacheRules::builtin())
}

/// Names an attacker controls: markup, a terminal escape, a newline,
/// `%` and `,` and a leading `=` (formula).
/// L1: app/<script>alert(1)</script> 10, "app/e\x1b[31mvil\nname" 20,
///     "app/=cmd|' /C calc'!A0,%0A" 30
/// L2: removes the script file (10) and the formula file (30), overwrites
/// the ESC file (20): 60 wasted.
pub fn hostile() -> Analysis {
    let l1 = LayerTar::new()
        .file("app/<script>alert(1)</script>", 10, 1)
        .raw_file(b"app/e\x1b[31mvil\nname", &[7u8; 20])
        .file("app/=cmd|' /C calc'!A0,%0A", 30, 3)
        .scan();
    let l2 = LayerTar::new()
        .whiteout("app/<script>alert(1)</script>")
        .whiteout("app/=cmd|' /C calc'!A0,%0A")
        .raw_file(b"app/e\x1b[31mvil\nname", &[8u8; 20])
        .scan();
    let img = image(vec![
        (l1, "/bin/sh -c #(nop) COPY dir:<b>x</b>,y in /app"),
        (l2, "/bin/sh -c rm '/app/<script>alert(1)</script>'"),
    ]);
    Analysis::new(img, CacheRules::builtin())
}
