//! Equality and order of short byte strings (path components, package
//! names) without a call to libc's `memcmp`.
//!
//! Why: on the machines this is measured on, glibc picks an AVX-512
//! `memcmp` whose masked load of a short input stalls for tens of cycles;
//! the packages step compares names and components some 100,000 times an
//! image, and a sampling profile put 13% of its time in that one
//! instruction (docs/performance.md, packages round 8). A plain loop over
//! a few bytes costs a few cycles. Longer inputs still go to `memcmp`.

/// Up to this many bytes are compared here.
const SHORT: usize = 32;

/// `a == b`.
#[inline]
pub fn eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() > SHORT {
        return a == b;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// `a.cmp(b)`.
#[inline]
/// The first 8 bytes of `a` as a number, in the order of the bytes (a
/// shorter `a` padded with zeros): `prefix(a) < prefix(b)` only when
/// `a < b`, so a sort compares numbers first and bytes only on a tie.
pub fn prefix(a: &[u8]) -> u64 {
    let mut k = [0u8; 8];
    let n = a.len().min(8);
    k[..n].copy_from_slice(&a[..n]);
    u64::from_be_bytes(k)
}

pub fn cmp(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    if a.len().min(b.len()) > SHORT {
        return a.cmp(b);
    }
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return a[i].cmp(&b[i]);
        }
        i += 1;
    }
    a.len().cmp(&b.len())
}

/// `hay.starts_with(prefix)`.
#[inline]
pub fn starts_with(hay: &[u8], prefix: &[u8]) -> bool {
    hay.len() >= prefix.len() && eq(&hay[..prefix.len()], prefix)
}

/// `hay.ends_with(suffix)`.
#[inline]
pub fn ends_with(hay: &[u8], suffix: &[u8]) -> bool {
    hay.len() >= suffix.len() && eq(&hay[hay.len() - suffix.len()..], suffix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_slice_methods() {
        let long = [b'x'; 40];
        let mut long2 = long;
        long2[39] = b'y';
        let cases: &[&[u8]] = &[
            b"",
            b"a",
            b"ab",
            b"ba",
            b"abc",
            b"gcc-12",
            b"gcc-13",
            b"\xff",
            &long,
            &long2,
            b"a\0",
            b"abcdefgh",
            b"abcdefghi",
            b"abcdefgi",
            b"\xff\xff\xff\xff\xff\xff\xff\xff",
        ];
        for &a in cases {
            for &b in cases {
                assert_eq!(eq(a, b), a == b, "{a:?} {b:?}");
                assert_eq!(cmp(a, b), a.cmp(b), "{a:?} {b:?}");
                assert_eq!(starts_with(a, b), a.starts_with(b), "{a:?} {b:?}");
                assert_eq!(ends_with(a, b), a.ends_with(b), "{a:?} {b:?}");
                // The prefix orders as the bytes do, ties aside.
                if prefix(a) != prefix(b) {
                    assert_eq!(prefix(a).cmp(&prefix(b)), a.cmp(b), "{a:?} {b:?}");
                }
            }
        }
    }
}
