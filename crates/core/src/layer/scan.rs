//! The streaming layer pass.

use std::io::{self, BufReader, Read};
use std::sync::mpsc;

use sha2::{Digest, Sha256};

use crate::digest::Algorithm;
use xxhash_rust::xxh3::Xxh3;

use super::elf::{ElfFile, Probe};
use super::entry::{ContentHash, Entry, EntryKind};
use super::forward::ForwardSeek;
use super::guard::HeaderGuard;
use super::path::normalize;
use super::{Captured, Changeset};
use crate::packages::capture::{wants_content, MAX_CAPTURE};

/// Large reads: decompressors and hashers run best on big chunks.
const READ_BUF: usize = 256 * 1024;

/// How a blob is compressed, as told by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    #[default]
    None,
    Gzip,
    Zstd,
}

impl Compression {
    /// Sniff from magic bytes: gzip `1f 8b`, zstd `28 b5 2f fd`, else plain.
    pub fn sniff(prefix: &[u8]) -> Compression {
        if prefix.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if prefix.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// Options of one layer pass.
#[derive(Default)]
pub struct ScanOptions<'a> {
    /// Hash the stored (compressed) bytes, to check a blob digest.
    pub blob_digest: bool,
    /// With `blob_digest`: the algorithm of the digest that names the blob
    /// (`None`: sha256).
    pub blob_algorithm: Option<Algorithm>,
    /// Hash the uncompressed tar stream (the diff_id). For a plain blob the
    /// stored bytes are that stream: one sha256 serves both.
    pub diff_id: bool,
    /// Called with the number of stored bytes consumed since the last call.
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
}

/// Why a layer could not be read. The caller names the layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ScanError(pub String);

impl ScanError {
    pub(super) fn io(context: &str, e: io::Error) -> ScanError {
        let why = match e.kind() {
            io::ErrorKind::UnexpectedEof => "unexpected end of data (truncated?)".to_string(),
            _ => e.to_string(),
        };
        ScanError(format!("{context}: {why}"))
    }
}

/// Counts (and optionally hashes) the bytes that pass through a reader.
struct Tap<R> {
    inner: R,
    count: u64,
    sha: Option<Sha256>,
    /// A blob named by sha384 or sha512: its own hash of the stored bytes.
    other: Option<Box<dyn sha2::digest::DynDigest + Send>>,
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        if let Some(sha) = &mut self.sha {
            sha.update(&buf[..n]);
        }
        if let Some(h) = &mut self.other {
            sha2::digest::DynDigest::update(h.as_mut(), &buf[..n]);
        }
        Ok(n)
    }
}

/// Reports stored-byte progress in coarse steps.
struct Progress<'a, R> {
    inner: R,
    pending: u64,
    f: Option<&'a (dyn Fn(u64) + Sync)>,
}

impl<R: Read> Read for Progress<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(f) = self.f {
            self.pending += n as u64;
            if self.pending >= 1 << 20 || n == 0 {
                f(std::mem::take(&mut self.pending));
            }
        }
        Ok(n)
    }
}

/// Chunks handed from the reading stage to the walking stage.
const CHUNK: usize = 512 * 1024;
/// Chunks in flight between the stages (bounds the memory of a layer pass).
const IN_FLIGHT: usize = 4;

/// Read one layer blob to its end and return its changeset.
///
/// The whole blob is consumed: after the tar's end-of-archive blocks the rest
/// of the decompressed stream is drained through the counter and hasher, so
/// `size_bytes` and the diff_id cover the whole stream (waste-model.md).
///
/// Two stages run at once, joined by a bounded channel of buffers: the
/// calling thread reads (and decompresses) the blob, a worker walks the tar
/// and hashes file contents. The sha256 of the tar stream (the diff_id)
/// goes where it balances the work: with the reader for a plain blob (whose
/// stored bytes are the tar stream), with the walker behind a decompressor.
/// This is what lets one sequential stream (stdin) use two cores.
pub fn scan<R: Read>(blob: R, opts: &ScanOptions<'_>) -> Result<Changeset, ScanError> {
    let mut tap = Tap {
        inner: Progress {
            inner: blob,
            pending: 0,
            f: opts.progress,
        },
        count: 0,
        sha: (opts.blob_digest || opts.diff_id).then(Sha256::new),
        other: None,
    };
    let other_algorithm = opts
        .blob_algorithm
        .filter(|&a| opts.blob_digest && a != Algorithm::Sha256);
    tap.other = other_algorithm.map(Algorithm::hasher);
    // Sniff the magic bytes; loop because pipes and tar members may give
    // short reads. The head goes back in front of the stream.
    let mut head = [0u8; 4];
    let mut got = 0;
    while got < head.len() {
        let n =
            read_retry(&mut tap, &mut head[got..]).map_err(|e| ScanError::io("reading blob", e))?;
        if n == 0 {
            break;
        }
        got += n;
    }
    let compression = Compression::sniff(&head[..got]);
    if compression != Compression::None && (!opts.blob_digest || other_algorithm.is_some()) {
        tap.sha = None;
    }
    let stored = io::Cursor::new(head[..got].to_vec()).chain(tap);

    std::thread::scope(|s| {
        let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(IN_FLIGHT);
        let (back_tx, back_rx) = mpsc::channel::<Vec<u8>>();
        let compressed = compression != Compression::None;
        let hash_in_walker = compressed && opts.diff_id;
        let walker = s.spawn(move || {
            let mut tar = Tap {
                inner: ChanReader {
                    rx,
                    back: back_tx,
                    buf: Vec::new(),
                    pos: 0,
                },
                count: 0,
                sha: hash_in_walker.then(Sha256::new),
                other: None,
            };
            let (entries, captured, elf) = walk(&mut tar)?;
            Ok::<_, ScanError>((entries, captured, elf, tar.count, tar.sha))
        });
        let produced = produce(stored, compression, &tx, &back_rx);
        drop(tx); // end of stream for the walker
        let walked = walker
            .join()
            .map_err(|_| ScanError("tar walker panicked".into()))?;
        // A read/decompress error explains a truncated tar better than the
        // walker's view of it, so it comes first.
        let (mut tap, tar_len) = produced?;
        let (entries, captured, elf, walked_len, walked_sha) = walked?;
        let size_bytes = if compressed { walked_len } else { tar_len };
        // Empty when not computed (the caller fills in the config's claim).
        let diff_id = match walked_sha {
            Some(sha) => hex_digest(sha),
            None if !compressed => tap.sha.take().map(hex_digest).unwrap_or_default(),
            None => String::new(),
        };
        let blob_digest = if let (Some(a), Some(h)) = (other_algorithm, tap.other.take()) {
            Some(a.finish(h).to_string())
        } else if !compressed {
            (!diff_id.is_empty()).then(|| diff_id.clone())
        } else {
            tap.sha.take().map(hex_digest)
        };
        Ok(Changeset {
            size_bytes,
            stored_bytes: tap.count,
            diff_id,
            blob_digest,
            compression,
            entries,
            captured,
            elf,
        })
    })
}

/// The reading stage: push the (decompressed) tar stream into the channel in
/// chunks, recycling the buffers the walker hands back. Returns the stored
/// tap (count, blob sha) and the length of the tar stream sent.
fn produce<'p, R: Read>(
    stored: io::Chain<io::Cursor<Vec<u8>>, Tap<Progress<'p, R>>>,
    compression: Compression,
    tx: &mpsc::SyncSender<Vec<u8>>,
    back: &mpsc::Receiver<Vec<u8>>,
) -> Result<(Tap<Progress<'p, R>>, u64), ScanError> {
    fn pump<D: Read>(
        mut src: D,
        tx: &mpsc::SyncSender<Vec<u8>>,
        back: &mpsc::Receiver<Vec<u8>>,
        what: &str,
    ) -> Result<(D, u64), ScanError> {
        let mut sent = 0u64;
        loop {
            let mut buf = back.try_recv().unwrap_or_default();
            buf.resize(CHUNK, 0);
            let mut filled = 0;
            while filled < CHUNK {
                match src.read(&mut buf[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(ScanError::io(what, e)),
                }
            }
            if filled == 0 {
                return Ok((src, sent));
            }
            buf.truncate(filled);
            sent += filled as u64;
            if tx.send(buf).is_err() {
                // The walker stopped on an error of its own: it reports it.
                return Ok((src, sent));
            }
        }
    }
    match compression {
        Compression::None => {
            let (stored, sent) = pump(stored, tx, back, "reading blob")?;
            Ok((stored.into_inner().1, sent))
        }
        Compression::Gzip => {
            let dec =
                flate2::bufread::MultiGzDecoder::new(BufReader::with_capacity(READ_BUF, stored));
            let (dec, sent) = pump(dec, tx, back, "decompressing")?;
            Ok((drain_stored(dec.into_inner())?, sent))
        }
        Compression::Zstd => {
            let dec = zstd::stream::read::Decoder::with_buffer(BufReader::with_capacity(
                READ_BUF, stored,
            ))
            .map_err(|e| ScanError::io("zstd", e))?;
            let (dec, sent) = pump(dec, tx, back, "decompressing")?;
            Ok((drain_stored(dec.finish())?, sent))
        }
    }
}

/// The decompressor may stop at the end of its last frame/member with
/// stored bytes left over (trailing padding): count them so `stored_bytes`
/// is the blob's length.
fn drain_stored<R: Read>(
    mut stored: BufReader<io::Chain<io::Cursor<Vec<u8>>, Tap<R>>>,
) -> Result<Tap<R>, ScanError> {
    io::copy(&mut stored, &mut io::sink()).map_err(|e| ScanError::io("reading blob", e))?;
    Ok(stored.into_inner().into_inner().1)
}

/// The walking stage's view of the channel: a `Read` over the chunks.
struct ChanReader {
    rx: mpsc::Receiver<Vec<u8>>,
    back: mpsc::Sender<Vec<u8>>,
    buf: Vec<u8>,
    pos: usize,
}

impl Read for ChanReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.buf.len() {
            match self.rx.recv() {
                Ok(next) => {
                    let done = std::mem::replace(&mut self.buf, next);
                    let _ = self.back.send(done); // the reader may be gone
                    self.pos = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn read_retry<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match r.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// What [`walk`] returns: the entries, the package databases kept, the ELF
/// files' figures.
type Walked = (Vec<Entry>, Vec<Captured>, Vec<ElfFile>);

/// Walk the tar entries, then drain the rest of the stream.
fn walk<R: Read>(stream: &mut R) -> Result<Walked, ScanError> {
    // The guard bounds what the tar reader buffers per entry (long names,
    // PAX headers): see `guard`.
    let (guarded, guard) = HeaderGuard::new(ForwardSeek::new(&mut *stream));
    let mut archive = tar::Archive::new(guarded);
    let mut entries = Vec::new();
    let mut captured = Vec::new();
    let mut elf = Vec::new();
    let mut probe = Probe::default();
    let mut buf = vec![0u8; READ_BUF];
    {
        // "With seek": the padding after each entry is skipped through one
        // buffer (`forward`), not a fresh zeroed one per entry.
        let mut iter = archive
            .entries_with_seek()
            .map_err(|e| ScanError::io("reading tar", e))?;
        for i in 0.. {
            guard.arm();
            let Some(item) = iter.next() else { break };
            let mut e = item.map_err(|e| ScanError::io(&format!("tar entry {}", i + 1), e))?;
            guard.entry(&mut e);
            let (entry, content, strip) = read_entry(&mut e, &mut buf, &mut probe)
                .map_err(|err| ScanError::io(&format!("tar entry {}", i + 1), err))?;
            if let Some(strippable) = strip {
                elf.push(ElfFile {
                    entry: entries.len(),
                    strippable,
                });
            }
            if let Some(content) = content {
                captured.push(Captured::new(entries.len(), content));
            }
            entries.push(entry);
        }
    }
    // A layer's entries live as long as the analysis: give back the growth
    // slack of the vector.
    entries.shrink_to_fit();
    // Past the end-of-archive marker: the rest still belongs to the stream.
    io::copy(stream, &mut io::sink()).map_err(|e| ScanError::io("reading tar padding", e))?;
    elf.shrink_to_fit();
    Ok((entries, captured, elf))
}

/// What `read_entry` kept of a package database file: its bytes, or `None`
/// when it is larger than [`MAX_CAPTURE`].
type Kept = Option<Option<Box<[u8]>>>;

/// An ELF file's side-table value ([`super::elf::Strip::record`]).
type Stripped = Option<Option<u64>>;

fn read_entry<R: Read>(
    e: &mut tar::Entry<'_, R>,
    buf: &mut [u8],
    probe: &mut Probe,
) -> io::Result<(Entry, Kept, Stripped)> {
    let (mut entry, content) = entry_meta(e)?;
    let mut kept: Kept = None;
    let mut stripped = None;
    if content {
        probe.start(entry.size);
        let size = entry.size;
        let mut h = Xxh3::new();
        let mut read = 0u64;
        // Package databases (packages::capture): their bytes are kept.
        let wanted = wants_content(&entry.path);
        let mut keep = (wanted && size <= MAX_CAPTURE).then(|| Vec::with_capacity(size as usize));
        if wanted {
            kept = Some(None);
        }
        loop {
            let n = e.read(buf)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
            probe.feed(&buf[..n]);
            if let Some(k) = &mut keep {
                k.extend_from_slice(&buf[..n]);
            }
            read += n as u64;
        }
        if let Some(k) = keep {
            kept = Some(Some(k.into_boxed_slice()));
        }
        if read != size {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("file declares {size} bytes, stream has {read}"),
            ));
        }
        entry.hash = Some(ContentHash::from(h.digest128()));
        stripped = probe.finish().record();
    }
    Ok((entry, kept, stripped))
}

/// An entry's metadata, without reading its content; `true` when it has
/// content to hash (a regular file that is not GNU sparse).
pub(super) fn entry_meta<R: Read>(e: &mut tar::Entry<'_, R>) -> io::Result<(Entry, bool)> {
    let header = e.header();
    let mode = header.mode().unwrap_or(0);
    let uid = u32::try_from(header.uid().unwrap_or(0)).unwrap_or(u32::MAX);
    let gid = u32::try_from(header.gid().unwrap_or(0)).unwrap_or(u32::MAX);
    let raw_path = e.path_bytes();
    let path: Box<[u8]> = normalize(&raw_path).into();
    let et = header.entry_type();
    let typeflag = et.as_byte();
    let header_size = e.size();
    let mut kind = match et {
        tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
            EntryKind::File
        }
        tar::EntryType::Directory => EntryKind::Dir,
        tar::EntryType::Symlink => EntryKind::Symlink,
        tar::EntryType::Link => EntryKind::Hardlink,
        tar::EntryType::Char => EntryKind::CharDevice,
        tar::EntryType::Block => EntryKind::BlockDevice,
        tar::EntryType::Fifo => EntryKind::Fifo,
        _ => EntryKind::Other,
    };
    let (path, whiteout) = whiteout_target(path);
    if let Some(w) = whiteout {
        kind = w;
    }
    let link = match kind {
        EntryKind::Symlink => e
            .link_name_bytes()
            .map(|l| l.into_owned().into_boxed_slice()),
        EntryKind::Hardlink => e
            .link_name_bytes()
            .map(|l| normalize(&l).into_owned().into_boxed_slice()),
        _ => None,
    };
    // A GNU sparse file reads back expanded, holes as zeros: 1 KiB stored
    // can claim 2^60 bytes, days of hashing zeros. Its size is the
    // expanded one; its content is not hashed (never a duplicate).
    let content = kind == EntryKind::File && !et.is_gnu_sparse();
    let size = if kind == EntryKind::File { e.size() } else { 0 };
    Ok((
        Entry {
            path,
            kind,
            size,
            typeflag,
            mode,
            uid,
            gid,
            rare: Entry::rare(link, header_size, size),
            hash: None,
        },
        content,
    ))
}

/// Recognise `.wh.` names (OCI image-spec layer.md, "Whiteouts"):
/// `D/.wh..wh..opq` is an opaque whiteout of `D`; `D/.wh.NAME` removes
/// `D/NAME`; other `.wh..wh.` names are AUFS metadata and mean nothing here.
fn whiteout_target(path: Box<[u8]>) -> (Box<[u8]>, Option<EntryKind>) {
    let (dir, base) = match path.iter().rposition(|&b| b == b'/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (&path[..0], &path[..]),
    };
    if base == b".wh..wh..opq" {
        return (dir.into(), Some(EntryKind::OpaqueWhiteout));
    }
    if base.starts_with(b".wh..wh.") {
        return (path, Some(EntryKind::Other));
    }
    if let Some(name) = base.strip_prefix(b".wh.") {
        if name.is_empty() {
            return (path, Some(EntryKind::Other));
        }
        let mut target = Vec::with_capacity(dir.len() + 1 + name.len());
        target.extend_from_slice(dir);
        if !dir.is_empty() {
            target.push(b'/');
        }
        target.extend_from_slice(name);
        return (target.into(), Some(EntryKind::Whiteout));
    }
    (path, None)
}

fn hex_digest(sha: Sha256) -> String {
    format!("sha256:{}", hex::encode(sha.finalize()))
}
