#!/usr/bin/env python3
"""Assemble a Docker Engine 25+ `docker save` tar (classic graphdriver image store).

Usage: make_docker25.py OCI_PLAIN_DIR OUT.tar REPO:TAG

Input: an OCI layout with ONE manifest whose layers are uncompressed
(application/vnd.oci.image.layer.v1.tar), e.g. testdata/<image>/oci-plain.

Output, as moby's image/tarexport (save.go, v25+) writes it. moby builds the export in a
temporary directory and tars it with pkg/archive, which walks the directory in lexical order,
so the members are:
    blobs/  blobs/sha256/  blobs/sha256/<hex>...   (layers = uncompressed tars named by their
                                                    diff_id, the config, the OCI manifest)
    index.json      OCI index; the manifest descriptor is annotated with
                    io.containerd.image.name (fully qualified) and
                    org.opencontainers.image.ref.name (the tag)
    manifest.json   legacy docker-save manifest, paths pointing into blobs/sha256/
    oci-layout      {"imageLayoutVersion":"1.0.0"}
    repositories    {"<familiar name>":{"<tag>":"<hex of the top layer>"}}
Assembled by this script from buildah/skopeo output: NOT produced by a Docker engine.
"""
import sys

from ocilib import MT_CONFIG, MT_INDEX, MT_LAYER, MT_MANIFEST, Layout, TarWriter, dumps, hexof, sha256


def qualify(repo):
    """docker.io-qualify a familiar name, as the reference library does."""
    first = repo.split("/", 1)[0]
    if "/" not in repo:
        return "docker.io/library/" + repo
    if "." in first or ":" in first or first == "localhost":
        return repo
    return "docker.io/" + repo


def main():
    src, out, ref = sys.argv[1], sys.argv[2], sys.argv[3]
    repo, tag = ref.rsplit(":", 1)
    lay = Layout(src)
    _, man = lay.single_manifest()
    for l in man["layers"]:
        assert l["mediaType"] == MT_LAYER, f"{src}: layer {l['digest']} is {l['mediaType']}, need uncompressed"
    blobs = {}
    for l in man["layers"]:
        blobs[l["digest"]] = lay.blob(l["digest"])
    blobs[man["config"]["digest"]] = lay.blob(man["config"]["digest"])
    # moby writes its own OCI manifest for the export (no annotations), uncompressed layers
    dman = {
        "schemaVersion": 2,
        "mediaType": MT_MANIFEST,
        "config": {"mediaType": MT_CONFIG, "digest": man["config"]["digest"], "size": man["config"]["size"]},
        "layers": [{"mediaType": MT_LAYER, "digest": l["digest"], "size": l["size"]} for l in man["layers"]],
    }
    dman_bytes = dumps(dman)
    dman_digest = sha256(dman_bytes)
    blobs[dman_digest] = dman_bytes

    index = {
        "schemaVersion": 2,
        "mediaType": MT_INDEX,
        "manifests": [{
            "mediaType": MT_MANIFEST,
            "digest": dman_digest,
            "size": len(dman_bytes),
            "annotations": {
                "io.containerd.image.name": qualify(repo) + ":" + tag,
                "org.opencontainers.image.ref.name": tag,
            },
        }],
    }
    manifest_json = [{
        "Config": "blobs/sha256/" + hexof(man["config"]["digest"]),
        "RepoTags": [ref],
        "Layers": ["blobs/sha256/" + hexof(l["digest"]) for l in man["layers"]],
    }]
    repositories = {repo: {tag: hexof(man["layers"][-1]["digest"])}}

    w = TarWriter(out)
    for d in sorted(blobs):
        w.add("blobs/sha256/" + hexof(d), blobs[d])
    w.add("index.json", dumps(index) + b"\n")
    w.add("manifest.json", dumps(manifest_json) + b"\n")
    w.add("oci-layout", dumps({"imageLayoutVersion": "1.0.0"}))
    w.add("repositories", dumps(repositories) + b"\n")
    w.close()


if __name__ == "__main__":
    main()
