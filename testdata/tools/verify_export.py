#!/usr/bin/env python3
"""Check an exported image file against what its name promises.

Usage: verify_export.py FILE_OR_DIR COMPRESSION [--allow-missing]
  COMPRESSION: none | gzip | zstd   the compression every image layer must have, both by
               media type (OCI) and by magic bytes (the first bytes of each blob)

Understands: docker-archive (.tar / .tar.gz, legacy manifest.json), OCI layout dirs, OCI
archives, Docker 25+ save tars (index.json + manifest.json). For every descriptor whose blob
is present: sha256 and size match; for every image manifest: each layer decompresses to the
diff_id its config names; the legacy manifest.json (when there is one) points at the same
config and layers. --allow-missing: a manifest named in an index may be absent (it is then
reported, not an error). Exits 1 on the first problem. Needs the `zstd` CLI for zstd blobs.
"""
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

MAGIC = {"gzip": b"\x1f\x8b", "zstd": b"\x28\xb5\x2f\xfd"}
SUFFIX = {"gzip": "+gzip", "zstd": "+zstd", "none": ""}
LAYER_TYPES = ("application/vnd.oci.image.layer.v1.tar", "application/vnd.docker.image.rootfs.diff.tar")


def fail(msg):
    print(f"verify_export: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def sniff(data: bytes) -> str:
    if data[:2] == MAGIC["gzip"]:
        return "gzip"
    if data[:4] == MAGIC["zstd"]:
        return "zstd"
    if len(data) >= 262 and data[257:262] == b"ustar":
        return "none"
    if data[:1024] == b"\0" * min(len(data), 1024):
        return "none"  # an empty tar: only zero blocks
    return "unknown"


def decompress(data: bytes, kind: str) -> bytes:
    if kind == "gzip":
        return gzip.decompress(data)
    if kind == "zstd":
        return subprocess.run(["zstd", "-dc"], input=data, capture_output=True, check=True).stdout
    return data


class Source:
    """Files of a directory or of a (possibly gzipped) tar, by name."""

    def __init__(self, path):
        self.path = path
        self.files = {}
        if os.path.isdir(path):
            for root, _, names in os.walk(path):
                for n in names:
                    full = os.path.join(root, n)
                    self.files[os.path.relpath(full, path)] = open(full, "rb").read()
        else:
            raw = open(path, "rb").read()
            if raw[:2] == MAGIC["gzip"]:
                raw = gzip.decompress(raw)
            with tarfile.open(fileobj=io.BytesIO(raw)) as t:
                members = {m.name.rstrip("/"): m for m in t.getmembers()}
                for name, m in members.items():
                    if m.issym():  # skopeo's docker-archive: <id>/layer.tar -> ../<sha>.tar
                        target = os.path.normpath(os.path.join(os.path.dirname(name), m.linkname))
                        m = members[target]
                    if m.isfile():
                        self.files[name] = t.extractfile(m).read()

    def get(self, name):
        return self.files.get(name[2:] if name.startswith("./") else name)


def check_blob(src, desc):
    alg, hx = desc["digest"].split(":", 1)
    data = src.get(f"blobs/{alg}/{hx}")
    if data is None:
        return None
    if hashlib.sha256(data).hexdigest() != hx:
        fail(f"{src.path}: blob {desc['digest']} has another digest")
    if len(data) != desc["size"]:
        fail(f"{src.path}: blob {desc['digest']} is {len(data)} B, descriptor says {desc['size']}")
    return data


def check_image(src, comp, desc, man):
    cfg_bytes = check_blob(src, man["config"])
    if cfg_bytes is None:
        fail(f"{src.path}: config {man['config']['digest']} missing")
    cfg = json.loads(cfg_bytes)
    plat = f"{cfg.get('os')}/{cfg.get('architecture')}" + (f"/{cfg['variant']}" if cfg.get("variant") else "")
    if cfg.get("architecture") == "unknown":
        for l in man["layers"]:
            if check_blob(src, l) is None:
                fail(f"{src.path}: attestation blob {l['digest']} missing")
        print(f"  ok {desc['digest'][:19]} {plat} attestation manifest, {len(man['layers'])} blob(s)")
        return
    diff_ids = cfg["rootfs"]["diff_ids"]
    if len(diff_ids) != len(man["layers"]):
        fail(f"{src.path}: {len(man['layers'])} layers but {len(diff_ids)} diff_ids")
    for l, diff_id in zip(man["layers"], diff_ids):
        data = check_blob(src, l)
        if data is None:
            fail(f"{src.path}: layer {l['digest']} missing")
        want_mt = "application/vnd.oci.image.layer.v1.tar" + SUFFIX[comp]
        if l["mediaType"] != want_mt:
            fail(f"{src.path}: layer {l['digest'][:19]} media type {l['mediaType']}, want {want_mt}")
        got = sniff(data)
        if got != comp:
            fail(f"{src.path}: layer {l['digest'][:19]} magic bytes say {got}, want {comp}")
        if "sha256:" + hashlib.sha256(decompress(data, comp)).hexdigest() != diff_id:
            fail(f"{src.path}: layer {l['digest'][:19]} does not decompress to {diff_id}")
    print(f"  ok {desc['digest'][:19]} {plat} {len(diff_ids)} layers {man['layers'][0]['mediaType']}")


def walk(src, comp, desc, allow_missing):
    data = check_blob(src, desc)
    if data is None:
        if allow_missing:
            print(f"  absent {desc['digest'][:19]} {desc.get('platform')} (allowed)")
            return
        fail(f"{src.path}: manifest {desc['digest']} missing")
    obj = json.loads(data)
    mt = obj.get("mediaType", desc["mediaType"])
    if "index" in mt or "manifest.list" in mt:
        for d in obj["manifests"]:
            walk(src, comp, d, allow_missing)
    else:
        check_image(src, comp, desc, obj)


def check_legacy(src, comp):
    """manifest.json (legacy docker save). Layers must be uncompressed unless they are OCI
    blobs of a Docker 25+ containerd export (then they match their index)."""
    mj = json.loads(src.get("manifest.json"))
    for img in mj:
        cfg = json.loads(src.get(img["Config"]))
        diff_ids = cfg["rootfs"]["diff_ids"]
        if len(diff_ids) != len(img["Layers"]):
            fail(f"{src.path}: manifest.json: layer count differs from diff_ids")
        for p, diff_id in zip(img["Layers"], diff_ids):
            data = src.get(p)
            if data is None:
                fail(f"{src.path}: manifest.json: {p} missing")
            got = sniff(data)
            if got != comp:
                fail(f"{src.path}: manifest.json: {p} is {got}, want {comp}")
            if "sha256:" + hashlib.sha256(decompress(data, got)).hexdigest() != diff_id:
                fail(f"{src.path}: manifest.json: {p} does not hash to {diff_id}")
        print(f"  ok manifest.json {img['RepoTags']} {len(diff_ids)} layers ({comp})")


def main():
    path, comp = sys.argv[1], sys.argv[2]
    allow_missing = "--allow-missing" in sys.argv[3:]
    src = Source(path)
    print(f"{path}:")
    if src.get("index.json") is not None:
        if src.get("oci-layout") is None:
            fail(f"{path}: index.json without oci-layout")
        for d in json.loads(src.get("index.json"))["manifests"]:
            walk(src, comp, d, allow_missing)
    if src.get("manifest.json") is not None:
        check_legacy(src, comp)
    if src.get("index.json") is None and src.get("manifest.json") is None:
        fail(f"{path}: neither index.json nor manifest.json")


if __name__ == "__main__":
    main()
