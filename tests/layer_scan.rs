//! The streaming layer pass on tars built in code. Expected sizes and
//! digests come from the bytes the test itself produced (sha2 over the
//! buffer), never from the pass under test.

use crate::support::layers;

use std::io::Write;

use layers::{content, LayerTar};
use layerscope_core::layer::{scan, Compression, EntryKind, ScanOptions};
use sha2::{Digest, Sha256};

fn sha(b: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(b)))
}

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

fn zstd(b: &[u8]) -> Vec<u8> {
    zstd::encode_all(b, 3).unwrap()
}

fn sample() -> Vec<u8> {
    LayerTar::new()
        .dir("etc")
        .file("etc/hosts", 123, 1)
        .symlink("etc/mtab", "/proc/mounts")
        .hardlink("etc/hosts2", "etc/hosts")
        .whiteout("etc/old")
        .opaque("var")
        .bytes()
}

#[test]
fn plain_layer_sizes_digest_and_entries() {
    let tar = sample();
    let cs = scan(&tar[..], &hashing()).unwrap();
    assert_eq!(cs.size_bytes, tar.len() as u64);
    assert_eq!(cs.stored_bytes, tar.len() as u64);
    assert_eq!(cs.diff_id, sha(&tar));
    assert_eq!(cs.blob_digest.as_deref(), Some(sha(&tar).as_str()));
    assert_eq!(cs.compression, Compression::None);
    let kinds: Vec<(String, EntryKind, u64)> = cs
        .entries
        .iter()
        .map(|e| {
            (
                String::from_utf8_lossy(&e.path).into_owned(),
                e.kind,
                e.size,
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("etc".into(), EntryKind::Dir, 0),
            ("etc/hosts".into(), EntryKind::File, 123),
            ("etc/mtab".into(), EntryKind::Symlink, 0),
            ("etc/hosts2".into(), EntryKind::Hardlink, 0),
            ("etc/old".into(), EntryKind::Whiteout, 0),
            ("var".into(), EntryKind::OpaqueWhiteout, 0),
        ]
    );
    assert_eq!(cs.content_bytes(), 123);
    assert_eq!(cs.entries[2].link(), Some(&b"/proc/mounts"[..]));
    assert_eq!(cs.entries[3].link(), Some(&b"etc/hosts"[..]));
    // The content hash is XXH3-128 of exactly the file's bytes.
    let expect = xxhash_rust::xxh3::xxh3_128(&content(123, 1));
    assert_eq!(
        cs.entries[1].hash,
        Some(layerscope_core::layer::ContentHash::from(expect))
    );
}

#[test]
fn gzip_and_zstd_layers_give_the_same_changeset() {
    let tar = sample();
    let plain = scan(&tar[..], &hashing()).unwrap();
    for (blob, kind) in [
        (gzip(&tar), Compression::Gzip),
        (zstd(&tar), Compression::Zstd),
    ] {
        let opts = ScanOptions {
            blob_digest: true,
            diff_id: true,
            ..Default::default()
        };
        let cs = scan(&blob[..], &opts).unwrap();
        assert_eq!(cs.compression, kind);
        assert_eq!(cs.size_bytes, tar.len() as u64);
        assert_eq!(cs.stored_bytes, blob.len() as u64);
        assert_eq!(cs.diff_id, sha(&tar));
        assert_eq!(cs.blob_digest.as_deref(), Some(sha(&blob).as_str()));
        assert_eq!(cs.entries, plain.entries);
    }
}

#[test]
fn multi_member_gzip_is_decoded_whole() {
    // eStargz-style: the tar split across several gzip members.
    let tar = sample();
    let (a, b) = tar.split_at(1024);
    let mut blob = gzip(a);
    blob.extend(gzip(b));
    let cs = scan(&blob[..], &hashing()).unwrap();
    assert_eq!(cs.size_bytes, tar.len() as u64);
    assert_eq!(cs.diff_id, sha(&tar));
    assert_eq!(cs.entries.len(), 6);
}

#[test]
fn bytes_after_the_end_of_archive_count_in_size_and_diff_id() {
    let mut tar = sample();
    tar.extend(std::iter::repeat_n(0u8, 10 * 512));
    tar.extend(b"trailing garbage after the zero blocks");
    let cs = scan(&tar[..], &hashing()).unwrap();
    assert_eq!(cs.size_bytes, tar.len() as u64);
    assert_eq!(cs.diff_id, sha(&tar));
    assert_eq!(cs.entries.len(), 6);
}

#[test]
fn pax_and_gnu_long_names_and_non_utf8_names() {
    let long = format!("{}/{}", "d".repeat(120), "f".repeat(150));
    // GNU long name (tar::Builder writes ././@LongLink for GNU headers).
    let mut t = LayerTar::new();
    t.file_bytes(&long, b"gnu");
    let gnu = t.bytes();
    let cs = layers::scan_bytes(&gnu);
    assert_eq!(cs.entries.len(), 1);
    assert_eq!(&*cs.entries[0].path, long.as_bytes());
    assert_eq!(cs.entries[0].size, 3);

    // PAX path and size records.
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_ustar();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_size(4);
    h.set_mode(0o644);
    b.append_pax_extensions([("path", long.as_bytes()), ("size", &b"4"[..])])
        .unwrap();
    h.set_path("short").unwrap();
    h.set_cksum();
    b.append(&h, &b"pax!"[..]).unwrap();
    let pax = b.into_inner().unwrap();
    let cs = layers::scan_bytes(&pax);
    assert_eq!(cs.entries.len(), 1, "the PAX header is not an entry");
    assert_eq!(&*cs.entries[0].path, long.as_bytes());
    assert_eq!(cs.entries[0].size, 4);
    assert_eq!(cs.size_bytes, pax.len() as u64);

    // A non-UTF-8 name is kept byte for byte.
    let raw = LayerTar::new().raw_file(b"caf\xe9/\xff\xfe", b"x").bytes();
    let cs = layers::scan_bytes(&raw);
    assert_eq!(&*cs.entries[0].path, b"caf\xe9/\xff\xfe");
}

#[test]
fn empty_blob_and_empty_tar_are_empty_layers() {
    let cs = scan(&[][..], &hashing()).unwrap();
    assert_eq!((cs.size_bytes, cs.entries.len()), (0, 0));
    assert_eq!(cs.diff_id, sha(b""));
    let empty = LayerTar::new().bytes();
    let cs = scan(&empty[..], &hashing()).unwrap();
    assert_eq!(cs.size_bytes, empty.len() as u64);
    assert_eq!(cs.entries.len(), 0);
}

#[test]
fn truncated_and_corrupt_layers_are_errors_not_panics() {
    let tar = sample();
    // Cut inside the content of etc/hosts (header at 512, data at 1024).
    let cut = &tar[..1024 + 50];
    let e = scan(cut, &ScanOptions::default()).unwrap_err();
    assert!(e.0.starts_with("tar entry 2: "), "{e}");

    let gz = gzip(&tar);
    let e = scan(&gz[..gz.len() / 2], &ScanOptions::default()).unwrap_err();
    assert!(e.0.contains("unexpected end of data"), "{e}");

    let mut bad = gz.clone();
    for b in &mut bad[20..60] {
        *b ^= 0x5a;
    }
    assert!(scan(&bad[..], &ScanOptions::default()).is_err());

    let zs = zstd(&tar);
    assert!(scan(&zs[..zs.len() - 10], &ScanOptions::default()).is_err());
}

#[test]
fn a_file_declaring_more_bytes_than_the_stream_has_is_an_error() {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_size(1 << 30);
    h.set_path("big").unwrap();
    h.set_cksum();
    let mut tar = h.as_bytes().to_vec();
    tar.extend(vec![7u8; 4096]);
    let e = scan(&tar[..], &ScanOptions::default()).unwrap_err();
    assert!(e.0.starts_with("tar entry 1: "), "{e}");
}

#[test]
fn progress_reports_every_stored_byte() {
    use std::sync::atomic::{AtomicU64, Ordering};
    let blob = gzip(&sample());
    let seen = AtomicU64::new(0);
    let f = |n: u64| {
        seen.fetch_add(n, Ordering::Relaxed);
    };
    let opts = ScanOptions {
        progress: Some(&f),
        ..Default::default()
    };
    scan(&blob[..], &opts).unwrap();
    assert_eq!(seen.load(Ordering::Relaxed), blob.len() as u64);
}

/// The diff_id asked for (`--verify` on a legacy layer, `--verify=full`).
fn hashing() -> ScanOptions<'static> {
    ScanOptions {
        diff_id: true,
        ..ScanOptions::default()
    }
}

#[test]
fn nothing_is_hashed_unless_asked() {
    let tar = sample();
    for blob in [tar.clone(), gzip(&tar), zstd(&tar)] {
        let plain = scan(&blob[..], &ScanOptions::default()).unwrap();
        let full = scan(
            &blob[..],
            &ScanOptions {
                blob_digest: true,
                ..hashing()
            },
        )
        .unwrap();
        assert_eq!(plain.diff_id, "");
        assert_eq!(plain.blob_digest, None);
        assert_eq!(full.diff_id, sha(&tar));
        assert_eq!(full.blob_digest.as_deref(), Some(sha(&blob).as_str()));
        assert_eq!(plain.entries, full.entries);
        assert_eq!(plain.size_bytes, full.size_bytes);
        assert_eq!(plain.stored_bytes, full.stored_bytes);
    }
}
