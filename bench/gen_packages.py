#!/usr/bin/env python3
"""Synthetic package-heavy image for the packages step (issue 14), no downloads.

python3 bench/gen_packages.py OUT.tar [PACKAGES] [FILES_PER_PACKAGE] [UPGRADE_LAYERS]

A docker-archive: layer 0 is a usrmerged root (/bin -> usr/bin) with PACKAGES
dpkg packages of FILES_PER_PACKAGE files each (var/lib/dpkg/status and one
info/NAME.list per package, listing paths under /bin so they resolve through
the symlink); each further layer upgrades 1 in 10 packages: rewrites their
files (hiding the previous layer's), their .list and the whole status file.
So every layer but the last has hidden files and its own database version,
like a Debian image built by several apt-get RUN steps.
"""
import hashlib, io, json, os, sys, tarfile

out = sys.argv[1]
npkg = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
nfiles = int(sys.argv[3]) if len(sys.argv) > 3 else 20
nup = int(sys.argv[4]) if len(sys.argv) > 4 else 5


def add(t, name, data=b"", kind=tarfile.REGTYPE, link=""):
    i = tarfile.TarInfo(name)
    i.type = kind
    i.mtime = 1704067200
    i.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    if kind == tarfile.SYMTYPE:
        i.linkname = link
        t.addfile(i)
    elif kind == tarfile.DIRTYPE:
        t.addfile(i)
    else:
        i.size = len(data)
        t.addfile(i, io.BytesIO(data))


def files(p):
    return [f"usr/bin/p{p}/f{j}" for j in range(nfiles)]


def status(versions):
    s = []
    for p in range(npkg):
        s.append(
            f"Package: pkg{p}\nStatus: install ok installed\nPriority: optional\n"
            f"Architecture: amd64\nVersion: {versions[p]}\nDescription: synthetic {p}\n"
        )
    return "\n".join(s).encode()


def listing(p):
    dirs = ["/.", "/bin", f"/bin/p{p}"]
    return ("\n".join(dirs + [f"/bin/p{p}/f{j}" for j in range(nfiles)]) + "\n").encode()


versions = ["1.0"] * npkg
layers = []
for l in range(nup + 1):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        if l == 0:
            for d in ["usr", "usr/bin", "var", "var/lib", "var/lib/dpkg", "var/lib/dpkg/info"]:
                add(t, d, kind=tarfile.DIRTYPE)
            add(t, "bin", kind=tarfile.SYMTYPE, link="usr/bin")
            pkgs = range(npkg)
        else:
            pkgs = range(l % 10, npkg, 10)
        for p in pkgs:
            versions[p] = f"1.{l}"
            if l == 0:
                add(t, f"usr/bin/p{p}", kind=tarfile.DIRTYPE)
            for j, f in enumerate(files(p)):
                add(t, f, (f"{p} {j} {l} " * (40 + j % 50)).encode())
            add(t, f"var/lib/dpkg/info/pkg{p}.list", listing(p))
        add(t, "var/lib/dpkg/status", status(versions))
    layers.append(buf.getvalue())

with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as t:
    shas = [hashlib.sha256(b).hexdigest() for b in layers]
    for s, b in zip(shas, layers):
        add(t, f"{s}/layer.tar", b)
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{s}" for s in shas]},
        "history": [{"created": "2024-01-01T00:00:00Z", "created_by": f"RUN apt-get step {i}"} for i in range(len(shas))],
    }).encode()
    cs = hashlib.sha256(config).hexdigest()
    add(t, f"{cs}.json", config)
    add(t, "manifest.json", json.dumps([{"Config": f"{cs}.json", "RepoTags": ["pkgbench:latest"],
                                          "Layers": [f"{s}/layer.tar" for s in shas]}]).encode())
