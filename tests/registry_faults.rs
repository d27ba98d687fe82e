//! A registry that misbehaves on purpose: a mock HTTP server (std
//! `TcpListener` on 127.0.0.1:0, one thread per connection, stopped on
//! drop) serving testdata's `basic/oci-gzip` with one fault each. Every
//! failure must be one line, exit 2; every recoverable fault must give the
//! file's figures.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use serde_json::Value;

use crate::image_registry::{figures, json_report, layerscope, stderr, testdata};

/// A request as the mock saw it (header names lower-cased).
#[derive(Debug, Clone)]
struct Req {
    path: String,
    headers: HashMap<String, String>,
}

impl Req {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// What the mock answers.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Send only this many body bytes, then drop the connection.
    cut_at: Option<usize>,
}

impl Reply {
    fn new(status: u16, body: Vec<u8>) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body,
            cut_at: None,
        }
    }

    fn header(mut self, k: &str, v: &str) -> Reply {
        self.headers.push((k.to_string(), v.to_string()));
        self
    }

    fn error(status: u16, code: &str) -> Reply {
        let body = format!(r#"{{"errors":[{{"code":"{code}","message":"mock says no"}}]}}"#);
        Reply::new(status, body.into_bytes()).header("Content-Type", "application/json")
    }
}

type Handler = dyn Fn(&Req) -> Reply + Send + Sync;

struct Mock {
    addr: String,
    seen: Arc<Mutex<Vec<Req>>>,
    stop: Arc<AtomicBool>,
}

impl Mock {
    fn start(ip: &str, handler: impl Fn(&Req) -> Reply + Send + Sync + 'static) -> Mock {
        let listener = TcpListener::bind((ip, 0)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let (seen2, stop2) = (seen.clone(), stop.clone());
        thread::spawn(move || {
            // Bounded: the test drops the mock, or a minute passes.
            for _ in 0..12_000 {
                if stop2.load(Ordering::Relaxed) {
                    break;
                }
                match listener.accept() {
                    Ok((s, _)) => {
                        let (h, seen) = (handler.clone(), seen2.clone());
                        thread::spawn(move || serve(s, &*h, &seen));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Mock { addr, seen, stop }
    }

    fn seen(&self) -> Vec<Req> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// One request per connection (`Connection: close`).
fn serve(stream: TcpStream, handler: &Handler, seen: &Mutex<Vec<Req>>) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let req = Req { path, headers };
    seen.lock().unwrap().push(req.clone());
    let reply = handler(&req);
    let mut out = stream;
    let mut head = format!(
        "HTTP/1.1 {} Mock\r\nContent-Length: {}\r\nConnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let body = &reply.body[..reply.cut_at.unwrap_or(reply.body.len())];
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(body);
    let _ = out.flush();
    let _ = out.shutdown(std::net::Shutdown::Both);
}

/// testdata/basic/oci-gzip as a registry serves it.
struct Image {
    manifest: Vec<u8>,
    manifest_digest: String,
    blobs: HashMap<String, Vec<u8>>,
    /// The layers' digests, bottom first.
    layers: Vec<String>,
}

impl Image {
    fn load() -> Image {
        let dir = testdata("basic/oci-gzip");
        let index: Value =
            serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
        let manifest_digest = index["manifests"][0]["digest"]
            .as_str()
            .unwrap()
            .to_string();
        let mut blobs = HashMap::new();
        for e in std::fs::read_dir(dir.join("blobs/sha256")).unwrap() {
            let e = e.unwrap();
            let name = format!("sha256:{}", e.file_name().to_string_lossy());
            blobs.insert(name, std::fs::read(e.path()).unwrap());
        }
        let manifest = blobs[&manifest_digest].clone();
        let m: Value = serde_json::from_slice(&manifest).unwrap();
        let layers = m["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["digest"].as_str().unwrap().to_string())
            .collect();
        Image {
            manifest,
            manifest_digest,
            blobs,
            layers,
        }
    }

    /// The well-behaved answer to `req`, Range included.
    fn answer(&self, req: &Req) -> Reply {
        let p = &req.path;
        if let Some(r) = p.strip_prefix("/v2/test/img/manifests/") {
            if r == "latest" || r == self.manifest_digest {
                return Reply::new(200, self.manifest.clone())
                    .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                    .header("Docker-Content-Digest", &self.manifest_digest);
            }
            return Reply::error(404, "MANIFEST_UNKNOWN");
        }
        let digest = p
            .strip_prefix("/v2/test/img/blobs/")
            .or_else(|| p.strip_prefix("/storage/"));
        let Some(blob) = digest.and_then(|d| self.blobs.get(d)) else {
            return Reply::error(404, "BLOB_UNKNOWN");
        };
        match req.header("range").and_then(|r| r.strip_prefix("bytes=")) {
            Some(r) => {
                let from: usize = r.trim_end_matches('-').parse().unwrap();
                Reply::new(206, blob[from..].to_vec()).header(
                    "Content-Range",
                    &format!("bytes {from}-{}/{}", blob.len() - 1, blob.len()),
                )
            }
            None => Reply::new(200, blob.clone()),
        }
    }
}

fn home() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn file_figures(h: &Path) -> Value {
    figures(
        &json_report(&[testdata("basic/oci-gzip").to_str().unwrap()], h),
        false,
    )
}

fn pull(mock: &Mock, h: &Path) -> std::process::Output {
    let name = format!("docker://{}/test/img", mock.addr);
    layerscope(
        &["report", "--format", "json", &name, "--tls-verify=false"],
        h,
    )
}

/// A failed pull: exit 2 and one line, returned without its newline.
fn one_line_error(o: &std::process::Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(2),
        "stdout: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    let err = stderr(o);
    assert_eq!(err.lines().count(), 1, "{err}");
    err.trim_end().to_string()
}

#[test]
fn wrong_blob_bytes_are_a_digest_mismatch_naming_the_layer() {
    let img = Arc::new(Image::load());
    let bad = img.layers[1].clone();
    let i = img.clone();
    let mock = Mock::start("127.0.0.1", move |req| {
        let mut r = i.answer(req);
        if req.path.ends_with(&bad) {
            // The gzip header's MTIME: still a valid gzip stream, so only
            // the digest can tell.
            r.body[4] ^= 0xff;
        }
        r
    });
    let h = home();
    let err = one_line_error(&pull(&mock, h.path()));
    let label = format!("{}/test/img:latest", mock.addr);
    assert!(
        err.starts_with(&format!("layerscope: {label}: layer 2 (")),
        "{err}"
    );
    assert!(err.contains(&img.layers[1]), "{err}");
    assert!(err.contains("digest mismatch"), "{err}");
    assert_eq!(
        err.matches(&mock.addr).count(),
        1,
        "the image named once: {err}"
    );

    // `--no-verify` turns every digest check off, the registry's included
    // (issue 13): the altered blob is a valid gzip of the same tar, so the
    // pull gives the figures of the honest image, nothing verified.
    let name = format!("docker://{}/test/img", mock.addr);
    let o = layerscope(
        &[
            "report",
            "--format",
            "json",
            &name,
            "--tls-verify=false",
            "--no-verify",
        ],
        h.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let pulled: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(figures(&pulled, false), file_figures(h.path()));
    let verified: Vec<&str> = pulled["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["verified"].as_str().unwrap())
        .collect();
    assert!(verified.iter().all(|&v| v == "none"), "{verified:?}");
}

#[test]
fn a_connection_dropped_mid_blob_is_resumed_with_range() {
    let img = Arc::new(Image::load());
    let cut = img.layers[0].clone();
    let i = img.clone();
    let mock = Mock::start("127.0.0.1", move |req| {
        let mut r = i.answer(req);
        if req.path.ends_with(&cut) && req.header("range").is_none() {
            r.cut_at = Some(r.body.len() / 2);
        }
        r
    });
    let h = home();
    let o = pull(&mock, h.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let pulled: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(figures(&pulled, false), file_figures(h.path()));
    let half = img.blobs[&img.layers[0]].len() / 2;
    let ranges: Vec<String> = mock
        .seen()
        .iter()
        .filter_map(|r| r.header("range").map(str::to_string))
        .collect();
    assert_eq!(ranges, vec![format!("bytes={half}-")]);
}

#[test]
fn refusals_are_one_line_with_the_registrys_reason() {
    let h = home();
    for (status, code, expect) in [
        (
            404,
            "MANIFEST_UNKNOWN",
            "manifest latest: not found (404 MANIFEST_UNKNOWN: mock says no)",
        ),
        (
            403,
            "DENIED",
            "manifest latest: access denied (403 DENIED: mock says no)",
        ),
    ] {
        let mock = Mock::start("127.0.0.1", move |_| Reply::error(status, code));
        let err = one_line_error(&pull(&mock, h.path()));
        assert_eq!(
            err,
            format!("layerscope: {}/test/img:latest: {expect}", mock.addr)
        );
    }
}

#[test]
fn too_many_requests_is_reported_with_retry_after_not_retried() {
    let mock = Mock::start("127.0.0.1", |_| {
        Reply::error(429, "TOOMANYREQUESTS").header("Retry-After", "120")
    });
    let h = home();
    let err = one_line_error(&pull(&mock, h.path()));
    assert!(
        err.ends_with("manifest latest: too many requests (429 TOOMANYREQUESTS: mock says no); Retry-After: 120"),
        "{err}"
    );
    let manifest_gets = mock
        .seen()
        .iter()
        .filter(|r| r.path.contains("/manifests/"))
        .count();
    assert_eq!(manifest_gets, 1);
}

/// Bearer tokens `t1`, `t2`, … from `/token`; `t1` expires after the
/// manifest and config: the first layer request with it gets a 401.
#[test]
fn a_token_expiring_mid_pull_is_renewed_once() {
    let img = Arc::new(Image::load());
    let issued = Arc::new(Mutex::new(0u32));
    let (i, n) = (img.clone(), issued.clone());
    let addr = Arc::new(Mutex::new(String::new()));
    let a = addr.clone();
    let mock = Mock::start("127.0.0.1", move |req| {
        if req.path.starts_with("/token") {
            let mut n = n.lock().unwrap();
            *n += 1;
            return Reply::new(200, format!(r#"{{"token":"t{n}"}}"#).into_bytes());
        }
        let challenge = format!(
            r#"Bearer realm="http://{}/token",service="mock",scope="repository:test/img:pull""#,
            a.lock().unwrap()
        );
        let auth = req.header("authorization").unwrap_or("");
        let is_layer = i.layers.iter().any(|l| req.path.ends_with(l.as_str()));
        if auth.is_empty() || (auth == "Bearer t1" && is_layer) {
            return Reply::error(401, "UNAUTHORIZED").header("WWW-Authenticate", &challenge);
        }
        i.answer(req)
    });
    *addr.lock().unwrap() = mock.addr.clone();
    let h = home();
    let o = pull(&mock, h.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let pulled: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(figures(&pulled, false), file_figures(h.path()));
    // One token at the start, then one renewal per layer thread that saw
    // the 401 (at most one per request), never a loop.
    let tokens = *issued.lock().unwrap();
    assert!(
        (2..=1 + img.layers.len() as u32).contains(&tokens),
        "{tokens} tokens"
    );
}

#[test]
fn a_redirect_to_another_host_drops_authorization() {
    let img = Arc::new(Image::load());
    // Blob storage on another loopback address (another host to the client).
    let i = img.clone();
    let storage = Mock::start("127.0.0.2", move |req| i.answer(req));
    let storage_addr = storage.addr.clone();
    let i = img.clone();
    let mock = Mock::start("127.0.0.1", move |req| {
        if req.header("authorization") != Some("Basic dTpw") {
            return Reply::error(401, "UNAUTHORIZED")
                .header("WWW-Authenticate", r#"Basic realm="mock""#);
        }
        match req.path.strip_prefix("/v2/test/img/blobs/") {
            Some(d) if i.layers.iter().any(|l| l == d) => Reply::new(307, Vec::new())
                .header("Location", &format!("http://{storage_addr}/storage/{d}")),
            _ => i.answer(req),
        }
    });
    let h = home();
    let name = format!("docker://{}/test/img", mock.addr);
    let o = layerscope(
        &[
            "report",
            "--format",
            "json",
            &name,
            "--tls-verify=false",
            "--creds",
            "u:p",
        ],
        h.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let pulled: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(figures(&pulled, false), file_figures(h.path()));
    let at_storage = storage.seen();
    assert_eq!(at_storage.len(), img.layers.len());
    for r in &at_storage {
        assert_eq!(r.header("authorization"), None, "{r:?}");
    }
}
