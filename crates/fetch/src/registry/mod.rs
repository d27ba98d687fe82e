//! Pulling an image from a registry (OCI distribution-spec; Docker Registry
//! HTTP API v2), read as the core reads an OCI layout: `store` serves the
//! registry as one, so the planner, `--platform`, the parallel layer passes
//! and the digest checks are the core's. See docs/formats.md, "Registries".

mod client;
mod creds;
mod store;
mod tls;

use std::fmt;
use std::path::PathBuf;

use crate::reference::ImageRef as Reference;
use layerscope_core::source::{self, Format, Image, OpenOptions, Origin, VerifyLayers};
use layerscope_core::{Error, Result};

use client::Client;
use store::RegistryStore;

/// How to reach registries (`--tls-verify`, `--creds`, `--cert-dir`).
#[derive(Debug, Clone)]
pub struct RegistryOptions {
    /// Verify the registry's certificate (the default). Off: HTTPS without
    /// verification, or plain HTTP where the registry does not speak TLS.
    pub tls_verify: bool,
    /// `USER[:PASS]`, overriding any stored credentials.
    pub creds: Option<String>,
    /// A certs.d-style directory (`*.crt` CAs, `X.cert` + `X.key`) instead
    /// of `/etc/docker/certs.d/HOST:PORT/`.
    pub cert_dir: Option<PathBuf>,
}

impl Default for RegistryOptions {
    fn default() -> Self {
        RegistryOptions {
            tls_verify: true,
            creds: None,
            cert_dir: None,
        }
    }
}

/// How a request proves who it is.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Credentials {
    Basic {
        user: String,
        pass: String,
    },
    /// A stored `identitytoken`: exchanged for a Bearer token.
    IdentityToken(String),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print a secret, even in a debug dump.
        match self {
            Credentials::Basic { user, .. } => write!(f, "Basic({user}, …)"),
            Credentials::IdentityToken(_) => f.write_str("IdentityToken(…)"),
        }
    }
}

/// A cause, without the image's name (the caller puts it in front).
#[derive(Debug)]
pub(crate) struct RegistryError(String);

impl RegistryError {
    pub fn new(cause: impl Into<String>) -> RegistryError {
        RegistryError(cause.into())
    }
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<RegistryError> for Error {
    fn from(e: RegistryError) -> Error {
        Error::Usage(e.0)
    }
}

/// Docker Hub is named `docker.io`, served at `registry-1.docker.io`
/// (distribution/reference `normalize.go`; docker docs "pulls").
fn api_host(registry: &str) -> &str {
    match registry {
        "docker.io" | "index.docker.io" => "registry-1.docker.io",
        r => r,
    }
}

/// Pull `reference`'s manifest and config, stream its layers through the
/// core's passes. Errors read `<label>: <cause>`.
pub fn open(
    reference: &Reference,
    label: &str,
    opts: &OpenOptions,
    reg: &RegistryOptions,
) -> Result<Image> {
    open_inner(reference, label, opts, reg).map_err(|e| name_it(label, e))
}

fn open_inner(
    reference: &Reference,
    label: &str,
    opts: &OpenOptions,
    reg: &RegistryOptions,
) -> Result<Image> {
    let host = api_host(reference.registry());
    let creds = match &reg.creds {
        Some(c) => Some(creds::parse_flag(c)),
        None => creds::lookup(reference.registry())?,
    };
    let base = base_url(host, reg)?;
    let tls = tls::config(host, reg.cert_dir.as_deref(), reg.tls_verify)?;
    let client = Client::new(
        client::agent(tls),
        base,
        reference.repository().to_string(),
        creds,
    );
    let wanted = reference
        .digest()
        .or(reference.tag())
        .unwrap_or("latest")
        .to_string();
    // Registry blobs are always verified as they stream (the network, not
    // sha256, bounds a pull), unless `--no-verify`: the core hashes them
    // (`--verify` by default), and the layer cache serves the layers it
    // verified.
    let mut opts = opts.clone();
    if opts.verify {
        opts.verify_layers = opts.verify_layers.max(VerifyLayers::Blob);
    }
    let store = RegistryStore::connect(client, label, &wanted, &reference.whole(), false)?;
    let mut image = source::open_store(&store, &opts)?;
    // The store serves the registry as an OCI layout; say what it really is.
    image.info.format = Format::Registry;
    image.info.source = Origin::Registry;
    Ok(image)
}

/// `https://HOST`, or with `--tls-verify=false` whichever of HTTPS
/// (unverified) and plain HTTP the registry answers on.
fn base_url(host: &str, reg: &RegistryOptions) -> Result<String, RegistryError> {
    let https = format!("https://{host}");
    if reg.tls_verify {
        return Ok(https);
    }
    let probe = client::agent(tls::config(host, None, false)?);
    match probe.get(format!("{https}/v2/")).call() {
        Ok(_) => Ok(https),
        Err(_) => Ok(format!("http://{host}")),
    }
}

/// `<image>: <cause>`, once.
fn name_it(label: &str, e: Error) -> Error {
    let text = e.to_string();
    if text.starts_with(label) {
        e
    } else {
        Error::Usage(format!("{label}: {text}"))
    }
}
