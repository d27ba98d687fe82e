//! A bound on what the `tar` crate buffers for one entry.
//!
//! To hand out an entry, `tar::Archive` reads its extension headers (GNU
//! long name `L`, long link `K`, PAX `x`) *whole into memory*
//! (`EntryFields::read_all`), whatever size they declare; a GNU sparse
//! header chains extension blocks just as freely. In a gzip layer, 10 GB of
//! "long name" costs 10 MB: a decompression bomb aimed at memory. Real
//! headers are a few kilobytes (a path is at most 4 KiB on Linux, xattrs
//! 64 KiB each).
//!
//! [`HeaderGuard`] sits between the tar reader and its input and counts the
//! bytes read while the tar reader looks for the next entry (armed by
//! [`Guard::arm`]) that lie past the previous entry's data (recorded by
//! [`Guard::entry`]): headers and extension data, not the skipped content
//! of the entry before. Past [`HEADER_CAP`] the read fails, and the tar
//! reader returns that error for the entry.

use std::cell::Cell;
use std::io::{self, Read, Seek, SeekFrom};
use std::rc::Rc;

/// Most header bytes (headers, GNU long names, PAX records, sparse maps)
/// one entry may have: far beyond any real archive, small enough to hold.
pub(crate) const HEADER_CAP: u64 = 16 << 20;

#[derive(Default)]
struct State {
    armed: Cell<bool>,
    used: Cell<u64>,
    /// Stream position where the last entry's data (padded) ends.
    free_until: Cell<u64>,
}

/// The reader side: wraps the tar reader's input.
pub(crate) struct HeaderGuard<R> {
    inner: R,
    pos: u64,
    state: Rc<State>,
}

/// The caller's side: tells the guard where entries begin and end.
pub(crate) struct Guard {
    state: Rc<State>,
}

impl<R> HeaderGuard<R> {
    pub fn new(inner: R) -> (HeaderGuard<R>, Guard) {
        let state = Rc::new(State::default());
        (
            HeaderGuard {
                inner,
                pos: 0,
                state: state.clone(),
            },
            Guard { state },
        )
    }
}

impl Guard {
    /// Call before asking the tar reader for the next entry.
    pub fn arm(&self) {
        self.state.used.set(0);
        self.state.armed.set(true);
    }

    /// Call when done with the entries, before reading on past them.
    pub fn disarm(&self) {
        self.state.armed.set(false);
    }

    /// Call with each entry the tar reader returns: its data is the
    /// caller's to read (or the tar reader's to skip), uncounted.
    pub fn entry<R: Read>(&self, e: &mut tar::Entry<'_, R>) {
        self.state.armed.set(false);
        let stored = stored_size(e);
        let end = e
            .raw_file_position()
            .saturating_add(stored.div_ceil(512).saturating_mul(512));
        self.state.free_until.set(end);
    }
}

/// The bytes the entry occupies in the stream (what the tar reader skips
/// to reach the next header): the PAX `size` if there is one, else the
/// header's size field. For a GNU sparse file `Entry::size` is the expanded
/// size instead, so take the smaller of the two fields: never past the
/// real end, so no header that follows goes uncounted.
fn stored_size<R: Read>(e: &mut tar::Entry<'_, R>) -> u64 {
    if !e.header().entry_type().is_gnu_sparse() {
        return e.size();
    }
    let field = e.header().entry_size().unwrap_or(0);
    let pax = e.pax_extensions().ok().flatten().and_then(|exts| {
        exts.filter_map(Result::ok)
            .find(|x| x.key_bytes() == b"size")
            .and_then(|x| x.value().ok()?.parse::<u64>().ok())
    });
    pax.map_or(field, |p| p.min(field))
}

impl<R: Read> Read for HeaderGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let start = self.pos;
        self.pos += n as u64;
        let s = &self.state;
        if s.armed.get() {
            let counted = self.pos.saturating_sub(start.max(s.free_until.get()));
            s.used.set(s.used.get() + counted);
            if s.used.get() > HEADER_CAP {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "more than {} MiB of tar headers for one entry (a GNU long name or PAX header that large is not a real archive)",
                        HEADER_CAP >> 20
                    ),
                ));
            }
        }
        Ok(n)
    }
}

impl<R: Seek> Seek for HeaderGuard<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.pos = self.inner.seek(pos)?;
        Ok(self.pos)
    }
}
