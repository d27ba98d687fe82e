//! The package database readers (`packages::parse`), rpm's `rpmdb.sqlite`
//! above all: a bounded SQLite b-tree reader and the rpm header parser over
//! untrusted bytes. The first byte picks the database path (and so the
//! reader); the rest is the file.
#![no_main]

use layerscope_core::packages::parse::parse;
use libfuzzer_sys::fuzz_target;

const PATHS: &[&[u8]] = &[
    b"var/lib/rpm/rpmdb.sqlite",
    b"var/lib/dpkg/status",
    b"var/lib/dpkg/info/x.list",
    b"var/lib/apt/extended_states",
    b"lib/apk/db/installed",
    b"usr/lib/python3/site-packages/x-1.dist-info/RECORD",
    b"usr/lib/python3/site-packages/x-1.egg-info/installed-files.txt",
    b"opt/conda/conda-meta/x-1-0.json",
    b"app/node_modules/x/package.json",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let _ = parse(PATHS[pick as usize % PATHS.len()], rest);
});
