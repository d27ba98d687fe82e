//! `--dive-ci`: dive's rule file, parsed and evaluated as dive does, on
//! explicit dive figures (the figures themselves come from src/dive).

use crate::support::images;

use layerscope_report::check::dive::evaluate;
use layerscope_report::check::{dive_values, DiveCi, DiveValues, Measure, Status};

fn parse(text: &str) -> DiveCi {
    DiveCi::parse(text, ".dive-ci").unwrap()
}

#[test]
fn the_usual_file() {
    let ci = DiveCi::load(std::path::Path::new("tests/fixtures/dive-ci.yaml")).unwrap();
    assert_eq!(
        ci,
        DiveCi {
            lowest_efficiency: Some(0.95),
            highest_wasted_bytes: Some(20_000_000),
            highest_user_wasted_percent: Some(0.2),
        }
    );
}

#[test]
fn missing_rules_take_dives_defaults() {
    let d = DiveCi {
        lowest_efficiency: Some(0.9),
        highest_wasted_bytes: None,
        highest_user_wasted_percent: Some(0.1),
    };
    assert_eq!(DiveCi::default(), d);
    assert_eq!(parse(""), d);
    assert_eq!(parse("rules:\n"), d);
    assert_eq!(
        parse("rules:\n  highestWastedBytes: 1000\n"),
        DiveCi {
            highest_wasted_bytes: Some(1000),
            ..d
        }
    );
}

#[test]
fn disabled_in_every_spelling() {
    let ci = parse(
        "rules:\n  lowestEfficiency: disabled\n  highestWastedBytes: \"off\"\n  highestUserWastedPercent: false\n",
    );
    assert_eq!(
        ci,
        DiveCi {
            lowest_efficiency: None,
            highest_wasted_bytes: None,
            highest_user_wasted_percent: None,
        }
    );
    assert_eq!(
        parse("rules:\n  lowestEfficiency: \"\"\n").lowest_efficiency,
        None
    );
    assert_eq!(
        parse("rules:\n  lowestEfficiency: DISABLED\n").lowest_efficiency,
        None
    );
}

#[test]
fn newer_kebab_case_keys() {
    let ci = parse(
        "lowest-efficiency-threshold: 0.8\nhighest-wasted-bytes: 5MiB\nhighest-user-wasted-percent: 0.05\n",
    );
    assert_eq!(ci.lowest_efficiency, Some(0.8));
    assert_eq!(ci.highest_wasted_bytes, Some(5 * 1024 * 1024));
    assert_eq!(ci.highest_user_wasted_percent, Some(0.05));
}

#[test]
fn invalid_values_are_errors() {
    for bad in [
        "rules:\n  lowestEfficiency: 95\n", // a ratio, not a percent
        "rules:\n  lowestEfficiency: high\n",
        "rules:\n  highestUserWastedPercent: 20\n", // 0-1
        "rules:\n  highestWastedBytes: lots\n",
        "rules:\n  lowestEfficiencyy: 0.9\n", // typo
        "rules:\n  lowestEfficiency: [1]\n",
        "rules: [1, 2]\n",
        "rules: {\n", // not YAML
    ] {
        assert!(DiveCi::parse(bad, ".dive-ci").is_err(), "{bad}");
    }
}

fn statuses(r: &[layerscope_report::check::CheckResult]) -> Vec<(&str, Status)> {
    r.iter().map(|x| (x.rule.as_str(), x.status)).collect()
}

#[test]
fn evaluation_on_explicit_figures() {
    let ci = parse("rules:\n  lowestEfficiency: 0.95\n  highestWastedBytes: 20MB\n  highestUserWastedPercent: 0.10\n");
    // Exactly at every threshold: dive passes (strict comparisons).
    let at = DiveValues {
        efficiency: 0.95,
        wasted_bytes: 20_000_000,
        user_wasted_percent: 10.0,
    };
    let r = evaluate(&ci, Some(&at));
    assert_eq!(
        statuses(&r),
        vec![
            ("dive.lowestEfficiency", Status::Pass),
            ("dive.highestWastedBytes", Status::Pass),
            ("dive.highestUserWastedPercent", Status::Pass),
        ]
    );
    assert_eq!(r[2].value, Some(Measure::Percent(10.0)));
    assert_eq!(r[2].limit, Some(Measure::Percent(10.0)));

    // Just past every threshold: all fail.
    let past = DiveValues {
        efficiency: 0.9499,
        wasted_bytes: 20_000_001,
        user_wasted_percent: 10.01,
    };
    let r = evaluate(&ci, Some(&past));
    assert!(r.iter().all(|x| x.status == Status::Fail), "{r:#?}");
    assert_eq!(r[0].value, Some(Measure::Ratio(0.9499)));
    assert_eq!(r[1].value, Some(Measure::Bytes(20_000_001)));
    assert_eq!(r[1].limit, Some(Measure::Bytes(20_000_000)));
    assert!(r[2].message.contains("10.01%"), "{}", r[2].message);

    // A disabled rule is skipped whatever the figures.
    let off = parse("rules:\n  lowestEfficiency: disabled\n");
    let r = evaluate(&off, Some(&past));
    assert_eq!(r[0].status, Status::Skip);
    assert_eq!(r[0].message, "rule disabled");
    assert_eq!(r[1].status, Status::Skip); // highestWastedBytes: disabled by default
    assert_eq!(r[2].status, Status::Fail); // 10.01% > the default 10%
}

#[test]
fn without_dive_figures_the_rules_are_skipped_and_say_why() {
    // The analysis's own dive figures feed the rules.
    let a = images::lean();
    let d = &a.dive.figures;
    assert_eq!(
        dive_values(&a),
        Some(DiveValues {
            efficiency: d.efficiency,
            wasted_bytes: d.wasted_bytes,
            user_wasted_percent: d.user_wasted_percent
        })
    );
    // Without figures (dive would refuse the image) every rule is skipped.
    let r = evaluate(&DiveCi::default(), None);
    assert_eq!(
        statuses(&r),
        vec![
            ("dive.lowestEfficiency", Status::Skip),
            ("dive.highestWastedBytes", Status::Skip),
            ("dive.highestUserWastedPercent", Status::Skip),
        ]
    );
    assert!(r[0].message.contains("dive would refuse this image"));
    assert_eq!(r[0].limit, Some(Measure::Ratio(0.9)));
    assert_eq!(r[1].message, "rule disabled");
    assert!(layerscope_report::check::passed(&r));
}
