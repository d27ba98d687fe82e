//! Images pulled from a registry (issue 12): a real `docker-registry`
//! (Debian's distribution 2.8) started here on `127.0.0.1:0` from a config
//! in a temp dir, seeded by `skopeo copy` from testdata, stopped on drop.
//! The figures must be the file's: same totals, layers (diff_ids, sizes),
//! hidden files, cache and findings. The `image` object differs by design
//! (the reference is the registry's, the format is read as an OCI layout)
//! and is compared field by field.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_layerscope");

pub(crate) fn testdata(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(p)
}

pub(crate) fn installed(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The tools every registry test needs; CI installs them (.ci/run).
pub(crate) fn have_registry_tools() -> bool {
    let ok = installed("docker-registry", "--version") && installed("skopeo", "--version");
    if !ok {
        eprintln!("note: docker-registry or skopeo not installed; skipping (CI installs them)");
    }
    ok
}

/// A private registry, killed on drop.
pub(crate) struct Registry {
    pub dir: tempfile::TempDir,
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
}

impl Registry {
    /// `http` lines go under `http:` (TLS), `top` at the top level (auth).
    pub fn start(http: &[&str], top: &str) -> Registry {
        let dir = tempfile::Builder::new().prefix("ls-reg").tempdir().unwrap();
        let d = dir.path();
        let mut config = format!(
            "version: 0.1\nlog: {{level: info}}\nstorage:\n  filesystem: {{rootdirectory: {}}}\nhttp:\n  addr: 127.0.0.1:0\n",
            d.join("storage").display()
        );
        for l in http {
            config.push_str(&format!("  {l}\n"));
        }
        config.push_str(top);
        std::fs::write(d.join("config.yml"), config).unwrap();
        let log = std::fs::File::create(d.join("log")).unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(d.join("config.yml"))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start docker-registry");
        let mut me = Registry {
            dir,
            child,
            addr: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let log = std::fs::read_to_string(me.dir.path().join("log")).unwrap_or_default();
            if let Some(rest) = log.split("listening on 127.0.0.1:").nth(1) {
                let port: String = rest.chars().take_while(char::is_ascii_digit).collect();
                me.addr = format!("127.0.0.1:{port}");
                break;
            }
            if let Ok(Some(s)) = me.child.try_wait() {
                panic!("docker-registry exited ({s}):\n{log}");
            }
            assert!(
                Instant::now() < deadline,
                "docker-registry did not listen in 20 s:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        me
    }

    /// `skopeo copy SRC docker://ADDR/test/NAME:latest` with `flags`.
    pub fn seed(&self, src: &str, name: &str, flags: &[&str]) {
        let o = Command::new("skopeo")
            .args(["copy", "-q"])
            .args(flags)
            .arg(src)
            .arg(format!("docker://{}/test/{name}:latest", self.addr))
            .output()
            .unwrap();
        assert!(o.status.success(), "skopeo copy {src}: {}", stderr(&o));
    }
}

impl Registry {
    /// The paths of every GET the registry answered so far, in order, from
    /// its own access log (`"GET /v2/… HTTP/1.1" 200 …`).
    pub fn gets(&self) -> Vec<String> {
        let log = std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default();
        log.lines()
            .filter_map(|l| l.split("\"GET ").nth(1))
            .filter_map(|r| r.split(' ').next())
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The binary with no stored credentials and no daemon to ask (an empty
/// config dir, a socket that is not there), so results do not depend on
/// the machine.
pub(crate) fn layerscope(args: &[&str], home: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .env("HOME", home)
        .env("DOCKER_CONFIG", home.join("docker"))
        .env("XDG_RUNTIME_DIR", home.join("run"))
        .env(
            "DOCKER_HOST",
            format!("unix://{}", home.join("no.sock").display()),
        )
        .env_remove("REGISTRY_AUTH_FILE")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

pub(crate) fn json_report(args: &[&str], home: &Path) -> Value {
    let mut all = vec!["report", "--format", "json"];
    all.extend_from_slice(args);
    let o = layerscope(&all, home);
    assert!(o.status.success(), "layerscope {all:?}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// The report without `image`; for an image whose layers skopeo
/// recompressed (a docker-archive holds uncompressed tars), also without
/// what depends on the compression: stored bytes, blob digests, media types.
pub(crate) fn figures(report: &Value, recompressed: bool) -> Value {
    let mut v = report.clone();
    let obj = v.as_object_mut().unwrap();
    obj.remove("image");
    // What was verified depends on the route, not the image: a registry
    // always verifies (issue 13), a file only with --verify.
    for l in obj["layers"].as_array_mut().unwrap() {
        l.as_object_mut().unwrap().remove("verified");
    }
    if recompressed {
        obj["totals"]
            .as_object_mut()
            .unwrap()
            .remove("stored_bytes");
        for l in obj["layers"].as_array_mut().unwrap() {
            let l = l.as_object_mut().unwrap();
            for k in ["digest", "stored_bytes", "media_type", "compression"] {
                l.remove(k);
            }
        }
    }
    v
}

/// Same figures; in `image`, the same config and platform, and the
/// registry's reference.
fn assert_same_image(file: &Value, pulled: &Value, recompressed: bool, reference: &str) {
    assert_eq!(figures(pulled, recompressed), figures(file, recompressed));
    for k in ["config_digest", "platform", "gzipped"] {
        assert_eq!(pulled["image"][k], file["image"][k], "image.{k}");
    }
    assert_eq!(pulled["image"]["reference"], reference);
    assert_eq!(pulled["image"]["source"], "registry");
    assert_eq!(pulled["image"]["format"], "registry");
    assert_eq!(file["image"]["source"], "file");
}

#[test]
fn pulled_images_have_the_files_figures() {
    if !have_registry_tools() {
        return;
    }
    let reg = Registry::start(&[], "");
    let plain = ["--dest-tls-verify=false"];
    let oci = testdata("basic/oci-gzip");
    let archive = testdata("antipatterns/docker-archive.tar");
    reg.seed(&format!("oci:{}", oci.display()), "basic", &plain);
    reg.seed(
        &format!("docker-archive:{}", archive.display()),
        "anti",
        &plain,
    );
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let a = &reg.addr;

    // A bare name no daemon has: the registry (the README's form).
    let name = format!("{a}/test/basic");
    let pulled = json_report(&[&name, "--tls-verify=false"], h);
    let file = json_report(&[oci.to_str().unwrap()], h);
    assert_same_image(&file, &pulled, false, &format!("{a}/test/basic:latest"));
    // Registry blobs are verified by default; the same layout's file is not.
    let verified = |r: &Value| -> Vec<String> {
        r["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["verified"].as_str().unwrap().to_string())
            .collect()
    };
    let n = file["layers"].as_array().unwrap().len();
    assert_eq!(verified(&pulled), vec!["blob"; n]);
    assert_eq!(verified(&file), vec!["none"; n]);

    // Docker v2s2 manifest, gzip layers skopeo made from the archive's tars.
    let name = format!("docker://{a}/test/anti");
    let pulled = json_report(&[&name, "--tls-verify=false"], h);
    let file = json_report(&[archive.to_str().unwrap()], h);
    assert_same_image(&file, &pulled, true, &format!("{a}/test/anti:latest"));
    assert_eq!(
        pulled["layers"][0]["media_type"],
        "application/vnd.docker.image.rootfs.diff.tar.gzip"
    );

    // The other testdata images, each through the registry as from its
    // OCI layout (the same gzip blobs, so every figure must be equal).
    // basic-vfs exists as a docker-archive only: skopeo gzips its layers.
    for (img, src, recompressed) in [
        ("remedies", "oci-gzip", false),
        ("antipatterns", "oci-gzip", false),
        ("basic-vfs", "docker-archive.tar", true),
    ] {
        let path = testdata(&format!("{img}/{src}"));
        let transport = if recompressed {
            "docker-archive"
        } else {
            "oci"
        };
        reg.seed(&format!("{transport}:{}", path.display()), img, &plain);
        let name = format!("docker://{a}/test/{img}");
        let pulled = json_report(&[&name, "--tls-verify=false"], h);
        let file = json_report(&[path.to_str().unwrap()], h);
        let reference = format!("{a}/test/{img}:latest");
        assert_same_image(&file, &pulled, recompressed, &reference);
    }

    // By digest: the manifest's, as the registry names it.
    let digest = manifest_digest(&reg, "basic");
    let name = format!("docker://{a}/test/basic@{digest}");
    let by_digest = json_report(&[&name, "--tls-verify=false"], h);
    assert_eq!(figures(&by_digest, false), figures(&file_basic(h), false));

    // Plain HTTP only when asked for.
    let o = layerscope(&["report", &format!("docker://{a}/test/basic")], h);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.starts_with(&format!(
            "layerscope: {a}/test/basic:latest: cannot reach https://{a}"
        )),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    let o = layerscope(
        &[
            "report",
            &format!("docker://{a}/test/nothing"),
            "--tls-verify=false",
        ],
        h,
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!("layerscope: {a}/test/nothing:latest: manifest latest: not found (404 MANIFEST_UNKNOWN: manifest unknown)\n")
    );
}

fn file_basic(h: &Path) -> Value {
    json_report(&[testdata("basic/oci-gzip").to_str().unwrap()], h)
}

/// What the registry says the manifest's digest is.
fn manifest_digest(reg: &Registry, name: &str) -> String {
    let o = Command::new("skopeo")
        .args(["inspect", "--tls-verify=false", "--format", "{{.Digest}}"])
        .arg(format!("docker://{}/test/{name}:latest", reg.addr))
        .output()
        .unwrap();
    assert!(o.status.success(), "skopeo inspect: {}", stderr(&o));
    String::from_utf8(o.stdout).unwrap().trim().to_string()
}

/// testdata's multi-platform layout lists two manifests directly in
/// index.json; a registry needs one index: wrap them in an index blob so
/// `skopeo copy --all` pushes it.
fn layout_with_one_index(src: &Path, dst: &Path) {
    copy_dir(src, dst);
    let mut index: Value =
        serde_json::from_slice(&std::fs::read(dst.join("index.json")).unwrap()).unwrap();
    let mut manifests = index["manifests"].take();
    for m in manifests.as_array_mut().unwrap() {
        m.as_object_mut().unwrap().remove("annotations");
    }
    let inner = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": manifests,
    }))
    .unwrap();
    let hex = crate::support::archives::hex(&inner);
    std::fs::write(dst.join("blobs/sha256").join(&hex), &inner).unwrap();
    let top = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": format!("sha256:{hex}"),
            "size": inner.len(),
            "annotations": {"org.opencontainers.image.ref.name": "latest"},
        }],
    });
    std::fs::write(dst.join("index.json"), serde_json::to_vec(&top).unwrap()).unwrap();
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            let mut bytes = Vec::new();
            std::fs::File::open(e.path())
                .unwrap()
                .read_to_end(&mut bytes)
                .unwrap();
            std::fs::write(to, bytes).unwrap();
        }
    }
}

#[test]
fn an_index_is_read_for_the_platform_asked_for() {
    let src = testdata("basic/oci-multiplatform");
    if !have_registry_tools() || !src.is_dir() {
        return;
    }
    let reg = Registry::start(&[], "");
    let work = tempfile::tempdir().unwrap();
    let layout = work.path().join("layout");
    layout_with_one_index(&src, &layout);
    reg.seed(
        &format!("oci:{}", layout.display()),
        "multi",
        &["--all", "--dest-tls-verify=false"],
    );
    let h = work.path();
    let name = format!("docker://{}/test/multi", reg.addr);
    for platform in ["linux/amd64", "linux/arm64"] {
        let pulled = json_report(&[&name, "--tls-verify=false", "--platform", platform], h);
        let file = json_report(&[src.to_str().unwrap(), "--platform", platform], h);
        assert_same_image(
            &file,
            &pulled,
            false,
            &format!("{}/test/multi:latest", reg.addr),
        );
    }
    let o = layerscope(
        &[
            "report",
            &name,
            "--tls-verify=false",
            "--platform",
            "linux/s390x",
        ],
        h,
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(
            "no manifest for platform linux/s390x; available: linux/amd64, linux/arm64/v8"
        ),
        "{err}"
    );
}

/// Run a tool the TLS tests need; panics with its stderr if it fails.
fn run(program: &str, args: &[&str], dir: &Path) -> Vec<u8> {
    let o = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(o.status.success(), "{program} {args:?}: {}", stderr(&o));
    o.stdout
}

/// A test CA and a leaf for IP 127.0.0.1 signed by it (rustls refuses a
/// self-signed CA used as the server's own certificate), in `dir`; the CA
/// alone is copied to `dir/cadir`, a certs.d-style directory.
pub(crate) fn make_certs(dir: &Path) {
    run(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=layerscope-test-ca",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
        ],
        dir,
    );
    run(
        "openssl",
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.csr",
        ],
        dir,
    );
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "leaf.ext",
            "-out",
            "leaf.crt",
        ],
        dir,
    );
    std::fs::create_dir_all(dir.join("cadir")).unwrap();
    std::fs::copy(dir.join("ca.crt"), dir.join("cadir/ca.crt")).unwrap();
}

#[test]
fn tls_and_basic_auth() {
    if !have_registry_tools()
        || !installed("openssl", "version")
        || Command::new("htpasswd").arg("-h").output().is_err()
    {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    make_certs(w);
    let htpasswd = run("htpasswd", &["-Bbn", "tester", "s3cret"], w);
    std::fs::write(w.join("htpasswd"), htpasswd).unwrap();
    let tls = format!(
        "tls: {{certificate: {}, key: {}}}",
        w.join("leaf.crt").display(),
        w.join("leaf.key").display()
    );
    let auth = format!(
        "auth:\n  htpasswd: {{realm: basic-realm, path: {}}}\n",
        w.join("htpasswd").display()
    );
    let reg = Registry::start(&[&tls], &auth);
    let cadir = w.join("cadir");
    let cadir_s = cadir.to_str().unwrap();
    reg.seed(
        &format!("oci:{}", testdata("basic/oci-gzip").display()),
        "basic",
        &["--dest-cert-dir", cadir_s, "--dest-creds", "tester:s3cret"],
    );
    let home = w.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let name = format!("docker://{}/test/basic", reg.addr);
    let label = format!("{}/test/basic:latest", reg.addr);
    let file = file_basic(&home);

    let pulled = json_report(
        &[&name, "--cert-dir", cadir_s, "--creds", "tester:s3cret"],
        &home,
    );
    assert_same_image(&file, &pulled, false, &label);

    // No credentials: the 401, on one line.
    let o = layerscope(&["report", &name, "--cert-dir", cadir_s], &home);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.starts_with(&format!("layerscope: {label}: unauthorized (401)")),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    // Wrong password: the registry's 401 after one try, not a loop.
    let o = layerscope(
        &[
            "report",
            &name,
            "--cert-dir",
            cadir_s,
            "--creds",
            "tester:nope",
        ],
        &home,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with(&format!(
            "layerscope: {label}: manifest latest: unauthorized (401 UNAUTHORIZED"
        )),
        "{}",
        stderr(&o)
    );

    // A CA nobody told us about.
    let o = layerscope(&["report", &name, "--creds", "tester:s3cret"], &home);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.starts_with(&format!(
            "layerscope: {label}: cannot reach https://{}: ",
            reg.addr
        )),
        "{err}"
    );
    assert!(err.contains("UnknownIssuer"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    // Stored credentials: docker login's config.json and podman login's
    // auth.json share the `auths` form (base64 of "tester:s3cret").
    let auths = format!(
        r#"{{"auths":{{"{}":{{"auth":"dGVzdGVyOnMzY3JldA=="}}}}}}"#,
        reg.addr
    );
    let docker = home.join("docker");
    std::fs::create_dir_all(&docker).unwrap();
    std::fs::write(docker.join("config.json"), &auths).unwrap();
    let pulled = json_report(&[&name, "--cert-dir", cadir_s], &home);
    assert_eq!(figures(&pulled, false), figures(&file, false));
    std::fs::remove_file(docker.join("config.json")).unwrap();

    // ... a credential helper (`credHelpers`), asked with the server on
    // stdin as docker asks it ...
    let bin = home.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let helper = bin.join("docker-credential-lstest");
    std::fs::write(
        &helper,
        "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread server\n\
         printf '{\"ServerURL\":\"%s\",\"Username\":\"tester\",\"Secret\":\"s3cret\"}' \"$server\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::write(
        docker.join("config.json"),
        format!(r#"{{"credHelpers":{{"{}":"lstest"}}}}"#, reg.addr),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // The binary as `layerscope()` runs it, with the helper on PATH.
    let with_helper = || {
        Command::new(BIN)
            .args(["report", "--format", "json", &name, "--cert-dir", cadir_s])
            .env("HOME", &home)
            .env("DOCKER_CONFIG", &docker)
            .env("XDG_RUNTIME_DIR", home.join("run"))
            .env("PATH", &path)
            .env(
                "DOCKER_HOST",
                format!("unix://{}", home.join("no.sock").display()),
            )
            .output()
            .unwrap()
    };
    let o = with_helper();
    assert!(o.status.success(), "credential helper: {}", stderr(&o));
    let pulled: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(figures(&pulled, false), figures(&file, false));
    // ... the same helper as the default store (`credsStore`) ...
    std::fs::write(docker.join("config.json"), r#"{"credsStore":"lstest"}"#).unwrap();
    let o = with_helper();
    assert!(o.status.success(), "credsStore: {}", stderr(&o));
    std::fs::remove_file(docker.join("config.json")).unwrap();

    // ... and podman login's auth.json.
    let run_dir = home.join("run/containers");
    std::fs::create_dir_all(&run_dir).unwrap();
    std::fs::write(run_dir.join("auth.json"), &auths).unwrap();
    let pulled = json_report(&[&name, "--cert-dir", cadir_s], &home);
    assert_eq!(figures(&pulled, false), figures(&file, false));
}

/// tests/registry_token_server.py, stopped when its stdin closes (on drop).
struct TokenServer {
    child: Child,
    port: String,
}

impl TokenServer {
    fn start(dir: &Path) -> TokenServer {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/registry_token_server.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(dir)
            .args(["test-registry", "test-issuer"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the token server");
        // Its first line is the port; a dead server closes stdout at once.
        let mut line = String::new();
        let stdout = child.stdout.take().unwrap();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).unwrap();
        let port = line.trim().to_string();
        assert!(!port.is_empty(), "the token server did not start");
        TokenServer { child, port }
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn anonymous_pull_through_a_bearer_token_server() {
    let has_crypto = Command::new("python3")
        .args(["-c", "import cryptography"])
        .status()
        .is_ok_and(|s| s.success());
    if !have_registry_tools() || !has_crypto {
        eprintln!("note: python3 with cryptography not installed; skipping");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let tokens = TokenServer::start(w);
    let auth = format!(
        "auth:\n  token: {{realm: \"http://127.0.0.1:{}/token\", service: test-registry, issuer: test-issuer, rootcertbundle: {}}}\n",
        tokens.port,
        w.join("token.crt").display()
    );
    let reg = Registry::start(&[], &auth);
    let oci = testdata("basic/oci-gzip");
    reg.seed(
        &format!("oci:{}", oci.display()),
        "basic",
        &["--dest-tls-verify=false", "--dest-creds", "tester:s3cret"],
    );
    let home = w.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let name = format!("docker://{}/test/basic", reg.addr);
    let pulled = json_report(&[&name, "--tls-verify=false"], &home);
    assert_same_image(
        &file_basic(&home),
        &pulled,
        false,
        &format!("{}/test/basic:latest", reg.addr),
    );
    // With credentials the token server knows, too; with wrong ones, the
    // token server's refusal on one line.
    let pulled = json_report(
        &[&name, "--tls-verify=false", "--creds", "tester:s3cret"],
        &home,
    );
    assert_eq!(figures(&pulled, false), figures(&file_basic(&home), false));
    let o = layerscope(
        &[
            "report",
            &name,
            "--tls-verify=false",
            "--creds",
            "tester:nope",
        ],
        &home,
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("the token server"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// Issue 12: "a registry image whose layers are all cached costs one
/// manifest and one config request". Counted by the registry itself.
#[test]
fn a_cached_registry_image_costs_one_manifest_and_one_config_request() {
    if !have_registry_tools() {
        return;
    }
    let reg = Registry::start(&[], "");
    let oci = testdata("basic/oci-gzip");
    reg.seed(
        &format!("oci:{}", oci.display()),
        "basic",
        &["--dest-tls-verify=false"],
    );
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let cache = h.join("layer-cache");
    let name = format!("docker://{}/test/basic", reg.addr);
    let args = [
        &name,
        "--tls-verify=false",
        "--cache-dir",
        cache.to_str().unwrap(),
    ];

    let seeded = reg.gets().len();
    let first = json_report(&args, h);
    let first_gets = reg.gets()[seeded..].to_vec();
    let layer_blobs: Vec<String> = first["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| format!("/v2/test/basic/blobs/{}", l["digest"].as_str().unwrap()))
        .collect();
    // The first run fetched every layer blob (8 layers, all distinct).
    assert_eq!(layer_blobs.len(), 8);
    for b in &layer_blobs {
        assert!(first_gets.contains(b), "{b} not fetched: {first_gets:?}");
    }

    let before = reg.gets().len();
    let second = json_report(&args, h);
    let second_gets = reg.gets()[before..].to_vec();
    let config = first["image"]["config_digest"].as_str().unwrap();
    assert_eq!(
        second_gets,
        vec![
            "/v2/test/basic/manifests/latest".to_string(),
            format!("/v2/test/basic/blobs/{config}"),
        ]
    );
    assert_eq!(second, first);
}

/// A registry that asks for a client certificate (`clientcas`): certs.d's
/// convention, `X.cert` + `X.key` beside the CA's `*.crt`, in `--cert-dir`.
#[test]
fn a_client_certificate_from_the_cert_dir() {
    if !have_registry_tools() || !installed("openssl", "version") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    make_certs(w);
    run(
        "openssl",
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=layerscope-client",
            "-keyout",
            "client.key",
            "-out",
            "client.csr",
        ],
        w,
    );
    std::fs::write(w.join("client.ext"), "extendedKeyUsage=clientAuth\n").unwrap();
    run(
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            "client.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "client.ext",
            "-out",
            "client.cert",
        ],
        w,
    );
    let with_client = w.join("with-client");
    std::fs::create_dir_all(&with_client).unwrap();
    for f in ["ca.crt", "client.cert", "client.key"] {
        std::fs::copy(w.join(f), with_client.join(f)).unwrap();
    }
    let tls = format!(
        "tls: {{certificate: {}, key: {}, clientcas: [{}]}}",
        w.join("leaf.crt").display(),
        w.join("leaf.key").display(),
        w.join("ca.crt").display()
    );
    let reg = Registry::start(&[&tls], "");
    let with_client_s = with_client.to_str().unwrap();
    reg.seed(
        &format!("oci:{}", testdata("basic/oci-gzip").display()),
        "basic",
        &["--dest-cert-dir", with_client_s],
    );
    let home = w.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let name = format!("docker://{}/test/basic", reg.addr);
    let pulled = json_report(&[&name, "--cert-dir", with_client_s], &home);
    assert_same_image(
        &file_basic(&home),
        &pulled,
        false,
        &format!("{}/test/basic:latest", reg.addr),
    );
    // The CA alone: the registry refuses the handshake; one line, exit 2.
    let o = layerscope(
        &[
            "report",
            &name,
            "--cert-dir",
            w.join("cadir").to_str().unwrap(),
        ],
        &home,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!("layerscope: {}/test/basic:latest: ", reg.addr)),
        "{err}"
    );
}
