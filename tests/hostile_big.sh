#!/bin/sh
# The full-size hostile cases of tests/hostile_inputs.rs (a 10 GiB gzip
# bomb, 10^6 entries, 1,000 layers x 1,000 entries, a big directory whited
# out again and again), against a RELEASE build: each test runs the real
# binary and prints its wall time and peak RSS (/usr/bin/time -f %M).
# Also the debug-size cases, for comparison.
#
#   tests/hostile_big.sh            # all
#   tests/hostile_big.sh big_gzip   # one (a test-name filter)
#
# Needs ~1 GB of free disk in $TMPDIR (the 10^6-entry layer) and a few
# minutes. Keep it off machines where others are measuring.
set -eu
cd "$(dirname "$0")/.."
filter=${1:-}
nice -n 10 cargo test --release --test hostile_inputs -- --ignored --test-threads=1 --nocapture $filter 2>&1 |
    grep -E '^(test |FIGURES|test result)|panicked'
nice -n 10 cargo test --release --test hostile_inputs -- --test-threads=1 --nocapture thousand_layers hundred_thousand 2>&1 |
    grep -E '^(test |FIGURES|test result)|panicked'
