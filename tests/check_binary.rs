//! `layerscope check` as CI runs it: the real binary on the real testdata
//! images, exit codes 0 / 1 / 2, and the docs/ci.md job's steps.

use std::path::{Path, PathBuf};
use std::process::Output;

fn testdata(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(p)
}

fn check(args: &[&str], cwd: &Path) -> Output {
    crate::support::bin()
        .arg("check")
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn remedies_image_passes_a_tight_budget() {
    let dir = tempfile::tempdir().unwrap();
    let img = testdata("remedies/docker-archive.tar");
    // remedies: 0 wasted bytes, no cache bytes (testdata/EXPECTED.md).
    let o = check(
        &[
            img.to_str().unwrap(),
            "--max-wasted",
            "0",
            "--max-cache",
            "*=0",
            "--min-efficiency",
            "1.0",
        ],
        dir.path(),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        text(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(text(&o).contains("PASS  max_wasted"), "{}", text(&o));
}

#[test]
fn antipatterns_image_fails_its_cache_budget_with_the_remedy() {
    let dir = tempfile::tempdir().unwrap();
    let img = testdata("antipatterns/docker-archive.tar");
    // pip cache: 53266 bytes live (EXPECTED.md) > 0.
    let o = check(&[img.to_str().unwrap(), "--max-cache", "pip=0"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("FAIL  cache.pip"), "{t}");
    assert!(t.contains("--no-cache-dir"), "{t}");
}

#[test]
fn no_budget_applies_the_default_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    // antipatterns wastes 88896 of 317119 content bytes = 28.0% > 10%.
    let o = check(
        &[testdata("antipatterns/oci-archive.tar").to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    let t = text(&o);
    assert!(t.contains("no budget given"), "{t}");
    assert!(t.contains("FAIL  max_wasted_percent"), "{t}");
}

#[test]
fn budget_file_in_the_working_directory_is_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".layerscope.toml"),
        "[budget]\nmax_layers = 6\n",
    )
    .unwrap();
    // antipatterns has 7 layers.
    let o = check(
        &[testdata("antipatterns/docker-archive.tar")
            .to_str()
            .unwrap()],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("FAIL  max_layers"), "{}", text(&o));
    std::fs::write(
        dir.path().join(".layerscope.toml"),
        "[budget]\nmax_layerz = 6\n",
    )
    .unwrap();
    let o = check(
        &[testdata("antipatterns/docker-archive.tar")
            .to_str()
            .unwrap()],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr)
        .starts_with("layerscope: .layerscope.toml: unknown field `max_layerz`"));
}

#[test]
fn errors_exit_2_never_1() {
    let dir = tempfile::tempdir().unwrap();
    let o = check(&["/nonexistent.tar"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    let o = check(
        &[
            testdata("basic/docker-archive.tar").to_str().unwrap(),
            "--max-wasted",
            "12XB",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
}

/// The "Check the size budget" step of docs/ci.md's GitHub job, with the
/// baseline saved by a main-branch run: the PR image (antipatterns) grew
/// from the main image (remedies: 171008 bytes) to 431616 bytes.
#[test]
fn ci_job_from_the_docs_with_a_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let main_report = crate::support::bin()
        .args(["report", "--format", "json", "-o", "layerscope.json"])
        .arg(testdata("remedies/docker-archive.tar"))
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(main_report.status.code(), Some(0));
    let pr = testdata("antipatterns/docker-archive.tar");
    let o = check(
        &[
            pr.to_str().unwrap(),
            "--format",
            "github",
            "--baseline",
            "layerscope.json",
            "--max-growth",
            "5%",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    let t = text(&o);
    assert!(
        t.lines()
            .any(|l| l.starts_with("::error ") && l.contains("max_growth")),
        "{t}"
    );
    // The same image as its own baseline has not grown.
    let o = check(
        &[
            testdata("remedies/oci-archive.tar").to_str().unwrap(),
            "--baseline",
            "layerscope.json",
            "--max-growth",
            "5%",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // And the summary / junit steps write their files.
    let o = check(
        &[
            pr.to_str().unwrap(),
            "--format",
            "junit",
            "-o",
            "layerscope-junit.xml",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    let junit = std::fs::read_to_string(dir.path().join("layerscope-junit.xml")).unwrap();
    assert!(junit.starts_with("<?xml"), "{junit}");
}
