//! Images by name from real daemons (issue 12): a `dockerd` (Debian's
//! `docker.io`: vfs, no iptables, no bridge, its socket in a temp dir) and
//! Podman with its storage in a temp dir, each started and stopped here,
//! each given a testdata image with its own `load`. The figures must be the
//! file's, to the byte: the daemon's re-export is compared with the report
//! of the archive that was loaded.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_layerscope");

fn testdata(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(p)
}

fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A private dockerd, stopped (with the containerd it started) on drop.
struct Dockerd {
    dir: tempfile::TempDir,
    child: Child,
}

impl Dockerd {
    fn start() -> Dockerd {
        let dir = tempfile::Builder::new()
            .prefix("ls-dockerd")
            .tempdir()
            .unwrap();
        let d = dir.path();
        let log = std::fs::File::create(d.join("log")).unwrap();
        let child = Command::new("dockerd")
            .arg(format!("--host=unix://{}", d.join("docker.sock").display()))
            .arg(format!("--data-root={}", d.join("data").display()))
            .arg(format!("--exec-root={}", d.join("exec").display()))
            .arg(format!("--pidfile={}", d.join("pid").display()))
            .args([
                "--storage-driver=vfs",
                "--iptables=false",
                "--ip6tables=false",
            ])
            .args(["--bridge=none"])
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start dockerd");
        let me = Dockerd { dir, child };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let up = me
                .docker(&["version", "--format", "{{.Server.Version}}"])
                .status
                .success();
            if up {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "dockerd did not answer in 60 s:\n{}",
                std::fs::read_to_string(me.dir.path().join("log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        me
    }

    fn host(&self) -> String {
        format!("unix://{}", self.dir.path().join("docker.sock").display())
    }

    fn docker(&self, args: &[&str]) -> Output {
        Command::new("docker")
            .args(args)
            .env("DOCKER_HOST", self.host())
            .env("DOCKER_CONFIG", self.dir.path().join("config"))
            .output()
            .unwrap()
    }

    fn load(&self, archive: &Path) {
        let o = self.docker(&["load", "-i", archive.to_str().unwrap()]);
        assert!(o.status.success(), "docker load: {}", stderr(&o));
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        // SIGTERM lets dockerd stop the containerd it started.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The JSON report of `args`, with the environment given.
fn report(args: &[&str], env: &[(&str, &str)]) -> Value {
    let mut c = crate::support::bin();
    c.args(["report", "--format", "json"]).args(args);
    // Only what the test gives: never a daemon of the machine's.
    c.env_remove("DOCKER_HOST").env_remove("DOCKER_CONTEXT");
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().unwrap();
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Everything but the name the archive records (docker records
/// `layerscope-test/basic:latest` where the built archive says
/// `docker.io/layerscope-test/basic:latest`) and where it was read from
/// (asserted on its own).
fn figures(mut v: Value) -> Value {
    v["image"]["reference"] = Value::Null;
    v["image"]["source"] = Value::Null;
    v
}

#[test]
fn docker_daemon_by_name_transport_and_plugin() {
    if !installed("dockerd") || !installed("docker") {
        eprintln!(
            "note: dockerd or the docker CLI not installed; skipping (CI installs docker.io)"
        );
        return;
    }
    let d = Dockerd::start();
    let images = ["basic", "antipatterns"];
    for name in images {
        d.load(&testdata(&format!("{name}/docker-archive.tar")));
    }
    let host = d.host();
    let env = [("DOCKER_HOST", host.as_str())];
    for name in images {
        let file = figures(report(
            &[testdata(&format!("{name}/docker-archive.tar"))
                .to_str()
                .unwrap()],
            &[],
        ));
        let by_name = report(&[&format!("layerscope-test/{name}")], &env);
        assert_eq!(
            by_name["image"]["reference"],
            format!("layerscope-test/{name}:latest")
        );
        assert_eq!(by_name["image"]["source"], "docker");
        assert_eq!(figures(by_name), file, "{name} by name");
        let transport = report(
            &[&format!("docker-daemon:layerscope-test/{name}:latest")],
            &env,
        );
        assert_eq!(figures(transport), file, "{name} by docker-daemon:");
        let forced = report(
            &["--source", "docker", &format!("layerscope-test/{name}")],
            &env,
        );
        assert_eq!(figures(forced), file, "{name} by --source docker");
    }

    // Docker contexts: `--context NAME` and DOCKER_CONTEXT, resolved by the
    // docker CLI from the context store in DOCKER_CONFIG (no DOCKER_HOST).
    let config = d.dir.path().join("config");
    let o = Command::new("docker")
        .args(["context", "create", "lstest", "--docker"])
        .arg(format!("host={host}"))
        .env_remove("DOCKER_HOST")
        .env("DOCKER_CONFIG", &config)
        .output()
        .unwrap();
    assert!(o.status.success(), "docker context create: {}", stderr(&o));
    let config = config.to_str().unwrap();
    let file = figures(report(
        &[testdata("basic/docker-archive.tar").to_str().unwrap()],
        &[],
    ));
    let by_flag = report(
        &["--context", "lstest", "layerscope-test/basic"],
        &[("DOCKER_CONFIG", config)],
    );
    assert_eq!(by_flag["image"]["source"], "docker");
    assert_eq!(figures(by_flag), file, "--context");
    let by_env = report(
        &["layerscope-test/basic"],
        &[("DOCKER_CONFIG", config), ("DOCKER_CONTEXT", "lstest")],
    );
    assert_eq!(figures(by_env), file, "DOCKER_CONTEXT");

    // As a Docker CLI plugin: the CLI finds `docker-layerscope` in its
    // config's cli-plugins, lists it, and runs it with its global flags
    // (-H here, and no DOCKER_HOST in the environment).
    let plugins = d.dir.path().join("config/cli-plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    std::os::unix::fs::symlink(BIN, plugins.join("docker-layerscope")).unwrap();
    let docker = |args: &[&str]| {
        Command::new("docker")
            .args(args)
            .env_remove("DOCKER_HOST")
            .env("DOCKER_CONFIG", d.dir.path().join("config"))
            .env("XDG_CACHE_HOME", crate::support::test_cache_home())
            .output()
            .unwrap()
    };
    let help = docker(&["--help"]);
    assert!(
        String::from_utf8_lossy(&help.stdout).contains("layerscope*"),
        "plugin not listed: {}",
        stderr(&help)
    );
    let o = docker(&[
        "-H",
        &host,
        "layerscope",
        "report",
        "--format",
        "json",
        "layerscope-test/basic",
    ]);
    assert!(o.status.success(), "docker layerscope: {}", stderr(&o));
    let via_plugin: Value = serde_json::from_slice(&o.stdout).unwrap();
    let file = figures(report(
        &[testdata("basic/docker-archive.tar").to_str().unwrap()],
        &[],
    ));
    assert_eq!(figures(via_plugin), file, "basic through the plugin");
    // The exit code passes through: a budget exceeded is 1.
    let o = docker(&[
        "-H",
        &host,
        "layerscope",
        "check",
        "layerscope-test/basic",
        "--max-wasted",
        "1kB",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));

    // Absent from the daemon: one line naming the image, exit 2.
    let o = crate::support::bin()
        .args(["report", "docker-daemon:layerscope-test/nosuch:1"])
        .env("DOCKER_HOST", &host)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "layerscope: docker-daemon:layerscope-test/nosuch:1: no such image in docker\n"
    );
}

#[test]
fn an_unreachable_docker_daemon_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("none.sock");
    let o = crate::support::bin()
        .args(["report", "--source", "docker", "app:1"])
        .env("DOCKER_HOST", format!("unix://{}", sock.display()))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(
        e.starts_with("layerscope: docker-daemon:app:1: docker did not answer: "),
        "{e}"
    );
}

#[test]
fn podman_by_name_and_transport() {
    if !installed("podman") {
        eprintln!("note: podman not installed; skipping (CI installs it)");
        return;
    }
    // Storage in a temp dir: both our `podman load` and the binary's
    // `podman image save` read CONTAINERS_STORAGE_CONF.
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("storage.conf");
    std::fs::write(
        &conf,
        format!(
            "[storage]\ndriver = \"vfs\"\nrunroot = \"{0}/run\"\ngraphroot = \"{0}/root\"\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let conf = conf.to_str().unwrap();
    let o = Command::new("podman")
        .args(["load", "-q", "-i"])
        .arg(testdata("remedies/docker-archive.tar"))
        .env("CONTAINERS_STORAGE_CONF", conf)
        .output()
        .unwrap();
    assert!(o.status.success(), "podman load: {}", stderr(&o));
    // No Docker daemon answers here, so a bare name falls through to Podman.
    let none = dir.path().join("no-docker.sock");
    let no_docker = format!("unix://{}", none.display());
    let env = [
        ("CONTAINERS_STORAGE_CONF", conf),
        ("DOCKER_HOST", no_docker.as_str()),
    ];
    let file = figures(report(
        &[testdata("remedies/docker-archive.tar").to_str().unwrap()],
        &[],
    ));
    for image in [
        "layerscope-test/remedies",
        "podman:docker.io/layerscope-test/remedies:latest",
        "containers-storage:layerscope-test/remedies",
    ] {
        let got = report(&[image], &env);
        assert_eq!(got["image"]["source"], "podman", "{image}");
        assert_eq!(figures(got), file, "{image}");
    }
    let got = report(&["--source", "podman", "layerscope-test/remedies"], &env);
    assert_eq!(figures(got), file, "--source podman");
}
