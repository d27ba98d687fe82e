#!/usr/bin/env bash
# Build the packages image and compare every figure of `layerscope report
# --format json` with expected.py's independent ones: this is the test
# tests/packages_debian.rs (part of `cargo test`), run alone and verbose.
# Needs root, network, buildah, mmdebstrap, python3 with pip, dpkg-query.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec cargo test --locked --test tests packages_debian -- --nocapture
