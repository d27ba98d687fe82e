//! `--emit FORMAT=PATH` on `report` and `check`: several outputs from one
//! run, each byte-identical to the run with `--format` alone, the same exit
//! code whatever is written, and the usage errors caught before the image
//! is read.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::bin;

fn testdata(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(p)
}

fn run(dir: &Path, args: &[&str]) -> Output {
    bin().current_dir(dir).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `layerscope CMD IMAGE --format F` alone: (exit code, stdout).
fn alone(cmd: &str, image: &Path, format: &str) -> (i32, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let img = image.to_str().unwrap();
    let o = run(dir.path(), &[cmd, img, "--format", format]);
    (o.status.code().unwrap(), o.stdout)
}

#[test]
fn check_emits_each_format_as_its_own_run_writes_it() {
    // antipatterns fails the default budget (exit 1), remedies passes (0).
    for (image, code) in [
        ("antipatterns/docker-archive.tar", 1),
        ("remedies/oci-archive.tar", 0),
    ] {
        let image = testdata(image);
        let dir = tempfile::tempdir().unwrap();
        let o = run(
            dir.path(),
            &[
                "check",
                image.to_str().unwrap(),
                "--format",
                "github",
                "--emit",
                "md=summary.md",
                "--emit",
                "junit=out/junit.xml",
                "--emit",
                "json=report.json",
                "--emit",
                "text=check.txt",
            ],
        );
        // (out/ made after the first try: a missing directory is refused)
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert_eq!(
            stderr(&o),
            "layerscope: out/junit.xml: directory out does not exist\n"
        );
        assert!(!dir.path().join("summary.md").exists(), "nothing written");
        std::fs::create_dir(dir.path().join("out")).unwrap();
        let o = run(
            dir.path(),
            &[
                "check",
                image.to_str().unwrap(),
                "--format",
                "github",
                "--emit",
                "md=summary.md",
                "--emit",
                "junit=out/junit.xml",
                "--emit",
                "json=report.json",
                "--emit",
                "text=check.txt",
            ],
        );
        assert_eq!(o.status.code(), Some(code), "{}", stderr(&o));
        assert_eq!((code, o.stdout), alone("check", &image, "github"));
        for (file, format) in [
            ("summary.md", "md"),
            ("out/junit.xml", "junit"),
            ("report.json", "json"),
            ("check.txt", "text"),
        ] {
            let written = std::fs::read(dir.path().join(file)).unwrap();
            let (c, expected) = alone("check", &image, format);
            assert_eq!(c, code, "{format}: the same verdict alone");
            assert!(!expected.is_empty());
            assert!(written == expected, "{file} differs from --format {format}");
        }
    }
}

#[test]
fn report_emits_every_format_and_keeps_the_text_on_stdout() {
    let image = testdata("basic/docker-archive.tar");
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &[
            "report",
            image.to_str().unwrap(),
            "--emit",
            "json=r.json",
            "--emit",
            "md=r.md",
            "--emit",
            "html=r.html",
            "--emit",
            "csv=r.csv",
            "--csv-table",
            "hidden",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // No --format, no -o, no emit to stdout: the text report as before.
    assert_eq!(o.stdout, alone("report", &image, "text").1);
    for (file, format) in [("r.json", "json"), ("r.md", "md"), ("r.html", "html")] {
        let written = std::fs::read(dir.path().join(file)).unwrap();
        assert!(written == alone("report", &image, format).1, "{file}");
    }
    let csv = run(
        dir.path(),
        &[
            "report",
            image.to_str().unwrap(),
            "-f",
            "csv",
            "--csv-table",
            "hidden",
        ],
    );
    assert_eq!(std::fs::read(dir.path().join("r.csv")).unwrap(), csv.stdout);
    // The JSON's figures, against testdata/EXPECTED.json's for basic.
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(v["totals"]["size_bytes"], 94_720);
    assert_eq!(v["totals"]["content_bytes"], 47_880);
}

#[test]
fn an_emit_to_stdout_takes_the_place_of_the_default_text() {
    let image = testdata("antipatterns/docker-archive.tar");
    let img = image.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &["check", img, "--emit", "md=-", "--emit", "junit=j.xml"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(o.stdout, alone("check", &image, "md").1);
    assert_eq!(
        std::fs::read(dir.path().join("j.xml")).unwrap(),
        alone("check", &image, "junit").1
    );
    // -o FILE and an emit to stdout: both written.
    let o = run(
        dir.path(),
        &[
            "report", img, "-f", "json", "-o", "r.json", "--emit", "md=-",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(o.stdout, alone("report", &image, "md").1);
    assert_eq!(
        std::fs::read(dir.path().join("r.json")).unwrap(),
        alone("report", &image, "json").1
    );
}

#[test]
fn usage_errors_are_one_line_and_exit_2_before_the_image_is_read() {
    let dir = tempfile::tempdir().unwrap();
    // The image does not exist: each error below comes before it is opened.
    let cases: &[(&[&str], &str)] = &[
        (
            &["check", "absent.tar", "--emit", "html=r.html"],
            "layerscope: invalid value 'html=r.html' for '--emit <FORMAT=PATH>': unknown check format \"html\" (text, json, junit, md, github, sarif, codeclimate)",
        ),
        (
            &["report", "absent.tar", "--emit", "junit=j.xml"],
            "layerscope: invalid value 'junit=j.xml' for '--emit <FORMAT=PATH>': unknown report format \"junit\" (text, json, csv, md, html)",
        ),
        (
            &["report", "absent.tar", "--emit", "json"],
            "layerscope: invalid value 'json' for '--emit <FORMAT=PATH>': expected FORMAT=PATH (e.g. json=report.json, md=-), got \"json\"",
        ),
        (
            &["check", "absent.tar", "--emit", "md=-", "--emit", "json=-"],
            "layerscope: more than one --emit writes to - (stdout): at most one output can go to stdout",
        ),
        (
            &["check", "absent.tar", "-f", "github", "--emit", "md=-"],
            "layerscope: --emit FORMAT=- and --format/-o both write to stdout: at most one output can go to stdout",
        ),
        (
            &["report", "absent.tar", "--emit", "json=a/b/r.json"],
            "layerscope: a/b/r.json: directory a/b does not exist",
        ),
        (
            &["report", "absent.tar", "-o", "r.json", "--emit", "md=r.json"],
            "layerscope: r.json: named by two outputs (--emit, -o); each output needs its own file",
        ),
    ];
    for (args, first_line) in cases {
        let o = run(dir.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert_eq!(err.lines().next(), Some(*first_line), "{args:?}: {err}");
        assert!(o.stdout.is_empty(), "{args:?}");
    }
    // The same run with the directory made fails on the image only.
    let o = run(
        dir.path(),
        &["report", "absent.tar", "--emit", "json=r.json"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("absent.tar"), "{}", stderr(&o));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
