#!/bin/sh
# Seed corpora for the fuzz targets, from testdata/ (see docs/fuzzing.md).
# Writes fuzz/corpus/{outer,metadata,layer}/; the corpus is gitignored.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out="$here/corpus"
mkdir -p "$out/outer" "$out/metadata" "$out/layer" "$out/packages"
MAX=${MAX_SEED_BYTES:-1048576}

python3 - "$root" "$out" "$MAX" <<'PY'
import hashlib, os, sys, json
root, out, cap = sys.argv[1], sys.argv[2], int(sys.argv[3])

def put(target, data, flags=b"\x00"):
    data = flags + data
    if len(data) > cap:
        return
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(out, target, name), "wb") as f:
        f.write(data)

td = os.path.join(root, "testdata")
for img in sorted(os.listdir(td)):
    d = os.path.join(td, img)
    if not os.path.isdir(d) or img in ("tools", "images", "real"):
        continue
    for entry in sorted(os.listdir(d)):
        p = os.path.join(d, entry)
        if os.path.isfile(p):
            # outer: archives as stdin would deliver them (both flag values)
            data = open(p, "rb").read()
            put("outer", data, b"\x00")
            put("outer", data, b"\x01")
        elif os.path.isdir(p):
            # metadata: every small file of the layout, name\ncontent, joined
            files = []
            layers = []
            for dp, _, fns in os.walk(p):
                for fn in sorted(fns):
                    fp = os.path.join(dp, fn)
                    rel = os.path.relpath(fp, p)
                    b = open(fp, "rb").read()
                    if b[:1] in (b"{", b"["):
                        files.append(rel.encode() + b"\n" + b)
                    else:
                        layers.append(b)
                        # layer: each blob alone
                        put("layer", b)
            for flags in (b"\x00", b"\x01", b"\x02", b"\x04"):
                put("metadata", b"\xff\xfe".join(files), flags)
            # layer: the image's layers stacked, as the target splits them
            if layers:
                put("layer", b"LAYER!!\n".join(layers))

# packages: every layer's rpmdb.sqlite of testdata/rpm (first byte 0 picks
# the rpm reader)
import io, tarfile
arch = os.path.join(td, "rpm", "docker-archive.tar")
if os.path.exists(arch):
    outer = tarfile.open(arch)
    for m in outer.getmembers():
        if m.isfile() and m.name.endswith(".tar"):
            lt = tarfile.open(fileobj=io.BytesIO(outer.extractfile(m).read()))
            for e in lt.getmembers():
                if e.isfile() and e.name.endswith("rpmdb.sqlite"):
                    put("packages", lt.extractfile(e).read(), b"\x00")
PY
# The fuzz targets read the first byte as flags: layer seeds were written with
# a leading 0 byte too; drop it (the layer target takes raw bytes).
for f in "$out"/layer/*; do
    tail -c +2 "$f" > "$f.tmp" && mv "$f.tmp" "$f"
done
for t in outer metadata layer packages; do
    printf '%s: %s seeds\n' "$t" "$(ls "$out/$t" | wc -l)"
done
