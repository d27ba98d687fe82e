//! `layerscope diff OLD NEW` on real images (testdata/diff: one Dockerfile
//! built by buildah with V=1 and V=2, testdata/build-diff.sh), against
//! testdata/diff/EXPECTED.json: figures computed independently by
//! testdata/tools/expected_diff.py (Python's tarfile applies the layers,
//! whiteouts included, and compares the final filesystems). Also an image
//! with itself, an unrelated pair, saved reports as a side, `check
//! --baseline OLD`, snapshots of every format and the md rendered by a
//! CommonMark parser (markdown-it-py).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::support::bin;

fn testdata(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(p)
}

fn expected() -> Value {
    let text = std::fs::read_to_string(testdata("diff/EXPECTED.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The inputs of each pair of EXPECTED.json (as build-diff.sh names them).
const PAIRS: &[(&str, &str, &str)] = &[
    ("v1-v2", "diff/v1.tar", "diff/v2.tar"),
    ("v2-v1", "diff/v2.tar", "diff/v1.tar"),
    ("self", "diff/v1.tar", "diff/v1.tar"),
    (
        "unrelated",
        "basic/docker-archive.tar",
        "antipatterns/docker-archive.tar",
    ),
];

fn run(args: &[&str]) -> Output {
    bin().args(args).stdin(Stdio::null()).output().unwrap()
}

fn diff(old: &Path, new: &Path, format: &str) -> String {
    let o = run(&[
        "diff",
        "-f",
        format,
        old.to_str().unwrap(),
        new.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// `report -f json -o DIR/NAME IMAGE`: a saved report, to stand as a side.
fn saved_report(dir: &tempfile::TempDir, name: &str, image: &Path) -> PathBuf {
    let saved = dir.path().join(name);
    let o = run(&[
        "report",
        "-f",
        "json",
        "-o",
        saved.to_str().unwrap(),
        image.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    saved
}

fn diff_json(old: &Path, new: &Path) -> Value {
    serde_json::from_str(&diff(old, new, "json")).unwrap()
}

/// A list as (path, old_bytes, new_bytes), sorted by path.
fn entries(v: &Value) -> Vec<(String, u64, u64)> {
    let mut out: Vec<(String, u64, u64)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap().to_string(),
                e["old_bytes"].as_u64().unwrap(),
                e["new_bytes"].as_u64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_pair_matches_the_python_oracle() {
    let exp = expected();
    for (name, old, new) in PAIRS {
        let e = &exp[*name];
        let got = diff_json(&testdata(old), &testdata(new));
        assert_eq!(got["schema_version"], 1);
        for k in ["shared", "only_old", "only_new", "first_difference"] {
            assert_eq!(got["layers"][k], e["layers"][k], "{name}: layers.{k}");
        }
        let (gf, ef) = (&got["files"], &e["files"]);
        for k in [
            "added_bytes",
            "removed_bytes",
            "grown_bytes",
            "shrunk_bytes",
            "changed_bytes",
        ] {
            assert_eq!(gf[k], ef[k], "{name}: files.{k}");
        }
        for k in ["added", "removed", "grown", "shrunk", "changed"] {
            assert_eq!(entries(&gf[k]), entries(&ef[k]), "{name}: files.{k}");
        }
        let modes = |v: &Value| -> Vec<(String, String, String)> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    (
                        m["path"].as_str().unwrap().into(),
                        m["old_mode"].as_str().unwrap().into(),
                        m["new_mode"].as_str().unwrap().into(),
                    )
                })
                .collect()
        };
        assert_eq!(modes(&gf["metadata"]), modes(&ef["metadata"]), "{name}");
        for k in ["content_bytes", "live_bytes", "wasted_bytes"] {
            assert_eq!(got["delta"][k], e["delta"][k], "{name}: delta.{k}");
        }
    }
}

#[test]
fn the_pair_by_hand() {
    // What the Dockerfile changes (testdata/images/diff/Dockerfile), in
    // figures read off EXPECTED.json and the report of each image.
    let got = diff_json(&testdata("diff/v1.tar"), &testdata("diff/v2.tar"));
    let f = &got["files"];
    assert!(entries(&f["added"]).contains(&("/usr/bin/curl".into(), 0, 7000)));
    assert_eq!(entries(&f["removed"]), vec![("/opt/v1-only".into(), 11, 0)]);
    assert_eq!(
        entries(&f["changed"]),
        vec![("/etc/app.conf".into(), 10, 10)]
    );
    assert_eq!(f["metadata"][0]["path"], "/etc/motd");
    assert_eq!(f["metadata"][0]["old_mode"], "0644");
    assert_eq!(f["metadata"][0]["new_mode"], "0600");
    // wasted 14796 (/tmp/build removed by a later layer) -> 9100
    assert_eq!(got["old"]["totals"]["wasted_bytes"], 14_796);
    assert_eq!(got["new"]["totals"]["wasted_bytes"], 9_100);
    assert_eq!(got["delta"]["wasted_bytes"], -5_696);
    // the removed-later finding is fixed, the pip cache is new
    let rules = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(rules(&got["findings"]["fixed"]), vec!["removed-later"]);
    assert_eq!(got["findings"]["fixed"][0]["bytes"], 14_796);
    assert!(rules(&got["findings"]["new"]).contains(&"cache-left-in-image".to_string()));
    assert_eq!(got["findings"]["new"][0]["bytes"], 41_047); // pip's cache, 6 files
                                                            // the tree of deltas: / sums every list
    let net: i64 = 54_047 - 11 + 6_120;
    assert_eq!(f["by_directory"]["path"], "/");
    assert_eq!(f["by_directory"]["delta_bytes"], net);
    assert_eq!(got["delta"]["live_bytes"], net);
    // v2's RUN installs curl beside python3-minimal (the sim apt-get appends
    // one stanza per package to dpkg's status): curl is new, nothing removed
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| {
                format!(
                    "{}/{}",
                    p["manager"].as_str().unwrap(),
                    p["name"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(names(&got["packages"]["new"]), vec!["dpkg/curl"]);
    assert_eq!(names(&got["packages"]["removed"]), Vec::<String>::new());
}

/// (manager, name, version) of each package of a list.
fn package_list(v: &Value) -> Vec<(String, String, String)> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|p| {
            (
                p["manager"].as_str().unwrap().to_string(),
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn check_packages(name: &str, got: &Value, exp: &Value) {
    let (g, e) = (&got["packages"], &exp["packages"]);
    assert_eq!(
        package_list(&g["new"]),
        package_list(&e["new"]),
        "{name} new"
    );
    assert_eq!(
        package_list(&g["removed"]),
        package_list(&e["removed"]),
        "{name} removed"
    );
    assert_eq!(g["upgraded"], e["upgraded"], "{name} upgraded");
    // by_package's bytes against the oracle's (RECORD and .list files over the
    // final filesystems), as (manager, name, old, new) in the oracle's order
    let bytes = |v: &Value| -> Vec<(String, String, u64, u64)> {
        let mut out: Vec<_> = v
            .as_array()
            .unwrap_or_else(|| panic!("not a list: {v}"))
            .iter()
            .map(|d| {
                (
                    d["manager"].as_str().unwrap().to_string(),
                    d["name"].as_str().unwrap().to_string(),
                    d["old_bytes"].as_u64().unwrap(),
                    d["new_bytes"].as_u64().unwrap(),
                )
            })
            .collect();
        out.sort();
        out
    };
    assert_eq!(
        bytes(&g["by_package"]),
        bytes(&e["by_package"]),
        "{name} by_package"
    );
    // every new package has its live bytes in NEW in by_package, removed
    // ones theirs in OLD; by_package is sorted by |delta|
    let by = g["by_package"].as_array().unwrap();
    // (a package that owns no live bytes, like the sim's dpkg stanzas without
    // .list files, changes no bytes: it is in new/removed, not in by_package)
    let find = |m: &str, n: &str| {
        by.iter()
            .find(|d| d["manager"] == m && d["name"] == n)
            .cloned()
    };
    // a new package's bytes are on NEW's side, a removed one's on OLD's
    for (list, zero, side) in [
        ("new", "old_bytes", "new_bytes"),
        ("removed", "new_bytes", "old_bytes"),
    ] {
        for p in g[list].as_array().unwrap() {
            let d = find(p["manager"].as_str().unwrap(), p["name"].as_str().unwrap());
            if p["bytes"] == 0 {
                assert_eq!(d, None, "{name}: {p} changes no bytes");
                continue;
            }
            let d = d.unwrap_or_else(|| panic!("{name}: {p} not in by_package"));
            assert_eq!(d[zero], 0, "{name}");
            assert_eq!(d[side], p["bytes"], "{name}");
        }
    }
    let deltas: Vec<u64> = by
        .iter()
        .map(|d| d["delta_bytes"].as_i64().unwrap().unsigned_abs())
        .collect();
    assert!(
        deltas.windows(2).all(|w| w[0] >= w[1]),
        "{name}: {deltas:?}"
    );
    for d in by {
        assert_eq!(
            d["delta_bytes"].as_i64().unwrap(),
            d["new_bytes"].as_i64().unwrap() - d["old_bytes"].as_i64().unwrap()
        );
    }
}

#[test]
fn packages_match_the_python_oracle() {
    let all = expected();
    for (name, old, new) in PAIRS {
        let got = diff_json(&testdata(old), &testdata(new));
        check_packages(name, &got, &all[name]);
    }
    // the unrelated pair is the one where bytes move: antipatterns' pip
    // installs (EXPECTED.json, from their RECORD files)
    assert_eq!(
        all["unrelated"]["packages"]["by_package"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // a saved report's packages[] gives the same answer
    let dir = tempfile::tempdir().unwrap();
    let saved = saved_report(&dir, "v1.json", &testdata("diff/v1.tar"));
    let got = diff_json(&saved, &testdata("diff/v2.tar"));
    check_packages("report-v2", &got, &all["v1-v2"]);
    let text = diff(&saved, &testdata("diff/v2.tar"), "text");
    let count = |k: &str| all["v1-v2"]["packages"][k].as_array().unwrap().len();
    let line = format!(
        "Packages: {} new, {} removed, {} upgraded",
        count("new"),
        count("removed"),
        count("upgraded")
    );
    assert_eq!(line, "Packages: 1 new, 0 removed, 0 upgraded");
    assert!(text.contains(&line), "{text}");
    assert!(text.contains("dpkg/curl 7.88.1-10+deb12u8"), "{text}");
}

#[test]
fn an_image_with_itself_is_all_zeros() {
    let p = testdata("diff/v1.tar");
    let got = diff_json(&p, &p);
    for k in [
        "size_bytes",
        "content_bytes",
        "live_bytes",
        "wasted_bytes",
        "recoverable_bytes",
    ] {
        assert_eq!(got["delta"][k], 0, "{k}");
    }
    assert_eq!(got["delta"]["efficiency"], 0.0);
    assert_eq!(got["layers"]["shared"], 6);
    assert_eq!(got["layers"]["first_difference"], 7);
    assert!(got["layers"]["new_step"].is_null());
    assert_eq!(got["findings"]["new"].as_array().unwrap().len(), 0);
    assert_eq!(got["findings"]["fixed"].as_array().unwrap().len(), 0);
    assert_eq!(got["files"]["by_directory"]["files"], 0);
}

#[test]
fn a_saved_report_is_a_side_without_files() {
    let dir = tempfile::tempdir().unwrap();
    let saved = saved_report(&dir, "main.json", &testdata("diff/v1.tar"));
    let got = diff_json(&saved, &testdata("diff/v2.tar"));
    assert!(got["files"].is_null());
    assert_eq!(got["old"]["source"], "report");
    assert_eq!(got["new"]["source"], "file");
    let exp = &expected()["v1-v2"];
    for k in ["shared", "only_old", "only_new", "first_difference"] {
        assert_eq!(got["layers"][k], exp["layers"][k], "{k}");
    }
    assert_eq!(got["delta"]["wasted_bytes"], -5_696);
    assert_eq!(got["findings"]["fixed"][0]["rule"], "removed-later");
    let text = diff(&saved, &testdata("diff/v2.tar"), "text");
    assert!(text.contains("Files: not compared"), "{text}");
}

#[test]
fn check_against_an_image_baseline() {
    let (v1, v2) = (testdata("diff/v1.tar"), testdata("diff/v2.tar"));
    let check = |old: &Path, new: &Path, extra: &[&str]| {
        let mut args = vec![
            "check",
            "--color",
            "never",
            "--baseline",
            old.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        args.push(new.to_str().unwrap());
        run(&args)
    };
    // v2 wastes 5696 B less than v1: passes a zero budget; it adds one
    // package (curl, EXPECTED.json): a limit of 5 passes
    let o = check(
        &v1,
        &v2,
        &["--max-new-waste", "0", "--max-new-packages", "5"],
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("max_new_waste"), "{out}");
    assert!(!out.contains("SKIP"), "{out}");
    assert!(out.contains("1 new packages against the baseline"), "{out}");
    // a limit of 0 fails and names it
    let o = check(&v1, &v2, &["--max-new-packages", "0"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("allowed 0: dpkg/curl"), "{out}");
    // the same against a saved report of v1, in the JSON check output
    let dir = tempfile::tempdir().unwrap();
    let saved = saved_report(&dir, "v1.json", &v1);
    let o = check(&saved, &v2, &["--max-new-packages", "0", "-f", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let r = j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "max_new_packages")
        .unwrap();
    assert_eq!(r["status"], "fail");
    assert_eq!(r["value"], 1);
    assert!(r["offenders"][0]["what"]
        .as_str()
        .unwrap()
        .contains("dpkg/curl"));
    // the other way round: +5696 B, and the message names the finding
    let o = check(&v2, &v1, &["--max-new-waste", "1kB"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("+5.70 kB"), "{out}");
    assert!(out.contains("removes 14.8 kB added by layer 3"), "{out}");
    // max_growth against an image names the files that grew most
    let o = check(&v1, &v2, &["--max-growth", "1%"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("/usr/bin/curl added"), "{out}");
}

#[test]
fn baseline_limits_from_the_budget_file() {
    let (v1, v2) = (testdata("diff/v1.tar"), testdata("diff/v2.tar"));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("budget.toml");
    let check = |toml: &str, extra: &[&str]| {
        std::fs::write(&config, toml).unwrap();
        let mut args = vec![
            "check",
            "--color",
            "never",
            "--config",
            config.to_str().unwrap(),
            "--baseline",
            v1.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        args.push(v2.to_str().unwrap());
        run(&args)
    };
    // v2 adds curl (one package, EXPECTED.json): the file's 0 fails...
    let o = check("[budget]\nmax_new_packages = 0\n", &[]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("allowed 0: dpkg/curl"), "{out}");
    // (budget file, flags, exit code)
    let cases: [(&str, &[&str], i32); 6] = [
        // ...and the flag overrides the file
        ("max_new_packages = 0", &["--max-new-packages", "1"], 0),
        // size_bytes 141,824 -> 214,528 (EXPECTED.json): +72,704 B is 51.3%
        ("max_growth = \"51%\"", &[], 1),
        ("max_growth = \"52%\"", &[], 0),
        ("max_growth = 72704", &[], 0),
        ("max_growth = 72703", &[], 1),
        // wasted 14,796 -> 9,100: no new waste
        ("max_new_waste = 0", &[], 0),
    ];
    for (toml, flags, code) in cases {
        let o = check(&format!("[budget]\n{toml}\n"), flags);
        let out = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(code), "{toml} {flags:?}: {out}");
    }
    // a baseline with no limit anywhere is a usage error, and a bad value names the key
    let o = check("[budget]\nmax_size = \"1GB\"\n", &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("--baseline needs a limit"), "{err}");
    let o = check("[budget]\nmax_growth = \"five%\"\n", &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("budget.toml: invalid growth \"five%\"") && err.contains("(line 2)"),
        "{err}"
    );
}

#[test]
fn bad_sides_are_one_line_errors() {
    let v1 = testdata("diff/v1.tar");
    let o = run(&["diff", "-", "-"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["diff", v1.to_str().unwrap(), "/nonexistent/new.tar"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/nonexistent/new.tar"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"schema_version\": 1}").unwrap();
    let o = run(&["diff", bad.to_str().unwrap(), v1.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("bad.json"));
}

#[test]
fn snapshots_of_every_format() {
    let (v1, v2) = (testdata("diff/v1.tar"), testdata("diff/v2.tar"));
    insta::assert_snapshot!("diff_text", diff(&v1, &v2, "text"));
    insta::assert_snapshot!("diff_md", diff(&v1, &v2, "md"));
    insta::assert_snapshot!("diff_html", diff(&v1, &v2, "html"));
    insta::assert_snapshot!("diff_json", diff(&v1, &v2, "json"));
}

/// Render Markdown with markdown-it-py (CommonMark + GFM tables): Debian's
/// python3-markdown-it, installed by .ci/run.
fn render_md(md: &str) -> String {
    let py = if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    };
    let mut child = Command::new(py)
        .args([
            "-c",
            "import sys; from markdown_it import MarkdownIt; \
             sys.stdout.write(MarkdownIt('commonmark').enable('table').render(sys.stdin.read()))",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(md.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "markdown-it-py missing? see .ci/run");
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn markdown_renders_as_a_pr_comment() {
    let md = diff(&testdata("diff/v1.tar"), &testdata("diff/v2.tar"), "md");
    let html = render_md(&md);
    // the headline, the short table, then each collapsed block with its table
    assert!(
        html.starts_with("<h3>layerscope diff: docker.io/layerscope-test/diff:v1 → docker.io/layerscope-test/diff:v2: <strong>+72.7 kB</strong> (+51.3%), wasted -5.70 kB</h3>"),
        "{html}"
    );
    let details = html.matches("<details><summary>").count();
    assert_eq!(details, 6, "{html}"); // changes, directories, steps, caches, findings, packages
    assert_eq!(html.matches("</details>").count(), details);
    assert_eq!(html.matches("<table>").count(), details + 1, "{html}");
    assert!(
        html.contains("<td>grown</td>\n<td>/var/lib/dpkg/status</td>"),
        "{html}"
    );
    // every table row has its cells (no pipe left over as text)
    assert!(!html.contains("| "), "{html}");
    // the escaped names render as the names: `$V` and `[`
    assert!(html.contains("if [ &quot;$V&quot; = 2 ]"), "{html}");
}

fn pair() -> layerscope_core::diff::Comparison {
    use layerscope_core::analysis::{Analysis, CacheRules};
    use layerscope_core::diff::{compare, Side};
    use layerscope_core::source::{self, Input, OpenOptions};
    let side = |p: &str| {
        let img = source::open(&Input::Path(testdata(p)), &OpenOptions::default()).unwrap();
        Side::from_analysis(&Analysis::new(img, CacheRules::builtin()))
    };
    compare(side("diff/v1.tar"), side("diff/v2.tar"))
}

fn compare_screen(m: &layerscope_tui::compare::CompareModel) -> String {
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;
    let (w, h) = m.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| layerscope_tui::compare::view::compare_view(m, f))
        .unwrap();
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        let line: String = (0..w).map(|x| buf[(x, y)].symbol()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[test]
fn compare_view_snapshots() {
    use layerscope_tui::compare::{compare_update, CompareModel, CompareMsg};
    let c = pair();
    let mut m = CompareModel::new(&c, (100, 30));
    insta::assert_snapshot!("diff_tui_top", compare_screen(&m));
    // changed only, every changed directory open
    compare_update(&mut m, CompareMsg::char('c'));
    compare_update(&mut m, CompareMsg::char('e'));
    insta::assert_snapshot!("diff_tui_changed", compare_screen(&m));
    // the first row is /etc (the only change under it: /etc/app.conf and
    // the mode of /etc/motd); Enter on /etc/motd shows both sides
    let rows = m.rows();
    let motd = rows
        .iter()
        .position(|&i| m.nodes[i].path == "/etc/motd")
        .unwrap();
    for _ in 0..motd {
        compare_update(&mut m, CompareMsg::char('j'));
    }
    compare_update(
        &mut m,
        CompareMsg::key(ratatui::crossterm::event::KeyCode::Enter),
    );
    let s = compare_screen(&m);
    assert!(s.contains("mode 0644  owner 0:0"), "{s}");
    assert!(s.contains("mode 0600  owner 0:0"), "{s}");
    insta::assert_snapshot!("diff_tui_details", s);
}

#[test]
fn every_diff_json_validates_against_its_schema() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schema/diff.schema.json"),
    )
    .unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    for (name, old, new) in PAIRS {
        let got = diff_json(&testdata(old), &testdata(new));
        let errors: Vec<String> = v.iter_errors(&got).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
    // files: null (a saved report as OLD) validates too
    let dir = tempfile::tempdir().unwrap();
    let saved = saved_report(&dir, "old.json", &testdata("diff/v1.tar"));
    let got = diff_json(&saved, &testdata("diff/v2.tar"));
    assert!(v.is_valid(&got));
    // and the schema is strict where it should be: files must be an object
    let mut bad = got.clone();
    bad["files"] = Value::from(3);
    assert!(!v.is_valid(&bad));
}

#[test]
fn hostile_names_are_escaped_in_every_format() {
    use crate::support::images::{hostile, lean};
    use layerscope_core::diff::{compare, Side};
    use layerscope_report::diff::{write, Format};
    // NEW's live files: /app/e\x1b[31mvil\nname (20 B, put by the layer
    // `rm '/app/<script>alert(1)</script>'`); every name of lean's removed.
    let c = compare(
        Side::from_analysis(&lean()),
        Side::from_analysis(&hostile()),
    );
    let f = c.files.as_ref().unwrap();
    assert_eq!(f.added_bytes, 20);
    assert_eq!(f.removed_bytes, 3_100); // bin/sh 1000, app/main 2000, app/old 100
    let render = |fmt| {
        let mut out = Vec::new();
        write(&c, fmt, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    for fmt in [Format::Text, Format::Json, Format::Md, Format::Html] {
        let out = render(fmt);
        assert!(!out.contains('\x1b'), "{fmt:?}: raw ESC\n{out}");
        assert!(!out.contains("vil\nname"), "{fmt:?}: raw newline\n{out}");
    }
    let text = render(Format::Text);
    assert!(text.contains(r"/app/e\x1b[31mvil\x0aname"), "{text}");
    let md = render(Format::Md);
    assert!(!md.contains("<script>"), "{md}");
    assert!(md.contains(r"\<script\>alert(1)\</script\>"), "{md}");
    let html = render(Format::Html);
    assert!(!html.contains("<script>"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(html.contains("&lt;b&gt;x&lt;/b&gt;"), "{html}");
}

#[test]
fn one_side_from_stdin() {
    let v1 = std::fs::File::open(testdata("diff/v1.tar")).unwrap();
    let o = bin()
        .args(["diff", "-f", "json", "-"])
        .arg(testdata("diff/v2.tar"))
        .stdin(v1)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got: Value = serde_json::from_slice(&o.stdout).unwrap();
    let e = &expected()["v1-v2"];
    assert_eq!(got["old"]["source"], "stdin");
    assert_eq!(got["files"]["added_bytes"], e["files"]["added_bytes"]);
    assert_eq!(got["files"]["grown_bytes"], e["files"]["grown_bytes"]);
    assert_eq!(got["layers"]["shared"], e["layers"]["shared"]);
}
