//! Metadata files held in memory: a [`Store`] for fuzzing the metadata
//! resolver (`fuzz/fuzz_targets/metadata.rs`) without writing a layout to
//! disk. Not used by the readers themselves.

use std::collections::HashMap;

use crate::error::Result;

use super::store::{normalize_str, too_large, Store, META_CAP};

pub(crate) struct MemStore {
    files: HashMap<String, Vec<u8>>,
}

impl MemStore {
    /// Later files of the same (normalised) name replace earlier ones, as
    /// when a tar is extracted.
    pub fn new(files: Vec<(String, Vec<u8>)>) -> MemStore {
        MemStore {
            files: files
                .into_iter()
                .map(|(n, b)| (normalize_str(&n), b))
                .collect(),
        }
    }
}

impl Store for MemStore {
    fn input(&self) -> &str {
        "<memory>"
    }

    fn contains(&self, path: &str) -> bool {
        self.files.contains_key(&normalize_str(path))
    }

    fn read_meta(&self, path: &str, file: &str) -> Result<Option<Vec<u8>>> {
        match self.files.get(&normalize_str(path)) {
            Some(b) if b.len() as u64 > META_CAP => Err(too_large(file, b.len() as u64)),
            Some(b) => Ok(Some(b.clone())),
            None => Ok(None),
        }
    }
}
