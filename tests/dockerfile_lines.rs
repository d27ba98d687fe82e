//! `--dockerfile`: layers and findings on their Dockerfile lines (JSON,
//! text), `check --format github|sarif|codeclimate` located in the file,
//! mismatches reported, and `fix`'s diff applied by GNU patch. The expected
//! lines are read from the Dockerfile by a route of their own (the lines
//! that start with COPY or RUN, in order); the build images are testdata's.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn ls(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_layerscope"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)))
}

fn images() -> PathBuf {
    root().join("testdata/images/antipatterns")
}

const IMAGE: &str = "../../antipatterns/docker-archive.tar";

/// The lines (1-based) of the layer-making instructions, found by hand's
/// rule: the lines that start with COPY or RUN.
fn layer_lines(dockerfile: &Path) -> Vec<u64> {
    std::fs::read_to_string(dockerfile)
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("RUN ") || l.starts_with("COPY "))
        .map(|(i, _)| i as u64 + 1)
        .collect()
}

fn validator(path: &Path) -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_valid(v: &jsonschema::Validator, instance: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(instance)
        .map(|e| format!("  at {}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}:\n{}", errors.join("\n"));
}

#[test]
fn every_layer_and_finding_gets_its_line() {
    let lines = layer_lines(&images().join("Dockerfile"));
    assert_eq!(lines.len(), 7);
    let r = json(&ls(
        &images(),
        &["report", "-f", "json", "--dockerfile", "Dockerfile", IMAGE],
    ));
    let got: Vec<(u64, u64, String)> = r["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let d = &l["dockerfile"];
            assert_eq!(d["path"], "Dockerfile");
            (
                d["line"].as_u64().unwrap(),
                d["end_line"].as_u64().unwrap(),
                d["instruction"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(u64, u64)> = lines.iter().map(|&l| (l, l)).collect();
    assert_eq!(got.iter().map(|g| (g.0, g.1)).collect::<Vec<_>>(), want);
    assert_eq!(got[1].2, "RUN apt-get update");
    assert_eq!(got[0].2, "COPY rootfs/ /");
    // A finding's line is its layer's.
    for f in r["findings"].as_array().unwrap() {
        match f["layer"].as_u64() {
            Some(l) => assert_eq!(f["dockerfile_line"].as_u64(), Some(lines[l as usize - 1])),
            None => assert_eq!(f["dockerfile_line"], Value::Null),
        }
    }
    assert_valid(
        &validator(&root().join("docs/schema/report.schema.json")),
        &r,
        "report with --dockerfile",
    );
    // Without --dockerfile the keys are absent.
    let plain = json(&ls(&images(), &["report", "-f", "json", IMAGE]));
    assert!(plain["layers"][0].get("dockerfile").is_none());
    assert!(plain["findings"][0].get("dockerfile_line").is_none());
    // Text: Dockerfile:LINE beside each step.
    let t = ls(&images(), &["report", "--dockerfile", "Dockerfile", IMAGE]);
    let text = String::from_utf8(t.stdout).unwrap();
    assert!(text.contains("Dockerfile:12 RUN apt-get update"), "{text}");
    assert!(
        text.contains(&format!("Dockerfile:{} RUN rm -rf", lines[6])),
        "{text}"
    );
}

#[test]
fn an_image_not_built_from_the_file_is_reported_not_guessed() {
    let basic = "../../basic/docker-archive.tar";
    let r = json(&ls(
        &images(),
        &["report", "-f", "json", "--dockerfile", "Dockerfile", basic],
    ));
    assert!(r["layers"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["dockerfile"].is_null()));
    let m: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "dockerfile-mismatch")
        .collect();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0]["severity"], "warning");
    assert!(m[0]["dockerfile_line"].as_u64().is_some());
    let o = ls(&images(), &["fix", "--dockerfile", "Dockerfile", basic]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.starts_with("layerscope: Dockerfile: the image was not built from this file: "),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn a_broken_dockerfile_is_one_line_and_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("Dockerfile"), "FROM scratch\n!!! nope\n").unwrap();
    let img = root().join("testdata/antipatterns/docker-archive.tar");
    let o = ls(
        tmp.path(),
        &[
            "report",
            "--dockerfile",
            "Dockerfile",
            img.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(o.stderr).unwrap(),
        "layerscope: Dockerfile:2: not an instruction: \"!!! nope\"\n"
    );
    let o = ls(
        tmp.path(),
        &["report", "--dockerfile", "missing", img.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8(o.stderr)
        .unwrap()
        .starts_with("layerscope: missing: "));
}

#[test]
fn github_annotations_carry_file_and_line() {
    let o = ls(
        &images(),
        &[
            "check",
            "-f",
            "github",
            "--max-wasted",
            "10kB",
            "--dockerfile",
            "Dockerfile",
            IMAGE,
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8(o.stdout).unwrap();
    // max_wasted's first offender is the apt lists of layer 2 (line 12).
    assert!(
        out.contains(
            "::error file=Dockerfile,line=12,endLine=12,title=layerscope check%3A max_wasted::"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "::warning file=Dockerfile,line=17,title=layerscope%3A cache-left-in-image::pip cache"
        ),
        "{out}"
    );
    // Every annotation is one line.
    assert!(out
        .lines()
        .all(|l| !l.starts_with("::") || l.matches("::").count() >= 2));
}

#[test]
fn sarif_is_located_in_the_dockerfile_and_valid() {
    let o = ls(
        &images(),
        &[
            "check",
            "-f",
            "sarif",
            "--max-wasted",
            "10kB",
            "--dockerfile",
            "Dockerfile",
            IMAGE,
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let s = json(&o);
    assert_eq!(s["version"], "2.1.0");
    let run = &s["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert!(!r["help"]["text"].as_str().unwrap().is_empty());
            r["id"].as_str().unwrap()
        })
        .collect();
    let results = run["results"].as_array().unwrap();
    let report = json(&ls(&images(), &["report", "-f", "json", IMAGE]));
    // One result per finding plus the failed budget (max_wasted).
    assert_eq!(
        results.len(),
        report["findings"].as_array().unwrap().len() + 1
    );
    let lines = layer_lines(&images().join("Dockerfile"));
    for r in results {
        let id = r["ruleId"].as_str().unwrap();
        assert_eq!(rules[r["ruleIndex"].as_u64().unwrap() as usize], id);
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "Dockerfile");
        let line = loc["region"]["startLine"].as_u64().unwrap();
        match r["properties"]["layer"].as_u64() {
            Some(l) => assert_eq!(line, lines[l as usize - 1], "{id}"),
            // duplicate-files has no layer: the final FROM (line 7).
            None => assert_eq!(line, 7, "{id}"),
        }
    }
    assert_eq!(results[0]["ruleId"], "budget/max_wasted");
    assert_eq!(results[0]["level"], "error");
    // The OASIS schema is not ours to ship: validated when it is given.
    match std::env::var_os("LAYERSCOPE_SARIF_SCHEMA") {
        Some(p) => {
            let v = validator(Path::new(&p));
            assert_valid(&v, &s, "SARIF output");
            let mut bad = s.clone();
            bad["runs"][0]["results"][0]["level"] = "fatal".into();
            assert!(!v.is_valid(&bad), "the schema checks levels");
        }
        None => eprintln!("note: LAYERSCOPE_SARIF_SCHEMA unset; SARIF checked structurally only"),
    }
}

/// Microsoft's SARIF validator (`Sarif.Multitool validate`, MIT, from the
/// npm registry: .ci/run fetches it) on the output for a relative and an
/// absolute Dockerfile path: no error, no warning. An absolute path
/// (`/…` as a relative reference) was its SARIF1004 error.
#[test]
fn sarif_passes_microsofts_validator() {
    let Some(tool) = std::env::var_os("LAYERSCOPE_SARIF_MULTITOOL") else {
        eprintln!("note: LAYERSCOPE_SARIF_MULTITOOL unset; skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let abs = images().join("Dockerfile");
    for (name, dockerfile) in [("rel", "Dockerfile"), ("abs", abs.to_str().unwrap())] {
        let o = ls(
            &images(),
            &[
                "check",
                "-f",
                "sarif",
                "--max-wasted",
                "10kB",
                "--dockerfile",
                dockerfile,
                IMAGE,
            ],
        );
        assert_eq!(o.status.code(), Some(1), "{name}");
        let file = dir.path().join(format!("{name}.sarif"));
        std::fs::write(&file, &o.stdout).unwrap();
        let out = dir.path().join(format!("{name}.validation.sarif"));
        let v = Command::new(&tool)
            .args(["validate", "--output"])
            .arg(&out)
            .arg(&file)
            .output()
            .unwrap();
        let text =
            String::from_utf8_lossy(&v.stdout).into_owned() + &String::from_utf8_lossy(&v.stderr);
        assert_eq!(v.status.code(), Some(0), "{name}: {text}");
        // The validator writes its findings as a SARIF log: none expected.
        let log: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        let found: Vec<String> = log["runs"][0]["results"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter(|x| x["level"] != "note" && x["level"] != "none")
                    .map(|x| format!("{} {}", x["ruleId"], x["message"]))
                    .collect()
            })
            .unwrap_or_default();
        assert!(found.is_empty(), "{name}: {found:#?}\n{text}");
    }
}

#[test]
fn codeclimate_entries_name_path_and_line() {
    let o = ls(
        &images(),
        &[
            "check",
            "-f",
            "codeclimate",
            "--dockerfile",
            "Dockerfile",
            IMAGE,
        ],
    );
    let list = json(&o);
    let list = list.as_array().unwrap();
    assert!(!list.is_empty());
    let mut prints = std::collections::HashSet::new();
    for e in list {
        for k in ["description", "check_name", "fingerprint", "severity"] {
            assert!(e[k].as_str().is_some_and(|s| !s.is_empty()), "{k}");
        }
        assert!(["info", "minor", "major", "critical", "blocker"]
            .contains(&e["severity"].as_str().unwrap()));
        assert_eq!(e["location"]["path"], "Dockerfile");
        assert!(e["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
        assert!(
            prints.insert(e["fingerprint"].as_str().unwrap().to_string()),
            "unique fingerprints"
        );
    }
    let pip = list
        .iter()
        .find(|e| e["description"].as_str().unwrap().starts_with("pip cache"))
        .unwrap();
    assert_eq!(pip["location"]["lines"]["begin"], 17);
}

#[test]
fn fix_diff_applies_with_patch_and_matches_output_file() {
    let tmp = tempfile::tempdir().unwrap();
    let df = tmp.path().join("Dockerfile");
    std::fs::copy(images().join("Dockerfile"), &df).unwrap();
    let img = root().join("testdata/antipatterns/docker-archive.tar");
    let out = tmp.path().join("Dockerfile.out");
    let o = ls(
        tmp.path(),
        &[
            "fix",
            "--dockerfile",
            "Dockerfile",
            "-o",
            out.to_str().unwrap(),
            img.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let diff = String::from_utf8(o.stdout).unwrap();
    assert!(diff.contains("@@ -"), "{diff}");
    assert!(
        diff.lines()
            .any(|l| l.starts_with("@@") && l.contains("saves ")),
        "{diff}"
    );
    // GNU patch reads the diff (the preamble and the hunk comments are
    // free text for it) and produces the same file as -o.
    if Command::new("patch").arg("--version").output().is_ok() {
        let st = Command::new("patch")
            .current_dir(tmp.path())
            .args(["-s", "-p1", "-o", "patched", "Dockerfile"])
            .stdin(
                std::fs::File::open({
                    let p = tmp.path().join("d.diff");
                    std::fs::write(&p, &diff).unwrap();
                    p
                })
                .unwrap(),
            )
            .status()
            .unwrap();
        assert!(st.success());
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("patched")).unwrap(),
            std::fs::read_to_string(&out).unwrap()
        );
    }
    let patched = std::fs::read_to_string(&out).unwrap();
    // The remedies: one apt RUN ending in the lists' removal, pip without
    // its cache, /tmp cleaned where it was filled, the later RUN gone.
    assert!(patched.contains("apt-get update && apt-get install -y python3-minimal && apt-get install -y curl && apt-get clean && rm -rf /var/log/apt/* /var/log/dpkg.log && rm -rf /var/lib/apt/lists/*\n"));
    assert!(patched.contains("pip install --no-cache-dir docopt==0.6.2"));
    assert!(patched.contains("chmod 755 /usr/local/bin/app && rm -rf /tmp/*\n"));
    assert!(!patched.contains("sim,target=/usr/local/sbin rm -rf /var/lib/apt/lists/* /tmp/*"));
    // Comments and untouched lines stay as they were.
    let orig = std::fs::read_to_string(&df).unwrap();
    for l in orig
        .lines()
        .filter(|l| l.starts_with('#') || l.starts_with("CMD"))
    {
        assert!(patched.lines().any(|p| p == l), "{l}");
    }
    // --write edits in place; JSON carries the same text and total.
    let j = json(&ls(
        tmp.path(),
        &[
            "fix",
            "--dockerfile",
            "Dockerfile",
            "-f",
            "json",
            "--write",
            img.to_str().unwrap(),
        ],
    ));
    assert_eq!(j["dockerfile"].as_str().unwrap(), patched);
    assert_eq!(std::fs::read_to_string(&df).unwrap(), patched);
    let sum: u64 = j["edits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["bytes"].as_u64().unwrap())
        .sum();
    assert_eq!(j["predicted_saving_bytes"].as_u64().unwrap(), sum);
    assert_valid(
        &validator(&root().join("docs/schema/fix.schema.json")),
        &j,
        "fix json",
    );
}

/// A BuildKit-built image made in code: the mapping reads its history, and
/// fix keeps the file's style (continuation lines with leading `&&`), uses
/// a cache mount for pip (the file has `# syntax=`), removes /tmp leftovers
/// in the RUN that made them and only suggests the multi-stage build.
#[test]
fn buildkit_history_style_kept_and_toolchain_suggested() {
    use crate::support::layers::{image, LayerTar};
    use layerscope_core::analysis::{Analysis, CacheRules};
    use layerscope_core::source::HistoryEntry;
    let l1 = LayerTar::new().file("etc/os-release", 100, 1).scan();
    let l2 = LayerTar::new()
        .file("usr/bin/gcc-12", 3000, 2)
        .file("tmp/build/x.o", 500, 3)
        .file("root/.cache/pip/wheels/w.whl", 700, 4)
        .file("usr/local/bin/x", 40, 5)
        .scan();
    let mut img = image(vec![(l1, "base"), (l2, "run")]);
    let h = |c: &str, empty: bool| HistoryEntry {
        created_by: Some(c.into()),
        empty_layer: empty,
    };
    img.history = vec![
        h("# debian.sh --arch 'amd64' out/ 'bookworm' '@1'", false),
        h("ARG V=1", true),
        h("RUN |1 V=1 /bin/sh -c apt-get install -y gcc     && pip install x     && cc -o /tmp/build/x.o x.c # buildkit", false),
        h("CMD [\"x\"]", true),
    ];
    let text = "# syntax=docker/dockerfile:1\nFROM debian:12\nARG V=1\nRUN apt-get install -y gcc \\\n    && pip install x \\\n    && cc -o /tmp/build/x.o x.c\nCMD [\"x\"]\n";
    let mut a = Analysis::new(img, CacheRules::builtin());
    a.attach_dockerfile("Dockerfile", text).unwrap();
    let d = a.dockerfile.clone().unwrap();
    assert_eq!(d.mapping.mismatch, None);
    let lines: Vec<_> = a
        .layers
        .iter()
        .map(|l| a.dockerfile_line(l.index).map(|r| (r.line, r.end_line)))
        .collect();
    assert_eq!(lines, [Some((2, 2)), Some((4, 6))]);
    let plan = layerscope_core::dockerfile::plan(&a, &d.file, &d.mapping);
    assert_eq!(
        plan.patched,
        "# syntax=docker/dockerfile:1\nFROM debian:12\nARG V=1\n\
# layerscope: a build toolchain: gcc (3.00 kB live) ships in the final image.\n\
# A multi-stage build keeps it out (a sketch, not applied):\n\
#   FROM debian:12 AS build\n\
#   RUN <install the toolchain and build>\n\
#   FROM debian:12\n\
#   COPY --from=build <what the build produced> <where it goes>\n\
RUN --mount=type=cache,target=/root/.cache/pip apt-get install -y gcc \\\n    && pip install x \\\n    && cc -o /tmp/build/x.o x.c \\\n    && rm -rf /tmp/build\nCMD [\"x\"]\n"
    );
    // pip's 700 B and /tmp's 500 B; the toolchain is a suggestion (0 B).
    assert_eq!(plan.predicted_saving_bytes, 1200);
    let by: Vec<_> = plan
        .edits
        .iter()
        .map(|e| (e.finding.as_str(), e.bytes))
        .collect();
    assert_eq!(by, [("pip", 700), ("tmp", 500), ("build-toolchain", 0)]);
    // The suggestion is not made twice: fix's output, same image, mapped
    // again (the history still matches), suggests nothing new.
    let mut b = a;
    b.dockerfile = None;
    b.attach_dockerfile("Dockerfile", &plan.patched).unwrap();
    let d2 = b.dockerfile.clone().unwrap();
    let again = layerscope_core::dockerfile::plan(&b, &d2.file, &d2.mapping);
    assert_eq!(again.edits, vec![]);
    assert_eq!(again.patched, plan.patched);
}

/// `--no-install-recommends` (docs/dockerfile.md, "Remedies"): an image
/// made in code whose dpkg databases (status, extended_states, info/*.list)
/// mark packages auto-installed and only recommended. Layer by layer:
/// ```text
/// L1 base:  os-release 100; status: base
/// L2 RUN apt-get update && apt-get install -y a
///           a: usr/bin/a 1000 + usr/share/doc/shared 60 (also rec's)
///           dep (auto, a Depends on it): usr/lib/dep.so 300
///           rec (auto, a Recommends it): usr/share/rec/r1 400, r2 its
///               hardlink, usr/share/doc/shared
///           lists/..._InRelease 500
/// L3 RUN apt-get -y install c
///           c: usr/bin/c 200; rec2 (auto, c Recommends it): rec2.txt 70
/// L4 RUN apt-get install --no-install-recommends -y e
///           e: usr/bin/e 30; rec3 (auto, e Recommends it): rec3.txt 90
/// ```
/// L2 loses rec's r1 inode (400, its hardlink once; shared stays: a owns
/// it too) and the lists (500, the apt remedy); L3 loses rec2.txt (70); L4
/// already has the flag and is left alone.
#[test]
fn recommended_only_packages_get_no_install_recommends() {
    use crate::support::layers::{image, LayerTar};
    use layerscope_core::analysis::{Analysis, CacheRules};
    use layerscope_core::source::HistoryEntry;
    let st = |p: &str, extra: &str| {
        format!("Package: {p}\nStatus: install ok installed\nVersion: 1\n{extra}\n")
    };
    let base = st("base", "");
    let s2 = format!(
        "{base}{}{}{}",
        st("a", "Depends: dep\nRecommends: rec\n"),
        st("dep", ""),
        st("rec", "")
    );
    let s3 = format!("{s2}{}{}", st("c", "Recommends: rec2\n"), st("rec2", ""));
    let s4 = format!("{s3}{}{}", st("e", "Recommends: rec3\n"), st("rec3", ""));
    let auto = |names: &[&str]| {
        names
            .iter()
            .map(|n| format!("Package: {n}\nArchitecture: amd64\nAuto-Installed: 1\n\n"))
            .collect::<String>()
    };
    let layers = |lists: bool| {
        let mut l1 = LayerTar::new().file("etc/os-release", 100, 1);
        l1.file_bytes("var/lib/dpkg/status", base.as_bytes());
        let mut l2 = LayerTar::new()
            .file("usr/bin/a", 1000, 2)
            .file("usr/share/doc/shared", 60, 3)
            .file("usr/lib/dep.so", 300, 4)
            .file("usr/share/rec/r1", 400, 5)
            .hardlink("usr/share/rec/r2", "usr/share/rec/r1");
        if lists {
            l2 = l2.file(
                "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease",
                500,
                6,
            );
        }
        l2.file_bytes("var/lib/dpkg/status", s2.as_bytes());
        l2.file_bytes(
            "var/lib/apt/extended_states",
            auto(&["dep", "rec"]).as_bytes(),
        );
        l2.file_bytes(
            "var/lib/dpkg/info/a.list",
            b"/usr/bin/a\n/usr/share/doc/shared\n",
        );
        l2.file_bytes("var/lib/dpkg/info/dep.list", b"/usr/lib/dep.so\n");
        l2.file_bytes(
            "var/lib/dpkg/info/rec.list",
            b"/usr/share/rec\n/usr/share/rec/r1\n/usr/share/rec/r2\n/usr/share/doc/shared\n",
        );
        let mut l3 = LayerTar::new()
            .file("usr/bin/c", 200, 7)
            .file("usr/share/rec2.txt", 70, 8);
        l3.file_bytes("var/lib/dpkg/status", s3.as_bytes());
        l3.file_bytes(
            "var/lib/apt/extended_states",
            auto(&["dep", "rec", "rec2"]).as_bytes(),
        );
        l3.file_bytes("var/lib/dpkg/info/c.list", b"/usr/bin/c\n");
        l3.file_bytes("var/lib/dpkg/info/rec2.list", b"/usr/share/rec2.txt\n");
        let mut l4 = LayerTar::new()
            .file("usr/bin/e", 30, 9)
            .file("usr/share/rec3.txt", 90, 10);
        l4.file_bytes("var/lib/dpkg/status", s4.as_bytes());
        l4.file_bytes(
            "var/lib/apt/extended_states",
            auto(&["dep", "rec", "rec2", "rec3"]).as_bytes(),
        );
        l4.file_bytes("var/lib/dpkg/info/e.list", b"/usr/bin/e\n");
        l4.file_bytes("var/lib/dpkg/info/rec3.list", b"/usr/share/rec3.txt\n");
        image(vec![
            (l1.scan(), "base"),
            (l2.scan(), "run"),
            (l3.scan(), "run"),
            (l4.scan(), "run"),
        ])
    };
    let mut img = layers(true);
    let h = |c: &str| HistoryEntry {
        created_by: Some(c.into()),
        empty_layer: false,
    };
    img.history = vec![
        h("# debian.sh --arch 'amd64' out/ 'bookworm' '@1'"),
        h("RUN /bin/sh -c apt-get update && apt-get install -y a # buildkit"),
        h("RUN /bin/sh -c apt-get -y install c # buildkit"),
        h("RUN /bin/sh -c apt-get install --no-install-recommends -y e # buildkit"),
    ];
    let text = "FROM debian:12\nRUN apt-get update && apt-get install -y a\nRUN apt-get -y install c\nRUN apt-get install --no-install-recommends -y e\n";
    let mut a = Analysis::new(img, CacheRules::builtin());
    // The attribution this remedy reads (docs/packages.md).
    let rec: Vec<(&str, u64, usize)> = a
        .packages
        .list
        .iter()
        .filter(|p| p.recommended_only)
        .map(|p| {
            (
                p.name.as_str(),
                p.live_bytes,
                p.installed_by.unwrap().number(),
            )
        })
        .collect();
    assert_eq!(rec, [("rec", 460, 2), ("rec3", 90, 4), ("rec2", 70, 3)]);
    a.attach_dockerfile("Dockerfile", text).unwrap();
    let d = a.dockerfile.clone().unwrap();
    assert_eq!(d.mapping.mismatch, None);
    let plan = layerscope_core::dockerfile::plan(&a, &d.file, &d.mapping);
    assert_eq!(
        plan.patched,
        "FROM debian:12\n\
RUN apt-get update && apt-get install --no-install-recommends -y a && rm -rf /var/lib/apt/lists/*\n\
RUN apt-get -y install --no-install-recommends c\n\
RUN apt-get install --no-install-recommends -y e\n"
    );
    let by: Vec<_> = plan
        .edits
        .iter()
        .map(|e| (e.line, e.finding.as_str(), e.bytes))
        .collect();
    assert_eq!(
        by,
        [
            (2, "recommended-only", 400),
            (2, "apt-lists", 500),
            (3, "recommended-only", 70)
        ]
    );
    assert_eq!(plan.predicted_saving_bytes, 970);
    // Idempotent: the patched file, on an image built from it with the
    // recommended packages still there (the lists gone, as the apt remedy
    // promises), is left as it is: every install RUN has the flag.
    let mut img = layers(false);
    img.history = vec![
        h("# debian.sh --arch 'amd64' out/ 'bookworm' '@1'"),
        h("RUN /bin/sh -c apt-get update && apt-get install --no-install-recommends -y a && rm -rf /var/lib/apt/lists/* # buildkit"),
        h("RUN /bin/sh -c apt-get -y install --no-install-recommends c # buildkit"),
        h("RUN /bin/sh -c apt-get install --no-install-recommends -y e # buildkit"),
    ];
    let mut b = Analysis::new(img, CacheRules::builtin());
    b.attach_dockerfile("Dockerfile", &plan.patched).unwrap();
    let d2 = b.dockerfile.clone().unwrap();
    assert_eq!(d2.mapping.mismatch, None);
    let again = layerscope_core::dockerfile::plan(&b, &d2.file, &d2.mapping);
    assert_eq!(again.edits, vec![]);
    assert_eq!(again.patched, plan.patched);
}
