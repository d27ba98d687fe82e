//! Choosing an image (`--image`) and a platform (`--platform`).

use crate::support::archives;

use archives::*;
use layerscope_core::Error;

fn usage(e: Error) -> String {
    match e {
        Error::Usage(m) => m,
        other => panic!("expected Error::Usage, got {other:?}"),
    }
}

/// The platform this test runs on, as an image platform.
fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => Box::leak(other.to_string().into_boxed_str()),
    }
}

#[test]
fn several_images_in_a_legacy_archive() {
    let a_img = sample_with([Comp::None; 3], 10);
    let b_img = sample_with([Comp::None; 3], 11);
    let a = legacy(
        &[
            (&a_img, &["alpine:3.19"]),
            (&b_img, &["busybox:latest", "busybox:1.36"]),
        ],
        false,
    );
    let t = a.tar();
    for open in [open_bytes, open_stream] {
        let m = usage(open(&t, &opts()).unwrap_err());
        assert!(
            m.ends_with(" holds 2 images; pick one with --image: alpine:3.19, busybox:latest"),
            "{m}"
        );
        assert_image(&open(&t, &with_image("alpine:3.19")).unwrap(), &a_img);
        for name in [
            "busybox",
            "docker.io/library/busybox:latest",
            "library/busybox:1.36",
        ] {
            let got = open(&t, &with_image(name)).unwrap();
            assert_image(&got, &b_img);
        }
        let got = open(&t, &with_image("busybox:1.36")).unwrap();
        assert_eq!(got.info.reference.as_deref(), Some("busybox:1.36"));
        // By config digest (docker images prints 12 hex digits).
        let id = &b_img.config_digest()[7..19];
        assert_image(&open(&t, &with_image(id)).unwrap(), &b_img);
        let m = usage(open(&t, &with_image("nginx")).unwrap_err());
        assert!(
            m.ends_with(
                ": no image named \"nginx\"; the archive holds: alpine:3.19, busybox:latest"
            ),
            "{m}"
        );
    }
}

#[test]
fn names_from_repositories_when_repotags_are_empty() {
    let img = sample();
    let mut a = legacy(&[(&img, &["app:7"])], false);
    let m: serde_json::Value = serde_json::from_slice(a.get("manifest.json")).unwrap();
    let mut m = m.clone();
    m[0]["RepoTags"] = serde_json::Value::Null;
    a.replace("manifest.json", serde_json::to_vec(&m).unwrap());
    let got = open_bytes(&a.tar(), &opts()).unwrap();
    assert_eq!(got.info.reference.as_deref(), Some("app:7"));
}

#[test]
fn several_images_in_docker25_and_oci_layouts() {
    let a_img = sample_with([Comp::None; 3], 12);
    let b_img = sample_with([Comp::Gzip; 3], 13);
    let d = docker25(&[(&a_img, &["one:1"]), (&b_img, &["two:2"])]).tar();
    let m = usage(open_bytes(&d, &opts()).unwrap_err());
    assert!(
        m.ends_with("holds 2 images; pick one with --image: one:1, two:2"),
        "{m}"
    );
    assert_image(&open_stream(&d, &with_image("two:2")).unwrap(), &b_img);
    assert_image(
        &open_bytes(&d, &with_image("docker.io/library/one:1")).unwrap(),
        &a_img,
    );

    let o = oci_layout(&[(&a_img, Some("one")), (&b_img, Some("two"))]);
    let m = usage(open_dir(&o, &opts()).unwrap_err());
    assert!(
        m.ends_with("holds 2 images; pick one with --image: one, two"),
        "{m}"
    );
    let got = open_dir(&o, &with_image("two")).unwrap();
    assert_image(&got, &b_img);
    // A bare tag is shown as skopeo names the image: DIR:TAG.
    let dir = tempfile::tempdir().unwrap();
    o.write_dir(dir.path());
    let got = layerscope_core::source::open(
        &layerscope_core::source::Input::Path(dir.path().to_path_buf()),
        &with_image("two"),
    )
    .unwrap();
    assert_eq!(
        got.info.reference,
        Some(format!("{}:two", dir.path().display()))
    );
    // On a stream there is no path: the tag alone.
    let got = open_stream(&o.tar(), &with_image("two")).unwrap();
    assert_eq!(got.info.reference.as_deref(), Some("two"));

    // Unnamed images are listed (and can be picked) by manifest digest.
    let o = oci_layout(&[(&a_img, None), (&b_img, None)]);
    let m = usage(open_dir(&o, &opts()).unwrap_err());
    let ma = sha256(&manifest_for(&a_img, false));
    let mb = sha256(&manifest_for(&b_img, false));
    assert!(
        m.ends_with(&format!("pick one with --image: {ma}, {mb}")),
        "{m}"
    );
    assert_image(&open_dir(&o, &with_image(&mb)).unwrap(), &b_img);
}

#[test]
fn multi_platform_oci_layout() {
    let amd = sample_for("linux", "amd64", None, 20);
    let arm = sample_for("linux", "arm64", Some("v8"), 21);
    let armv7 = sample_for("linux", "arm", Some("v7"), 22);
    let a = oci_multi(&[&amd, &arm, &armv7], "app:1");
    for (p, want) in [
        ("linux/amd64", &amd),
        ("linux/arm64", &arm),
        ("linux/arm64/v8", &arm),
        ("linux/arm/v7", &armv7),
    ] {
        let got = open_dir(&a, &with_platform(p)).unwrap();
        assert_image(&got, want);
        assert_eq!(
            got.info.reference.as_deref(),
            Some("docker.io/library/app:1")
        );
        assert_image(
            &open_stream(&gzip(&a.tar()), &with_platform(p)).unwrap(),
            want,
        );
    }
    let m = usage(open_dir(&a, &with_platform("linux/s390x")).unwrap_err());
    assert!(
        m.ends_with(": no manifest for platform linux/s390x; available: linux/amd64, linux/arm64/v8, linux/arm/v7"),
        "{m}"
    );
    let m = usage(open_dir(&a, &with_platform("linux")).unwrap_err());
    assert!(
        m.starts_with("--platform \"linux\": expected os/arch"),
        "{m}"
    );
}

#[test]
fn multi_platform_default_is_the_host_else_an_error_listing_choices() {
    // Two foreign platforms: no default.
    let s390 = sample_for("linux", "s390x", None, 30);
    let ppc = sample_for("linux", "ppc64le", None, 31);
    let a = oci_multi(&[&s390, &ppc], "app:1");
    let m = usage(open_dir(&a, &opts()).unwrap_err());
    assert!(
        m.ends_with("holds an image for several platforms; pick one with --platform: linux/s390x, linux/ppc64le"),
        "{m}"
    );
    // With the host among them, the host's is the default.
    let host = sample_for("linux", host_arch(), None, 32);
    let a = oci_multi(&[&s390, &host], "app:1");
    assert_image(&open_dir(&a, &opts()).unwrap(), &host);
    // With only one, it is the default whatever it is.
    let a = oci_multi(&[&s390], "app:1");
    assert_image(&open_dir(&a, &opts()).unwrap(), &s390);
}

#[test]
fn platform_manifests_listed_directly_in_index_json() {
    let amd = sample_for("linux", "amd64", None, 40);
    let s390 = sample_for("linux", "s390x", None, 41);
    let mut a = Archive::default();
    let mut ds = Vec::new();
    for img in [&amd, &s390] {
        let m = manifest_for(img, false);
        add_blobs(&mut a, img, &m);
        let mut d = descriptor(OCI_MANIFEST, &m);
        d["platform"] = platform_json(img);
        ds.push(d);
    }
    a.file(
        "index.json",
        serde_json::to_vec(&serde_json::json!({"manifests": ds})).unwrap(),
    );
    // One image with two platforms, not two images.
    assert_image(&open_dir(&a, &with_platform("linux/s390x")).unwrap(), &s390);
    assert_image(&open_dir(&a, &with_platform("linux/amd64")).unwrap(), &amd);
}

#[test]
fn platform_of_a_single_platform_image_is_checked() {
    let img = sample();
    let t = legacy(&[(&img, &["a:1"])], false).tar();
    assert_image(
        &open_bytes(&t, &with_platform("linux/amd64")).unwrap(),
        &img,
    );
    let m = usage(open_bytes(&t, &with_platform("linux/arm64")).unwrap_err());
    assert!(
        m.ends_with(": the image is for linux/amd64, not linux/arm64"),
        "{m}"
    );
    let d = oci_layout(&[(&img, None)]);
    let m = usage(open_dir(&d, &with_platform("windows/amd64")).unwrap_err());
    assert!(
        m.ends_with(": no manifest for platform windows/amd64; available: linux/amd64"),
        "{m}"
    );
}

#[test]
fn oci_images_can_be_picked_by_config_digest() {
    let a_img = sample_with([Comp::None; 3], 14);
    let b_img = sample_with([Comp::Gzip; 3], 15);
    let o = oci_layout(&[(&a_img, Some("one")), (&b_img, Some("two"))]);
    assert_image(
        &open_dir(&o, &with_image(&b_img.config_digest())).unwrap(),
        &b_img,
    );
    assert_image(
        &open_stream(&o.tar(), &with_image(&a_img.config_digest()[7..19])).unwrap(),
        &a_img,
    );
}
