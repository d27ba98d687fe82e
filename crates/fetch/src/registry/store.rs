//! A registry seen as an OCI image layout, so that the core's planner
//! (indexes, `--platform`, manifests, config, verification) and its parallel
//! layer passes serve it unchanged:
//!
//! ```text
//! oci-layout          {"imageLayoutVersion":"1.0.0"}
//! index.json          one descriptor: the manifest the registry returned for
//!                     the reference (digest of the body, Content-Type, size)
//! blobs/sha256/<hex>  manifests and indexes by digest, the config blob
//!                     (held in memory, each under META_CAP); layers are
//!                     streamed, never buffered, and checked as they pass
//! ```

use std::collections::{HashMap, HashSet};
use std::io::{self, Read};
use std::sync::Mutex;

use layerscope_core::source::{Blob, BlobStore, Store, META_CAP};
use layerscope_core::{Error, Result};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use super::client::{header, status_error, Client};
use super::RegistryError;

/// What `Accept` says: every image manifest and index type we read.
pub(crate) const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
     application/vnd.oci.image.manifest.v1+json, \
     application/vnd.docker.distribution.manifest.list.v2+json, \
     application/vnd.docker.distribution.manifest.v2+json";

const ACCEPTED: [&str; 4] = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

/// All metadata held at once: a few manifests and a config are kilobytes;
/// a hostile index listing thousands of manifests stops being cached here.
const CACHE_CAP: usize = 4 * META_CAP as usize;

/// How often one blob read may resume after a dropped connection.
const MAX_RESUMES: u32 = 3;

pub(crate) struct RegistryStore {
    client: Client,
    label: String,
    index: Vec<u8>,
    /// Manifests, indexes and configs by digest.
    meta: Mutex<HashMap<String, Vec<u8>>>,
    /// Blob sizes from the manifests' descriptors, by digest.
    sizes: Mutex<HashMap<String, u64>>,
    /// Config digests (fetched from `/blobs/`, not `/manifests/`).
    configs: Mutex<HashSet<String>>,
    /// Hash layer blobs here too. `registry::open` passes false: registry
    /// blobs are verified by the core (it raises `--verify` to at least
    /// `blob` for a registry), which hashes the very same stored bytes
    /// against the very same descriptor digest; `--no-verify` turns every
    /// check off, this one included (interface.md, "Verification").
    hash_blobs: bool,
}

#[derive(Deserialize)]
struct ManifestProbe {
    #[serde(rename = "mediaType", default)]
    media_type: Option<String>,
    #[serde(default)]
    config: Option<DescriptorProbe>,
    #[serde(default)]
    layers: Vec<DescriptorProbe>,
}

#[derive(Deserialize)]
struct DescriptorProbe {
    digest: String,
    #[serde(default)]
    size: Option<u64>,
}

impl RegistryStore {
    /// Fetch the reference's manifest (one GET: registries count them) and
    /// build the synthetic layout around it.
    pub fn connect(
        client: Client,
        label: &str,
        reference: &str,
        name: &str,
        hash_blobs: bool,
    ) -> Result<RegistryStore> {
        let resp = client.get("manifests", reference, &[("Accept", ACCEPT.to_string())])?;
        if resp.status().as_u16() != 200 {
            return Err(status_error(
                resp,
                &format!("manifest {}", super::client::clip(reference)),
            )
            .into());
        }
        let content_type = header(&resp, "content-type").unwrap_or_default();
        let media_type = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        let claimed = header(&resp, "docker-content-digest");
        let body = read_capped(resp, "manifest")?;
        let digest = sha256(&body);
        if let Some(c) = claimed.as_deref().filter(|c| c.starts_with("sha256:")) {
            if c != digest {
                return Err(RegistryError::new(format!(
                    "manifest: Docker-Content-Digest says {}, the body hashes to {digest}",
                    super::client::clip(c)
                ))
                .into());
            }
        }
        if let Some(d) = reference.strip_prefix("sha256:") {
            if format!("sha256:{d}") != digest {
                return Err(RegistryError::new(format!(
                    "manifest: asked for sha256:{}, the body hashes to {digest}",
                    super::client::clip(d)
                ))
                .into());
            }
        }
        if !ACCEPTED.contains(&media_type.as_str()) {
            return Err(RegistryError::new(format!(
                "manifest: media type {:?} is not an image manifest or index (schema 1 and artifacts are not read)",
                super::client::clip(&media_type)
            ))
            .into());
        }
        let store = RegistryStore {
            client,
            label: label.to_string(),
            index: synthetic_index(&media_type, &digest, body.len(), name),
            meta: Mutex::new(HashMap::new()),
            sizes: Mutex::new(HashMap::new()),
            configs: Mutex::new(HashSet::new()),
            hash_blobs,
        };
        store.check_body_type(&body, &media_type)?;
        store.learn(&body);
        store.remember(&digest, body);
        Ok(store)
    }

    /// Content-Type is what the registry vouches for; a body that names
    /// another type is refused (distribution-spec "Pulling manifests").
    fn check_body_type(&self, body: &[u8], media_type: &str) -> Result<()> {
        if let Ok(p) = serde_json::from_slice::<ManifestProbe>(body) {
            if let Some(mt) = p.media_type.filter(|m| !m.is_empty()) {
                if mt != media_type {
                    return Err(RegistryError::new(format!(
                        "manifest: Content-Type is {media_type}, the body says {}",
                        super::client::clip(&mt)
                    ))
                    .into());
                }
            }
        }
        Ok(())
    }

    /// Note the config digest and the layer sizes a manifest names.
    fn learn(&self, body: &[u8]) {
        let Ok(m) = serde_json::from_slice::<ManifestProbe>(body) else {
            return;
        };
        if let (Some(c), Ok(mut configs)) = (&m.config, self.configs.lock()) {
            configs.insert(c.digest.clone());
        }
        if let Ok(mut sizes) = self.sizes.lock() {
            for d in m.config.iter().chain(&m.layers) {
                if let Some(s) = d.size {
                    sizes.insert(d.digest.clone(), s);
                }
            }
        }
    }

    fn remember(&self, digest: &str, body: Vec<u8>) {
        if let Ok(mut meta) = self.meta.lock() {
            let held: usize = meta.values().map(Vec::len).sum();
            if held + body.len() <= CACHE_CAP {
                meta.insert(digest.to_string(), body);
            }
        }
    }

    /// A manifest, index or config by digest: from memory, else fetched and
    /// checked against its digest.
    fn fetch_meta(&self, digest: &str) -> Result<Option<Vec<u8>>> {
        if let Some(b) = self.meta.lock().ok().and_then(|m| m.get(digest).cloned()) {
            return Ok(Some(b));
        }
        let is_config = self.configs.lock().is_ok_and(|c| c.contains(digest));
        let kind = if is_config { "blobs" } else { "manifests" };
        let mut resp = self
            .client
            .get(kind, digest, &[("Accept", ACCEPT.to_string())])?;
        if resp.status().as_u16() == 404 && !is_config {
            // Not a manifest: a config we were not told about.
            resp = self.client.get("blobs", digest, &[])?;
        }
        match resp.status().as_u16() {
            200 => {}
            404 => return Ok(None),
            _ => return Err(status_error(resp, &format!("blob {digest}")).into()),
        }
        let body = read_capped(resp, digest)?;
        let found = sha256(&body);
        if found != digest {
            return Err(Error::DigestMismatch {
                layer: format!("{}: blob {digest}", self.label),
                expected: digest.to_string(),
                found,
            });
        }
        self.learn(&body);
        self.remember(digest, body.clone());
        Ok(Some(body))
    }

    /// The first GET of a layer blob, or a resumed one from `offset`.
    fn blob_body(&self, digest: &str, offset: u64) -> Result<Box<dyn Read + Send>, RegistryError> {
        let headers = if offset > 0 {
            vec![("Range", format!("bytes={offset}-"))]
        } else {
            Vec::new()
        };
        let resp = self.client.get("blobs", digest, &headers)?;
        match resp.status().as_u16() {
            200 => {
                let mut r = resp.into_body().into_reader();
                if offset > 0 {
                    // The server ignored Range: skip what we have.
                    let skipped = io::copy(&mut (&mut r).take(offset), &mut io::sink())
                        .map_err(|e| RegistryError::new(format!("blob {digest}: {e}")))?;
                    if skipped < offset {
                        return Err(RegistryError::new(format!(
                            "blob {digest}: shorter on a second read"
                        )));
                    }
                }
                Ok(Box::new(r))
            }
            206 if offset > 0 => {
                let range = header(&resp, "content-range").unwrap_or_default();
                if !range.starts_with(&format!("bytes {offset}-")) {
                    return Err(RegistryError::new(format!(
                        "blob {digest}: asked for bytes {offset}-, got Content-Range {:?}",
                        super::client::clip(&range)
                    )));
                }
                Ok(Box::new(resp.into_body().into_reader()))
            }
            _ => Err(status_error(resp, &format!("blob {digest}"))),
        }
    }
}

fn synthetic_index(media_type: &str, digest: &str, size: usize, name: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": media_type,
            "digest": digest,
            "size": size,
            "annotations": {"org.opencontainers.image.ref.name": name},
        }],
    }))
    .unwrap_or_default()
}

fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// A metadata body, at most META_CAP bytes.
fn read_capped(resp: ureq::http::Response<ureq::Body>, what: &str) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    resp.into_body()
        .into_reader()
        .take(META_CAP + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Error::io(what, e))?;
    if buf.len() as u64 > META_CAP {
        return Err(RegistryError::new(format!(
            "{what}: larger than {} MiB, too large for a manifest or config",
            META_CAP >> 20
        ))
        .into());
    }
    Ok(buf)
}

/// `blobs/sha256/<64 hex>` → `sha256:<hex>`.
fn digest_of(path: &str) -> Option<String> {
    let hex = path.strip_prefix("blobs/sha256/")?;
    (hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then(|| format!("sha256:{hex}"))
}

impl Store for RegistryStore {
    fn input(&self) -> &str {
        &self.label
    }

    fn contains(&self, path: &str) -> bool {
        // Every blob an index names is taken to be there; one that is not
        // is reported missing when read.
        matches!(path, "oci-layout" | "index.json") || digest_of(path).is_some()
    }

    fn read_meta(&self, path: &str, _file: &str) -> Result<Option<Vec<u8>>> {
        match path {
            "oci-layout" => Ok(Some(br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec())),
            "index.json" => Ok(Some(self.index.clone())),
            _ => match digest_of(path) {
                Some(d) => self.fetch_meta(&d),
                None => Ok(None),
            },
        }
    }
}

impl BlobStore for RegistryStore {
    fn locate(&self, path: &str, _what: &str) -> Result<Option<Blob>> {
        let Some(digest) = digest_of(path) else {
            return Ok(None);
        };
        let size = self.sizes.lock().ok().and_then(|s| s.get(&digest).copied());
        let size = size.ok_or_else(|| {
            RegistryError::new(format!("blob {digest}: no manifest gave its size"))
        })?;
        Ok(Some(Blob {
            key: digest,
            offset: 0,
            size,
        }))
    }

    fn open(&self, blob: &Blob) -> Result<Box<dyn Read + '_>> {
        let body = self.blob_body(&blob.key, 0)?;
        Ok(Box::new(BlobReader {
            store: self,
            digest: blob.key.clone(),
            size: blob.size,
            body: Some(body),
            read: 0,
            hasher: self.hash_blobs.then(Sha256::new),
            resumes: 0,
            done: false,
        }))
    }
}

/// A layer blob as it streams: never more than the descriptor's size, hashed
/// as it passes, resumed with `Range` after a dropped connection (unseen by
/// the decompressor), and failed at the end if the bytes are not the digest.
struct BlobReader<'a> {
    store: &'a RegistryStore,
    digest: String,
    size: u64,
    body: Option<Box<dyn Read + Send>>,
    read: u64,
    /// `None` when the core checks the digest (see `hash_blobs`).
    hasher: Option<Sha256>,
    resumes: u32,
    done: bool,
}

impl BlobReader<'_> {
    fn fail(&self, why: impl std::fmt::Display) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            // The image's name is put in front by `registry::open`.
            format!("blob {}: {why}", self.digest),
        )
    }

    /// At the end: all the bytes, and the right ones.
    fn finish(&mut self) -> io::Result<()> {
        self.done = true;
        if self.read != self.size {
            return Err(self.fail(format!(
                "the registry sent {} bytes, the manifest says {}",
                self.read, self.size
            )));
        }
        let Some(hasher) = self.hasher.take() else {
            return Ok(());
        };
        let found = format!("sha256:{}", hex::encode(hasher.finalize()));
        if self.digest.starts_with("sha256:") && found != self.digest {
            return Err(self.fail(format!(
                "digest mismatch: the registry sent bytes hashing to {found}"
            )));
        }
        Ok(())
    }

    fn resume(&mut self, why: &str) -> io::Result<()> {
        self.body = None;
        if self.resumes >= MAX_RESUMES {
            return Err(self.fail(format!(
                "{why}, after {} byte(s); gave up after {MAX_RESUMES} resumed reads",
                self.read
            )));
        }
        self.resumes += 1;
        let body = self
            .store
            .blob_body(&self.digest, self.read)
            .map_err(|e| self.fail(e))?;
        self.body = Some(body);
        Ok(())
    }
}

impl Read for BlobReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        loop {
            let Some(body) = self.body.as_mut() else {
                self.resume("the connection was lost")?;
                continue;
            };
            // One byte past the size is enough to see an overlong blob.
            let room = (self.size - self.read.min(self.size)).saturating_add(1);
            let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
            match body.read(&mut buf[..want]) {
                Ok(0) if self.read < self.size => self.resume("the connection closed early")?,
                Ok(0) => {
                    self.finish()?;
                    return Ok(0);
                }
                Ok(n) => {
                    self.read += n as u64;
                    if self.read > self.size {
                        self.done = true;
                        return Err(self.fail(format!(
                            "the registry sent more than the manifest's {} bytes",
                            self.size
                        )));
                    }
                    if let Some(h) = &mut self.hasher {
                        h.update(&buf[..n]);
                    }
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => self.resume(&e.to_string())?,
            }
        }
    }
}
