#!/usr/bin/env python3
"""Independent package figures of the packages image (testdata/packages).

Usage: expected.py DOCKER_ARCHIVE ROOTFS OUT.json

* ROOTFS is the final filesystem unpacked by a real tool (umoci unpack);
  `dpkg-query --admindir=ROOTFS/var/lib/dpkg` lists the packages and their
  versions; each package's live bytes are the sizes of the regular files its
  `info/NAME[:ARCH].list` lists, stat'ed in ROOTFS with symlinks followed in
  directory components (inside ROOTFS), each (dev, inode) once per package.
* Python: every `*.dist-info/RECORD` under a site-/dist-packages directory,
  read with the csv module, the same way.
* npm: every file under node_modules/NAME except nested node_modules.
* Groups: each package name matched with fnmatch against the globs that
  docs/packages.md documents (copied below, first group wins, `!` excludes);
  the toolchain finding's bytes are the live inodes of the toolchain
  group's packages, each (dev, inode) once.
* Hidden bytes of removed and upgraded packages: from the layer tars with
  tarfile: the files the .list of the layer that added them lists, which a
  later layer overwrites or deletes (whiteout), each tar inode once.
Nothing here imports or runs layerscope.
"""
import csv, fnmatch, io, json, os, stat, subprocess, sys, tarfile

archive, rootfs, out = sys.argv[1:4]


def resolve(rel):
    """Path of `rel` (absolute in the image) inside rootfs, directory
    symlinks followed within rootfs, the last component not followed."""
    comps = [c for c in rel.split("/") if c]
    cur = []
    hops = 0
    while comps:
        c = comps.pop(0)
        if c == ".":
            continue
        if c == "..":
            cur = cur[:-1]
            continue
        p = os.path.join(rootfs, *cur, c)
        if comps and os.path.islink(p):
            hops += 1
            if hops > 40:
                return None
            t = os.readlink(p)
            if t.startswith("/"):
                cur = []
            comps = [x for x in t.split("/") if x] + comps
            continue
        cur.append(c)
    return os.path.join(rootfs, *cur)


owned = {}  # every package's inodes: package_live_bytes
inodes = {}  # package key -> its live inodes {(dev, ino): size}

# docs/packages.md, "Groups" (the built-in globs, in matching order).
GROUPS = [
    ("toolchain", ["gcc", "gcc-*", "g++", "g++-*", "cpp", "cpp-*", "clang", "clang-*",
                   "llvm", "llvm-*", "lld", "lld-*", "binutils", "binutils-*", "libbinutils",
                   "libctf*", "libgprofng*", "libsframe*", "make", "cmake", "cmake-data",
                   "ninja-build", "build-essential", "dpkg-dev", "autoconf", "automake",
                   "libtool", "pkg-config", "pkgconf", "rustc", "cargo", "golang", "golang-*",
                   "libgcc-*-dev", "libstdc++-*-dev", "libc-dev-bin", "linux-libc-dev",
                   "kernel-headers", "glibc-headers",
                   "libcc1-*", "libisl*", "libmpc*", "libmpfr*", "libasan*", "liblsan*",
                   "libtsan*", "libubsan*", "libhwasan*", "libitm*", "libquadmath*",
                   "*-dev", "*-devel", "!gcc-*-base", "!cpp-*-base"]),
    ("docs", ["*-doc", "*-docs", "man-db", "manpages", "manpages-*", "info",
              "install-info", "groff-base", "man-pages", "man-pages-*"]),
    ("locales", ["locales", "locales-all", "*-l10n", "*-l10n-*", "language-pack-*",
                 "glibc-locale*", "glibc-langpack-*", "glibc-all-langpacks", "langpacks-*"]),
]


def group_of(name):
    for g, globs in GROUPS:
        inc = [x for x in globs if not x.startswith("!")]
        exc = [x[1:] for x in globs if x.startswith("!")]
        if any(fnmatch.fnmatchcase(name, x) for x in inc) and not any(
                fnmatch.fnmatchcase(name, x) for x in exc):
            return g
    return None


def live(key, paths):
    seen = {}
    for rel in paths:
        p = resolve(rel)
        if p is None:
            continue
        try:
            st = os.lstat(p)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            seen[(st.st_dev, st.st_ino)] = st.st_size
    owned.update(seen)
    inodes[key] = seen
    return sum(seen.values()), len(seen)


admin = os.path.join(rootfs, "var/lib/dpkg")
q = subprocess.run(
    ["dpkg-query", "--admindir=" + admin, "-W", "-f=${Package} ${Version} ${db:Status-Abbrev}\n"],
    check=True, capture_output=True, text=True).stdout
pkgs = {}
info = os.path.join(admin, "info")
for line in q.splitlines():
    name, version, st = line.split(" ", 2)
    if not st.startswith("ii"):
        continue
    lists = [f for f in os.listdir(info) if f in (name + ".list",) or (f.startswith(name + ":") and f.endswith(".list"))]
    paths = []
    for f in lists:
        paths += open(os.path.join(info, f), "rb").read().decode().splitlines()
    b, n = live("dpkg " + name, paths)
    pkgs["dpkg " + name] = {"version": version, "live_bytes": b, "files": n}

for dirpath, dirnames, filenames in os.walk(rootfs):
    base = os.path.basename(dirpath)
    if base.endswith(".dist-info") and "RECORD" in filenames:
        site = os.path.dirname(dirpath)
        if os.path.basename(site) not in ("site-packages", "dist-packages"):
            continue
        rows = list(csv.reader(open(os.path.join(dirpath, "RECORD"), newline="")))
        site_rel = os.path.relpath(site, rootfs)
        paths = [os.path.normpath(os.path.join("/", site_rel, r[0])) for r in rows if r]
        name, version = base[: -len(".dist-info")].split("-")[:2]
        b, n = live("python " + name + " /" + site_rel, paths)
        pkgs["python " + name + " /" + site_rel] = {"version": version, "live_bytes": b, "files": n}
    if os.path.basename(os.path.dirname(dirpath)) == "node_modules" and "package.json" in filenames:
        meta = json.load(open(os.path.join(dirpath, "package.json")))
        paths = []
        for d, dn, fn in os.walk(dirpath):
            dn[:] = [x for x in dn if x != "node_modules"]
            paths += ["/" + os.path.relpath(os.path.join(d, f), rootfs) for f in fn]
        b, n = live("npm " + meta["name"] + " /" + os.path.relpath(dirpath, rootfs), paths)
        pkgs["npm " + meta["name"] + " /" + os.path.relpath(dirpath, rootfs)] = {
            "version": meta.get("version", ""), "live_bytes": b, "files": n}

# Hidden bytes from the layer tars.
outer = tarfile.open(archive)
manifest = json.load(outer.extractfile("manifest.json"))[0]
layers = []
for name in manifest["Layers"]:
    layers.append(tarfile.open(fileobj=io.BytesIO(outer.extractfile(name).read())))
members = [{m.name.lstrip("./").rstrip("/"): m for m in t.getmembers()} for t in layers]
top = {}  # top-level symlinks of the final rootfs (usrmerge: bin -> usr/bin)
for e in os.listdir(rootfs):
    if os.path.islink(os.path.join(rootfs, e)):
        top[e] = os.readlink(os.path.join(rootfs, e)).strip("/")


def in_tar(path):
    p = path.strip("/")
    first, _, rest = p.partition("/")
    if first in top and rest:
        p = top[first] + "/" + rest
    return p


def hidden_after(i, p):
    """Does a layer above i put or white out path p (or an ancestor)?"""
    for m in members[i + 1:]:
        if p in m:
            return True
        parts = p.split("/")
        for k in range(1, len(parts) + 1):
            d = "/".join(parts[: k - 1])
            wh = (d + "/" if d else "") + ".wh." + parts[k - 1]
            if wh in m:
                return True
        for k in range(1, len(parts)):
            if "/".join(parts[:k]) + "/.wh..wh..opq" in m:
                return True
    return False


hidden = {}
for i, m in enumerate(members):
    for key, mem in m.items():
        if not (key.startswith("var/lib/dpkg/info/") and key.endswith(".list")):
            continue
        name = key.rsplit("/", 1)[1][:-5].split(":")[0]
        text = layers[i].extractfile(mem).read().decode()
        seen = {}
        for path in text.splitlines():
            p = in_tar(path)
            e = m.get(p)
            if e is None or not (e.isreg() or e.islnk()):
                continue
            if e.islnk():
                target = e.linkname.lstrip("./")
                e = m.get(target, e)
                p2 = target
            else:
                p2 = p
            if hidden_after(i, p):
                seen[p2] = e.size
        if seen:
            hidden["dpkg " + name] = hidden.get("dpkg " + name, 0) + sum(seen.values())
for k, v in hidden.items():
    pkgs.setdefault(k, {"version": None, "live_bytes": 0, "files": 0})["hidden_bytes"] = v
tools = {}
for k, p in pkgs.items():
    p["group"] = group_of(k.split(" ")[1])
    if p["group"] == "toolchain":
        tools.update(inodes.get(k, {}))
pkgs["total package_live_bytes"] = sum(owned.values())
pkgs["total toolchain_bytes"] = sum(tools.values())
json.dump(pkgs, open(out, "w"), indent=1, sort_keys=True)
print(len(pkgs), "packages")
