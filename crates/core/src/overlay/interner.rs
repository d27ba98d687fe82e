//! Path components interned once: an image of a million entries repeats
//! `usr`, `lib`, `site-packages` a million times; each is stored once.
//!
//! Every name's bytes live in one arena; the lookup table holds only ids
//! (4 bytes a slot) and hashes them through the arena, so a name is never
//! stored twice.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

/// Id of an interned component.
pub type Sym = u32;

#[derive(Default, Clone)]
pub struct Interner {
    bytes: Vec<u8>,
    /// End offset of each name in `bytes` (start = previous end).
    ends: Vec<u32>,
    table: HashTable<Sym>,
    hasher: FxBuildHasher,
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interner")
            .field("names", &self.ends.len())
            .finish()
    }
}

impl Interner {
    /// Where name `id` lies in the arena.
    fn span(ends: &[u32], id: Sym) -> std::ops::Range<usize> {
        let end = ends[id as usize] as usize;
        let start = if id == 0 {
            0
        } else {
            ends[id as usize - 1] as usize
        };
        start..end
    }

    pub fn intern(&mut self, name: &[u8]) -> Sym {
        let hash = self.hasher.hash_one(name);
        let (bytes, ends) = (&self.bytes, &self.ends);
        if let Some(&id) = self.table.find(hash, |&id| {
            crate::short_bytes::eq(&bytes[Self::span(ends, id)], name)
        }) {
            return id;
        }
        let id = Sym::try_from(self.ends.len()).expect("fewer than 2^32 distinct names");
        self.bytes.extend_from_slice(name);
        let end = u32::try_from(self.bytes.len()).expect("fewer than 4 GiB of distinct names");
        self.ends.push(end);
        let (bytes, ends, hasher) = (&self.bytes, &self.ends, &self.hasher);
        self.table.insert_unique(hash, id, |&id| {
            hasher.hash_one(&bytes[Self::span(ends, id)])
        });
        id
    }

    pub fn get(&self, name: &[u8]) -> Option<Sym> {
        let hash = self.hasher.hash_one(name);
        self.table
            .find(hash, |&id| crate::short_bytes::eq(self.resolve(id), name))
            .copied()
    }

    pub fn resolve(&self, id: Sym) -> &[u8] {
        &self.bytes[Self::span(&self.ends, id)]
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_each_name_once() {
        let mut i = Interner::default();
        let a = i.intern(b"usr");
        let b = i.intern(b"lib");
        let e = i.intern(b"");
        assert_eq!(i.intern(b"usr"), a);
        assert_ne!(a, b);
        assert_eq!(i.resolve(a), b"usr");
        assert_eq!(i.resolve(b), b"lib");
        assert_eq!(i.resolve(e), b"");
        assert_eq!(i.get(b"lib"), Some(b));
        assert_eq!(i.get(b"nope"), None);
        assert_eq!(i.len(), 3);
        for n in 0..10_000u32 {
            i.intern(n.to_string().as_bytes());
        }
        assert_eq!(i.get(b"9999").map(|s| i.resolve(s)), Some(&b"9999"[..]));
        assert_eq!(i.len(), 3 + 10_000);
    }
}
