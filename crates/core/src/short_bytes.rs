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

/// Bytes `at..at + 8` of `a` as one number, in the order of the bytes.
#[inline]
fn word(a: &[u8], at: usize) -> u64 {
    let mut k = [0u8; 8];
    k.copy_from_slice(&a[at..at + 8]);
    u64::from_be_bytes(k)
}

/// `a == b`. Eight bytes at a time: a byte at a time cost the packages
/// step 8 M instructions on pkgbench (docs/performance.md, packages round
/// 14); the last word overlaps the one before it when the length is not a
/// multiple of 8.
#[inline]
pub fn eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n > SHORT {
        return a == b;
    }
    if n < 8 {
        // Most path components: 4 bytes from each end (overlapping), or
        // fewer than 4 a byte at a time.
        if n >= 4 {
            let four =
                |x: &[u8], at: usize| u32::from_ne_bytes([x[at], x[at + 1], x[at + 2], x[at + 3]]);
            return four(a, 0) == four(b, 0) && four(a, n - 4) == four(b, n - 4);
        }
        let mut i = 0;
        while i < n {
            if a[i] != b[i] {
                return false;
            }
            i += 1;
        }
        return true;
    }
    let mut i = 0;
    while i + 8 < n {
        if word(a, i) != word(b, i) {
            return false;
        }
        i += 8;
    }
    word(a, n - 8) == word(b, n - 8)
}

/// `a.cmp(b)`: the first word that differs orders them (a word read
/// big-endian orders as its bytes do).
#[inline]
pub fn cmp(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    if n > SHORT {
        return a.cmp(b);
    }
    let mut i = 0;
    while i + 8 <= n {
        let (x, y) = (word(a, i), word(b, i));
        if x != y {
            return x.cmp(&y);
        }
        i += 8;
    }
    while i < n {
        if a[i] != b[i] {
            return a[i].cmp(&b[i]);
        }
        i += 1;
    }
    a.len().cmp(&b.len())
}

/// The first 8 bytes of `a` as a number, in the order of the bytes (a
/// shorter `a` padded with zeros): `prefix(a) < prefix(b)` only when
/// `a < b`, so a sort compares numbers first and bytes only on a tie.
#[inline]
pub fn prefix(a: &[u8]) -> u64 {
    if a.len() >= 8 {
        return word(a, 0);
    }
    // A byte at a time: a copy of a length not known here is a call to
    // `memcpy`.
    let mut k = 0u64;
    let mut i = 0;
    while i < a.len() {
        k |= u64::from(a[i]) << (56 - 8 * i);
        i += 1;
    }
    k
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
            b"abcdefgh12345678",
            b"abcdefgh12345679",
            b"abcdefgh1234567",
            b"abcdefgh123456780",
            b"abcdefgX12345678",
            b"usr/share/doc/libc6-dev",
            b"usr/share/doc/libc6-dew",
            b"usr/share/doc/libc7-dev",
            b"usr/share/doc/libc6-de",
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
                // Up to 8 bytes, with the length, it is the bytes.
                if a.len() == b.len() && a.len() <= 8 {
                    assert_eq!(prefix(a) == prefix(b), a == b, "{a:?} {b:?}");
                }
            }
        }
    }
}
