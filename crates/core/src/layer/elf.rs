//! Unstripped ELF files: the bytes `strip --strip-unneeded` would remove,
//! read from the section headers of each ELF file the layer pass sees
//! (docs/packages.md, "Unstripped ELF files").
//!
//! The figure of a file is the sum of `sh_size` of the sections that GNU
//! strip's `--strip-unneeded` drops from an executable or shared library
//! (`ET_EXEC`, `ET_DYN`), found empirically with binutils 2.40 and read from
//! its source (`bfd/elf.c`: the `SEC_DEBUGGING` names; `objcopy.c`):
//!
//! * non-allocated sections named `.debug*`, `.zdebug*`,
//!   `.gnu.debuglto_.debug_*`, `.gnu.linkonce.wi.*`, `.line*`, `.stab*`
//!   or `.gdb_index`;
//! * non-allocated relocation sections (`SHT_REL`, `SHT_RELA`) that apply
//!   to one of those;
//! * the symbol table (`SHT_SYMTAB`) and its string table (its `sh_link`,
//!   unless that is the section-name table or an allocated section): no
//!   symbol of an executable or shared library is needed once no static
//!   relocation refers to it.
//!
//! `SHT_NOBITS` sections take no file bytes and count 0. A file whose
//! remaining static relocations (`--emit-relocs`) still use the symbol
//! table is *unknown*: strip keeps a reduced table there, whose size the
//! headers do not tell. So is a file whose section table or names cannot be
//! read (outside the file, outside what a streaming pass keeps, malformed),
//! and one whose removable sections lie outside the file. Relocatable
//! objects (`ET_REL`) and core files are left out: strip keeps the symbols
//! their relocations need. Files whose first bytes are `\x7fELF` but whose
//! header does not parse are not ELF files here (strip refuses them).
//!
//! The parsing is the `object` crate's (`FileHeader::sections`), over a
//! [`ReadRef`] made of the few byte ranges the pass has: the header, and
//! either the file's tail (streaming) or the ranges read by offset
//! (seekable input). A read outside them is a miss: the seekable pass reads
//! the missing range (bounded) and tries again; the streaming pass counts
//! the file as unknown.

use std::cell::Cell;
use std::ops::Range;

use object::elf::{self, FileHeader32, FileHeader64};
use object::read::elf::{FileHeader, SectionHeader};
use object::{Endianness, ReadRef};

/// What the layer pass records of one ELF file (only of ELF executables and
/// shared libraries with something to strip, or unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ElfFile {
    /// Index into `Changeset::entries`.
    pub entry: usize,
    /// The bytes `strip --strip-unneeded` would remove; `None` when the
    /// section headers could not be read (see the module's documentation).
    pub strippable: Option<u64>,
}

/// The ELF header's bytes the pass keeps from the front of a file (the
/// 64-bit header's size; the 32-bit one is 52).
pub const HEAD: usize = 64;

/// The streaming pass keeps this many bytes from the end of each ELF file:
/// where linkers put the section-name table and the section headers (a few
/// KiB for a typical binary).
pub const TAIL: u64 = 64 * 1024;

/// The largest range read by offset for one table (section headers or
/// names) in the seekable pass: 65 536 headers of 64 bytes.
pub const MAX_READ: u64 = 4 << 20;

/// What a file's headers say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strip {
    /// Not an ELF executable or shared library (or not ELF at all).
    NotApplicable,
    /// The bytes strip would remove.
    Bytes(u64),
    /// The headers could not be read.
    Unknown,
}

impl Strip {
    /// The side-table value: `None` when nothing is to be recorded.
    pub fn record(self) -> Option<Option<u64>> {
        match self {
            Strip::NotApplicable | Strip::Bytes(0) => None,
            Strip::Bytes(n) => Some(Some(n)),
            Strip::Unknown => Some(None),
        }
    }
}

/// True when content starting with `head` is an ELF file.
pub fn is_elf(head: &[u8]) -> bool {
    head.starts_with(b"\x7fELF")
}

/// Byte ranges of a file at their offsets: a [`ReadRef`] that answers
/// reads inside one of them and records the first read outside all.
#[derive(Clone, Copy)]
struct Pieces<'a> {
    len: u64,
    pieces: &'a [(u64, Vec<u8>)],
    miss: &'a Cell<Option<Range<u64>>>,
}

impl<'a> Pieces<'a> {
    fn find(self, offset: u64) -> Option<(u64, &'a [u8])> {
        self.pieces
            .iter()
            .find(|(at, b)| offset >= *at && offset - at < b.len() as u64)
            .map(|(at, b)| (*at, b.as_slice()))
    }

    fn missed(self, range: Range<u64>) -> Result<&'a [u8], ()> {
        // The first miss inside the file is the one to read; a read past
        // the end is no miss (nothing could answer it).
        let first = self.miss.take();
        self.miss
            .set(first.or_else(|| (range.end <= self.len).then_some(range)));
        Err(())
    }
}

impl<'a> ReadRef<'a> for Pieces<'a> {
    fn len(self) -> Result<u64, ()> {
        Ok(self.len)
    }

    fn read_bytes_at(self, offset: u64, size: u64) -> Result<&'a [u8], ()> {
        let end = offset.checked_add(size).ok_or(())?;
        if size == 0 {
            return Ok(&[]);
        }
        match self.find(offset) {
            Some((at, b)) if end - at <= b.len() as u64 => {
                Ok(&b[(offset - at) as usize..(end - at) as usize])
            }
            _ => self.missed(offset..end),
        }
    }

    fn read_bytes_at_until(self, range: Range<u64>, delimiter: u8) -> Result<&'a [u8], ()> {
        if range.start >= range.end {
            return Err(());
        }
        if let Some((at, b)) = self.find(range.start) {
            let from = (range.start - at) as usize;
            let to = usize::try_from(range.end - at).map_or(b.len(), |e| e.min(b.len()));
            if let Some(n) = b[from..to].iter().position(|&c| c == delimiter) {
                return Ok(&b[from..from + n]);
            }
            if (to as u64) + at >= range.end {
                // The whole range is here and holds no delimiter.
                return Err(());
            }
        }
        self.missed(range)
    }
}

/// Why one attempt stopped.
enum Attempt {
    Done(Strip),
    /// A read fell outside the pieces: this range is needed.
    Miss(Range<u64>),
}

/// The figure of a file of `len` bytes from the ranges `pieces` (offset,
/// bytes); `fetch` reads a missing range (`None`: not available), and is
/// asked at most a few times, each for at most [`MAX_READ`] bytes.
pub fn strippable(
    len: u64,
    mut pieces: Vec<(u64, Vec<u8>)>,
    mut fetch: impl FnMut(Range<u64>) -> Option<Vec<u8>>,
) -> Strip {
    // The header, the section table (section 0 first when the count is
    // extended), the names: four reads at most.
    for _ in 0..5 {
        match attempt(len, &pieces) {
            Attempt::Done(s) => return s,
            Attempt::Miss(r) => {
                if r.end - r.start > MAX_READ {
                    return Strip::Unknown;
                }
                match fetch(r.clone()) {
                    Some(b) if b.len() as u64 == r.end - r.start => pieces.push((r.start, b)),
                    _ => return Strip::Unknown,
                }
            }
        }
    }
    Strip::Unknown
}

/// The figure of a whole file's content.
pub fn strippable_whole(content: &[u8]) -> Strip {
    strippable(content.len() as u64, vec![(0, content.to_vec())], |_| None)
}

fn attempt(len: u64, pieces: &[(u64, Vec<u8>)]) -> Attempt {
    let miss = Cell::new(None);
    let data = Pieces {
        len,
        pieces,
        miss: &miss,
    };
    let mut ident = [0u8; 16];
    match data.read_bytes_at(0, 16) {
        Ok(b) => ident.copy_from_slice(b),
        Err(()) => return Attempt::Done(Strip::NotApplicable),
    }
    let result = match ident[4] {
        elf::ELFCLASS64 => sections::<FileHeader64<Endianness>>(data),
        elf::ELFCLASS32 => sections::<FileHeader32<Endianness>>(data),
        _ => Ok(Strip::NotApplicable),
    };
    match (result, miss.take()) {
        (Ok(s), _) => Attempt::Done(s),
        (Err(()), Some(r)) => Attempt::Miss(r),
        (Err(()), None) => Attempt::Done(Strip::Unknown),
    }
}

/// The removable sections' bytes; `Err` when a read failed (a miss, or
/// malformed headers).
fn sections<Elf: FileHeader<Endian = Endianness>>(data: Pieces<'_>) -> Result<Strip, ()> {
    let Ok(header) = Elf::parse(data) else {
        // Too short, or not a header strip would accept.
        return Ok(Strip::NotApplicable);
    };
    let endian = header.endian().map_err(|_| ())?;
    let e_type = header.e_type(endian);
    if e_type != elf::ET_EXEC && e_type != elf::ET_DYN {
        return Ok(Strip::NotApplicable);
    }
    let table = header.sections(endian, data).map_err(|_| ())?;
    let shstrndx = if table.is_empty() {
        0
    } else {
        header.shstrndx(endian, data).map_err(|_| ())? as usize
    };
    let n = table.len();
    let hdrs: Vec<&Elf::SectionHeader> = table.iter().collect();
    let non_alloc = |s: &Elf::SectionHeader| {
        let flags: u64 = s.sh_flags(endian).into();
        flags & u64::from(elf::SHF_ALLOC) == 0
    };
    let mut removed = vec![false; n];
    for (i, s) in hdrs.iter().enumerate().skip(1) {
        if non_alloc(s) {
            let name = table.section_name(endian, s).map_err(|_| ())?;
            removed[i] = is_debugging(name);
        }
    }
    let is_rel = |s: &Elf::SectionHeader| {
        matches!(s.sh_type(endian), elf::SHT_REL | elf::SHT_RELA) && non_alloc(s)
    };
    for (i, s) in hdrs.iter().enumerate().skip(1) {
        if is_rel(s) {
            let target = s.sh_info(endian) as usize;
            if target < n && removed[target] {
                removed[i] = true;
            }
        }
    }
    for (i, s) in hdrs.iter().enumerate().skip(1) {
        if s.sh_type(endian) != elf::SHT_SYMTAB {
            continue;
        }
        let used = hdrs
            .iter()
            .enumerate()
            .any(|(j, r)| !removed[j] && is_rel(r) && r.sh_link(endian) as usize == i);
        if used {
            // strip keeps the symbols these relocations need.
            return Ok(Strip::Unknown);
        }
        removed[i] = true;
        let link = s.sh_link(endian) as usize;
        if link != 0 && link < n && link != shstrndx && link != i {
            let strtab = hdrs[link];
            if strtab.sh_type(endian) == elf::SHT_STRTAB && non_alloc(strtab) {
                removed[link] = true;
            }
        }
    }
    let mut sum = 0u64;
    for (i, s) in hdrs.iter().enumerate() {
        if !removed[i] || s.sh_type(endian) == elf::SHT_NOBITS {
            continue;
        }
        let off: u64 = s.sh_offset(endian).into();
        let size: u64 = s.sh_size(endian).into();
        if off.checked_add(size).is_none_or(|end| end > data.len) {
            // Not inside the file: nothing strip could measure.
            return Ok(Strip::Unknown);
        }
        sum += size;
        if sum > data.len {
            // Overlapping sections: no honest figure.
            return Ok(Strip::Unknown);
        }
    }
    Ok(Strip::Bytes(sum))
}

/// The names binutils marks `SEC_DEBUGGING` (bfd/elf.c,
/// `_bfd_elf_make_section_from_shdr`), which `--strip-unneeded` drops.
fn is_debugging(name: &[u8]) -> bool {
    const PREFIXES: &[&[u8]] = &[
        b".debug",
        b".zdebug",
        b".gnu.debuglto_.debug_",
        b".gnu.linkonce.wi.",
        b".line",
        b".stab",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p)) || name == b".gdb_index"
}

/// The streaming pass's view of one regular file's content: the head, and
/// the bytes from `len - TAIL` on, kept only when the head is ELF's. One
/// probe serves every file of a layer (its tail buffer is reused).
pub struct Probe {
    head: [u8; HEAD],
    head_len: usize,
    len: u64,
    seen: u64,
    tail: Vec<u8>,
}

impl Default for Probe {
    fn default() -> Probe {
        Probe {
            head: [0; HEAD],
            head_len: 0,
            len: 0,
            seen: 0,
            tail: Vec::new(),
        }
    }
}

impl Probe {
    /// Start a file of `len` bytes.
    pub fn start(&mut self, len: u64) {
        self.head_len = 0;
        self.len = len;
        self.seen = 0;
        self.tail.clear();
    }

    /// The next bytes of the file. Costs a comparison per call once the
    /// first four bytes are known not to be ELF's.
    pub fn feed(&mut self, b: &[u8]) {
        let at = self.seen;
        self.seen += b.len() as u64;
        if self.head_len < HEAD {
            let n = (HEAD - self.head_len).min(b.len());
            self.head[self.head_len..self.head_len + n].copy_from_slice(&b[..n]);
            self.head_len += n;
        }
        if self.head_len >= 4 && !is_elf(&self.head) {
            return;
        }
        let tail_start = self.len.saturating_sub(TAIL);
        if self.seen > tail_start {
            let skip = tail_start.saturating_sub(at) as usize;
            self.tail.extend_from_slice(&b[skip.min(b.len())..]);
        }
    }

    /// The figure, once the whole file went by.
    pub fn finish(&mut self) -> Strip {
        if self.head_len < 4 || !is_elf(&self.head[..self.head_len]) || self.seen != self.len {
            return Strip::NotApplicable;
        }
        let tail_start = self.len.saturating_sub(TAIL);
        let pieces = vec![
            (0, self.head[..self.head_len].to_vec()),
            (tail_start, std::mem::take(&mut self.tail)),
        ];
        strippable(self.len, pieces, |_| None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One section to lay out: name, type, flags, size, link, info.
    struct Sec {
        name: &'static str,
        ty: u32,
        flags: u64,
        size: u64,
        link: u32,
        info: u32,
    }

    fn sec(name: &'static str, ty: u32, flags: u64, size: u64) -> Sec {
        Sec {
            name,
            ty,
            flags,
            size,
            link: 0,
            info: 0,
        }
    }

    /// Writes integers of a class and byte order.
    struct W {
        out: Vec<u8>,
        big: bool,
        is64: bool,
    }

    impl W {
        fn u16(&mut self, v: u16) {
            let b = if self.big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            };
            self.out.extend_from_slice(&b);
        }
        fn u32(&mut self, v: u32) {
            let b = if self.big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            };
            self.out.extend_from_slice(&b);
        }
        fn u64(&mut self, v: u64) {
            let b = if self.big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            };
            self.out.extend_from_slice(&b);
        }
        /// A word: 4 bytes for ELF32, 8 for ELF64.
        fn word(&mut self, v: u64) {
            if self.is64 {
                self.u64(v)
            } else {
                self.u32(v as u32)
            }
        }
    }

    /// An ELF file: header, the sections' contents (filled with 0xAB)
    /// one after the other, `.shstrtab`, then the section headers
    /// (section 0 is the null one; `.shstrtab` is added last).
    fn build(is64: bool, big: bool, e_type: u16, secs: &[Sec]) -> Vec<u8> {
        let ehsize: u64 = if is64 { 64 } else { 52 };
        let shentsize: u64 = if is64 { 64 } else { 40 };
        let mut names = vec![0u8];
        let mut name_at = Vec::new();
        for s in secs.iter().map(|s| s.name).chain([".shstrtab"]) {
            name_at.push(names.len() as u32);
            names.extend_from_slice(s.as_bytes());
            names.push(0);
        }
        let mut offsets = Vec::new();
        let mut at = ehsize;
        for s in secs {
            offsets.push(at);
            if s.ty != elf::SHT_NOBITS {
                at += s.size;
            }
        }
        let shstr_at = at;
        at += names.len() as u64;
        let shoff = at;
        let shnum = secs.len() as u16 + 2;
        let mut w = W {
            out: Vec::new(),
            big,
            is64,
        };
        w.out.extend_from_slice(b"\x7fELF");
        w.out.push(if is64 { 2 } else { 1 });
        w.out.push(if big { 2 } else { 1 });
        w.out.push(1);
        w.out.resize(16, 0);
        w.u16(e_type);
        w.u16(62);
        w.u32(1);
        w.word(0); // entry
        w.word(0); // phoff
        w.word(shoff);
        w.u32(0);
        w.u16(ehsize as u16);
        w.u16(0);
        w.u16(0);
        w.u16(shentsize as u16);
        w.u16(shnum);
        w.u16(shnum - 1);
        assert_eq!(w.out.len() as u64, ehsize);
        for s in secs {
            if s.ty != elf::SHT_NOBITS {
                w.out.resize(w.out.len() + s.size as usize, 0xAB);
            }
        }
        w.out.extend_from_slice(&names);
        let header = |w: &mut W,
                      name: u32,
                      ty: u32,
                      flags: u64,
                      off: u64,
                      size: u64,
                      link: u32,
                      info: u32| {
            w.u32(name);
            w.u32(ty);
            w.word(flags);
            w.word(0);
            w.word(off);
            w.word(size);
            w.u32(link);
            w.u32(info);
            w.word(1);
            w.word(0);
        };
        header(&mut w, 0, 0, 0, 0, 0, 0, 0);
        for (i, s) in secs.iter().enumerate() {
            header(
                &mut w, name_at[i], s.ty, s.flags, offsets[i], s.size, s.link, s.info,
            );
        }
        header(
            &mut w,
            name_at[secs.len()],
            elf::SHT_STRTAB,
            0,
            shstr_at,
            names.len() as u64,
            0,
            0,
        );
        assert_eq!(w.out.len() as u64, shoff + u64::from(shnum) * shentsize);
        w.out
    }

    const A: u64 = elf::SHF_ALLOC as u64;

    /// A typical `gcc -g` binary: text, bss, comment, debug sections,
    /// symtab and strtab. Removable: 100 + 30 + 72 + 40 = 242.
    fn typical() -> Vec<Sec> {
        vec![
            sec(
                ".text",
                elf::SHT_PROGBITS,
                A | elf::SHF_EXECINSTR as u64,
                300,
            ),
            sec(".bss", elf::SHT_NOBITS, A | elf::SHF_WRITE as u64, 4096),
            sec(".comment", elf::SHT_PROGBITS, 0, 20),
            sec(".debug_info", elf::SHT_PROGBITS, 0, 100),
            sec(".debug_str", elf::SHT_PROGBITS, 0, 30),
            Sec {
                link: 7,
                ..sec(".symtab", elf::SHT_SYMTAB, 0, 72)
            },
            sec(".strtab", elf::SHT_STRTAB, 0, 40),
            sec(".gnu_debuglink", elf::SHT_PROGBITS, 0, 16),
        ]
    }

    #[test]
    fn four_layouts_give_the_sum_of_the_removable_sections() {
        for is64 in [false, true] {
            for big in [false, true] {
                let f = build(is64, big, elf::ET_DYN, &typical());
                assert_eq!(
                    strippable_whole(&f),
                    Strip::Bytes(242),
                    "64={is64} be={big}"
                );
                let f = build(is64, big, elf::ET_EXEC, &typical());
                assert_eq!(
                    strippable_whole(&f),
                    Strip::Bytes(242),
                    "64={is64} be={big}"
                );
            }
        }
    }

    #[test]
    fn relocatable_objects_and_core_files_are_left_out() {
        for t in [elf::ET_REL, elf::ET_CORE] {
            let f = build(true, false, t, &typical());
            assert_eq!(strippable_whole(&f), Strip::NotApplicable);
        }
    }

    #[test]
    fn a_stripped_file_has_nothing_to_remove() {
        let secs = vec![
            sec(".text", elf::SHT_PROGBITS, A, 300),
            sec(".comment", elf::SHT_PROGBITS, 0, 20),
        ];
        let f = build(true, false, elf::ET_DYN, &secs);
        assert_eq!(strippable_whole(&f), Strip::Bytes(0));
        assert_eq!(Strip::Bytes(0).record(), None);
    }

    #[test]
    fn debug_relocations_go_with_their_sections_and_other_relocations_keep_the_symbols() {
        // .rela.debug_info (index 3) applies to .debug_info (2): removed.
        let mut secs = vec![
            sec(".text", elf::SHT_PROGBITS, A, 300),
            sec(".debug_info", elf::SHT_PROGBITS, 0, 100),
            Sec {
                link: 4,
                info: 2,
                ..sec(".rela.debug_info", elf::SHT_RELA, 0, 48)
            },
            Sec {
                link: 5,
                ..sec(".symtab", elf::SHT_SYMTAB, 0, 72)
            },
            sec(".strtab", elf::SHT_STRTAB, 0, 40),
        ];
        let f = build(true, false, elf::ET_EXEC, &secs);
        assert_eq!(strippable_whole(&f), Strip::Bytes(100 + 48 + 72 + 40));
        // --emit-relocs: .rela.text applies to .text and uses the symbols.
        secs.push(Sec {
            link: 4,
            info: 1,
            ..sec(".rela.text", elf::SHT_RELA, 0, 24)
        });
        let f = build(true, false, elf::ET_EXEC, &secs);
        assert_eq!(strippable_whole(&f), Strip::Unknown);
    }

    #[test]
    fn a_symbol_table_sharing_the_section_names_leaves_them() {
        // .symtab's sh_link names .shstrtab (index 3, added last): only the
        // symbols go.
        let secs = vec![
            sec(".text", elf::SHT_PROGBITS, A, 300),
            Sec {
                link: 3,
                ..sec(".symtab", elf::SHT_SYMTAB, 0, 72)
            },
        ];
        let f = build(true, false, elf::ET_DYN, &secs);
        assert_eq!(strippable_whole(&f), Strip::Bytes(72));
    }

    #[test]
    fn names_binutils_calls_debugging() {
        for yes in [
            ".debug",
            ".debug_line",
            ".zdebug_info",
            ".gnu.debuglto_.debug_info",
            ".gnu.linkonce.wi.x",
            ".line",
            ".stab",
            ".stabstr",
            ".gdb_index",
        ] {
            assert!(is_debugging(yes.as_bytes()), "{yes}");
        }
        for no in [
            ".comment",
            ".gnu_debuglink",
            ".gnu_debugaltlink",
            ".gnu_debugdata",
            ".note.gnu.build-id",
            ".gdb_index2",
            "debug",
        ] {
            assert!(!is_debugging(no.as_bytes()), "{no}");
        }
        // An allocated section with a debug name stays.
        let secs = vec![sec(".debug_odd", elf::SHT_PROGBITS, A, 10)];
        assert_eq!(
            strippable_whole(&build(true, false, elf::ET_DYN, &secs)),
            Strip::Bytes(0)
        );
    }

    #[test]
    fn a_file_with_only_the_header() {
        let f = build(true, false, elf::ET_EXEC, &typical());
        // The header alone: the section table lies past the end.
        assert_eq!(strippable_whole(&f[..64]), Strip::Unknown);
        // A header with no section table at all: nothing to remove.
        let mut h = f[..64].to_vec();
        h[0x28..0x30].fill(0); // e_shoff
        h[0x3c..0x40].fill(0); // e_shnum, e_shstrndx
        assert_eq!(strippable_whole(&h), Strip::Bytes(0));
    }

    #[test]
    fn truncated_and_hostile_headers_never_panic() {
        let f = build(true, false, elf::ET_EXEC, &typical());
        for n in 0..f.len() {
            let s = strippable_whole(&f[..n]);
            // Short of the header: not an ELF file strip would read; past
            // it, the table is cut off: unknown.
            let want = if n < 64 {
                Strip::NotApplicable
            } else {
                Strip::Unknown
            };
            assert_eq!(s, want, "cut at {n}");
        }
        // e_shoff past the end.
        let mut g = f.clone();
        g[0x28..0x30].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(strippable_whole(&g), Strip::Unknown);
        let mut g = f.clone();
        g[0x28..0x30].copy_from_slice(&(f.len() as u64 + 1).to_le_bytes());
        assert_eq!(strippable_whole(&g), Strip::Unknown);
        // An absurd e_shnum (65535 headers: far past the end).
        let mut g = f.clone();
        g[0x3c..0x3e].copy_from_slice(&u16::MAX.to_le_bytes());
        assert_eq!(strippable_whole(&g), Strip::Unknown);
        // Extended numbering (e_shnum 0): section 0's sh_size claims 2^40
        // headers; seekable reads are bounded and never asked for it.
        let mut g = f.clone();
        g[0x3c..0x3e].fill(0);
        let shoff = u64::from_le_bytes(g[0x28..0x30].try_into().unwrap()) as usize;
        g[shoff + 0x20..shoff + 0x28].copy_from_slice(&(1u64 << 40).to_le_bytes());
        let asked = Cell::new(0);
        let s = strippable(g.len() as u64, vec![(0, g[..64].to_vec())], |r| {
            asked.set(asked.get() + 1);
            g.get(r.start as usize..r.end as usize).map(<[u8]>::to_vec)
        });
        assert_eq!(s, Strip::Unknown);
        assert_eq!(asked.get(), 1, "section 0 only");
        // A wrong e_shentsize.
        let mut g = f.clone();
        g[0x3a..0x3c].copy_from_slice(&40u16.to_le_bytes());
        assert_eq!(strippable_whole(&g), Strip::Unknown);
        // A removable section claiming more bytes than the file has.
        let secs = vec![sec(".debug_info", elf::SHT_PROGBITS, 0, 100)];
        let mut g = build(true, false, elf::ET_EXEC, &secs);
        let shoff = u64::from_le_bytes(g[0x28..0x30].try_into().unwrap()) as usize;
        let size_at = shoff + 64 + 0x20;
        g[size_at..size_at + 8].copy_from_slice(&(1u64 << 62).to_le_bytes());
        assert_eq!(strippable_whole(&g), Strip::Unknown);
        // Not ELF at all; an unknown class; a bad version.
        assert_eq!(strippable_whole(b"#!/bin/sh\n"), Strip::NotApplicable);
        let mut g = f.clone();
        g[4] = 9;
        assert_eq!(strippable_whole(&g), Strip::NotApplicable);
        let mut g = f.clone();
        g[6] = 0;
        assert_eq!(strippable_whole(&g), Strip::NotApplicable);
    }

    #[test]
    fn seekable_reads_fetch_the_table_then_the_names() {
        let f = build(false, true, elf::ET_DYN, &typical());
        let mut asked = Vec::new();
        let s = strippable(f.len() as u64, vec![(0, f[..HEAD].to_vec())], |r| {
            asked.push(r.clone());
            Some(f[r.start as usize..r.end as usize].to_vec())
        });
        assert_eq!(s, Strip::Bytes(242));
        assert_eq!(asked.len(), 2, "{asked:?}");
    }

    #[test]
    fn the_stream_probe_keeps_head_and_tail_and_nothing_of_other_files() {
        let f = build(true, false, elf::ET_DYN, &typical());
        let mut p = Probe::default();
        for chunk in [1, 3, 7, 64, 4096] {
            p.start(f.len() as u64);
            for c in f.chunks(chunk) {
                p.feed(c);
            }
            assert_eq!(p.finish(), Strip::Bytes(242), "chunks of {chunk}");
        }
        // A file larger than the tail: the table is in the tail.
        let mut big = typical();
        big[0].size = 3 * TAIL;
        let f = build(true, false, elf::ET_DYN, &big);
        p.start(f.len() as u64);
        for c in f.chunks(10_000) {
            p.feed(c);
        }
        assert!(p.tail.len() as u64 <= TAIL);
        assert_eq!(p.finish(), Strip::Bytes(242));
        // Section headers not in the last TAIL bytes: unknown.
        let mut g = f.clone();
        let shoff = u64::from_le_bytes(g[0x28..0x30].try_into().unwrap());
        let moved = shoff - 2 * TAIL;
        let table = g[shoff as usize..].to_vec();
        g[moved as usize..moved as usize + table.len()].copy_from_slice(&table);
        g[0x28..0x30].copy_from_slice(&moved.to_le_bytes());
        // Read by offset, the moved table is found; streamed, it is not kept.
        assert_eq!(strippable_whole(&g), Strip::Bytes(242));
        p.start(g.len() as u64);
        for c in g.chunks(10_000) {
            p.feed(c);
        }
        assert_eq!(p.finish(), Strip::Unknown);
        // Not ELF: nothing kept.
        p.start(300_000);
        p.feed(b"\x7fELX");
        p.feed(&vec![1u8; 299_996]);
        assert!(p.tail.is_empty());
        assert_eq!(p.finish(), Strip::NotApplicable);
    }

    /// Both passes over a tar built in code: a small ELF file (hashed on
    /// the way by the seekable pass), a large one (read by offset), a
    /// large non-ELF file, a stripped one, a hardlink; the side table
    /// holds the two unstripped files only, with the figure worked out by
    /// hand (242), in entry order.
    #[test]
    fn both_passes_record_the_same_side_table() {
        let small = build(true, false, elf::ET_DYN, &typical());
        let mut big_secs = typical();
        big_secs[0].size = 200_000;
        let big = build(false, true, elf::ET_EXEC, &big_secs);
        let stripped = build(
            true,
            false,
            elf::ET_DYN,
            &[sec(".text", elf::SHT_PROGBITS, A, 300)],
        );
        let mut b = tar::Builder::new(Vec::new());
        let mut add = |name: &str, data: &[u8]| {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o755);
            h.set_entry_type(tar::EntryType::Regular);
            h.set_cksum();
            b.append_data(&mut h, name, data).unwrap();
        };
        add("usr/lib/libsmall.so", &small);
        add("data/blob.bin", &vec![0x7f; 100_000]);
        add("usr/bin/big", &big);
        add("usr/bin/stripped", &stripped);
        let mut h = tar::Header::new_gnu();
        h.set_size(0);
        h.set_entry_type(tar::EntryType::Link);
        h.set_cksum();
        b.append_link(&mut h, "usr/bin/big2", "usr/bin/big")
            .unwrap();
        let tar = b.into_inner().unwrap();
        let want = vec![
            ElfFile {
                entry: 0,
                strippable: Some(242),
            },
            ElfFile {
                entry: 2,
                strippable: Some(242),
            },
        ];
        let streamed = crate::layer::scan(&tar[..], &Default::default()).unwrap();
        assert_eq!(streamed.elf, want);
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, &tar).unwrap();
        let (seeked, _) = crate::layer::scan_seek(f.path(), 0, tar.len() as u64, None).unwrap();
        assert_eq!(seeked.elf, want);
        assert_eq!(seeked.strippable(2), Some(Some(242)));
        assert_eq!(seeked.strippable(1), None);
    }
}
