//! The layer cache (docs/formats.md, "Layer cache"): the on-disk format read
//! as untrusted input, the directory's bound and eviction, and the binary's
//! use of it (a hit reads no blob; corrupt entries are rewritten; no cache
//! without verification; concurrent runs).

use std::fs::{self, File, FileTimes};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use layerscope_cache::codec::{self, Reject};
use layerscope_cache::DiskCache;
use layerscope_core::layer::{Changeset, Compression, ContentHash, Entry, EntryKind};
use layerscope_core::source::{self, Input, LayerCache, OpenOptions, VerifyLayers};
use layerscope_core::Digest;
use serde_json::Value;

use crate::support::layers::LayerTar;

fn key(n: u8) -> Digest {
    Digest::sha256_of(&[n])
}

fn entry(path: &[u8], kind: EntryKind) -> Entry {
    Entry {
        path: path.into(),
        kind,
        size: 0,
        typeflag: b'0',
        mode: 0o644,
        uid: 0,
        gid: 0,
        rare: None,
        hash: None,
    }
}

/// Every entry kind, names that are not UTF-8, links, extreme numbers.
fn every_kind() -> Changeset {
    let mut entries = vec![
        entry(b"", EntryKind::Dir),
        Entry {
            size: u64::MAX,
            hash: Some(ContentHash([0xab; 16])),
            uid: u32::MAX,
            gid: u32::MAX,
            mode: u32::MAX,
            ..entry(b"usr/lib/big", EntryKind::File)
        },
        Entry {
            hash: Some(ContentHash::from(7u128)),
            size: 5,
            ..entry(b"usr/lib/\xff\xfe not utf-8", EntryKind::File)
        },
        Entry {
            rare: Entry::rare(Some((*b"../lib/\xc3(").into()), 0, 0),
            typeflag: b'2',
            ..entry(b"usr/bin/sym", EntryKind::Symlink)
        },
        Entry {
            rare: Entry::rare(Some((*b"usr/lib/big").into()), 0, 0),
            typeflag: b'1',
            ..entry(b"usr/bin/hard", EntryKind::Hardlink)
        },
        entry(b"dev/c", EntryKind::CharDevice),
        entry(b"dev/b", EntryKind::BlockDevice),
        entry(b"dev/f", EntryKind::Fifo),
        entry(b"etc/gone", EntryKind::Whiteout),
        entry(b"etc", EntryKind::OpaqueWhiteout),
        Entry {
            typeflag: b'V',
            ..entry(b".wh..wh.plnk/1", EntryKind::Other)
        },
        entry(b"usr/bin/sym/longer/than/the/one/before", EntryKind::Dir),
        entry(b"a", EntryKind::Dir),
        // a directory whose tar size field is not 0 (dive sums it), and a
        // hardlink with one
        Entry {
            rare: Entry::rare(None, 4096, 0),
            ..entry(b"odd", EntryKind::Dir)
        },
        Entry {
            rare: Entry::rare(Some((*b"usr/lib/big").into()), u64::MAX, 0),
            ..entry(b"odd-link", EntryKind::Hardlink)
        },
    ];
    entries.push(Entry {
        rare: Entry::rare(Some(Box::from(&b""[..])), 0, 0),
        ..entry(b"", EntryKind::Symlink)
    });
    Changeset {
        size_bytes: u64::MAX - 1,
        stored_bytes: 1 << 40,
        diff_id: format!("sha256:{}", "d".repeat(64)),
        blob_digest: Some(format!("sha256:{}", "b".repeat(64))),
        compression: Compression::Zstd,
        captured: vec![
            layerscope_core::layer::Captured::new(0, Some(Box::from(&b"Package: a\n"[..]))),
            layerscope_core::layer::Captured::new(2, None),
        ],
        elf: vec![
            layerscope_core::layer::ElfFile {
                entry: 1,
                strippable: Some(u64::MAX),
            },
            layerscope_core::layer::ElfFile {
                entry: 2,
                strippable: None,
            },
        ],
        entries,
    }
}

#[track_caller]
fn assert_same(a: &Changeset, b: &Changeset) {
    assert_eq!(a.size_bytes, b.size_bytes);
    assert_eq!(a.stored_bytes, b.stored_bytes);
    assert_eq!(a.diff_id, b.diff_id);
    assert_eq!(a.blob_digest, b.blob_digest);
    assert_eq!(a.compression, b.compression);
    assert_eq!(a.entries, b.entries);
    assert_eq!(a.captured, b.captured);
    assert_eq!(a.elf, b.elf);
}

#[test]
fn changesets_round_trip() {
    let k = key(1);
    let built = every_kind();
    assert_same(
        &codec::decode(&codec::encode(&k, &built), &k).unwrap(),
        &built,
    );

    let empty = Changeset::default();
    assert_same(
        &codec::decode(&codec::encode(&k, &empty), &k).unwrap(),
        &empty,
    );

    // A real layer through the real pass: hardlinks, symlinks, whiteouts.
    let scanned = LayerTar::new()
        .dir("usr")
        .file("usr/a", 100_000, 1)
        .hardlink("usr/b", "usr/a")
        .symlink("usr/c", "a")
        .raw_file(b"usr/\xe9t\xe9", b"latin-1")
        .whiteout("etc/x")
        .opaque("var")
        .scan();
    for compression in [Compression::None, Compression::Gzip] {
        let cs = Changeset {
            compression,
            blob_digest: None,
            ..scanned.clone()
        };
        assert_same(&codec::decode(&codec::encode(&k, &cs), &k).unwrap(), &cs);
    }
}

/// Rewrite the checksum so that only the field under test is wrong.
fn reseal(mut bytes: Vec<u8>) -> Vec<u8> {
    let n = bytes.len() - 8;
    let sum = xxhash_rust::xxh3::xxh3_64(&bytes[..n]);
    bytes[n..].copy_from_slice(&sum.to_le_bytes());
    bytes
}

#[test]
fn truncated_bit_flipped_and_foreign_files_are_rejected() {
    let k = key(2);
    let good = codec::encode(&k, &every_kind());
    for n in 0..good.len() {
        assert!(codec::decode(&good[..n], &k).is_err(), "truncated at {n}");
    }
    let mut longer = good.clone();
    longer.push(0);
    assert!(codec::decode(&longer, &k).is_err());
    for bit in 0..good.len() * 8 {
        let mut bad = good.clone();
        bad[bit / 8] ^= 1 << (bit % 8);
        assert!(codec::decode(&bad, &k).is_err(), "bit {bit} flipped");
    }
    // Kept under another key (a file copied or renamed by hand).
    assert_eq!(
        codec::decode(&good, &key(3)).unwrap_err(),
        Reject("kept under another key")
    );
    // Another format version, another layerscope version: sealed properly,
    // still refused.
    let mut other_format = good.clone();
    other_format[8] ^= 0xff;
    assert_eq!(
        codec::decode(&reseal(other_format), &k).unwrap_err(),
        Reject("another format version")
    );
    let mut other_version = good.clone();
    other_version[13] ^= 0x01; // inside the version string
    assert_eq!(
        codec::decode(&reseal(other_version), &k).unwrap_err(),
        Reject("written by another layerscope version")
    );
    // Foreign files.
    for foreign in [&b""[..], b"{\"layers\":[]}", &[0u8; 4096], &[0xffu8; 64]] {
        assert!(codec::decode(foreign, &k).is_err());
    }
}

#[test]
fn hostile_counts_and_lengths_are_refused_without_allocating() {
    let k = key(4);
    let good = codec::encode(&k, &Changeset::default());
    // The payload of an empty changeset: size, stored, diff_id length 0,
    // no blob digest, compression, entry count, captured count, ELF count
    // (0); the entry count is the third byte from the end.
    let header = good.len() - 8 - 8;
    for (tail, why) in [
        // 2^63 entries.
        (
            vec![0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
            "more entries than bytes",
        ),
        // One entry whose path suffix claims 2^62 bytes.
        (
            vec![1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f],
            "truncated",
        ),
        // One entry sharing 9 bytes with a previous path that does not exist.
        (
            vec![1, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            "bad shared prefix",
        ),
        // A varint running past 64 bits.
        (vec![0xff; 11], "varint overflow"),
    ] {
        let mut bytes = good[..header].to_vec();
        bytes.extend_from_slice(&[0, 0, 0, 0, 0]); // up to the count
        bytes.extend_from_slice(&tail);
        let plen = (bytes.len() - header) as u64;
        bytes[header - 8..header].copy_from_slice(&plen.to_le_bytes());
        bytes.extend_from_slice(&[0; 8]);
        assert_eq!(codec::decode(&reseal(bytes), &k).unwrap_err(), Reject(why));
    }
}

fn set_mtime(p: &Path, secs_ago: u64) {
    let t = SystemTime::now() - Duration::from_secs(secs_ago);
    File::options()
        .write(true)
        .open(p)
        .unwrap()
        .set_times(FileTimes::new().set_modified(t).set_accessed(t))
        .unwrap();
}

#[test]
fn the_directory_keeps_entries_and_ignores_corrupt_ones() {
    let dir = tempfile::tempdir().unwrap();
    let cache = DiskCache::new(dir.path(), 1 << 20);
    let k = key(5);
    assert!(cache.get(&k).is_none());
    cache.put(&k, &every_kind());
    let path = cache.entry_path(&k);
    assert_eq!(
        path,
        dir.path().join(format!(
            "v{}/sha256/{}",
            layerscope_cache::FORMAT,
            k.encoded()
        ))
    );
    assert_same(&cache.get(&k).unwrap(), &every_kind());
    // Under another key's name: not trusted.
    let k2 = key(6);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::copy(&path, cache.entry_path(&k2)).unwrap();
    assert!(cache.get(&k2).is_none());
    // Corrupt: a miss, and the next put makes it whole again.
    let mut bytes = fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    fs::write(&path, &bytes).unwrap();
    assert!(cache.get(&k).is_none());
    cache.put(&k, &every_kind());
    assert_same(&cache.get(&k).unwrap(), &every_kind());
    // No temporary file left behind.
    let names: Vec<_> = fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
}

#[test]
fn eviction_keeps_the_total_under_the_bound_least_recently_used_first() {
    let dir = tempfile::tempdir().unwrap();
    let one = codec::encode(&key(10), &every_kind()).len() as u64;
    // Room for three entries, not four.
    let cache = DiskCache::new(dir.path(), one * 3 + one / 2);
    for n in 10..13 {
        cache.put(&key(n), &every_kind());
    }
    // Written in order 10, 11, 12 with ages 30, 20, 10 s; then 10 is used.
    for (n, age) in [(10, 30), (11, 20), (12, 10)] {
        set_mtime(&cache.entry_path(&key(n)), age);
    }
    assert!(cache.get(&key(10)).is_some());
    cache.put(&key(13), &every_kind());
    assert!(cache.total_bytes() <= one * 3 + one / 2);
    let present: Vec<u8> = (10..14)
        .filter(|&n| cache.entry_path(&key(n)).exists())
        .collect();
    assert_eq!(present, [10, 12, 13], "11 was the least recently used");

    // An entry bigger than the whole bound is never written.
    let tiny = DiskCache::new(dir.path(), 16);
    tiny.put(&key(20), &every_kind());
    assert!(!tiny.entry_path(&key(20)).exists());
}

/// Counts what the core asks of the cache.
#[derive(Default)]
struct Spy {
    inner: Option<DiskCache>,
    gets: std::sync::Mutex<Vec<Digest>>,
    puts: std::sync::Mutex<Vec<Digest>>,
}

impl LayerCache for Spy {
    fn get(&self, key: &Digest) -> Option<Changeset> {
        self.gets.lock().unwrap().push(key.clone());
        self.inner.as_ref()?.get(key)
    }
    fn put(&self, key: &Digest, cs: &Changeset) {
        self.puts.lock().unwrap().push(key.clone());
        if let Some(c) = &self.inner {
            c.put(key, cs)
        }
    }
}

fn testdata(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(p)
}

/// The layer blobs of an OCI layout (its only manifest's layers).
fn layer_blobs(layout: &Path) -> Vec<PathBuf> {
    let blob = |d: &str| {
        layout
            .join("blobs/sha256")
            .join(d.trim_start_matches("sha256:"))
    };
    let index: Value =
        serde_json::from_slice(&fs::read(layout.join("index.json")).unwrap()).unwrap();
    let manifest: Value = serde_json::from_slice(
        &fs::read(blob(index["manifests"][0]["digest"].as_str().unwrap())).unwrap(),
    )
    .unwrap();
    manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| blob(l["digest"].as_str().unwrap()))
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Replace every layer blob with garbage of the same size.
fn spoil_layers(layout: &Path) {
    for b in layer_blobs(layout) {
        let n = fs::metadata(&b).unwrap().len() as usize;
        fs::write(&b, vec![0x5a; n]).unwrap();
    }
}

/// Entry files in a cache directory.
fn cache_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        if e.file_type().unwrap().is_dir() {
            out.extend(cache_files(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out.sort();
    out
}

#[test]
fn the_core_asks_only_with_verified_digests() {
    let layout = testdata("basic/oci-gzip");
    let layers = layer_blobs(&layout).len();
    let spy = Arc::new(Spy::default());
    let opts = OpenOptions {
        verify: true,
        verify_layers: VerifyLayers::Blob,
        cache: Some(spy.clone()),
        ..OpenOptions::default()
    };
    source::open(&Input::Path(layout.clone()), &opts).unwrap();
    assert_eq!(spy.gets.lock().unwrap().len(), layers);
    assert_eq!(*spy.puts.lock().unwrap(), *spy.gets.lock().unwrap());

    // Without layer verification (--no-verify, or the default that checks
    // metadata only) the cache is neither asked nor filled.
    for verify in [false, true] {
        let spy = Arc::new(Spy::default());
        let opts = OpenOptions {
            verify,
            cache: Some(spy.clone()),
            ..OpenOptions::default()
        };
        source::open(&Input::Path(layout.clone()), &opts).unwrap();
        assert!(spy.gets.lock().unwrap().is_empty());
        assert!(spy.puts.lock().unwrap().is_empty());
    }

    // A stream can only fill it: a legacy save, keyed by its diff_ids.
    let spy = Arc::new(Spy::default());
    let opts = OpenOptions {
        verify: true,
        verify_layers: VerifyLayers::Blob,
        cache: Some(spy.clone()),
        ..OpenOptions::default()
    };
    let img = source::open(&Input::Path(testdata("basic/docker-archive.tar.gz")), &opts).unwrap();
    assert!(spy.gets.lock().unwrap().is_empty());
    let diff_ids: Vec<Digest> = img
        .layers
        .iter()
        .map(|l| l.changeset.diff_id.parse().unwrap())
        .collect();
    let mut puts = spy.puts.lock().unwrap().clone();
    puts.dedup();
    let mut want = diff_ids.clone();
    want.dedup();
    assert_eq!(puts, want);
}

fn run(args: &[&str]) -> Output {
    crate::support::bin().args(args).output().unwrap()
}

/// A JSON report with `--verify`: only then is the cache used (issue 13).
fn json(args: &[&str]) -> Vec<u8> {
    let o = run(&[&["report", "--format", "json", "--verify"], args].concat());
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

#[test]
fn a_warm_cache_reads_no_layer_blob_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let image = tmp.path().join("image");
    let cache = tmp.path().join("cache");
    copy_dir(&testdata("basic/oci-gzip"), &image);
    let (img, dir) = (image.to_str().unwrap(), cache.to_str().unwrap());

    let first = json(&[img, "--cache-dir", dir]);
    let layers = layer_blobs(&image).len();
    assert_eq!(cache_files(&cache).len(), layers);

    // The blobs are garbage now: only a cache hit can give the report.
    spoil_layers(&image);
    assert_eq!(run(&["report", img, "--no-cache"]).status.code(), Some(2));
    let second = json(&[img, "--cache-dir", dir]);
    assert_eq!(first, second, "a warm cache changed the report");

    // Without verification the cache is not used: the garbage is read.
    for no in ["--no-verify", "--color=never"] {
        assert_eq!(
            run(&["report", img, "--cache-dir", dir, no]).status.code(),
            Some(2),
            "{no}"
        );
    }
}

#[test]
fn a_corrupt_entry_is_scanned_again_and_rewritten() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let img = testdata("basic/oci-gzip");
    let (img, dir) = (img.to_str().unwrap(), cache.to_str().unwrap());
    let first = json(&[img, "--cache-dir", dir]);
    let files = cache_files(&cache);
    let good: Vec<Vec<u8>> = files.iter().map(|f| fs::read(f).unwrap()).collect();
    for f in &files {
        let mut b = fs::read(f).unwrap();
        let mid = b.len() / 2;
        b[mid] ^= 0x01;
        fs::write(f, &b).unwrap();
    }
    fs::write(&files[0], b"not a cache file").unwrap();
    assert_eq!(json(&[img, "--cache-dir", dir]), first);
    let now: Vec<Vec<u8>> = files.iter().map(|f| fs::read(f).unwrap()).collect();
    assert_eq!(now, good, "corrupt entries were not rewritten");
}

#[test]
fn no_cache_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let img = testdata("basic/oci-gzip");
    let o = crate::support::bin()
        .args(["report", "--verify", "--no-cache"])
        .arg(&img)
        .env("XDG_CACHE_HOME", &home)
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(!home.exists(), "--no-cache wrote {:?}", cache_files(&home));
    // Without --verify nothing is verified, so nothing is kept.
    let o = crate::support::bin()
        .arg("report")
        .arg(&img)
        .env("XDG_CACHE_HOME", &home)
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(!home.exists(), "no --verify wrote {:?}", cache_files(&home));
    // The default place, when nothing says otherwise.
    let o = crate::support::bin()
        .args(["report", "--verify"])
        .arg(&img)
        .env("XDG_CACHE_HOME", &home)
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_eq!(
        cache_files(&home.join("layerscope")).len(),
        layer_blobs(&img).len()
    );
}

#[test]
fn concurrent_runs_share_a_cache_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let img = testdata("antipatterns/oci-gzip");
    let spawn = || {
        crate::support::bin()
            .args(["report", "--format", "json", "--verify", "--cache-dir"])
            .arg(&cache)
            .arg(&img)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    for _ in 0..3 {
        let (a, b) = (spawn(), spawn());
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
        assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
        assert_eq!(a.stdout, b.stdout);
    }
    let files = cache_files(&cache);
    let distinct: std::collections::BTreeSet<_> = layer_blobs(&img).into_iter().collect();
    assert_eq!(files.len(), distinct.len(), "{files:?}");
}

#[test]
fn legacy_saves_are_kept_under_their_diff_ids_and_hit_on_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let input = Input::Path(testdata("basic/docker-archive.tar"));
    let spy = |inner| {
        Arc::new(Spy {
            inner: Some(inner),
            ..Spy::default()
        })
    };
    let first = spy(DiskCache::new(dir.path(), 1 << 30));
    let opts = OpenOptions {
        verify: true,
        verify_layers: VerifyLayers::Blob,
        cache: Some(first.clone()),
        ..OpenOptions::default()
    };
    let cold = source::open(&input, &opts).unwrap();
    let diff_ids: Vec<String> = cold
        .layers
        .iter()
        .map(|l| l.changeset.diff_id.clone())
        .collect();
    let puts: Vec<String> = first
        .puts
        .lock()
        .unwrap()
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert_eq!(puts, diff_ids);

    let second = spy(DiskCache::new(dir.path(), 1 << 30));
    let opts = OpenOptions {
        cache: Some(second.clone()),
        ..opts
    };
    let warm = source::open(&input, &opts).unwrap();
    assert!(
        second.puts.lock().unwrap().is_empty(),
        "every layer was a hit"
    );
    for (a, b) in cold.layers.iter().zip(&warm.layers) {
        assert_eq!(a.digest, b.digest);
        assert_same(&a.changeset, &b.changeset);
    }
}
