//! From metadata to a plan (which blobs are the layers, in which order, with
//! which expected digests), and from scanned layers to an [`Image`].
//!
//! Both steps are shared by every input: the seekable path scans the planned
//! blobs in parallel, the streaming path has scanned them already as they
//! went by; either way [`finish`] checks them the same way.

use crate::error::{Error, Result};
use crate::layer::Changeset;

use super::config::ImageConfig;
use super::select::Platform;
use super::store::Store;
use super::verify::{check_compression, layer_compression, unknown_media_type};
use super::{docker_archive, oci, Format, Image, ImageInfo, Layer, OpenOptions};

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
    /// 1-based, bottom layer = 1.
    pub index: usize,
    /// The member or file holding the blob.
    pub path: String,
    /// The descriptor digest, where the layout gives one.
    pub digest: Option<String>,
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

/// Which layout is this, and what does it say? Reads only metadata.
pub(crate) fn resolve(store: &dyn Store, gzipped: bool, opts: &OpenOptions) -> Result<Plan> {
    let wanted = opts.platform.as_deref().map(Platform::parse).transpose()?;
    let oci_layout = store.contains("oci-layout") || store.contains("index.json");
    let docker = store.contains("manifest.json");
    // The format names the layout, whatever holds it: an unpacked Docker 25+
    // save is still docker-oci, an unpacked legacy save docker-archive.
    let format = match (oci_layout, docker, store.is_dir()) {
        (true, true, _) => Format::DockerOci,
        (true, false, true) => Format::OciLayout,
        (true, false, false) => Format::OciArchive,
        (false, true, _) => Format::DockerArchive,
        (false, false, true) => {
            return Err(Error::UnknownFormat {
                input: store.input().to_string(),
                why: "a directory, but not an OCI image layout (no oci-layout, index.json or manifest.json)".into(),
            })
        }
        (false, false, false) => {
            return Err(Error::UnknownFormat {
                input: store.input().to_string(),
                why: "a tar archive, but not an image (no manifest.json from docker save, no index.json of an OCI layout)".into(),
            })
        }
    };
    let mut plan = match format {
        Format::DockerArchive => docker_archive::plan(store, opts)?,
        _ => oci::plan(store, format, opts, wanted.as_ref())?,
    };
    plan.info.gzipped = gzipped;

    if let (Some(w), Some(have)) = (&wanted, &plan.config.platform) {
        if !have.satisfies(w) {
            return Err(Error::Usage(format!(
                "{}: the image is for {have}, not {w}",
                store.input()
            )));
        }
    }
    if opts.verify && plan.config.diff_ids.len() != plan.layers.len() {
        return Err(Error::metadata(
            &plan.config_file,
            format!(
                "rootfs.diff_ids lists {} layers, the manifest {}",
                plan.config.diff_ids.len(),
                plan.layers.len()
            ),
        ));
    }
    // Before reading any blob: a layer we cannot interpret fails fast.
    for l in &plan.layers {
        if let Some(mt) = &l.media_type {
            if layer_compression(mt).is_none() {
                return Err(unknown_media_type(&l.label, mt));
            }
        }
    }
    Ok(plan)
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
            verify_layer(&pl, &cs, config.diff_ids.get(pl.index - 1))?;
        }
        let digest = pl
            .digest
            .clone()
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
        if expected.starts_with("sha256:") {
            let found = cs.blob_digest.clone().unwrap_or_default();
            if &found != expected {
                return Err(Error::DigestMismatch {
                    layer: pl.label.clone(),
                    expected: expected.clone(),
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
