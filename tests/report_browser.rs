//! The HTML report in a real browser: headless Chromium (Debian's
//! `chromium`, installed by .ci/run) renders the report of a testdata image.
//! Its screenshot is decoded (the `png` crate) and looked at: the window's
//! size, a page of text on white, and the report's red (wasted bytes, the
//! amounts of the top fixes) in one band per card and per fix above the
//! layer chart's legend. Its DOM as the browser built it (`--dump-dom`) has
//! the top fixes before the contents and the sections.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::bin;

/// Bound on one Chromium run (a hang fails instead of blocking the suite;
/// a run takes a few seconds).
const RUN_BOUND: Duration = Duration::from_secs(180);

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 900;

/// The report's colours (crates/report/src/html.rs's STYLE): `--hidden`
/// (wasted figures, fix amounts, hidden bars) and `--live` (the chart).
const RED: [u8; 3] = [0xdc, 0x26, 0x26];
const BLUE: [u8; 3] = [0x3b, 0x82, 0xf6];

/// Chromium, or `None` (with a note) outside CI when it is not installed.
fn chromium() -> Option<&'static str> {
    if Command::new("chromium").arg("--version").output().is_ok() {
        return Some("chromium");
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "chromium is not installed (.ci/run installs it)"
    );
    println!("note: chromium not installed (apt-get install chromium): browser test skipped");
    None
}

/// Runs headless Chromium with a fresh profile on `url`, with `args`.
fn run_chromium(exe: &str, profile: &Path, args: &[String], url: &str) -> Output {
    let mut child = Command::new(exe)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > RUN_BOUND {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within {RUN_BOUND:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `layerscope report -f html` of a testdata image, written to `dir`.
fn report_html(dir: &Path) -> PathBuf {
    let image =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/antipatterns/docker-archive.tar");
    let out = dir.join("report.html");
    let o = bin()
        .args(["report", "--format", "html", "-o"])
        .arg(&out)
        .arg(&image)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

/// The rows of an 8-bit RGB(A) image, as RGB pixels.
fn decode(png_file: &Path) -> (u32, u32, Vec<Vec<[u8; 3]>>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png_file).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("unexpected colour type {other:?}"),
    };
    let rows = buf[..info.buffer_size()]
        .chunks(info.line_size)
        .map(|line| line.chunks(channels).map(|p| [p[0], p[1], p[2]]).collect())
        .collect();
    (info.width, info.height, rows)
}

/// Runs of consecutive row numbers: `[3, 4, 5, 9]` is two bands.
fn bands(rows: &[usize]) -> usize {
    rows.windows(2).filter(|w| w[1] != w[0] + 1).count() + usize::from(!rows.is_empty())
}

#[test]
fn the_first_screen_leads_with_the_figures_and_the_top_fixes() {
    let Some(exe) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let html = report_html(dir.path());
    let url = format!("file://{}", html.display());
    let shot = dir.path().join("shot.png");
    let profile = tempfile::tempdir().unwrap();
    let o = run_chromium(
        exe,
        profile.path(),
        &[
            // Capture only once every pending task and paint is done: on a
            // loaded CI host one run in many had no chart legend on the
            // first screen (the same HTML; not reproduced alone).
            "--run-all-compositor-stages-before-draw".to_string(),
            "--virtual-time-budget=5000".to_string(),
            format!("--screenshot={}", shot.display()),
            format!("--window-size={WIDTH},{HEIGHT}"),
        ],
        &url,
    );
    assert!(
        shot.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let (w, h, rows) = decode(&shot);
    assert_eq!((w, h), (WIDTH, HEIGHT));

    // A page of text on white: mostly white, many colours (text is
    // anti-aliased), so neither blank nor one colour.
    let pixels = (w * h) as usize;
    let white = rows
        .iter()
        .flatten()
        .filter(|p| **p == [255, 255, 255])
        .count();
    assert!(white * 2 > pixels, "white {white} of {pixels}");
    assert!(
        white < pixels * 98 / 100,
        "nearly blank: white {white} of {pixels}"
    );
    let mut colours: Vec<[u8; 3]> = rows.iter().flatten().copied().collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(colours.len() > 100, "{} colours", colours.len());

    // The layer chart starts with its legend (a few --live pixels in a
    // row); above it, the report's red is in one band of rows for the
    // wasted and recoverable cards (side by side) and one per top fix:
    // this image has 9 findings, the top 5 shown (65.0 kB, 53.3 kB,
    // 39.0 kB, 14.8 kB, 8.00 kB): 6 bands.
    let count = |row: &Vec<[u8; 3]>, c: [u8; 3]| row.iter().filter(|p| **p == c).count();
    let Some(legend) = rows.iter().position(|r| count(r, BLUE) > 5) else {
        // Kept for a look (the temporary directory goes with the test).
        let kept = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report_browser_first_screen.png");
        let _ = std::fs::copy(&shot, &kept);
        let blue: usize = rows.iter().map(|r| count(r, BLUE)).sum();
        let red_rows = rows.iter().filter(|r| count(r, RED) > 0).count();
        panic!(
            "the chart's legend on the first screen: {blue} --live pixels, {red_rows} rows with red; screenshot kept at {}",
            kept.display()
        );
    };
    let red_rows: Vec<usize> = (0..legend).filter(|&y| count(&rows[y], RED) > 0).collect();
    assert_eq!(
        bands(&red_rows),
        6,
        "red bands above the chart (legend at row {legend}): {red_rows:?}"
    );
    // The first red is the cards', in the upper fifth of the screen.
    assert!(red_rows[0] < HEIGHT as usize / 5, "{red_rows:?}");
}

#[test]
fn the_browser_builds_the_top_fixes_before_the_sections() {
    let Some(exe) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let html = report_html(dir.path());
    let url = format!("file://{}", html.display());
    let profile = tempfile::tempdir().unwrap();
    let o = run_chromium(
        exe,
        profile.path(),
        &[
            "--dump-dom".to_string(),
            format!("--window-size={WIDTH},{HEIGHT}"),
        ],
        &url,
    );
    let dom = String::from_utf8_lossy(&o.stdout);
    let at = |s: &str| {
        dom.find(s)
            .unwrap_or_else(|| panic!("{s} not in the DOM: {dom}"))
    };
    let order = [
        at("id=\"fig-recoverable\""),
        at("id=\"top-fixes\""),
        at("id=\"contents\""),
        at("id=\"sec-layers\""),
        at("id=\"sec-cache\""),
        at("id=\"sec-hidden\""),
        at("id=\"sec-duplicates\""),
        at("id=\"sec-findings\""),
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    let doc = scraper::Html::parse_document(&dom);
    let sel = |s: &str| scraper::Selector::parse(s).unwrap();
    // Five fixes (of 9 findings), the other 4 further down, none twice.
    assert_eq!(doc.select(&sel("#top-fixes li.fix-item")).count(), 5);
    assert_eq!(doc.select(&sel("#sec-findings .finding")).count(), 4);
    let saves: Vec<String> = doc
        .select(&sel("#top-fixes .saves"))
        .map(|e| e.text().next().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        saves,
        ["65.0 kB", "53.3 kB", "39.0 kB", "14.8 kB", "8.00 kB"]
    );
    // Code spans are elements in the browser's DOM, not backticks.
    assert!(doc.select(&sel("#top-fixes code")).count() >= 10);
    let fixes_text: String = doc
        .select(&sel("#top-fixes"))
        .flat_map(|e| e.text())
        .collect();
    assert!(!fixes_text.contains('`'), "{fixes_text}");
    // Layer 7 hides bytes of layers 2 and 6 (EXPECTED.json's hidden files:
    // the apt lists, 65,000 B, and /tmp/build, 14,796 B).
    let hides: String = doc
        .select(&sel("#layer-7 td.hides-cell .of"))
        .flat_map(|e| e.text())
        .collect();
    assert_eq!(hides, "of layer 2: 65.0 kB, layer 6: 14.8 kB");
}
