//! Every supported layout, through every route (file, one-pass stream,
//! gzipped), checked figure by figure against what the test built.

use crate::support::archives;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use archives::*;
use layerscope_core::source::Format;
use serde_json::json;

#[test]
fn legacy_docker_archive_with_manifest_last_and_a_symlinked_layer() {
    let img = sample();
    let a = legacy(&[(&img, &["app:1.0"])], true);
    assert_eq!(
        a.members.last().map(|m| m.0.as_str()),
        Some("manifest.json")
    );
    for (route, got) in open_all_routes(&a, &opts()) {
        assert_image(&got, &img);
        assert_eq!(got.info.format, Format::DockerArchive, "{route}");
        assert_eq!(got.info.reference.as_deref(), Some("app:1.0"), "{route}");
        assert_eq!(got.info.gzipped, route.starts_with("gzip"), "{route}");
        assert!(got.layers.iter().all(|l| l.media_type.is_none()));
    }
}

#[test]
fn legacy_layer_member_as_a_hardlink() {
    let img = sample();
    let mut a = legacy(&[(&img, &["app:1.0"])], false);
    // Move layer 3's bytes to another member and hardlink to it.
    let path3 = a
        .members
        .iter()
        .filter(|(n, _)| n.ends_with("/layer.tar"))
        .nth(2)
        .map(|(n, _)| n.clone())
        .unwrap();
    let data = a.get(&path3).to_vec();
    a.without(|n| n == path3);
    let mut b = Archive::default();
    b.file("elsewhere/blob", data)
        .hardlink(&path3, "elsewhere/blob");
    b.members.extend(a.members);
    for (_, got) in open_all_routes(&b, &opts()) {
        assert_image(&got, &img);
    }
}

#[test]
fn legacy_unpacked_directory() {
    let img = sample();
    let got = open_dir(&legacy(&[(&img, &["app:1.0"])], true), &opts()).unwrap();
    assert_image(&got, &img);
    assert_eq!(got.info.format, Format::DockerArchive);
}

#[test]
fn docker25_blobs_first_metadata_last() {
    let img = sample();
    let a = docker25(&[(&img, &["app:1.0", "app:latest"])]);
    let first_meta = a
        .members
        .iter()
        .position(|(n, _)| !n.starts_with("blobs/"))
        .unwrap();
    assert!(a.members[..first_meta].len() >= 4, "blobs come first");
    for (route, got) in open_all_routes(&a, &opts()) {
        assert_image(&got, &img);
        assert_eq!(got.info.format, Format::DockerOci, "{route}");
        // RepoTags first: the name the user typed for docker save.
        assert_eq!(got.info.reference.as_deref(), Some("app:1.0"), "{route}");
        assert!(got
            .layers
            .iter()
            .all(|l| l.media_type.as_deref() == Some(OCI_TAR)));
    }
    // Both tags name the one image.
    let got = open_bytes(&a.tar(), &with_image("docker.io/library/app")).unwrap();
    assert_eq!(got.info.reference.as_deref(), Some("app:latest"));
}

#[test]
fn containerd_store_nested_index_absent_platforms_and_attestation() {
    let img = sample_with([Comp::Gzip, Comp::Zstd, Comp::Gzip], 3);
    let a = containerd(&img, "app:2");
    for (route, got) in open_all_routes(&a, &opts()) {
        assert_image(&got, &img);
        assert_eq!(got.info.format, Format::DockerOci, "{route}");
        assert_eq!(got.info.reference.as_deref(), Some("app:2"), "{route}");
        let mts: Vec<_> = got
            .layers
            .iter()
            .map(|l| l.media_type.clone().unwrap())
            .collect();
        assert_eq!(
            mts,
            [
                DOCKER_GZIP,
                "application/vnd.docker.image.rootfs.diff.tar.zstd",
                DOCKER_GZIP
            ]
        );
    }
    // The absent platform is the user's to ask for, and then it is missing,
    // with the command that saves it.
    let e = open_bytes(&a.tar(), &with_platform("linux/arm64")).unwrap_err();
    let m = e.to_string();
    assert!(
        matches!(&e, layerscope_core::Error::Usage(_))
            && m.contains(": linux/arm64/v8 is listed, but its manifest sha256:")
            && m.contains(" is not in the image; it holds: linux/amd64 (listed, but their blobs are not here: linux/arm64/v8). ")
            && m.ends_with("Save that platform: `docker save --platform linux/arm64 IMAGE`"),
        "{m}"
    );
    // The present one can be asked for by name.
    let got = open_bytes(&a.tar(), &with_platform("linux/amd64")).unwrap();
    assert_image(&got, &img);
}

#[test]
fn oci_archive_and_directory() {
    let img = sample_with([Comp::Gzip, Comp::Gzip, Comp::Zstd], 4);
    let a = oci_layout(&[(&img, Some("registry.example/app:v1"))]);
    for (route, got) in open_all_routes(&a, &opts()) {
        assert_image(&got, &img);
        assert_eq!(got.info.format, Format::OciArchive, "{route}");
        assert_eq!(
            got.info.reference.as_deref(),
            Some("registry.example/app:v1")
        );
    }
    let got = open_dir(&a, &opts()).unwrap();
    assert_image(&got, &img);
    assert_eq!(got.info.format, Format::OciLayout);
    assert!(!got.info.gzipped);
}

#[test]
fn every_format_gives_the_same_layers() {
    let img = sample();
    let gz = img.with_layers(img.layers.iter().map(|l| l.with_comp(Comp::Gzip)).collect());
    let zs = img.with_layers(img.layers.iter().map(|l| l.with_comp(Comp::Zstd)).collect());
    let mut prints = vec![
        fingerprint(&open_bytes(&legacy(&[(&img, &["a:1"])], true).tar(), &opts()).unwrap()),
        fingerprint(&open_bytes(&docker25(&[(&img, &["a:1"])]).tar(), &opts()).unwrap()),
        fingerprint(&open_bytes(&containerd(&gz, "a:1").tar(), &opts()).unwrap()),
        fingerprint(&open_stream(&containerd(&zs, "a:1").tar(), &opts()).unwrap()),
        fingerprint(&open_dir(&oci_layout(&[(&zs, None)]), &opts()).unwrap()),
        fingerprint(&open_stream(&gzip(&oci_layout(&[(&gz, None)]).tar()), &opts()).unwrap()),
    ];
    let first = prints.remove(0);
    assert_eq!(first.len(), 3);
    for p in prints {
        assert_eq!(p, first);
    }
}

#[test]
fn multi_member_gzip_archive() {
    let img = sample();
    let t = legacy(&[(&img, &["a:1"])], false).tar();
    let mid = t.len() / 2;
    let mut gz = gzip(&t[..mid]);
    gz.extend(gzip(&t[mid..]));
    assert_image(&open_bytes(&gz, &opts()).unwrap(), &img);
    assert_image(&open_stream(&gz, &opts()).unwrap(), &img);
}

/// `docker save img | zstd`, as a file and on stdin, in one frame or two
/// (`zstd -d` reads every frame; so do we). Every layout inside.
#[test]
fn whole_archive_compressed_with_zstd() {
    let img = sample();
    for a in [
        legacy(&[(&img, &["a:1"])], false),
        docker25(&[(&img, &["a:1"])]),
        oci_layout(&[(&img, None)]),
    ] {
        let t = a.tar();
        let mid = t.len() / 2;
        let mut two = zstd(&t[..mid]);
        two.extend(zstd(&t[mid..]));
        for z in [zstd(&t), two] {
            for got in [open_bytes(&z, &opts()), open_stream(&z, &opts())] {
                let got = got.unwrap();
                assert_image(&got, &img);
                assert!(!got.info.gzipped);
            }
        }
    }
}

#[test]
fn zero_layers() {
    let base = sample();
    let img = base.with_layers(Vec::new());
    let img = archives::TImage {
        created_by: Vec::new(),
        ..img
    };
    for a in [
        legacy(&[(&img, &["empty:1"])], false),
        oci_layout(&[(&img, None)]),
    ] {
        for (_, got) in open_all_routes(&a, &opts()) {
            assert!(got.layers.is_empty());
            assert_eq!(
                got.info.config_digest.as_ref().map(|d| d.as_str()),
                Some(img.config_digest().as_str())
            );
        }
    }
}

#[test]
fn history_shorter_than_layers_and_empty_layer_entries() {
    let base = sample();
    let mut c = base.config_value();
    c["history"] = json!([
        {"created_by": "ENV X=1", "empty_layer": true},
        {"created_by": "ADD base /"},
        {"comment": "no created_by", "empty_layer": false},
    ]);
    let img = archives::TImage {
        created_by: vec![Some("ADD base /".into()), None, None],
        ..base.with_config(c.clone())
    };
    let got = open_bytes(&oci_layout(&[(&img, None)]).tar(), &opts()).unwrap();
    assert_image(&got, &img);

    // No history at all.
    c.as_object_mut().unwrap().remove("history");
    let img = archives::TImage {
        created_by: vec![None, None, None],
        ..base.with_config(c)
    };
    assert_image(
        &open_stream(&legacy(&[(&img, &["a:1"])], false).tar(), &opts()).unwrap(),
        &img,
    );
}

#[test]
fn identical_layers_share_one_blob() {
    let base = sample();
    let l = base.layers[0].clone();
    let img = archives::TImage {
        created_by: vec![base.created_by[0].clone(), base.created_by[1].clone()],
        ..base.with_layers(vec![l.clone(), l])
    };
    for a in [
        oci_layout(&[(&img, None)]),
        legacy(&[(&img, &["a:1"])], true),
    ] {
        for (_, got) in open_all_routes(&a, &opts()) {
            assert_image(&got, &img);
        }
    }
}

#[test]
fn progress_is_reported() {
    let img = sample_with([Comp::Gzip, Comp::None, Comp::Zstd], 5);
    let stored: u64 = img.layers.iter().map(|l| l.stored.len() as u64).sum();
    let c = Arc::new(Counter::default());
    open_bytes(&oci_layout(&[(&img, None)]).tar(), &with_progress(&c)).unwrap();
    assert_eq!(c.total.load(Ordering::SeqCst), stored);
    assert_eq!(c.advanced.load(Ordering::SeqCst), stored);
    assert_eq!(c.layers.load(Ordering::SeqCst), 3);

    let c = Arc::new(Counter::default());
    open_stream(
        &legacy(&[(&img, &["a:1"])], false).tar(),
        &with_progress(&c),
    )
    .unwrap();
    assert_eq!(c.advanced.load(Ordering::SeqCst), stored);
    assert_eq!(c.layers.load(Ordering::SeqCst), 3);
}

#[test]
fn no_verify_still_reads_an_honest_image() {
    let img = sample_with([Comp::Gzip, Comp::Zstd, Comp::None], 6);
    for (_, got) in open_all_routes(&containerd(&img, "a:1"), &no_verify()) {
        assert_image(&got, &img);
    }
}

#[test]
fn oci_layer_descriptor_without_media_type_is_accepted() {
    let img = sample();
    let mut m: serde_json::Value = serde_json::from_slice(&manifest_for(&img, false)).unwrap();
    for l in m["layers"].as_array_mut().unwrap() {
        l.as_object_mut().unwrap().remove("mediaType");
    }
    let m = serde_json::to_vec(&m).unwrap();
    let mut a = Archive::default();
    add_blobs(&mut a, &img, &m);
    a.file(
        "index.json",
        serde_json::to_vec(&json!({"manifests": [{"digest": sha256(&m)}]})).unwrap(),
    );
    let got = open_dir(&a, &opts()).unwrap();
    assert_image(&got, &img);
    assert_eq!(got.info.format, Format::OciLayout);
}

#[test]
fn a_layer_that_looks_like_json_is_scanned_from_memory() {
    // An uncompressed layer whose first member is named `{...`: the one-pass
    // reader buffers it as metadata, then finds it is a layer.
    let base = sample();
    let mut layers = base.layers.clone();
    layers[0] = TLayer::new(
        &[
            E::File("{odd}", b"{}".to_vec()),
            E::File("etc/os-release", b"ID=x\n".to_vec()),
        ],
        Comp::None,
    );
    assert_eq!(layers[0].tar[0], b'{');
    let img = TImage {
        created_by: base.created_by.clone(),
        ..base.with_layers(layers)
    };
    for a in [
        docker25(&[(&img, &["a:1"])]),
        legacy(&[(&img, &["a:1"])], true),
    ] {
        for (_, got) in open_all_routes(&a, &opts()) {
            assert_image(&got, &img);
        }
    }
}

#[test]
fn unpacked_docker25_directory_is_docker_oci() {
    let img = sample();
    let got = open_dir(&docker25(&[(&img, &["app:1.0"])]), &opts()).unwrap();
    assert_image(&got, &img);
    assert_eq!(got.info.format, Format::DockerOci);
    assert_eq!(got.info.reference.as_deref(), Some("app:1.0"));
}
