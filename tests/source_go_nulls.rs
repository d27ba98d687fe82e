//! Metadata written by Go programs: `null` where a list or map is empty
//! (encoding/json writes a nil slice or map so). The specs allow these
//! lists to be empty, so `null` reads as empty, and a Docker 25+ save whose
//! index.json lists nothing is read from its manifest.json (issue 12).

use crate::support::archives;

use archives::*;
use layerscope_core::source::Format;
use serde_json::{json, Value};

/// The path of the config that manifest.json names.
fn config_member(a: &Archive) -> String {
    let m: Value = serde_json::from_slice(a.get("manifest.json")).unwrap();
    m[0]["Config"].as_str().unwrap().to_string()
}

#[test]
fn a_docker25_index_listing_null_falls_back_to_manifest_json() {
    let img = sample();
    let mut a = docker25(&[(&img, &["app:1.0"])]);
    a.replace(
        "index.json",
        serde_json::to_vec(&json!({"schemaVersion": 2, "manifests": null})).unwrap(),
    );
    for (route, got) in open_all_routes(&a, &opts()) {
        assert_image(&got, &img);
        assert_eq!(got.info.format, Format::DockerOci, "{route}");
        assert_eq!(got.info.reference.as_deref(), Some("app:1.0"), "{route}");
    }
}

#[test]
fn null_repo_tags_layers_diff_ids_and_history_are_empty() {
    let base = sample();
    let mut cfg = base.with_layers(Vec::new()).config_value();
    cfg["rootfs"]["diff_ids"] = Value::Null;
    cfg["history"] = Value::Null;
    let img = TImage {
        created_by: Vec::new(),
        ..base.with_layers(Vec::new()).with_config(cfg)
    };
    let mut a = legacy(&[(&img, &[])], false);
    let config = config_member(&a);
    a.replace(
        "manifest.json",
        serde_json::to_vec(&json!([{"Config": config, "RepoTags": null, "Layers": null}])).unwrap(),
    );
    for (route, got) in open_all_routes(&a, &opts()) {
        assert!(got.layers.is_empty(), "{route}");
        assert_eq!(got.info.reference, None, "{route}");
        assert_eq!(
            got.info.config_digest.as_ref().map(|d| d.as_str()),
            Some(img.config_digest().as_str()),
            "{route}"
        );
    }
}

#[test]
fn a_manifest_json_of_null_lists_no_images() {
    let img = sample();
    let mut a = legacy(&[(&img, &["app:1.0"])], false);
    a.replace("manifest.json", b"null".to_vec());
    let e = open_bytes(&a.tar(), &opts()).unwrap_err();
    assert_eq!(e.to_string(), "manifest.json: lists no images");
}

#[test]
fn a_missing_list_is_still_an_error() {
    // Absent is not empty: the field stays required.
    let img = sample();
    let mut a = legacy(&[(&img, &["app:1.0"])], false);
    let config = config_member(&a);
    a.replace(
        "manifest.json",
        serde_json::to_vec(&json!([{"Config": config, "RepoTags": null}])).unwrap(),
    );
    let e = open_bytes(&a.tar(), &opts()).unwrap_err().to_string();
    assert!(
        e.starts_with("manifest.json: invalid JSON: missing field `Layers`"),
        "{e}"
    );
}
