//! `check::evaluate` on images built in code. Every expected figure is
//! worked out by hand (see tests/check_images/mod.rs), never copied from
//! the output.

use crate::support::images;

use images::{antipatterns, lean};
use layerscope_core::config::{Budget, Config, Size};
use layerscope_report::check::{
    self, charged, evaluate, merge, Budgets, CheckResult, Measure, Status,
};

fn get<'a>(r: &'a [CheckResult], rule: &str) -> &'a CheckResult {
    r.iter()
        .find(|x| x.rule == rule)
        .unwrap_or_else(|| panic!("no result for {rule}: {r:#?}"))
}

fn rules(r: &[CheckResult]) -> Vec<&str> {
    r.iter().map(|x| x.rule.as_str()).collect()
}

const EVERY_KEY: &str = r#"
[budget]
max_size = "28kB"             # 28_000 < 28_160: fail by 160
max_wasted = "5kB"            # 5_450 > 5_000: fail
max_wasted_percent = 50.0     # 44.06%: pass
min_efficiency = 0.5          # 0.5594: pass
max_layer_size = "10000B"     # L3 is 10_240: fail; L2 9_216 fine
max_layers = 4                # 4: pass
ignore_base_layers = 0
ignore_paths = []
ignore_churn = false

[budget.cache]
pip = 0                       # 5_000 live: fail
apt-lists = "0B"              # 5_300 hidden: fail
"*" = "5MB"                   # tmp 50: pass

[[rules]]
name = "bundler"
paths = ["/usr/local/bundle/cache/**"]
"#;

#[test]
fn a_budget_file_with_every_key() {
    let a = antipatterns();
    assert_eq!(a.totals.size_bytes, 28_160);
    let cfg = Config::parse(EVERY_KEY, "every.toml").unwrap();
    let b = Budgets::from_budget(&cfg.budget).unwrap();
    assert!(!b.defaulted);
    b.validate(&a).unwrap();
    let r = evaluate(&a, &b);
    assert_eq!(
        rules(&r),
        vec![
            "max_size",
            "max_layers",
            "max_layer_size",
            "max_wasted",
            "max_wasted_percent",
            "min_efficiency",
            "cache.apt-lists",
            "cache.pip",
            "cache.tmp",
        ]
    );

    let size = get(&r, "max_size");
    assert_eq!(size.status, Status::Fail);
    assert_eq!(size.value, Some(Measure::Bytes(28_160)));
    assert_eq!(size.limit, Some(Measure::Bytes(28_000)));
    assert!(size.message.contains("by 160 B"), "{}", size.message);
    // The largest layers first, with their build steps.
    assert_eq!(size.offenders[0].layer.map(|l| l.number()), Some(3));
    assert_eq!(size.offenders[0].bytes, 10_240);
    assert!(size.offenders[0].what.contains("RUN pip install requests"));

    let layers = get(&r, "max_layers");
    assert_eq!(layers.status, Status::Pass);
    assert_eq!(layers.value, Some(Measure::Count(4)));

    let ls = get(&r, "max_layer_size");
    assert_eq!(ls.status, Status::Fail);
    assert_eq!(ls.value, Some(Measure::Bytes(10_240)));
    assert_eq!(ls.offenders.len(), 1);
    assert_eq!(ls.offenders[0].layer.map(|l| l.number()), Some(3));
    // L3 added 5_050 cache bytes (pip 5_000 + tmp 50) and 150 hidden later.
    assert!(
        ls.offenders[0]
            .what
            .contains("5.05 kB cache, 150 B hidden later"),
        "{}",
        ls.offenders[0].what
    );

    let w = get(&r, "max_wasted");
    assert_eq!(w.status, Status::Fail);
    assert_eq!(w.value, Some(Measure::Bytes(5_450)));
    // Explained by the findings, then the largest hidden files.
    let first = &w.offenders[0];
    assert_eq!(first.bytes, 5_300); // L4 removes the apt lists of L2
    assert!(first.remedy.as_deref().unwrap().contains("apt-get update"));
    let hidden: Vec<(&str, u64)> = w
        .offenders
        .iter()
        .filter(|o| o.what.starts_with('/'))
        .map(|o| (o.what.split_whitespace().next().unwrap(), o.bytes))
        .collect();
    assert_eq!(
        hidden,
        vec![
            ("/var/lib/apt/lists/a_Packages", 5_000),
            ("/var/lib/apt/lists/b_Release", 300),
            ("/var/lib/dpkg/status", 100),
            ("/tmp/build.log", 50),
        ]
    );

    let p = get(&r, "max_wasted_percent");
    assert_eq!(p.status, Status::Pass);
    assert_eq!(p.value, Some(Measure::Percent(5_450.0 * 100.0 / 12_370.0)));
    assert!(p.offenders.is_empty(), "no offenders on a pass");

    let e = get(&r, "min_efficiency");
    assert_eq!(e.status, Status::Pass);
    assert_eq!(e.value, Some(Measure::Ratio(6_920.0 / 12_370.0)));

    let pip = get(&r, "cache.pip");
    assert_eq!(pip.status, Status::Fail);
    assert_eq!(pip.value, Some(Measure::Bytes(5_000)));
    assert_eq!(pip.limit, Some(Measure::Bytes(0)));
    assert_eq!(pip.offenders.len(), 1);
    assert_eq!(pip.offenders[0].layer.map(|l| l.number()), Some(3));
    assert!(pip.offenders[0]
        .what
        .contains("2 files, 5.00 kB live, 0 B hidden"));
    assert!(pip.offenders[0]
        .remedy
        .as_deref()
        .unwrap()
        .contains("--no-cache-dir"));

    let apt = get(&r, "cache.apt-lists");
    assert_eq!(apt.status, Status::Fail);
    assert_eq!(apt.value, Some(Measure::Bytes(5_300)));
    assert_eq!(apt.offenders[0].layer.map(|l| l.number()), Some(2));

    // "*" covers every other rule with bytes: only tmp (50 hidden).
    let tmp = get(&r, "cache.tmp");
    assert_eq!(tmp.status, Status::Pass);
    assert_eq!(tmp.value, Some(Measure::Bytes(50)));
    assert_eq!(tmp.limit, Some(Measure::Bytes(5_000_000)));

    assert!(!check::passed(&r));
}

#[test]
fn nothing_ignored_charges_exactly_the_totals() {
    let a = antipatterns();
    let b = Budgets::from_budget(&Budget::default()).unwrap();
    let c = charged(&a, &b);
    assert_eq!(c.content_bytes, a.totals.content_bytes);
    assert_eq!(c.live_bytes, a.totals.live_bytes);
    assert_eq!(c.wasted_bytes, a.totals.wasted_bytes);
    assert_eq!(c.ignored_bytes, 0);
}

#[test]
fn base_layers_paths_and_churn_are_not_charged() {
    let a = antipatterns();
    // Base = L1 + L2: their inodes (bin/sh 1000, the lists 5_300) leave the
    // accounting. Charged: L3 2000+3000+400+50+100, L4 120+400 = 6_070,
    // hidden 150 (build.log 50 + old status 100).
    let base = Budget {
        ignore_base_layers: Some(2),
        max_wasted: Some(Size(100)),
        ..Budget::default()
    };
    let b = Budgets::from_budget(&base).unwrap();
    let c = charged(&a, &b);
    assert_eq!(
        (
            c.content_bytes,
            c.live_bytes,
            c.wasted_bytes,
            c.ignored_bytes
        ),
        (6_070, 5_920, 150, 6_300)
    );
    let r = evaluate(&a, &b);
    assert_eq!(get(&r, "max_wasted").status, Status::Fail);
    assert_eq!(get(&r, "max_wasted").value, Some(Measure::Bytes(150)));
    // Neither the finding about the base layer's lists (5_300) nor the
    // lists themselves are offenders.
    let offenders: Vec<(u64, Option<usize>)> = get(&r, "max_wasted")
        .offenders
        .iter()
        .map(|o| (o.bytes, o.layer.map(|l| l.number())))
        .collect();
    // removed-later L3->L4 (build.log 50), overwritten-later L3->L4 is churn
    // (no finding); then the files: old status 100, build.log 50.
    assert_eq!(
        offenders,
        vec![(50, Some(3)), (100, Some(3)), (50, Some(3))]
    );

    // + churn: the old dpkg status (100) goes too.
    let churn = Budget {
        ignore_churn: Some(true),
        ..base.clone()
    };
    let b = Budgets::from_budget(&churn).unwrap();
    let c = charged(&a, &b);
    assert_eq!((c.content_bytes, c.wasted_bytes), (5_970, 50));
    let r = evaluate(&a, &b);
    assert_eq!(get(&r, "max_wasted").status, Status::Pass);
    assert!(get(&r, "max_wasted")
        .message
        .contains("not charged: base layers 1-2"));

    // + a path without a glob means its whole subtree: the pip cache (5_000).
    let paths = Budget {
        ignore_paths: vec!["/root/.cache/pip".into()],
        max_wasted_percent: Some(5.0),
        min_efficiency: Some(0.95),
        max_layer_size: Some(Size(10_000)),
        cache: [
            ("pip".to_string(), Size(0)),
            ("apt-lists".to_string(), Size(0)),
            ("*".to_string(), Size(10)),
        ]
        .into_iter()
        .collect(),
        ..churn
    };
    let b = Budgets::from_budget(&paths).unwrap();
    let c = charged(&a, &b);
    assert_eq!(
        (c.content_bytes, c.live_bytes, c.wasted_bytes),
        (970, 920, 50)
    );
    let r = evaluate(&a, &b);
    // 50 / 970 = 5.15% > 5%: fail; efficiency 920/970 = 0.9485 < 0.95: fail.
    assert_eq!(get(&r, "max_wasted_percent").status, Status::Fail);
    assert_eq!(
        get(&r, "max_wasted_percent").value,
        Some(Measure::Percent(50.0 * 100.0 / 970.0))
    );
    assert_eq!(get(&r, "min_efficiency").status, Status::Fail);
    assert_eq!(
        get(&r, "min_efficiency").value,
        Some(Measure::Ratio(920.0 / 970.0))
    );
    // Cache: pip is ignored by path, apt-lists is in the base: both 0.
    assert_eq!(get(&r, "cache.pip").value, Some(Measure::Bytes(0)));
    assert_eq!(get(&r, "cache.pip").status, Status::Pass);
    assert_eq!(get(&r, "cache.apt-lists").value, Some(Measure::Bytes(0)));
    let tmp = get(&r, "cache.tmp");
    assert_eq!(
        (tmp.status, tmp.value),
        (Status::Fail, Some(Measure::Bytes(50)))
    );
    assert_eq!(tmp.offenders[0].layer.map(|l| l.number()), Some(3));
    assert!(tmp.offenders[0]
        .remedy
        .as_deref()
        .unwrap()
        .contains("same RUN"));
    // Layer sizes: the base layers are not charged; L3 still is.
    let ls = get(&r, "max_layer_size");
    assert_eq!(ls.value, Some(Measure::Bytes(10_240)));
    assert_eq!(ls.status, Status::Fail);
}

#[test]
fn no_budget_applies_the_default_and_says_so() {
    let a = antipatterns();
    let b = Budgets::new(&Budget::default(), &Budget::default(), None, None).unwrap();
    assert!(b.defaulted);
    let r = evaluate(&a, &b);
    assert_eq!(rules(&r), vec!["max_wasted_percent", "min_efficiency"]);
    assert_eq!(
        get(&r, "max_wasted_percent").limit,
        Some(Measure::Percent(10.0))
    );
    assert_eq!(get(&r, "max_wasted_percent").status, Status::Fail);
    assert_eq!(get(&r, "min_efficiency").limit, Some(Measure::Ratio(0.9)));
    assert_eq!(get(&r, "min_efficiency").status, Status::Fail);

    // The lean image meets it: 100/3_200 = 3.125%, 3_100/3_200 = 0.96875.
    let lean = lean();
    let r = evaluate(&lean, &b);
    assert!(check::passed(&r));
    assert_eq!(
        get(&r, "max_wasted_percent").value,
        Some(Measure::Percent(3.125))
    );
    assert_eq!(
        get(&r, "min_efficiency").value,
        Some(Measure::Ratio(0.96875))
    );

    let mut out = Vec::new();
    check::render::write_text(&lean, &b, &r, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("no budget given"), "{text}");
    assert!(
        text.contains("max_wasted_percent = 10, min_efficiency = 0.9"),
        "{text}"
    );

    // Ignore keys alone are no budget: the default still applies.
    let ignore_only = Budget {
        ignore_churn: Some(true),
        ..Budget::default()
    };
    assert!(Budgets::from_budget(&ignore_only).unwrap().defaulted);
    // Any limit, a dive file or a baseline turns the default off.
    let one = Budget {
        max_layers: Some(10),
        ..Budget::default()
    };
    assert!(!Budgets::from_budget(&one).unwrap().defaulted);
    let dive = Budgets::new(
        &Budget::default(),
        &Budget::default(),
        Some(Default::default()),
        None,
    )
    .unwrap();
    assert!(!dive.defaulted);
}

#[test]
fn flags_win_over_the_file() {
    let file = Config::parse(
        "[budget]\nmax_size = \"1GB\"\nmax_wasted = \"20MB\"\nignore_paths = [\"/a/**\"]\n[budget.cache]\npip = 0\nnpm = \"1MB\"\n",
        "f.toml",
    )
    .unwrap()
    .budget;
    let flags = Budget {
        max_size: Some(Size(500)),
        ignore_paths: vec!["/b".into(), "/a/**".into()],
        cache: [("pip".to_string(), Size(7))].into_iter().collect(),
        ignore_churn: Some(true),
        ..Budget::default()
    };
    let m = merge(&file, &flags);
    assert_eq!(m.max_size, Some(Size(500)));
    assert_eq!(m.max_wasted, Some(Size(20_000_000)));
    assert_eq!(m.ignore_paths, vec!["/a/**", "/b"]);
    assert_eq!(m.cache["pip"], Size(7));
    assert_eq!(m.cache["npm"], Size(1_000_000));
    assert_eq!(m.ignore_churn, Some(true));
}

#[test]
fn bad_budgets_are_errors_not_silent_passes() {
    let a = antipatterns();
    let typo = Budget {
        cache: [("pipp".to_string(), Size(0))].into_iter().collect(),
        ..Budget::default()
    };
    let b = Budgets::from_budget(&typo).unwrap();
    let e = b.validate(&a).unwrap_err().to_string();
    assert!(e.contains("no cache rule named \"pipp\""), "{e}");
    // evaluate on its own still refuses to pass it.
    assert_eq!(get(&evaluate(&a, &b), "cache.pipp").status, Status::Fail);

    let eff = Budget {
        min_efficiency: Some(95.0),
        ..Budget::default()
    };
    assert!(Budgets::from_budget(&eff).is_err());
    let glob = Budget {
        ignore_paths: vec!["/a/[".into()],
        ..Budget::default()
    };
    assert!(Budgets::from_budget(&glob).is_err());
}

#[test]
fn the_star_default_with_no_other_cache_bytes_is_one_pass() {
    let a = lean();
    let b = Budgets::from_budget(&Budget {
        cache: [("*".to_string(), Size(0))].into_iter().collect(),
        ..Budget::default()
    })
    .unwrap();
    let r = evaluate(&a, &b);
    assert_eq!(rules(&r), vec!["cache.*"]);
    assert_eq!(r[0].status, Status::Pass);
}
