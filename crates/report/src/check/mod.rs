//! `layerscope check`: the CI size-budget gate (interface.md, "The budget
//! file"). A thin front end over [`Analysis`]: [`Budgets`] says what to
//! check, [`evaluate`] measures every rule into a [`CheckResult`], and
//! [`render`] writes the results as text, JSON, JUnit XML, Markdown or
//! GitHub workflow commands. The process exit code (0 pass, 1 fail) is
//! [`passed`]'s answer; deciding it is left to `main`.
//!
//! What is *charged*: `ignore_base_layers`, `ignore_paths` and
//! `ignore_churn` take bytes out of the accounting of the waste,
//! efficiency and cache budgets. An ignored inode leaves both sides of a
//! ratio (it is neither wasted nor content), so with nothing ignored the
//! charged figures are exactly the report's totals.

pub mod baseline;
pub mod codescan;
pub mod dive;
pub mod render;

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use globset::GlobSet;

use layerscope_core::analysis::{glob_set, shorten, Analysis, HiddenFile};
use layerscope_core::config::Budget;
use layerscope_core::error::{Error, Result};
use layerscope_core::overlay::InodeId;
use layerscope_core::units::{self, human};
use layerscope_core::LayerIndex;

pub use baseline::{Growth, MaxGrowth};
pub use dive::{dive_values, DiveCi, DiveValues};
pub use render::Format;

/// The default budget, applied (and announced) when none is given at all.
pub const DEFAULT_MAX_WASTED_PERCENT: f64 = 10.0;
pub const DEFAULT_MIN_EFFICIENCY: f64 = 0.9;

/// How many offenders a failed rule lists.
const TOP: usize = 5;

/// The outcome of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Pass,
    Fail,
    Skip,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }

    /// `PASS`, `FAIL`, `SKIP`.
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Skip => "SKIP",
        }
    }
}

/// A measured value or a limit, with its unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measure {
    Bytes(u64),
    /// A signed change in bytes (growth against a baseline).
    Delta(i64),
    /// 0-100.
    Percent(f64),
    /// 0-1.
    Ratio(f64),
    Count(u64),
}

impl Measure {
    /// For people: `5.45 kB`, `+200 kB`, `44.06%`, `0.5594`, `4`.
    pub fn display(self) -> String {
        match self {
            Measure::Bytes(b) => human(b),
            Measure::Delta(d) if d < 0 => format!("-{}", human(d.unsigned_abs())),
            Measure::Delta(d) => format!("+{}", human(d as u64)),
            Measure::Percent(p) => format!("{p:.2}%"),
            Measure::Ratio(r) => format!("{r:.4}"),
            Measure::Count(n) => n.to_string(),
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            Measure::Bytes(_) | Measure::Delta(_) => "bytes",
            Measure::Percent(_) => "percent",
            Measure::Ratio(_) => "ratio",
            Measure::Count(_) => "count",
        }
    }

    /// The exact value for machine output.
    pub fn json(self) -> serde_json::Value {
        match self {
            Measure::Bytes(b) | Measure::Count(b) => b.into(),
            Measure::Delta(d) => d.into(),
            Measure::Percent(f) | Measure::Ratio(f) => f.into(),
        }
    }
}

/// Something that explains a failure, and what to do about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Offender {
    /// A path, a layer with its build step, or a finding's message.
    pub what: String,
    pub bytes: u64,
    /// The layer to change, where there is one.
    pub layer: Option<LayerIndex>,
    pub remedy: Option<String>,
}

/// One rule, measured.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    /// The budget key: `max_size`, `cache.pip`, `dive.lowestEfficiency`,
    /// `max_growth`, ...
    pub rule: String,
    pub status: Status,
    pub value: Option<Measure>,
    pub limit: Option<Measure>,
    pub message: String,
    /// On failure: the top offenders, with their remedies.
    pub offenders: Vec<Offender>,
}

/// True when no rule failed (skips don't fail).
pub fn passed(results: &[CheckResult]) -> bool {
    results.iter().all(|r| r.status != Status::Fail)
}

/// Everything `check` is asked to check.
#[derive(Debug, Clone, Default)]
pub struct Budgets {
    /// The file's `[budget]` with the flags laid over it.
    pub budget: Budget,
    /// `--dive-ci FILE`.
    pub dive: Option<DiveCi>,
    /// `--baseline OLD.json --max-growth ...`.
    pub growth: Option<Growth>,
    /// `--baseline OLD` compared file by file (`max_new_waste`,
    /// `max_new_packages`, and `max_growth`'s contributors).
    pub against: Option<baseline::Against>,
    /// Nothing was given: the default budget is in `budget`.
    pub defaulted: bool,
    ignore: Option<GlobSet>,
    /// `[budget.packages]` names compiled, in the map's order.
    packages: Vec<GlobSet>,
}

/// Lay `flags` over `file`: a key given as a flag wins; `ignore_paths` from
/// both apply; `[budget.cache]` entries are overridden rule by rule.
pub fn merge(file: &Budget, flags: &Budget) -> Budget {
    let mut cache = file.cache.clone();
    cache.extend(flags.cache.iter().map(|(k, v)| (k.clone(), *v)));
    let mut packages = file.packages.clone();
    packages.max_toolchain = flags.packages.max_toolchain.or(packages.max_toolchain);
    packages.max_unstripped = flags.packages.max_unstripped.or(packages.max_unstripped);
    packages
        .limits
        .extend(flags.packages.limits.iter().map(|(k, v)| (k.clone(), *v)));
    let mut ignore_paths = file.ignore_paths.clone();
    for p in &flags.ignore_paths {
        if !ignore_paths.contains(p) {
            ignore_paths.push(p.clone());
        }
    }
    Budget {
        max_size: flags.max_size.or(file.max_size),
        max_wasted: flags.max_wasted.or(file.max_wasted),
        max_wasted_percent: flags.max_wasted_percent.or(file.max_wasted_percent),
        min_efficiency: flags.min_efficiency.or(file.min_efficiency),
        max_layer_size: flags.max_layer_size.or(file.max_layer_size),
        max_layers: flags.max_layers.or(file.max_layers),
        ignore_base_layers: flags.ignore_base_layers.or(file.ignore_base_layers),
        ignore_paths,
        ignore_churn: flags.ignore_churn.or(file.ignore_churn),
        max_growth: flags.max_growth.or(file.max_growth),
        max_new_waste: flags.max_new_waste.or(file.max_new_waste),
        max_new_packages: flags.max_new_packages.or(file.max_new_packages),
        cache,
        packages,
    }
}

impl Budgets {
    /// The budgets in force: `flags` over `file`, plus the dive rules and
    /// the baseline; the default budget when none of them sets a limit.
    /// Fails on a bad `ignore_paths` glob or an out-of-range value.
    pub fn new(
        file: &Budget,
        flags: &Budget,
        dive: Option<DiveCi>,
        growth: Option<Growth>,
    ) -> Result<Budgets> {
        let mut budget = merge(file, flags);
        let defaulted = budget.is_empty() && dive.is_none() && growth.is_none();
        if defaulted {
            budget.max_wasted_percent = Some(DEFAULT_MAX_WASTED_PERCENT);
            budget.min_efficiency = Some(DEFAULT_MIN_EFFICIENCY);
        }
        if let Some(e) = budget.min_efficiency {
            if !(0.0..=1.0).contains(&e) {
                return Err(Error::Usage(format!(
                    "min_efficiency must be a ratio between 0 and 1, got {e}"
                )));
            }
        }
        if let Some(p) = budget.max_wasted_percent {
            if !(0.0..=100.0).contains(&p) {
                return Err(Error::Usage(format!(
                    "max_wasted_percent must be between 0 and 100, got {p}"
                )));
            }
        }
        let names: Vec<String> = budget.packages.limits.keys().cloned().collect();
        let packages = names
            .iter()
            .map(|n| glob_set(std::slice::from_ref(n), "[budget.packages]"))
            .collect::<Result<Vec<GlobSet>>>()?;
        let ignore = if budget.ignore_paths.is_empty() {
            None
        } else {
            // "Under" a path: the pattern itself and everything below it.
            let mut patterns = Vec::new();
            for p in &budget.ignore_paths {
                let p = p.trim_end_matches('/');
                patterns.push(p.to_string());
                if !p.ends_with("/**") {
                    patterns.push(format!("{p}/**"));
                }
            }
            Some(glob_set(&patterns, "ignore_paths")?)
        };
        Ok(Budgets {
            budget,
            dive,
            growth,
            against: None,
            defaulted,
            ignore,
            packages,
        })
    }

    /// Add the comparison-based baseline rules; a baseline is a budget, so
    /// the default budget is dropped when the baseline sets a limit.
    pub fn with_against(mut self, against: baseline::Against) -> Budgets {
        if self.defaulted && (against.max_new_waste.is_some() || against.max_new_packages.is_some())
        {
            self.defaulted = false;
            self.budget.max_wasted_percent = None;
            self.budget.min_efficiency = None;
        }
        self.against = Some(against);
        self
    }

    /// Budgets from a `[budget]` table alone (tests, library users).
    pub fn from_budget(budget: &Budget) -> Result<Budgets> {
        Budgets::new(budget, &Budget::default(), None, None)
    }

    /// Errors a budget can only show against the analysis: a cache budget
    /// for a rule that does not exist (a typo would silently pass).
    pub fn validate(&self, a: &Analysis) -> Result<()> {
        for name in self.budget.cache.keys() {
            if name != "*" && a.rules.index_of(name).is_none() {
                return Err(Error::Usage(unknown_rule(a, name)));
            }
        }
        Ok(())
    }

    fn base_layers(&self) -> usize {
        self.budget.ignore_base_layers.unwrap_or(0) as usize
    }

    /// One of the `ignore_base_layers` bottom layers, whose bytes are not
    /// charged.
    fn is_base(&self, layer: LayerIndex) -> bool {
        layer.index() < self.base_layers()
    }
}

fn unknown_rule(a: &Analysis, name: &str) -> String {
    let names: Vec<&str> = a.rules.rules.iter().map(|r| r.name.as_str()).collect();
    format!(
        "[budget.cache]: no cache rule named {name:?} (rules: {}, or \"*\")",
        names.join(", ")
    )
}

/// The figures the waste, efficiency and cache budgets are charged with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Charged {
    pub content_bytes: u64,
    pub live_bytes: u64,
    pub wasted_bytes: u64,
    /// Per cache rule (index into `Analysis::rules`): live + hidden bytes.
    pub cache_bytes: Vec<u64>,
    /// Bytes left out (base layers, ignored paths, churn).
    pub ignored_bytes: u64,
}

impl Charged {
    /// wasted / content * 100 (0 for no content).
    pub fn wasted_percent(&self) -> f64 {
        units::percent(self.wasted_bytes, self.content_bytes)
    }

    /// live / content (1 for no content, like the report).
    pub fn efficiency(&self) -> f64 {
        if self.content_bytes == 0 {
            1.0
        } else {
            self.live_bytes as f64 / self.content_bytes as f64
        }
    }
}

/// Whether an inode's bytes are charged.
fn is_charged(a: &Analysis, b: &Budgets, inode: InodeId) -> bool {
    let ino = a.overlay.inode(inode);
    if b.is_base(ino.layer) {
        return false;
    }
    if b.budget.ignore_churn == Some(true) && a.classes[inode.index()].churn {
        return false;
    }
    if let Some(set) = &b.ignore {
        let entry = a.carrier(inode);
        let mut p = Vec::with_capacity(entry.path.len() + 1);
        p.push(b'/');
        p.extend_from_slice(&entry.path);
        if set.is_match(Path::new(OsStr::from_bytes(&p))) {
            return false;
        }
    }
    true
}

/// The charged figures of an analysis under some budgets.
pub fn charged(a: &Analysis, b: &Budgets) -> Charged {
    let mut c = Charged {
        cache_bytes: vec![0; a.rules.rules.len()],
        ..Charged::default()
    };
    for (i, ino) in a.overlay.inode_ids() {
        if !is_charged(a, b, i) {
            c.ignored_bytes += ino.size;
            continue;
        }
        c.content_bytes += ino.size;
        if ino.is_live() {
            c.live_bytes += ino.size;
        } else {
            c.wasted_bytes += ino.size;
        }
        if let Some(r) = a.classes[i.index()].rule {
            c.cache_bytes[r as usize] += ino.size;
        }
    }
    c
}

/// `layer 3 (`RUN pip install x`)`.
pub fn layer_label(a: &Analysis, index: LayerIndex) -> String {
    match a.step(index) {
        Some(s) if !s.is_empty() => format!("layer {index} (`{}`)", shorten(&s, 60)),
        _ => format!("layer {index}"),
    }
}

fn result(
    rule: &str,
    fail: bool,
    value: Measure,
    limit: Measure,
    message: String,
    offenders: Vec<Offender>,
) -> CheckResult {
    CheckResult {
        rule: rule.to_string(),
        status: if fail { Status::Fail } else { Status::Pass },
        value: Some(value),
        limit: Some(limit),
        message,
        offenders: if fail { offenders } else { Vec::new() },
    }
}

/// What every budget rule reads: the analysis, the budgets, and the
/// figures they are charged with (computed once for all rules).
struct Ctx<'a> {
    a: &'a Analysis,
    b: &'a Budgets,
    charged: Charged,
    /// The waste rules' offenders, shared by the three of them.
    waste_offenders: OnceCell<Vec<Offender>>,
    /// The comparison with `--baseline OLD`, made once for its rules.
    comparison: OnceCell<Option<layerscope_core::diff::Comparison>>,
}

impl Ctx<'_> {
    fn comparison(&self) -> Option<&layerscope_core::diff::Comparison> {
        self.comparison
            .get_or_init(|| self.b.against.as_ref().map(|g| g.compare(self.a)))
            .as_ref()
    }

    fn waste_offenders(&self) -> Vec<Offender> {
        self.waste_offenders
            .get_or_init(|| waste_offenders(self.a, self.b))
            .clone()
    }
}

/// One budget rule: a result when its key is in force (or, for a family
/// of rules such as the cache rules, one result per member).
enum Rule {
    One(fn(&Ctx) -> Option<CheckResult>),
    Many(fn(&Ctx) -> Vec<CheckResult>),
}

/// Every rule, in the order its results are reported.
const RULES: &[Rule] = &[
    Rule::One(max_size),
    Rule::One(max_layers),
    Rule::One(max_layer_size),
    Rule::One(max_wasted),
    Rule::One(max_wasted_percent),
    Rule::One(min_efficiency),
    Rule::Many(cache_rules),
    Rule::Many(package_rules),
    Rule::Many(dive_rules),
    Rule::One(max_growth),
    Rule::One(max_new_waste),
    Rule::One(max_new_packages),
];

/// `packages.max_toolchain`, `packages.max_unstripped` and one
/// `packages.NAME` per `[budget.packages]` name: live bytes of the
/// toolchain group together (each inode once), the bytes strip would
/// remove from the live ELF files, and the live bytes of each package whose
/// name matches (the largest is the value).
fn package_rules(c: &Ctx) -> Vec<CheckResult> {
    let a = c.a;
    let pb = &c.b.budget.packages;
    let mut out = Vec::new();
    let offender = |p: &layerscope_core::packages::Package, remedy: &str| Offender {
        what: format!("{} {} {}", p.manager.as_str(), p.name, p.version),
        bytes: p.live_bytes,
        layer: p.installed_by,
        remedy: Some(remedy.to_string()),
    };
    if let Some(limit) = pb.max_toolchain {
        let tools: Vec<_> = a
            .packages
            .list
            .iter()
            .filter(|p| p.group.as_deref() == Some("toolchain") && p.live_bytes > 0)
            .collect();
        let mut inodes: Vec<InodeId> = tools
            .iter()
            .flat_map(|p| p.inodes.iter().copied())
            .collect();
        inodes.sort_unstable();
        inodes.dedup();
        let value: u64 = inodes.iter().map(|&i| a.overlay.inode(i).size).sum();
        out.push(result(
            "packages.max_toolchain",
            value > limit.0,
            Measure::Bytes(value),
            Measure::Bytes(limit.0),
            format!(
                "build toolchain {} live ({} package{}), limit {}",
                human(value),
                tools.len(),
                if tools.len() == 1 { "" } else { "s" },
                human(limit.0)
            ),
            tools
                .iter()
                .take(TOP)
                .map(|p| offender(p, "build in one stage and COPY --from it the artifacts into a slim final stage"))
                .collect(),
        ));
    }
    if let Some(limit) = pb.max_unstripped {
        let u = &a.unstripped;
        let value = u.bytes;
        let remedy = |layer: LayerIndex| {
            a.findings
                .iter()
                .find(|f| f.rule == "unstripped-elf" && f.layer == Some(layer))
                .map(|f| f.remedy.clone())
        };
        out.push(result(
            "packages.max_unstripped",
            value > limit.0,
            Measure::Bytes(value),
            Measure::Bytes(limit.0),
            format!(
                "{} of symbols and debug info in {} live ELF file{}, limit {}",
                human(value),
                u.files.len() - u.unknown as usize,
                if u.files.len() - u.unknown as usize == 1 {
                    ""
                } else {
                    "s"
                },
                human(limit.0)
            ),
            u.files
                .iter()
                .filter(|f| f.strippable.is_some())
                .take(TOP)
                .map(|f| Offender {
                    what: f.path.clone(),
                    bytes: f.strippable.unwrap_or(0),
                    layer: Some(f.layer),
                    remedy: remedy(f.layer),
                })
                .collect(),
        ));
    }
    for ((name, limit), set) in pb.limits.iter().zip(&c.b.packages) {
        let matching: Vec<_> = a
            .packages
            .list
            .iter()
            .filter(|p| p.live_bytes > 0 && set.is_match(&p.name))
            .collect();
        let value = matching.iter().map(|p| p.live_bytes).max().unwrap_or(0);
        let over: Vec<_> = matching.iter().filter(|p| p.live_bytes > limit.0).collect();
        out.push(result(
            &format!("packages.{name}"),
            !over.is_empty(),
            Measure::Bytes(value),
            Measure::Bytes(limit.0),
            match matching.first() {
                Some(p) => format!(
                    "{} package{} match {name:?}; largest {} {}",
                    matching.len(),
                    if matching.len() == 1 { "" } else { "s" },
                    p.name,
                    human(p.live_bytes)
                ),
                None => format!("no live package matches {name:?}"),
            },
            over.iter()
                .take(TOP)
                .map(|p| offender(p, "leave the package out of the final stage (or purge it in the RUN that installed it)"))
                .collect(),
        ));
    }
    out
}

/// Measure every budget in force against the analysis, in a fixed order:
/// size, layers, waste, efficiency, cache rules, dive rules, growth.
pub fn evaluate(a: &Analysis, b: &Budgets) -> Vec<CheckResult> {
    let ctx = Ctx {
        a,
        b,
        charged: charged(a, b),
        waste_offenders: OnceCell::new(),
        comparison: OnceCell::new(),
    };
    let mut out = Vec::new();
    for rule in RULES {
        match rule {
            Rule::One(f) => out.extend(f(&ctx)),
            Rule::Many(f) => out.extend(f(&ctx)),
        }
    }
    out
}

/// `max_size`: the image's size; on failure the three largest layers and
/// what could be recovered.
fn max_size(ctx: &Ctx) -> Option<CheckResult> {
    let limit = ctx.b.budget.max_size?;
    let (a, t) = (ctx.a, &ctx.a.totals);
    let fail = t.size_bytes > limit.0;
    let mut layers: Vec<_> = a.layers.iter().collect();
    layers.sort_by(|x, y| y.size_bytes.cmp(&x.size_bytes).then(x.index.cmp(&y.index)));
    let mut offenders: Vec<Offender> = layers
        .iter()
        .take(3)
        .map(|l| Offender {
            what: layer_label(a, l.index),
            bytes: l.size_bytes,
            layer: Some(l.index),
            remedy: None,
        })
        .collect();
    if t.recoverable_bytes > 0 {
        offenders.push(Offender {
            what: format!(
                "recoverable: wasted {}, live cache {}, duplicates {}",
                human(t.wasted_bytes),
                human(t.cache_live_bytes),
                human(t.duplicate_bytes)
            ),
            bytes: t.recoverable_bytes,
            layer: None,
            remedy: Some("see the findings of `layerscope report`".into()),
        });
    }
    Some(result(
        "max_size",
        fail,
        Measure::Bytes(t.size_bytes),
        Measure::Bytes(limit.0),
        if fail {
            format!(
                "image size {} exceeds the budget by {}",
                human(t.size_bytes),
                human(t.size_bytes - limit.0)
            )
        } else {
            format!(
                "image size {} (uncompressed layer tars)",
                human(t.size_bytes)
            )
        },
        offenders,
    ))
}

/// `max_layers`: the number of layers.
fn max_layers(ctx: &Ctx) -> Option<CheckResult> {
    let limit = ctx.b.budget.max_layers?;
    let n = ctx.a.totals.layers as u64;
    let fail = n > limit;
    Some(result(
        "max_layers",
        fail,
        Measure::Count(n),
        Measure::Count(limit),
        if fail {
            format!("{n} layers, {} over the budget: combine RUN steps, or build in stages and COPY the results", n - limit)
        } else {
            format!("{n} layers")
        },
        Vec::new(),
    ))
}

/// `max_layer_size`: the largest charged layer; on failure every charged
/// layer over the limit, largest first.
fn max_layer_size(ctx: &Ctx) -> Option<CheckResult> {
    let limit = ctx.b.budget.max_layer_size?;
    let a = ctx.a;
    let charged_layers: Vec<_> = a
        .layers
        .iter()
        .filter(|l| !ctx.b.is_base(l.index))
        .collect();
    let largest = charged_layers
        .iter()
        .map(|l| l.size_bytes)
        .max()
        .unwrap_or(0);
    let mut over: Vec<_> = charged_layers
        .iter()
        .filter(|l| l.size_bytes > limit.0)
        .collect();
    over.sort_by(|x, y| y.size_bytes.cmp(&x.size_bytes).then(x.index.cmp(&y.index)));
    let fail = !over.is_empty();
    let offenders = over
        .iter()
        .take(TOP)
        .map(|l| {
            let mut extra = Vec::new();
            if l.cache_bytes > 0 {
                extra.push(format!("{} cache", human(l.cache_bytes)));
            }
            if l.hidden_bytes_added > 0 {
                extra.push(format!("{} hidden later", human(l.hidden_bytes_added)));
            }
            let extra = if extra.is_empty() {
                String::new()
            } else {
                format!(", of which {}", extra.join(", "))
            };
            Offender {
                what: format!("{}{extra}", layer_label(a, l.index)),
                bytes: l.size_bytes,
                layer: Some(l.index),
                remedy: Some("split the step, clean up in the same RUN, or build in a separate stage and COPY only what the image needs".into()),
            }
        })
        .collect();
    Some(result(
        "max_layer_size",
        fail,
        Measure::Bytes(largest),
        Measure::Bytes(limit.0),
        if fail {
            format!(
                "{} layer{} over the budget",
                over.len(),
                if over.len() == 1 { " is" } else { "s are" }
            )
        } else {
            format!("largest layer {}", human(largest))
        },
        offenders,
    ))
}

/// `max_wasted`: charged hidden bytes.
fn max_wasted(ctx: &Ctx) -> Option<CheckResult> {
    let limit = ctx.b.budget.max_wasted?;
    let c = &ctx.charged;
    let fail = c.wasted_bytes > limit.0;
    Some(result(
        "max_wasted",
        fail,
        Measure::Bytes(c.wasted_bytes),
        Measure::Bytes(limit.0),
        format!(
            "{} shipped but hidden (removed or overwritten by a later layer){}",
            human(c.wasted_bytes),
            charge_scope(ctx.b, c)
        ),
        ctx.waste_offenders(),
    ))
}

/// `max_wasted_percent`: charged hidden bytes as a share of charged content.
fn max_wasted_percent(ctx: &Ctx) -> Option<CheckResult> {
    let limit = ctx.b.budget.max_wasted_percent?;
    let c = &ctx.charged;
    let v = c.wasted_percent();
    let fail = v > limit;
    Some(result(
        "max_wasted_percent",
        fail,
        Measure::Percent(v),
        Measure::Percent(limit),
        format!(
            "{} wasted of {} content{}",
            human(c.wasted_bytes),
            human(c.content_bytes),
            charge_scope(ctx.b, c)
        ),
        ctx.waste_offenders(),
    ))
}

/// `min_efficiency`: charged live bytes over charged content.
fn min_efficiency(ctx: &Ctx) -> Option<CheckResult> {
    let limit = ctx.b.budget.min_efficiency?;
    let c = &ctx.charged;
    let v = c.efficiency();
    let fail = v < limit;
    Some(result(
        "min_efficiency",
        fail,
        Measure::Ratio(v),
        Measure::Ratio(limit),
        format!(
            "{} live of {} content{}",
            human(c.live_bytes),
            human(c.content_bytes),
            charge_scope(ctx.b, c)
        ),
        ctx.waste_offenders(),
    ))
}

/// `cache.*`: one result per cache budget (see [`cache_results`]).
fn cache_rules(ctx: &Ctx) -> Vec<CheckResult> {
    cache_results(ctx.a, ctx.b, &ctx.charged)
}

/// `dive.*`: the rules of a `.dive-ci` file, on dive's own figures.
fn dive_rules(ctx: &Ctx) -> Vec<CheckResult> {
    match &ctx.b.dive {
        Some(ci) => dive::evaluate(ci, dive_values(ctx.a).as_ref()),
        None => Vec::new(),
    }
}

/// `max_growth`: the size against a baseline report.
fn max_growth(ctx: &Ctx) -> Option<CheckResult> {
    let g = ctx.b.growth.as_ref()?;
    let mut r = baseline::evaluate(ctx.a, g);
    if r.status == Status::Fail {
        // The files that grew most, when the baseline lists its files.
        if let Some(c) = ctx.comparison().filter(|c| c.files.is_some()) {
            r.offenders.extend(baseline::growing_files(c, 5));
        }
    }
    Some(r)
}

/// `max_new_waste`: wasted bytes against the baseline.
fn max_new_waste(ctx: &Ctx) -> Option<CheckResult> {
    let g = ctx.b.against.as_ref()?;
    let limit = g.max_new_waste?;
    Some(baseline::new_waste(ctx.comparison()?, limit, &g.source))
}

/// `max_new_packages`: packages added since the baseline.
fn max_new_packages(ctx: &Ctx) -> Option<CheckResult> {
    let g = ctx.b.against.as_ref()?;
    let limit = g.max_new_packages?;
    Some(baseline::new_packages(ctx.comparison()?, limit, &g.source))
}

/// `, not charged: base layer 1, /usr/share/doc/**, churn (1.10 kB)`.
fn charge_scope(b: &Budgets, c: &Charged) -> String {
    let mut parts = Vec::new();
    match b.base_layers() {
        0 => {}
        1 => parts.push("base layer 1".to_string()),
        n => parts.push(format!("base layers 1-{n}")),
    }
    parts.extend(b.budget.ignore_paths.iter().cloned());
    if b.budget.ignore_churn == Some(true) {
        parts.push("package-db churn".into());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(
            "; not charged: {} ({})",
            parts.join(", "),
            human(c.ignored_bytes)
        )
    }
}

/// The findings that explain charged waste, then the largest charged
/// hidden files.
fn waste_offenders(a: &Analysis, b: &Budgets) -> Vec<Offender> {
    let mut out: Vec<Offender> = a
        .findings
        .iter()
        .filter(|f| {
            matches!(
                f.rule.as_str(),
                "removed-later" | "overwritten-later" | "duplicate-tar-entry"
            ) && f.layer.is_some_and(|l| !b.is_base(l))
        })
        .take(3)
        .map(|f| Offender {
            what: f.message.clone(),
            bytes: f.bytes,
            layer: f.layer,
            remedy: Some(f.remedy.clone()),
        })
        .collect();
    let hidden: Vec<&HiddenFile> = a
        .hidden
        .iter()
        .filter(|h| is_charged(a, b, h.inode))
        .take(TOP)
        .collect();
    for h in hidden {
        out.push(Offender {
            what: format!(
                "{}  ({} by layer {}, added by layer {}{})",
                h.path,
                h.cause.as_str(),
                h.hidden_by,
                h.added_by,
                if h.churn { ", package-db churn" } else { "" }
            ),
            bytes: h.bytes,
            layer: Some(h.added_by),
            remedy: None,
        });
    }
    out
}

/// One result per cache rule named in `[budget.cache]`, and one per other
/// rule with charged bytes under the `"*"` default (or one `cache.*` pass
/// when no other rule has any).
fn cache_results(a: &Analysis, b: &Budgets, c: &Charged) -> Vec<CheckResult> {
    let cache = &b.budget.cache;
    let mut out = Vec::new();
    for (name, limit) in cache.iter().filter(|(k, _)| k.as_str() != "*") {
        match a.rules.index_of(name) {
            Some(r) => out.push(cache_result(a, b, c, r, limit.0)),
            None => out.push(CheckResult {
                rule: format!("cache.{name}"),
                status: Status::Fail,
                value: None,
                limit: Some(Measure::Bytes(limit.0)),
                message: unknown_rule(a, name),
                offenders: Vec::new(),
            }),
        }
    }
    if let Some(default) = cache.get("*") {
        let mut any = false;
        for (r, rule) in a.rules.rules.iter().enumerate() {
            if cache.contains_key(&rule.name) || c.cache_bytes[r] == 0 {
                continue;
            }
            any = true;
            out.push(cache_result(a, b, c, r, default.0));
        }
        if !any {
            out.push(result(
                "cache.*",
                false,
                Measure::Bytes(0),
                Measure::Bytes(default.0),
                "no bytes under any other cache rule".into(),
                Vec::new(),
            ));
        }
    }
    out
}

fn cache_result(a: &Analysis, b: &Budgets, c: &Charged, r: usize, limit: u64) -> CheckResult {
    let rule = &a.rules.rules[r];
    let bytes = c.cache_bytes[r];
    // By layer that added them: (live, hidden, files).
    let mut by_layer: BTreeMap<LayerIndex, (u64, u64, u64)> = BTreeMap::new();
    for (i, ino) in a.overlay.inode_ids() {
        if a.classes[i.index()].rule == Some(r as u16) && ino.size > 0 && is_charged(a, b, i) {
            let e = by_layer.entry(ino.layer).or_default();
            if ino.is_live() {
                e.0 += ino.size;
            } else {
                e.1 += ino.size;
            }
            e.2 += 1;
        }
    }
    let mut layers: Vec<_> = by_layer.into_iter().collect();
    layers.sort_by(|x, y| {
        (y.1 .0 + y.1 .1)
            .cmp(&(x.1 .0 + x.1 .1))
            .then(x.0.cmp(&y.0))
    });
    let offenders = layers
        .iter()
        .take(TOP)
        .map(|(layer, (live, hidden, files))| Offender {
            what: format!(
                "{} cache added by {}: {files} file{}, {} live, {} hidden",
                rule.name,
                layer_label(a, *layer),
                if *files == 1 { "" } else { "s" },
                human(*live),
                human(*hidden)
            ),
            bytes: live + hidden,
            layer: Some(*layer),
            remedy: Some(rule.remedy.clone()),
        })
        .collect();
    result(
        &format!("cache.{}", rule.name),
        bytes > limit,
        Measure::Bytes(bytes),
        Measure::Bytes(limit),
        format!(
            "{} under the {} cache rule (live + hidden)",
            human(bytes),
            rule.name
        ),
        offenders,
    )
}
