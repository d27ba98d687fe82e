//! The layer cache: per-layer scan results kept on disk between runs, so
//! repeated runs and many images cost only their new layers
//! (docs/formats.md, "Layer cache").
//!
//! Storage, not analysis: the core asks through its
//! [`LayerCache`] seam with a digest it
//! verified, and this crate only keeps bytes.
//!
//! - One file per layer: `<dir>/v<FORMAT>/<alg>/<hex>` ([`codec`] says what
//!   is in it). A format change uses a new `v<N>` directory, and an entry of
//!   another build is rejected, so stale results are never read.
//! - Written to a temporary file in the same directory, then renamed over
//!   the entry: concurrent runs race harmlessly (the last rename wins, a
//!   reader sees a whole old file or a whole new one).
//! - Read as untrusted input: a corrupt, truncated or foreign file is a miss
//!   (the layer is scanned again and the file rewritten), never an error.
//! - Size-bounded: after a write, if the entries total more than the bound,
//!   the least recently used (oldest mtime; a hit bumps it) are removed.

#![forbid(unsafe_code)]

pub mod codec;

use std::fs::{self, File, FileTimes};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use layerscope_core::layer::Changeset;
use layerscope_core::source::LayerCache;
use layerscope_core::Digest;

pub use codec::FORMAT;

/// The default bound on the cache's total size: 1 GiB.
pub const DEFAULT_MAX_BYTES: u64 = 1 << 30;

/// A temporary file older than this was left by a run that died: removed.
const STALE_TEMP: Duration = Duration::from_secs(3600);
const TEMP_PREFIX: &str = ".tmp-";

/// The layer cache in a directory.
#[derive(Debug, Clone)]
pub struct DiskCache {
    /// `<dir>/v<FORMAT>`.
    root: PathBuf,
    max_bytes: u64,
}

impl DiskCache {
    /// `$XDG_CACHE_HOME/layerscope`, else `$HOME/.cache/layerscope` (a
    /// relative `XDG_CACHE_HOME` is ignored, as the XDG spec says).
    pub fn default_dir() -> Option<PathBuf> {
        let xdg = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute());
        let base = xdg.or_else(|| {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .map(|h| h.join(".cache"))
        })?;
        Some(base.join("layerscope"))
    }

    /// The cache in `dir`, bounded to `max_bytes`. Nothing is created
    /// until the first entry is written: a run that reads no layer (an
    /// error, a stream) leaves no trace.
    pub fn new(dir: &Path, max_bytes: u64) -> DiskCache {
        DiskCache {
            root: dir.join(format!("v{FORMAT}")),
            max_bytes,
        }
    }

    /// Where the entry for `key` is kept. The digest grammar (checked when
    /// the digest was parsed) allows no `/` and no `..` in either part.
    pub fn entry_path(&self, key: &Digest) -> PathBuf {
        self.root.join(key.algorithm()).join(key.encoded())
    }

    /// The total size of the entries.
    pub fn total_bytes(&self) -> u64 {
        self.entries().iter().map(|e| e.len).sum()
    }

    fn read(&self, key: &Digest) -> Option<Changeset> {
        let path = self.entry_path(key);
        let mut file = File::open(&path).ok()?;
        let len = file.metadata().ok()?.len();
        // Bigger than the bound: not ours to have written; never read whole.
        if len > self.max_bytes {
            return None;
        }
        let mut buf = Vec::with_capacity(usize::try_from(len).ok()?);
        (&mut file).take(len).read_to_end(&mut buf).ok()?;
        let cs = codec::decode(&buf, key).ok()?;
        // Least recently used = oldest mtime: a hit makes it young again.
        let now = SystemTime::now();
        let _ = file.set_times(FileTimes::new().set_accessed(now).set_modified(now));
        Some(cs)
    }

    fn write(&self, key: &Digest, cs: &Changeset) -> io::Result<()> {
        let bytes = codec::encode(key, cs);
        if bytes.len() as u64 > self.max_bytes {
            return Ok(());
        }
        let path = self.entry_path(key);
        let dir = path.parent().unwrap_or(&self.root);
        fs::create_dir_all(dir)?;
        let mut tmp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(dir)?;
        tmp.write_all(&bytes)?;
        // No fsync: an entry torn by a crash fails its checksum and is
        // rewritten; a cache is not worth a disk flush per layer.
        tmp.persist(&path).map_err(|e| e.error)?;
        self.evict()
    }

    /// Remove the least recently used entries until the total is within
    /// the bound (and temporary files that a dead run left behind).
    /// Entries another run removed first are skipped.
    pub fn evict(&self) -> io::Result<()> {
        let mut entries = self.entries();
        let mut total: u64 = entries.iter().map(|e| e.len).sum();
        if total <= self.max_bytes {
            return Ok(());
        }
        entries.sort_by(|a, b| a.mtime.cmp(&b.mtime).then_with(|| a.path.cmp(&b.path)));
        for e in entries {
            if total <= self.max_bytes {
                break;
            }
            match fs::remove_file(&e.path) {
                Ok(()) => {}
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                Err(err) => return Err(err),
            }
            total = total.saturating_sub(e.len);
        }
        Ok(())
    }

    /// Every entry file, `<root>/<alg>/<name>`; stale temporary files are
    /// removed on the way, fresh ones (a write in progress) left alone.
    fn entries(&self) -> Vec<EntryFile> {
        let mut out = Vec::new();
        let Ok(algs) = fs::read_dir(&self.root) else {
            return out;
        };
        let now = SystemTime::now();
        for alg in algs.flatten() {
            let Ok(files) = fs::read_dir(alg.path()) else {
                continue;
            };
            for f in files.flatten() {
                let Ok(meta) = f.metadata() else { continue };
                if !meta.is_file() {
                    continue;
                }
                let mtime = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                if f.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
                    if now.duration_since(mtime).unwrap_or_default() > STALE_TEMP {
                        let _ = fs::remove_file(f.path());
                    }
                    continue;
                }
                out.push(EntryFile {
                    path: f.path(),
                    len: meta.len(),
                    mtime,
                });
            }
        }
        out
    }
}

struct EntryFile {
    path: PathBuf,
    len: u64,
    mtime: SystemTime,
}

impl LayerCache for DiskCache {
    fn get(&self, key: &Digest) -> Option<Changeset> {
        self.read(key)
    }

    fn put(&self, key: &Digest, cs: &Changeset) {
        // Best effort: a full disk or a read-only cache costs the next run a
        // scan, never this run its result.
        let _ = self.write(key, cs);
    }
}
