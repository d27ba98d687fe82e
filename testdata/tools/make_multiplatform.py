#!/usr/bin/env python3
"""Assemble a multi-platform OCI image layout from a single-platform one.

Usage: make_multiplatform.py OCI_DIR OUT_DIR TAG

index.json lists two image manifests directly (no nested index), each with its platform and
the same org.opencontainers.image.ref.name (TAG), so a reader must choose by platform:
    linux/amd64      the input manifest, unchanged (same digest as in OCI_DIR)
    linux/arm64/v8   a new manifest: the same layer blobs, and a new config that differs
                     from the amd64 one only by "architecture": "arm64", "variant": "v8"
All blobs of both manifests are present. Assembled by this script (the arm64 image was not
built: the layers hold no arm64 binaries, only data files).
"""
import json
import os
import shutil
import sys

from ocilib import MT_MANIFEST, Layout, dumps, hexof, sha256


def main():
    src, out, tag = sys.argv[1], sys.argv[2], sys.argv[3]
    lay = Layout(src)
    desc, man = lay.single_manifest()
    cfg = lay.json(man["config"]["digest"])
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(os.path.join(out, "blobs", "sha256"))

    def put(data):
        d = sha256(data)
        with open(os.path.join(out, "blobs", "sha256", hexof(d)), "wb") as f:
            f.write(data)
        return d

    for d in [desc["digest"], man["config"]["digest"]] + [l["digest"] for l in man["layers"]]:
        put(lay.blob(d))
    cfg_arm_bytes = dumps(dict(cfg, architecture="arm64", variant="v8"))
    man_arm = dict(man, config=dict(man["config"], digest=put(cfg_arm_bytes), size=len(cfg_arm_bytes)))
    man_arm_bytes = dumps(man_arm)
    index = {"schemaVersion": 2, "manifests": [
        {"mediaType": MT_MANIFEST, "digest": desc["digest"], "size": desc["size"],
         "annotations": {"org.opencontainers.image.ref.name": tag},
         "platform": {"architecture": "amd64", "os": "linux"}},
        {"mediaType": MT_MANIFEST, "digest": put(man_arm_bytes), "size": len(man_arm_bytes),
         "annotations": {"org.opencontainers.image.ref.name": tag},
         "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}},
    ]}
    with open(os.path.join(out, "index.json"), "wb") as f:
        f.write(dumps(index))
    with open(os.path.join(out, "oci-layout"), "wb") as f:
        f.write(dumps({"imageLayoutVersion": "1.0.0"}))


if __name__ == "__main__":
    main()
