#!/usr/bin/env python3
"""Expected unstripped-ELF figures of a docker-archive, without layerscope.

Usage: expected.py DOCKER_ARCHIVE  ->  JSON on stdout:
  {"files": [{"paths": [...], "strippable_bytes": N, "package": NAME|null}, ...],
   "total": N}

Method: the final filesystem by Python's tarfile (layers in manifest order;
`.wh.` whiteouts remove lower paths; a hardlink is its target's inode, so
one inode with several names is one item). Every final regular file whose
content starts with \\x7fELF is written to a temp dir, copied, the copy run
through `strip --strip-unneeded`, and both section tables read with
`readelf -S -W`: the figure is the sum of the sizes of the sections (by
name) the original has and the stripped copy has not (NOBITS ones take no
bytes).
Files with a figure of 0 are left out. The package is the one whose dpkg
.list (in the final filesystem) names the path.
"""
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter

SECTION = re.compile(r"^\s*\[\s*(\d+)\]\s+(\S*)\s+(\S+)\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)\s")


def sections(path):
    out = subprocess.run(["readelf", "-S", "-W", path], check=True,
                         capture_output=True, text=True).stdout
    secs = Counter()
    for line in out.splitlines():
        m = SECTION.match(line)
        if m and m.group(1) != "0":
            name, typ, size = m.group(2), m.group(3), int(m.group(4), 16)
            secs[(name, typ, 0 if typ == "NOBITS" else size)] += 1
    return secs


def final_fs(archive):
    with tarfile.open(archive) as t:
        manifest = json.load(t.extractfile("manifest.json"))
        layers = []
        for p in manifest[0]["Layers"]:
            m = t.getmember(p)
            while m.issym():
                m = t.getmember(os.path.normpath(os.path.join(os.path.dirname(m.name), m.linkname)))
            layers.append(t.extractfile(m).read())
    fs = {}  # path -> inode key
    content = {}  # inode key -> bytes
    for li, blob in enumerate(layers):
        with tarfile.open(fileobj=io.BytesIO(blob)) as t:
            for m in t.getmembers():
                name = m.name.lstrip("./").rstrip("/")
                d, base = os.path.split(name)
                if base.startswith(".wh."):
                    gone = os.path.join(d, base[4:])
                    for p in [p for p in fs if p == gone or p.startswith(gone + "/")]:
                        del fs[p]
                    continue
                if m.isfile():
                    key = (li, name)
                    content[key] = t.extractfile(m).read()
                    fs[name] = key
                elif m.islnk():
                    fs[name] = fs[m.linkname.lstrip("./")]
                else:
                    fs.pop(name, None)
    return fs, content


def main():
    fs, content = final_fs(sys.argv[1])
    owner = {}
    for p, key in fs.items():
        if p.startswith("var/lib/dpkg/info/") and p.endswith(".list"):
            pkg = os.path.basename(p)[:-5].split(":")[0]
            for line in content[key].decode().splitlines():
                owner.setdefault(line.lstrip("/"), pkg)
    names = {}
    for p, key in sorted(fs.items()):
        names.setdefault(key, []).append("/" + p)
    files = []
    with tempfile.TemporaryDirectory() as tmp:
        for key, paths in names.items():
            data = content[key]
            if not data.startswith(b"\x7fELF"):
                continue
            a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
            open(a, "wb").write(data)
            open(b, "wb").write(data)
            subprocess.run(["strip", "--strip-unneeded", b], check=True)
            before, after = sections(a), sections(b)
            # Removed: the names the stripped copy no longer has (a section
            # it kept may change size, e.g. .shstrtab: not removed).
            gone = Counter(k[0] for k in before.elements()) - Counter(k[0] for k in after.elements())
            n = 0
            for (name, _, size), count in sorted(before.items()):
                take = min(count, gone[name])
                n += size * take
                gone[name] -= take
            if n:
                files.append({
                    "paths": paths,
                    "strippable_bytes": n,
                    "package": next((owner[p[1:]] for p in paths if p[1:] in owner), None),
                })
    files.sort(key=lambda f: (-f["strippable_bytes"], f["paths"]))
    json.dump({"files": files, "total": sum(f["strippable_bytes"] for f in files)}, sys.stdout, indent=1)


main()
