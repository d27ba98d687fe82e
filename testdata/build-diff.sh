#!/usr/bin/env bash
# Build the `layerscope diff` test pair: testdata/images/diff/Dockerfile with --build-arg V=1
# and V=2, exported as docker-archive only, into testdata/diff/{v1,v2}.tar, then compute
# testdata/diff/EXPECTED.json with tools/expected_diff.py (also for an image with
# itself and the unrelated pair basic/antipatterns) (Python tarfile, independent of
# layerscope). Same requirements and knobs as build.sh (root, buildah, python3, a STATIC
# busybox at $BUSYBOX); same determinism (--timestamp 0, empty private store).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOOLS=$HERE/tools
WORK=${WORK:-/var/tmp/layerscope-testdata-diff}
BUSYBOX=${BUSYBOX:-/bin/busybox}
DRIVER=${STORAGE_DRIVER:-overlay}
say() { printf '== %s\n' "$*" >&2; }
die() { printf 'build-diff.sh: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (rootful buildah with chroot isolation)"
[ -x "$BUSYBOX" ] || die "no static busybox at $BUSYBOX"
bah() { buildah --root "$WORK/storage" --runroot "$WORK/run" --storage-driver "$DRIVER" "$@"; }
if [ -d "$WORK/storage" ]; then
  bah rm --all >/dev/null 2>&1 || true
  bah rmi --all --force >/dev/null 2>&1 || true
  umount -R "$WORK/storage/overlay" 2>/dev/null || true
fi
rm -rf "$WORK"
mkdir -p "$WORK/ctx" "$WORK/out"
export SOURCE_DATE_EPOCH=0 PYTHONDONTWRITEBYTECODE=1
ctx=$WORK/ctx
cp -R "$HERE/images/diff/." "$ctx/"
cp -R "$HERE/images/common/sim" "$ctx/sim"
cp -R "$HERE/images/common/pip" "$ctx/sim/pip-artifacts"
chmod -R u=rwX,go=rX "$ctx"
python3 "$TOOLS/gen_payloads.py" remedies "$ctx"
mkdir -p "$ctx/bb" && cp "$BUSYBOX" "$ctx/bb/busybox" && chmod 755 "$ctx/bb/busybox"
find "$ctx" -exec touch -h -d @0 {} +
for v in 1 2; do
  say "v$v: buildah bud --layers --build-arg V=$v"
  bah bud --layers --isolation chroot --timestamp 0 --format oci --build-arg "V=$v" \
      --iidfile "$WORK/v$v.iid" -t "localhost/layerscope-test/diff:v$v" \
      -f "$ctx/Dockerfile" "$ctx" >&2
  id=$(sed 's/^sha256://' "$WORK/v$v.iid")
  bah push -q "$id" "docker-archive:$WORK/out/v$v.tar:layerscope-test/diff:v$v"
done
python3 "$TOOLS/verify_export.py" "$WORK/out/v1.tar" none >&2
python3 "$TOOLS/verify_export.py" "$WORK/out/v2.tar" none >&2
find "$WORK/out" -exec touch -h -d @0 {} +
rm -rf "$HERE/diff"
mv "$WORK/out" "$HERE/diff"
# the pair, the other way round, an image with itself, and an unrelated pair (no shared layer)
cd "$HERE"
python3 "$TOOLS/expected_diff.py" v1-v2=diff/v1.tar,diff/v2.tar v2-v1=diff/v2.tar,diff/v1.tar \
  self=diff/v1.tar,diff/v1.tar unrelated=basic/docker-archive.tar,antipatterns/docker-archive.tar \
  > diff/EXPECTED.json
touch -h -d @0 diff/EXPECTED.json
bah rmi --all --force >/dev/null 2>&1 || true
du -sh "$HERE/diff" >&2
say done
