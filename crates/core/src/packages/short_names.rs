//! A cache in front of the overlay's name interner for the packages step.

use crate::overlay::{Interner, Sym};
use crate::short_bytes;

/// The interned symbols of short names already looked up: a Debian
/// image lists `copyright`, `__init__.py`, `README` once per
/// package, and the interner hashes and compares each time (66,000
/// lookups on pkgbench; docs/performance.md, packages round 14). A name of
/// at most 16 bytes is its own key (two words and its length); one slot
/// per key hash, a miss replaces it.
pub struct ShortNames {
    slots: Vec<ShortName>,
}

/// One slot: a name's bytes as two words, its length (`u8::MAX`: empty)
/// and what the interner said.
#[derive(Clone, Copy)]
struct ShortName {
    key: (u64, u64),
    len: u8,
    sym: Option<Sym>,
}

impl Default for ShortNames {
    fn default() -> ShortNames {
        ShortNames::with_slots(1 << 10)
    }
}

impl ShortNames {
    /// A cache of `n` slots.
    fn with_slots(n: usize) -> ShortNames {
        let empty = ShortName {
            key: (0, 0),
            len: u8::MAX,
            sym: None,
        };
        ShortNames {
            slots: vec![empty; n],
        }
    }

    /// `names.get(name)`.
    #[inline]
    pub fn get(&mut self, names: &Interner, name: &[u8]) -> Option<Sym> {
        if name.len() > 16 {
            return names.get(name);
        }
        let (a, b) = name.split_at(name.len().min(8));
        let key = (short_bytes::prefix(a), short_bytes::prefix(b));
        let hash =
            (key.0 ^ key.1.rotate_left(29) ^ name.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        // The hash's top bits (a product's low bits are the key's, and a
        // short name's key is zeros there): its top 32 scaled to the slots.
        let at = ((hash >> 32) * self.slots.len() as u64) >> 32;
        let slot = &mut self.slots[at as usize];
        if slot.key == key && usize::from(slot.len) == name.len() {
            return slot.sym;
        }
        let sym = names.get(name);
        *slot = ShortName {
            key,
            len: name.len() as u8,
            sym,
        };
        sym
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The interner's answer every time: present names and absent ones,
    /// of every length around the two words; names that share their first
    /// word, or differ only by a trailing zero byte (a short name's
    /// padding), asked one after the other in a cache of one slot, of
    /// two, of three (each slot taken and retaken) as well as the real one.
    #[test]
    fn answers_as_the_interner_does() {
        let mut names = Interner::default();
        let mut asked: Vec<Vec<u8>> = Vec::new();
        for i in 0..400u32 {
            let len = (i % 19) as usize;
            let base: Vec<u8> = format!("{i:x}-")
                .into_bytes()
                .into_iter()
                .cycle()
                .take(len)
                .collect();
            let mut twin = base.clone();
            if len > 8 {
                // The same first word, another second one.
                twin[len - 1] ^= 1;
            } else {
                // The same words (zeros pad a short name), a byte more.
                twin.push(0);
            }
            if i % 3 != 0 {
                names.intern(&base);
            }
            if i % 5 != 0 {
                names.intern(&twin);
            }
            asked.push(base);
            asked.push(twin);
        }
        for slots in [1, 2, 3, 1 << 10] {
            let mut cache = ShortNames::with_slots(slots);
            for _ in 0..2 {
                for name in asked.iter().chain(asked.iter().rev()) {
                    assert_eq!(
                        cache.get(&names, name),
                        names.get(name),
                        "{slots}: {name:?}"
                    );
                }
            }
        }
        // Both kinds were asked for.
        assert!(asked.iter().any(|n| names.get(n).is_none()));
        assert!(asked
            .iter()
            .any(|n| n.len() == 16 && names.get(n).is_some()));
    }
}
