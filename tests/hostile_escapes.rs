//! Names in an image are attacker-controlled: file names, `created_by`,
//! tags, platform strings. Whatever they hold (ANSI sequences, OSC title
//! changes, `\r`, `\n`, C0 and C1 controls, bidi overrides), no output
//! layerscope writes may carry a byte a terminal acts on: the text report,
//! the JSON report (controls as `\u00XX` escapes) and the one-line error.
//!
//! Formats not on this branch (csv, md, html, the TUI) are tested where
//! they live; `escape::for_html` is checked in `src/escape.rs`.

use crate::support::archives;
use crate::support::hostile;

use archives::*;
use hostile::*;
use serde_json::{json, Value};

/// Every nasty thing at once.
const NASTY: &[&str] = &[
    "\x1b[31mred\x1b[0m",
    "\x1b]0;pwned title\x07",
    "\x1b]8;;https:evil\x1b\\link\x1b]8;;\x1b\\",
    "carriage\rreturn",
    "new\nline",
    "tab\tand\x08backspace\x7fdel",
    "c1\u{9b}31mcsi\u{9d}osc\u{85}nel",
    "bidi\u{202e}txt.exe\u{2066}iso\u{2069}",
    "bell\x07\x0b\x0c\x0e\x1f",
];

fn nasty_name(i: usize) -> String {
    format!("n{i}-{}", NASTY[i % NASTY.len()])
}

/// A two-layer image: layer 1 writes a file per nasty name (and a
/// directory of them), layer 2 removes some and overwrites others, so they
/// show up in hidden files, findings and duplicates too.
fn nasty_image() -> TImage {
    let mut t1 = RawTar::default();
    let mut t2 = RawTar::default();
    for i in 0..NASTY.len() {
        let name = format!("tmp/{}", nasty_name(i));
        // Long enough for the findings to name it as the biggest.
        let data = vec![b'a' + i as u8; 2000 + i];
        // Raw header names (PAX records cannot hold a newline for every
        // reader).
        t1.entry(name.as_bytes(), tar::EntryType::Regular, &data);
        // The same content again under another nasty name: a duplicate.
        let copy = format!("opt/copy-{}", nasty_name(i));
        t1.entry(copy.as_bytes(), tar::EntryType::Regular, &data);
        if i % 2 == 0 {
            let wh = format!("tmp/.wh.{}", nasty_name(i));
            t2.entry(wh.as_bytes(), tar::EntryType::Regular, b"");
        } else {
            t2.entry(name.as_bytes(), tar::EntryType::Regular, b"new");
        }
    }
    // A `..` name and a missing hardlink target: integrity findings quote
    // the name.
    t2.entry(
        format!("../{}", NASTY[0]).as_bytes(),
        tar::EntryType::Regular,
        b"x",
    );
    t2.link(
        format!("lnk{}", NASTY[1]).as_bytes(),
        tar::EntryType::Link,
        NASTY[2].as_bytes(),
    );
    let layers = vec![
        raw_layer(t1.finish(), Comp::Gzip),
        raw_layer(t2.finish(), Comp::None),
    ];
    let img = sample().with_layers(layers);
    let mut c = img.config_value();
    c["history"] = json!([
        {"created_by": format!("/bin/sh -c echo {}", NASTY.join(" "))},
        {"created_by": format!("RUN {} # buildkit", NASTY.concat())},
    ]);
    c["os"] = json!(format!("linux{}", NASTY[0]));
    c["architecture"] = json!(format!("amd64{}", NASTY[7]));
    img.with_config(c)
}

fn nasty_archive() -> Archive {
    let img = nasty_image();
    let tag = format!("evil{}:latest", NASTY[1]);
    legacy(&[(&img, &[tag.as_str()])], false)
}

#[test]
fn text_report_escapes_every_name() {
    let a = nasty_archive();
    let out = report(&Input::file(&a.tar()), &["--format", "text", "--no-verify"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_terminal_safe(&out.stdout);
    let text = String::from_utf8(out.stdout).unwrap();
    // The names are there, escaped, not dropped.
    assert!(text.contains("\\x1b]0;pwned title\\x07"), "{text}");
    assert!(text.contains("\\u{202e}"), "{text}");
    assert!(text.contains("\\x9b31mcsi"), "{text}");
    // And the default command (no subcommand) prints the same summary.
    let a2 = nasty_archive();
    let input = Input::file(&a2.tar());
    let out = run(&["--no-verify".into(), input.label()], None, 60);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_terminal_safe(&out.stdout);
}

#[test]
fn json_report_has_no_raw_control_bytes() {
    let a = nasty_archive();
    let out = report(&Input::file(&a.tar()), &["--no-verify"]);
    let r: Value = out.json();
    // No C0 byte but the layout's newlines, no DEL: JSON escapes them.
    for (i, &b) in out.stdout.iter().enumerate() {
        assert!(
            b == b'\n' || (b >= 0x20 && b != 0x7f),
            "raw byte {b:#04x} at {i}"
        );
    }
    // C1 controls and bidi overrides are escaped too (`\u009b`), so the
    // JSON is as safe on a terminal as the text.
    assert_terminal_safe(&out.stdout);
    // And the names survive the round trip exactly.
    let paths: Vec<&str> = r["hidden"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["path"].as_str().unwrap())
        .collect();
    for i in 0..NASTY.len() {
        let want = format!("/tmp/{}", nasty_name(i));
        assert!(paths.contains(&want.as_str()), "{want:?} not in {paths:?}");
    }
    assert_eq!(
        r["image"]["reference"].as_str().unwrap(),
        format!("evil{}:latest", NASTY[1])
    );
    assert!(r["layers"][1]["created_by"]
        .as_str()
        .unwrap()
        .contains(NASTY[0]));
}

#[test]
fn error_messages_escape_names() {
    // A manifest naming a missing layer member whose name is escape-laden.
    let img = sample();
    let mut a = legacy(&[(&img, &["app:1"])], false);
    let mut m: Value = serde_json::from_slice(a.get("manifest.json")).unwrap();
    let evil = "\x1b]0;owned\x07\x1b[2J\r\n\u{9b}6n\u{202e}/layer.tar";
    m[0]["Layers"][0] = json!(evil);
    a.replace("manifest.json", serde_json::to_vec(&m).unwrap());
    let out = report(&Input::file(&a.tar()), &[]);
    out.fails(
        "layer 1: missing blob \\x1b]0;owned\\x07\\x1b[2J\\x0d\\x0a\\x9b6n\\u{202e}/layer.tar",
    );
    // Several images with nasty tags and no --image: the usage error lists
    // them, escaped.
    let other = sample_with([Comp::None; 3], 9);
    let t1 = format!("a{}:1", NASTY[0]);
    let t2 = format!("b{}:2", NASTY[7]);
    let a = legacy(&[(&img, &[t1.as_str()]), (&other, &[t2.as_str()])], false);
    let input = Input::file(&a.tar());
    let out = report(&input, &[]);
    out.fails(&format!(
        "{} holds 2 images; pick one with --image: a\\x1b[31mred\\x1b[0m:1, bbidi\\u{{202e}}txt.exe\\u{{2066}}iso\\u{{2069}}:2",
        input.label()
    ));
    // A member name with controls in a link error (quoted with Rust's
    // Debug, then escaped: never raw).
    let mut a = legacy(&[(&img, &["app:1"])], false);
    let i = a
        .members
        .iter()
        .position(|(n, _)| n.ends_with("/layer.tar"))
        .unwrap();
    a.members[i].1 = Node::Symlink("../\x1b[5mblink/layer.tar".into());
    let out = report(&Input::file(&a.tar()), &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("\\\\u{1b}[5mblink"), "{:?}", out.stderr);
}

#[test]
fn output_file_is_the_only_write() {
    // `-o FILE` writes FILE (atomically, via a temporary in its directory)
    // and nothing else.
    let a = nasty_archive();
    let input = Input::file(&a.tar());
    let outdir = tempfile::tempdir().unwrap();
    let target = outdir.path().join("report.json");
    let out = run(
        &[
            "report".into(),
            "--format".into(),
            "json".into(),
            "--no-verify".into(),
            "-o".into(),
            target.display().to_string(),
            input.label(),
        ],
        None,
        60,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    let names: Vec<_> = std::fs::read_dir(outdir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("report.json")]);
    let r: Value = serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    assert_eq!(r["totals"]["layers"], 2);
}
