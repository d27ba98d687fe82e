#!/usr/bin/env bash
# Build the packages image (build.sh), unpack it with umoci, and compare
# every package of `layerscope report --format json` (version, live bytes,
# files, hidden bytes) and totals.package_live_bytes with expected.py's
# independent figures (dpkg-query, the .list files, RECORD via csv, tarfile).
#   testdata/packages/check.sh [WORKDIR]     (default /tmp/ls-pkgs)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
W=${1:-/tmp/ls-pkgs}
"$here/build.sh" "$W" >/dev/null
cd "$W"
rm -rf oci bundle
skopeo copy -q docker-archive:img/docker-archive.tar oci:oci:latest
umoci unpack --image oci:latest bundle >/dev/null
python3 "$here/expected.py" img/docker-archive.tar bundle/rootfs expected.json
(cd "$root" && cargo build --release --quiet)
"$root/target/release/layerscope" report --format json img/docker-archive.tar >ours.json
python3 - <<'PY'
import json, sys
exp = json.load(open("expected.json")); ours = json.load(open("ours.json"))
o = {}
for p in ours["packages"]:
    o[p["manager"] + " " + p["name"] + ("" if p["manager"] == "dpkg" else " " + p["location"])] = p
bad = 0
total = exp.pop("total package_live_bytes")
if total != ours["totals"]["package_live_bytes"]:
    print("DIFF package_live_bytes", ours["totals"]["package_live_bytes"], "expected", total); bad += 1
for k, e in sorted(exp.items()):
    p = o.get(k)
    if p is None:
        print("MISSING", k, e); bad += 1; continue
    got = (p["version"] if e["version"] is not None else None, p["live_bytes"], p["files"], p["hidden_bytes"])
    want = (e["version"], e["live_bytes"], e["files"], e.get("hidden_bytes", 0))
    if got != want:
        print("DIFF", k, got, "expected", want); bad += 1
extra = [k for k in o if k not in exp and o[k]["removed_by"] is None]
for k in extra:
    print("EXTRA", k); bad += 1
print(f"{len(exp)} packages compared, package_live_bytes {total}: {bad} differences")
sys.exit(1 if bad else 0)
PY
