//! Path components interned once: an image of a million entries repeats
//! `usr`, `lib`, `site-packages` a million times; each is stored once.

use rustc_hash::FxHashMap;

/// Id of an interned component.
pub type Sym = u32;

#[derive(Debug, Default)]
pub struct Interner {
    ids: FxHashMap<Box<[u8]>, Sym>,
    names: Vec<Box<[u8]>>,
}

impl Interner {
    pub fn intern(&mut self, name: &[u8]) -> Sym {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = Sym::try_from(self.names.len()).expect("fewer than 2^32 distinct names");
        self.names.push(name.into());
        self.ids.insert(name.into(), id);
        id
    }

    pub fn get(&self, name: &[u8]) -> Option<Sym> {
        self.ids.get(name).copied()
    }

    pub fn resolve(&self, id: Sym) -> &[u8] {
        &self.names[id as usize]
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}
