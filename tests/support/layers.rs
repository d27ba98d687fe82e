//! Builds layer tars in code for the tests (`tar::Builder`), so every edge
//! case is a real tar stream that goes through the real layer pass.

use layerscope_core::layer::{self, Changeset, ScanOptions};
use layerscope_core::LayerIndex;

/// A layer under construction.
pub struct LayerTar {
    b: tar::Builder<Vec<u8>>,
}

impl Default for LayerTar {
    fn default() -> Self {
        Self::new()
    }
}

impl LayerTar {
    pub fn new() -> Self {
        let mut b = tar::Builder::new(Vec::new());
        b.mode(tar::HeaderMode::Deterministic);
        LayerTar { b }
    }

    fn header(kind: tar::EntryType, size: u64) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_size(size);
        h.set_mode(if kind == tar::EntryType::Directory {
            0o755
        } else {
            0o644
        });
        h.set_mtime(0);
        h
    }

    /// A regular file of `size` bytes whose content is derived from `seed`.
    pub fn file(mut self, path: &str, size: usize, seed: u8) -> Self {
        let data = content(size, seed);
        self.file_bytes(path, &data);
        self
    }

    pub fn file_bytes(&mut self, path: &str, data: &[u8]) {
        let mut h = Self::header(tar::EntryType::Regular, data.len() as u64);
        self.b.append_data(&mut h, path, data).unwrap();
    }

    /// A regular file whose header name is written byte for byte (for names
    /// `tar::Builder` refuses: absolute, `..`, non-UTF-8; at most 100 bytes).
    pub fn raw_file(mut self, name: &[u8], data: &[u8]) -> Self {
        let mut h = Self::header(tar::EntryType::Regular, data.len() as u64);
        h.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name);
        h.set_cksum();
        self.b.append(&h, data).unwrap();
        self
    }

    /// A well-formed dpkg status file of exactly `size` bytes (at least
    /// 34): one stanza whose Description pads it.
    pub fn dpkg_status(mut self, path: &str, size: usize) -> Self {
        let head = "Package: p\nVersion: 1\nDescription: ";
        let data = format!("{head}{}\n", "x".repeat(size - head.len() - 1));
        self.file_bytes(path, data.as_bytes());
        self
    }

    pub fn dir(mut self, path: &str) -> Self {
        let mut h = Self::header(tar::EntryType::Directory, 0);
        self.b.append_data(&mut h, path, &[][..]).unwrap();
        self
    }

    pub fn symlink(mut self, path: &str, target: &str) -> Self {
        let mut h = Self::header(tar::EntryType::Symlink, 0);
        self.b.append_link(&mut h, path, target).unwrap();
        self
    }

    pub fn hardlink(mut self, path: &str, target: &str) -> Self {
        let mut h = Self::header(tar::EntryType::Link, 0);
        self.b.append_link(&mut h, path, target).unwrap();
        self
    }

    /// `.wh.NAME` next to `path`'s last component.
    pub fn whiteout(self, path: &str) -> Self {
        let (dir, name) = match path.rfind('/') {
            Some(i) => (&path[..=i], &path[i + 1..]),
            None => ("", path),
        };
        self.file(&format!("{dir}.wh.{name}"), 0, 0)
    }

    /// `DIR/.wh..wh..opq` (`""` for the root).
    pub fn opaque(self, dir: &str) -> Self {
        let p = if dir.is_empty() {
            ".wh..wh..opq".to_string()
        } else {
            format!("{dir}/.wh..wh..opq")
        };
        self.file(&p, 0, 0)
    }

    pub fn bytes(self) -> Vec<u8> {
        self.b.into_inner().unwrap()
    }

    pub fn scan(self) -> Changeset {
        scan_bytes(&self.bytes())
    }
}

pub fn scan_bytes(tar: &[u8]) -> Changeset {
    let opts = ScanOptions {
        diff_id: true,
        ..ScanOptions::default()
    };
    layer::scan(tar, &opts).expect("scan")
}

/// Deterministic content: `size` bytes, different for each seed.
pub fn content(size: usize, seed: u8) -> Vec<u8> {
    (0..size)
        .map(|i| {
            (i as u8)
                .wrapping_mul(31)
                .wrapping_add(seed.wrapping_mul(101))
                ^ seed
        })
        .collect()
}

/// An image made of changesets built in code, with build steps.
pub fn image(layers: Vec<(Changeset, &str)>) -> layerscope_core::source::Image {
    use layerscope_core::source::{Format, Image, ImageInfo, Layer};
    Image {
        info: ImageInfo {
            reference: Some("test:latest".into()),
            format: Format::OciLayout,
            gzipped: false,
            platform: Some("linux/amd64".into()),
            config_digest: None,
            source: Default::default(),
        },
        layers: layers
            .into_iter()
            .enumerate()
            .map(|(i, (cs, step))| Layer {
                index: LayerIndex::from_index(i),
                digest: cs.diff_id.clone(),
                media_type: None,
                created_by: Some(step.to_string()),
                verified: Default::default(),
                changeset: cs,
            })
            .collect(),
        history: Vec::new(),
        stanzas: Default::default(),
    }
}

/// The classic anti-patterns, shared by the analysis, check, report tests:
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
pub fn antipatterns() -> layerscope_core::analysis::Analysis {
    layerscope_core::analysis::Analysis::new(
        antipatterns_image(),
        layerscope_core::analysis::CacheRules::builtin(),
    )
}

/// The image of [`antipatterns`], not analysed yet.
pub fn antipatterns_image() -> layerscope_core::source::Image {
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
        .dpkg_status("var/lib/dpkg/status", 100)
        .scan();
    let l4 = LayerTar::new()
        .whiteout("var/lib/apt/lists/a_Packages")
        .whiteout("var/lib/apt/lists/b_Release")
        .whiteout("var/lib/apt/lists/lock")
        .whiteout("var/lib/apt/lists/partial")
        .whiteout("tmp/build.log")
        .dpkg_status("var/lib/dpkg/status", 120)
        .file("usr/lib/py/copy.py", 400, 6)
        .scan();
    image(vec![
        (l1, "/bin/sh -c #(nop) ADD file:base in /"),
        (l2, "/bin/sh -c apt-get update"),
        (l3, "/bin/sh -c pip install requests"),
        (l4, "/bin/sh -c rm -rf /var/lib/apt/lists/* /tmp/*"),
    ])
}
