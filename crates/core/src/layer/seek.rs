//! The layer pass on a plain blob in a local file when nothing hashes the
//! blob (no `--verify`): read the tar headers, seek past the content.
//!
//! What it still checks is what reading checks: every header's checksum
//! (the `tar` crate), the guard's bound on header bytes, and that every
//! file's declared content lies inside the blob (a truncated layer). File
//! contents larger than [`SMALL`] are not read here; their offsets are
//! returned so that the files a figure needs (duplicate candidates: a size
//! shared with another file) can be hashed afterwards by [`hash_ranges`], in
//! offset order. Smaller files come in with the headers' reads and are
//! hashed on the way.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use xxhash_rust::xxh3::Xxh3;

use super::elf::{self, ElfFile};
use super::entry::ContentHash;
use super::guard::HeaderGuard;
use super::scan::{entry_meta, Compression, ScanError};
use super::{Captured, Changeset};
use crate::packages::capture::{wants_content, MAX_CAPTURE};

/// Reads of headers: one buffer serves many small entries, so skipping a
/// small file costs no system call.
const BUF: usize = 64 * 1024;

/// Files up to this size are hashed as the headers are walked: their bytes
/// come in with the headers' reads anyway (seeking past them saves no
/// read), and hashing them there spares a second read of a layer of small
/// files. Larger ones are seeked past.
const SMALL: u64 = BUF as u64;

/// A byte range of a file as a reader that seeks: reads never go past
/// `len`; seeks are free (positioned reads).
struct Window {
    file: File,
    start: u64,
    len: u64,
    pos: u64,
    /// Where the file's own cursor is, relative to `start`.
    at: u64,
}

impl Read for Window {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.len.saturating_sub(self.pos);
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        if self.at != self.pos {
            self.file.seek(SeekFrom::Start(self.start + self.pos))?;
            self.at = self.pos;
        }
        let n = self.file.read(&mut buf[..want])?;
        self.pos += n as u64;
        self.at = self.pos;
        Ok(n)
    }
}

impl Seek for Window {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
        };
        self.pos = target.ok_or_else(|| io::Error::other("seek before the blob"))?;
        Ok(self.pos)
    }
}

/// A buffer in front of a [`Window`] whose forward seeks inside the buffer
/// only move the cursor (`BufReader` would drop the buffer on every seek).
struct SkipReader {
    inner: Window,
    buf: Box<[u8]>,
    pos: usize,
    filled: usize,
}

impl SkipReader {
    /// The logical position.
    fn position(&self) -> u64 {
        self.inner.pos - (self.filled - self.pos) as u64
    }
}

impl Read for SkipReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.filled {
            if out.len() >= self.buf.len() {
                return self.inner.read(out);
            }
            self.filled = self.inner.read(&mut self.buf)?;
            self.pos = 0;
        }
        let n = out.len().min(self.filled - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Seek for SkipReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let forward = match to {
            SeekFrom::Current(d) => Some(d),
            SeekFrom::Start(p) => p
                .checked_sub(self.position())
                .and_then(|d| i64::try_from(d).ok()),
            SeekFrom::End(_) => None,
        };
        if let Some(d) = forward {
            if let Ok(d) = usize::try_from(d) {
                if d <= self.filled - self.pos {
                    self.pos += d;
                    return Ok(self.position());
                }
            }
        }
        let target = match to {
            SeekFrom::Current(d) => self
                .position()
                .checked_add_signed(d)
                .ok_or_else(|| io::Error::other("seek before the blob"))?,
            other => self.inner.seek(other)?,
        };
        self.pos = 0;
        self.filled = 0;
        self.inner.seek(SeekFrom::Start(target))
    }
}

fn window(path: &Path, start: u64, len: u64) -> io::Result<Window> {
    Ok(Window {
        file: File::open(path)?,
        start,
        len,
        pos: 0,
        at: u64::MAX,
    })
}

/// Where a regular file's content lies in its blob: (entry index, offset).
pub type ContentOffsets = Vec<(usize, u64)>;

/// Is the blob at `start..start+len` of `path` plain (not compressed)?
pub fn is_plain(path: &Path, start: u64, len: u64) -> io::Result<bool> {
    let mut w = window(path, start, len)?;
    let mut head = [0u8; 4];
    let mut got = 0;
    while got < head.len() {
        let n = w.read(&mut head[got..])?;
        if n == 0 {
            break;
        }
        got += n;
    }
    Ok(Compression::sniff(&head[..got]) == Compression::None)
}

/// Walk the headers of the plain tar at `start..start+len` of `path`,
/// seeking past every file's content. Entries carry no content hash; the
/// offsets say where each regular file's content is.
pub fn scan_seek(
    path: &Path,
    start: u64,
    len: u64,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<(Changeset, ContentOffsets), ScanError> {
    let w = window(path, start, len).map_err(|e| ScanError::io("reading blob", e))?;
    let reader = SkipReader {
        inner: w,
        buf: vec![0u8; BUF].into_boxed_slice(),
        pos: 0,
        filled: 0,
    };
    let (guarded, guard) = HeaderGuard::new(reader);
    let mut archive = tar::Archive::new(guarded);
    let mut entries = Vec::new();
    let mut offsets = Vec::new();
    let mut captured = Vec::new();
    let mut elves = Vec::new();
    // ELF files' heads and section tables are read by offset through a
    // window of their own, so the walk's buffer is left alone.
    let mut side = window(path, start, len).map_err(|e| ScanError::io("reading blob", e))?;
    let mut small = Vec::with_capacity(BUF);
    let mut reported = 0u64;
    {
        let mut iter = archive
            .entries_with_seek()
            .map_err(|e| ScanError::io("reading tar", e))?;
        for i in 0.. {
            guard.arm();
            let Some(item) = iter.next() else { break };
            let context = || format!("tar entry {}", i + 1);
            let mut e = item.map_err(|e| ScanError::io(&context(), e))?;
            guard.entry(&mut e);
            let (mut entry, content) =
                entry_meta(&mut e).map_err(|e| ScanError::io(&context(), e))?;
            let at = e.raw_file_position();
            // Package databases (packages::capture): their bytes are kept,
            // and hashed on the way like a small file.
            let wanted = content && wants_content(&entry.path);
            if wanted && entry.size <= MAX_CAPTURE {
                let mut k = Vec::with_capacity(entry.size as usize);
                let n = io::copy(&mut (&mut e).take(entry.size), &mut k)
                    .map_err(|e| ScanError::io(&context(), e))?;
                if n != entry.size {
                    // Worded as the streaming pass words it.
                    return Err(ScanError(format!(
                        "{}: unexpected end of data (truncated?)",
                        context()
                    )));
                }
                let mut h = Xxh3::new();
                h.update(&k);
                entry.hash = Some(ContentHash::from(h.digest128()));
                captured.push(Captured::new(entries.len(), Some(k.into_boxed_slice())));
            } else if content && entry.size <= SMALL {
                small.clear();
                let n = io::copy(&mut (&mut e).take(entry.size), &mut small)
                    .map_err(|e| ScanError::io(&context(), e))?;
                if n != entry.size {
                    // Worded as the streaming pass words it.
                    return Err(ScanError(format!(
                        "{}: unexpected end of data (truncated?)",
                        context()
                    )));
                }
                let mut h = Xxh3::new();
                h.update(&small);
                entry.hash = Some(ContentHash::from(h.digest128()));
                if elf::is_elf(&small) {
                    if let Some(strippable) = elf::strippable_whole(&small).record() {
                        elves.push(ElfFile {
                            entry: entries.len(),
                            strippable,
                        });
                    }
                }
            } else if content {
                if wanted {
                    // Over the bound: never read (a finding), hashed like any
                    // large file if its size collides.
                    captured.push(Captured::new(entries.len(), None));
                }
                let end = at.saturating_add(entry.size);
                if end > len {
                    // Worded as the streaming pass words it.
                    return Err(ScanError(format!(
                        "{}: unexpected end of data (truncated?)",
                        context()
                    )));
                }
                offsets.push((entries.len(), at));
                if let Some(strippable) = elf_by_offset(&mut side, at, entry.size)
                    .map_err(|e| ScanError::io(&context(), e))?
                {
                    elves.push(ElfFile {
                        entry: entries.len(),
                        strippable,
                    });
                }
            }
            entries.push(entry);
            if let Some(f) = progress {
                if at - reported >= 1 << 20 {
                    f(at - reported);
                    reported = at;
                }
            }
        }
    }
    if let Some(f) = progress {
        f(len.saturating_sub(reported));
    }
    entries.shrink_to_fit();
    offsets.shrink_to_fit();
    elves.shrink_to_fit();
    Ok((
        Changeset {
            // The rest of a plain blob past the end-of-archive blocks still
            // belongs to the stream (see `scan`).
            size_bytes: len,
            stored_bytes: len,
            diff_id: String::new(),
            blob_digest: None,
            compression: Compression::None,
            entries,
            captured,
            elf: elves,
        },
        offsets,
    ))
}

/// The side-table value of the file whose `size` content bytes start at
/// `at` in the blob: its head read by offset, then (an ELF file only) its
/// section table and names, each read bounded ([`elf::MAX_READ`]).
fn elf_by_offset(side: &mut Window, at: u64, size: u64) -> io::Result<Option<Option<u64>>> {
    let mut head = vec![0u8; elf::HEAD.min(usize::try_from(size).unwrap_or(elf::HEAD))];
    side.seek(SeekFrom::Start(at))?;
    side.read_exact(&mut head)?;
    if !elf::is_elf(&head) {
        return Ok(None);
    }
    let mut failed = None;
    let strip = elf::strippable(size, vec![(0, head)], |r| {
        let mut b = vec![0u8; usize::try_from(r.end - r.start).ok()?];
        let read = side
            .seek(SeekFrom::Start(at + r.start))
            .and_then(|_| side.read_exact(&mut b));
        match read {
            Ok(()) => Some(b),
            Err(e) => {
                failed = Some(e);
                None
            }
        }
    });
    match failed {
        Some(e) => Err(e),
        None => Ok(strip.record()),
    }
}

/// How much of a file [`head_hashes`] reads.
pub const HEAD_BYTES: u64 = 4096;

/// The xxh3-64 of the first [`HEAD_BYTES`] of each chosen file (`(entry
/// index, offset)`, read in offset order, each by one positioned read: the
/// files between them are not read). Two files of one size whose heads
/// differ cannot hold the same content, so only the files whose (size,
/// head) another file shares need reading whole ([`hash_ranges`]); random
/// big files of a common size cost 4 KiB each instead of their size.
pub fn head_hashes(
    path: &Path,
    start: u64,
    len: u64,
    cs: &Changeset,
    ranges: &mut [(usize, u64)],
) -> io::Result<Vec<(usize, u64, u64)>> {
    ranges.sort_unstable_by_key(|r| r.1);
    let mut w = window(path, start, len)?;
    let mut buf = [0u8; HEAD_BYTES as usize];
    let mut out = Vec::with_capacity(ranges.len());
    for &(i, at) in ranges.iter() {
        let n = usize::try_from(cs.entries[i].size.min(HEAD_BYTES)).unwrap_or(0);
        w.seek(SeekFrom::Start(at))?;
        let mut got = 0;
        while got < n {
            let r = w.read(&mut buf[got..n])?;
            if r == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the blob changed while it was read",
                ));
            }
            got += r;
        }
        out.push((i, at, xxhash_rust::xxh3::xxh3_64(&buf[..n])));
    }
    Ok(out)
}

/// Hash the content of the chosen files of a blob scanned by [`scan_seek`]:
/// `(entry index, offset)` pairs, hashed in offset order.
pub fn hash_ranges(
    path: &Path,
    start: u64,
    len: u64,
    cs: &mut Changeset,
    ranges: &mut [(usize, u64)],
) -> io::Result<()> {
    ranges.sort_unstable_by_key(|r| r.1);
    // Small files lie side by side: one buffered read serves several.
    let mut w = SkipReader {
        inner: window(path, start, len)?,
        buf: vec![0u8; 4 * BUF].into_boxed_slice(),
        pos: 0,
        filled: 0,
    };
    let mut buf = vec![0u8; 256 * 1024];
    for &(i, at) in ranges.iter() {
        let size = cs.entries[i].size;
        w.seek(SeekFrom::Start(at))?;
        let mut h = Xxh3::new();
        let mut left = size;
        while left > 0 {
            let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            let n = w.read(&mut buf[..want])?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the blob changed while it was read",
                ));
            }
            h.update(&buf[..n]);
            left -= n as u64;
        }
        cs.entries[i].hash = Some(ContentHash::from(h.digest128()));
    }
    Ok(())
}
