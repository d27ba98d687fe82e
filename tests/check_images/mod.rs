//! Images built in code for the check and report tests. Every figure the
//! tests assert is worked out by hand in the comments here.
#![allow(dead_code)]

use crate::common::{image, LayerTar};
use layerscope::analysis::{Analysis, CacheRules};

/// The classic anti-patterns (same image as tests/analysis_figures.rs):
/// ```text
/// L1 base:        dir bin, bin/sh 1000
/// L2 apt update:  dir lists, lists/a_Packages 5000, lists/b_Release 300,
///                 lists/lock 0, dir lists/partial
/// L3 pip install: pip/http/x 2000, pip/wheels/y.whl 3000, py/mod.py 400,
///                 tmp/build.log 50, dpkg/status 100
/// L4 cleanup:     5 whiteouts; dpkg/status 120 (churn overwrite);
///                 py/copy.py 400 (same content as mod.py)
/// ```
/// content 12_370, live 6_920, wasted 5_450 (removed 5_350, overwritten
/// 100 = the churn), pip 5_000 live (L3), apt-lists 5_300 hidden (L2),
/// tmp 50 hidden (L3), duplicates 400.
///
/// Tar lengths (512-byte headers, content padded to 512, 1024 zero bytes
/// at the end):
/// L1: 512 + (512 + 1024) + 1024                                  =  3_072
/// L2: 512 + (512 + 5120) + (512 + 512) + 512 + 512 + 1024         =  9_216
/// L3: (512+2048) + (512+3072) + (512+512)*3 + 1024                 = 10_240
/// L4: 5*512 + (512+512) + (512+512) + 1024                         =  5_632
/// size_bytes = 28_160
pub fn antipatterns() -> Analysis {
    let l1 = LayerTar::new().dir("bin").file("bin/sh", 1000, 1).scan();
    let l2 = LayerTar::new()
        .dir("var/lib/apt/lists")
        .file("var/lib/apt/lists/a_Packages", 5000, 2)
        .file("var/lib/apt/lists/b_Release", 300, 3)
        .file("var/lib/apt/lists/lock", 0, 0)
        .dir("var/lib/apt/lists/partial")
        .scan();
    let l3 = LayerTar::new()
        .file("root/.cache/pip/http/x", 2000, 4)
        .file("root/.cache/pip/wheels/y.whl", 3000, 5)
        .file("usr/lib/py/mod.py", 400, 6)
        .file("tmp/build.log", 50, 7)
        .file("var/lib/dpkg/status", 100, 8)
        .scan();
    let l4 = LayerTar::new()
        .whiteout("var/lib/apt/lists/a_Packages")
        .whiteout("var/lib/apt/lists/b_Release")
        .whiteout("var/lib/apt/lists/lock")
        .whiteout("var/lib/apt/lists/partial")
        .whiteout("tmp/build.log")
        .file("var/lib/dpkg/status", 120, 9)
        .file("usr/lib/py/copy.py", 400, 6)
        .scan();
    let img = image(vec![
        (l1, "/bin/sh -c #(nop) ADD file:base in /"),
        (l2, "/bin/sh -c apt-get update"),
        (l3, "/bin/sh -c pip install requests"),
        (l4, "/bin/sh -c rm -rf /var/lib/apt/lists/* /tmp/*"),
    ]);
    Analysis::new(img, CacheRules::builtin())
}

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
