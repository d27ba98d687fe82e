//! Print dive's figures for a `docker save` archive, as layerscope computes
//! them (`layerscope_core::dive`), for comparison with the real dive
//! (`tests/dive_compare.sh`).
//!
//! usage: cargo run --example dive_figures -- ARCHIVE.tar
//!
//! The archive reading here is deliberately minimal (manifest.json, then
//! the layer blobs it names, in its order); the real format readers live in
//! `layerscope_core::source`. Like dive, a layer entry that is a symlink (docker
//! writes those for repeated layers in legacy archives) is read as an empty
//! layer: dive opens the symlink's zero bytes as the layer tar.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::process::ExitCode;

use layerscope_core::dive;
use layerscope_core::layer::{scan, Changeset, ScanOptions};

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: dive_figures ARCHIVE.tar");
        return ExitCode::from(2);
    };
    match run(&path) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dive_figures: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(path: &std::ffi::OsStr) -> Result<(), String> {
    let open = || File::open(path).map_err(|e| format!("{}: {e}", path.to_string_lossy()));

    // Pass 1: the manifest.
    let mut layers_wanted: Vec<String> = Vec::new();
    {
        let mut ar = tar::Archive::new(open()?);
        for entry in ar.entries().map_err(|e| e.to_string())? {
            let mut entry = entry.map_err(|e| e.to_string())?;
            if entry.path_bytes().as_ref() == b"manifest.json" {
                let mut buf = Vec::new();
                entry.read_to_end(&mut buf).map_err(|e| e.to_string())?;
                let manifest: serde_json::Value =
                    serde_json::from_slice(&buf).map_err(|e| format!("manifest.json: {e}"))?;
                let layers = manifest[0]["Layers"]
                    .as_array()
                    .ok_or("manifest.json: no Layers")?;
                layers_wanted = layers
                    .iter()
                    .map(|l| l.as_str().unwrap_or_default().to_string())
                    .collect();
                break;
            }
        }
    }
    if layers_wanted.is_empty() {
        return Err("no manifest.json with layers (only legacy docker-archives)".into());
    }

    // Pass 2: scan each named layer blob as it streams by.
    let mut found: HashMap<String, Changeset> = HashMap::new();
    {
        let mut ar = tar::Archive::new(open()?);
        for entry in ar.entries().map_err(|e| e.to_string())? {
            let mut entry = entry.map_err(|e| e.to_string())?;
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            if !layers_wanted.contains(&name) || found.contains_key(&name) {
                continue;
            }
            let cs = match entry.header().entry_type() {
                tar::EntryType::Symlink => Changeset::default(),
                _ => {
                    scan(&mut entry, &ScanOptions::default()).map_err(|e| format!("{name}: {e}"))?
                }
            };
            found.insert(name, cs);
        }
    }
    // A layer named twice (identical layers) is scanned once, used twice.
    let layers: Vec<Changeset> = layers_wanted
        .iter()
        .map(|n| {
            found
                .get(n)
                .cloned()
                .ok_or(format!("layer {n} not in archive"))
        })
        .collect::<Result<_, _>>()?;

    let report = dive::report(&layers);
    let f = report.figures;
    let out = serde_json::json!({
        "efficiencyScore": f.efficiency,
        "inefficientBytes": f.wasted_bytes,
        "sizeBytes": f.size_bytes,
        "userSizeBytes": f.user_size_bytes,
        "userWastedPercent": if f.user_wasted_percent.is_finite() {
            serde_json::json!(f.user_wasted_percent)
        } else {
            serde_json::json!(f.user_wasted_percent.to_string())
        },
        "layerSizes": report.layer_sizes,
        "fileReference": report.inefficient.iter().map(|m| serde_json::json!({
            "count": m.count,
            "sizeBytes": m.cumulative_size,
            "file": String::from_utf8_lossy(&m.path),
        })).collect::<Vec<_>>(),
        "ci": f.ci_lines(),
        "aborts": report.aborts.iter().map(|a| serde_json::json!({
            "layer": a.layer.index(),
            "path": String::from_utf8_lossy(&a.path),
        })).collect::<Vec<_>>(),
        "refusal": report.refusal,
    });
    println!("{}", serde_json::to_string_pretty(&out).unwrap());
    Ok(())
}
