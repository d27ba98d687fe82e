//! From metadata to a [`Plan`]: which layout is this, and which format reader
//! resolves it. Kept apart from `plan` so that the format readers depend on
//! `plan` alone and nothing they import depends back on them.

use crate::error::{Error, Result};

use super::plan::Plan;
use super::select::Platform;
use super::store::Store;
use super::verify::{layer_compression, unknown_media_type};
use super::{docker_archive, oci, Format, OpenOptions};

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
