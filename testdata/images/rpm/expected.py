#!/usr/bin/env python3
"""Expected package figures of testdata/rpm/docker-archive.tar, computed
without layerscope: rpm's own answers saved by build.sh after each layer
(rpm-qa.N.txt: name and [epoch:]version-release; rpm-ql.N.txt: every file
of every package, as `rpm -ql` lists them, %ghost files included) and the
layer tars read with Python's tarfile (the overlay of whiteouts and
replacements applied by hand). Writes EXPECTED.json into DIR (where the
rpm answers are).

    python3 testdata/images/rpm/expected.py testdata/rpm/docker-archive.tar testdata/images/rpm
"""
import io
import json
import sys
import tarfile
from pathlib import Path

archive = tarfile.open(sys.argv[1])
here = Path(sys.argv[2])
manifest = json.load(archive.extractfile("manifest.json"))[0]


def norm(p):
    return "/".join(c for c in p.split("/") if c not in ("", "."))


# Every layer: its entries (path -> (kind, size, inode key)).
layers = []
for li, name in enumerate(manifest["Layers"]):
    t = tarfile.open(fileobj=io.BytesIO(archive.extractfile(name).read()))
    entries = []
    for m in t.getmembers():
        path = norm(m.name)
        if m.islnk():
            entries.append((path, "file", None, (li, norm(m.linkname))))
        elif m.isreg():
            entries.append((path, "file", m.size, (li, path)))
        else:
            entries.append((path, "dir" if m.isdir() else "other", 0, None))
    layers.append(entries)

# Inode sizes (a hardlink member names its target's inode).
size = {}
for entries in layers:
    for path, kind, sz, ino in entries:
        if kind == "file" and sz is not None:
            size[ino] = sz

# The overlay: path -> (kind, inode), layer by layer.
fs = {}
for entries in layers:
    for path, kind, sz, ino in entries:
        d, _, base = path.rpartition("/")
        if base == ".wh..wh..opq":
            for p in [p for p in fs if p.startswith(d + "/")]:
                del fs[p]
            continue
        if base.startswith(".wh."):
            gone = (d + "/" if d else "") + base[4:]
            for p in [p for p in fs if p == gone or p.startswith(gone + "/")]:
                del fs[p]
            continue
        if kind != "dir":
            for p in [p for p in fs if p.startswith(path + "/")]:
                del fs[p]
        fs[path] = (kind, ino)

live = {ino for kind, ino in fs.values() if kind == "file"}
# Every name of every inode in the layer that added it.
names = {}
for entries in layers:
    for path, kind, sz, ino in entries:
        if kind == "file":
            names.setdefault(ino, set()).add(path)
hidden = [ino for ino in size if ino not in live]


def read_qa(n):
    out = {}
    for line in (here / f"rpm-qa.{n}.txt").read_text().splitlines():
        name, version = line.split("\t")
        out.setdefault(name, []).append(version)
    return {k: ", ".join(sorted(v)) for k, v in out.items()}


def read_ql(n):
    out = {}
    for line in (here / f"rpm-ql.{n}.txt").read_text().splitlines():
        name, path = line.split("\t")
        if path != "(none)":
            out.setdefault(name, set()).add(norm(path))
    return out


n = len(layers)
qa = [read_qa(k + 1) for k in range(n)]
ql = [read_ql(k + 1) for k in range(n)]

packages = {}
layer_rows = []
for k in range(n):
    before = qa[k - 1] if k else {}
    now = qa[k]
    row = {"installed": 0, "removed": 0, "upgraded": 0}
    for name, version in now.items():
        p = packages.setdefault(name, {"name": name})
        if name not in before:
            row["installed"] += 1
            p["installed_by"] = k + 1
            p["removed_by"] = None
        elif before[name] != version:
            row["upgraded"] += 1
        p["version"] = version
    for name in before:
        if name not in now:
            row["removed"] += 1
            packages[name]["removed_by"] = k + 1
    layer_rows.append(row)

# Live: the final databases' files, resolved in the final filesystem.
owned = set()
for name, p in packages.items():
    inodes = set()
    for path in ql[-1].get(name, ()) if name in qa[-1] else ():
        e = fs.get(path)
        if e and e[0] == "file":
            inodes.add(e[1])
    owned |= inodes
    p["files"] = len(inodes)
    p["live_bytes"] = sum(size[i] for i in inodes)
    p["hidden_bytes"] = 0
# Hidden: owned in the databases of the layer that added the inode.
for ino in hidden:
    li = ino[0]
    for name, files in ql[li].items():
        if names[ino] & files:
            packages[name]["hidden_bytes"] += size[ino]

live_bytes = sum(size[i] for i in live)
package_live = sum(size[i] for i in owned)
out = {
    "packages": sorted(
        packages.values(),
        key=lambda p: (-(p["live_bytes"] + p["hidden_bytes"]), p["name"]),
    ),
    "layers": layer_rows,
    "totals": {
        "live_bytes": live_bytes,
        "package_live_bytes": package_live,
        "unowned_live_bytes": live_bytes - package_live,
        "hidden_bytes": sum(size[i] for i in hidden),
    },
}
(here / "EXPECTED.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
