//! Builders for the source tests: every archive is made here, in code, with
//! `tar`, `flate2`, `zstd` and `serde_json`, and every expected figure is
//! computed from the bytes we produced (sha2 over our own buffers), an
//! independent route from the streaming code under test.

use std::io::{Cursor, Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use layerscope_core::source::{self, Image, Input, OpenOptions, ProgressSink, VerifyLayers};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const OCI_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
pub const OCI_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub const OCI_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";
pub const DOCKER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";

pub fn hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

pub fn sha256(b: &[u8]) -> String {
    format!("sha256:{}", hex(b))
}

pub fn short(digest: &str) -> String {
    format!("{}…", &digest[..19])
}

pub fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

pub fn zstd(b: &[u8]) -> Vec<u8> {
    zstd::encode_all(b, 3).unwrap()
}

// ---------------------------------------------------------------- layers

/// One entry of a layer tar.
#[derive(Clone)]
pub enum E {
    Dir(&'static str),
    File(&'static str, Vec<u8>),
    Symlink(&'static str, &'static str),
    /// `D/.wh.NAME` (an empty regular file).
    Whiteout(&'static str),
}

fn header(kind: tar::EntryType, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(if kind == tar::EntryType::Directory {
        0o755
    } else {
        0o644
    });
    h.set_mtime(0);
    h
}

pub fn layer_tar(entries: &[E]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        match e {
            E::Dir(p) => {
                let mut h = header(tar::EntryType::Directory, 0);
                b.append_data(&mut h, p, std::io::empty()).unwrap();
            }
            E::File(p, data) => {
                let mut h = header(tar::EntryType::Regular, data.len() as u64);
                b.append_data(&mut h, p, &data[..]).unwrap();
            }
            E::Symlink(p, t) => {
                let mut h = header(tar::EntryType::Symlink, 0);
                b.append_link(&mut h, p, t).unwrap();
            }
            E::Whiteout(p) => {
                let mut h = header(tar::EntryType::Regular, 0);
                b.append_data(&mut h, p, std::io::empty()).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Comp {
    None,
    Gzip,
    Zstd,
}

/// A layer as we built it: its tar, its stored blob, and what we know.
#[derive(Clone)]
pub struct TLayer {
    pub tar: Vec<u8>,
    pub stored: Vec<u8>,
    pub comp: Comp,
    pub entries: usize,
    pub content: u64,
}

impl TLayer {
    pub fn new(entries: &[E], comp: Comp) -> TLayer {
        let tar = layer_tar(entries);
        TLayer::from_tar(tar, entries, comp)
    }

    fn from_tar(tar: Vec<u8>, entries: &[E], comp: Comp) -> TLayer {
        let stored = match comp {
            Comp::None => tar.clone(),
            Comp::Gzip => gzip(&tar),
            Comp::Zstd => zstd(&tar),
        };
        let content = entries
            .iter()
            .map(|e| match e {
                E::File(_, d) => d.len() as u64,
                _ => 0,
            })
            .sum();
        TLayer {
            tar,
            stored,
            comp,
            entries: entries.len(),
            content,
        }
    }

    pub fn diff_id(&self) -> String {
        sha256(&self.tar)
    }

    pub fn digest(&self) -> String {
        sha256(&self.stored)
    }

    pub fn oci_media_type(&self) -> &'static str {
        match self.comp {
            Comp::None => OCI_TAR,
            Comp::Gzip => OCI_GZIP,
            Comp::Zstd => OCI_ZSTD,
        }
    }

    pub fn docker_media_type(&self) -> &'static str {
        match self.comp {
            Comp::None => "application/vnd.docker.image.rootfs.diff.tar",
            Comp::Gzip => DOCKER_GZIP,
            Comp::Zstd => "application/vnd.docker.image.rootfs.diff.tar.zstd",
        }
    }

    pub fn with_comp(&self, comp: Comp) -> TLayer {
        let stored = match comp {
            Comp::None => self.tar.clone(),
            Comp::Gzip => gzip(&self.tar),
            Comp::Zstd => zstd(&self.tar),
        };
        TLayer {
            stored,
            comp,
            ..self.clone()
        }
    }
}

/// An image as we built it.
#[derive(Clone)]
pub struct TImage {
    pub layers: Vec<TLayer>,
    pub config: Vec<u8>,
    pub os: &'static str,
    pub arch: &'static str,
    pub variant: Option<&'static str>,
    /// created_by of each layer, as the config's history maps it.
    pub created_by: Vec<Option<String>>,
}

impl TImage {
    pub fn config_digest(&self) -> String {
        sha256(&self.config)
    }

    pub fn platform(&self) -> String {
        match self.variant {
            Some(v) => format!("{}/{}/{v}", self.os, self.arch),
            None => format!("{}/{}", self.os, self.arch),
        }
    }

    /// The config, rebuilt with other layers (same history and platform).
    pub fn with_layers(&self, layers: Vec<TLayer>) -> TImage {
        let mut v: Value = serde_json::from_slice(&self.config).unwrap();
        v["rootfs"]["diff_ids"] = json!(layers.iter().map(|l| l.diff_id()).collect::<Vec<_>>());
        TImage {
            layers,
            config: serde_json::to_vec(&v).unwrap(),
            ..self.clone()
        }
    }

    /// Replace the config JSON wholesale.
    pub fn with_config(&self, config: Value) -> TImage {
        TImage {
            config: serde_json::to_vec(&config).unwrap(),
            ..self.clone()
        }
    }

    pub fn config_value(&self) -> Value {
        serde_json::from_slice(&self.config).unwrap()
    }
}

pub fn config_json(
    os: &str,
    arch: &str,
    variant: Option<&str>,
    layers: &[TLayer],
    history: Value,
) -> Vec<u8> {
    let mut c = json!({
        "architecture": arch,
        "os": os,
        "config": {"Env": ["PATH=/usr/bin"]},
        "rootfs": {"type": "layers", "diff_ids": layers.iter().map(|l| l.diff_id()).collect::<Vec<_>>()},
        "history": history,
    });
    if let Some(v) = variant {
        c["variant"] = json!(v);
    }
    serde_json::to_vec_pretty(&c).unwrap()
}

/// The synthetic image every format is built from: three layers (a base,
/// a layer that adds a cache, a layer that removes it), history with an
/// `empty_layer` entry in between.
pub fn sample_with(comps: [Comp; 3], seed: u8) -> TImage {
    let big: Vec<u8> = (0..5000u32).map(|i| (i as u8) ^ seed).collect();
    let layers = vec![
        TLayer::new(
            &[
                E::Dir("etc/"),
                E::File("etc/os-release", format!("ID=test{seed}\n").into_bytes()),
                E::File("bin/sh", vec![seed; 1000]),
            ],
            comps[0],
        ),
        TLayer::new(
            &[
                E::Dir("app/"),
                E::File("app/big.bin", big),
                E::File("root/.cache/pip/x.whl", vec![7; 300]),
            ],
            comps[1],
        ),
        TLayer::new(
            &[
                E::Whiteout("root/.cache/pip/.wh.x.whl"),
                E::Symlink("app/link", "big.bin"),
            ],
            comps[2],
        ),
    ];
    let history = json!([
        {"created_by": "ADD rootfs.tar /"},
        {"created_by": "ENV A=1", "empty_layer": true},
        {"created_by": "COPY big.bin /app/"},
        {"created_by": "RUN rm -rf /root/.cache"},
        {"created_by": "CMD [\"sh\"]", "empty_layer": true},
    ]);
    let config = config_json("linux", "amd64", None, &layers, history);
    TImage {
        layers,
        config,
        os: "linux",
        arch: "amd64",
        variant: None,
        created_by: vec![
            Some("ADD rootfs.tar /".into()),
            Some("COPY big.bin /app/".into()),
            Some("RUN rm -rf /root/.cache".into()),
        ],
    }
}

pub fn sample() -> TImage {
    sample_with([Comp::None; 3], 1)
}

/// The sample for another platform (different bytes, so different digests).
pub fn sample_for(
    os: &'static str,
    arch: &'static str,
    variant: Option<&'static str>,
    seed: u8,
) -> TImage {
    let img = sample_with([Comp::Gzip; 3], seed);
    let mut c = img.config_value();
    c["os"] = json!(os);
    c["architecture"] = json!(arch);
    if let Some(v) = variant {
        c["variant"] = json!(v);
    }
    TImage {
        os,
        arch,
        variant,
        ..img.with_config(c)
    }
}

// ---------------------------------------------------------------- archives

#[derive(Clone)]
pub enum Node {
    File(Vec<u8>),
    Symlink(String),
    Hardlink(String),
    Dir,
}

/// The members of an outer archive (or the files of a layout directory), in
/// order.
#[derive(Clone, Default)]
pub struct Archive {
    pub members: Vec<(String, Node)>,
}

impl Archive {
    pub fn file(&mut self, name: &str, data: impl Into<Vec<u8>>) -> &mut Self {
        self.members
            .push((name.to_string(), Node::File(data.into())));
        self
    }
    pub fn symlink(&mut self, name: &str, target: &str) -> &mut Self {
        self.members
            .push((name.to_string(), Node::Symlink(target.to_string())));
        self
    }
    pub fn hardlink(&mut self, name: &str, target: &str) -> &mut Self {
        self.members
            .push((name.to_string(), Node::Hardlink(target.to_string())));
        self
    }
    pub fn dir(&mut self, name: &str) -> &mut Self {
        self.members.push((name.to_string(), Node::Dir));
        self
    }
    /// Drop members whose name satisfies `f`.
    pub fn without(&mut self, f: impl Fn(&str) -> bool) -> &mut Self {
        self.members.retain(|(n, _)| !f(n));
        self
    }
    /// Replace the content of member `name`.
    pub fn replace(&mut self, name: &str, data: impl Into<Vec<u8>>) -> &mut Self {
        let data = data.into();
        let m = self
            .members
            .iter_mut()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no member {name}"));
        m.1 = Node::File(data);
        self
    }
    pub fn get(&self, name: &str) -> &[u8] {
        match self.members.iter().find(|(n, _)| n == name) {
            Some((_, Node::File(d))) => d,
            _ => panic!("no file member {name}"),
        }
    }

    pub fn tar(&self) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, node) in &self.members {
            match node {
                Node::File(d) => {
                    let mut h = header(tar::EntryType::Regular, d.len() as u64);
                    b.append_data(&mut h, name, &d[..]).unwrap();
                }
                Node::Dir => {
                    let mut h = header(tar::EntryType::Directory, 0);
                    b.append_data(&mut h, name, std::io::empty()).unwrap();
                }
                Node::Symlink(t) => {
                    let mut h = header(tar::EntryType::Symlink, 0);
                    b.append_link(&mut h, name, t).unwrap();
                }
                Node::Hardlink(t) => {
                    let mut h = header(tar::EntryType::Link, 0);
                    b.append_link(&mut h, name, t).unwrap();
                }
            }
        }
        b.into_inner().unwrap()
    }

    pub fn write_dir(&self, root: &Path) {
        for (name, node) in &self.members {
            let p = root.join(name);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).unwrap();
            }
            match node {
                Node::File(d) => std::fs::write(&p, d).unwrap(),
                Node::Dir => std::fs::create_dir_all(&p).unwrap(),
                Node::Symlink(t) => std::os::unix::fs::symlink(t, &p).unwrap(),
                Node::Hardlink(t) => std::fs::hard_link(root.join(t), &p).unwrap(),
            }
        }
    }
}

/// Legacy `docker save`: `<id>/layer.tar` per layer, `<config>.json`,
/// `repositories`, and `manifest.json` LAST. With `link_second`, layer 2's
/// `layer.tar` is a symlink `../<other>/layer.tar` to a member written
/// earlier (how Docker stores a layer shared with another image).
pub fn legacy(images: &[(&TImage, &[&str])], link_second: bool) -> Archive {
    let mut a = Archive::default();
    let mut manifest = Vec::new();
    let mut repos = serde_json::Map::new();
    for (n, (img, tags)) in images.iter().enumerate() {
        let mut paths = Vec::new();
        for (i, l) in img.layers.iter().enumerate() {
            let id = hex(format!("v1-{n}-{i}").as_bytes());
            a.dir(&format!("{id}/"));
            a.file(&format!("{id}/VERSION"), "1.0");
            a.file(&format!("{id}/json"), format!("{{\"id\":\"{id}\"}}"));
            if link_second && i == 1 {
                let other = hex(format!("shared-{n}").as_bytes());
                a.dir(&format!("{other}/"));
                a.file(&format!("{other}/layer.tar"), l.stored.clone());
                a.symlink(&format!("{id}/layer.tar"), &format!("../{other}/layer.tar"));
            } else {
                a.file(&format!("{id}/layer.tar"), l.stored.clone());
            }
            paths.push(format!("{id}/layer.tar"));
        }
        let config_name = format!("{}.json", hex(&img.config));
        a.file(&config_name, img.config.clone());
        let top = paths
            .last()
            .map(|p| p.split('/').next().unwrap().to_string())
            .unwrap_or_default();
        for t in tags.iter() {
            let (repo, tag) = t.rsplit_once(':').unwrap();
            repos
                .entry(repo.to_string())
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .unwrap()
                .insert(tag.to_string(), json!(top));
        }
        manifest.push(json!({"Config": config_name, "RepoTags": tags, "Layers": paths}));
    }
    a.file("repositories", serde_json::to_vec(&repos).unwrap());
    a.file("manifest.json", serde_json::to_vec(&manifest).unwrap());
    a
}

pub fn descriptor(media_type: &str, bytes: &[u8]) -> Value {
    json!({"mediaType": media_type, "digest": sha256(bytes), "size": bytes.len()})
}

pub fn blob_name(bytes: &[u8]) -> String {
    format!("blobs/sha256/{}", hex(bytes))
}

/// An image manifest for `img`; `docker` picks Docker media types.
pub fn manifest_for(img: &TImage, docker: bool) -> Vec<u8> {
    let layers: Vec<Value> = img
        .layers
        .iter()
        .map(|l| {
            let mt = if docker {
                l.docker_media_type()
            } else {
                l.oci_media_type()
            };
            descriptor(mt, &l.stored)
        })
        .collect();
    let (mt, cmt) = if docker {
        (DOCKER_MANIFEST, DOCKER_CONFIG)
    } else {
        (OCI_MANIFEST, OCI_CONFIG)
    };
    serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": mt,
        "config": descriptor(cmt, &img.config),
        "layers": layers,
    }))
    .unwrap()
}

/// Write an image's blobs (layers, config, manifest) into `a`.
pub fn add_blobs(a: &mut Archive, img: &TImage, manifest: &[u8]) {
    for l in &img.layers {
        if !a.members.iter().any(|(n, _)| *n == blob_name(&l.stored)) {
            a.file(&blob_name(&l.stored), l.stored.clone());
        }
    }
    a.file(&blob_name(&img.config), img.config.clone());
    a.file(&blob_name(manifest), manifest.to_vec());
}

pub fn platform_json(img: &TImage) -> Value {
    let mut p = json!({"os": img.os, "architecture": img.arch});
    if let Some(v) = img.variant {
        p["variant"] = json!(v);
    }
    p
}

fn finish_layout(a: &mut Archive, index: Value) {
    a.file("oci-layout", r#"{"imageLayoutVersion":"1.0.0"}"#);
    a.file("index.json", serde_json::to_vec(&index).unwrap());
}

/// A single-platform OCI layout (directory or oci-archive): blobs, then
/// `oci-layout` and `index.json` with a `ref.name` annotation per image.
pub fn oci_layout(images: &[(&TImage, Option<&str>)]) -> Archive {
    let mut a = Archive::default();
    let mut manifests = Vec::new();
    for (img, name) in images {
        let m = manifest_for(img, false);
        add_blobs(&mut a, img, &m);
        let mut d = descriptor(OCI_MANIFEST, &m);
        if let Some(n) = name {
            d["annotations"] = json!({"org.opencontainers.image.ref.name": n});
        }
        manifests.push(d);
    }
    finish_layout(
        &mut a,
        json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}),
    );
    a
}

/// A multi-platform OCI layout: `index.json` → nested index → one manifest
/// per platform (BuildKit's `type=oci` output).
pub fn oci_multi(images: &[&TImage], name: &str) -> Archive {
    let mut a = Archive::default();
    let mut manifests = Vec::new();
    for img in images {
        let m = manifest_for(img, false);
        add_blobs(&mut a, img, &m);
        let mut d = descriptor(OCI_MANIFEST, &m);
        d["platform"] = platform_json(img);
        manifests.push(d);
    }
    let nested = serde_json::to_vec(
        &json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}),
    )
    .unwrap();
    a.file(&blob_name(&nested), nested.clone());
    let mut top = descriptor(OCI_INDEX, &nested);
    top["annotations"] = json!({"io.containerd.image.name": format!("docker.io/library/{name}"), "org.opencontainers.image.ref.name": name.rsplit(':').next().unwrap()});
    finish_layout(
        &mut a,
        json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [top]}),
    );
    a
}

/// Docker 25+ `docker save` with the classic (graphdriver) store: blobs
/// first (layers uncompressed, OCI media types), then `index.json` with one
/// entry per tag, `manifest.json` pointing into `blobs/sha256/`,
/// `oci-layout`, `repositories`.
pub fn docker25(images: &[(&TImage, &[&str])]) -> Archive {
    let mut a = Archive::default();
    let mut index = Vec::new();
    let mut manifest = Vec::new();
    for (img, tags) in images {
        let m = manifest_for(img, false);
        add_blobs(&mut a, img, &m);
        for t in tags.iter() {
            let mut d = descriptor(OCI_MANIFEST, &m);
            d["annotations"] = json!({
                "io.containerd.image.name": format!("docker.io/library/{t}"),
                "org.opencontainers.image.ref.name": t.rsplit(':').next().unwrap(),
            });
            index.push(d);
        }
        manifest.push(json!({
            "Config": blob_name(&img.config),
            "RepoTags": tags,
            "Layers": img.layers.iter().map(|l| blob_name(&l.stored)).collect::<Vec<_>>(),
        }));
    }
    a.file(
        "index.json",
        serde_json::to_vec(
            &json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": index}),
        )
        .unwrap(),
    );
    a.file("manifest.json", serde_json::to_vec(&manifest).unwrap());
    a.file("oci-layout", r#"{"imageLayoutVersion":"1.0.0"}"#);
    a.file("repositories", "{}");
    a
}

/// Docker 25+ with the containerd image store: layers keep their stored
/// compression (Docker media types), `index.json` → the image's
/// multi-platform index, of which only `img`'s platform has blobs here; an
/// attestation manifest (`unknown/unknown`) rides along.
pub fn containerd(img: &TImage, tag: &str) -> Archive {
    let mut a = Archive::default();
    let m = manifest_for(img, true);
    add_blobs(&mut a, img, &m);
    let mut here = descriptor(DOCKER_MANIFEST, &m);
    here["platform"] = platform_json(img);
    // Another platform: listed, blobs absent.
    let other = b"{\"not\":\"here\"}";
    let mut absent = descriptor(DOCKER_MANIFEST, other);
    absent["platform"] = json!({"os": "linux", "architecture": "arm64", "variant": "v8"});
    // An attestation manifest, present (BuildKit provenance).
    let att_layer = br#"{"_type":"https://in-toto.io/Statement/v0.1"}"#;
    let att = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": descriptor(OCI_CONFIG, b"{}"),
        "layers": [descriptor("application/vnd.in-toto+json", att_layer)],
    }))
    .unwrap();
    a.file(&blob_name(att_layer), att_layer.to_vec());
    a.file(&blob_name(b"{}"), b"{}".to_vec());
    a.file(&blob_name(&att), att.clone());
    let mut att_d = descriptor(OCI_MANIFEST, &att);
    att_d["platform"] = json!({"os": "unknown", "architecture": "unknown"});
    att_d["annotations"] = json!({"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": sha256(&m)});
    let nested = serde_json::to_vec(
        &json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [absent, here, att_d]}),
    )
    .unwrap();
    a.file(&blob_name(&nested), nested.clone());
    let mut top = descriptor(OCI_INDEX, &nested);
    top["annotations"] = json!({
        "io.containerd.image.name": format!("docker.io/library/{tag}"),
        "org.opencontainers.image.ref.name": tag.rsplit(':').next().unwrap(),
    });
    a.file(
        "index.json",
        serde_json::to_vec(
            &json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [top]}),
        )
        .unwrap(),
    );
    a.file(
        "manifest.json",
        serde_json::to_vec(&json!([{
            "Config": blob_name(&img.config),
            "RepoTags": [tag],
            "Layers": img.layers.iter().map(|l| blob_name(&l.stored)).collect::<Vec<_>>(),
        }]))
        .unwrap(),
    );
    a.file("oci-layout", r#"{"imageLayoutVersion":"1.0.0"}"#);
    a
}

// ---------------------------------------------------------------- opening

/// Every check there is (`--verify=full`): what these tests of the
/// formats read, they also verify.
pub fn opts() -> OpenOptions {
    OpenOptions {
        verify: true,
        verify_layers: VerifyLayers::Full,
        ..OpenOptions::default()
    }
}

pub fn with_image(name: &str) -> OpenOptions {
    OpenOptions {
        image: Some(name.into()),
        ..opts()
    }
}

pub fn with_platform(p: &str) -> OpenOptions {
    OpenOptions {
        platform: Some(p.into()),
        ..opts()
    }
}

pub fn no_verify() -> OpenOptions {
    OpenOptions {
        verify: false,
        ..OpenOptions::default()
    }
}

/// A reader that hands out a few bytes at a time, like a slow pipe.
pub struct Trickle<R>(pub R);

impl<R: Read> Read for Trickle<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(7);
        self.0.read(&mut buf[..n])
    }
}

/// Open bytes as a file on disk (the seekable path, or the one-pass path
/// when gzipped).
pub fn open_bytes(bytes: &[u8], o: &OpenOptions) -> layerscope_core::Result<Image> {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("image.tar");
    std::fs::write(&p, bytes).unwrap();
    source::open(&Input::Path(p), o)
}

/// Open bytes as stdin would deliver them.
pub fn open_stream(bytes: &[u8], o: &OpenOptions) -> layerscope_core::Result<Image> {
    source::open_reader(Trickle(Cursor::new(bytes.to_vec())), "<stdin>", o)
}

pub fn open_dir(a: &Archive, o: &OpenOptions) -> layerscope_core::Result<Image> {
    let dir = tempfile::tempdir().unwrap();
    a.write_dir(dir.path());
    source::open(&Input::Path(dir.path().to_path_buf()), o)
}

/// The same archive through every route: file, one pass, gzipped file,
/// gzipped one pass. All must agree.
pub fn open_all_routes(a: &Archive, o: &OpenOptions) -> Vec<(String, Image)> {
    let t = a.tar();
    let gz = gzip(&t);
    vec![
        ("file".into(), open_bytes(&t, o).expect("file")),
        ("stream".into(), open_stream(&t, o).expect("stream")),
        ("gzip file".into(), open_bytes(&gz, o).expect("gzip file")),
        (
            "gzip stream".into(),
            open_stream(&gz, o).expect("gzip stream"),
        ),
    ]
}

/// Every figure of `got` checked against what we built.
pub fn assert_image(got: &Image, want: &TImage) {
    assert_eq!(got.layers.len(), want.layers.len(), "layer count");
    assert_eq!(
        got.info.config_digest.as_ref().map(|d| d.as_str()),
        Some(want.config_digest().as_str())
    );
    assert_eq!(got.info.platform.as_deref(), Some(want.platform().as_str()));
    for (i, (g, w)) in got.layers.iter().zip(&want.layers).enumerate() {
        assert_eq!(g.index.number(), i + 1);
        let cs = &g.changeset;
        assert_eq!(cs.diff_id, w.diff_id(), "diff_id of layer {}", i + 1);
        assert_eq!(cs.size_bytes, w.tar.len() as u64, "size of layer {}", i + 1);
        assert_eq!(
            cs.stored_bytes,
            w.stored.len() as u64,
            "stored size of layer {}",
            i + 1
        );
        assert_eq!(cs.entries.len(), w.entries, "entries of layer {}", i + 1);
        assert_eq!(cs.content_bytes(), w.content, "content of layer {}", i + 1);
        // Legacy archives name members, not digests: the digest is the
        // blob's sha256; elsewhere it is the descriptor's, which is the same
        // value when the layout is honest.
        assert_eq!(g.digest, w.digest(), "digest of layer {}", i + 1);
        assert_eq!(
            g.created_by,
            want.created_by.get(i).cloned().flatten(),
            "created_by of layer {}",
            i + 1
        );
    }
}

/// What must be identical whatever the format.
pub fn fingerprint(img: &Image) -> Vec<(String, u64, usize, u64)> {
    img.layers
        .iter()
        .map(|l| {
            (
                l.changeset.diff_id.clone(),
                l.changeset.size_bytes,
                l.changeset.entries.len(),
                l.changeset.content_bytes(),
            )
        })
        .collect()
}

/// Counts what the progress sink is told.
#[derive(Default)]
pub struct Counter {
    pub total: AtomicU64,
    pub advanced: AtomicU64,
    pub layers: AtomicUsize,
}

impl ProgressSink for Counter {
    fn total(&self, bytes: Option<u64>) {
        self.total.store(bytes.unwrap_or(0), Ordering::SeqCst);
    }
    fn advance(&self, bytes: u64) {
        self.advanced.fetch_add(bytes, Ordering::SeqCst);
    }
    fn layer_done(&self, _done: usize, _total: Option<usize>) {
        self.layers.fetch_add(1, Ordering::SeqCst);
    }
}

pub fn with_progress(c: &Arc<Counter>) -> OpenOptions {
    OpenOptions {
        progress: Some(c.clone() as Arc<dyn ProgressSink>),
        ..opts()
    }
}
