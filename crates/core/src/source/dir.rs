//! An OCI image layout directory (image-spec `image-layout.md`): the same
//! files as an oci-archive, on disk. Also serves an unpacked `docker save`
//! directory (a `manifest.json` next to `<id>/layer.tar`).

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

use super::store::{too_large, Blob, BlobStore, Store, META_CAP};

pub(crate) struct DirStore {
    root: PathBuf,
    label: String,
}

impl DirStore {
    pub fn new(root: &Path, label: &str) -> DirStore {
        DirStore {
            root: root.to_path_buf(),
            label: label.to_string(),
        }
    }

    /// Paths reaching here are relative and free of `..` (checked by
    /// `member_path` or built from a validated digest).
    fn file(&self, path: &str) -> PathBuf {
        self.root.join(path)
    }

    /// The size of the regular file at `path` (symlinks followed), `None`
    /// when there is none.
    fn size(&self, path: &str, what: &str) -> Result<Option<u64>> {
        match std::fs::metadata(self.file(path)) {
            Ok(m) if m.is_file() => Ok(Some(m.len())),
            Ok(_) => Err(Error::io(
                format!("{} ({what})", self.label),
                io::Error::new(io::ErrorKind::InvalidData, format!("{path} is not a file")),
            )),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(format!("{} ({what})", self.label), e)),
        }
    }
}

impl Store for DirStore {
    fn input(&self) -> &str {
        &self.label
    }

    fn is_dir(&self) -> bool {
        true
    }

    fn contains(&self, path: &str) -> bool {
        self.file(path).is_file()
    }

    fn read_meta(&self, path: &str, file: &str) -> Result<Option<Vec<u8>>> {
        let Some(size) = self.size(path, file)? else {
            return Ok(None);
        };
        if size > META_CAP {
            return Err(too_large(file, size));
        }
        let mut buf = Vec::new();
        // Read through a cap too: the file may grow between stat and read.
        File::open(self.file(path))
            .and_then(|f| f.take(META_CAP + 1).read_to_end(&mut buf))
            .map_err(|e| Error::io(format!("{} ({file})", self.label), e))?;
        if buf.len() as u64 > META_CAP {
            return Err(too_large(file, buf.len() as u64));
        }
        Ok(Some(buf))
    }
}

impl BlobStore for DirStore {
    fn locate(&self, path: &str, what: &str) -> Result<Option<Blob>> {
        Ok(self.size(path, what)?.map(|size| Blob {
            key: path.to_string(),
            offset: 0,
            size,
        }))
    }

    fn open(&self, blob: &Blob) -> Result<Box<dyn Read + '_>> {
        let f = File::open(self.file(&blob.key))
            .map_err(|e| Error::io(format!("{} ({})", self.label, blob.key), e))?;
        Ok(Box::new(f))
    }

    fn local_file(&self, blob: &Blob) -> Option<PathBuf> {
        Some(self.file(&blob.key))
    }
}
