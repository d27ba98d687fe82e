//! The on-disk form of one cached [`Changeset`]: compact, versioned, written
//! by hand (no serialisation framework), and read as untrusted input.
//!
//! ```text
//! magic      8 bytes  "LSCACHE\0"
//! format     u32 LE   FORMAT: bumped whenever anything below changes
//! version    u8 length + bytes: the crate version that wrote it (must match)
//! key        u8 length + bytes: the digest the entry is kept under (must match)
//! length     u64 LE   of the payload
//! payload    see below
//! checksum   u64 LE   xxh3-64 of everything before it
//! ```
//!
//! Payload (`v` = LEB128 varint, at most 10 bytes, overflow refused):
//! `size_bytes v`, `stored_bytes v`, `diff_id` (v length + UTF-8),
//! `blob_digest` (flag byte, then v length + UTF-8), `compression u8`,
//! `entries v`, then per entry: `shared v` (bytes of the path shared with the
//! previous entry's path), `suffix` (v length + bytes), `kind u8`,
//! `typeflag u8`, `flags u8` (1 = link, 2 = hash), `size v`,
//! `header_size v`, `mode v`, `uid v`, `gid v`, then the link (v length +
//! bytes) and the 16 hash bytes when flagged. Then `captured v` (package
//! database contents, `Changeset::captured`), each: `entry v`, a flag byte
//! (0 = over the bound, 1 = content), the content (v length + bytes). Then
//! `elf v` (the ELF files' strippable bytes, `Changeset::elf`), each:
//! `entry v`, a flag byte (0 = unknown, 1 = known), then `bytes v` when
//! known.
//!
//! Every read is bounds-checked against the buffer, every count and length
//! against the bytes left, so a truncated, corrupt or hostile file is a
//! [`Reject`], never a panic nor an allocation larger than the file.

use layerscope_core::layer::{
    Captured, Changeset, Compression, ContentHash, ElfFile, Entry, EntryKind,
};
use layerscope_core::Digest;
use xxhash_rust::xxh3::xxh3_64;

/// Bumped whenever the layout above, or what a [`Changeset`] means, changes
/// (3: the ELF side table; 4: rpm's `rpmdb.sqlite` is captured).
pub const FORMAT: u32 = 4;

const MAGIC: &[u8; 8] = b"LSCACHE\0";
/// The writer's version: entries written by another build are not read (a
/// scan fix must not be hidden behind old results).
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The smallest possible entry: nine one-byte fields.
const MIN_ENTRY: usize = 9;

/// Why a file was not accepted. The text is for tests and debugging only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reject(pub &'static str);

const KINDS: [EntryKind; 10] = [
    EntryKind::File,
    EntryKind::Dir,
    EntryKind::Symlink,
    EntryKind::Hardlink,
    EntryKind::CharDevice,
    EntryKind::BlockDevice,
    EntryKind::Fifo,
    EntryKind::Whiteout,
    EntryKind::OpaqueWhiteout,
    EntryKind::Other,
];

fn kind_byte(k: EntryKind) -> u8 {
    KINDS
        .iter()
        .position(|&x| x == k)
        .unwrap_or(KINDS.len() - 1) as u8
}

fn compression_byte(c: Compression) -> u8 {
    match c {
        Compression::None => 0,
        Compression::Gzip => 1,
        Compression::Zstd => 2,
    }
}

/// The bytes of the file keeping `cs` under `key`.
pub fn encode(key: &Digest, cs: &Changeset) -> Vec<u8> {
    let mut p = Vec::with_capacity(64 + cs.entries.len() * 48);
    varint(&mut p, cs.size_bytes);
    varint(&mut p, cs.stored_bytes);
    bytes(&mut p, cs.diff_id.as_bytes());
    match &cs.blob_digest {
        Some(d) => {
            p.push(1);
            bytes(&mut p, d.as_bytes());
        }
        None => p.push(0),
    }
    p.push(compression_byte(cs.compression));
    varint(&mut p, cs.entries.len() as u64);
    let mut prev: &[u8] = &[];
    for e in &cs.entries {
        let shared = prev
            .iter()
            .zip(e.path.iter())
            .take_while(|(a, b)| a == b)
            .count();
        varint(&mut p, shared as u64);
        bytes(&mut p, &e.path[shared..]);
        p.push(kind_byte(e.kind));
        p.push(e.typeflag);
        p.push(u8::from(e.link().is_some()) | (u8::from(e.hash.is_some()) << 1));
        varint(&mut p, e.size);
        varint(&mut p, e.header_size());
        varint(&mut p, e.mode.into());
        varint(&mut p, e.uid.into());
        varint(&mut p, e.gid.into());
        if let Some(l) = e.link() {
            bytes(&mut p, l);
        }
        if let Some(h) = e.hash {
            p.extend_from_slice(&h.0);
        }
        prev = &e.path;
    }
    varint(&mut p, cs.captured.len() as u64);
    for c in &cs.captured {
        varint(&mut p, c.entry as u64);
        match &c.content {
            Some(b) => {
                p.push(1);
                bytes(&mut p, b);
            }
            None => p.push(0),
        }
    }
    varint(&mut p, cs.elf.len() as u64);
    for f in &cs.elf {
        varint(&mut p, f.entry as u64);
        match f.strippable {
            Some(b) => {
                p.push(1);
                varint(&mut p, b);
            }
            None => p.push(0),
        }
    }

    let mut out = Vec::with_capacity(p.len() + 128);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    short(&mut out, VERSION.as_bytes());
    short(&mut out, key.as_str().as_bytes());
    out.extend_from_slice(&(p.len() as u64).to_le_bytes());
    out.extend_from_slice(&p);
    let sum = xxh3_64(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

/// Read a file written by [`encode`] for `key`; anything else is rejected.
pub fn decode(buf: &[u8], key: &Digest) -> Result<Changeset, Reject> {
    let body_len = buf
        .len()
        .checked_sub(8)
        .ok_or(Reject("shorter than a checksum"))?;
    let (body, sum) = buf.split_at(body_len);
    let mut r = Reader(body);
    if r.take(MAGIC.len())? != MAGIC {
        return Err(Reject("not a layerscope cache file"));
    }
    if r.u32()? != FORMAT {
        return Err(Reject("another format version"));
    }
    if r.short()? != VERSION.as_bytes() {
        return Err(Reject("written by another layerscope version"));
    }
    if r.short()? != key.as_str().as_bytes() {
        return Err(Reject("kept under another key"));
    }
    let len = r.u64()?;
    if len != r.0.len() as u64 {
        return Err(Reject("payload length does not match the file"));
    }
    if sum != xxh3_64(body).to_le_bytes() {
        return Err(Reject("checksum mismatch"));
    }
    let cs = payload(&mut r)?;
    if !r.0.is_empty() {
        return Err(Reject("trailing bytes"));
    }
    Ok(cs)
}

fn payload(r: &mut Reader<'_>) -> Result<Changeset, Reject> {
    let size_bytes = r.varint()?;
    let stored_bytes = r.varint()?;
    let diff_id = r.string()?;
    let blob_digest = match r.u8()? {
        0 => None,
        1 => Some(r.string()?),
        _ => return Err(Reject("bad flag")),
    };
    let compression = match r.u8()? {
        0 => Compression::None,
        1 => Compression::Gzip,
        2 => Compression::Zstd,
        _ => return Err(Reject("unknown compression")),
    };
    let count = r.len()?;
    if count > r.0.len() / MIN_ENTRY {
        return Err(Reject("more entries than bytes"));
    }
    let mut entries: Vec<Entry> = Vec::with_capacity(count);
    for _ in 0..count {
        let shared = r.len()?;
        let prev: &[u8] = entries.last().map_or(&[], |e| &e.path);
        let prefix = prev.get(..shared).ok_or(Reject("bad shared prefix"))?;
        let suffix = r.bytes()?;
        let mut path = Vec::with_capacity(shared + suffix.len());
        path.extend_from_slice(prefix);
        path.extend_from_slice(suffix);
        let kind = *KINDS
            .get(usize::from(r.u8()?))
            .ok_or(Reject("unknown entry kind"))?;
        let typeflag = r.u8()?;
        let flags = r.u8()?;
        if flags > 3 {
            return Err(Reject("bad flags"));
        }
        let size = r.varint()?;
        let header_size = r.varint()?;
        let mode = r.u32v()?;
        let uid = r.u32v()?;
        let gid = r.u32v()?;
        let link = if flags & 1 != 0 {
            Some(Box::from(r.bytes()?))
        } else {
            None
        };
        let hash = if flags & 2 != 0 {
            let mut h = [0u8; 16];
            h.copy_from_slice(r.take(16)?);
            Some(ContentHash(h))
        } else {
            None
        };
        entries.push(Entry {
            path: path.into_boxed_slice(),
            kind,
            size,
            typeflag,
            mode,
            uid,
            gid,
            rare: Entry::rare(link, header_size, size),
            hash,
        });
    }
    let count = r.len()?;
    if count > r.0.len() / 2 {
        return Err(Reject("more captured files than bytes"));
    }
    let mut captured = Vec::with_capacity(count);
    for _ in 0..count {
        let entry = r.len()?;
        if entry >= entries.len() || captured.last().is_some_and(|c: &Captured| c.entry >= entry) {
            return Err(Reject("bad captured entry"));
        }
        let content = match r.u8()? {
            0 => None,
            1 => Some(Box::from(r.bytes()?)),
            _ => return Err(Reject("bad flag")),
        };
        captured.push(Captured::new(entry, content));
    }
    let count = r.len()?;
    if count > r.0.len() / 2 {
        return Err(Reject("more ELF files than bytes"));
    }
    let mut elf = Vec::with_capacity(count);
    for _ in 0..count {
        let entry = r.len()?;
        if entry >= entries.len() || elf.last().is_some_and(|f: &ElfFile| f.entry >= entry) {
            return Err(Reject("bad ELF entry"));
        }
        let strippable = match r.u8()? {
            0 => None,
            1 => Some(r.varint()?),
            _ => return Err(Reject("bad flag")),
        };
        elf.push(ElfFile { entry, strippable });
    }
    Ok(Changeset {
        size_bytes,
        stored_bytes,
        diff_id,
        blob_digest,
        compression,
        entries,
        captured,
        elf,
    })
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn bytes(out: &mut Vec<u8>, b: &[u8]) {
    varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// At most 255 bytes (a version or a digest; longer is not written).
fn short(out: &mut Vec<u8>, b: &[u8]) {
    let n = b.len().min(255);
    out.push(n as u8);
    out.extend_from_slice(&b[..n]);
}

/// A cursor over untrusted bytes: every read checks what is left.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Reject> {
        if n > self.0.len() {
            return Err(Reject("truncated"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, Reject> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32, Reject> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(b))
    }

    fn u64(&mut self) -> Result<u64, Reject> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(b))
    }

    fn varint(&mut self) -> Result<u64, Reject> {
        let mut v = 0u64;
        for i in 0..10 {
            let b = self.u8()?;
            let low = u64::from(b & 0x7f);
            if i == 9 && low > 1 {
                return Err(Reject("varint overflow"));
            }
            v |= low << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(Reject("varint overflow"))
    }

    fn u32v(&mut self) -> Result<u32, Reject> {
        u32::try_from(self.varint()?).map_err(|_| Reject("value out of range"))
    }

    /// A count or length (its caller checks it against what backs it).
    fn len(&mut self) -> Result<usize, Reject> {
        usize::try_from(self.varint()?).map_err(|_| Reject("length out of range"))
    }

    fn bytes(&mut self) -> Result<&'a [u8], Reject> {
        let n = self.len()?;
        self.take(n)
    }

    fn string(&mut self) -> Result<String, Reject> {
        let b = self.bytes()?;
        String::from_utf8(b.to_vec()).map_err(|_| Reject("not UTF-8"))
    }

    fn short(&mut self) -> Result<&'a [u8], Reject> {
        let n = usize::from(self.u8()?);
        self.take(n)
    }
}
