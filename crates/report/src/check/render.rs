//! `check --format text|json|junit|md|github`. Every string from the image
//! (paths, build steps, the reference) is escaped for the target: the
//! terminal, XML, Markdown, or GitHub's workflow-command syntax.

use std::io::{self, Write};

use serde::Serialize;

use super::{
    Budgets, CheckResult, Measure, Status, DEFAULT_MAX_WASTED_PERCENT, DEFAULT_MIN_EFFICIENCY,
};
use crate::md::escape as md;
use crate::Report;
use layerscope_core::analysis::Analysis;
use layerscope_core::escape::str_for_terminal as esc;
use layerscope_core::units::human;
use layerscope_core::LayerIndex;

/// `check --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Junit,
    Md,
    Github,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
    /// GitLab's code-quality JSON.
    Codeclimate,
}

impl Format {
    /// Every `check --format` name (interface.md), in the order `--help`
    /// lists them: the one list the CLI and [`FromStr`](std::str::FromStr)
    /// share.
    pub const NAMES: &'static [&'static str] = &[
        "text",
        "json",
        "junit",
        "md",
        "github",
        "sarif",
        "codeclimate",
    ];

    /// Other spellings accepted but not advertised: (alias, name).
    pub const ALIASES: &'static [(&'static str, &'static str)] = &[("markdown", "md")];

    /// The format's name in [`Format::NAMES`].
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Junit => "junit",
            Format::Md => "md",
            Format::Github => "github",
            Format::Sarif => "sarif",
            Format::Codeclimate => "codeclimate",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "junit" => Ok(Format::Junit),
            "md" | "markdown" => Ok(Format::Md),
            "github" => Ok(Format::Github),
            "sarif" => Ok(Format::Sarif),
            "codeclimate" => Ok(Format::Codeclimate),
            other => Err(format!(
                "unknown check format {other:?} ({})",
                Format::NAMES.join(", ")
            )),
        }
    }
}

pub fn write<W: Write + ?Sized>(
    a: &Analysis,
    b: &Budgets,
    results: &[CheckResult],
    format: Format,
    w: &mut W,
) -> io::Result<()> {
    write_with(a, b, results, format, TextOptions::default(), w)
}

/// How the text format is written; the other formats ignore it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextOptions {
    /// PASS/FAIL/SKIP in colour (ANSI SGR), for a terminal.
    pub color: bool,
    /// Only the failing checks' lines (and their offenders): no headline,
    /// no passes, no summary. The exit code says the rest.
    pub quiet: bool,
}

/// [`write()`] with [`TextOptions`] for the text format.
pub fn write_with<W: Write + ?Sized>(
    a: &Analysis,
    b: &Budgets,
    results: &[CheckResult],
    format: Format,
    opts: TextOptions,
    w: &mut W,
) -> io::Result<()> {
    match format {
        Format::Text => write_text_with(a, b, results, opts, w),
        Format::Json => write_json(a, b, results, w),
        Format::Junit => write_junit(a, b, results, w),
        Format::Md => write_md(a, b, results, w),
        Format::Github => write_github(a, b, results, w),
        Format::Sarif => super::codescan::write_sarif(a, results, w),
        Format::Codeclimate => super::codescan::write_codeclimate(a, results, w),
    }
}

fn default_note() -> String {
    format!(
        "no budget given (.layerscope.toml, flags or --dive-ci): applying the default budget max_wasted_percent = {DEFAULT_MAX_WASTED_PERCENT}, min_efficiency = {DEFAULT_MIN_EFFICIENCY}"
    )
}

fn image_name(a: &Analysis) -> &str {
    a.image
        .info
        .reference
        .as_deref()
        .unwrap_or("(unnamed image)")
}

/// Rules whose value must stay at or above the limit.
fn is_min_rule(rule: &str) -> bool {
    matches!(rule, "min_efficiency" | "dive.lowestEfficiency")
}

/// `<=` / `>` for a max rule, `>=` / `<` for a min rule.
fn comparison(r: &CheckResult) -> &'static str {
    match (r.status, is_min_rule(&r.rule)) {
        (Status::Fail, false) => ">",
        (Status::Fail, true) => "<",
        (_, false) => "<=",
        (_, true) => ">=",
    }
}

fn shown(m: Option<Measure>) -> String {
    m.map(Measure::display).unwrap_or_else(|| "-".into())
}

struct Tally {
    pass: usize,
    fail: usize,
    skip: usize,
}

fn tally(results: &[CheckResult]) -> Tally {
    let n = |s| results.iter().filter(|r| r.status == s).count();
    Tally {
        pass: n(Status::Pass),
        fail: n(Status::Fail),
        skip: n(Status::Skip),
    }
}

fn summary(results: &[CheckResult]) -> String {
    let t = tally(results);
    let skipped = if t.skip > 0 {
        format!(", {} skipped", t.skip)
    } else {
        String::new()
    };
    if t.fail > 0 {
        format!(
            "FAIL: {} of {} rules failed{skipped}",
            t.fail,
            results.len()
        )
    } else {
        format!("PASS: {} rules passed{skipped}", t.pass)
    }
}

// ---------------------------------------------------------------- text

pub fn write_text<W: Write + ?Sized>(
    a: &Analysis,
    b: &Budgets,
    results: &[CheckResult],
    w: &mut W,
) -> io::Result<()> {
    write_text_with(a, b, results, TextOptions::default(), w)
}

fn status_sgr(s: Status) -> &'static str {
    match s {
        Status::Pass => "1;32",
        Status::Fail => "1;31",
        Status::Skip => "33",
    }
}

/// The text format, coloured and/or quiet as `opts` says.
pub fn write_text_with<W: Write + ?Sized>(
    a: &Analysis,
    b: &Budgets,
    results: &[CheckResult],
    opts: TextOptions,
    w: &mut W,
) -> io::Result<()> {
    let paint = |s: &str, st: Status| crate::paint(s, status_sgr(st), opts.color);
    if opts.quiet {
        return check_lines(
            results.iter().filter(|r| r.status == Status::Fail),
            &paint,
            w,
        );
    }
    writeln!(
        w,
        "layerscope check  {}  ({} in {} layers, from {})",
        esc(image_name(a)),
        human(a.totals.size_bytes),
        a.totals.layers,
        a.image.info.source.as_str()
    )?;
    if b.defaulted {
        writeln!(w, "  note: {}", default_note())?;
    }
    writeln!(w)?;
    check_lines(results.iter(), &paint, w)?;
    writeln!(w)?;
    let line = summary(results);
    match line.split_once(':') {
        Some((word, rest)) if opts.color => {
            let st = if word == "FAIL" {
                Status::Fail
            } else {
                Status::Pass
            };
            writeln!(w, "{}:{rest}", paint(word, st))
        }
        _ => writeln!(w, "{line}"),
    }
}

/// One line per check, then its offenders.
fn check_lines<'r, W: Write + ?Sized>(
    results: impl Iterator<Item = &'r CheckResult>,
    paint: &dyn Fn(&str, Status) -> String,
    w: &mut W,
) -> io::Result<()> {
    for r in results {
        let value = shown(r.value);
        let limit = match (r.status, r.limit) {
            (Status::Skip, Some(l)) => format!("(limit {})", l.display()),
            (Status::Skip, None) => String::new(),
            (_, l) => format!("{} {}", comparison(r), shown(l)),
        };
        writeln!(
            w,
            "  {}  {:<29} {:>10} {:<15} {}",
            paint(r.status.label(), r.status),
            r.rule,
            value,
            limit,
            esc(&r.message)
        )?;
        for o in &r.offenders {
            let bytes = if o.bytes > 0 {
                human(o.bytes)
            } else {
                String::new()
            };
            writeln!(w, "        {:>10}  {}", bytes, esc(&o.what))?;
            if let Some(rem) = &o.remedy {
                writeln!(w, "                    -> {}", esc(rem))?;
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- json

/// `checks[].offenders[]`: something that explains a failure.
#[derive(Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub(crate) struct OffenderJson<'a> {
    /// A path, a layer with its build step, or a finding's message.
    what: &'a str,
    /// The bytes it accounts for.
    bytes: u64,
    /// The layer to change, where there is one.
    layer: Option<LayerIndex>,
    /// What to do about it, where there is a remedy.
    remedy: Option<&'a str>,
}

/// `checks[]`: one budget rule's outcome.
#[derive(Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub(crate) struct CheckJson<'a> {
    /// The budget key (`max_wasted`, `cache.pip`, `dive.lowestEfficiency`, ...).
    rule: &'a str,
    /// pass, fail or skip; the exit code says the same.
    #[cfg_attr(
        feature = "schema",
        schemars(schema_with = "crate::schema::check_status")
    )]
    status: &'static str,
    /// The image's measure, in `unit` (null when the rule was skipped).
    #[cfg_attr(feature = "schema", schemars(schema_with = "crate::schema::measure"))]
    value: Option<serde_json::Value>,
    /// The budget's limit, in `unit`.
    #[cfg_attr(feature = "schema", schemars(schema_with = "crate::schema::measure"))]
    limit: Option<serde_json::Value>,
    /// What `value` and `limit` count.
    #[cfg_attr(
        feature = "schema",
        schemars(schema_with = "crate::schema::measure_unit")
    )]
    unit: Option<&'static str>,
    /// The outcome in words.
    message: &'a str,
    /// What explains a failure, largest first.
    offenders: Vec<OffenderJson<'a>>,
}

/// `check --format json`: the full report plus the outcome of each rule.
#[derive(Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub(crate) struct CheckOutput<'a> {
    #[serde(flatten)]
    report: Report,
    /// Every rule passed (or was skipped): the exit code is 0.
    passed: bool,
    /// No budget was given, so the default budget was applied.
    default_budget: bool,
    /// Each rule checked.
    checks: Vec<CheckJson<'a>>,
}

/// The full report plus `passed`, `default_budget` and `checks[]`.
pub fn write_json<W: Write + ?Sized>(
    a: &Analysis,
    b: &Budgets,
    results: &[CheckResult],
    w: &mut W,
) -> io::Result<()> {
    let out = CheckOutput {
        report: Report::from_analysis(a),
        passed: super::passed(results),
        default_budget: b.defaulted,
        checks: results
            .iter()
            .map(|r| CheckJson {
                rule: &r.rule,
                status: r.status.as_str(),
                value: r.value.map(Measure::json),
                limit: r.limit.map(Measure::json),
                unit: r.value.or(r.limit).map(Measure::unit),
                message: &r.message,
                offenders: r
                    .offenders
                    .iter()
                    .map(|o| OffenderJson {
                        what: &o.what,
                        bytes: o.bytes,
                        layer: o.layer,
                        remedy: o.remedy.as_deref(),
                    })
                    .collect(),
            })
            .collect(),
    };
    // The same escaping as the report: every string may come from the image.
    crate::safe_json::to_writer_pretty(&mut *w, &out)?;
    writeln!(w)
}

// ---------------------------------------------------------------- junit

/// Text for XML content and attributes: control characters (which XML 1.0
/// cannot carry at all) become `\xNN`, markup characters entities.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in esc(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Not control characters, but not XML characters either.
            '\u{FFFE}' | '\u{FFFF}' => out.push_str("\\u{fffe}"),
            _ => out.push(c),
        }
    }
    out
}

/// The lines a failure carries: measure, limit and offenders.
fn detail_lines(r: &CheckResult) -> Vec<String> {
    let mut lines = vec![format!(
        "{}: {} {} {}",
        r.rule,
        shown(r.value),
        comparison(r),
        shown(r.limit)
    )];
    lines.push(r.message.clone());
    for o in &r.offenders {
        if o.bytes > 0 {
            lines.push(format!("  {}  {}", human(o.bytes), o.what));
        } else {
            lines.push(format!("  {}", o.what));
        }
        if let Some(rem) = &o.remedy {
            lines.push(format!("    -> {rem}"));
        }
    }
    lines
}

/// One testsuite, one testcase per rule: `<failure>` on fail, `<skipped>`
/// on skip (the shape Jenkins, GitLab and the JUnit report actions read).
pub fn write_junit<W: Write + ?Sized>(
    a: &Analysis,
    b: &Budgets,
    results: &[CheckResult],
    w: &mut W,
) -> io::Result<()> {
    let t = tally(results);
    let name = format!("layerscope check {}", image_name(a));
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites name="{}" tests="{}" failures="{}" errors="0" time="0">"#,
        xml(&name),
        results.len(),
        t.fail
    )?;
    writeln!(
        w,
        r#"  <testsuite name="{}" tests="{}" failures="{}" errors="0" skipped="{}" time="0">"#,
        xml(&name),
        results.len(),
        t.fail,
        t.skip
    )?;
    writeln!(w, "    <properties>")?;
    writeln!(
        w,
        r#"      <property name="image" value="{}"/>"#,
        xml(image_name(a))
    )?;
    writeln!(
        w,
        r#"      <property name="size_bytes" value="{}"/>"#,
        a.totals.size_bytes
    )?;
    writeln!(
        w,
        r#"      <property name="default_budget" value="{}"/>"#,
        b.defaulted
    )?;
    writeln!(w, "    </properties>")?;
    for r in results {
        write!(
            w,
            r#"    <testcase classname="layerscope.check" name="{}" time="0""#,
            xml(&r.rule)
        )?;
        let one_line = format!(
            "{} {} {}: {}",
            shown(r.value),
            comparison(r),
            shown(r.limit),
            r.message
        );
        match r.status {
            Status::Pass => {
                writeln!(w, ">")?;
                writeln!(w, "      <system-out>{}</system-out>", xml(&one_line))?;
                writeln!(w, "    </testcase>")?;
            }
            Status::Fail => {
                writeln!(w, ">")?;
                writeln!(
                    w,
                    r#"      <failure type="budget" message="{}">{}</failure>"#,
                    xml(&one_line),
                    detail_lines(r)
                        .iter()
                        .map(|l| xml(l))
                        .collect::<Vec<_>>()
                        .join("\n")
                )?;
                writeln!(w, "    </testcase>")?;
            }
            Status::Skip => {
                writeln!(w, ">")?;
                writeln!(w, r#"      <skipped message="{}"/>"#, xml(&r.message))?;
                writeln!(w, "    </testcase>")?;
            }
        }
    }
    if b.defaulted {
        writeln!(w, "    <system-out>{}</system-out>", xml(&default_note()))?;
    }
    writeln!(w, "  </testsuite>")?;
    writeln!(w, "</testsuites>")
}

// ---------------------------------------------------------------- md

fn md_status(s: Status) -> &'static str {
    match s {
        Status::Pass => "✅ PASS",
        Status::Fail => "❌ FAIL",
        Status::Skip => "⚪ SKIP",
    }
}

/// A table of rules, then the top offenders of each failed rule: for a PR
/// comment or `$GITHUB_STEP_SUMMARY`.
pub fn write_md<W: Write + ?Sized>(
    a: &Analysis,
    b: &Budgets,
    results: &[CheckResult],
    w: &mut W,
) -> io::Result<()> {
    let ok = super::passed(results);
    writeln!(
        w,
        "## {} layerscope check: {}",
        if ok { "✅" } else { "❌" },
        md(image_name(a))
    )?;
    writeln!(w)?;
    writeln!(
        w,
        "{} in {} layers; {}",
        human(a.totals.size_bytes),
        a.totals.layers,
        md(&summary(results))
    )?;
    if b.defaulted {
        writeln!(w)?;
        writeln!(w, "> **Note:** {}", md(&default_note()))?;
    }
    writeln!(w)?;
    writeln!(w, "| Status | Rule | Value | Limit | Details |")?;
    writeln!(w, "|---|---|---:|---:|---|")?;
    for r in results {
        let limit = match r.limit {
            Some(l) if r.status != Status::Skip => format!("{} {}", comparison(r), l.display()),
            Some(l) => l.display(),
            None => "-".into(),
        };
        writeln!(
            w,
            "| {} | {} | {} | {} | {} |",
            md_status(r.status),
            md(&r.rule),
            md(&shown(r.value)),
            md(&limit),
            md(&r.message)
        )?;
    }
    let failed: Vec<_> = results
        .iter()
        .filter(|r| r.status == Status::Fail && !r.offenders.is_empty())
        .collect();
    if !failed.is_empty() {
        writeln!(w)?;
        writeln!(w, "### Top offenders")?;
        for r in failed {
            writeln!(w)?;
            writeln!(w, "**{}**", md(&r.rule))?;
            writeln!(w)?;
            for o in &r.offenders {
                let bytes = if o.bytes > 0 {
                    format!("**{}** ", human(o.bytes))
                } else {
                    String::new()
                };
                writeln!(w, "- {bytes}{}", md(&o.what))?;
                if let Some(rem) = &o.remedy {
                    writeln!(w, "  - fix: {}", md(rem))?;
                }
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- github

/// Escape the message part of a workflow command.
fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value (`title=`) of a workflow command.
fn gh_property(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `::error` per failed rule (with its offenders), `::warning` per skipped
/// rule, a plain line per passed rule, then the summary.
pub fn write_github<W: Write + ?Sized>(
    a: &Analysis,
    b: &Budgets,
    results: &[CheckResult],
    w: &mut W,
) -> io::Result<()> {
    // Escaped for the terminal first: no raw control characters or line
    // breaks from the image reach the log, so no name can start a command.
    let t = |s: &str| esc(s).into_owned();
    if b.defaulted {
        writeln!(
            w,
            "::notice title={}::{}",
            gh_property("layerscope check"),
            gh_data(&default_note())
        )?;
    }
    for r in results {
        let title = format!("layerscope check: {}", r.rule);
        match r.status {
            Status::Fail => {
                let body: Vec<String> = detail_lines(r).iter().map(|l| t(l)).collect();
                writeln!(
                    w,
                    "::error {}title={}::{}",
                    gh_location(a, r.offenders.iter().find_map(|o| o.layer)),
                    gh_property(&t(&title)),
                    gh_data(&body.join("\n"))
                )?;
            }
            Status::Skip => writeln!(
                w,
                "::warning title={}::{}",
                gh_property(&t(&title)),
                gh_data(&format!("skipped: {}", t(&r.message)))
            )?,
            Status::Pass => writeln!(
                w,
                "PASS {}: {} {} {}: {}",
                r.rule,
                shown(r.value),
                comparison(r),
                shown(r.limit),
                t(&r.message)
            )?,
        }
    }
    // With --dockerfile: each finding with a line, inline on the diff.
    if let Some(d) = &a.dockerfile {
        for f in &a.findings {
            let Some(line) = d.finding_line(f) else {
                continue;
            };
            let level = match f.severity {
                layerscope_core::analysis::Severity::Warning => "warning",
                layerscope_core::analysis::Severity::Info => "notice",
            };
            writeln!(
                w,
                "::{level} file={},line={line},title={}::{}",
                gh_property(&t(&d.path)),
                gh_property(&t(&format!("layerscope: {}", f.rule))),
                gh_data(&format!("{}\n-> {}", t(&f.message), t(&f.remedy)))
            )?;
        }
    }
    writeln!(
        w,
        "layerscope check {}: {}",
        t(image_name(a)),
        summary(results)
    )
}

/// `file=…,line=…,` of a layer's Dockerfile line, or nothing.
fn gh_location(a: &Analysis, layer: Option<LayerIndex>) -> String {
    match layer.and_then(|l| a.dockerfile_line(l)) {
        Some(r) => format!(
            "file={},line={},endLine={},",
            gh_property(&esc(&r.path)),
            r.line,
            r.end_line
        ),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::{gh_data, gh_property, xml};

    #[test]
    fn github_escaping_rules() {
        assert_eq!(gh_data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(gh_property("a: b, c%\n"), "a%3A b%2C c%25%0A");
        assert_eq!(gh_data("a:b,c"), "a:b,c");
    }

    #[test]
    fn xml_escaping_rules() {
        assert_eq!(
            xml(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
        );
        // XML 1.0 cannot carry these at all, not even as references.
        assert_eq!(xml("a\x1bb\x00c"), r"a\x1bb\x00c");
    }
}
