//! Which layout is this? Format readers that turn an input into an ordered
//! list of scanned layers plus the image's config facts.
//!
//! Supported (docs/formats.md): docker-archive (legacy `docker save`), the
//! Docker 25+ `docker save` (an OCI layout inside the tar plus
//! `manifest.json`), OCI image layout directories, oci-archive; any of the
//! tarballs gzipped as a whole; and all of them on stdin.

use std::path::PathBuf;
use std::sync::Arc;

use crate::error::Result;
use crate::layer::Changeset;

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
            Input::Stdin => "<stdin>".to_string(),
        }
    }
}

/// Receives progress from the readers (the core never prints; the front end
/// decides how to show it).
pub trait ProgressSink: Send + Sync {
    /// Total stored bytes to read, when known in advance.
    fn total(&self, _bytes: Option<u64>) {}
    /// More stored bytes were read.
    fn advance(&self, _bytes: u64) {}
    /// A layer pass finished (`done` of `total` layers, when known).
    fn layer_done(&self, _done: usize, _total: Option<usize>) {}
}

/// What the user asked for.
#[derive(Clone, Default)]
pub struct OpenOptions {
    /// `--image NAME`: pick one image of several in an archive.
    pub image: Option<String>,
    /// `--platform os/arch[/variant]`: pick one manifest of an index.
    pub platform: Option<String>,
    /// Verify diff_ids and blob digests (on unless `--no-verify`).
    pub verify: bool,
    pub progress: Option<Arc<dyn ProgressSink>>,
}

/// The layout an image was read from (interface.md: `image.format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    DockerArchive,
    DockerOci,
    OciLayout,
    OciArchive,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::DockerArchive => "docker-archive",
            Format::DockerOci => "docker-oci",
            Format::OciLayout => "oci-layout",
            Format::OciArchive => "oci-archive",
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
    pub config_digest: Option<String>,
}

/// One layer of the image, bottom (index 1) to top.
#[derive(Debug, Clone)]
pub struct Layer {
    /// 1-based, bottom layer = 1.
    pub index: usize,
    /// The blob digest as the manifest names it; for legacy docker-archive
    /// (which names members, not digests) the sha256 of the stored blob.
    pub digest: String,
    /// The descriptor's media type, where the layout has one.
    pub media_type: Option<String>,
    /// The build step (history `created_by` of the n-th non-empty history
    /// entry), if the config has history.
    pub created_by: Option<String>,
    pub changeset: Changeset,
}

/// A fully scanned image.
#[derive(Debug, Clone)]
pub struct Image {
    pub info: ImageInfo,
    pub layers: Vec<Layer>,
}

/// Open an image and run the layer pass over every layer.
pub fn open(_input: &Input, _opts: &OpenOptions) -> Result<Image> {
    Err(crate::Error::Usage("not implemented yet".into()))
}
