#!/usr/bin/env python3
"""Compare expected.py's final filesystem of an image with a rootfs unpacked by another tool.

Usage: check_final_fs.py EXPECTED.json IMAGE ROOTFS_DIR
build.sh runs it on `umoci unpack` output: umoci applies the layers (whiteouts, opaque dirs,
hardlinks) with its own code, so agreement is an independent check of expected.py's model.
Compared: the set of paths, each path's type, file sizes and sha256, symlink targets, and
hardlink grouping (same expected inode <=> same st_ino).
"""
import hashlib
import json
import os
import stat
import sys


def main():
    exp = json.load(open(sys.argv[1]))["images"][sys.argv[2]]["final_fs"]
    root = sys.argv[3]
    got = {}
    for dirpath, dirs, files in os.walk(root):
        for n in dirs + files:
            full = os.path.join(dirpath, n)
            st = os.lstat(full)
            p = "/" + os.path.relpath(full, root)
            if stat.S_ISDIR(st.st_mode):
                got[p] = {"type": "dir"}
            elif stat.S_ISLNK(st.st_mode):
                got[p] = {"type": "symlink", "link": os.readlink(full)}
            elif stat.S_ISREG(st.st_mode):
                got[p] = {"type": "file", "size": st.st_size, "ino": st.st_ino,
                          "sha256": hashlib.sha256(open(full, "rb").read()).hexdigest()}
            else:
                got[p] = {"type": "special"}
    want = {e["path"]: e for e in exp}
    problems = []
    for p in sorted(set(want) | set(got)):
        w, g = want.get(p), got.get(p)
        if w is None or g is None:
            problems.append(f"{p}: {'only in unpacked rootfs' if w is None else 'missing from unpacked rootfs'}")
            continue
        if w["type"] != g["type"]:
            problems.append(f"{p}: type {w['type']} expected, {g['type']} unpacked")
        elif w["type"] == "file" and (w["size"], w["sha256"]) != (g["size"], g["sha256"]):
            problems.append(f"{p}: content differs")
        elif w["type"] == "symlink" and w["link"] != g["link"]:
            problems.append(f"{p}: link {w['link']} expected, {g['link']} unpacked")
    inode_of = {}
    for p, w in want.items():
        if w["type"] == "file" and p in got:
            inode_of.setdefault(w["inode"], set()).add(got[p]["ino"])
    for ino, sts in inode_of.items():
        if len(sts) != 1:
            problems.append(f"expected inode {ino}: unpacked as {len(sts)} different files")
    if len({next(iter(s)) for s in inode_of.values()}) != len(inode_of):
        problems.append("two expected inodes share one unpacked inode")
    if problems:
        print(f"check_final_fs: {sys.argv[2]}: {len(problems)} difference(s):", *problems, sep="\n  ", file=sys.stderr)
        sys.exit(1)
    print(f"check_final_fs: {sys.argv[2]}: {len(want)} paths agree with {root}")


if __name__ == "__main__":
    main()
