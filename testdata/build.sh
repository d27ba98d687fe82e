#!/usr/bin/env bash
# Rebuild layerscope's test images from their Dockerfiles, in every input format, and
# recompute EXPECTED.json / EXPECTED.md. See docs/testdata.md.
#
#   testdata/build.sh [TARGET...]    default: basic antipatterns remedies basic-vfs
#
# Targets: basic, antipatterns, remedies (all formats, storage driver $STORAGE_DRIVER) and
# basic-vfs (the basic Dockerfile built with the vfs driver, which encodes deletions
# differently; docker-archive.tar only).
#
# Needs root (rootful buildah, chroot isolation; no container engine, no network) and:
#   buildah skopeo umoci python3 gzip zstd and a static busybox
#   (Debian: apt-get install -y buildah skopeo umoci busybox-static zstd)
# It installs nothing. Environment knobs:
#   STORAGE_DRIVER   overlay (default) or vfs, for basic/antipatterns/remedies
#   BUSYBOX          path of a STATIC busybox (default /bin/busybox)
#   WORK             scratch dir (default /var/tmp/layerscope-testdata-build; wiped first)
# Idempotent: every run starts from empty private buildah stores (no layer cache), uses
# --timestamp 0, and replaces testdata/<target>/ only after every export of every target has
# been verified. Two runs with the same tool versions give byte-identical files.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOOLS=$HERE/tools
WORK=${WORK:-/var/tmp/layerscope-testdata-build}
DRIVER=${STORAGE_DRIVER:-overlay}
BUSYBOX=${BUSYBOX:-/bin/busybox}
REPO=layerscope-test
ALL=(basic antipatterns remedies basic-vfs)
if [ $# -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL[@]}"); fi

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- tools
missing=()
for t in buildah:buildah skopeo:skopeo umoci:umoci python3:python3 gzip:gzip zstd:zstd; do
  command -v "${t%%:*}" >/dev/null 2>&1 || missing+=("${t%%:*} (Debian package ${t##*:})")
done
if [ ! -x "$BUSYBOX" ]; then
  missing+=("static busybox at $BUSYBOX (Debian package busybox-static, or set BUSYBOX=)")
elif ldd "$BUSYBOX" >/dev/null 2>&1; then
  missing+=("$BUSYBOX is dynamically linked: a STATIC busybox is needed (busybox-static)")
fi
[ ${#missing[@]} -eq 0 ] || die "missing: $(printf '\n  %s' "${missing[@]}")"
[ "$(id -u)" = 0 ] || die "run as root (rootful buildah with chroot isolation)"
for t in "${TARGETS[@]}"; do
  [ -f "$HERE/images/${t%-vfs}/Dockerfile" ] || die "no Dockerfile for target '$t'"
done

say "buildah $(buildah --version | awk '{print $3}'), skopeo $(skopeo --version | awk '{print $3}'), $(umoci --version), storage driver $DRIVER (basic-vfs: vfs)"
bah() {  # bah DRIVER ARGS...: buildah on a private store of that driver
  local d=$1; shift
  buildah --root "$WORK/storage-$d" --runroot "$WORK/run-$d" --storage-driver "$d" "$@"
}
for d in overlay vfs; do
  if [ -d "$WORK/storage-$d" ]; then  # leftovers of an interrupted run
    bah "$d" rm --all >/dev/null 2>&1 || true
    bah "$d" rmi --all --force >/dev/null 2>&1 || true
    umount -R "$WORK/storage-$d/overlay" 2>/dev/null || true
  fi
done
rm -rf "$WORK"
mkdir -p "$WORK/ctx" "$WORK/out" "$WORK/tmp"
export SOURCE_DATE_EPOCH=0 PYTHONDONTWRITEBYTECODE=1
v() { python3 "$TOOLS/verify_export.py" "$@" >&2; }

# ---------------------------------------------------------------- build + export
for target in "${TARGETS[@]}"; do
  img=${target%-vfs}
  if [ "$target" = "$img" ]; then drv=$DRIVER; else drv=vfs; fi
  say "$target: staging the build context of images/$img"
  ctx=$WORK/ctx/$target
  mkdir -p "$ctx"
  cp -R "$HERE/images/$img/." "$ctx/"
  if [ "$img" != basic ]; then
    cp -R "$HERE/images/common/sim" "$ctx/sim"
    cp -R "$HERE/images/common/pip" "$ctx/sim/pip-artifacts"
  fi
  chmod -R u=rwX,go=rX "$ctx"          # independent of the caller's umask / checkout modes
  python3 "$TOOLS/gen_payloads.py" "$img" "$ctx"
  mkdir -p "$ctx/bb" && cp "$BUSYBOX" "$ctx/bb/busybox" && chmod 755 "$ctx/bb/busybox"
  find "$ctx" -exec touch -h -d @0 {} +

  say "$target: buildah bud --layers (storage driver $drv)"
  bah "$drv" bud --layers --isolation chroot --timestamp 0 --format oci \
      --iidfile "$WORK/tmp/$target.iid" -t "localhost/$REPO/$img:latest" \
      -f "$ctx/Dockerfile" "$ctx" >&2
  id=$(sed 's/^sha256://' "$WORK/tmp/$target.iid")

  out=$WORK/out/$target
  mkdir -p "$out"
  say "$target: exporting"
  # by image ID, so that the archive carries only the tag we give (not localhost/...)
  bah "$drv" push -q "$id" "docker-archive:$out/docker-archive.tar:$REPO/$img:latest"
  if [ "$target" = basic-vfs ]; then
    # only for the umoci cross-check below, not kept
    bah "$drv" push -q --compression-format gzip "$id" "oci:$WORK/tmp/$target-oci:latest"
    find "$out" -exec touch -h -d @0 {} +
    v "$out/docker-archive.tar" none
    continue
  fi
  gzip -n -9 -c "$out/docker-archive.tar" > "$out/docker-archive.tar.gz"
  bah "$drv" push -q --compression-format gzip "$id" "oci:$out/oci-gzip:latest"
  bah "$drv" push -q --compression-format gzip "$id" "oci-archive:$out/oci-archive.tar:latest"
  python3 "$TOOLS/zero_tar_mtimes.py" "$out/oci-archive.tar"   # its members carry the wall clock
  # zstd: recompress the gzip layout
  skopeo copy -q --dest-compress-format zstd "oci:$out/oci-gzip:latest" "oci:$out/oci-zstd:latest"
  # uncompressed: `buildah push --disable-compression` and `skopeo copy --dest-decompress`
  # to oci: both silently reuse the gzip blobs (1.28 / 1.9), and docker-archive -> oci
  # yields raw tars labelled +gzip. What works: decompress into a dir: layout, then copy
  # that to oci: with --dest-oci-accept-uncompressed-layers.
  skopeo copy -q --dest-decompress "oci:$out/oci-gzip:latest" "dir:$WORK/tmp/$target-dir"
  skopeo copy -q --dest-oci-accept-uncompressed-layers "dir:$WORK/tmp/$target-dir" "oci:$out/oci-plain:latest"
  python3 "$TOOLS/make_docker25.py" "$out/oci-plain" "$out/docker25.tar" "$REPO/$img:latest"
  if [ "$target" = basic ]; then
    python3 "$TOOLS/make_containerd.py" "$out/oci-gzip" "$out/docker25-containerd.tar" "$REPO/$img:latest"
    python3 "$TOOLS/make_multiplatform.py" "$out/oci-gzip" "$out/oci-multiplatform" latest
  fi
  find "$out" -exec touch -h -d @0 {} +

  say "$target: verifying media types, magic bytes, digests and diff_ids"
  v "$out/docker-archive.tar" none
  v "$out/docker-archive.tar.gz" none
  v "$out/oci-gzip" gzip
  v "$out/oci-zstd" zstd
  v "$out/oci-plain" none
  v "$out/oci-archive.tar" gzip
  v "$out/docker25.tar" none
  if [ "$target" = basic ]; then
    v "$out/docker25-containerd.tar" gzip --allow-missing
    v "$out/oci-multiplatform" gzip
  fi
  if tar -tf "$out/oci-archive.tar" | grep -qx manifest.json; then die "$target: oci-archive.tar has a manifest.json"; fi
done

# ---------------------------------------------------------------- expected figures
say "computing EXPECTED.json / EXPECTED.md (tools/expected.py)"
args=()
for t in "${TARGETS[@]}"; do args+=("$t=$WORK/out/$t"); done
python3 "$TOOLS/expected.py" "$WORK/out/EXPECTED.json" "$WORK/out/EXPECTED.md" "${args[@]}"

say "cross-checking the final filesystems with umoci unpack"
for t in "${TARGETS[@]}"; do
  if [ "$t" = basic-vfs ]; then layout=$WORK/tmp/$t-oci; else layout=$WORK/out/$t/oci-plain; fi
  umoci unpack --image "$layout:latest" "$WORK/tmp/$t-bundle" >/dev/null
  python3 "$TOOLS/check_final_fs.py" "$WORK/out/EXPECTED.json" "$t" "$WORK/tmp/$t-bundle/rootfs" >&2
done

# ---------------------------------------------------------------- install into testdata/
for t in "${TARGETS[@]}"; do
  rm -rf "${HERE:?}/$t"
  mv "$WORK/out/$t" "$HERE/$t"
done
if [ "${TARGETS[*]}" = "${ALL[*]}" ]; then
  mv "$WORK/out/EXPECTED.json" "$WORK/out/EXPECTED.md" "$HERE/"
else
  say "partial build: EXPECTED.* left in $WORK/out (they cover only: ${TARGETS[*]})"
fi

total=$(du -sb --exclude=images --exclude=tools "$HERE" | cut -f1)
say "testdata outputs: $total bytes"
du -sh "$HERE"/*/ "$HERE"/EXPECTED.* >&2
[ "$total" -le $((12 * 1024 * 1024)) ] || die "testdata is over the 12 MB limit"
for d in overlay vfs; do bah "$d" rmi --all --force >/dev/null 2>&1 || true; done
say "done"
