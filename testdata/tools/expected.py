#!/usr/bin/env python3
"""Independent expected figures for the layerscope test images.

Usage: expected.py OUT_JSON OUT_MD IMAGE=DIR [IMAGE=DIR ...]
  DIR is testdata/<image>: the figures are computed from DIR/docker-archive.tar (uncompressed
  layers) with Python's tarfile only; the other format files of DIR are only read for their
  stored (compressed) sizes. Nothing of layerscope is used.

Method: materialise each filesystem state naively, layer by layer, in a dict path -> node,
applying the OCI rules (image-spec layer.md) as waste-model.md words them:
  * D/.wh.NAME removes D/NAME and its subtree, from LOWER layers only;
  * D/.wh..wh..opq removes every lower-layer child of D (same-layer entries stay);
  * a file/symlink/hardlink at a path replaces what was there (a directory with its subtree);
    a directory over a non-directory removes it; a directory over a directory merges;
  * missing parents are implied; a non-directory in a parent's place is removed;
  * two entries for one path in one layer: the last wins.
Hardlinks: the names linked in one layer are one inode (bytes counted once). An inode is
hidden when its last name goes; the cause is that of the last removal: `overwritten` when a
regular file or hardlink took the same path, else `removed`.
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

# ------------------------------------------------------------------ reading the archive


def open_bytes(path):
    raw = open(path, "rb").read()
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw


def norm(name):
    while name.startswith("./"):
        name = name[2:]
    name = name.lstrip("/")
    while "//" in name:
        name = name.replace("//", "/")
    return name.rstrip("/")


def read_docker_archive(path):
    raw = open_bytes(path)
    with tarfile.open(fileobj=io.BytesIO(raw)) as t:
        members = {m.name: m for m in t.getmembers()}

        def read(name):
            m = members[name]
            while m.issym():
                m = members[os.path.normpath(os.path.join(os.path.dirname(m.name), m.linkname))]
            return t.extractfile(m).read()

        mj = json.loads(read("manifest.json"))
        assert len(mj) == 1, "one image per archive expected"
        cfg_bytes = read(mj[0]["Config"])
        layers = [read(p) for p in mj[0]["Layers"]]
    return mj[0], cfg_bytes, layers


# ------------------------------------------------------------------ the naive overlay


class Inode:
    def __init__(self, layer, path, size, sha):
        self.layer, self.path, self.size, self.sha = layer, path, size, sha
        self.names = set()
        self.cause = self.hidden_by = None


class Node:
    def __init__(self, kind, layer, inode=None, link=None):
        self.kind, self.layer, self.inode, self.link = kind, layer, inode, link


class FS:
    def __init__(self):
        self.nodes = {"": Node("dir", 0)}
        self.inodes = []

    def subtree(self, p):
        pre = p + "/" if p else ""
        return [q for q in self.nodes if q == p or (q.startswith(pre) and q != "")] if p else \
            [q for q in self.nodes if q]

    def drop(self, q, cause, layer):
        n = self.nodes.pop(q)
        if n.inode is not None:
            n.inode.names.discard(q)
            if not n.inode.names:
                n.inode.cause, n.inode.hidden_by = cause, layer

    def remove(self, p, cause, layer, only_lower=False):
        for q in sorted(self.subtree(p), key=len, reverse=True):
            if only_lower and self.nodes[q].layer >= layer:
                continue
            self.drop(q, cause, layer)

    def parents(self, p, layer):
        parts = p.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            a = "/".join(parts[:i])
            n = self.nodes.get(a)
            if n is not None and n.kind != "dir":
                self.remove(a, "removed", layer)
                n = None
            if n is None:
                self.nodes[a] = Node("dir", layer)

    def apply(self, layer, tar_bytes):
        """Apply one layer; returns its per-layer statistics."""
        stats = {"entries": 0, "content_bytes": 0, "regular_files": 0, "whiteouts": [],
                 "opaque_dirs": [], "hardlinks": [], "symlinks": [], "dirs": 0}
        with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as t:
            for m in t:
                stats["entries"] += 1
                p = norm(m.name)
                base = p.rsplit("/", 1)[-1]
                parent = p.rsplit("/", 1)[0] if "/" in p else ""
                if base == ".wh..wh..opq":
                    stats["opaque_dirs"].append("/" + parent)
                    for q in [q for q in self.subtree(parent) if q != parent]:
                        if q in self.nodes and self.nodes[q].layer < layer:
                            self.remove(q, "removed", layer, only_lower=True)
                    continue
                if base.startswith(".wh."):
                    target = (parent + "/" if parent else "") + base[4:]
                    stats["whiteouts"].append("/" + target)
                    if target in self.nodes:
                        self.remove(target, "removed", layer, only_lower=True)
                    continue
                self.parents(p, layer)
                old = self.nodes.get(p)
                if m.isdir():
                    stats["dirs"] += 1
                    if old is not None and old.kind == "dir":
                        old.layer = layer  # merge: metadata only
                        continue
                    if old is not None:
                        self.remove(p, "removed", layer)
                    self.nodes[p] = Node("dir", layer)
                    continue
                # a non-directory takes the path
                if m.isfile():
                    kind, cause = "file", "overwritten"
                elif m.islnk():
                    kind, cause = "hardlink", "overwritten"
                elif m.issym():
                    kind, cause = "symlink", "removed"
                else:
                    kind, cause = "special", "removed"
                if old is not None:
                    c = cause if old.kind in ("file", "hardlink") else "removed"
                    self.remove(p, c, layer)
                if kind == "file":
                    data = t.extractfile(m).read()
                    ino = Inode(layer, p, m.size, hashlib.sha256(data).hexdigest())
                    self.inodes.append(ino)
                    stats["content_bytes"] += m.size
                    stats["regular_files"] += 1
                    ino.names.add(p)
                    self.nodes[p] = Node("file", layer, ino)
                elif kind == "hardlink":
                    tgt = self.nodes.get(norm(m.linkname))
                    assert tgt is not None and tgt.inode is not None and tgt.inode.layer == layer, \
                        f"layer {layer}: hardlink {p} -> {m.linkname} does not name a file of this layer"
                    tgt.inode.names.add(p)
                    stats["hardlinks"].append(f"/{p} => /{norm(m.linkname)}")
                    self.nodes[p] = Node("hardlink", layer, tgt.inode)
                elif kind == "symlink":
                    stats["symlinks"].append(f"/{p} -> {m.linkname}")
                    self.nodes[p] = Node("symlink", layer, link=m.linkname)
                else:
                    self.nodes[p] = Node("special", layer)
        return stats


# ------------------------------------------------------------------ cache rules (by path)

CACHE_RULES = [
    # (name, predicate on the normalised path without leading '/')
    ("pip", lambda p: p.startswith("root/.cache/pip/") or
        (p.startswith("home/") and "/.cache/pip/" in p and p.split("/")[2] == ".cache")),
    ("apt-lists", lambda p: p.startswith("var/lib/apt/lists/") and p != "var/lib/apt/lists/lock"),
    ("apt-archives", lambda p: p.startswith("var/cache/apt/")),
    ("tmp", lambda p: p.startswith("tmp/")),
    ("var-tmp", lambda p: p.startswith("var/tmp/")),
    ("var-log", lambda p: p.startswith("var/log/")),
]
PREFIXES = ["var/lib/apt/lists/", "var/cache/apt/", "root/.cache/pip/", "tmp/", "var/tmp/", "var/log/"]


def analyse(name, d):
    info, cfg_bytes, layers = read_docker_archive(os.path.join(d, "docker-archive.tar"))
    cfg = json.loads(cfg_bytes)
    diff_ids = cfg["rootfs"]["diff_ids"]
    history = [h for h in cfg.get("history", []) if not h.get("empty_layer")]
    assert len(history) == len(layers) == len(diff_ids)
    fs = FS()
    out_layers = []
    for i, (tb, hist) in enumerate(zip(layers, history), start=1):
        digest = "sha256:" + hashlib.sha256(tb).hexdigest()
        assert digest == diff_ids[i - 1], f"{name}: layer {i}: blob digest != diff_id"
        st = fs.apply(i, tb)
        out_layers.append({"index": i, "digest": digest, "diff_id": diff_ids[i - 1],
                           "size_bytes": len(tb), "created_by": hist.get("created_by", ""), **st})
    hidden, live = [], []
    for ino in fs.inodes:
        (live if ino.names else hidden).append(ino)
    for L in out_layers:
        L["hidden_bytes_added"] = sum(x.size for x in hidden if x.layer == L["index"])
        L["hides_bytes"] = sum(x.size for x in hidden if x.hidden_by == L["index"])
    content = sum(x.size for x in fs.inodes)
    live_bytes = sum(x.size for x in live)
    removed = sum(x.size for x in hidden if x.cause == "removed")
    overwritten = sum(x.size for x in hidden if x.cause == "overwritten")

    cache = []
    for rule, pred in CACHE_RULES:
        lv = [x for x in live if pred(x.path)]
        hd = [x for x in hidden if pred(x.path)]
        if lv or hd:
            cache.append({"rule": rule, "live_bytes": sum(x.size for x in lv),
                          "hidden_bytes": sum(x.size for x in hd), "files": len(lv) + len(hd),
                          "live_files": len(lv), "hidden_files": len(hd)})
    prefixes = []
    for pre in PREFIXES:
        lv = [x for x in live if x.path.startswith(pre)]
        hd = [x for x in hidden if x.path.startswith(pre)]
        prefixes.append({"prefix": "/" + pre, "live_bytes": sum(x.size for x in lv), "live_files": len(lv),
                         "hidden_bytes": sum(x.size for x in hd), "hidden_files": len(hd)})

    groups = {}
    for x in live:
        if x.size > 0:
            groups.setdefault(x.sha, []).append(x)
    dups = []
    for sha, xs in groups.items():
        if len(xs) > 1:
            dups.append({"bytes_each": xs[0].size, "wasted_bytes": (len(xs) - 1) * xs[0].size,
                         "sha256": sha,
                         "paths": sorted("/" + (x.path if x.path in x.names else sorted(x.names)[0]) for x in xs)})
    dups.sort(key=lambda g: (-g["wasted_bytes"], g["paths"]))
    dup_bytes = sum(g["wasted_bytes"] for g in dups)
    cache_paths = {x.path for x in live if any(pred(x.path) for _, pred in CACHE_RULES)}
    assert not any(p.lstrip("/") in cache_paths for g in dups for p in g["paths"]), \
        "a duplicate is also a cache file: recoverable would need the no-double-count rule"
    cache_live = sum(c["live_bytes"] for c in cache)

    final = []
    inode_ids = {id(x): n for n, x in enumerate(fs.inodes)}
    for p in sorted(fs.nodes):
        if not p:
            continue
        n = fs.nodes[p]
        e = {"path": "/" + p, "type": "file" if n.kind == "hardlink" else n.kind, "layer": n.layer}
        if n.inode is not None:
            e.update(size=n.inode.size, sha256=n.inode.sha, inode=inode_ids[id(n.inode)])
        if n.link is not None:
            e["link"] = n.link
        final.append(e)

    return {
        "image": name,
        "reference": info["RepoTags"][0] if info.get("RepoTags") else None,
        "config_digest": "sha256:" + hashlib.sha256(cfg_bytes).hexdigest(),
        "architecture": cfg.get("architecture"), "os": cfg.get("os"),
        "history": [{"created_by": h.get("created_by", ""), "empty_layer": bool(h.get("empty_layer"))}
                    for h in cfg.get("history", [])],
        "totals": {
            "layers": len(layers),
            "size_bytes": sum(len(tb) for tb in layers),
            "entries": sum(L["entries"] for L in out_layers),
            "content_bytes": content,
            "live_bytes": live_bytes,
            "wasted_bytes": removed + overwritten,
            "removed_bytes": removed,
            "overwritten_bytes": overwritten,
            "efficiency": round(live_bytes / content, 6) if content else 1.0,
            "cache_live_bytes": cache_live,
            "cache_hidden_bytes": sum(c["hidden_bytes"] for c in cache),
            "duplicate_bytes": dup_bytes,
            "recoverable_bytes": removed + overwritten + cache_live + dup_bytes,
            "hidden_files": len(hidden),
            "live_files": len(live),
        },
        "layers": out_layers,
        "hidden": [{"path": "/" + x.path, "bytes": x.size, "cause": x.cause, "added_by": x.layer,
                    "hidden_by": x.hidden_by}
                   for x in sorted(hidden, key=lambda x: (-x.size, x.path)) if x.size > 0],
        "cache": cache,
        "paths": prefixes,
        "duplicates": dups,
        "formats": formats(d),
        "final_fs": final,
    }


# ------------------------------------------------------------------ stored sizes per format


def _files_of(path):
    if os.path.isdir(path):
        return lambda n: open(os.path.join(path, n), "rb").read() if os.path.exists(os.path.join(path, n)) else None
    t = tarfile.open(fileobj=io.BytesIO(open_bytes(path)))
    names = {m.name: m for m in t.getmembers()}

    def get(n):
        m = names.get(n)
        while m is not None and m.issym():
            m = names.get(os.path.normpath(os.path.join(os.path.dirname(m.name), m.linkname)))
        return t.extractfile(m).read() if m is not None else None
    return get


def formats(d):
    out = {}
    for f in sorted(os.listdir(d)):
        get = _files_of(os.path.join(d, f))
        stored = os.path.getsize(os.path.join(d, f)) if os.path.isfile(os.path.join(d, f)) else None
        idx = get("index.json")
        if idx is None:
            mj = json.loads(get("manifest.json"))[0]
            out[f] = {"kind": "docker-archive", "file_bytes": stored,
                      "layers": [{"path": p, "size": len(get(p))} for p in mj["Layers"]]}
            out[f]["stored_bytes"] = sum(x["size"] for x in out[f]["layers"])
            continue
        mans = []

        def walk(desc, mans=mans, get=get):
            blob = get("blobs/sha256/" + desc["digest"].split(":")[1])
            if blob is None:
                mans.append({"digest": desc["digest"], "platform": desc.get("platform"), "absent": True})
                return
            obj = json.loads(blob)
            if "manifests" in obj:
                for x in obj["manifests"]:
                    walk(x)
            else:
                mans.append({"digest": desc["digest"], "platform": desc.get("platform"),
                             "annotations": desc.get("annotations"),
                             "config": obj["config"]["digest"],
                             "layers": [{"digest": l["digest"], "size": l["size"], "mediaType": l["mediaType"]}
                                        for l in obj["layers"]],
                             "stored_bytes": sum(l["size"] for l in obj["layers"])})
        for desc in json.loads(idx)["manifests"]:
            walk(desc)
        out[f] = {"kind": "oci-index" + ("+manifest.json" if get("manifest.json") else ""),
                  "file_bytes": stored, "manifests": mans}
    return out


# ------------------------------------------------------------------ markdown


def human_hist(s, n=110):
    s = s.replace("/bin/sh -c #(nop) ", "").replace("/bin/sh -c ", "RUN ")
    for m in ("--mount=type=bind,source=bb/busybox,target=/bin/sh ",
              "--mount=type=bind,source=sim,target=/usr/local/sbin ",
              "--mount=type=bind,source=payload,target=/payload "):
        s = s.replace(m, "")
    s = s.replace("|", "\\|")
    return s if len(s) <= n else s[: n - 1] + "…"


def markdown(results, handcheck):
    o = ["# Expected figures for the test images", "",
         "Generated by `testdata/tools/expected.py` from each image's `docker-archive.tar` with Python's",
         "`tarfile` only (naive materialisation of every layer, see the script's docstring), by",
         "`testdata/build.sh`. Machine-readable: `EXPECTED.json` (also has the final filesystem of",
         "each image and every format's blob list). A hand cross-check of `basic` is at the end.",
         "", "Conventions: bytes are exact; layer N is the N-th layer of the manifest (1 = bottom);",
         "*size* = length of the uncompressed layer tar (= what diff_id hashes); *content* = sum of",
         "regular-file sizes; *entries* = tar entries, whiteouts and directories included. In a",
         "docker-archive the layer blob digest IS the diff_id (layers are stored uncompressed).",
         "RUN lines are shown without their `--mount=...` options (bind mounts of busybox and of",
         "the stand-in tools, see docs/testdata.md).", ""]
    for r in results:
        t = r["totals"]
        o += [f"## {r['image']}", "", f"Reference `{r['reference']}`, config `{r['config_digest']}`, "
              f"{r['os']}/{r['architecture']}.", ""]
        o += ["| L | created by | blob digest = diff_id | size | entries | content | whiteouts |",
              "|---|---|---|---:|---:|---:|---|"]
        for L in r["layers"]:
            wh = ", ".join([f"`{w}`" for w in L["whiteouts"]] + [f"opaque `{w}/`" for w in L["opaque_dirs"]]) or "–"
            o.append(f"| {L['index']} | `{human_hist(L['created_by'])}` | `{L['digest']}` | {L['size_bytes']} | "
                     f"{L['entries']} | {L['content_bytes']} | {wh} |")
        o += ["", "Empty-layer history entries (no layer): " +
              (", ".join(f"`{human_hist(h['created_by'], 60)}`" for h in r["history"] if h["empty_layer"]) or "none") + ".", ""]
        links = [(L["index"], x) for L in r["layers"] for x in L["hardlinks"] + L["symlinks"]]
        if links:
            o += ["Links: " + "; ".join(f"L{i} `{x}`" for i, x in links) + ".", ""]
        o += ["| total | value |", "|---|---:|"]
        for k in ("layers", "size_bytes", "entries", "content_bytes", "live_bytes", "wasted_bytes",
                  "removed_bytes", "overwritten_bytes", "efficiency", "cache_live_bytes",
                  "cache_hidden_bytes", "duplicate_bytes", "recoverable_bytes", "hidden_files", "live_files"):
            o.append(f"| {k} | {t[k]} |")
        o += [""]
        if r["hidden"]:
            o += ["Hidden files (bytes > 0):", "", "| path | bytes | cause | added by | hidden by |",
                  "|---|---:|---|---:|---:|"]
            o += [f"| `{h['path']}` | {h['bytes']} | {h['cause']} | L{h['added_by']} | L{h['hidden_by']} |"
                  for h in r["hidden"]]
            o += [f"| **total** | **{t['wasted_bytes']}** | | | |", ""]
        else:
            o += ["Hidden files: none.", ""]
        o += ["Per layer: " + ", ".join(f"L{L['index']} adds {L['hidden_bytes_added']} later-hidden B / hides {L['hides_bytes']} B"
                                        for L in r["layers"] if L["hidden_bytes_added"] or L["hides_bytes"]) + ".", ""]
        o += ["| path prefix | live bytes (files) | hidden bytes (files) |", "|---|---:|---:|"]
        o += [f"| `{p['prefix']}` | {p['live_bytes']} ({p['live_files']}) | {p['hidden_bytes']} ({p['hidden_files']}) |"
              for p in r["paths"]]
        o += ["", "Cache rules as `expected.py` names them (the names layerscope uses may differ): " +
              (", ".join(f"{c['rule']} live {c['live_bytes']} / hidden {c['hidden_bytes']}" for c in r["cache"]) or "none") + ".", ""]
        if r["duplicates"]:
            o += ["Duplicate groups (live, size > 0, same sha256, different inodes):", ""]
            o += [f"- {g['bytes_each']} B × {len(g['paths'])} → wasted {g['wasted_bytes']}: " +
                  ", ".join(f"`{p}`" for p in g["paths"]) for g in r["duplicates"]]
            o += [""]
        else:
            o += ["Duplicate groups: none.", ""]
        o += ["Stored sizes (sum of the layer blobs as stored, per format file):", "",
              "| format | layers media type | stored bytes | file/dir bytes |", "|---|---|---:|---:|"]
        for f, v in r["formats"].items():
            if v["kind"] == "docker-archive":
                o.append(f"| `{f}` | uncompressed tar (docker-archive) | {v['stored_bytes']} | {v['file_bytes']} |")
            else:
                for m in v["manifests"]:
                    plat = m.get("platform") or {}
                    ps = "/".join(x for x in (plat.get("os"), plat.get("architecture"), plat.get("variant")) if x)
                    if m.get("absent"):
                        o.append(f"| `{f}` {ps} | (manifest absent) | – | – |")
                        continue
                    mts = sorted({l["mediaType"].rsplit("/", 1)[-1] for l in m["layers"]})
                    o.append(f"| `{f}` {ps} | {', '.join(mts)} | {m['stored_bytes']} | {v['file_bytes'] or '(dir)'} |")
        o += [""]
    if handcheck:
        o += [handcheck.rstrip(), ""]
    return "\n".join(o)


def main():
    out_json, out_md = sys.argv[1], sys.argv[2]
    results = []
    for arg in sys.argv[3:]:
        name, d = arg.split("=", 1)
        results.append(analyse(name, d))
    with open(out_json, "w") as f:
        json.dump({"generated_by": "testdata/tools/expected.py", "images": {r["image"]: r for r in results}},
                  f, indent=1, sort_keys=False)
        f.write("\n")
    hc = os.path.join(os.path.dirname(os.path.abspath(__file__)), "handcheck.md")
    with open(out_md, "w") as f:
        f.write(markdown(results, open(hc).read() if os.path.exists(hc) else ""))


if __name__ == "__main__":
    main()
