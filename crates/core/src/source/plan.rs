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
use super::{Image, ImageInfo, Layer, OpenOptions};

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
    /// Does the layer pass need to hash the stored bytes? For verification,
    /// or because the stored blob's hash is the only digest we will have.
    pub fn wants_blob_digest(&self, verify: bool) -> bool {
        self.digest.is_none() || (verify && self.blob_addressed)
    }

    /// `layer 3`, for `MissingBlob { what }` (the digest is printed beside).
    pub fn what(&self) -> String {
        format!("layer {}", self.index)
    }
}

/// Check every scanned layer against the plan and build the image. The first
/// error in layer order wins, so messages do not depend on thread timing.
pub(crate) fn finish(
    plan: Plan,
    scanned: Vec<Result<Changeset>>,
    opts: &OpenOptions,
) -> Result<Image> {
    let Plan {
        info,
        config,
        layers: planned,
        ..
    } = plan;
    let mut layers = Vec::with_capacity(planned.len());
    for (pl, result) in planned.into_iter().zip(scanned) {
        let cs = result?;
        if opts.verify {
            verify_layer(&pl, &cs, config.diff_ids.get(pl.index.index()))?;
        }
        let digest = pl
            .digest
            .as_ref()
            .map(Digest::to_string)
            .or_else(|| cs.blob_digest.clone())
            .unwrap_or_else(|| cs.diff_id.clone());
        layers.push(Layer {
            index: pl.index,
            digest,
            media_type: pl.media_type,
            created_by: config.created_by(pl.index),
            changeset: cs,
        });
    }
    Ok(Image { info, layers })
}

fn verify_layer(pl: &PlannedLayer, cs: &Changeset, diff_id: Option<&String>) -> Result<()> {
    if let Some(mt) = &pl.media_type {
        check_compression(&pl.label, mt, cs.compression)?;
    }
    if let (true, Some(expected)) = (pl.blob_addressed, &pl.digest) {
        if expected.is_sha256() {
            let found = cs.blob_digest.clone().unwrap_or_default();
            if !expected.eq(found.as_str()) {
                return Err(Error::DigestMismatch {
                    layer: pl.label.clone(),
                    expected: expected.to_string(),
                    found,
                });
            }
        }
    }
    if let Some(expected) = diff_id {
        if expected.starts_with("sha256:") && expected != &cs.diff_id {
            return Err(Error::DigestMismatch {
                layer: format!("{} diff_id", pl.label),
                expected: expected.clone(),
                found: cs.diff_id.clone(),
            });
        }
    }
    Ok(())
}
