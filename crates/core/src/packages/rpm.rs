//! rpm's SQLite database (`rpmdb.sqlite`, rpm ≥ 4.16), read from memory in
//! pure Rust: a small read-only reader of the one table rpm writes,
//! `Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)`,
//! then each row's rpm header blob.
//!
//! The file is untrusted: every offset, count and page number is
//! bounds-checked, the b-tree is walked with an explicit stack, and a page
//! visited twice (a cycle, or two parents sharing a child) is an error, so
//! the work is bounded by the number of pages in the file.
//!
//! Formats: <https://www.sqlite.org/fileformat2.html> (database header,
//! table b-tree pages, overflow pages, varints, record format) and rpm's
//! `docs/manual/format_header.md` (header index entries and data store).

use super::parse::{normal, Stanza};

/// What the SQLite file says, before the rpm headers are read.
type Res<T> = Result<T, String>;

/// A SQLite database in memory.
struct Db<'a> {
    bytes: &'a [u8],
    page_size: usize,
    /// Usable bytes of a page (page size less the reserved bytes).
    usable: usize,
    pages: usize,
    /// Pages already read (each page is read at most once).
    seen: Vec<bool>,
    /// Payload bytes still allowed: each byte of the file belongs to one
    /// cell at most, so rows that add up to more than the file share
    /// bytes (cell pointers aimed at one cell, a hostile amplification).
    budget: u64,
}

impl<'a> Db<'a> {
    fn open(bytes: &'a [u8]) -> Res<Db<'a>> {
        if bytes.len() < 100 || &bytes[..16] != b"SQLite format 3\0" {
            return Err("not an SQLite 3 database (no header)".into());
        }
        let page_size = match u16::from_be_bytes([bytes[16], bytes[17]]) {
            1 => 65536,
            n if n >= 512 && n.is_power_of_two() => n as usize,
            n => return Err(format!("SQLite header: page size {n}")),
        };
        let reserved = bytes[20] as usize;
        let usable = page_size - reserved;
        if usable < 480 {
            return Err(format!("SQLite header: {reserved} reserved bytes per page"));
        }
        let encoding = u32::from_be_bytes([bytes[56], bytes[57], bytes[58], bytes[59]]);
        if encoding > 1 {
            return Err(format!(
                "SQLite header: text encoding {encoding}, not UTF-8"
            ));
        }
        let pages = bytes.len() / page_size;
        Ok(Db {
            bytes,
            page_size,
            usable,
            pages,
            seen: vec![false; pages + 1],
            budget: bytes.len() as u64,
        })
    }

    /// Page `n` (1-based), once.
    fn page(&mut self, n: u32) -> Res<&'a [u8]> {
        let i = n as usize;
        if n == 0 || i > self.pages {
            return Err(format!(
                "page {n} is past the end of the file ({} pages): truncated?",
                self.pages
            ));
        }
        if std::mem::replace(&mut self.seen[i], true) {
            return Err(format!("page {n} is reached twice (a cycle)"));
        }
        let start = (i - 1) * self.page_size;
        Ok(&self.bytes[start..start + self.usable])
    }

    /// Every row (rowid, record payload) of the table b-tree rooted at
    /// `root`, in rowid order.
    fn table(&mut self, root: u32) -> Res<Vec<(i64, Vec<u8>)>> {
        let mut rows = Vec::new();
        // Pages still to visit, the next one last.
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            let page = self.page(n)?;
            // Page 1 starts with the 100-byte database header.
            let h = if n == 1 { 100 } else { 0 };
            let kind = *page.get(h).ok_or("short page")?;
            let cells = be16(page, h + 3)? as usize;
            let (header_len, interior) = match kind {
                13 => (8, false),
                5 => (12, true),
                k => return Err(format!("page {n}: type {k}, not a table b-tree page")),
            };
            let ptrs = h + header_len;
            if ptrs + 2 * cells > page.len() {
                return Err(format!("page {n}: {cells} cells do not fit"));
            }
            let mut children = Vec::new();
            for c in 0..cells {
                let at = be16(page, ptrs + 2 * c)? as usize;
                if at >= page.len() {
                    return Err(format!("page {n}: cell {c} at {at}, past the page"));
                }
                let cell = &page[at..];
                if interior {
                    children.push(be32(cell, 0)?);
                } else {
                    let (size, a) = varint(cell, 0).ok_or_else(|| bad_cell(n, c))?;
                    let (rowid, b) = varint(cell, a).ok_or_else(|| bad_cell(n, c))?;
                    let payload = self
                        .payload(&cell[b..], size)
                        .map_err(|e| format!("page {n}: cell {c}: {e}"))?;
                    rows.push((rowid as i64, payload));
                }
            }
            if interior {
                children.push(be32(page, h + 8)?);
                stack.extend(children.into_iter().rev());
            }
        }
        Ok(rows)
    }

    /// A table leaf cell's payload of `size` bytes: the local part at the
    /// start of `cell`, the rest in the overflow chain after it.
    fn payload(&mut self, cell: &[u8], size: u64) -> Res<Vec<u8>> {
        let u = self.usable as u64;
        let x = u - 35;
        let local = if size <= x {
            size
        } else {
            let m = ((u - 12) * 32 / 255) - 23;
            let k = m + (size - m) % (u - 4);
            if k <= x {
                k
            } else {
                m
            }
        } as usize;
        // The payloads cannot add up to more than the file that holds them.
        if size > self.bytes.len() as u64 {
            return Err(format!("payload of {size} bytes, larger than the file"));
        }
        self.budget = self.budget.checked_sub(size).ok_or_else(|| {
            format!(
                "the rows add up to more than the file's {} bytes (cells overlap)",
                self.bytes.len()
            )
        })?;
        let size = size as usize;
        let head = cell
            .get(..local)
            .ok_or("payload runs past the page".to_string())?;
        let mut out = Vec::with_capacity(size);
        out.extend_from_slice(head);
        if size > local {
            let mut next = be32(cell, local)?;
            while out.len() < size {
                let page = self.page(next)?;
                next = be32(page, 0)?;
                let take = (size - out.len()).min(page.len() - 4);
                out.extend_from_slice(&page[4..4 + take]);
            }
        }
        Ok(out)
    }
}

fn bad_cell(page: u32, cell: usize) -> String {
    format!("page {page}: cell {cell} is truncated")
}

fn be16(b: &[u8], at: usize) -> Res<u16> {
    b.get(at..at + 2)
        .map(|s| u16::from_be_bytes([s[0], s[1]]))
        .ok_or_else(|| format!("2 bytes at {at} past the end"))
}

fn be32(b: &[u8], at: usize) -> Res<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| format!("4 bytes at {at} past the end"))
}

/// An SQLite varint at `at`: (value, offset after it).
fn varint(b: &[u8], at: usize) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for i in 0..9 {
        let byte = *b.get(at + i)?;
        if i == 8 {
            return Some(((v << 8) | byte as u64, at + 9));
        }
        v = (v << 7) | (byte & 0x7f) as u64;
        if byte & 0x80 == 0 {
            return Some((v, at + i + 1));
        }
    }
    None
}

/// One column of a record.
#[derive(Debug, PartialEq)]
enum Value<'a> {
    Null,
    Int(i64),
    Real,
    Text(&'a [u8]),
    Blob(&'a [u8]),
}

/// The columns of a record (the SQLite record format).
fn record(p: &[u8]) -> Res<Vec<Value<'_>>> {
    let (hlen, mut at) = varint(p, 0).ok_or("record header truncated")?;
    let hlen = usize::try_from(hlen)
        .ok()
        .filter(|&h| h <= p.len() && h >= at)
        .ok_or("record header length past the record")?;
    let mut body = hlen;
    let mut out = Vec::new();
    while at < hlen {
        let (t, next) = varint(&p[..hlen], at).ok_or("record header truncated")?;
        at = next;
        let len: u64 = match t {
            0 | 8 | 9 => 0,
            1..=4 => t,
            5 => 6,
            6 | 7 => 8,
            10 | 11 => return Err(format!("reserved serial type {t}")),
            _ => (t - 12) / 2,
        };
        let end = (body as u64)
            .checked_add(len)
            .filter(|&e| e <= p.len() as u64)
            .ok_or("record column past the record")? as usize;
        let data = &p[body..end];
        out.push(match t {
            0 => Value::Null,
            8 => Value::Int(0),
            9 => Value::Int(1),
            1..=6 => {
                let mut v: i64 = if data[0] & 0x80 != 0 { -1 } else { 0 };
                for &b in data {
                    v = (v << 8) | b as i64;
                }
                Value::Int(v)
            }
            7 => Value::Real,
            t if t % 2 == 0 => Value::Blob(data),
            _ => Value::Text(data),
        });
        body = end;
    }
    Ok(out)
}

/// The rpm header blobs of `Packages`, by `hnum`.
fn blobs(bytes: &[u8]) -> Res<Vec<(i64, Vec<u8>)>> {
    let mut db = Db::open(bytes)?;
    // sqlite_schema (page 1): type, name, tbl_name, rootpage, sql.
    let schema = db.table(1).map_err(|e| format!("schema: {e}"))?;
    let mut root = None;
    for (_, rec) in &schema {
        let cols = record(rec).map_err(|e| format!("schema: {e}"))?;
        if let [Value::Text(b"table"), Value::Text(b"Packages"), _, Value::Int(r), ..] =
            cols.as_slice()
        {
            root = Some(*r);
        }
    }
    let root = root.ok_or("no Packages table")?;
    let root = u32::try_from(root).map_err(|_| format!("Packages: root page {root}"))?;
    let rows = db.table(root).map_err(|e| format!("Packages: {e}"))?;
    let mut out = Vec::with_capacity(rows.len());
    for (rowid, rec) in rows {
        let cols = record(&rec).map_err(|e| format!("Packages row {rowid}: {e}"))?;
        match cols.get(1) {
            Some(Value::Blob(b)) => out.push((rowid, b.to_vec())),
            _ => return Err(format!("Packages row {rowid}: no blob column")),
        }
    }
    Ok(out)
}

// rpm header tags and types (rpm's rpmtag.h).
const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_ARCH: u32 = 1022;
const TAG_OLDFILENAMES: u32 = 1027;
const TAG_DIRINDEXES: u32 = 1116;
const TAG_BASENAMES: u32 = 1117;
const TAG_DIRNAMES: u32 = 1118;
const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// rpm's own bounds on a header (`hdrblob`): at most 0xffff index entries
/// and 256 MiB of data.
const MAX_INDEX: u32 = 0xffff;
const MAX_DATA: u32 = 256 << 20;

/// An rpm header blob as stored in the database: `il`, `dl` (big-endian
/// u32), `il` index entries `{tag, type, offset, count}` of 16 bytes, then
/// `dl` bytes of data.
struct Header<'a> {
    index: &'a [u8],
    data: &'a [u8],
}

impl<'a> Header<'a> {
    fn new(blob: &'a [u8]) -> Res<Header<'a>> {
        let il = be32(blob, 0).map_err(|_| "header shorter than 8 bytes".to_string())?;
        let dl = be32(blob, 4).map_err(|_| "header shorter than 8 bytes".to_string())?;
        if il > MAX_INDEX || dl > MAX_DATA {
            return Err(format!(
                "header: {il} entries, {dl} data bytes: over rpm's bounds"
            ));
        }
        let (il, dl) = (il as usize, dl as usize);
        let need = 8 + 16 * il + dl;
        if blob.len() < need {
            return Err(format!(
                "header: {il} entries and {dl} data bytes need {need} bytes, the blob has {}",
                blob.len()
            ));
        }
        Ok(Header {
            index: &blob[8..8 + 16 * il],
            data: &blob[8 + 16 * il..need],
        })
    }

    /// (type, offset, count) of `tag`: its last entry (entries rpm adds at
    /// install time come after the immutable region and win).
    fn entry(&self, tag: u32) -> Option<(u32, usize, usize)> {
        self.index.chunks_exact(16).rev().find_map(|e| {
            let w = |i: usize| u32::from_be_bytes([e[i], e[i + 1], e[i + 2], e[i + 3]]);
            (w(0) == tag).then(|| (w(4), w(8) as usize, w(12) as usize))
        })
    }

    /// The strings of a STRING, STRING_ARRAY or I18NSTRING entry.
    fn strings(&self, tag: u32) -> Res<Option<Vec<&'a [u8]>>> {
        let Some((ty, off, count)) = self.entry(tag) else {
            return Ok(None);
        };
        if !matches!(ty, TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING) {
            return Err(format!("tag {tag}: type {ty}, not a string"));
        }
        // Each string takes at least its NUL.
        if off > self.data.len() || count > self.data.len() - off {
            return Err(format!(
                "tag {tag}: {count} strings at {off}, past the {} data bytes",
                self.data.len()
            ));
        }
        let mut out = Vec::with_capacity(count);
        let mut rest = &self.data[off..];
        for i in 0..count {
            let end = rest
                .iter()
                .position(|&b| b == 0)
                .ok_or_else(|| format!("tag {tag}: string {i} has no end"))?;
            out.push(&rest[..end]);
            rest = &rest[end + 1..];
        }
        Ok(Some(out))
    }

    fn string(&self, tag: u32) -> Res<Option<&'a [u8]>> {
        Ok(self.strings(tag)?.and_then(|v| v.first().copied()))
    }

    fn int32s(&self, tag: u32) -> Res<Option<Vec<u32>>> {
        let Some((ty, off, count)) = self.entry(tag) else {
            return Ok(None);
        };
        if ty != TYPE_INT32 {
            return Err(format!("tag {tag}: type {ty}, not INT32"));
        }
        if off > self.data.len() || count > (self.data.len() - off) / 4 {
            return Err(format!(
                "tag {tag}: {count} INT32 at {off}, past the {} data bytes",
                self.data.len()
            ));
        }
        Ok(Some(
            self.data[off..off + 4 * count]
                .chunks_exact(4)
                .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ))
    }
}

fn utf8(b: &[u8], what: &str) -> Res<String> {
    String::from_utf8(b.to_vec()).map_err(|_| format!("{what} is not UTF-8"))
}

/// File paths of one package may add up to this many times its header
/// (real headers: well under once, file digests alone outweigh the paths).
const PATH_BUDGET: usize = 4;

/// One installed package of an rpm header.
fn package(blob: &[u8]) -> Res<Stanza> {
    let h = Header::new(blob)?;
    let name = utf8(h.string(TAG_NAME)?.ok_or("no NAME")?, "NAME")?;
    let text = |tag: u32, what: &str| -> Res<String> {
        h.string(tag)?.map_or(Ok(String::new()), |s| utf8(s, what))
    };
    let (version, release) = (text(TAG_VERSION, "VERSION")?, text(TAG_RELEASE, "RELEASE")?);
    let mut evr = match h.int32s(TAG_EPOCH)?.and_then(|e| e.first().copied()) {
        Some(e) => format!("{e}:{version}"),
        None => version,
    };
    if !release.is_empty() {
        evr = format!("{evr}-{release}");
    }
    // ARCH is read only to check it is a string (bounds), not kept.
    h.string(TAG_ARCH)?;
    let mut files = Vec::new();
    // Paths are built from shared directory names: bound what they add up
    // to (a hostile header could aim every file at one long directory).
    let mut budget = PATH_BUDGET * blob.len() + 4096;
    let mut spend = |n: usize| -> Res<()> {
        budget = budget.checked_sub(n).ok_or_else(|| {
            format!("{name}: file paths over {PATH_BUDGET} times the header's size")
        })?;
        Ok(())
    };
    match h.strings(TAG_BASENAMES)? {
        Some(base) => {
            let dirs = h.strings(TAG_DIRNAMES)?.unwrap_or_default();
            let idx = h.int32s(TAG_DIRINDEXES)?.unwrap_or_default();
            if idx.len() != base.len() {
                return Err(format!(
                    "{name}: {} basenames but {} dirindexes",
                    base.len(),
                    idx.len()
                ));
            }
            for (b, &d) in base.iter().zip(&idx) {
                let dir = dirs.get(d as usize).ok_or_else(|| {
                    format!("{name}: dirindex {d} past the {} dirnames", dirs.len())
                })?;
                spend(dir.len() + b.len() + 1)?;
                let mut p = Vec::with_capacity(dir.len() + b.len() + 1);
                p.extend_from_slice(dir);
                p.push(b'/');
                p.extend_from_slice(b);
                files.push(normal(&p));
            }
        }
        None => {
            for p in h.strings(TAG_OLDFILENAMES)?.unwrap_or_default() {
                files.push(normal(p));
            }
        }
    }
    files.retain(|p| !p.is_empty());
    Ok(Stanza {
        name,
        version: evr,
        installed: true,
        files,
        ..Stanza::default()
    })
}

/// Every package `rpmdb.sqlite` lists. Several instances of one name (a
/// multilib pair, two kernels, `gpg-pubkey`s) become one package: their
/// versions joined with `, ` (sorted), their files together.
pub fn sqlite(bytes: &[u8]) -> Res<Vec<Stanza>> {
    // By name: the package and its versions (joined at the end).
    let mut by_name: std::collections::BTreeMap<String, (Stanza, Vec<String>)> =
        std::collections::BTreeMap::new();
    for (hnum, blob) in blobs(bytes)? {
        // hnum 0 is not a package (rpm keeps no such row; skip it if seen).
        if hnum == 0 {
            continue;
        }
        let mut p = package(&blob).map_err(|e| format!("Packages row {hnum}: {e}"))?;
        match by_name.get_mut(&p.name) {
            Some((s, versions)) => {
                versions.push(std::mem::take(&mut p.version));
                s.files.append(&mut p.files);
            }
            None => {
                let v = std::mem::take(&mut p.version);
                by_name.insert(p.name.clone(), (p, vec![v]));
            }
        }
    }
    Ok(by_name
        .into_values()
        .map(|(mut s, mut versions)| {
            versions.sort_unstable();
            versions.dedup();
            s.version = versions.join(", ");
            s
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An rpm header blob from (tag, type, data) entries, laid out like
    /// rpm does (INT32 aligned to 4).
    pub(super) fn header(entries: &[(u32, u32, u32, Vec<u8>)]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (tag, ty, count, bytes) in entries {
            if *ty == TYPE_INT32 {
                while data.len() % 4 != 0 {
                    data.push(0);
                }
            }
            for w in [*tag, *ty, data.len() as u32, *count] {
                index.extend_from_slice(&w.to_be_bytes());
            }
            data.extend_from_slice(bytes);
        }
        let mut out = Vec::new();
        out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend(index);
        out.extend(data);
        out
    }

    fn s(v: &str) -> (u32, Vec<u8>) {
        (1, format!("{v}\0").into_bytes())
    }

    fn arr(v: &[&str]) -> (u32, Vec<u8>) {
        let mut b = Vec::new();
        for x in v {
            b.extend_from_slice(x.as_bytes());
            b.push(0);
        }
        (v.len() as u32, b)
    }

    fn ints(v: &[u32]) -> (u32, Vec<u8>) {
        (
            v.len() as u32,
            v.iter().flat_map(|x| x.to_be_bytes()).collect(),
        )
    }

    pub(super) fn hello(name: &str, epoch: Option<u32>) -> Vec<u8> {
        let mut e = vec![
            (TAG_NAME, TYPE_STRING, s(name)),
            (TAG_VERSION, TYPE_STRING, s("1.0")),
            (TAG_RELEASE, TYPE_STRING, s("2")),
            (TAG_ARCH, TYPE_STRING, s("noarch")),
            (TAG_DIRINDEXES, TYPE_INT32, ints(&[0, 1, 1])),
            (TAG_BASENAMES, TYPE_STRING_ARRAY, arr(&["hello", "a", "b"])),
            (
                TAG_DIRNAMES,
                TYPE_STRING_ARRAY,
                arr(&["/usr/bin/", "/usr/share/hello/"]),
            ),
        ];
        if let Some(ep) = epoch {
            e.push((TAG_EPOCH, TYPE_INT32, ints(&[ep])));
        }
        header(
            &e.into_iter()
                .map(|(t, ty, (c, b))| (t, ty, c, b))
                .collect::<Vec<_>>(),
        )
    }

    fn names(v: &[Box<[u8]>]) -> Vec<String> {
        v.iter()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect()
    }

    #[test]
    fn header_fields_and_files() {
        let p = package(&hello("hello", Some(3))).unwrap();
        assert_eq!((p.name.as_str(), p.version.as_str()), ("hello", "3:1.0-2"));
        assert_eq!(
            names(&p.files),
            ["usr/bin/hello", "usr/share/hello/a", "usr/share/hello/b"]
        );
        assert_eq!(package(&hello("x", None)).unwrap().version, "1.0-2");
    }

    #[test]
    fn malformed_headers_are_errors() {
        let good = hello("hello", None);
        // Truncated: every shorter prefix fails, none panics.
        for n in 0..good.len() {
            assert!(package(&good[..n]).is_err(), "prefix {n}");
        }
        // Huge counts and offsets past the data.
        let big = |tag: u32, ty: u32, off: u32, count: u32| {
            let mut b = good.clone();
            let i = (0..7)
                .find(|&i| be32(&b, 8 + 16 * i).unwrap() == tag)
                .unwrap();
            b[8 + 16 * i + 4..8 + 16 * i + 8].copy_from_slice(&ty.to_be_bytes());
            b[8 + 16 * i + 8..8 + 16 * i + 12].copy_from_slice(&off.to_be_bytes());
            b[8 + 16 * i + 12..8 + 16 * i + 16].copy_from_slice(&count.to_be_bytes());
            package(&b).unwrap_err()
        };
        let dl = be32(&good, 4).unwrap();
        assert!(big(TAG_BASENAMES, TYPE_STRING_ARRAY, 0, u32::MAX).contains("past the"));
        assert!(big(TAG_DIRINDEXES, TYPE_INT32, 0, u32::MAX).contains("past the"));
        assert!(big(TAG_DIRINDEXES, TYPE_INT32, dl, 1).contains("past the"));
        assert!(big(TAG_NAME, TYPE_STRING, u32::MAX, 1).contains("past the"));
        assert!(big(TAG_NAME, TYPE_INT32, 0, 1).contains("not a string"));
        // A dirindex past the dirnames; il/dl over rpm's bounds.
        let mut b = good.clone();
        let off = 8 + 16 * 7 + be32(&good, 8 + 16 * 4 + 8).unwrap() as usize;
        b[off..off + 4].copy_from_slice(&9u32.to_be_bytes());
        assert!(package(&b)
            .unwrap_err()
            .contains("dirindex 9 past the 2 dirnames"));
        let mut b = good.clone();
        b[..4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(package(&b).unwrap_err().contains("over rpm's bounds"));
        // 20,000 one-byte basenames all in one 1,000-byte directory: 20 MB
        // of paths from a 121 kB header.
        let long_dir = format!("/{}/", "d".repeat(998));
        let base: Vec<&str> = vec!["f"; 20_000];
        let amp = header(&[
            (TAG_NAME, TYPE_STRING, 1, b"amp\0".to_vec()),
            (
                TAG_DIRINDEXES,
                TYPE_INT32,
                ints(&vec![0; 20_000]).0,
                ints(&vec![0; 20_000]).1,
            ),
            (TAG_BASENAMES, TYPE_STRING_ARRAY, arr(&base).0, arr(&base).1),
            (TAG_DIRNAMES, TYPE_STRING_ARRAY, 1, arr(&[&long_dir]).1),
        ]);
        assert!(amp.len() < 130_000);
        assert_eq!(
            package(&amp).unwrap_err(),
            "amp: file paths over 4 times the header's size"
        );
    }

    /// A one-page-per-b-tree-page SQLite file: page 1 holds the schema
    /// (one row for `Packages`, root page 2), then `pages` as given.
    pub(super) fn sqlite_file(page_size: usize, pages: &[Vec<u8>]) -> Vec<u8> {
        let mut p1 = vec![0u8; page_size];
        p1[..16].copy_from_slice(b"SQLite format 3\0");
        let ps = if page_size == 65536 {
            1
        } else {
            page_size as u16
        };
        p1[16..18].copy_from_slice(&ps.to_be_bytes());
        p1[56..60].copy_from_slice(&1u32.to_be_bytes());
        let rec = record_bytes(&[
            Col::Text(b"table"),
            Col::Text(b"Packages"),
            Col::Text(b"Packages"),
            Col::Int(2),
            Col::Text(b"CREATE TABLE ..."),
        ]);
        leaf_into(&mut p1, 100, &[(1, rec)], page_size);
        let mut out = p1;
        for p in pages {
            let mut p = p.clone();
            p.resize(page_size, 0);
            out.extend(p);
        }
        out
    }

    pub(super) enum Col<'a> {
        Null,
        Int(u8),
        Text(&'a [u8]),
        Blob(&'a [u8]),
    }

    fn put_varint(out: &mut Vec<u8>, v: u64) {
        assert!(v < 1 << 56);
        let mut groups = vec![(v & 0x7f) as u8];
        let mut v = v >> 7;
        while v > 0 {
            groups.push((v & 0x7f) as u8 | 0x80);
            v >>= 7;
        }
        out.extend(groups.iter().rev());
    }

    pub(super) fn record_bytes(cols: &[Col<'_>]) -> Vec<u8> {
        let mut types = Vec::new();
        let mut body = Vec::new();
        for c in cols {
            match c {
                Col::Null => put_varint(&mut types, 0),
                Col::Int(v) => {
                    put_varint(&mut types, 1);
                    body.push(*v);
                }
                Col::Text(t) => {
                    put_varint(&mut types, 13 + 2 * t.len() as u64);
                    body.extend_from_slice(t);
                }
                Col::Blob(b) => {
                    put_varint(&mut types, 12 + 2 * b.len() as u64);
                    body.extend_from_slice(b);
                }
            }
        }
        // Header length (one byte while it is short).
        let mut out = vec![(types.len() + 1) as u8];
        out.extend(types);
        out.extend(body);
        out
    }

    /// A table leaf page (at `h` within `page`) with the given cells, each
    /// payload local (small enough).
    pub(super) fn leaf_into(page: &mut Vec<u8>, h: usize, rows: &[(u64, Vec<u8>)], size: usize) {
        page.resize(size, 0);
        page[h] = 13;
        page[h + 3..h + 5].copy_from_slice(&(rows.len() as u16).to_be_bytes());
        let mut end = size;
        for (i, (rowid, payload)) in rows.iter().enumerate() {
            let mut cell = Vec::new();
            put_varint(&mut cell, payload.len() as u64);
            put_varint(&mut cell, *rowid);
            cell.extend_from_slice(payload);
            end -= cell.len();
            page[end..end + cell.len()].copy_from_slice(&cell);
            page[h + 8 + 2 * i..h + 10 + 2 * i].copy_from_slice(&(end as u16).to_be_bytes());
        }
        page[h + 5..h + 7].copy_from_slice(&(end as u16).to_be_bytes());
    }

    fn leaf(rows: &[(u64, Vec<u8>)]) -> Vec<u8> {
        let mut p = Vec::new();
        leaf_into(&mut p, 0, rows, 512);
        p
    }

    /// An interior table page: children with their keys, and the right-most.
    fn interior(children: &[(u32, u64)], right: u32) -> Vec<u8> {
        let mut p = vec![0u8; 512];
        p[0] = 5;
        p[3..5].copy_from_slice(&(children.len() as u16).to_be_bytes());
        p[8..12].copy_from_slice(&right.to_be_bytes());
        let mut end = 512;
        for (i, (child, key)) in children.iter().enumerate() {
            let mut cell = child.to_be_bytes().to_vec();
            put_varint(&mut cell, *key);
            end -= cell.len();
            p[end..end + cell.len()].copy_from_slice(&cell);
            p[12 + 2 * i..14 + 2 * i].copy_from_slice(&(end as u16).to_be_bytes());
        }
        p
    }

    fn row(blob: &[u8]) -> Vec<u8> {
        record_bytes(&[Col::Null, Col::Blob(blob)])
    }

    #[test]
    fn varints() {
        assert_eq!(varint(&[0x7f], 0), Some((127, 1)));
        assert_eq!(varint(&[0x81, 0x00], 0), Some((128, 2)));
        assert_eq!(varint(&[0xff; 9], 0), Some((u64::MAX, 9)));
        assert_eq!(varint(&[0x81], 0), None);
    }

    #[test]
    fn interior_and_leaf_pages() {
        // Two small headers (under a 512-byte page's local limit).
        let a = header(&[(TAG_NAME, TYPE_STRING, 1, b"a\0".to_vec())]);
        let b = header(&[(TAG_NAME, TYPE_STRING, 1, b"b\0".to_vec())]);
        let f = sqlite_file(
            512,
            &[
                interior(&[(3, 1)], 4),
                leaf(&[(1, row(&a))]),
                leaf(&[(2, row(&b))]),
            ],
        );
        let v = sqlite(&f).unwrap();
        assert_eq!(
            v.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
    }

    /// Page 2 (a leaf with one 2,000-byte row, rowid 7) and its overflow
    /// pages 3, 4, …: the local part, then pages of 508 bytes each (the
    /// formula of fileformat2 §1.6).
    fn overflow_pages() -> (Vec<u8>, Vec<Vec<u8>>) {
        let blob = {
            let mut h = hello("big", None);
            let filler = vec![b'x'; 2000 - h.len()];
            h.extend(filler);
            h
        };
        let rec = row(&blob);
        let (u, p) = (512u64, rec.len() as u64);
        let m = ((u - 12) * 32 / 255) - 23;
        let k = m + (p - m) % (u - 4);
        let local = if k <= u - 35 { k } else { m } as usize;
        let mut cell = Vec::new();
        put_varint(&mut cell, p);
        put_varint(&mut cell, 7);
        cell.extend_from_slice(&rec[..local]);
        cell.extend_from_slice(&3u32.to_be_bytes());
        let mut page2 = vec![0u8; 512];
        page2[0] = 13;
        page2[3..5].copy_from_slice(&1u16.to_be_bytes());
        let at = 512 - cell.len();
        page2[at..].copy_from_slice(&cell);
        page2[8..10].copy_from_slice(&(at as u16).to_be_bytes());
        let mut overflow = Vec::new();
        let chunks: Vec<&[u8]> = rec[local..].chunks(508).collect();
        for (i, c) in chunks.iter().enumerate() {
            let next = if i + 1 < chunks.len() {
                4 + i as u32
            } else {
                0
            };
            let mut pg = next.to_be_bytes().to_vec();
            pg.extend_from_slice(c);
            overflow.push(pg);
        }
        (page2, overflow)
    }

    #[test]
    fn overflow_chain() {
        let (page2, overflow) = overflow_pages();
        let mut pages = vec![page2];
        pages.extend(overflow.iter().cloned());
        let f = sqlite_file(512, &pages);
        let v = sqlite(&f).unwrap();
        assert_eq!(v[0].name, "big");
        assert_eq!(v[0].files.len(), 3);
        // A chain whose first overflow page points back at itself.
        let mut cyc = overflow.clone();
        cyc[0][..4].copy_from_slice(&3u32.to_be_bytes());
        let mut looped = vec![pages[0].clone()];
        looped.extend(cyc);
        let e = sqlite(&sqlite_file(512, &looped)).unwrap_err();
        assert!(e.contains("page 3 is reached twice"), "{e}");
        // A chain that runs past the end of the file (truncated).
        // (four overflow pages, 3 to 6: the file stops after page 5)
        assert_eq!(pages.len(), 5);
        let e = sqlite(&sqlite_file(512, &pages[..4])).unwrap_err();
        assert!(e.contains("page 6 is past the end of the file"), "{e}");
    }

    #[test]
    fn malformed_sqlite_files() {
        let a = header(&[(TAG_NAME, TYPE_STRING, 1, b"a\0".to_vec())]);
        let good = sqlite_file(512, &[leaf(&[(1, row(&a))])]);
        assert_eq!(sqlite(&good).unwrap()[0].name, "a");
        // Every truncation is an error or a clean answer, never a panic.
        for n in 0..good.len() {
            let _ = sqlite(&good[..n]);
        }
        assert!(sqlite(&good[..1000]).unwrap_err().contains("past the end"));
        assert!(sqlite(b"SQLite format 2")
            .unwrap_err()
            .contains("not an SQLite"));
        // An interior page that is its own child: a cycle.
        let f = sqlite_file(512, &[interior(&[(2, 1)], 3), leaf(&[])]);
        assert!(sqlite(&f).unwrap_err().contains("page 2 is reached twice"));
        // A child past the end; a page of another type; huge cell count.
        let f = sqlite_file(512, &[interior(&[], 99)]);
        assert!(sqlite(&f).unwrap_err().contains("page 99 is past the end"));
        let mut idx = leaf(&[]);
        idx[0] = 10;
        let f = sqlite_file(512, &[idx]);
        assert!(sqlite(&f).unwrap_err().contains("not a table b-tree page"));
        let mut many = leaf(&[]);
        many[3..5].copy_from_slice(&0xffffu16.to_be_bytes());
        let f = sqlite_file(512, &[many]);
        assert!(sqlite(&f).unwrap_err().contains("cells do not fit"));
        // A cell pointer past the page; a payload size larger than the file.
        let mut p = leaf(&[(1, row(&a))]);
        p[8..10].copy_from_slice(&600u16.to_be_bytes());
        let f = sqlite_file(512, &[p]);
        assert!(sqlite(&f).unwrap_err().contains("past the page"));
        let mut p = leaf(&[(1, row(&a))]);
        let at = u16::from_be_bytes([p[8], p[9]]) as usize;
        p[at..at + 4].copy_from_slice(&[0xff, 0xff, 0xff, 0x7f]);
        let f = sqlite_file(512, &[p]);
        assert!(sqlite(&f).unwrap_err().contains("larger than the file"));
        // A hundred cell pointers of a leaf aimed at one row: more
        // payload than the file holds.
        let blob = hello("a", None);
        assert!(blob.len() > 150);
        let mut p = leaf(&[(1, row(&blob))]);
        let at = [p[8], p[9]];
        p[3..5].copy_from_slice(&100u16.to_be_bytes());
        for c in 0..100 {
            p[8 + 2 * c..10 + 2 * c].copy_from_slice(&at);
        }
        let f = sqlite_file(512, &[p]);
        assert!(f.len() < 100 * blob.len());
        let e = sqlite(&f).unwrap_err();
        assert!(e.contains("cells overlap"), "{e}");
        // A row without a blob; no Packages table at all.
        let f = sqlite_file(
            512,
            &[leaf(&[(1, record_bytes(&[Col::Null, Col::Int(3)]))])],
        );
        assert!(sqlite(&f).unwrap_err().contains("no blob column"));
        let mut f = good.clone();
        let i = f.windows(8).position(|w| w == b"Packages").unwrap();
        f[i] = b'X';
        assert_eq!(sqlite(&f).unwrap_err(), "no Packages table");
        // A blob that is not an rpm header.
        let f = sqlite_file(512, &[leaf(&[(1, row(b"\0\0\0\x05"))])]);
        assert!(sqlite(&f).unwrap_err().starts_with("Packages row 1: "));
    }

    /// Every byte of a database with an interior page, leaves and an
    /// overflow chain, and of a header, set to three other values: an
    /// answer or an error each time, never a panic (what the `packages`
    /// fuzz target does at random, here exhaustively on small inputs).
    #[test]
    fn every_single_byte_mutation_is_answered() {
        let (page2, overflow) = overflow_pages();
        let a = header(&[(TAG_NAME, TYPE_STRING, 1, b"a\0".to_vec())]);
        // Page 2 interior → leaf 3 (row 1) and leaf 4 (the big row and
        // its overflow chain from page 5).
        let mut big_leaf = page2;
        let at = u16::from_be_bytes([big_leaf[8], big_leaf[9]]) as usize;
        let ptr = big_leaf.len() - 4;
        assert!(ptr > at);
        big_leaf[ptr..].copy_from_slice(&5u32.to_be_bytes());
        let mut chain = overflow;
        for (i, pg) in chain.iter_mut().enumerate() {
            if u32::from_be_bytes([pg[0], pg[1], pg[2], pg[3]]) != 0 {
                pg[..4].copy_from_slice(&(6 + i as u32).to_be_bytes());
            }
        }
        let mut pages = vec![interior(&[(3, 1)], 4), leaf(&[(1, row(&a))]), big_leaf];
        pages.extend(chain);
        let f = sqlite_file(512, &pages);
        let v = sqlite(&f).unwrap();
        assert_eq!(
            v.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
            ["a", "big"]
        );
        let mut m = f.clone();
        for i in 0..f.len() {
            for x in [0x00, 0xff, f[i] ^ 0x80] {
                m[i] = x;
                let _ = sqlite(&m);
            }
            m[i] = f[i];
        }
        let h = hello("hello", Some(1));
        let mut m = h.clone();
        for i in 0..h.len() {
            for x in [0x00, 0xff, h[i] ^ 0x80] {
                m[i] = x;
                let _ = package(&m);
            }
            m[i] = h[i];
        }
    }

    #[test]
    fn several_instances_of_one_name() {
        let f = sqlite_file(
            512,
            &[leaf(&[
                (1, row(&hello("k", Some(1)))),
                (2, row(&hello("k", None))),
            ])],
        );
        let v = sqlite(&f).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].version, "1.0-2, 1:1.0-2");
        assert_eq!(v[0].files.len(), 6);
    }
}
