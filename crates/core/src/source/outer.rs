//! The outer archive (the `docker save` / oci-archive tar itself): a table of
//! its members, link resolution, and for a seekable file the byte offset of
//! every member so that each layer can be read by its own thread.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::layer::HeaderGuard;

use super::store::{normalize_str, too_large, Blob, BlobStore, Store, META_CAP};

/// How many links we follow before calling it a loop (like the kernel's
/// ELOOP limit, which is 40; archives need far fewer).
const MAX_LINK_DEPTH: usize = 16;

/// One member of the outer archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Member {
    /// A regular file: its data starts at `offset` (0 when streamed).
    File { offset: u64, size: u64 },
    /// A symlink; the target is relative to the link's directory. Legacy
    /// `docker save` writes `<id>/layer.tar -> ../<other>/layer.tar` for
    /// layers shared between images.
    Symlink(String),
    /// A hardlink; the target is an archive path of an earlier member.
    Hardlink(String),
    /// A directory or anything else that holds no data we can read.
    Other(&'static str),
}

/// A member resolved to the regular file holding its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resolved {
    pub name: String,
    pub offset: u64,
    pub size: u64,
}

/// The members of an outer archive, by normalised name. A later member of
/// the same name replaces an earlier one, as when tar extracts.
#[derive(Debug, Default)]
pub(crate) struct MemberTable {
    map: HashMap<String, Member>,
}

impl MemberTable {
    pub fn insert(&mut self, name: String, member: Member) {
        self.map.insert(name, member);
    }

    /// [`MemberTable::resolve`] for a metadata file: a bad link names `file`.
    pub(crate) fn resolve_meta(&self, path: &str, file: &str) -> Result<Option<Resolved>> {
        self.resolve(path).map_err(|why| Error::metadata(file, why))
    }

    /// Follow links from `name` to a regular file. `Ok(None)`: no member of
    /// that name. `Err(why)`: the member exists but leads nowhere readable
    /// (a dangling link, a loop, a link out of the archive, a directory).
    pub fn resolve(&self, name: &str) -> std::result::Result<Option<Resolved>, String> {
        let mut current = normalize_str(name);
        for depth in 0..=MAX_LINK_DEPTH {
            let member = match self.map.get(&current) {
                Some(m) => m,
                None if depth == 0 => return Ok(None),
                None => {
                    return Err(format!(
                        "member {name:?} is a link to {current:?}, which is not in the archive"
                    ))
                }
            };
            current = match member {
                Member::File { offset, size } => {
                    return Ok(Some(Resolved {
                        name: current,
                        offset: *offset,
                        size: *size,
                    }))
                }
                Member::Symlink(target) => join_link(&current, target).ok_or_else(|| {
                    format!("member {current:?} is a symlink to {target:?}, outside the archive")
                })?,
                Member::Hardlink(target) => normalize_str(target),
                Member::Other(kind) => {
                    return Err(format!("member {current:?} is a {kind}, not a file"))
                }
            };
        }
        Err(format!(
            "member {name:?}: more than {MAX_LINK_DEPTH} levels of links (a link loop?)"
        ))
    }
}

/// Resolve a symlink target against the link's directory, lexically, inside
/// the archive: `None` if it is absolute or climbs above the archive root.
fn join_link(link: &str, target: &str) -> Option<String> {
    if target.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = link.split('/').collect();
    parts.pop(); // the link's own name
    for comp in target.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

/// The member's name as a table key: normalised, and lossy for names that
/// are not UTF-8 (JSON can only reference UTF-8 names anyway).
pub(crate) fn member_name(raw: &[u8]) -> String {
    normalize_str(&String::from_utf8_lossy(raw))
}

/// Classify a tar entry into a [`Member`] (offset filled in by the caller).
pub(crate) fn classify<R: Read>(entry: &tar::Entry<'_, R>, offset: u64) -> Member {
    let header = entry.header();
    let link = || {
        entry
            .link_name_bytes()
            .map(|l| String::from_utf8_lossy(&l).into_owned())
            .unwrap_or_default()
    };
    match header.entry_type() {
        tar::EntryType::Regular | tar::EntryType::Continuous => Member::File {
            offset,
            size: entry.size(),
        },
        tar::EntryType::Symlink => Member::Symlink(link()),
        tar::EntryType::Link => Member::Hardlink(link()),
        tar::EntryType::Directory => Member::Other("directory"),
        tar::EntryType::GNUSparse => Member::Other("sparse file"),
        _ => Member::Other("special file"),
    }
}

/// A plain tar file, indexed once; every read opens its own handle and seeks
/// to the member, so layers can be scanned in parallel.
pub(crate) struct TarStore {
    path: PathBuf,
    label: String,
    members: MemberTable,
}

impl TarStore {
    /// Walk the headers (seeking over the data) and record every member.
    pub fn index(path: &Path, label: &str) -> Result<TarStore> {
        let io_err = |e: io::Error| Error::io(label, e);
        let file = File::open(path).map_err(io_err)?;
        let len = file.metadata().map_err(io_err)?.len();
        // The guard bounds what the tar reader buffers per member (long
        // names, PAX headers): see `layer::guard`.
        let (guarded, guard) = HeaderGuard::new(BufReader::with_capacity(64 * 1024, file));
        let mut archive = tar::Archive::new(guarded);
        let mut members = MemberTable::default();
        let mut iter = archive.entries_with_seek().map_err(io_err)?;
        loop {
            guard.arm();
            let Some(item) = iter.next() else { break };
            let mut entry = item.map_err(|e| Error::io(format!("{label} (outer tar)"), e))?;
            guard.entry(&mut entry);
            let name = member_name(&entry.path_bytes());
            let member = classify(&entry, entry.raw_file_position());
            if let Member::File { offset, size } = member {
                // Seeking past the end succeeds, so truncation must be
                // checked here, before any reader trusts the offsets.
                if offset.checked_add(size).is_none_or(|end| end > len) {
                    return Err(Error::io(
                        label,
                        io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            format!(
                                "archive is truncated: member {name:?} needs {size} bytes at offset {offset}, the file has {len}"
                            ),
                        ),
                    ));
                }
            }
            members.insert(name, member);
        }
        Ok(TarStore {
            path: path.to_path_buf(),
            label: label.to_string(),
            members,
        })
    }

    fn reader(&self, offset: u64, size: u64) -> io::Result<impl Read> {
        let mut f = File::open(&self.path)?;
        f.seek(SeekFrom::Start(offset))?;
        Ok(f.take(size))
    }
}

impl Store for TarStore {
    fn input(&self) -> &str {
        &self.label
    }

    fn contains(&self, path: &str) -> bool {
        matches!(self.members.resolve(path), Ok(Some(_)))
    }

    fn read_meta(&self, path: &str, file: &str) -> Result<Option<Vec<u8>>> {
        let Some(r) = self.members.resolve_meta(path, file)? else {
            return Ok(None);
        };
        if r.size > META_CAP {
            return Err(too_large(file, r.size));
        }
        let mut buf = Vec::with_capacity(r.size as usize);
        self.reader(r.offset, r.size)
            .and_then(|mut rd| rd.read_to_end(&mut buf))
            .map_err(|e| Error::io(format!("{} ({file})", self.label), e))?;
        Ok(Some(buf))
    }
}

impl BlobStore for TarStore {
    fn locate(&self, path: &str, what: &str) -> Result<Option<Blob>> {
        let r = self
            .members
            .resolve(path)
            .map_err(|why| Error::layer(what, why))?;
        Ok(r.map(|r| Blob {
            key: r.name,
            offset: r.offset,
            size: r.size,
        }))
    }

    fn open(&self, blob: &Blob) -> Result<Box<dyn Read + '_>> {
        let r = self
            .reader(blob.offset, blob.size)
            .map_err(|e| Error::io(format!("{} ({})", self.label, blob.key), e))?;
        Ok(Box::new(r))
    }

    fn local_file(&self, _blob: &Blob) -> Option<PathBuf> {
        Some(self.path.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> Member {
        Member::File { offset: 0, size: 1 }
    }

    #[test]
    fn follows_relative_symlinks_and_hardlinks() {
        let mut t = MemberTable::default();
        t.insert("a/layer.tar".into(), file());
        t.insert(
            "b/layer.tar".into(),
            Member::Symlink("../a/layer.tar".into()),
        );
        t.insert(
            "c/layer.tar".into(),
            Member::Hardlink("./b/layer.tar".into()),
        );
        assert_eq!(
            t.resolve("c/layer.tar").unwrap().unwrap().name,
            "a/layer.tar"
        );
        assert_eq!(t.resolve("nope").unwrap(), None);
    }

    #[test]
    fn reports_dangling_escaping_and_looping_links() {
        let mut t = MemberTable::default();
        t.insert("x".into(), Member::Symlink("y".into()));
        t.insert("y".into(), Member::Symlink("x".into()));
        t.insert("out".into(), Member::Symlink("../../etc/passwd".into()));
        t.insert("abs".into(), Member::Symlink("/etc/passwd".into()));
        t.insert("gone".into(), Member::Hardlink("missing".into()));
        t.insert("d".into(), Member::Other("directory"));
        assert!(t.resolve("x").unwrap_err().contains("link loop"));
        assert!(t
            .resolve("out")
            .unwrap_err()
            .contains("outside the archive"));
        assert!(t
            .resolve("abs")
            .unwrap_err()
            .contains("outside the archive"));
        assert!(t
            .resolve("gone")
            .unwrap_err()
            .contains("not in the archive"));
        assert!(t.resolve("d").unwrap_err().contains("directory"));
    }
}
