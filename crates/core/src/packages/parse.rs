//! Readers of the package databases the layer pass keeps
//! ([`super::capture`]). Each reads one file's bytes and returns what it
//! lists, or a one-line reason why the file cannot be read. Paths come out
//! normalised like layer paths (no leading `/`).

use std::borrow::Cow;
use std::sync::Arc;

use rustc_hash::FxBuildHasher;

use super::capture::split_last;
use super::Manager;

/// One dpkg (or apk, or rpm) stanza of interest.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Stanza {
    pub name: String,
    pub version: String,
    /// `install ok installed` (or no Status field, as distroless writes
    /// `status.d/*`).
    pub installed: bool,
    /// Names in Depends and Pre-Depends (alternatives included, versions and
    /// architecture qualifiers dropped).
    pub depends: Vec<String>,
    /// Names in Recommends (dpkg).
    pub recommends: Vec<String>,
    /// apk and rpm only: the files the database lists.
    pub files: Vec<Box<[u8]>>,
}

/// What one database file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// dpkg `status` or `status.d/*` (a stanza shared with the other
    /// versions of the file that hold the same bytes: see [`StanzaMemo`]),
    /// by name; of a name read twice, in the file's order.
    DpkgStatus(Vec<Arc<Stanza>>),
    /// dpkg `info/NAME[:ARCH].list`: the package name and its paths
    /// (shared with the other `.list` files of the same bytes: see
    /// [`shared_list`]).
    DpkgList(String, Arc<PathList>),
    /// apt `extended_states`: names marked `Auto-Installed: 1`.
    AptAuto(Vec<String>),
    /// apk `installed`.
    Apk(Vec<Stanza>),
    /// rpm `rpmdb.sqlite`: name, `[epoch:]version-release`, files.
    Rpm(Vec<Stanza>),
    /// A Python distribution (RECORD or installed-files.txt), a conda
    /// package or an npm package: one package with its files (npm: none,
    /// it owns its directory).
    One(OnePackage),
}

/// Paths in one buffer: a Debian image's `.list` files hold hundreds of
/// thousands of paths, read without an allocation each. The buffer is the
/// file's own bytes (a path that is its own normal form is read in place:
/// nearly all of them), then the normal forms of the others.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PathList {
    bytes: Vec<u8>,
    /// Where each path starts and ends in `bytes`.
    spans: Vec<(u32, u32)>,
}

impl PathList {
    /// The paths, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        self.spans
            .iter()
            .map(|&(start, end)| &self.bytes[start as usize..end as usize])
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnePackage {
    pub manager: Manager,
    pub name: String,
    pub version: String,
    /// Where it is installed: the site directory (Python), the prefix
    /// (conda), the package directory (npm).
    pub scope: Box<[u8]>,
    pub files: Vec<Box<[u8]>>,
}

/// dpkg stanzas already read, by their bytes: a Debian image rewrites its
/// whole status file in every RUN that installs something, and most of its
/// stanzas come out byte for byte the same; each is read once. The bytes
/// are copied: the memo outlives the layer it read them from (a reader
/// thread parses one layer after another, `source::parallel`).
pub type StanzaMemo = std::collections::HashMap<Box<str>, Arc<Stanza>, FxBuildHasher>;

/// The dpkg stanzas the layer readers parsed while the last layers were
/// still read ([`super::parse_ahead`]), handed to the analysis' parse of
/// the rest: a base layer's status file repeats most stanzas of the next
/// layer's, and is read last when it is the largest (docs/performance.md,
/// packages round 8). The first parse takes them; clones share them.
#[derive(Clone, Default)]
pub struct ReadStanzas(std::sync::Arc<std::sync::Mutex<Option<StanzaMemo>>>);

impl ReadStanzas {
    pub fn new(memo: StanzaMemo) -> ReadStanzas {
        ReadStanzas(std::sync::Arc::new(std::sync::Mutex::new(Some(memo))))
    }

    /// The stanzas, once (empty after that, or when none were read).
    pub fn take(&self) -> StanzaMemo {
        self.0
            .lock()
            .map(|mut m| m.take().unwrap_or_default())
            .unwrap_or_default()
    }
}

impl std::fmt::Debug for ReadStanzas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self
            .0
            .lock()
            .map(|m| m.as_ref().map_or(0, |m| m.len()))
            .unwrap_or(0);
        write!(f, "ReadStanzas({n})")
    }
}

/// dpkg's status database (`status`, or a file of `status.d`).
pub fn is_dpkg_status(path: &[u8]) -> bool {
    path == b"var/lib/dpkg/status" || split_last(path).0 == b"var/lib/dpkg/status.d"
}

/// Read one database file found at `path` (normalised).
pub fn parse(path: &[u8], bytes: &[u8]) -> Result<Parsed, String> {
    parse_with(path, bytes, &mut StanzaMemo::default())
}

/// [`parse`], reusing (and adding to) the dpkg stanzas of `memo`: the same
/// result as [`parse`].
pub fn parse_with(path: &[u8], bytes: &[u8], memo: &mut StanzaMemo) -> Result<Parsed, String> {
    let (dir, base) = split_last(path);
    let (parent, dir_name) = split_last(dir);
    if is_dpkg_status(path) {
        return dpkg_status(bytes, memo).map(Parsed::DpkgStatus);
    }
    if is_dpkg_list(path) {
        let name = list_name(base)?;
        return dpkg_list(bytes).map(|files| Parsed::DpkgList(name, Arc::new(files)));
    }
    if path == b"var/lib/apt/extended_states" {
        return apt_auto(bytes).map(Parsed::AptAuto);
    }
    if super::capture::RPM_SQLITE.contains(&path) {
        return super::rpm::sqlite(bytes).map(Parsed::Rpm);
    }
    if base == b"installed" {
        return apk(bytes).map(Parsed::Apk);
    }
    if base == b"RECORD" {
        let (name, version) = dist_name(dir_name, ".dist-info")?;
        let files = python_record(parent, bytes)?;
        return Ok(Parsed::One(OnePackage {
            manager: Manager::Python,
            name,
            version,
            scope: parent.into(),
            files,
        }));
    }
    if base == b"installed-files.txt" {
        let (name, version) = dist_name(dir_name, ".egg-info")?;
        let files = egg_files(dir, bytes)?;
        return Ok(Parsed::One(OnePackage {
            manager: Manager::Python,
            name,
            version,
            scope: parent.into(),
            files,
        }));
    }
    if base == b"package.json" {
        return npm(dir, bytes).map(Parsed::One);
    }
    conda(parent, bytes).map(Parsed::One)
}

/// A dpkg `.list` file (the layer pass keeps only `info/*.list`).
pub fn is_dpkg_list(path: &[u8]) -> bool {
    split_last(path).0 == b"var/lib/dpkg/info"
}

/// The package a `.list` file is of, from its name `NAME[:ARCH].list`.
fn list_name(base: &[u8]) -> Result<String, String> {
    let stem = &base[..base.len() - b".list".len()];
    let name = text(stem, "package name")?;
    Ok(name.split(':').next().unwrap_or_default().to_string())
}

/// [`parse`] of the `.list` file at `path` whose bytes are those of
/// another, parsed into `paths`: the same result, the paths shared (an
/// upgrade often rewrites a package's `.list` byte for byte).
pub fn shared_list(path: &[u8], paths: &Arc<PathList>) -> Result<Parsed, String> {
    let name = list_name(split_last(path).1)?;
    Ok(Parsed::DpkgList(name, Arc::clone(paths)))
}

fn text<'a>(b: &'a [u8], what: &str) -> Result<&'a str, String> {
    std::str::from_utf8(b).map_err(|e| format!("{what} is not UTF-8 (byte {})", e.valid_up_to()))
}

/// RFC 822-like stanzas (dpkg, apt): `Field: value`, continuation lines
/// start with a space or tab, stanzas are separated by blank lines.
/// One stanza's `(field, value)` pairs, borrowed from the file's text.
type Fields<'a> = Vec<(&'a str, Cow<'a, str>)>;

/// Fields borrow from the content (a continued one is copied): a status
/// file of thousands of stanzas is read without a copy of each field.
fn stanzas(bytes: &[u8]) -> Result<Vec<Fields<'_>>, String> {
    let t = text(bytes, "content")?;
    chunks(t)
        .into_iter()
        .map(|(first, chunk)| fields(first, chunk))
        .collect()
}

/// The stanzas of a text, as (index of its first line, its text from the
/// start of its first line to the end of its last): the runs of lines
/// between blank ones.
fn chunks(t: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    // (first line index, its byte offset, end of the last line so far)
    let mut cur: Option<(usize, usize, usize)> = None;
    for (i, (at, line)) in lines(t).enumerate() {
        if is_blank(line) {
            if let Some((first, start, end)) = cur.take() {
                out.push((first, &t[start..end]));
            }
            continue;
        }
        let c = cur.get_or_insert((i, at, at));
        c.2 = at + line.len();
    }
    if let Some((first, start, end)) = cur {
        out.push((first, &t[start..end]));
    }
    out
}

/// `t.lines()` with each line's byte offset: lines end at `\n` (a `\r`
/// before it dropped), the last one needs none, no empty line after a
/// final `\n`. Found with `memchr` (a status file is thousands of lines).
fn lines(t: &str) -> impl Iterator<Item = (usize, &str)> {
    let b = t.as_bytes();
    let mut start = 0;
    let mut ends = memchr::memchr_iter(b'\n', b);
    std::iter::from_fn(move || {
        let at = start;
        match ends.next() {
            Some(nl) => {
                start = nl + 1;
                let line = &t[at..nl];
                Some((at, line.strip_suffix('\r').unwrap_or(line)))
            }
            None if at < b.len() => {
                start = b.len();
                Some((at, &t[at..]))
            }
            None => None,
        }
    })
}

/// `line.trim().is_empty()`, at a glance for a line that starts with a
/// visible ASCII character (nearly all of them).
fn is_blank(line: &str) -> bool {
    match line.as_bytes().first() {
        None => true,
        Some(&c) if c.is_ascii() && !c.is_ascii_whitespace() && c != 0x0b => false,
        Some(_) => line.trim().is_empty(),
    }
}

/// One stanza's fields; `first` is the index of its first line in the
/// file (for the messages).
fn fields(first: usize, chunk: &str) -> Result<Fields<'_>, String> {
    let mut cur: Fields<'_> = Vec::new();
    for (i, line) in chunk.lines().enumerate() {
        let i = first + i;
        if line.starts_with([' ', '\t']) {
            match cur.last_mut() {
                Some(f) => {
                    let v = f.1.to_mut();
                    v.push('\n');
                    v.push_str(line.trim());
                }
                None => return Err(format!("line {}: continuation without a field", i + 1)),
            }
            continue;
        }
        match line.split_once(':') {
            Some((k, v)) if !k.is_empty() && !k.contains(' ') => {
                // dpkg refuses a stanza with a field twice ("duplicate value for
                // field"): it is what two stanzas run together without their blank
                // line look like, and either reading of it would be a guess.
                if cur.iter().any(|(f, _)| f.eq_ignore_ascii_case(k)) {
                    return Err(format!(
                        "line {}: field `{k}` twice in one stanza (a missing blank line?)",
                        i + 1
                    ));
                }
                cur.push((k, Cow::Borrowed(v.trim())))
            }
            _ => return Err(format!("line {}: not a `Field: value` line", i + 1)),
        }
    }
    Ok(cur)
}

fn field<'a>(s: &'a [(&str, Cow<'_, str>)], name: &str) -> Option<&'a str> {
    s.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_ref())
}

/// Package names of a Depends-like field: `a (>= 1) | b:any, c`.
fn relation_names(v: &str) -> impl Iterator<Item = String> + '_ {
    v.split([',', '|']).filter_map(|alt| {
        let name = alt.split_whitespace().next()?;
        let name = name.split(':').next()?;
        (!name.is_empty()).then(|| name.to_string())
    })
}

fn dpkg_status(bytes: &[u8], memo: &mut StanzaMemo) -> Result<Vec<Arc<Stanza>>, String> {
    let t = text(bytes, "content")?;
    // Without a `\r`, a stanza's lines are its `\n`-separated parts.
    let plain = memchr::memchr(b'\r', bytes).is_none();
    let read = if plain { plain_stanzas(t, memo) } else { None };
    let mut out = match read {
        Some(out) => out,
        None => line_stanzas(t, plain, memo)?,
    };
    // By name, here: the analysis merges the files of each layer's view
    // by name and this is parsed off its path, while a reader waits or
    // beside the overlay build (dpkg writes them sorted already: one
    // pass; docs/performance.md, packages round 7).
    // (Most names differ in their first 8 bytes: compared as a number.)
    let by_name = |a: &Arc<Stanza>, b: &Arc<Stanza>| {
        let (a, b) = (a.name.as_bytes(), b.name.as_bytes());
        let prefix = crate::short_bytes::prefix;
        prefix(a)
            .cmp(&prefix(b))
            .then_with(|| crate::short_bytes::cmp(a, b))
    };
    if !out.is_sorted_by(|a, b| by_name(a, b).is_le()) {
        // Sorted as (first 8 bytes, index) pairs, not as the stanzas;
        // stable: names read twice stay in the file's order, and dpkg's
        // order is nearly this one, in runs.
        let mut keyed: Vec<(u64, u32)> = out
            .iter()
            .enumerate()
            .map(|(i, s)| (crate::short_bytes::prefix(s.name.as_bytes()), i as u32))
            .collect();
        keyed.sort_by(|a, b| {
            a.0.cmp(&b.0).then_with(|| {
                let name = |i: u32| out[i as usize].name.as_bytes();
                crate::short_bytes::cmp(name(a.1), name(b.1))
            })
        });
        let mut slots: Vec<Option<Arc<Stanza>>> = out.into_iter().map(Some).collect();
        out = keyed
            .iter()
            .map(|&(_, i)| slots[i as usize].take().expect("each once"))
            .collect();
    }
    Ok(out)
}

/// The stanzas of a status file, in its order, its lines found one by one
/// ([`chunks`]): every file can be read so, and a malformed one is named
/// by its line.
fn line_stanzas(t: &str, plain: bool, memo: &mut StanzaMemo) -> Result<Vec<Arc<Stanza>>, String> {
    let mut out = Vec::new();
    for (i, (first, chunk)) in chunks(t).into_iter().enumerate() {
        // A stanza's reading depends on its bytes alone (its line numbers
        // only name where it is malformed, and one in the memo was not).
        if let Some(s) = memo.get(chunk) {
            out.push(Arc::clone(s));
            continue;
        }
        let fast = if plain { stanza_fast(chunk) } else { None };
        let s = match fast.map_or_else(|| fields(first, chunk).and_then(|f| stanza(i, &f)), Ok) {
            Ok(s) => Arc::new(s),
            Err(e) => {
                // The message dpkg_status gives read in two passes: the
                // file's first malformed line, else this stanza's.
                stanzas(t.as_bytes())?;
                return Err(e);
            }
        };
        memo.insert(chunk.into(), Arc::clone(&s));
        out.push(s);
    }
    Ok(out)
}

/// The finder of an empty line's end (and its line before): built once.
static EMPTY_LINE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\n\n"));

/// [`line_stanzas`] of a file without `\r`, its stanzas found whole: they
/// end at an empty line (found by one vectorised search, not line by line:
/// a status file is thousands of stanzas, most of them in the memo), each
/// read by [`stanza_fast`]. `None` when a stanza is not for that reader,
/// the lines to decide: a line of blanks (which ends a stanza too), a
/// malformed stanza. Each stanza is the one [`chunks`] finds: stanzas
/// without a line of blanks are bounded by empty lines alike, and one
/// from the memo has none (neither reader keeps one that has).
fn plain_stanzas(t: &str, memo: &mut StanzaMemo) -> Option<Vec<Arc<Stanza>>> {
    let b = t.as_bytes();
    let mut out = Vec::new();
    let skip_newlines = |mut at: usize| {
        while b.get(at) == Some(&b'\n') {
            at += 1;
        }
        at
    };
    let mut start = skip_newlines(0);
    for end in EMPTY_LINE.find_iter(b).chain(std::iter::once(b.len())) {
        // A hit inside a run of empty lines, passed over already.
        if end < start {
            continue;
        }
        let chunk = &t[start..end];
        let chunk = chunk.strip_suffix('\n').unwrap_or(chunk);
        start = skip_newlines(end);
        if chunk.is_empty() {
            continue;
        }
        if let Some(s) = memo.get(chunk) {
            out.push(Arc::clone(s));
            continue;
        }
        let s = Arc::new(stanza_fast(chunk)?);
        memo.insert(chunk.into(), Arc::clone(&s));
        out.push(s);
    }
    Some(out)
}

/// The fields [`stanza`] reads.
const WANTED: [&str; 7] = [
    "Package",
    "Status",
    "Version",
    "Depends",
    "Pre-Depends",
    "Recommends",
    "Provides",
];

/// Most fields a stanza read by [`stanza_fast`] may have.
const FAST_FIELDS: usize = 32;

/// [`fields`] then [`stanza`] in one pass, without a vector of fields nor
/// a copy of a continued value, for a stanza of `\n`-separated lines (no
/// `\r`): the same [`Stanza`], or `None` for the two to decide (a line
/// that is not `Field: value`, a field twice, a field [`stanza`] reads
/// continued on the next line, no `Package`, over [`FAST_FIELDS`] fields,
/// a line of blanks). A Debian status file holds hundreds or thousands of
/// stanzas of twenty or so lines, most of them in fields not read here
/// (`Description`, `Conffiles`): through [`fields`] and [`stanza`] a status
/// file took a third more instructions (docs/performance.md, packages
/// round 11).
fn stanza_fast(chunk: &str) -> Option<Stanza> {
    let mut keys: [&str; FAST_FIELDS] = [""; FAST_FIELDS];
    let mut n = 0;
    let mut wanted: Wanted<'_> = [None; WANTED.len()];
    // The last field is one of `WANTED`: a continuation would change it.
    let mut last_wanted = false;
    let same = |a: &str, b: &str| a.len() == b.len() && a.eq_ignore_ascii_case(b);
    let mut start = 0;
    while start <= chunk.len() {
        let end =
            memchr::memchr(b'\n', &chunk.as_bytes()[start..]).map_or(chunk.len(), |i| start + i);
        let line = &chunk[start..end];
        start = end + 1;
        if line.starts_with([' ', '\t']) {
            // A line of blanks ends a stanza ([`plain_stanzas`] leaves it).
            if n == 0 || last_wanted || line.trim().is_empty() {
                return None;
            }
            continue;
        }
        let colon = memchr::memchr(b':', line.as_bytes())?;
        let (k, v) = (&line[..colon], &line[colon + 1..]);
        if k.is_empty() || k.contains(' ') || n == FAST_FIELDS {
            return None;
        }
        if keys[..n].iter().any(|f| same(f, k)) {
            return None;
        }
        keys[n] = k;
        n += 1;
        last_wanted = false;
        if let Some(w) = WANTED.iter().position(|w| same(w, k)) {
            wanted[w] = Some(v.trim());
            last_wanted = true;
        }
    }
    wanted[0]?;
    stanza_of(0, &wanted).ok()
}

/// The values of [`WANTED`] in one stanza, in its order.
type Wanted<'a> = [Option<&'a str>; WANTED.len()];

/// The `i`th stanza (from 0) of a status file, from its fields.
fn stanza(i: usize, s: &[(&str, Cow<'_, str>)]) -> Result<Stanza, String> {
    stanza_of(i, &WANTED.map(|name| field(s, name)))
}

/// [`stanza`], from the values of its [`WANTED`] fields.
fn stanza_of(i: usize, wanted: &Wanted<'_>) -> Result<Stanza, String> {
    let [package, status, version, depends_on, pre_depends, recommends, provides] = *wanted;
    let name = package.ok_or_else(|| format!("stanza {} has no Package field", i + 1))?;
    // Nearly every stanza says it in so many words: no split then.
    let installed = status.is_none_or(|st| {
        st == "install ok installed" || st.split_whitespace().nth(2) == Some("installed")
    });
    let mut depends = Vec::new();
    for v in [depends_on, pre_depends].into_iter().flatten() {
        depends.extend(relation_names(v));
    }
    // A virtual package a package provides satisfies others' Depends.
    let mut out = Stanza {
        name: name.to_string(),
        version: version.unwrap_or_default().to_string(),
        installed,
        depends,
        recommends: recommends
            .map(|v| relation_names(v).collect())
            .unwrap_or_default(),
        files: Vec::new(),
    };
    if let Some(p) = provides {
        // Kept in `files` would be wrong; `Provides` rides along as
        // pseudo-dependencies prefixed with '=' (see `provides`).
        out.depends
            .extend(relation_names(p).map(|p| format!("={p}")));
    }
    Ok(out)
}

/// The names a stanza provides (its own and its `Provides`).
pub fn provides(s: &Stanza) -> impl Iterator<Item = &str> {
    std::iter::once(s.name.as_str()).chain(s.depends.iter().filter_map(|d| d.strip_prefix('=')))
}

/// The real dependencies of a stanza (Depends and Pre-Depends).
pub fn depends(s: &Stanza) -> impl Iterator<Item = &str> {
    s.depends
        .iter()
        .filter(|d| !d.starts_with('='))
        .map(String::as_str)
}

/// The finders of what may start a component that is not its own normal
/// form (`//`, `/.`), built once: [`dpkg_list`] runs once per `.list`.
static NOT_PLAIN: std::sync::LazyLock<[memchr::memmem::Finder<'static>; 2]> =
    std::sync::LazyLock::new(|| [b"//", b"/."].map(memchr::memmem::Finder::new));

fn dpkg_list(bytes: &[u8]) -> Result<PathList, String> {
    // The spans index the file's bytes and the normal forms after them
    // (each no longer than its line).
    if bytes.len() > (u32::MAX / 2) as usize {
        return Err("over 2 GiB of paths".to_string());
    }
    let at = |i: usize| i as u32;
    // One path a line: counted first (one vectorised pass) so that the
    // spans are allocated once, not grown line by line.
    let mut out = PathList {
        bytes: bytes.to_vec(),
        spans: Vec::with_capacity(memchr::memchr_iter(b'\n', bytes).count() + 1),
    };
    // A line `/a/b` is read in place unless it may not be its own normal
    // form: it holds a `//` or a `/.` (found in one vectorised pass each;
    // few lines do, the first one, `/.`, in every `.list`), or ends in
    // `/`. Those go through `normal_into`, as every line did (a line at a
    // time it cost ~270 instructions a path on pkgbench;
    // docs/performance.md, packages round 12).
    let [twice, dot] = &*NOT_PLAIN;
    let mut suspects = [twice.find_iter(bytes), dot.find_iter(bytes)];
    let mut next = suspects.each_mut().map(|s| s.next().unwrap_or(usize::MAX));
    let mut start = 0;
    let nls = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
    for (i, nl) in nls.enumerate() {
        let (from, line) = (start, &bytes[start..nl]);
        start = nl + 1;
        let Some(&first) = line.first() else {
            continue;
        };
        if first != b'/' {
            return Err(format!("line {}: not an absolute path", i + 1));
        }
        // A hit before this line belongs to an earlier one.
        for (n, s) in next.iter_mut().zip(&mut suspects) {
            while *n < from {
                *n = s.next().unwrap_or(usize::MAX);
            }
        }
        let plain = line.len() > 1 && line[line.len() - 1] != b'/' && next.iter().all(|&n| n >= nl);
        if plain {
            out.spans.push((at(from + 1), at(nl)));
            continue;
        }
        let before = out.bytes.len();
        normal_into(line, &mut out.bytes);
        if out.bytes.len() > before {
            out.spans.push((at(before), at(out.bytes.len())));
        }
    }
    Ok(out)
}

fn apt_auto(bytes: &[u8]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for (i, s) in stanzas(bytes)?.iter().enumerate() {
        let name =
            field(s, "Package").ok_or_else(|| format!("stanza {} has no Package field", i + 1))?;
        if field(s, "Auto-Installed") == Some("1") {
            out.push(name.to_string());
        }
    }
    Ok(out)
}

/// apk's installed database (apk-tools, "Apk spec", the `installed` file):
/// blank-line separated packages, `P:` name, `V:` version, `F:` a
/// directory, `R:` a file in the last `F:` directory.
fn apk(bytes: &[u8]) -> Result<Vec<Stanza>, String> {
    let t = text(bytes, "content")?;
    let mut out = Vec::new();
    let mut cur: Option<Stanza> = None;
    let mut dir = String::new();
    for (i, line) in t.lines().enumerate() {
        if line.is_empty() {
            if let Some(s) = cur.take() {
                out.push(s);
            }
            continue;
        }
        let (k, v) = line
            .split_once(':')
            .filter(|(k, _)| k.len() == 1)
            .ok_or_else(|| format!("line {}: not a `K:value` line", i + 1))?;
        let s = cur.get_or_insert_with(|| Stanza {
            installed: true,
            ..Stanza::default()
        });
        match k {
            "P" => s.name = v.to_string(),
            "V" => s.version = v.to_string(),
            "D" => s.depends.extend(v.split_whitespace().map(|d| {
                d.split(['<', '>', '=', '~'])
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })),
            "F" => dir = v.to_string(),
            "R" => {
                if dir.is_empty() {
                    return Err(format!("line {}: R: before any F:", i + 1));
                }
                s.files.push(normal(format!("{dir}/{v}").as_bytes()));
            }
            _ => {}
        }
    }
    if let Some(s) = cur.take() {
        out.push(s);
    }
    if let Some((i, _)) = out.iter().enumerate().find(|(_, s)| s.name.is_empty()) {
        return Err(format!("package {} has no P: line", i + 1));
    }
    Ok(out)
}

/// `NAME-VERSION.dist-info` / `NAME-VERSION[-pyX.Y].egg-info`.
fn dist_name(dir_name: &[u8], suffix: &str) -> Result<(String, String), String> {
    let t = text(dir_name, "directory name")?;
    let stem = t.strip_suffix(suffix).unwrap_or(t);
    let mut parts = stem.splitn(3, '-');
    let name = parts.next().unwrap_or_default();
    let version = parts.next().unwrap_or_default();
    if name.is_empty() {
        return Err(format!("{t}: no distribution name"));
    }
    Ok((name.to_string(), version.to_string()))
}

/// pip's RECORD (PEP 376 / the wheel spec): CSV `path,hash,size`, paths
/// relative to the site directory (`../../../bin/x` for scripts).
fn python_record(site: &[u8], bytes: &[u8]) -> Result<Vec<Box<[u8]>>, String> {
    let mut out = Vec::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let path = csv_first(line).ok_or_else(|| format!("line {}: bad CSV quoting", i + 1))?;
        if path.is_empty() {
            return Err(format!("line {}: empty path", i + 1));
        }
        out.push(join(site, &path));
    }
    Ok(out)
}

/// The first field of a CSV line (RFC 4180 quoting).
fn csv_first(line: &[u8]) -> Option<Vec<u8>> {
    if line.first() != Some(&b'"') {
        let end = line.iter().position(|&b| b == b',').unwrap_or(line.len());
        return Some(line[..end].to_vec());
    }
    let mut out = Vec::new();
    let mut i = 1;
    while i < line.len() {
        if line[i] == b'"' {
            if line.get(i + 1) == Some(&b'"') {
                out.push(b'"');
                i += 2;
                continue;
            }
            return matches!(line.get(i + 1), None | Some(b',')).then_some(out);
        }
        out.push(line[i]);
        i += 1;
    }
    None
}

/// setuptools' installed-files.txt: one path a line, relative to the
/// `.egg-info` directory.
fn egg_files(egg_dir: &[u8], bytes: &[u8]) -> Result<Vec<Box<[u8]>>, String> {
    text(bytes, "content")?;
    Ok(bytes
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
        .map(|l| join(egg_dir, l))
        .collect())
}

fn json(bytes: &[u8]) -> Result<serde_json::Value, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))
}

fn string_key(v: &serde_json::Value, key: &str) -> Result<String, String> {
    v.get(key)
        .and_then(|x| x.as_str())
        .map(str::to_string)
        .ok_or_else(|| format!("no string {key:?}"))
}

/// npm: `node_modules/NAME/package.json` owns `node_modules/NAME/`.
fn npm(dir: &[u8], bytes: &[u8]) -> Result<OnePackage, String> {
    let v = json(bytes)?;
    Ok(OnePackage {
        manager: Manager::Npm,
        name: string_key(&v, "name")?,
        version: v
            .get("version")
            .and_then(|x| x.as_str())
            .unwrap_or_default()
            .to_string(),
        scope: dir.into(),
        files: Vec::new(),
    })
}

/// conda: `PREFIX/conda-meta/NAME-VERSION-BUILD.json` with `name`,
/// `version` and `files` (paths relative to PREFIX).
fn conda(prefix: &[u8], bytes: &[u8]) -> Result<OnePackage, String> {
    let v = json(bytes)?;
    let files = v
        .get("files")
        .and_then(|f| f.as_array())
        .ok_or("no \"files\" array")?;
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let f = f.as_str().ok_or("a \"files\" item is not a string")?;
        out.push(join(prefix, f.as_bytes()));
    }
    Ok(OnePackage {
        manager: Manager::Conda,
        name: string_key(&v, "name")?,
        version: string_key(&v, "version")?,
        scope: prefix.into(),
        files: out,
    })
}

/// `base/rel` with `.` and `..` resolved lexically (never above the root),
/// normalised like layer paths.
pub fn join(base: &[u8], rel: &[u8]) -> Box<[u8]> {
    let mut full = Vec::with_capacity(base.len() + rel.len() + 1);
    if rel.first() != Some(&b'/') {
        full.extend_from_slice(base);
        full.push(b'/');
    }
    full.extend_from_slice(rel);
    normal(&full)
}

/// Normalise an absolute or relative path: no leading `/`, no empty, `.`
/// or `..` components (`..` pops).
pub fn normal(p: &[u8]) -> Box<[u8]> {
    let mut out = Vec::new();
    normal_into(p, &mut out);
    out.into()
}

/// Not empty, and no empty, `.` or `..` component (so no `/` at either
/// end): the path is its own normal form.
fn is_plain(p: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (p.first(), p.last()) else {
        return false;
    };
    // At a glance (one pass, no branch per byte): nothing starts a bad
    // component, i.e. no `/` followed by `/` or `.`, no leading `/` or `.`,
    // no trailing `/`.
    let suspect = p.iter().zip(&p[1..]).fold(false, |acc, (&a, &b)| {
        acc | ((a == b'/') & ((b == b'/') | (b == b'.')))
    });
    if !suspect && first != b'/' && first != b'.' && last != b'/' {
        return true;
    }
    p.split(|&b| b == b'/')
        .all(|c| !matches!(c, b"" | b"." | b".."))
}

/// [`normal`], appended to `out`.
fn normal_into(p: &[u8], out: &mut Vec<u8>) {
    // The common case, `/a/b/c`: only the leading `/` goes.
    let rest = p.strip_prefix(b"/").unwrap_or(p);
    if is_plain(rest) {
        out.extend_from_slice(rest);
        return;
    }
    let mut comps: Vec<&[u8]> = Vec::new();
    for c in p.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => {
                comps.pop();
            }
            _ => comps.push(c),
        }
    }
    for (i, c) in comps.iter().enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        out.extend_from_slice(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(v: &[Box<[u8]>]) -> Vec<String> {
        v.iter()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect()
    }

    /// The fast line, blank-line and plain-path checks agree with the
    /// standard library's `lines`, `trim` and a component split, on the
    /// corner cases (`\r\n`, a bare final `\r`, Unicode and vertical-tab
    /// blanks, `.`/`..`/empty components, `.` at a name's start).
    #[test]
    fn fast_scans_agree_with_std() {
        for t in [
            "",
            "\n",
            "a",
            "a\n",
            "a\n\n",
            "a\r\nb\r\n\r\nc\r",
            "Package: a\n \n\t\nb\n\u{a0}\n\u{b}\nc\n\u{1c}\nd\n\u{85}x\n",
            "\n\nPackage: x\n Desc\n .\n\nPackage: y",
        ] {
            let ours: Vec<(usize, &str)> = lines(t).collect();
            let std: Vec<&str> = t.lines().collect();
            assert_eq!(ours.iter().map(|l| l.1).collect::<Vec<_>>(), std, "{t:?}");
            for (at, line) in ours {
                assert_eq!(&t[at..at + line.len()], line);
                assert_eq!(is_blank(line), line.trim().is_empty(), "{line:?}");
            }
        }
        let split = |p: &[u8]| {
            !p.is_empty()
                && p.split(|&b| b == b'/')
                    .all(|c| !matches!(c, b"" | b"." | b".."))
        };
        for p in [
            "",
            "a",
            "a/b/c",
            "usr/bin/.hidden",
            "usr/bin/..x",
            "usr/bin/x.",
            ".a/b",
            "./a",
            "a/./b",
            "a/../b",
            "a/b/.",
            "a/b/..",
            "a//b",
            "/a",
            "a/",
            ".",
            "..",
            "...",
            "a/.../b",
        ] {
            assert_eq!(is_plain(p.as_bytes()), split(p.as_bytes()), "{p:?}");
        }
    }

    fn status(p: Result<Parsed, String>) -> Vec<Arc<Stanza>> {
        match p {
            Ok(Parsed::DpkgStatus(v)) => v,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn status_stanzas_come_out_by_name() {
        // dpkg writes them sorted; a file that is not comes out sorted, and
        // of a name written twice both stay, in the file's order (the
        // analysis keeps the last).
        // Names past 8 bytes that share their first 8 are ordered whole.
        let s = b"Package: b\nVersion: 1\n\nPackage: pkg10\nVersion: 1\n\nPackage: libreoffice-core\nVersion: 1\n\nPackage: a\nVersion: 1\n\nPackage: libreoffice\nVersion: 1\n\nPackage: b\nVersion: 2\n\nPackage: libreoffice-core\nVersion: 2\n\nPackage: libreoffice-calc\nVersion: 1\n\nPackage: pkg9\nVersion: 1\n";
        let got: Vec<(String, String)> = status(parse(b"var/lib/dpkg/status", s))
            .iter()
            .map(|s| (s.name.clone(), s.version.clone()))
            .collect();
        let want = [
            ("a", "1"),
            ("b", "1"),
            ("b", "2"),
            ("libreoffice", "1"),
            ("libreoffice-calc", "1"),
            ("libreoffice-core", "1"),
            ("libreoffice-core", "2"),
            ("pkg10", "1"),
            ("pkg9", "1"),
        ];
        assert_eq!(got, want.map(|(n, v)| (n.to_string(), v.to_string())));
    }

    #[test]
    fn unchanged_stanzas_are_read_once() {
        // The second version upgrades b and adds c; a is byte for byte the same.
        let v1 = b"Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\nStatus: install ok installed\nVersion: 1\n";
        let v2 = b"Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\nStatus: install ok installed\nVersion: 2\n\n\nPackage: c\nVersion: 3\n";
        let mut memo = StanzaMemo::default();
        let one = status(parse_with(b"var/lib/dpkg/status", v1, &mut memo));
        let two = status(parse_with(b"var/lib/dpkg/status", v2, &mut memo));
        let read = |v: &[Arc<Stanza>]| -> Vec<(String, String)> {
            v.iter()
                .map(|s| (s.name.clone(), s.version.clone()))
                .collect()
        };
        assert_eq!(
            read(&one),
            [("a".into(), "1".into()), ("b".into(), "1".into())]
        );
        assert_eq!(
            read(&two),
            [
                ("a".into(), "1".into()),
                ("b".into(), "2".into()),
                ("c".into(), "3".into())
            ]
        );
        assert!(Arc::ptr_eq(&one[0], &two[0]), "a: read once, shared");
        assert!(!Arc::ptr_eq(&one[1], &two[1]), "b changed: read again");
        assert_eq!(memo.len(), 4, "a, b 1, b 2, c");
        // The same reading without the memo.
        assert_eq!(status(parse(b"var/lib/dpkg/status", v2)), two);
    }

    #[test]
    fn a_memo_changes_no_message() {
        // Stanza 1 has no Package field and line 5 is malformed: the
        // malformed line is named first (the lines are read before the
        // stanzas), with or without stanzas read before.
        let bad = b"Version: 1\n\nPackage: b\nVersion: 2\nnot a field\n";
        let mut memo = StanzaMemo::default();
        status(parse_with(
            b"var/lib/dpkg/status",
            b"Package: b\nVersion: 2\n",
            &mut memo,
        ));
        for e in [
            parse(b"var/lib/dpkg/status", bad).unwrap_err(),
            parse_with(b"var/lib/dpkg/status", bad, &mut memo).unwrap_err(),
        ] {
            assert_eq!(e, "line 5: not a `Field: value` line");
        }
        // A stanza of a file seen before, then one with no Package field.
        let e = parse_with(
            b"var/lib/dpkg/status",
            b"Package: b\nVersion: 2\n\nVersion: 3\n",
            &mut memo,
        )
        .unwrap_err();
        assert_eq!(e, "stanza 2 has no Package field");
    }

    #[test]
    fn dpkg_list_paths_normalised() {
        let Parsed::DpkgList(name, files) = parse(
            b"var/lib/dpkg/info/libx:amd64.list",
            b"/.\n/usr//bin/\n/usr/./lib/../bin/x\n/etc/x.conf\n",
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(name, "libx");
        let got: Vec<&[u8]> = files.iter().collect();
        assert_eq!(got, [&b"usr/bin"[..], b"usr/bin/x", b"etc/x.conf"]);
        assert_eq!(files.len(), 3);
    }

    /// Stanzas end at a line of blanks as at an empty one, whichever way
    /// the file is read (whole stanzas at a time, or line by line when a
    /// line of blanks sends it there), and a memo filled by one way reads
    /// the same for the other.
    #[test]
    fn stanzas_end_at_empty_and_blank_lines() {
        let read = |v: &[Arc<Stanza>]| -> Vec<(String, String)> {
            v.iter()
                .map(|s| (s.name.clone(), s.version.clone()))
                .collect()
        };
        let pairs = |want: &[(&str, &str)]| -> Vec<(String, String)> {
            want.iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect()
        };
        let ab = [("a", "1"), ("b", "2")];
        for (text, want) in [
            // Empty lines: first, several between, last; no final `\n`.
            (
                &b"\n\nPackage: a\nVersion: 1\n\n\n\nPackage: b\nVersion: 2\n\n"[..],
                &ab[..],
            ),
            (b"Package: a\nVersion: 1\n\nPackage: b\nVersion: 2", &ab),
            // A line of spaces, of a tab, of a Unicode blank between them.
            (b"Package: a\nVersion: 1\n  \nPackage: b\nVersion: 2\n", &ab),
            (b"Package: a\nVersion: 1\n\t\nPackage: b\nVersion: 2\n", &ab),
            (
                "Package: a\nVersion: 1\n\u{a0}\nPackage: b\nVersion: 2\n".as_bytes(),
                &ab,
            ),
            // A line of blanks last, and one after a continued field.
            (
                b"Package: a\nDescription: x\n y\n \nPackage: b\nVersion: 2\n \n",
                &[("a", ""), ("b", "2")],
            ),
            // A continued field the one-pass reader leaves (`Depends`).
            (
                b"Package: a\nVersion: 1\nDepends: c,\n d\n\nPackage: b\nVersion: 2\n",
                &ab,
            ),
        ] {
            let name = String::from_utf8_lossy(text).into_owned();
            let mut memo = StanzaMemo::default();
            let got = status(parse_with(b"var/lib/dpkg/status", text, &mut memo));
            assert_eq!(read(&got), pairs(want), "{name:?}");
            // Read again with what the first reading kept: the same.
            let again = status(parse_with(b"var/lib/dpkg/status", text, &mut memo));
            assert_eq!(read(&again), pairs(want), "{name:?} again");
        }
        // A stanza kept by the line-by-line reading (its file has a line of
        // blanks) is found again in a file read a stanza at a time.
        let mut memo = StanzaMemo::default();
        let one = status(parse_with(
            b"var/lib/dpkg/status",
            b"Package: a\nVersion: 1\n \nPackage: b\nVersion: 2\n",
            &mut memo,
        ));
        let two = status(parse_with(
            b"var/lib/dpkg/status",
            b"Package: a\nVersion: 1\n\nPackage: c\nVersion: 3\n",
            &mut memo,
        ));
        assert_eq!(read(&two), pairs(&[("a", "1"), ("c", "3")]));
        assert!(Arc::ptr_eq(&one[0], &two[0]), "a: read once");
        // A line of blanks ends a stanza even after a field no reader
        // keeps: the first stanza here has no Package.
        assert_eq!(
            parse(
                b"var/lib/dpkg/status",
                b"Description: x\n \nPackage: b\nVersion: 2\n"
            )
            .unwrap_err(),
            "stanza 1 has no Package field"
        );
        // `Depends: c, d` continued: read line by line, its names kept.
        let Ok(Parsed::DpkgStatus(v)) = parse(
            b"var/lib/dpkg/status",
            b"Package: a\nDepends: c,\n d\n\nPackage: b\n",
        ) else {
            panic!()
        };
        assert_eq!(depends(&v[0]).collect::<Vec<_>>(), ["c", "d"]);
    }

    /// Paths read in place and paths normalised, mixed in one file: each
    /// line comes out in its normal form, in order; empty ones and those
    /// that name the root are left out.
    #[test]
    fn dpkg_list_lines_in_place_and_normalised() {
        let text = b"/.\n/usr\n/usr/bin\n/usr/bin/.hidden\n/usr/bin/x.\n/usr/bin/..x\n\n/\n/usr/share//doc\n/usr/share/doc/\n/etc/a/../b\n/etc/./c\n/usr/bin/tail";
        let Parsed::DpkgList(_, files) = parse(b"var/lib/dpkg/info/x.list", text).unwrap() else {
            panic!()
        };
        let got: Vec<String> = files
            .iter()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect();
        let want = [
            "usr",
            "usr/bin",
            "usr/bin/.hidden",
            "usr/bin/x.",
            "usr/bin/..x",
            "usr/share/doc",
            "usr/share/doc",
            "etc/b",
            "etc/c",
            "usr/bin/tail",
        ];
        assert_eq!(got, want);
        assert_eq!(files.len(), want.len());
        // The line is named when one is not absolute.
        assert_eq!(
            parse(b"var/lib/dpkg/info/x.list", b"/a\n/b\nc/d\n").unwrap_err(),
            "line 3: not an absolute path"
        );
    }

    #[test]
    fn dpkg_status_stanzas() {
        let s = b"Package: a\nStatus: install ok installed\nVersion: 1.0-1\nDepends: b (>= 2), c | d:any\nPre-Depends: e\nDescription: x\n long text\n .\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 2\n\nPackage: f\nVersion: 3\nProvides: awk\n";
        let Parsed::DpkgStatus(v) = parse(b"var/lib/dpkg/status", s).unwrap() else {
            panic!()
        };
        assert_eq!(v.len(), 3);
        assert_eq!(
            (v[0].name.as_str(), v[0].version.as_str(), v[0].installed),
            ("a", "1.0-1", true)
        );
        assert_eq!(depends(&v[0]).collect::<Vec<_>>(), ["b", "c", "d", "e"]);
        // By name: f before gone.
        assert!(v[1].installed, "no Status field: distroless status.d");
        assert_eq!(provides(&v[1]).collect::<Vec<_>>(), ["f", "awk"]);
        assert_eq!(v[2].name, "gone");
        assert!(!v[2].installed);
    }

    /// The one-pass reader takes the common stanzas and leaves every
    /// other to `fields` and `stanza`; what it reads is what they read.
    #[test]
    fn fast_stanzas_read_as_fields_do() {
        let st =
            |name: &str, version: &str, installed: bool, depends: &[&str], recommends: &[&str]| {
                Stanza {
                    name: name.into(),
                    version: version.into(),
                    installed,
                    depends: depends.iter().map(|d| d.to_string()).collect(),
                    recommends: recommends.iter().map(|d| d.to_string()).collect(),
                    files: Vec::new(),
                }
            };
        let slow = |chunk: &str| fields(0, chunk).and_then(|f| stanza(0, &f));
        // Taken: each worked out by hand.
        for (chunk, want) in [
            (
                "Package: a\nStatus: install ok installed\nVersion: 1.0\nDepends: b (>= 1), c | d:any\nRecommends: r\nDescription: x\n long\n .\n\tmore\nConffiles:\n /etc/a 0123",
                st("a", "1.0", true, &["b", "c", "d"], &["r"]),
            ),
            // Field names in any case; values trimmed.
            ("package:   a  \t\nVERSION: 2 \npre-depends: e", st("a", "2", true, &["e"], &[])),
            ("Package: a\nStatus: deinstall ok config-files", st("a", "", false, &[], &[])),
            // The status's third word decides, however it is spaced.
            ("Package: a\nStatus: hold ok installed", st("a", "", true, &[], &[])),
            ("Package: a\nStatus: install  ok\tinstalled", st("a", "", true, &[], &[])),
            ("Package: a\nStatus: install ok half-installed", st("a", "", false, &[], &[])),
            ("Package: a\nStatus: install ok installed x", st("a", "", true, &[], &[])),
            ("Package: a\nProvides: x (= 1), y", st("a", "", true, &["=x", "=y"], &[])),
            // A field with an empty value, a colon in a value.
            ("Package: a\nDepends:\nVersion: 1:2.3", st("a", "1:2.3", true, &[], &[])),
        ] {
            assert_eq!(stanza_fast(chunk).as_ref(), Some(&want), "{chunk:?}");
            assert_eq!(slow(chunk).as_ref(), Ok(&want), "{chunk:?}");
        }
        // Left to the slow path, which decides: a read field continued, a
        // field twice, no Package, a continuation first, a line that is no
        // field, a name with a space, over 32 fields.
        let many: String = (0..33).map(|i| format!("F{i}: x\n")).collect::<String>() + "Package: a";
        for (chunk, want) in [
            (
                "Package: a\nDepends: b,\n c",
                Ok(st("a", "", true, &["b", "c"], &[])),
            ),
            (
                "Package: a\npackage: b",
                Err(
                    "line 2: field `package` twice in one stanza (a missing blank line?)"
                        .to_string(),
                ),
            ),
            (
                "Version: 1",
                Err("stanza 1 has no Package field".to_string()),
            ),
            (
                " x\nPackage: a",
                Err("line 1: continuation without a field".to_string()),
            ),
            (
                "Package: a\nnonsense",
                Err("line 2: not a `Field: value` line".to_string()),
            ),
            (
                "Pack age: a",
                Err("line 1: not a `Field: value` line".to_string()),
            ),
            (many.as_str(), Ok(st("a", "", true, &[], &[]))),
        ] {
            assert_eq!(stanza_fast(chunk), None, "{chunk:?}");
            assert_eq!(slow(chunk), want, "{chunk:?}");
        }
        // A file with `\r\n` line ends is read by the slow path alone, to
        // the same stanzas.
        let lf = "Package: b\nVersion: 2\nDepends: c\n\nPackage: a\nVersion: 1\n";
        let crlf = lf.replace('\n', "\r\n");
        assert_eq!(
            status(parse(b"var/lib/dpkg/status", crlf.as_bytes())),
            status(parse(b"var/lib/dpkg/status", lf.as_bytes()))
        );
        assert_eq!(
            status(parse(b"var/lib/dpkg/status", lf.as_bytes()))
                .iter()
                .map(|s| (s.name.as_str(), s.version.as_str()))
                .collect::<Vec<_>>(),
            [("a", "1"), ("b", "2")]
        );
    }

    #[test]
    fn malformed_databases_say_where() {
        assert_eq!(
            parse(b"var/lib/dpkg/status", b"Package: a\nthis is no field\n").unwrap_err(),
            "line 2: not a `Field: value` line"
        );
        assert_eq!(
            parse(b"var/lib/dpkg/status", b"Version: 1\n").unwrap_err(),
            "stanza 1 has no Package field"
        );
        // two stanzas run together (no blank line between them): dpkg refuses it too
        assert_eq!(
            parse(
                b"var/lib/dpkg/status",
                b"Package: a\nVersion: 1\n description\nPackage: b\nVersion: 2\n"
            )
            .unwrap_err(),
            "line 4: field `Package` twice in one stanza (a missing blank line?)"
        );
        assert_eq!(
            parse(b"var/lib/dpkg/info/a.list", b"/usr\nusr/bin\n").unwrap_err(),
            "line 2: not an absolute path"
        );
        assert_eq!(
            parse(b"lib/apk/db/installed", b"P:a\nR:x\n").unwrap_err(),
            "line 2: R: before any F:"
        );
        assert_eq!(
            parse(b"lib/apk/db/installed", b"V:1\nwhat\n").unwrap_err(),
            "line 2: not a `K:value` line"
        );
        assert!(parse(b"o/conda-meta/z.json", b"{\"name\":\"z\"}")
            .unwrap_err()
            .contains("files"));
        assert!(parse(b"a/node_modules/x/package.json", b"{")
            .unwrap_err()
            .starts_with("not JSON"));
        assert_eq!(
            parse(b"s/site-packages/a-1.dist-info/RECORD", b"\"a,b\n").unwrap_err(),
            "line 1: bad CSV quoting"
        );
    }

    #[test]
    fn apk_installed_as_documented() {
        // The format of apk-tools' `lib/apk/db/installed` (one block per
        // package; F: sets the directory of the R: lines after it).
        let db = b"C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nS:383152\nI:622592\nD:so:libc.musl\nF:lib\nR:ld-musl-x86_64.so.1\nZ:Q1zz=\nR:libc.musl-x86_64.so.1\n\nP:busybox\nV:1.36.1-r5\nF:bin\nR:busybox\nF:etc\nR:securetty\n";
        let Parsed::Apk(v) = parse(b"lib/apk/db/installed", db).unwrap() else {
            panic!()
        };
        assert_eq!(v.len(), 2);
        assert_eq!(
            (v[0].name.as_str(), v[0].version.as_str()),
            ("musl", "1.2.4-r2")
        );
        assert_eq!(
            paths(&v[0].files),
            ["lib/ld-musl-x86_64.so.1", "lib/libc.musl-x86_64.so.1"]
        );
        assert_eq!(paths(&v[1].files), ["bin/busybox", "etc/securetty"]);
    }

    #[test]
    fn python_conda_npm() {
        let rec = b"six.py,sha256=x,34549\nsix-1.16.0.dist-info/RECORD,,\n\"odd,name.py\",,1\n../../../bin/tool,sha256=y,200\n";
        let Parsed::One(p) = parse(
            b"usr/local/lib/python3.11/site-packages/six-1.16.0.dist-info/RECORD",
            rec,
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!((p.name.as_str(), p.version.as_str()), ("six", "1.16.0"));
        assert_eq!(
            paths(&p.files),
            [
                "usr/local/lib/python3.11/site-packages/six.py",
                "usr/local/lib/python3.11/site-packages/six-1.16.0.dist-info/RECORD",
                "usr/local/lib/python3.11/site-packages/odd,name.py",
                "usr/local/bin/tool"
            ]
        );
        let Parsed::One(e) = parse(
            b"usr/lib/python3/dist-packages/foo-2.0-py3.11.egg-info/installed-files.txt",
            b"../foo/__init__.py\nPKG-INFO\n",
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!((e.name.as_str(), e.version.as_str()), ("foo", "2.0"));
        assert_eq!(
            paths(&e.files),
            [
                "usr/lib/python3/dist-packages/foo/__init__.py",
                "usr/lib/python3/dist-packages/foo-2.0-py3.11.egg-info/PKG-INFO"
            ]
        );
        let Parsed::One(c) = parse(
            b"opt/conda/conda-meta/zlib-1.2.13-h5eee18b_0.json",
            br#"{"name":"zlib","version":"1.2.13","build":"h5eee18b_0","files":["lib/libz.so.1.2.13","include/zlib.h"]}"#,
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(
            paths(&c.files),
            ["opt/conda/lib/libz.so.1.2.13", "opt/conda/include/zlib.h"]
        );
        let Parsed::One(n) = parse(
            b"app/node_modules/@scope/left-pad/package.json",
            br#"{"name":"@scope/left-pad","version":"1.3.0"}"#,
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(&*n.scope, b"app/node_modules/@scope/left-pad");
        assert_eq!(n.version, "1.3.0");
    }
}
