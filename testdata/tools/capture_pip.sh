#!/usr/bin/env bash
# Captures the real pip artifacts committed under testdata/images/common/pip/.
# Run ONCE by hand (needs PyPI); build.sh never runs it, so rebuilds are offline and stable.
#
#   site-packages/<pkg>/   real files written by `pip install --target --no-compile` (pip 24.2)
#   cache/docopt/wheels/   real wheel-cache entry written by pip 24.2 when it built docopt's sdist
#   cache/<pkg>/http-v2/   pip's HTTP cache layout (pip >= 23.3), built by capture_pip_http.py:
#                          bodies are the real downloaded files / realistic index pages,
#                          metadata files are cachecontrol "cc=4," + msgpack headers (fixed dates).
#                          (This sandbox's package mirror sends no cacheable headers, so pip
#                          itself wrote no http-v2 entries: that part is reconstructed.)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../images/common/pip"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PIP_CONFIG_FILE=/dev/null
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q pip==24.2 wheel==0.44.0
"$work/venv/bin/pip" download -q --no-deps --no-binary docopt -d "$work/dl" docopt==0.6.2 six==1.16.0
rm -rf "$out" && mkdir -p "$out/site-packages" "$out/cache/docopt" "$out/cache/six"
for pkg in docopt six; do
  "$work/venv/bin/pip" install -q --disable-pip-version-check --no-build-isolation --no-compile \
     --cache-dir "$work/cache-$pkg" --target "$out/site-packages/$pkg" "$pkg==$( [ $pkg = six ] && echo 1.16.0 || echo 0.6.2)"
  if [ -d "$work/cache-$pkg/wheels" ]; then cp -R "$work/cache-$pkg/wheels" "$out/cache/$pkg/"; fi
done
rm -rf "$out"/site-packages/*/bin
"$work/venv/bin/python" "$here/capture_pip_http.py" "$out" "$work/dl"
find "$out" -type f | sort
