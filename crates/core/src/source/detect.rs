//! What kind of bytes is this? Sniffing the first block of an input.
//!
//! Only magic bytes are trusted, never file names: `docker save` output is
//! often renamed, piped or gzipped by hand.

use std::io::{self, Read};

/// The size of a tar header block (POSIX ustar).
pub(crate) const BLOCK: usize = 512;

/// What the first bytes of an input say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sniffed {
    Empty,
    Gzip,
    Zstd,
    Tar,
    Unknown,
}

/// Classify an input by its first (up to) 512 bytes.
pub(crate) fn sniff(head: &[u8]) -> Sniffed {
    if head.is_empty() {
        Sniffed::Empty
    } else if head.starts_with(&[0x1f, 0x8b]) {
        Sniffed::Gzip
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Sniffed::Zstd
    } else if head.len() >= BLOCK && is_tar_header(&head[..BLOCK]) {
        Sniffed::Tar
    } else {
        Sniffed::Unknown
    }
}

/// A tar header block is recognised by its checksum (ustar, POSIX.1-1988
/// section 10.1.1: the sum of the header bytes with the checksum field taken
/// as spaces), which every tar dialect (v7, ustar, GNU, PAX) carries. An
/// all-zero block is an empty archive's end marker and counts as tar too.
pub(crate) fn is_tar_header(block: &[u8]) -> bool {
    if block.len() < BLOCK {
        return false;
    }
    if block[..BLOCK].iter().all(|&b| b == 0) {
        return true;
    }
    let field = &block[148..156];
    let digits: Vec<u8> = field
        .iter()
        .copied()
        .skip_while(|&b| b == b' ')
        .take_while(|b| b.is_ascii_digit())
        .collect();
    if digits.is_empty() || digits.iter().any(|&b| b > b'7') {
        return false;
    }
    let Ok(text) = std::str::from_utf8(&digits) else {
        return false;
    };
    let Ok(stored) = u64::from_str_radix(text, 8) else {
        return false;
    };
    let mut unsigned: u64 = 0;
    let mut signed: i64 = 0;
    for (i, &b) in block[..BLOCK].iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned += u64::from(b);
        signed += i64::from(b as i8);
    }
    // Some old tars summed signed chars; accept either.
    stored == unsigned || i64::try_from(stored).is_ok_and(|s| s == signed)
}

/// Read up to `n` bytes, looping over short reads (pipes, decompressors).
pub(crate) fn read_head<R: Read>(r: &mut R, n: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    r.take(n as u64).read_to_end(&mut head)?;
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_with_one_file() -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(3);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, "a", &b"abc"[..]).unwrap();
        b.into_inner().unwrap()
    }

    #[test]
    fn recognises_tar_gzip_zstd_and_garbage() {
        assert_eq!(sniff(&tar_with_one_file()), Sniffed::Tar);
        assert_eq!(sniff(&[0u8; 1024]), Sniffed::Tar);
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0]), Sniffed::Gzip);
        assert_eq!(sniff(&[0x28, 0xb5, 0x2f, 0xfd, 0]), Sniffed::Zstd);
        assert_eq!(sniff(b""), Sniffed::Empty);
        assert_eq!(sniff(b"hello world"), Sniffed::Unknown);
        assert_eq!(sniff(&[b'x'; 600]), Sniffed::Unknown);
    }

    #[test]
    fn rejects_a_corrupted_checksum() {
        let mut t = tar_with_one_file();
        t[0] = b'z';
        assert_eq!(sniff(&t), Sniffed::Unknown);
    }
}
