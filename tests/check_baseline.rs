//! `--baseline OLD.json --max-growth`: a layer grew, a layer is new, a cache
//! rule grew; figures worked out by hand.

use crate::support::images;
use crate::support::layers;

use layers::{image, LayerTar};
use layerscope_core::analysis::{Analysis, CacheRules};
use layerscope_core::config::Budget;
use layerscope_report::check::baseline::parse_baseline;
use layerscope_report::check::{evaluate, Budgets, Growth, MaxGrowth, Measure, Status};
use layerscope_report::Report;

/// `images::lean()` one commit later:
/// L1 same (2_560); L2 app/main grew 2000 -> 6000: (512+6144)+(512+512)+1024
/// = 8_704 (was 4_608: +4_096); L3 same (2_048); L4 new `RUN pip install x`:
/// root/.cache/pip/a 1000: 512+1024+1024 = 2_560. Size 15_872 (was 9_216:
/// +6_656). pip cache 0 -> 1_000.
fn grown() -> Analysis {
    let l1 = LayerTar::new().file("bin/sh", 1000, 1).scan();
    let l2 = LayerTar::new()
        .file("app/main", 6000, 2)
        .file("app/old", 100, 3)
        .scan();
    let l3 = LayerTar::new().file("app/old", 100, 4).scan();
    let l4 = LayerTar::new().file("root/.cache/pip/a", 1000, 5).scan();
    let img = image(vec![
        (l1, "/bin/sh -c #(nop) ADD file:base in /"),
        (l2, "COPY app /app # buildkit"),
        (l3, "RUN /bin/sh -c touch /app/old # buildkit"),
        (l4, "RUN /bin/sh -c pip install x # buildkit"),
    ]);
    Analysis::new(img, CacheRules::builtin())
}

fn saved(a: &Analysis) -> Report {
    // Through JSON text, as CI hands it over.
    let mut out = Vec::new();
    layerscope_report::write_json(a, &mut out).unwrap();
    parse_baseline(std::str::from_utf8(&out).unwrap(), "main.json").unwrap()
}

fn growth(max: &str) -> Budgets {
    let g = Growth {
        baseline: saved(&images::lean()),
        max: max.parse().unwrap(),
        source: "main.json".into(),
    };
    Budgets::new(&Budget::default(), &Budget::default(), None, Some(g)).unwrap()
}

#[test]
fn a_grown_layer_fails_a_5_percent_budget() {
    let old = images::lean();
    let new = grown();
    assert_eq!(old.totals.size_bytes, 9_216);
    assert_eq!(new.totals.size_bytes, 15_872);
    let b = growth("5%");
    assert!(!b.defaulted, "a baseline is a budget");
    let r = evaluate(&new, &b);
    assert_eq!(r.len(), 1);
    let g = &r[0];
    assert_eq!(g.rule, "max_growth");
    assert_eq!(g.status, Status::Fail);
    assert_eq!(g.value, Some(Measure::Delta(6_656)));
    // 5% of 9_216 = 460.8, rounded down.
    assert_eq!(g.limit, Some(Measure::Bytes(460)));
    assert!(g.message.contains("+72.2%"), "{}", g.message);
    let offenders: Vec<(u64, Option<usize>)> = g
        .offenders
        .iter()
        .map(|o| (o.bytes, o.layer.map(|l| l.number())))
        .collect();
    assert_eq!(
        offenders,
        vec![(4_096, Some(2)), (2_560, Some(4)), (1_000, None)]
    );
    assert!(g.offenders[0]
        .what
        .contains("layer 2 (`COPY app /app`) grew 4.61 kB -> 8.70 kB"));
    assert!(g.offenders[1]
        .what
        .contains("layer 4 (`RUN pip install x`) is new"));
    assert_eq!(g.offenders[2].what, "pip cache grew 0 B -> 1.00 kB");
    assert!(g.offenders[2]
        .remedy
        .as_deref()
        .unwrap()
        .contains("--no-cache-dir"));
}

#[test]
fn within_budget_passes_and_shrinking_always_passes() {
    let r = evaluate(&grown(), &growth("20MB"));
    assert_eq!(r[0].status, Status::Pass);
    assert!(r[0].offenders.is_empty());
    // 6_656 allowed exactly: pass; one byte less: fail.
    assert_eq!(evaluate(&grown(), &growth("6656"))[0].status, Status::Pass);
    assert_eq!(evaluate(&grown(), &growth("6655B"))[0].status, Status::Fail);

    // The old image against itself grown: negative growth.
    let g = Growth {
        baseline: saved(&grown()),
        max: MaxGrowth::Bytes(0),
        source: "main.json".into(),
    };
    let b = Budgets::new(&Budget::default(), &Budget::default(), None, Some(g)).unwrap();
    let r = evaluate(&images::lean(), &b);
    assert_eq!(r[0].status, Status::Pass);
    assert_eq!(r[0].value, Some(Measure::Delta(-6_656)));
}

#[test]
fn a_check_json_output_is_a_baseline_too() {
    let old = images::lean();
    let b = Budgets::from_budget(&Budget::default()).unwrap();
    let results = evaluate(&old, &b);
    let mut out = Vec::new();
    layerscope_report::check::render::write_json(&old, &b, &results, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("\"checks\""));
    let r = parse_baseline(&text, "check.json").unwrap();
    assert_eq!(r, Report::from_analysis(&old));
}

#[test]
fn growth_limits_parse() {
    assert_eq!("5%".parse::<MaxGrowth>(), Ok(MaxGrowth::Percent(5.0)));
    assert_eq!("0.5 %".parse::<MaxGrowth>(), Ok(MaxGrowth::Percent(0.5)));
    assert_eq!(
        "20MB".parse::<MaxGrowth>(),
        Ok(MaxGrowth::Bytes(20_000_000))
    );
    assert!("-5%".parse::<MaxGrowth>().is_err());
    assert!("x%".parse::<MaxGrowth>().is_err());
    assert!("lots".parse::<MaxGrowth>().is_err());
    assert!(parse_baseline("{}", "x.json").is_err());
    assert!(parse_baseline("not json", "x.json").is_err());
}
