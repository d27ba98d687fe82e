#!/usr/bin/env python3
"""Assemble a `docker save` tar as Docker 25+ writes it with the containerd image store.

Usage: make_containerd.py OCI_GZIP_DIR OUT.tar REPO:TAG

Input: an OCI layout with ONE linux/amd64 manifest with gzip layers (testdata/basic/oci-gzip).
With the containerd image store, `docker save` goes through containerd's archive exporter:
the blobs are the ones of the content store (compressed, as pulled/built), and index.json
points at what the image name points at, here a multi-platform image index as BuildKit
pushes it. The tar holds (lexical order, as containerd's writeTar sorts its records):
    blobs/sha256/<hex>...   the image index, the amd64 manifest + config + gzip layers, the
                            attestation manifest + its config + its in-toto layer
    index.json              one descriptor -> the image index, annotated with
                            io.containerd.image.name and org.opencontainers.image.ref.name
    manifest.json           docker-compat: Config/RepoTags/Layers for the amd64 image,
                            Layers pointing at the gzip blobs
    oci-layout
The image index lists three manifests:
    linux/amd64                    present, with all its blobs
    linux/arm64                    ABSENT: neither its manifest nor its config/layers are in
                                   the tar (only amd64 was pulled into the content store)
    unknown/unknown attestation    BuildKit provenance attestation (annotations
                                   vnd.docker.reference.type=attestation-manifest and
                                   vnd.docker.reference.digest=<amd64 manifest>), present
Assembled by this script: NOT produced by a Docker engine or containerd.
"""
import json
import sys

from ocilib import MT_CONFIG, MT_INDEX, MT_MANIFEST, Layout, TarWriter, dumps, hexof, sha256
from make_docker25 import qualify


def main():
    src, out, ref = sys.argv[1], sys.argv[2], sys.argv[3]
    repo, tag = ref.rsplit(":", 1)
    lay = Layout(src)
    desc, man = lay.single_manifest()
    cfg = lay.json(man["config"]["digest"])
    assert (cfg["os"], cfg["architecture"]) == ("linux", "amd64"), "need a linux/amd64 image"
    blobs = {desc["digest"]: lay.blob(desc["digest"]), man["config"]["digest"]: lay.blob(man["config"]["digest"])}
    for l in man["layers"]:
        blobs[l["digest"]] = lay.blob(l["digest"])
    amd64 = {"mediaType": MT_MANIFEST, "digest": desc["digest"], "size": desc["size"],
             "platform": {"architecture": "amd64", "os": "linux"}}

    # linux/arm64: a manifest that exists in the registry but was never pulled. Its digest is
    # that of a real, well-formed manifest (same layers, an arm64 config), whose bytes are
    # deliberately left out of the tar.
    cfg_arm = dict(cfg, architecture="arm64", variant="v8")
    cfg_arm_bytes = dumps(cfg_arm)
    man_arm = dict(man, config=dict(man["config"], digest=sha256(cfg_arm_bytes), size=len(cfg_arm_bytes)))
    man_arm_bytes = dumps(man_arm)
    arm64 = {"mediaType": MT_MANIFEST, "digest": sha256(man_arm_bytes), "size": len(man_arm_bytes),
             "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}}

    # BuildKit provenance attestation (mode=min), an in-toto statement about the amd64 image.
    statement = {
        "_type": "https://in-toto.io/Statement/v0.1",
        "predicateType": "https://slsa.dev/provenance/v0.2",
        "subject": [{"name": "pkg:docker/" + qualify(repo) + "@" + tag + "?platform=linux%2Famd64",
                     "digest": {"sha256": hexof(desc["digest"])}}],
        "predicate": {
            "builder": {"id": ""},
            "buildType": "https://mobyproject.org/buildkit@v1",
            "materials": [],
            "invocation": {"configSource": {"entryPoint": "Dockerfile"},
                           "parameters": {"frontend": "dockerfile.v0"},
                           "environment": {"platform": "linux/amd64"}},
            "metadata": {"buildStartedOn": "1970-01-01T00:00:00Z",
                         "buildFinishedOn": "1970-01-01T00:00:00Z",
                         "completeness": {"parameters": False, "environment": True, "materials": False},
                         "reproducible": False},
        },
    }
    st_bytes = json.dumps(statement, indent=2).encode()
    att_cfg = {"architecture": "unknown", "os": "unknown", "config": {},
               "rootfs": {"type": "layers", "diff_ids": [sha256(st_bytes)]}}
    att_cfg_bytes = dumps(att_cfg)
    att_man = {
        "schemaVersion": 2,
        "mediaType": MT_MANIFEST,
        "config": {"mediaType": MT_CONFIG, "digest": sha256(att_cfg_bytes), "size": len(att_cfg_bytes)},
        "layers": [{"mediaType": "application/vnd.in-toto+json", "digest": sha256(st_bytes),
                    "size": len(st_bytes),
                    "annotations": {"in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2"}}],
    }
    att_man_bytes = dumps(att_man)
    for b in (st_bytes, att_cfg_bytes, att_man_bytes):
        blobs[sha256(b)] = b
    att = {"mediaType": MT_MANIFEST, "digest": sha256(att_man_bytes), "size": len(att_man_bytes),
           "annotations": {"vnd.docker.reference.digest": desc["digest"],
                           "vnd.docker.reference.type": "attestation-manifest"},
           "platform": {"architecture": "unknown", "os": "unknown"}}

    image_index = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": [amd64, arm64, att]}
    ii_bytes = dumps(image_index)
    blobs[sha256(ii_bytes)] = ii_bytes

    index = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": [{
        "mediaType": MT_INDEX, "digest": sha256(ii_bytes), "size": len(ii_bytes),
        "annotations": {"io.containerd.image.name": qualify(repo) + ":" + tag,
                        "org.opencontainers.image.ref.name": tag}}]}
    manifest_json = [{
        "Config": "blobs/sha256/" + hexof(man["config"]["digest"]),
        "RepoTags": [ref],  # containerd familiarizes the names
        "Layers": ["blobs/sha256/" + hexof(l["digest"]) for l in man["layers"]],
    }]
    assert arm64["digest"] not in blobs
    w = TarWriter(out)
    for d in sorted(blobs):
        w.add("blobs/sha256/" + hexof(d), blobs[d], 0o444)
    w.add("index.json", dumps(index), 0o444)
    w.add("manifest.json", dumps(manifest_json), 0o444)
    w.add("oci-layout", dumps({"imageLayoutVersion": "1.0.0"}), 0o444)
    w.close()


if __name__ == "__main__":
    main()
