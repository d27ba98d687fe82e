//! The JSON Schemas in docs/schema/ (interface.md "Schemas"): they match
//! the types that write the JSON (regenerated in memory), and every JSON
//! the binary writes for the testdata images, and the documented config
//! examples, validate against them.

use std::path::{Path, PathBuf};
use std::process::Output;

use layerscope_report::schema;
use serde_json::{json, Value};

use crate::support::bin;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The checked-in schema `name` (`report`, `check`, `config`), compiled.
fn validator(name: &str) -> jsonschema::Validator {
    let path = root().join(schema::DIR).join(format!("{name}.schema.json"));
    let text = std::fs::read_to_string(&path).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Panics with every violation, each with its place in `what`.
fn assert_valid(v: &jsonschema::Validator, instance: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(instance)
        .map(|e| format!("  at {}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match its schema:\n{}",
        errors.join("\n")
    );
}

fn assert_invalid(v: &jsonschema::Validator, instance: &Value, what: &str) {
    assert!(!v.is_valid(instance), "the schema accepts {what}");
}

#[test]
fn checked_in_schemas_match_the_types() {
    for (name, generated) in schema::all() {
        let path = root().join(schema::DIR).join(name);
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == generated,
            "{} differs from the schema the Rust types give: run `cargo run --example schemas` and commit the result",
            path.display()
        );
    }
}

/// Each image of testdata/ (a directory with a docker-archive.tar), and
/// every format it is saved in.
fn testdata_images() -> Vec<PathBuf> {
    let mut images: Vec<PathBuf> = std::fs::read_dir(root().join("testdata"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|d| d.join("docker-archive.tar").is_file())
        .collect();
    images.sort();
    assert!(images.len() >= 4, "{images:?}");
    images
}

fn json_of(out: &Output, what: &str) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{what}: not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn every_report_validates() {
    let v = validator("report");
    let mut formats = std::collections::BTreeSet::new();
    for image in testdata_images() {
        let mut inputs: Vec<PathBuf> = std::fs::read_dir(&image)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        inputs.sort();
        for input in inputs {
            let what = format!("report --format json {}", input.display());
            let out = bin()
                .args(["report", "--format", "json"])
                .arg(&input)
                .output()
                .unwrap();
            assert!(out.status.success(), "{what}: {out:?}");
            let report = json_of(&out, &what);
            assert_valid(&v, &report, &what);
            formats.insert(report["image"]["format"].as_str().unwrap().to_string());
        }
    }
    // The inputs cover more than one value of the enum.
    assert!(formats.len() >= 3, "{formats:?}");

    // Read from stdin: image.source = "stdin".
    let tar = root().join("testdata/basic/docker-archive.tar");
    let out = bin()
        .args(["report", "--format", "json", "-"])
        .stdin(std::fs::File::open(tar).unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let report = json_of(&out, "report of stdin");
    assert_eq!(report["image"]["source"], "stdin");
    assert_valid(&v, &report, "report --format json - (stdin)");
}

/// The `.layerscope.toml` example of interface.md.
fn interface_toml() -> String {
    toml_block(&root().join("docs/interface.md"), "## The budget file")
}

/// The first ```toml block after `heading` in the doc at `path`.
fn toml_block(path: &Path, heading: &str) -> String {
    let doc = std::fs::read_to_string(path).unwrap();
    let from = doc
        .find(heading)
        .unwrap_or_else(|| panic!("{}: no {heading:?}", path.display()));
    let rest = &doc[from..];
    let start = rest.find("```toml\n").expect("a ```toml block") + "```toml\n".len();
    let len = rest[start..].find("```").expect("the block's end");
    rest[start..start + len].to_string()
}

#[test]
fn every_check_output_validates() {
    let v = validator("check");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("layerscope.toml");
    std::fs::write(&config, interface_toml()).unwrap();
    let config = config.to_str().unwrap().to_string();
    let runs: [&[&str]; 3] = [
        // The default budget.
        &[],
        // The documented budget file.
        &["--config", &config],
        // Rules that fail, with offenders.
        &[
            "--max-wasted",
            "0",
            "--max-cache",
            "*=0",
            "--max-layer-size",
            "1",
            "--max-layers",
            "1",
            "--min-efficiency",
            "1",
        ],
    ];
    let mut statuses = std::collections::BTreeSet::new();
    for image in testdata_images() {
        let tar = image.join("docker-archive.tar");
        for args in runs {
            let what = format!("check --format json {} {}", args.join(" "), tar.display());
            let out = bin()
                .args(["check", "--format", "json"])
                .args(args)
                .arg(&tar)
                .output()
                .unwrap();
            assert!(matches!(out.status.code(), Some(0 | 1)), "{what}: {out:?}");
            let check = json_of(&out, &what);
            assert_valid(&v, &check, &what);
            for c in check["checks"].as_array().unwrap() {
                statuses.insert(c["status"].as_str().unwrap().to_string());
            }
        }
    }
    assert!(
        statuses.contains("pass") && statuses.contains("fail"),
        "{statuses:?}"
    );
}

#[test]
fn documented_config_examples_validate() {
    let v = validator("config");
    let examples = [
        ("docs/interface.md", interface_toml()),
        (
            "docs/ci.md",
            toml_block(&root().join("docs/ci.md"), "## Budgets"),
        ),
    ];
    for (doc, text) in examples {
        // The TOML as JSON: what the schema describes.
        let table: toml::Table = toml::from_str(&text).unwrap();
        let config = serde_json::to_value(table).unwrap();
        assert_valid(
            &v,
            &config,
            &format!("the .layerscope.toml example of {doc}"),
        );
        // And the tool reads it.
        layerscope_core::config::Config::parse(&text, doc).unwrap();
    }
}

/// The schemas say what the contract says: what each rejects.
#[test]
fn schemas_reject_what_the_contract_forbids() {
    let config = validator("config");
    assert_invalid(&config, &json!({"budget": {"max_wastd": "1MB"}}), "a typo");
    assert_invalid(
        &config,
        &json!({"budget": {"max_size": "1 parsec"}}),
        "an unknown unit",
    );
    assert_invalid(
        &config,
        &json!({"rules": [{"paths": ["/x/**"]}]}),
        "a rule without a name",
    );
    assert_valid(
        &config,
        &json!({"budget": {"max_size": "1.5 GiB", "max_wasted": 0, "cache": {"*": "5mb"}}}),
        "sizes as users write them",
    );

    let report = validator("report");
    let out = bin()
        .args(["report", "--format", "json"])
        .arg(root().join("testdata/antipatterns/docker-archive.tar"))
        .output()
        .unwrap();
    let good = json_of(&out, "report");
    assert_valid(&report, &good, "the antipatterns report");
    assert!(!good["hidden"].as_array().unwrap().is_empty());
    let broken = |f: &dyn Fn(&mut Value)| {
        let mut r = good.clone();
        f(&mut r);
        r
    };
    for (what, bad) in [
        (
            "layer index 0",
            broken(&|r| r["layers"][0]["index"] = json!(0)),
        ),
        (
            "bytes as a string",
            broken(&|r| r["totals"]["size_bytes"] = json!("1MB")),
        ),
        (
            "fractional bytes",
            broken(&|r| r["layers"][0]["size_bytes"] = json!(1.5)),
        ),
        (
            "an unknown format",
            broken(&|r| r["image"]["format"] = json!("tarball")),
        ),
        (
            "an unknown source",
            broken(&|r| r["image"]["source"] = json!("ftp")),
        ),
        (
            "an unknown cause",
            broken(&|r| r["hidden"][0]["cause"] = json!("merged")),
        ),
        (
            "no layers key",
            broken(&|r| {
                r.as_object_mut().unwrap().remove("layers");
            }),
        ),
        (
            "no image.reference key",
            broken(&|r| {
                r["image"].as_object_mut().unwrap().remove("reference");
            }),
        ),
    ] {
        assert_invalid(&report, &bad, what);
    }

    let check = validator("check");
    let out = bin()
        .args(["check", "--format", "json", "--max-wasted", "0"])
        .arg(root().join("testdata/antipatterns/docker-archive.tar"))
        .output()
        .unwrap();
    let mut bad = json_of(&out, "check");
    assert_valid(&check, &bad, "the antipatterns check");
    bad["checks"][0]["status"] = json!("failed");
    assert_invalid(&check, &bad, "an unknown status");
    bad.as_object_mut().unwrap().remove("checks");
    assert_invalid(&check, &bad, "no checks key");
}
