//! Seekable inputs: every layer blob can be read on its own, so the layer
//! passes run in parallel, at most `available_parallelism()` at a time,
//! each thread with its own file handle.
//!
//! Layers the layer cache has (keyed by a digest this run verifies, see
//! `PlannedLayer::cache_key`) are taken from it before anything is opened:
//! their blobs are never located nor read.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;

use crate::digest::{Algorithm, Digest};
use crate::error::{Error, Result};
use crate::layer::{self, Changeset, ContentOffsets, EntryKind, ScanOptions};

use super::plan::Plan;
use super::store::{Blob, BlobStore};
use super::OpenOptions;

/// One distinct blob to scan (layers sharing a blob share the pass).
struct Job {
    blob: Blob,
    blob_digest: bool,
    diff_id: bool,
    /// The algorithm of the digest that names the blob (sha256 if none).
    blob_algorithm: Option<Algorithm>,
    label: String,
}

/// Where a layer's changeset comes from.
#[derive(Clone, Copy)]
enum Source {
    /// The n-th job's scan.
    Job(usize),
    /// The n-th hit of the layer cache.
    Hit(usize),
}

/// The scanned layers, one per planned layer, in order.
pub(crate) struct Scanned {
    pub results: Vec<Result<Changeset>>,
    /// Which results came from the layer cache (not offered to it again).
    pub cached: Vec<bool>,
    /// The dpkg stanzas idle readers parsed ahead.
    pub stanzas: crate::packages::parse::ReadStanzas,
}

/// Scan the plan's layers; one result per planned layer, in order.
pub(crate) fn scan_layers(
    store: &dyn BlobStore,
    plan: &Plan,
    opts: &OpenOptions,
) -> Result<Scanned> {
    let sink = opts.progress.as_deref();
    let cache = opts.layer_cache();
    let mode = opts.layer_mode();
    let mut hits: Vec<Changeset> = Vec::new();
    let mut hit_of_key: HashMap<Digest, usize> = HashMap::new();
    let mut jobs: Vec<Job> = Vec::new();
    let mut source_of_layer = Vec::with_capacity(plan.layers.len());
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for l in &plan.layers {
        if let Some(cache) = cache {
            let diff_id = plan.config.diff_ids.get(l.index.index());
            if let Some(key) = l.cache_key(diff_id, mode) {
                if let Some(&h) = hit_of_key.get(&key) {
                    source_of_layer.push(Source::Hit(h));
                    continue;
                }
                // An entry written without the diff_id computed cannot
                // stand in for a pass that must check it.
                let usable = |cs: &Changeset| !(l.wants_diff_id(mode) && cs.diff_id.is_empty());
                if let Some(cs) = cache.get(&key).filter(usable) {
                    if let Some(p) = sink {
                        p.layer_scanned(&super::ScannedLayer::new(&l.label, &cs));
                    }
                    hit_of_key.insert(key, hits.len());
                    source_of_layer.push(Source::Hit(hits.len()));
                    hits.push(cs);
                    continue;
                }
            }
        }
        let blob = store
            .locate(&l.path, &l.label)?
            .ok_or_else(|| Error::MissingBlob {
                what: l.what(),
                digest: l
                    .digest
                    .as_ref()
                    .map_or_else(|| l.path.clone(), |d| d.to_string()),
            })?;
        let want = l.wants_blob_digest(mode);
        let want_diff = l.wants_diff_id(mode);
        let j = match by_key.get(&blob.key) {
            Some(&j) => {
                jobs[j].blob_digest |= want;
                jobs[j].diff_id |= want_diff;
                j
            }
            None => {
                by_key.insert(blob.key.clone(), jobs.len());
                jobs.push(Job {
                    blob,
                    blob_digest: want,
                    diff_id: want_diff,
                    blob_algorithm: l.digest.as_ref().and_then(|d| d.known_algorithm()),
                    label: l.label.clone(),
                });
                jobs.len() - 1
            }
        };
        source_of_layer.push(Source::Job(j));
    }

    if let Some(p) = sink {
        p.total(Some(jobs.iter().map(|j| j.blob.size).sum()));
    }
    let advance = |n: u64| {
        if let Some(p) = sink {
            p.advance(n)
        }
    };
    let threads = thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(jobs.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Vec<Mutex<Option<Result<Scan>>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    // The in-order prefix of read layers, for a front end that shows it
    // (`ProgressSink::layers_prefix`); nothing is tracked otherwise.
    let prefix = sink
        .filter(|p| p.wants_prefix())
        .map(|p| (p, Mutex::new(PrefixTracker::new(jobs.len()))));
    let offer_prefix = |done: Option<(usize, bool)>| {
        let Some((p, tracker)) = &prefix else { return };
        // Held while the sink looks: prefixes reach it one at a time, in
        // order.
        let Ok(mut tracker) = tracker.lock() else {
            return;
        };
        let Some(k) = tracker.advance(&source_of_layer, done) else {
            return;
        };
        if k >= plan.layers.len() {
            return;
        }
        // Every job below k is done: its slot is written and no worker
        // locks it again but a reader parsing its databases ahead, for a
        // while (it holds no other lock meanwhile).
        let mut guards: Vec<Option<std::sync::MutexGuard<'_, Option<Result<Scan>>>>> =
            (0..jobs.len()).map(|_| None).collect();
        for src in &source_of_layer[..k] {
            if let Source::Job(j) = *src {
                if guards[j].is_none() {
                    match results[j].lock() {
                        Ok(g) => guards[j] = Some(g),
                        Err(_) => return,
                    }
                }
            }
        }
        let mut changesets = Vec::with_capacity(k);
        for src in &source_of_layer[..k] {
            let cs = match *src {
                Source::Hit(h) => &hits[h],
                Source::Job(j) => match guards[j].as_deref() {
                    Some(Some(Ok((cs, _)))) => cs,
                    _ => return,
                },
            };
            changesets.push(cs);
        }
        p.layers_prefix(&super::LayersPrefix::new(plan, changesets));
    };
    // Layers the cache had may make a prefix before anything is read.
    offer_prefix(None);
    let read_jobs = || loop {
        // Jobs are handed out in layer order and, after a failure,
        // no new one starts: every layer below a failed one has been
        // scanned, so "the first error in layer order" is stable.
        if failed.load(Ordering::Relaxed) {
            break;
        }
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(job) = jobs.get(i) else { break };
        let result = scan_one(store, job, &advance);
        if result.is_err() {
            failed.store(true, Ordering::Relaxed);
        }
        if let Ok(mut slot) = results[i].lock() {
            *slot = Some(result);
        }
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(p) = sink {
            if let Some(Some(Ok(scan))) = results[i].lock().ok().as_deref() {
                p.layer_scanned(&super::ScannedLayer::new(&job.label, &scan.0));
            }
            p.layer_done(n, Some(jobs.len()));
        }
        let ok = matches!(results[i].lock().ok().as_deref(), Some(Some(Ok(_))));
        offer_prefix(Some((i, ok)));
    };
    // Readers still reading: a reader with nothing left to read parses the
    // package databases of the layers read so far while any other reads
    // (the core would idle: the last layer is often the base, the largest).
    let reading = AtomicUsize::new(threads);
    // The memos of the readers that parsed ahead, merged for the analysis.
    let memos: Mutex<crate::packages::parse::StanzaMemo> = Mutex::default();
    let parse_ahead = || {
        if opts.no_parse_ahead {
            return;
        }
        let go_on = || reading.load(Ordering::Relaxed) > 0;
        let mut memo = crate::packages::parse::StanzaMemo::default();
        // In layer order: each status file's memo holds the previous
        // version's stanzas. A slot locked by another idle reader or by the
        // prefix offer is left to the analysis.
        for slot in &results {
            if !go_on() {
                break;
            }
            if let Ok(slot) = slot.try_lock() {
                if let Some(Ok((cs, _))) = slot.as_ref() {
                    crate::packages::parse_ahead(cs, &mut memo, &go_on);
                }
            }
        }
        if let Ok(mut all) = memos.lock() {
            all.extend(memo);
        }
    };
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                read_jobs();
                if reading.fetch_sub(1, Ordering::Relaxed) > 1 {
                    parse_ahead();
                }
            });
        }
    });

    let results: Vec<Option<Result<Scan>>> = results
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        })
        .collect();
    let mut results = hash_candidates(store, &jobs, results, &hits, threads)?;
    let mut refs = vec![0usize; jobs.len()];
    let mut hit_refs = vec![0usize; hits.len()];
    for &src in &source_of_layer {
        match src {
            Source::Job(j) => refs[j] += 1,
            Source::Hit(h) => hit_refs[h] += 1,
        }
    }
    let mut hits: Vec<Option<Changeset>> = hits.into_iter().map(Some).collect();
    let cached = source_of_layer
        .iter()
        .map(|s| matches!(s, Source::Hit(_)))
        .collect();
    let results = plan
        .layers
        .iter()
        .zip(source_of_layer)
        .map(|(l, src)| match src {
            Source::Hit(h) => {
                hit_refs[h] -= 1;
                let cs = if hit_refs[h] > 0 {
                    hits[h].clone()
                } else {
                    hits[h].take()
                };
                cs.ok_or_else(|| not_read(&l.label))
            }
            Source::Job(j) => {
                refs[j] -= 1;
                match &results[j] {
                    Some(Ok(cs)) if refs[j] > 0 => Ok(cs.clone()),
                    Some(_) => results[j].take().unwrap_or_else(|| Err(not_read(&l.label))),
                    None => Err(not_read(&l.label)),
                }
            }
        })
        .collect();
    let stanzas = memos.into_inner().unwrap_or_default();
    Ok(Scanned {
        results,
        cached,
        stanzas: crate::packages::parse::ReadStanzas::new(stanzas),
    })
}

/// How far the in-order prefix of read layers reaches, as jobs finish in
/// any order.
struct PrefixTracker {
    /// Per job: done and read successfully.
    read: Vec<bool>,
    /// Layers 0..len are all read.
    len: usize,
}

impl PrefixTracker {
    fn new(jobs: usize) -> PrefixTracker {
        PrefixTracker {
            read: vec![false; jobs],
            len: 0,
        }
    }

    /// Job `done.0` finished (`done.1`: successfully), or nothing new
    /// (`None`: the cache's layers alone). Returns the prefix's new length
    /// when it grew. A failed job stops the prefix below its layers for
    /// good.
    fn advance(&mut self, sources: &[Source], done: Option<(usize, bool)>) -> Option<usize> {
        if let Some((j, ok)) = done {
            if let Some(r) = self.read.get_mut(j) {
                *r = ok;
            }
        }
        let before = self.len;
        while let Some(&src) = sources.get(self.len) {
            if let Source::Job(j) = src {
                if !self.read[j] {
                    break;
                }
            }
            self.len += 1;
        }
        (self.len > before).then_some(self.len)
    }
}

fn not_read(label: &str) -> Error {
    Error::layer(label, "not read: an earlier layer failed")
}

/// A job's changeset and, when it was scanned by seeking, where its files'
/// contents are (their hashes still to be taken).
type Scan = (Changeset, Option<ContentOffsets>);

fn scan_one(store: &dyn BlobStore, job: &Job, advance: &(dyn Fn(u64) + Sync)) -> Result<Scan> {
    let named = |e: layer::ScanError| Error::layer(&job.label, e.0);
    if !job.blob_digest && !job.diff_id {
        // Nothing hashes the blob: a plain one in a local file is walked by
        // its headers, its contents seeked past.
        if let Some(path) = store.local_file(&job.blob) {
            let (start, len) = (job.blob.offset, job.blob.size);
            let io = |e| Error::io(format!("{} ({})", store.input(), job.blob.key), e);
            if layer::is_plain(&path, start, len).map_err(io)? {
                let (cs, offsets) =
                    layer::scan_seek(&path, start, len, Some(advance)).map_err(named)?;
                return Ok((cs, Some(offsets)));
            }
        }
    }
    let reader = store.open(&job.blob)?;
    let opts = ScanOptions {
        blob_digest: job.blob_digest,
        blob_algorithm: job.blob_algorithm,
        diff_id: job.diff_id,
        progress: Some(advance),
    };
    let cs = layer::scan(reader, &opts).map_err(named)?;
    Ok((cs, None))
}

/// A file's content in a blob: (entry index, offset).
type Range = (usize, u64);

/// `f(index, slot)` for every slot, on up to `threads` threads, each slot
/// taken by one thread.
fn each_slot<T: Send>(slots: &[Mutex<T>], threads: usize, f: impl Fn(usize, &mut T) + Sync) {
    let next = AtomicUsize::new(0);
    thread::scope(|s| {
        for _ in 0..threads.min(slots.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(slot) = slots.get(i) else { break };
                let Ok(mut slot) = slot.lock() else { break };
                f(i, &mut slot);
            });
        }
    });
}

/// The content hashes the figures need of the layers scanned by seeking:
/// a file can only be a duplicate of a file of the same size, so only the
/// files whose size (non-zero) another file of the image shares are read
/// and hashed; of those over [`layer::HEAD_BYTES`], first only the head,
/// and whole only where another file shares size and head. The others
/// keep no hash, which is exact for every figure (duplicates are groups of
/// equal size and content). Each blob is read again, by offset, only where
/// those files lie.
fn hash_candidates(
    store: &dyn BlobStore,
    jobs: &[Job],
    mut results: Vec<Option<Result<Scan>>>,
    hits: &[Changeset],
    threads: usize,
) -> Result<Vec<Option<Result<Changeset>>>> {
    let seeked = results.iter().any(|r| matches!(r, Some(Ok((_, Some(_))))));
    if seeked {
        let mut count: HashMap<u64, u32> = HashMap::new();
        let scanned = results.iter().filter_map(|r| match r {
            Some(Ok((cs, _))) => Some(cs),
            _ => None,
        });
        for cs in scanned.chain(hits) {
            for e in cs
                .entries
                .iter()
                .filter(|e| e.kind == EntryKind::File && e.size > 0)
            {
                let n = count.entry(e.size).or_default();
                *n = n.saturating_add(1);
            }
        }
        let mut todo: Vec<Mutex<(usize, &mut Scan, Vec<Range>)>> = results
            .iter_mut()
            .enumerate()
            .filter_map(|(i, r)| match r {
                Some(Ok(scan @ (_, Some(_)))) => Some(Mutex::new((i, scan, Vec::new()))),
                _ => None,
            })
            .collect();
        let failed: Mutex<Option<Error>> = Mutex::new(None);
        let fail = |job: &Job, e: std::io::Error| {
            let e = Error::io(format!("{} ({})", store.input(), job.blob.key), e);
            if let Ok(mut f) = failed.lock() {
                f.get_or_insert(e);
            }
        };
        // Pass 1: a candidate up to HEAD_BYTES is hashed whole; a bigger one
        // only its head, kept as (entry, offset, head) for pass 2.
        let heads: Vec<Mutex<Vec<(usize, u64, u64)>>> =
            todo.iter().map(|_| Mutex::new(Vec::new())).collect();
        each_slot(&todo, threads, |i, slot| {
            let (j, (cs, offsets), _) = slot;
            let job = &jobs[*j];
            let (mut small, mut big): (Vec<Range>, Vec<Range>) = offsets
                .take()
                .unwrap_or_default()
                .into_iter()
                .filter(|&(e, _)| count.get(&cs.entries[e].size).is_some_and(|&n| n > 1))
                .partition(|&(e, _)| cs.entries[e].size <= layer::HEAD_BYTES);
            if small.is_empty() && big.is_empty() {
                return;
            }
            let Some(path) = store.local_file(&job.blob) else {
                return;
            };
            let (start, len) = (job.blob.offset, job.blob.size);
            if let Err(e) = layer::hash_ranges(&path, start, len, cs, &mut small) {
                fail(job, e);
                return;
            }
            match layer::head_hashes(&path, start, len, cs, &mut big) {
                Ok(h) => {
                    if let Ok(mut out) = heads[i].lock() {
                        *out = h;
                    }
                }
                Err(e) => fail(job, e),
            }
        });
        // Pass 2: only the files whose (size, head) another file shares can
        // be duplicates: those are read whole.
        let heads: Vec<Vec<(usize, u64, u64)>> = heads
            .into_iter()
            .map(|h| h.into_inner().unwrap_or_else(|p| p.into_inner()))
            .collect();
        let mut shared: HashMap<(u64, u64), u32> = HashMap::new();
        for (slot, h) in todo.iter_mut().zip(&heads) {
            let Ok(slot) = slot.get_mut() else { continue };
            for &(e, _, head) in h {
                let n = shared.entry((slot.1 .0.entries[e].size, head)).or_default();
                *n = n.saturating_add(1);
            }
        }
        for (slot, h) in todo.iter_mut().zip(&heads) {
            let Ok(slot) = slot.get_mut() else { continue };
            let cs = &slot.1 .0;
            slot.2 = h
                .iter()
                .filter(|&&(e, _, head)| {
                    shared
                        .get(&(cs.entries[e].size, head))
                        .is_some_and(|&n| n > 1)
                })
                .map(|&(e, at, _)| (e, at))
                .collect();
        }
        each_slot(&todo, threads, |_, slot| {
            let (j, (cs, _), whole) = slot;
            if whole.is_empty() {
                return;
            }
            let job = &jobs[*j];
            let Some(path) = store.local_file(&job.blob) else {
                return;
            };
            if let Err(e) = layer::hash_ranges(&path, job.blob.offset, job.blob.size, cs, whole) {
                fail(job, e);
            }
        });
        if let Some(e) = failed.into_inner().unwrap_or_else(|p| p.into_inner()) {
            return Err(e);
        }
    }
    Ok(results
        .into_iter()
        .map(|r| r.map(|r| r.map(|(cs, _)| cs)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::{PrefixTracker, Source};

    /// Layers: 1 and 3 share job 0, 2 is a cache hit, 4 is job 1, 5 job 2.
    fn sources() -> Vec<Source> {
        vec![
            Source::Job(0),
            Source::Hit(0),
            Source::Job(0),
            Source::Job(1),
            Source::Job(2),
        ]
    }

    #[test]
    fn prefix_grows_in_layer_order_whatever_order_jobs_finish() {
        let s = sources();
        let mut t = PrefixTracker::new(3);
        assert_eq!(t.advance(&s, None), None, "layer 1 is not read yet");
        assert_eq!(t.advance(&s, Some((2, true))), None, "layer 5 alone");
        // Job 0 makes layers 1 and 3; the hit (layer 2) sits between.
        assert_eq!(t.advance(&s, Some((0, true))), Some(3));
        assert_eq!(t.advance(&s, Some((1, true))), Some(5));
    }

    #[test]
    fn hits_alone_make_a_prefix() {
        let s = vec![Source::Hit(0), Source::Hit(1), Source::Job(0)];
        let mut t = PrefixTracker::new(1);
        assert_eq!(t.advance(&s, None), Some(2));
        assert_eq!(t.advance(&s, None), None);
    }

    #[test]
    fn a_failed_layer_stops_the_prefix() {
        let s = sources();
        let mut t = PrefixTracker::new(3);
        assert_eq!(t.advance(&s, Some((0, true))), Some(3));
        assert_eq!(t.advance(&s, Some((1, false))), None);
        assert_eq!(t.advance(&s, Some((2, true))), None);
    }
}
