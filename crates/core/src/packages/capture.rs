//! Which entries the layer pass keeps the content of: package databases.
//!
//! The predicate looks at the normalised path only (no leading `/`), so the
//! layer pass can decide before reading a byte. Kept apart from the pass so
//! that the pass needs one call and one field ([`Changeset::captured`]).
//!
//! [`Changeset::captured`]: crate::layer::Changeset::captured

/// Largest database file kept (bytes); a larger one is recorded as over the
/// bound and reported as a finding, never read into memory.
pub const MAX_CAPTURE: u64 = 64 << 20;

/// True when `path` (normalised, no leading `/`) is a package database file
/// whose content the analysis reads: dpkg's `status`, `status.d/*` and
/// `info/*.list`, apt's `extended_states`, apk's `installed`, Python's
/// `*.dist-info/RECORD` and `*.egg-info/installed-files.txt` directly under a
/// `site-packages`/`dist-packages` directory, conda's `conda-meta/*.json`,
/// npm's `node_modules/NAME/package.json` (and `node_modules/@SCOPE/NAME/`),
/// rpm's `rpmdb.sqlite` ([`RPM_SQLITE`]).
pub fn wants_content(path: &[u8]) -> bool {
    match path {
        b"var/lib/dpkg/status"
        | b"var/lib/apt/extended_states"
        | b"lib/apk/db/installed"
        | b"usr/lib/apk/db/installed" => return true,
        p if RPM_SQLITE.contains(&p) => return true,
        _ => {}
    }
    let (dir, base) = split_last(path);
    if base.is_empty() {
        return false;
    }
    if dir == b"var/lib/dpkg/status.d" {
        return true;
    }
    if dir == b"var/lib/dpkg/info" {
        return base.ends_with(b".list");
    }
    let (parent, dir_name) = split_last(dir);
    match base {
        b"RECORD" if dir_name.ends_with(b".dist-info") => is_site_dir(parent),
        b"installed-files.txt" if dir_name.ends_with(b".egg-info") => is_site_dir(parent),
        b"package.json" => is_npm_package_dir(dir),
        _ => dir_name == b"conda-meta" && base.ends_with(b".json"),
    }
}

/// rpm's SQLite database, where rpm ≥ 4.16 keeps it: `/var/lib/rpm`
/// (Debian, RHEL 9) and `/usr/lib/sysimage/rpm` (Fedora ≥ 36, openSUSE;
/// there `/var/lib/rpm` is a symlink to it, and the layer tar holds the
/// file under its real path only).
pub const RPM_SQLITE: [&[u8]; 2] = [
    b"var/lib/rpm/rpmdb.sqlite",
    b"usr/lib/sysimage/rpm/rpmdb.sqlite",
];

/// rpm databases of other formats: Berkeley DB `Packages` (rpm < 4.16,
/// RHEL ≤ 8) and SUSE's ndb `Packages.db`. Not read (no maintained Rust
/// reader); their presence is reported.
pub const RPM_OTHER: [&[u8]; 4] = [
    b"var/lib/rpm/Packages",
    b"var/lib/rpm/Packages.db",
    b"usr/lib/sysimage/rpm/Packages",
    b"usr/lib/sysimage/rpm/Packages.db",
];

/// `site-packages` or `dist-packages` as the last component.
pub(crate) fn is_site_dir(dir: &[u8]) -> bool {
    let (_, name) = split_last(dir);
    name == b"site-packages" || name == b"dist-packages"
}

/// `.../node_modules/NAME` or `.../node_modules/@SCOPE/NAME`.
pub(crate) fn is_npm_package_dir(dir: &[u8]) -> bool {
    let (parent, name) = split_last(dir);
    if name.is_empty() || name[0] == b'.' || name[0] == b'@' {
        return false;
    }
    let (grand, parent_name) = split_last(parent);
    if parent_name == b"node_modules" {
        return true;
    }
    parent_name.len() > 1 && parent_name[0] == b'@' && split_last(grand).1 == b"node_modules"
}

/// (`a/b`, `c`) for `a/b/c`; (``, `c`) for `c`.
pub(crate) fn split_last(path: &[u8]) -> (&[u8], &[u8]) {
    match path.iter().rposition(|&b| b == b'/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (&path[..0], path),
    }
}

#[cfg(test)]
mod tests {
    use super::wants_content;

    #[test]
    fn database_paths_and_near_misses() {
        for yes in [
            &b"var/lib/dpkg/status"[..],
            b"var/lib/dpkg/status.d/base",
            b"var/lib/dpkg/info/libc6:amd64.list",
            b"var/lib/apt/extended_states",
            b"lib/apk/db/installed",
            b"usr/local/lib/python3.11/site-packages/six-1.16.0.dist-info/RECORD",
            b"usr/lib/python3/dist-packages/foo-1.0-py3.11.egg-info/installed-files.txt",
            b"opt/conda/conda-meta/zlib-1.2.13-h1.json",
            b"app/node_modules/left-pad/package.json",
            b"app/node_modules/@types/node/package.json",
            b"app/node_modules/a/node_modules/b/package.json",
            b"var/lib/rpm/rpmdb.sqlite",
            b"usr/lib/sysimage/rpm/rpmdb.sqlite",
        ] {
            assert!(wants_content(yes), "{}", String::from_utf8_lossy(yes));
        }
        for no in [
            &b"var/lib/dpkg/status-old"[..],
            b"var/lib/dpkg/info/libc6.md5sums",
            b"var/lib/dpkg/status.d",
            b"usr/lib/python3.11/six-1.16.0.dist-info/RECORD",
            b"usr/lib/python3/dist-packages/x.dist-info/METADATA",
            b"app/node_modules/left-pad/lib/package.json",
            b"app/node_modules/.bin/package.json",
            b"app/package.json",
            b"opt/conda/conda-meta/history",
            b"var/lib/rpm/rpmdb.sqlite-wal",
            b"var/lib/rpm/Packages",
            b"",
        ] {
            assert!(!wants_content(no), "{}", String::from_utf8_lossy(no));
        }
    }
}
