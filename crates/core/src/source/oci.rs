//! OCI image layout (image-spec `image-layout.md`), in a directory, in a tar
//! (oci-archive), or inside a Docker 25+ `docker save`:
//!
//! ```text
//! oci-layout                 {"imageLayoutVersion": "1.0.0"}
//! index.json                 an image index: manifests[] descriptors
//! blobs/<alg>/<encoded>      content-addressed: manifests, nested indexes,
//!                            configs, layers
//! ```
//!
//! `index.json` → (nested indexes →) one manifest per platform → config +
//! layer descriptors. A layout may hold several images (by
//! `org.opencontainers.image.ref.name` / `io.containerd.image.name`) and an
//! index may hold several platforms; BuildKit attestation manifests
//! (platform `unknown/unknown`) are not images. An index may name
//! platforms whose blobs were never copied (`docker save` with the
//! containerd store keeps the whole multi-platform index but only the host's
//! blobs): that is normal, not an error, unless the user asks for one.

use std::collections::HashMap;

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::LayerIndex;

use super::config::{null_as_empty, parse_json, ImageConfig};
use super::docker_archive;
use super::plan::{Plan, PlannedLayer};
use super::select::{choose, Candidate, Platform};
use super::store::{short_digest, Store};
use super::verify::{blob_path, check_blob, parse_digest};
use super::{Format, ImageInfo, OpenOptions};
use crate::digest::Digest;

const INDEX: &str = "index.json";
/// Nesting real images use is 1 (index → index → manifest); bound it so a
/// hostile index cannot recurse forever.
const MAX_NESTING: usize = 8;

const INDEX_TYPES: &[&str] = &[
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];
const MANIFEST_TYPES: &[&str] = &[
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];
const CONFIG_TYPES: &[&str] = &[
    "application/vnd.oci.image.config.v1+json",
    "application/vnd.docker.container.image.v1+json",
];

/// Annotations that name an image (image-spec `annotations.md`; containerd
/// `images/archive`), best first.
const NAME_ANNOTATIONS: &[&str] = &[
    "io.containerd.image.name",
    "org.opencontainers.image.ref.name",
];

#[derive(Deserialize, Clone, Debug)]
pub(crate) struct Descriptor {
    #[serde(rename = "mediaType", default)]
    pub media_type: Option<String>,
    pub digest: String,
    #[serde(default)]
    pub platform: Option<PlatformJson>,
    #[serde(default)]
    pub annotations: Option<HashMap<String, String>>,
}

#[derive(Deserialize, Clone, Debug)]
pub(crate) struct PlatformJson {
    #[serde(default)]
    os: Option<String>,
    #[serde(default)]
    architecture: Option<String>,
    #[serde(default)]
    variant: Option<String>,
}

#[derive(Deserialize)]
struct IndexJson {
    #[serde(deserialize_with = "null_as_empty")]
    manifests: Vec<Descriptor>,
}

#[derive(Deserialize)]
struct ManifestJson {
    #[serde(rename = "mediaType", default)]
    media_type: Option<String>,
    config: Descriptor,
    #[serde(deserialize_with = "null_as_empty")]
    layers: Vec<Descriptor>,
}

/// Enough of a JSON blob to tell an index from a manifest when the
/// descriptor does not say.
#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    manifests: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct LayoutJson {
    #[serde(rename = "imageLayoutVersion")]
    version: String,
}

impl Descriptor {
    fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.as_ref()?.get(key).map(String::as_str)
    }

    fn platform(&self) -> Option<Platform> {
        let p = self.platform.as_ref()?;
        match (&p.os, &p.architecture) {
            (Some(os), Some(arch)) => Some(Platform::new(os, arch, p.variant.as_deref())),
            _ => None,
        }
    }

    /// BuildKit attaches provenance/SBOM as a manifest with platform
    /// `unknown/unknown` and `vnd.docker.reference.type:
    /// attestation-manifest` (buildkit docs/attestations/attestation-storage.md).
    fn is_attestation(&self) -> bool {
        self.annotation("vnd.docker.reference.type") == Some("attestation-manifest")
            || self.platform.as_ref().is_some_and(|p| {
                p.os.as_deref() == Some("unknown") && p.architecture.as_deref() == Some("unknown")
            })
    }

    fn names(&self) -> Vec<String> {
        NAME_ANNOTATIONS
            .iter()
            .filter_map(|k| self.annotation(k))
            .map(str::to_string)
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Index,
    Manifest,
    /// No media type on the descriptor: look at the blob.
    Unknown,
    /// Something else (an artifact, a schema 1 manifest): not an image.
    Other,
}

fn kind_of(media_type: Option<&str>) -> Kind {
    match media_type {
        None | Some("") => Kind::Unknown,
        Some(mt) if INDEX_TYPES.contains(&mt) => Kind::Index,
        Some(mt) if MANIFEST_TYPES.contains(&mt) => Kind::Manifest,
        Some(_) => Kind::Other,
    }
}

/// An image of the layout: top-level `index.json` entries that are the same
/// image (one digest under several tags, or one platform each of a name).
#[derive(Debug)]
struct Group {
    entries: Vec<Descriptor>,
}

/// A manifest an index leads to.
#[derive(Debug, Clone)]
struct Leaf {
    desc: Descriptor,
    present: bool,
    platform: Option<Platform>,
}

pub(crate) fn plan(
    store: &dyn Store,
    format: Format,
    opts: &OpenOptions,
    wanted: Option<&Platform>,
) -> Result<Plan> {
    check_layout(store)?;
    let bytes = store.read_meta(INDEX, INDEX)?.ok_or_else(|| {
        Error::metadata(INDEX, "not found (an OCI image layout needs index.json)")
    })?;
    let index: IndexJson = parse_json(&bytes, INDEX)?;
    if index.manifests.is_empty() && format == Format::DockerOci {
        // A Docker 25+ save whose index lists nothing (`"manifests": null`
        // from Go): its manifest.json still names the image and its blobs.
        let mut plan = docker_archive::plan(store, opts)?;
        plan.info.format = Format::DockerOci;
        return Ok(plan);
    }
    // Docker 25+ names images in manifest.json (RepoTags) as well.
    let repo_tags = if format == Format::DockerOci {
        docker_archive::read_manifest(store)?
            .into_iter()
            .filter_map(|e| {
                let hex = e.config.strip_prefix("blobs/sha256/")?.to_string();
                Some((format!("sha256:{hex}"), e.repo_tags.unwrap_or_default()))
            })
            .collect()
    } else {
        Vec::new()
    };
    let cands = candidates(store, &index.manifests, &repo_tags);
    if cands.is_empty() {
        return Err(Error::metadata(INDEX, "lists no images"));
    }
    let (chosen, reference) = choose(cands, opts.image.as_deref(), store.input())?;
    let mut leaves = Vec::new();
    collect_leaves(
        store,
        &chosen.item.entries,
        INDEX,
        0,
        opts.verify,
        &mut leaves,
    )?;
    let leaf = pick_platform(store, leaves, wanted)?;
    let reference = reference.map(|r| qualify_tag(store, format, r));
    build(store, format, &leaf, reference, opts.verify)
}

/// An OCI layout's `org.opencontainers.image.ref.name` is often only a tag
/// (`latest`, as `skopeo copy … oci:DIR:latest` writes it), which alone
/// names nothing: show it as skopeo spells the image, `PATH:TAG`. Full
/// references, Docker's names and a stream's (no path) stay as they are.
fn qualify_tag(store: &dyn Store, format: Format, name: String) -> String {
    let bare_tag = !name.is_empty()
        && name.len() <= 128
        && !name.starts_with(['.', '-'])
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    let layout = matches!(format, Format::OciLayout | Format::OciArchive);
    if layout && bare_tag && store.input() != super::STDIN_LABEL {
        format!("{}:{name}", store.input())
    } else {
        name
    }
}

fn check_layout(store: &dyn Store) -> Result<()> {
    let Some(bytes) = store.read_meta("oci-layout", "oci-layout")? else {
        // Lenient: some tools write index.json without oci-layout.
        return Ok(());
    };
    let layout: LayoutJson = parse_json(&bytes, "oci-layout")?;
    if !layout.version.starts_with("1.") {
        return Err(Error::metadata(
            "oci-layout",
            format!("unsupported imageLayoutVersion {:?}", layout.version),
        ));
    }
    Ok(())
}

/// Group the top-level entries into images and name them.
fn candidates(
    store: &dyn Store,
    top: &[Descriptor],
    repo_tags: &[(String, Vec<String>)],
) -> Vec<Candidate<Group>> {
    let mut groups: Vec<(Vec<String>, Group)> = Vec::new();
    for d in top.iter().filter(|d| !d.is_attestation()) {
        let names = d.names();
        let same = groups.iter().position(|(gnames, g)| {
            g.entries.iter().any(|e| e.digest == d.digest)
                // Platform manifests listed directly in index.json are one
                // image when they share a name (or all have none).
                || (d.platform.is_some()
                    && g.entries.iter().all(|e| e.platform.is_some())
                    && (gnames.iter().any(|n| names.contains(n))
                        || (gnames.is_empty() && names.is_empty())))
        });
        match same {
            Some(i) => {
                let (gnames, g) = &mut groups[i];
                if !g.entries.iter().any(|e| e.digest == d.digest) {
                    g.entries.push(d.clone());
                }
                for n in names {
                    if !gnames.contains(&n) {
                        gnames.push(n);
                    }
                }
            }
            None => groups.push((
                names,
                Group {
                    entries: vec![d.clone()],
                },
            )),
        }
    }
    groups
        .into_iter()
        .map(|(annotated, g)| {
            let mut names = Vec::new();
            // Config digests identify the image too (`docker images` shows
            // them as IDs with the classic store) and carry the RepoTags.
            let configs = reachable_configs(store, &g.entries, 0);
            for (config, tags) in repo_tags {
                if configs.contains(config) {
                    names.extend(tags.iter().cloned());
                }
            }
            for n in annotated {
                if !names.contains(&n) {
                    names.push(n);
                }
            }
            let ids = g
                .entries
                .iter()
                .map(|e| e.digest.clone())
                .chain(configs)
                .collect();
            Candidate {
                names,
                ids,
                item: g,
            }
        })
        .collect()
}

/// Config digests reachable from `descs` through present blobs; used only
/// to attach `manifest.json` names, so unreadable blobs are skipped here
/// (they are reported if the image is chosen).
fn reachable_configs(store: &dyn Store, descs: &[Descriptor], depth: usize) -> Vec<String> {
    let mut out = Vec::new();
    if depth > MAX_NESTING {
        return out;
    }
    for d in descs {
        let Ok(path) = blob_path(&d.digest, INDEX) else {
            continue;
        };
        let Ok(Some(bytes)) = store.read_meta(&path, INDEX) else {
            continue;
        };
        if let Ok(idx) = serde_json::from_slice::<IndexJson>(&bytes) {
            out.extend(reachable_configs(store, &idx.manifests, depth + 1));
        } else if let Ok(m) = serde_json::from_slice::<ManifestJson>(&bytes) {
            out.push(m.config.digest);
        }
    }
    out
}

/// Walk (nested) indexes down to the manifests they list.
fn collect_leaves(
    store: &dyn Store,
    descs: &[Descriptor],
    parent: &str,
    depth: usize,
    verify: bool,
    out: &mut Vec<Leaf>,
) -> Result<()> {
    if depth > MAX_NESTING {
        return Err(Error::metadata(
            parent,
            format!("indexes nested more than {MAX_NESTING} deep"),
        ));
    }
    let before = out.len();
    let mut others = Vec::new();
    for d in descs.iter().filter(|d| !d.is_attestation()) {
        let path = blob_path(&d.digest, parent)?;
        let present = store.contains(&path);
        let mut kind = kind_of(d.media_type.as_deref());
        let mut bytes = None;
        if present && matches!(kind, Kind::Index | Kind::Unknown) {
            let what = format!("index {}", short_digest(&d.digest));
            let b = load_blob(store, d, &what, verify)?;
            if kind == Kind::Unknown {
                let probe: Probe = parse_json(&b, &what)?;
                kind = if probe.manifests.is_some() {
                    Kind::Index
                } else {
                    Kind::Manifest
                };
            }
            bytes = Some(b);
        }
        match (kind, bytes) {
            (Kind::Index, Some(b)) => {
                let what = format!("index {}", short_digest(&d.digest));
                let idx: IndexJson = parse_json(&b, &what)?;
                collect_leaves(store, &idx.manifests, &what, depth + 1, verify, out)?;
            }
            (Kind::Other, _) => others.push(d.media_type.clone().unwrap_or_default()),
            // A manifest, or an index whose blob is absent (another
            // platform's, not copied): a leaf that may be chosen (and then
            // reported missing) only if asked for.
            _ => out.push(Leaf {
                desc: d.clone(),
                present,
                platform: d.platform(),
            }),
        }
    }
    if depth == 0 && out.len() == before && !others.is_empty() {
        return Err(Error::metadata(
            parent,
            format!("lists no image manifests, only: {}", others.join(", ")),
        ));
    }
    Ok(())
}

/// `--platform`, else the only manifest, else the only one whose blobs are
/// here, else the host's; else the user must choose.
fn pick_platform(
    store: &dyn Store,
    mut leaves: Vec<Leaf>,
    wanted: Option<&Platform>,
) -> Result<Leaf> {
    let input = store.input();
    if leaves.is_empty() {
        return Err(Error::metadata(INDEX, "lists no image manifests"));
    }
    let present = leaves.iter().filter(|l| l.present).count();
    if wanted.is_some() || present > 1 {
        // Single-platform manifests often carry no platform on the
        // descriptor: the config says.
        for l in leaves
            .iter_mut()
            .filter(|l| l.present && l.platform.is_none())
        {
            l.platform = platform_from_config(store, &l.desc);
        }
    }
    let name = |l: &Leaf| {
        l.platform.as_ref().map_or_else(
            || format!("unknown platform ({})", short_digest(&l.desc.digest)),
            |p| p.to_string(),
        )
    };
    let listing = |ls: &[Leaf]| {
        let here: Vec<String> = ls.iter().filter(|l| l.present).map(name).collect();
        let absent: Vec<String> = ls.iter().filter(|l| !l.present).map(name).collect();
        let mut s = here.join(", ");
        if !absent.is_empty() {
            s.push_str(&format!(
                " (listed, but their blobs are not here: {})",
                absent.join(", ")
            ));
        }
        s
    };
    let missing = |l: &Leaf| Error::MissingBlob {
        what: match &l.platform {
            Some(p) => format!("manifest for {p}"),
            None => "manifest".to_string(),
        },
        digest: l.desc.digest.clone(),
    };

    if let Some(w) = wanted {
        let matching: Vec<usize> = (0..leaves.len())
            .filter(|&i| leaves[i].platform.as_ref().is_some_and(|p| p.satisfies(w)))
            .collect();
        let here: Vec<usize> = matching
            .iter()
            .copied()
            .filter(|&i| leaves[i].present)
            .collect();
        return match (here.as_slice(), matching.first()) {
            ([i], _) => Ok(leaves.swap_remove(*i)),
            // `docker save` (Docker 25+, containerd store) lists every
            // platform of the image but writes the blobs of one: say how to
            // get the one asked for.
            ([], Some(&i)) => Err(Error::Usage(format!(
                "{input}: {} is listed, but its manifest {} is not in the image; it holds: {}. \
                 Save that platform: `docker save --platform {w} IMAGE`",
                name(&leaves[i]),
                leaves[i].desc.digest,
                listing(&leaves)
            ))),
            ([], None) if leaves.len() == 1 && leaves[0].platform.is_none() => {
                // Nothing says which platform it is: take it; the config
                // check in `plan::resolve` has the last word.
                Ok(leaves.swap_remove(0))
            }
            ([], None) => Err(Error::Usage(format!(
                "{input}: no manifest for platform {w}; available: {}",
                listing(&leaves)
            ))),
            (_, _) => Err(Error::Usage(format!(
                "{input}: several manifests match {w}: {}",
                here.iter()
                    .map(|&i| name(&leaves[i]))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        };
    }
    if leaves.len() == 1 {
        let l = leaves.swap_remove(0);
        return if l.present { Ok(l) } else { Err(missing(&l)) };
    }
    match present {
        0 => return Err(missing(&leaves[0])),
        1 => {
            if let Some(i) = leaves.iter().position(|l| l.present) {
                return Ok(leaves.swap_remove(i));
            }
        }
        _ => {}
    }
    let host = Platform::host();
    let host_hits: Vec<usize> = (0..leaves.len())
        .filter(|&i| {
            leaves[i].present
                && leaves[i]
                    .platform
                    .as_ref()
                    .is_some_and(|p| p.satisfies(&host))
        })
        .collect();
    if let [i] = host_hits.as_slice() {
        return Ok(leaves.swap_remove(*i));
    }
    Err(Error::Usage(format!(
        "{input} holds an image for several platforms; pick one with --platform: {}",
        listing(&leaves)
    )))
}

/// Best effort: the platform a manifest's config records.
fn platform_from_config(store: &dyn Store, desc: &Descriptor) -> Option<Platform> {
    let bytes = store
        .read_meta(&blob_path(&desc.digest, INDEX).ok()?, INDEX)
        .ok()??;
    let m: ManifestJson = serde_json::from_slice(&bytes).ok()?;
    let cbytes = store
        .read_meta(&blob_path(&m.config.digest, INDEX).ok()?, INDEX)
        .ok()??;
    ImageConfig::parse(&cbytes, "config").ok()?.platform
}

/// Read a JSON blob by descriptor (missing → `MissingBlob`), checking its
/// digest when verifying.
fn load_blob(store: &dyn Store, d: &Descriptor, what: &str, verify: bool) -> Result<Vec<u8>> {
    let digest = parse_digest(&d.digest, what)?;
    let path = digest.blob_path();
    let bytes = store
        .read_meta(&path, what)?
        .ok_or_else(|| Error::MissingBlob {
            what: what.to_string(),
            digest: d.digest.clone(),
        })?;
    if verify {
        check_blob(what, &digest, &bytes)?;
    }
    Ok(bytes)
}

/// Manifest → config → planned layers.
fn build(
    store: &dyn Store,
    format: Format,
    leaf: &Leaf,
    reference: Option<String>,
    verify: bool,
) -> Result<Plan> {
    let what = format!("manifest {}", short_digest(&leaf.desc.digest));
    let bytes = load_blob(store, &leaf.desc, &what, verify)?;
    let m: ManifestJson = parse_json(&bytes, &what)?;
    if let Some(mt) = m.media_type.as_deref() {
        if !MANIFEST_TYPES.contains(&mt) {
            return Err(Error::metadata(
                &what,
                format!("media type {mt} is not an image manifest"),
            ));
        }
    }
    if let Some(mt) = m.config.media_type.as_deref() {
        if !CONFIG_TYPES.contains(&mt) {
            return Err(Error::metadata(
                &what,
                format!(
                    "config media type {mt} is not an image config (an artifact, not an image?)"
                ),
            ));
        }
    }
    let config_what = format!("config {}", short_digest(&m.config.digest));
    let config_bytes = load_blob(store, &m.config, &config_what, verify)?;
    let config = ImageConfig::parse(&config_bytes, &config_what)?;
    let layers = m
        .layers
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let digest = parse_digest(&d.digest, &what)?;
            let index = LayerIndex::from_index(i);
            Ok(PlannedLayer {
                index,
                path: digest.blob_path(),
                digest: Some(digest),
                media_type: d.media_type.clone(),
                label: format!("layer {index} ({})", short_digest(&d.digest)),
                blob_addressed: true,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let platform = config
        .platform
        .clone()
        .or_else(|| leaf.platform.clone())
        .map(|p| p.to_string());
    Ok(Plan {
        info: ImageInfo {
            reference,
            format,
            gzipped: false,
            platform,
            config_digest: Some(Digest::sha256_of(&config_bytes)),
            source: super::Origin::File,
        },
        config_file: config_what,
        config,
        layers,
    })
}
