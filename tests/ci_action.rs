//! action.yml (the GitHub Action) and ci/gitlab/layerscope.gitlab-ci.yml (the
//! GitLab job template), run as written: their install scripts download a
//! release made by release.yml's own steps from a `file://` URL (checksum
//! verified), then the check scripts run on testdata images. Only the
//! runner's variables are the test's.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_norway::Value;

use crate::support::release::{self, local_release, shared_release, Release, VERSION};

/// PATH without the build's binary: `layerscope` must come from the install.
fn system_path() -> String {
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into()
}

fn runner_arch() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" => "ARM64",
        _ => "X64",
    }
}

/// One composite step: its `run:` and its `env:` with `${{ inputs.X }}`
/// resolved from `inputs` or the input's default.
fn action_step(id: &str, inputs: &HashMap<&str, String>) -> (String, Vec<(String, String)>) {
    let action = release::yaml("action.yml");
    let defaults = action["inputs"].as_mapping().unwrap();
    let step = action["runs"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| s.get("id").and_then(Value::as_str) == Some(id))
        .unwrap_or_else(|| panic!("action.yml: no step id {id}"))
        .clone();
    assert_eq!(step["shell"].as_str(), Some("bash"));
    let mut env = Vec::new();
    if let Some(m) = step.get("env").and_then(Value::as_mapping) {
        for (k, v) in m {
            let v = v.as_str().unwrap();
            let v = match v
                .strip_prefix("${{ inputs.")
                .and_then(|r| r.strip_suffix(" }}"))
            {
                Some(input) => inputs.get(input).cloned().unwrap_or_else(|| {
                    let d = &defaults
                        .get(input)
                        .unwrap_or_else(|| panic!("no input {input}"))["default"];
                    d.as_str().unwrap_or("").to_string()
                }),
                None => {
                    assert!(!v.contains("${{"), "unresolved expression {v}");
                    v.to_string()
                }
            };
            env.push((k.as_str().unwrap().to_string(), v));
        }
    }
    (step["run"].as_str().unwrap().to_string(), env)
}

/// A runner: a workspace with `image.tar`, the runner's files, and the
/// PATH the steps so far added to.
struct Runner {
    dir: tempfile::TempDir,
}

impl Runner {
    fn new(image: &str) -> Runner {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(
            release::repo_file("testdata").join(image),
            dir.path().join("image.tar"),
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("runner-temp")).unwrap();
        Runner { dir }
    }

    fn p(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn path(&self) -> String {
        let added = std::fs::read_to_string(self.p("github_path")).unwrap_or_default();
        let mut dirs: Vec<&str> = added.lines().rev().collect();
        let sys = system_path();
        dirs.push(&sys);
        dirs.join(":")
    }

    /// A composite step as the runner runs it (bash -e -o pipefail).
    fn step(&self, id: &str, inputs: &HashMap<&str, String>, rel: &Release) -> Output {
        let (run, env) = action_step(id, inputs);
        let mut c = Command::new("bash");
        c.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &run])
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", self.path())
            .env("HOME", self.dir.path())
            .env("XDG_CACHE_HOME", crate::support::test_cache_home())
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", runner_arch())
            .env("RUNNER_TEMP", self.p("runner-temp"))
            .env("GITHUB_PATH", self.p("github_path"))
            .env("GITHUB_OUTPUT", self.p("github_output"))
            .env("GITHUB_STEP_SUMMARY", self.p("summary.md"));
        for (k, v) in env {
            c.env(k, v);
        }
        // The releases page is the local release.
        c.env("RELEASES", rel.url());
        c.output().unwrap()
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.p(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn action_installs_the_release_and_gates() {
    let rel = shared_release();
    let inputs = HashMap::from([
        ("image", "image.tar".to_string()),
        ("version", VERSION.to_string()),
    ]);

    // A clean image: installs, passes, writes the summary and JUnit.
    let ok = Runner::new("remedies/docker-archive.tar");
    let o = ok.step("install", &inputs, rel);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains(": OK"), "checksum verified: {}", text(&o));
    assert!(ok.file("github_path").contains("runner-temp"));
    let o = ok.step("check", &inputs, rel);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        ok.file("summary.md").contains("PASS"),
        "{}",
        ok.file("summary.md")
    );
    assert!(ok.file("layerscope-junit.xml").contains("<testsuite"));
    assert!(ok.file("github_output").contains("exit-code=0"));

    // Over budget: exit 1, and the summary and JUnit still written.
    let bad = Runner::new("antipatterns/docker-archive.tar");
    assert!(bad.step("install", &inputs, rel).status.success());
    let o = bad.step("check", &inputs, rel);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("::error"),
        "github annotations: {}",
        text(&o)
    );
    let summary = bad.file("summary.md");
    assert!(summary.contains("FAIL"), "{summary}");
    assert!(bad.file("layerscope-junit.xml").contains("<failure"));
    assert!(bad.file("github_output").contains("exit-code=1"));

    // A budget file that is not one: the gate is broken, exit 2.
    std::fs::write(bad.p("budget.toml"), "[budget]\nmax_sise = 1\n").unwrap();
    let mut broken = inputs.clone();
    broken.insert("budget-file", "budget.toml".into());
    broken.insert("formats", "junit, text".into());
    let o = bad.step("check", &broken, rel);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));

    // A budget file that lets it pass, and only the JSON output.
    std::fs::write(bad.p("loose.toml"), "[budget]\nmax_wasted_percent = 50.0\n").unwrap();
    let mut loose = inputs.clone();
    loose.insert("budget-file", "loose.toml".into());
    loose.insert("formats", "json".into());
    let o = bad.step("check", &loose, rel);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_str(&bad.file("layerscope-check.json")).unwrap();
    assert_eq!(v["passed"], true);
}

#[test]
fn action_refuses_an_archive_that_does_not_match_sha256sums() {
    let rel = local_release();
    let sums = rel.download_dir().join("SHA256SUMS");
    let text_sums = std::fs::read_to_string(&sums).unwrap();
    std::fs::write(&sums, format!("{}{}", "0".repeat(64), &text_sums[64..])).unwrap();
    let inputs = HashMap::from([
        ("image", "image.tar".to_string()),
        ("version", format!("v{VERSION}")),
    ]);
    let r = Runner::new("remedies/docker-archive.tar");
    let o = r.step("install", &inputs, &rel);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("does not match SHA256SUMS"),
        "{}",
        text(&o)
    );
    assert!(!r.p("github_path").exists(), "nothing installed");

    // A version that has no release: curl fails the step.
    let mut missing = inputs.clone();
    missing.insert("version", "0.0.0".into());
    assert!(!r.step("install", &missing, &rel).status.success());
}

/// The GitLab template's job: before_script and script in one shell (as the
/// runner does), POSIX sh as in its alpine image.
fn gitlab_job(dir: &Path, rel: &Release, vars: &[(&str, &str)]) -> Output {
    let doc = release::yaml("ci/gitlab/layerscope.gitlab-ci.yml");
    let job = &doc[".layerscope"];
    let lines = |k: &str| -> Vec<String> {
        job[k]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_string())
            .collect()
    };
    let script = [lines("before_script"), lines("script")]
        .concat()
        .join("\n");
    let mut c = Command::new("sh");
    c.args(["-e", "-c", &script])
        .current_dir(dir)
        .env_clear()
        .env("PATH", system_path())
        .env("HOME", dir)
        .env("TMPDIR", dir)
        .env("XDG_CACHE_HOME", crate::support::test_cache_home());
    for (k, v) in job["variables"].as_mapping().unwrap() {
        c.env(k.as_str().unwrap(), v.as_str().unwrap());
    }
    c.env("LAYERSCOPE_RELEASES", rel.url());
    for (k, v) in vars {
        c.env(k, v);
    }
    c.output().unwrap()
}

#[test]
fn gitlab_template_installs_the_release_and_gates() {
    let rel = shared_release();
    let doc = release::yaml("ci/gitlab/layerscope.gitlab-ci.yml");
    let job = &doc[".layerscope"];
    assert_eq!(
        job["artifacts"]["reports"]["junit"].as_str(),
        Some("layerscope-junit.xml")
    );
    assert_eq!(
        job["variables"]["LAYERSCOPE_VERSION"].as_str(),
        Some(VERSION)
    );

    let ok = Runner::new("remedies/docker-archive.tar");
    let o = gitlab_job(ok.dir.path(), rel, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(ok.file("layerscope-junit.xml").contains("<testsuite"));
    assert!(ok.file("layerscope.md").contains("PASS"));
    let v: serde_json::Value = serde_json::from_str(&ok.file("layerscope.json")).unwrap();
    assert_eq!(v["totals"]["size_bytes"], 171_008);

    let bad = Runner::new("antipatterns/docker-archive.tar");
    let o = gitlab_job(bad.dir.path(), rel, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(bad.file("layerscope-junit.xml").contains("<failure"));
    // With a looser budget from the variables, the same image passes.
    std::fs::write(bad.p("loose.toml"), "[budget]\nmax_wasted_percent = 50.0\n").unwrap();
    let o = gitlab_job(
        bad.dir.path(),
        rel,
        &[
            ("LAYERSCOPE_BUDGET_FILE", "loose.toml"),
            ("LAYERSCOPE_ARGS", "--max-layers 10"),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}
