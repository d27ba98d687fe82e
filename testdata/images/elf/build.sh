#!/usr/bin/env bash
# Rebuild testdata/elf/docker-archive.tar (docs/testdata.md, "Unstripped ELF
# files") from this directory's Dockerfile and C sources:
#   testdata/images/elf/build.sh
# Needs root, gcc, binutils (objcopy, strip), buildah and a static busybox
# (BUSYBOX, default /bin/busybox). The expected figures are not stored: the
# test computes them with expected.py (strip + readelf) from the archive.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "$here/../.." && pwd)/elf
mkdir -p "$out"
BUSYBOX=${BUSYBOX:-/bin/busybox}
W=$(mktemp -d /var/tmp/layerscope-elf.XXXXXX)
trap 'buildah --root "$W/storage" --runroot "$W/run" --storage-driver vfs rmi --all --force >/dev/null 2>&1 || true; rm -rf "$W"' EXIT
ctx=$W/ctx
mkdir -p "$ctx/bb" "$ctx/out" "$ctx/rootfs/usr/lib/x86_64-linux-gnu" "$ctx/rootfs/var/lib/dpkg/info"
cp "$BUSYBOX" "$ctx/bb/busybox"
cp "$here/Dockerfile" "$ctx/Dockerfile"
# -ffile-prefix-map: the build directory does not end up in the debug info;
# -z noseparate-code: no page-aligned padding between segments (smaller files).
cflags=(-g -O1 -Wl,-z,noseparate-code "-ffile-prefix-map=$here=." "-ffile-prefix-map=$W=.")
gcc "${cflags[@]}" -o "$ctx/out/hello" "$here/hello.c"
strip --strip-unneeded -o "$ctx/out/hello.stripped" "$ctx/out/hello"
lib=$ctx/rootfs/usr/lib/x86_64-linux-gnu/libtw.so.1
gcc "${cflags[@]}" -shared -fPIC -Wl,-soname,libtw.so.1 -o "$lib" "$here/libtw.c"
id=$(readelf -n "$lib" | awk '/Build ID/ {print $3}')
dbg=usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
mkdir -p "$ctx/rootfs/$(dirname "$dbg")"
objcopy --only-keep-debug "$lib" "$ctx/rootfs/$dbg"
cat >"$ctx/rootfs/var/lib/dpkg/status" <<STATUS
Package: libtw1
Status: install ok installed
Architecture: amd64
Version: 1.0-1

Package: libtw1-dbgsym
Status: install ok installed
Architecture: amd64
Version: 1.0-1
Depends: libtw1 (= 1.0-1)
STATUS
printf '/.\n/usr\n/usr/lib\n/usr/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu/libtw.so.1\n' \
  >"$ctx/rootfs/var/lib/dpkg/info/libtw1:amd64.list"
printf '/.\n/usr/lib/debug\n/%s\n' "$dbg" >"$ctx/rootfs/var/lib/dpkg/info/libtw1-dbgsym:amd64.list"
bah() { buildah --root "$W/storage" --runroot "$W/run" --storage-driver vfs "$@"; }
BUILDAH_ISOLATION=chroot bah bud -q --layers --timestamp 0 -t layerscope-test/elf "$ctx" >/dev/null
rm -f "$out/docker-archive.tar"
bah push -q layerscope-test/elf "docker-archive:$out/docker-archive.tar:layerscope-test/elf:latest"
ls -l "$out/docker-archive.tar"
