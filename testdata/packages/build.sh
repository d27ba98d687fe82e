#!/usr/bin/env bash
# Build the packages image (NOT committed: ~830 MB) into WORKDIR:
#   testdata/packages/build.sh [WORKDIR]     (default /tmp/ls-pkgs)
# Needs network (Debian mirror), root, buildah, mmdebstrap, pip (for the
# six wheel). The rootfs tarball and the wheel are cached in WORKDIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
W=${1:-/tmp/ls-pkgs}
mkdir -p "$W/ctx" "$W/img"
cd "$W"
[ -f rootfs.tar ] || mmdebstrap --variant=minbase --format=tar bookworm rootfs.tar http://deb.debian.org/debian
[ -f wheels/six-1.16.0-py2.py3-none-any.whl ] || pip download --no-deps six==1.16.0 -d wheels
cp "$here/Dockerfile" ctx/Dockerfile
ln -f rootfs.tar ctx/rootfs.tar 2>/dev/null || cp rootfs.tar ctx/rootfs.tar
rm -rf ctx/wheels ctx/node_modules
cp -r wheels ctx/wheels
cp -r "$here/node_modules" ctx/node_modules
buildah bud --layers --isolation chroot --storage-driver overlay -t layerscope-packages ctx >build.log 2>&1
rm -f img/docker-archive.tar
buildah push --storage-driver overlay layerscope-packages docker-archive:"$W/img/docker-archive.tar":layerscope-packages:latest >/dev/null
echo "$W/img/docker-archive.tar"
