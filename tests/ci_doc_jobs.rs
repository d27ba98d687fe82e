//! docs/ci.md's jobs, run as written: the YAML blocks are read from the
//! document itself, and the shell of every step that calls layerscope runs
//! in bash against a testdata image saved as `image.tar`, with the built
//! binary on PATH. Only the steps that need a Docker daemon, a registry or a
//! GitHub/GitLab API (build, save, fetch/upload artifacts) are left to the
//! CI services; the layerscope steps are exactly the document's text. The
//! install steps run too, against a release of the built binary made by the
//! release workflow's steps, with the GitHub releases URL replaced by that
//! release's `file://` URL (the only change to the document's text).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_norway::Value;

fn testdata(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(p)
}

/// The fenced ```yaml blocks of docs/ci.md, parsed, in order.
fn yaml_blocks() -> Vec<Value> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ci.md")).unwrap();
    let mut out = Vec::new();
    let mut rest = doc.as_str();
    while let Some(i) = rest.find("```yaml\n") {
        let body = &rest[i + "```yaml\n".len()..];
        let end = body.find("\n```").expect("closed yaml block");
        out.push(serde_norway::from_str(&body[..end]).expect("docs/ci.md yaml parses"));
        rest = &body[end..];
    }
    out
}

/// docs/ci.md's GitHub Actions job `image-size` (the block with `jobs:`).
fn github_job() -> Value {
    yaml_blocks()
        .into_iter()
        .find_map(|b| b.get("jobs").and_then(|j| j.get("image-size")).cloned())
        .expect("a GitHub workflow with job image-size in docs/ci.md")
}

/// docs/ci.md's GitLab CI job `image-size` (the block with `stages:`).
fn gitlab_job() -> Value {
    yaml_blocks()
        .into_iter()
        .find(|b| b.get("stages").is_some())
        .and_then(|b| b.get("image-size").cloned())
        .expect("a GitLab pipeline with job image-size in docs/ci.md")
}

/// The `run:` text of the GitHub step with this name.
fn github_step(name: &str) -> String {
    github_job()["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| s.get("name").and_then(Value::as_str) == Some(name))
        .and_then(|s| s.get("run"))
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no step {name:?} with a run: in docs/ci.md"))
        .to_string()
}

/// A job's working directory: `image.tar` and `layerscope` on PATH.
struct Workspace {
    dir: tempfile::TempDir,
    path: String,
}

impl Workspace {
    fn new(image: &str) -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(testdata(image), dir.path().join("image.tar")).unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_layerscope"), bin.join("layerscope"))
            .unwrap();
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Workspace { dir, path }
    }

    /// One step's shell, as GitHub runs `run:` (bash -e -o pipefail) or
    /// GitLab a script line (bash -e). Returns the exit code and stdout.
    fn sh(&self, script: &str) -> (i32, String) {
        let o = Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(self.dir.path())
            .env("PATH", &self.path)
            .env("XDG_CACHE_HOME", crate::support::test_cache_home())
            .env("GITHUB_STEP_SUMMARY", self.dir.path().join("summary.md"))
            .env_remove("CI_API_V4_URL")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        // (curl may be absent: its line says what then happens)
        assert!(!err.contains("layerscope: command not found"), "{err}");
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    }
}

#[test]
fn github_job_on_main_then_on_a_pull_request() {
    // On main (the remedies image): the one check step passes and leaves
    // the JSON the baseline upload takes (the check's: report + checks[]).
    let main = Workspace::new("remedies/docker-archive.tar");
    let (code, out) = main.sh(&github_step("Check the size budget"));
    assert_eq!(code, 0, "{out}");
    let baseline = main.file("layerscope.json");
    let v: serde_json::Value = serde_json::from_str(&baseline).unwrap();
    assert_eq!(v["totals"]["size_bytes"], 171_008);
    assert_eq!(v["passed"], true);
    let upload = github_job()["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| s.get("name").and_then(Value::as_str) == Some("Save the baseline"))
        .cloned()
        .expect("a Save the baseline step");
    assert_eq!(upload["with"]["path"].as_str(), Some("layerscope.json"));
    // The job summary: the default budget (no baseline on main), passed.
    assert!(
        main.file("summary.md").contains("✅ PASS"),
        "{}",
        main.file("summary.md")
    );

    // A pull request whose image is antipatterns, with that baseline
    // downloaded where the fetch step puts it.
    let pr = Workspace::new("antipatterns/docker-archive.tar");
    std::fs::create_dir(pr.dir.path().join("baseline")).unwrap();
    std::fs::write(pr.dir.path().join("baseline/layerscope.json"), &baseline).unwrap();
    let (code, out) = pr.sh(&github_step("Check the size budget"));
    assert_eq!(code, 1, "the gate fails the job: {out}");
    // 431,616 bytes against 171,008 grew far beyond 5 %.
    assert!(
        out.lines()
            .any(|l| l.starts_with("::error") && l.contains("max_growth")),
        "{out}"
    );
    // The same run wrote the summary and the JUnit file, with the same
    // verdict: +260,608 bytes (431,616 - 171,008) against 5 % of 171,008.
    let summary = pr.file("summary.md");
    assert!(
        summary.contains("| ❌ FAIL | max\\_growth | +261 kB | \\> 8.55 kB |"),
        "{summary}"
    );
    let junit = pr.file("layerscope-junit.xml");
    assert!(junit.contains("name=\"max_growth\""), "{junit}");
    assert!(junit.contains("<failure"), "{junit}");
    let v: serde_json::Value = serde_json::from_str(&pr.file("layerscope.json")).unwrap();
    assert_eq!(v["passed"], false);
    assert_eq!(v["totals"]["size_bytes"], 431_616);

    // The same pull request without a baseline (first run): no growth
    // rule, the default budget decides.
    let first = Workspace::new("remedies/oci-archive.tar");
    let (code, out) = first.sh(&github_step("Check the size budget"));
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("::error"), "{out}");
}

#[test]
fn gitlab_job_script_as_written() {
    let lines: Vec<String> = gitlab_job()["script"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");

    // A clean image passes; the baseline fetch fails without GitLab (no
    // API URL) and removes its output, as the line says.
    let ok = Workspace::new("remedies/docker-archive.tar");
    let codes: Vec<i32> = lines.iter().map(|l| ok.sh(l).0).collect();
    assert_eq!(codes, [0, 0]);
    assert!(!ok.dir.path().join("baseline.json").exists());
    assert!(ok.file("layerscope-junit.xml").contains("<testsuite"));
    let v: serde_json::Value = serde_json::from_str(&ok.file("layerscope.json")).unwrap();
    assert_eq!(v["totals"]["size_bytes"], 171_008);

    // With a baseline from main and a grown image, the last line fails.
    let grown = Workspace::new("antipatterns/docker-archive.tar");
    std::fs::write(
        grown.dir.path().join("baseline.json"),
        ok.file("layerscope.json"),
    )
    .unwrap();
    let (code, out) = grown.sh(&lines[1]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL  max_growth"), "{out}");
    // The files of the same run say the same.
    assert!(grown.file("layerscope-junit.xml").contains("<failure"));
    let v: serde_json::Value = serde_json::from_str(&grown.file("layerscope.json")).unwrap();
    assert_eq!(v["passed"], false);
}

/// An install step's text with the releases URL pointing at `rel` (and the
/// target this machine runs).
fn local_install(script: &str, rel: &crate::support::release::Release) -> String {
    let gh = "https://github.com/layerscope/layerscope/releases";
    assert!(script.contains(gh), "{script}");
    script.replace(gh, &rel.url()).replace(
        "x86_64-unknown-linux-musl",
        crate::support::release::host_target(),
    )
}

/// Runs an install script with only the system PATH, then `layerscope
/// --version` from where it says it installed.
fn install_and_run(script: &str, shell: &str, vars: &[(&str, String)]) {
    let dir = tempfile::tempdir().unwrap();
    let github_path = dir.path().join("github_path");
    let mut c = Command::new(shell);
    c.args([
        "-e",
        "-c",
        &format!("{script}\nlayerscope --version || true"),
    ])
    .current_dir(dir.path())
    .env("PATH", "/usr/local/bin:/usr/bin:/bin")
    .env("RUNNER_TEMP", dir.path())
    .env("GITHUB_PATH", &github_path);
    for (k, v) in vars {
        c.env(k, v);
    }
    let o = c.output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains(": OK"), "checksum checked: {out}");
    // GitHub: the next steps find it on GITHUB_PATH; GitLab: the same shell.
    let bin = match std::fs::read_to_string(&github_path) {
        Ok(p) => Path::new(p.trim()).join("layerscope"),
        Err(_) => {
            assert!(out.contains("layerscope "), "on PATH: {out}");
            return;
        }
    };
    let v = Command::new(&bin).arg("--version").output().unwrap();
    assert!(v.status.success(), "{}", bin.display());
}

#[test]
fn install_steps_download_and_verify_the_release() {
    let rel = crate::support::release::shared_release();
    let version = crate::support::release::VERSION.to_string();

    let step = github_job()["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| s.get("name").and_then(Value::as_str) == Some("Install layerscope"))
        .cloned()
        .expect("an Install layerscope step");
    assert_eq!(
        step["env"]["LAYERSCOPE_VERSION"].as_str(),
        Some(version.as_str()),
        "docs/ci.md installs the current release"
    );
    let run = local_install(step["run"].as_str().unwrap(), rel);
    install_and_run(&run, "bash", &[("LAYERSCOPE_VERSION", version.clone())]);

    let job = gitlab_job();
    assert_eq!(
        job["variables"]["LAYERSCOPE_VERSION"].as_str(),
        Some(version.as_str())
    );
    let before: Vec<&str> = job["before_script"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    // (the first line installs curl in the alpine image)
    assert!(before[0].starts_with("apk add"), "{before:?}");
    let run = local_install(&before[1..].join("\n"), rel);
    install_and_run(&run, "sh", &[("LAYERSCOPE_VERSION", version)]);
}
