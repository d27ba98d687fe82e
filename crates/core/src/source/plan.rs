//! The plan (which blobs are the layers, in which order, with which expected
//! digests), and from scanned layers to an [`Image`].
//!
//! Shared by every input: the seekable path scans the planned blobs in
//! parallel, the streaming path has scanned them already as they went by;
//! either way [`finish`] checks them the same way. The format readers
//! (`docker_archive`, `oci`) build a [`Plan`]; `layout` picks which one runs,
//! so this module knows no format and imports none of them.

use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::layer::Changeset;
use crate::LayerIndex;

use super::config::ImageConfig;
use super::verify::check_compression;
use super::{Image, ImageInfo, Layer, OpenOptions, Verified, VerifyLayers};

/// A resolved image, before any layer is read.
#[derive(Debug)]
pub(crate) struct Plan {
    pub info: ImageInfo,
    pub config: ImageConfig,
    /// Names the config in errors.
    pub config_file: String,
    pub layers: Vec<PlannedLayer>,
}

/// One layer to read.
#[derive(Debug, Clone)]
pub(crate) struct PlannedLayer {
    pub index: LayerIndex,
    /// The member or file holding the blob.
    pub path: String,
    /// The descriptor digest, where the layout gives one.
    pub digest: Option<Digest>,
    pub media_type: Option<String>,
    /// `layer 3 (sha256:abcd…)`: names the layer in errors.
    pub label: String,
    /// The blob's path is its digest (`blobs/<alg>/<hex>`): its stored bytes
    /// must hash to `digest`.
    pub blob_addressed: bool,
}

impl PlannedLayer {
    /// Does the layer pass hash the stored bytes? To check the digest that
    /// names them (`--verify`), where blobs are addressed by digest and we
    /// compute its algorithm.
    pub fn wants_blob_digest(&self, mode: VerifyLayers) -> bool {
        mode >= VerifyLayers::Blob
            && self.blob_addressed
            && self
                .digest
                .as_ref()
                .is_some_and(|d| d.known_algorithm().is_some())
    }

    /// Does the layer pass hash the uncompressed stream? Where the diff_id
    /// is the only digest that names the layer (a legacy `docker save`
    /// member) with `--verify`, and for every layer with `--verify=full`.
    /// (A plain blob's stored bytes are its tar: one hash serves both.)
    pub fn wants_diff_id(&self, mode: VerifyLayers) -> bool {
        match mode {
            VerifyLayers::None => false,
            VerifyLayers::Blob => !self.blob_addressed,
            VerifyLayers::Full => true,
        }
    }

    /// The layer cache's key for this layer, when the run verifies one: the
    /// sha256 of the stored bytes, named by the blob's path (OCI layouts,
    /// Docker 25+ saves) or, where members are not blob-addressed (legacy
    /// `docker save`), by the config's diff_id, which is the stored tar's
    /// sha256 when the layer is stored uncompressed (as `docker save`
    /// writes it; [`finish`] writes an entry only when the scan's own hash
    /// of the stored bytes equals the key, so a compressed legacy layer is
    /// never kept under its diff_id). `None` unless layer digests are
    /// verified.
    pub fn cache_key(&self, diff_id: Option<&String>, mode: VerifyLayers) -> Option<Digest> {
        if mode == VerifyLayers::None {
            return None;
        }
        let key = if self.blob_addressed {
            self.digest.clone()?
        } else {
            diff_id?.parse::<Digest>().ok()?
        };
        key.is_sha256().then_some(key)
    }

    /// `layer 3`, for `MissingBlob { what }` (the digest is printed beside).
    pub fn what(&self) -> String {
        format!("layer {}", self.index)
    }
}

/// Check every scanned layer against the plan and build the image. The first
/// error in layer order wins, so messages do not depend on thread timing.
///
/// A layer that passed verification and did not come from the layer cache
/// (`cached[i]`; missing entries mean not cached) is offered to it.
pub(crate) fn finish(
    plan: Plan,
    scanned: Vec<Result<Changeset>>,
    cached: &[bool],
    opts: &OpenOptions,
) -> Result<Image> {
    let Plan {
        info,
        config,
        layers: planned,
        ..
    } = plan;
    let cache = opts.layer_cache();
    let mut layers = Vec::with_capacity(planned.len());
    let mode = opts.layer_mode();
    for (i, (pl, result)) in planned.into_iter().zip(scanned).enumerate() {
        let cs = result?;
        let diff_id = config.diff_ids.get(pl.index.index());
        let verified = if opts.verify {
            verify_layer(&pl, &cs, diff_id)?
        } else {
            Verified::None
        };
        if let Some(cache) = cache.filter(|_| !cached.get(i).copied().unwrap_or(false)) {
            // Kept only under the sha256 this very scan computed of the
            // stored bytes, and that verification just matched.
            if let Some(key) = pl.cache_key(diff_id, mode) {
                if cs.blob_digest.as_deref() == Some(key.as_str()) {
                    cache.put(&key, &cs);
                }
            }
        }
        layers.push(layer_of(&pl, &config, cs, verified));
    }
    Ok(Image {
        info,
        layers,
        history: config.history.clone(),
        stanzas: Default::default(),
    })
}

/// A scanned layer as the image names it: its digest (the descriptor's,
/// else the stored bytes' sha256, else the diff_id) and build step.
pub(crate) fn layer_of(
    pl: &PlannedLayer,
    config: &ImageConfig,
    mut cs: Changeset,
    verified: Verified,
) -> Layer {
    // Not computed (no `--verify`): the diff_id the config claims.
    if cs.diff_id.is_empty() {
        cs.diff_id = config
            .diff_ids
            .get(pl.index.index())
            .cloned()
            .unwrap_or_default();
    }
    let digest = pl
        .digest
        .as_ref()
        .map(Digest::to_string)
        .or_else(|| cs.blob_digest.clone())
        .unwrap_or_else(|| cs.diff_id.clone());
    Layer {
        index: pl.index,
        digest,
        media_type: pl.media_type.clone(),
        created_by: config.created_by(pl.index),
        verified,
        changeset: cs,
    }
}

/// Check what the layer pass computed against what the metadata claims;
/// say which digests were checked. A digest the pass did not compute (no
/// `--verify`, or another algorithm on a one-pass stream) is not checked.
fn verify_layer(pl: &PlannedLayer, cs: &Changeset, diff_id: Option<&String>) -> Result<Verified> {
    if let Some(mt) = &pl.media_type {
        check_compression(&pl.label, mt, cs.compression)?;
    }
    let mut blob = false;
    if let (true, Some(expected)) = (pl.blob_addressed, &pl.digest) {
        // Checked when the pass hashed the blob with the digest's own
        // algorithm: on a seekable input with `--verify`; on a one-pass
        // stream the blobs go by before the manifest, and only sha256 is
        // computed.
        let found = cs
            .blob_digest
            .as_deref()
            .filter(|f| f.split_once(':').map(|f| f.0) == Some(expected.algorithm()));
        if let (Some(found), Some(_)) = (found, expected.known_algorithm()) {
            if !expected.eq(found) {
                return Err(Error::DigestMismatch {
                    layer: pl.label.clone(),
                    expected: expected.to_string(),
                    found: found.to_string(),
                });
            }
            blob = true;
        }
    }
    let mut diff = false;
    if let Some(expected) = diff_id {
        if expected.starts_with("sha256:") && !cs.diff_id.is_empty() {
            if expected != &cs.diff_id {
                return Err(Error::DigestMismatch {
                    layer: format!("{} diff_id", pl.label),
                    expected: expected.clone(),
                    found: cs.diff_id.clone(),
                });
            }
            diff = true;
        }
    }
    Ok(Verified::new(blob, diff))
}
