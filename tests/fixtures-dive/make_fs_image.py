#!/usr/bin/env python3
"""Build a realistic legacy `docker save` archive from real directories, with
python's tarfile (an independent tar writer: PAX format, hardlinks detected
by inode), for tests/dive_compare.sh. Not committed: it is large.

    make_fs_image.py OUT.tar DIR [DIR ...]

Layers (bottom first):
  0  the DIRs as they are (the "base image")
  1  every 7th file rewritten, every 11th file duplicated elsewhere,
     one directory whited out, one directory made opaque and refilled,
     a whiteout of a path that never existed (deep down), an empty dir
  2  every 5th file of layer 0 whited out, one dir whited out deep, and
     a directory turned into a file
  3  empty
"""
import hashlib, io, json, os, sys, tarfile

out, dirs = sys.argv[1], sys.argv[2:]
files = []  # (arcname, path) of regular files in layer 0
alldirs = []


def add_tree(tf):
    for top in dirs:
        for root, dnames, fnames in os.walk(top):
            dnames.sort()
            arc = root.lstrip("/")
            tf.add(root, arcname=arc, recursive=False)
            alldirs.append(arc)
            for f in sorted(fnames):
                p = os.path.join(root, f)
                a = os.path.join(arc, f)
                try:
                    tf.add(p, arcname=a, recursive=False)
                except (PermissionError, FileNotFoundError):
                    continue
                if os.path.isfile(p) and not os.path.islink(p):
                    files.append((a, p))


def entry(tf, name, data=b"", kind=tarfile.REGTYPE, mode=0o644):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.mode = mode
    ti.mtime = 1700000000
    ti.size = len(data) if kind == tarfile.REGTYPE else 0
    tf.addfile(ti, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def layer(build):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        build(tf)
    return buf.getvalue()


def l0(tf):
    add_tree(tf)


l0_bytes = layer(l0)
dirs_with_files = sorted({os.path.dirname(a) for a, _ in files})


def l1(tf):
    for i, (a, p) in enumerate(files):
        if i % 7 == 0:
            data = open(p, "rb").read()
            entry(tf, a, data + b"\n# rewritten\n")
        if i % 11 == 0:
            entry(tf, "dup/" + a.replace("/", "_"), open(p, "rb").read())
    gone = dirs_with_files[len(dirs_with_files) // 3]
    entry(tf, os.path.join(os.path.dirname(gone), ".wh." + os.path.basename(gone)))
    opq = dirs_with_files[len(dirs_with_files) // 2]
    entry(tf, opq, kind=tarfile.DIRTYPE, mode=0o755)
    entry(tf, os.path.join(opq, ".wh..wh..opq"))
    entry(tf, os.path.join(opq, "refilled"), b"x" * 1234)
    deep = dirs_with_files[-1]
    entry(tf, os.path.join(deep, ".wh.never-existed"))
    entry(tf, "var/empty", kind=tarfile.DIRTYPE, mode=0o755)


def l2(tf):
    for i, (a, _) in enumerate(files):
        if i % 5 == 0:
            d, b = os.path.split(a)
            entry(tf, os.path.join(d, ".wh." + b))
    gone = dirs_with_files[2 * len(dirs_with_files) // 3]
    entry(tf, os.path.join(os.path.dirname(gone), ".wh." + os.path.basename(gone)))
    entry(tf, "var/empty", b"now a file")


layers = [l0_bytes, layer(l1), layer(l2), layer(lambda tf: None)]
ids = [hashlib.sha256(b).hexdigest() for b in layers]
config = json.dumps({
    "architecture": "amd64", "os": "linux", "config": {},
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + i for i in ids]},
    "history": [{"created_by": f"layer {i}"} for i in range(len(layers))],
}).encode()
cfg_name = hashlib.sha256(config).hexdigest() + ".json"
manifest = json.dumps([{"Config": cfg_name, "RepoTags": ["fs-image:latest"],
                        "Layers": [f"{i}/layer.tar" for i in ids]}]).encode()
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tf:
    seen = set()
    for i, b in zip(ids, layers):
        if i in seen:
            continue
        seen.add(i)
        entry(tf, f"{i}/layer.tar", b)
    entry(tf, cfg_name, config)
    entry(tf, "manifest.json", manifest)
print(f"{out}: {len(layers)} layers, {len(files)} base files")
