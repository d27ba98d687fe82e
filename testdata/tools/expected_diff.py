#!/usr/bin/env python3
"""Expected figures of `layerscope diff OLD NEW`, computed independently of layerscope:
each docker-archive's layers are applied with Python's tarfile by expected.py's naive overlay
(whiteouts, opaque directories, hardlinks), and the two final filesystems are compared.

    expected_diff.py NAME=OLD.tar,NEW.tar ...    > EXPECTED.json

Definitions (docs/interface.md, "diff"): a path's bytes are its regular file's size, a
hardlinked inode counted once, on its first live name in path order (other names 0). Live in
one side only: added / removed. Live in both: another kind -> changed; else more bytes ->
grown, fewer -> shrunk; equal bytes and another sha256 (files) or link target (symlinks) ->
changed. Mode/owner: the final entry's mode & 0o7777, uid, gid, where both paths were declared
by an entry and have the same kind.

Packages (docs/packages.md): the final /var/lib/dpkg/status (stanzas whose Status ends in
"installed") and every final */site-packages/*.dist-info/METADATA (Name, Version), read from
the layer that holds the live version of the file; matched by (manager, name) into new,
removed and upgraded (another version). A package's live bytes: the live regular files its
RECORD (Python, paths relative to the site directory) or /var/lib/dpkg/info/NAME.list lists,
an inode once; by_package lists the packages whose bytes differ.
"""
import csv
import hashlib
import json
import os
import sys
import tarfile
import io

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from expected import FS, norm, read_docker_archive  # noqa: E402


def image(path):
    _info, cfg_bytes, layers = read_docker_archive(path)
    cfg = json.loads(cfg_bytes)
    fs = FS()
    meta = {}  # path -> (layer, (mode, uid, gid)) of the last entry that declared it
    for i, tb in enumerate(layers, start=1):
        assert "sha256:" + hashlib.sha256(tb).hexdigest() == cfg["rootfs"]["diff_ids"][i - 1]
        fs.apply(i, tb)
        with tarfile.open(fileobj=io.BytesIO(tb)) as t:
            for m in t:
                p = norm(m.name)
                if p.rsplit("/", 1)[-1].startswith(".wh."):
                    continue
                meta[p] = (i, (m.mode & 0o7777, m.uid, m.gid))
    content = sum(x.size for x in fs.inodes)
    live = sum(x.size for x in fs.inodes if x.names)
    files = {}
    seen = set()
    for p in sorted(fs.nodes, key=lambda s: s.encode("utf-8", "surrogateescape")):
        if not p:
            continue
        n = fs.nodes[p]
        kind = {"hardlink": "file"}.get(n.kind, n.kind)
        b = 0
        if n.inode is not None and id(n.inode) not in seen:
            seen.add(id(n.inode))
            b = n.inode.size
        m = meta.get(p)
        files["/" + p] = {
            "kind": kind, "bytes": b,
            "sha": n.inode.sha if n.inode is not None else None,
            "link": n.link,
            "meta": m[1] if m is not None and m[0] == n.layer else None,
        }
    def read_live(p):
        n = fs.nodes.get(p)
        if n is None or n.inode is None:
            return None
        with tarfile.open(fileobj=io.BytesIO(layers[n.inode.layer - 1])) as t:
            for m in t:
                if norm(m.name) == n.inode.path and m.isfile():
                    return t.extractfile(m).read().decode("utf-8", "replace")
        raise SystemExit("%s: no content for /%s" % (path, p))

    def live_bytes(listed):
        """Bytes of the live regular files among `listed`, an inode once."""
        seen, b = set(), 0
        for q in listed:
            q = os.path.normpath("/" + q).lstrip("/")
            n = fs.nodes.get(q)
            if n is not None and n.inode is not None and id(n.inode) not in seen:
                seen.add(id(n.inode))
                b += n.inode.size
        return b

    packages = {}
    owned = {}  # (manager, name) -> live bytes
    status = read_live("var/lib/dpkg/status")
    for stanza in (status or "").split("\n\n"):
        f = dict(line.split(": ", 1) for line in stanza.splitlines()
                 if ": " in line and not line.startswith(" "))
        if "Package" in f and f.get("Status", "").endswith(" installed"):
            packages[("dpkg", f["Package"])] = f.get("Version", "")
    for p in fs.nodes:
        parts = p.split("/")
        if len(parts) >= 2 and parts[-1] == "METADATA" and parts[-2].endswith(".dist-info") \
                and "site-packages" in parts:
            f = dict(line.split(": ", 1) for line in read_live(p).split("\n\n")[0].splitlines()
                     if ": " in line)
            packages[("python", f["Name"])] = f["Version"]
            # its live bytes: RECORD's paths (relative to the site directory)
            site = "/".join(parts[:-2])
            record = read_live("/".join(parts[:-1] + ["RECORD"])) or ""
            listed = [site + "/" + row[0] for row in csv.reader(io.StringIO(record)) if row]
            owned[("python", f["Name"])] = owned.get(("python", f["Name"]), 0) + live_bytes(listed)
    for (manager, name) in packages:
        if manager == "dpkg":
            lst = read_live("var/lib/dpkg/info/%s.list" % name) or \
                read_live("var/lib/dpkg/info/%s:amd64.list" % name) or ""
            owned[(manager, name)] = live_bytes(lst.splitlines())
    return {
        "packages": packages,
        "owned": owned,
        "diff_ids": cfg["rootfs"]["diff_ids"],
        "totals": {"content_bytes": content, "live_bytes": live, "wasted_bytes": content - live},
        "files": files,
    }


def compare(o, n):
    shared = sum(1 for d in n["diff_ids"] if d in set(o["diff_ids"]))
    only_old = sum(1 for d in o["diff_ids"] if d not in set(n["diff_ids"]))
    prefix = 0
    for a, b in zip(o["diff_ids"], n["diff_ids"]):
        if a != b:
            break
        prefix += 1
    lists = {k: [] for k in ("added", "removed", "grown", "shrunk", "changed")}
    metadata = []
    of, nf = o["files"], n["files"]
    for p in sorted(set(of) | set(nf)):
        a, b = of.get(p), nf.get(p)
        e = {"path": p, "old_bytes": a["bytes"] if a else 0, "new_bytes": b["bytes"] if b else 0}
        if a is None:
            lists["added"].append(e)
        elif b is None:
            lists["removed"].append(e)
        else:
            if a["kind"] != b["kind"]:
                lists["changed"].append(e)
            elif b["bytes"] > a["bytes"]:
                lists["grown"].append(e)
            elif b["bytes"] < a["bytes"]:
                lists["shrunk"].append(e)
            elif (a["kind"] == "file" and a["sha"] != b["sha"]) or \
                    (a["kind"] == "symlink" and a["link"] != b["link"]):
                lists["changed"].append(e)
            if a["kind"] == b["kind"] and a["meta"] and b["meta"] and a["meta"] != b["meta"]:
                metadata.append({"path": p, "old_mode": "%04o" % a["meta"][0],
                                 "new_mode": "%04o" % b["meta"][0]})
    files = {
        "added_bytes": sum(e["new_bytes"] for e in lists["added"]),
        "removed_bytes": sum(e["old_bytes"] for e in lists["removed"]),
        "grown_bytes": sum(e["new_bytes"] - e["old_bytes"] for e in lists["grown"]),
        "shrunk_bytes": sum(e["old_bytes"] - e["new_bytes"] for e in lists["shrunk"]),
        "changed_bytes": sum(e["new_bytes"] for e in lists["changed"]),
        **lists,
        "metadata": metadata,
    }
    op, np_ = o["packages"], n["packages"]
    packages = {
        "new": [{"manager": k[0], "name": k[1], "version": np_[k]}
                for k in sorted(set(np_) - set(op))],
        "removed": [{"manager": k[0], "name": k[1], "version": op[k]}
                    for k in sorted(set(op) - set(np_))],
        "upgraded": [{"manager": k[0], "name": k[1], "old_version": op[k], "new_version": np_[k]}
                     for k in sorted(set(op) & set(np_)) if op[k] != np_[k]],
        "old_installed": len(op),
        "new_installed": len(np_),
        # every package whose live bytes differ (0 where it is absent)
        "by_package": [{"manager": k[0], "name": k[1], "old_bytes": o["owned"].get(k, 0),
                        "new_bytes": n["owned"].get(k, 0)}
                       for k in sorted(set(o["owned"]) | set(n["owned"]))
                       if o["owned"].get(k, 0) != n["owned"].get(k, 0)],
    }
    return {
        "packages": packages,
        "layers": {"shared": shared, "only_old": only_old, "only_new": len(n["diff_ids"]) - shared,
                   "first_difference": prefix + 1},
        "files": files,
        "delta": {k: n["totals"][k] - o["totals"][k] for k in n["totals"]},
    }


def main():
    out = {}
    for arg in sys.argv[1:]:
        name, pair = arg.split("=", 1)
        old, new = pair.split(",")
        out[name] = compare(image(old), image(new))
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
