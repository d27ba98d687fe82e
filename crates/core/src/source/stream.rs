//! Inputs that cannot seek (stdin, a gzipped archive): ONE pass.
//!
//! Every producer writes the metadata *after* the blobs (legacy `docker
//! save` puts `manifest.json` last; Docker 25+, containerd and skopeo write
//! `index.json` after `blobs/`), so we cannot know which members are layers
//! until the end. Instead each member is classified as it streams by:
//!
//! - it starts with `{` or `[` and is small: metadata, buffered in memory
//!   (each under [`META_CAP`], all together under [`TOTAL_META_CAP`]);
//! - otherwise it could be a layer: the layer pass runs on the member's bytes
//!   right there, and its result is kept by member name.
//!
//! At the end the metadata is resolved exactly as for a seekable input and
//! the kept results are put in manifest order. A buffered member that turns
//! out to be a layer (a layer tar whose first name starts with `{`) is
//! scanned from memory.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{self, Cursor, Read};
use std::rc::Rc;

use crate::error::{Error, Result};
use crate::layer::{self, Changeset, HeaderGuard, ScanError, ScanOptions};

use super::detect::read_head;
use super::outer::{classify, member_name, Member, MemberTable};
use super::store::{too_large, Store, META_CAP};
use super::{layout, plan};
use super::{Image, OpenOptions, VerifyLayers};

/// All buffered metadata together: enough for hundreds of images' configs
/// and manifests, bounded so that a stream of JSON cannot exhaust memory.
pub(crate) const TOTAL_META_CAP: u64 = 64 << 20;

/// Why a member's bytes are (or are not) in memory.
enum Slot {
    Buffered(Vec<u8>),
    TooLarge(u64),
    OverTotal,
}

/// The members seen in one pass, as a [`Store`] for the metadata resolver.
struct StreamStore {
    label: String,
    members: MemberTable,
    slots: HashMap<String, Slot>,
    buffered: u64,
}

impl Store for StreamStore {
    fn input(&self) -> &str {
        &self.label
    }

    fn contains(&self, path: &str) -> bool {
        matches!(self.members.resolve(path), Ok(Some(_)))
    }

    fn read_meta(&self, path: &str, file: &str) -> Result<Option<Vec<u8>>> {
        let Some(r) = self.members.resolve_meta(path, file)? else {
            return Ok(None);
        };
        match self.slots.get(&r.name) {
            Some(Slot::Buffered(b)) => Ok(Some(b.clone())),
            Some(Slot::TooLarge(size)) => Err(too_large(file, *size)),
            Some(Slot::OverTotal) => Err(Error::metadata(
                file,
                format!(
                    "not kept: metadata files together exceed the {} MiB a one-pass read buffers",
                    TOTAL_META_CAP >> 20
                ),
            )),
            None => Err(Error::metadata(
                file,
                "invalid JSON: the member does not start with `{` or `[`",
            )),
        }
    }
}

/// Remembers the first I/O error of the outer stream (the raw input or the
/// whole-archive gzip), so that a failure surfacing inside a layer pass is
/// reported as what it is: the archive, not the layer, is broken.
struct OuterTap<R> {
    inner: R,
    failed: Rc<RefCell<Option<(io::ErrorKind, String)>>>,
}

impl<R: Read> Read for OuterTap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Err(e) if e.kind() != io::ErrorKind::Interrupted => {
                let mut f = self.failed.borrow_mut();
                if f.is_none() {
                    *f = Some((e.kind(), e.to_string()));
                }
                Err(e)
            }
            other => other,
        }
    }
}

/// Counts the bytes read from a member, to detect truncation.
struct Counted<R> {
    inner: R,
    n: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.n += n as u64;
        Ok(n)
    }
}

/// Members that are neither metadata we read nor layers: legacy
/// `<id>/VERSION` ("1.0"). Skipped rather than scanned.
fn is_ignored(name: &str) -> bool {
    name.ends_with("/VERSION")
}

/// Metadata by name: buffered whatever their first byte, so a malformed
/// one gets a JSON error rather than a layer error.
fn is_metadata_name(name: &str) -> bool {
    matches!(
        name,
        "manifest.json" | "index.json" | "oci-layout" | "repositories"
    )
}

/// Read a whole archive from a stream (already decompressed) in one pass.
pub(crate) fn run<R: Read>(
    reader: R,
    label: &str,
    gzipped: bool,
    opts: &OpenOptions,
) -> Result<Image> {
    let failed = Rc::new(RefCell::new(None));
    let outer_error = |e: io::Error| -> Error {
        match failed.borrow().clone() {
            Some((kind, msg)) => Error::io(label, io::Error::new(kind, msg)),
            None => Error::io(format!("{label} (outer tar)"), e),
        }
    };
    // The guard bounds what the tar reader buffers per member (long names,
    // PAX headers): see `layer::guard`.
    let (guarded, guard) = HeaderGuard::new(OuterTap {
        inner: reader,
        failed: failed.clone(),
    });
    let mut archive = tar::Archive::new(guarded);
    let mut store = StreamStore {
        label: label.to_string(),
        members: MemberTable::default(),
        slots: HashMap::new(),
        buffered: 0,
    };
    let mut scans: HashMap<String, std::result::Result<Changeset, ScanError>> = HashMap::new();
    let sink = opts.progress.as_deref();
    if let Some(p) = sink {
        p.total(None);
    }
    let advance = |n: u64| {
        if let Some(p) = sink {
            p.advance(n)
        }
    };
    let mode = opts.layer_mode();
    let scan_opts = ScanOptions {
        // We learn which digests to check only at the end: with `--verify`
        // every member's stored bytes are hashed (a plain member's hash is
        // also its diff_id, which names a legacy `docker save` layer).
        blob_digest: mode >= VerifyLayers::Blob,
        // The manifest, which names the algorithm, may come after the
        // blobs: sha256 (verify_layer skips another algorithm's check).
        blob_algorithm: None,
        diff_id: mode == VerifyLayers::Full,
        progress: Some(&advance),
    };
    let mut scanned = 0usize;

    let mut iter = archive.entries().map_err(outer_error)?;
    loop {
        guard.arm();
        let Some(item) = iter.next() else { break };
        let mut entry = item.map_err(outer_error)?;
        guard.entry(&mut entry);
        let name = member_name(&entry.path_bytes());
        let member = classify(&entry, 0);
        let Member::File { size, .. } = member else {
            store.members.insert(name, member);
            continue;
        };
        store.members.insert(name.clone(), member);
        let mut body = Counted { inner: entry, n: 0 };
        if !is_ignored(&name) {
            let head = read_head(&mut body, 64).map_err(outer_error)?;
            let json_like = matches!(
                head.iter().find(|b| !b.is_ascii_whitespace()),
                Some(b'{' | b'[')
            );
            let meta = json_like || is_metadata_name(&name);
            if meta && size <= META_CAP && store.buffered + size <= TOTAL_META_CAP {
                let mut buf = head;
                body.read_to_end(&mut buf).map_err(outer_error)?;
                store.buffered += buf.len() as u64;
                store.slots.insert(name.clone(), Slot::Buffered(buf));
            } else {
                if meta {
                    let slot = if size > META_CAP {
                        Slot::TooLarge(size)
                    } else {
                        Slot::OverTotal
                    };
                    store.slots.insert(name.clone(), slot);
                }
                if !is_metadata_name(&name) {
                    // Could be a layer: scan it now, as it streams by.
                    let result = layer::scan(Cursor::new(head).chain(&mut body), &scan_opts);
                    if failed.borrow().is_some() {
                        return Err(outer_error(io::Error::other("outer stream failed")));
                    }
                    scanned += 1;
                    if let Some(p) = sink {
                        if let Ok(cs) = &result {
                            p.layer_scanned(&super::ScannedLayer::new(&name, cs));
                        }
                        p.layer_done(scanned, None);
                    }
                    scans.insert(name.clone(), result);
                }
            }
        }
        // Whatever was not read (skipped members, a failed pass) is read
        // here, so a short member shows as the truncation it is.
        io::copy(&mut body, &mut io::sink()).map_err(outer_error)?;
        if body.n < size {
            return Err(Error::io(
                label,
                io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "archive is truncated: member {name:?} has {} of its {size} bytes",
                        body.n
                    ),
                ),
            ));
        }
    }
    guard.disarm();
    // Read to the end: past the tar's end blocks only padding remains, but
    // a gzip trailer (CRC, length) is only checked when reached.
    io::copy(&mut archive.into_inner(), &mut io::sink()).map_err(outer_error)?;

    let plan = layout::resolve(&store, gzipped, opts)?;
    // Which scanned result each layer takes; the last user of a shared
    // member takes it, the others clone it.
    let mut keys = Vec::with_capacity(plan.layers.len());
    for l in &plan.layers {
        let resolved = store
            .members
            .resolve(&l.path)
            .map_err(|why| Error::layer(&l.label, why))?
            .ok_or_else(|| Error::MissingBlob {
                what: l.what(),
                digest: l
                    .digest
                    .as_ref()
                    .map_or_else(|| l.path.clone(), |d| d.to_string()),
            })?;
        keys.push(resolved.name);
    }
    let mut refs: HashMap<&str, usize> = HashMap::new();
    for k in &keys {
        *refs.entry(k.as_str()).or_default() += 1;
    }
    let mut results = Vec::with_capacity(keys.len());
    for (l, key) in plan.layers.iter().zip(&keys) {
        let left = refs.get_mut(key.as_str()).map_or(0, |n| {
            *n -= 1;
            *n
        });
        let result = match scans.get(key) {
            Some(Ok(cs)) if left > 0 => Ok(cs.clone()),
            Some(_) => scans
                .remove(key)
                .map(|r| r.map_err(|e| Error::layer(&l.label, e.0)))
                .unwrap_or_else(|| Err(Error::layer(&l.label, "member was not read"))),
            None => match store.slots.get(key) {
                Some(Slot::Buffered(bytes)) => {
                    let r = layer::scan(&bytes[..], &scan_opts)
                        .map_err(|e| Error::layer(&l.label, e.0));
                    if let Ok(cs) = &r {
                        if left > 0 {
                            scans.insert(key.clone(), Ok(cs.clone()));
                        }
                    }
                    r
                }
                _ => Err(Error::layer(&l.label, "member was not read")),
            },
        };
        results.push(result);
    }
    // The layers were read as they streamed by: the cache can only be
    // filled here, never spare a read (see `plan::finish`).
    plan::finish(plan, results, &[], opts)
}
