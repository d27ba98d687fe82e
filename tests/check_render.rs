//! Every `check --format` on a failing and a passing image (snapshots,
//! reviewed by eye), the JUnit file against a JUnit XSD, and the escaping
//! of hostile names in each format.

use crate::support::images;

use std::io::Write as _;
use std::process::Command;

use images::{antipatterns, hostile, lean};
use layerscope_core::analysis::Analysis;
use layerscope_core::config::{Budget, Config};
use layerscope_report::check::render::{write, Format};
use layerscope_report::check::{evaluate, Budgets, DiveCi};

const FAILING: &str = r#"
[budget]
max_size = "28kB"
max_wasted = "5kB"
max_wasted_percent = 50.0
min_efficiency = 0.5
max_layers = 4

[budget.cache]
pip = 0
"*" = "5MB"
"#;

fn failing() -> (Analysis, Budgets) {
    let a = antipatterns();
    let cfg = Config::parse(FAILING, "f.toml").unwrap();
    let b = Budgets::new(
        &cfg.budget,
        &Budget::default(),
        Some(DiveCi::default()),
        None,
    )
    .unwrap();
    (a, b)
}

fn passing() -> (Analysis, Budgets) {
    (lean(), Budgets::from_budget(&Budget::default()).unwrap())
}

fn render(a: &Analysis, b: &Budgets, f: Format) -> String {
    let r = evaluate(a, b);
    let mut out = Vec::new();
    write(a, b, &r, f, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn text_snapshots() {
    let (a, b) = failing();
    insta::assert_snapshot!("check_text_fail", render(&a, &b, Format::Text));
    let (a, b) = passing();
    insta::assert_snapshot!("check_text_pass", render(&a, &b, Format::Text));
}

#[test]
fn markdown_snapshots() {
    let (a, b) = failing();
    insta::assert_snapshot!("check_md_fail", render(&a, &b, Format::Md));
    let (a, b) = passing();
    insta::assert_snapshot!("check_md_pass", render(&a, &b, Format::Md));
}

#[test]
fn github_snapshots() {
    let (a, b) = failing();
    insta::assert_snapshot!("check_github_fail", render(&a, &b, Format::Github));
    let (a, b) = passing();
    insta::assert_snapshot!("check_github_pass", render(&a, &b, Format::Github));
}

#[test]
fn junit_snapshots() {
    let (a, b) = failing();
    insta::assert_snapshot!("check_junit_fail", render(&a, &b, Format::Junit));
    let (a, b) = passing();
    insta::assert_snapshot!("check_junit_pass", render(&a, &b, Format::Junit));
}

#[test]
fn json_is_the_report_plus_checks() {
    let (a, b) = failing();
    let v: serde_json::Value = serde_json::from_str(&render(&a, &b, Format::Json)).unwrap();
    // The full report...
    for key in [
        "schema_version",
        "image",
        "totals",
        "layers",
        "cache",
        "hidden",
        "duplicates",
        "findings",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["totals"]["size_bytes"], 28_160);
    assert_eq!(v["passed"], false);
    assert_eq!(v["default_budget"], false);
    // ...plus checks[] with rule, status, value, limit, message.
    insta::assert_json_snapshot!("check_json_fail_checks", v["checks"]);
    let checks = v["checks"].as_array().unwrap();
    let size = &checks[0];
    assert_eq!(size["rule"], "max_size");
    assert_eq!(size["status"], "fail");
    assert_eq!(size["value"], 28_160);
    assert_eq!(size["limit"], 28_000);
    assert_eq!(size["unit"], "bytes");
    // highestWastedBytes is disabled by dive's default: skipped, no value.
    let skip = checks
        .iter()
        .find(|c| c["rule"] == "dive.highestWastedBytes")
        .unwrap();
    assert_eq!(skip["status"], "skip");
    assert_eq!(skip["value"], serde_json::Value::Null);

    let (a, b) = passing();
    let v: serde_json::Value = serde_json::from_str(&render(&a, &b, Format::Json)).unwrap();
    assert_eq!(v["passed"], true);
    assert_eq!(v["default_budget"], true);
    let statuses: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["pass", "pass"]);
}

/// Validate with `xmllint --schema` when it is installed (apt
/// libxml2-utils); say so and skip when it is not.
fn xmllint(xml_text: &str) -> Option<Result<(), String>> {
    if Command::new("xmllint").arg("--version").output().is_err() {
        println!("note: xmllint not installed (apt-get install libxml2-utils): JUnit XSD validation skipped");
        return None;
    }
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(xml_text.as_bytes()).unwrap();
    let out = Command::new("xmllint")
        .args(["--noout", "--schema", "tests/fixtures/junit.xsd"])
        .arg(f.path())
        .output()
        .unwrap();
    if out.status.success() {
        Some(Ok(()))
    } else {
        Some(Err(String::from_utf8_lossy(&out.stderr).into_owned()))
    }
}

#[test]
fn junit_validates_against_the_xsd() {
    let (a, b) = failing();
    let (p, pb) = passing();
    let h = hostile();
    let hb = Budgets::from_budget(&Budget {
        max_wasted: Some(layerscope_core::config::Size(0)),
        ..Budget::default()
    })
    .unwrap();
    for (name, text) in [
        ("failing", render(&a, &b, Format::Junit)),
        ("passing", render(&p, &pb, Format::Junit)),
        ("hostile", render(&h, &hb, Format::Junit)),
    ] {
        match xmllint(&text) {
            None => return,
            Some(Ok(())) => {}
            Some(Err(e)) => panic!("{name}: JUnit output does not validate:\n{e}\n{text}"),
        }
    }
}

#[test]
fn junit_counts() {
    let (a, b) = failing();
    let text = render(&a, &b, Format::Junit);
    // 5 budget keys + cache.pip + cache.apt-lists and cache.tmp (under
    // "*") + 3 dive rules = 11; failing: max_size, max_wasted, cache.pip
    // (apt-lists 5_300 and tmp 50 are under 5MB), and dive's default
    // lowestEfficiency 0.9 and highestUserWastedPercent 10%: the image
    // wastes about half its bytes by any definition; skipped:
    // highestWastedBytes (disabled by default).
    assert!(
        text.contains(r#"tests="11" failures="5" errors="0" skipped="1""#),
        "{text}"
    );
    assert_eq!(text.matches("<testcase ").count(), 11);
    assert_eq!(text.matches("<failure ").count(), 5);
    assert_eq!(text.matches("<skipped ").count(), 1);
}

#[test]
fn hostile_names_are_escaped_in_every_format() {
    let a = hostile();
    let b = Budgets::from_budget(&Budget {
        max_wasted: Some(layerscope_core::config::Size(0)),
        ..Budget::default()
    })
    .unwrap();
    // L2 removes the script file (10) and the formula file (30) and
    // overwrites the ESC file (20): 60 wasted.
    assert_eq!(a.totals.wasted_bytes, 60);
    for f in [
        Format::Text,
        Format::Json,
        Format::Junit,
        Format::Md,
        Format::Github,
    ] {
        let out = render(&a, &b, f);
        assert!(!out.contains('\x1b'), "{f:?}: raw ESC\n{out}");
        if f != Format::Json {
            // JSON carries the name as a JSON string (\u001b escaped).
            assert!(
                !out.contains("vil\nname"),
                "{f:?}: raw newline from a name\n{out}"
            );
        }
    }
    let text = render(&a, &b, Format::Text);
    assert!(text.contains(r"/app/e\x1b[31mvil\x0aname"), "{text}");

    let junit = render(&a, &b, Format::Junit);
    assert!(!junit.contains("<script>"), "{junit}");
    assert!(
        junit.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{junit}"
    );

    let md = render(&a, &b, Format::Md);
    assert!(!md.contains("<script>"), "{md}");
    assert!(md.contains(r"\<script\>alert(1)\</script\>"), "{md}");

    let gh = render(&a, &b, Format::Github);
    for line in gh.lines() {
        assert!(
            line.starts_with("::error ")
                || line.starts_with("::warning ")
                || line.starts_with("::notice ")
                || line.starts_with("PASS ")
                || line.starts_with("layerscope check "),
            "a line no command of ours starts: {line:?}"
        );
    }
    assert_eq!(gh.lines().filter(|l| l.starts_with("::error ")).count(), 1);
    // The name's `%0A` is data, escaped to `%250A`; the offender lines are
    // joined with a real (escaped) line break.
    assert!(gh.contains("%250A"), "{gh}");
    assert!(gh.contains("%0A"), "{gh}");
}
