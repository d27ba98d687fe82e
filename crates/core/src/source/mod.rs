//! Which layout is this? Format readers that turn an input into an ordered
//! list of scanned layers plus the image's config facts.
//!
//! Supported (docs/formats.md): docker-archive (legacy `docker save`), the
//! Docker 25+ `docker save` (an OCI layout inside the tar plus
//! `manifest.json`), OCI image layout directories, oci-archive; any of the
//! tarballs gzipped as a whole; and all of them on stdin.
//!
//! The flow, whatever the input: detect what the bytes are (`detect`), find
//! the files (`outer` for a tar, `dir` for a directory, `stream` for a
//! one-pass read), resolve the metadata into a `plan` (`layout`, with
//! `docker_archive`, `oci`, `config`, `select`), run the layer pass on every
//! planned blob (`parallel` when seekable, inline when streaming), then
//! check digests and media types (`verify`) and build the [`Image`].

mod config;
mod detect;
mod dir;
mod docker_archive;
mod layout;
mod mem;
mod oci;
mod outer;
mod parallel;
mod plan;
mod select;
mod store;
mod stream;
mod verify;

use std::fs::File;
use std::io::{self, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::layer::{Changeset, Entry};
use crate::overlay::EntryId;
use crate::LayerIndex;

use detect::{read_head, sniff, Sniffed, BLOCK};
pub use store::{Blob, BlobStore, Store, META_CAP};

/// Where the image comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file (any tarball, gzipped or not) or an OCI layout directory.
    Path(PathBuf),
    /// Standard input: read once, never seeked.
    Stdin,
}

impl Input {
    /// `-` means stdin.
    pub fn from_arg(arg: &str) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }

    pub fn display(&self) -> String {
        match self {
            Input::Path(p) => p.display().to_string(),
            Input::Stdin => STDIN_LABEL.to_string(),
        }
    }
}

/// How standard input is named in messages.
pub(crate) const STDIN_LABEL: &str = "<stdin>";

/// Receives progress from the readers (the core never prints; the front end
/// decides how to show it).
pub trait ProgressSink: Send + Sync {
    /// Total stored bytes to read, when known in advance.
    fn total(&self, _bytes: Option<u64>) {}
    /// More stored bytes were read.
    fn advance(&self, _bytes: u64) {}
    /// A layer pass finished (`done` of `total` layers, when known).
    fn layer_done(&self, _done: usize, _total: Option<usize>) {}
    /// A layer was scanned successfully: what it holds, so a front end can
    /// show layers as they are read (on stdin, before the manifest names
    /// their order).
    fn layer_scanned(&self, _layer: &ScannedLayer<'_>) {}
    /// Whether [`ProgressSink::layers_prefix`] is wanted. A reader keeps
    /// track of the prefix only when this says yes, so a sink that does not
    /// override it (the progress bar of `report` and `check`) costs nothing.
    fn wants_prefix(&self) -> bool {
        false
    }
    /// Layers 1 to k of the image are all read (k < the layer count): what
    /// an explorer can show while the rest are still being read. Called
    /// each time that in-order prefix grows, in order, from a reader thread
    /// (which waits meanwhile: clone what you keep, do the work elsewhere);
    /// never for the whole image, never after a layer of the prefix failed.
    /// Only the readers of seekable inputs (files, directories, registry
    /// stores) call it: a one-pass stream learns the layers' order only at
    /// its end. The changesets are as scanned: layers read by seeking do
    /// not have the content hashes of their duplicate candidates yet (those
    /// are taken once every layer is read).
    fn layers_prefix(&self, _prefix: &LayersPrefix<'_>) {}
}

/// Layers 1 to k of an image, every one read (see
/// [`ProgressSink::layers_prefix`]).
pub struct LayersPrefix<'a> {
    plan: &'a plan::Plan,
    changesets: Vec<&'a Changeset>,
}

impl<'a> LayersPrefix<'a> {
    pub(crate) fn new(plan: &'a plan::Plan, changesets: Vec<&'a Changeset>) -> LayersPrefix<'a> {
        LayersPrefix { plan, changesets }
    }

    /// How many layers the prefix holds (k).
    pub fn len(&self) -> usize {
        self.changesets.len()
    }

    /// Never true: a prefix holds at least one layer.
    pub fn is_empty(&self) -> bool {
        self.changesets.is_empty()
    }

    /// How many layers the image has.
    pub fn total(&self) -> usize {
        self.plan.layers.len()
    }

    /// The i-th layer's changeset (0-based, i < [`LayersPrefix::len`]).
    pub fn changeset(&self, i: usize) -> &Changeset {
        self.changesets[i]
    }

    /// A copy of the i-th layer (its changeset cloned), named as the image
    /// will name it; `verified` is `None` (nothing is checked yet).
    pub fn layer(&self, i: usize) -> Layer {
        let pl = &self.plan.layers[i];
        plan::layer_of(
            pl,
            &self.plan.config,
            self.changesets[i].clone(),
            Verified::None,
        )
    }

    /// An image of `layers` (copies made by [`LayersPrefix::layer`], bottom
    /// first) with this image's facts and history.
    pub fn image(&self, layers: Vec<Layer>) -> Image {
        Image {
            info: self.plan.info.clone(),
            layers,
            history: self.plan.config.history.clone(),
            stanzas: Default::default(),
        }
    }
}

/// A layer as soon as its pass is done (see `ProgressSink::layer_scanned`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScannedLayer<'a> {
    /// `layer 3 (sha256:…)` where the order is known, else the archive
    /// member it was read from.
    pub label: &'a str,
    pub size_bytes: u64,
    pub stored_bytes: u64,
    pub entries: usize,
    pub content_bytes: u64,
}

impl<'a> ScannedLayer<'a> {
    pub fn new(label: &'a str, cs: &Changeset) -> ScannedLayer<'a> {
        ScannedLayer {
            label,
            size_bytes: cs.size_bytes,
            stored_bytes: cs.stored_bytes,
            entries: cs.entries.len(),
            content_bytes: cs.content_bytes(),
        }
    }
}

/// Per-layer scan results kept between runs (docs/formats.md, "Layer
/// cache"). The core only asks and offers; where and how results are kept
/// (files, bounds, eviction) is the implementor's business (the
/// `layerscope-cache` crate).
///
/// The key is always the sha256 of the layer's stored bytes, and only a
/// digest verified in this run (by the blob's name, or by the config's
/// diff_id where the stored form is the uncompressed tar) is ever asked for
/// or offered: a hit stands in for reading the blob and trusts the
/// verification done when the entry was written.
pub trait LayerCache: Send + Sync {
    /// The changeset kept under `key`, if a valid one is there. Anything
    /// unreadable, corrupt or foreign is a miss, never an error.
    fn get(&self, key: &Digest) -> Option<Changeset>;
    /// Keep `cs` under `key` (best effort: a failure to write is not the
    /// run's failure).
    fn put(&self, key: &Digest, cs: &Changeset);
}

/// What the user asked for.
#[derive(Clone, Default)]
pub struct OpenOptions {
    /// `--image NAME`: pick one image of several in an archive.
    pub image: Option<String>,
    /// `--platform os/arch[/variant]`: pick one manifest of an index.
    pub platform: Option<String>,
    /// The checks that cost (next to) nothing: metadata blob digests
    /// (index, manifest, config), the diff_id count, media types against
    /// magic bytes, and whatever sha256 `verify_layers` computes (off only
    /// with `--no-verify`). Gzip CRCs, zstd checksums, tar header checksums
    /// and declared sizes are checked whatever this says: reading needs them.
    pub verify: bool,
    /// Which layer digests are computed and checked (`--verify`): none by
    /// default. Ignored without `verify`.
    pub verify_layers: VerifyLayers,
    pub progress: Option<Arc<dyn ProgressSink>>,
    /// The layer cache (`--cache-dir`, `--no-cache`). Used only when layer
    /// digests are verified: a digest nobody checked is never a key.
    pub cache: Option<Arc<dyn LayerCache>>,
    /// Leave the package databases unparsed until the analysis: no reader
    /// parses them while it waits for the others (`source::parallel`).
    /// Only for measuring what the packages step costs (`bench/phases.rs`,
    /// with `PackageRules::skip`).
    #[doc(hidden)]
    pub no_parse_ahead: bool,
}

impl OpenOptions {
    /// The layer digests this run verifies (none with `--no-verify`).
    pub fn layer_mode(&self) -> VerifyLayers {
        if self.verify {
            self.verify_layers
        } else {
            VerifyLayers::None
        }
    }

    /// The cache, when this run may use it (layer digests verified).
    pub(crate) fn layer_cache(&self) -> Option<&dyn LayerCache> {
        if self.layer_mode() != VerifyLayers::None {
            self.cache.as_deref()
        } else {
            None
        }
    }
}

/// `--verify[=blob|full]`: which layer digests are computed and checked
/// (docs/formats.md, "Verification").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum VerifyLayers {
    /// No sha256 of layer content (the default for files, directories and
    /// stdin): the checks of reading only.
    #[default]
    None,
    /// Every stored byte hashed once against the digest that names it: the
    /// blob digest where blobs are addressed by digest, the config's diff_id
    /// for a legacy `docker save` layer (stored as the uncompressed tar).
    /// An uncompressed blob's diff_id is the same hash, so it is checked too.
    Blob,
    /// `Blob`, and the diff_id of every compressed layer too.
    Full,
}

/// Which digests of a layer were checked against its bytes in this run
/// (`layers[].verified`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Verified {
    #[default]
    None,
    /// The stored blob hashes to its descriptor digest.
    Blob,
    /// The uncompressed tar hashes to the config's diff_id.
    DiffId,
    /// Both.
    Both,
}

impl Verified {
    pub fn new(blob: bool, diff_id: bool) -> Verified {
        match (blob, diff_id) {
            (false, false) => Verified::None,
            (true, false) => Verified::Blob,
            (false, true) => Verified::DiffId,
            (true, true) => Verified::Both,
        }
    }

    /// The JSON name: `none`, `blob`, `diff_id`, `both`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verified::None => "none",
            Verified::Blob => "blob",
            Verified::DiffId => "diff_id",
            Verified::Both => "both",
        }
    }
}

/// The layout an image was read from (interface.md: `image.format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    DockerArchive,
    DockerOci,
    OciLayout,
    OciArchive,
    /// The distribution API of a registry (manifests and blobs by digest).
    Registry,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::DockerArchive => "docker-archive",
            Format::DockerOci => "docker-oci",
            Format::OciLayout => "oci-layout",
            Format::OciArchive => "oci-archive",
            Format::Registry => "registry",
        }
    }
}

/// Where the image was read from (`image.source`): every output says it,
/// since `IMAGE` alone may name a file, a daemon's image or a registry's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Origin {
    /// A file or an OCI layout directory.
    #[default]
    File,
    Stdin,
    /// The Docker daemon (`docker image save`).
    Docker,
    /// Podman's image store (`podman image save`).
    Podman,
    Registry,
}

impl Origin {
    /// The name in `image.source`, as `--source` spells the kinds.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::File => "file",
            Origin::Stdin => "stdin",
            Origin::Docker => "docker",
            Origin::Podman => "podman",
            Origin::Registry => "registry",
        }
    }
}

/// Facts about the image as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    /// The image's name/tag where the archive records one (RepoTags,
    /// `org.opencontainers.image.ref.name`), else None.
    pub reference: Option<String>,
    pub format: Format,
    /// The whole archive was gzipped.
    pub gzipped: bool,
    /// `os/arch[/variant]` from the config (or the chosen manifest).
    pub platform: Option<String>,
    /// `sha256:<hex>` of the config blob.
    pub config_digest: Option<Digest>,
    /// Where it was read from.
    pub source: Origin,
}

/// One layer of the image, bottom (index 1) to top.
#[derive(Debug, Clone)]
pub struct Layer {
    pub index: LayerIndex,
    /// The blob digest as the manifest names it; for legacy docker-archive
    /// (which names members, not digests) the sha256 of the stored blob.
    pub digest: String,
    /// The descriptor's media type, where the layout has one.
    pub media_type: Option<String>,
    /// The build step (history `created_by` of the n-th non-empty history
    /// entry), if the config has history.
    pub created_by: Option<String>,
    /// Which of its digests were checked against its bytes in this run.
    pub verified: Verified,
    pub changeset: Changeset,
}

/// One entry of the config's `history`, empty layers included.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HistoryEntry {
    pub created_by: Option<String>,
    /// `empty_layer: true`: the step made no layer (ENV, CMD, …).
    pub empty_layer: bool,
}

/// A fully scanned image.
#[derive(Debug, Clone)]
pub struct Image {
    pub info: ImageInfo,
    pub layers: Vec<Layer>,
    /// The config's whole history (empty when it has none): what
    /// `--dockerfile` aligns with the Dockerfile's instructions.
    pub history: Vec<HistoryEntry>,
    /// dpkg stanzas parsed while the layers were read, for the analysis
    /// to reuse (empty unless a reader parsed ahead).
    pub stanzas: crate::packages::parse::ReadStanzas,
}

impl Image {
    /// Entry `entry` of layer `layer`: where a version or an inode of the
    /// overlay points (`Version::entry`, `Inode::entry`).
    pub fn entry(&self, layer: LayerIndex, entry: EntryId) -> &Entry {
        &self.layers[layer.index()].changeset.entries[entry.index()]
    }
}

/// Open an image and run the layer pass over every layer.
///
/// A plain tar file or a directory is read in parallel (one pass per layer
/// blob, by offset); stdin and a gzipped file are read in one pass (see
/// [`open_reader`]).
pub fn open(input: &Input, opts: &OpenOptions) -> Result<Image> {
    match input {
        Input::Stdin => {
            let stdin = io::stdin();
            grow_pipe(&stdin);
            let mut image = open_reader(stdin.lock(), &input.display(), opts)?;
            image.info.source = Origin::Stdin;
            Ok(image)
        }
        Input::Path(p) => open_path(p, opts),
    }
}

/// `docker save img | layerscope -`: a pipe's default 64 KiB buffer makes
/// the writer and this reader wake each other every 64 KiB. 1 MiB (Linux's
/// default `pipe-max-size`) took a 1.15 GB image on stdin from 1.36-1.59 s
/// to 1.05-1.12 s here. Not a pipe, or not allowed: nothing changes.
#[cfg(target_os = "linux")]
fn grow_pipe(stdin: &io::Stdin) {
    let _ = rustix::pipe::fcntl_setpipe_size(stdin, 1 << 20);
}

#[cfg(not(target_os = "linux"))]
fn grow_pipe(_: &io::Stdin) {}

/// Open an image from a stream that cannot seek (stdin, a pipe, a socket):
/// a tar or gzipped tar of any supported layout, read exactly once. `label`
/// names the input in errors.
pub fn open_reader<R: Read>(reader: R, label: &str, opts: &OpenOptions) -> Result<Image> {
    let mut reader = reader;
    let head = read_head(&mut reader, BLOCK).map_err(|e| Error::io(label, e))?;
    let kind = sniff(&head);
    let rest = Cursor::new(head).chain(reader);
    match kind {
        Sniffed::Tar => stream::run(rest, label, false, opts),
        Sniffed::Gzip => {
            // Multi-member: `pigz` and concatenated gzip files are valid.
            let gz = flate2::read::MultiGzDecoder::new(BufReader::with_capacity(256 * 1024, rest));
            open_decompressed(gz, "gzip", true, label, opts)
        }
        Sniffed::Zstd => {
            // `docker save img | zstd`: every frame is read, like `zstd -d`.
            let z = zstd::stream::read::Decoder::new(rest).map_err(|e| Error::io(label, e))?;
            open_decompressed(z, "zstd", false, label, opts)
        }
        other => Err(not_an_archive(label, other)),
    }
}

/// A whole archive behind a compression: it must hold a tar.
fn open_decompressed<R: Read>(
    mut inner: R,
    what: &str,
    gzipped: bool,
    label: &str,
    opts: &OpenOptions,
) -> Result<Image> {
    let head = read_head(&mut inner, BLOCK).map_err(|e| Error::io(label, e))?;
    match sniff(&head) {
        Sniffed::Tar => stream::run(Cursor::new(head).chain(inner), label, gzipped, opts),
        Sniffed::Empty => Err(unknown(
            label,
            &format!("a {what} stream with nothing in it"),
        )),
        _ => Err(unknown(
            label,
            &format!("{what}-compressed, but not a tar archive"),
        )),
    }
}

fn open_path(path: &Path, opts: &OpenOptions) -> Result<Image> {
    let label = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| Error::io(&label, e))?;
    if meta.is_dir() {
        return open_seekable(&dir::DirStore::new(path, &label), opts);
    }
    let mut file = File::open(path).map_err(|e| Error::io(&label, e))?;
    let head = read_head(&mut file, BLOCK).map_err(|e| Error::io(&label, e))?;
    match sniff(&head) {
        Sniffed::Tar => open_seekable(&outer::TarStore::index(path, &label)?, opts),
        // A compressed stream cannot be read by offset: one pass, like stdin.
        Sniffed::Gzip | Sniffed::Zstd => open_reader(Cursor::new(head).chain(file), &label, opts),
        other => Err(not_an_archive(&label, other)),
    }
}

fn open_seekable<S: BlobStore>(store: &S, opts: &OpenOptions) -> Result<Image> {
    let plan = layout::resolve(store, false, opts)?;
    let scanned = parallel::scan_layers(store, &plan, opts)?;
    let mut image = plan::finish(plan, scanned.results, &scanned.cached, opts)?;
    image.stanzas = scanned.stanzas;
    Ok(image)
}

/// Open an image held by a store outside the core (a registry seen as an OCI
/// layout): the same resolution, selection (`--image`, `--platform`),
/// parallel layer passes and verification as a file.
pub fn open_store<S: BlobStore>(store: &S, opts: &OpenOptions) -> Result<Image> {
    open_seekable(store, opts)
}

/// Fuzzing only: resolve an image's metadata (detection, `manifest.json`,
/// `index.json`, nested indexes, manifests, config, `--image`/`--platform`
/// selection) from files held in memory, without reading any layer.
/// Returns the number of layers the plan names.
#[doc(hidden)]
pub fn resolve_metadata(files: Vec<(String, Vec<u8>)>, opts: &OpenOptions) -> Result<usize> {
    let store = mem::MemStore::new(files);
    layout::resolve(&store, false, opts).map(|p| p.layers.len())
}

fn unknown(input: &str, why: &str) -> Error {
    Error::UnknownFormat {
        input: input.to_string(),
        why: why.to_string(),
    }
}

fn not_an_archive(input: &str, kind: Sniffed) -> Error {
    match kind {
        Sniffed::Empty => unknown(input, "empty input"),
        _ => unknown(
            input,
            "not an image: neither a tar archive, a gzip or zstd compressed tar, nor an OCI layout directory",
        ),
    }
}
