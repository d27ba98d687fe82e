//! The text summary: what a person reads in ten seconds. Every string that
//! comes from the image is escaped for the terminal.

use std::io::{self, Write};

use layerscope_core::analysis::{shorten, Analysis};
use layerscope_core::escape::str_for_terminal as esc;
use layerscope_core::units::{human, pct, ratio_pct};

/// How many rows of each list the summary shows.
const TOP: usize = 10;

pub fn write<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    write_with(a, false, w)
}

/// [`write()`] with the headline figures coloured (ANSI SGR) for a terminal.
pub fn write_colored<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    write_with(a, true, w)
}

fn write_with<W: Write + ?Sized>(a: &Analysis, color: bool, w: &mut W) -> io::Result<()> {
    summary(a, color, w)?;
    dive(a, w)?;
    layers(a, w)?;
    cache(a, w)?;
    hidden(a, w)?;
    duplicates(a, w)?;
    packages(a, w)?;
    findings(a, w)
}

/// Packages, largest first (docs/packages.md).
fn packages<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    let p = &a.packages;
    if p.list.is_empty() {
        return Ok(());
    }
    let t = &a.totals;
    let live = p.list.iter().filter(|x| x.removed_by.is_none()).count();
    writeln!(w)?;
    writeln!(
        w,
        "Packages  {} installed, {} live in packages, {} owned by none",
        live,
        human(t.package_live_bytes),
        human(t.unowned_live_bytes)
    )?;
    writeln!(
        w,
        "  {:>10}  {:>10}  {:>10}  {:>6}  {:<7}  {:<9}  {:<9}  name version",
        "live", "hidden", "strippable", "files", "manager", "layers", "group"
    )?;
    for x in p.list.iter().take(TOP) {
        let layers = match (x.installed_by, x.removed_by) {
            (Some(i), Some(r)) => format!("{i}-{r}"),
            (Some(i), None) => format!("{i}"),
            _ => String::new(),
        };
        writeln!(
            w,
            "  {:>10}  {:>10}  {:>10}  {:>6}  {:<7}  {:<9}  {:<9}  {} {}{}",
            human(x.live_bytes),
            human(x.hidden_bytes),
            human(x.strippable_bytes),
            x.files,
            x.manager.as_str(),
            layers,
            x.group.as_deref().unwrap_or("-"),
            esc(&x.name),
            esc(&x.version),
            match (x.recommended_only, x.manager.as_str()) {
                (true, _) => "  (recommended only)".to_string(),
                (false, "dpkg" | "apk") => String::new(),
                _ => format!("  {}", esc(&x.location)),
            }
        )?;
    }
    if p.list.len() > TOP {
        writeln!(w, "  … and {} more (see --format json)", p.list.len() - TOP)?;
    }
    let changed: Vec<String> = a
        .packages_per_layer()
        .iter()
        .enumerate()
        .filter(|(_, l)| l.installed + l.removed + l.upgraded > 0)
        .map(|(i, l)| format!("{}: +{} -{} ~{}", i + 1, l.installed, l.removed, l.upgraded))
        .collect();
    if !changed.is_empty() {
        writeln!(
            w,
            "  per layer (installed, removed, upgraded)  {}",
            changed.join("  ")
        )?;
    }
    Ok(())
}

/// The image, then one line per headline figure.
fn summary<W: Write + ?Sized>(a: &Analysis, color: bool, w: &mut W) -> io::Result<()> {
    let t = &a.totals;
    // Padded first, painted after: the columns stay where they were.
    let figure = |bytes: u64, sgr: &str| crate::paint(&format!("{:>10}", human(bytes)), sgr, color);
    let bad = |bytes: u64| if bytes > 0 { "1;31" } else { "1;32" };
    let info = &a.image.info;
    let name = info.reference.as_deref().unwrap_or("(unnamed image)");
    writeln!(
        w,
        "{}  ({}{}{})",
        esc(name),
        crate::format_and_source(info),
        if info.gzipped { ", gzipped" } else { "" },
        info.platform
            .as_deref()
            .map(|p| format!(", {}", esc(p)))
            .unwrap_or_default()
    )?;
    writeln!(
        w,
        "  size         {}  in {} layer{}, {} entries ({} stored)",
        figure(t.size_bytes, "1"),
        t.layers,
        if t.layers == 1 { "" } else { "s" },
        t.entries,
        human(t.stored_bytes)
    )?;
    writeln!(
        w,
        "  content      {}  live {}, efficiency {}",
        figure(t.content_bytes, "1"),
        human(t.live_bytes),
        ratio_pct(t.efficiency)
    )?;
    writeln!(
        w,
        "  wasted       {}  {} of content: removed {}, overwritten {}{}",
        figure(t.wasted_bytes, bad(t.wasted_bytes)),
        pct(t.wasted_bytes, t.content_bytes),
        human(t.removed_bytes),
        human(t.overwritten_bytes),
        if t.churn_bytes > 0 {
            format!(" (package-db churn {})", human(t.churn_bytes))
        } else {
            String::new()
        }
    )?;
    writeln!(
        w,
        "  recoverable  {}  wasted + live cache {} + duplicates {}",
        figure(t.recoverable_bytes, bad(t.recoverable_bytes)),
        human(t.cache_live_bytes),
        human(t.duplicate_bytes)
    )?;
    writeln!(w, "  {}", a.verification_line())?;
    Ok(())
}

/// dive 0.13's figures, or why dive would refuse the image.
fn dive<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    match &a.dive.refusal {
        Some(why) => writeln!(w, "  dive 0.13    would refuse this image: {}", esc(why)),
        None => {
            let d = &a.dive.figures;
            writeln!(
                w,
                "  dive 0.13    efficiency {:.4}%, wastedBytes {}, userWastedPercent {:.4}%  (dive's definitions, for .dive-ci)",
                d.efficiency * 100.0,
                d.wasted_bytes,
                d.user_wasted_percent
            )
        }
    }
}

fn layers<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    writeln!(w)?;
    writeln!(w, "Layers")?;
    writeln!(
        w,
        "  {:>3}  {:>10}  {:>10}  {:>10}  {:>10}  {:>7}  step",
        "#", "size", "stored", "hidden+", "hides", "entries"
    )?;
    for l in &a.layers {
        let step = a.step_labeled(l.index);
        writeln!(
            w,
            "  {:>3}  {:>10}  {:>10}  {:>10}  {:>10}  {:>7}  {}",
            l.index,
            human(l.size_bytes),
            human(l.stored_bytes),
            human(l.hidden_bytes_added),
            human(l.hides_bytes),
            l.entries,
            esc(&shorten(&step, 70))
        )?;
    }
    Ok(())
}

fn cache<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    if a.cache.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    writeln!(w, "Cache")?;
    for c in a.cache.iter().take(TOP) {
        writeln!(
            w,
            "  {:<13} {:>10} live  {:>10} hidden  {:>6} files",
            esc(&c.rule),
            human(c.live_bytes),
            human(c.hidden_bytes),
            c.files
        )?;
        writeln!(w, "      -> {}", esc(&c.remedy))?;
    }
    Ok(())
}

fn hidden<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    if a.hidden.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    writeln!(w, "Top hidden files (shipped, never seen)")?;
    for h in a.hidden.iter().take(TOP) {
        writeln!(
            w,
            "  {:>10}  {:<11}  layer {} -> {}{}  {}",
            human(h.bytes),
            h.cause.as_str(),
            h.added_by,
            h.hidden_by,
            if h.churn { "  (churn)" } else { "" },
            esc(&h.path)
        )?;
    }
    if a.hidden.len() > TOP {
        writeln!(w, "  … and {} more", a.hidden.len() - TOP)?;
    }
    Ok(())
}

fn duplicates<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    if a.duplicates.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    writeln!(w, "Duplicates")?;
    for d in a.duplicates.iter().take(5) {
        writeln!(
            w,
            "  {:>10}  {} copies of {}: {}",
            human(d.wasted_bytes),
            d.paths.len(),
            human(d.bytes_each),
            esc(&shorten(&d.paths.join(", "), 100))
        )?;
    }
    Ok(())
}

fn findings<W: Write + ?Sized>(a: &Analysis, w: &mut W) -> io::Result<()> {
    writeln!(w)?;
    if a.findings.is_empty() {
        writeln!(w, "No findings.")?;
    } else {
        writeln!(w, "Findings")?;
        for f in a.findings.iter().take(TOP) {
            writeln!(w, "  [{}] {}", f.severity.as_str(), esc(&f.message))?;
            // Multi-line remedies (Dockerfile snippets) stay pasteable.
            for (i, line) in f.remedy.lines().enumerate() {
                writeln!(
                    w,
                    "      {} {}",
                    if i == 0 { "->" } else { "  " },
                    esc(line)
                )?;
            }
        }
        if a.findings.len() > TOP {
            writeln!(
                w,
                "  … and {} more (see --format json)",
                a.findings.len() - TOP
            )?;
        }
    }
    Ok(())
}
