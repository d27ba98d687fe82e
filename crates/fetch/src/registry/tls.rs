//! Whom to trust: the system's roots plus a registry's own CAs and client
//! certificate, found as Docker and Podman find them (docs.docker.com
//! "engine/security/certificates", containers-certs.d(5)):
//! `--cert-dir DIR`, else `/etc/docker/certs.d/HOST[:PORT]/` and
//! `/etc/containers/certs.d/HOST[:PORT]/`. `*.crt` are CAs; `X.cert` with
//! `X.key` is the client certificate.

use std::path::{Path, PathBuf};

use ureq::tls::{Certificate, ClientCert, PemItem, PrivateKey, RootCerts, TlsConfig};

use super::RegistryError;

/// A certs.d directory holds a few small files; bound what we read.
const CERT_FILE_CAP: u64 = 1 << 20;

/// The TLS settings for `host` (`host[:port]`, as the reference names it).
pub(crate) fn config(
    host: &str,
    cert_dir: Option<&Path>,
    verify: bool,
) -> Result<TlsConfig, RegistryError> {
    let builder = TlsConfig::builder();
    if !verify {
        return Ok(builder.disable_verification(true).build());
    }
    let dirs: Vec<PathBuf> = match cert_dir {
        Some(d) => vec![d.to_path_buf()],
        None => ["/etc/docker/certs.d", "/etc/containers/certs.d"]
            .iter()
            .map(|base| Path::new(base).join(host))
            .filter(|d| d.is_dir())
            .collect(),
    };
    let mut cas = Vec::new();
    let mut client = None;
    for dir in &dirs {
        let (c, cert) = read_dir(dir)?;
        cas.extend(c);
        client = client.or(cert);
    }
    // Docker adds a certs.d CA to the system pool; so do we.
    let mut roots: Vec<Certificate<'static>> = rustls_native_certs::load_native_certs()
        .certs
        .iter()
        .map(|c| Certificate::from_der(c.as_ref()).to_owned())
        .collect();
    let builder = if roots.is_empty() && cas.is_empty() {
        builder.root_certs(RootCerts::WebPki)
    } else {
        roots.extend(cas);
        builder.root_certs(RootCerts::new_with_certs(&roots))
    };
    Ok(builder.client_cert(client).build())
}

/// The CAs and the client certificate of one certs.d directory.
fn read_dir(dir: &Path) -> Result<(Vec<Certificate<'static>>, Option<ClientCert>), RegistryError> {
    let bad = |what: &str| RegistryError::new(format!("--cert-dir {}: {what}", dir.display()));
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| bad(&e.to_string()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    names.sort();
    let mut cas = Vec::new();
    let mut client = None;
    for p in &names {
        match p.extension().and_then(|e| e.to_str()) {
            Some("crt") => {
                for item in pem_items(p)? {
                    if let PemItem::Certificate(c) = item {
                        cas.push(c);
                    }
                }
            }
            Some("cert") => {
                let key_path = p.with_extension("key");
                if !key_path.is_file() {
                    return Err(bad(&format!(
                        "{} has no matching {}",
                        file_name(p),
                        file_name(&key_path)
                    )));
                }
                let chain: Vec<Certificate<'static>> = pem_items(p)?
                    .into_iter()
                    .filter_map(|i| match i {
                        PemItem::Certificate(c) => Some(c),
                        _ => None,
                    })
                    .collect();
                let key: Option<PrivateKey<'static>> =
                    pem_items(&key_path)?.into_iter().find_map(|i| match i {
                        PemItem::PrivateKey(k) => Some(k),
                        _ => None,
                    });
                let key =
                    key.ok_or_else(|| bad(&format!("no private key in {}", file_name(&key_path))))?;
                client = Some(ClientCert::new_with_certs(&chain, key));
            }
            Some("key") if !p.with_extension("cert").is_file() => {
                return Err(bad(&format!(
                    "{} has no matching {} (a client key needs its certificate)",
                    file_name(p),
                    file_name(&p.with_extension("cert"))
                )));
            }
            _ => {}
        }
    }
    Ok((cas, client))
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn pem_items(p: &Path) -> Result<Vec<PemItem<'static>>, RegistryError> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(p)
        .and_then(|f| f.take(CERT_FILE_CAP).read_to_end(&mut bytes))
        .map_err(|e| RegistryError::new(format!("{}: {e}", p.display())))?;
    ureq::tls::parse_pem(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| RegistryError::new(format!("{}: not PEM: {e}", p.display())))
}
