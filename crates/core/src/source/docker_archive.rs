//! Legacy `docker save` (moby `image/tarexport`, format since Docker 1.10):
//!
//! ```text
//! <id>/VERSION, <id>/json, <id>/layer.tar   one directory per layer; a layer
//!                                           shared with another image may be
//!                                           a symlink ../<other>/layer.tar
//! <config-hex>.json                         the image config
//! manifest.json                             [{Config, RepoTags, Layers}], often last
//! repositories                              {repo: {tag: <top layer id>}}
//! ```
//!
//! `manifest.json` names members, not digests: a layer's digest is the
//! sha256 of its blob, and the config's is the sha256 of the config file
//! (whose name is that hex, which we check).

use std::collections::HashMap;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::LayerIndex;

use super::config::{null_as_empty, parse_json, ImageConfig};
use super::plan::{Plan, PlannedLayer};
use super::select::{choose, Candidate};
use super::store::{member_path, short_digest, Store};
use super::verify::check_blob;
use super::{Format, ImageInfo, OpenOptions};
use crate::digest::Digest;

const MANIFEST: &str = "manifest.json";

/// One entry of `manifest.json`. Docker 25+ adds `LayerSources` and
/// `Parent`, which we do not need.
#[derive(Deserialize, Clone)]
pub(crate) struct ManifestEntry {
    #[serde(rename = "Config")]
    pub config: String,
    #[serde(rename = "RepoTags", default)]
    pub repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", deserialize_with = "null_as_empty")]
    pub layers: Vec<String>,
}

/// Read and parse `manifest.json` (required: the caller saw it exists).
pub(crate) fn read_manifest(store: &dyn Store) -> Result<Vec<ManifestEntry>> {
    let bytes = store
        .read_meta(MANIFEST, MANIFEST)?
        .ok_or_else(|| Error::metadata(MANIFEST, "not found in the archive"))?;
    // `null` is how Go writes an empty list.
    let entries: Option<Vec<ManifestEntry>> = parse_json(&bytes, MANIFEST)?;
    Ok(entries.unwrap_or_default())
}

pub(crate) fn plan(store: &dyn Store, opts: &OpenOptions) -> Result<Plan> {
    let entries = read_manifest(store)?;
    if entries.is_empty() {
        return Err(Error::metadata(MANIFEST, "lists no images"));
    }
    let repositories = read_repositories(store);
    let cands = entries
        .into_iter()
        .map(|e| {
            let mut names = e.repo_tags.clone().unwrap_or_default();
            // Old archives may carry names only in `repositories`, keyed by
            // the top layer's directory (its v1 id).
            let top = e.layers.last().and_then(|l| l.split('/').next());
            for (name, id) in &repositories {
                if Some(id.as_str()) == top && !names.contains(name) {
                    names.push(name.clone());
                }
            }
            let ids = config_digest_from_name(&e.config)
                .map(String::from)
                .into_iter()
                .collect();
            Candidate {
                names,
                ids,
                item: e,
            }
        })
        .collect();
    let (chosen, reference) = choose(cands, opts.image.as_deref(), store.input())?;
    let entry = chosen.item;

    let config_path = member_path(&entry.config, MANIFEST)?;
    let config_bytes = store
        .read_meta(&config_path, &config_path)?
        .ok_or_else(|| Error::MissingBlob {
            what: "config".into(),
            digest: config_path.clone(),
        })?;
    let config_digest = Digest::sha256_of(&config_bytes);
    if opts.verify {
        if let Some(named) = config_digest_from_name(&config_path) {
            check_blob(&format!("config {config_path}"), &named, &config_bytes)?;
        }
    }
    let config = ImageConfig::parse(&config_bytes, &config_path)?;

    let layers = entry
        .layers
        .iter()
        .enumerate()
        .map(|(i, raw)| {
            let path = member_path(raw, MANIFEST)?;
            // Docker 25+ writes `blobs/sha256/<hex>` here even without an
            // OCI index: such a path is a digest we can check.
            let digest = digest_from_blob_path(&path);
            let index = LayerIndex::from_index(i);
            let label = match &digest {
                Some(d) => format!("layer {index} ({})", short_digest(d.as_str())),
                None => format!("layer {index} ({path})"),
            };
            Ok(PlannedLayer {
                index,
                blob_addressed: digest.is_some(),
                digest,
                media_type: None,
                label,
                path,
            })
        })
        .collect::<Result<Vec<_>>>()?;

    Ok(Plan {
        info: ImageInfo {
            reference,
            format: Format::DockerArchive,
            gzipped: false,
            platform: config.platform.as_ref().map(|p| p.to_string()),
            config_digest: Some(config_digest),
            source: super::Origin::File,
        },
        config_file: config_path,
        config,
        layers,
    })
}

/// `repositories`: `{"repo": {"tag": "<id>"}}` as (`repo:tag`, id). It only
/// adds names, so a malformed or absent file is ignored rather than fatal.
fn read_repositories(store: &dyn Store) -> Vec<(String, String)> {
    let Ok(Some(bytes)) = store.read_meta("repositories", "repositories") else {
        return Vec::new();
    };
    let Ok(map) = serde_json::from_slice::<HashMap<String, HashMap<String, String>>>(&bytes) else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = map
        .into_iter()
        .flat_map(|(repo, tags)| {
            tags.into_iter()
                .map(move |(tag, id)| (format!("{repo}:{tag}"), id))
        })
        .collect();
    out.sort();
    out
}

/// `<64 hex>.json` (legacy) or `blobs/sha256/<64 hex>` (Docker 25+): the
/// config's name is its digest.
fn config_digest_from_name(path: &str) -> Option<Digest> {
    let name = path.strip_suffix(".json").unwrap_or(path);
    Digest::sha256_hex(name.rsplit('/').next()?)
}

fn digest_from_blob_path(path: &str) -> Option<Digest> {
    Digest::sha256_hex(path.strip_prefix("blobs/sha256/")?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_are_digests() {
        let hex = "ab".repeat(32);
        assert_eq!(
            config_digest_from_name(&format!("{hex}.json")).map(String::from),
            Some(format!("sha256:{hex}"))
        );
        assert_eq!(
            config_digest_from_name(&format!("blobs/sha256/{hex}")).map(String::from),
            Some(format!("sha256:{hex}"))
        );
        assert_eq!(config_digest_from_name("config.json"), None);
        assert_eq!(digest_from_blob_path(&format!("{hex}/layer.tar")), None);
    }
}
