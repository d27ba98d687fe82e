//! The Dockerfile's runtime stage, built by buildah around the binary under
//! test and run. No base image can be pulled here (and the build stage's
//! `rust:1-alpine` needs one), so the test takes the stage after the last
//! `FROM` as written (scratch), gives each `COPY --from=build` its file from
//! this build, adds the shared libraries `ldd` names when the debug binary is
//! dynamic (the release build is static musl and needs none), and builds that
//! with `buildah bud --isolation chroot` (which takes the host network
//! only; nothing here uses it). The image is saved with
//! `buildah push … docker-archive:` and read by layerscope on the host, and
//! layerscope runs inside it (`buildah run`) on testdata images mounted in.
//! Skipped, with a note, when buildah is absent (.ci/run installs it).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::buildah::Buildah;

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The runtime stage of the Dockerfile: the lines after its last FROM.
fn runtime_stage() -> (String, Vec<String>) {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Dockerfile")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let from = lines
        .iter()
        .rposition(|l| l.starts_with("FROM "))
        .expect("a FROM");
    assert!(
        lines.iter().filter(|l| l.starts_with("FROM ")).count() >= 2,
        "multi-stage"
    );
    (
        lines[from].to_string(),
        lines[from + 1..].iter().map(|l| l.to_string()).collect(),
    )
}

/// The libraries a dynamic binary loads (ldd), or none for a static one.
fn shared_libs(bin: &Path) -> Vec<PathBuf> {
    let o = Command::new("ldd").arg(bin).output().unwrap();
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let p = match l.split_once("=> ") {
                Some((_, r)) => r.split_whitespace().next()?,
                None => l.split_whitespace().next()?,
            };
            p.starts_with('/').then(|| PathBuf::from(p))
        })
        .collect()
}

#[test]
fn runtime_stage_builds_and_runs_layerscope() {
    if !have("buildah") {
        eprintln!("note: buildah not installed; the container image test is skipped");
        return;
    }
    let start = std::time::Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let ctx = tmp.path().join("ctx");
    std::fs::create_dir(&ctx).unwrap();

    // The binary, without its debug info (the release profile's image is
    // small; this keeps vfs copies quick).
    let bin = ctx.join("layerscope");
    std::fs::copy(env!("CARGO_BIN_EXE_layerscope"), &bin).unwrap();
    if have("strip") {
        assert!(Command::new("strip").arg(&bin).status().unwrap().success());
    }

    let (from, stage) = runtime_stage();
    assert_eq!(from, "FROM scratch");
    let mut file = vec![from];
    for line in stage {
        if line.starts_with("ENTRYPOINT") {
            // The debug build is dynamic: its libraries, at their paths.
            for lib in shared_libs(&bin) {
                let rel = lib.strip_prefix("/").unwrap();
                let dst = ctx.join("libs").join(rel);
                std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
                std::fs::copy(&lib, &dst).unwrap();
                file.push(format!("COPY libs/{} {}", rel.display(), lib.display()));
            }
        }
        let Some(rest) = line.strip_prefix("COPY --from=build ") else {
            file.push(line);
            continue;
        };
        let (src, dst) = rest.split_once(' ').unwrap();
        let local = match src {
            "/out/layerscope" => "layerscope".to_string(),
            "/out/tmp" => {
                std::fs::create_dir(ctx.join("tmp")).unwrap();
                "tmp".to_string()
            }
            "/etc/ssl/certs/ca-certificates.crt" => {
                let host = Path::new(src);
                let copy = ctx.join("ca-certificates.crt");
                if host.exists() {
                    std::fs::copy(host, &copy).unwrap();
                } else {
                    std::fs::write(&copy, "").unwrap();
                }
                "ca-certificates.crt".to_string()
            }
            other => panic!("the test has no stand-in for COPY --from=build {other}"),
        };
        file.push(format!("COPY {local} {dst}"));
    }
    std::fs::write(ctx.join("Containerfile"), file.join("\n") + "\n").unwrap();

    let b = Buildah {
        root: tmp.path().join("root"),
        runroot: tmp.path().join("runroot"),
    };
    let tag = "localhost/layerscope:test";
    b.ok(&[
        "bud",
        "--isolation",
        "chroot",
        "-f",
        ctx.join("Containerfile").to_str().unwrap(),
        "-t",
        tag,
        ctx.to_str().unwrap(),
    ]);
    let archive = tmp.path().join("layerscope-image.tar");
    b.ok(&[
        "push",
        tag,
        &format!("docker-archive:{}:{tag}", archive.display()),
    ]);

    // layerscope on its own image: the binary is the image.
    let o = crate::support::bin()
        .args(["report", archive.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let size = std::fs::metadata(&bin).unwrap().len();
    let total = v["totals"]["size_bytes"].as_u64().unwrap();
    assert!(total >= size, "{total} < the binary's {size}");
    let text = crate::support::bin()
        .args(["report", archive.to_str().unwrap(), "--format", "md"])
        .output()
        .unwrap();
    assert!(text.status.success());

    // layerscope inside it, on testdata images mounted read-only.
    let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let ctr = b.ok(&["from", "--pull-never", tag]);
    let mount = format!("{}:/data:ro", testdata.display());
    let inside = |args: &[&str]| {
        let mut a = vec![
            "run",
            "--isolation",
            "chroot",
            "-v",
            &mount,
            &ctr,
            "--",
            "/layerscope",
        ];
        a.extend_from_slice(args);
        b.run(&a)
    };
    let o = inside(&[
        "check",
        "/data/remedies/docker-archive.tar",
        "--format",
        "json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["totals"]["size_bytes"], 171_008);
    assert_eq!(v["passed"], true);
    let o = inside(&["check", "/data/antipatterns/docker-archive.tar"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = inside(&["--version"]);
    assert!(o.status.success());

    b.ok(&["rm", &ctr]);
    b.ok(&["rmi", "--all", "--force"]);
    let elapsed = start.elapsed();
    assert!(elapsed.as_secs() < 60, "took {elapsed:?}");
}
