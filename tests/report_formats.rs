//! `report --format csv|md|html` on images built in code: snapshots
//! reviewed by eye, the HTML parsed back into a DOM, and hostile names.

use crate::support::images;

use images::{antipatterns, hostile};
use layerscope_core::analysis::Analysis;
use layerscope_report::{self as report, layer_splits, CsvTable, Format, LayerSplit};
use scraper::{Html, Selector};

fn render(a: &Analysis, f: Format) -> String {
    let mut out = Vec::new();
    report::write(a, f, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn formats_parse() {
    assert_eq!("csv".parse(), Ok(Format::Csv(CsvTable::Layers)));
    assert_eq!("md".parse(), Ok(Format::Md));
    assert_eq!("html".parse(), Ok(Format::Html));
    assert_eq!("hidden".parse(), Ok(CsvTable::Hidden));
    assert!("xml".parse::<Format>().is_err());
    assert!("files".parse::<CsvTable>().is_err());
}

#[test]
fn csv_snapshots_of_every_table() {
    let a = antipatterns();
    for (name, t) in [
        ("layers", CsvTable::Layers),
        ("hidden", CsvTable::Hidden),
        ("cache", CsvTable::Cache),
        ("duplicates", CsvTable::Duplicates),
        ("findings", CsvTable::Findings),
    ] {
        insta::assert_snapshot!(format!("csv_{name}"), render(&a, Format::Csv(t)));
    }
}

#[test]
fn csv_layer_rows_hold_the_exact_figures() {
    let a = antipatterns();
    let out = render(&a, Format::Csv(CsvTable::Layers));
    let rows: Vec<Vec<&str>> = out
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 5, "header + 4 layers");
    assert_eq!(rows[0][4], "size_bytes");
    // index, size_bytes, content_bytes, hidden_bytes_added, hides_bytes, cache_bytes
    let figures: Vec<[&str; 6]> = rows[1..]
        .iter()
        .map(|r| [r[0], r[4], r[6], r[8], r[9], r[10]])
        .collect();
    assert_eq!(
        figures,
        vec![
            ["1", "3072", "1000", "0", "0", "0"],
            ["2", "9216", "5300", "5300", "0", "5300"],
            ["3", "10240", "5550", "150", "0", "5050"],
            ["4", "5632", "520", "0", "5450", "0"],
        ]
    );
}

#[test]
fn csv_quoting_escaping_and_formula_guard() {
    let a = hostile();
    let out = render(&a, Format::Csv(CsvTable::Hidden));
    assert!(!out.contains('\x1b'));
    let lines: Vec<&str> = out.split("\r\n").filter(|l| !l.is_empty()).collect();
    // header + 3 hidden files, one line each: no raw newline from a name.
    assert_eq!(lines.len(), 4, "{out}");
    assert_eq!(
        lines[0],
        "path,bytes,cause,added_by,hidden_by,churn,cache_rule"
    );
    // Largest first: the formula file (30), the ESC file (20), the script (10).
    assert_eq!(
        lines[1],
        "\"/app/=cmd|' /C calc'!A0,%0A\",30,removed,1,2,false,"
    );
    assert_eq!(
        lines[2],
        r"/app/e\x1b[31mvil\x0aname,20,overwritten,1,2,false,"
    );
    assert_eq!(
        lines[3],
        "/app/<script>alert(1)</script>,10,removed,1,2,false,"
    );
    // A build step that starts with `=` would be guarded too; the one here
    // starts with `/` and is quoted for its comma.
    let layers = render(&a, Format::Csv(CsvTable::Layers));
    assert!(layers.contains("\"/bin/sh -c #(nop) COPY dir:<b>x</b>,y in /app\""));
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!("report_md", render(&antipatterns(), Format::Md));
}

#[test]
fn markdown_escapes_names() {
    let out = render(&hostile(), Format::Md);
    assert!(!out.contains("<script>"), "{out}");
    assert!(!out.contains('\x1b'));
    assert!(out.contains(r"/app/\<script\>alert(1)\</script\>"), "{out}");
    // `|` in a name cannot split a table cell.
    assert!(out.contains(r"/app/=cmd\|' /C calc'\!A0,%0A"), "{out}");
}

#[test]
fn layer_splits_add_up_to_content() {
    let a = antipatterns();
    // L1 bin/sh live; L2 lists hidden; L3 pip live cache 5_000, mod.py live
    // 400, build.log + old status hidden 150; L4 status + copy.py live 520.
    assert_eq!(
        layer_splits(&a),
        vec![
            LayerSplit {
                live: 1_000,
                cache: 0,
                hidden: 0
            },
            LayerSplit {
                live: 0,
                cache: 0,
                hidden: 5_300
            },
            LayerSplit {
                live: 400,
                cache: 5_000,
                hidden: 150
            },
            LayerSplit {
                live: 520,
                cache: 0,
                hidden: 0
            },
        ]
    );
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn text(doc: &Html, s: &str) -> Vec<String> {
    doc.select(&sel(s))
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect()
}

#[test]
fn html_dom_has_the_figures_tables_and_chart() {
    let a = antipatterns();
    let out = render(&a, Format::Html);
    let doc = Html::parse_document(&out);

    // Headline figures, exact bytes in data attributes.
    let fig = |id: &str| {
        let e = doc.select(&sel(&format!("#fig-{id}"))).next().unwrap();
        (
            e.value().attr("data-bytes").unwrap().to_string(),
            e.select(&sel(".value"))
                .next()
                .unwrap()
                .text()
                .collect::<String>(),
        )
    };
    assert_eq!(fig("size"), ("28160".into(), "28.2 kB".into()));
    assert_eq!(fig("live"), ("6920".into(), "6.92 kB".into()));
    assert_eq!(fig("wasted"), ("5450".into(), "5.45 kB".into()));
    // 5_450 + 5_000 + 400 = 10_850; 10.85 is 10.8499.. as a float: 10.8.
    assert_eq!(fig("recoverable"), ("10850".into(), "10.8 kB".into()));

    // One table row per layer, with the build steps.
    let steps = text(&doc, "#layers tbody td.step");
    assert_eq!(
        steps,
        vec![
            "ADD file:base in /",
            "RUN apt-get update",
            "RUN pip install requests",
            "RUN rm -rf /var/lib/apt/lists/* /tmp/*",
        ]
    );
    // Cache rows: pip 5_000 live, apt-lists 5_300 hidden, tmp 50 hidden,
    // largest total first (their remedies are in the fixes, not repeated).
    let rules = text(&doc, "#cache tbody tr td:first-child");
    assert_eq!(rules, vec!["apt-lists", "pip", "tmp"]);
    assert_eq!(doc.select(&sel("#cache thead th")).count(), 4);
    // Hidden files, largest first.
    let paths = text(&doc, "#hidden tbody td.path");
    assert_eq!(
        paths,
        vec![
            "/var/lib/apt/lists/a_Packages",
            "/var/lib/apt/lists/b_Release",
            "/var/lib/dpkg/status",
            "/tmp/build.log",
        ]
    );
    // The duplicate pair.
    assert_eq!(
        text(&doc, "#duplicates tbody td.path"),
        vec!["/usr/lib/py/copy.py/usr/lib/py/mod.py"]
    );

    // Layer 4 hides 5_300 B of layer 2 (a_Packages 5_000 + b_Release 300)
    // and 150 B of layer 3 (build.log 50 + dpkg/status 100): 5_450 in all.
    assert_eq!(
        text(&doc, "#layer-4 td.hides-cell"),
        vec!["5.45 kBof layer 2: 5.30 kB, layer 3: 150 B"]
    );
    assert_eq!(
        text(&doc, "#layer-2 td.hidden-cell"),
        vec!["5.30 kBby layer 4: 5.30 kB"]
    );
    assert_eq!(text(&doc, "#layer-1 td.hides-cell"), vec!["0 B"]);
    let links: Vec<&str> = doc
        .select(&sel("#layer-4 td.hides-cell a"))
        .map(|a| a.value().attr("href").unwrap())
        .collect();
    assert_eq!(links, vec!["#layer-2", "#layer-3"]);

    // The chart: one group per layer, bars sized by bytes.
    assert_eq!(doc.select(&sel("#layer-chart g.layer")).count(), 4);
    let bars: Vec<(String, String)> = doc
        .select(&sel("#layer-chart g.layer[data-layer=\"3\"] rect"))
        .map(|r| {
            (
                r.value().attr("class").unwrap().to_string(),
                r.value().attr("data-bytes").unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        bars,
        vec![
            ("live".to_string(), "400".to_string()),
            ("cache".to_string(), "5000".to_string()),
            ("hidden".to_string(), "150".to_string()),
        ]
    );
}

#[test]
fn html_leads_with_the_top_fixes_then_the_contents() {
    let a = antipatterns();
    let out = render(&a, Format::Html);
    let doc = Html::parse_document(&out);
    // Top fixes: the findings with bytes, largest saving first (the
    // analysis's own figures): apt-lists removed in layer 4, 5_300; the
    // pip cache left live, 5_000; the duplicate pair, 400; layer 4's
    // removal and overwrite of layer 3's files, 150.
    let fixes: Vec<(String, String)> = doc
        .select(&sel("#top-fixes li.fix-item"))
        .map(|li| {
            (
                li.value().attr("data-rule").unwrap().to_string(),
                li.value().attr("data-bytes").unwrap().to_string(),
            )
        })
        .collect();
    let mut want: Vec<(String, String)> = a
        .findings
        .iter()
        .filter(|f| f.bytes > 0)
        .map(|f| (f.rule.clone(), f.bytes.to_string()))
        .collect();
    want.sort_by_key(|(_, b)| std::cmp::Reverse(b.parse::<u64>().unwrap()));
    want.truncate(5);
    assert_eq!(fixes, want);
    let bytes: Vec<&str> = fixes.iter().map(|(_, b)| b.as_str()).collect();
    assert_eq!(&bytes[..3], ["5300", "5000", "400"]);
    // Code spans are <code>, never literal backticks.
    let pip = doc.select(&sel("#top-fixes li.fix-item")).nth(1).unwrap();
    let codes: Vec<String> = pip
        .select(&sel(".fix code"))
        .map(|c| c.text().collect())
        .collect();
    assert!(
        codes.contains(&"pip install --no-cache-dir".to_string()),
        "{codes:?}"
    );
    let visible: String = doc.root_element().text().collect();
    assert!(!visible.contains('`'), "a literal backtick is shown");

    // The order on the page: cards, fixes, contents, then the sections.
    let order = |s: &str| out.find(s).unwrap_or_else(|| panic!("{s}"));
    assert!(order("id=\"fig-recoverable\"") < order("id=\"top-fixes\""));
    assert!(order("id=\"top-fixes\"") < order("id=\"contents\""));
    assert!(order("id=\"contents\"") < order("id=\"sec-layers\""));
    // The contents list links every section, each of which exists once.
    let targets: Vec<&str> = doc
        .select(&sel("#contents a"))
        .map(|a| a.value().attr("href").unwrap())
        .collect();
    assert_eq!(
        targets,
        vec![
            "#top-fixes",
            "#sec-layers",
            "#sec-cache",
            "#sec-hidden",
            "#sec-duplicates",
            // The fixture's dpkg status lists one package (`p`).
            "#sec-packages",
        ]
    );
    for t in &targets {
        assert_eq!(doc.select(&sel(t)).count(), 1, "{t}");
        let anchor = format!("{t} h2 a.anchor[href=\"{t}\"]");
        assert_eq!(doc.select(&sel(&anchor)).count(), 1, "{anchor}");
    }
    // No finding is said twice: each is either a top fix or further down
    // (here all of them are top fixes: no "More findings").
    assert_eq!(fixes.len(), a.findings.len());
    assert_eq!(doc.select(&sel("#sec-findings")).count(), 0);
    for f in &a.findings {
        let shown = doc
            .select(&sel(".fix-item .what, .finding"))
            .filter(|e| {
                e.text()
                    .collect::<String>()
                    .contains(&f.message.replace('`', ""))
            })
            .count();
        assert_eq!(shown, 1, "{}", f.message);
    }
}

#[test]
fn html_is_self_contained() {
    let out = render(&antipatterns(), Format::Html);
    let doc = Html::parse_document(&out);
    assert_eq!(doc.select(&sel("script")).count(), 0);
    assert_eq!(doc.select(&sel("link")).count(), 0);
    assert_eq!(doc.select(&sel("[src]")).count(), 0);
    // Links go to anchors on the page only.
    for a in doc.select(&sel("[href]")) {
        let href = a.value().attr("href").unwrap();
        assert!(href.starts_with('#'), "{href}");
    }
    // The only URL is the SVG namespace, which is a name, not a fetch.
    assert_eq!(out.matches("://").count(), 1);
    assert!(out.contains("xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(!out.contains("@import") && !out.contains("url("));
    let csp = doc
        .select(&sel("meta[http-equiv=\"Content-Security-Policy\"]"))
        .next()
        .unwrap();
    assert!(csp
        .value()
        .attr("content")
        .unwrap()
        .starts_with("default-src 'none'"));
}

#[test]
fn html_escapes_every_name() {
    let a = hostile();
    let out = render(&a, Format::Html);
    assert!(!out.contains('\x1b'));
    // Never raw in the markup...
    assert!(!out.contains("<script>"), "{out}");
    assert!(!out.contains("<b>x</b>"), "{out}");
    let doc = Html::parse_document(&out);
    assert_eq!(doc.select(&sel("script")).count(), 0);
    assert_eq!(doc.select(&sel("b")).count(), 0);
    // ...and shown to the reader as the text it is.
    let paths = text(&doc, "#hidden tbody td.path");
    assert!(
        paths.contains(&"/app/<script>alert(1)</script>".to_string()),
        "{paths:?}"
    );
    assert!(
        paths.contains(&r"/app/e\x1b[31mvil\x0aname".to_string()),
        "{paths:?}"
    );
    // In SVG tooltips and attributes too.
    let titles: Vec<String> = doc
        .select(&sel("#layer-chart g.layer > title"))
        .map(|t| t.text().collect())
        .collect();
    assert!(
        titles[0].ends_with("COPY dir:<b>x</b>,y in /app"),
        "{titles:?}"
    );
    assert!(
        titles[1].contains("rm '/app/<script>alert(1)</script>'"),
        "{titles:?}"
    );
    let step_title = doc
        .select(&sel("#layers tbody td.step"))
        .next()
        .unwrap()
        .value()
        .attr("title")
        .unwrap()
        .to_string();
    assert_eq!(step_title, "/bin/sh -c #(nop) COPY dir:<b>x</b>,y in /app");
    // In the fixes' code spans (the build steps in messages) as well.
    let codes: Vec<String> = doc
        .select(&sel("#top-fixes code, #sec-findings code"))
        .map(|c| c.text().collect())
        .collect();
    assert!(
        codes.contains(&"RUN rm '/app/<script>alert(1)</script>'".to_string()),
        "{codes:?}"
    );
}

#[test]
fn html_snapshot() {
    insta::assert_snapshot!("report_html", render(&antipatterns(), Format::Html));
}

#[test]
fn html_snapshot_of_hostile_names() {
    insta::assert_snapshot!("report_html_hostile", render(&hostile(), Format::Html));
}

/// The binary takes its `--format` and `--csv-table` names from the
/// libraries' lists: every name there (and every hidden alias) is accepted
/// on a real image and writes something, and each name parses back to
/// itself.
#[test]
fn every_format_name_is_accepted_by_the_binary() {
    use layerscope_report::check;

    let img = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/basic/docker-archive.tar"
    );
    let run = |args: &[&str]| {
        let out = crate::support::bin().args(args).output().unwrap();
        (out.status.code(), out.stdout, out.stderr)
    };

    for name in Format::NAMES {
        assert_eq!(name.parse::<Format>().unwrap().as_str(), *name);
    }
    for name in check::Format::NAMES {
        assert_eq!(name.parse::<check::Format>().unwrap().as_str(), *name);
    }
    for name in CsvTable::NAMES {
        assert_eq!(name.parse::<CsvTable>().unwrap().as_str(), *name);
    }

    let aliases = |a: &'static [(&'static str, &'static str)]| a.iter().map(|(alias, _)| *alias);
    for name in Format::NAMES
        .iter()
        .copied()
        .chain(aliases(Format::ALIASES))
    {
        let (code, out, err) = run(&["report", img, "--format", name]);
        let err = String::from_utf8_lossy(&err);
        assert_eq!(code, Some(0), "report --format {name}: {err}");
        assert!(!out.is_empty(), "report --format {name} wrote nothing");
    }
    for table in CsvTable::NAMES {
        let (code, out, err) = run(&["report", img, "--format", "csv", "--csv-table", table]);
        let err = String::from_utf8_lossy(&err);
        assert_eq!(code, Some(0), "--csv-table {table}: {err}");
        assert!(!out.is_empty(), "--csv-table {table} wrote nothing");
    }
    for name in check::Format::NAMES
        .iter()
        .copied()
        .chain(aliases(check::Format::ALIASES))
    {
        // The default budget passes or fails; either way it is reported.
        let (code, out, err) = run(&["check", img, "--format", name]);
        let err = String::from_utf8_lossy(&err);
        assert!(matches!(code, Some(0 | 1)), "check --format {name}: {err}");
        assert!(!out.is_empty(), "check --format {name} wrote nothing");
    }
    // An unknown name is still a usage error (exit 2), from clap.
    assert_eq!(run(&["report", img, "--format", "xml"]).0, Some(2));
}
